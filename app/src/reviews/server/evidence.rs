//! The `evidence.generate` run: measures what is persisted about one tenant — inventory coverage and
//! freshness, baseline/drift posture, findings, accepted risks, permission posture and operations health —
//! into six dimensions, each with a state (complete / partial / missing / stale) and a fingerprint of its
//! payload. The snapshot's fingerprint covers every dimension's key, state and payload fingerprint; when it
//! equals the tenant's active snapshot's, that snapshot is reused and nothing is written. Otherwise the
//! new snapshot and its items are written whole in one transaction (superseding the previous one) with the
//! audit entry. Payloads carry counts and customer-safe lists (no settings values, no secrets); person
//! names stay in the database and are pseudonymized in packs.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::repo::{self, NewItem};
use crate::{
    audit::server::{record_system, AuditEvent},
    authz::server::{SystemScope, TenantBound},
    db::{internal, Db},
    db_run,
    error::AppError,
    findings::{validity, ExceptionStatus, Validity},
    inventory::server::normalize::sha256_hex,
    operations::{
        server::worker::{Done, RunContext, Stop},
        FailureSummary, Reason, RunOutcome, RunReason, SummaryCounts,
    },
    reviews::{Completeness, Dimension, MAX_EVIDENCE_ITEMS, STALE_AFTER_HOURS},
};

/// One measured dimension before it is stored.
#[derive(Debug, Clone)]
pub struct Measured {
    pub dimension: Dimension,
    pub state: Completeness,
    pub freshness_at: Option<DateTime<Utc>>,
    pub payload: Value,
}

impl Measured {
    fn item(&self) -> NewItem {
        let payload = self.payload.to_string();
        NewItem {
            dimension: self.dimension,
            state: self.state,
            source_fingerprint: sha256_hex(&payload),
            freshness_at: self.freshness_at,
            payload,
        }
    }
}

/// The snapshot fingerprint: every dimension's key, state and payload hash, in order.
pub fn fingerprint(items: &[NewItem]) -> String {
    let lines: Vec<String> =
        items.iter().map(|i| format!("{}|{}|{}", i.dimension.id(), i.state.id(), i.source_fingerprint)).collect();
    sha256_hex(lines.join("\n"))
}

fn stale(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    at.is_none_or(|t| now - t > Duration::hours(STALE_AFTER_HOURS))
}

async fn inventory(db: &Db, scope: &impl TenantBound, now: DateTime<Utc>) -> Result<Measured, AppError> {
    let rows = db_run!(db, p => sqlx::query_as::<_, (String, String, i64, Option<String>, Option<DateTime<Utc>>)>(
        "SELECT c.policy_type, c.status, c.item_count, c.reason_code, c.synced_at FROM inventory_coverage c \
         JOIN tenants t ON t.id = c.tenant_id WHERE c.tenant_id = $1 AND t.workspace_id = $2 ORDER BY c.policy_type")
        .bind(scope.bound_tenant_id()).bind(scope.bound_workspace_id()).fetch_all(p).await)
    .map_err(internal)?;
    let oldest = rows.iter().map(|r| r.4).min().flatten();
    let failed = rows.iter().filter(|r| r.1 != "complete").count();
    let state = if rows.is_empty() {
        Completeness::Missing
    } else if failed > 0 {
        Completeness::Partial
    } else if stale(oldest, now) {
        Completeness::Stale
    } else {
        Completeness::Complete
    };
    let types: Vec<Value> = rows
        .iter()
        .map(|(t, s, n, reason, synced)| {
            json!({ "policy_type": t, "status": s, "item_count": n, "reason_code": reason, "synced_at": synced.map(repo::time) })
        })
        .collect();
    Ok(Measured {
        dimension: Dimension::Inventory,
        state,
        freshness_at: oldest,
        payload: json!({
            "types": types,
            "types_total": rows.len(),
            "types_failed": failed,
            "policy_count": rows.iter().map(|r| r.2).sum::<i64>(),
        }),
    })
}

