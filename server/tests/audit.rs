//! The audit log over HTTP against the seeded demo, on SQLite and PostgreSQL: every filter narrows the
//! list, keyset and numbered pages have no gaps or duplicates, 404 for foreign entries and non-members,
//! 403 by capability (customer viewers; export only for owners and managers), narrowed members see only
//! their tenants' entries, CSV/JSON exports (content, headers, and their own `audit.export` record), the
//! JSON API (incl. 401 without credentials) and the pages.

mod common;

use common::{api, as_user, call, id_of, seeded, user_id, workspace_id, workspace_tenants, Auth, Engine, Jar, TestApp};
use http::{header, Method, StatusCode};
use serde_json::Value;

use app::{
    audit::{
        server::{record_system, AuditEvent},
        Outcome,
    },
    authz::server::SystemScope,
};

/// Ids of every audit row of `ws`, newest first.
async fn all_ids(app: &TestApp, ws: i64) -> Vec<i64> {
    app::db_run!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM audit_log WHERE workspace_id = $1 ORDER BY id DESC")
        .bind(ws).fetch_all(p).await)
    .unwrap()
}

/// A system entry in `ws` (optionally for a tenant) with `action` and `outcome`.
async fn system_entry(app: &TestApp, ws: i64, tenant: Option<i64>, action: &'static str, outcome: Outcome) {
    let mut event = AuditEvent::new(action, "test", "x").outcome(outcome).summary("test entry");
    if let Some(t) = tenant {
        event = event.tenant(t);
    }
    let mut tx = app.db.begin().await.unwrap();
    record_system(&mut tx, &SystemScope::for_test("audit test"), Some(ws), event).await.unwrap();
    tx.commit().await.unwrap();
}

