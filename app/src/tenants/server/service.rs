//! Rules for managed tenants: validate, authorize by capability on the scope, change, audit.

use serde_json::json;

use super::repo;
use crate::{
    audit::server::{record, AuditEvent},
    authz::{server::TenantScope, server::WorkspaceScope, Capability},
    db::Db,
    error::AppError,
    paging::Page,
    tenants::{parse_display_name, NewTenant, TenantDto, TenantQuery},
};

pub async fn list(db: &Db, scope: &WorkspaceScope, q: &TenantQuery) -> Result<Page<TenantDto>, AppError> {
    scope.require(Capability::TenantsView)?;
    repo::select_tenant_page(db, scope, q).await
}

pub async fn get(db: &Db, scope: &TenantScope) -> Result<TenantDto, AppError> {
    scope.workspace().require(Capability::TenantsView)?;
    repo::select_tenant(db, scope).await
}

pub async fn create(db: &Db, scope: &WorkspaceScope, input: NewTenant) -> Result<i64, AppError> {
    scope.require(Capability::TenantsManage)?;
    let mut tx = db.begin().await?;
    let id = repo::insert_tenant(&mut tx, scope, &input).await?;
    let event = AuditEvent::new("tenant.create", "tenant", id)
        .tenant(id)
        .summary(format!("Created managed tenant {}", input.display_name))
        .metadata(json!({ "display_name": input.display_name, "primary_domain": input.primary_domain, "entra_tenant_id": input.entra_tenant_id }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn rename(db: &Db, scope: &TenantScope, name: &str) -> Result<(), AppError> {
    scope.workspace().require(Capability::TenantsManage)?;
    let name = parse_display_name(name).map_err(|c| AppError::validation("display_name", c))?;
    let mut tx = db.begin().await?;
    let before = repo::select_tenant(&mut tx, scope).await?;
    repo::update_display_name(&mut tx, scope, &name).await?;
    let event = AuditEvent::new("tenant.rename", "tenant", scope.tenant_id())
        .tenant(scope.tenant_id())
        .summary(format!("Renamed managed tenant {} to {name}", before.display_name))
        .metadata(json!({ "from": before.display_name, "to": name }));
    record(&mut tx, scope.workspace(), event).await?;
    tx.commit().await
}

pub async fn set_archived(db: &Db, scope: &TenantScope, archive: bool) -> Result<(), AppError> {
    scope.workspace().require(Capability::TenantsManage)?;
    let mut tx = db.begin().await?;
    let t = repo::select_tenant(&mut tx, scope).await?;
    repo::update_lifecycle(&mut tx, scope, archive).await?;
    let (action, verb) = if archive { ("tenant.archive", "Archived") } else { ("tenant.restore", "Restored") };
    let event = AuditEvent::new(action, "tenant", scope.tenant_id())
        .tenant(scope.tenant_id())
        .summary(format!("{verb} managed tenant {}", t.display_name));
    record(&mut tx, scope.workspace(), event).await?;
    tx.commit().await
}
