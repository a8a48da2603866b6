//! `/workspaces/{slug}/findings`, `…/exceptions`, `…/my-work`, `…/intake`, `…/posture` and
//! `…/governance-settings`: drift findings and their workflow (transitions, single and bulk, owner and
//! assignee, claim, comments), risk acceptances (request, decide, revoke, renew), the posture overview and
//! the workspace's SLA settings. Same entry ([`Scoped`]), input rules (`FindingQuery`,
//! `TransitionRequest`, `GovernanceSettings::validate`) and services as the pages
//! (`app::findings::server::service`); the services require the capabilities.

use axum::{
    extract::{Path, State},
    http::{Method, StatusCode},
    Json,
};
use serde::Deserialize;
use serde_json::json;

use app::{
    authz::server::WorkspaceScope,
    error::{AppError, FieldError},
    findings::{
        server::service::{self, BulkResult, MAX_BULK},
        ClosedReason, CommentDto, DueFilter, ExceptionDto, ExceptionStatus, FindingDetail, FindingDto, FindingParams,
        FindingQuery, FindingStatus, GovernanceSettings, PostureOverview, Severity, StatusFilter, Transition,
        TransitionRequest, Validity, MAX_TEXT_CHARS, SOURCES,
    },
    state::AppState,
};

use super::{
    extract::{ApiInput, ApiJson, ListQuery, Page, Scoped},
    problem::ApiResult,
    route::{page_schema, schema_ref, ApiRoute, Operation, Resource},
    tenants::path_id,
};

const FINDING: &str = "/workspaces/{slug}/findings/{finding}";
const EXCEPTION: &str = "/workspaces/{slug}/exceptions/{exception}";
const SETTINGS: &str = "/workspaces/{slug}/governance-settings";

fn ids<T: Copy>(all: &[T], id: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| id(*v)).collect()
}

