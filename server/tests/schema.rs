//! The schema itself: both engines' migrations build the same tables, columns, indexes and protection
//! triggers, and the database refuses to rewrite history — UPDATE, DELETE (and on PostgreSQL TRUNCATE) of
//! the audit log, DELETE of policy versions and of the audit head checkpoint, a second row claiming the
//! same predecessor in the chain — on SQLite and PostgreSQL.

mod common;

use std::collections::BTreeSet;

use app::db::Db;
use common::{seeded, try_exec, workspace_id, Engine, TestApp};
use http::StatusCode;
use server::seed::DEMO_PASSWORD;

/// Tables created by something other than the migrations: sqlx's bookkeeping, and the session store's
/// table (SQLite keeps it in the main schema; PostgreSQL in its own `tower_sessions` schema, not `public`).
const NOT_MIGRATED: [&str; 2] = ["_sqlx_migrations", "tower_sessions"];

#[derive(Debug)]
struct Schema {
    tables: BTreeSet<String>,
    /// (table, column), generated columns included.
    columns: BTreeSet<(String, String)>,
    /// (table, index) for indexes created by name (CREATE INDEX), see [`schema_of`].
    indexes: BTreeSet<(String, String)>,
    /// (table, trigger).
    triggers: BTreeSet<(String, String)>,
}

async fn pairs(db: &Db, sql: &str) -> BTreeSet<(String, String)> {
    let rows: Vec<(String, String)> =
        app::db_run!(db, p => sqlx::query_as(sql).fetch_all(p).await).unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter().filter(|(table, _)| !NOT_MIGRATED.contains(&table.as_str())).collect()
}

async fn schema_of(db: &Db) -> Schema {
    let (columns, indexes, triggers) = match db {
        Db::Sqlite(_) => (
            "SELECT m.name, c.name FROM sqlite_schema m, pragma_table_xinfo(m.name) c \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            // A UNIQUE or PRIMARY KEY constraint gets an unnamed `sqlite_autoindex_<table>_<n>`.
            "SELECT tbl_name, name FROM sqlite_schema \
             WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'",
            "SELECT tbl_name, name FROM sqlite_schema WHERE type = 'trigger'",
        ),
        Db::Postgres(_) => (
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public'",
            // A PRIMARY KEY or UNIQUE constraint is backed by an index named after the constraint (`*_pkey`,
            // `*_key`), which SQLite has only as an anonymous `sqlite_autoindex_*`: the constraint-backed
            // indexes are the same artefact on both sides, so neither is compared.
            "SELECT t.relname::text, i.relname::text FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = 'public' \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            "SELECT c.relname::text, t.tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal",
        ),
    };
    let columns = pairs(db, columns).await;
    Schema {
        tables: columns.iter().map(|(table, _)| table.clone()).collect(),
        columns,
        indexes: pairs(db, indexes).await,
        triggers: pairs(db, triggers).await,
    }
}

fn differences<T: Ord + Clone + std::fmt::Debug>(sqlite: &BTreeSet<T>, postgres: &BTreeSet<T>) -> String {
    let only_sqlite: Vec<_> = sqlite.difference(postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(sqlite).collect();
    format!("only on SQLite: {only_sqlite:?}; only on PostgreSQL: {only_postgres:?}")
}

/// Both engines' migrations build the same tables, the same columns per table (names; types differ by
/// design), the same named indexes and the same protection triggers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_agree_across_engines() {
    let Some(pg) = TestApp::new(Engine::Postgres).await else { return };
    let lite = TestApp::new(Engine::Sqlite).await.expect("SQLite is always available");
    let (s, p) = (schema_of(&lite.db).await, schema_of(&pg.db).await);

    assert!(s.tables.contains("audit_head") && s.tables.contains("audit_log"), "{:?}", s.tables);
    assert_eq!(s.tables, p.tables, "tables: {}", differences(&s.tables, &p.tables));
    assert_eq!(s.columns, p.columns, "columns: {}", differences(&s.columns, &p.columns));
    assert!(s.indexes.contains(&("audit_log".into(), "audit_log_prev_hash_key".into())), "{:?}", s.indexes);
    assert_eq!(s.indexes, p.indexes, "indexes: {}", differences(&s.indexes, &p.indexes));
    // SQLite has no TRUNCATE: PostgreSQL alone has the `*_no_truncate` statement triggers.
    let p_triggers: BTreeSet<_> = p.triggers.iter().filter(|(_, t)| !t.ends_with("_no_truncate")).cloned().collect();
    assert_eq!(s.triggers, p_triggers, "triggers: {}", differences(&s.triggers, &p_triggers));
    for trigger in ["audit_log_no_update", "audit_log_no_delete", "policy_versions_no_delete", "audit_head_no_delete"] {
        assert!(s.triggers.iter().any(|(_, t)| t == trigger), "missing trigger {trigger}: {:?}", s.triggers);
    }
    lite.cleanup().await;
    pg.cleanup().await;
}

