//! The JSON API of baselines, findings and risk acceptances (`/api/v1/workspaces/{slug}/baselines`,
//! `…/findings`, `…/exceptions`, `…/my-work`, `…/intake`, `…/posture`, `…/governance-settings`) against
//! the seeded demo, on SQLite and PostgreSQL: the workflows end to end, validation (422 per field, 400 for
//! unreadable JSON), conflicts (409 with `reason`), 403 for read-only members on changes, 404 for another
//! workspace's owner, and the OpenAPI document describing every route with the status it answered.

mod common;

use std::collections::HashMap;

use chrono::{Duration, Utc};
use common::{api, as_user, id_of, problem, seeded, user_id, Auth, Engine, Jar, Response, TestApp};
use http::{Method, StatusCode};
use serde_json::{json, Value};

/// Calls the API as one member, filling path templates from `ids`, and checks that the OpenAPI document
/// describes each answer (the template's operation documents the status it returned).
struct Client<'a> {
    app: &'a TestApp,
    doc: &'a Value,
    jar: Jar,
    ids: HashMap<&'static str, String>,
}

impl<'a> Client<'a> {
    async fn new(app: &'a TestApp, doc: &'a Value, who: &str) -> Self {
        let mut ids = HashMap::new();
        ids.insert("slug", "contoso".to_string());
        Self { app, doc, jar: as_user(app, who).await, ids }
    }

    fn set(&mut self, name: &'static str, value: impl ToString) {
        self.ids.insert(name, value.to_string());
    }

