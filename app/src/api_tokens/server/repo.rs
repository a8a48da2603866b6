//! SQL for personal API tokens. Statements about a user's tokens bind the actor's user id themselves;
//! inserts take the workspace and owner from the scope, never from client input.

use chrono::{DateTime, Utc};

use crate::{
    api_tokens::{ApiTokenDto, TokenStatus},
    auth::server::Actor,
    authz::server::WorkspaceScope,
    db::internal,
    db::{Db, Ex, Tx},
    db_run,
    error::AppError,
};

/// A token row joined with its workspace, as listed to its owner.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub workspace_slug: String,
    pub workspace_name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    pub fn to_dto(&self, now: DateTime<Utc>) -> ApiTokenDto {
        ApiTokenDto {
            id: self.id,
            name: self.name.clone(),
            workspace_slug: self.workspace_slug.clone(),
            workspace_name: self.workspace_name.clone(),
            prefix: self.prefix.clone(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
            status: TokenStatus::at(self.revoked_at, self.expires_at, now),
        }
    }
}

/// What authentication needs of a token found by its hash.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenAuthRow {
    pub id: i64,
    pub user_id: i64,
    pub workspace_id: i64,
    pub workspace_slug: String,
    pub name: String,
    pub prefix: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const LIST: &str =
    "SELECT t.id, t.workspace_id, t.name, w.slug AS workspace_slug, w.name AS workspace_name, t.prefix, \
    t.created_at, t.expires_at, t.last_used_at, t.revoked_at \
    FROM api_tokens t JOIN workspaces w ON w.id = t.workspace_id WHERE t.user_id = $1";

/// The actor's tokens, newest first.
pub async fn select_tokens(db: &Db, actor: &Actor) -> Result<Vec<TokenRow>, AppError> {
    let sql = format!("{LIST} ORDER BY t.id DESC");
    db_run!(db, p => sqlx::query_as::<_, TokenRow>(&sql).bind(actor.user_id()).fetch_all(p).await).map_err(internal)
}

/// One of the actor's tokens (`None` when it does not exist or belongs to someone else).
pub async fn select_token(ex: impl Into<Ex<'_>>, actor: &Actor, id: i64) -> Result<Option<TokenRow>, AppError> {
    let sql = format!("{LIST} AND t.id = $2");
    db_run!(ex, p => sqlx::query_as::<_, TokenRow>(&sql).bind(actor.user_id()).bind(id).fetch_optional(p).await)
        .map_err(internal)
}

/// Unrevoked, unexpired tokens of the actor.
pub async fn count_active(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<i64, AppError> {
    let sql = "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL \
               AND (expires_at IS NULL OR expires_at > $2)";
    db_run!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(actor.user_id()).bind(now).fetch_one(p).await)
        .map_err(internal)
}

/// Stores a token of the scope's member for the scope's workspace.
pub async fn insert_token(
    tx: &mut Tx,
    scope: &WorkspaceScope,
    name: &str,
    prefix: &str,
    hash: &str,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<i64, AppError> {
    let sql = "INSERT INTO api_tokens (user_id, workspace_id, name, prefix, token_hash, created_at, expires_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    db_run!(tx, p => sqlx::query_scalar::<_, i64>(sql)
        .bind(scope.actor_id()).bind(scope.workspace_id()).bind(name).bind(prefix).bind(hash).bind(created_at).bind(expires_at)
        .fetch_one(p).await)
    .map_err(internal)
}

/// Marks the actor's token revoked; `false` when it was not theirs or already revoked.
pub async fn revoke(tx: &mut Tx, actor: &Actor, id: i64, at: DateTime<Utc>) -> Result<bool, AppError> {
    let sql = "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL";
    db_run!(tx, p => sqlx::query(sql).bind(at).bind(id).bind(actor.user_id()).execute(p).await.map(|r| r.rows_affected()))
        .map(|n| n == 1)
        .map_err(internal)
}

/// The token whose secret hashes to `hash` (authentication; no actor exists yet).
pub async fn select_by_hash(db: &Db, hash: &str) -> Result<Option<TokenAuthRow>, AppError> {
    let sql = "SELECT t.id, t.user_id, t.workspace_id, w.slug AS workspace_slug, t.name, t.prefix, t.expires_at, \
               t.revoked_at FROM api_tokens t JOIN workspaces w ON w.id = t.workspace_id WHERE t.token_hash = $1";
    db_run!(db, p => sqlx::query_as::<_, TokenAuthRow>(sql).bind(hash).fetch_optional(p).await).map_err(internal)
}

pub async fn touch(db: &Db, id: i64, at: DateTime<Utc>) -> Result<(), AppError> {
    db_run!(db, p => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(at).bind(id).execute(p).await.map(|r| r.rows_affected()))
    .map(|_| ())
    .map_err(internal)
}

/// Claims the right to audit a use of token `id` now: `true` for exactly one caller per `every` (one
/// atomic statement, so concurrent requests and several server processes never both win).
pub async fn claim_use_audit(
    tx: &mut Tx,
    id: i64,
    at: DateTime<Utc>,
    every: chrono::Duration,
) -> Result<bool, AppError> {
    let sql = "UPDATE api_tokens SET last_use_audited_at = $1 \
               WHERE id = $2 AND (last_use_audited_at IS NULL OR last_use_audited_at <= $3)";
    db_run!(tx, p => sqlx::query(sql).bind(at).bind(id).bind(at - every).execute(p).await.map(|r| r.rows_affected()))
        .map(|n| n == 1)
        .map_err(internal)
}
