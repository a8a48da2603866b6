//! Sign-in rules: input already validated ([`Credentials`]); throttling per account and per IP over a
//! sliding window; constant-time-ish failure path; failures recorded, success clears them. Changing one's
//! own password checks the current one under the same throttle (a wrong current password counts as a
//! failed sign-in), stores a new hash — which ends every other session (their stamp no longer matches) —
//! and is audited as `account.password_change` without any secret.

use chrono::{Duration, Utc};

use super::{password, repo, Actor, RequestMeta, UserRow};
use crate::{
    audit::server::{record_actor, AuditEvent},
    auth::{check_password, normalize_email, Credentials, PasswordChange},
    db::{Db, Ex},
    error::AppError,
};

/// Sliding window for counting failed sign-ins.
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;
/// Failed sign-ins allowed per account within the window.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed sign-ins allowed per client IP within the window.
pub const MAX_FAILURES_PER_IP: i64 = 30;

/// `RateLimited` while the account or the client IP has too many recent failures.
async fn check_throttle(db: &Db, email: &str, meta: &RequestMeta) -> Result<(), AppError> {
    let now = Utc::now();
    let window = Duration::seconds(FAILURE_WINDOW_SECS);
    let counts = repo::count_login_failures(db, email, &meta.ip, now - window).await?;
    let retry_after = |oldest: Option<chrono::DateTime<Utc>>| {
        let until = oldest.unwrap_or(now) + window;
        (until - now).num_seconds().clamp(1, FAILURE_WINDOW_SECS) as u32
    };
    if counts.account >= MAX_FAILURES_PER_ACCOUNT {
        return Err(AppError::RateLimited { retry_after_secs: retry_after(counts.account_oldest) });
    }
    if counts.ip >= MAX_FAILURES_PER_IP {
        return Err(AppError::RateLimited { retry_after_secs: retry_after(counts.ip_oldest) });
    }
    Ok(())
}

/// Checks the credentials and returns the user; `InvalidCredentials` or `RateLimited` otherwise.
pub async fn authenticate(db: &Db, creds: &Credentials, meta: &RequestMeta) -> Result<UserRow, AppError> {
    let now = Utc::now();
    let window = Duration::seconds(FAILURE_WINDOW_SECS);
    check_throttle(db, &creds.email, meta).await?;
    let user = repo::select_user_by_email(db, &creds.email).await?;
    let ok = password::verify(creds.password.clone(), user.as_ref().map(|u| u.password_hash.clone())).await?;
    match user {
        Some(user) if ok => {
            repo::delete_login_failures(db, &creds.email, now - window).await?;
            tracing::info!(user_id = user.id, "signed in");
            Ok(user)
        }
        _ => {
            repo::insert_login_failure(db, &creds.email, &meta.ip).await?;
            tracing::info!(ip = %meta.ip, "failed sign-in");
            Err(AppError::InvalidCredentials)
        }
    }
}

/// Changes the signed-in user's own password (sessions only, never an API token). A wrong current password
/// is the field error `current_password: wrong_password` and counts as a failed sign-in. Returns the
/// updated user, whose new session stamp the caller stores in the current session.
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    input: PasswordChange,
    meta: &RequestMeta,
) -> Result<UserRow, AppError> {
    if actor.token().is_some() {
        return Err(AppError::Forbidden);
    }
    check_throttle(db, actor.email(), meta).await?;
    let user = repo::select_user_by_id(db, actor.user_id()).await?.ok_or(AppError::Unauthenticated)?;
    if !password::verify(input.current, Some(user.password_hash.clone())).await? {
        repo::insert_login_failure(db, &user.email, &meta.ip).await?;
        tracing::info!(user_id = user.id, ip = %meta.ip, "wrong current password on password change");
        return Err(AppError::validation("current_password", "wrong_password"));
    }
    let hash = password::hash(input.new).await?;
    let mut tx = db.begin().await?;
    repo::update_user_password(&mut tx, user.id, &hash).await?;
    let event = AuditEvent::new("account.password_change", "user", user.id)
        .summary(format!("{} changed their password; other sessions were ended", user.email))
        .metadata(serde_json::json!({ "other_sessions_ended": true }));
    record_actor(&mut tx, actor, None, event).await?;
    let updated = repo::select_user_by_id(&mut tx, user.id).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    repo::delete_login_failures(db, &user.email, Utc::now() - Duration::seconds(FAILURE_WINDOW_SECS)).await?;
    tracing::info!(user_id = user.id, "password changed; other sessions ended");
    Ok(updated)
}

/// Creates an account (CLI and demo seed). Validates like sign-in does.
pub async fn create_user(
    ex: impl Into<Ex<'_>>,
    email: &str,
    display_name: Option<&str>,
    password: &str,
    is_platform_admin: bool,
) -> Result<i64, AppError> {
    let email = normalize_email(email).map_err(|c| AppError::validation("email", c))?;
    check_password(password).map_err(|c| AppError::validation("password", c))?;
    if password.chars().count() < 8 {
        return Err(AppError::validation("password", "too_short"));
    }
    let name = display_name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string());
    if name.chars().count() > 200 {
        return Err(AppError::validation("display_name", "too_long"));
    }
    let hash = password::hash(password.to_string()).await?;
    repo::insert_user(ex, &email, &name, &hash, is_platform_admin).await
}