pub fn resource() -> Resource {
    let statuses = ids(FindingStatus::ALL, FindingStatus::id);
    let filters = ids(StatusFilter::ALL, StatusFilter::id);
    let severities = ids(Severity::ALL, Severity::id);
    let dues = ids(DueFilter::ALL, DueFilter::id);
    let transitions = ids(Transition::ALL, Transition::id);
    let member_reasons: Vec<&str> =
        ClosedReason::ALL.iter().filter(|r| **r != ClosedReason::AcceptedRisk).map(|r| r.id()).collect();
    let closed_reasons = ids(ClosedReason::ALL, ClosedReason::id);
    let exception_statuses = ids(ExceptionStatus::ALL, ExceptionStatus::id);
    let validities = ids(Validity::ALL, Validity::id);
    let finding = || Some(schema_ref("Finding"));
    let exception = || Some(schema_ref("RiskAcceptance"));
    // The list filters shared by the findings list, My work and Intake.
    let filtered = |op: Operation, with_status: bool| {
        let op = op.text("tenant", "Managed tenant id.", &[]);
        let op = if with_status {
            op.text("status", "A status, or `open` (default), `terminal`, `all`.", &filters).text(
                "assignee",
                "`me`, `unassigned` or a user id.",
                &[],
            )
        } else {
            op
        };
        op.text("severity", "Severity.", &severities)
            .text("due", "`overdue` (open and past due) or `due_7d` (open, due within 7 days).", &dues)
            .text("source", "Finding source.", SOURCES)
            .flag("reflagged", "Only findings re-flagged while their risk was accepted.")
            .param("Page")
            .param("PerPage")
    };
    let text = |description: &str| json!({ "type": "string", "maxLength": MAX_TEXT_CHARS, "description": description });
    let required_text = |description: &str| json!({ "type": "string", "minLength": 1, "maxLength": MAX_TEXT_CHARS, "description": description });
    let expiry = json!({ "type": "string",
        "description": "`YYYY-MM-DD` (end of that day, UTC) or RFC 3339; in the future, at most the workspace's \
                        `max_exception_days` away (422 `expires_at: in_past | too_far`)." });
    let user = json!({ "type": "object", "required": ["id", "label"], "properties": {
        "id": { "type": "integer", "format": "int64" }, "label": { "type": "string" } } });
    let days = |min: i64, max: i64| json!({ "type": "integer", "minimum": min, "maximum": max });
    Resource {
        tag: "findings",
        description: "Drift findings with their workflow, risk acceptances (exceptions), the posture overview and \
                      the SLA settings.",
        routes: vec![
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/findings",
                list,
                filtered(
                    Operation::new("listFindings", "List findings")
                        .describe(
                            "Most urgent first. Needs `findings.view`; members narrowed to tenants see only theirs.",
                        )
                        .param("Slug"),
                    true,
                )
                .ok(200, "A page of findings", Some(schema_ref("FindingPage")))
                .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/my-work",
                my_work,
                filtered(
                    Operation::new("listMyWork", "My work")
                        .describe("Open findings assigned to you, most urgent first. Needs `findings.view`.")
                        .param("Slug"),
                    false,
                )
                .ok(200, "A page of findings", Some(schema_ref("FindingPage")))
                .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/intake",
                intake,
                filtered(
                    Operation::new("listIntake", "Intake")
                        .describe("Open findings nobody has claimed yet. Needs `findings.view`.")
                        .param("Slug"),
                    false,
                )
                .ok(200, "A page of findings", Some(schema_ref("FindingPage")))
                .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/findings/bulk-transitions",
                bulk,
                Operation::new("bulkTransitionFindings", "Move many findings at once")
                    .describe(
                        "All or nothing: if any finding cannot make the transition (not visible: 404; illegal: 409 \
                         `finding_terminal` / `finding_transition`), nothing changes. Findings already in the \
                         target status are `unchanged`. At most 200 ids. Needs `findings.manage`. Audited as \
                         `finding.transition` per finding.",
                    )
                    .param("Slug")
                    .body("FindingBulkTransition")
                    .ok(200, "What changed", Some(schema_ref("FindingBulkResult")))
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::GET,
                FINDING,
                get_one,
                Operation::new("getFinding", "A finding with evidence, history, comments and risk acceptances")
                    .describe("Needs `findings.view`.")
                    .param("Slug")
                    .param("FindingId")
                    .ok(200, "The finding", Some(schema_ref("FindingDetail")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/findings/{finding}/transitions",
                transition,
                Operation::new("transitionFinding", "Move a finding")
                    .describe(
                        "Triage, start, resolve (pending verification by the next compare), close (with a \
                         `closed_reason` and a note) or reopen (with a note; not while a risk acceptance is \
                         active: 409 `exception_active`). Illegal moves are 409 `finding_terminal` / \
                         `finding_transition`. Needs `findings.manage`. Audited as `finding.transition`.",
                    )
                    .param("Slug")
                    .param("FindingId")
                    .body("FindingTransition")
                    .ok(200, "The finding after the move", finding())
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::PUT,
                "/workspaces/{slug}/findings/{finding}/assignment",
                assign,
                Operation::new("assignFinding", "Name the owner and the assignee")
                    .describe(
                        "Replaces both (omitted or null: nobody). Each must see the tenant and may work findings \
                         (422 `owner_id` / `assignee_id`: `not_assignable`). Open findings only (409 \
                         `finding_terminal`). Needs `findings.manage`. Audited as `finding.assign` / \
                         `finding.reassign`.",
                    )
                    .param("Slug")
                    .param("FindingId")
                    .body("FindingAssignment")
                    .ok(200, "The finding", finding())
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/findings/{finding}/claim",
                claim,
                Operation::new("claimFinding", "Claim an unassigned finding")
                    .describe(
                        "Takes an open, unassigned finding from Intake; of concurrent claims exactly one wins, the \
                         others get 409 `already_claimed`. Needs `findings.manage`. Audited as `finding.claim`.",
                    )
                    .param("Slug")
                    .param("FindingId")
                    .ok(200, "The finding, assigned to you", finding())
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/findings/{finding}/comments",
                comment,
                Operation::new("commentFinding", "Comment on a finding")
                    .describe("Needs `findings.manage`. Audited as `finding.comment` (length only).")
                    .param("Slug")
                    .param("FindingId")
                    .body("FindingCommentInput")
                    .ok(201, "Created", Some(schema_ref("FindingComment")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/findings/{finding}/exceptions",
                request_exception,
                Operation::new("requestRiskAcceptance", "Request a risk acceptance")
                    .describe(
                        "For an open finding (409 `finding_terminal`); one pending request at a time. Another \
                         member with `exceptions.approve` decides. Needs `exceptions.request`. Audited as \
                         `finding_exception.request`.",
                    )
                    .param("Slug")
                    .param("FindingId")
                    .body("RiskAcceptanceRequest")
                    .ok(201, "The pending request", exception())
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/exceptions",
                list_exceptions,
                Operation::new("listRiskAcceptances", "List risk acceptances")
                    .describe("Newest first, with their decision logs. Needs `findings.view`.")
                    .param("Slug")
                    .text("status", "Only this status.", &exception_statuses)
                    .param("Page")
                    .param("PerPage")
                    .ok(200, "A page of risk acceptances", Some(schema_ref("RiskAcceptancePage")))
                    .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::GET,
                EXCEPTION,
                get_exception,
                Operation::new("getRiskAcceptance", "A risk acceptance with its decision log")
                    .describe("Needs `findings.view`.")
                    .param("Slug")
                    .param("ExceptionId")
                    .ok(200, "The risk acceptance", exception())
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/exceptions/{exception}/decision",
                decide,
                Operation::new("decideRiskAcceptance", "Approve or reject a pending request")
                    .describe(
                        "By a member other than the requester (409 `own_request`); a reason is required to reject. \
                         Approval accepts the finding (or, for a renewal, supersedes the acceptance it renews); a \
                         decided request is 409 `exception_decided`. Needs `exceptions.approve`. Audited as \
                         `finding_exception.approve` / `finding_exception.reject`.",
                    )
                    .param("Slug")
                    .param("ExceptionId")
                    .body("RiskAcceptanceDecision")
                    .ok(200, "The risk acceptance after the decision", exception())
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/exceptions/{exception}/revocation",
                revoke,
                Operation::new("revokeRiskAcceptance", "Revoke an active acceptance")
                    .describe(
                        "The finding re-opens. Not active: 409 `exception_decided`. Needs `exceptions.approve`. \
                         Audited as `finding_exception.revoke`.",
                    )
                    .param("Slug")
                    .param("ExceptionId")
                    .body("RiskAcceptanceRevocation")
                    .ok(200, "The revoked acceptance", exception())
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/exceptions/{exception}/renewal",
                renew,
                Operation::new("renewRiskAcceptance", "Request the renewal of an active acceptance")
                    .describe(
                        "A new pending request that, once approved by another member, supersedes this one. Not \
                         active: 409 `exception_decided`. Needs `exceptions.request`. Audited as \
                         `finding_exception.renewal_request`.",
                    )
                    .param("Slug")
                    .param("ExceptionId")
                    .body("RiskAcceptanceRenewal")
                    .ok(201, "The new pending request", exception())
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/posture",
                posture,
                Operation::new("getPosture", "Posture overview")
                    .describe(
                        "Per tenant you see: open drift by severity, overdue, re-flagged, accepted risks by \
                         validity and the last compare with its age. Needs `findings.view`.",
                    )
                    .param("Slug")
                    .ok(200, "The overview", Some(schema_ref("PostureOverview")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::GET,
                SETTINGS,
                get_settings,
                Operation::new("getGovernanceSettings", "SLA days and acceptance limit")
                    .describe("Needs `findings.view`.")
                    .param("Slug")
                    .ok(200, "The settings", Some(schema_ref("GovernanceSettings")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::PUT,
                SETTINGS,
                put_settings,
                Operation::new("updateGovernanceSettings", "Change SLA days and acceptance limit")
                    .describe(
                        "Omitted fields keep their value; existing due dates stay. Needs `settings.manage`. \
                         Audited as `governance_settings.update`.",
                    )
                    .param("Slug")
                    .body("GovernanceSettingsInput")
                    .ok(200, "The settings after the change", Some(schema_ref("GovernanceSettings")))
                    .errors(&[403, 404]),
            ),
        ],
        schemas: vec![
            ("UserRef", user),
            (
                "Finding",
                json!({
                    "type": "object",
                    "required": ["id", "tenant_id", "tenant_name", "finding_type", "source", "subject_type",
                                 "subject_display_name", "policy_type", "drift_kind", "severity", "status",
                                 "first_seen_at", "last_seen_at", "times_seen", "sla_days", "due_at", "overdue"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64" },
                        "tenant_id": { "type": "integer", "format": "int64" },
                        "tenant_name": { "type": "string" },
                        "finding_type": { "type": "string", "example": "drift" },
                        "source": { "type": "string", "enum": SOURCES },
                        "profile_id": { "type": "integer", "format": "int64", "nullable": true },
                        "subject_type": { "type": "string", "example": "policy" },
                        "subject_display_name": { "type": "string" },
                        "policy_type": { "type": "string" },
                        "drift_kind": { "type": "string", "enum": ["missing", "different", "unexpected"] },
                        "severity": { "type": "string", "enum": severities },
                        "status": { "type": "string", "enum": statuses },
                        "first_seen_at": { "type": "string", "format": "date-time" },
                        "last_seen_at": { "type": "string", "format": "date-time" },
                        "times_seen": { "type": "integer", "minimum": 1 },
                        "sla_days": { "type": "integer", "minimum": 1 },
                        "due_at": { "type": "string", "format": "date-time" },
                        "overdue": { "type": "boolean" },
                        "owner": { "allOf": [schema_ref("UserRef")], "nullable": true },
                        "assignee": { "allOf": [schema_ref("UserRef")], "nullable": true },
                        "resolved_reason": { "type": "string", "nullable": true, "enum": ["remediated", "verified_cleared"] },
                        "verified_at": { "type": "string", "format": "date-time", "nullable": true },
                        "closed_reason": { "type": "string", "nullable": true, "enum": closed_reasons },
                        "reflagged_at": { "type": "string", "format": "date-time", "nullable": true,
                                          "description": "A compare saw the accepted drift change." }
                    }
                }),
            ),
            ("FindingPage", page_schema("Finding")),
            (
                "FindingDetail",
                json!({
                    "type": "object",
                    "required": ["finding", "evidence", "events", "comments", "exceptions", "can", "assignable"],
                    "properties": {
                        "finding": schema_ref("Finding"),
                        "evidence": {
                            "type": "object",
                            "description": "What the compare saw.",
                            "required": ["profile_name", "settings"],
                            "properties": {
                                "profile_name": { "type": "string" },
                                "snapshot_id": { "type": "integer", "format": "int64", "nullable": true },
                                "run_id": { "type": "integer", "format": "int64", "nullable": true },
                                "baseline_name": { "type": "string", "nullable": true },
                                "tenant_policy_id": { "type": "integer", "format": "int64", "nullable": true },
                                "tenant_policy_name": { "type": "string", "nullable": true },
                                "matched_by": { "type": "string", "nullable": true, "enum": ["settings", "name"] },
                                "settings": { "type": "array", "items": {
                                    "type": "object",
                                    "required": ["key", "label"],
                                    "properties": {
                                        "key": { "type": "string" },
                                        "label": { "type": "string" },
                                        "baseline": { "nullable": true, "description": "Absent/null: not in the baseline." },
                                        "tenant": { "nullable": true, "description": "Absent/null: not in the tenant." }
                                    }
                                } }
                            }
                        },
                        "events": { "type": "array", "items": {
                            "type": "object",
                            "required": ["id", "kind", "detail", "created_at"],
                            "properties": {
                                "id": { "type": "integer", "format": "int64" },
                                "kind": { "type": "string", "example": "status" },
                                "actor": { "allOf": [schema_ref("UserRef")], "nullable": true },
                                "from_status": { "type": "string", "nullable": true, "enum": statuses },
                                "to_status": { "type": "string", "nullable": true, "enum": statuses },
                                "detail": { "type": "string", "description": "JSON text." },
                                "created_at": { "type": "string", "format": "date-time" }
                            }
                        } },
                        "comments": { "type": "array", "items": schema_ref("FindingComment") },
                        "exceptions": { "type": "array", "items": schema_ref("RiskAcceptance") },
                        "can": {
                            "type": "object",
                            "required": ["manage", "request_exception", "approve_exception"],
                            "properties": {
                                "manage": { "type": "boolean" },
                                "request_exception": { "type": "boolean" },
                                "approve_exception": { "type": "boolean" }
                            }
                        },
                        "assignable": { "type": "array", "items": schema_ref("UserRef"),
                                        "description": "Members who can be named owner or assignee." }
                    }
                }),
            ),
            (
                "FindingTransition",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["transition"],
                    "properties": {
                        "transition": { "type": "string", "enum": transitions },
                        "closed_reason": { "type": "string", "enum": member_reasons, "description": "Required to close." },
                        "note": text("Required to close and to reopen.")
                    }
                }),
            ),
            (
                "FindingBulkTransition",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["ids", "transition"],
                    "properties": {
                        "ids": { "type": "array", "minItems": 1, "maxItems": MAX_BULK,
                                 "items": { "type": "integer", "format": "int64" } },
                        "transition": { "type": "string", "enum": transitions },
                        "closed_reason": { "type": "string", "enum": member_reasons, "description": "Required to close." },
                        "note": text("Required to close and to reopen.")
                    }
                }),
            ),
            (
                "FindingBulkResult",
                json!({
                    "type": "object",
                    "required": ["changed", "unchanged"],
                    "properties": {
                        "changed": { "type": "array", "items": { "type": "integer", "format": "int64" } },
                        "unchanged": { "type": "array", "items": { "type": "integer", "format": "int64" },
                                       "description": "Already in the target status." }
                    }
                }),
            ),
            (
                "FindingAssignment",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "owner_id": { "type": "integer", "format": "int64", "nullable": true },
                        "assignee_id": { "type": "integer", "format": "int64", "nullable": true }
                    }
                }),
            ),
            (
                "FindingComment",
                json!({
                    "type": "object",
                    "required": ["id", "body", "created_at"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64" },
                        "author": { "allOf": [schema_ref("UserRef")], "nullable": true },
                        "body": { "type": "string" },
                        "created_at": { "type": "string", "format": "date-time" }
                    }
                }),
            ),
            (
                "FindingCommentInput",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["body"],
                    "properties": { "body": required_text("The comment.") }
                }),
            ),
            (
                "RiskAcceptance",
                json!({
                    "type": "object",
                    "required": ["id", "finding_id", "tenant_id", "tenant_name", "finding_name", "status", "validity",
                                 "request_reason", "requested_at", "expires_at", "decisions"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64" },
                        "finding_id": { "type": "integer", "format": "int64" },
                        "tenant_id": { "type": "integer", "format": "int64" },
                        "tenant_name": { "type": "string" },
                        "finding_name": { "type": "string" },
                        "status": { "type": "string", "enum": exception_statuses },
                        "validity": { "type": "string", "enum": validities,
                                      "description": "`expiring`: active and expiring within 14 days." },
                        "requested_by": { "allOf": [schema_ref("UserRef")], "nullable": true },
                        "decided_by": { "allOf": [schema_ref("UserRef")], "nullable": true },
                        "request_reason": { "type": "string" },
                        "decision_reason": { "type": "string", "nullable": true },
                        "renewal_of_id": { "type": "integer", "format": "int64", "nullable": true },
                        "requested_at": { "type": "string", "format": "date-time" },
                        "decided_at": { "type": "string", "format": "date-time", "nullable": true },
                        "expires_at": { "type": "string", "format": "date-time" },
                        "decisions": { "type": "array", "items": {
                            "type": "object",
                            "required": ["id", "decision", "reason", "decided_at"],
                            "properties": {
                                "id": { "type": "integer", "format": "int64" },
                                "decision": { "type": "string", "enum": ["requested", "approved", "rejected", "revoked",
                                    "renewed", "renewal_requested", "withdrawn", "expired"] },
                                "actor": { "allOf": [schema_ref("UserRef")], "nullable": true },
                                "reason": { "type": "string" },
                                "expires_at": { "type": "string", "format": "date-time", "nullable": true },
                                "decided_at": { "type": "string", "format": "date-time" }
                            }
                        } }
                    }
                }),
            ),
            ("RiskAcceptancePage", page_schema("RiskAcceptance")),
            (
                "RiskAcceptanceRequest",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["reason", "expires_at"],
                    "properties": { "reason": required_text("Why the risk is acceptable."), "expires_at": expiry.clone() }
                }),
            ),
            (
                "RiskAcceptanceRenewal",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["reason", "expires_at"],
                    "properties": { "reason": required_text("Why the acceptance should continue."), "expires_at": expiry }
                }),
            ),
            (
                "RiskAcceptanceDecision",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["approve"],
                    "properties": {
                        "approve": { "type": "boolean" },
                        "reason": text("Required to reject.")
                    }
                }),
            ),
            (
                "RiskAcceptanceRevocation",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["reason"],
                    "properties": { "reason": required_text("Why the acceptance ends.") }
                }),
            ),
            (
                "PostureOverview",
                json!({
                    "type": "object",
                    "required": ["tenants", "stale_after_hours"],
                    "properties": {
                        "stale_after_hours": { "type": "integer", "description": "Older compares are stale." },
                        "tenants": { "type": "array", "items": {
                            "type": "object",
                            "required": ["tenant_id", "tenant_name", "open_by_severity", "overdue", "reflagged",
                                         "accepted_active", "accepted_expiring", "accepted_expired", "assigned_profiles"],
                            "properties": {
                                "tenant_id": { "type": "integer", "format": "int64" },
                                "tenant_name": { "type": "string" },
                                "open_by_severity": { "type": "array", "minItems": 4, "maxItems": 4,
                                    "items": { "type": "integer", "minimum": 0 },
                                    "description": "Open findings: [low, medium, high, critical]." },
                                "overdue": { "type": "integer", "minimum": 0 },
                                "reflagged": { "type": "integer", "minimum": 0 },
                                "accepted_active": { "type": "integer", "minimum": 0 },
                                "accepted_expiring": { "type": "integer", "minimum": 0 },
                                "accepted_expired": { "type": "integer", "minimum": 0 },
                                "last_compare_at": { "type": "string", "format": "date-time", "nullable": true },
                                "last_compare_outcome": { "type": "string", "nullable": true },
                                "compare_age_hours": { "type": "integer", "nullable": true },
                                "assigned_profiles": { "type": "integer", "minimum": 0 }
                            }
                        } }
                    }
                }),
            ),
            (
                "GovernanceSettings",
                json!({
                    "type": "object",
                    "required": ["sla_critical_days", "sla_high_days", "sla_medium_days", "sla_low_days", "max_exception_days"],
                    "properties": {
                        "sla_critical_days": days(1, 365),
                        "sla_high_days": days(1, 365),
                        "sla_medium_days": days(1, 365),
                        "sla_low_days": days(1, 365),
                        "max_exception_days": days(1, 1095)
                    }
                }),
            ),
            (
                "GovernanceSettingsInput",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "sla_critical_days": days(1, 365),
                        "sla_high_days": days(1, 365),
                        "sla_medium_days": days(1, 365),
                        "sla_low_days": days(1, 365),
                        "max_exception_days": days(1, 1095)
                    }
                }),
            ),
        ],
    }
}

