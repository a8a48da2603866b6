//! The `review_pack.generate` run (context `{pack_id}`): queued → generating → ready (or failed). Reads
//! the published review, its sections and its evidence snapshot (never live data, so a pack of a review
//! always says the same), builds the signed ZIP (`pack::build`: PII pseudonymized unless the pack was
//! requested with PII, secrets always redacted), writes it to the pack store and records file, size and
//! SHA-256 with the audit entry in one transaction. The retention sweep ([`expire`]) expires packs and
//! snapshots past retention and deletes expired pack files.

use std::sync::Arc;

use chrono::Utc;
use serde_json::{json, Value};

use super::{
    pack::{self, PackAcceptedRisk, PackDimension, PackFinding, PackInput, PackReview, PackSection, PackSnapshot},
    repo,
    storage::PackStore,
};
use crate::{
    audit::server::{record_system, AuditEvent},
    authz::server::{SystemScope, TenantBound},
    db::{internal, Db},
    db_run,
    error::AppError,
    keys::Keys,
    operations::{
        server::worker::{Done, RunContext, Stop},
        FailureSummary, Reason, RunOutcome, RunReason, SummaryCounts,
    },
    reviews::{Dimension, PackStatus},
};

/// The per-workspace key of stable pseudonyms: derived from the installation key, so one person gets the
/// same pseudonym in every pack of a workspace and different ones across workspaces.
pub fn pseudonym_key(keys: &Keys, workspace_id: i64) -> Vec<u8> {
    use ring::hmac;
    let key = hmac::Key::new(hmac::HMAC_SHA256, keys.fingerprint_key());
    hmac::sign(&key, format!("tenantpilot.pseudonym.v1:{workspace_id}").as_bytes()).as_ref().to_vec()
}

