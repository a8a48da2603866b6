//! The `baseline.capture` run (context `{profile_id}`): copies the run tenant's current policies of the
//! profile's types into a new snapshot — building → complete, or incomplete with the gaps named (a type
//! whose last sync was not complete). A complete snapshot becomes the profile's active one. Items carry
//! no tenant identifiers: type, name and settings only.

use chrono::Utc;
use serde_json::{json, Value};

use super::{
    compare::{coverage_gap, Subject},
    repo,
};
use crate::{
    audit::server::{record_system, AuditEvent},
    authz::server::SystemScope,
    baselines::{Gap, SnapshotStatus},
    inventory::server::normalize::sha256_hex,
    operations::{
        server::worker::{Done, RunContext, Stop},
        FailureSummary, Reason, RunOutcome, RunReason, SummaryCounts,
    },
};

fn failed(message: &str) -> Stop {
    Stop::Failed(FailureSummary::new(Reason::Run(RunReason::BaselineUnusable), message))
}

fn store_failed(e: crate::error::AppError) -> Stop {
    tracing::warn!(error = %e, "baseline capture storage failed");
    Stop::Failed(FailureSummary::new(Reason::Run(RunReason::HandlerError), "storing the snapshot failed"))
}

pub async fn run(ctx: RunContext) -> Result<Done, Stop> {
    let db = ctx.db.clone();
    let scope = ctx.tenant_scope().ok_or_else(|| failed("the run names no tenant"))?;
    let profile_id =
        ctx.claimed.run.context.get("profile_id").and_then(Value::as_i64).ok_or_else(|| failed("no profile"))?;
    let ws = scope.workspace_id();
    let profile = repo::select_profile(&db, &scope, profile_id)
        .await
        .map_err(store_failed)?
        .ok_or_else(|| failed("the profile no longer exists"))?;
    let now = Utc::now();
    let mut tx = db.begin().await.map_err(store_failed)?;
    let snapshot_id =
        repo::insert_snapshot(&mut tx, &scope, profile_id, ctx.run_id(), ctx.claimed.run.initiator_user_id, now)
            .await
            .map_err(store_failed)?;
    tx.commit().await.map_err(store_failed)?;
    let types = profile.types();
    let coverage = repo::select_coverage(&db, &scope).await.map_err(store_failed)?;
    let gaps: Vec<Gap> = types
        .iter()
        .filter_map(|t| coverage_gap(&coverage, t).map(|reason| Gap { policy_type: t.clone(), reason, subject: None }))
        .collect();
    let covered: Vec<String> = types.iter().filter(|t| !gaps.iter().any(|g| &g.policy_type == *t)).cloned().collect();
    let policies = repo::select_tenant_policies(&db, &scope, &covered).await.map_err(store_failed)?;
    let items: Vec<repo::NewItem> = policies
        .iter()
        .map(|p| {
            let s = Subject::from_snapshot(
                0,
                &p.policy_type,
                &p.display_name,
                &serde_json::from_str(&p.snapshot).unwrap_or(Value::Null),
            );
            repo::NewItem {
                policy_type: s.policy_type,
                display_name: s.display_name,
                settings_hash: s.settings_hash,
                settings: serde_json::to_string(&s.settings).unwrap_or_else(|_| "{}".into()),
            }
        })
        .collect();
    let mut hashes: Vec<String> =
        items.iter().map(|i| format!("{}|{}|{}", i.policy_type, i.display_name, i.settings_hash)).collect();
    hashes.sort();
    let identity = sha256_hex(hashes.join("\n"));
    let status = if gaps.is_empty() { SnapshotStatus::Complete } else { SnapshotStatus::Incomplete };
    let system = SystemScope::for_job("baseline capture");
    let mut tx = db.begin().await.map_err(store_failed)?;
    repo::insert_items(&mut tx, snapshot_id, &items).await.map_err(store_failed)?;
    repo::finish_snapshot(
        &mut tx,
        &scope,
        profile_id,
        snapshot_id,
        status,
        &identity,
        items.len() as i64,
        &gaps,
        Utc::now(),
    )
    .await
    .map_err(store_failed)?;
    let event = AuditEvent::new("baseline_snapshot.capture", "baseline_snapshot", snapshot_id)
        .tenant(scope.tenant_id())
        .summary(format!("Captured baseline {} ({})", profile.name, status.id()))
        .metadata(json!({ "profile_id": profile_id, "status": status.id(), "items": items.len(), "gaps": gaps }));
    record_system(&mut tx, &system, Some(ws), event).await.map_err(store_failed)?;
    tx.commit().await.map_err(store_failed)?;
    ctx.set_context("baseline_capture", json!({ "snapshot_id": snapshot_id, "status": status.id(), "gaps": gaps }))
        .await?;
    let summary = SummaryCounts::from([
        ("items_captured".to_string(), items.len() as i64),
        ("gaps".to_string(), gaps.len() as i64),
    ]);
    if gaps.is_empty() {
        Ok(Done { outcome: RunOutcome::Succeeded, summary, failure: None })
    } else {
        Ok(Done {
            outcome: RunOutcome::PartiallySucceeded,
            summary,
            failure: Some(FailureSummary::new(
                Reason::Run(RunReason::BaselineUnusable),
                "the snapshot is incomplete: some types were not synced completely",
            )),
        })
    }
}
