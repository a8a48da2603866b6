//! Server functions for managed tenants: authenticate → enter the scope → call the service.

use leptos::prelude::*;

use crate::{error::AppError, paging::Page, tenants::TenantDto};

/// One page of managed tenants: `q` searches name and domain, `status` is `current` (default),
/// `archived` or `all`, `page` counts from 1 ([`DEFAULT_PER_PAGE`](crate::paging::DEFAULT_PER_PAGE) per page).
#[server(endpoint = "tenants/list")]
pub async fn list_tenants(
    workspace: String,
    q: Option<String>,
    status: Option<String>,
    page: Option<i64>,
) -> Result<Page<TenantDto>, AppError> {
    use crate::{authz::server::enter_current, paging::PageRequest, tenants::server::service, tenants::TenantQuery};
    let (state, scope) = enter_current(&workspace, None).await?;
    let query = TenantQuery::parse(q.as_deref(), status.as_deref(), PageRequest::parse(page, None)?)?;
    service::list(&state.db, &scope, &query).await
}

#[server(endpoint = "tenants/get")]
pub async fn get_tenant(workspace: String, tenant: i64) -> Result<TenantDto, AppError> {
    use crate::{authz::server::enter_current, tenants::server::service};
    let (state, scope) = enter_current(&workspace, Some(tenant)).await?;
    service::get(&state.db, &scope).await
}

#[server(endpoint = "tenants/create")]
pub async fn create_tenant(
    workspace: String,
    display_name: Option<String>,
    primary_domain: Option<String>,
    entra_tenant_id: Option<String>,
) -> Result<i64, AppError> {
    use crate::{authz::server::enter_current, tenants::server::service, tenants::NewTenant};
    let (state, scope) = enter_current(&workspace, None).await?;
    let input = NewTenant::parse(
        display_name.as_deref().unwrap_or_default(),
        primary_domain.as_deref().unwrap_or_default(),
        entra_tenant_id.as_deref().unwrap_or_default(),
    )?;
    service::create(&state.db, &scope, input).await
}

#[server(endpoint = "tenants/rename")]
pub async fn rename_tenant(workspace: String, tenant: i64, display_name: Option<String>) -> Result<(), AppError> {
    use crate::{authz::server::enter_current, tenants::server::service};
    let (state, scope) = enter_current(&workspace, Some(tenant)).await?;
    service::rename(&state.db, &scope, display_name.as_deref().unwrap_or_default()).await
}

#[server(endpoint = "tenants/archive")]
pub async fn set_tenant_archived(workspace: String, tenant: i64, archived: bool) -> Result<(), AppError> {
    use crate::{authz::server::enter_current, tenants::server::service};
    let (state, scope) = enter_current(&workspace, Some(tenant)).await?;
    service::set_archived(&state.db, &scope, archived).await
}