/// Activity in contoso: renames by the owner and the manager, system entries with every outcome, and a
/// rename in fabrikam.
async fn activity(app: &TestApp) {
    let owner = as_user(app, "owner@contoso.example").await;
    let manager = as_user(app, "manager@contoso.example").await;
    let contoso = workspace_id(app, "contoso").await;
    let t = workspace_tenants(&app.db, "contoso").await;
    for (jar, tenant, name) in [(&owner, t[0], "Holding Renamed"), (&manager, t[1], "Retail Renamed")] {
        let tid = tenant.to_string();
        let (status, body) = call(
            app,
            "/api/tenants/rename",
            &[("workspace", "contoso"), ("tenant", &tid), ("display_name", name)],
            jar,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    system_entry(app, contoso, Some(t[0]), "sync.run", Outcome::Failure).await;
    system_entry(app, contoso, Some(t[1]), "sync.run", Outcome::Blocked).await;
    system_entry(app, contoso, None, "workspace.check", Outcome::Info).await;
    let fab = as_user(app, "owner@fabrikam.example").await;
    let ft = workspace_tenants(&app.db, "fabrikam").await;
    let (status, body) = call(
        app,
        "/api/tenants/rename",
        &[("workspace", "fabrikam"), ("tenant", &ft[0].to_string()), ("display_name", "HQ Renamed")],
        &fab,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn list(app: &TestApp, jar: &Jar, filters: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut form = vec![("workspace", "contoso")];
    form.extend_from_slice(filters);
    call(app, "/api/audit/list", &form, jar).await
}

fn entries(body: &Value) -> Vec<Value> {
    body["entries"].as_array().unwrap_or_else(|| panic!("no entries: {body}")).clone()
}

fn today() -> String {
    chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string()
}

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).format("%Y-%m-%d").to_string()
}

async fn filters_narrow_the_list(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    activity(&app).await;
    let owner = as_user(&app, "owner@contoso.example").await;
    let contoso = workspace_id(&app, "contoso").await;
    let t = workspace_tenants(&app.db, "contoso").await;
    let (status, body) = list(&app, &owner, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let all = entries(&body);
    assert_eq!(all.len(), all_ids(&app, contoso).await.len(), "only contoso's entries");
    assert!(all.iter().any(|e| e["action"] == "tenant.rename"));
    assert!(all.windows(2).all(|w| w[0]["id"].as_i64() > w[1]["id"].as_i64()), "newest first");
    assert_eq!(body["can_export"], true);

    let owner_id = user_id(&app, "owner@contoso.example").await.to_string();
    let check = |body: &Value, pred: &dyn Fn(&Value) -> bool, what: &str| {
        let es = entries(body);
        assert!(!es.is_empty(), "{what}: empty");
        assert!(es.len() < all.len(), "{what}: did not narrow");
        assert!(es.iter().all(pred), "{what}: {body}");
    };
    let (_, b) = list(&app, &owner, &[("actor", &owner_id)]).await;
    check(&b, &|e| e["actor_id"].as_i64().map(|i| i.to_string()) == Some(owner_id.clone()), "actor");
    let (_, b) = list(&app, &owner, &[("action", "tenant.rename")]).await;
    check(&b, &|e| e["action"] == "tenant.rename", "exact action");
    assert_eq!(entries(&b).len(), 2);
    let (_, b) = list(&app, &owner, &[("action", "sync.")]).await;
    check(&b, &|e| e["action"].as_str().unwrap().starts_with("sync."), "action prefix");
    assert_eq!(entries(&b).len(), 2);
    let (_, b) = list(&app, &owner, &[("action", "sync")]).await;
    assert!(entries(&b).is_empty(), "no prefix without the dot");
    let t0 = t[0].to_string();
    let (_, b) = list(&app, &owner, &[("tenant", &t0)]).await;
    check(&b, &|e| e["tenant_id"].as_i64() == Some(t[0]), "tenant");
    let (_, b) = list(&app, &owner, &[("outcome", "failure")]).await;
    check(&b, &|e| e["outcome"] == "failure", "outcome");
    let (_, b) = list(&app, &owner, &[("outcome", "blocked"), ("tenant", &t[1].to_string())]).await;
    assert_eq!(entries(&b).len(), 1, "filters combine");
    let (_, b) = list(&app, &owner, &[("from", &today()), ("to", &today())]).await;
    assert_eq!(entries(&b).len(), all.len(), "today, inclusive");
    let (_, b) = list(&app, &owner, &[("from", &day(1))]).await;
    assert!(entries(&b).is_empty(), "from tomorrow");
    let (_, b) = list(&app, &owner, &[("to", &day(-1))]).await;
    assert!(entries(&b).is_empty(), "until yesterday");

    // Bad input: 422 with field codes; a tenant of another workspace is unknown.
    for (field, value, code) in [
        ("from", "yesterday", "invalid_date"),
        ("actor", "me", "invalid"),
        ("outcome", "maybe", "unsupported"),
        ("action", "'; DROP TABLE audit_log; --", "invalid"),
    ] {
        let (status, b) = list(&app, &owner, &[(field, value)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {b}");
        assert!(b.to_string().contains(code), "{field}: {b}");
    }
    let foreign = workspace_tenants(&app.db, "fabrikam").await[0].to_string();
    let (status, b) = list(&app, &owner, &[("tenant", &foreign)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("unknown_tenant"), "{b}");
    app.cleanup().await;
}

async fn pages_have_no_gaps_or_duplicates(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let contoso = workspace_id(&app, "contoso").await;
    let t = workspace_tenants(&app.db, "contoso").await;
    for i in 0..120 {
        let tenant = (i % 3 != 0).then(|| t[i % t.len()]);
        system_entry(&app, contoso, tenant, "bulk.entry", Outcome::Success).await;
    }
    let expected = all_ids(&app, contoso).await;
    assert!(expected.len() >= 120);
    let owner = as_user(&app, "owner@contoso.example").await;
    let mut seen = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut form = vec![];
        if let Some(b) = &before {
            form.push(("before", b.as_str()));
        }
        let (status, body) = list(&app, &owner, &form).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page = entries(&body);
        assert!(page.len() <= 50);
        seen.extend(page.iter().map(|e| e["id"].as_i64().unwrap()));
        match body["next_before"].as_i64() {
            Some(n) => before = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, expected, "keyset pages");

    // Numbered API pages, pinned with `before`, while new entries arrive.
    let pin = (expected[0] + 1).to_string();
    let mut api_seen = Vec::new();
    for page in 1.. {
        let res = api(
            &app,
            Method::GET,
            &format!("/workspaces/contoso/audit?per_page=7&page={page}&before={pin}"),
            Auth::Cookie(&owner),
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let body = res.json();
        assert_eq!(body["total"].as_u64(), Some(expected.len() as u64));
        let items = body["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        api_seen.extend(items.iter().map(|e| e["id"].as_i64().unwrap()));
        system_entry(&app, contoso, None, "bulk.late", Outcome::Success).await;
    }
    assert_eq!(api_seen, expected, "numbered pages");
    app.cleanup().await;
}

async fn foreign_and_hidden_entries_are_404(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    activity(&app).await;
    let owner = as_user(&app, "owner@contoso.example").await;
    let fabrikam = workspace_id(&app, "fabrikam").await;
    let foreign = all_ids(&app, fabrikam).await[0].to_string();
    let own = all_ids(&app, workspace_id(&app, "contoso").await).await[0].to_string();
    let (status, b) = call(&app, "/api/audit/get", &[("workspace", "contoso"), ("id", &own)], &owner).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["entry"]["id"].to_string(), own);
    assert_eq!(b["entry"]["hash"].as_str().unwrap().len(), 64);
    let (status, _) = call(&app, "/api/audit/get", &[("workspace", "contoso"), ("id", &foreign)], &owner).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, "/api/audit/get", &[("workspace", "contoso"), ("id", "999999")], &owner).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/admin/workspaces/contoso/audit/{foreign}"), &owner).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/admin/workspaces/contoso/audit/abc", &owner).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api(&app, Method::GET, &format!("/workspaces/contoso/audit/{foreign}"), Auth::Cookie(&owner), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api(&app, Method::GET, "/workspaces/contoso/audit/abc", Auth::Cookie(&owner), None).await.status,
        StatusCode::NOT_FOUND
    );
    // A non-member: 404 everywhere, also for the export.
    let fab = as_user(&app, "owner@fabrikam.example").await;
    let (status, _) = list(&app, &fab, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/admin/workspaces/contoso/audit", &fab).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/admin/workspaces/contoso/audit/export.csv", &fab).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api(&app, Method::GET, "/workspaces/contoso/audit", Auth::Cookie(&fab), None).await.status,
        StatusCode::NOT_FOUND
    );
    app.cleanup().await;
}

async fn capabilities_decide_view_and_export(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    activity(&app).await;
    // (who, may view, may export) — the matrix: audit.view for all staff roles, audit.export for owner/manager.
    for (who, view, export) in [
        ("owner@contoso.example", true, true),
        ("manager@contoso.example", true, true),
        ("operator@contoso.example", true, false),
        ("readonly@contoso.example", true, false),
        ("customer@contoso.example", false, false),
    ] {
        let jar = as_user(&app, who).await;
        let (status, body) = list(&app, &jar, &[]).await;
        let want = if view { StatusCode::OK } else { StatusCode::FORBIDDEN };
        assert_eq!(status, want, "{who} list: {body}");
        if view {
            assert_eq!(body["can_export"], export, "{who}");
        }
        assert_eq!(app.get("/admin/workspaces/contoso/audit", &jar).await.status, want, "{who} page");
        assert_eq!(
            api(&app, Method::GET, "/workspaces/contoso/audit", Auth::Cookie(&jar), None).await.status,
            want,
            "{who} api"
        );
        let want = if export { StatusCode::OK } else { StatusCode::FORBIDDEN };
        let res = app.get("/admin/workspaces/contoso/audit/export.json", &jar).await;
        assert_eq!(res.status, want, "{who} export: {}", res.body);
    }
    // Without a session.
    let anon = Jar::default();
    assert_eq!(app.get("/admin/workspaces/contoso/audit/export.csv", &anon).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/admin/workspaces/contoso/audit", &anon).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(list(&app, &anon, &[]).await.0, StatusCode::UNAUTHORIZED);
    app.cleanup().await;
}

async fn narrowed_members_see_only_their_tenants(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    activity(&app).await;
    let contoso = workspace_id(&app, "contoso").await;
    let t = workspace_tenants(&app.db, "contoso").await;
    let owner = as_user(&app, "owner@contoso.example").await;
    let readonly = user_id(&app, "readonly@contoso.example").await.to_string();
    let t1 = t[1].to_string();
    let (status, b) = call(
        &app,
        "/api/members/narrow",
        &[("workspace", "contoso"), ("member", &readonly), ("tenant_ids[]", &t1)],
        &owner,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let rita = as_user(&app, "readonly@contoso.example").await;
    let (status, body) = list(&app, &rita, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let es = entries(&body);
    assert!(!es.is_empty());
    assert!(es.iter().all(|e| e["tenant_id"].as_i64() == Some(t[1])), "{body}");
    // Nothing of other tenants or of the workspace itself, by list, detail or API.
    let hidden: Vec<i64> = app::db_run!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM audit_log WHERE workspace_id = $1 AND (tenant_id IS NULL OR tenant_id <> $2)")
        .bind(contoso).bind(t[1]).fetch_all(p).await)
    .unwrap();
    assert!(!hidden.is_empty());
    for id in hidden.iter().take(5) {
        let (status, _) =
            call(&app, "/api/audit/get", &[("workspace", "contoso"), ("id", &id.to_string())], &rita).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "entry {id}");
        let res = api(&app, Method::GET, &format!("/workspaces/contoso/audit/{id}"), Auth::Cookie(&rita), None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "api entry {id}");
    }
    let res = api(&app, Method::GET, "/workspaces/contoso/audit?per_page=200", Auth::Cookie(&rita), None).await;
    assert!(res.json()["items"].as_array().unwrap().iter().all(|e| e["tenant_id"].as_i64() == Some(t[1])));
    let (status, b) = list(&app, &rita, &[("tenant", &t[0].to_string())]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let tenants_offered: Vec<i64> =
        body["tenants"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(tenants_offered, vec![t[1]]);
    app.cleanup().await;
}

async fn exports_are_complete_quoted_and_audited(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    activity(&app).await;
    let contoso = workspace_id(&app, "contoso").await;
    let owner = as_user(&app, "owner@contoso.example").await;

    let res = app.get("/admin/workspaces/contoso/audit/export.csv?action=tenant.&outcome=success", &owner).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = res.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"audit-contoso-") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let lines: Vec<&str> = res.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("id,recorded_at,tenant_id,actor_id,actor_type,actor_label,action,"), "{}", lines[0]);
    assert_eq!(lines.len() - 1, 2, "two tenant renames: {}", res.body);
    assert_eq!(res.headers["x-audit-rows"], "2");
    assert!(lines[1..].iter().all(|l| l.contains(",tenant.rename,")));
    // Metadata is JSON with quotes: quoted and doubled.
    assert!(lines[1].contains("\"{\"\""), "{}", lines[1]);
    assert!(lines[1].contains('Z'), "ISO 8601 UTC");

    // The export itself was audited, with the filters and the row count.
    let (action, metadata, actor): (String, String, Option<i64>) = app::db_run!(&app.db, p => sqlx::query_as(
        "SELECT action, metadata, actor_id FROM audit_log WHERE workspace_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(contoso).fetch_one(p).await)
    .unwrap();
    assert_eq!(action, "audit.export");
    assert_eq!(actor, Some(user_id(&app, "owner@contoso.example").await));
    let m: Value = serde_json::from_str(&metadata).unwrap();
    assert_eq!(m["format"], "csv");
    assert_eq!(m["rows"], 2);
    assert_eq!(m["filters"]["action"], "tenant.");
    assert_eq!(m["filters"]["outcome"], "success");

    // JSON: the whole log (now including the CSV export's record), never localized.
    let res = app.get("/admin/workspaces/contoso/audit/export.json?locale=de", &owner).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.headers[header::CONTENT_TYPE], "application/json");
    assert!(res.headers[header::CONTENT_DISPOSITION].to_str().unwrap().ends_with(".json\""));
    let doc = res.json();
    let ids: Vec<i64> = doc["entries"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    let mut expected = all_ids(&app, contoso).await;
    expected.remove(0); // the JSON export's own record came after the read
    assert_eq!(ids, expected);
    assert_eq!(doc["truncated"], false);
    assert_eq!(doc["workspace"], "contoso");
    assert!(doc["entries"].as_array().unwrap().iter().any(|e| e["action"] == "audit.export"));

    // Bad filters: 422 in plain text, and nothing audited.
    let before = all_ids(&app, contoso).await.len();
    let res = app.get("/admin/workspaces/contoso/audit/export.csv?from=2026-02-30", &owner).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("from: invalid_date"), "{}", res.body);
    assert_eq!(all_ids(&app, contoso).await.len(), before);
    app.cleanup().await;
}

async fn api_serves_the_log(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    activity(&app).await;
    let contoso = workspace_id(&app, "contoso").await;
    for path in ["/workspaces/contoso/audit", "/workspaces/contoso/audit/1"] {
        let res = api(&app, Method::GET, path, Auth::None, None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(res.json()["code"], "unauthenticated");
        assert_eq!(
            api(&app, Method::GET, path, Auth::Bearer("tpat_nope"), None).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let owner = as_user(&app, "owner@contoso.example").await;
    let res =
        api(&app, Method::GET, "/workspaces/contoso/audit?action=tenant.rename&per_page=1", Auth::Cookie(&owner), None)
            .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let body = res.json();
    assert_eq!((body["page"].as_u64(), body["per_page"].as_u64(), body["total"].as_u64()), (Some(1), Some(1), Some(2)));
    let item = &body["items"][0];
    assert_eq!(item["action"], "tenant.rename");
    assert!(item["recorded_at"].as_str().unwrap().ends_with('Z'));
    let one =
        api(&app, Method::GET, &format!("/workspaces/contoso/audit/{}", item["id"]), Auth::Cookie(&owner), None).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(one.json(), *item);
    for (q, field) in [("outcome=nope", "outcome"), ("per_page=201", "per_page"), ("to=x", "to")] {
        let res = api(&app, Method::GET, &format!("/workspaces/contoso/audit?{q}"), Auth::Cookie(&owner), None).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {}", res.body);
        assert_eq!(res.json()["errors"][0]["field"], field, "{q}");
    }
    let customer = as_user(&app, "customer@contoso.example").await;
    assert_eq!(
        api(&app, Method::GET, "/workspaces/contoso/audit", Auth::Cookie(&customer), None).await.status,
        StatusCode::FORBIDDEN
    );
    // Reading through the API is not an export: nothing new is recorded.
    let n = all_ids(&app, contoso).await.len();
    api(&app, Method::GET, "/workspaces/contoso/audit", Auth::Cookie(&owner), None).await;
    assert_eq!(all_ids(&app, contoso).await.len(), n);
    app.cleanup().await;
}

async fn pages_render_the_log_and_an_entry(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    activity(&app).await;
    let owner = as_user(&app, "owner@contoso.example").await;
    let res = app.get("/admin/workspaces/contoso/audit?action=tenant.rename", &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body.matches("data-testid=\"audit-row\"").count(), 2, "{}", res.body);
    assert!(res.body.contains("export.csv?action=tenant.rename"), "export links keep the filters");
    let res = app.get("/admin/workspaces/contoso/audit?from=nope", &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("audit-filter-error"));
    let id = all_ids(&app, workspace_id(&app, "contoso").await).await[0];
    let res = app.get(&format!("/admin/workspaces/contoso/audit/{id}"), &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("audit-detail-hash"), "{}", res.body);
    let res = app.get("/admin/workspaces/contoso", &owner).await;
    assert!(res.body.contains("data-testid=\"open-audit\""));
    let customer = as_user(&app, "customer@contoso.example").await;
    assert!(!app.get("/admin/workspaces/contoso", &customer).await.body.contains("open-audit"));
    app.cleanup().await;
}

/// Not a pass/fail test: fills contoso with 100 000 entries and prints p50/p95 of the list server function
/// per filter (whole request: session, scope, count of visible tenants, query). Run with
/// `cargo test -p server --release --test audit -- --ignored --nocapture list_latency`.
async fn list_latency_at_100k_rows(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let contoso = workspace_id(&app, "contoso").await;
    let t = workspace_tenants(&app.db, "contoso").await;
    let owner_id = user_id(&app, "owner@contoso.example").await;
    let sql = format!(
        "INSERT INTO audit_log (workspace_id, tenant_id, actor_id, actor_label, actor_type, action, resource_type, \
         resource_id, outcome, summary, metadata, ip, user_agent, recorded_at, prev_hash, hash) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) \
         SELECT {contoso}, CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN {} WHEN 2 THEN {} ELSE {} END, \
         CASE i % 2 WHEN 0 THEN {owner_id} ELSE NULL END, 'bench', 'human', \
         CASE i % 5 WHEN 0 THEN 'tenant.rename' WHEN 1 THEN 'member.invite' WHEN 2 THEN 'sync.run' \
         WHEN 3 THEN 'api_token.use' ELSE 'policy.sync' END, 'bench', 'x', \
         CASE i % 7 WHEN 0 THEN 'failure' ELSE 'success' END, 'bench entry', '{{}}', NULL, NULL, \
         '2026-01-' || CASE WHEN 1 + i / 4000 < 10 THEN '0' ELSE '' END || (1 + i / 4000) || 'T12:00:00.000Z', \
         'bench-' || i, 'bench-' || i FROM n",
        t[0], t[1], t[2]
    );
    app::db_run!(&app.db, p => sqlx::query(&sql).execute(p).await.map(|_| ())).unwrap();
    if let app::db::Db::Postgres(p) = &app.db {
        sqlx::query("ANALYZE audit_log").execute(p).await.unwrap();
    }
    assert!(all_ids(&app, contoso).await.len() >= 100_000);
    let owner = as_user(&app, "owner@contoso.example").await;
    let (owner_s, t1, t2) = (owner_id.to_string(), t[1].to_string(), t[2].to_string());
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("unfiltered", vec![]),
        ("actor", vec![("actor", &owner_s)]),
        ("action exact", vec![("action", "sync.run")]),
        ("action prefix", vec![("action", "api_token.")]),
        ("tenant", vec![("tenant", &t1)]),
        ("outcome", vec![("outcome", "failure")]),
        ("date range", vec![("from", "2026-01-10"), ("to", "2026-01-12")]),
        ("combined", vec![("tenant", &t2), ("action", "tenant."), ("outcome", "failure")]),
        ("deep page", vec![("before", "5000")]),
    ];
    println!("| {engine:?} filter | p50 ms | p95 ms |");
    for (name, filters) in cases {
        let mut ms = Vec::new();
        for _ in 0..40 {
            let start = std::time::Instant::now();
            let (status, body) = list(&app, &owner, &filters).await;
            ms.push(start.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        ms.sort_by(f64::total_cmp);
        println!("| {name} | {:.1} | {:.1} |", ms[ms.len() / 2], ms[ms.len() * 95 / 100]);
    }
    app.cleanup().await;
}

mod latency {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "benchmark: prints figures, run with --ignored --nocapture"]
    async fn list_latency_sqlite() {
        super::list_latency_at_100k_rows(super::common::Engine::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "benchmark: prints figures, run with --ignored --nocapture"]
    async fn list_latency_postgres() {
        super::list_latency_at_100k_rows(super::common::Engine::Postgres).await
    }
}

/// The benchmark fixture's bulk append joins the same chain: `verify` passes, timestamps grow with ids, and
/// an entry recorded afterwards links to the last bulk row.
async fn bulk_append_keeps_the_chain(engine: Engine) {
    let Some(app) = TestApp::new(engine).await else { return };
    let (tenants, rows) = server::seed::bench_fixture(&app.db, 12, 1_234).await.unwrap();
    assert_eq!(tenants, 5 + 12);
    assert!(rows >= 1_234, "{rows}");
    let owner = as_user(&app, "owner@contoso.example").await;
    let (status, _) = call(
        &app,
        "/api/tenants/rename",
        &[("workspace", "contoso"), ("tenant", "1"), ("display_name", "After bulk")],
        &owner,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let report = app::audit::server::verify(&app.db).await.unwrap();
    assert_eq!(report.first_broken, None, "{report:?}");
    let stamps: Vec<String> =
        app::db_run!(&app.db, p => sqlx::query_scalar("SELECT recorded_at FROM audit_log ORDER BY id").fetch_all(p).await)
            .unwrap();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "recorded_at grows with id");
    // The API counts at most 1,000 matches and says so; a narrow filter is counted exactly.
    let res = app.get("/api/v1/workspaces/contoso/audit?per_page=10", &owner).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let page: Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!((page["total"].as_u64(), page["total_capped"].as_bool()), (Some(1000), Some(true)), "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    // Past the last page: no entries, the same capped total.
    let res = app.get("/api/v1/workspaces/contoso/audit?per_page=10&page=999999", &owner).await;
    let page: Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!((page["total"].as_u64(), page["total_capped"].as_bool()), (Some(1000), Some(true)), "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    let res = app.get("/api/v1/workspaces/contoso/audit?action=tenant.rename&outcome=failure", &owner).await;
    let page: Value = serde_json::from_str(&res.body).unwrap();
    assert!(page.get("total_capped").is_none(), "{page}");
    assert_eq!(page["total"].as_u64(), Some(page["items"].as_array().unwrap().len() as u64));
    // A count once over the cap is not counted again on this database (the log is append-only): with the
    // rows removed behind the product's back, this pool still answers "capped"; another database — here a
    // new pool — counts.
    common::tamper(&app.db, "DELETE FROM audit_log WHERE id > 3").await;
    let res = app.get("/api/v1/workspaces/contoso/audit?per_page=10", &owner).await;
    let page: Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!((page["total"].as_u64(), page["total_capped"].as_bool()), (Some(1000), Some(true)), "{page}");
    let other = app::db::Db::connect(&app.url).await.unwrap();
    assert_ne!(other.identity(), app.db.identity());
    assert_eq!(app.db.identity(), app.db.clone().identity());
    let scope = common::member_scope(&other, "owner@contoso.example", "contoso").await.unwrap();
    let counted = app::audit::server::repo::count(&other, &scope, &app::audit::AuditFilter::default(), 1_000).await;
    let left = id_of(
        &app.db,
        "SELECT COUNT(*) FROM audit_log a JOIN workspaces w ON w.id = a.workspace_id WHERE w.slug = $1",
        "contoso",
    )
    .await;
    assert!(left < 1_000);
    assert_eq!(counted.unwrap(), left);
    other.close().await;
    app.cleanup().await;
}

on_both_engines!(
    bulk_append_keeps_the_chain,
    filters_narrow_the_list,
    pages_have_no_gaps_or_duplicates,
    foreign_and_hidden_entries_are_404,
    capabilities_decide_view_and_export,
    narrowed_members_see_only_their_tenants,
    exports_are_complete_quoted_and_audited,
    api_serves_the_log,
    pages_render_the_log_and_an_entry,
);
