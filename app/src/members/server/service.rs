//! Rules for members and invitations: validate, authorize by capability on the scope, change, audit.
//! Audit metadata names emails, roles and tenant ids, never an invite token or its hash.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use serde_json::json;

use super::{repo, token};
use crate::{
    audit::server::{record, record_actor, AuditEvent},
    auth::server::{password, repo as users, Actor, UserRow},
    authz::{server::WorkspaceScope, Capability, Role},
    db::{Db, Tx},
    error::AppError,
    members::{
        conflict, invite_path, is_token_shaped, InviteCreated, InviteDetails, InviteDto, InvitePreview, InviteStatus,
        MemberDto, MembersView, NewInvite, Registration, TenantRef, INVITE_TTL_DAYS,
    },
};

/// Tenants the caller may see (archived included), as names for lists and choices (members, audit).
pub(crate) async fn visible_tenants(db: &Db, scope: &WorkspaceScope) -> Result<Vec<TenantRef>, AppError> {
    let tenants = crate::tenants::server::repo::select_tenants(db, scope, true).await?;
    Ok(tenants
        .into_iter()
        .map(|t| TenantRef { archived: t.lifecycle == "archived", id: t.id, name: t.display_name })
        .collect())
}

/// Splits `ids` into the tenants the caller may see and a count of the others.
fn refs(ids: &[i64], visible: &HashMap<i64, TenantRef>) -> (Vec<TenantRef>, u32) {
    let shown: Vec<TenantRef> = ids.iter().filter_map(|id| visible.get(id).cloned()).collect();
    let hidden = (ids.len() - shown.len()) as u32;
    (shown, hidden)
}

fn role_rank(role: &str) -> usize {
    Role::ALL.iter().position(|r| r.id() == role).unwrap_or(Role::ALL.len())
}

pub async fn list(db: &Db, scope: &WorkspaceScope) -> Result<MembersView, AppError> {
    scope.require(Capability::MembersView)?;
    let tenants = visible_tenants(db, scope).await?;
    let by_id: HashMap<i64, TenantRef> = tenants.iter().map(|t| (t.id, t.clone())).collect();
    let mut narrowing: HashMap<i64, Vec<i64>> = HashMap::new();
    for (user, tenant) in repo::select_narrowing(db, scope).await? {
        narrowing.entry(user).or_default().push(tenant);
    }
    let mut members: Vec<MemberDto> = repo::select_members(db, scope)
        .await?
        .into_iter()
        .map(|m| {
            let (tenants, hidden_tenants) = refs(narrowing.get(&m.user_id).map_or(&[][..], Vec::as_slice), &by_id);
            MemberDto {
                is_self: m.user_id == scope.actor_id(),
                user_id: m.user_id,
                email: m.email,
                display_name: m.display_name,
                role: m.role,
                tenants,
                hidden_tenants,
            }
        })
        .collect();
    members.sort_by_key(|m| role_rank(&m.role));
    let now = Utc::now();
    let invites = repo::select_open_invites(db, scope)
        .await?
        .into_iter()
        .map(|i| {
            let (tenants, hidden_tenants) = refs(&i.tenant_ids(), &by_id);
            InviteDto {
                id: i.id,
                expired: i.expires_at <= now,
                email: i.email,
                role: i.role,
                tenants,
                hidden_tenants,
                invited_by: i.invited_by,
                expires_at: i.expires_at,
            }
        })
        .collect();
    Ok(MembersView { members, invites, tenants })
}

/// Checks that every id names a tenant of the scope's workspace.
async fn check_tenants_belong(db: &Db, scope: &WorkspaceScope, ids: &[i64]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    let own = repo::select_tenant_ids(db, scope).await?;
    if ids.iter().all(|id| own.contains(id)) {
        Ok(())
    } else {
        Err(AppError::validation("tenant_ids", "unknown_tenant"))
    }
}

