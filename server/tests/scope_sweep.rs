//! Scopes all the way down, swept: every repository function over workspace-, tenant- or user-owned rows
//! is called with the scope (or actor) of *another* workspace aimed at Contoso's rows, and finds, returns
//! and changes nothing — on SQLite and PostgreSQL. A second test reads the repository sources and fails
//! when a public repository function is neither swept here nor exempted with its reason, so a new
//! function cannot skip the sweep.

mod common;

use std::collections::BTreeSet;

use common::{exec, seeded, user_id, Engine, TestApp};

use app::{
    audit::AuditFilter,
    authz::{
        server::{TenantScope, WorkspaceScope},
        Capability, Role,
    },
    connections::{server::repo as connections, ConsentStatus, VerificationStatus},
    error::AppError,
    inventory::{server::repo as inventory, PolicyQuery},
    members::server::repo as members,
    notifications::MarkRead,
    operations::{server::repo as operations, RunQuery},
    paging::PageRequest,
    tenants::{server::repo as tenants, TenantQuery},
};

/// Every public function of these repositories must be listed in [`SWEPT`] or [`EXEMPT`].
const REPOSITORIES: &[(&str, &str)] = &[
    ("inventory", include_str!("../../app/src/inventory/server/repo.rs")),
    ("connections", include_str!("../../app/src/connections/server/repo.rs")),
    ("operations", include_str!("../../app/src/operations/server/repo.rs")),
    ("notifications", include_str!("../../app/src/notifications/server/repo.rs")),
    ("tenants", include_str!("../../app/src/tenants/server/repo.rs")),
    ("members", include_str!("../../app/src/members/server/repo.rs")),
    ("audit", include_str!("../../app/src/audit/server/repo.rs")),
    ("api_tokens", include_str!("../../app/src/api_tokens/server/repo.rs")),
    ("baselines", include_str!("../../app/src/baselines/server/repo.rs")),
    ("findings", include_str!("../../app/src/findings/server/repo.rs")),
    ("reviews", include_str!("../../app/src/reviews/server/repo.rs")),
];

/// Called by [`foreign_scopes_reach_nothing`] with another workspace's scope.
const SWEPT: &[(&str, &str)] = &[
    ("inventory", "select_policy_page"),
    ("inventory", "select_policy"),
    ("inventory", "select_versions"),
    ("inventory", "select_version"),
    ("inventory", "set_ignored"),
    ("inventory", "select_counts"),
    ("inventory", "select_coverage"),
    ("inventory", "select_last_sync"),
    ("inventory", "select_known"),
    ("inventory", "select_version_content"),
    ("connections", "select_for_tenant"),
    ("connections", "put_credential"),
    ("connections", "delete_credential"),
    ("connections", "select_credential"),
    ("connections", "set_verification_status"),
    ("connections", "record_verification"),
    ("connections", "select_tenant_identity"),
    ("connections", "advance_lifecycle"),
    ("connections", "upsert"),
    ("operations", "select_run"),
    ("operations", "select_page"),
    ("operations", "select_active_started_by"),
    ("operations", "cancel_queued"),
    ("operations", "flag_cancel"),
    ("notifications", "select_for_user"),
    ("notifications", "count_unread"),
    ("notifications", "mark_read"),
    ("tenants", "select_tenants"),
    ("tenants", "select_tenant_page"),
    ("tenants", "count_by_lifecycle"),
    ("tenants", "select_tenant"),
    ("members", "select_members"),
    ("members", "select_member"),
    ("members", "select_narrowing"),
    ("members", "select_tenant_ids"),
    ("members", "is_member_by_email"),
    ("members", "has_pending_invite"),
    ("members", "select_open_invites"),
    ("members", "select_invite"),
    ("members", "revoke_invite"),
    ("members", "update_role"),
    ("members", "replace_narrowing"),
    ("members", "delete_member"),
    ("audit", "select_page"),
    ("audit", "count"),
    ("audit", "select_one"),
    ("audit", "select_actors"),
    ("api_tokens", "select_tokens"),
    ("api_tokens", "select_token"),
    ("api_tokens", "count_active"),
    ("api_tokens", "revoke"),
    ("baselines", "select_profiles"),
    ("baselines", "select_profile"),
    ("baselines", "update_profile"),
    ("baselines", "select_snapshots"),
    ("baselines", "select_snapshot"),
    ("baselines", "select_items"),
    ("baselines", "delete_assignment"),
    ("baselines", "select_assigned"),
    ("baselines", "is_assigned"),
    ("baselines", "count_assignments"),
    ("baselines", "select_schedules"),
    ("baselines", "delete_schedule"),
    ("baselines", "select_tenant_policies"),
    ("baselines", "select_coverage"),
    ("baselines", "finish_snapshot"),
    ("findings", "select_page"),
    ("findings", "select_in_tenant"),
    ("findings", "select_of_profile"),
    ("findings", "lock_lifecycle"),
    ("findings", "write_lifecycle"),
    ("findings", "set_people"),
    ("findings", "claim"),
    ("findings", "touch_detected"),
    ("findings", "select_events"),
    ("findings", "select_comments"),
    ("findings", "select_exceptions"),
    ("findings", "select_exception"),
    ("findings", "exception_tenant"),
    ("findings", "finding_tenant"),
    ("findings", "set_exception_status"),
    ("findings", "select_decisions"),
    ("findings", "select_settings"),
    ("findings", "select_posture_counts"),
    ("findings", "select_active_exceptions"),
    ("findings", "select_last_compares"),
    ("findings", "select_exceptions_of_finding"),
    ("findings", "set_reflagged"),
    ("findings", "set_verified"),
];

