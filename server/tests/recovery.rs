//! Crash recovery with the real binary, on SQLite and PostgreSQL: `tenantpilot serve` (demo mode, pointed
//! at a simulated Graph in this process that answers slowly) starts the demo's syncs; it is killed with
//! SIGKILL mid-sync; every policy then still has exactly the versions its row counts (no half-written
//! version). Restarted, the server fails the interrupted runs as stale (`run.stale_heartbeat`) and executes
//! every run that was still queued exactly once.

mod common;

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use app::{db::Db, db_run};
use common::{scalar, sim_control, Engine, TestApp, TEST_SECRET_KEY};
use serde_json::json;
use server::graph_sim::{self, generator::platform_app, SimConfig, SimHandle, Throttling};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A server process, killed when dropped (so that a failing assertion does not leave it running).
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(app: &TestApp, sim: &SimHandle, data: &std::path::Path, port: u16) -> Server {
    let (client_id, secret) = platform_app(sim.sim.config.seed);
    let child = Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .arg("serve")
        .env("TENANTPILOT_ADDR", format!("127.0.0.1:{port}"))
        .env("TENANTPILOT_DATA_DIR", data)
        .env("DATABASE_URL", &app.url)
        .env("TENANTPILOT_DEMO", "1")
        .env("TENANTPILOT_GRAPH_URL", sim.base_url())
        .env("TENANTPILOT_GRAPH_AUTHORITY", sim.base_url())
        .env("TENANTPILOT_GRAPH_CLIENT_ID", client_id)
        .env("TENANTPILOT_GRAPH_CLIENT_SECRET", secret)
        .env("TENANTPILOT_SECRET_KEY", TEST_SECRET_KEY)
        .env("TENANTPILOT_WORKERS", "2")
        .env("TENANTPILOT_STALE_AFTER_SECS", "6")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tenantpilot");
    Server(child)
}

async fn wait_for(db: &Db, what: &str, sql: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while scalar(db, sql).await == 0 {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until no backend of the killed server is still executing a statement in the test's database
/// (PostgreSQL; its backends run what the client had sent before they notice it is gone). SQLite has no
/// such backends: the killed process's uncommitted writes are simply gone.
async fn settle(db: &Db) {
    if let Db::Postgres(p) = db {
        let busy = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                    AND pid <> pg_backend_pid() AND state <> 'idle'";
        let deadline = Instant::now() + Duration::from_secs(30);
        while sqlx::query_scalar::<_, i64>(busy).fetch_one(p).await.unwrap() > 0 {
            assert!(Instant::now() < deadline, "the killed server's statements did not finish");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Every run as (id, status, outcome, failure, claimed by), for failure messages.
async fn runs(db: &Db) -> Vec<(i64, String, String, Option<String>, Option<String>)> {
    let sql = "SELECT id, status, outcome, failure, claimed_by FROM operation_runs ORDER BY id";
    db_run!(db, p => sqlx::query_as(sql).fetch_all(p).await).unwrap()
}

/// Every policy has exactly `version_count` versions, numbered 1..n, the newest being `latest_version_id`.
async fn versions_are_whole(db: &Db) {
    let broken = scalar(
        db,
        "SELECT COUNT(*) FROM policies p WHERE p.version_count <> (SELECT COUNT(*) FROM policy_versions v \
         WHERE v.policy_id = p.id) OR p.latest_version_id IS DISTINCT FROM (SELECT MAX(v.id) FROM policy_versions v \
         WHERE v.policy_id = p.id) OR p.version_count <> (SELECT COALESCE(MAX(v.version_no), 0) FROM policy_versions v \
         WHERE v.policy_id = p.id)",
    )
    .await;
    assert_eq!(broken, 0, "policies whose versions do not add up");
}

async fn killed_sync_is_reconciled_without_half_written_versions(engine: Engine) {
    let Some(app) = TestApp::new(engine).await else { return };
    let identities = server::seed::demo_identities();
    let config = SimConfig {
        tenants: identities.len(),
        identities,
        policies: 150,
        throttling: Throttling::off(),
        ..SimConfig::default()
    };
    let sim = graph_sim::spawn("127.0.0.1:0".parse().unwrap(), config).await.unwrap().1;
    for t in sim.tenants() {
        sim_control(
            &sim,
            reqwest::Method::POST,
            &format!("/tenants/{}/faults", t.tenant_id),
            json!({"type": "slow", "ms": 40}),
        )
        .await;
    }
    let data = tempdir();
    let first = serve(&app, &sim, &data, free_port());
    // Mid-sync: versions are being written and a sync is running.
    wait_for(&app.db, "versions", "SELECT COUNT(*) FROM policy_versions", Duration::from_secs(60)).await;
    wait_for(
        &app.db,
        "a running sync",
        "SELECT COUNT(*) FROM operation_runs WHERE run_type = 'inventory.sync' AND status = 'running'",
        Duration::from_secs(60),
    )
    .await;
    drop(first); // SIGKILL
                 // PostgreSQL finishes a statement (a COMMIT) the dead client had already sent; let it land first.
    settle(&app.db).await;
    let interrupted = scalar(&app.db, "SELECT COUNT(*) FROM operation_runs WHERE status = 'running'").await;
    assert!(interrupted >= 1);
    let queued = scalar(&app.db, "SELECT COUNT(*) FROM operation_runs WHERE status = 'queued'").await;
    versions_are_whole(&app.db).await;

    // Restarted (and the provider fast again): the interrupted runs fail as stale, the rest run once.
    for t in sim.tenants() {
        sim_control(&sim, reqwest::Method::DELETE, &format!("/tenants/{}/faults", t.tenant_id), json!({})).await;
    }
    let second = serve(&app, &sim, &data, free_port());
    wait_for(
        &app.db,
        "every run to complete",
        "SELECT CAST(CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END AS BIGINT) FROM operation_runs WHERE status <> 'completed'",
        Duration::from_secs(90),
    )
    .await;
    let stale = scalar(
        &app.db,
        "SELECT COUNT(*) FROM operation_runs WHERE outcome = 'failed' AND failure LIKE '%run.stale_heartbeat%'",
    )
    .await;
    assert_eq!(stale, interrupted, "every interrupted run is reconciled as stale: {:#?}", runs(&app.db).await);
    let succeeded = scalar(&app.db, "SELECT COUNT(*) FROM operation_runs WHERE outcome = 'succeeded'").await;
    assert!(succeeded >= queued, "queued runs ran after the restart ({succeeded} of {queued})");
    assert_eq!(
        scalar(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'operation.reconcile'").await,
        interrupted
    );
    let completions = scalar(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'operation.complete'").await;
    assert_eq!(
        completions + interrupted,
        scalar(&app.db, "SELECT COUNT(*) FROM operation_runs").await,
        "each run completed once: {:#?}",
        runs(&app.db).await
    );
    versions_are_whole(&app.db).await;
    assert!(scalar(&app.db, "SELECT COUNT(*) FROM policies").await > 0);
    drop(second);
    let _ = std::fs::remove_dir_all(&data);
    app.cleanup().await;
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tenantpilot-recovery-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

on_both_engines!(killed_sync_is_reconciled_without_half_written_versions);
