//! `tenantpilot bench-governance` (hidden; `scripts/bench-governance` runs it): the governance figures of
//! issue 13 on the database `DATABASE_URL` names, with the simulated Graph started in this process.
//!
//! 1. **One tenant, `--policies` policies** (default 2,000) in Contoso: synced from the simulator, a
//!    baseline of every governed type captured from it (the real `baseline.capture` run), then drift made
//!    in the simulator as a portal admin would (settings changed, policies deleted, policies added) and the
//!    tenant synced again. The first compare runs through the worker (`compare.run`, creating the
//!    findings); then `--reps` compares call [`compare::compare_tenant`] directly and are timed in three
//!    parts: loading both sides (profile, snapshot items, coverage, the tenant's policies with their latest
//!    versions), the compare work (reading the tenant's settings, [`compare::diff_sides`]) and writing the
//!    findings (one transaction with events and audit entries). Median and p95 of each.
//! 2. **"Compare all assigned"**: `--fleet-tenants` tenants (default 200) built from one template of
//!    `--fleet-policies` policies (default 75) with a little drift each, synced, a baseline captured from
//!    the first and assigned to all; then `baselines::service::compare_all` as the owner, executed by
//!    `--workers` workers (the server's default, 2): wall time from the call until every run completed,
//!    and each run's own time (claim to completion).
//! 3. **Findings fixture** for the HTTP part of the script: Contoso filled up to `--findings` findings
//!    (default 100,000) across its tenants through the findings repository (insert, people, lifecycle: the
//!    workflow's own writes, without the per-finding audit the service adds), statuses, severities, due
//!    dates and assignees (owner, manager, operator) mixed like a busy MSP; then `VACUUM ANALYZE` on
//!    PostgreSQL, as autovacuum would.
//!
//! Prints `key=value` figures (parsed by `scripts/bench-governance`).

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use serde_json::{json, Map, Value};

use app::{
    auth::{
        server::{Actor, RequestMeta},
        Credentials,
    },
    authz::{
        server::{SystemScope, WorkspaceScope},
        Capability,
    },
    baselines::{
        server::{compare, repo as baseline_repo, service as baselines},
        ProfileInput, GOVERNED_TYPES,
    },
    connections::{server::repo as connections, ConnectionType},
    db::Db,
    db_run,
    error::AppError,
    findings::{
        server::repo as findings, DriftKind, Evidence, FindingStatus, GovernanceSettings, SettingDrift, Severity,
    },
    keys::Keys,
    operations::{
        server::worker::{self, spawn_workers},
        InitiatorKind, RunType,
    },
    provider::server::{ClientSecret, GraphConfig, PlatformApp, Provider},
    tenants::NewTenant,
    workspaces::server::seed_tenant,
};

use crate::graph_sim::{
    self, generator,
    state::{self as sim_state, Write},
    SimConfig, Throttling,
};

/// Options of one benchmark run.
#[derive(Debug, Clone)]
pub struct BenchGovernance {
    pub policies: usize,
    pub reps: usize,
    pub fleet_tenants: usize,
    pub fleet_policies: usize,
    pub workers: usize,
    pub findings: usize,
}

type Res<T> = Result<T, String>;

fn err(e: AppError) -> String {
    format!("{e:?}")
}

fn ms(micros: i64) -> f64 {
    micros as f64 / 1000.0
}

