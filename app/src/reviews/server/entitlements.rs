//! Plan entitlements (BRIEF §3.5, Spec 247): the plan profiles are code (`reviews::PLANS`); a workspace
//! has a plan id (none = the default plan) and overrides with a mandatory reason, changed only by
//! platform operators (`platform.commercial.manage`) and audited. Enforced before anything is written:
//! when a tenant is activated (the connection verification run) and when a pack is requested. A plan
//! refusal is `Conflict("entitlement_…")` with its own message, never an authorization error.

use chrono::Utc;
use serde_json::json;

use super::repo::{self, EntitlementRow};
use crate::{
    audit::server::{record_actor, AuditEvent},
    authz::{
        server::{PlatformScope, WorkspaceBound, WorkspaceScope},
        Capability,
    },
    db::Db,
    error::AppError,
    reviews::{plan, EntitlementChange, EntitlementKey, EntitlementSource, EntitlementValue, Entitlements},
};

/// The effective entitlements of a stored row, with the usage `active_tenants`.
pub fn effective(row: &EntitlementRow, active_tenants: i64) -> Entitlements {
    let p = plan(row.plan_id.as_deref());
    let source = |overridden: bool| if overridden { EntitlementSource::Override } else { EntitlementSource::Plan };
    let limit = if row.managed_tenant_limit.is_some() { row.managed_tenant_limit } else { p.managed_tenant_limit };
    Entitlements {
        plan_id: p.id.to_string(),
        plan_is_default: row.plan_id.is_none(),
        values: vec![
            EntitlementValue {
                key: EntitlementKey::ManagedTenantLimit,
                source: source(row.managed_tenant_limit.is_some()),
                limit,
                allowed: limit.is_none_or(|l| active_tenants < l),
                usage: Some(active_tenants),
                reason: row.managed_tenant_limit_reason.clone(),
            },
            EntitlementValue {
                key: EntitlementKey::ReviewPackGeneration,
                source: source(row.review_pack_generation.is_some()),
                limit: None,
                allowed: row.review_pack_generation.unwrap_or(p.review_pack_generation),
                usage: None,
                reason: row.review_pack_generation_reason.clone(),
            },
        ],
        updated_at: row.updated_at.map(repo::time),
    }
}

async fn load(db: &Db, scope: &impl WorkspaceBound) -> Result<Entitlements, AppError> {
    let row = repo::select_entitlements(db, scope).await?;
    let active = repo::count_active_tenants(db, scope).await?;
    Ok(effective(&row, active))
}

/// The workspace's plan, overrides and usage (workspace settings: `settings.manage`).
pub async fn get(db: &Db, scope: &WorkspaceScope) -> Result<Entitlements, AppError> {
    scope.require(Capability::SettingsManage)?;
    load(db, scope).await
}

/// Whether the workspace's plan lets it generate review packs (no capability needed: the UI uses it to
/// say why a start is unavailable).
pub async fn pack_generation_allowed(db: &Db, scope: &impl WorkspaceBound) -> Result<bool, AppError> {
    let e = load(db, scope).await?;
    Ok(e.value(EntitlementKey::ReviewPackGeneration).is_some_and(|v| v.allowed))
}

/// `Conflict("entitlement_review_pack_generation")` when the plan does not include pack generation.
pub async fn require_pack_generation(db: &Db, scope: &impl WorkspaceBound) -> Result<(), AppError> {
    if pack_generation_allowed(db, scope).await? {
        Ok(())
    } else {
        Err(AppError::Conflict("entitlement_review_pack_generation".into()))
    }
}

/// Whether one more tenant may become active (the count excludes the tenant being activated, which is
/// not active yet).
pub async fn tenant_activation_allowed(db: &Db, scope: &impl WorkspaceBound) -> Result<bool, AppError> {
    let e = load(db, scope).await?;
    Ok(e.value(EntitlementKey::ManagedTenantLimit).is_some_and(|v| v.allowed))
}

/// Whether one more tenant may become active, inside the activating transaction (which holds
/// [`Lock::TenantActivations`](crate::db::Lock), so two activations cannot both take the last slot).
pub async fn tenant_activation_allowed_in(
    tx: &mut crate::db::Tx,
    scope: &impl WorkspaceBound,
) -> Result<bool, AppError> {
    let row = repo::select_entitlements(&mut *tx, scope).await?;
    let active = repo::count_active_tenants(&mut *tx, scope).await?;
    Ok(effective(&row, active).value(EntitlementKey::ManagedTenantLimit).is_some_and(|v| v.allowed))
}

/// `Conflict("entitlement_managed_tenant_limit")` when the workspace is at its tenant limit.
pub async fn require_tenant_activation(db: &Db, scope: &impl WorkspaceBound) -> Result<(), AppError> {
    if tenant_activation_allowed(db, scope).await? {
        Ok(())
    } else {
        Err(AppError::Conflict("entitlement_managed_tenant_limit".into()))
    }
}

/// The entitlements of workspace `slug` for the platform plane.
pub async fn get_platform(db: &Db, scope: &PlatformScope, slug: &str) -> Result<Entitlements, AppError> {
    let (id, _) = crate::system::server::repo::select_workspace(db, scope, slug).await?.ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    let row = repo::select_entitlements_platform(&mut tx, scope, id).await?;
    let active = crate::system::server::repo::count_active_tenants(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(effective(&row, active))
}

/// Changes plan and overrides of workspace `slug` (platform operators with `platform.commercial.manage`;
/// the scope was built for that capability). Audited in the workspace's log with before and after.
pub async fn set(
    db: &Db,
    scope: &PlatformScope,
    slug: &str,
    change: EntitlementChange,
) -> Result<Entitlements, AppError> {
    let (id, _) = crate::system::server::repo::select_workspace(db, scope, slug).await?.ok_or(AppError::NotFound)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let before = repo::select_entitlements_platform(&mut tx, scope, id).await?;
    let row = EntitlementRow {
        plan_id: change.plan_id.clone(),
        managed_tenant_limit: change.managed_tenant_limit.as_ref().map(|l| l.0),
        managed_tenant_limit_reason: change.managed_tenant_limit.as_ref().map(|l| l.1.clone()),
        review_pack_generation: change.review_pack_generation.as_ref().map(|p| p.0),
        review_pack_generation_reason: change.review_pack_generation.as_ref().map(|p| p.1.clone()),
        updated_at: Some(now),
    };
    repo::upsert_entitlements(&mut tx, scope, id, &row, scope.actor().user_id(), now).await?;
    let event = AuditEvent::new("entitlements.change", "workspace", id)
        .summary(format!("Changed the plan entitlements of workspace {slug}"))
        .metadata(json!({
            "before": { "plan_id": before.plan_id, "managed_tenant_limit": before.managed_tenant_limit,
                        "review_pack_generation": before.review_pack_generation },
            "after": { "plan_id": row.plan_id, "managed_tenant_limit": row.managed_tenant_limit,
                       "managed_tenant_limit_reason": row.managed_tenant_limit_reason,
                       "review_pack_generation": row.review_pack_generation,
                       "review_pack_generation_reason": row.review_pack_generation_reason },
        }));
    record_actor(&mut tx, scope.actor(), Some(id), event).await?;
    let active = crate::system::server::repo::count_active_tenants(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(effective(&row, active))
}
