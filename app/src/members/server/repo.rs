//! SQL for members and invitations. Reads bind the scope's workspace id themselves. Changes that must
//! keep the last-owner guard or consume an invite run in the caller's transaction ([`Tx`], with the audit
//! entry of the change) and take the workspace's membership lock first ([`Lock::Memberships`]: a
//! transaction-level advisory lock on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already admits one writer). So two owners demoting each other at the
//! same moment cannot leave a workspace without an owner, and an invite is accepted at most once.

use chrono::{DateTime, Utc};

use crate::{
    authz::{server::WorkspaceScope, Role},
    db::internal,
    db::{Db, Lock, Tx},
    db_run,
    error::AppError,
    members::conflict,
};

/// A membership with the member's account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
}

/// An invite with its workspace.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InviteRow {
    pub id: i64,
    pub workspace_id: i64,
    pub workspace_slug: String,
    pub workspace_name: String,
    pub workspace_status: String,
    pub email: String,
    pub role: String,
    pub tenant_ids: String,
    pub invited_by: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl InviteRow {
    /// The tenant ids stored with the invite (malformed JSON reads as none: the invite then narrows nothing
    /// for non-customers and everything away for customers, never more).
    pub fn tenant_ids(&self) -> Vec<i64> {
        serde_json::from_str(&self.tenant_ids).unwrap_or_default()
    }

    pub fn role(&self) -> Result<Role, AppError> {
        Role::parse(&self.role).ok_or_else(|| {
            tracing::error!(invite = self.id, "unknown role in workspace_invites");
            AppError::Internal
        })
    }
}

const INVITE_SELECT: &str = "SELECT i.id, i.workspace_id, w.slug AS workspace_slug, w.name AS workspace_name, \
    w.status AS workspace_status, i.email, i.role, i.tenant_ids, u.email AS invited_by, i.expires_at, i.accepted_at, \
    i.revoked_at FROM workspace_invites i JOIN workspaces w ON w.id = i.workspace_id \
    LEFT JOIN users u ON u.id = i.invited_by";

pub async fn select_members(db: &Db, scope: &WorkspaceScope) -> Result<Vec<MemberRow>, AppError> {
    let sql = "SELECT u.id AS user_id, u.email, u.display_name, m.role FROM workspace_memberships m \
               JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 ORDER BY u.display_name, u.id";
    db_run!(db, p => sqlx::query_as::<_, MemberRow>(sql).bind(scope.workspace_id()).fetch_all(p).await)
        .map_err(internal)
}

pub async fn select_member(db: &Db, scope: &WorkspaceScope, user_id: i64) -> Result<MemberRow, AppError> {
    let sql = "SELECT u.id AS user_id, u.email, u.display_name, m.role FROM workspace_memberships m \
               JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 AND m.user_id = $2";
    db_run!(db, p => sqlx::query_as::<_, MemberRow>(sql).bind(scope.workspace_id()).bind(user_id).fetch_optional(p).await)
        .map_err(internal)?
        .ok_or(AppError::NotFound)
}

/// Every (user id, tenant id) narrowing row of the workspace.
pub async fn select_narrowing(db: &Db, scope: &WorkspaceScope) -> Result<Vec<(i64, i64)>, AppError> {
    let sql = "SELECT user_id, tenant_id FROM membership_tenants WHERE workspace_id = $1 ORDER BY user_id, tenant_id";
    db_run!(db, p => sqlx::query_as::<_, (i64, i64)>(sql).bind(scope.workspace_id()).fetch_all(p).await)
        .map_err(internal)
}

/// Ids of every tenant of the workspace (archived included).
pub async fn select_tenant_ids(db: &Db, scope: &WorkspaceScope) -> Result<Vec<i64>, AppError> {
    let sql = "SELECT id FROM tenants WHERE workspace_id = $1 ORDER BY id";
    db_run!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(scope.workspace_id()).fetch_all(p).await).map_err(internal)
}

