//! Baselines, compare and the findings workflow end to end, on SQLite and PostgreSQL, against the
//! simulated Graph: capture → compare of an unchanged tenant (no drift) → drift provoked in the simulator
//! (changed setting, deleted policy, added policy, renamed copy) → findings with setting-level evidence
//! → assign → risk acceptance approved by a *different* member → the accepted setting changes again →
//! the next compare re-flags the finding. Plus: a type whose sync failed is a gap, never "missing"; an
//! incomplete snapshot is refused; concurrent claims have one winner; random sequences of workflow calls
//! never reach a status the state machine forbids.

mod common;

use app::{
    authz::{server::WorkspaceScope, Capability},
    baselines::{server::service as baselines, ProfileInput, SnapshotStatus},
    error::AppError,
    findings::{
        server::service as findings, DriftKind, FindingAction, FindingParams, FindingQuery, FindingStatus,
        TransitionRequest,
    },
    operations::RunOutcome,
};
use common::{
    member_scope, sim_control,
    world::{sim_world, SimWorld},
    Engine,
};
use serde_json::{json, Value};

async fn scope(w: &SimWorld, email: &str) -> WorkspaceScope {
    member_scope(w.db(), email, "contoso").await.unwrap()
}

fn item(w: &SimWorld, tid: &str, collection: &str, i: usize) -> Value {
    w.sim.sim.tenant(tid).unwrap().store.lock().unwrap().items(collection)[i].clone()
}

async fn drift(w: &SimWorld, tid: &str, body: Value) {
    sim_control(&w.sim, reqwest::Method::POST, &format!("/tenants/{tid}/drift"), body).await;
}

const CONFIGS: &str = "deviceManagement/deviceConfigurations";
const COMPLIANCE: &str = "deviceManagement/deviceCompliancePolicies";

/// A profile over device configurations and compliance policies captured from `tenant`, assigned to it.
async fn baseline(w: &SimWorld, tenant: i64) -> i64 {
    let owner = scope(w, "owner@contoso.example").await;
    let input =
        ProfileInput::parse(Some("Gold"), None, &["device_configuration".into(), "compliance_policy".into()]).unwrap();
    let profile = baselines::create_profile(w.db(), &owner, input).await.unwrap().id;
    baselines::capture(w.db(), &owner, profile, tenant).await.unwrap();
    w.drain().await;
    baselines::set_assigned(w.db(), &owner, profile, tenant, true).await.unwrap();
    profile
}

async fn compare(w: &SimWorld, profile: i64, tenant: i64) -> app::operations::OperationRunDto {
    let owner = scope(w, "owner@contoso.example").await;
    let started = baselines::start_compare(w.db(), &owner, profile, tenant, None).await.unwrap();
    w.drain().await;
    w.run(started.run.id).await
}

async fn open_findings(w: &SimWorld, tenant: i64) -> Vec<app::findings::FindingDto> {
    let owner = scope(w, "owner@contoso.example").await;
    let q = FindingQuery::parse(&FindingParams {
        tenant: Some(tenant),
        status: Some("all".into()),
        per_page: Some(200),
        ..Default::default()
    })
    .unwrap();
    findings::list(w.db(), &owner, &q).await.unwrap().items
}

fn count(run: &app::operations::OperationRunDto, key: &str) -> i64 {
    run.summary.get(key).copied().unwrap_or_default()
}