async fn baseline_drift(db: &Db, scope: &impl TenantBound, now: DateTime<Utc>) -> Result<Measured, AppError> {
    let (ws, tenant) = (scope.bound_workspace_id(), scope.bound_tenant_id());
    let profiles = db_run!(db, p => sqlx::query_as::<_, (i64, String)>(
        "SELECT b.id, b.name FROM baseline_assignments a JOIN baseline_profiles b ON b.id = a.profile_id \
         WHERE a.tenant_id = $1 AND a.workspace_id = $2 ORDER BY b.name")
        .bind(tenant).bind(ws).fetch_all(p).await)
    .map_err(internal)?;
    let last = db_run!(db, p => sqlx::query_as::<_, (DateTime<Utc>, String)>(
        "SELECT COALESCE(completed_at, created_at), outcome FROM operation_runs WHERE workspace_id = $1 AND tenant_id = $2 \
         AND run_type = 'compare.run' AND status = 'completed' ORDER BY id DESC LIMIT 1")
        .bind(ws).bind(tenant).fetch_optional(p).await)
    .map_err(internal)?;
    let drift = db_run!(db, p => sqlx::query_as::<_, (String, i64)>(
        "SELECT drift_kind, COUNT(*) FROM findings WHERE workspace_id = $1 AND tenant_id = $2 \
         AND status IN ('new', 'triaged', 'in_progress', 'reopened') GROUP BY drift_kind ORDER BY drift_kind")
        .bind(ws).bind(tenant).fetch_all(p).await)
    .map_err(internal)?;
    let state = match (&profiles.is_empty(), &last) {
        (true, _) | (false, None) => Completeness::Missing,
        (false, Some((_, outcome))) if outcome != "succeeded" => Completeness::Partial,
        (false, Some((at, _))) if stale(Some(*at), now) => Completeness::Stale,
        _ => Completeness::Complete,
    };
    let by_kind: BTreeMap<String, i64> = drift.into_iter().collect();
    Ok(Measured {
        dimension: Dimension::BaselineDrift,
        state,
        freshness_at: last.as_ref().map(|l| l.0),
        payload: json!({
            "profiles": profiles.iter().map(|(id, name)| json!({ "id": id, "name": name })).collect::<Vec<_>>(),
            "last_compare_at": last.as_ref().map(|l| repo::time(l.0)),
            "last_compare_outcome": last.as_ref().map(|l| l.1.clone()),
            "open_drift_by_kind": by_kind,
        }),
    })
}

#[derive(sqlx::FromRow)]
struct FindingItem {
    id: i64,
    severity: String,
    status: String,
    drift_kind: String,
    policy_type: String,
    subject_display_name: String,
    owner: Option<String>,
    assignee: Option<String>,
    first_seen_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
}

