//! Terminal run notifications on SQLite and PostgreSQL (BRIEF §3.11 surface C): exactly one per run with a
//! human initiator on every completion path (worker completion, claim-time blocking, cancelling a queued
//! run, stale reconciliation), none for scheduled or system runs, none while queued or running, idempotent
//! under repeated and racing completions; and the server functions: a user only ever sees and marks their
//! own notifications. Also the operations server functions' validation and 403/404 answers over HTTP.

mod common;

use std::time::Duration;

use app::{
    authz::server::WorkspaceScope,
    db::Db,
    db_run,
    operations::{
        server::{
            service::{self, StartRun},
            worker,
        },
        InitiatorKind, RunOutcome, RunType, SummaryCounts,
    },
};
use common::{call, contoso_owner, member_scope, seeded, system, Engine, Jar, TestApp};
use http::StatusCode;
use serde_json::Value;
use server::seed::DEMO_PASSWORD;

/// Contoso's active tenants, by id.
async fn active_tenants(db: &Db) -> Vec<i64> {
    db_run!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT t.id FROM tenants t JOIN workspaces w ON w.id = t.workspace_id WHERE w.slug = 'contoso' \
         AND t.lifecycle = 'active' ORDER BY t.id")
        .fetch_all(p).await)
    .unwrap()
}

/// Notifications of run `run_id`: (user id, outcome, summary JSON).
async fn notifications_of(db: &Db, run_id: i64) -> Vec<(i64, String, String)> {
    db_run!(db, p => sqlx::query_as::<_, (i64, String, String)>(
        "SELECT user_id, outcome, summary FROM notifications WHERE run_id = $1")
        .bind(run_id).fetch_all(p).await)
    .unwrap()
}

async fn total(db: &Db) -> i64 {
    db_run!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM notifications").fetch_one(p).await).unwrap()
}

async fn start(db: &Db, ws: &WorkspaceScope, tenant: i64, key: &str) -> i64 {
    let req = StartRun { idempotency_key: key.into(), ..StartRun::new(RunType::InventorySync, Some(tenant)) };
    let started = service::start(db, ws, req).await.unwrap();
    assert!(started.created);
    started.run.id
}

async fn claim(db: &Db, worker_id: &str) -> worker::ClaimedRun {
    worker::claim_next(db, &system(), worker_id).await.unwrap().expect("a queued run")
}

async fn a_human_run_completed_by_the_worker_notifies_its_initiator_once(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let (db, ws) = (&app.db, contoso_owner(&app.db).await);
    let t = active_tenants(db).await[0];
    let id = start(db, &ws, t, "").await;
    assert!(notifications_of(db, id).await.is_empty(), "queued: no notification");
    let claimed = claim(db, "w").await;
    assert!(notifications_of(db, id).await.is_empty(), "running: no notification");
    let summary = SummaryCounts::from([("items".to_string(), 4), ("internal_debug".to_string(), 9)]);
    worker::complete(db, &system(), &claimed, RunOutcome::Succeeded, &summary, None).await.unwrap();
    let got = notifications_of(db, id).await;
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].0, got[0].1.as_str()), (ws.actor_id(), "succeeded"));
    let counts: Value = serde_json::from_str(&got[0].2).unwrap();
    assert_eq!(counts, serde_json::json!({ "items": 4 }), "only whitelisted counts");
    // Completing again (or a racing completion path) changes nothing.
    assert!(worker::complete(db, &system(), &claimed, RunOutcome::Failed, &summary, None).await.is_err());
    assert_eq!(notifications_of(db, id).await.len(), 1);
    // The handler path (`execute`) notifies too: no handler → failed, one notification.
    let second = start(db, &ws, t, "").await;
    let claimed = claim(db, "w").await;
    worker::execute(db, &system(), &worker::Registry::new(), claimed).await.unwrap();
    let got = notifications_of(db, second).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, "failed");
    app.cleanup().await;
}

