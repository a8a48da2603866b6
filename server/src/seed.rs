//! The demo data `make run` seeds into an empty database: two workspaces, their managed tenants and the
//! demo cast (README). Never touches a database that holds accounts.

use app::{
    audit::server::{record_system, AuditEvent},
    auth::server::{repo, service},
    authz::{server::SystemScope, Role},
    db::Db,
    error::AppError,
    tenants::NewTenant,
    workspaces::server::{add_member, create_workspace, seed_tenant},
};

/// Password of every demo account (README).
pub const DEMO_PASSWORD: &str = "tenantpilot-demo";

/// Demo accounts: (email, display name, platform operator).
pub const DEMO_ACCOUNTS: &[(&str, &str, bool)] = &[
    ("owner@contoso.example", "Olivia Owner", false),
    ("manager@contoso.example", "Max Manager", false),
    ("operator@contoso.example", "Oskar Operator", false),
    ("readonly@contoso.example", "Rita Readonly", false),
    ("customer@contoso.example", "Chris Customer", false),
    ("owner@fabrikam.example", "Fiona Fabrikam", false),
    ("platform@tenantpilot.example", "Pat Platform", true),
];

const CONTOSO_TENANTS: &[(&str, &str, &str, &str)] = &[
    ("Contoso Holding", "contoso-holding.example", "0b6f1c2d-1111-4a1b-9c1d-000000000001", "active"),
    ("Contoso Retail", "contoso-retail.example", "0b6f1c2d-1111-4a1b-9c1d-000000000002", "active"),
    ("Contoso Manufacturing", "contoso-mfg.example", "0b6f1c2d-1111-4a1b-9c1d-000000000003", "active"),
    ("Contoso Labs", "contoso-labs.example", "0b6f1c2d-1111-4a1b-9c1d-000000000004", "onboarding"),
    ("Contoso Legacy", "contoso-legacy.example", "0b6f1c2d-1111-4a1b-9c1d-000000000005", "draft"),
];

const FABRIKAM_TENANTS: &[(&str, &str, &str, &str)] = &[
    ("Fabrikam HQ", "fabrikam-hq.example", "1c7e2d3f-2222-4b2c-8d2e-000000000001", "active"),
    ("Fabrikam Stores", "fabrikam-stores.example", "1c7e2d3f-2222-4b2c-8d2e-000000000002", "active"),
];

/// Seeds the demo when the database has no users; returns whether it did.
pub async fn demo(db: &Db) -> Result<bool, AppError> {
    if repo::count_users(db).await? > 0 {
        return Ok(false);
    }
    let system = SystemScope::demo_seed();
    // Everything the demo writes, and its audit entry, in one transaction.
    let mut tx = db.begin().await?;
    let mut ids = Vec::new();
    for (email, name, platform) in DEMO_ACCOUNTS {
        ids.push(service::create_user(&mut tx, email, Some(name), DEMO_PASSWORD, *platform).await?);
    }
    let contoso = create_workspace(&mut tx, &system, "Contoso MSP", "contoso").await?;
    let fabrikam = create_workspace(&mut tx, &system, "Fabrikam IT", "fabrikam").await?;
    let mut contoso_tenants = Vec::new();
    for (name, domain, guid, lifecycle) in CONTOSO_TENANTS {
        contoso_tenants
            .push(seed_tenant(&mut tx, &system, contoso, &NewTenant::parse(name, domain, guid)?, lifecycle).await?);
    }
    for (name, domain, guid, lifecycle) in FABRIKAM_TENANTS {
        seed_tenant(&mut tx, &system, fabrikam, &NewTenant::parse(name, domain, guid)?, lifecycle).await?;
    }
    let roles = [Role::Owner, Role::Manager, Role::Operator, Role::Readonly];
    for (user, role) in ids.iter().zip(roles) {
        add_member(&mut tx, &system, contoso, *user, role, &[]).await?;
    }
    add_member(&mut tx, &system, contoso, ids[4], Role::Customer, &contoso_tenants[1..2]).await?;
    add_member(&mut tx, &system, fabrikam, ids[5], Role::Owner, &[]).await?;
    let event = AuditEvent::new("demo.seed", "installation", "demo")
        .summary("Seeded demo workspaces, managed tenants and accounts")
        .metadata(serde_json::json!({ "workspaces": ["contoso", "fabrikam"], "accounts": DEMO_ACCOUNTS.len() }));
    record_system(&mut tx, &system, None, event).await?;
    tx.commit().await?;
    tracing::info!(accounts = DEMO_ACCOUNTS.len(), "seeded demo data");
    Ok(true)
}

