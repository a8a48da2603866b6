//! `tenantpilot bench-sync` (hidden; `scripts/bench-sync` runs it): inventory sync throughput against the
//! simulated Graph started in this process, on the database `DATABASE_URL` names.
//!
//! - `--tenants 1 --policies 2000`: the raw-fetch ceiling first — every request a sync needs (all list
//!   pages, full payloads and child collections), made by the same Graph client with the same per-tenant
//!   budget, nothing processed or stored — then the real sync (normalize, redact, hash, version, write).
//! - `--tenants 200 --policies 300 --throttled`: the fleet, every tenant synced by `--workers` workers with
//!   the simulator enforcing the documented per-tenant limits; compared with the throttling floor, the
//!   time the documented limits alone impose (the slowest tenant's requests at the sustained rate), and
//!   with the fleet's raw-fetch ceiling on this machine (every tenant's requests made by `--workers`
//!   concurrent minimal clients under the same limits, nothing processed): on a small machine serving
//!   tens of thousands of requests can take longer than the limits do.

use std::{sync::Arc, time::Instant};

use serde_json::Value;
use tokio::task::JoinSet;

use app::{
    authz::server::SystemScope,
    connections::{server::repo as connections, ConnectionType},
    db::Db,
    inventory::server::sync,
    keys::Keys,
    operations::{
        server::worker::{self, spawn_workers},
        InitiatorKind, RunType,
    },
    provider::{
        contracts::CONTRACTS,
        server::{ClientSecret, GraphConfig, PlatformApp, Provider, TenantGraph},
    },
    tenants::NewTenant,
    workspaces::server::{create_workspace, seed_tenant},
};

use crate::graph_sim::{self, generator::platform_app, SimConfig, Throttling};

/// Options of one benchmark run.
#[derive(Debug, Clone)]
pub struct BenchSync {
    pub tenants: usize,
    pub policies: usize,
    pub workers: usize,
    pub throttled: bool,
}

fn requests(sim: &graph_sim::Sim) -> u64 {
    sim.tenants.iter().map(|t| t.stats.graph_requests.load(std::sync::atomic::Ordering::Relaxed)).sum()
}

/// Every request a first sync makes, nothing processed: returns the objects fetched.
async fn raw_fetch(graph: &TenantGraph) -> Result<usize, String> {
    let mut objects = 0;
    for contract in CONTRACTS {
        let listed = graph
            .list_all(&contract.collection_path(), &sync::list_query(contract))
            .await
            .map_err(|e| e.to_string())?;
        objects += listed.len();
        if sync::listing_is_full(contract) {
            continue;
        }
        let mut fetches = JoinSet::new();
        for item in listed {
            let Some(id) = item.get("id").and_then(Value::as_str).map(String::from) else { continue };
            let graph = graph.clone();
            fetches.spawn(async move { sync::fetch_full(graph, contract, id).await.map(|_| ()) });
        }
        while let Some(r) = fetches.join_next().await {
            r.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
        }
    }
    Ok(objects)
}

/// The fleet's raw-fetch ceiling: every tenant's first-sync requests, `workers` tenants at a time, by a
/// separate client (own tokens and budgets), nothing processed. Prints `fleet_ceiling_s`; then waits until
/// the simulator's throttling windows have refilled, so the sync after it starts from full buckets.
async fn fleet_ceiling(
    handle: &graph_sim::SimHandle,
    graph_config: &GraphConfig,
    provider: &Provider,
    workers: usize,
) -> Result<(), String> {
    let minimal =
        Arc::new(Provider::new(graph_config.clone(), provider.platform_app.clone()).map_err(|e| e.to_string())?);
    let limit = Arc::new(tokio::sync::Semaphore::new(workers.max(1)));
    let started = Instant::now();
    let mut tenants = JoinSet::new();
    for t in handle.tenants() {
        let (minimal, limit, tid) = (minimal.clone(), limit.clone(), t.tenant_id.clone());
        tenants.spawn(async move {
            let _slot = limit.acquire_owned().await.map_err(|e| e.to_string())?;
            let graph = minimal.graph.tenant(minimal.platform_credential(&tid).ok_or("no platform app")?);
            raw_fetch(&graph).await
        });
    }
    let mut objects = 0;
    while let Some(r) = tenants.join_next().await {
        objects += r.map_err(|e| e.to_string())??;
    }
    println!("fleet_ceiling_s={:.3}", started.elapsed().as_secs_f64());
    println!("fleet_ceiling_objects={objects}");
    // The Intune window is 20 s: after it every bucket is full again.
    tokio::time::sleep(std::time::Duration::from_secs(21)).await;
    Ok(())
}

