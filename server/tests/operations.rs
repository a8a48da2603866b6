//! Operation runs on SQLite and PostgreSQL, through the service and worker APIs against the seeded demo:
//! idempotent starts, exclusive claims under concurrency, re-authorization at claim, cancellation (queued
//! and at a checkpoint), stale reconciliation, the transition rules, list filters and paging, scope rules,
//! and the audit trail of every mutation.

mod common;

use std::{collections::HashSet, time::Duration};

use app::{
    db::Db,
    db_run,
    error::AppError,
    operations::{
        server::{
            service::{self, StartRun},
            worker::{self, Done, Registry, Stop},
        },
        Reason, RunOutcome, RunQuery, RunReason, RunStatus, RunType, SummaryCounts,
    },
    paging::PageRequest,
};
use common::{contoso_owner, member_scope, seeded, system, user_id, workspace_tenants, Engine};

async fn audit_count(db: &Db, action: &str) -> i64 {
    db_run!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action).fetch_one(p).await)
    .unwrap()
}

fn sync(tenant: i64) -> StartRun {
    StartRun::new(RunType::InventorySync, Some(tenant))
}

fn keyed(tenant: i64, key: &str) -> StartRun {
    StartRun { idempotency_key: key.into(), ..sync(tenant) }
}

async fn claim(db: &Db, worker_id: &str) -> Option<worker::ClaimedRun> {
    worker::claim_next(db, &system(), worker_id).await.unwrap()
}

async fn succeed(db: &Db, claimed: &worker::ClaimedRun) {
    let summary = SummaryCounts::from([("items".to_string(), 1)]);
    worker::complete(db, &system(), claimed, RunOutcome::Succeeded, &summary, None).await.unwrap();
}

async fn start_is_idempotent_per_identity(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let (db, ws) = (&app.db, contoso_owner(&app.db).await);
    let t = workspace_tenants(db, "contoso").await[0];
    let first = service::start(db, &ws, sync(t)).await.unwrap();
    assert!(first.created);
    assert_eq!((first.run.status, first.run.outcome), (RunStatus::Queued, RunOutcome::Pending));
    let again = service::start(db, &ws, sync(t)).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.run.id, first.run.id);
    // Another key (or another tenant) is another identity.
    let other = service::start(db, &ws, keyed(t, "nightly")).await.unwrap();
    assert!(other.created && other.run.id != first.run.id);
    assert_eq!(audit_count(db, "operation.start").await, 2, "only creations are recorded");
    // While running it is still the active run; once completed a new one can start.
    let claimed = claim(db, "w").await.unwrap();
    assert_eq!(claimed.run.id, first.run.id);
    assert_eq!(service::start(db, &ws, sync(t)).await.unwrap().run.id, first.run.id);
    succeed(db, &claimed).await;
    let next = service::start(db, &ws, sync(t)).await.unwrap();
    assert!(next.created && next.run.id != first.run.id);
    // Racing starts of one identity: exactly one run.
    let t2 = workspace_tenants(db, "contoso").await[1];
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let (db, ws) = (db.clone(), ws.clone());
            tokio::spawn(async move { service::start(&db, &ws, sync(t2)).await })
        })
        .collect();
    let mut ids = HashSet::new();
    let mut created = 0;
    for r in racers {
        let started = r.await.unwrap().unwrap();
        ids.insert(started.run.id);
        created += usize::from(started.created);
    }
    assert_eq!((ids.len(), created), (1, 1));
    app.cleanup().await;
}

async fn concurrent_claimers_never_share_a_run(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let (db, ws) = (&app.db, contoso_owner(&app.db).await);
    let t = workspace_tenants(db, "contoso").await[0];
    let mut started = HashSet::new();
    for i in 0..20 {
        started.insert(service::start(db, &ws, keyed(t, &format!("k{i}"))).await.unwrap().run.id);
    }
    let claimers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|w| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while let Some(c) = claim(&db, w).await {
                    assert_eq!(c.run.claimed_by.as_deref(), Some(w));
                    mine.push(c.run.id);
                    succeed(&db, &c).await;
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for c in claimers {
        all.extend(c.await.unwrap());
    }
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 20, "each run claimed exactly once: {all:?}");
    assert_eq!(unique, started);
    app.cleanup().await;
}