/// The demo's managed tenants as simulator identities, so the simulator `make run` starts serves exactly
/// these directories (same tenant ids and names).
pub fn demo_identities() -> Vec<crate::graph_sim::SimIdentity> {
    CONTOSO_TENANTS
        .iter()
        .chain(FABRIKAM_TENANTS)
        .map(|(name, domain, guid, _)| crate::graph_sim::SimIdentity {
            tenant_id: guid.to_string(),
            display_name: name.to_string(),
            domain: domain.replace(".example", ".onmicrosoft.com"),
        })
        .collect()
}

/// Connects the demo tenants to the platform app (the simulator's in `make run`) and queues their
/// verification and first inventory sync: active tenants and the onboarding one (whose verification then
/// activates it). The draft tenant stays unconnected, to try onboarding by hand. Returns the runs queued.
pub async fn connect_demo(db: &Db) -> Result<usize, AppError> {
    use app::{
        connections::{server::repo as connections, ConnectionType},
        db_run,
        operations::{server::worker::enqueue, InitiatorKind, RunType},
    };
    let system = SystemScope::demo_seed();
    let rows: Vec<(i64, i64, String)> = db_run!(db, p => sqlx::query_as(
        "SELECT t.workspace_id, t.id, t.lifecycle FROM tenants t JOIN workspaces w ON w.id = t.workspace_id \
         WHERE w.slug IN ('contoso', 'fabrikam') AND t.lifecycle IN ('active', 'onboarding') ORDER BY t.id")
        .fetch_all(p).await)
    .map_err(app::db::internal)?;
    let mut queued = 0;
    for (workspace_id, tenant_id, lifecycle) in rows {
        let tenant = system.tenant(db, workspace_id, tenant_id).await?;
        let mut tx = db.begin().await?;
        let id = connections::upsert(&mut tx, &tenant, ConnectionType::Platform, None).await?;
        let event = AuditEvent::new("provider_connection.save", "provider_connection", id)
            .tenant(tenant_id)
            .summary("Connected the demo tenant to the platform app")
            .metadata(serde_json::json!({ "connection_type": "platform", "client_id": null, "secret_changed": false }));
        record_system(&mut tx, &system, Some(workspace_id), event).await?;
        tx.commit().await?;
        let kind = InitiatorKind::System;
        let verify = RunType::ProviderConnectionVerify;
        queued += usize::from(enqueue(db, &system, workspace_id, Some(tenant_id), verify, kind).await?.1);
        if lifecycle == "active" {
            queued +=
                usize::from(enqueue(db, &system, workspace_id, Some(tenant_id), RunType::InventorySync, kind).await?.1);
        }
    }
    Ok(queued)
}

/// The benchmark fixture (`tenantpilot bench-seed`, used by `scripts/bench-tenancy`): the demo, then
/// `tenants` more managed tenants in Contoso and `audit_rows` chained audit entries one millisecond apart from
/// now on (timestamps grow with ids in the chain), actions, tenants, actors and outcomes mixed like a busy MSP
/// workspace; on PostgreSQL then `VACUUM ANALYZE`, as autovacuum would. Returns the number of tenants and
/// audit rows Contoso then holds.
pub async fn bench_fixture(db: &Db, tenants: usize, audit_rows: usize) -> Result<(i64, i64), AppError> {
    use app::{audit::server::AuditRow, db_run};
    demo(db).await?;
    let system = SystemScope::benchmark();
    let internal = app::db::internal;
    let contoso: i64 =
        db_run!(db, p => sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = 'contoso'").fetch_one(p).await)
            .map_err(internal)?;
    let already: i64 = db_run!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM tenants WHERE workspace_id = $1").bind(contoso).fetch_one(p).await)
        .map_err(internal)?;
    let mut tenant_ids = Vec::with_capacity(tenants);
    for i in 0..tenants {
        let n = already as usize + i;
        let input = NewTenant::parse(
            &format!("Customer {n:05}"),
            &format!("customer{n:05}.example"),
            &format!("7e570000-0000-4000-8000-{n:012}"),
        )?;
        let lifecycle = ["active", "active", "active", "onboarding", "archived"][i % 5];
        tenant_ids.push(seed_tenant(db, &system, contoso, &input, lifecycle).await?);
    }
    let actors: Vec<(i64, String)> = db_run!(db, p => sqlx::query_as(
        "SELECT u.id, u.email FROM users u JOIN workspace_memberships m ON m.user_id = u.id WHERE m.workspace_id = $1 ORDER BY u.id")
        .bind(contoso).fetch_all(p).await)
    .map_err(internal)?;
    const ACTIONS: &[(&str, &str)] = &[
        ("tenant.rename", "tenant"),
        ("tenant.archive", "tenant"),
        ("tenant.restore", "tenant"),
        ("tenant.create", "tenant"),
        ("member.role_change", "membership"),
        ("member.invite", "invite"),
        ("api_token.use", "api_token"),
    ];
    let start = chrono::Utc::now();
    let rows = (0..audit_rows)
        .map(|i| {
            let (action, resource_type) = ACTIONS[i % ACTIONS.len()];
            let (actor_id, label) = &actors[i % actors.len().max(1)];
            let tenant =
                (resource_type == "tenant" && !tenant_ids.is_empty()).then(|| tenant_ids[i % tenant_ids.len()]);
            let at = start + chrono::Duration::milliseconds(i as i64);
            AuditRow {
                id: 0,
                workspace_id: Some(contoso),
                tenant_id: tenant,
                actor_id: Some(*actor_id),
                actor_label: label.clone(),
                actor_type: "human".into(),
                action: action.into(),
                resource_type: resource_type.into(),
                resource_id: Some(tenant.unwrap_or(i as i64).to_string()),
                outcome: if i % 50 == 0 { "failure" } else { "success" }.into(),
                summary: format!("Benchmark entry {i}"),
                metadata: "{}".into(),
                ip: Some("127.0.0.1".into()),
                user_agent: Some("bench-seed".into()),
                recorded_at: at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                prev_hash: String::new(),
                hash: String::new(),
            }
        })
        .collect();
    app::audit::server::append_generated(db, &system, rows).await?;
    // What PostgreSQL's autovacuum does within a minute of such a burst of inserts: planner statistics and
    // the visibility map (index-only counts). Measuring before it ran would measure plans made for the
    // near-empty tables of a minute earlier. (SQLite keeps no statistics unless asked; its plans do not
    // depend on them here.)
    if let Db::Postgres(p) = db {
        sqlx::query("VACUUM ANALYZE").execute(p).await.map_err(internal)?;
    }
    let count = |sql: &'static str| async move {
        db_run!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(contoso).fetch_one(p).await).map_err(internal)
    };
    Ok((
        count("SELECT COUNT(*) FROM tenants WHERE workspace_id = $1").await?,
        count("SELECT COUNT(*) FROM audit_log WHERE workspace_id = $1").await?,
    ))
}