pub async fn is_member_by_email(db: &Db, scope: &WorkspaceScope, email: &str) -> Result<bool, AppError> {
    let sql = "SELECT COUNT(*) FROM workspace_memberships m JOIN users u ON u.id = m.user_id \
               WHERE m.workspace_id = $1 AND u.email = $2";
    db_run!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(scope.workspace_id()).bind(email).fetch_one(p).await)
        .map(|n| n > 0)
        .map_err(internal)
}

/// An invite for `email` in the workspace that can still be accepted.
pub async fn has_pending_invite(db: &Db, scope: &WorkspaceScope, email: &str) -> Result<bool, AppError> {
    let sql = "SELECT COUNT(*) FROM workspace_invites WHERE workspace_id = $1 AND email = $2 \
               AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3";
    db_run!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(scope.workspace_id()).bind(email).bind(Utc::now()).fetch_one(p).await)
        .map(|n| n > 0)
        .map_err(internal)
}

/// New invite fields (the token only as its hash).
pub struct InviteInsert<'a> {
    pub email: &'a str,
    pub role: Role,
    pub tenant_ids: &'a [i64],
    pub token_hash: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_invite(tx: &mut Tx, scope: &WorkspaceScope, i: &InviteInsert<'_>) -> Result<i64, AppError> {
    let sql = "INSERT INTO workspace_invites (workspace_id, email, role, tenant_ids, token_hash, invited_by, expires_at, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
    let tenants = serde_json::to_string(i.tenant_ids).map_err(|_| AppError::Internal)?;
    db_run!(tx, p => sqlx::query_scalar::<_, i64>(sql)
        .bind(scope.workspace_id()).bind(i.email).bind(i.role.id()).bind(&tenants).bind(i.token_hash)
        .bind(scope.actor_id()).bind(i.expires_at).bind(Utc::now())
        .fetch_one(p).await)
    .map_err(internal)
}

/// Invites of the workspace that were neither accepted nor revoked, newest first.
pub async fn select_open_invites(db: &Db, scope: &WorkspaceScope) -> Result<Vec<InviteRow>, AppError> {
    let sql = format!(
        "{INVITE_SELECT} WHERE i.workspace_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL \
         ORDER BY i.created_at DESC, i.id DESC"
    );
    db_run!(db, p => sqlx::query_as::<_, InviteRow>(&sql).bind(scope.workspace_id()).fetch_all(p).await)
        .map_err(internal)
}