/// Runs `sql` and expects the database to refuse it with a message containing `message`.
async fn refused(db: &Db, sql: &str, message: &str) {
    match try_exec(db, sql).await {
        Ok(n) => panic!("{sql}: accepted ({n} rows), expected refusal"),
        Err(e) => assert!(e.to_string().contains(message), "{sql}: {e}"),
    }
}

async fn count(app: &TestApp, table: &str) -> i64 {
    app.scalar(&format!("SELECT COUNT(*) FROM {table}")).await
}

/// The demo seed, plus an audit entry written the way the product writes one: a manager creating a tenant.
async fn with_audit_entries(engine: Engine) -> Option<TestApp> {
    let app = seeded(engine).await?;
    let before = count(&app, "audit_log").await;
    let manager = app.login("manager@contoso.example", DEMO_PASSWORD).await;
    let form = [
        ("workspace", "contoso"),
        ("display_name", "Schema Co"),
        ("primary_domain", "schema.example"),
        ("entra_tenant_id", "7d1e2f3a-3333-4c3d-9e3f-000000000501"),
    ];
    assert_eq!(app.post_form("/api/tenants/create", &form, &manager).await.status, StatusCode::OK);
    assert_eq!(count(&app, "audit_log").await, before + 1, "tenant.create is audited");
    Some(app)
}

async fn audit_log_is_append_only(engine: Engine) {
    let Some(app) = with_audit_entries(engine).await else { return };
    let rows = count(&app, "audit_log").await;
    let db = &app.db;
    refused(db, "UPDATE audit_log SET summary = 'x'", "audit_log is append-only").await;
    refused(db, "DELETE FROM audit_log", "audit_log is append-only").await;
    let last = app.scalar("SELECT MAX(id) FROM audit_log").await;
    refused(db, &format!("DELETE FROM audit_log WHERE id = {last}"), "audit_log is append-only").await;
    if engine == Engine::Postgres {
        refused(db, "TRUNCATE audit_log", "audit_log is append-only").await;
    }
    assert_eq!(count(&app, "audit_log").await, rows);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log WHERE summary = 'x'").await, 0);
    // A second row claiming the same predecessor (a fork of the chain) is refused by the unique index.
    let fork = "INSERT INTO audit_log (workspace_id, tenant_id, actor_id, actor_label, actor_type, action, \
                resource_type, resource_id, outcome, summary, metadata, ip, user_agent, recorded_at, prev_hash, hash) \
                SELECT workspace_id, tenant_id, actor_id, actor_label, actor_type, action, resource_type, \
                resource_id, outcome, summary, metadata, ip, user_agent, recorded_at, prev_hash, 'fork' \
                FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)";
    let err = try_exec(db, fork).await.expect_err("a duplicate prev_hash must be refused");
    assert!(matches!(&err, sqlx::Error::Database(d) if d.is_unique_violation()), "{err}");
    // The product still appends after the refusals.
    let owner = app.login("owner@contoso.example", DEMO_PASSWORD).await;
    let tenant = app.scalar("SELECT id FROM tenants WHERE display_name = 'Schema Co'").await.to_string();
    let form = [("workspace", "contoso"), ("tenant", tenant.as_str()), ("display_name", "Schema Co 2")];
    assert_eq!(app.post_form("/api/tenants/rename", &form, &owner).await.status, StatusCode::OK);
    assert_eq!(count(&app, "audit_log").await, rows + 1);
    app.cleanup().await;
}

