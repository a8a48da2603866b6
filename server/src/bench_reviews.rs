//! `tenantpilot bench-reviews` (hidden; `scripts/bench-reviews` runs it): the review figures of issue 16
//! on the database `DATABASE_URL` names.
//!
//! Fixture: the demo seed, Contoso filled up to `--tenants` active managed tenants (default 200), each with
//! persisted truth for every evidence dimension (inventory coverage, a healthy platform connection, an
//! assigned baseline and a completed compare) and a *published* review composed from a real evidence
//! snapshot (the `evidence` and `compose` code the runs use). Contoso Retail additionally holds
//! `--policies` policies (default 2,000) in its coverage and `--findings` findings (default 5,000) with
//! owners, a tenth of them risk-accepted.
//!
//! Measured: (1) review-pack generation for Contoso Retail (`generate::generate`: reading the review,
//! sections and snapshot, building, signing and storing the ZIP, recording it) over `--reps` packs;
//! (2) the Customer Review Workspace service call for the owner (every tenant) `--reps-workspace` times.
//! The HTTP part (the page and the API under wrk) is in the script. Prints `key=value` figures.

use std::time::Instant;

use chrono::{Duration, Utc};

use app::{
    auth::{
        server::{Actor, RequestMeta},
        Credentials,
    },
    authz::{server::SystemScope, Capability},
    db::Db,
    db_run,
    error::AppError,
    findings::{server::repo as findings, DriftKind, Severity},
    keys::Keys,
    reviews::{
        server::{compose, evidence, generate, repo, service, storage::LocalDirStore},
        PackRequest,
    },
};

type Res<T> = Result<T, String>;

fn err(e: AppError) -> String {
    format!("{e:?}")
}

fn sqlerr(e: sqlx::Error) -> String {
    e.to_string()
}

