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
    let system = SystemScope::for_job("demo seed");
    let mut ids = Vec::new();
    for (email, name, platform) in DEMO_ACCOUNTS {
        ids.push(service::create_user(db, email, Some(name), DEMO_PASSWORD, *platform).await?);
    }
    let contoso = create_workspace(db, &system, "Contoso MSP", "contoso").await?;
    let fabrikam = create_workspace(db, &system, "Fabrikam IT", "fabrikam").await?;
    let mut contoso_tenants = Vec::new();
    for (name, domain, guid, lifecycle) in CONTOSO_TENANTS {
        contoso_tenants
            .push(seed_tenant(db, &system, contoso, &NewTenant::parse(name, domain, guid)?, lifecycle).await?);
    }
    for (name, domain, guid, lifecycle) in FABRIKAM_TENANTS {
        seed_tenant(db, &system, fabrikam, &NewTenant::parse(name, domain, guid)?, lifecycle).await?;
    }
    let roles = [Role::Owner, Role::Manager, Role::Operator, Role::Readonly];
    for (user, role) in ids.iter().zip(roles) {
        add_member(db, &system, contoso, *user, role, &[]).await?;
    }
    add_member(db, &system, contoso, ids[4], Role::Customer, &contoso_tenants[1..2]).await?;
    add_member(db, &system, fabrikam, ids[5], Role::Owner, &[]).await?;
    let event = AuditEvent::new("demo.seed", "installation", "demo")
        .summary("Seeded demo workspaces, managed tenants and accounts")
        .metadata(serde_json::json!({ "workspaces": ["contoso", "fabrikam"], "accounts": DEMO_ACCOUNTS.len() }));
    record_system(db, &system, None, event).await?;
    tracing::info!(accounts = DEMO_ACCOUNTS.len(), "seeded demo data");
    Ok(true)
}
