//! The `review.compose` run (context `{review_id}`): writes the review's six sections from its evidence
//! snapshot — and only from it, so a review says what was true when its evidence was taken — with each
//! section's completeness (the worst of its dimensions), the publish blockers (a required dimension
//! missing, the snapshot no longer active) and the status the state machine gives (`ready` without
//! blockers, `draft` with). Sections are locale-neutral (ids, counts, data); pages and packs translate.

use std::collections::HashMap;

use chrono::Utc;
use serde_json::{json, Value};

use super::repo::{self, ReviewChange};
use crate::{
    audit::server::{record_system, AuditEvent},
    authz::server::{SystemScope, TenantBound},
    db::Db,
    error::AppError,
    operations::{
        server::worker::{Done, RunContext, Stop},
        FailureSummary, Reason, RunOutcome, RunReason, SummaryCounts,
    },
    reviews::{
        Blocker, CardSummary, Completeness, Dimension, KeyFinding, ReviewAction, ReviewStatus, RiskCounts, SectionDto,
        SectionKey, SnapshotStatus, KEY_FINDINGS,
    },
};

/// Open findings listed in the open-risks section.
pub const OPEN_RISKS_LISTED: usize = 25;

fn payload_of(items: &[repo::ItemRow], d: Dimension) -> Value {
    items.iter().find(|i| i.dimension() == Some(d)).map(repo::ItemRow::payload).unwrap_or(Value::Null)
}

fn state_of(items: &[repo::ItemRow], d: Dimension) -> Completeness {
    items
        .iter()
        .find(|i| i.dimension() == Some(d))
        .and_then(|i| Completeness::parse(&i.state))
        .unwrap_or(Completeness::Missing)
}

