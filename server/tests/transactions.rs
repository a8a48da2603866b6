//! A change and its audit entry commit in one transaction, on SQLite and PostgreSQL: with the audit
//! write made to fail inside the database (a trigger injected by the test, after the change's own
//! statements ran), the change is rolled back with it — tenant rename, member role change, connection
//! save, run start — and succeeds once the fault is gone. A failing checkpoint write (the chain's signed
//! head) rolls back the same way. Entries cut off the end of the log are detected by `audit verify`
//! (the library call and the real command line).

mod common;

use common::{as_user, call, seeded, user_id, Engine, TestApp};
use http::StatusCode;

use app::{
    audit::server::HeadProblem,
    db::Db,
    operations::{server::service::StartRun, RunType},
};

/// Makes every insert into `table` fail inside the database.
async fn inject_failure(db: &Db, table: &str) {
    let trigger = format!("test_fail_{table}");
    match db {
        Db::Sqlite(p) => {
            let sql = format!(
                "CREATE TRIGGER {trigger} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
            );
            sqlx::query(&sql).execute(p).await.unwrap();
            // The checkpoint row is updated, not inserted, once it exists.
            let sql = format!(
                "CREATE TRIGGER {trigger}_u BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
            );
            sqlx::query(&sql).execute(p).await.unwrap();
        }
        Db::Postgres(p) => {
            sqlx::query(
                "CREATE OR REPLACE FUNCTION test_injected_failure() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
            )
            .execute(p)
            .await
            .unwrap();
            let sql = format!(
                "CREATE TRIGGER {trigger} BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW \
                 EXECUTE FUNCTION test_injected_failure()"
            );
            sqlx::query(&sql).execute(p).await.unwrap();
        }
    }
}

async fn clear_failure(db: &Db, table: &str) {
    let trigger = format!("test_fail_{table}");
    match db {
        Db::Sqlite(p) => {
            sqlx::query(&format!("DROP TRIGGER {trigger}")).execute(p).await.unwrap();
            sqlx::query(&format!("DROP TRIGGER {trigger}_u")).execute(p).await.unwrap();
        }
        Db::Postgres(p) => {
            sqlx::query(&format!("DROP TRIGGER {trigger} ON {table}")).execute(p).await.unwrap();
        }
    }
}

async fn audit_rows(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM audit_log").await
}

/// Runs `attempt` with the audit write failing (`fails_at`: `audit_log` or `audit_head`), expecting an
/// internal error and `state` unchanged with no new entry; then without the fault, expecting success, a
/// changed `state` and exactly one new entry.
async fn rolls_back_with_its_audit_entry<F, Fut, S, SFut>(app: &TestApp, fails_at: &str, attempt: F, state: S)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = StatusCode>,
    S: Fn() -> SFut,
    SFut: std::future::Future<Output = String>,
{
    let before = state().await;
    let entries = audit_rows(app).await;
    inject_failure(&app.db, fails_at).await;
    assert_eq!(attempt().await, StatusCode::INTERNAL_SERVER_ERROR, "the audit write failed");
    clear_failure(&app.db, fails_at).await;
    assert_eq!(state().await, before, "the change was rolled back with its audit entry");
    assert_eq!(audit_rows(app).await, entries, "no entry without its change");
    assert!(attempt().await.is_success());
    assert_ne!(state().await, before, "without the fault the change lands");
    assert_eq!(audit_rows(app).await, entries + 1, "with exactly one entry");
    let report = app::audit::server::verify(&app.db).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
}