async fn findings(db: &Db, scope: &impl TenantBound, now: DateTime<Utc>) -> Result<Measured, AppError> {
    let (ws, tenant) = (scope.bound_workspace_id(), scope.bound_tenant_id());
    let counts = db_run!(db, p => sqlx::query_as::<_, (String, String, i64)>(
        "SELECT severity, status, COUNT(*) FROM findings WHERE workspace_id = $1 AND tenant_id = $2 \
         GROUP BY severity, status ORDER BY severity, status")
        .bind(ws).bind(tenant).fetch_all(p).await)
    .map_err(internal)?;
    let sql = format!(
        "SELECT f.id, f.severity, f.status, f.drift_kind, f.policy_type, f.subject_display_name, ou.display_name AS owner, \
         au.display_name AS assignee, f.first_seen_at, f.due_at FROM findings f \
         LEFT JOIN users ou ON ou.id = f.owner_user_id LEFT JOIN users au ON au.id = f.assignee_user_id \
         WHERE f.workspace_id = $1 AND f.tenant_id = $2 ORDER BY CASE f.status WHEN 'new' THEN 0 WHEN 'triaged' THEN 0 \
         WHEN 'in_progress' THEN 0 WHEN 'reopened' THEN 0 ELSE 1 END, CASE f.severity WHEN 'critical' THEN 0 \
         WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, f.due_at, f.id LIMIT {MAX_EVIDENCE_ITEMS}"
    );
    let items = db_run!(db, p => sqlx::query_as::<_, FindingItem>(&sql).bind(ws).bind(tenant).fetch_all(p).await)
        .map_err(internal)?;
    let open = ["new", "triaged", "in_progress", "reopened"];
    let mut by_severity: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
    let mut total = 0;
    for (sev, status, n) in &counts {
        if open.contains(&status.as_str()) {
            *by_severity.entry(sev.clone()).or_default() += n;
        }
        *by_status.entry(status.clone()).or_default() += n;
        total += n;
    }
    let overdue = items.iter().filter(|f| open.contains(&f.status.as_str()) && f.due_at < now).count();
    let list: Vec<Value> = items
        .iter()
        .map(|f| {
            json!({
                "id": f.id, "severity": f.severity, "status": f.status, "drift_kind": f.drift_kind,
                "policy_type": f.policy_type, "subject": f.subject_display_name, "owner": f.owner,
                "assignee": f.assignee, "first_seen_at": repo::time(f.first_seen_at), "due_at": repo::time(f.due_at),
                "overdue": open.contains(&f.status.as_str()) && f.due_at < now,
            })
        })
        .collect();
    Ok(Measured {
        dimension: Dimension::Findings,
        state: if (items.len() as i64) < total { Completeness::Partial } else { Completeness::Complete },
        freshness_at: None,
        payload: json!({
            "total": total,
            "open_by_severity": by_severity,
            "by_status": by_status,
            "overdue": overdue,
            "items": list,
            "items_truncated": (items.len() as i64) < total,
        }),
    })
}

#[derive(sqlx::FromRow)]
struct RiskItem {
    id: i64,
    finding_id: i64,
    subject_display_name: String,
    status: String,
    requested_by: Option<String>,
    decided_by: Option<String>,
    request_reason: String,
    expires_at: DateTime<Utc>,
}

async fn accepted_risks(db: &Db, scope: &impl TenantBound, now: DateTime<Utc>) -> Result<Measured, AppError> {
    let sql = format!(
        "SELECT e.id, e.finding_id, f.subject_display_name, e.status, ru.display_name AS requested_by, \
         du.display_name AS decided_by, e.request_reason, e.expires_at FROM finding_exceptions e \
         JOIN findings f ON f.id = e.finding_id LEFT JOIN users ru ON ru.id = e.requested_by_user_id \
         LEFT JOIN users du ON du.id = e.decided_by_user_id WHERE e.workspace_id = $1 AND e.tenant_id = $2 \
         AND e.status IN ('pending', 'active', 'expired') ORDER BY e.expires_at, e.id LIMIT {MAX_EVIDENCE_ITEMS}"
    );
    let rows = db_run!(db, p => sqlx::query_as::<_, RiskItem>(&sql).bind(scope.bound_workspace_id())
        .bind(scope.bound_tenant_id()).fetch_all(p).await)
    .map_err(internal)?;
    let mut counts: BTreeMap<&'static str, i64> =
        [("valid", 0), ("expiring", 0), ("expired", 0), ("pending", 0)].into_iter().collect();
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            let status = ExceptionStatus::parse(&r.status).unwrap_or(ExceptionStatus::Expired);
            let v = validity(status, r.expires_at, now);
            let key = match v {
                Validity::Valid => "valid",
                Validity::Expiring => "expiring",
                Validity::Pending => "pending",
                _ => "expired",
            };
            *counts.entry(key).or_default() += 1;
            json!({
                "id": r.id, "finding_id": r.finding_id, "subject": r.subject_display_name, "validity": v.id(),
                "requested_by": r.requested_by, "approved_by": r.decided_by, "reason": r.request_reason,
                "expires_at": repo::time(r.expires_at),
            })
        })
        .collect();
    let total: i64 = counts.iter().filter(|(k, _)| **k != "pending").map(|(_, n)| n).sum();
    Ok(Measured {
        dimension: Dimension::AcceptedRisks,
        state: Completeness::Complete,
        freshness_at: None,
        payload: json!({ "total": total, "counts": counts, "items": items }),
    })
}