/// Creates an invite; returns it with its one-time link, and the token (for the flash, never stored).
pub async fn invite(
    db: &Db,
    scope: &WorkspaceScope,
    input: NewInvite,
    public_url: &str,
) -> Result<(InviteCreated, String), AppError> {
    scope.require(Capability::MembersManage)?;
    check_tenants_belong(db, scope, &input.tenant_ids).await?;
    if repo::is_member_by_email(db, scope, &input.email).await? {
        return Err(AppError::validation("email", conflict::ALREADY_MEMBER));
    }
    if repo::has_pending_invite(db, scope, &input.email).await? {
        return Err(AppError::validation("email", conflict::INVITE_PENDING));
    }
    let (token, token_hash) = token::generate();
    let expires_at = Utc::now() + Duration::days(INVITE_TTL_DAYS);
    let row = repo::InviteInsert {
        email: &input.email,
        role: input.role,
        tenant_ids: &input.tenant_ids,
        token_hash: &token_hash,
        expires_at,
    };
    let mut tx = db.begin().await?;
    let id = repo::insert_invite(&mut tx, scope, &row).await?;
    let event = AuditEvent::new("member.invite", "invite", id)
        .summary(format!("Invited {} as {}", input.email, input.role.id()))
        .metadata(json!({
            "email": input.email,
            "role": input.role.id(),
            "tenant_ids": input.tenant_ids,
            "expires_at": expires_at.to_rfc3339(),
        }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    let link = format!("{}{}", public_url.trim_end_matches('/'), invite_path(&token));
    Ok((InviteCreated { id, email: input.email, link, expires_at }, token))
}

/// The invite behind a flashed token, if it still belongs to this workspace and is pending (owners only;
/// `members.view` to ask at all).
pub async fn created_invite(
    db: &Db,
    scope: &WorkspaceScope,
    token: &str,
    public_url: &str,
) -> Result<Option<InviteCreated>, AppError> {
    scope.require(Capability::MembersView)?;
    if !scope.can(Capability::MembersManage) {
        return Ok(None);
    }
    let Some(row) = repo::select_invite_by_hash(db, &token::hash(token)).await? else {
        return Ok(None);
    };
    if row.workspace_id != scope.workspace_id() || status(&row) != InviteStatus::Pending {
        return Ok(None);
    }
    let link = format!("{}{}", public_url.trim_end_matches('/'), invite_path(token));
    Ok(Some(InviteCreated { id: row.id, email: row.email, link, expires_at: row.expires_at }))
}

pub async fn revoke(db: &Db, scope: &WorkspaceScope, invite_id: i64) -> Result<(), AppError> {
    scope.require(Capability::MembersManage)?;
    let invite = repo::select_invite(db, scope, invite_id).await?;
    let mut tx = db.begin().await?;
    if !repo::revoke_invite(&mut tx, scope, invite_id).await? {
        let code = if invite.revoked_at.is_some() { conflict::INVITE_REVOKED } else { conflict::INVITE_USED };
        return Err(AppError::Conflict(code.into()));
    }
    let event = AuditEvent::new("member.invite_revoke", "invite", invite_id)
        .summary(format!("Revoked the invite for {}", invite.email))
        .metadata(json!({ "email": invite.email, "role": invite.role }));
    record(&mut tx, scope, event).await?;
    tx.commit().await
}

pub async fn change_role(db: &Db, scope: &WorkspaceScope, user_id: i64, role: Role) -> Result<(), AppError> {
    scope.require(Capability::MembersManage)?;
    let member = repo::select_member(db, scope, user_id).await?;
    let mut tx = db.begin().await?;
    let from = repo::update_role(&mut tx, scope, user_id, role).await?;
    if from == role {
        return Ok(());
    }
    let event = AuditEvent::new("member.role_change", "member", user_id)
        .summary(format!("Changed the role of {} from {} to {}", member.email, from.id(), role.id()))
        .metadata(json!({ "email": member.email, "from": from.id(), "to": role.id() }));
    record(&mut tx, scope, event).await?;
    tx.commit().await
}

pub async fn narrow(db: &Db, scope: &WorkspaceScope, user_id: i64, tenant_ids: Vec<i64>) -> Result<(), AppError> {
    scope.require(Capability::MembersManage)?;
    let member = repo::select_member(db, scope, user_id).await?;
    check_tenants_belong(db, scope, &tenant_ids).await?;
    let mut tx = db.begin().await?;
    let (_, before) = repo::replace_narrowing(&mut tx, scope, user_id, &tenant_ids).await?;
    if before == tenant_ids {
        return Ok(());
    }
    let summary = if tenant_ids.is_empty() {
        format!("Gave {} access to every managed environment", member.email)
    } else {
        format!("Narrowed {} to {} managed environment(s)", member.email, tenant_ids.len())
    };
    let event = AuditEvent::new("member.narrow", "member", user_id)
        .summary(summary)
        .metadata(json!({ "email": member.email, "from": before, "to": tenant_ids }));
    record(&mut tx, scope, event).await?;
    tx.commit().await
}

/// Changes a member's role and/or narrowing in one request (the JSON API's `PATCH`). Both are validated
/// together first (the narrowing rules of the resulting role, tenants of this workspace), then applied in
/// the order that never passes through an invalid state: the narrowing first when the new role requires
/// one (customer viewer), the role first otherwise. Each step is audited like its own form.
pub async fn update(
    db: &Db,
    scope: &WorkspaceScope,
    user_id: i64,
    role: Option<Role>,
    tenant_ids: Option<Vec<i64>>,
) -> Result<(), AppError> {
    scope.require(Capability::MembersManage)?;
    let member = repo::select_member(db, scope, user_id).await?;
    let current = Role::parse(&member.role).ok_or(AppError::Internal)?;
    if let Some(ids) = &tenant_ids {
        check_tenants_belong(db, scope, ids).await?;
        crate::members::check_narrowing(role.unwrap_or(current), ids)
            .map_err(|c| AppError::validation("tenant_ids", c))?;
    }
    match (role, tenant_ids) {
        (Some(r), Some(ids)) if r.requires_narrowing() => {
            narrow(db, scope, user_id, ids).await?;
            change_role(db, scope, user_id, r).await
        }
        (Some(r), Some(ids)) => {
            change_role(db, scope, user_id, r).await?;
            narrow(db, scope, user_id, ids).await
        }
        (Some(r), None) => change_role(db, scope, user_id, r).await,
        (None, Some(ids)) => narrow(db, scope, user_id, ids).await,
        (None, None) => Ok(()),
    }
}

pub async fn remove(db: &Db, scope: &WorkspaceScope, user_id: i64) -> Result<(), AppError> {
    scope.require(Capability::MembersManage)?;
    let member = repo::select_member(db, scope, user_id).await?;
    let mut tx = db.begin().await?;
    let role = repo::delete_member(&mut tx, scope, user_id).await?;
    let event = AuditEvent::new("member.remove", "member", user_id)
        .summary(format!("Removed {} from the workspace", member.email))
        .metadata(json!({ "email": member.email, "role": role.id() }));
    record(&mut tx, scope, event).await?;
    tx.commit().await
}

fn status(row: &repo::InviteRow) -> InviteStatus {
    if row.revoked_at.is_some() {
        InviteStatus::Revoked
    } else if row.accepted_at.is_some() {
        InviteStatus::Used
    } else if row.expires_at <= Utc::now() {
        InviteStatus::Expired
    } else {
        InviteStatus::Pending
    }
}

/// The invite behind `token`; unknown tokens, malformed tokens and archived workspaces are `NotFound`.
async fn find(db: &Db, token: &str) -> Result<repo::InviteRow, AppError> {
    if !is_token_shaped(token) {
        return Err(AppError::NotFound);
    }
    match repo::select_invite_by_hash(db, &token::hash(token)).await? {
        Some(row) if row.workspace_status == "active" => Ok(row),
        _ => Err(AppError::NotFound),
    }
}

/// The invite must still be acceptable.
fn require_pending(row: &repo::InviteRow) -> Result<(), AppError> {
    let code = match status(row) {
        InviteStatus::Pending => return Ok(()),
        InviteStatus::Expired => conflict::INVITE_EXPIRED,
        InviteStatus::Used => conflict::INVITE_USED,
        InviteStatus::Revoked => conflict::INVITE_REVOKED,
    };
    Err(AppError::Conflict(code.into()))
}

pub async fn preview(db: &Db, token: &str, actor: Option<&Actor>) -> Result<InvitePreview, AppError> {
    let row = find(db, token).await?;
    let status = status(&row);
    if status != InviteStatus::Pending {
        return Ok(InvitePreview { status, details: None });
    }
    let account_exists = users::select_user_by_email(db, &row.email).await?.is_some();
    let already_member = match actor {
        Some(a) if a.email() == row.email => {
            a.workspace(db, &row.workspace_slug, Capability::WorkspaceView).await.is_ok()
        }
        _ => false,
    };
    Ok(InvitePreview {
        status,
        details: Some(InviteDetails {
            workspace_name: row.workspace_name,
            workspace_slug: row.workspace_slug,
            role: row.role,
            email: row.email,
            expires_at: row.expires_at,
            account_exists,
            signed_in_as: actor.map(|a| a.email().to_string()),
            already_member,
        }),
    })
}

/// Records the acceptance as done by the new member, in the workspace they joined, in the transaction
/// that made them a member.
async fn audit_accept(tx: &mut Tx, actor: &Actor, row: &repo::InviteRow, new_account: bool) -> Result<(), AppError> {
    let event = AuditEvent::new("member.invite_accept", "member", actor.user_id())
        .summary(format!("{} accepted the invite as {}", row.email, row.role))
        .metadata(json!({
            "invite_id": row.id,
            "email": row.email,
            "role": row.role,
            "tenant_ids": row.tenant_ids(),
            "new_account": new_account,
        }));
    record_actor(tx, actor, Some(row.workspace_id), event).await
}

/// The signed-in invitee joins; returns the workspace slug.
pub async fn accept(db: &Db, token: &str, actor: &Actor) -> Result<String, AppError> {
    let row = find(db, token).await?;
    require_pending(&row)?;
    if actor.email() != row.email {
        return Err(AppError::Conflict(conflict::WRONG_ACCOUNT.into()));
    }
    let mut tx = db.begin().await?;
    repo::accept_invite(&mut tx, &row, repo::Joiner::Existing(actor.user_id())).await?;
    audit_accept(&mut tx, actor, &row, false).await?;
    tx.commit().await?;
    tracing::info!(user_id = actor.user_id(), invite = row.id, "invite accepted");
    Ok(row.workspace_slug)
}

/// Creates the invited account, joins the workspace; returns the new user and the workspace slug.
pub async fn register(db: &Db, token: &str, input: Registration) -> Result<(UserRow, String), AppError> {
    let row = find(db, token).await?;
    require_pending(&row)?;
    if users::select_user_by_email(db, &row.email).await?.is_some() {
        return Err(AppError::Conflict(conflict::ACCOUNT_EXISTS.into()));
    }
    let hash = password::hash(input.password).await?;
    let joiner = repo::Joiner::New { email: &row.email, display_name: &input.display_name, password_hash: &hash };
    let mut tx = db.begin().await?;
    let user_id = repo::accept_invite(&mut tx, &row, joiner).await?;
    let user = users::select_user_by_id(&mut tx, user_id).await?.ok_or(AppError::Internal)?;
    audit_accept(&mut tx, &Actor::signed_in_now(user.clone()), &row, true).await?;
    tx.commit().await?;
    tracing::info!(user_id, invite = row.id, "account created from invite");
    Ok((user, row.workspace_slug))
}
