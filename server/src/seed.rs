//! The demo data `make run` seeds into an empty database. Never touches a database that holds accounts.

use app::{auth::server::repo, auth::server::service, db::Db, error::AppError};

/// Password of every demo account (README).
pub const DEMO_PASSWORD: &str = "tenantpilot-demo";

/// Demo accounts: (email, display name, platform operator).
pub const DEMO_ACCOUNTS: &[(&str, &str, bool)] = &[("owner@contoso.example", "Olivia Owner", false)];

/// Seeds the demo when the database has no users; returns whether it did.
pub async fn demo(db: &Db) -> Result<bool, AppError> {
    if repo::count_users(db).await? > 0 {
        return Ok(false);
    }
    for (email, name, platform) in DEMO_ACCOUNTS {
        service::create_user(db, email, Some(name), DEMO_PASSWORD, *platform).await?;
    }
    tracing::info!(accounts = DEMO_ACCOUNTS.len(), "seeded demo data");
    Ok(true)
}