async fn permissions(db: &Db, scope: &impl TenantBound, now: DateTime<Utc>) -> Result<Measured, AppError> {
    let row =
        db_run!(db, p => sqlx::query_as::<_, (String, String, String, String, Option<DateTime<Utc>>, Option<String>)>(
        "SELECT connection_type, consent_status, verification_status, scopes_granted, last_health_check_at, \
         last_error_reason_code FROM provider_connections WHERE workspace_id = $1 AND tenant_id = $2")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).fetch_optional(p).await)
        .map_err(internal)?;
    let Some((kind, consent, verification, scopes, checked, reason)) = row else {
        return Ok(Measured {
            dimension: Dimension::Permissions,
            state: Completeness::Missing,
            freshness_at: None,
            payload: json!({ "connection": null }),
        });
    };
    let scopes: Vec<String> = serde_json::from_str(&scopes).unwrap_or_default();
    let state = match verification.as_str() {
        "healthy" if stale(checked, now) => Completeness::Stale,
        "healthy" => Completeness::Complete,
        "unknown" | "pending" => Completeness::Missing,
        _ => Completeness::Partial,
    };
    Ok(Measured {
        dimension: Dimension::Permissions,
        state,
        freshness_at: checked,
        payload: json!({
            "connection": {
                "connection_type": kind, "consent_status": consent, "verification_status": verification,
                "scopes_granted": scopes, "last_health_check_at": checked.map(repo::time), "last_error_reason_code": reason,
            }
        }),
    })
}

async fn operations(
    db: &Db,
    scope: &impl TenantBound,
    now: DateTime<Utc>,
    exclude_run: i64,
) -> Result<Measured, AppError> {
    let since = now - Duration::days(30);
    let rows = db_run!(db, p => sqlx::query_as::<_, (String, String, i64)>(
        "SELECT run_type, outcome, COUNT(*) FROM operation_runs WHERE workspace_id = $1 AND tenant_id = $2 \
         AND status = 'completed' AND created_at >= $3 AND id <> $4 AND run_type NOT IN ('evidence.generate', 'review.compose', \
         'review_pack.generate') GROUP BY run_type, outcome ORDER BY run_type, outcome")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(since).bind(exclude_run).fetch_all(p).await)
    .map_err(internal)?;
    let mut by_outcome: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_type: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (t, o, n) in &rows {
        *by_outcome.entry(o.clone()).or_default() += n;
        *by_type.entry(t.clone()).or_default().entry(o.clone()).or_default() += n;
    }
    let total: i64 = by_outcome.values().sum();
    let failed = by_outcome.get("failed").copied().unwrap_or(0);
    let state = if total == 0 {
        Completeness::Missing
    } else if failed > 0 {
        Completeness::Partial
    } else {
        Completeness::Complete
    };
    Ok(Measured {
        dimension: Dimension::Operations,
        state,
        freshness_at: None,
        payload: json!({ "window_days": 30, "total": total, "by_outcome": by_outcome, "by_type": by_type }),
    })
}

/// Measures every dimension of the scope's tenant at `now`.
pub async fn measure(
    db: &Db,
    scope: &impl TenantBound,
    now: DateTime<Utc>,
    exclude_run: i64,
) -> Result<Vec<Measured>, AppError> {
    Ok(vec![
        inventory(db, scope, now).await?,
        baseline_drift(db, scope, now).await?,
        findings(db, scope, now).await?,
        accepted_risks(db, scope, now).await?,
        permissions(db, scope, now).await?,
        operations(db, scope, now, exclude_run).await?,
    ])
}

/// The outcome of a generation: the snapshot (new or reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub snapshot_id: i64,
    pub reused: bool,
    pub completeness: Completeness,
}