/// The governance part of the demo (issue 13), run in the background once the first syncs of the demo
/// tenants finished: the members of Contoso create a baseline captured from Contoso Retail and assign it
/// to Retail and Manufacturing; drift is provoked in the simulated Graph (a changed setting, a deleted
/// policy, an added one); Retail is synced again and both tenants are compared; then the findings are
/// worked — one triaged with an assignee, one resolved, one risk-accepted (requested by the operator,
/// approved by the manager). Everything goes through the services, audited as those members.
pub async fn governance_demo(db: &Db, sim_base: &str) -> Result<(), AppError> {
    use app::{
        auth::{server::Actor, Credentials},
        authz::Capability,
        baselines::{server::service as baselines, ProfileInput},
        db_run,
        findings::{server::service as findings, DriftKind, FindingParams, FindingQuery, TransitionRequest},
    };
    let internal = app::db::internal;
    let tenant = |name: &'static str| async move {
        db_run!(db, p => sqlx::query_as::<_, (i64, String)>(
            "SELECT id, entra_tenant_id FROM tenants WHERE display_name = $1").bind(name).fetch_one(p).await)
        .map_err(internal)
    };
    let (retail, retail_tid) = tenant("Contoso Retail").await?;
    let (mfg, _) = tenant("Contoso Manufacturing").await?;
    // Wait (bounded) for the runs the demo queued: all completed.
    let wait = || async {
        for _ in 0..600 {
            let active: i64 = db_run!(db, p => sqlx::query_scalar(
                "SELECT COUNT(*) FROM operation_runs WHERE status <> 'completed'").fetch_one(p).await)
            .map_err(internal)?;
            if active == 0 {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        Err(AppError::Conflict("demo_runs_pending".into()))
    };
    wait().await?;
    let meta = app::auth::server::RequestMeta { ip: "127.0.0.1".into(), user_agent: "demo seed".into() };
    let member = |email: &'static str| {
        let meta = meta.clone();
        async move {
            let creds = Credentials { email: email.into(), password: DEMO_PASSWORD.into() };
            Actor::sign_in(db, &creds, &meta).await?.workspace(db, "contoso", Capability::WorkspaceView).await
        }
    };
    let owner = member("owner@contoso.example").await?;
    let manager = member("manager@contoso.example").await?;
    let operator = member("operator@contoso.example").await?;
    let input = ProfileInput::parse(
        Some("Contoso gold baseline"),
        Some("Device configuration and compliance as configured for Contoso Retail."),
        &["device_configuration".into(), "compliance_policy".into()],
    )?;
    let profile = baselines::create_profile(db, &owner, input).await?.id;
    baselines::capture(db, &owner, profile, retail).await?;
    wait().await?;
    baselines::set_assigned(db, &owner, profile, retail, true).await?;
    baselines::set_assigned(db, &owner, profile, mfg, true).await?;
    // Drift in the simulated Graph, as an administrator in the portal would cause it.
    let client = reqwest::Client::new();
    let control = |path: String, body: serde_json::Value| {
        let client = client.clone();
        let url = format!("{sim_base}/_sim/tenants/{retail_tid}{path}");
        async move {
            client
                .post(url)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .map_err(|_| AppError::Internal)?;
            Ok::<_, AppError>(())
        }
    };
    let ids: Vec<(String, String)> = db_run!(db, p => sqlx::query_as(
        "SELECT policy_type, external_id FROM policies WHERE tenant_id = $1 AND policy_type IN ('device_configuration', 'compliance_policy') \
         ORDER BY policy_type, display_name")
        .bind(retail).fetch_all(p).await)
    .map_err(internal)?;
    let first = |ty: &str| ids.iter().find(|(t, _)| t == ty).map(|(_, id)| id.clone());
    if let (Some(config), Some(compliance)) = (first("device_configuration"), first("compliance_policy")) {
        let path = format!("deviceManagement/deviceConfigurations/{config}");
        control(
            "/drift".into(),
            serde_json::json!({"op": "update", "path": path, "set": {"passwordMinimumLength": 4}}),
        )
        .await?;
        let path = format!("deviceManagement/deviceCompliancePolicies/{compliance}");
        control("/drift".into(), serde_json::json!({"op": "delete", "path": path})).await?;
        control(
            "/drift".into(),
            serde_json::json!({"op": "add", "collection": "deviceManagement/deviceCompliancePolicies"}),
        )
        .await?;
    }
    let retail_scope = owner.tenant(db, retail, Capability::InventorySync).await?;
    app::inventory::server::service::start_sync(db, &retail_scope).await?;
    wait().await?;
    baselines::compare_all(db, &owner, profile).await?;
    wait().await?;
    // Work the findings: triaged with an assignee, resolved, risk accepted by a second member.
    let q = FindingQuery::parse(&FindingParams { tenant: Some(retail), per_page: Some(200), ..Default::default() })?;
    let open = findings::list(db, &owner, &q).await?.items;
    let of = |kind: DriftKind| open.iter().find(|f| f.drift_kind == kind).map(|f| f.id);
    if let Some(id) = of(DriftKind::Different) {
        findings::assign(db, &owner, id, Some(operator.actor_id()), Some(operator.actor_id())).await?;
        findings::transition(db, &operator, id, &TransitionRequest::parse(Some("triage"), None, None)?).await?;
    }
    if let Some(id) = of(DriftKind::Unexpected) {
        let note = Some("Removed the duplicate policy in Intune.");
        findings::transition(db, &operator, id, &TransitionRequest::parse(Some("resolve"), None, note)?).await?;
    }
    if let Some(id) = of(DriftKind::Missing) {
        let expires = (chrono::Utc::now() + chrono::Duration::days(90)).format("%Y-%m-%d").to_string();
        let reason = Some("Legacy kiosks cannot take this compliance policy until the hardware refresh.");
        let x = findings::request_exception(db, &operator, id, reason, Some(&expires)).await?;
        findings::decide_exception(db, &manager, x.id, true, Some("Accepted until the refresh; reviewed quarterly."))
            .await?;
    }
    tracing::info!(profile, findings = open.len(), "demo: baseline compared and findings worked");
    // Reviews: Retail and Manufacturing each get a published review with a ready pack (the customer
    // viewer sees Retail's); Retail then gets a newer draft from fresher evidence.
    use app::reviews::{server::service as reviews, PackRequest};
    let mut published = Vec::new();
    for (tenant, language) in [(retail, "en"), (mfg, "de")] {
        reviews::generate_snapshot(db, &owner, tenant).await?;
        wait().await?;
        let review = reviews::create_review(db, &owner, tenant, None).await?;
        wait().await?;
        match reviews::publish_review(db, &owner, review.id).await {
            Ok(_) => {
                reviews::generate_pack(db, &owner, review.id, PackRequest::parse(Some(language), false)?).await?;
                published.push(review.id);
            }
            Err(e) => tracing::warn!(error = %e, tenant, "demo: a review could not be published"),
        }
    }
    wait().await?;
    if let Some(id) = of(DriftKind::Different) {
        findings::transition(db, &operator, id, &TransitionRequest::parse(Some("start"), None, None)?).await?;
        reviews::generate_snapshot(db, &owner, retail).await?;
        wait().await?;
        reviews::create_review(db, &owner, retail, None).await?;
        wait().await?;
    }
    tracing::info!(published = published.len(), "demo: reviews published with packs, and a newer draft");
    Ok(())
}