/// Where a pack's file lives in the store.
pub fn file_key(workspace_id: i64, tenant_id: i64, pack_id: i64) -> String {
    format!("packs/{workspace_id}/{tenant_id}/{pack_id}.zip")
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn opt_text(v: &Value) -> Option<String> {
    v.as_str().map(String::from)
}

/// Assembles the pack input of pack `pack_id` from its review, sections and snapshot.
async fn input(db: &Db, scope: &impl TenantBound, p: &repo::PackRow) -> Result<PackInput, AppError> {
    let review = repo::select_review(db, scope, p.review_id).await?.ok_or(AppError::NotFound)?;
    let snapshot = repo::select_snapshot(db, scope, p.snapshot_id).await?.ok_or(AppError::NotFound)?;
    let items = repo::select_items(db, scope, snapshot.id).await?;
    let sections = repo::select_sections(db, scope, review.id).await?;
    let (slug, ws_name, external) = db_run!(db, x => sqlx::query_as::<_, (String, String, String)>(
        "SELECT w.slug, w.name, t.entra_tenant_id FROM tenants t JOIN workspaces w ON w.id = t.workspace_id \
         WHERE t.id = $1 AND w.id = $2")
        .bind(scope.bound_tenant_id()).bind(scope.bound_workspace_id()).fetch_one(x).await)
    .map_err(internal)?;
    let payload = |d: Dimension| items.iter().find(|i| i.dimension() == Some(d)).map(repo::ItemRow::payload);
    let findings = payload(Dimension::Findings)
        .and_then(|p| p["items"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|f| PackFinding {
            id: f["id"].as_i64().unwrap_or(0),
            severity: text(&f["severity"]),
            status: text(&f["status"]),
            drift_kind: text(&f["drift_kind"]),
            policy_type: text(&f["policy_type"]),
            subject: text(&f["subject"]),
            owner: opt_text(&f["owner"]),
            assignee: opt_text(&f["assignee"]),
            first_seen_at: text(&f["first_seen_at"]),
            due_at: text(&f["due_at"]),
            overdue: f["overdue"].as_bool().unwrap_or(false),
        })
        .collect();
    let accepted_risks = payload(Dimension::AcceptedRisks)
        .and_then(|p| p["items"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|r| PackAcceptedRisk {
            id: r["id"].as_i64().unwrap_or(0),
            finding_id: r["finding_id"].as_i64().unwrap_or(0),
            subject: text(&r["subject"]),
            validity: text(&r["validity"]),
            requested_by: opt_text(&r["requested_by"]),
            approved_by: opt_text(&r["approved_by"]),
            reason: text(&r["reason"]),
            expires_at: text(&r["expires_at"]),
        })
        .collect();
    let dto = review.dto();
    let snap = snapshot.dto();
    Ok(PackInput {
        pack_id: p.id,
        generated_at: Utc::now(),
        language: p.language.clone(),
        include_pii: p.include_pii,
        workspace_slug: slug,
        workspace_name: ws_name,
        tenant_id: review.tenant_id,
        tenant_name: review.tenant_name.clone(),
        tenant_external_id: external,
        review: PackReview {
            id: dto.id,
            status: dto.status.id().into(),
            completeness: dto.completeness.map(|c| c.id()).unwrap_or("missing").into(),
            published_at: dto.published_at.clone(),
            published_by: dto.published_by.clone(),
            fingerprint: dto.fingerprint.clone().unwrap_or_default(),
        },
        snapshot: PackSnapshot {
            id: snap.id,
            fingerprint: snap.fingerprint.clone(),
            completeness: snap.completeness.id().into(),
            generated_at: snap.generated_at.clone(),
            dimensions: items
                .iter()
                .map(|i| PackDimension { key: i.dimension_key.clone(), state: i.state.clone() })
                .collect(),
        },
        sections: sections
            .iter()
            .map(|s| PackSection { key: s.key.id().into(), order: s.order, payload: s.payload.clone() })
            .collect(),
        findings,
        accepted_risks,
    })
}

/// Generates pack `pack_id` of the scope's tenant: builds, stores, records.
pub async fn generate(
    db: &Db,
    scope: &impl TenantBound,
    pack_id: i64,
    keys: &Keys,
    store: &dyn PackStore,
    system: &SystemScope,
) -> Result<usize, AppError> {
    let row = repo::select_pack(db, scope, pack_id).await?.ok_or(AppError::NotFound)?;
    if row.tenant_id != scope.bound_tenant_id() {
        return Err(AppError::NotFound);
    }
    if !repo::set_pack_status(db, scope, pack_id, &[PackStatus::Queued], PackStatus::Generating, Utc::now()).await? {
        return Err(AppError::Conflict("pack_state".into()));
    }
    let input = input(db, scope, &row).await?;
    let built = pack::build(
        &input,
        &pseudonym_key(keys, scope.bound_workspace_id()),
        keys.key_id(),
        &keys.pack_public_key(),
        |m| keys.pack_sign(m),
    )
    .map_err(|e| {
        tracing::warn!(error = %e, pack_id, "building the pack failed");
        AppError::Internal
    })?;
    let key = file_key(scope.bound_workspace_id(), scope.bound_tenant_id(), pack_id);
    store.put(&key, &built.bytes).await?;
    let summary = json!({
        "pii": built.redaction.pii,
        "secrets": built.redaction.secrets,
        "pseudonyms": built.redaction.pseudonyms,
        "secrets_redacted": built.redaction.secrets_redacted,
        "files": built.files,
    });
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if !repo::finish_pack(&mut tx, scope, pack_id, &key, built.bytes.len() as i64, &built.sha256, &summary, now).await?
    {
        drop(tx);
        store.delete(&key).await?;
        return Err(AppError::Conflict("pack_state".into()));
    }
    let event = AuditEvent::new("review_pack.generate", "review_pack", pack_id)
        .tenant(scope.bound_tenant_id())
        .summary(format!("Generated review pack ({} bytes)", built.bytes.len()))
        .metadata(json!({
            "review_id": row.review_id, "sha256": built.sha256, "language": row.language,
            "include_pii": row.include_pii, "pii": built.redaction.pii, "secrets_redacted": built.redaction.secrets_redacted,
        }));
    record_system(&mut tx, system, Some(scope.bound_workspace_id()), event).await?;
    tx.commit().await?;
    Ok(built.files.len())
}

/// The run handler.
pub async fn run(ctx: RunContext, keys: Arc<Keys>, store: Arc<dyn PackStore>) -> Result<Done, Stop> {
    let failed = |m: &str| Stop::Failed(FailureSummary::new(Reason::Run(RunReason::HandlerError), m));
    let scope = ctx.tenant_scope().ok_or_else(|| failed("the run names no tenant"))?;
    let pack_id = ctx.claimed.run.context.get("pack_id").and_then(Value::as_i64).ok_or_else(|| failed("no pack"))?;
    let system = SystemScope::for_job("review pack generation");
    match generate(&ctx.db, &scope, pack_id, &keys, store.as_ref(), &system).await {
        Ok(files) => {
            ctx.set_context("review_pack", json!({ "pack_id": pack_id, "status": "ready" })).await?;
            Ok(Done {
                outcome: RunOutcome::Succeeded,
                summary: SummaryCounts::from([("pack_files".to_string(), files as i64)]),
                failure: None,
            })
        }
        Err(e) => {
            tracing::warn!(error = %e, pack_id, "review pack generation failed");
            let from = [PackStatus::Queued, PackStatus::Generating];
            if let Err(e) = repo::set_pack_status(&ctx.db, &scope, pack_id, &from, PackStatus::Failed, Utc::now()).await
            {
                tracing::warn!(error = %e, pack_id, "marking the pack failed did not work");
            }
            Err(failed("generating the review pack failed"))
        }
    }
}

/// Retention: expires ready packs past their expiry (deleting their files) and snapshots past theirs.
/// Audited as the system. Returns `(packs, snapshots)` expired.
pub async fn expire(db: &Db, store: &dyn PackStore, system: &SystemScope) -> Result<(usize, usize), AppError> {
    let now = Utc::now();
    let mut packs = 0;
    for (ws, tenant, id, key) in repo::select_expired_packs(db, now).await? {
        let scope = system.tenant(db, ws, tenant).await?;
        let mut tx = db.begin().await?;
        if repo::set_pack_status(&mut tx, &scope, id, &[PackStatus::Ready], PackStatus::Expired, now).await? {
            let event = AuditEvent::new("review_pack.expire", "review_pack", id)
                .tenant(tenant)
                .summary("Review pack expired (retention)".to_string());
            record_system(&mut tx, system, Some(ws), event).await?;
        }
        tx.commit().await?;
        if let Some(key) = key {
            store.delete(&key).await?;
        }
        packs += 1;
    }
    let mut snapshots = 0;
    for (ws, tenant, id) in repo::select_expired_snapshots(db, now).await? {
        let scope = system.tenant(db, ws, tenant).await?;
        let mut tx = db.begin().await?;
        if repo::expire_snapshot(&mut tx, &scope, id).await? {
            let event = AuditEvent::new("evidence_snapshot.expire", "evidence_snapshot", id)
                .tenant(tenant)
                .summary("Evidence snapshot expired (retention)".to_string());
            record_system(&mut tx, system, Some(ws), event).await?;
            snapshots += 1;
        }
        tx.commit().await?;
    }
    Ok((packs, snapshots))
}