/// Runs the benchmark and prints `key=value` figures (parsed by `scripts/bench-sync`).
pub async fn run(db: &Db, opts: BenchSync) -> Result<(), String> {
    let fail = |e: app::error::AppError| format!("{e:?}");
    let config = SimConfig {
        tenants: opts.tenants,
        policies: opts.policies,
        throttling: if opts.throttled { Throttling::default() } else { Throttling::off() },
        ..SimConfig::default()
    };
    let generated = Instant::now();
    let (_, handle) = graph_sim::spawn("127.0.0.1:0".parse().map_err(|_| "address")?, config.clone())
        .await
        .map_err(|e| e.to_string())?;
    println!("generated_s={:.2}", generated.elapsed().as_secs_f64());
    let (client_id, secret) = platform_app(config.seed);
    let mut graph_config = GraphConfig::at(&handle.base_url(), &handle.base_url());
    if opts.tenants == 1 {
        // Sync vs ceiling compares processing with fetching: neither is held back by the request budget
        // (the simulator does not throttle here); both keep the production in-flight limit.
        graph_config.budget.per_second = 1e9;
        graph_config.budget.burst = u32::MAX / 2;
        graph_config.budget.conditional_access_per_second = 1e9;
    }
    let platform = PlatformApp { client_id, secret: ClientSecret::new(secret) };
    let provider = Arc::new(Provider::new(graph_config.clone(), Some(platform)).map_err(|e| e.to_string())?);
    let keys = Arc::new(Keys::from_bytes(&[7u8; 32]).map_err(|e| e.to_string())?);
    app::audit::server::install_checkpoint_key(keys.clone());

    // The workspace, its tenants (the simulator's directories) and their platform connections.
    let system = SystemScope::benchmark();
    let ws =
        create_workspace(db, &system, "Bench MSP", &format!("bench-{}", std::process::id())).await.map_err(fail)?;
    let mut tenant_ids = Vec::new();
    for t in handle.tenants() {
        let input = NewTenant::parse(&t.display_name, &t.domain, &t.tenant_id).map_err(fail)?;
        let id = seed_tenant(db, &system, ws, &input, "active").await.map_err(fail)?;
        let tenant = system.tenant(db, ws, id).await.map_err(fail)?;
        let mut tx = db.begin().await.map_err(fail)?;
        connections::upsert(&mut tx, &tenant, ConnectionType::Platform, None).await.map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        tenant_ids.push(id);
    }

    if opts.tenants > 1 {
        fleet_ceiling(&handle, &graph_config, &provider, opts.workers).await?;
    } else {
        // The ceiling: a separate client (own token cache and budget), the same requests, nothing processed.
        let minimal = Provider::new(graph_config, provider.platform_app.clone()).map_err(|e| e.to_string())?;
        let tenant = &handle.tenants()[0];
        let graph = minimal.graph.tenant(minimal.platform_credential(&tenant.tenant_id).ok_or("no platform app")?);
        graph.token().await.map_err(|e| e.to_string())?;
        let before = requests(&handle.sim);
        let started = Instant::now();
        let objects = raw_fetch(&graph).await?;
        let ceiling = started.elapsed().as_secs_f64();
        let ceiling_calls = requests(&handle.sim) - before;
        println!("objects={objects}");
        println!("ceiling_s={ceiling:.3}");
        println!("ceiling_calls={ceiling_calls}");
    }

    let before = requests(&handle.sim);
    for id in &tenant_ids {
        worker::enqueue(db, &system, ws, Some(*id), RunType::InventorySync, InitiatorKind::System)
            .await
            .map_err(fail)?;
    }
    let started = Instant::now();
    let registry = crate::jobs::registry(
        provider.clone(),
        keys.clone(),
        app::reviews::server::storage::LocalDirStore::temporary(),
    );
    let pool = spawn_workers(db.clone(), registry, opts.workers, std::time::Duration::from_millis(20), "bench");
    let sql = "SELECT COUNT(*) FROM operation_runs WHERE run_type = 'inventory.sync' AND status <> 'completed'";
    // Polled every 5 ms (a cheap indexed count): waiting adds at most that to the figure.
    loop {
        let active: i64 =
            app::db_run!(db, p => sqlx::query_scalar(sql).fetch_one(p).await).map_err(|e| e.to_string())?;
        if active == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    pool.shutdown().await;
    let calls = requests(&handle.sim) - before;
    let throttled: u64 =
        handle.sim.tenants.iter().map(|t| t.stats.throttled.load(std::sync::atomic::Ordering::Relaxed)).sum();
    let (items, versions, bad): (i64, i64, i64) = app::db_run!(db, p => sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM policies), (SELECT COUNT(*) FROM policy_versions), \
         (SELECT COUNT(*) FROM operation_runs WHERE run_type = 'inventory.sync' AND outcome <> 'succeeded')")
        .fetch_one(p).await)
    .map_err(|e| e.to_string())?;
    println!("sync_s={elapsed:.3}");
    println!("sync_calls={calls}");
    println!("throttled_responses={throttled}");
    println!("items={items}");
    println!("versions={versions}");
    println!("runs_not_succeeded={bad}");
    println!("policies_per_s={:.0}", items as f64 / elapsed);
    println!("calls_per_policy={:.3}", calls as f64 / items.max(1) as f64);
    if opts.throttled {
        // The documented limits alone: per tenant, Intune requests at 1,000 per 20 s (50/s after a burst of
        // 1,000) and conditional-access requests at 1/s; tenants are independent, so the fleet's floor is
        // the slowest tenant's — assuming unlimited parallelism across tenants.
        let limits = Throttling::default();
        let page = config.page_size.max(1) as f64;
        let per_tenant = calls as f64 / opts.tenants as f64;
        let mut floor: f64 = 0.0;
        for t in &handle.sim.tenants {
            let store = graph_sim::state::lock(&t.store);
            let ca: f64 = ["identity/conditionalAccess/policies", "identity/conditionalAccess/namedLocations"]
                .iter()
                .map(|c| (store.items(c).len() as f64 / page).ceil().max(1.0))
                .sum();
            let burst = f64::from(limits.intune_per_20s.unwrap_or(1000));
            let intune = (per_tenant - ca - burst).max(0.0) / (burst / 20.0);
            let ca = (ca - f64::from(limits.conditional_access_per_s.unwrap_or(1))).max(0.0)
                / f64::from(limits.conditional_access_per_s.unwrap_or(1));
            floor = floor.max(intune.max(ca));
        }
        println!("floor_s={floor:.3}");
        println!("calls_per_tenant={per_tenant:.1}");
    }
    handle.shutdown().await;
    Ok(())
}