/// Not swept, and why.
const EXEMPT: &[(&str, &str, &str)] = &[
    ("inventory", "write_batch", "takes the RunScope of a claimed run (built only by the claim, from the run's row)"),
    ("inventory", "mark_missing", "takes the RunScope of a claimed run"),
    ("inventory", "put_coverage", "takes the RunScope of a claimed run"),
    ("operations", "insert_run", "inserts with the ids of the starting scope (service::start, worker::enqueue)"),
    ("operations", "select_active", "reads the identity just inserted by the same scope"),
    ("operations", "select_run_by_id", "the worker re-reads the run it holds"),
    ("operations", "claim_next", "the queue: claiming is what creates a run's scope"),
    ("operations", "touch", "bound to the claiming worker's id"),
    ("operations", "complete", "bound to the claiming worker's id (or the run's own state for reconcile)"),
    ("operations", "select_stale", "the reconciler's sweep over every workspace (system)"),
    ("operations", "fail_stale", "the reconciler's sweep over every workspace (system)"),
    ("operations", "put_context", "bound to the claiming worker's id"),
    ("operations", "workspace_slug", "the worker re-enters the initiator's workspace by slug, as a request would"),
    ("notifications", "run_completed", "written for the run's own initiator in the run's completing transaction"),
    ("tenants", "insert_tenant", "inserts with the scope's workspace id"),
    ("tenants", "update_display_name", "takes a TenantScope: no foreign id can be named"),
    ("tenants", "update_lifecycle", "takes a TenantScope: no foreign id can be named"),
    ("members", "insert_invite", "inserts with the scope's workspace id"),
    ("members", "select_invite_by_hash", "finding an invite by its secret token is how an invitee authenticates"),
    ("members", "accept_invite", "consumes the invite the token named, under the invite's workspace lock"),
    ("api_tokens", "insert_token", "inserts with the scope's workspace and the actor's user id"),
    ("api_tokens", "select_by_hash", "authentication by the secret token itself"),
    ("api_tokens", "touch", "the token just authenticated"),
    ("api_tokens", "claim_use_audit", "the token just authenticated"),
    ("baselines", "insert_profile", "inserts with the scope's workspace id"),
    ("baselines", "insert_snapshot", "inserts with the claimed run's workspace and tenant"),
    ("baselines", "insert_items", "items of a snapshot its own capture just inserted"),
    ("baselines", "insert_assignment", "inserts with the scope's workspace id (the tenant was entered through it)"),
    ("baselines", "select_assigned_ids", "the system's schedule sweep over every workspace"),
    ("baselines", "select_all_schedules", "the system's schedule sweep over every workspace"),
    ("baselines", "insert_schedule", "inserts with the scope's workspace id"),
    ("baselines", "mark_fired", "the system's schedule sweep marks the slot it read"),
    ("findings", "insert_finding", "inserts with the claimed run's workspace and tenant"),
    ("findings", "insert_event", "inserts with the scope's workspace and tenant"),
    ("findings", "insert_comment", "inserts with the scope's workspace and tenant"),
    ("findings", "insert_exception", "inserts with the scope's workspace and tenant"),
    ("findings", "insert_decision", "inserts with the scope's workspace"),
    ("findings", "select_expired_active", "the system's expiry sweep over every workspace"),
    ("findings", "upsert_settings", "writes the scope's own workspace row"),
    ("findings", "select_assignable", "members of the scope's own workspace and tenant"),
    ("reviews", "select_active_snapshot", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_snapshot", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_snapshots", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "insert_snapshot", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_items", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_review", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "lock_review", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_reviews", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_open_review_with", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "insert_review", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "set_review_run", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "update_review", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_published_of", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "lock_published", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "insert_sections", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_sections", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_pack", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "pack_workspace_slug", "a signed link names only the pack; the reader then enters that workspace (404 rules)"),
    ("reviews", "select_packs_of", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_live_pack", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "insert_pack", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "set_pack_run", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "set_pack_status", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "finish_pack", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_expired_packs", "the system's retention sweep over every workspace"),
    ("reviews", "select_expired_snapshots", "the system's retention sweep over every workspace"),
    ("reviews", "expire_snapshot", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "insert_ack", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_acks", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_entitlements", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_entitlements_platform", "platform plane (PlatformScope witness)"),
    ("reviews", "upsert_entitlements", "platform plane (PlatformScope witness)"),
    ("reviews", "count_active_tenants", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("reviews", "select_snapshot_states", "binds the scope's workspace (and tenant) in its statement; foreign access is driven through the service in tests/reviews.rs"),
    ("connections", "select_tenant_identity_in", "the claimed run's own tenant, inside the activation transaction"),
];

#[test]
fn every_repository_function_is_swept_or_exempt() {
    let listed: BTreeSet<(String, String)> = SWEPT
        .iter()
        .map(|(a, f)| (a.to_string(), f.to_string()))
        .chain(EXEMPT.iter().map(|(a, f, _)| (a.to_string(), f.to_string())))
        .collect();
    let mut found = BTreeSet::new();
    for (area, source) in REPOSITORIES {
        for line in source.lines() {
            let Some(rest) = line.strip_prefix("pub async fn ") else { continue };
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            found.insert((area.to_string(), name));
        }
    }
    let unlisted: Vec<_> = found.difference(&listed).collect();
    assert!(unlisted.is_empty(), "repository functions neither swept nor exempt: {unlisted:?}");
    let gone: Vec<_> = listed.difference(&found).collect();
    assert!(gone.is_empty(), "listed functions that no longer exist: {gone:?}");
}

/// Contoso's rows the foreign scopes aim at.
struct Targets {
    tenant: i64,
    policy: i64,
    version: i64,
    connection: i64,
    run: i64,
    member: i64,
    invite: i64,
    audit_entry: i64,
    notification: i64,
    token: i64,
}

async fn contoso_rows(app: &TestApp) -> Targets {
    let ws = app.scalar("SELECT id FROM workspaces WHERE slug = 'contoso'").await;
    let tenant = app.scalar(&format!("SELECT MIN(id) FROM tenants WHERE workspace_id = {ws}")).await;
    let owner = user_id(app, "owner@contoso.example").await;
    let now = "'2026-12-01T00:00:00Z'";
    let ts = match app.engine {
        Engine::Sqlite => now.to_string(),
        Engine::Postgres => format!("{now}::timestamptz"),
    };
    exec(
        app,
        &format!(
            "INSERT INTO provider_connections (workspace_id, tenant_id, connection_type, client_id, created_at, updated_at) \
             VALUES ({ws}, {tenant}, 'dedicated', 'client', {ts}, {ts})"
        ),
    )
    .await;
    let connection = app.scalar(&format!("SELECT id FROM provider_connections WHERE tenant_id = {tenant}")).await;
    exec(
        app,
        &format!(
            "INSERT INTO provider_credentials (connection_id, key_id, sealed, updated_at) \
             VALUES ({connection}, 'k1', 'sealed', {ts})"
        ),
    )
    .await;
    exec(
        app,
        &format!(
            "INSERT INTO policies (workspace_id, tenant_id, policy_type, external_id, display_name, content_hash, \
             first_seen_at, last_seen_at) VALUES ({ws}, {tenant}, 'device_configuration', 'ext-1', 'Probe', 'h1', {ts}, {ts})"
        ),
    )
    .await;
    let policy = app.scalar(&format!("SELECT id FROM policies WHERE tenant_id = {tenant}")).await;
    exec(
        app,
        &format!(
            "INSERT INTO policy_versions (policy_id, tenant_id, version_no, policy_type, captured_at, content_hash, \
             snapshot, redaction_version) VALUES ({policy}, {tenant}, 1, 'device_configuration', {ts}, 'h1', '{{}}', 1)"
        ),
    )
    .await;
    let version = app.scalar(&format!("SELECT id FROM policy_versions WHERE policy_id = {policy}")).await;
    exec(
        app,
        &format!(
            "INSERT INTO inventory_coverage (tenant_id, policy_type, status, item_count, attempted_at) \
             VALUES ({tenant}, 'device_configuration', 'complete', 1, {ts})"
        ),
    )
    .await;
    exec(
        app,
        &format!(
            "INSERT INTO operation_runs (workspace_id, tenant_id, run_type, status, outcome, initiator_user_id, \
             initiator_kind, idempotency_key, created_at) \
             VALUES ({ws}, {tenant}, 'inventory.sync', 'queued', 'pending', {owner}, 'human', 'probe', {ts})"
        ),
    )
    .await;
    let run = app.scalar(&format!("SELECT id FROM operation_runs WHERE tenant_id = {tenant}")).await;
    exec(
        app,
        &format!(
            "INSERT INTO notifications (user_id, workspace_id, run_id, kind, outcome, run_type, summary, created_at) \
             VALUES ({owner}, {ws}, {run}, 'run.completed', 'succeeded', 'inventory.sync', '{{}}', {ts})"
        ),
    )
    .await;
    let notification = app.scalar(&format!("SELECT id FROM notifications WHERE run_id = {run}")).await;
    exec(
        app,
        &format!(
            "INSERT INTO workspace_invites (workspace_id, email, role, tenant_ids, token_hash, invited_by, expires_at, \
             created_at) VALUES ({ws}, 'new@contoso.example', 'operator', '[]', 'hash', {owner}, \
             '2099-01-01T00:00:00Z', {ts})"
        ),
    )
    .await;
    let invite = app.scalar("SELECT id FROM workspace_invites WHERE email = 'new@contoso.example'").await;
    exec(
        app,
        &format!(
            "INSERT INTO api_tokens (user_id, workspace_id, name, prefix, token_hash, created_at) \
             VALUES ({owner}, {ws}, 'probe', 'tp_probe', 'tokenhash', {ts})"
        ),
    )
    .await;
    let token = app.scalar("SELECT id FROM api_tokens WHERE prefix = 'tp_probe'").await;
    let mut tx = app.db.begin().await.unwrap();
    let event = app::audit::server::AuditEvent::new("test.entry", "test", "x").tenant(tenant);
    let system = app::authz::server::SystemScope::for_test("scope sweep");
    app::audit::server::record_system(&mut tx, &system, Some(ws), event).await.unwrap();
    tx.commit().await.unwrap();
    let audit_entry = app.scalar(&format!("SELECT MAX(id) FROM audit_log WHERE workspace_id = {ws}")).await;
    Targets {
        tenant,
        policy,
        version,
        connection,
        run,
        member: user_id(app, "operator@contoso.example").await,
        invite,
        audit_entry,
        notification,
        token,
    }
}

/// What a foreign call must leave untouched: Contoso's rows, as text.
async fn fingerprint(app: &TestApp, t: &Targets) -> String {
    let queries = [
        format!("SELECT COALESCE(ignored_at, '') FROM policies WHERE id = {}", t.policy),
        format!(
            "SELECT verification_status || consent_status || COALESCE(last_error_message, '') \
             FROM provider_connections WHERE id = {}",
            t.connection
        ),
        format!("SELECT key_id || sealed FROM provider_credentials WHERE connection_id = {}", t.connection),
        format!("SELECT status || COALESCE(cancel_requested_at, '') FROM operation_runs WHERE id = {}", t.run),
        format!("SELECT COALESCE(read_at, '') FROM notifications WHERE id = {}", t.notification),
        format!("SELECT COALESCE(revoked_at, '') FROM workspace_invites WHERE id = {}", t.invite),
        format!("SELECT role FROM workspace_memberships WHERE user_id = {}", t.member),
        format!("SELECT lifecycle FROM tenants WHERE id = {}", t.tenant),
        format!("SELECT COALESCE(revoked_at, '') FROM api_tokens WHERE id = {}", t.token),
    ];
    let mut out = Vec::new();
    for q in queries {
        let q = match app.engine {
            // Timestamps are text on SQLite; cast on PostgreSQL so `||` and COALESCE work.
            Engine::Sqlite => q,
            Engine::Postgres => q
                .replace("COALESCE(ignored_at, '')", "COALESCE(ignored_at::text, '')")
                .replace("COALESCE(cancel_requested_at, '')", "COALESCE(cancel_requested_at::text, '')")
                .replace("COALESCE(read_at, '')", "COALESCE(read_at::text, '')")
                .replace("COALESCE(revoked_at, '')", "COALESCE(revoked_at::text, '')"),
        };
        let v: Option<String> = app::db_run!(&app.db, p => sqlx::query_scalar(&q).fetch_optional(p).await).expect(&q);
        out.push(v.unwrap_or_else(|| "<gone>".into()));
    }
    out.join(" | ")
}

async fn foreign_scopes_reach_nothing(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let db = &app.db;
    let t = contoso_rows(&app).await;
    let before = fingerprint(&app, &t).await;

    // Fabrikam's owner: a workspace scope, a tenant scope of their own tenant, and their actor.
    let fab: WorkspaceScope = common::member_scope(db, "owner@fabrikam.example", "fabrikam").await.unwrap();
    let fab_tenant_id =
        app.scalar(&format!("SELECT MIN(id) FROM tenants WHERE workspace_id = {}", fab.workspace_id())).await;
    let fab_t: TenantScope = fab.tenant(db, fab_tenant_id, Capability::TenantsView).await.unwrap();
    let fab_actor = common::actor(db, "owner@fabrikam.example").await;
    assert_eq!(
        fab.tenant(db, t.tenant, Capability::TenantsView).await.err(),
        Some(AppError::NotFound),
        "a foreign tenant cannot even be entered"
    );

    // Inventory.
    let q = PolicyQuery::parse(None, None, None, Some("all"), PageRequest::default()).unwrap();
    assert_eq!(inventory::select_policy_page(db, &fab_t, &q).await.unwrap().total, 0);
    assert!(inventory::select_policy(db, &fab_t, t.policy).await.unwrap().is_none());
    assert!(inventory::select_versions(db, &fab_t, t.policy).await.unwrap().is_empty());
    assert!(inventory::select_version(db, &fab_t, t.policy, t.version).await.unwrap().is_none());
    let mut tx = db.begin().await.unwrap();
    assert!(!inventory::set_ignored(&mut tx, &fab_t, t.policy, true).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(inventory::select_counts(db, &fab_t).await.unwrap(), (0, 0, 0, 0));
    assert!(inventory::select_coverage(db, &fab_t).await.unwrap().is_empty());
    assert!(inventory::select_last_sync(db, &fab_t).await.unwrap().is_none());
    assert!(inventory::select_known(db, &fab_t, "device_configuration").await.unwrap().is_empty());
    assert!(inventory::select_version_content(db, &fab_t, t.version).await.unwrap().is_none());

    // Connections: Contoso's connection by id, through Fabrikam's tenant scope.
    let mut tx = db.begin().await.unwrap();
    connections::put_credential(&mut tx, &fab_t, t.connection, "k2", "overwritten").await.unwrap();
    connections::delete_credential(&mut tx, &fab_t, t.connection).await.unwrap();
    tx.commit().await.unwrap();
    assert!(connections::select_credential(db, &fab_t, t.connection).await.unwrap().is_none());
    connections::set_verification_status(db, &fab_t, t.connection, VerificationStatus::Degraded).await.unwrap();
    let v = connections::Verification {
        consent: ConsentStatus::Granted,
        status: VerificationStatus::Healthy,
        granted: None,
        reason: None,
        message: Some("foreign"),
    };
    connections::record_verification(db, &fab_t, t.connection, &v).await.unwrap();
    // Functions that can only name the scope's own tenant answer for Fabrikam's, never Contoso's.
    assert!(connections::select_for_tenant(db, &fab_t).await.unwrap().is_none_or(|c| c.id != t.connection));
    let (entra, _) = connections::select_tenant_identity(db, &fab_t).await.unwrap().unwrap();
    let contoso_entra: String = app::db_run!(db, p => sqlx::query_scalar(
        "SELECT entra_tenant_id FROM tenants WHERE id = $1").bind(t.tenant).fetch_one(p).await)
    .unwrap();
    assert_ne!(entra, contoso_entra);
    let mut tx = db.begin().await.unwrap();
    connections::advance_lifecycle(&mut tx, &fab_t, &["draft", "onboarding", "active"], "active").await.unwrap();
    let own = connections::upsert(&mut tx, &fab_t, app::connections::ConnectionType::Platform, None).await.unwrap();
    assert_ne!(own, t.connection);
    drop(tx); // rolled back: Fabrikam's own rows are not the point

    // Operations.
    assert!(operations::select_run(db, &fab, t.run).await.unwrap().is_none());
    let page = operations::select_page(db, &fab, &RunQuery::default(), chrono::Utc::now()).await.unwrap();
    assert!(page.items.iter().all(|r| r.id != t.run));
    assert!(operations::select_active_started_by(db, &fab, 10).await.unwrap().0.is_empty());
    let failure = app::operations::FailureSummary::new(
        app::operations::Reason::Run(app::operations::RunReason::CancelledByUser),
        "",
    );
    let mut tx = db.begin().await.unwrap();
    assert!(!operations::cancel_queued(&mut tx, &fab, t.run, &failure).await.unwrap());
    assert!(!operations::flag_cancel(&mut tx, &fab, t.run).await.unwrap());
    tx.commit().await.unwrap();

    // Notifications (owned by their user: bound to the actor).
    assert!(app::notifications::server::repo::select_for_user(db, &fab_actor, None, 50).await.unwrap().is_empty());
    assert_eq!(app::notifications::server::repo::count_unread(db, &fab_actor, None).await.unwrap(), 0);
    let which = MarkRead::Ids(vec![t.notification]);
    assert_eq!(app::notifications::server::repo::mark_read(db, &fab_actor, None, &which).await.unwrap(), 0);

    // Tenants.
    let contoso_tenant = |ids: Vec<i64>| ids.contains(&t.tenant);
    let all = tenants::select_tenants(db, &fab, true).await.unwrap();
    assert!(!contoso_tenant(all.iter().map(|x| x.id).collect()));
    let page = tenants::select_tenant_page(db, &fab, &TenantQuery::default()).await.unwrap();
    assert!(!contoso_tenant(page.items.iter().map(|x| x.id).collect()));
    let counted: i64 = tenants::count_by_lifecycle(db, &fab).await.unwrap().iter().map(|(_, n)| n).sum();
    assert_eq!(
        counted,
        app.scalar(&format!("SELECT COUNT(*) FROM tenants WHERE workspace_id = {}", fab.workspace_id())).await
    );
    assert_eq!(tenants::select_tenant(db, &fab_t).await.unwrap().id, fab_tenant_id);

    // Members and invites.
    assert!(members::select_members(db, &fab).await.unwrap().iter().all(|m| m.user_id != t.member));
    assert_eq!(members::select_member(db, &fab, t.member).await.err(), Some(AppError::NotFound));
    assert!(members::select_narrowing(db, &fab).await.unwrap().iter().all(|(u, _)| *u != t.member));
    assert!(!contoso_tenant(members::select_tenant_ids(db, &fab).await.unwrap()));
    assert!(!members::is_member_by_email(db, &fab, "operator@contoso.example").await.unwrap());
    assert!(!members::has_pending_invite(db, &fab, "new@contoso.example").await.unwrap());
    assert!(members::select_open_invites(db, &fab).await.unwrap().iter().all(|i| i.id != t.invite));
    assert_eq!(
        members::select_invite(db, &fab, t.invite).await.err().map(|e| e.to_string()),
        Some(AppError::NotFound.to_string())
    );
    let mut tx = db.begin().await.unwrap();
    assert!(!members::revoke_invite(&mut tx, &fab, t.invite).await.unwrap());
    assert_eq!(members::update_role(&mut tx, &fab, t.member, Role::Readonly).await.err(), Some(AppError::NotFound));
    assert_eq!(members::replace_narrowing(&mut tx, &fab, t.member, &[]).await.err(), Some(AppError::NotFound));
    assert_eq!(members::delete_member(&mut tx, &fab, t.member).await.err(), Some(AppError::NotFound));
    tx.commit().await.unwrap();

    // Audit.
    let none = AuditFilter::default();
    let entries = app::audit::server::repo::select_page(db, &fab, &none, 1_000, 0).await.unwrap();
    assert!(entries.iter().all(|e| e.workspace_id == Some(fab.workspace_id())));
    let own = app.scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE workspace_id = {}", fab.workspace_id())).await;
    assert_eq!(app::audit::server::repo::count(db, &fab, &none, 1_000).await.unwrap(), own);
    assert!(app::audit::server::repo::select_one(db, &fab, t.audit_entry).await.unwrap().is_none());
    let actors = app::audit::server::repo::select_actors(db, &fab).await.unwrap();
    assert!(actors.iter().all(|(_, email)| !email.ends_with("@contoso.example")));

    // API tokens (owned by their user: bound to the actor).
    let tokens = app::api_tokens::server::repo::select_tokens(db, &fab_actor).await.unwrap();
    assert!(tokens.iter().all(|x| x.id != t.token));
    assert!(app::api_tokens::server::repo::select_token(db, &fab_actor, t.token).await.unwrap().is_none());
    assert_eq!(app::api_tokens::server::repo::count_active(db, &fab_actor, chrono::Utc::now()).await.unwrap(), 0);
    let mut tx = db.begin().await.unwrap();
    assert!(!app::api_tokens::server::repo::revoke(&mut tx, &fab_actor, t.token, chrono::Utc::now()).await.unwrap());
    tx.commit().await.unwrap();

    assert_eq!(fingerprint(&app, &t).await, before, "no foreign call changed a Contoso row");
    app.cleanup().await;
}

/// The governance repositories (baselines, findings, risk acceptances) with Fabrikam's scopes aimed at
/// Contoso's rows: nothing is found, returned or changed.
async fn foreign_scopes_reach_no_governance_rows(engine: Engine) {
    use app::baselines::server::repo as baselines;
    use app::findings::{server::repo as findings, ExceptionStatus, FindingParams, FindingQuery};
    let Some(app) = seeded(engine).await else { return };
    let db = &app.db;
    let ws = app.scalar("SELECT id FROM workspaces WHERE slug = 'contoso'").await;
    let tenant = app.scalar(&format!("SELECT MIN(id) FROM tenants WHERE workspace_id = {ws}")).await;
    let owner: WorkspaceScope = common::member_scope(db, "owner@contoso.example", "contoso").await.unwrap();
    let input = app::baselines::ProfileInput::parse(Some("Gold"), None, &["device_configuration".into()]).unwrap();
    let profile = app::baselines::server::service::create_profile(db, &owner, input).await.unwrap().id;
    app::baselines::server::service::set_assigned(db, &owner, profile, tenant, true).await.unwrap();
    let slot = app::baselines::Slot::parse(&[1], Some("02:00")).unwrap();
    let schedule = app::baselines::server::service::add_schedule(db, &owner, profile, slot).await.unwrap().id;
    let ts = match app.engine {
        Engine::Sqlite => "'2026-12-01T00:00:00Z'".to_string(),
        Engine::Postgres => "'2026-12-01T00:00:00Z'::timestamptz".to_string(),
    };
    exec(
        &app,
        &format!(
            "INSERT INTO baseline_snapshots (workspace_id, profile_id, source_tenant_id, status, created_at) \
        VALUES ({ws}, {profile}, {tenant}, 'building', {ts})"
        ),
    )
    .await;
    let snapshot = app.scalar(&format!("SELECT id FROM baseline_snapshots WHERE profile_id = {profile}")).await;
    exec(
        &app,
        &format!(
            "INSERT INTO baseline_snapshot_items (snapshot_id, policy_type, display_name, settings_hash, settings) \
        VALUES ({snapshot}, 'device_configuration', 'P', 'h', '{{}}')"
        ),
    )
    .await;
    exec(&app, &format!("INSERT INTO findings (workspace_id, tenant_id, finding_type, source, profile_id, subject_type, \
        subject_display_name, policy_type, drift_kind, severity, status, fingerprint, evidence, evidence_hash, first_seen_at, \
        last_seen_at, sla_days, due_at, created_at, updated_at) VALUES ({ws}, {tenant}, 'drift', 'baseline.compare', {profile}, \
        'policy', 'P', 'device_configuration', 'missing', 'high', 'new', 'fp', '{{}}', 'eh', {ts}, {ts}, 7, {ts}, {ts}, {ts})")).await;
    let finding = app.scalar(&format!("SELECT id FROM findings WHERE tenant_id = {tenant}")).await;
    exec(
        &app,
        &format!(
            "INSERT INTO finding_exceptions (workspace_id, tenant_id, finding_id, status, request_reason, \
        requested_at, expires_at, updated_at) VALUES ({ws}, {tenant}, {finding}, 'pending', 'r', {ts}, {ts}, {ts})"
        ),
    )
    .await;
    let exception = app.scalar(&format!("SELECT id FROM finding_exceptions WHERE finding_id = {finding}")).await;
    let state_sql = {
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM baseline_assignments WHERE profile_id = {profile}) * 1000 \
             + (SELECT COUNT(*) FROM baseline_schedules WHERE id = {schedule}) * 100 \
             + (SELECT COUNT(*) FROM findings WHERE id = {finding} AND status = 'new' AND assignee_user_id IS NULL \
                AND reflagged_at IS NULL AND verified_at IS NULL) * 10 \
             + (SELECT COUNT(*) FROM finding_exceptions WHERE id = {exception} AND status = 'pending') \
             + (SELECT COUNT(*) FROM baseline_snapshots WHERE id = {snapshot} AND status = 'building') * 10000"
        );
        sql
    };
    let before = app.scalar(&state_sql).await;
    assert_eq!(before, 11111);

    let fab: WorkspaceScope = common::member_scope(db, "owner@fabrikam.example", "fabrikam").await.unwrap();
    let fab_tenant_id =
        app.scalar(&format!("SELECT MIN(id) FROM tenants WHERE workspace_id = {}", fab.workspace_id())).await;
    let fab_t: TenantScope = fab.tenant(db, fab_tenant_id, Capability::TenantsView).await.unwrap();
    let now = chrono::Utc::now();

    // Baselines.
    assert!(baselines::select_profiles(db, &fab).await.unwrap().is_empty());
    assert!(baselines::select_profile(db, &fab, profile).await.unwrap().is_none());
    assert!(baselines::select_profile(db, &fab_t, profile).await.unwrap().is_none());
    assert!(baselines::select_snapshots(db, &fab, profile).await.unwrap().is_empty());
    assert!(baselines::select_snapshot(db, &fab, snapshot).await.unwrap().is_none());
    assert!(baselines::select_items(db, &fab, snapshot).await.unwrap().is_empty());
    assert!(baselines::select_assigned(db, &fab, profile).await.unwrap().is_empty());
    assert!(!baselines::is_assigned(db, &fab_t, profile).await.unwrap());
    assert!(baselines::count_assignments(db, &fab).await.unwrap().is_empty());
    assert!(baselines::select_schedules(db, &fab, profile).await.unwrap().is_empty());
    assert!(baselines::select_tenant_policies(db, &fab_t, &["device_configuration".into()]).await.unwrap().is_empty());
    assert!(baselines::select_coverage(db, &fab_t).await.unwrap().is_empty());
    let mut tx = db.begin().await.unwrap();
    assert!(!baselines::update_profile(&mut tx, &fab, profile, "X", "", &["device_configuration".into()], true, now)
        .await
        .unwrap());
    assert!(!baselines::delete_assignment(&mut tx, &fab, profile, tenant).await.unwrap());
    assert!(!baselines::delete_schedule(&mut tx, &fab, profile, schedule).await.unwrap());
    baselines::finish_snapshot(
        &mut tx,
        &fab,
        profile,
        snapshot,
        app::baselines::SnapshotStatus::Complete,
        "x",
        0,
        &[],
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // Findings and exceptions.
    let q = FindingQuery::parse(&FindingParams { status: Some("all".into()), ..Default::default() }).unwrap();
    assert_eq!(findings::select_page(db, &fab, &q, now).await.unwrap().total, 0);
    assert!(findings::select_in_tenant(db, &fab_t, finding).await.unwrap().is_none());
    assert!(findings::select_of_profile(db, &fab_t, profile).await.unwrap().is_empty());
    assert!(findings::select_events(db, &fab_t, finding).await.unwrap().is_empty());
    assert!(findings::select_comments(db, &fab_t, finding).await.unwrap().is_empty());
    assert!(findings::select_exceptions(db, &fab, None, &[]).await.unwrap().is_empty());
    assert!(findings::select_exception(db, &fab_t, exception).await.unwrap().is_none());
    assert!(findings::exception_tenant(db, &fab, exception).await.unwrap().is_none());
    assert!(findings::finding_tenant(db, &fab, finding).await.unwrap().is_none());
    assert!(findings::select_decisions(db, &fab, &[exception]).await.unwrap().is_empty());
    assert_eq!(findings::select_settings(db, &fab).await.unwrap(), app::findings::GovernanceSettings::default());
    assert!(findings::select_posture_counts(db, &fab, now).await.unwrap().is_empty());
    assert!(findings::select_active_exceptions(db, &fab).await.unwrap().is_empty());
    assert!(findings::select_last_compares(db, &fab).await.unwrap().is_empty());
    let mut tx = db.begin().await.unwrap();
    assert!(findings::lock_lifecycle(&mut tx, &fab_t, finding).await.unwrap().is_none());
    assert!(findings::select_exceptions_of_finding(&mut tx, &fab_t, finding, ExceptionStatus::Pending)
        .await
        .unwrap()
        .is_empty());
    let update = findings::FindingUpdate {
        status: app::findings::FindingStatus::Closed,
        triaged_at: None,
        in_progress_at: None,
        reopened_at: None,
        resolved_at: None,
        resolved_reason: None,
        verified_at: Some(now),
        closed_at: Some(now),
        closed_reason: None,
        closed_by_user_id: None,
        accepted_evidence_hash: None,
        reflagged_at: Some(now),
    };
    findings::write_lifecycle(&mut tx, &fab_t, finding, &update, now).await.unwrap();
    findings::set_people(&mut tx, &fab_t, finding, Some(1), Some(1), now).await.unwrap();
    assert!(!findings::claim(&mut tx, &fab_t, finding, 1, now).await.unwrap());
    findings::touch_detected(
        &mut tx,
        &fab_t,
        finding,
        "X",
        app::findings::DriftKind::Different,
        "{}",
        "x",
        1,
        None,
        now,
    )
    .await
    .unwrap();
    assert!(!findings::set_exception_status(
        &mut tx,
        &fab_t,
        exception,
        ExceptionStatus::Pending,
        ExceptionStatus::Active,
        Some(1),
        None,
        now
    )
    .await
    .unwrap());
    findings::set_reflagged(&mut tx, &fab_t, finding, now).await.unwrap();
    findings::set_verified(&mut tx, &fab_t, finding, now).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(app.scalar(&state_sql).await, before, "no foreign call changed a Contoso governance row");
    app.cleanup().await;
}

on_both_engines!(foreign_scopes_reach_nothing, foreign_scopes_reach_no_governance_rows);
