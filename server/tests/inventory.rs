//! Provider connections and inventory sync end to end, on SQLite and PostgreSQL, against the simulated
//! Graph over real HTTP: onboarding (save → verify → active → first sync), immutable versions (none for
//! unchanged or volatile-only changes, one per real change, "protected" for secret-only changes with the
//! secret stored nowhere), provider-missing marking only after complete syncs, every injected fault's
//! outcome and reason code, sealed dedicated secrets, scope rules, and two worker pools sharing one queue.

mod common;

use std::{sync::Arc, time::Duration};

use app::{
    connections::{server::service as connections, ConnectionInput, ConnectionType, VerificationStatus},
    db_run,
    error::AppError,
    inventory::{server::service as inventory, ChangeKind, PolicyQuery, Visibility},
    keys::Keys,
    operations::{
        server::{service as runs, worker},
        OperationRunDto, RunOutcome, RunStatus,
    },
    paging::PageRequest,
};
use common::{
    contoso_owner, member_scope, sim_control, system,
    world::{sim_world, SimWorld},
    Engine,
};
use serde_json::{json, Value};
use server::graph_sim::{self, generator::platform_app};

const POLICIES: usize = 24;

type World = SimWorld;

async fn world(engine: Engine) -> Option<World> {
    sim_world(engine, POLICIES).await
}

impl SimWorld {
    async fn flags(&self, tid: &str, body: Value) -> Value {
        sim_control(&self.sim, reqwest::Method::PATCH, &format!("/tenants/{tid}"), body).await
    }

    async fn fault(&self, tid: &str, body: Value) -> Value {
        sim_control(&self.sim, reqwest::Method::POST, &format!("/tenants/{tid}/faults"), body).await
    }

    async fn clear(&self, tid: &str) -> Value {
        sim_control(&self.sim, reqwest::Method::DELETE, &format!("/tenants/{tid}/faults"), json!({})).await
    }

    async fn member_tenant(&self, email: &str, id: i64) -> Result<app::authz::server::TenantScope, AppError> {
        member_scope(self.db(), email, "contoso")
            .await
            .unwrap()
            .tenant(self.db(), id, app::authz::Capability::TenantsView)
            .await
    }

    async fn policies(&self, tenant: i64, visibility: Visibility) -> Vec<app::inventory::PolicyDto> {
        let scope = contoso_owner(self.db())
            .await
            .tenant(self.db(), tenant, app::authz::Capability::TenantsView)
            .await
            .unwrap();
        let page = PageRequest::parse(None, Some(200)).unwrap();
        let q = PolicyQuery::parse(None, None, None, Some(visibility.id()), page).unwrap();
        inventory::list(self.db(), &scope, &q).await.unwrap().items
    }
}

fn summary(run: &OperationRunDto, key: &str) -> i64 {
    run.summary.get(key).copied().unwrap_or_else(|| panic!("summary has no {key}: {:?}", run.summary))
}

fn reason(run: &OperationRunDto) -> Option<String> {
    run.failure.as_ref().map(|f| f.reason.id().to_string())
}