/// Median and p95 (nearest rank).
fn median_p95(v: &[f64]) -> (f64, f64) {
    if v.is_empty() {
        return (0.0, 0.0);
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = |p: f64| s[((p * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1];
    (rank(0.5), rank(0.95))
}

#[derive(Debug, Clone)]
pub struct BenchReviews {
    pub tenants: usize,
    pub policies: usize,
    pub findings: usize,
    pub reps: usize,
    pub reps_workspace: usize,
}

const TYPES: &[&str] = &[
    "settings_catalog",
    "device_configuration",
    "compliance_policy",
    "administrative_template",
    "conditional_access_policy",
    "app_protection_policy",
];

/// Persisted truth for every dimension of `tenant`: coverage of `policies`, a healthy connection, the
/// profile assigned and a completed compare.
async fn truth(db: &Db, ws: i64, tenant: i64, profile: i64, policies: usize) -> Res<()> {
    let now = Utc::now();
    for (i, ty) in TYPES.iter().enumerate() {
        let n = policies / TYPES.len() + usize::from(i < policies % TYPES.len());
        db_run!(db, p => sqlx::query(
            "INSERT INTO inventory_coverage (tenant_id, policy_type, status, item_count, synced_at, attempted_at) \
             VALUES ($1, $2, 'complete', $3, $4, $4)")
            .bind(tenant).bind(*ty).bind(n as i64).bind(now).execute(p).await.map(|_| ()))
        .map_err(sqlerr)?;
    }
    db_run!(db, p => sqlx::query(
        "INSERT INTO provider_connections (workspace_id, tenant_id, connection_type, consent_status, verification_status, \
         scopes_granted, last_health_check_at, created_at, updated_at) VALUES ($1, $2, 'platform', 'granted', 'healthy', \
         '[\"DeviceManagementConfiguration.Read.All\"]', $3, $3, $3) ON CONFLICT (tenant_id, provider) DO UPDATE SET \
         consent_status = 'granted', verification_status = 'healthy', last_health_check_at = $3")
        .bind(ws).bind(tenant).bind(now).execute(p).await.map(|_| ()))
    .map_err(sqlerr)?;
    db_run!(db, p => sqlx::query(
        "INSERT INTO baseline_assignments (profile_id, tenant_id, workspace_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING")
        .bind(profile).bind(tenant).bind(ws).bind(now).execute(p).await.map(|_| ()))
    .map_err(sqlerr)?;
    db_run!(db, p => sqlx::query(
        "INSERT INTO operation_runs (workspace_id, tenant_id, run_type, status, outcome, initiator_kind, idempotency_key, \
         created_at, started_at, completed_at) VALUES ($1, $2, 'compare.run', 'completed', 'succeeded', 'system', $3, $4, $4, $4)")
        .bind(ws).bind(tenant).bind(format!("bench-{tenant}")).bind(now).execute(p).await.map(|_| ()))
    .map_err(sqlerr)?;
    Ok(())
}

pub async fn run(db: &Db, keys: std::sync::Arc<Keys>, opts: BenchReviews) -> Res<()> {
    crate::seed::demo(db).await.map_err(err)?;
    let system = SystemScope::benchmark();
    let meta = RequestMeta { ip: "127.0.0.1".into(), user_agent: "bench-reviews".into() };
    let creds = Credentials { email: "owner@contoso.example".into(), password: crate::seed::DEMO_PASSWORD.into() };
    let owner = Actor::sign_in(db, &creds, &meta)
        .await
        .map_err(err)?
        .workspace(db, "contoso", Capability::WorkspaceView)
        .await
        .map_err(err)?;
    let ws = owner.workspace_id();
    let now = Utc::now();
    // Tenants up to `--tenants`, all active.
    let have: i64 = db_run!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM tenants WHERE workspace_id = $1").bind(ws).fetch_one(p).await)
        .map_err(sqlerr)?;
    for i in have as usize..opts.tenants {
        db_run!(db, p => sqlx::query(
            "INSERT INTO tenants (workspace_id, display_name, primary_domain, entra_tenant_id, lifecycle, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'active', $5, $5)")
            .bind(ws).bind(format!("Bench customer {i:03}")).bind(format!("bench{i:03}.example"))
            .bind(format!("9f000000-0000-4000-8000-{i:012}")).bind(now).execute(p).await.map(|_| ()))
        .map_err(sqlerr)?;
    }
    db_run!(db, p => sqlx::query("UPDATE tenants SET lifecycle = 'active' WHERE workspace_id = $1").bind(ws).execute(p).await.map(|_| ()))
        .map_err(sqlerr)?;
    let tenants: Vec<(i64, String)> = db_run!(db, p => sqlx::query_as(
        "SELECT id, display_name FROM tenants WHERE workspace_id = $1 ORDER BY id").bind(ws).fetch_all(p).await)
    .map_err(sqlerr)?;
    let retail = tenants.iter().find(|t| t.1 == "Contoso Retail").map(|t| t.0).ok_or("no Contoso Retail")?;
    let input =
        app::baselines::ProfileInput::parse(Some("Bench gold"), None, &["device_configuration".into()]).map_err(err)?;
    let profile = app::baselines::server::service::create_profile(db, &owner, input).await.map_err(err)?.id;
    // Contoso Retail's findings, with owners and accepted risks.
    let start = Instant::now();
    let scope = system.tenant(db, ws, retail).await.map_err(err)?;
    let run_id: i64 = db_run!(db, p => sqlx::query_scalar(
        "INSERT INTO operation_runs (workspace_id, tenant_id, run_type, status, outcome, initiator_kind, idempotency_key, \
         created_at, started_at, completed_at) VALUES ($1, $2, 'compare.run', 'completed', 'succeeded', 'system', 'bench-findings', $3, $3, $3) RETURNING id")
        .bind(ws).bind(retail).bind(now).fetch_one(p).await)
    .map_err(sqlerr)?;
    let evidence_json = serde_json::json!({ "profile_name": "Bench gold", "settings": [] }).to_string();
    let severities = [Severity::Low, Severity::Medium, Severity::High, Severity::Critical];
    let kinds = [DriftKind::Missing, DriftKind::Different, DriftKind::Unexpected];
    for chunk in (0..opts.findings).collect::<Vec<_>>().chunks(500) {
        let mut tx = db.begin().await.map_err(err)?;
        for &i in chunk {
            let name = format!("Bench policy {i:05}");
            let fp = format!("bench-{i}");
            let new = findings::NewFinding {
                profile_id: profile,
                subject_display_name: &name,
                policy_type: TYPES[i % TYPES.len()],
                drift_kind: kinds[i % kinds.len()],
                severity: severities[i % severities.len()],
                fingerprint: &fp,
                evidence: &evidence_json,
                evidence_hash: "h",
                sla_days: 14,
                run_id,
            };
            let id = findings::insert_finding(&mut tx, &scope, &new, now).await.map_err(err)?;
            if i % 10 == 0 {
                let x = findings::insert_exception(
                    &mut tx,
                    &scope,
                    id,
                    owner.actor_id(),
                    "Accepted for the bench by adele.vance@contoso.example",
                    now + Duration::days(10 + (i % 200) as i64),
                    None,
                    now,
                )
                .await
                .map_err(err)?;
                db_run!(&mut tx, p => sqlx::query("UPDATE finding_exceptions SET status = 'active', decided_by_user_id = $1, decided_at = $2 WHERE id = $3")
                    .bind(owner.actor_id()).bind(now).bind(x).execute(p).await.map(|_| ()))
                .map_err(sqlerr)?;
                db_run!(&mut tx, p => sqlx::query("UPDATE findings SET status = 'risk_accepted' WHERE id = $1").bind(id).execute(p).await.map(|_| ()))
                    .map_err(sqlerr)?;
            }
        }
        tx.commit().await.map_err(err)?;
    }
    db_run!(db, p => sqlx::query("UPDATE findings SET owner_user_id = $1, assignee_user_id = $1 WHERE tenant_id = $2")
        .bind(owner.actor_id()).bind(retail).execute(p).await.map(|_| ()))
    .map_err(sqlerr)?;
    println!("fixture_findings={}", opts.findings);
    println!("fixture_findings_s={:.1}", start.elapsed().as_secs_f64());
    // Every tenant: persisted truth, a snapshot, a composed and published review.
    let start = Instant::now();
    let mut retail_review = 0;
    for (tenant, _) in &tenants {
        truth(db, ws, *tenant, profile, if *tenant == retail { opts.policies } else { 40 }).await?;
        let scope = system.tenant(db, ws, *tenant).await.map_err(err)?;
        let g = evidence::generate(db, &scope, None, None, &system).await.map_err(err)?;
        let snapshot = repo::select_snapshot(db, &scope, g.snapshot_id).await.map_err(err)?.ok_or("no snapshot")?;
        let mut tx = db.begin().await.map_err(err)?;
        let review = repo::insert_review(
            &mut tx,
            &scope,
            g.snapshot_id,
            snapshot.fingerprint.as_deref().unwrap_or(""),
            None,
            Utc::now(),
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        compose::compose(db, &scope, review, &system).await.map_err(err)?;
        service::publish_review(db, &owner, review).await.map_err(err)?;
        if *tenant == retail {
            retail_review = review;
        }
    }
    println!("fixture_tenants={}", tenants.len());
    println!("fixture_reviews_s={:.1}", start.elapsed().as_secs_f64());
    // (1) Pack generation for Contoso Retail.
    let store = LocalDirStore::temporary();
    let scope = system.tenant(db, ws, retail).await.map_err(err)?;
    let review = repo::select_review(db, &scope, retail_review).await.map_err(err)?.ok_or("no review")?;
    let mut times = Vec::new();
    let mut size = 0;
    for rep in 0..opts.reps {
        let req = PackRequest::parse(Some(if rep % 2 == 0 { "en" } else { "de" }), false).map_err(err)?;
        let fp = service::pack_fingerprint(review.id, &format!("bench-{rep}"), &req);
        let mut tx = db.begin().await.map_err(err)?;
        let id = repo::insert_pack(
            &mut tx,
            &scope,
            review.id,
            review.snapshot_id,
            None,
            &req.language,
            false,
            &fp,
            Utc::now(),
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        let t = Instant::now();
        generate::generate(db, &scope, id, &keys, store.as_ref(), &system).await.map_err(err)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        size = repo::select_pack(db, &scope, id).await.map_err(err)?.and_then(|p| p.file_size).unwrap_or(0);
    }
    let (m, p) = median_p95(&times);
    println!("pack_reps={}", opts.reps);
    println!("pack_median_ms={m:.1}");
    println!("pack_p95_ms={p:.1}");
    println!("pack_bytes={size}");
    // (2) The Customer Review Workspace for the owner (every tenant).
    let mut times = Vec::new();
    let mut cards = 0;
    let page = app::paging::PageRequest::parse(None, Some(i64::from(app::reviews::WORKSPACE_PER_PAGE))).map_err(err)?;
    for _ in 0..opts.reps_workspace {
        let t = Instant::now();
        let w = service::customer_workspace(db, &owner, None, page).await.map_err(err)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        cards = w.cards.len();
    }
    let (m, p) = median_p95(&times);
    println!("workspace_cards={cards}");
    println!("workspace_tenants={}", tenants.len());
    println!("workspace_service_median_ms={m:.2}");
    println!("workspace_service_p95_ms={p:.2}");
    Ok(())
}
