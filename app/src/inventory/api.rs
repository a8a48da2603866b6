//! Server functions for a tenant's inventory: authenticate → enter the tenant (a foreign or non-entitled
//! tenant is 404 before anything else) → call the service (which checks the capability: 403).

use leptos::prelude::*;

use crate::{
    error::AppError,
    inventory::{InventoryOverview, PolicyDetail, PolicyDto, PolicyVersionDetail, VersionDiff},
    operations::Started,
    paging::Page,
};

/// Counts and data freshness per supported type.
#[server(name = GetInventoryOverview, endpoint = "inventory/overview")]
pub async fn inventory_overview(workspace: String, tenant: i64) -> Result<InventoryOverview, AppError> {
    use crate::{authz::server::enter_current, inventory::server::service};
    let (state, scope) = enter_current(&workspace, Some(tenant)).await?;
    service::overview(&state.db, &scope).await
}

/// One page of the tenant's policies: `q` searches the name, `policy_type` is a contract key, `platform`
/// one of [`PLATFORMS`](crate::inventory::PLATFORMS), `visibility` `active` (default), `ignored`,
/// `provider_missing` or `all`; `page` counts from 1.
#[server(endpoint = "inventory/policies")]
pub async fn list_policies(
    workspace: String,
    tenant: i64,
    q: Option<String>,
    policy_type: Option<String>,
    platform: Option<String>,
    visibility: Option<String>,
    page: Option<i64>,
) -> Result<Page<PolicyDto>, AppError> {
    use crate::{
        authz::server::enter_current, inventory::server::service, inventory::PolicyQuery, paging::PageRequest,
    };
    let (state, scope) = enter_current(&workspace, Some(tenant)).await?;
    let query = PolicyQuery::parse(
        q.as_deref(),
        policy_type.as_deref(),
        platform.as_deref(),
        visibility.as_deref(),
        PageRequest::parse(page, None)?,
    )?;
    service::list(&state.db, &scope, &query).await
}

/// A policy with its version history, newest first.
#[server(endpoint = "inventory/policy")]
pub async fn get_policy(workspace: String, tenant: i64, policy: i64) -> Result<PolicyDetail, AppError> {
    use crate::{authz::server::enter_current, inventory::server::service};
    let (state, scope) = enter_current(&workspace, Some(tenant)).await?;
    service::get(&state.db, &scope, policy).await
}

/// One version of a policy with its redacted snapshot and the pointers of the redacted secrets.
#[server(endpoint = "inventory/version")]
pub async fn get_policy_version(
    workspace: String,
    tenant: i64,
    policy: i64,
    version: i64,
) -> Result<PolicyVersionDetail, AppError> {
    use crate::{authz::server::enter_current, inventory::server::service};
    let (state, scope) = enter_current(&workspace, Some(tenant)).await?;
    service::version(&state.db, &scope, policy, version).await
}

/// The setting-level changes from version `from` to version `to` of one policy.
#[server(endpoint = "inventory/compare")]
pub async fn compare_policy_versions(
    workspace: String,
    tenant: i64,
    policy: i64,
    from: i64,
    to: i64,
) -> Result<VersionDiff, AppError> {
    use crate::{authz::server::enter_current, inventory::server::service};
    let (state, scope) = enter_current(&workspace, Some(tenant)).await?;
    service::compare(&state.db, &scope, policy, from, to).await
}

/// Ignores (`ignored = true`) or stops ignoring a policy locally.
#[server(endpoint = "inventory/ignore")]
pub async fn set_policy_ignored(workspace: String, tenant: i64, policy: i64, ignored: bool) -> Result<(), AppError> {
    use crate::{authz::server::enter_current, inventory::server::service};
    let (state, scope) = enter_current(&workspace, Some(tenant)).await?;
    service::set_ignored(&state.db, &scope, policy, ignored).await
}

/// Queues an inventory sync of the tenant (or returns the one already queued or running). A plain form
/// post is redirected to the tenant page with the run in the query, which shows the "queued" notice.
#[server(endpoint = "inventory/sync")]
pub async fn start_inventory_sync(workspace: String, tenant: i64) -> Result<Started, AppError> {
    use crate::{authz::server::enter_current, inventory::server::service};
    let (state, scope) = enter_current(&workspace, Some(tenant)).await?;
    let started = service::start_sync(&state.db, &scope).await?;
    redirect_with_notice(&workspace, tenant, &started);
    Ok(started)
}

/// After a plain form post (JavaScript off) that started a run: redirect to the tenant page with the
/// notice in the query (the hydrated client reads the returned [`Started`] instead).
#[cfg(feature = "ssr")]
pub(crate) fn redirect_with_notice(workspace: &str, tenant: i64, started: &Started) {
    if crate::members::server::is_plain_form_post() {
        let notice = crate::components::RunNotice::from_started(started);
        leptos_axum::redirect(&format!("/admin/workspaces/{workspace}/environments/{tenant}?{}", notice.query()));
    }
}