/// The id named `name` in the path: non-integers name nothing (404).
fn path_param(Path(raw): Path<Vec<(String, String)>>, name: &str) -> Result<i64, AppError> {
    path_id(raw.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default())
}

type PathIds = Path<Vec<(String, String)>>;

/// The list filters of the query string as both transports receive them (paging comes from [`ListQuery`]).
fn params(q: &ListQuery) -> Result<FindingParams, AppError> {
    let tenant = match q.text("tenant") {
        None => None,
        Some(raw) => Some(raw.parse::<i64>().map_err(|_| AppError::validation("tenant", "invalid"))?),
    };
    let reflagged = q.flag("reflagged").map_err(|e| e.error)?;
    Ok(FindingParams {
        tenant,
        status: q.text("status").map(String::from),
        severity: q.text("severity").map(String::from),
        assignee: q.text("assignee").map(String::from),
        due: q.text("due").map(String::from),
        source: q.text("source").map(String::from),
        reflagged: Some(reflagged),
        page: Some(i64::from(q.page.page)),
        per_page: Some(i64::from(q.page.per_page)),
    })
}

async fn list(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    q: ListQuery,
) -> ApiResult<Json<Page<FindingDto>>> {
    let query = FindingQuery::parse(&params(&q)?)?;
    Ok(Json(service::list(&state.db, &scope, &query).await?))
}

