//! The world of the inventory tests: the seeded demo database, the simulated Graph holding the demo
//! tenants (small pages, no throttling) and a provider pointed at it with fast back-off and a generous
//! request budget; plus running the queue to its end with the production handlers.

use std::{sync::Arc, time::Duration};

use app::{
    authz::server::SystemScope,
    db::Db,
    db_run,
    keys::Keys,
    operations::{server::worker, OperationRunDto},
    provider::server::{ClientSecret, GraphConfig, PlatformApp, Provider, RequestBudget},
};
use server::graph_sim::{self, generator::platform_app, SimConfig, SimHandle, Throttling};

use super::{Engine, TestApp, TEST_SECRET_KEY};

pub struct SimWorld {
    pub app: TestApp,
    pub sim: SimHandle,
    pub provider: Arc<Provider>,
    pub keys: Arc<Keys>,
}

/// The demo seed, a simulator with `policies` policies per demo tenant, and the provider; `None` when the
/// engine is not available (see [`TestApp::new`]).
pub async fn sim_world(engine: Engine, policies: usize) -> Option<SimWorld> {
    let app = TestApp::new(engine).await?;
    assert!(server::seed::demo(&app.db).await.unwrap());
    let identities = server::seed::demo_identities();
    let config = SimConfig {
        tenants: identities.len(),
        identities,
        policies,
        page_size: 7,
        throttling: Throttling::off(),
        ..SimConfig::default()
    };
    let sim = graph_sim::spawn("127.0.0.1:0".parse().unwrap(), config).await.expect("simulator").1;
    let mut graph = GraphConfig::at(&sim.base_url(), &sim.base_url());
    graph.backoff_base = Duration::from_millis(10);
    graph.backoff_cap = Duration::from_millis(100);
    graph.max_attempts = 3;
    graph.timeout = Duration::from_secs(5);
    graph.budget =
        RequestBudget { per_second: 1000.0, burst: 1000, concurrency: 8, conditional_access_per_second: 1000.0 };
    let (client_id, secret) = platform_app(sim.sim.config.seed);
    let platform = PlatformApp { client_id, secret: ClientSecret::new(secret) };
    let provider = Arc::new(Provider::new(graph, Some(platform)).unwrap());
    let keys = Arc::new(Keys::from_base64(TEST_SECRET_KEY).unwrap());
    Some(SimWorld { app, sim, provider, keys })
}

impl SimWorld {
    pub fn db(&self) -> &Db {
        &self.app.db
    }

    /// The TenantPilot id of demo tenant `name` and its directory id.
    pub async fn tenant(&self, name: &str) -> (i64, String) {
        db_run!(self.db(), p => sqlx::query_as::<_, (i64, String)>(
            "SELECT id, entra_tenant_id FROM tenants WHERE display_name = $1").bind(name).fetch_one(p).await)
        .unwrap()
    }

    /// Claims and executes queued runs until the queue is empty; returns them as completed.
    pub async fn drain(&self) -> Vec<OperationRunDto> {
        let registry = server::jobs::registry(self.provider.clone(), self.keys.clone(), self.app.packs.clone());
        let system = SystemScope::for_test("tests");
        let mut done = Vec::new();
        while let Some(claimed) = worker::claim_next(self.db(), &system, "test-worker").await.unwrap() {
            let id = claimed.run.id;
            worker::execute(self.db(), &system, &registry, claimed).await.unwrap();
            done.push(self.run(id).await);
        }
        done
    }

    pub async fn run(&self, id: i64) -> OperationRunDto {
        let row = app::operations::server::repo::select_run_by_id(self.db(), id).await.unwrap().unwrap();
        row.into_dto().unwrap()
    }

    /// Connects an active tenant and runs its first sync.
    pub async fn connected(&self, tenant: i64) -> OperationRunDto {
        self.connect(tenant).await;
        let first = self.sync(tenant).await;
        assert_eq!(first.outcome, app::operations::RunOutcome::Succeeded, "{first:?}");
        first
    }

    /// Saves a platform connection for `tenant` and drains the queue after starting its verification.
    pub async fn connect(&self, tenant: i64) -> Vec<OperationRunDto> {
        let scope = super::contoso_owner(self.db())
            .await
            .tenant(self.db(), tenant, app::authz::Capability::TenantsView)
            .await
            .unwrap();
        let input = app::connections::ConnectionInput::parse("platform", None, None, false).unwrap();
        app::connections::server::service::save(self.db(), &self.keys, &scope, input).await.unwrap();
        app::connections::server::service::start_verify(self.db(), &scope).await.unwrap();
        self.drain().await
    }

    pub async fn sync(&self, tenant: i64) -> OperationRunDto {
        let scope = super::contoso_owner(self.db())
            .await
            .tenant(self.db(), tenant, app::authz::Capability::TenantsView)
            .await
            .unwrap();
        let started = app::inventory::server::service::start_sync(self.db(), &scope).await.unwrap();
        self.drain().await;
        self.run(started.run.id).await
    }
}
