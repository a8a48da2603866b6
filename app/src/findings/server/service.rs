//! The findings workflow as members use it (the `FindingWorkflowService` of BRIEF §3.1): list, My work and
//! Intake, detail, transitions (single and bulk), owner/assignee, claim, comments, risk acceptance
//! (request, approve/reject by a *different* member, revoke, renew), the posture overview and the
//! workspace's SLA settings. Every change and its audit entry (and its finding event) commit in one
//! transaction; every status change goes through [`FindingStatus::apply`] /
//! [`ExceptionStatus::apply`]. A finding or exception of a foreign or non-entitled tenant is `NotFound`;
//! a missing capability `Forbidden`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::repo::{self, FindingUpdate};
use crate::{
    audit::server::{record, AuditEvent},
    authz::{
        allows,
        server::{TenantBound, TenantScope, WorkspaceScope},
        Capability, Role,
    },
    db::{Db, Tx},
    error::AppError,
    findings::{
        parse_text, AssigneeFilter, ClosedReason, CommentDto, ExceptionAction, ExceptionDto, ExceptionStatus,
        FindingAction, FindingDetail, FindingDto, FindingParams, FindingPermissions, FindingQuery, FindingStatus,
        GovernanceSettings, PostureOverview, ResolvedReason, StatusFilter, TenantPosture, Transition,
        TransitionRequest, UserRef, Validity, COMPARE_STALE_HOURS,
    },
    paging::Page,
};

/// Applies `action` to the lifecycle columns: the next status from the state machine plus the timestamps
/// and reasons that go with it (a reopen clears the terminal fields). The one place lifecycle columns
/// change.
pub fn advance(
    mut u: FindingUpdate,
    action: FindingAction,
    actor: Option<i64>,
    closed_reason: Option<ClosedReason>,
    now: DateTime<Utc>,
) -> Result<FindingUpdate, AppError> {
    let from = u.status;
    let to = from.apply(action)?;
    u.status = to;
    if to == from {
        return Ok(u);
    }
    match to {
        FindingStatus::Triaged => u.triaged_at = Some(now),
        FindingStatus::InProgress => u.in_progress_at = Some(now),
        FindingStatus::Resolved => {
            u.resolved_at = Some(now);
            let reason = if action == FindingAction::Clear {
                u.verified_at = Some(now);
                ResolvedReason::VerifiedCleared
            } else {
                u.verified_at = None;
                ResolvedReason::Remediated
            };
            u.resolved_reason = Some(reason.id().into());
        }
        FindingStatus::Closed | FindingStatus::RiskAccepted => {
            u.closed_at = Some(now);
            u.closed_by_user_id = actor;
            let reason = if to == FindingStatus::RiskAccepted {
                ClosedReason::AcceptedRisk
            } else {
                closed_reason.unwrap_or(ClosedReason::NotApplicable)
            };
            u.closed_reason = Some(reason.id().into());
        }
        FindingStatus::Reopened => {
            u.reopened_at = Some(now);
            u.resolved_at = None;
            u.resolved_reason = None;
            u.verified_at = None;
            u.closed_at = None;
            u.closed_reason = None;
            u.closed_by_user_id = None;
            u.accepted_evidence_hash = None;
            u.reflagged_at = None;
        }
        FindingStatus::New => {}
    }
    Ok(u)
}