async fn claim_reauthorizes_the_initiator(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let db = &app.db;
    let ts = workspace_tenants(db, "contoso").await;
    let operator = member_scope(db, "operator@contoso.example", "contoso").await.unwrap();
    let removed = service::start(db, &operator, sync(ts[0])).await.unwrap().run.id;
    let lowered = service::start(db, &operator, sync(ts[1])).await.unwrap().run.id;
    let ok_run = service::start(db, &contoso_owner(db).await, sync(ts[2])).await.unwrap().run.id;
    let uid = user_id(&app, "operator@contoso.example").await;
    // Role lowered to one without operations.start, then removed from the workspace.
    db_run!(db, p => sqlx::query("UPDATE workspace_memberships SET role = 'readonly' WHERE user_id = $1")
        .bind(uid).execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
    let first = claim(db, "w").await.unwrap();
    assert_eq!(first.run.id, ok_run, "blocked runs are skipped, the owner's run is claimed");
    let ws = contoso_owner(db).await;
    let run = service::get(db, &ws, lowered).await.unwrap();
    assert_eq!((run.status, run.outcome), (RunStatus::Completed, RunOutcome::Blocked));
    assert_eq!(run.failure.unwrap().reason, Reason::Run(RunReason::InitiatorLostAccess));
    assert_eq!(service::get(db, &ws, removed).await.unwrap().outcome, RunOutcome::Blocked);
    // Removal: a fresh run by the (restored) operator, then the membership disappears.
    db_run!(db, p => sqlx::query("UPDATE workspace_memberships SET role = 'operator' WHERE user_id = $1")
        .bind(uid).execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
    let operator = member_scope(db, "operator@contoso.example", "contoso").await.unwrap();
    let gone = service::start(db, &operator, sync(ts[3])).await.unwrap().run.id;
    db_run!(db, p => sqlx::query("DELETE FROM workspace_memberships WHERE user_id = $1").bind(uid).execute(p).await.map(|r| r.rows_affected()))
        .unwrap();
    assert!(claim(db, "w").await.is_none());
    let run = service::get(db, &ws, gone).await.unwrap();
    assert_eq!(run.outcome, RunOutcome::Blocked);
    let blocked: i64 = db_run!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'operation.complete' AND outcome = 'blocked'")
        .fetch_one(p).await)
    .unwrap();
    assert_eq!(blocked, 3);
    app.cleanup().await;
}

async fn cancel_queued_and_running(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let (db, ws) = (&app.db, contoso_owner(&app.db).await);
    let t = workspace_tenants(db, "contoso").await[0];
    let queued = service::start(db, &ws, keyed(t, "q")).await.unwrap().run.id;
    let run = service::request_cancel(db, &ws, queued).await.unwrap();
    assert_eq!((run.status, run.outcome), (RunStatus::Completed, RunOutcome::Cancelled));
    assert_eq!(run.failure.unwrap().reason, Reason::Run(RunReason::CancelledByUser));
    assert!(matches!(service::request_cancel(db, &ws, queued).await, Err(AppError::Conflict(_))));
    // Running: flagged; the handler sees it at its next checkpoint and the run ends cancelled.
    let running = service::start(db, &ws, keyed(t, "r")).await.unwrap().run.id;
    let claimed = claim(db, "w").await.unwrap();
    assert_eq!(claimed.run.id, running);
    let flagged = service::request_cancel(db, &ws, running).await.unwrap();
    assert_eq!(flagged.status, RunStatus::Running);
    assert!(flagged.cancel_requested_at.is_some());
    let mut registry = Registry::new();
    registry.register(RunType::InventorySync, |ctx| async move {
        ctx.checkpoint(1, Some(10)).await?;
        Ok(Done { outcome: RunOutcome::Succeeded, summary: SummaryCounts::new(), failure: None })
    });
    worker::execute(db, &system(), &registry, claimed).await.unwrap();
    let run = service::get(db, &ws, running).await.unwrap();
    assert_eq!((run.status, run.outcome), (RunStatus::Completed, RunOutcome::Cancelled));
    assert_eq!(audit_count(db, "operation.cancel").await, 2);
    // Operators may cancel, read-only members may not.
    let readonly = member_scope(db, "readonly@contoso.example", "contoso").await.unwrap();
    let third = service::start(db, &ws, keyed(t, "x")).await.unwrap().run.id;
    assert_eq!(service::request_cancel(db, &readonly, third).await.unwrap_err(), AppError::Forbidden);
    app.cleanup().await;
}

async fn stale_runs_are_reconciled(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let (db, ws) = (&app.db, contoso_owner(&app.db).await);
    let ts = workspace_tenants(db, "contoso").await;
    let silent = service::start(db, &ws, sync(ts[0])).await.unwrap().run.id;
    let alive = service::start(db, &ws, sync(ts[1])).await.unwrap().run.id;
    let c1 = claim(db, "w1").await.unwrap();
    let c2 = claim(db, "w2").await.unwrap();
    assert_eq!((c1.run.id, c2.run.id), (silent, alive));
    let old = chrono::Utc::now() - chrono::Duration::minutes(30);
    db_run!(db, p => sqlx::query("UPDATE operation_runs SET heartbeat_at = $1 WHERE id = $2")
        .bind(old).bind(silent).execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
    worker::heartbeat(db, &c2).await.unwrap();
    let q = RunQuery { stale: true, ..RunQuery::default() };
    let stale: Vec<i64> = service::list(db, &ws, &q).await.unwrap().items.iter().map(|r| r.id).collect();
    assert_eq!(stale, vec![silent]);
    let failed = worker::reconcile_stale(db, &system(), chrono::Utc::now(), Duration::from_secs(600)).await.unwrap();
    assert_eq!(failed, vec![silent]);
    let run = service::get(db, &ws, silent).await.unwrap();
    assert_eq!((run.status, run.outcome), (RunStatus::Completed, RunOutcome::Failed));
    assert_eq!(run.failure.unwrap().reason, Reason::Run(RunReason::StaleHeartbeat));
    assert_eq!(service::get(db, &ws, alive).await.unwrap().status, RunStatus::Running);
    // The silent worker comes back: it no longer holds the run.
    assert_eq!(worker::report_progress(db, &c1, 5, Some(9)).await, Err(Stop::Lost));
    assert!(matches!(
        worker::complete(db, &system(), &c1, RunOutcome::Succeeded, &SummaryCounts::new(), None).await,
        Err(AppError::Conflict(_))
    ));
    assert_eq!(audit_count(db, "operation.reconcile").await, 1);
    app.cleanup().await;
}

async fn illegal_transitions_are_refused(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let (db, ws) = (&app.db, contoso_owner(&app.db).await);
    let t = workspace_tenants(db, "contoso").await[0];
    let id = service::start(db, &ws, sync(t)).await.unwrap().run.id;
    let claimed = claim(db, "w").await.unwrap();
    let none = SummaryCounts::new();
    let err = worker::complete(db, &system(), &claimed, RunOutcome::Pending, &none, None).await.unwrap_err();
    assert_eq!(err, AppError::Conflict("illegal_transition".into()));
    worker::report_progress(db, &claimed, 3, Some(4)).await.unwrap();
    let run = service::get(db, &ws, id).await.unwrap();
    assert_eq!((run.progress_done, run.progress_total), (3, Some(4)));
    succeed(db, &claimed).await;
    let err = worker::complete(db, &system(), &claimed, RunOutcome::Failed, &none, None).await.unwrap_err();
    assert_eq!(err, AppError::Conflict("run_not_held".into()));
    let run = service::get(db, &ws, id).await.unwrap();
    assert_eq!(run.outcome, RunOutcome::Succeeded);
    assert_eq!(run.summary.get("items"), Some(&1));
    app.cleanup().await;
}

async fn list_filters_and_pages(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let (db, ws) = (&app.db, contoso_owner(&app.db).await);
    let ts = workspace_tenants(db, "contoso").await;
    for t in &ts {
        service::start(db, &ws, sync(*t)).await.unwrap();
    }
    service::start(db, &ws, StartRun::new(RunType::BackupCapture, Some(ts[0]))).await.unwrap();
    service::start(db, &ws, StartRun::new(RunType::AlertsEvaluate, None)).await.unwrap();
    let c = claim(db, "w").await.unwrap();
    succeed(db, &c).await;
    let list = |q: RunQuery| {
        let ws = ws.clone();
        async move { service::list(db, &ws, &q).await.unwrap() }
    };
    let all = list(RunQuery::default()).await;
    assert_eq!(all.total, ts.len() as u64 + 2);
    assert!(all.items.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let by_type = list(RunQuery { run_type: Some(RunType::InventorySync), ..RunQuery::default() }).await;
    assert_eq!(by_type.total, ts.len() as u64);
    let by_tenant = list(RunQuery { tenant_id: Some(ts[0]), ..RunQuery::default() }).await;
    assert_eq!(by_tenant.total, 2);
    let done = list(RunQuery { status: Some(RunStatus::Completed), ..RunQuery::default() }).await;
    assert_eq!(done.items.iter().map(|r| r.id).collect::<Vec<_>>(), vec![c.run.id]);
    let ok = list(RunQuery { outcome: Some(RunOutcome::Succeeded), ..RunQuery::default() }).await;
    assert_eq!(ok.total, 1);
    let page = PageRequest { page: 2, per_page: 2 };
    let p2 = list(RunQuery { page, ..RunQuery::default() }).await;
    assert_eq!((p2.total, p2.items.len()), (all.total, 2));
    assert_eq!(p2.items[0].id, all.items[2].id);
    // Past the last page: no rows, and still the total (counted on its own there).
    let beyond = list(RunQuery { page: PageRequest { page: 99, per_page: 2 }, ..RunQuery::default() }).await;
    assert_eq!((beyond.total, beyond.items.len()), (all.total, 0));
    // A customer narrowed to one tenant sees nothing at all (no operations.view).
    let customer = member_scope(db, "customer@contoso.example", "contoso").await.unwrap();
    assert_eq!(service::list(db, &customer, &RunQuery::default()).await.unwrap_err(), AppError::Forbidden);
    app.cleanup().await;
}

async fn scope_rules(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let (db, ws) = (&app.db, contoso_owner(&app.db).await);
    let ts = workspace_tenants(db, "contoso").await;
    let id = service::start(db, &ws, sync(ts[0])).await.unwrap().run.id;
    // Another workspace's run id, and a tenant of another workspace: not found.
    let fab = member_scope(db, "owner@fabrikam.example", "fabrikam").await.unwrap();
    assert_eq!(service::get(db, &fab, id).await.unwrap_err(), AppError::NotFound);
    assert_eq!(service::request_cancel(db, &fab, id).await.unwrap_err(), AppError::NotFound);
    assert_eq!(service::start(db, &fab, sync(ts[0])).await.unwrap_err(), AppError::NotFound);
    // Read-only members see runs but may not start them.
    let readonly = member_scope(db, "readonly@contoso.example", "contoso").await.unwrap();
    assert_eq!(service::get(db, &readonly, id).await.unwrap().id, id);
    assert_eq!(service::start(db, &readonly, sync(ts[1])).await.unwrap_err(), AppError::Forbidden);
    // Operators start syncs but not restores (restore.execute).
    let operator = member_scope(db, "operator@contoso.example", "contoso").await.unwrap();
    let restore = StartRun::new(RunType::RestoreExecute, Some(ts[1]));
    assert_eq!(service::start(db, &operator, restore).await.unwrap_err(), AppError::Forbidden);
    // Customers: their own tenant → forbidden; any other tenant → not found; runs → forbidden.
    let customer = member_scope(db, "customer@contoso.example", "contoso").await.unwrap();
    let own = customer.tenant_filter().unwrap()[0];
    let other = *ts.iter().find(|t| **t != own).unwrap();
    assert_eq!(service::start(db, &customer, sync(own)).await.unwrap_err(), AppError::Forbidden);
    assert_eq!(service::start(db, &customer, sync(other)).await.unwrap_err(), AppError::NotFound);
    assert_eq!(service::get(db, &customer, id).await.unwrap_err(), AppError::Forbidden);
    // Tenant runs must name a tenant; oversized keys are refused.
    assert!(matches!(
        service::start(db, &ws, StartRun::new(RunType::InventorySync, None)).await,
        Err(AppError::Validation(_))
    ));
    let long = keyed(ts[0], &"k".repeat(201));
    assert!(matches!(service::start(db, &ws, long).await, Err(AppError::Validation(_))));
    // Nothing but the owner's one start was recorded.
    assert_eq!(audit_count(db, "operation.start").await, 1);
    app.cleanup().await;
}

async fn workers_execute_handlers_and_shut_down(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let (db, ws) = (&app.db, contoso_owner(&app.db).await);
    let ts = workspace_tenants(db, "contoso").await;
    let mut registry = Registry::new();
    registry.register(RunType::InventorySync, |ctx| async move {
        for i in 1..=3 {
            ctx.checkpoint(i, Some(3)).await?;
        }
        let t = ctx.claimed.run.tenant_id.unwrap_or_default();
        Ok(Done { outcome: RunOutcome::Succeeded, summary: SummaryCounts::from([("tenant".into(), t)]), failure: None })
    });
    let mut ids = Vec::new();
    for t in &ts {
        ids.push(service::start(db, &ws, sync(*t)).await.unwrap().run.id);
    }
    // No handler for backups: the run fails with run.no_handler.
    let orphan = service::start(db, &ws, StartRun::new(RunType::BackupCapture, Some(ts[0]))).await.unwrap().run.id;
    let pool = worker::spawn_workers(db.clone(), registry, 2, Duration::from_millis(20), "test");
    let mut waited = 0;
    loop {
        let q = RunQuery { status: Some(RunStatus::Completed), ..RunQuery::default() };
        if service::list(db, &ws, &q).await.unwrap().total == ids.len() as u64 + 1 || waited > 500 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += 1;
    }
    pool.shutdown().await;
    for (id, t) in ids.iter().zip(&ts) {
        let run = service::get(db, &ws, *id).await.unwrap();
        assert_eq!(run.outcome, RunOutcome::Succeeded, "{run:?}");
        assert_eq!((run.progress_done, run.progress_total), (3, Some(3)));
        assert_eq!(run.summary.get("tenant"), Some(t));
    }
    let run = service::get(db, &ws, orphan).await.unwrap();
    assert_eq!(run.outcome, RunOutcome::Failed);
    assert_eq!(run.failure.unwrap().reason, Reason::Run(RunReason::NoHandler));
    assert_eq!(audit_count(db, "operation.complete").await, ids.len() as i64 + 1);
    app.cleanup().await;
}

/// The progress widget's list: only the caller's own queued and running runs of the workspace (narrowing
/// applies), newest first, five at most plus how many more; customers get `Forbidden`.
async fn active_runs_of_the_caller(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let (db, ws) = (&app.db, contoso_owner(&app.db).await);
    let ts = workspace_tenants(db, "contoso").await;
    let mut mine = Vec::new();
    for t in &ts {
        mine.push(service::start(db, &ws, sync(*t)).await.unwrap().run.id);
    }
    mine.push(service::start(db, &ws, StartRun::new(RunType::BackupCapture, Some(ts[0]))).await.unwrap().run.id);
    for key in ["a", "b"] {
        mine.push(service::start(db, &ws, keyed(ts[3], key)).await.unwrap().run.id);
    }
    // Someone else's run and a system run do not show; a completed one neither.
    let manager = member_scope(db, "manager@contoso.example", "contoso").await.unwrap();
    let theirs = service::start(db, &manager, StartRun::new(RunType::BackupCapture, Some(ts[1]))).await.unwrap();
    worker::enqueue(
        db,
        &system(),
        ws.workspace_id(),
        Some(ts[2]),
        RunType::AlertsEvaluate,
        app::operations::InitiatorKind::System,
    )
    .await
    .unwrap();
    let claimed = claim(db, "w").await.unwrap();
    assert_eq!(claimed.run.id, mine[0], "the oldest queued run is claimed first");
    succeed(db, &claimed).await;
    let second = claim(db, "w").await.unwrap();
    assert_eq!(second.run.id, mine[1]);

    let active = service::active_started_by_caller(db, &ws).await.unwrap();
    let expected: Vec<i64> = mine[1..].iter().rev().copied().take(5).collect();
    assert_eq!(active.runs.iter().map(|r| r.run.id).collect::<Vec<_>>(), expected);
    assert_eq!(active.more, (mine.len() - 1 - 5) as u64);
    assert!(active.runs.iter().all(|r| r.run.id != theirs.run.id));
    // The running one (mine[1]) is older than the five shown, so it is counted in `more`.
    assert!(active.runs.iter().all(|r| r.run.status == RunStatus::Queued && r.tenant_name.is_some()));
    let backup = active.runs.iter().find(|r| r.run.run_type == "backup.capture").unwrap();
    assert!(backup.tenant_name.is_some());
    // The manager sees only their own one.
    let theirs_view = service::active_started_by_caller(db, &manager).await.unwrap();
    assert_eq!(theirs_view.runs.iter().map(|r| r.run.id).collect::<Vec<_>>(), vec![theirs.run.id]);
    assert_eq!(theirs_view.more, 0);
    // Customers have no operations.view; another workspace shows none of Contoso's.
    let customer = member_scope(db, "customer@contoso.example", "contoso").await.unwrap();
    assert_eq!(service::active_started_by_caller(db, &customer).await.unwrap_err(), AppError::Forbidden);
    let fab = member_scope(db, "owner@fabrikam.example", "fabrikam").await.unwrap();
    assert!(service::active_started_by_caller(db, &fab).await.unwrap().runs.is_empty());
    app.cleanup().await;
}

on_both_engines!(
    active_runs_of_the_caller,
    start_is_idempotent_per_identity,
    concurrent_claimers_never_share_a_run,
    claim_reauthorizes_the_initiator,
    cancel_queued_and_running,
    stale_runs_are_reconciled,
    illegal_transitions_are_refused,
    list_filters_and_pages,
    scope_rules,
    workers_execute_handlers_and_shut_down,
);