async fn racing_completions_notify_once(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let (db, ws) = (&app.db, contoso_owner(&app.db).await);
    let t = active_tenants(db).await[0];
    let id = start(db, &ws, t, "").await;
    let claimed = claim(db, "w").await;
    let racers: Vec<_> = [RunOutcome::Succeeded, RunOutcome::Failed, RunOutcome::Cancelled, RunOutcome::Succeeded]
        .into_iter()
        .map(|o| {
            let (db, claimed) = (db.clone(), claimed.clone());
            tokio::spawn(async move {
                worker::complete(&db, &system(), &claimed, o, &SummaryCounts::new(), None).await.is_ok()
            })
        })
        .collect();
    let mut won = 0;
    for r in racers {
        won += usize::from(r.await.unwrap());
    }
    assert_eq!(won, 1, "one completion wins");
    // The reconciler running over the same run afterwards does not add another.
    worker::reconcile_stale(db, &system(), chrono::Utc::now() + chrono::Duration::hours(1), Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(notifications_of(db, id).await.len(), 1);
    app.cleanup().await;
}

async fn cancelling_a_queued_run_notifies_once(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let (db, ws) = (&app.db, contoso_owner(&app.db).await);
    let t = active_tenants(db).await[0];
    let id = start(db, &ws, t, "").await;
    let operator = member_scope(db, "operator@contoso.example", "contoso").await.unwrap();
    service::request_cancel(db, &operator, id).await.unwrap();
    let got = notifications_of(db, id).await;
    assert_eq!(got.len(), 1, "to the initiator, not to whoever cancelled");
    assert_eq!((got[0].0, got[0].1.as_str()), (ws.actor_id(), "cancelled"));
    assert!(service::request_cancel(db, &ws, id).await.is_err());
    assert_eq!(notifications_of(db, id).await.len(), 1);
    // A running run that is flagged notifies once, when the worker stops it.
    let running = start(db, &ws, t, "").await;
    let claimed = claim(db, "w").await;
    service::request_cancel(db, &ws, running).await.unwrap();
    assert!(notifications_of(db, running).await.is_empty(), "flagged is not completed");
    let mut registry = worker::Registry::new();
    registry.register(RunType::InventorySync, |ctx: worker::RunContext| async move {
        ctx.checkpoint(1, Some(2)).await?;
        Ok(worker::Done { outcome: RunOutcome::Succeeded, summary: SummaryCounts::new(), failure: None })
    });
    worker::execute(db, &system(), &registry, claimed).await.unwrap();
    let got = notifications_of(db, running).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, "cancelled");
    app.cleanup().await;
}

async fn reconciled_stale_runs_notify_once(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let (db, ws) = (&app.db, contoso_owner(&app.db).await);
    let t = active_tenants(db).await[0];
    let id = start(db, &ws, t, "").await;
    let _claimed = claim(db, "w").await;
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    assert_eq!(worker::reconcile_stale(db, &system(), later, Duration::from_secs(600)).await.unwrap(), vec![id]);
    assert!(worker::reconcile_stale(db, &system(), later, Duration::from_secs(600)).await.unwrap().is_empty());
    let got = notifications_of(db, id).await;
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].0, got[0].1.as_str()), (ws.actor_id(), "failed"));
    app.cleanup().await;
}

async fn claim_time_blocking_notifies_the_initiator(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let db = &app.db;
    let t = active_tenants(db).await[0];
    let operator = member_scope(db, "operator@contoso.example", "contoso").await.unwrap();
    let id = start(db, &operator, t, "").await;
    // The operator loses access before the run is claimed: it ends blocked, and they are told.
    db_run!(db, p => sqlx::query("UPDATE workspace_memberships SET role = 'readonly' WHERE user_id = $1")
        .bind(operator.actor_id()).execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
    assert!(worker::claim_next(db, &system(), "w").await.unwrap().is_none());
    let got = notifications_of(db, id).await;
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].0, got[0].1.as_str()), (operator.actor_id(), "blocked"));
    app.cleanup().await;
}