pub async fn select_invite(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<InviteRow, AppError> {
    let sql = format!("{INVITE_SELECT} WHERE i.workspace_id = $1 AND i.id = $2");
    db_run!(db, p => sqlx::query_as::<_, InviteRow>(&sql).bind(scope.workspace_id()).bind(id).fetch_optional(p).await)
        .map_err(internal)?
        .ok_or(AppError::NotFound)
}

/// The invite whose token hashes to `token_hash`, in any workspace.
pub async fn select_invite_by_hash(db: &Db, token_hash: &str) -> Result<Option<InviteRow>, AppError> {
    let sql = format!("{INVITE_SELECT} WHERE i.token_hash = $1");
    db_run!(db, p => sqlx::query_as::<_, InviteRow>(&sql).bind(token_hash).fetch_optional(p).await).map_err(internal)
}

/// Revokes an open invite; `false` when it was already accepted or revoked.
pub async fn revoke_invite(tx: &mut Tx, scope: &WorkspaceScope, id: i64) -> Result<bool, AppError> {
    let sql = "UPDATE workspace_invites SET revoked_at = $1 WHERE workspace_id = $2 AND id = $3 \
               AND accepted_at IS NULL AND revoked_at IS NULL";
    db_run!(tx, p => sqlx::query(sql).bind(Utc::now()).bind(scope.workspace_id()).bind(id).execute(p).await.map(|r| r.rows_affected()))
        .map(|n| n == 1)
        .map_err(internal)
}

const MEMBER_ROLE: &str = "SELECT role FROM workspace_memberships WHERE workspace_id = $1 AND user_id = $2";
const OWNER_COUNT: &str = "SELECT COUNT(*) FROM workspace_memberships WHERE workspace_id = $1 AND role = 'owner'";
const NARROWING_OF: &str =
    "SELECT tenant_id FROM membership_tenants WHERE workspace_id = $1 AND user_id = $2 ORDER BY tenant_id";

fn parse_role(raw: &str) -> Result<Role, AppError> {
    Role::parse(raw).ok_or_else(|| {
        tracing::error!(role = %raw, "unknown role in workspace_memberships");
        AppError::Internal
    })
}

/// A member's role, `None` when they are not a member (inside the change's transaction).
async fn role_of(tx: &mut Tx, ws: i64, user_id: i64) -> Result<Option<Role>, AppError> {
    let raw: Option<String> =
        db_run!(&mut *tx, c => sqlx::query_scalar(MEMBER_ROLE).bind(ws).bind(user_id).fetch_optional(c).await)
            .map_err(internal)?;
    raw.as_deref().map(parse_role).transpose()
}

/// Takes the workspace's membership lock and reads the member's role (`NotFound` when not a member).
async fn locked_member(tx: &mut Tx, ws: i64, user_id: i64) -> Result<Role, AppError> {
    tx.lock(Lock::Memberships(ws)).await?;
    role_of(tx, ws, user_id).await?.ok_or(AppError::NotFound)
}

/// Refuses to take the owner role from the last owner.
async fn keep_an_owner(tx: &mut Tx, ws: i64) -> Result<(), AppError> {
    let owners: i64 =
        db_run!(&mut *tx, c => sqlx::query_scalar(OWNER_COUNT).bind(ws).fetch_one(c).await).map_err(internal)?;
    if owners <= 1 {
        return Err(AppError::Conflict(conflict::LAST_OWNER.into()));
    }
    Ok(())
}

async fn narrowing_of(tx: &mut Tx, ws: i64, user_id: i64) -> Result<Vec<i64>, AppError> {
    db_run!(&mut *tx, c => sqlx::query_scalar(NARROWING_OF).bind(ws).bind(user_id).fetch_all(c).await).map_err(internal)
}

/// Replaces a member's narrowing rows with `tenant_ids` (none: not narrowed).
async fn set_narrowing(tx: &mut Tx, ws: i64, user_id: i64, tenant_ids: &[i64]) -> Result<(), AppError> {
    db_run!(&mut *tx, c => sqlx::query("DELETE FROM membership_tenants WHERE workspace_id = $1 AND user_id = $2")
        .bind(ws).bind(user_id).execute(c).await.map(|_| ()))
    .map_err(internal)?;
    for t in tenant_ids {
        db_run!(&mut *tx, c => sqlx::query(
            "INSERT INTO membership_tenants (workspace_id, user_id, tenant_id) VALUES ($1, $2, $3)")
            .bind(ws).bind(user_id).bind(t).execute(c).await.map(|_| ()))
        .map_err(internal)?;
    }
    Ok(())
}

/// Sets a member's role; returns the previous one. Refuses to demote the last owner; a customer viewer
/// must already be narrowed; a new owner loses any narrowing.
pub async fn update_role(tx: &mut Tx, scope: &WorkspaceScope, user_id: i64, role: Role) -> Result<Role, AppError> {
    let ws = scope.workspace_id();
    let from = locked_member(tx, ws, user_id).await?;
    if from == role {
        return Ok(from);
    }
    if from == Role::Owner {
        keep_an_owner(tx, ws).await?;
    }
    if role.requires_narrowing() && narrowing_of(tx, ws, user_id).await?.is_empty() {
        return Err(AppError::validation("role", "customer_needs_tenant"));
    }
    db_run!(&mut *tx, c => sqlx::query(
        "UPDATE workspace_memberships SET role = $1 WHERE workspace_id = $2 AND user_id = $3")
        .bind(role.id()).bind(ws).bind(user_id).execute(c).await.map(|_| ()))
    .map_err(internal)?;
    if role == Role::Owner {
        set_narrowing(tx, ws, user_id, &[]).await?;
    }
    Ok(from)
}

/// Replaces a member's narrowing with `tenant_ids` (already checked to belong to the workspace); returns
/// the previous narrowing and the member's role.
pub async fn replace_narrowing(
    tx: &mut Tx,
    scope: &WorkspaceScope,
    user_id: i64,
    tenant_ids: &[i64],
) -> Result<(Role, Vec<i64>), AppError> {
    let ws = scope.workspace_id();
    let role = locked_member(tx, ws, user_id).await?;
    crate::members::check_narrowing(role, tenant_ids).map_err(|c| AppError::validation("tenant_ids", c))?;
    let before = narrowing_of(tx, ws, user_id).await?;
    if before != tenant_ids {
        set_narrowing(tx, ws, user_id, tenant_ids).await?;
    }
    Ok((role, before))
}

/// Removes a member (their narrowing goes with them); returns their role. Refuses to remove the last owner.
pub async fn delete_member(tx: &mut Tx, scope: &WorkspaceScope, user_id: i64) -> Result<Role, AppError> {
    let ws = scope.workspace_id();
    let role = locked_member(tx, ws, user_id).await?;
    if role == Role::Owner {
        keep_an_owner(tx, ws).await?;
    }
    set_narrowing(tx, ws, user_id, &[]).await?;
    db_run!(&mut *tx, c => sqlx::query("DELETE FROM workspace_memberships WHERE workspace_id = $1 AND user_id = $2")
        .bind(ws).bind(user_id).execute(c).await.map(|_| ()))
    .map_err(internal)?;
    Ok(role)
}

/// Who accepts an invite: an existing account, or a new one created in the same transaction.
pub enum Joiner<'a> {
    Existing(i64),
    New { email: &'a str, display_name: &'a str, password_hash: &'a str },
}

/// Consumes the invite (once: not accepted, not revoked, not expired) and makes the joiner a member with
/// the invite's role and narrowing (tenants deleted since are skipped). Returns the member's user id.
/// Refuses an invitee who already is a member (the invite stays usable) and, for a new account, an email
/// that has an account already.
pub async fn accept_invite(tx: &mut Tx, invite: &InviteRow, joiner: Joiner<'_>) -> Result<i64, AppError> {
    let ws = invite.workspace_id;
    let role = invite.role()?;
    let tenants = invite.tenant_ids();
    let now = Utc::now();
    tx.lock(Lock::Memberships(ws)).await?;
    let consumed = db_run!(&mut *tx, conn => sqlx::query(
        "UPDATE workspace_invites SET accepted_at = $1 WHERE id = $2 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(invite.id)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))
    .map_err(internal)?;
    if consumed != 1 {
        return Err(AppError::Conflict(conflict::INVITE_USED.into()));
    }
    let user_id = match &joiner {
        Joiner::Existing(id) => {
            if role_of(tx, ws, *id).await?.is_some() {
                return Err(AppError::Conflict(conflict::ALREADY_MEMBER.into()));
            }
            *id
        }
        Joiner::New { email, display_name, password_hash } => db_run!(&mut *tx, conn => sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (email, display_name, password_hash, is_platform_admin, created_at, updated_at) \
             VALUES ($1, $2, $3, FALSE, $4, $4) RETURNING id",
        )
        .bind(*email)
        .bind(*display_name)
        .bind(*password_hash)
        .bind(now)
        .fetch_one(conn)
        .await)
        .map_err(|e| crate::db::on_constraint(e, "users_email_key", conflict::ACCOUNT_EXISTS))?,
    };
    db_run!(&mut *tx, conn => sqlx::query(
        "INSERT INTO workspace_memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(ws)
    .bind(user_id)
    .bind(role.id())
    .bind(now)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))
    .map_err(internal)?;
    let existing: Vec<i64> =
        db_run!(&mut *tx, conn => sqlx::query_scalar("SELECT id FROM tenants WHERE workspace_id = $1")
        .bind(ws)
        .fetch_all(conn)
        .await)
        .map_err(internal)?;
    let kept: Vec<i64> = tenants.into_iter().filter(|t| existing.contains(t)).collect();
    set_narrowing(tx, ws, user_id, &kept).await?;
    Ok(user_id)
}