/// Writes a transition with its event; the caller records the audit entry in the same transaction.
#[allow(clippy::too_many_arguments)]
pub async fn transition_in(
    tx: &mut Tx,
    scope: &impl TenantBound,
    id: i64,
    action: FindingAction,
    actor: Option<i64>,
    closed_reason: Option<ClosedReason>,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(FindingStatus, FindingStatus), AppError> {
    let current = repo::lock_lifecycle(tx, scope, id).await?.ok_or(AppError::NotFound)?;
    let from = current.status;
    let next = advance(current, action, actor, closed_reason, now)?;
    let to = next.status;
    repo::write_lifecycle(tx, scope, id, &next, now).await?;
    if from != to {
        repo::insert_event(tx, scope, id, "status", actor, Some(from), Some(to), &detail, now).await?;
    }
    Ok((from, to))
}

/// Enters the tenant of finding `id` (of the workspace, visible to the member): `NotFound` otherwise.
async fn finding_scope(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<TenantScope, AppError> {
    let tenant = repo::finding_tenant(db, scope, id).await?.ok_or(AppError::NotFound)?;
    scope.tenant(db, tenant, Capability::FindingsView).await
}

async fn load(db: &Db, scope: &TenantScope, id: i64) -> Result<FindingDto, AppError> {
    repo::select_in_tenant(db, scope, id).await?.ok_or(AppError::NotFound)?.dto(Utc::now())
}

/// A page of findings (`findings.view`). A tenant filter names a tenant the member sees (else `NotFound`).
pub async fn list(db: &Db, scope: &WorkspaceScope, q: &FindingQuery) -> Result<Page<FindingDto>, AppError> {
    scope.require(Capability::FindingsView)?;
    if let Some(t) = q.tenant {
        scope.tenant(db, t, Capability::FindingsView).await?;
    }
    repo::select_page(db, scope, q, Utc::now()).await
}

/// **My work**: open findings assigned to the caller, most urgent first.
pub async fn my_work(db: &Db, scope: &WorkspaceScope, params: &FindingParams) -> Result<Page<FindingDto>, AppError> {
    let mut q = FindingQuery::parse(params)?;
    q.status = StatusFilter::Open;
    q.assignee = Some(AssigneeFilter::Me);
    list(db, scope, &q).await
}

/// **Intake**: open findings nobody has claimed yet. A member without any findings scope (`findings.view`)
/// is `Forbidden` (BRIEF §4.2).
pub async fn intake(db: &Db, scope: &WorkspaceScope, params: &FindingParams) -> Result<Page<FindingDto>, AppError> {
    let mut q = FindingQuery::parse(params)?;
    q.status = StatusFilter::Open;
    q.assignee = Some(AssigneeFilter::Unassigned);
    list(db, scope, &q).await
}

/// A finding with its evidence, history, comments, risk acceptances and what the caller may do.
pub async fn get(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<FindingDetail, AppError> {
    scope.require(Capability::FindingsView)?;
    let tenant = finding_scope(db, scope, id).await?;
    let row = repo::select_in_tenant(db, &tenant, id).await?.ok_or(AppError::NotFound)?;
    let now = Utc::now();
    let evidence = serde_json::from_str(&row.evidence).unwrap_or_default();
    let exceptions = exceptions_of(db, scope, Some(id), &[]).await?;
    let assignable = assignable(db, &tenant).await?;
    Ok(FindingDetail {
        finding: row.dto(now)?,
        evidence,
        events: repo::select_events(db, &tenant, id).await?,
        comments: repo::select_comments(db, &tenant, id).await?,
        exceptions,
        can: FindingPermissions {
            manage: scope.can(Capability::FindingsManage),
            request_exception: scope.can(Capability::ExceptionsRequest),
            approve_exception: scope.can(Capability::ExceptionsApprove),
        },
        assignable,
    })
}

/// Members who see the finding's tenant and may work findings.
async fn assignable(db: &Db, tenant: &TenantScope) -> Result<Vec<UserRef>, AppError> {
    Ok(repo::select_assignable(db, tenant)
        .await?
        .into_iter()
        .filter(|(_, _, role)| Role::parse(role).is_some_and(|r| allows(r, Capability::FindingsManage)))
        .map(|(id, label, _)| UserRef { id, label })
        .collect())
}

fn audit_event(action: &'static str, f: &FindingDto) -> AuditEvent {
    AuditEvent::new(action, "finding", f.id).tenant(f.tenant_id)
}

/// Moves a finding (`findings.manage`): triage, start, resolve (pending verification), close (bounded
/// reason) or reopen (note required; not while a risk acceptance is active — revoke it instead).
pub async fn transition(
    db: &Db,
    scope: &WorkspaceScope,
    id: i64,
    req: &TransitionRequest,
) -> Result<FindingDto, AppError> {
    scope.require(Capability::FindingsView)?;
    let tenant = finding_scope(db, scope, id).await?;
    scope.require(Capability::FindingsManage)?;
    let before = load(db, &tenant, id).await?;
    let mut tx = db.begin().await?;
    apply_transition(&mut tx, &tenant, &before, req).await?;
    tx.commit().await?;
    load(db, &tenant, id).await
}

async fn apply_transition(
    tx: &mut Tx,
    tenant: &TenantScope,
    f: &FindingDto,
    req: &TransitionRequest,
) -> Result<(), AppError> {
    let now = Utc::now();
    if req.transition == Transition::Reopen && f.status == FindingStatus::RiskAccepted {
        let active = repo::select_exceptions_of_finding(&mut *tx, tenant, f.id, ExceptionStatus::Active).await?;
        if !active.is_empty() {
            return Err(AppError::Conflict("exception_active".into()));
        }
    }
    let actor = tenant.workspace().actor_id();
    let detail = json!({ "transition": req.transition.id(), "note": req.note, "closed_reason": req.closed_reason.map(ClosedReason::id) });
    let (from, to) =
        transition_in(tx, tenant, f.id, req.transition.action(), Some(actor), req.closed_reason, detail, now).await?;
    if req.transition == Transition::Reopen {
        // A pending acceptance request of a finding that is worked again lapses.
        withdraw_pending(tx, tenant, f.id, Some(actor), now).await?;
    }
    let event = audit_event("finding.transition", f)
        .summary(format!("Finding {} {} → {}", f.subject_display_name, from.id(), to.id()))
        .metadata(json!({
            "transition": req.transition.id(), "from": from.id(), "to": to.id(),
            "closed_reason": req.closed_reason.map(ClosedReason::id), "note": req.note,
        }));
    record(tx, tenant.workspace(), event).await
}

/// What a bulk change did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BulkResult {
    pub changed: Vec<i64>,
    /// Already in the target status (nothing to do).
    pub unchanged: Vec<i64>,
}

/// Most findings one bulk change takes.
pub const MAX_BULK: usize = 200;

/// Applies one transition to many findings, all or nothing: if any finding cannot make it (not visible,
/// illegal transition), nothing changes and the first refusal is returned. Findings already in the
/// target status are left alone.
pub async fn bulk_transition(
    db: &Db,
    scope: &WorkspaceScope,
    ids: &[i64],
    req: &TransitionRequest,
) -> Result<BulkResult, AppError> {
    scope.require(Capability::FindingsView)?;
    if ids.is_empty() {
        return Err(AppError::validation("ids", "required"));
    }
    if ids.len() > MAX_BULK {
        return Err(AppError::validation("ids", "too_many"));
    }
    let mut targets = Vec::with_capacity(ids.len());
    for id in ids {
        let tenant = finding_scope(db, scope, *id).await?;
        targets.push(tenant);
    }
    scope.require(Capability::FindingsManage)?;
    let mut result = BulkResult { changed: Vec::new(), unchanged: Vec::new() };
    let mut tx = db.begin().await?;
    for (id, tenant) in ids.iter().zip(&targets) {
        let f = repo::select_in_tenant(&mut tx, tenant, *id).await?.ok_or(AppError::NotFound)?.dto(Utc::now())?;
        let target = f.status.apply(req.transition.action()).ok();
        if target == Some(f.status) || (req.transition == Transition::Triage && f.status == FindingStatus::Triaged) {
            result.unchanged.push(*id);
            continue;
        }
        apply_transition(&mut tx, tenant, &f, req).await?;
        result.changed.push(*id);
    }
    tx.commit().await?;
    Ok(result)
}

/// Names the owner and the assignee (`findings.manage`; only while the finding is open). Each must be a
/// member who sees the tenant and may work findings (`assignee: not_assignable`).
pub async fn assign(
    db: &Db,
    scope: &WorkspaceScope,
    id: i64,
    owner: Option<i64>,
    assignee: Option<i64>,
) -> Result<FindingDto, AppError> {
    scope.require(Capability::FindingsView)?;
    let tenant = finding_scope(db, scope, id).await?;
    scope.require(Capability::FindingsManage)?;
    let allowed = assignable(db, &tenant).await?;
    let ok = |u: Option<i64>| u.is_none_or(|u| allowed.iter().any(|a| a.id == u));
    if !ok(owner) {
        return Err(AppError::validation("owner", "not_assignable"));
    }
    if !ok(assignee) {
        return Err(AppError::validation("assignee", "not_assignable"));
    }
    let before = load(db, &tenant, id).await?;
    if !before.status.is_open() {
        return Err(AppError::Conflict("finding_terminal".into()));
    }
    let now = Utc::now();
    let mut tx = db.begin().await?;
    repo::set_people(&mut tx, &tenant, id, owner, assignee, now).await?;
    let detail = json!({
        "owner": { "from": before.owner.as_ref().map(|u| u.id), "to": owner },
        "assignee": { "from": before.assignee.as_ref().map(|u| u.id), "to": assignee },
    });
    repo::insert_event(&mut tx, &tenant, id, "assignment", Some(scope.actor_id()), None, None, &detail, now).await?;
    let action =
        if before.assignee.is_some() || before.owner.is_some() { "finding.reassign" } else { "finding.assign" };
    let event = audit_event(action, &before)
        .summary(format!("Assigned finding {}", before.subject_display_name))
        .metadata(detail);
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    load(db, &tenant, id).await
}

/// Takes an unassigned open finding from Intake (`findings.manage`): of concurrent claims exactly one wins;
/// the others get `Conflict("already_claimed")`.
pub async fn claim(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<FindingDto, AppError> {
    scope.require(Capability::FindingsView)?;
    let tenant = finding_scope(db, scope, id).await?;
    scope.require(Capability::FindingsManage)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if !repo::claim(&mut tx, &tenant, id, scope.actor_id(), now).await? {
        return Err(AppError::Conflict("already_claimed".into()));
    }
    let f = repo::select_in_tenant(&mut tx, &tenant, id).await?.ok_or(AppError::NotFound)?.dto(now)?;
    repo::insert_event(&mut tx, &tenant, id, "claim", Some(scope.actor_id()), None, None, &json!({}), now).await?;
    let event = audit_event("finding.claim", &f).summary(format!("Claimed finding {}", f.subject_display_name));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    Ok(f)
}

/// Adds a comment (`findings.manage`; 1–[`MAX_TEXT_CHARS`](crate::findings::MAX_TEXT_CHARS) characters).
pub async fn comment(db: &Db, scope: &WorkspaceScope, id: i64, body: Option<&str>) -> Result<CommentDto, AppError> {
    scope.require(Capability::FindingsView)?;
    let tenant = finding_scope(db, scope, id).await?;
    scope.require(Capability::FindingsManage)?;
    let body = parse_text("body", body, true)?;
    let f = load(db, &tenant, id).await?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let comment_id = repo::insert_comment(&mut tx, &tenant, id, scope.actor_id(), &body, now).await?;
    let event = audit_event("finding.comment", &f)
        .summary(format!("Commented on finding {}", f.subject_display_name))
        .metadata(json!({ "comment_id": comment_id, "chars": body.chars().count() }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    Ok(CommentDto {
        id: comment_id,
        author: Some(UserRef { id: scope.actor_id(), label: scope.actor_label().to_string() }),
        body,
        created_at: repo::time(now),
    })
}

// ---- risk acceptance ----

async fn exceptions_of(
    db: &Db,
    scope: &WorkspaceScope,
    finding_id: Option<i64>,
    statuses: &[ExceptionStatus],
) -> Result<Vec<ExceptionDto>, AppError> {
    let rows = repo::select_exceptions(db, scope, finding_id, statuses).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut decisions = repo::select_decisions(db, scope, &ids).await?;
    let now = Utc::now();
    rows.iter().map(|r| r.dto(decisions.remove(&r.id).unwrap_or_default(), now)).collect()
}

/// Risk acceptances of the workspace the member sees (`findings.view`), newest first, optionally only
/// the given statuses.
pub async fn list_exceptions(
    db: &Db,
    scope: &WorkspaceScope,
    statuses: &[ExceptionStatus],
) -> Result<Vec<ExceptionDto>, AppError> {
    scope.require(Capability::FindingsView)?;
    exceptions_of(db, scope, None, statuses).await
}

/// Parses an expiry date (`YYYY-MM-DD`, end of that day UTC, or RFC 3339): in the future and at most the
/// workspace's `max_exception_days` away. Field codes `expires_at: required | invalid | in_past | too_far`.
pub fn parse_expiry(
    raw: Option<&str>,
    settings: &GovernanceSettings,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, AppError> {
    let raw =
        raw.map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| AppError::validation("expires_at", "required"))?;
    let at = if let Ok(d) = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        d.and_hms_opt(23, 59, 59).map(|t| t.and_utc())
    } else {
        DateTime::parse_from_rfc3339(raw).ok().map(|t| t.with_timezone(&Utc))
    }
    .ok_or_else(|| AppError::validation("expires_at", "invalid"))?;
    if at <= now {
        return Err(AppError::validation("expires_at", "in_past"));
    }
    if at > now + chrono::Duration::days(settings.max_exception_days) {
        return Err(AppError::validation("expires_at", "too_far"));
    }
    Ok(at)
}

/// Requests a risk acceptance for an open finding (`exceptions.request`): reason required, expiry in the
/// future within the workspace maximum. A terminal finding is `Conflict("finding_terminal")`; a second
/// pending request `Conflict("exception_pending")`.
pub async fn request_exception(
    db: &Db,
    scope: &WorkspaceScope,
    finding_id: i64,
    reason: Option<&str>,
    expires_at: Option<&str>,
) -> Result<ExceptionDto, AppError> {
    scope.require(Capability::FindingsView)?;
    let tenant = finding_scope(db, scope, finding_id).await?;
    scope.require(Capability::ExceptionsRequest)?;
    let reason = parse_text("reason", reason, true)?;
    let now = Utc::now();
    let settings = repo::select_settings(db, scope).await?;
    let expires = parse_expiry(expires_at, &settings, now)?;
    let f = load(db, &tenant, finding_id).await?;
    // Accepting must be a legal move from here (a terminal finding cannot be accepted).
    f.status.apply(FindingAction::Accept)?;
    let mut tx = db.begin().await?;
    let id =
        repo::insert_exception(&mut tx, &tenant, finding_id, scope.actor_id(), &reason, expires, None, now).await?;
    repo::insert_decision(&mut tx, &tenant, id, "requested", Some(scope.actor_id()), &reason, Some(expires), now)
        .await?;
    repo::insert_event(
        &mut tx,
        &tenant,
        finding_id,
        "exception_requested",
        Some(scope.actor_id()),
        None,
        None,
        &json!({ "exception_id": id }),
        now,
    )
    .await?;
    let event = AuditEvent::new("finding_exception.request", "finding_exception", id)
        .tenant(f.tenant_id)
        .summary(format!("Requested risk acceptance for {}", f.subject_display_name))
        .metadata(json!({ "finding_id": finding_id, "expires_at": repo::time(expires) }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    exception(db, scope, id).await
}

/// One risk acceptance of the workspace the member sees.
pub async fn exception(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<ExceptionDto, AppError> {
    scope.require(Capability::FindingsView)?;
    let tenant_id = repo::exception_tenant(db, scope, id).await?.ok_or(AppError::NotFound)?;
    let tenant = scope.tenant(db, tenant_id, Capability::FindingsView).await?;
    let row = repo::select_exception(db, &tenant, id).await?.ok_or(AppError::NotFound)?;
    let mut decisions = repo::select_decisions(db, scope, &[id]).await?;
    row.dto(decisions.remove(&id).unwrap_or_default(), Utc::now())
}

async fn exception_scope(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<TenantScope, AppError> {
    scope.require(Capability::FindingsView)?;
    let tenant_id = repo::exception_tenant(db, scope, id).await?.ok_or(AppError::NotFound)?;
    scope.tenant(db, tenant_id, Capability::FindingsView).await
}

/// Approves (`approve = true`) or rejects a pending request (`exceptions.approve`). The approver must not
/// be the requester (`Conflict("own_request")`). Approval accepts the finding (open → risk_accepted) or,
/// for a renewal, supersedes the acceptance it renews; a decision on a decided request is
/// `Conflict("exception_decided")`.
pub async fn decide_exception(
    db: &Db,
    scope: &WorkspaceScope,
    id: i64,
    approve: bool,
    reason: Option<&str>,
) -> Result<ExceptionDto, AppError> {
    let tenant = exception_scope(db, scope, id).await?;
    scope.require(Capability::ExceptionsApprove)?;
    let reason = parse_text("reason", reason, !approve)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let x = repo::select_exception(&mut tx, &tenant, id).await?.ok_or(AppError::NotFound)?;
    if x.requested_by_user_id == Some(scope.actor_id()) {
        return Err(AppError::Conflict("own_request".into()));
    }
    let status = x.status()?;
    let action = if approve { ExceptionAction::Approve } else { ExceptionAction::Reject };
    let next = status.apply(action)?;
    let actor = Some(scope.actor_id());
    if approve {
        if let Some(old) = x.renewal_of_id {
            let old_row = repo::select_exception(&mut tx, &tenant, old).await?.ok_or(AppError::NotFound)?;
            let superseded = old_row.status()?.apply(ExceptionAction::Supersede)?;
            repo::set_exception_status(&mut tx, &tenant, old, ExceptionStatus::Active, superseded, None, None, now)
                .await?;
            repo::insert_decision(&mut tx, &tenant, old, "renewed", actor, &reason, Some(x.expires_at), now).await?;
        }
    }
    if !repo::set_exception_status(&mut tx, &tenant, id, status, next, actor, Some(&reason), now).await? {
        return Err(AppError::Conflict("exception_decided".into()));
    }
    let decision = match (approve, x.renewal_of_id.is_some()) {
        (true, false) => "approved",
        (true, true) => "renewed",
        (false, _) => "rejected",
    };
    repo::insert_decision(&mut tx, &tenant, id, decision, actor, &reason, approve.then_some(x.expires_at), now).await?;
    if approve && x.renewal_of_id.is_none() {
        let hash =
            repo::select_in_tenant(&mut tx, &tenant, x.finding_id).await?.ok_or(AppError::NotFound)?.evidence_hash;
        let current = repo::lock_lifecycle(&mut tx, &tenant, x.finding_id).await?.ok_or(AppError::NotFound)?;
        let mut next = advance(current.clone(), FindingAction::Accept, actor, None, now)?;
        next.accepted_evidence_hash = Some(hash);
        repo::write_lifecycle(&mut tx, &tenant, x.finding_id, &next, now).await?;
        repo::insert_event(
            &mut tx,
            &tenant,
            x.finding_id,
            "status",
            actor,
            Some(current.status),
            Some(next.status),
            &json!({ "exception_id": id }),
            now,
        )
        .await?;
    } else {
        repo::insert_event(
            &mut tx,
            &tenant,
            x.finding_id,
            &format!("exception_{decision}"),
            actor,
            None,
            None,
            &json!({ "exception_id": id }),
            now,
        )
        .await?;
    }
    let event = AuditEvent::new(
        if approve { "finding_exception.approve" } else { "finding_exception.reject" },
        "finding_exception",
        id,
    )
    .tenant(x.tenant_id)
    .summary(format!("{} risk acceptance for {}", if approve { "Approved" } else { "Rejected" }, x.finding_name))
    .metadata(json!({ "finding_id": x.finding_id, "decision": decision, "requested_by": x.requested_by_user_id }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    exception(db, scope, id).await
}

/// Revokes an active acceptance (`exceptions.approve`, reason required): the finding re-opens.
pub async fn revoke_exception(
    db: &Db,
    scope: &WorkspaceScope,
    id: i64,
    reason: Option<&str>,
) -> Result<ExceptionDto, AppError> {
    let tenant = exception_scope(db, scope, id).await?;
    scope.require(Capability::ExceptionsApprove)?;
    let reason = parse_text("reason", reason, true)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let x = repo::select_exception(&mut tx, &tenant, id).await?.ok_or(AppError::NotFound)?;
    let status = x.status()?;
    let next = status.apply(ExceptionAction::Revoke)?;
    if !repo::set_exception_status(&mut tx, &tenant, id, status, next, Some(scope.actor_id()), Some(&reason), now)
        .await?
    {
        return Err(AppError::Conflict("exception_decided".into()));
    }
    repo::insert_decision(&mut tx, &tenant, id, "revoked", Some(scope.actor_id()), &reason, None, now).await?;
    end_acceptance(&mut tx, &tenant, x.finding_id, Some(scope.actor_id()), "revoked", now).await?;
    let event = AuditEvent::new("finding_exception.revoke", "finding_exception", id)
        .tenant(x.tenant_id)
        .summary(format!("Revoked risk acceptance for {}", x.finding_name))
        .metadata(json!({ "finding_id": x.finding_id }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    exception(db, scope, id).await
}

/// The acceptance of finding `finding_id` ended (revoked or expired): risk_accepted → reopened.
pub async fn end_acceptance(
    tx: &mut Tx,
    tenant: &impl TenantBound,
    finding_id: i64,
    actor: Option<i64>,
    why: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let current = repo::lock_lifecycle(tx, tenant, finding_id).await?.ok_or(AppError::NotFound)?;
    if current.status != FindingStatus::RiskAccepted {
        return Ok(());
    }
    transition_in(
        tx,
        tenant,
        finding_id,
        FindingAction::AcceptanceEnded,
        actor,
        None,
        json!({ "acceptance": why }),
        now,
    )
    .await?;
    Ok(())
}

/// A pending request of finding `finding_id` lapses (the finding was reopened or cleared).
pub async fn withdraw_pending(
    tx: &mut Tx,
    tenant: &impl TenantBound,
    finding_id: i64,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for x in repo::select_exceptions_of_finding(&mut *tx, tenant, finding_id, ExceptionStatus::Pending).await? {
        let next = ExceptionStatus::Pending.apply(ExceptionAction::Withdraw)?;
        if repo::set_exception_status(tx, tenant, x, ExceptionStatus::Pending, next, None, Some("withdrawn"), now)
            .await?
        {
            repo::insert_decision(tx, tenant, x, "withdrawn", actor, "", None, now).await?;
        }
    }
    Ok(())
}

/// Requests the renewal of an active acceptance (`exceptions.request`): a new pending request that, once
/// approved by another member, supersedes it.
pub async fn renew_exception(
    db: &Db,
    scope: &WorkspaceScope,
    id: i64,
    reason: Option<&str>,
    expires_at: Option<&str>,
) -> Result<ExceptionDto, AppError> {
    let tenant = exception_scope(db, scope, id).await?;
    scope.require(Capability::ExceptionsRequest)?;
    let reason = parse_text("reason", reason, true)?;
    let now = Utc::now();
    let settings = repo::select_settings(db, scope).await?;
    let expires = parse_expiry(expires_at, &settings, now)?;
    let mut tx = db.begin().await?;
    let x = repo::select_exception(&mut tx, &tenant, id).await?.ok_or(AppError::NotFound)?;
    if x.status()? != ExceptionStatus::Active {
        return Err(AppError::Conflict("exception_decided".into()));
    }
    let new_id =
        repo::insert_exception(&mut tx, &tenant, x.finding_id, scope.actor_id(), &reason, expires, Some(id), now)
            .await?;
    repo::insert_decision(
        &mut tx,
        &tenant,
        id,
        "renewal_requested",
        Some(scope.actor_id()),
        &reason,
        Some(expires),
        now,
    )
    .await?;
    repo::insert_decision(&mut tx, &tenant, new_id, "requested", Some(scope.actor_id()), &reason, Some(expires), now)
        .await?;
    let event = AuditEvent::new("finding_exception.renewal_request", "finding_exception", new_id)
        .tenant(x.tenant_id)
        .summary(format!("Requested renewal of risk acceptance for {}", x.finding_name))
        .metadata(json!({ "finding_id": x.finding_id, "renews": id, "expires_at": repo::time(expires) }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    exception(db, scope, new_id).await
}

// ---- posture and settings ----

/// The portfolio view (`findings.view`): per visible tenant, open drift by severity, overdue, re-flagged,
/// accepted risks by validity, and the last compare with its age.
pub async fn posture(db: &Db, scope: &WorkspaceScope) -> Result<PostureOverview, AppError> {
    scope.require(Capability::FindingsView)?;
    let now = Utc::now();
    let tenants = crate::members::server::service::visible_tenants(db, scope).await?;
    let counts: HashMap<i64, repo::PostureCounts> =
        repo::select_posture_counts(db, scope, now).await?.into_iter().map(|c| (c.tenant_id, c)).collect();
    let mut accepted: HashMap<i64, [i64; 3]> = HashMap::new();
    for (tenant, expires) in repo::select_active_exceptions(db, scope).await? {
        let slot = accepted.entry(tenant).or_default();
        match crate::findings::validity(ExceptionStatus::Active, expires, now) {
            Validity::Valid => slot[0] += 1,
            Validity::Expiring => slot[1] += 1,
            _ => slot[2] += 1,
        }
    }
    let compares: HashMap<i64, (DateTime<Utc>, String)> =
        repo::select_last_compares(db, scope).await?.into_iter().map(|(t, at, o)| (t, (at, o))).collect();
    let profiles = crate::baselines::server::repo::count_assignments(db, scope).await?;
    let tenants = tenants
        .into_iter()
        .filter(|t| !t.archived)
        .map(|t| {
            let c = counts.get(&t.id);
            let a = accepted.get(&t.id).copied().unwrap_or_default();
            let last = compares.get(&t.id);
            TenantPosture {
                tenant_id: t.id,
                tenant_name: t.name,
                open_by_severity: c.map_or([0; 4], |c| [c.low, c.medium, c.high, c.critical]),
                overdue: c.map_or(0, |c| c.overdue),
                reflagged: c.map_or(0, |c| c.reflagged),
                accepted_active: a[0],
                accepted_expiring: a[1],
                accepted_expired: a[2],
                last_compare_at: last.map(|(at, _)| repo::time(*at)),
                last_compare_outcome: last.map(|(_, o)| o.clone()),
                compare_age_hours: last.map(|(at, _)| (now - *at).num_hours()),
                assigned_profiles: profiles.get(&t.id).copied().unwrap_or(0),
            }
        })
        .collect();
    Ok(PostureOverview { tenants, stale_after_hours: COMPARE_STALE_HOURS })
}

/// The workspace's SLA days and acceptance limit (`findings.view`).
pub async fn settings(db: &Db, scope: &WorkspaceScope) -> Result<GovernanceSettings, AppError> {
    scope.require(Capability::FindingsView)?;
    repo::select_settings(db, scope).await
}

/// Changes the SLA days and acceptance limit (`settings.manage`); existing due dates stay.
pub async fn update_settings(
    db: &Db,
    scope: &WorkspaceScope,
    s: GovernanceSettings,
) -> Result<GovernanceSettings, AppError> {
    scope.require(Capability::SettingsManage)?;
    s.validate()?;
    let before = repo::select_settings(db, scope).await?;
    let mut tx = db.begin().await?;
    repo::upsert_settings(&mut tx, scope, &s, Utc::now()).await?;
    let event = AuditEvent::new("governance_settings.update", "workspace", scope.workspace_id())
        .summary("Changed finding SLA settings")
        .metadata(json!({ "before": before, "after": s }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    Ok(s)
}
