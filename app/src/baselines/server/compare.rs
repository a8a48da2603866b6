//! The compare: a tenant's current inventory against a profile's active snapshot, turned into findings.
//! [`diff_sides`] is the pure engine (benchmarked on its own); [`run`] is the `compare.run` handler that
//! loads both sides, applies the result to the findings (create, update, re-open, verify, re-flag) and
//! audits every finding change in the same transaction as the change.
//!
//! Matching, per policy type (docs/governance.md):
//! 1. by settings: a tenant policy with the same settings hash as a baseline policy is that policy, whatever
//!    its name (a renamed copy matches); among several, the one with the same name wins;
//! 2. by name (case-insensitive) among the rest: exactly one tenant policy → `different`, with the
//!    differing settings as evidence; several → an evidence gap (`ambiguous`), never a guess;
//! 3. baseline policies left are `missing`; tenant policies left are `unexpected`.
//!
//! A type the tenant's last sync did not fetch completely yields a gap (`not_synced` / `sync_failed`) and
//! no finding; open findings of that type are left as they are.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use chrono::Utc;
use serde_json::{json, Value};

use super::repo;
use crate::{
    audit::server::{record_system, AuditEvent},
    authz::server::{SystemScope, TenantBound},
    baselines::{CompareResult, Gap, SnapshotStatus},
    findings::{
        server::{repo as findings, service as workflow},
        DriftKind, Evidence, FindingAction, FindingStatus, SettingDrift, Severity,
    },
    inventory::server::normalize::{canonical_json, sha256_hex},
    operations::{
        server::worker::{Done, RunContext, Stop},
        FailureSummary, Reason, RunOutcome, RunReason, SummaryCounts,
    },
};

/// One side's policy, reduced to what matching needs.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Tenant policy id (0 for a baseline item).
    pub id: i64,
    pub policy_type: String,
    pub display_name: String,
    pub settings_hash: String,
    pub settings: BTreeMap<String, Value>,
}

impl Subject {
    /// A subject from a normalized snapshot: its readable settings and their hash.
    pub fn from_snapshot(id: i64, policy_type: &str, display_name: &str, snapshot: &Value) -> Self {
        let settings = crate::inventory::settings::settings_map(policy_type, snapshot);
        Self {
            id,
            policy_type: policy_type.to_string(),
            display_name: display_name.to_string(),
            settings_hash: settings_hash(&settings),
            settings,
        }
    }
}

/// The hash of a settings map (name-agnostic identity of a policy's content).
pub fn settings_hash(settings: &BTreeMap<String, Value>) -> String {
    sha256_hex(canonical_json(&serde_json::to_value(settings).unwrap_or(Value::Null)))
}

fn norm(name: &str) -> String {
    name.trim().to_lowercase()
}

/// What the engine found for one subject.
#[derive(Debug, Clone)]
pub struct Drift {
    pub kind: DriftKind,
    pub policy_type: String,
    /// Baseline index (missing, different) and tenant index (different, unexpected).
    pub baseline: Option<usize>,
    pub tenant: Option<usize>,
    /// Stable per (profile, type, subject): re-detection updates the same finding.
    pub subject_key: String,
    pub settings: Vec<SettingDrift>,
}

/// The engine's answer.
#[derive(Debug, Clone, Default)]
pub struct Sides {
    pub drifts: Vec<Drift>,
    pub gaps: Vec<Gap>,
    pub matched: i64,
    /// Types that were compared (findings of other types are left alone).
    pub covered: HashSet<String>,
}