/// Measures the tenant and stores a snapshot unless the active one has the same fingerprint.
pub async fn generate(
    db: &Db,
    scope: &impl TenantBound,
    run_id: Option<i64>,
    user_id: Option<i64>,
    system: &SystemScope,
) -> Result<Generated, AppError> {
    let now = Utc::now();
    let measured = measure(db, scope, now, run_id.unwrap_or(0)).await?;
    let items: Vec<NewItem> = measured.iter().map(Measured::item).collect();
    let fp = fingerprint(&items);
    let overall = Completeness::worst(items.iter().filter(|i| i.dimension.required()).map(|i| i.state));
    let mut tx = db.begin().await?;
    let active = repo::select_active_snapshot(&mut tx, scope).await?;
    if let Some(a) = active.as_ref().filter(|a| a.fingerprint.as_deref() == Some(fp.as_str())) {
        if a.expires_at.is_none_or(|e| e > now) {
            return Ok(Generated { snapshot_id: a.id, reused: true, completeness: a.completeness() });
        }
    }
    let names =
        |s: Completeness| -> Vec<&str> { items.iter().filter(|i| i.state == s).map(|i| i.dimension.id()).collect() };
    let finding_count = measured
        .iter()
        .find(|m| m.dimension == Dimension::Findings)
        .and_then(|m| m.payload["total"].as_i64())
        .unwrap_or(0);
    let risk_count = measured
        .iter()
        .find(|m| m.dimension == Dimension::AcceptedRisks)
        .and_then(|m| m.payload["total"].as_i64())
        .unwrap_or(0);
    let summary = json!({
        "dimension_count": items.len(),
        "missing_dimensions": names(Completeness::Missing),
        "stale_dimensions": names(Completeness::Stale),
        "partial_dimensions": names(Completeness::Partial),
        "finding_count": finding_count,
        "accepted_risk_count": risk_count,
    });
    let previous = active.as_ref().and_then(|a| a.fingerprint.clone());
    let id = repo::insert_snapshot(
        &mut tx,
        scope,
        run_id,
        user_id,
        overall,
        &fp,
        previous.as_deref(),
        &summary,
        &items,
        now,
    )
    .await?;
    let event = AuditEvent::new("evidence_snapshot.generate", "evidence_snapshot", id)
        .tenant(scope.bound_tenant_id())
        .summary(format!("Generated evidence snapshot ({})", overall.id()))
        .metadata(json!({ "completeness": overall.id(), "fingerprint": fp, "run_id": run_id, "summary": summary }));
    record_system(&mut tx, system, Some(scope.bound_workspace_id()), event).await?;
    tx.commit().await?;
    Ok(Generated { snapshot_id: id, reused: false, completeness: overall })
}

fn store_failed(e: AppError) -> Stop {
    tracing::warn!(error = %e, "evidence generation failed");
    Stop::Failed(FailureSummary::new(Reason::Run(RunReason::HandlerError), "generating the evidence snapshot failed"))
}

/// The run handler.
pub async fn run(ctx: RunContext) -> Result<Done, Stop> {
    let scope = ctx.tenant_scope().ok_or_else(|| {
        Stop::Failed(FailureSummary::new(Reason::Run(RunReason::HandlerError), "the run names no tenant"))
    })?;
    let system = SystemScope::for_job("evidence generation");
    let g = generate(&ctx.db, &scope, Some(ctx.run_id()), ctx.claimed.run.initiator_user_id, &system)
        .await
        .map_err(store_failed)?;
    ctx.set_context(
        "evidence",
        json!({ "snapshot_id": g.snapshot_id, "reused": g.reused, "completeness": g.completeness.id() }),
    )
    .await?;
    let summary = SummaryCounts::from([
        ("snapshots_created".to_string(), i64::from(!g.reused)),
        ("snapshots_reused".to_string(), i64::from(g.reused)),
    ]);
    Ok(Done { outcome: RunOutcome::Succeeded, summary, failure: None })
}
