//! Rules for personal API tokens. Tokens are managed only by their signed-in owner (a token cannot list,
//! create or revoke tokens); creation needs membership of the token's workspace; every change is audited in
//! that workspace; the secret never reaches a log or an audit record.

use chrono::{Duration, Utc};
use serde_json::json;

use super::{generate_secret, hash_secret, repo};
use crate::{
    api_tokens::{looks_like_secret, ApiTokenDto, CreatedApiToken, NewApiToken, TokenStatus, MAX_TOKENS_PER_USER},
    audit::{
        server::{record, record_actor, AuditEvent},
        Outcome,
    },
    auth::server::{repo::select_user_by_id, Actor, TokenGrant},
    authz::Capability,
    db::Db,
    error::AppError,
};

/// `api_token.use` is written at most once per this many seconds per token (successful and refused uses
/// share the allowance); `last_used_at` is updated on every successful use.
pub const USE_AUDIT_INTERVAL_SECS: i64 = 60;

/// Token management needs a person behind a session, not another token.
fn require_interactive(actor: &Actor) -> Result<(), AppError> {
    if actor.token().is_some() {
        Err(AppError::Forbidden)
    } else {
        Ok(())
    }
}

/// The actor's tokens (all workspaces, revoked and expired included), newest first.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<ApiTokenDto>, AppError> {
    require_interactive(actor)?;
    let now = Utc::now();
    Ok(repo::select_tokens(db, actor).await?.iter().map(|r| r.to_dto(now)).collect())
}

/// Creates a token for a workspace the actor is a member of (otherwise `NotFound`) and returns its secret,
/// the only time it exists outside the caller's hands.
pub async fn create(db: &Db, actor: &Actor, input: NewApiToken) -> Result<CreatedApiToken, AppError> {
    require_interactive(actor)?;
    let scope = actor.workspace(db, &input.workspace, Capability::WorkspaceView).await?;
    let now = Utc::now();
    if repo::count_active(db, actor, now).await? >= MAX_TOKENS_PER_USER {
        return Err(AppError::Conflict("token_limit".into()));
    }
    let expires_at = input.expires_in_days.map(|d| now + Duration::days(i64::from(d)));
    let generated = generate_secret();
    let mut tx = db.begin().await?;
    let id =
        repo::insert_token(&mut tx, &scope, &input.name, &generated.prefix, &generated.hash, now, expires_at).await?;
    let event = AuditEvent::new("api_token.create", "api_token", id)
        .summary(format!("Created API token {} ({})", input.name, generated.prefix))
        .metadata(json!({ "name": input.name, "prefix": generated.prefix, "expires_at": expires_at }));
    record(&mut tx, &scope, event).await?;
    let row = repo::select_token(&mut tx, actor, id).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    tracing::info!(token_id = id, prefix = %generated.prefix, "API token created");
    Ok(CreatedApiToken { token: row.to_dto(now), secret: generated.secret })
}

/// Revokes one of the actor's tokens (someone else's or unknown → `NotFound`; already revoked → `Conflict`).
/// Works after the owner lost the workspace, so that nobody is stuck with a token they cannot revoke.
pub async fn revoke(db: &Db, actor: &Actor, id: i64) -> Result<(), AppError> {
    require_interactive(actor)?;
    let row = repo::select_token(db, actor, id).await?.ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    if row.revoked_at.is_some() || !repo::revoke(&mut tx, actor, id, Utc::now()).await? {
        return Err(AppError::Conflict("already_revoked".into()));
    }
    let event = AuditEvent::new("api_token.revoke", "api_token", id)
        .summary(format!("Revoked API token {} ({})", row.name, row.prefix))
        .metadata(json!({ "name": row.name, "prefix": row.prefix }));
    record_actor(&mut tx, actor, Some(row.workspace_id), event).await?;
    tx.commit().await
}

/// Authenticates a presented bearer secret. Malformed, unknown, expired or revoked → `Unauthenticated`
/// (indistinguishable to the caller). A valid token yields its owner as an [`Actor`] confined to the
/// token's workspace. Every use of a known token is audited as `api_token.use` in the token's workspace
/// (refused uses with outcome `failure`), at most once per [`USE_AUDIT_INTERVAL_SECS`] per token;
/// `request` (e.g. `"GET /api/v1/me"`) is recorded with it.
pub async fn authenticate(db: &Db, presented: &str, request: &str) -> Result<Actor, AppError> {
    if !looks_like_secret(presented) {
        return Err(AppError::Unauthenticated);
    }
    let Some(row) = repo::select_by_hash(db, &hash_secret(presented)).await? else {
        tracing::info!("unknown API token presented");
        return Err(AppError::Unauthenticated);
    };
    let user = select_user_by_id(db, row.user_id).await?.ok_or(AppError::Unauthenticated)?;
    let now = Utc::now();
    let status = TokenStatus::at(row.revoked_at, row.expires_at, now);
    let grant = TokenGrant {
        token_id: row.id,
        workspace_id: row.workspace_id,
        workspace_slug: row.workspace_slug.clone(),
        name: row.name.clone(),
        prefix: row.prefix.clone(),
    };
    let actor = Actor::for_token(user, grant);
    if status == TokenStatus::Active {
        repo::touch(db, row.id, now).await?;
    }
    let mut tx = db.begin().await?;
    if repo::claim_use_audit(&mut tx, row.id, now, Duration::seconds(USE_AUDIT_INTERVAL_SECS)).await? {
        let (outcome, verb) =
            if status == TokenStatus::Active { (Outcome::Success, "Used") } else { (Outcome::Failure, "Refused") };
        let event = AuditEvent::new("api_token.use", "api_token", row.id)
            .outcome(outcome)
            .summary(format!("{verb} API token {} ({})", row.name, row.prefix))
            .metadata(json!({ "name": row.name, "prefix": row.prefix, "request": request, "status": status.id() }));
        record_actor(&mut tx, &actor, Some(row.workspace_id), event).await?;
        tx.commit().await?;
    }
    if status == TokenStatus::Active {
        Ok(actor)
    } else {
        tracing::info!(token_id = row.id, status = status.id(), "refused API token");
        Err(AppError::Unauthenticated)
    }
}

/// Creating a token from a plain `<form>` post (JavaScript off) would redirect back and lose the secret,
/// which is shown only once; such requests are refused before anything is created.
pub fn require_script_request() -> Result<(), AppError> {
    let plain_form_post = leptos::prelude::use_context::<http::request::Parts>().is_some_and(|p| {
        p.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    });
    if plain_form_post {
        Err(AppError::BadRequest)
    } else {
        Ok(())
    }
}