    fn fill(&self, template: &str) -> String {
        let mut out = template.to_string();
        for (k, v) in &self.ids {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }

    /// `template` is the route as the table spells it (`/workspaces/{slug}/…`), optionally with a query.
    async fn call(&self, method: Method, template: &str, body: Option<Value>) -> Response {
        let (path, query) = template.split_once('?').map_or((template, None), |(p, q)| (p, Some(q)));
        let target = match query {
            Some(q) => format!("{}?{q}", self.fill(path)),
            None => self.fill(path),
        };
        let res = api(self.app, method.clone(), &target, Auth::Cookie(&self.jar), body).await;
        let op = &self.doc["paths"][path][method.as_str().to_ascii_lowercase()];
        assert!(op.is_object(), "{method} {path} is not documented");
        assert!(
            op["responses"][res.status.as_str()].is_object(),
            "{method} {path} does not document {}: {}",
            res.status,
            res.body
        );
        res
    }
}

async fn openapi(app: &TestApp) -> Value {
    let res = api(app, Method::GET, "/openapi.json", Auth::None, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

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

#[track_caller]
fn conflict(res: &Response, reason: &str) {
    let v = problem(res, StatusCode::CONFLICT, "conflict");
    assert_eq!(v["reason"], reason, "{v}");
}

#[track_caller]
fn invalid(res: &Response, field: &str, code: &str) {
    let v = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(field_errors(&v).contains(&(field.to_string(), code.to_string())), "{v}");
}

#[track_caller]
fn status(res: &Response, expected: StatusCode) -> Value {
    assert_eq!(res.status, expected, "{}", res.body);
    if res.body.is_empty() {
        Value::Null
    } else {
        res.json()
    }
}

async fn contoso_tenant(app: &TestApp) -> i64 {
    id_of(
        &app.db,
        "SELECT MIN(t.id) FROM tenants t JOIN workspaces w ON w.id = t.workspace_id \
         WHERE w.slug = $1 AND t.lifecycle <> 'archived'",
        "contoso",
    )
    .await
}

/// A finding on `tenant` as a compare of profile `profile` would write it (with its compare run).
async fn seed_finding(app: &TestApp, tenant: i64, profile: i64, name: &str) -> i64 {
    let now = Utc::now();
    let ws = app.scalar(&format!("SELECT workspace_id FROM tenants WHERE id = {tenant}")).await;
    let run: i64 = app::db_run!(&app.db, p => sqlx::query_scalar(
        "INSERT INTO operation_runs (workspace_id, tenant_id, run_type, status, outcome, initiator_kind, idempotency_key, \
         created_at, started_at, completed_at) VALUES ($1, $2, 'compare.run', 'completed', 'succeeded', 'system', $3, $4, $4, $4) RETURNING id")
        .bind(ws).bind(tenant).bind(format!("probe-{name}")).bind(now).fetch_one(p).await)
    .unwrap();
    let scope = app::authz::server::SystemScope::for_test("test").tenant(&app.db, ws, tenant).await.unwrap();
    let evidence = json!({ "profile_name": "Probe", "settings": [] }).to_string();
    let new = app::findings::server::repo::NewFinding {
        profile_id: profile,
        subject_display_name: name,
        policy_type: "settings_catalog",
        drift_kind: app::findings::DriftKind::Missing,
        severity: app::findings::Severity::High,
        fingerprint: name,
        evidence: &evidence,
        evidence_hash: "h",
        sla_days: 7,
        run_id: run,
    };
    let mut tx = app.db.begin().await.unwrap();
    let id = app::findings::server::repo::insert_finding(&mut tx, &scope, &new, now).await.unwrap();
    tx.commit().await.unwrap();
    id
}

const PROFILES: &str = "/workspaces/{slug}/baselines";
const PROFILE: &str = "/workspaces/{slug}/baselines/{profile}";

async fn baselines_over_the_api(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let doc = openapi(&app).await;
    let tenant = contoso_tenant(&app).await;
    let mut owner = Client::new(&app, &doc, "owner@contoso.example").await;
    owner.set("tenant", tenant);

    // Create (201), duplicate name (409 name_taken), invalid input (422 per field), unreadable JSON (400).
    let body = json!({ "name": "Security baseline", "description": "CIS", "policy_types": ["settings_catalog"] });
    let created = status(&owner.call(Method::POST, PROFILES, Some(body.clone())).await, StatusCode::CREATED);
    assert_eq!(created["name"], "Security baseline");
    assert_eq!(created["policy_types"], json!(["settings_catalog"]));
    assert_eq!(created["active_snapshot_id"], Value::Null);
    let profile = created["id"].as_i64().unwrap();
    owner.set("profile", profile);
    conflict(&owner.call(Method::POST, PROFILES, Some(body)).await, "name_taken");
    invalid(
        &owner.call(Method::POST, PROFILES, Some(json!({ "name": 5, "policy_types": [] }))).await,
        "name",
        "invalid_type",
    );
    invalid(
        &owner.call(Method::POST, PROFILES, Some(json!({ "name": "X", "policy_types": "settings_catalog" }))).await,
        "policy_types",
        "invalid_type",
    );
    invalid(
        &owner.call(Method::POST, PROFILES, Some(json!({ "name": "X", "policy_types": ["scope_tag"] }))).await,
        "policy_types",
        "unknown_type",
    );
    invalid(
        &owner.call(Method::POST, PROFILES, Some(json!({ "name": " ", "policy_types": ["settings_catalog"] }))).await,
        "name",
        "required",
    );
    invalid(
        &owner.call(Method::POST, PROFILES, Some(json!({ "name": "X", "admin": true }))).await,
        "admin",
        "unknown_field",
    );
    invalid(&owner.call(Method::POST, PROFILES, Some(json!([1]))).await, "body", "invalid_type");
    let raw = http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/workspaces/contoso/baselines")
        .header(http::header::HOST, "127.0.0.1:3000")
        .header(http::header::ORIGIN, "http://127.0.0.1:3000")
        .header(http::header::CONTENT_TYPE, "application/json");
    let raw = owner.jar.apply(raw).body(axum::body::Body::from("{not json")).unwrap();
    problem(&app.send(raw).await, StatusCode::BAD_REQUEST, "bad_request");

    // Read and change.
    let page = status(&owner.call(Method::GET, PROFILES, None).await, StatusCode::OK);
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], profile);
    let detail = status(&owner.call(Method::GET, PROFILE, None).await, StatusCode::OK);
    assert_eq!(detail["profile"]["id"], profile);
    assert_eq!(detail["can_manage"], true);
    let patched =
        status(&owner.call(Method::PATCH, PROFILE, Some(json!({ "description": "CIS L1" }))).await, StatusCode::OK);
    assert_eq!(
        (patched["name"].as_str(), patched["description"].as_str()),
        (Some("Security baseline"), Some("CIS L1"))
    );
    invalid(&owner.call(Method::PATCH, PROFILE, Some(json!({ "policy_types": [] }))).await, "policy_types", "required");

    // Weekly compare slots: 201, overlapping 422 (`schedule: overlapping`), bad days/time 422, delete 204/404.
    let schedules = "/workspaces/{slug}/baselines/{profile}/schedules";
    let slot = status(
        &owner.call(Method::POST, schedules, Some(json!({ "days": [1, 3], "time": "02:00" }))).await,
        StatusCode::CREATED,
    );
    assert_eq!((slot["days"].clone(), slot["time"].clone()), (json!([1, 3]), json!("02:00")));
    invalid(
        &owner.call(Method::POST, schedules, Some(json!({ "days": [3], "time": "02:30" }))).await,
        "schedule",
        "overlapping",
    );
    invalid(
        &owner.call(Method::POST, schedules, Some(json!({ "days": [8], "time": "02:00" }))).await,
        "days",
        "invalid",
    );
    invalid(
        &owner.call(Method::POST, schedules, Some(json!({ "days": [2], "time": "25:00" }))).await,
        "time",
        "invalid",
    );
    invalid(
        &owner.call(Method::POST, schedules, Some(json!({ "days": ["mon"], "time": "02:00" }))).await,
        "days[0]",
        "invalid_type",
    );
    let other = status(
        &owner.call(Method::POST, schedules, Some(json!({ "days": [5], "time": "18:00" }))).await,
        StatusCode::CREATED,
    );
    owner.set("schedule", other["id"].as_i64().unwrap());
    let schedule = "/workspaces/{slug}/baselines/{profile}/schedules/{schedule}";
    status(&owner.call(Method::DELETE, schedule, None).await, StatusCode::NO_CONTENT);
    problem(&owner.call(Method::DELETE, schedule, None).await, StatusCode::NOT_FOUND, "not_found");

    // Assignments (idempotent, 204) and compares without a snapshot (409 no_snapshot).
    let assignment = "/workspaces/{slug}/baselines/{profile}/assignments/{tenant}";
    status(&owner.call(Method::PUT, assignment, None).await, StatusCode::NO_CONTENT);
    status(&owner.call(Method::PUT, assignment, None).await, StatusCode::NO_CONTENT);
    let detail = status(&owner.call(Method::GET, PROFILE, None).await, StatusCode::OK);
    assert_eq!(detail["assignments"][0]["tenant_id"], tenant);
    assert_eq!(detail["schedules"].as_array().unwrap().len(), 1);
    let compares = "/workspaces/{slug}/baselines/{profile}/compares";
    conflict(&owner.call(Method::POST, compares, Some(json!({ "tenant_id": tenant }))).await, "no_snapshot");
    invalid(&owner.call(Method::POST, compares, Some(json!({}))).await, "tenant_id", "required");
    conflict(
        &owner.call(Method::POST, "/workspaces/{slug}/baselines/{profile}/compares/all", None).await,
        "no_snapshot",
    );

    // Capture: 202 with the run (queued; no workers in tests).
    let captures = "/workspaces/{slug}/baselines/{profile}/captures";
    let started =
        status(&owner.call(Method::POST, captures, Some(json!({ "tenant_id": tenant }))).await, StatusCode::ACCEPTED);
    assert_eq!(started["run"]["run_type"], "baseline.capture");
    assert_eq!(started["run"]["tenant_id"], tenant);
    assert_eq!(started["created"], true);
    invalid(&owner.call(Method::POST, captures, Some(json!({ "tenant_id": "x" }))).await, "tenant_id", "invalid_type");
    // A snapshot that is not the profile's: 404.
    owner.set("snapshot", 999_999);
    problem(
        &owner.call(Method::GET, "/workspaces/{slug}/baselines/{profile}/snapshots/{snapshot}/items", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // Read-only: reads 200, changes 403 (and nothing changed).
    let mut readonly = Client::new(&app, &doc, "readonly@contoso.example").await;
    readonly.set("profile", profile);
    readonly.set("tenant", tenant);
    status(&readonly.call(Method::GET, PROFILES, None).await, StatusCode::OK);
    let detail = status(&readonly.call(Method::GET, PROFILE, None).await, StatusCode::OK);
    assert_eq!(detail["can_manage"], false);
    let new = json!({ "name": "Readonly's", "policy_types": ["settings_catalog"] });
    problem(&readonly.call(Method::POST, PROFILES, Some(new)).await, StatusCode::FORBIDDEN, "forbidden");
    problem(
        &readonly.call(Method::POST, schedules, Some(json!({ "days": [6], "time": "06:00" }))).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    problem(&readonly.call(Method::DELETE, assignment, None).await, StatusCode::FORBIDDEN, "forbidden");
    problem(
        &readonly.call(Method::POST, captures, Some(json!({ "tenant_id": tenant }))).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    // Another workspace's owner: 404 on Contoso's routes and on Contoso's profile through Fabrikam.
    let mut foreign = Client::new(&app, &doc, "owner@fabrikam.example").await;
    foreign.set("profile", profile);
    foreign.set("tenant", tenant);
    for (m, path) in [(Method::GET, PROFILES), (Method::GET, PROFILE), (Method::PUT, assignment)] {
        problem(&foreign.call(m, path, None).await, StatusCode::NOT_FOUND, "not_found");
    }
    foreign.set("slug", "fabrikam");
    problem(&foreign.call(Method::GET, PROFILE, None).await, StatusCode::NOT_FOUND, "not_found");
    problem(
        &foreign.call(Method::PATCH, PROFILE, Some(json!({ "description": "mine" }))).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    problem(&foreign.call(Method::PUT, assignment, None).await, StatusCode::NOT_FOUND, "not_found");

    // Unassign (204, idempotent).
    status(&owner.call(Method::DELETE, assignment, None).await, StatusCode::NO_CONTENT);
    status(&owner.call(Method::DELETE, assignment, None).await, StatusCode::NO_CONTENT);
    app.cleanup().await;
}

async fn findings_and_risk_acceptance_over_the_api(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let doc = openapi(&app).await;
    let tenant = contoso_tenant(&app).await;
    let mut owner = Client::new(&app, &doc, "owner@contoso.example").await;
    let body = json!({ "name": "Drift probe", "policy_types": ["settings_catalog"] });
    let profile =
        status(&owner.call(Method::POST, PROFILES, Some(body)).await, StatusCode::CREATED)["id"].as_i64().unwrap();
    let finding = seed_finding(&app, tenant, profile, "Probe policy").await;
    let second = seed_finding(&app, tenant, profile, "Second policy").await;
    owner.set("finding", finding);
    let one = "/workspaces/{slug}/findings/{finding}";

    // Lists and detail.
    let page = status(&owner.call(Method::GET, "/workspaces/{slug}/findings", None).await, StatusCode::OK);
    assert_eq!(page["total"], 2, "{page}");
    let page = status(
        &owner
            .call(Method::GET, &format!("/workspaces/{{slug}}/findings?tenant={tenant}&severity=high&per_page=1"), None)
            .await,
        StatusCode::OK,
    );
    assert_eq!((page["total"].as_i64(), page["items"].as_array().unwrap().len()), (Some(2), 1));
    invalid(
        &owner.call(Method::GET, "/workspaces/{slug}/findings?status=nope", None).await,
        "status",
        "unknown_status",
    );
    invalid(&owner.call(Method::GET, "/workspaces/{slug}/findings?tenant=abc", None).await, "tenant", "invalid");
    invalid(
        &owner.call(Method::GET, "/workspaces/{slug}/findings?per_page=500", None).await,
        "per_page",
        "out_of_range",
    );
    let detail = status(&owner.call(Method::GET, one, None).await, StatusCode::OK);
    assert_eq!(detail["finding"]["status"], "new");
    assert_eq!(detail["can"]["approve_exception"], true);
    let intake = status(&owner.call(Method::GET, "/workspaces/{slug}/intake", None).await, StatusCode::OK);
    assert_eq!(intake["total"], 2);

    // Transitions: triage (200), bad input (422), bad JSON (400), illegal (409).
    let transitions = "/workspaces/{slug}/findings/{finding}/transitions";
    let moved =
        status(&owner.call(Method::POST, transitions, Some(json!({ "transition": "triage" }))).await, StatusCode::OK);
    assert_eq!(moved["status"], "triaged");
    invalid(
        &owner.call(Method::POST, transitions, Some(json!({ "transition": "fly" }))).await,
        "transition",
        "unknown_transition",
    );
    invalid(
        &owner.call(Method::POST, transitions, Some(json!({ "transition": "close", "note": "x" }))).await,
        "closed_reason",
        "required",
    );
    invalid(
        &owner.call(Method::POST, transitions, Some(json!({ "transition": 1 }))).await,
        "transition",
        "invalid_type",
    );
    let raw = http::Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/workspaces/contoso/findings/{finding}/transitions"))
        .header(http::header::HOST, "127.0.0.1:3000")
        .header(http::header::ORIGIN, "http://127.0.0.1:3000")
        .header(http::header::CONTENT_TYPE, "application/json");
    let raw = owner.jar.apply(raw).body(axum::body::Body::from("{\"transition\":")).unwrap();
    problem(&app.send(raw).await, StatusCode::BAD_REQUEST, "bad_request");
    conflict(
        &owner.call(Method::POST, transitions, Some(json!({ "transition": "reopen", "note": "again" }))).await,
        "finding_transition",
    );

    // Claim (one winner), My work, assignment, comments.
    let claim = "/workspaces/{slug}/findings/{finding}/claim";
    let claimed = status(&owner.call(Method::POST, claim, None).await, StatusCode::OK);
    assert_eq!(claimed["assignee"]["id"], user_id(&app, "owner@contoso.example").await);
    conflict(&owner.call(Method::POST, claim, None).await, "already_claimed");
    let mine = status(&owner.call(Method::GET, "/workspaces/{slug}/my-work", None).await, StatusCode::OK);
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["id"], finding);
    let assignment = "/workspaces/{slug}/findings/{finding}/assignment";
    let operator = user_id(&app, "operator@contoso.example").await;
    let assigned = status(
        &owner.call(Method::PUT, assignment, Some(json!({ "owner_id": operator, "assignee_id": operator }))).await,
        StatusCode::OK,
    );
    assert_eq!(assigned["assignee"]["id"], operator);
    let ro = user_id(&app, "readonly@contoso.example").await;
    invalid(
        &owner.call(Method::PUT, assignment, Some(json!({ "assignee_id": ro }))).await,
        "assignee_id",
        "not_assignable",
    );
    let comments = "/workspaces/{slug}/findings/{finding}/comments";
    let c = status(
        &owner.call(Method::POST, comments, Some(json!({ "body": "Looking into it" }))).await,
        StatusCode::CREATED,
    );
    assert_eq!(c["body"], "Looking into it");
    invalid(&owner.call(Method::POST, comments, Some(json!({ "body": "  " }))).await, "body", "required");

    // Bulk: all or nothing.
    let bulk = "/workspaces/{slug}/findings/bulk-transitions";
    invalid(
        &owner.call(Method::POST, bulk, Some(json!({ "ids": [], "transition": "start" }))).await,
        "ids",
        "required",
    );
    problem(
        &owner.call(Method::POST, bulk, Some(json!({ "ids": [second, 999_999], "transition": "start" }))).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let result = status(
        &owner.call(Method::POST, bulk, Some(json!({ "ids": [finding, second], "transition": "start" }))).await,
        StatusCode::OK,
    );
    assert_eq!(result["changed"], json!([finding, second]));

    // Risk acceptance: request (201), own request cannot be approved (409), another approver (200),
    // list with filters, renewal (201), revocation (200).
    let expires = (Utc::now() + Duration::days(30)).format("%Y-%m-%d").to_string();
    let requests = "/workspaces/{slug}/findings/{finding}/exceptions";
    invalid(
        &owner.call(Method::POST, requests, Some(json!({ "reason": "Vendor", "expires_at": "2001-01-01" }))).await,
        "expires_at",
        "in_past",
    );
    let x = status(
        &owner
            .call(Method::POST, requests, Some(json!({ "reason": "Vendor fix pending", "expires_at": expires })))
            .await,
        StatusCode::CREATED,
    );
    assert_eq!((x["status"].as_str(), x["validity"].as_str()), (Some("pending"), Some("pending")));
    owner.set("exception", x["id"].as_i64().unwrap());
    let decision = "/workspaces/{slug}/exceptions/{exception}/decision";
    conflict(&owner.call(Method::POST, decision, Some(json!({ "approve": true }))).await, "own_request");
    invalid(&owner.call(Method::POST, decision, Some(json!({}))).await, "approve", "required");
    let mut manager = Client::new(&app, &doc, "manager@contoso.example").await;
    manager.ids = owner.ids.clone();
    let approved =
        status(&manager.call(Method::POST, decision, Some(json!({ "approve": true }))).await, StatusCode::OK);
    assert_eq!(approved["status"], "active");
    conflict(
        &manager.call(Method::POST, decision, Some(json!({ "approve": false, "reason": "no" }))).await,
        "exception_decided",
    );
    let detail = status(&owner.call(Method::GET, one, None).await, StatusCode::OK);
    assert_eq!(detail["finding"]["status"], "risk_accepted");
    assert_eq!(detail["exceptions"].as_array().unwrap().len(), 1);
    let active =
        status(&owner.call(Method::GET, "/workspaces/{slug}/exceptions?status=active", None).await, StatusCode::OK);
    assert_eq!(active["total"], 1);
    invalid(
        &owner.call(Method::GET, "/workspaces/{slug}/exceptions?status=nope", None).await,
        "status",
        "unknown_status",
    );
    status(&owner.call(Method::GET, "/workspaces/{slug}/exceptions/{exception}", None).await, StatusCode::OK);
    let renewal = status(
        &owner
            .call(
                Method::POST,
                "/workspaces/{slug}/exceptions/{exception}/renewal",
                Some(json!({ "reason": "Still pending", "expires_at": expires })),
            )
            .await,
        StatusCode::CREATED,
    );
    assert_eq!(renewal["renewal_of_id"], owner.ids["exception"].parse::<i64>().unwrap());
    let revocation = "/workspaces/{slug}/exceptions/{exception}/revocation";
    invalid(&manager.call(Method::POST, revocation, Some(json!({}))).await, "reason", "required");
    let revoked = status(
        &manager.call(Method::POST, revocation, Some(json!({ "reason": "Fixed upstream" }))).await,
        StatusCode::OK,
    );
    assert_eq!(revoked["status"], "revoked");
    let detail = status(&owner.call(Method::GET, one, None).await, StatusCode::OK);
    assert_eq!(detail["finding"]["status"], "reopened");

    // Posture and settings.
    let posture = status(&owner.call(Method::GET, "/workspaces/{slug}/posture", None).await, StatusCode::OK);
    assert!(posture["tenants"].as_array().unwrap().iter().any(|t| t["tenant_id"] == tenant), "{posture}");
    let settings = "/workspaces/{slug}/governance-settings";
    let s = status(&owner.call(Method::GET, settings, None).await, StatusCode::OK);
    assert_eq!(s["sla_high_days"], 7);
    let s = status(&owner.call(Method::PUT, settings, Some(json!({ "sla_high_days": 10 }))).await, StatusCode::OK);
    assert_eq!((s["sla_high_days"].as_i64(), s["sla_critical_days"].as_i64()), (Some(10), Some(3)));
    invalid(
        &owner.call(Method::PUT, settings, Some(json!({ "sla_low_days": 0 }))).await,
        "sla_low_days",
        "out_of_range",
    );
    // The same rules through the posture page's form (server function): a blank field keeps its value, a
    // non-number or an out-of-range value is refused per field and nothing changes.
    let form = |low: &'static str| [("workspace", "contoso"), ("sla_low_days", low), ("sla_high_days", "")];
    for (low, code) in [("abc", "invalid"), ("0", "out_of_range"), ("366", "out_of_range")] {
        let res = app.post_form("/api/findings/update_settings", &form(low), &owner.jar).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{low}: {}", res.body);
        assert!(res.body.contains("sla_low_days") && res.body.contains(code), "{low}: {}", res.body);
    }
    let res = app.post_form("/api/findings/update_settings", &form("21"), &owner.jar).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let s = status(&owner.call(Method::GET, settings, None).await, StatusCode::OK);
    assert_eq!((s["sla_low_days"].as_i64(), s["sla_high_days"].as_i64()), (Some(21), Some(10)), "{s}");
    let res = app.post_form("/api/findings/settings", &[("workspace", "contoso")], &owner.jar).await;
    assert_eq!(res.json()["can_manage"], true, "{}", res.body);

    // Read-only: reads 200, changes 403.
    let mut readonly = Client::new(&app, &doc, "readonly@contoso.example").await;
    readonly.ids = owner.ids.clone();
    for path in
        ["/workspaces/{slug}/findings", one, "/workspaces/{slug}/exceptions", "/workspaces/{slug}/posture", settings]
    {
        status(&readonly.call(Method::GET, path, None).await, StatusCode::OK);
    }
    for (m, path, body) in [
        (Method::POST, transitions, Some(json!({ "transition": "start" }))),
        (Method::POST, claim, None),
        (Method::POST, comments, Some(json!({ "body": "x" }))),
        (Method::POST, requests, Some(json!({ "reason": "x", "expires_at": expires }))),
        (Method::PUT, settings, Some(json!({ "sla_high_days": 5 }))),
    ] {
        problem(&readonly.call(m, path, body).await, StatusCode::FORBIDDEN, "forbidden");
    }

    // Another workspace's owner: 404, in Contoso and through Fabrikam alike.
    let mut foreign = Client::new(&app, &doc, "owner@fabrikam.example").await;
    foreign.ids = owner.ids.clone();
    for slug in ["contoso", "fabrikam"] {
        foreign.set("slug", slug);
        problem(&foreign.call(Method::GET, one, None).await, StatusCode::NOT_FOUND, "not_found");
        problem(
            &foreign.call(Method::POST, transitions, Some(json!({ "transition": "start" }))).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        problem(
            &foreign.call(Method::GET, "/workspaces/{slug}/exceptions/{exception}", None).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
    }
    let theirs =
        status(&foreign.call(Method::GET, "/workspaces/{slug}/findings?status=all", None).await, StatusCode::OK);
    assert_eq!(theirs["total"], 0);
    app.cleanup().await;
}

async fn openapi_documents_the_governance_routes(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let doc = openapi(&app).await;
    let expected = [
        ("get", "/workspaces/{slug}/baselines"),
        ("post", "/workspaces/{slug}/baselines"),
        ("get", "/workspaces/{slug}/baselines/{profile}"),
        ("patch", "/workspaces/{slug}/baselines/{profile}"),
        ("post", "/workspaces/{slug}/baselines/{profile}/captures"),
        ("get", "/workspaces/{slug}/baselines/{profile}/snapshots/{snapshot}/items"),
        ("put", "/workspaces/{slug}/baselines/{profile}/assignments/{tenant}"),
        ("delete", "/workspaces/{slug}/baselines/{profile}/assignments/{tenant}"),
        ("post", "/workspaces/{slug}/baselines/{profile}/schedules"),
        ("delete", "/workspaces/{slug}/baselines/{profile}/schedules/{schedule}"),
        ("post", "/workspaces/{slug}/baselines/{profile}/compares"),
        ("post", "/workspaces/{slug}/baselines/{profile}/compares/all"),
        ("get", "/workspaces/{slug}/findings"),
        ("get", "/workspaces/{slug}/findings/{finding}"),
        ("post", "/workspaces/{slug}/findings/{finding}/transitions"),
        ("post", "/workspaces/{slug}/findings/bulk-transitions"),
        ("put", "/workspaces/{slug}/findings/{finding}/assignment"),
        ("post", "/workspaces/{slug}/findings/{finding}/claim"),
        ("post", "/workspaces/{slug}/findings/{finding}/comments"),
        ("post", "/workspaces/{slug}/findings/{finding}/exceptions"),
        ("get", "/workspaces/{slug}/my-work"),
        ("get", "/workspaces/{slug}/intake"),
        ("get", "/workspaces/{slug}/posture"),
        ("get", "/workspaces/{slug}/exceptions"),
        ("get", "/workspaces/{slug}/exceptions/{exception}"),
        ("post", "/workspaces/{slug}/exceptions/{exception}/decision"),
        ("post", "/workspaces/{slug}/exceptions/{exception}/revocation"),
        ("post", "/workspaces/{slug}/exceptions/{exception}/renewal"),
        ("get", "/workspaces/{slug}/governance-settings"),
        ("put", "/workspaces/{slug}/governance-settings"),
    ];
    for (method, path) in expected {
        let op = &doc["paths"][path][method];
        assert!(op["operationId"].is_string() && op["summary"].is_string(), "{method} {path}");
        assert!(op["responses"]["401"].is_object(), "{method} {path}");
        // Every path parameter is declared.
        let declared: Vec<String> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| match p["$ref"].as_str() {
                Some(r) => {
                    let name = r.rsplit('/').next().unwrap();
                    doc["components"]["parameters"][name]["name"].as_str().unwrap().to_string()
                }
                None => p["name"].as_str().unwrap().to_string(),
            })
            .collect();
        for segment in path.split('/').filter(|s| s.starts_with('{')) {
            let name = segment.trim_matches(|c| c == '{' || c == '}');
            assert!(declared.iter().any(|d| d == name), "{method} {path}: {name} not declared");
        }
        if let Some(body) = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str() {
            let name = body.rsplit('/').next().unwrap();
            let schema = &doc["components"]["schemas"][name];
            assert_eq!(schema["additionalProperties"], false, "{name}");
            assert!(op["responses"]["422"].is_object() && op["responses"]["400"].is_object(), "{method} {path}");
        }
    }
    // The exact constraints.
    let schemas = &doc["components"]["schemas"];
    let days = &schemas["BaselineScheduleInput"]["properties"]["days"];
    assert_eq!((days["items"]["minimum"].as_i64(), days["items"]["maximum"].as_i64()), (Some(1), Some(7)));
    assert_eq!(schemas["BaselineScheduleInput"]["required"], json!(["days", "time"]));
    assert!(schemas["BaselineScheduleInput"]["properties"]["time"]["pattern"].is_string());
    assert_eq!(schemas["BaselineProfileInput"]["properties"]["name"]["maxLength"], app::baselines::MAX_NAME_CHARS);
    assert_eq!(
        schemas["BaselineProfileInput"]["properties"]["policy_types"]["items"]["enum"],
        json!(app::baselines::GOVERNED_TYPES)
    );
    assert_eq!(schemas["FindingBulkTransition"]["properties"]["ids"]["maxItems"], 200);
    assert!(!schemas["FindingTransition"]["properties"]["closed_reason"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("accepted_risk")));
    assert_eq!(schemas["GovernanceSettings"]["properties"]["max_exception_days"]["maximum"], 1095);
    assert_eq!(
        doc["paths"]["/workspaces/{slug}/baselines/{profile}/captures"]["post"]["responses"]["202"]["content"]
            ["application/json"]["schema"]["$ref"],
        "#/components/schemas/StartedRun"
    );

    // Without credentials every governance route is 401 (authentication answers first).
    for (method, path) in expected {
        let target = path
            .replace("{slug}", "contoso")
            .replace("{profile}", "1")
            .replace("{snapshot}", "1")
            .replace("{tenant}", "1")
            .replace("{schedule}", "1")
            .replace("{finding}", "1")
            .replace("{exception}", "1");
        let m = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        problem(&api(&app, m, &target, Auth::None, Some(json!({}))).await, StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    app.cleanup().await;
}

on_both_engines!(
    baselines_over_the_api,
    findings_and_risk_acceptance_over_the_api,
    openapi_documents_the_governance_routes,
);