async fn scheduled_and_system_runs_notify_nobody(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let db = &app.db;
    let ws = contoso_owner(db).await;
    let t = active_tenants(db).await;
    let (scheduled, _) =
        worker::enqueue(db, &system(), ws.workspace_id(), Some(t[0]), RunType::InventorySync, InitiatorKind::Scheduled)
            .await
            .unwrap();
    let (sys, _) =
        worker::enqueue(db, &system(), ws.workspace_id(), Some(t[1]), RunType::InventorySync, InitiatorKind::System)
            .await
            .unwrap();
    let (cancelled, _) = worker::enqueue(
        db,
        &system(),
        ws.workspace_id(),
        Some(t[2]),
        RunType::ProviderConnectionVerify,
        InitiatorKind::System,
    )
    .await
    .unwrap();
    let first = claim(db, "w").await;
    worker::complete(db, &system(), &first, RunOutcome::Succeeded, &SummaryCounts::new(), None).await.unwrap();
    let _second = claim(db, "w").await;
    service::request_cancel(db, &ws, cancelled).await.unwrap();
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    worker::reconcile_stale(db, &system(), later, Duration::from_secs(600)).await.unwrap();
    for id in [scheduled, sys, cancelled] {
        let run = service::get(db, &ws, id).await.unwrap();
        assert!(!run.state().is_active(), "run {id} completed");
    }
    assert_eq!(total(db).await, 0);
    app.cleanup().await;
}

async fn users_see_and_mark_only_their_own_notifications(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let db = &app.db;
    let t = active_tenants(db).await;
    let ws = contoso_owner(db).await;
    let operator = member_scope(db, "operator@contoso.example", "contoso").await.unwrap();
    let mine = start(db, &ws, t[0], "").await;
    let theirs = start(db, &operator, t[1], "").await;
    service::request_cancel(db, &ws, mine).await.unwrap();
    service::request_cancel(db, &ws, theirs).await.unwrap();

    let owner_jar = app.login("owner@contoso.example", DEMO_PASSWORD).await;
    let operator_jar = app.login("operator@contoso.example", DEMO_PASSWORD).await;
    let readonly_jar = app.login("readonly@contoso.example", DEMO_PASSWORD).await;
    let (status, body) = call(&app, "/api/notifications/list", &[], &owner_jar).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["run_id"], mine);
    assert_eq!(items[0]["outcome"], "cancelled");
    assert_eq!(items[0]["workspace_slug"], "contoso");
    assert_eq!(body["unread"], 1);
    let (_, body) = call(&app, "/api/notifications/list", &[("workspace", "contoso")], &operator_jar).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["items"][0]["run_id"], theirs);
    let (_, body) = call(&app, "/api/notifications/list", &[], &readonly_jar).await;
    assert_eq!((body["items"].as_array().unwrap().len(), body["unread"].as_i64()), (0, Some(0)));
    // A workspace the user does not belong to: 404.
    let (status, _) = call(&app, "/api/notifications/list", &[("workspace", "fabrikam")], &owner_jar).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Marking another user's notification read changes nothing; bad input is a field error.
    let other_id = body_id(&app, &operator_jar).await;
    let (status, body) = call(&app, "/api/notifications/read", &[("ids", &other_id.to_string())], &owner_jar).await;
    assert_eq!((status, body), (StatusCode::OK, Value::from(0)));
    let (status, body) = call(&app, "/api/notifications/read", &[("ids", "1,x")], &owner_jar).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = call(&app, "/api/notifications/read", &[], &owner_jar).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, body) = call(&app, "/api/notifications/unread", &[], &operator_jar).await;
    assert_eq!(body, Value::from(1));
    let (status, body) = call(&app, "/api/notifications/read", &[("all", "true")], &owner_jar).await;
    assert_eq!((status, body), (StatusCode::OK, Value::from(1)));
    let (_, body) = call(&app, "/api/notifications/unread", &[], &owner_jar).await;
    assert_eq!(body, Value::from(0));
    let (_, body) = call(&app, "/api/notifications/unread", &[], &operator_jar).await;
    assert_eq!(body, Value::from(1), "the operator's stays unread");
    // Signed out: the list is 401, the bell's count is 0.
    let (status, _) = call(&app, "/api/notifications/list", &[], &Jar::default()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, body) = call(&app, "/api/notifications/unread", &[], &Jar::default()).await;
    assert_eq!(body, Value::from(0));
    // A member who left the workspace no longer sees its notifications.
    db_run!(db, p => sqlx::query("DELETE FROM workspace_memberships WHERE user_id = $1")
        .bind(operator.actor_id()).execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
    let (_, body) = call(&app, "/api/notifications/unread", &[], &operator_jar).await;
    assert_eq!(body, Value::from(0));
    app.cleanup().await;
}

