//! Test harness: a real router on a fresh database of either engine, driven in-process with
//! `tower::ServiceExt::oneshot`, with a minimal cookie jar. SQLite databases are temp files;
//! PostgreSQL databases are created per test on `TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432`). Without PostgreSQL the PostgreSQL tests are skipped, except
//! under `CI=true`, where that is a failure.
#![allow(dead_code)]

use std::{collections::HashMap, path::PathBuf};

use axum::{body::Body, Router};
use http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use sqlx::{Connection, Executor};
use tower::ServiceExt;

use app::db::Db;
use server::{config::Config, http::router, startup};

pub mod world;

/// The scope `email` gets entering workspace `slug`, as a signed-in request would.
pub async fn member_scope(
    db: &Db,
    email: &str,
    slug: &str,
) -> Result<app::authz::server::WorkspaceScope, app::error::AppError> {
    actor(db, email).await.workspace(db, slug, app::authz::Capability::WorkspaceView).await
}

/// A demo account as an actor, authenticated by its password like a sign-in (actors cannot be minted
/// from a user row).
pub async fn actor(db: &Db, email: &str) -> app::auth::server::Actor {
    let creds = app::auth::Credentials { email: email.into(), password: server::seed::DEMO_PASSWORD.into() };
    let meta = app::auth::server::RequestMeta { ip: "127.0.0.1".into(), user_agent: "tests".into() };
    app::auth::server::Actor::sign_in(db, &creds, &meta).await.expect("demo account signs in")
}