async fn policy_versions_refuse_delete(engine: Engine) {
    let Some(app) = with_audit_entries(engine).await else { return };
    let db = &app.db;
    let tenant = app.scalar("SELECT id FROM tenants WHERE display_name = 'Schema Co'").await;
    let workspace = workspace_id(&app, "contoso").await;
    let at = "'2026-01-01T00:00:00Z'";
    try_exec(
        db,
        &format!(
            "INSERT INTO policies (workspace_id, tenant_id, policy_type, external_id, display_name, content_hash, \
             first_seen_at, last_seen_at) VALUES ({workspace}, {tenant}, 'deviceConfiguration', 'p-1', 'P', 'h', {at}, {at})"
        ),
    )
    .await
    .unwrap();
    let policy = app.scalar("SELECT id FROM policies WHERE external_id = 'p-1'").await;
    try_exec(
        db,
        &format!(
            "INSERT INTO policy_versions (policy_id, tenant_id, version_no, policy_type, captured_at, content_hash, \
             snapshot, redaction_version) VALUES ({policy}, {tenant}, 1, 'deviceConfiguration', {at}, 'h', '{{}}', 1)"
        ),
    )
    .await
    .unwrap();
    refused(db, "DELETE FROM policy_versions", "policy_versions are immutable").await;
    refused(db, "UPDATE policy_versions SET snapshot = '{}'", "policy_versions are immutable").await;
    // Deleting what a version belongs to cascades into policy_versions and is refused as well (no product
    // path deletes policies, tenants or workspaces).
    refused(db, &format!("DELETE FROM policies WHERE id = {policy}"), "policy_versions are immutable").await;
    refused(db, &format!("DELETE FROM tenants WHERE id = {tenant}"), "policy_versions are immutable").await;
    if engine == Engine::Postgres {
        refused(db, "TRUNCATE policy_versions", "policy_versions are immutable").await;
    }
    assert_eq!(count(&app, "policy_versions").await, 1);
    app.cleanup().await;
}

async fn audit_head_moves_but_is_never_removed(engine: Engine) {
    // A fresh database: no audit entry yet, so no head either (the product writes it with the first entry).
    let Some(app) = TestApp::new(engine).await else { return };
    let db = &app.db;
    assert_eq!((count(&app, "audit_log").await, count(&app, "audit_head").await), (0, 0));
    let insert = "INSERT INTO audit_head (id, last_id, last_hash, mac, updated_at) \
                  VALUES (1, 0, 'genesis', 'mac', '2026-01-01T00:00:00.000Z')";
    assert_eq!(try_exec(db, insert).await.unwrap(), 1);
    // One row only: id is fixed to 1.
    assert!(try_exec(db, &insert.replace("VALUES (1,", "VALUES (2,")).await.is_err(), "a second head row");
    assert!(try_exec(db, insert).await.is_err(), "a duplicate head row");
    // Moving the head forward is allowed; removing it is not.
    let moved = "UPDATE audit_head SET mac = 'mac2', updated_at = '2026-01-02T00:00:00.000Z' WHERE id = 1";
    assert_eq!(try_exec(db, moved).await.unwrap(), 1);
    refused(db, "DELETE FROM audit_head", "audit_head cannot be deleted").await;
    if engine == Engine::Postgres {
        refused(db, "TRUNCATE audit_head", "audit_head cannot be deleted").await;
    }
    assert_eq!(count(&app, "audit_head").await, 1);
    app.cleanup().await;
}

/// The test helper that tampers behind the product's back really lifts the protection, on both engines.
async fn tamper_lifts_the_protection(engine: Engine) {
    let Some(app) = with_audit_entries(engine).await else { return };
    let rows = count(&app, "audit_log").await;
    assert_eq!(common::tamper(&app.db, "UPDATE audit_log SET summary = 'x'").await, rows as u64);
    assert_eq!(common::tamper(&app.db, "DELETE FROM audit_log").await, rows as u64);
    assert_eq!(count(&app, "audit_log").await, 0);
    app.cleanup().await;
}

on_both_engines!(
    audit_log_is_append_only,
    policy_versions_refuse_delete,
    audit_head_moves_but_is_never_removed,
    tamper_lifts_the_protection,
);
