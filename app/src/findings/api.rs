//! Server functions of findings and risk acceptance: authenticate → enter the workspace → validate → call
//! `findings::server::service`, which enforces `findings.view` / `findings.manage` /
//! `exceptions.request` / `exceptions.approve` and tenant narrowing (foreign or hidden finding → 404,
//! missing capability → 403). Parameters are the form field names; empty form strings count as unset. A
//! plain form post (JavaScript off) on a finding is redirected back to the finding's page.
// `list_findings` takes the workspace plus eight flat filter arguments mirroring the page's query.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::validate::{blank_none, form_flag as flag, optional_id};
use crate::{
    error::AppError,
    findings::{CommentDto, ExceptionDto, FindingDetail, FindingDto, GovernanceSettingsView, PostureOverview},
    paging::Page,
};

/// After a plain form post about finding `finding`: back to its page.
#[cfg(feature = "ssr")]
fn redirect_to_finding(workspace: &str, finding: i64) {
    if crate::members::server::is_plain_form_post() {
        leptos_axum::redirect(&format!("/admin/workspaces/{workspace}/findings/{finding}"));
    }
}

/// One page of the workspace's findings the caller may see (filters as in
/// [`FindingParams`](crate::findings::FindingParams); bad values → field errors).
#[server(endpoint = "findings/list")]
pub async fn list_findings(
    workspace: String,
    tenant: Option<String>,
    status: Option<String>,
    severity: Option<String>,
    assignee: Option<String>,
    due: Option<String>,
    source: Option<String>,
    reflagged: Option<String>,
    page: Option<String>,
) -> Result<Page<FindingDto>, AppError> {
    use crate::findings::{server::service, FindingParams, FindingQuery};
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let params = FindingParams {
        tenant: optional_id("tenant", tenant)?,
        status: blank_none(status),
        severity: blank_none(severity),
        assignee: blank_none(assignee),
        due: blank_none(due),
        source: blank_none(source),
        reflagged: Some(flag(reflagged)),
        page: optional_id("page", page)?,
        per_page: None,
    };
    service::list(&state.db, &scope, &FindingQuery::parse(&params)?).await
}

/// **My work**: the caller's open findings, most urgent first.
#[server(endpoint = "findings/my_work")]
pub async fn my_work(workspace: String, page: Option<String>) -> Result<Page<FindingDto>, AppError> {
    use crate::findings::{server::service, FindingParams};
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let params = FindingParams { page: optional_id("page", page)?, ..FindingParams::default() };
    service::my_work(&state.db, &scope, &params).await
}

/// **Intake**: open findings nobody has claimed.
#[server(endpoint = "findings/intake")]
pub async fn intake(workspace: String, page: Option<String>) -> Result<Page<FindingDto>, AppError> {
    use crate::findings::{server::service, FindingParams};
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let params = FindingParams { page: optional_id("page", page)?, ..FindingParams::default() };
    service::intake(&state.db, &scope, &params).await
}

/// A finding with its evidence, history, comments, risk acceptances and the caller's permissions.
#[server(endpoint = "findings/get")]
pub async fn get_finding(workspace: String, finding: i64) -> Result<FindingDetail, AppError> {
    use crate::findings::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    service::get(&state.db, &scope, finding).await
}

/// Moves a finding: `transition` is `triage`, `start`, `resolve`, `close` (with `closed_reason` and a
/// `note`) or `reopen` (with a `note`).
#[server(endpoint = "findings/transition")]
pub async fn transition_finding(
    workspace: String,
    finding: i64,
    transition: String,
    closed_reason: Option<String>,
    note: Option<String>,
) -> Result<FindingDto, AppError> {
    use crate::findings::{server::service, TransitionRequest};
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let closed_reason = blank_none(closed_reason);
    let req = TransitionRequest::parse(Some(&transition), closed_reason.as_deref(), note.as_deref())?;
    let f = service::transition(&state.db, &scope, finding, &req).await?;
    redirect_to_finding(&workspace, finding);
    Ok(f)
}

/// Triages the selected findings (all or nothing). Returns how many changed.
#[server(endpoint = "findings/bulk_triage")]
pub async fn bulk_triage(workspace: String, #[server(default)] ids: Vec<i64>) -> Result<usize, AppError> {
    use crate::findings::{server::service, TransitionRequest};
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let req = TransitionRequest::parse(Some("triage"), None, None)?;
    let result = service::bulk_transition(&state.db, &scope, &ids, &req).await?;
    Ok(result.changed.len())
}

/// Names the owner and the assignee (blank = nobody).
#[server(endpoint = "findings/assign")]
pub async fn assign_finding(
    workspace: String,
    finding: i64,
    owner: Option<String>,
    assignee: Option<String>,
) -> Result<FindingDto, AppError> {
    use crate::findings::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let owner = optional_id("owner", owner)?;
    let assignee = optional_id("assignee", assignee)?;
    let f = service::assign(&state.db, &scope, finding, owner, assignee).await?;
    redirect_to_finding(&workspace, finding);
    Ok(f)
}

/// Claims an unassigned open finding (`Conflict("already_claimed")` when someone was faster).
#[server(endpoint = "findings/claim")]
pub async fn claim_finding(workspace: String, finding: i64) -> Result<FindingDto, AppError> {
    use crate::findings::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let f = service::claim(&state.db, &scope, finding).await?;
    redirect_to_finding(&workspace, finding);
    Ok(f)
}