async fn body_id(app: &TestApp, jar: &Jar) -> i64 {
    let (_, body) = call(app, "/api/notifications/list", &[], jar).await;
    body["items"][0]["id"].as_i64().expect("a notification")
}

async fn operations_server_functions_validate_and_answer_403_404(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let db = &app.db;
    let t = active_tenants(db).await;
    let ws = contoso_owner(db).await;
    let run = start(db, &ws, t[0], "").await;
    let owner_jar = app.login("owner@contoso.example", DEMO_PASSWORD).await;
    let readonly = app.login("readonly@contoso.example", DEMO_PASSWORD).await;
    let customer = app.login("customer@contoso.example", DEMO_PASSWORD).await;
    let fabrikam = app.login("owner@fabrikam.example", DEMO_PASSWORD).await;

    let (status, body) = call(&app, "/api/operations/list", &[("workspace", "contoso")], &owner_jar).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"][0]["id"], run);
    let form = [
        ("workspace", "contoso"),
        ("run_type", "nope"),
        ("status", "x"),
        ("outcome", "y"),
        ("tenant", "-3"),
        ("stale", "maybe"),
        ("page", "0"),
    ];
    let (status, body) = call(&app, "/api/operations/list", &form, &owner_jar).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let text = body.to_string();
    for field in ["run_type", "status", "outcome", "tenant", "stale", "page"] {
        assert!(text.contains(field), "{field} in {text}");
    }
    let (status, body) =
        call(&app, "/api/operations/list", &[("workspace", "contoso"), ("outcome", "succeeded")], &owner_jar).await;
    assert_eq!((status, body["total"].as_i64()), (StatusCode::OK, Some(0)));

    let id = run.to_string();
    let get = [("workspace", "contoso"), ("id", id.as_str())];
    let (status, body) = call(&app, "/api/operations/get", &get, &readonly).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["can_cancel"].as_bool(), body["active"].as_bool()), (Some(false), Some(true)));
    assert!(body["tenant_name"].is_string());
    let (status, _) = call(&app, "/api/operations/cancel", &get, &readonly).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(&app, "/api/operations/get", &get, &customer).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "member lacking operations.view");
    let (status, _) = call(&app, "/api/operations/get", &get, &fabrikam).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not a member");
    let (status, _) =
        call(&app, "/api/operations/get", &[("workspace", "fabrikam"), ("id", id.as_str())], &fabrikam).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another workspace's run");
    let (status, body) = call(&app, "/api/operations/cancel", &get, &owner_jar).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["active"].as_bool(), body["run"]["outcome"].as_str()), (Some(false), Some("cancelled")));
    let (status, _) = call(&app, "/api/operations/cancel", &get, &owner_jar).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let tenant = t[1].to_string();
    let start_form = [("workspace", "contoso"), ("run_type", "inventory.sync"), ("tenant", tenant.as_str())];
    let (status, body) = call(&app, "/api/operations/start", &start_form, &owner_jar).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["created"], true);
    let (status, _) = call(&app, "/api/operations/start", &start_form, &readonly).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let bad = [("workspace", "contoso"), ("run_type", "inventory"), ("tenant", tenant.as_str())];
    let (status, _) = call(&app, "/api/operations/start", &bad, &owner_jar).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    app.cleanup().await;
}

on_both_engines!(
    a_human_run_completed_by_the_worker_notifies_its_initiator_once,
    racing_completions_notify_once,
    cancelling_a_queued_run_notifies_once,
    reconciled_stale_runs_notify_once,
    claim_time_blocking_notifies_the_initiator,
    scheduled_and_system_runs_notify_nobody,
    users_see_and_mark_only_their_own_notifications,
    operations_server_functions_validate_and_answer_403_404,
);