/// Median and p95 (nearest rank) of `v`, in the unit given.
fn median_p95(v: &[f64]) -> (f64, f64) {
    if v.is_empty() {
        return (0.0, 0.0);
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = |p: f64| s[((p * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1];
    (rank(0.5), rank(0.95))
}

fn print_stats(key: &str, v: &[f64]) {
    let (m, p) = median_p95(v);
    println!("{key}_median_ms={m:.2}");
    println!("{key}_p95_ms={p:.2}");
}

/// Waits until no operation run is queued or running (polled every 5 ms).
async fn wait_runs(db: &Db) -> Res<()> {
    let sql = "SELECT COUNT(*) FROM operation_runs WHERE status <> 'completed'";
    loop {
        let active: i64 = db_run!(db, p => sqlx::query_scalar(sql).fetch_one(p).await).map_err(|e| e.to_string())?;
        if active == 0 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A simulated Graph of `tenants` × `policies` (no throttling) and a client for it without a request budget.
async fn simulator(seed: u64, tenants: usize, policies: usize) -> Res<(graph_sim::SimHandle, Arc<Provider>)> {
    let config = SimConfig { seed, tenants, policies, throttling: Throttling::off(), ..SimConfig::default() };
    let (_, handle) =
        graph_sim::spawn("127.0.0.1:0".parse().map_err(|_| "address")?, config).await.map_err(|e| e.to_string())?;
    let (client_id, secret) = generator::platform_app(seed);
    let mut graph_config = GraphConfig::at(&handle.base_url(), &handle.base_url());
    graph_config.budget.per_second = 1e9;
    graph_config.budget.burst = u32::MAX / 2;
    graph_config.budget.conditional_access_per_second = 1e9;
    let platform = PlatformApp { client_id, secret: ClientSecret::new(secret) };
    let provider = Arc::new(Provider::new(graph_config, Some(platform)).map_err(|e| e.to_string())?);
    Ok((handle, provider))
}

/// Adds the simulator's tenants to Contoso (active, platform connection); returns their ids in order.
async fn add_tenants(db: &Db, contoso: i64, handle: &graph_sim::SimHandle, label: &str) -> Res<Vec<i64>> {
    let system = SystemScope::benchmark();
    let mut ids = Vec::new();
    for (i, t) in handle.tenants().iter().enumerate() {
        let name = if handle.tenants().len() == 1 { label.to_string() } else { format!("{label} {:03}", i + 1) };
        let input = NewTenant::parse(&name, &t.domain, &t.tenant_id).map_err(err)?;
        let id = seed_tenant(db, &system, contoso, &input, "active").await.map_err(err)?;
        let tenant = system.tenant(db, contoso, id).await.map_err(err)?;
        let mut tx = db.begin().await.map_err(err)?;
        connections::upsert(&mut tx, &tenant, ConnectionType::Platform, None).await.map_err(err)?;
        tx.commit().await.map_err(err)?;
        ids.push(id);
    }
    Ok(ids)
}

async fn sync_all(db: &Db, contoso: i64, tenants: &[i64]) -> Res<()> {
    let system = SystemScope::benchmark();
    for id in tenants {
        worker::enqueue(db, &system, contoso, Some(*id), RunType::InventorySync, InitiatorKind::System)
            .await
            .map_err(err)?;
    }
    wait_runs(db).await
}

/// A patch that changes one setting of `item` (a top-level value: a flag flipped, a number raised, a
/// text changed) as an admin would in the portal; `None` when it has no such value.
fn changed_setting(item: &Value) -> Option<Map<String, Value>> {
    let obj = item.as_object()?;
    let candidates = || {
        obj.iter().filter(|(k, _)| {
            *k != "name" && !app::inventory::settings::METADATA.contains(&k.as_str()) && !k.contains('@')
        })
    };
    let (k, v) = candidates()
        .find_map(|(k, v)| v.as_bool().map(|b| (k, json!(!b))))
        .or_else(|| candidates().find_map(|(k, v)| v.as_i64().map(|n| (k, json!(n + 1)))))
        .or_else(|| candidates().find_map(|(k, v)| v.as_str().map(|s| (k, json!(format!("{s}, changed"))))))?;
    let mut patch = Map::new();
    patch.insert(k.clone(), v);
    Some(patch)
}

/// Drift applied in the simulator for one tenant.
#[derive(Debug, Default, Clone, Copy)]
struct Drifted {
    different: usize,
    missing: usize,
    unexpected: usize,
}

/// Changes, deletes and adds policies of simulated tenant `index`: each policy is changed with
/// probability `p_diff`, else deleted with `p_missing`; then `added` new policies appear.
fn drift(
    handle: &graph_sim::SimHandle,
    index: usize,
    rng: &mut StdRng,
    p_diff: f64,
    p_missing: f64,
    added: usize,
) -> Res<Drifted> {
    let sim = &handle.sim;
    let tenant = &sim.tenants[index];
    let actor = sim_state::Actor::Portal { upn: format!("admin@{}", tenant.info.domain) };
    let mut out = Drifted::default();
    let policies: Vec<(String, Value)> = {
        let store = sim_state::lock(&tenant.store);
        generator::FAMILIES
            .iter()
            .flat_map(|(f, _)| store.items(f).iter().map(|i| (f.to_string(), i.clone())).collect::<Vec<_>>())
            .collect()
    };
    for (collection, item) in policies {
        let Some(id) = item["id"].as_str().map(String::from) else { continue };
        let roll: f64 = rng.gen();
        if roll < p_diff {
            if let Some(patch) = changed_setting(&item) {
                sim.write(tenant, Write::Update { collection, id, patch }, &actor).map_err(|f| f.message)?;
                out.different += 1;
            }
        } else if roll < p_diff + p_missing {
            sim.write(tenant, Write::Delete { collection, id }, &actor).map_err(|f| f.message)?;
            out.missing += 1;
        }
    }
    for _ in 0..added {
        let family = generator::FAMILIES[rng.gen_range(0..generator::FAMILIES.len())].0;
        let (item, children) = {
            let mut store = sim_state::lock(&tenant.store);
            let n = store.items(family).len() + 5000;
            let ctx = store.ctx.clone();
            generator::policy(&mut store.rng, &ctx, family, n)
        };
        sim.write(tenant, Write::Insert { collection: family.into(), item, children }, &actor)
            .map_err(|f| f.message)?;
        out.unexpected += 1;
    }
    Ok(out)
}

/// Gives every simulated tenant the policies of tenant 0 (one template rolled out to a fleet).
fn clone_template(handle: &graph_sim::SimHandle) {
    let tenants = &handle.sim.tenants;
    let is_policy = |k: &str| generator::FAMILIES.iter().any(|(f, _)| k == *f || k.starts_with(&format!("{f}/")));
    let template: HashMap<String, Vec<Value>> = sim_state::lock(&tenants[0].store)
        .collections
        .iter()
        .filter(|(k, _)| is_policy(k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for t in tenants.iter().skip(1) {
        let mut store = sim_state::lock(&t.store);
        store.collections.retain(|k, _| !is_policy(k.as_str()));
        store.collections.extend(template.clone());
    }
}

/// A baseline of the governed types the tenant synced completely, captured from it (the real run).
async fn baseline(db: &Db, owner: &WorkspaceScope, contoso: i64, source: i64, name: &str) -> Res<(i64, Vec<String>)> {
    let system = SystemScope::benchmark();
    let scope = system.tenant(db, contoso, source).await.map_err(err)?;
    let coverage = baseline_repo::select_coverage(db, &scope).await.map_err(err)?;
    let types: Vec<String> = GOVERNED_TYPES
        .iter()
        .filter(|t| coverage.get(**t).is_some_and(|(s, _)| s == "complete"))
        .map(|t| t.to_string())
        .collect();
    let input = ProfileInput::parse(Some(name), Some("Benchmark baseline (bench-governance)"), &types).map_err(err)?;
    let profile = baselines::create_profile(db, owner, input).await.map_err(err)?.id;
    baselines::capture(db, owner, profile, source).await.map_err(err)?;
    wait_runs(db).await?;
    let detail = baselines::get_profile(db, owner, profile).await.map_err(err)?;
    if detail.profile.active_snapshot_id.is_none() {
        return Err(format!("the capture of {name} did not complete: {:?}", detail.snapshots.first()));
    }
    Ok((profile, types))
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: i64,
    outcome: String,
    context: String,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
}

impl RunRow {
    fn handler_ms(&self) -> f64 {
        match (self.started_at, self.completed_at) {
            (Some(s), Some(c)) => (c - s).num_microseconds().unwrap_or(0) as f64 / 1000.0,
            _ => 0.0,
        }
    }

    fn figure(&self, key: &str) -> i64 {
        serde_json::from_str::<Value>(&self.context)
            .ok()
            .and_then(|c| c.get("baseline_compare").and_then(|b| b.get(key)).and_then(Value::as_i64))
            .unwrap_or(0)
    }
}

/// The compare runs with an id above `after`, oldest first.
async fn compare_runs(db: &Db, after: i64) -> Res<Vec<RunRow>> {
    db_run!(db, p => sqlx::query_as::<_, RunRow>(
        "SELECT id, outcome, context, started_at, completed_at FROM operation_runs \
         WHERE run_type = 'compare.run' AND id > $1 ORDER BY id")
        .bind(after).fetch_all(p).await)
    .map_err(|e| e.to_string())
}

async fn max_run_id(db: &Db) -> Res<i64> {
    db_run!(db, p => sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) FROM operation_runs").fetch_one(p).await)
        .map_err(|e| e.to_string())
}

/// Runs the benchmark and prints `key=value` figures.
pub async fn run(db: &Db, keys: Arc<Keys>, opts: BenchGovernance) -> Res<()> {
    let started = Instant::now();
    crate::seed::demo(db).await.map_err(err)?;
    let contoso: i64 =
        db_run!(db, p => sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = 'contoso'").fetch_one(p).await)
            .map_err(|e| e.to_string())?;
    let meta = RequestMeta { ip: "127.0.0.1".into(), user_agent: "bench-governance".into() };
    let creds = Credentials { email: "owner@contoso.example".into(), password: crate::seed::DEMO_PASSWORD.into() };
    let owner = Actor::sign_in(db, &creds, &meta)
        .await
        .map_err(err)?
        .workspace(db, "contoso", Capability::WorkspaceView)
        .await
        .map_err(err)?;
    let system = SystemScope::benchmark();
    let mut rng = StdRng::seed_from_u64(13);
    let mut first_compare_run = None;

    // ---- 1. one tenant ----
    if opts.policies > 0 {
        let (handle, provider) = simulator(1, 1, opts.policies).await?;
        let registry =
            crate::jobs::registry(provider, keys.clone(), app::reviews::server::storage::LocalDirStore::temporary());
        let pool = spawn_workers(db.clone(), registry, opts.workers.max(1), Duration::from_millis(20), "bench");
        let tenant = add_tenants(db, contoso, &handle, "Bench 2,000 policies").await?[0];
        sync_all(db, contoso, &[tenant]).await?;
        let (profile, types) = baseline(db, &owner, contoso, tenant, "Bench baseline (one tenant)").await?;
        baselines::set_assigned(db, &owner, profile, tenant, true).await.map_err(err)?;
        let drifted = drift(&handle, 0, &mut rng, 0.05, 0.03, opts.policies / 50)?;
        sync_all(db, contoso, &[tenant]).await?;
        let scope = system.tenant(db, contoso, tenant).await.map_err(err)?;
        let items = baseline_repo::select_items(
            db,
            &scope,
            baseline_repo::select_profile(db, &scope, profile)
                .await
                .map_err(err)?
                .and_then(|p| p.active_snapshot_id)
                .ok_or("no snapshot")?,
        )
        .await
        .map_err(err)?
        .len();
        let policies = baseline_repo::select_tenant_policies(db, &scope, &types).await.map_err(err)?.len();
        println!("single_types={}", types.join(","));
        println!("single_baseline_items={items}");
        println!("single_tenant_policies={policies}");
        println!(
            "single_drift_made=different:{} missing:{} unexpected:{}",
            drifted.different, drifted.missing, drifted.unexpected
        );

        // The first compare, through the worker: it creates the findings.
        let before = max_run_id(db).await?;
        let wall = Instant::now();
        baselines::start_compare(db, &owner, profile, tenant, None).await.map_err(err)?;
        wait_runs(db).await?;
        let wall_ms = wall.elapsed().as_secs_f64() * 1000.0;
        let first = compare_runs(db, before).await?.pop().ok_or("the compare run is missing")?;
        println!("first_outcome={}", first.outcome);
        println!("first_wall_ms={wall_ms:.1}");
        println!("first_handler_ms={:.1}", first.handler_ms());
        println!("first_load_ms={:.2}", ms(first.figure("load_micros")));
        println!("first_compare_ms={:.2}", ms(first.figure("compare_micros")));
        println!(
            "first_found=missing:{} different:{} unexpected:{} matched:{} created:{}",
            first.figure("missing"),
            first.figure("different"),
            first.figure("unexpected"),
            first.figure("matched"),
            first.figure("findings_created")
        );
        first_compare_run = Some(first.id);

        // Repetitions: loading, compare work and writing timed apart.
        let (mut load, mut work, mut write, mut total) = (vec![], vec![], vec![], vec![]);
        let mut updated = 0;
        for _ in 0..opts.reps {
            let t = Instant::now();
            let r = compare::compare_tenant(db, &scope, first.id, profile, None)
                .await
                .map_err(|e| format!("compare failed: {e:?}"))?;
            let all = t.elapsed().as_micros() as i64;
            load.push(ms(r.load_micros));
            work.push(ms(r.compare_micros));
            write.push(ms(all - r.load_micros - r.compare_micros));
            total.push(ms(all));
            updated = r.findings_updated;
        }
        println!("reps={}", opts.reps);
        println!("rep_findings_updated={updated}");
        print_stats("load", &load);
        print_stats("compare", &work);
        print_stats("write", &write);
        print_stats("total", &total);
        pool.shutdown().await;
        handle.shutdown().await;
    }

    // ---- 2. compare all assigned ----
    if opts.fleet_tenants > 0 {
        let (handle, provider) = simulator(2, opts.fleet_tenants, opts.fleet_policies).await?;
        clone_template(&handle);
        let mut made = Drifted::default();
        for i in 1..opts.fleet_tenants {
            let added = rng.gen_range(0..3);
            let d = drift(&handle, i, &mut rng, 0.04, 0.02, added)?;
            made.different += d.different;
            made.missing += d.missing;
            made.unexpected += d.unexpected;
        }
        let registry = crate::jobs::registry(
            provider.clone(),
            keys.clone(),
            app::reviews::server::storage::LocalDirStore::temporary(),
        );
        let setup = spawn_workers(db.clone(), registry, 4, Duration::from_millis(20), "bench-setup");
        let tenants = add_tenants(db, contoso, &handle, "Fleet").await?;
        let synced = Instant::now();
        sync_all(db, contoso, &tenants).await?;
        println!("fleet_sync_s={:.1}", synced.elapsed().as_secs_f64());
        let (profile, _) = baseline(db, &owner, contoso, tenants[0], "Bench fleet baseline").await?;
        setup.shutdown().await;
        for t in &tenants {
            baselines::set_assigned(db, &owner, profile, *t, true).await.map_err(err)?;
        }
        println!("fleet_tenants={}", tenants.len());
        // A tenant for the tenant-filtered findings list of the HTTP part.
        println!("fleet_tenant_sample={}", tenants[tenants.len() / 2]);
        println!("fleet_policies={}", opts.fleet_policies);
        println!(
            "fleet_drift_made=different:{} missing:{} unexpected:{}",
            made.different, made.missing, made.unexpected
        );
        // The server's own worker count and poll interval of a busy queue.
        let registry =
            crate::jobs::registry(provider, keys.clone(), app::reviews::server::storage::LocalDirStore::temporary());
        let pool = spawn_workers(db.clone(), registry, opts.workers.max(1), Duration::from_millis(20), "bench");
        let before = max_run_id(db).await?;
        let wall = Instant::now();
        let queued = baselines::compare_all(db, &owner, profile).await.map_err(err)?;
        let queued_ms = wall.elapsed().as_secs_f64() * 1000.0;
        wait_runs(db).await?;
        let wall_s = wall.elapsed().as_secs_f64();
        pool.shutdown().await;
        handle.shutdown().await;
        let runs = compare_runs(db, before).await?;
        let handler: Vec<f64> = runs.iter().map(RunRow::handler_ms).collect();
        let load: Vec<f64> = runs.iter().map(|r| ms(r.figure("load_micros"))).collect();
        let work: Vec<f64> = runs.iter().map(|r| ms(r.figure("compare_micros"))).collect();
        let mut outcomes: HashMap<&str, usize> = HashMap::new();
        for r in &runs {
            *outcomes.entry(r.outcome.as_str()).or_default() += 1;
        }
        let created: i64 = runs.iter().map(|r| r.figure("findings_created")).sum();
        println!("fleet_runs={}", runs.len());
        println!("fleet_queued={} in {queued_ms:.0} ms", queued.len());
        println!("fleet_outcomes={outcomes:?}");
        println!("fleet_not_succeeded={}", runs.iter().filter(|r| r.outcome != "succeeded").count());
        println!("fleet_findings_created={created}");
        println!("fleet_workers={}", opts.workers.max(1));
        println!("fleet_wall_s={wall_s:.2}");
        println!("fleet_per_tenant_ms={:.1}", wall_s * 1000.0 / runs.len().max(1) as f64);
        print_stats("fleet_run", &handler);
        print_stats("fleet_load", &load);
        print_stats("fleet_compare", &work);
    }

    // ---- 3. findings fixture ----
    if opts.findings > 0 {
        let t = Instant::now();
        let (n, mine) = findings_fixture(db, contoso, opts.findings, first_compare_run, &mut rng).await?;
        println!("findings_inserted={n}");
        println!("findings_fixture_s={:.1}", t.elapsed().as_secs_f64());
        if let Db::Postgres(p) = db {
            sqlx::query("VACUUM ANALYZE").execute(p).await.map_err(|e| e.to_string())?;
        }
        let total: i64 = db_run!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM findings WHERE workspace_id = $1")
            .bind(contoso).fetch_one(p).await)
        .map_err(|e| e.to_string())?;
        println!("findings_total={total}");
        println!("my_work_owner={mine}");
    }
    println!("bench_s={:.1}", started.elapsed().as_secs_f64());
    Ok(())
}

/// Fills Contoso up to `target` findings across its tenants; returns how many were added and how many
/// open ones the owner is assigned.
async fn findings_fixture(
    db: &Db,
    contoso: i64,
    target: usize,
    run_id: Option<i64>,
    rng: &mut StdRng,
) -> Res<(usize, usize)> {
    let system = SystemScope::benchmark();
    let have: i64 = db_run!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM findings WHERE workspace_id = $1")
        .bind(contoso).fetch_one(p).await)
    .map_err(|e| e.to_string())?;
    let tenants: Vec<i64> =
        db_run!(db, p => sqlx::query_scalar("SELECT id FROM tenants WHERE workspace_id = $1 ORDER BY id")
        .bind(contoso).fetch_all(p).await)
        .map_err(|e| e.to_string())?;
    let people: Vec<(i64, String)> = db_run!(db, p => sqlx::query_as(
        "SELECT u.id, m.role FROM users u JOIN workspace_memberships m ON m.user_id = u.id WHERE m.workspace_id = $1 \
         AND m.role IN ('owner', 'manager', 'operator') ORDER BY u.id")
        .bind(contoso).fetch_all(p).await)
    .map_err(|e| e.to_string())?;
    let role = |r: &str| people.iter().find(|(_, x)| x == r).map(|(id, _)| *id);
    let (owner, manager, operator) = (role("owner"), role("manager"), role("operator"));
    // Findings name a profile and the compare run that saw them last: those of parts 1 and 2.
    let profile: Option<i64> = db_run!(db, p => sqlx::query_scalar(
        "SELECT MIN(id) FROM baseline_profiles WHERE workspace_id = $1").bind(contoso).fetch_one(p).await)
    .map_err(|e| e.to_string())?;
    let last_run: Option<i64> = db_run!(db, p => sqlx::query_scalar(
        "SELECT MAX(id) FROM operation_runs WHERE workspace_id = $1 AND run_type = 'compare.run'").bind(contoso).fetch_one(p).await)
    .map_err(|e| e.to_string())?;
    let (Some(profile), Some(last_run)) = (profile, run_id.or(last_run)) else {
        return Err("the findings fixture needs a compared baseline: run with --policies or --fleet-tenants".into());
    };
    let settings = GovernanceSettings::default();
    let to_add = (target as i64 - have).max(0) as usize;
    let per_tenant = to_add.div_ceil(tenants.len().max(1));
    let statuses = [
        (FindingStatus::New, 20),
        (FindingStatus::Triaged, 8),
        (FindingStatus::InProgress, 7),
        (FindingStatus::Reopened, 5),
        (FindingStatus::Resolved, 45),
        (FindingStatus::Closed, 10),
        (FindingStatus::RiskAccepted, 5),
    ];
    let status_pool: Vec<FindingStatus> = statuses.iter().flat_map(|(s, w)| vec![*s; *w]).collect();
    let severities = [(Severity::Low, 30), (Severity::Medium, 40), (Severity::High, 22), (Severity::Critical, 8)];
    let severity_pool: Vec<Severity> = severities.iter().flat_map(|(s, w)| vec![*s; *w]).collect();
    let types = ["settings_catalog", "device_configuration", "compliance_policy", "conditional_access_policy"];
    let now = Utc::now();
    let (mut added, mut mine, mut i) = (0, 0, 0usize);
    for tenant in tenants {
        if added >= to_add {
            break;
        }
        let scope = system.tenant(db, contoso, tenant).await.map_err(err)?;
        let mut tx = db.begin().await.map_err(err)?;
        for _ in 0..per_tenant.min(to_add - added) {
            i += 1;
            let status = *status_pool.choose(rng).ok_or("statuses")?;
            let severity = *severity_pool.choose(rng).ok_or("severities")?;
            let kind = [DriftKind::Missing, DriftKind::Different, DriftKind::Different, DriftKind::Unexpected]
                [rng.gen_range(0..4)];
            let policy_type = types[rng.gen_range(0..types.len())];
            let name = format!("Bench policy {i:06}");
            let evidence = Evidence {
                profile_name: "Bench fleet baseline".into(),
                snapshot_id: None,
                run_id: Some(last_run),
                baseline_name: (kind != DriftKind::Unexpected).then(|| name.clone()),
                tenant_policy_id: None,
                tenant_policy_name: (kind != DriftKind::Missing).then(|| name.clone()),
                matched_by: (kind == DriftKind::Different).then(|| "name".into()),
                settings: if kind == DriftKind::Different {
                    vec![
                        SettingDrift {
                            key: "passwordMinimumLength".into(),
                            label: "passwordMinimumLength".into(),
                            baseline: Some(json!(12)),
                            tenant: Some(json!(rng.gen_range(4..12))),
                        },
                        SettingDrift {
                            key: "bitLockerEnabled".into(),
                            label: "bitLockerEnabled".into(),
                            baseline: Some(json!(true)),
                            tenant: Some(json!(false)),
                        },
                    ]
                } else {
                    Vec::new()
                },
            };
            let evidence = serde_json::to_string(&evidence).map_err(|e| e.to_string())?;
            let fp = compare::fingerprint(profile, policy_type, &format!("bench:{i}"));
            let seen = now - chrono::Duration::minutes(rng.gen_range(0..525_600));
            let new = findings::NewFinding {
                profile_id: profile,
                subject_display_name: &name,
                policy_type,
                drift_kind: kind,
                severity,
                fingerprint: &fp,
                evidence: &evidence,
                evidence_hash: &fp,
                sla_days: settings.sla_days(severity),
                run_id: last_run,
            };
            let id = findings::insert_finding(&mut tx, &scope, &new, seen).await.map_err(err)?;
            // People: most findings have an owner and an assignee (operators take most of the work).
            let assignee = match rng.gen_range(0..10) {
                0..=1 => owner,
                2..=4 => manager,
                5..=7 => operator,
                _ => None,
            };
            if assignee.is_some() {
                findings::set_people(&mut tx, &scope, id, owner.or(assignee), assignee, seen).await.map_err(err)?;
            }
            if status.is_open() && assignee.is_some() && assignee == owner {
                mine += 1;
            }
            if status != FindingStatus::New {
                let at = Some(seen + chrono::Duration::hours(rng.gen_range(1..72)));
                let update = findings::FindingUpdate {
                    status,
                    triaged_at: (status != FindingStatus::New).then_some(seen + chrono::Duration::hours(1)),
                    in_progress_at: matches!(status, FindingStatus::InProgress | FindingStatus::Resolved)
                        .then_some(seen + chrono::Duration::hours(2)),
                    reopened_at: (status == FindingStatus::Reopened).then_some(at).flatten(),
                    resolved_at: (status == FindingStatus::Resolved).then_some(at).flatten(),
                    resolved_reason: (status == FindingStatus::Resolved).then(|| "verified_cleared".into()),
                    verified_at: (status == FindingStatus::Resolved).then_some(at).flatten(),
                    closed_at: (status == FindingStatus::Closed).then_some(at).flatten(),
                    closed_reason: (status == FindingStatus::Closed).then(|| "not_applicable".into()),
                    closed_by_user_id: (status == FindingStatus::Closed).then_some(manager).flatten(),
                    accepted_evidence_hash: (status == FindingStatus::RiskAccepted).then(|| fp.clone()),
                    reflagged_at: None,
                };
                findings::write_lifecycle(&mut tx, &scope, id, &update, seen).await.map_err(err)?;
            }
            added += 1;
        }
        tx.commit().await.map_err(err)?;
    }
    Ok((added, mine))
}
