//! Server functions of evidence, reviews, packs, the Customer Review Workspace and entitlements:
//! authenticate → enter the workspace → validate → call `reviews::server::service` (or `entitlements`),
//! which enforces capabilities, tenant narrowing and the plan. Parameters are the form field names; empty
//! form strings count as unset. A plain form post (JavaScript off) is redirected back to the page it came
//! from.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::validate::{blank_none, form_flag, optional_id};
use crate::{
    error::AppError,
    operations::Started,
    reviews::{
        AckState, CustomerWorkspace, DownloadLink, Entitlements, Queued, ReviewDetail, ReviewDto, SnapshotDetail,
        SnapshotDto,
    },
};

/// After a plain form post: to `path`.
#[cfg(feature = "ssr")]
fn back_to(path: &str) {
    if crate::members::server::is_plain_form_post() {
        leptos_axum::redirect(path);
    }
}

/// A required id from a form value (`field: required | invalid`).
#[cfg(feature = "ssr")]
fn required_id(field: &str, v: Option<String>) -> Result<i64, AppError> {
    optional_id(field, v)?.ok_or_else(|| AppError::validation(field, "required"))
}

/// Evidence snapshots the caller may see, newest first (optionally of one tenant).
#[server(endpoint = "reviews/snapshots")]
pub async fn list_snapshots(workspace: String, tenant: Option<String>) -> Result<Vec<SnapshotDto>, AppError> {
    use crate::reviews::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    service::list_snapshots(&state.db, &scope, optional_id("tenant", tenant)?).await
}

/// One evidence snapshot with its dimensions.
#[server(endpoint = "reviews/snapshot")]
pub async fn get_snapshot(workspace: String, snapshot: i64) -> Result<SnapshotDetail, AppError> {
    use crate::reviews::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    service::get_snapshot(&state.db, &scope, snapshot).await
}

/// Starts an evidence snapshot run of a tenant.
#[server(endpoint = "reviews/generate_snapshot")]
pub async fn generate_snapshot(workspace: String, tenant: Option<String>) -> Result<Started, AppError> {
    use crate::reviews::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let tenant = required_id("tenant", tenant)?;
    let started = service::generate_snapshot(&state.db, &scope, tenant).await?;
    let notice = crate::components::RunNotice::from_started(&started).query();
    back_to(&format!("/admin/workspaces/{workspace}/reviews?tenant={tenant}&{notice}"));
    Ok(started)
}

/// Reviews the caller may see, newest first (optionally of one tenant).
#[server(endpoint = "reviews/list")]
pub async fn list_reviews(workspace: String, tenant: Option<String>) -> Result<Vec<ReviewDto>, AppError> {
    use crate::reviews::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    service::list_reviews(&state.db, &scope, optional_id("tenant", tenant)?).await
}

/// A review; `customer_workspace=1` asks for the customer-safe view (always given to customer readers).
#[server(endpoint = "reviews/get")]
pub async fn get_review(
    workspace: String,
    review: i64,
    customer_workspace: Option<String>,
) -> Result<ReviewDetail, AppError> {
    use crate::reviews::server::{entitlements, service};
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let entitled = entitlements::pack_generation_allowed(&state.db, &scope).await?;
    service::get_review(&state.db, &scope, review, form_flag(customer_workspace), entitled).await
}

/// Creates a review of a tenant from a snapshot (default: the tenant's active one) and queues its
/// composition.
#[server(endpoint = "reviews/create")]
pub async fn create_review(
    workspace: String,
    tenant: Option<String>,
    snapshot: Option<String>,
) -> Result<Queued, AppError> {
    use crate::reviews::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let tenant = required_id("tenant", tenant)?;
    let queued = service::create_review(&state.db, &scope, tenant, optional_id("snapshot", snapshot)?).await?;
    back_to(&format!("/admin/workspaces/{workspace}/reviews/{}", queued.id));
    Ok(queued)
}

/// Publishes a ready review.
#[server(endpoint = "reviews/publish")]
pub async fn publish_review(workspace: String, review: i64) -> Result<ReviewDto, AppError> {
    use crate::reviews::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let dto = service::publish_review(&state.db, &scope, review).await?;
    back_to(&format!("/admin/workspaces/{workspace}/reviews/{review}"));
    Ok(dto)
}

/// Archives a review.
#[server(endpoint = "reviews/archive")]
pub async fn archive_review(workspace: String, review: i64) -> Result<ReviewDto, AppError> {
    use crate::reviews::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let dto = service::archive_review(&state.db, &scope, review).await?;
    back_to(&format!("/admin/workspaces/{workspace}/reviews/{review}"));
    Ok(dto)
}

