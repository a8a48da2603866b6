//! JSON API v1 and personal API tokens over HTTP against the seeded demo, on SQLite and PostgreSQL:
//! authentication (session cookie and bearer tokens), token lifecycle and confinement, RBAC through the
//! API, problem+json errors, pagination, and the OpenAPI document agreeing with the router.

mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use common::{api, exec, problem, seeded, strings, user_id, workspace_id, Auth, Engine, Jar, Response, TestApp};
use http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use server::seed::DEMO_PASSWORD;

const GUID: &str = "7d1e2f3a-4444-4c3d-9e3f-000000000001";

/// A raw API call with an explicit content type and body.
async fn call_raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Response {
    let req = Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"))
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

/// Field errors of a validation problem as (field, code) pairs.
fn field_errors(v: &Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| (e["field"].as_str().unwrap().to_string(), e["code"].as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Creates a token through the account page's server function; returns (secret, token JSON).
async fn create_token(app: &TestApp, jar: &Jar, workspace: &str, expires: &str) -> (String, Value) {
    let res = app
        .post_form(
            "/api/api_tokens/create",
            &[("name", "CI"), ("workspace", workspace), ("expires_in_days", expires)],
            jar,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let v = res.json();
    (v["secret"].as_str().unwrap().to_string(), v["token"].clone())
}

async fn token_for(app: &TestApp, who: &str, workspace: &str) -> String {
    let jar = app.login(who, DEMO_PASSWORD).await;
    create_token(app, &jar, workspace, "30").await.0
}

async fn contoso_tenant_ids(app: &TestApp, token: &str) -> Vec<i64> {
    let res =
        api(app, Method::GET, "/workspaces/contoso/tenants?include_archived=true", Auth::Bearer(token), None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["items"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect()
}

async fn openapi(app: &TestApp) -> Value {
    let res = api(app, Method::GET, "/openapi.json", Auth::None, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

/// (METHOD, path) of every operation in the document, and whether it is public (`security: []`).
fn documented(doc: &Value) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let public = op["security"].as_array().is_some_and(|s| s.is_empty());
            out.push((method.to_ascii_uppercase(), path.clone(), public));
        }
    }
    out
}

fn fill(path: &str, slug: &str, id: i64) -> String {
    let id = id.to_string();
    path.replace("{slug}", slug)
        .replace("{id}", &id)
        .replace("{user_id}", &id)
        .replace("{run}", &id)
        .replace("{policy}", &id)
        .replace("{version}", &id)
}

/// Ids of a connection, a policy with one version, and a queued run of `tenant`, written as the sync and
/// the services would (so that every documented route has something to answer about).
struct InventoryIds {
    policy: i64,
    version: i64,
    run: i64,
}

async fn seed_inventory(app: &TestApp, tenant: i64) -> InventoryIds {
    let now = chrono::Utc::now();
    let ws = app.scalar(&format!("SELECT workspace_id FROM tenants WHERE id = {tenant}")).await;
    let scope = app::authz::server::SystemScope::for_test("test").tenant(&app.db, ws, tenant).await.unwrap();
    let mut tx = app.db.begin().await.unwrap();
    app::connections::server::repo::upsert(&mut tx, &scope, app::connections::ConnectionType::Platform, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let policy: i64 = app::db_run!(&app.db, p => sqlx::query_scalar(
        "INSERT INTO policies (workspace_id, tenant_id, policy_type, external_id, display_name, content_hash, \
         first_seen_at, last_seen_at) VALUES ($1, $2, 'device_configuration', 'ext-1', 'Probe policy', 'h1', $3, $3) \
         RETURNING id").bind(ws).bind(tenant).bind(now).fetch_one(p).await)
    .unwrap();
    let version: i64 = app::db_run!(&app.db, p => sqlx::query_scalar(
        "INSERT INTO policy_versions (policy_id, tenant_id, version_no, policy_type, captured_at, content_hash, snapshot, \
         redaction_version) VALUES ($1, $2, 1, 'device_configuration', $3, 'h1', '{\"displayName\":\"Probe policy\"}', 1) \
         RETURNING id").bind(policy).bind(tenant).bind(now).fetch_one(p).await)
    .unwrap();
    exec(app, &format!("UPDATE policies SET latest_version_id = {version}, version_count = 1 WHERE id = {policy}"))
        .await;
    let run: i64 = app::db_run!(&app.db, p => sqlx::query_scalar(
        "INSERT INTO operation_runs (workspace_id, tenant_id, run_type, status, outcome, initiator_kind, idempotency_key, \
         created_at) VALUES ($1, $2, 'provider.connection.verify', 'queued', 'pending', 'system', 'probe', $3) RETURNING id")
        .bind(ws).bind(tenant).bind(now).fetch_one(p).await)
    .unwrap();
    InventoryIds { policy, version, run }
}

/// A body that decodes for the operation's request schema (so that authentication is what answers).
fn plausible_body(method: &str, path: &str) -> Option<Value> {
    match (method, path) {
        ("POST", "/session") => Some(json!({ "email": "nobody@example.com", "password": "x" })),
        ("POST", "/workspaces/{slug}/tenants") => {
            Some(json!({ "display_name": "X", "primary_domain": "x.example", "entra_tenant_id": GUID }))
        }
        ("PATCH", _) => Some(json!({ "display_name": "X" })),
        ("PUT", _) => Some(json!({ "connection_type": "platform" })),
        ("POST", "/workspaces/{slug}/runs") => Some(json!({ "run_type": "inventory.sync", "tenant_id": 1 })),
        _ => None,
    }
}

async fn every_route_requires_credentials_unless_public(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let doc = openapi(&app).await;
    let ops = documented(&doc);
    let public: BTreeSet<_> = ops.iter().filter(|o| o.2).map(|o| format!("{} {}", o.0, o.1)).collect();
    assert_eq!(public, BTreeSet::from(["GET /openapi.json".to_string(), "POST /session".to_string()]));
    let forged = format!("tpat_{}", "A".repeat(43));
    let mut checked = 0;
    for (method, path, _) in ops.iter().filter(|o| !o.2) {
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let target = fill(path, "contoso", 1);
        let body = plausible_body(method, path);
        let res = api(&app, m.clone(), &target, Auth::None, body.clone()).await;
        problem(&res, StatusCode::UNAUTHORIZED, "unauthenticated");
        let challenge = res.headers.get(header::WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(challenge.starts_with("Bearer"), "{method} {path}: {challenge}");
        // A well-formed but unknown token, and a non-bearer scheme: 401 too.
        let res = api(&app, m.clone(), &target, Auth::Bearer(&forged), body.clone()).await;
        problem(&res, StatusCode::UNAUTHORIZED, "unauthenticated");
        assert!(res.headers[header::WWW_AUTHENTICATE].to_str().unwrap().contains("invalid_token"));
        let req = Request::builder()
            .method(m)
            .uri(format!("/api/v1{target}"))
            .header(header::AUTHORIZATION, "Basic b3duZXI6cHc=")
            .body(Body::empty())
            .unwrap();
        problem(&app.send(req).await, StatusCode::UNAUTHORIZED, "unauthenticated");
        checked += 1;
    }
    assert!(checked >= 8, "{checked}");
    // Nothing was written: no tenant, no audit row besides the seed's.
    assert_eq!(app.scalar("SELECT COUNT(*) FROM tenants").await, 7);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log").await, 1);
    app.cleanup().await;
}

/// Every `$ref` in `v` points at something that exists in `doc`.
fn refs_resolve(doc: &Value, v: &Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("external ref {r}"));
                assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
            }
            map.values().for_each(|x| refs_resolve(doc, x));
        }
        Value::Array(items) => items.iter().for_each(|x| refs_resolve(doc, x)),
        _ => {}
    }
}

/// Resources under `/workspaces/{slug}/` swept by `tests/governance_api.rs` instead.
const GOVERNANCE: &[&str] = &[
    "baselines",
    "findings",
    "exceptions",
    "my-work",
    "intake",
    "posture",
    "governance-settings",
    // Reviews need evidence, reviews and packs to answer about: `tests/reviews.rs` sweeps them.
    "evidence-snapshots",
    "reviews",
    "review-packs",
    "customer-review-workspace",
    "entitlements",
];

async fn openapi_document_and_router_agree(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let doc = openapi(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.0"));
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert_eq!(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");
    assert_eq!(doc["components"]["securitySchemes"]["cookieAuth"]["in"], "cookie");
    assert_eq!(doc["components"]["securitySchemes"]["cookieAuth"]["name"], "tp_session");
    for field in ["type", "title", "status", "detail", "code", "errors"] {
        assert!(doc["components"]["schemas"]["Problem"]["properties"][field].is_object(), "{field}");
    }
    refs_resolve(&doc, &doc);

    // The document and the route table the router is built from list the same operations.
    let in_doc: BTreeSet<(String, String)> = documented(&doc).into_iter().map(|(m, p, _)| (m, p)).collect();
    let routed: BTreeSet<(String, String)> =
        server::api::v1::route_table().into_iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(in_doc, routed);
    for (_, path) in &in_doc {
        assert!(path.starts_with('/') && !path.contains(':'), "{path}");
    }

    // Every documented operation is routed: with valid credentials and real ids it answers neither
    // 404 nor 405, and each operation documents every status it answered with here.
    let owner = token_for(&app, "owner@contoso.example", "contoso").await;
    let id = contoso_tenant_ids(&app, &owner).await[0];
    let member = user_id(&app, "readonly@contoso.example").await;
    // Audit entry ids are not tenant ids: the token's creation is an entry of contoso.
    let audit_id = app
        .scalar("SELECT MAX(id) FROM audit_log WHERE workspace_id = (SELECT id FROM workspaces WHERE slug = 'contoso')")
        .await;
    let inv = seed_inventory(&app, id).await;
    let ops = documented(&doc);
    // Archive before restore, and sign-out last (it would end nothing for a token, but keep it tidy).
    let mut ordered = ops.clone();
    ordered.sort_by_key(|(m, p, _)| (p.ends_with("/restore"), m == "DELETE", p.clone()));
    for (method, path, _) in &ordered {
        // Baselines, findings and risk acceptances need a profile, a finding and an acceptance to answer
        // about: `tests/governance_api.rs` sweeps them with real ids (and checks the documented statuses).
        if GOVERNANCE.iter().any(|g| path.starts_with(&format!("/workspaces/{{slug}}/{g}"))) {
            continue;
        }
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let body = match (method.as_str(), path.as_str()) {
            ("POST", "/workspaces/{slug}/tenants") => {
                Some(json!({ "display_name": "Probe", "primary_domain": "probe.example", "entra_tenant_id": GUID }))
            }
            ("POST", "/workspaces/{slug}/invites") => Some(json!({ "email": "probe@example.com", "role": "readonly" })),
            ("PATCH", "/workspaces/{slug}") => Some(json!({ "timezone": "UTC" })),
            ("PATCH", "/workspaces/{slug}/members/{user_id}") => Some(json!({ "role": "operator" })),
            ("PATCH", _) => Some(json!({ "display_name": "Probed" })),
            ("PUT", "/workspaces/{slug}/tenants/{id}/connection") => Some(json!({ "connection_type": "platform" })),
            ("POST", "/workspaces/{slug}/runs") => Some(json!({ "run_type": "inventory.sync", "tenant_id": id })),
            ("POST", "/session") => Some(json!({ "email": "owner@contoso.example", "password": DEMO_PASSWORD })),
            _ => None,
        };
        let target = if path.starts_with("/workspaces/{slug}/audit/") { audit_id } else { id };
        let target = fill(
            &path
                .replace("{user_id}", &member.to_string())
                .replace("{run}", &inv.run.to_string())
                .replace("{policy}", &inv.policy.to_string())
                .replace("{version}", &inv.version.to_string()),
            "contoso",
            target,
        );
        let res = api(&app, m, &target, Auth::Bearer(&owner), body).await;
        assert!(res.status.is_success(), "{method} {path}: {} {}", res.status, res.body);
        let op = &doc["paths"][path][method.to_ascii_lowercase()];
        assert!(op["responses"][res.status.as_str()].is_object(), "{method} {path} does not document {}", res.status);
        assert!(op["operationId"].as_str().is_some() && op["summary"].as_str().is_some());
    }

    // Not in the table: a problem 404 for an unknown path, a problem 405 for a known path.
    problem(
        &api(&app, Method::GET, "/nothing-here", Auth::Bearer(&owner), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    problem(
        &api(&app, Method::PUT, "/me", Auth::Bearer(&owner), None).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
    app.cleanup().await;
}

async fn session_sign_in_through_the_api(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let anon = Jar::default();
    let creds = |email: &str, pw: &str| Some(json!({ "email": email, "password": pw }));
    let res = api(&app, Method::POST, "/session", Auth::Cookie(&anon), creds("owner@contoso.example", "wrong")).await;
    problem(&res, StatusCode::UNAUTHORIZED, "invalid_credentials");
    assert_eq!(res.cookie("tp_session"), None);
    let res = api(&app, Method::POST, "/session", Auth::Cookie(&anon), creds("not-an-email", "")).await;
    let v = problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(field_errors(&v), [("email".into(), "invalid_email".into()), ("password".into(), "required".into())]);

    let res =
        api(&app, Method::POST, "/session", Auth::Cookie(&anon), creds("Owner@Contoso.example", DEMO_PASSWORD)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["email"], "owner@contoso.example");
    assert_eq!(res.json()["auth"]["method"], "session");
    let set_cookie = res.set_cookies().join("\n").to_lowercase();
    assert!(set_cookie.contains("tp_session=") && set_cookie.contains("httponly"), "{set_cookie}");
    let mut jar = Jar::default();
    jar.store(&res);

    let me = api(&app, Method::GET, "/me", Auth::Cookie(&jar), None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["auth"], json!({ "method": "session", "token": null }));
    assert_eq!(me.headers[header::CACHE_CONTROL], "no-store");
    let ws = api(&app, Method::GET, "/workspaces", Auth::Cookie(&jar), None).await.json();
    assert_eq!(ws["items"], json!([{ "slug": "contoso", "name": "Contoso MSP", "role": "owner" }]));

    // Cookie-authenticated mutations must come from this origin.
    let req = jar
        .apply(
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/workspaces/contoso/tenants")
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::ORIGIN, "https://evil.example")
                .header(header::CONTENT_TYPE, "application/json"),
        )
        .body(Body::from(
            json!({ "display_name": "X", "primary_domain": "x.example", "entra_tenant_id": GUID }).to_string(),
        ))
        .unwrap();
    problem(&app.send(req).await, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM tenants").await, 7);
    // … and so must sign-ins.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/session")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "email": "owner@contoso.example", "password": DEMO_PASSWORD }).to_string()))
        .unwrap();
    problem(&app.send(req).await, StatusCode::FORBIDDEN, "forbidden");

    let out = api(&app, Method::DELETE, "/session", Auth::Cookie(&jar), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.body);
    jar.store(&out);
    problem(
        &api(&app, Method::GET, "/me", Auth::Cookie(&jar), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );

    // The web sign-in's throttling applies: five failures, then 429 with Retry-After, even for the right password.
    for _ in 0..5 {
        let res = api(&app, Method::POST, "/session", Auth::None, creds("readonly@contoso.example", "nope")).await;
        problem(&res, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let res = api(&app, Method::POST, "/session", Auth::None, creds("readonly@contoso.example", DEMO_PASSWORD)).await;
    let v = problem(&res, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let retry: u64 = res.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && v["retry_after"] == retry, "{v}");
    app.cleanup().await;
}

async fn tokens_act_as_their_owner_in_one_workspace(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let jar = app.login("owner@contoso.example", DEMO_PASSWORD).await;
    let (secret, token) = create_token(&app, &jar, "contoso", "30").await;
    assert!(secret.starts_with("tpat_") && secret.len() == 48, "{secret}");
    assert_eq!(token["workspace_slug"], "contoso");
    assert_eq!(token["status"], "active");
    assert!(secret.starts_with(token["prefix"].as_str().unwrap()));
    assert_eq!(token["prefix"].as_str().unwrap().len(), 13);
    assert!(token["last_used_at"].is_null());

    let me = api(&app, Method::GET, "/me", Auth::Bearer(&secret), None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let me = me.json();
    assert_eq!(me["email"], "owner@contoso.example");
    assert_eq!(me["auth"]["method"], "token");
    assert_eq!(me["auth"]["token"]["workspace"], "contoso");
    assert_eq!(me["auth"]["token"]["prefix"], token["prefix"]);
    assert!(!me.to_string().contains(&secret));

    // The owner joins Fabrikam too: the session sees both workspaces, the Contoso token only Contoso.
    let system = app::authz::server::SystemScope::for_test("test");
    let owner_id = user_id(&app, "owner@contoso.example").await;
    let fabrikam = workspace_id(&app, "fabrikam").await;
    app::workspaces::server::add_member(&app.db, &system, fabrikam, owner_id, app::authz::Role::Owner, &[])
        .await
        .unwrap();
    let by_session = api(&app, Method::GET, "/workspaces", Auth::Cookie(&jar), None).await.json();
    assert_eq!(by_session["total"], 2);
    let by_token = api(&app, Method::GET, "/workspaces", Auth::Bearer(&secret), None).await.json();
    assert_eq!(by_token["items"], json!([{ "slug": "contoso", "name": "Contoso MSP", "role": "owner" }]));
    let res = api(&app, Method::GET, "/workspaces/fabrikam/tenants", Auth::Cookie(&jar), None).await;
    assert_eq!(res.status, StatusCode::OK);
    let fabrikam_tenant = res.json()["items"][0]["id"].as_i64().unwrap();
    // Token A on workspace B: 404, exactly like a non-member.
    problem(
        &api(&app, Method::GET, "/workspaces/fabrikam/tenants", Auth::Bearer(&secret), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    problem(
        &api(
            &app,
            Method::GET,
            &format!("/workspaces/fabrikam/tenants/{fabrikam_tenant}"),
            Auth::Bearer(&secret),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let body = json!({ "display_name": "Sneaky", "primary_domain": "sneaky.example", "entra_tenant_id": GUID });
    problem(
        &api(&app, Method::POST, "/workspaces/fabrikam/tenants", Auth::Bearer(&secret), Some(body)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(contoso_tenant_ids(&app, &secret).await.len(), 5);

    // Use is recorded: last_used_at set, and `api_token.use` audited at most once per minute.
    let last_used = strings(&app, "SELECT CAST(last_used_at AS TEXT) FROM api_tokens").await;
    assert_eq!(last_used.len(), 1);
    let uses = app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'api_token.use'").await;
    assert_eq!(uses, 1, "several calls within a minute are audited once");
    let list = app.post_form("/api/api_tokens/list", &[], &jar).await.json();
    assert!(list[0]["last_used_at"].is_string(), "{list}");
    // Once the minute is over, the next use is audited again.
    exec(&app, "UPDATE api_tokens SET last_use_audited_at = NULL").await;
    api(&app, Method::GET, "/me", Auth::Bearer(&secret), None).await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'api_token.use'").await, 2);
    let (ws, actor_type, label) = {
        let rows: Vec<(Option<i64>, String, String)> = app::db_run!(&app.db, p => sqlx::query_as(
            "SELECT workspace_id, actor_type, actor_label FROM audit_log WHERE action = 'api_token.use' ORDER BY id")
            .fetch_all(p).await)
        .unwrap();
        rows[0].clone()
    };
    assert_eq!(ws, Some(workspace_id(&app, "contoso").await));
    assert_eq!(actor_type, "integration");
    assert!(label.contains("owner@contoso.example") && label.contains(token["prefix"].as_str().unwrap()), "{label}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'api_token.create'").await, 1);

    // The secret is stored nowhere in clear: only its SHA-256 and the 13-character prefix.
    let columns = strings(
        &app,
        "SELECT name || '|' || prefix || '|' || token_hash || '|' || CAST(user_id AS TEXT) || '|' || \
         CAST(workspace_id AS TEXT) FROM api_tokens",
    )
    .await;
    let random_part = &secret[5..];
    for row in &columns {
        assert!(!row.contains(random_part) && !row.contains(&random_part[8..]), "{row}");
    }
    let hash = strings(&app, "SELECT token_hash FROM api_tokens").await.remove(0);
    assert_eq!(hash, app::api_tokens::server::hash_secret(&secret));
    let audit = strings(
        &app,
        "SELECT actor_label || '|' || action || '|' || summary || '|' || metadata || '|' || COALESCE(resource_id, '') \
         FROM audit_log",
    )
    .await;
    for row in &audit {
        assert!(!row.contains(random_part) && !row.contains(&random_part[8..]), "secret in audit: {row}");
    }
    // Nor in the account page, which lists the prefix.
    let page = app.get("/account", &jar).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"data-testid="api-tokens-table""#), "token table missing");
    assert!(page.body.contains(token["prefix"].as_str().unwrap()));
    assert!(!page.body.contains(random_part));
    assert_eq!(app::audit::server::verify(&app.db).await.unwrap().first_broken, None);
    app.cleanup().await;
}

async fn token_rights_follow_the_owners_current_role(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let readonly = token_for(&app, "readonly@contoso.example", "contoso").await;
    let body = || Some(json!({ "display_name": "New Co", "primary_domain": "newco.example", "entra_tenant_id": GUID }));
    let res = api(&app, Method::POST, "/workspaces/contoso/tenants", Auth::Bearer(&readonly), body()).await;
    problem(&res, StatusCode::FORBIDDEN, "forbidden");
    let ids = contoso_tenant_ids(&app, &readonly).await;
    assert_eq!(ids.len(), 5);
    problem(
        &api(
            &app,
            Method::POST,
            &format!("/workspaces/contoso/tenants/{}/archive", ids[0]),
            Auth::Bearer(&readonly),
            None,
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    // Promoted: the same token may now create (role changes apply immediately).
    let ro = user_id(&app, "readonly@contoso.example").await;
    exec(&app, &format!("UPDATE workspace_memberships SET role = 'manager' WHERE user_id = {ro}")).await;
    let res = api(&app, Method::POST, "/workspaces/contoso/tenants", Auth::Bearer(&readonly), body()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    // Removed from the workspace: 404 everywhere in it, and no workspaces listed.
    exec(&app, &format!("DELETE FROM workspace_memberships WHERE user_id = {ro}")).await;
    problem(
        &api(&app, Method::GET, "/workspaces/contoso/tenants", Auth::Bearer(&readonly), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(api(&app, Method::GET, "/workspaces", Auth::Bearer(&readonly), None).await.json()["total"], 0);
    // The former member can still see and revoke the token (audited in the token's workspace).
    let jar = app.login("readonly@contoso.example", DEMO_PASSWORD).await;
    let list = app.post_form("/api/api_tokens/list", &[], &jar).await.json();
    let id = list[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(app.post_form("/api/api_tokens/revoke", &[("id", &id)], &jar).await.status, StatusCode::OK);
    let revoked_in: Vec<(Option<i64>, Option<i64>)> = app::db_run!(&app.db, p => sqlx::query_as(
        "SELECT workspace_id, actor_id FROM audit_log WHERE action = 'api_token.revoke'").fetch_all(p).await)
    .unwrap();
    assert_eq!(revoked_in, [(Some(workspace_id(&app, "contoso").await), Some(ro))]);
    problem(
        &api(&app, Method::GET, "/me", Auth::Bearer(&readonly), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );

    // A customer viewer's token sees only the customer's tenant.
    let customer = token_for(&app, "customer@contoso.example", "contoso").await;
    let owner = token_for(&app, "owner@contoso.example", "contoso").await;
    let mine = contoso_tenant_ids(&app, &customer).await;
    assert_eq!(mine.len(), 1);
    for id in contoso_tenant_ids(&app, &owner).await {
        let res =
            api(&app, Method::GET, &format!("/workspaces/contoso/tenants/{id}"), Auth::Bearer(&customer), None).await;
        if id == mine[0] {
            assert_eq!(res.status, StatusCode::OK);
        } else {
            problem(&res, StatusCode::NOT_FOUND, "not_found");
        }
    }
    let patch = Some(json!({ "display_name": "Mine now" }));
    let res =
        api(&app, Method::PATCH, &format!("/workspaces/contoso/tenants/{}", mine[0]), Auth::Bearer(&customer), patch)
            .await;
    problem(&res, StatusCode::FORBIDDEN, "forbidden");
    app.cleanup().await;
}

async fn revoked_expired_and_unknown_tokens_are_refused(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let jar = app.login("operator@contoso.example", DEMO_PASSWORD).await;
    let (secret, token) = create_token(&app, &jar, "contoso", "7").await;
    let id = token["id"].as_i64().unwrap().to_string();
    assert_eq!(api(&app, Method::GET, "/me", Auth::Bearer(&secret), None).await.status, StatusCode::OK);

    // Someone else cannot revoke it; its owner can, once.
    let other = app.login("manager@contoso.example", DEMO_PASSWORD).await;
    assert_eq!(app.post_form("/api/api_tokens/revoke", &[("id", &id)], &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post_form("/api/api_tokens/revoke", &[("id", &id)], &jar).await.status, StatusCode::OK);
    assert_eq!(app.post_form("/api/api_tokens/revoke", &[("id", &id)], &jar).await.status, StatusCode::CONFLICT);
    let res = api(&app, Method::GET, "/me", Auth::Bearer(&secret), None).await;
    problem(&res, StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'api_token.revoke'").await, 1);
    let list = app.post_form("/api/api_tokens/list", &[], &jar).await.json();
    assert_eq!(list[0]["status"], "revoked");

    // Expired: refused, and the refused use is audited as a failure.
    let (expired, _) = create_token(&app, &jar, "contoso", "").await;
    exec(&app, "UPDATE api_tokens SET expires_at = created_at WHERE revoked_at IS NULL").await;
    problem(
        &api(&app, Method::GET, "/me", Auth::Bearer(&expired), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
    let outcomes = strings(&app, "SELECT outcome FROM audit_log WHERE action = 'api_token.use' ORDER BY id").await;
    assert_eq!(outcomes, ["success", "failure"]);
    let list = app.post_form("/api/api_tokens/list", &[], &jar).await.json();
    assert_eq!(list[0]["status"], "expired");

    // Unknown and malformed secrets.
    for bad in [format!("tpat_{}", "B".repeat(43)), "tpat_short".into(), secret.to_uppercase(), String::new()] {
        problem(
            &api(&app, Method::GET, "/me", Auth::Bearer(&bad), None).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        );
    }

    // Creation rules: membership (404), input (422), no expiry beyond a year.
    let res = app
        .post_form(
            "/api/api_tokens/create",
            &[("name", "x"), ("workspace", "fabrikam"), ("expires_in_days", "7")],
            &jar,
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = app
        .post_form(
            "/api/api_tokens/create",
            &[("name", ""), ("workspace", "contoso"), ("expires_in_days", "366")],
            &jar,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("expires_in_days") && res.body.contains("out_of_range"), "{}", res.body);
    // A plain form post (JavaScript off) would lose the one-time secret in the redirect: refused, nothing created.
    let before = app.scalar("SELECT COUNT(*) FROM api_tokens").await;
    let form = [("name", "nojs"), ("workspace", "contoso"), ("expires_in_days", "7")];
    let res = app.plain_post("/api/api_tokens/create", &form, &jar, "/account").await;
    // Leptos sends plain form posts back to the page with the error in the URL.
    assert!(res.status.is_redirection(), "{}", res.status);
    assert!(res.location().is_some_and(|l| l.contains("__err=")), "{:?}", res.location());
    assert!(!res.body.contains("tpat_"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM api_tokens").await, before);
    // A token cannot manage tokens (the server functions need a session).
    let live = create_token(&app, &jar, "contoso", "30").await.0;
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/api_tokens/list")
        .header(header::AUTHORIZATION, format!("Bearer {live}"))
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::UNAUTHORIZED);
    // A bearer DELETE /session changes nothing and the token keeps working.
    assert_eq!(api(&app, Method::DELETE, "/session", Auth::Bearer(&live), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(api(&app, Method::GET, "/me", Auth::Bearer(&live), None).await.status, StatusCode::OK);
    app.cleanup().await;
}

async fn tenants_are_managed_through_the_api(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let token = token_for(&app, "manager@contoso.example", "contoso").await;
    let audit_before = app.scalar("SELECT COUNT(*) FROM audit_log").await;
    let body =
        json!({ "display_name": "API Co", "primary_domain": "API-Co.example", "entra_tenant_id": GUID.to_uppercase() });
    // Bearer calls need no same-origin proof: a foreign Origin is fine.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/workspaces/contoso/tenants")
        .header(header::ORIGIN, "https://automation.example")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(body.to_string()))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let created = res.json();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["lifecycle"], "draft");
    assert_eq!(created["primary_domain"], "api-co.example");
    assert_eq!(created["entra_tenant_id"], GUID);
    assert_eq!(res.location(), Some(format!("/api/v1/workspaces/contoso/tenants/{id}").as_str()));
    let item = format!("/workspaces/contoso/tenants/{id}");

    // Same GUID again: 422 on the field; broken input: every field reported.
    let res = api(&app, Method::POST, "/workspaces/contoso/tenants", Auth::Bearer(&token), Some(body)).await;
    let v = problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(field_errors(&v), [("entra_tenant_id".into(), "taken".into())]);
    let res = api(&app, Method::POST, "/workspaces/contoso/tenants", Auth::Bearer(&token), Some(json!({}))).await;
    let v = problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(v["errors"].as_array().unwrap().len(), 3, "{v}");

    let res =
        api(&app, Method::PATCH, &item, Auth::Bearer(&token), Some(json!({ "display_name": "  Renamed Co " }))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["display_name"], "Renamed Co");
    let res = api(&app, Method::PATCH, &item, Auth::Bearer(&token), Some(json!({ "display_name": "" }))).await;
    assert_eq!(
        field_errors(&problem(&res, StatusCode::UNPROCESSABLE_ENTITY, "validation")),
        [("display_name".into(), "required".into())]
    );

    let res = api(&app, Method::POST, &format!("{item}/archive"), Auth::Bearer(&token), None).await;
    assert_eq!(res.json()["lifecycle"], "archived");
    let v = problem(
        &api(&app, Method::POST, &format!("{item}/archive"), Auth::Bearer(&token), None).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_eq!(v["reason"], "already_archived");
    let listed = api(&app, Method::GET, "/workspaces/contoso/tenants", Auth::Bearer(&token), None).await.json();
    assert!(
        listed["items"].as_array().unwrap().iter().all(|t| t["id"] != id),
        "archived tenants are hidden by default"
    );
    assert_eq!(contoso_tenant_ids(&app, &token).await.len(), 6);
    let res = api(&app, Method::POST, &format!("{item}/restore"), Auth::Bearer(&token), None).await;
    assert_eq!(res.json()["lifecycle"], "draft");
    let v = problem(
        &api(&app, Method::POST, &format!("{item}/restore"), Auth::Bearer(&token), None).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_eq!(v["reason"], "not_archived");
    let got = api(&app, Method::GET, &item, Auth::Bearer(&token), None).await.json();
    assert_eq!((got["display_name"].as_str(), got["lifecycle"].as_str()), (Some("Renamed Co"), Some("draft")));

    // One audit row per mutation, by the token's owner as an integration.
    let rows: Vec<(String, String, String)> = app::db_run!(&app.db, p => sqlx::query_as(
        "SELECT action, actor_type, actor_label FROM audit_log WHERE action LIKE 'tenant.%' ORDER BY id")
        .fetch_all(p).await)
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, ["tenant.create", "tenant.rename", "tenant.archive", "tenant.restore"]);
    assert!(rows
        .iter()
        .all(|r| r.1 == "integration" && r.2.starts_with("manager@contoso.example via API token tpat_")));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log").await, audit_before + 5, "4 mutations + 1 token use");
    assert_eq!(app::audit::server::verify(&app.db).await.unwrap().first_broken, None);
    app.cleanup().await;
}

async fn collections_are_paginated(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let token = token_for(&app, "owner@contoso.example", "contoso").await;
    let page = |q: &'static str| {
        let (app, token) = (&app, token.clone());
        async move { api(app, Method::GET, &format!("/workspaces/contoso/tenants{q}"), Auth::Bearer(&token), None).await }
    };
    let all = page("").await.json();
    assert_eq!((all["page"].as_u64(), all["per_page"].as_u64(), all["total"].as_u64()), (Some(1), Some(50), Some(5)));
    let names: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|t| t["display_name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "ordered by name");
    let mut seen = Vec::new();
    for (q, expect) in
        [("?per_page=2", 2), ("?per_page=2&page=2", 2), ("?per_page=2&page=3", 1), ("?per_page=2&page=4", 0)]
    {
        let v = page(q).await.json();
        assert_eq!(v["total"], 5, "{q}");
        assert_eq!(v["per_page"], 2);
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), expect, "{q}");
        seen.extend(items.iter().map(|t| t["id"].as_i64().unwrap()));
    }
    seen.dedup();
    assert_eq!(seen.len(), 5, "pages neither overlap nor skip");
    assert_eq!(page("?per_page=200").await.status, StatusCode::OK);
    for (q, field, code) in [
        ("?per_page=201", "per_page", "out_of_range"),
        ("?per_page=0", "per_page", "out_of_range"),
        ("?page=0", "page", "out_of_range"),
        ("?page=two", "page", "invalid"),
        ("?include_archived=maybe", "include_archived", "invalid"),
    ] {
        let v = problem(&page(q).await, StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(field_errors(&v), [(field.to_string(), code.to_string())], "{q}");
    }
    let ws = api(&app, Method::GET, "/workspaces?per_page=1", Auth::Bearer(&token), None).await.json();
    assert_eq!((ws["total"].as_u64(), ws["items"].as_array().map(Vec::len)), (Some(1), Some(1)));
    app.cleanup().await;
}

async fn bad_input_is_a_problem_never_a_500(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let token = token_for(&app, "owner@contoso.example", "contoso").await;
    let path = "/workspaces/contoso/tenants";
    let good = json!({ "display_name": "X", "primary_domain": "x.example", "entra_tenant_id": GUID }).to_string();
    let res = call_raw(&app, Method::POST, path, &token, "text/plain", good.clone().into_bytes()).await;
    problem(&res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let res =
        call_raw(&app, Method::POST, path, &token, "application/x-www-form-urlencoded", b"display_name=X".to_vec())
            .await;
    problem(&res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    problem(
        &call_raw(&app, Method::POST, path, &token, "application/json", b"{\"display_name\":".to_vec()).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    problem(
        &call_raw(&app, Method::POST, path, &token, "application/json", Vec::new()).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let v = problem(
        &call_raw(&app, Method::POST, path, &token, "application/json", b"[1,2]".to_vec()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(field_errors(&v), [("body".into(), "invalid_type".into())]);
    let unknown =
        json!({ "display_name": "X", "primary_domain": "x.example", "entra_tenant_id": GUID, "workspace_id": 2 });
    let v = problem(
        &call_raw(&app, Method::POST, path, &token, "application/json", unknown.to_string().into_bytes()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(field_errors(&v), [("workspace_id".into(), "unknown_field".into())]);
    let wrong_type = json!({ "display_name": 42, "primary_domain": "x.example", "entra_tenant_id": GUID });
    let v = problem(
        &call_raw(&app, Method::POST, path, &token, "application/json", wrong_type.to_string().into_bytes()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(field_errors(&v), [("display_name".into(), "invalid_type".into())]);
    let big = format!("{{\"display_name\":\"{}\"}}", "x".repeat(300 * 1024));
    problem(
        &call_raw(&app, Method::POST, path, &token, "application/json", big.into_bytes()).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    let long_name = json!({ "display_name": "x".repeat(121), "primary_domain": "x.example", "entra_tenant_id": GUID });
    let v = problem(
        &call_raw(&app, Method::POST, path, &token, "application/json", long_name.to_string().into_bytes()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(field_errors(&v), [("display_name".into(), "too_long".into())]);
    // Ids that name nothing: 404, never 500.
    for id in ["abc", "99999999", "-1", "9223372036854775808"] {
        let res = api(&app, Method::GET, &format!("{path}/{id}"), Auth::Bearer(&token), None).await;
        problem(&res, StatusCode::NOT_FOUND, "not_found");
    }
    problem(
        &api(&app, Method::GET, "/workspaces/nope/tenants", Auth::Bearer(&token), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // Bad sign-in bodies.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "email": "a@b.co", "password": "x".repeat(1025) }).to_string()))
        .unwrap();
    let v = problem(&app.send(req).await, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(field_errors(&v), [("password".into(), "too_long".into())]);
    // Nothing was written.
    assert_eq!(app.scalar("SELECT COUNT(*) FROM tenants").await, 7);
    app.cleanup().await;
}

on_both_engines!(
    every_route_requires_credentials_unless_public,
    openapi_document_and_router_agree,
    session_sign_in_through_the_api,
    tokens_act_as_their_owner_in_one_workspace,
    token_rights_follow_the_owners_current_role,
    revoked_expired_and_unknown_tokens_are_refused,
    tenants_are_managed_through_the_api,
    collections_are_paginated,
    bad_input_is_a_problem_never_a_500,
);