async fn failed_audit_writes_roll_back_the_change(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let owner = as_user(&app, "owner@contoso.example").await;
    let tenant = app.scalar("SELECT MIN(id) FROM tenants WHERE lifecycle = 'draft'").await.to_string();

    // Tenant rename, with the entry and then the signed checkpoint failing.
    for (fails_at, name) in [("audit_log", "Renamed once"), ("audit_head", "Renamed twice")] {
        let form = [("workspace", "contoso"), ("tenant", tenant.as_str()), ("display_name", name)];
        rolls_back_with_its_audit_entry(
            &app,
            fails_at,
            || async { call(&app, "/api/tenants/rename", &form, &owner).await.0 },
            || async {
                let sql = format!("SELECT display_name FROM tenants WHERE id = {tenant}");
                app::db_run!(&app.db, p => sqlx::query_scalar::<_, String>(&sql).fetch_one(p).await).unwrap()
            },
        )
        .await;
    }

    // Member role change.
    let member = user_id(&app, "operator@contoso.example").await.to_string();
    let form = [("workspace", "contoso"), ("member", member.as_str()), ("role", "readonly")];
    rolls_back_with_its_audit_entry(
        &app,
        "audit_log",
        || async { call(&app, "/api/members/role", &form, &owner).await.0 },
        || async {
            let sql = format!("SELECT role FROM workspace_memberships WHERE user_id = {member}");
            app::db_run!(&app.db, p => sqlx::query_scalar::<_, String>(&sql).fetch_one(p).await).unwrap()
        },
    )
    .await;

    // Connection save (the draft tenant has none yet; saving one also moves it to onboarding).
    let form = [("workspace", "contoso"), ("tenant", tenant.as_str()), ("connection_type", "platform")];
    rolls_back_with_its_audit_entry(
        &app,
        "audit_log",
        || async { call(&app, "/api/connections/save", &form, &owner).await.0 },
        || async {
            let sql = format!(
                "SELECT (SELECT COUNT(*) FROM provider_connections WHERE tenant_id = {tenant}) || ' ' || \
                 (SELECT lifecycle FROM tenants WHERE id = {tenant})"
            );
            app::db_run!(&app.db, p => sqlx::query_scalar::<_, String>(&sql).fetch_one(p).await).unwrap()
        },
    )
    .await;

    // Run start (the service a server function and the API call).
    let scope = common::member_scope(&app.db, "owner@contoso.example", "contoso").await.unwrap();
    let tenant_id: i64 = tenant.parse().unwrap();
    rolls_back_with_its_audit_entry(
        &app,
        "audit_log",
        || async {
            let start = StartRun::new(RunType::InventorySync, Some(tenant_id));
            match app::operations::server::service::start(&app.db, &scope, start).await {
                Ok(_) => StatusCode::ACCEPTED,
                Err(app::error::AppError::Internal) => StatusCode::INTERNAL_SERVER_ERROR,
                Err(e) => panic!("unexpected {e:?}"),
            }
        },
        || async { app.scalar("SELECT COUNT(*) FROM operation_runs").await.to_string() },
    )
    .await;
    app.cleanup().await;
}

async fn a_cut_off_tail_is_detected(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let owner = as_user(&app, "owner@contoso.example").await;
    for name in ["One", "Two", "Three"] {
        let form = [("workspace", "contoso"), ("tenant", "1"), ("display_name", name)];
        assert_eq!(call(&app, "/api/tenants/rename", &form, &owner).await.0, StatusCode::OK);
    }
    let report = app::audit::server::verify(&app.db).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    let last = app.scalar("SELECT MAX(id) FROM audit_log").await;

    // The database refuses to delete entries; with its protection dropped, the newest two go.
    let refused = app::db_run!(&app.db, p => sqlx::query("DELETE FROM audit_log WHERE id = $1").bind(last).execute(p).await.map(|_| ()));
    assert!(refused.is_err(), "DELETE on audit_log is refused");
    common::tamper(&app.db, &format!("DELETE FROM audit_log WHERE id > {}", last - 2)).await;
    let report = app::audit::server::verify(&app.db).await.unwrap();
    assert_eq!(report.first_broken, None, "what is left still chains");
    assert_eq!(report.head, Some(HeadProblem::Truncated { last_id: Some(last - 2), checkpoint_id: last }));

    // The command line says so and exits non-zero.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &app.url)
        .env("TENANTPILOT_SECRET_KEY", common::TEST_SECRET_KEY)
        .env("RUST_LOG", "error")
        .output()
        .expect("run tenantpilot");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("truncated: the log ends at id {}", last - 2)), "{stderr}");

    // A forged checkpoint (moved back without the key) is named as such.
    common::tamper(&app.db, &format!("UPDATE audit_head SET last_id = {} WHERE id = 1", last - 2)).await;
    let report = app::audit::server::verify(&app.db).await.unwrap();
    assert_eq!(report.head, Some(HeadProblem::BadSignature));
    app.cleanup().await;
}

on_both_engines!(failed_audit_writes_roll_back_the_change, a_cut_off_tail_is_detected);