/// Requests a pack of a published review (`language` `en`/`de`; `include_pii` needs its capability).
#[server(endpoint = "reviews/generate_pack")]
pub async fn generate_pack(
    workspace: String,
    review: i64,
    language: Option<String>,
    include_pii: Option<String>,
) -> Result<Queued, AppError> {
    use crate::reviews::{server::service, PackRequest};
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let req = PackRequest::parse(blank_none(language).as_deref(), form_flag(include_pii))?;
    let queued = service::generate_pack(&state.db, &scope, review, req).await?;
    back_to(&format!("/admin/workspaces/{workspace}/reviews/{review}"));
    Ok(queued)
}

/// A signed, expiring download link of a pack for the caller.
#[server(endpoint = "reviews/pack_link")]
pub async fn pack_download_link(workspace: String, pack: i64) -> Result<DownloadLink, AppError> {
    use crate::reviews::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let link = service::download_link(&state.db, &state.keys, &scope, pack).await?;
    if crate::members::server::is_plain_form_post() {
        leptos_axum::redirect(&link.url);
    }
    Ok(link)
}

/// Acknowledges the latest published review of its tenant.
#[server(endpoint = "reviews/acknowledge")]
pub async fn acknowledge_review(workspace: String, review: i64, back: Option<String>) -> Result<AckState, AppError> {
    use crate::reviews::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let ack = service::acknowledge(&state.db, &scope, review).await?;
    let to = match blank_none(back).as_deref() {
        Some("review") => format!("/admin/workspaces/{workspace}/reviews/{review}?customer_workspace=1"),
        _ => format!("/admin/workspaces/{workspace}/reviews/workspace"),
    };
    back_to(&to);
    Ok(ack)
}

/// The Customer Review Workspace (optionally one environment).
#[server(endpoint = "reviews/workspace")]
pub async fn get_customer_workspace(
    workspace: String,
    tenant: Option<String>,
    page: Option<String>,
) -> Result<CustomerWorkspace, AppError> {
    use crate::{
        paging::PageRequest,
        reviews::{server::service, WORKSPACE_PER_PAGE},
    };
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let page = PageRequest::parse(optional_id("page", page)?, Some(i64::from(WORKSPACE_PER_PAGE)))?;
    service::customer_workspace(&state.db, &scope, optional_id("tenant", tenant)?, page).await
}

/// The result of an uploaded pack's check, as the verify upload signed it (a signed-in user only).
#[server(endpoint = "reviews/verify_result")]
pub async fn verify_result(r: String, m: String) -> Result<crate::reviews::VerifyView, AppError> {
    use crate::reviews::server::service;
    crate::auth::server::Actor::current().await?;
    let state = crate::state::AppState::get()?;
    service::read_verify_result(&state.keys, &r, &m)
}

/// The workspace's plan, overrides and usage (`settings.manage`).
#[server(endpoint = "reviews/entitlements")]
pub async fn get_entitlements(workspace: String) -> Result<Entitlements, AppError> {
    use crate::reviews::server::entitlements;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    entitlements::get(&state.db, &scope).await
}

/// A workspace's entitlements on the platform plane (`platform.commercial.manage`).
#[server(endpoint = "system/entitlements")]
pub async fn get_workspace_entitlements(slug: String) -> Result<Entitlements, AppError> {
    use crate::{authz::PlatformCapability, reviews::server::entitlements};
    let (state, scope) = crate::authz::server::enter_platform(PlatformCapability::CommercialManage).await?;
    entitlements::get_platform(&state.db, &scope, &slug).await
}

/// Changes a workspace's plan and overrides (`platform.commercial.manage`); every override needs a
/// reason.
#[server(endpoint = "system/set_entitlements")]
pub async fn set_workspace_entitlements(
    slug: String,
    plan_id: Option<String>,
    managed_tenant_limit: Option<String>,
    managed_tenant_limit_reason: Option<String>,
    review_pack_generation: Option<String>,
    review_pack_generation_reason: Option<String>,
) -> Result<Entitlements, AppError> {
    use crate::{
        authz::PlatformCapability,
        reviews::{server::entitlements, EntitlementChange},
    };
    let (state, scope) = crate::authz::server::enter_platform(PlatformCapability::CommercialManage).await?;
    let change = EntitlementChange::parse(
        plan_id.as_deref(),
        managed_tenant_limit.as_deref(),
        managed_tenant_limit_reason.as_deref(),
        review_pack_generation.as_deref(),
        review_pack_generation_reason.as_deref(),
    )?;
    let e = entitlements::set(&state.db, &scope, &slug, change).await?;
    back_to(&format!("/system/workspaces/{slug}"));
    Ok(e)
}