async fn my_work(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    q: ListQuery,
) -> ApiResult<Json<Page<FindingDto>>> {
    let p = FindingParams { status: None, assignee: None, ..params(&q)? };
    Ok(Json(service::my_work(&state.db, &scope, &p).await?))
}

async fn intake(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    q: ListQuery,
) -> ApiResult<Json<Page<FindingDto>>> {
    let p = FindingParams { status: None, assignee: None, ..params(&q)? };
    Ok(Json(service::intake(&state.db, &scope, &p).await?))
}

async fn get_one(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<Json<FindingDetail>> {
    Ok(Json(service::get(&state.db, &scope, path_param(path, "finding")?).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransitionBody {
    #[serde(default)]
    transition: Option<String>,
    #[serde(default)]
    closed_reason: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

impl ApiInput for TransitionBody {
    const FIELDS: &'static [&'static str] = &["transition", "closed_reason", "note"];
}

async fn transition(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    ApiJson(body): ApiJson<TransitionBody>,
) -> ApiResult<Json<FindingDto>> {
    let id = path_param(path, "finding")?;
    let req =
        TransitionRequest::parse(body.transition.as_deref(), body.closed_reason.as_deref(), body.note.as_deref())?;
    Ok(Json(service::transition(&state.db, &scope, id, &req).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkBody {
    #[serde(default)]
    ids: Option<Vec<i64>>,
    #[serde(default)]
    transition: Option<String>,
    #[serde(default)]
    closed_reason: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

impl ApiInput for BulkBody {
    const FIELDS: &'static [&'static str] = &["ids", "transition", "closed_reason", "note"];
}

async fn bulk(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<BulkBody>,
) -> ApiResult<Json<BulkResult>> {
    let req =
        TransitionRequest::parse(body.transition.as_deref(), body.closed_reason.as_deref(), body.note.as_deref())?;
    let mut ids = body.ids.unwrap_or_default();
    // The same finding twice is one change.
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    Ok(Json(service::bulk_transition(&state.db, &scope, &ids, &req).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignmentBody {
    #[serde(default)]
    owner_id: Option<i64>,
    #[serde(default)]
    assignee_id: Option<i64>,
}

impl ApiInput for AssignmentBody {
    const FIELDS: &'static [&'static str] = &["owner_id", "assignee_id"];
}

async fn assign(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    ApiJson(body): ApiJson<AssignmentBody>,
) -> ApiResult<Json<FindingDto>> {
    let id = path_param(path, "finding")?;
    let done = service::assign(&state.db, &scope, id, body.owner_id, body.assignee_id).await;
    // The service names the fields `owner` / `assignee`; the body calls them `owner_id` / `assignee_id`.
    let done = done.map_err(|e| match e {
        AppError::Validation(errs) => AppError::Validation(
            errs.into_iter()
                .map(|f| match f.field.as_str() {
                    "owner" | "assignee" => FieldError::new(&format!("{}_id", f.field), &f.code),
                    _ => f,
                })
                .collect(),
        ),
        other => other,
    });
    Ok(Json(done?))
}

async fn claim(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<Json<FindingDto>> {
    Ok(Json(service::claim(&state.db, &scope, path_param(path, "finding")?).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentBody {
    #[serde(default)]
    body: Option<String>,
}

impl ApiInput for CommentBody {
    const FIELDS: &'static [&'static str] = &["body"];
}

async fn comment(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    ApiJson(body): ApiJson<CommentBody>,
) -> ApiResult<(StatusCode, Json<CommentDto>)> {
    let id = path_param(path, "finding")?;
    Ok((StatusCode::CREATED, Json(service::comment(&state.db, &scope, id, body.body.as_deref()).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionBody {
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
}

impl ApiInput for ExceptionBody {
    const FIELDS: &'static [&'static str] = &["reason", "expires_at"];
}

async fn request_exception(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    ApiJson(body): ApiJson<ExceptionBody>,
) -> ApiResult<(StatusCode, Json<ExceptionDto>)> {
    let id = path_param(path, "finding")?;
    let x =
        service::request_exception(&state.db, &scope, id, body.reason.as_deref(), body.expires_at.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(x)))
}

async fn list_exceptions(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    q: ListQuery,
) -> ApiResult<Json<Page<ExceptionDto>>> {
    let statuses = match q.text("status") {
        None => Vec::new(),
        Some(s) => vec![ExceptionStatus::parse(s).ok_or_else(|| AppError::validation("status", "unknown_status"))?],
    };
    Ok(Json(q.page.slice(service::list_exceptions(&state.db, &scope, &statuses).await?)))
}

async fn get_exception(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<Json<ExceptionDto>> {
    Ok(Json(service::exception(&state.db, &scope, path_param(path, "exception")?).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    #[serde(default)]
    approve: Option<bool>,
    #[serde(default)]
    reason: Option<String>,
}

impl ApiInput for DecisionBody {
    const FIELDS: &'static [&'static str] = &["approve", "reason"];
}

async fn decide(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<Json<ExceptionDto>> {
    let id = path_param(path, "exception")?;
    let approve = body.approve.ok_or_else(|| AppError::validation("approve", "required"))?;
    Ok(Json(service::decide_exception(&state.db, &scope, id, approve, body.reason.as_deref()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    #[serde(default)]
    reason: Option<String>,
}

impl ApiInput for ReasonBody {
    const FIELDS: &'static [&'static str] = &["reason"];
}

async fn revoke(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    ApiJson(body): ApiJson<ReasonBody>,
) -> ApiResult<Json<ExceptionDto>> {
    let id = path_param(path, "exception")?;
    Ok(Json(service::revoke_exception(&state.db, &scope, id, body.reason.as_deref()).await?))
}

async fn renew(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    ApiJson(body): ApiJson<ExceptionBody>,
) -> ApiResult<(StatusCode, Json<ExceptionDto>)> {
    let id = path_param(path, "exception")?;
    let x = service::renew_exception(&state.db, &scope, id, body.reason.as_deref(), body.expires_at.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(x)))
}

async fn posture(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
) -> ApiResult<Json<PostureOverview>> {
    Ok(Json(service::posture(&state.db, &scope).await?))
}

async fn get_settings(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
) -> ApiResult<Json<GovernanceSettings>> {
    Ok(Json(service::settings(&state.db, &scope).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsBody {
    #[serde(default)]
    sla_critical_days: Option<i64>,
    #[serde(default)]
    sla_high_days: Option<i64>,
    #[serde(default)]
    sla_medium_days: Option<i64>,
    #[serde(default)]
    sla_low_days: Option<i64>,
    #[serde(default)]
    max_exception_days: Option<i64>,
}

impl ApiInput for SettingsBody {
    const FIELDS: &'static [&'static str] =
        &["sla_critical_days", "sla_high_days", "sla_medium_days", "sla_low_days", "max_exception_days"];
}

async fn put_settings(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SettingsBody>,
) -> ApiResult<Json<GovernanceSettings>> {
    let current = service::settings(&state.db, &scope).await?;
    let s = GovernanceSettings {
        sla_critical_days: body.sla_critical_days.unwrap_or(current.sla_critical_days),
        sla_high_days: body.sla_high_days.unwrap_or(current.sla_high_days),
        sla_medium_days: body.sla_medium_days.unwrap_or(current.sla_medium_days),
        sla_low_days: body.sla_low_days.unwrap_or(current.sla_low_days),
        max_exception_days: body.max_exception_days.unwrap_or(current.max_exception_days),
    };
    Ok(Json(service::update_settings(&state.db, &scope, s).await?))
}