async fn drift_becomes_findings_and_accepted_risk_stays_watched(engine: Engine) {
    let Some(w) = sim_world(engine, 60).await else { return };
    let (retail, tid) = w.tenant("Contoso Retail").await;
    w.connected(retail).await;
    let profile = baseline(&w, retail).await;
    let owner = scope(&w, "owner@contoso.example").await;
    let detail = baselines::get_profile(w.db(), &owner, profile).await.unwrap();
    assert_eq!(detail.snapshots[0].status, SnapshotStatus::Complete);
    assert!(detail.snapshots[0].item_count > 0);

    // Unchanged tenant: no drift.
    let first = compare(&w, profile, retail).await;
    assert_eq!(first.outcome, RunOutcome::Succeeded, "{first:?}");
    assert_eq!(
        (count(&first, "drift_missing"), count(&first, "drift_different"), count(&first, "drift_unexpected")),
        (0, 0, 0)
    );

    // Drift: a changed setting, a deleted policy, an added one, and a renamed copy (same settings).
    let general = item(&w, &tid, CONFIGS, 0);
    let general_path = format!("{CONFIGS}/{}", general["id"].as_str().unwrap());
    drift(&w, &tid, json!({"op": "update", "path": general_path, "set": {"passwordMinimumLength": 4}})).await;
    let renamed = item(&w, &tid, CONFIGS, 2);
    drift(
        &w,
        &tid,
        json!({"op": "update", "path": format!("{CONFIGS}/{}", renamed["id"].as_str().unwrap()),
        "set": {"displayName": "Renamed copy"}}),
    )
    .await;
    let gone = item(&w, &tid, COMPLIANCE, 0);
    drift(&w, &tid, json!({"op": "delete", "path": format!("{COMPLIANCE}/{}", gone["id"].as_str().unwrap())})).await;
    drift(&w, &tid, json!({"op": "add", "collection": COMPLIANCE})).await;
    w.sync(retail).await;
    let second = compare(&w, profile, retail).await;
    let all = open_findings(&w, retail).await;
    let seen: Vec<_> = all.iter().map(|f| (f.drift_kind, f.subject_display_name.clone())).collect();
    assert_eq!(
        (count(&second, "drift_missing"), count(&second, "drift_different"), count(&second, "drift_unexpected")),
        (1, 1, 1),
        "{seen:?}"
    );
    assert_eq!(all.len(), 3);
    assert!(
        all.iter().all(|f| f.subject_display_name != "Renamed copy"),
        "a renamed copy with the same settings matches"
    );
    let different = all.iter().find(|f| f.drift_kind == DriftKind::Different).unwrap();
    assert_eq!(different.subject_display_name, general["displayName"].as_str().unwrap());
    let detail = findings::get(w.db(), &owner, different.id).await.unwrap();
    let setting = detail
        .evidence
        .settings
        .iter()
        .find(|s| s.key.contains("passwordMinimumLength"))
        .expect("evidence names the setting");
    assert_eq!(setting.tenant, Some(json!(4)));
    assert_eq!(setting.baseline, general.get("passwordMinimumLength").cloned());

    // Re-detection updates instead of duplicating.
    let third = compare(&w, profile, retail).await;
    assert_eq!(count(&third, "findings_created"), 0);
    assert_eq!(open_findings(&w, retail).await.len(), 3);

    // Assign, then risk acceptance: requested by the operator, refused to the operator (403) and to the
    // requester, approved by the manager.
    let operator = scope(&w, "operator@contoso.example").await;
    let manager = scope(&w, "manager@contoso.example").await;
    let op_id = operator.actor_id();
    findings::assign(w.db(), &owner, different.id, Some(op_id), Some(op_id)).await.unwrap();
    let triage = TransitionRequest::parse(Some("triage"), None, None).unwrap();
    findings::transition(w.db(), &operator, different.id, &triage).await.unwrap();
    let expiry = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%d").to_string();
    assert!(matches!(
        findings::request_exception(w.db(), &operator, different.id, Some("x"), Some("2020-01-01")).await,
        Err(AppError::Validation(_))
    ));
    let far = (chrono::Utc::now() + chrono::Duration::days(4000)).format("%Y-%m-%d").to_string();
    assert!(findings::request_exception(w.db(), &operator, different.id, Some("x"), Some(&far)).await.is_err());
    let x = findings::request_exception(w.db(), &operator, different.id, Some("Legacy devices"), Some(&expiry))
        .await
        .unwrap();
    assert_eq!(findings::decide_exception(w.db(), &operator, x.id, true, None).await.err(), Some(AppError::Forbidden));
    let by_manager = findings::request_exception(
        w.db(),
        &manager,
        all.iter().find(|f| f.drift_kind == DriftKind::Missing).unwrap().id,
        Some("m"),
        Some(&expiry),
    )
    .await
    .unwrap();
    assert_eq!(
        findings::decide_exception(w.db(), &manager, by_manager.id, true, None).await.err(),
        Some(AppError::Conflict("own_request".into()))
    );
    findings::decide_exception(w.db(), &manager, x.id, true, Some("ok")).await.unwrap();
    assert_eq!(
        findings::decide_exception(w.db(), &owner, x.id, true, None).await.err(),
        Some(AppError::Conflict("exception_decided".into()))
    );
    let accepted = findings::get(w.db(), &owner, different.id).await.unwrap();
    assert_eq!(accepted.finding.status, FindingStatus::RiskAccepted);
    assert!(accepted.finding.reflagged_at.is_none());
    // A terminal finding cannot get another request.
    assert_eq!(
        findings::request_exception(w.db(), &operator, different.id, Some("again"), Some(&expiry)).await.err(),
        Some(AppError::Conflict("finding_terminal".into()))
    );

    // Unchanged: stays quietly accepted. The accepted setting changes again: re-flagged, still accepted.
    compare(&w, profile, retail).await;
    assert!(findings::get(w.db(), &owner, different.id).await.unwrap().finding.reflagged_at.is_none());
    drift(&w, &tid, json!({"op": "update", "path": general_path, "set": {"passwordMinimumLength": 5}})).await;
    w.sync(retail).await;
    let flagged = compare(&w, profile, retail).await;
    assert_eq!(count(&flagged, "reflagged"), 1);
    let after = findings::get(w.db(), &owner, different.id).await.unwrap();
    assert_eq!(after.finding.status, FindingStatus::RiskAccepted);
    assert!(after.finding.reflagged_at.is_some());
    assert!(after.events.iter().any(|e| e.kind == "reflagged"));
    assert_eq!(w.app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'finding.reflag'").await, 1);
    assert_eq!(w.app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'finding_exception.approve'").await, 1);

    // Remediated in the tenant: the missing policy's finding stays (deleted), the unexpected one is
    // resolved when it disappears — verified by the compare.
    let unexpected = all.iter().find(|f| f.drift_kind == DriftKind::Unexpected).unwrap();
    let added = w.sim.sim.tenant(&tid).unwrap().store.lock().unwrap().items(COMPLIANCE).last().cloned().unwrap();
    drift(&w, &tid, json!({"op": "delete", "path": format!("{COMPLIANCE}/{}", added["id"].as_str().unwrap())})).await;
    w.sync(retail).await;
    let cleared = compare(&w, profile, retail).await;
    assert_eq!(count(&cleared, "findings_resolved"), 1);
    let resolved = findings::get(w.db(), &owner, unexpected.id).await.unwrap().finding;
    assert_eq!(resolved.status, FindingStatus::Resolved);
    assert!(resolved.verified_at.is_some());
    // It comes back: automatic reopen from resolved.
    drift(&w, &tid, json!({"op": "add", "collection": COMPLIANCE})).await;
    w.sync(retail).await;
    let back = compare(&w, profile, retail).await;
    assert!(count(&back, "findings_reopened") + count(&back, "findings_created") >= 1);
    w.app.cleanup().await;
}

async fn a_failed_type_is_a_gap_and_incomplete_snapshots_are_refused(engine: Engine) {
    let Some(w) = sim_world(engine, 60).await else { return };
    let (retail, tid) = w.tenant("Contoso Retail").await;
    w.connected(retail).await;
    let profile = baseline(&w, retail).await;
    let gone = item(&w, &tid, COMPLIANCE, 0);
    drift(&w, &tid, json!({"op": "delete", "path": format!("{COMPLIANCE}/{}", gone["id"].as_str().unwrap())})).await;
    sim_control(
        &w.sim,
        reqwest::Method::POST,
        &format!("/tenants/{tid}/faults"),
        json!({"route": "deviceCompliancePolicies", "type": "status", "status": 503}),
    )
    .await;
    w.sync(retail).await;
    let run = compare(&w, profile, retail).await;
    assert_eq!(run.outcome, RunOutcome::PartiallySucceeded, "{run:?}");
    assert_eq!(count(&run, "drift_missing"), 0, "a type that failed to sync is never called missing");
    assert_eq!(count(&run, "gaps"), 1);
    assert!(open_findings(&w, retail).await.is_empty());
    // A capture while the type fails is incomplete, names the gap, and is not used.
    let owner = scope(&w, "owner@contoso.example").await;
    baselines::capture(w.db(), &owner, profile, retail).await.unwrap();
    w.drain().await;
    let detail = baselines::get_profile(w.db(), &owner, profile).await.unwrap();
    let newest = &detail.snapshots[0];
    assert_eq!(newest.status, SnapshotStatus::Incomplete);
    assert_eq!(newest.gaps[0].policy_type, "compliance_policy");
    assert_eq!(
        baselines::start_compare(w.db(), &owner, profile, retail, Some(newest.id)).await.err(),
        Some(AppError::Conflict("snapshot_incomplete".into()))
    );
    // Recapture when healthy: the old complete one is superseded and refused by name.
    sim_control(&w.sim, reqwest::Method::DELETE, &format!("/tenants/{tid}/faults"), json!({})).await;
    w.sync(retail).await;
    let old = detail.snapshots.iter().find(|s| s.status == SnapshotStatus::Complete).unwrap().id;
    baselines::capture(w.db(), &owner, profile, retail).await.unwrap();
    w.drain().await;
    assert_eq!(
        baselines::start_compare(w.db(), &owner, profile, retail, Some(old)).await.err(),
        Some(AppError::Conflict("snapshot_superseded".into()))
    );
    w.app.cleanup().await;
}

async fn claims_race_and_random_workflows_stay_legal(engine: Engine) {
    let Some(w) = sim_world(engine, 60).await else { return };
    let (retail, tid) = w.tenant("Contoso Retail").await;
    w.connected(retail).await;
    let profile = baseline(&w, retail).await;
    // Several drifted policies to work on.
    for i in 0..4 {
        let c = item(&w, &tid, CONFIGS, i * 5);
        drift(
            &w,
            &tid,
            json!({"op": "update", "path": format!("{CONFIGS}/{}", c["id"].as_str().unwrap()),
            "set": {"description": format!("changed {i}")}}),
        )
        .await;
    }
    drift(&w, &tid, json!({"op": "add", "collection": COMPLIANCE})).await;
    drift(&w, &tid, json!({"op": "add", "collection": COMPLIANCE})).await;
    w.sync(retail).await;
    compare(&w, profile, retail).await;
    let all = open_findings(&w, retail).await;
    assert!(all.len() >= 2, "{all:?}");

    // Two members claim the same finding at once: exactly one wins.
    let operator = scope(&w, "operator@contoso.example").await;
    let manager = scope(&w, "manager@contoso.example").await;
    let target = all[0].id;
    let (a, b) = tokio::join!(findings::claim(w.db(), &operator, target), findings::claim(w.db(), &manager, target));
    assert_eq!(u8::from(a.is_ok()) + u8::from(b.is_ok()), 1, "{a:?} {b:?}");
    let loser = if a.is_ok() { b } else { a };
    assert_eq!(loser.err(), Some(AppError::Conflict("already_claimed".into())));
    // Readonly may not claim; a foreign workspace does not see it.
    let readonly = scope(&w, "readonly@contoso.example").await;
    assert_eq!(findings::claim(w.db(), &readonly, all[1].id).await.err(), Some(AppError::Forbidden));
    let fabrikam = member_scope(w.db(), "owner@fabrikam.example", "fabrikam").await.unwrap();
    assert_eq!(findings::get(w.db(), &fabrikam, target).await.err(), Some(AppError::NotFound));

    // Random sequences of transitions through the service: every accepted move is what the state
    // machine allows, every refused one is one it forbids, and the stored status follows the model.
    let owner = scope(&w, "owner@contoso.example").await;
    let moves = ["triage", "start", "resolve", "close", "reopen"];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for f in &all {
        let mut model = findings::get(w.db(), &owner, f.id).await.unwrap().finding.status;
        for _ in 0..12 {
            let m = moves[(next() % moves.len() as u64) as usize];
            let req = TransitionRequest::parse(Some(m), (m == "close").then_some("duplicate"), Some("note")).unwrap();
            let expected = model.apply(req.transition.action());
            let got = findings::transition(w.db(), &owner, f.id, &req).await;
            match (expected, got) {
                (Ok(to), Ok(dto)) => {
                    assert_eq!(dto.status, to);
                    model = to;
                }
                (Err(_), Err(AppError::Conflict(_))) => {}
                (e, g) => panic!("{m} from {model:?}: model {e:?}, service {g:?}"),
            }
        }
        assert_eq!(findings::get(w.db(), &owner, f.id).await.unwrap().finding.status, model);
        assert!(model.apply(FindingAction::Accept).is_err() || model.is_open());
    }
    assert!(owner.can(Capability::FindingsManage));
    w.app.cleanup().await;
}

on_both_engines!(
    drift_becomes_findings_and_accepted_risk_stays_watched,
    a_failed_type_is_a_gap_and_incomplete_snapshots_are_refused,
    claims_race_and_random_workflows_stay_legal,
);
