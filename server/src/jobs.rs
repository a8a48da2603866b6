//! Background work of a server process: the run handlers ([`registry`]), the worker pool that claims and
//! executes runs, the stale-run reconciler, the periodic-sync scheduler, the baseline compare slots and
//! the risk-acceptance expiry. Several server processes on
//! one PostgreSQL share the queue (claims skip locked rows); `TENANTPILOT_WORKERS=0` makes a web-only node.

use std::{sync::Arc, time::Duration};

use app::{
    authz::server::SystemScope,
    baselines::server::{capture, compare, schedule},
    connections::server::verify,
    db::Db,
    inventory::server::sync,
    keys::Keys,
    operations::{
        server::{
            scheduler,
            worker::{self, Registry, WorkerPool},
        },
        RunType,
    },
    provider::server::Provider,
    reviews::server::{compose, evidence, generate, storage::PackStore},
};
use tokio::task::JoinHandle;

/// How often idle workers look for queued runs.
pub const POLL: Duration = Duration::from_millis(500);
/// How often the reconciler and the scheduler run (at most; twice per stale period when that is shorter).
pub const TICK: Duration = Duration::from_secs(30);

/// Every production handler, by run type.
pub fn registry(provider: Arc<Provider>, keys: Arc<Keys>, packs: Arc<dyn PackStore>) -> Registry {
    let mut r = Registry::new();
    let (p, k) = (provider.clone(), keys.clone());
    r.register(RunType::ProviderConnectionVerify, move |ctx| verify::run(ctx, p.clone(), k.clone()));
    let k = keys.clone();
    r.register(RunType::InventorySync, move |ctx| sync::run(ctx, provider.clone(), k.clone()));
    r.register(RunType::BaselineCapture, capture::run);
    r.register(RunType::CompareRun, compare::run);
    r.register(RunType::EvidenceGenerate, evidence::run);
    r.register(RunType::ReviewCompose, compose::run);
    r.register(RunType::ReviewPackGenerate, move |ctx| generate::run(ctx, keys.clone(), packs.clone()));
    r
}

/// Settings of the background work.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    pub workers: usize,
    /// Periodic inventory sync per active tenant; `None` turns the scheduler off.
    pub sync_interval: Option<Duration>,
    /// Running runs without a heartbeat for this long are failed (`run.stale_heartbeat`).
    pub stale_after: Duration,
    pub worker_prefix: String,
}

/// The running background work; [`Jobs::shutdown`] stops it (a worker finishes its current run first).
pub struct Jobs {
    pool: WorkerPool,
    ticker: JoinHandle<()>,
}

impl Jobs {
    pub async fn shutdown(self) {
        self.ticker.abort();
        self.pool.shutdown().await;
    }
}

/// Starts the workers and the ticker (reconcile stale runs, then queue due syncs, every [`TICK`]).
pub fn start(db: Db, provider: Arc<Provider>, keys: Arc<Keys>, packs: Arc<dyn PackStore>, config: JobsConfig) -> Jobs {
    let registry = registry(provider, keys, packs.clone());
    let pool = worker::spawn_workers(db.clone(), registry, config.workers, POLL, &config.worker_prefix);
    let ticker = tokio::spawn(async move {
        let system = SystemScope::scheduler();
        let mut every = tokio::time::interval(TICK.min(config.stale_after / 2));
        loop {
            every.tick().await;
            let now = chrono::Utc::now();
            match worker::reconcile_stale(&db, &system, now, config.stale_after).await {
                Ok(ids) if !ids.is_empty() => tracing::warn!(runs = ?ids, "failed stale operation runs"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "reconciling stale runs failed"),
            }
            match schedule::tick(&db, &system, now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(runs = n, "queued scheduled baseline compares"),
                Err(e) => tracing::warn!(error = %e, "scheduling baseline compares failed"),
            }
            match app::findings::server::system::expire_acceptances(&db, &system, now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(exceptions = n, "expired risk acceptances"),
                Err(e) => tracing::warn!(error = %e, "expiring risk acceptances failed"),
            }
            match app::reviews::server::generate::expire(&db, packs.as_ref(), &system).await {
                Ok((0, 0)) => {}
                Ok((p, s)) => tracing::info!(packs = p, snapshots = s, "expired review packs and evidence snapshots"),
                Err(e) => tracing::warn!(error = %e, "expiring review packs failed"),
            }
            if let Some(interval) = config.sync_interval {
                match scheduler::tick(&db, &system, now, interval).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(runs = n, "queued scheduled inventory syncs"),
                    Err(e) => tracing::warn!(error = %e, "scheduling inventory syncs failed"),
                }
            }
        }
    });
    Jobs { pool, ticker }
}