/// The sections and blockers of a review composed from `items` (a snapshot's dimensions).
pub fn sections(items: &[repo::ItemRow], snapshot_active: bool) -> (Vec<SectionDto>, Vec<String>, Completeness) {
    let findings = payload_of(items, Dimension::Findings);
    let risks = payload_of(items, Dimension::AcceptedRisks);
    let inventory = payload_of(items, Dimension::Inventory);
    let drift = payload_of(items, Dimension::BaselineDrift);
    let permissions = payload_of(items, Dimension::Permissions);
    let open: Vec<Value> = findings["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| matches!(f["status"].as_str(), Some("new" | "triaged" | "in_progress" | "reopened")))
                .take(OPEN_RISKS_LISTED)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let open_total: i64 =
        findings["open_by_severity"].as_object().map(|m| m.values().filter_map(Value::as_i64).sum()).unwrap_or(0);
    let dimensions: Vec<Value> = Dimension::ALL
        .iter()
        .map(|d| json!({ "key": d.id(), "state": state_of(items, *d).id(), "required": d.required() }))
        .collect();
    let overall = Completeness::worst(Dimension::ALL.iter().filter(|d| d.required()).map(|d| state_of(items, *d)));
    let payloads: HashMap<SectionKey, Value> = [
        (
            SectionKey::ExecutiveSummary,
            json!({
                "completeness": overall.id(),
                "dimensions": dimensions,
                "open_total": open_total,
                "open_by_severity": findings["open_by_severity"],
                "overdue": findings["overdue"],
                "findings_total": findings["total"],
                "accepted_risks": risks["counts"],
                "policy_count": inventory["policy_count"],
                "types_total": inventory["types_total"],
                "types_failed": inventory["types_failed"],
                "last_compare_at": drift["last_compare_at"],
                "verification_status": permissions["connection"]["verification_status"],
            }),
        ),
        (
            SectionKey::OpenRisks,
            json!({ "open_total": open_total, "overdue": findings["overdue"], "open_by_severity": findings["open_by_severity"], "items": open }),
        ),
        (SectionKey::AcceptedRisks, risks.clone()),
        (SectionKey::PermissionPosture, permissions.clone()),
        (SectionKey::BaselineDriftPosture, drift.clone()),
        (SectionKey::OperationsHealth, payload_of(items, Dimension::Operations)),
    ]
    .into_iter()
    .collect();
    let sections = SectionKey::ALL
        .iter()
        .map(|k| SectionDto {
            key: *k,
            order: k.order(),
            state: Completeness::worst(k.dimensions().iter().map(|d| state_of(items, *d))),
            payload: payloads.get(k).cloned().unwrap_or(Value::Null),
        })
        .collect();
    let mut blockers = Vec::new();
    for d in Dimension::ALL.iter().filter(|d| d.required()) {
        if state_of(items, *d) == Completeness::Missing {
            blockers.push(format!("{}:{}", Blocker::EvidenceMissing.id(), d.id()));
        }
    }
    if !snapshot_active {
        blockers.push(Blocker::SnapshotNotActive.id().to_string());
    }
    (sections, blockers, overall)
}

/// The workspace card of a review with these sections: open findings by severity, the first
/// [`KEY_FINDINGS`] open findings, the accepted-risk counters.
pub fn card(sections: &[SectionDto]) -> CardSummary {
    let payload = |k: SectionKey| sections.iter().find(|s| s.key == k).map(|s| &s.payload);
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let open_by_severity = payload(SectionKey::ExecutiveSummary)
        .map(|e| ["low", "medium", "high", "critical"].map(|k| e["open_by_severity"][k].as_i64().unwrap_or(0)))
        .unwrap_or_default();
    let key_findings = payload(SectionKey::OpenRisks)
        .and_then(|o| o["items"].as_array())
        .map(|a| {
            a.iter()
                .take(KEY_FINDINGS)
                .map(|f| KeyFinding {
                    severity: text(&f["severity"]),
                    status: text(&f["status"]),
                    subject: text(&f["subject"]),
                    policy_type: text(&f["policy_type"]),
                    drift_kind: text(&f["drift_kind"]),
                    overdue: f["overdue"].as_bool().unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    let risks = payload(SectionKey::AcceptedRisks);
    let n = |k: &str| risks.and_then(|r| r["counts"][k].as_i64()).unwrap_or(0);
    CardSummary {
        open_by_severity,
        key_findings,
        risks: RiskCounts {
            total: risks.and_then(|r| r["total"].as_i64()).unwrap_or(0),
            valid: n("valid"),
            expiring: n("expiring"),
            expired: n("expired"),
            pending: n("pending"),
        },
    }
}

/// Composes review `review_id` of the scope's tenant: sections, blockers and the next status, with the
/// audit entry, in one transaction.
pub async fn compose(
    db: &Db,
    scope: &impl TenantBound,
    review_id: i64,
    system: &SystemScope,
) -> Result<(ReviewStatus, usize), AppError> {
    let review = repo::select_review(db, scope, review_id).await?.ok_or(AppError::NotFound)?;
    let snapshot = repo::select_snapshot(db, scope, review.snapshot_id).await?.ok_or(AppError::NotFound)?;
    let items = repo::select_items(db, scope, snapshot.id).await?;
    let active = SnapshotStatus::parse(&snapshot.status) == Some(SnapshotStatus::Active);
    let (sections, blockers, overall) = sections(&items, active);
    let card = serde_json::to_string(&card(&sections)).map_err(|_| AppError::Internal)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let current = repo::lock_review(&mut tx, scope, review_id).await?.ok_or(AppError::NotFound)?;
    let next = current.status().apply(ReviewAction::Composed { blocked: !blockers.is_empty() })?;
    repo::insert_sections(&mut tx, review_id, &sections).await?;
    let change = ReviewChange {
        completeness: Some(overall),
        blockers: Some(blockers.clone()),
        composed_at: Some(now),
        card: Some(card),
        ..Default::default()
    };
    repo::update_review(&mut tx, scope, review_id, next, &change, now).await?;
    let event = AuditEvent::new("tenant_review.compose", "tenant_review", review_id)
        .tenant(scope.bound_tenant_id())
        .summary(format!("Composed review ({})", next.id()))
        .metadata(json!({ "status": next.id(), "completeness": overall.id(), "blockers": blockers, "snapshot_id": snapshot.id }));
    record_system(&mut tx, system, Some(scope.bound_workspace_id()), event).await?;
    tx.commit().await?;
    Ok((next, sections.len()))
}

/// Marks a composing review failed (its run failed).
async fn fail(db: &Db, scope: &impl TenantBound, review_id: i64, system: &SystemScope) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(current) = repo::lock_review(&mut tx, scope, review_id).await? else { return Ok(()) };
    let Ok(next) = current.status().apply(ReviewAction::ComposeFailed) else { return Ok(()) };
    repo::update_review(&mut tx, scope, review_id, next, &ReviewChange::default(), now).await?;
    let event = AuditEvent::new("tenant_review.compose_failed", "tenant_review", review_id)
        .tenant(scope.bound_tenant_id())
        .summary("Composing the review failed".to_string());
    record_system(&mut tx, system, Some(scope.bound_workspace_id()), event).await?;
    tx.commit().await
}

/// The run handler.
pub async fn run(ctx: RunContext) -> Result<Done, Stop> {
    let failed = |m: &str| Stop::Failed(FailureSummary::new(Reason::Run(RunReason::HandlerError), m));
    let scope = ctx.tenant_scope().ok_or_else(|| failed("the run names no tenant"))?;
    let review_id =
        ctx.claimed.run.context.get("review_id").and_then(Value::as_i64).ok_or_else(|| failed("no review"))?;
    let system = SystemScope::for_job("review composition");
    match compose(&ctx.db, &scope, review_id, &system).await {
        Ok((status, n)) => {
            ctx.set_context("review", json!({ "review_id": review_id, "status": status.id() })).await?;
            Ok(Done {
                outcome: RunOutcome::Succeeded,
                summary: SummaryCounts::from([("sections".to_string(), n as i64)]),
                failure: None,
            })
        }
        Err(e) => {
            tracing::warn!(error = %e, review_id, "review composition failed");
            if let Err(e) = fail(&ctx.db, &scope, review_id, &system).await {
                tracing::warn!(error = %e, review_id, "marking the review failed did not work");
            }
            Err(failed("composing the review failed"))
        }
    }
}