/// The secret key every test server uses (32 bytes of 0x2a).
pub const TEST_SECRET_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Declares each listed `async fn name(engine: Engine)` as two tests, `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::common::Engine::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::common::Engine::Postgres).await })*
        }
    };
}

pub struct TestApp {
    pub router: Router,
    pub db: Db,
    pub engine: Engine,
    /// The database URL (for starting the server binary on the same database).
    pub url: String,
    /// The review pack store the router and the test's workers share (a directory of this test).
    pub packs: std::sync::Arc<dyn app::reviews::server::storage::PackStore>,
    pg_admin: Option<(String, String)>,
    sqlite_file: Option<PathBuf>,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Response {
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok().map(String::from)).collect()
    }

    /// The value the response sets for cookie `name` (`Some("")` when it expires it).
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().iter().find_map(|c| {
            let first = c.split(';').next()?;
            let (k, v) = first.split_once('=')?;
            (k.trim() == name).then(|| v.trim().to_string())
        })
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn postgres_base() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432".into())
}

fn with_database(base: &str, db: &str) -> String {
    let (head, query) = base.split_once('?').map_or((base, None), |(h, q)| (h, Some(q)));
    let after_scheme = head.find("://").map_or(0, |i| i + 3);
    let head = match head[after_scheme..].find('/') {
        Some(i) => &head[..after_scheme + i],
        None => head,
    };
    match query {
        Some(q) => format!("{head}/{db}?{q}"),
        None => format!("{head}/{db}"),
    }
}

impl TestApp {
    /// A fresh, migrated database and a router on it; `None` when PostgreSQL is unavailable outside CI.
    pub async fn new(engine: Engine) -> Option<Self> {
        Self::with_config(engine, |_| {}).await
    }

    /// Like [`TestApp::new`], with the test configuration adjusted by `adjust` (e.g. Graph endpoints).
    pub async fn with_config(engine: Engine, adjust: impl FnOnce(&mut Config)) -> Option<Self> {
        let name = format!("tp_test_{}", uuid::Uuid::new_v4().simple());
        let (url, pg_admin, sqlite_file) = match engine {
            Engine::Sqlite => {
                let dir = std::env::temp_dir().join("tenantpilot-tests");
                std::fs::create_dir_all(&dir).unwrap();
                let file = dir.join(format!("{name}.db"));
                (format!("sqlite://{}", file.display()), None, Some(file))
            }
            Engine::Postgres => {
                let base = postgres_base();
                let admin_url = with_database(&base, "postgres");
                let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
                    Ok(c) => c,
                    Err(e) => {
                        if std::env::var("CI").is_ok_and(|v| v == "true") {
                            panic!("CI=true but PostgreSQL is unavailable at {admin_url}: {e}");
                        }
                        eprintln!("skipping PostgreSQL test: {e}");
                        return None;
                    }
                };
                admin.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
                admin.close().await.ok();
                (with_database(&base, &name), Some((admin_url, name.clone())), None)
            }
        };
        let db = startup::open_database(&url).await.expect("open test database");
        let database_url = url.clone();
        let config = Config {
            addr: "127.0.0.1:3000".parse().unwrap(),
            data_dir: std::env::temp_dir().join("tenantpilot-tests").join(&name),
            database_url: url,
            public_url: "http://127.0.0.1:3000".into(),
            default_locale: "en".into(),
            site_root: std::env::temp_dir().join("tenantpilot-tests-site"),
            demo: false,
            secret_key: Some(TEST_SECRET_KEY.into()),
            graph: None,
            workers: 0,
            sync_interval: None,
            stale_after: std::time::Duration::from_secs(300),
        };
        let mut config = config;
        adjust(&mut config);
        let (state, sessions) = startup::build(&config, db.clone()).await.expect("build state");
        let packs = state.packs.clone();
        Some(Self { router: router(state, sessions), db, engine, url: database_url, packs, pg_admin, sqlite_file })
    }

    /// Drops the test database.
    pub async fn cleanup(self) {
        self.db.close().await;
        if let Some((admin_url, name)) = self.pg_admin {
            if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                let _ = admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
            }
        }
        if let Some(file) = self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Response {
        let res = self.router.clone().oneshot(req).await.expect("router never fails");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        Response { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&self, path: &str, jar: &Jar) -> Response {
        let req = jar
            .apply(Request::builder().method(Method::GET).uri(path).header(header::ACCEPT, "text/html"))
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    /// A form POST as a script (`Accept: application/json`) from this origin.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)], jar: &Jar) -> Response {
        self.post_form_from(path, form, jar, None).await
    }

    /// A form POST as a browser without JavaScript sends it: `Accept: text/html` and the page it was on
    /// (`referer`, a path of this origin), so the server function answers with a redirect back there.
    pub async fn plain_post(&self, path: &str, form: &[(&str, &str)], jar: &Jar, referer: &str) -> Response {
        self.post_form_from(path, form, jar, Some(referer)).await
    }

    async fn post_form_from(&self, path: &str, form: &[(&str, &str)], jar: &Jar, referer: Option<&str>) -> Response {
        let body = serde_urlencoded(form);
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::CONTENT_LENGTH, body.len());
        builder = match referer {
            Some(page) => builder
                .header(header::ACCEPT, "text/html")
                .header(header::REFERER, format!("http://127.0.0.1:3000{page}")),
            None => builder.header(header::ACCEPT, "application/json"),
        };
        let req = jar.apply(builder).body(Body::from(body)).unwrap();
        self.send(req).await
    }

    /// Signs in through the login server function and returns the jar holding the session.
    pub async fn login(&self, email: &str, password: &str) -> Jar {
        let mut jar = Jar::default();
        let res = self.post_form("/api/auth/login", &[("email", email), ("password", password)], &jar).await;
        assert!(res.status.is_success() || res.status.is_redirection(), "login failed: {} {}", res.status, res.body);
        jar.store(&res);
        jar
    }

    pub async fn create_user(&self, email: &str, password: &str) -> i64 {
        app::auth::server::service::create_user(&self.db, email, None, password, false).await.expect("create user")
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        scalar(&self.db, sql).await
    }

    /// Number of stored sessions.
    pub async fn session_count(&self) -> i64 {
        match self.engine {
            Engine::Sqlite => self.scalar("SELECT COUNT(*) FROM tower_sessions").await,
            Engine::Postgres => self.scalar("SELECT COUNT(*) FROM tower_sessions.session").await,
        }
    }
}

pub fn serde_urlencoded(form: &[(&str, &str)]) -> String {
    form.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A minimal cookie jar.
#[derive(Debug, Default, Clone)]
pub struct Jar(pub HashMap<String, String>);

impl Jar {
    pub fn with(name: &str, value: &str) -> Self {
        let mut j = Self::default();
        j.0.insert(name.into(), value.into());
        j
    }

    pub fn store(&mut self, res: &Response) {
        for c in res.set_cookies() {
            let first = c.split(';').next().unwrap_or_default();
            if let Some((k, v)) = first.split_once('=') {
                let expired = c.to_ascii_lowercase().contains("max-age=0") || v.is_empty();
                if expired {
                    self.0.remove(k.trim());
                } else {
                    self.0.insert(k.trim().into(), v.trim().into());
                }
            }
        }
    }

    pub fn apply(&self, b: http::request::Builder) -> http::request::Builder {
        if self.0.is_empty() {
            return b;
        }
        let v = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        b.header(header::COOKIE, v)
    }
}

/// Runs `sql` behind the product's back on a database whose audit log and policy versions the schema
/// protects (migration 0012): drops the triggers refusing UPDATE, DELETE (and on PostgreSQL TRUNCATE) of
/// `audit_log`, `policy_versions` and `audit_head` first, then runs the statement; returns the rows it
/// affected. For tests proving that tampering is detected; the triggers stay dropped (the database is the
/// test's own).
pub async fn tamper(db: &Db, sql: &str) -> u64 {
    const TRIGGERS: [(&str, &str); 8] = [
        ("audit_log_no_update", "audit_log"),
        ("audit_log_no_delete", "audit_log"),
        ("audit_log_no_truncate", "audit_log"),
        ("policy_versions_immutable", "policy_versions"),
        ("policy_versions_no_delete", "policy_versions"),
        ("policy_versions_no_truncate", "policy_versions"),
        ("audit_head_no_delete", "audit_head"),
        ("audit_head_no_truncate", "audit_head"),
    ];
    for (trigger, table) in TRIGGERS {
        let drop = match db {
            Db::Sqlite(_) => format!("DROP TRIGGER IF EXISTS {trigger}"),
            Db::Postgres(_) => format!("DROP TRIGGER IF EXISTS {trigger} ON {table}"),
        };
        app::db_run!(db, p => sqlx::query(&drop).execute(p).await.map(|_| ())).expect(&drop);
    }
    try_exec(db, sql).await.expect(sql)
}

/// A fresh app with the demo seeded (`None` when PostgreSQL is unavailable outside CI).
pub async fn seeded(engine: Engine) -> Option<TestApp> {
    let app = TestApp::new(engine).await?;
    assert!(server::seed::demo(&app.db).await.unwrap());
    Some(app)
}

/// Signs in as a demo account.
pub async fn as_user(app: &TestApp, who: &str) -> Jar {
    app.login(who, server::seed::DEMO_PASSWORD).await
}

/// A server function called as a script: (status, JSON body or `Null`).
pub async fn call(app: &TestApp, path: &str, form: &[(&str, &str)], jar: &Jar) -> (StatusCode, serde_json::Value) {
    let res = app.post_form(path, form, jar).await;
    (res.status, serde_json::from_str(&res.body).unwrap_or(serde_json::Value::Null))
}

/// The id of the account with `email`.
pub async fn user_id(app: &TestApp, email: &str) -> i64 {
    id_of(&app.db, "SELECT id FROM users WHERE email = $1", email).await
}

/// The id of the workspace with `slug`.
pub async fn workspace_id(app: &TestApp, slug: &str) -> i64 {
    id_of(&app.db, "SELECT id FROM workspaces WHERE slug = $1", slug).await
}

/// The one integer `sql` selects with `$1` bound to `bind`.
pub async fn id_of(db: &Db, sql: &str, bind: &str) -> i64 {
    app::db_run!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(bind).fetch_one(p).await).expect(sql)
}

/// The one integer `sql` selects.
pub async fn scalar(db: &Db, sql: &str) -> i64 {
    app::db_run!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).expect(sql)
}

/// The strings `sql` selects, in its order.
pub async fn strings(app: &TestApp, sql: &str) -> Vec<String> {
    app::db_run!(&app.db, p => sqlx::query_scalar::<_, String>(sql).fetch_all(p).await).expect(sql)
}

/// Runs `sql` (no triggers lifted); the rows it affected, or the database's refusal.
pub async fn try_exec(db: &Db, sql: &str) -> Result<u64, sqlx::Error> {
    app::db_run!(db, p => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()))
}

/// Runs `sql`, which must succeed.
pub async fn exec(app: &TestApp, sql: &str) {
    try_exec(&app.db, sql).await.expect(sql);
}

/// The ids of the tenants of workspace `slug` (any lifecycle), by id.
pub async fn workspace_tenants(db: &Db, slug: &str) -> Vec<i64> {
    app::db_run!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT t.id FROM tenants t JOIN workspaces w ON w.id = t.workspace_id WHERE w.slug = $1 ORDER BY t.id")
        .bind(slug).fetch_all(p).await)
    .unwrap()
}

/// The system scope tests act with (claiming and completing runs, writing system audit entries).
pub fn system() -> app::authz::server::SystemScope {
    app::authz::server::SystemScope::for_test("tests")
}

/// The scope of Contoso's owner in Contoso.
pub async fn contoso_owner(db: &Db) -> app::authz::server::WorkspaceScope {
    member_scope(db, "owner@contoso.example", "contoso").await.unwrap()
}

/// How a JSON API call authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    Cookie(&'a Jar),
}

/// A JSON API call (`/api/v1{path}`) from this site's origin; `body` is sent as JSON.
pub async fn api(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<serde_json::Value>,
) -> Response {
    let mut b = Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"))
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::ACCEPT, "application/json");
    match auth {
        Auth::None => {}
        Auth::Bearer(t) => b = b.header(header::AUTHORIZATION, format!("Bearer {t}")),
        Auth::Cookie(jar) => b = jar.apply(b),
    }
    let req = match body {
        Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    app.send(req).await
}

/// Asserts an RFC 9457 problem with `status` and `code`; returns the document.
#[track_caller]
pub fn problem(res: &Response, status: StatusCode, code: &str) -> serde_json::Value {
    assert_eq!(res.status, status, "{}", res.body);
    let ct = res.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(ct, "application/problem+json", "{}", res.body);
    let v = res.json();
    assert_eq!(v["status"], status.as_u16(), "{v}");
    assert_eq!(v["code"], code, "{v}");
    assert_eq!(v["type"], format!("urn:tenantpilot:problem:{code}"));
    assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    assert!(v["detail"].as_str().is_some(), "{v}");
    v
}

/// A call to the Graph simulator's control API (`/_sim{path}`), which must succeed; its JSON answer or `Null`.
pub async fn sim_control(
    sim: &server::graph_sim::SimHandle,
    method: reqwest::Method,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let resp = reqwest::Client::new()
        .request(method, format!("{}/_sim{path}", sim.base_url()))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "control {path}: {}", resp.status());
    serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(serde_json::Value::Null)
}