async fn onboarding_verifies_activates_and_syncs(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let (legacy, _) = w.tenant("Contoso Legacy").await;
    let runs = w.connect(legacy).await;
    assert_eq!(runs.len(), 2, "verification, then the first sync queued by onboarding: {runs:?}");
    let (verify, sync) = (&runs[0], &runs[1]);
    assert_eq!((verify.run_type.as_str(), verify.outcome), ("provider.connection.verify", RunOutcome::Succeeded));
    assert_eq!(verify.context["verification_report"]["status"], "healthy");
    assert_eq!((sync.run_type.as_str(), sync.outcome), ("inventory.sync", RunOutcome::Succeeded), "{sync:?}");
    let scope = contoso_owner(w.db()).await.tenant(w.db(), legacy, app::authz::Capability::TenantsView).await.unwrap();
    let conn = connections::get(w.db(), &scope).await.unwrap().unwrap();
    assert_eq!(conn.verification_status, VerificationStatus::Healthy);
    assert!(conn.permissions_missing.is_empty());
    let lifecycle: String = db_run!(w.db(), p => sqlx::query_scalar("SELECT lifecycle FROM tenants WHERE id = $1")
        .bind(legacy).fetch_one(p).await)
    .unwrap();
    assert_eq!(lifecycle, "active");
    // Every object once, each with exactly one version; coverage complete for every type.
    let items = summary(sync, "items");
    assert!(items > POLICIES as i64, "{items}");
    assert_eq!(summary(sync, "versions_created"), items);
    assert_eq!(summary(sync, "types_failed"), 0);
    let policies = w.policies(legacy, Visibility::All).await;
    assert_eq!(policies.len() as i64, items);
    assert!(policies.iter().all(|p| p.version_count == 1));
    let overview = inventory::overview(w.db(), &scope).await.unwrap();
    assert!(overview.coverage.iter().all(|c| c.status == "complete"), "{:?}", overview.coverage);
    assert_eq!(overview.policies, items);
    let coverage = &sync.context["inventory"]["coverage"]["policy_types"];
    assert_eq!(coverage["settings_catalog"]["status"], "complete");
    assert_eq!(w.app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'tenant.activate'").await, 1);
    assert_eq!(w.app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'provider_connection.save'").await, 1);
    w.app.cleanup().await;
}

async fn versions_only_for_real_changes(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let (retail, tid) = w.tenant("Contoso Retail").await;
    w.connected(retail).await;
    // No change at the provider: nothing new.
    let again = w.sync(retail).await;
    assert_eq!((again.outcome, summary(&again, "versions_created")), (RunOutcome::Succeeded, 0));
    assert_eq!(summary(&again, "unchanged"), summary(&again, "items"));
    // A write that changes nothing but the volatile fields (version, lastModifiedDateTime): still nothing.
    let dc =
        w.sim.sim.tenant(&tid).unwrap().store.lock().unwrap().items("deviceManagement/deviceConfigurations")[0].clone();
    let (id, name) = (dc["id"].as_str().unwrap().to_string(), dc["displayName"].clone());
    let path = format!("deviceManagement/deviceConfigurations/{id}");
    sim_control(
        &w.sim,
        reqwest::Method::POST,
        &format!("/tenants/{tid}/drift"),
        json!({"op": "update", "path": path, "set": {"displayName": name}}),
    )
    .await;
    let volatile = w.sync(retail).await;
    assert_eq!(summary(&volatile, "versions_created"), 0, "{volatile:?}");
    // A real change: exactly one new version, and the diff names the setting.
    sim_control(
        &w.sim,
        reqwest::Method::POST,
        &format!("/tenants/{tid}/drift"),
        json!({"op": "update", "path": path, "set": {"description": "Changed in the portal"}}),
    )
    .await;
    let changed = w.sync(retail).await;
    assert_eq!(summary(&changed, "versions_created"), 1);
    let policy =
        w.policies(retail, Visibility::All).await.into_iter().find(|p| p.version_count == 2).expect("changed policy");
    let scope = contoso_owner(w.db()).await.tenant(w.db(), retail, app::authz::Capability::TenantsView).await.unwrap();
    let detail = inventory::get(w.db(), &scope, policy.id).await.unwrap();
    assert_eq!(detail.versions.iter().map(|v| v.version_no).collect::<Vec<_>>(), [2, 1]);
    let d = inventory::compare(w.db(), &scope, policy.id, detail.versions[1].id, detail.versions[0].id).await.unwrap();
    assert_eq!(d.changes.len(), 1, "{:?}", d.changes);
    assert_eq!((d.changes[0].pointer.as_str(), d.changes[0].kind), ("/description", ChangeKind::Changed));
    assert_eq!(d.changes[0].after, Some(json!("Changed in the portal")));
    // Versions are immutable in storage.
    let update =
        db_run!(w.db(), p => sqlx::query("UPDATE policy_versions SET snapshot = '{}'").execute(p).await.map(|_| ()));
    assert!(update.is_err(), "policy_versions must refuse UPDATE");
    w.app.cleanup().await;
}

async fn secret_only_change_is_protected_and_stored_nowhere(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let (retail, tid) = w.tenant("Contoso Retail").await;
    w.connected(retail).await;
    let custom = {
        let t = w.sim.sim.tenant(&tid).unwrap();
        let store = t.store.lock().unwrap();
        store
            .items("deviceManagement/deviceConfigurations")
            .iter()
            .find(|p| p["@odata.type"] == "#microsoft.graph.windows10CustomConfiguration")
            .cloned()
            .expect("custom OMA policy")
    };
    let index = custom["omaSettings"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s["isEncrypted"] == true)
        .expect("encrypted setting");
    const SECRET: &str = "Wifi-PSK-0f3c9a7e-never-store-me";
    let path = format!("deviceManagement/deviceConfigurations/{}", custom["id"].as_str().unwrap());
    sim_control(
        &w.sim,
        reqwest::Method::POST,
        &format!("/tenants/{tid}/drift"),
        json!({"op": "update", "path": path, "pointer": format!("/omaSettings/{index}/value"), "value": SECRET}),
    )
    .await;
    let run = w.sync(retail).await;
    assert_eq!((summary(&run, "versions_created"), summary(&run, "protected_changes")), (1, 1), "{run:?}");
    let policy = w.policies(retail, Visibility::All).await.into_iter().find(|p| p.version_count == 2).unwrap();
    let scope = contoso_owner(w.db()).await.tenant(w.db(), retail, app::authz::Capability::TenantsView).await.unwrap();
    let detail = inventory::get(w.db(), &scope, policy.id).await.unwrap();
    assert!(detail.versions[0].protected_change && !detail.versions[1].protected_change);
    let d = inventory::compare(w.db(), &scope, policy.id, detail.versions[1].id, detail.versions[0].id).await.unwrap();
    assert_eq!(d.changes.len(), 1, "{:?}", d.changes);
    assert!(d.changes[0].protected && d.changes[0].before.is_none() && d.changes[0].after.is_none());
    let version = inventory::version(w.db(), &scope, policy.id, detail.versions[0].id).await.unwrap();
    assert_eq!(version.protected_pointers, [format!("/omaSettings/{index}/value")]);
    for text in [
        serde_json::to_string(&version).unwrap(),
        serde_json::to_string(&d).unwrap(),
        serde_json::to_string(&run).unwrap(),
    ] {
        assert!(!text.contains(SECRET));
    }
    // Nowhere in the database: every text column of every table that could hold it.
    for (table, column) in [
        ("policy_versions", "snapshot"),
        ("policy_versions", "secret_fingerprints"),
        ("operation_runs", "context"),
        ("operation_runs", "failure"),
        ("audit_log", "metadata"),
        ("policies", "display_name"),
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%never-store-me%'");
        assert_eq!(w.app.scalar(&sql).await, 0, "{table}.{column} holds the secret");
    }
    w.app.cleanup().await;
}

async fn provider_missing_only_after_complete_syncs(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let (retail, tid) = w.tenant("Contoso Retail").await;
    w.connected(retail).await;
    let victim =
        w.sim.sim.tenant(&tid).unwrap().store.lock().unwrap().items("deviceManagement/deviceCompliancePolicies")[0]
            .clone();
    let path = format!("deviceManagement/deviceCompliancePolicies/{}", victim["id"].as_str().unwrap());
    sim_control(&w.sim, reqwest::Method::POST, &format!("/tenants/{tid}/drift"), json!({"op": "delete", "path": path}))
        .await;
    // Conditional access answers 503 throughout: a partial run marks nothing missing.
    sim_control(
        &w.sim,
        reqwest::Method::POST,
        &format!("/tenants/{tid}/faults"),
        json!({"route": "conditionalAccess", "type": "status", "status": 503}),
    )
    .await;
    let partial = w.sync(retail).await;
    assert_eq!(partial.outcome, RunOutcome::PartiallySucceeded);
    assert_eq!(reason(&partial).as_deref(), Some("graph.unavailable"));
    assert_eq!(summary(&partial, "marked_missing"), 0);
    assert!(w.policies(retail, Visibility::ProviderMissing).await.is_empty());
    let scope = contoso_owner(w.db()).await.tenant(w.db(), retail, app::authz::Capability::TenantsView).await.unwrap();
    let overview = inventory::overview(w.db(), &scope).await.unwrap();
    let ca = overview.coverage.iter().find(|c| c.policy_type == "conditional_access_policy").unwrap();
    assert_eq!((ca.status.as_str(), ca.reason_code.as_deref()), ("failed", Some("graph.unavailable")));
    assert!(ca.synced_at.is_some(), "the last complete fetch stays visible");
    // Complete again: the deleted policy is missing; ignoring it keeps both facts apart.
    sim_control(&w.sim, reqwest::Method::DELETE, &format!("/tenants/{tid}/faults"), json!({})).await;
    let complete = w.sync(retail).await;
    assert_eq!((complete.outcome, summary(&complete, "marked_missing")), (RunOutcome::Succeeded, 1));
    let missing = w.policies(retail, Visibility::ProviderMissing).await;
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].display_name, victim["displayName"].as_str().unwrap());
    assert!(w.policies(retail, Visibility::Active).await.iter().all(|p| p.id != missing[0].id));
    inventory::set_ignored(w.db(), &scope, missing[0].id, true).await.unwrap();
    assert_eq!(w.policies(retail, Visibility::Ignored).await.len(), 1);
    assert_eq!(w.policies(retail, Visibility::ProviderMissing).await.len(), 1);
    w.sync(retail).await;
    assert_eq!(w.policies(retail, Visibility::Ignored).await.len(), 1, "sync never clears a local ignore");
    assert_eq!(w.app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'policy.ignore'").await, 1);
    w.app.cleanup().await;
}

/// (fault or flag change, expected verification outcome and reason, expected sync outcome and reason)
async fn faults_map_to_outcomes_and_reason_codes(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let (retail, tid) = w.tenant("Contoso Retail").await;
    w.connected(retail).await;
    let scope = contoso_owner(w.db()).await.tenant(w.db(), retail, app::authz::Capability::TenantsView).await.unwrap();
    let verify = || async {
        let s = connections::start_verify(w.db(), &scope).await.unwrap();
        w.drain().await;
        (w.run(s.run.id).await, connections::get(w.db(), &scope).await.unwrap().unwrap())
    };

    // Throttling with and without Retry-After and transient 503/504: retried, the sync succeeds.
    for f in [
        json!({"route": "deviceConfigurations", "type": "throttle", "retry_after": 0.05, "times": 2}),
        json!({"route": "conditionalAccess", "type": "throttle", "times": 2}),
        json!({"route": "deviceCompliancePolicies", "type": "status", "status": 503, "times": 1}),
        json!({"route": "configurationPolicies", "type": "status", "status": 504, "times": 1}),
    ] {
        w.fault(&tid, f.clone()).await;
        let run = w.sync(retail).await;
        assert_eq!(run.outcome, RunOutcome::Succeeded, "{f}: {run:?}");
        w.clear(&tid).await;
    }
    // Persistent faults on one type: that type fails with its reason, the run is partial.
    for (f, code) in [
        (json!({"route": "deviceConfigurations", "type": "throttle", "retry_after": 0.01}), "graph.throttled"),
        (json!({"route": "deviceConfigurations", "type": "malformed"}), "graph.bad_response"),
        (json!({"route": "deviceConfigurations", "type": "truncated"}), "graph.bad_response"),
        (json!({"route": "deviceConfigurations", "type": "forbidden"}), "graph.permission_denied"),
        (json!({"route": "deviceConfigurations", "type": "status", "status": 500}), "graph.unavailable"),
    ] {
        w.fault(&tid, f.clone()).await;
        let run = w.sync(retail).await;
        assert_eq!((run.outcome, reason(&run).as_deref()), (RunOutcome::PartiallySucceeded, Some(code)), "{f}");
        assert_eq!(run.context["inventory"]["coverage"]["policy_types"]["device_configuration"]["reason"], code);
        w.clear(&tid).await;
    }
    // An unlicensed tenant: Intune types fail as not licensed, conditional access still syncs.
    w.flags(&tid, json!({"licensed": false})).await;
    let run = w.sync(retail).await;
    assert_eq!((run.outcome, reason(&run).as_deref()), (RunOutcome::PartiallySucceeded, Some("graph.not_licensed")));
    w.flags(&tid, json!({"licensed": true})).await;
    // Missing permission: verification is degraded (partial) and names it.
    let roles: Vec<&str> =
        graph_sim::state::DEFAULT_ROLES.iter().copied().filter(|r| !r.starts_with("Policy.")).collect();
    w.flags(&tid, json!({"roles": roles})).await;
    let (run, conn) = verify().await;
    assert_eq!(
        (run.outcome, reason(&run).as_deref()),
        (RunOutcome::PartiallySucceeded, Some("graph.permission_denied"))
    );
    assert_eq!(conn.verification_status, VerificationStatus::Degraded);
    assert_eq!(conn.permissions_missing, ["Policy.Read.All"]);
    w.flags(&tid, json!({"roles": graph_sim::state::DEFAULT_ROLES})).await;
    // Consent withdrawn, secret expired: sign-in fails, verification blocked, sync fails as a whole.
    for (patch, consent) in [(json!({"consented": false}), "required"), (json!({"secret_expired": true}), "failed")] {
        w.flags(&tid, patch.clone()).await;
        let (run, conn) = verify().await;
        assert_eq!((run.outcome, reason(&run).as_deref()), (RunOutcome::Failed, Some("graph.auth_failed")), "{patch}");
        assert_eq!((conn.verification_status, conn.consent_status.id()), (VerificationStatus::Blocked, consent));
        let sync = w.sync(retail).await;
        assert_eq!((sync.outcome, reason(&sync).as_deref()), (RunOutcome::Failed, Some("graph.auth_failed")));
        w.flags(&tid, json!({"consented": true, "secret_expired": false})).await;
    }
    // An expired token mid-run is renewed once and the run goes on.
    w.fault(&tid, json!({"route": "deviceConfigurations", "type": "expired_token", "times": 1})).await;
    assert_eq!(w.sync(retail).await.outcome, RunOutcome::Succeeded);
    w.clear(&tid).await;
    let (run, conn) = verify().await;
    assert_eq!((run.outcome, conn.verification_status), (RunOutcome::Succeeded, VerificationStatus::Healthy));
    w.app.cleanup().await;
}

async fn dedicated_secrets_are_sealed(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let (retail, _) = w.tenant("Contoso Retail").await;
    let scope = contoso_owner(w.db()).await.tenant(w.db(), retail, app::authz::Capability::TenantsView).await.unwrap();
    let (client_id, secret) = platform_app(w.sim.sim.config.seed);
    let input = ConnectionInput::parse("dedicated", Some(&client_id), Some(&secret), false).unwrap();
    let dto = connections::save(w.db(), &w.keys, &scope, input).await.unwrap();
    assert!(dto.has_secret && dto.connection_type == ConnectionType::Dedicated);
    assert!(!serde_json::to_string(&dto).unwrap().contains(&secret));
    let like = format!("SELECT COUNT(*) FROM provider_credentials WHERE sealed LIKE '%{}%'", &secret[4..20]);
    assert_eq!(w.app.scalar(&like).await, 0);
    let audit = format!("SELECT COUNT(*) FROM audit_log WHERE metadata LIKE '%{}%'", &secret[4..20]);
    assert_eq!(w.app.scalar(&audit).await, 0);
    let s = connections::start_verify(w.db(), &scope).await.unwrap();
    w.drain().await;
    assert_eq!(w.run(s.run.id).await.outcome, RunOutcome::Succeeded);
    // Keeping the stored secret: an empty secret on save changes only the rest.
    let keep = ConnectionInput::parse("dedicated", Some(&client_id), None, true).unwrap();
    assert!(connections::save(w.db(), &w.keys, &scope, keep).await.unwrap().has_secret);
    // Another installation key cannot open it: the run fails with a stable reason, no secret in sight.
    let other = Arc::new(Keys::from_bytes(&[9u8; 32]).unwrap());
    let registry =
        server::jobs::registry(w.provider.clone(), other, app::reviews::server::storage::LocalDirStore::temporary());
    let s = connections::start_verify(w.db(), &scope).await.unwrap();
    let system = system();
    let claimed = worker::claim_next(w.db(), &system, "w").await.unwrap().unwrap();
    worker::execute(w.db(), &system, &registry, claimed).await.unwrap();
    let run = w.run(s.run.id).await;
    assert_eq!((run.outcome, reason(&run).as_deref()), (RunOutcome::Failed, Some("run.credential_unreadable")));
    // Bad input is refused per field.
    let e = ConnectionInput::parse("dedicated", Some("not-a-guid"), None, false).unwrap_err();
    assert!(matches!(e, AppError::Validation(ref v) if v.len() == 2));
    w.app.cleanup().await;
}

async fn scope_rules(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let (retail, _) = w.tenant("Contoso Retail").await;
    let (hq, _) = w.tenant("Fabrikam HQ").await;
    w.connected(retail).await;
    let page = PageRequest::default();
    let q = PolicyQuery::parse(None, None, None, None, page).unwrap();
    // Read-only members read the inventory but change nothing.
    let readonly = w.member_tenant("readonly@contoso.example", retail).await.unwrap();
    assert!(!inventory::list(w.db(), &readonly, &q).await.unwrap().items.is_empty());
    let input = ConnectionInput::parse("platform", None, None, false).unwrap();
    assert!(matches!(connections::save(w.db(), &w.keys, &readonly, input).await, Err(AppError::Forbidden)));
    assert!(matches!(inventory::start_sync(w.db(), &readonly).await, Err(AppError::Forbidden)));
    assert!(matches!(inventory::set_ignored(w.db(), &readonly, 1, true).await, Err(AppError::Forbidden)));
    // Operators sync but do not manage connections.
    let operator = w.member_tenant("operator@contoso.example", retail).await.unwrap();
    assert!(inventory::start_sync(w.db(), &operator).await.is_ok());
    assert!(matches!(connections::start_verify(w.db(), &operator).await, Err(AppError::Forbidden)));
    // The customer viewer holds no operator capabilities on their own tenant.
    let customer = w.member_tenant("customer@contoso.example", retail).await.unwrap();
    assert!(matches!(inventory::list(w.db(), &customer, &q).await, Err(AppError::Forbidden)));
    assert!(matches!(connections::get(w.db(), &customer).await, Err(AppError::Forbidden)));
    // Another workspace's tenant is not found, and so is another tenant's policy id.
    assert!(matches!(w.member_tenant("owner@contoso.example", hq).await, Err(AppError::NotFound)));
    let policy = w.policies(retail, Visibility::All).await[0].id;
    let (holding, _) = w.tenant("Contoso Holding").await;
    let other = w.member_tenant("owner@contoso.example", holding).await.unwrap();
    assert!(matches!(inventory::get(w.db(), &other, policy).await, Err(AppError::NotFound)));
    w.app.cleanup().await;
}

async fn two_worker_pools_execute_each_run_once(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    assert!(server::seed::connect_demo(w.db()).await.unwrap() >= 6);
    let registry = || {
        server::jobs::registry(
            w.provider.clone(),
            w.keys.clone(),
            app::reviews::server::storage::LocalDirStore::temporary(),
        )
    };
    let a = worker::spawn_workers(w.db().clone(), registry(), 2, Duration::from_millis(20), "node-a");
    let b = worker::spawn_workers(w.db().clone(), registry(), 2, Duration::from_millis(20), "node-b");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let active = w.app.scalar("SELECT COUNT(*) FROM operation_runs WHERE status <> 'completed'").await;
        if active == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{active} runs still active");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    a.shutdown().await;
    b.shutdown().await;
    let runs = w.app.scalar("SELECT COUNT(*) FROM operation_runs").await;
    assert!(runs >= 10, "{runs}");
    assert_eq!(w.app.scalar("SELECT COUNT(*) FROM operation_runs WHERE outcome <> 'succeeded'").await, 0);
    let completions = w.app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'operation.complete'").await;
    assert_eq!(completions, runs, "each run completed exactly once");
    let both = w.app.scalar("SELECT COUNT(DISTINCT SUBSTR(claimed_by, 1, 6)) FROM operation_runs").await;
    assert_eq!(both, 2, "both pools took work");
    // One version per policy: no run executed twice.
    assert_eq!(w.app.scalar("SELECT COUNT(*) FROM policies WHERE version_count <> 1").await, 0);
    let scope = contoso_owner(w.db()).await;
    let list = runs::list(w.db(), &scope, &app::operations::RunQuery::default()).await.unwrap();
    assert!(list.items.iter().all(|r| r.status == RunStatus::Completed));
    w.app.cleanup().await;
}

/// A JSON API call as a signed-in member (session cookie), returning (status, body or `Null`).
async fn api_json(w: &World, jar: &common::Jar, method: http::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let res = common::api(&w.app, method, path, common::Auth::Cookie(jar), body).await;
    (res.status.as_u16(), serde_json::from_str(&res.body).unwrap_or(Value::Null))
}

async fn json_api_serves_connections_runs_and_policies(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let (retail, _) = w.tenant("Contoso Retail").await;
    let base = format!("/workspaces/contoso/tenants/{retail}");
    let owner = w.app.login("owner@contoso.example", server::seed::DEMO_PASSWORD).await;
    let (status, _) = api_json(&w, &owner, http::Method::GET, &format!("{base}/connection"), None).await;
    assert_eq!(status, 404, "no connection yet");
    // A dedicated connection: the secret goes in and never comes back out.
    let (client_id, secret) = platform_app(w.sim.sim.config.seed);
    let body = json!({"connection_type": "dedicated", "client_id": client_id, "client_secret": secret});
    let (status, conn) = api_json(&w, &owner, http::Method::PUT, &format!("{base}/connection"), Some(body)).await;
    assert_eq!((status, conn["has_secret"].as_bool()), (200, Some(true)), "{conn}");
    assert!(!conn.to_string().contains(&secret));
    let bad = json!({"connection_type": "dedicated", "client_id": "nope"});
    let (status, problem) = api_json(&w, &owner, http::Method::PUT, &format!("{base}/connection"), Some(bad)).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("client_id")), "{problem}");
    let (status, started) = api_json(&w, &owner, http::Method::POST, &format!("{base}/connection/verify"), None).await;
    assert_eq!((status, started["created"].as_bool()), (202, Some(true)), "{started}");
    let (_, again) = api_json(&w, &owner, http::Method::POST, &format!("{base}/connection/verify"), None).await;
    assert_eq!((again["created"].as_bool(), &again["run"]["id"]), (Some(false), &started["run"]["id"]));
    w.drain().await;
    let run = started["run"]["id"].as_i64().unwrap();
    let (status, done) =
        api_json(&w, &owner, http::Method::GET, &format!("/workspaces/contoso/runs/{run}"), None).await;
    assert_eq!((status, done["outcome"].as_str()), (200, Some("succeeded")), "{done}");
    // Sync through the API, then read policies, a version and a diff.
    let (status, sync) = api_json(&w, &owner, http::Method::POST, &format!("{base}/inventory/sync"), None).await;
    assert_eq!(status, 202, "{sync}");
    w.drain().await;
    let (_, runs) = api_json(
        &w,
        &owner,
        http::Method::GET,
        "/workspaces/contoso/runs?run_type=inventory.sync&outcome=succeeded",
        None,
    )
    .await;
    assert_eq!(runs["total"], 1, "{runs}");
    let (status, problem) = api_json(&w, &owner, http::Method::GET, "/workspaces/contoso/runs?status=nope", None).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("status")));
    let (_, page) =
        api_json(&w, &owner, http::Method::GET, &format!("{base}/policies?type=settings_catalog&per_page=5"), None)
            .await;
    assert!(page["total"].as_i64().unwrap() > 0 && page["items"].as_array().unwrap().len() <= 5, "{page}");
    let policy = page["items"][0]["id"].as_i64().unwrap();
    let (status, detail) = api_json(&w, &owner, http::Method::GET, &format!("{base}/policies/{policy}"), None).await;
    assert_eq!((status, detail["versions"].as_array().map(Vec::len)), (200, Some(1)));
    let version = detail["versions"][0]["id"].as_i64().unwrap();
    let (status, content) =
        api_json(&w, &owner, http::Method::GET, &format!("{base}/policies/{policy}/versions/{version}"), None).await;
    assert_eq!(status, 200);
    assert!(
        content["snapshot"].is_object()
            && content.to_string().contains("[REDACTED]")
                != content["protected_pointers"].as_array().unwrap().is_empty()
    );
    let (status, diff) = api_json(&w, &owner, http::Method::GET, &format!("{base}/policies/{policy}/diff"), None).await;
    assert_eq!((status, diff["changes"].as_array().map(Vec::len)), (200, Some(0)));
    let (status, _) =
        api_json(&w, &owner, http::Method::GET, &format!("{base}/policies/{policy}/diff?from=x"), None).await;
    assert_eq!(status, 422);
    let (status, ignored) =
        api_json(&w, &owner, http::Method::POST, &format!("{base}/policies/{policy}/ignore"), None).await;
    assert_eq!((status, ignored["policy"]["ignored_at"].is_string()), (200, true));
    let (_, overview) = api_json(&w, &owner, http::Method::GET, &format!("{base}/inventory"), None).await;
    assert_eq!(overview["ignored"], 1, "{overview}");
    // 404 vs 403: another workspace's tenant is not found; the customer may not read policies.
    let (hq, _) = w.tenant("Fabrikam HQ").await;
    let (status, _) =
        api_json(&w, &owner, http::Method::GET, &format!("/workspaces/contoso/tenants/{hq}/policies"), None).await;
    assert_eq!(status, 404);
    let (status, _) = api_json(&w, &owner, http::Method::GET, &format!("{base}/policies/999999"), None).await;
    assert_eq!(status, 404);
    let customer = w.app.login("customer@contoso.example", server::seed::DEMO_PASSWORD).await;
    let (status, _) = api_json(&w, &customer, http::Method::GET, &format!("{base}/policies"), None).await;
    assert_eq!(status, 403);
    let readonly = w.app.login("readonly@contoso.example", server::seed::DEMO_PASSWORD).await;
    let (status, _) = api_json(&w, &readonly, http::Method::POST, &format!("{base}/inventory/sync"), None).await;
    assert_eq!(status, 403);
    w.app.cleanup().await;
}

on_both_engines!(
    json_api_serves_connections_runs_and_policies,
    onboarding_verifies_activates_and_syncs,
    versions_only_for_real_changes,
    secret_only_change_is_protected_and_stored_nowhere,
    provider_missing_only_after_complete_syncs,
    faults_map_to_outcomes_and_reason_codes,
    dedicated_secrets_are_sealed,
    scope_rules,
    two_worker_pools_execute_each_run_once,
);