/// The settings that differ, by key (sorted).
pub fn setting_drift(baseline: &BTreeMap<String, Value>, tenant: &BTreeMap<String, Value>) -> Vec<SettingDrift> {
    let mut out = Vec::new();
    for (k, b) in baseline {
        match tenant.get(k) {
            Some(t) if t == b => {}
            t => out.push(SettingDrift {
                key: k.clone(),
                label: k.clone(),
                baseline: Some(b.clone()),
                tenant: t.cloned(),
            }),
        }
    }
    for (k, t) in tenant {
        if !baseline.contains_key(k) {
            out.push(SettingDrift { key: k.clone(), label: k.clone(), baseline: None, tenant: Some(t.clone()) });
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// Compares `baseline` with `tenant` for `types`; `coverage` says per type why it cannot be proven
/// (`Some(reason)`) — such types give a gap and no drift.
pub fn diff_sides(
    types: &[String],
    coverage: impl Fn(&str) -> Option<String>,
    baseline: &[Subject],
    tenant: &[Subject],
) -> Sides {
    let mut out = Sides::default();
    for ty in types {
        if let Some(reason) = coverage(ty) {
            out.gaps.push(Gap { policy_type: ty.clone(), reason, subject: None });
            continue;
        }
        out.covered.insert(ty.clone());
        let b: Vec<usize> = (0..baseline.len()).filter(|i| &baseline[*i].policy_type == ty).collect();
        let t: Vec<usize> = (0..tenant.len()).filter(|i| &tenant[*i].policy_type == ty).collect();
        let mut used = vec![false; tenant.len()];
        let mut left_b = Vec::new();
        // Subject keys: the baseline name, numbered when a name repeats within the type.
        let mut seen_names: HashMap<String, usize> = HashMap::new();
        let key_of = |i: usize, seen: &mut HashMap<String, usize>| {
            let n = norm(&baseline[i].display_name);
            let c = seen.entry(n.clone()).or_default();
            *c += 1;
            if *c == 1 {
                format!("baseline:{n}")
            } else {
                format!("baseline:{n}#{c}")
            }
        };
        let keys: HashMap<usize, String> = b.iter().map(|i| (*i, key_of(*i, &mut seen_names))).collect();
        let mut by_hash: HashMap<&str, Vec<usize>> = HashMap::new();
        for i in &t {
            by_hash.entry(tenant[*i].settings_hash.as_str()).or_default().push(*i);
        }
        // 1. by settings: first same settings and same name for every baseline policy, then same settings
        // alone — so a baseline policy whose own copy drifted never takes the copy of another policy that
        // happens to share its settings.
        let mut unmatched = Vec::new();
        for i in &b {
            let same_name = by_hash.get(baseline[*i].settings_hash.as_str()).and_then(|c| {
                c.iter()
                    .copied()
                    .find(|j| !used[*j] && norm(&tenant[*j].display_name) == norm(&baseline[*i].display_name))
            });
            match same_name {
                Some(j) => {
                    used[j] = true;
                    out.matched += 1;
                }
                None => unmatched.push(*i),
            }
        }
        for i in unmatched {
            let renamed =
                by_hash.get(baseline[i].settings_hash.as_str()).and_then(|c| c.iter().copied().find(|j| !used[*j]));
            match renamed {
                Some(j) => {
                    used[j] = true;
                    out.matched += 1;
                }
                None => left_b.push(i),
            }
        }
        // 2. by name
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for j in t.iter().copied().filter(|j| !used[*j]) {
            by_name.entry(norm(&tenant[j].display_name)).or_default().push(j);
        }
        for i in left_b {
            let subject_key = keys[&i].clone();
            match by_name
                .get(&norm(&baseline[i].display_name))
                .map(|c| c.iter().copied().filter(|j| !used[*j]).collect::<Vec<_>>())
            {
                Some(c) if c.len() == 1 => {
                    let j = c[0];
                    used[j] = true;
                    out.drifts.push(Drift {
                        kind: DriftKind::Different,
                        policy_type: ty.clone(),
                        baseline: Some(i),
                        tenant: Some(j),
                        subject_key,
                        settings: setting_drift(&baseline[i].settings, &tenant[j].settings),
                    });
                }
                Some(c) if c.len() > 1 => {
                    for j in c {
                        used[j] = true;
                    }
                    out.gaps.push(Gap {
                        policy_type: ty.clone(),
                        reason: "ambiguous".into(),
                        subject: Some(baseline[i].display_name.clone()),
                    });
                }
                _ => out.drifts.push(Drift {
                    kind: DriftKind::Missing,
                    policy_type: ty.clone(),
                    baseline: Some(i),
                    tenant: None,
                    subject_key,
                    settings: Vec::new(),
                }),
            }
        }
        // 3. unexpected
        for j in t.into_iter().filter(|j| !used[*j]) {
            out.drifts.push(Drift {
                kind: DriftKind::Unexpected,
                policy_type: ty.clone(),
                baseline: None,
                tenant: Some(j),
                subject_key: format!("tenant:{}", tenant[j].id),
                settings: Vec::new(),
            });
        }
    }
    out
}

/// Default severity: missing high, different medium, unexpected low; conditional access one step higher.
pub fn severity(kind: DriftKind, policy_type: &str) -> Severity {
    let base = match kind {
        DriftKind::Missing => Severity::High,
        DriftKind::Different => Severity::Medium,
        DriftKind::Unexpected => Severity::Low,
    };
    if policy_type == "conditional_access_policy" {
        match base {
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            _ => Severity::Critical,
        }
    } else {
        base
    }
}

/// The finding fingerprint of a subject of a profile.
pub fn fingerprint(profile_id: i64, policy_type: &str, subject_key: &str) -> String {
    sha256_hex(format!("drift|{profile_id}|{policy_type}|{subject_key}"))
}

fn failed(message: &str) -> Stop {
    Stop::Failed(FailureSummary::new(Reason::Run(RunReason::BaselineUnusable), message))
}

fn store_failed(e: crate::error::AppError) -> Stop {
    tracing::warn!(error = %e, "baseline compare storage failed");
    Stop::Failed(FailureSummary::new(Reason::Run(RunReason::HandlerError), "storing the compare failed"))
}

/// Why each type of the tenant cannot be proven, from its inventory coverage.
pub fn coverage_gap(coverage: &HashMap<String, (String, Option<String>)>, ty: &str) -> Option<String> {
    match coverage.get(ty) {
        None => Some("not_synced".into()),
        Some((status, _)) if status == "complete" => None,
        Some(_) => Some("sync_failed".into()),
    }
}

/// The `compare.run` handler: context `{profile_id, snapshot_id?}`.
pub async fn run(ctx: RunContext) -> Result<Done, Stop> {
    let db = ctx.db.clone();
    let scope = ctx.tenant_scope().ok_or_else(|| failed("the run names no tenant"))?;
    let profile_id =
        ctx.claimed.run.context.get("profile_id").and_then(Value::as_i64).ok_or_else(|| failed("no profile"))?;
    let wanted_snapshot = ctx.claimed.run.context.get("snapshot_id").and_then(Value::as_i64);
    let result = compare_tenant(&db, &scope, ctx.run_id(), profile_id, wanted_snapshot).await?;
    ctx.set_context("baseline_compare", serde_json::to_value(&result).unwrap_or(Value::Null)).await?;
    let summary = SummaryCounts::from([
        ("subjects".to_string(), result.subjects_total),
        ("matched".to_string(), result.matched),
        ("drift_missing".to_string(), result.missing),
        ("drift_different".to_string(), result.different),
        ("drift_unexpected".to_string(), result.unexpected),
        ("findings_created".to_string(), result.findings_created),
        ("findings_resolved".to_string(), result.findings_resolved),
        ("findings_reopened".to_string(), result.findings_reopened),
        ("reflagged".to_string(), result.reflagged),
        ("gaps".to_string(), result.gaps.len() as i64),
    ]);
    let outcome = if result.gaps.is_empty() { RunOutcome::Succeeded } else { RunOutcome::PartiallySucceeded };
    Ok(Done { outcome, summary, failure: None })
}

/// Loads both sides, compares and applies the result. Public for the benchmark and tests: the handler passes
/// the claimed run's scope, `tenantpilot bench-governance` a system scope of its own tenant.
pub async fn compare_tenant(
    db: &crate::db::Db,
    scope: &impl TenantBound,
    run_id: i64,
    profile_id: i64,
    wanted_snapshot: Option<i64>,
) -> Result<CompareResult, Stop> {
    let loading = Instant::now();
    let profile = repo::select_profile(db, scope, profile_id)
        .await
        .map_err(store_failed)?
        .ok_or_else(|| failed("the profile no longer exists"))?;
    if !repo::is_assigned(db, scope, profile_id).await.map_err(store_failed)? {
        return Err(failed("the environment is not assigned to the profile"));
    }
    let snapshot_id =
        wanted_snapshot.or(profile.active_snapshot_id).ok_or_else(|| failed("the profile has no snapshot"))?;
    let snapshot = repo::select_snapshot(db, scope, snapshot_id)
        .await
        .map_err(store_failed)?
        .ok_or_else(|| failed("the snapshot does not exist"))?;
    if snapshot.profile_id != profile_id
        || snapshot.status() != SnapshotStatus::Complete
        || profile.active_snapshot_id != Some(snapshot_id)
    {
        return Err(failed("the snapshot is incomplete or superseded"));
    }
    let types = profile.types();
    let items = repo::select_items(db, scope, snapshot_id).await.map_err(store_failed)?;
    let baseline: Vec<Subject> = items
        .iter()
        .map(|i| Subject {
            id: 0,
            policy_type: i.policy_type.clone(),
            display_name: i.display_name.clone(),
            settings_hash: i.settings_hash.clone(),
            settings: serde_json::from_str(&i.settings).unwrap_or_default(),
        })
        .collect();
    let coverage = repo::select_coverage(db, scope).await.map_err(store_failed)?;
    let policies = repo::select_tenant_policies(db, scope, &types).await.map_err(store_failed)?;
    let load_micros = loading.elapsed().as_micros() as i64;
    let comparing = Instant::now();
    let tenant: Vec<Subject> = policies
        .iter()
        .map(|p| {
            Subject::from_snapshot(
                p.id,
                &p.policy_type,
                &p.display_name,
                &serde_json::from_str(&p.snapshot).unwrap_or(Value::Null),
            )
        })
        .collect();
    let sides = diff_sides(&types, |t| coverage_gap(&coverage, t), &baseline, &tenant);
    let compare_micros = comparing.elapsed().as_micros() as i64;
    let mut result = CompareResult {
        profile_id,
        snapshot_id,
        subjects_total: baseline.len() as i64,
        matched: sides.matched,
        gaps: sides.gaps.clone(),
        load_micros,
        compare_micros,
        ..Default::default()
    };
    for d in &sides.drifts {
        match d.kind {
            DriftKind::Missing => result.missing += 1,
            DriftKind::Different => result.different += 1,
            DriftKind::Unexpected => result.unexpected += 1,
        }
    }
    apply(db, scope, run_id, &profile, snapshot_id, &sides, &baseline, &tenant, &mut result)
        .await
        .map_err(store_failed)?;
    Ok(result)
}

/// Writes the compare's findings in one transaction with their events and audit entries.
#[allow(clippy::too_many_arguments)]
async fn apply(
    db: &crate::db::Db,
    scope: &impl TenantBound,
    run_id: i64,
    profile: &repo::ProfileRow,
    snapshot_id: i64,
    sides: &Sides,
    baseline: &[Subject],
    tenant: &[Subject],
    result: &mut CompareResult,
) -> Result<(), crate::error::AppError> {
    let system = SystemScope::for_job("baseline compare");
    let now = Utc::now();
    let settings = findings::select_settings(db, scope).await?;
    let mut tx = db.begin().await?;
    let existing = findings::select_of_profile(&mut tx, scope, profile.id).await?;
    let mut by_fp: HashMap<String, findings::FindingRow> =
        existing.into_iter().map(|f| (f.fingerprint.clone(), f)).collect();
    let ambiguous: HashSet<(String, String)> = sides
        .gaps
        .iter()
        .filter_map(|g| g.subject.as_ref().map(|s| (g.policy_type.clone(), format!("baseline:{}", norm(s)))))
        .collect();
    let audit = |action: &'static str, id: i64, summary: String, meta: Value| {
        AuditEvent::new(action, "finding", id).tenant(scope.bound_tenant_id()).summary(summary).metadata(meta)
    };
    for d in &sides.drifts {
        let fp = fingerprint(profile.id, &d.policy_type, &d.subject_key);
        let name = match (d.baseline, d.tenant) {
            (Some(i), _) => baseline[i].display_name.clone(),
            (None, Some(j)) => tenant[j].display_name.clone(),
            _ => continue,
        };
        let evidence = Evidence {
            profile_name: profile.name.clone(),
            snapshot_id: Some(snapshot_id),
            run_id: Some(run_id),
            baseline_name: d.baseline.map(|i| baseline[i].display_name.clone()),
            tenant_policy_id: d.tenant.map(|j| tenant[j].id),
            tenant_policy_name: d.tenant.map(|j| tenant[j].display_name.clone()),
            matched_by: (d.kind == DriftKind::Different).then(|| "name".to_string()),
            settings: d.settings.clone(),
        };
        let evidence_text = serde_json::to_string(&evidence).unwrap_or_default();
        let evidence_hash = sha256_hex(canonical_json(&json!({ "kind": d.kind.id(), "settings": d.settings,
            "tenant": d.tenant.map(|j| tenant[j].settings_hash.clone()) })));
        let sev = severity(d.kind, &d.policy_type);
        match by_fp.remove(&fp) {
            None => {
                let sla = settings.sla_days(sev);
                let new = findings::NewFinding {
                    profile_id: profile.id,
                    subject_display_name: &name,
                    policy_type: &d.policy_type,
                    drift_kind: d.kind,
                    severity: sev,
                    fingerprint: &fp,
                    evidence: &evidence_text,
                    evidence_hash: &evidence_hash,
                    sla_days: sla,
                    run_id,
                };
                let id = findings::insert_finding(&mut tx, scope, &new, now).await?;
                findings::insert_event(
                    &mut tx,
                    scope,
                    id,
                    "detected",
                    None,
                    None,
                    Some(FindingStatus::New),
                    &json!({ "run_id": run_id }),
                    now,
                )
                .await?;
                record_system(&mut tx, &system, Some(scope.bound_workspace_id()), audit("finding.detect", id, format!("Drift detected: {name}"),
                    json!({ "run_id": run_id, "drift_kind": d.kind.id(), "severity": sev.id(), "profile_id": profile.id }))).await?;
                result.findings_created += 1;
            }
            Some(f) => {
                let status = f.status()?;
                let reopen = status == FindingStatus::Resolved;
                let due = reopen.then(|| (f.sla_days, now + chrono::Duration::days(f.sla_days)));
                findings::touch_detected(
                    &mut tx,
                    scope,
                    f.id,
                    &name,
                    d.kind,
                    &evidence_text,
                    &evidence_hash,
                    run_id,
                    due,
                    now,
                )
                .await?;
                if reopen {
                    workflow::transition_in(
                        &mut tx,
                        scope,
                        f.id,
                        FindingAction::Redetect,
                        None,
                        None,
                        json!({ "run_id": run_id }),
                        now,
                    )
                    .await?;
                    record_system(
                        &mut tx,
                        &system,
                        Some(scope.bound_workspace_id()),
                        audit(
                            "finding.reopen",
                            f.id,
                            format!("Drift seen again: {name}"),
                            json!({ "run_id": run_id, "from": status.id(), "to": "reopened", "automatic": true }),
                        ),
                    )
                    .await?;
                    result.findings_reopened += 1;
                } else {
                    result.findings_updated += 1;
                }
                let accepted_changed = status == FindingStatus::RiskAccepted
                    && f.reflagged_at.is_none()
                    && f.accepted_evidence_hash.as_deref().is_some_and(|h| h != evidence_hash);
                if accepted_changed {
                    findings::set_reflagged(&mut tx, scope, f.id, now).await?;
                    findings::insert_event(
                        &mut tx,
                        scope,
                        f.id,
                        "reflagged",
                        None,
                        None,
                        None,
                        &json!({ "run_id": run_id }),
                        now,
                    )
                    .await?;
                    record_system(
                        &mut tx,
                        &system,
                        Some(scope.bound_workspace_id()),
                        audit(
                            "finding.reflag",
                            f.id,
                            format!("Accepted drift changed again: {name}"),
                            json!({ "run_id": run_id }),
                        ),
                    )
                    .await?;
                    result.reflagged += 1;
                }
            }
        }
    }
    // Not seen again: open findings of compared types are cleared (verified), manual resolutions verified.
    for f in by_fp.into_values() {
        if !sides.covered.contains(&f.policy_type) {
            continue;
        }
        let status = f.status()?;
        if status.is_open() {
            let subject = ambiguous.iter().any(|(t, _)| *t == f.policy_type);
            if subject && f.drift_kind != DriftKind::Unexpected.id() {
                // An ambiguous subject of this type: not proven cleared.
                continue;
            }
            workflow::transition_in(
                &mut tx,
                scope,
                f.id,
                FindingAction::Clear,
                None,
                None,
                json!({ "run_id": run_id }),
                now,
            )
            .await?;
            workflow::withdraw_pending(&mut tx, scope, f.id, None, now).await?;
            record_system(
                &mut tx,
                &system,
                Some(scope.bound_workspace_id()),
                audit(
                    "finding.resolve",
                    f.id,
                    format!("Drift cleared: {}", f.subject_display_name),
                    json!({ "run_id": run_id, "from": status.id(), "to": "resolved", "reason": "verified_cleared" }),
                ),
            )
            .await?;
            result.findings_resolved += 1;
        } else if status == FindingStatus::Resolved && f.verified_at.is_none() {
            findings::set_verified(&mut tx, scope, f.id, now).await?;
            findings::insert_event(
                &mut tx,
                scope,
                f.id,
                "verified",
                None,
                None,
                None,
                &json!({ "run_id": run_id }),
                now,
            )
            .await?;
            record_system(
                &mut tx,
                &system,
                Some(scope.bound_workspace_id()),
                audit(
                    "finding.verify",
                    f.id,
                    format!("Resolution verified: {}", f.subject_display_name),
                    json!({ "run_id": run_id }),
                ),
            )
            .await?;
            result.findings_resolved += 1;
        }
    }
    let _ = scope.bound_tenant_id();
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(id: i64, ty: &str, name: &str, settings: &[(&str, Value)]) -> Subject {
        let settings: BTreeMap<String, Value> = settings.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        Subject {
            id,
            policy_type: ty.into(),
            display_name: name.into(),
            settings_hash: settings_hash(&settings),
            settings,
        }
    }

    const T: &str = "settings_catalog";

    #[test]
    fn renamed_copy_matches_by_settings() {
        let b = [subject(0, T, "Defender", &[("a", json!(1))])];
        let t = [subject(7, T, "Defender (copy)", &[("a", json!(1))])];
        let s = diff_sides(&[T.into()], |_| None, &b, &t);
        assert_eq!(s.matched, 1);
        assert!(s.drifts.is_empty());
    }

    #[test]
    fn a_drifted_policy_does_not_lose_its_twin_to_a_shared_settings_hash() {
        // "A" and "B" have the same settings in the baseline; the tenant's "A" drifted. "A" must not take the
        // tenant's "B" (same settings) and leave "B" missing: "B" matches, "A" is different.
        let b = [subject(0, T, "A", &[("a", json!(1))]), subject(1, T, "B", &[("a", json!(1))])];
        let t = [subject(7, T, "A", &[("a", json!(4))]), subject(8, T, "B", &[("a", json!(1))])];
        let s = diff_sides(&[T.into()], |_| None, &b, &t);
        assert_eq!(s.matched, 1);
        assert_eq!(s.drifts.len(), 1, "{:?}", s.drifts.iter().map(|d| d.kind).collect::<Vec<_>>());
        assert_eq!(s.drifts[0].kind, DriftKind::Different);
        assert_eq!(s.drifts[0].baseline, Some(0));
    }

    #[test]
    fn same_name_different_settings_is_different_with_evidence() {
        let b = [subject(0, T, "Defender", &[("a", json!(1)), ("b", json!(2))])];
        let t = [subject(7, T, "defender", &[("a", json!(0)), ("b", json!(2)), ("c", json!(true))])];
        let s = diff_sides(&[T.into()], |_| None, &b, &t);
        assert_eq!(s.drifts.len(), 1);
        let d = &s.drifts[0];
        assert_eq!(d.kind, DriftKind::Different);
        assert_eq!(d.settings.len(), 2);
        assert_eq!(d.settings[0].key, "a");
        assert_eq!(d.settings[0].baseline, Some(json!(1)));
        assert_eq!(d.settings[0].tenant, Some(json!(0)));
        assert_eq!(d.settings[1].key, "c");
        assert_eq!(d.settings[1].baseline, None);
    }

    #[test]
    fn unsynced_type_is_a_gap_not_missing() {
        let b = [subject(0, T, "Defender", &[("a", json!(1))])];
        let s = diff_sides(&[T.into()], |_| Some("sync_failed".into()), &b, &[]);
        assert!(s.drifts.is_empty());
        assert_eq!(s.gaps, vec![Gap { policy_type: T.into(), reason: "sync_failed".into(), subject: None }]);
    }

    #[test]
    fn missing_unexpected_and_ambiguous() {
        let b = [subject(0, T, "Gone", &[("a", json!(1))]), subject(0, T, "Twice", &[("x", json!(1))])];
        let t = [
            subject(1, T, "Extra", &[("z", json!(1))]),
            subject(2, T, "Twice", &[("x", json!(2))]),
            subject(3, T, "Twice", &[("x", json!(3))]),
        ];
        let s = diff_sides(&[T.into()], |_| None, &b, &t);
        let kinds: Vec<_> = s.drifts.iter().map(|d| (d.kind, d.subject_key.clone())).collect();
        assert_eq!(
            kinds,
            vec![(DriftKind::Missing, "baseline:gone".into()), (DriftKind::Unexpected, "tenant:1".into())]
        );
        assert_eq!(s.gaps.len(), 1);
        assert_eq!(s.gaps[0].reason, "ambiguous");
    }
}