/// Adds a comment.
#[server(endpoint = "findings/comment")]
pub async fn comment_finding(workspace: String, finding: i64, body: Option<String>) -> Result<CommentDto, AppError> {
    use crate::findings::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let c = service::comment(&state.db, &scope, finding, body.as_deref()).await?;
    redirect_to_finding(&workspace, finding);
    Ok(c)
}

/// Requests a risk acceptance: `reason` required, `expires_at` a date (`YYYY-MM-DD`) in the future.
#[server(endpoint = "findings/request_exception")]
pub async fn request_exception(
    workspace: String,
    finding: i64,
    reason: Option<String>,
    expires_at: Option<String>,
) -> Result<ExceptionDto, AppError> {
    use crate::findings::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let x = service::request_exception(&state.db, &scope, finding, reason.as_deref(), expires_at.as_deref()).await?;
    redirect_to_finding(&workspace, finding);
    Ok(x)
}

/// Approves (`approve = true`) or rejects (reason required) a pending risk acceptance.
#[server(endpoint = "findings/decide_exception")]
pub async fn decide_exception(
    workspace: String,
    exception: i64,
    approve: bool,
    reason: Option<String>,
) -> Result<ExceptionDto, AppError> {
    use crate::findings::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let x = service::decide_exception(&state.db, &scope, exception, approve, reason.as_deref()).await?;
    redirect_to_finding(&workspace, x.finding_id);
    Ok(x)
}

/// Revokes an active risk acceptance (reason required); the finding re-opens.
#[server(endpoint = "findings/revoke_exception")]
pub async fn revoke_exception(
    workspace: String,
    exception: i64,
    reason: Option<String>,
) -> Result<ExceptionDto, AppError> {
    use crate::findings::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let x = service::revoke_exception(&state.db, &scope, exception, reason.as_deref()).await?;
    redirect_to_finding(&workspace, x.finding_id);
    Ok(x)
}

/// Requests the renewal of an active risk acceptance (`reason` required, `expires_at` a future date within
/// the workspace maximum); once another member approves it, it supersedes the active one.
#[server(endpoint = "findings/renew_exception")]
pub async fn renew_exception(
    workspace: String,
    exception: i64,
    reason: Option<String>,
    expires_at: Option<String>,
) -> Result<ExceptionDto, AppError> {
    use crate::findings::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let x = service::renew_exception(&state.db, &scope, exception, reason.as_deref(), expires_at.as_deref()).await?;
    redirect_to_finding(&workspace, x.finding_id);
    Ok(x)
}

/// The workspace's SLA days and acceptance maximum (`findings.view`), and whether the caller may change them.
#[server(endpoint = "findings/settings")]
pub async fn get_governance_settings(workspace: String) -> Result<GovernanceSettingsView, AppError> {
    use crate::{authz::Capability, findings::server::service};
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    let settings = service::settings(&state.db, &scope).await?;
    Ok(GovernanceSettingsView { settings, can_manage: scope.can(Capability::SettingsManage) })
}

/// Changes the SLA days per severity and the acceptance maximum (`settings.manage`; whole numbers, SLA
/// 1–365 days, maximum 1–1095 days; a blank field keeps its value). Existing due dates stay.
#[server(endpoint = "findings/update_settings")]
pub async fn update_governance_settings(
    workspace: String,
    sla_critical_days: Option<String>,
    sla_high_days: Option<String>,
    sla_medium_days: Option<String>,
    sla_low_days: Option<String>,
    max_exception_days: Option<String>,
) -> Result<GovernanceSettingsView, AppError> {
    use crate::{
        authz::Capability,
        error::FieldError,
        findings::{server::service, GovernanceSettings},
    };
    let (state, scope) =
        crate::authz::server::enter_current::<crate::authz::server::WorkspaceScope>(&workspace, None).await?;
    scope.require(Capability::SettingsManage)?;
    let current = service::settings(&state.db, &scope).await?;
    let mut errors = Vec::new();
    let mut days = |field: &'static str, raw: Option<String>, keep: i64| match blank_none(raw) {
        None => keep,
        Some(v) => v.parse::<i64>().unwrap_or_else(|_| {
            errors.push(FieldError::new(field, "invalid"));
            keep
        }),
    };
    let s = GovernanceSettings {
        sla_critical_days: days("sla_critical_days", sla_critical_days, current.sla_critical_days),
        sla_high_days: days("sla_high_days", sla_high_days, current.sla_high_days),
        sla_medium_days: days("sla_medium_days", sla_medium_days, current.sla_medium_days),
        sla_low_days: days("sla_low_days", sla_low_days, current.sla_low_days),
        max_exception_days: days("max_exception_days", max_exception_days, current.max_exception_days),
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let settings = service::update_settings(&state.db, &scope, s).await?;
    if crate::members::server::is_plain_form_post() {
        leptos_axum::redirect(&format!("/admin/workspaces/{workspace}/posture"));
    }
    Ok(GovernanceSettingsView { settings, can_manage: scope.can(Capability::SettingsManage) })
}

/// The posture overview: per visible tenant, open drift by severity, overdue, re-flagged, accepted risks
/// and the last compare.
#[server(endpoint = "findings/posture")]
pub async fn get_posture(workspace: String) -> Result<PostureOverview, AppError> {
    use crate::findings::server::service;
    let (state, scope) = crate::authz::server::enter_current(&workspace, None).await?;
    service::posture(&state.db, &scope).await
}
