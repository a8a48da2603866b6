//! Workspaces, managed tenants, capability scopes (404 vs 403) and the tamper-evident audit log, over HTTP
//! against the seeded demo, on SQLite and PostgreSQL.

mod common;

use common::{as_user, call, seeded, workspace_id, Engine, Jar, TestApp};
use http::StatusCode;
use server::seed::DEMO_PASSWORD;

const GUID: &str = "7d1e2f3a-3333-4c3d-9e3f-000000000099";

/// Every tenant the caller may see (one page of up to 50: enough for the demo), as a JSON array.
async fn list(app: &TestApp, jar: &Jar, ws: &str) -> (StatusCode, serde_json::Value) {
    let (status, page) = list_page(app, jar, &[("workspace", ws), ("status", "all")]).await;
    (status, page["items"].clone())
}

async fn list_page(app: &TestApp, jar: &Jar, form: &[(&str, &str)]) -> (StatusCode, serde_json::Value) {
    call(app, "/api/tenants/list", form, jar).await
}

async fn members_see_their_workspace_and_nothing_else(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let owner = as_user(&app, "owner@contoso.example").await;
    let (status, tenants) = list(&app, &owner, "contoso").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tenants.as_array().unwrap().len(), 5);
    // Another workspace, or one that does not exist: 404, indistinguishable.
    assert_eq!(list(&app, &owner, "fabrikam").await.0, StatusCode::NOT_FOUND);
    assert_eq!(list(&app, &owner, "no-such-workspace").await.0, StatusCode::NOT_FOUND);
    let fab = as_user(&app, "owner@fabrikam.example").await;
    assert_eq!(list(&app, &fab, "contoso").await.0, StatusCode::NOT_FOUND);
    assert_eq!(list(&app, &fab, "fabrikam").await.1.as_array().unwrap().len(), 2);
    // A Contoso tenant id through the Fabrikam workspace: 404.
    let contoso_id = tenants[0]["id"].as_i64().unwrap().to_string();
    let res = app.post_form("/api/tenants/get", &[("workspace", "fabrikam"), ("tenant", &contoso_id)], &fab).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    app.cleanup().await;
}

async fn customer_viewer_is_narrowed_to_their_tenant(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let customer = as_user(&app, "customer@contoso.example").await;
    let (status, mine) = list(&app, &customer, "contoso").await;
    assert_eq!(status, StatusCode::OK);
    let mine = mine.as_array().unwrap().clone();
    assert_eq!(mine.len(), 1, "{mine:?}");
    let owner = as_user(&app, "owner@contoso.example").await;
    let all = list(&app, &owner, "contoso").await.1;
    for t in all.as_array().unwrap() {
        let id = t["id"].as_i64().unwrap().to_string();
        let res = app.post_form("/api/tenants/get", &[("workspace", "contoso"), ("tenant", &id)], &customer).await;
        let expected = if t["id"] == mine[0]["id"] { StatusCode::OK } else { StatusCode::NOT_FOUND };
        assert_eq!(res.status, expected, "tenant {id}");
    }
    // Customer-safe capabilities only: no managing, not even of their own tenant.
    let own = mine[0]["id"].as_i64().unwrap().to_string();
    let res = app
        .post_form(
            "/api/tenants/rename",
            &[("workspace", "contoso"), ("tenant", &own), ("display_name", "x")],
            &customer,
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    app.cleanup().await;
}

async fn capabilities_decide_403_and_mutations_are_audited(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let readonly = as_user(&app, "readonly@contoso.example").await;
    let form = [
        ("workspace", "contoso"),
        ("display_name", "New Co"),
        ("primary_domain", "newco.example"),
        ("entra_tenant_id", GUID),
    ];
    let res = app.post_form("/api/tenants/create", &form, &readonly).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let audit_before = app.scalar("SELECT COUNT(*) FROM audit_log").await;

    let manager = as_user(&app, "manager@contoso.example").await;
    let res = app.post_form("/api/tenants/create", &form, &manager).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let id = res.json().as_i64().unwrap().to_string();
    // Same GUID again (any workspace): a conflict on the field.
    let fab = as_user(&app, "owner@fabrikam.example").await;
    let mut again = form;
    again[0] = ("workspace", "fabrikam");
    let res = app.post_form("/api/tenants/create", &again, &fab).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("entra_tenant_id") && res.body.contains("taken"), "{}", res.body);
    // Malformed GUID.
    let mut bad = form;
    bad[3] = ("entra_tenant_id", "not-a-guid");
    let res = app.post_form("/api/tenants/create", &bad, &manager).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("invalid_guid"));

    let rename = [("workspace", "contoso"), ("tenant", &id), ("display_name", "Renamed Co")];
    assert_eq!(app.post_form("/api/tenants/rename", &rename, &manager).await.status, StatusCode::OK);
    assert_eq!(app.post_form("/api/tenants/rename", &rename, &readonly).await.status, StatusCode::FORBIDDEN);
    let archive = [("workspace", "contoso"), ("tenant", &id), ("archived", "true")];
    assert_eq!(app.post_form("/api/tenants/archive", &archive, &manager).await.status, StatusCode::OK);
    assert_eq!(app.post_form("/api/tenants/archive", &archive, &manager).await.status, StatusCode::CONFLICT);
    let restore = [("workspace", "contoso"), ("tenant", &id), ("archived", "false")];
    assert_eq!(app.post_form("/api/tenants/archive", &restore, &manager).await.status, StatusCode::OK);
    let got = app.post_form("/api/tenants/get", &[("workspace", "contoso"), ("tenant", &id)], &readonly).await;
    assert_eq!(got.json()["lifecycle"], "draft");
    assert_eq!(got.json()["display_name"], "Renamed Co");

    // Exactly one audit row per successful mutation (create, rename, archive, restore).
    assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log").await, audit_before + 4);
    let actions: Vec<String> =
        app::db_run!(&app.db, p => sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id").fetch_all(p).await)
            .unwrap();
    assert_eq!(&actions[actions.len() - 4..], ["tenant.create", "tenant.rename", "tenant.archive", "tenant.restore"]);
    app.cleanup().await;
}

async fn audit_chain_detects_edits_and_deletions(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let manager = as_user(&app, "manager@contoso.example").await;
    for i in 0..4 {
        let guid = format!("7d1e2f3a-3333-4c3d-9e3f-00000000010{i}");
        let form = [
            ("workspace", "contoso"),
            ("display_name", "Chain Co"),
            ("primary_domain", "chain.example"),
            ("entra_tenant_id", &guid),
        ];
        assert_eq!(app.post_form("/api/tenants/create", &form, &manager).await.status, StatusCode::OK);
    }
    let report = app::audit::server::verify(&app.db).await.unwrap();
    assert_eq!(report.first_broken, None);
    assert_eq!(report.rows, 5);
    let ids: Vec<i64> =
        app::db_run!(&app.db, p => sqlx::query_scalar("SELECT id FROM audit_log ORDER BY id").fetch_all(p).await)
            .unwrap();

    // Editing one row's content breaks that row.
    common::tamper(&app.db, &format!("UPDATE audit_log SET summary = 'nothing to see' WHERE id = {}", ids[2])).await;
    assert_eq!(app::audit::server::verify(&app.db).await.unwrap().first_broken, Some(ids[2]));
    app.cleanup().await;

    let Some(app) = seeded(engine).await else { return };
    let manager = as_user(&app, "manager@contoso.example").await;
    for i in 0..3 {
        let guid = format!("7d1e2f3a-3333-4c3d-9e3f-00000000020{i}");
        let form = [
            ("workspace", "contoso"),
            ("display_name", "Chain Co"),
            ("primary_domain", "chain.example"),
            ("entra_tenant_id", &guid),
        ];
        app.post_form("/api/tenants/create", &form, &manager).await;
    }
    let ids: Vec<i64> =
        app::db_run!(&app.db, p => sqlx::query_scalar("SELECT id FROM audit_log ORDER BY id").fetch_all(p).await)
            .unwrap();
    // Deleting a row breaks the link of the row after it.
    common::tamper(&app.db, &format!("DELETE FROM audit_log WHERE id = {}", ids[1])).await;
    assert_eq!(app::audit::server::verify(&app.db).await.unwrap().first_broken, Some(ids[2]));
    // Secrets never reach metadata.
    let meta: Vec<String> =
        app::db_run!(&app.db, p => sqlx::query_scalar("SELECT metadata FROM audit_log").fetch_all(p).await).unwrap();
    assert!(meta.iter().all(|m| !m.contains(DEMO_PASSWORD)));
    app.cleanup().await;
}

async fn chooser_pages_follow_membership(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    // Single workspace → auto-selected.
    let fab = as_user(&app, "owner@fabrikam.example").await;
    let res = app.get("/admin", &fab).await;
    assert!(res.status.is_redirection(), "{}", res.status);
    assert_eq!(res.location(), Some("/admin/workspaces/fabrikam"));
    // No membership → neutral no-access page.
    let platform = as_user(&app, "platform@tenantpilot.example").await;
    assert_eq!(app.get("/admin", &platform).await.location(), Some("/admin/no-access"));
    // Dashboard of a foreign workspace → 404 page.
    let res = app.get("/admin/workspaces/contoso", &fab).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // Readonly sees the create action disabled with the reason.
    let ro = as_user(&app, "readonly@contoso.example").await;
    let res = app.get("/admin/workspaces/contoso/environments", &ro).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("<fieldset disabled"), "create form must be disabled");
    assert!(res.body.contains(r#"data-testid="disabled-reason""#));
    app.cleanup().await;
}

/// 60 extra Contoso tenants ("Bulk 00" … "Bulk 59", every tenth archived) straight into the database.
async fn add_bulk_tenants(app: &TestApp) {
    let ws = workspace_id(app, "contoso").await;
    for i in 0..60 {
        let lifecycle = if i % 10 == 0 { "archived" } else { "active" };
        let sql = "INSERT INTO tenants (workspace_id, display_name, primary_domain, entra_tenant_id, lifecycle, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $6)";
        app::db_run!(&app.db, p => sqlx::query(sql)
            .bind(ws).bind(format!("Bulk {i:02}")).bind(format!("bulk{i:02}.example")).bind(format!("00000000-0000-4000-8000-{i:012}"))
            .bind(lifecycle).bind(chrono::Utc::now()).execute(p).await.map(|r| r.rows_affected()))
        .unwrap();
    }
}

fn names(page: &serde_json::Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|t| t["display_name"].as_str().unwrap().to_string()).collect()
}

async fn lists_are_paged_searched_and_filtered(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    add_bulk_tenants(&app).await;
    let owner = as_user(&app, "owner@contoso.example").await;
    let ws = ("workspace", "contoso");
    // Current (default): 5 demo + 54 bulk; pages of 50, by name then id, no overlap, nothing skipped.
    let (status, p1) = list_page(&app, &owner, &[ws]).await;
    assert_eq!(status, StatusCode::OK, "{p1}");
    assert_eq!((p1["total"].as_u64(), p1["page"].as_u64(), p1["per_page"].as_u64()), (Some(59), Some(1), Some(50)));
    let (_, p2) = list_page(&app, &owner, &[ws, ("page", "2")]).await;
    let mut both = names(&p1);
    both.extend(names(&p2));
    assert_eq!(both.len(), 59);
    let mut sorted = both.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(both, sorted, "ordered by name, no duplicates across pages");
    let (_, past_end) = list_page(&app, &owner, &[ws, ("page", "9")]).await;
    assert!(names(&past_end).is_empty());
    // Search: case-insensitive, in name or domain; LIKE wildcards are literal.
    let (_, hit) = list_page(&app, &owner, &[ws, ("q", "BULK 1"), ("status", "all")]).await;
    assert_eq!(names(&hit), (10..20).map(|i| format!("Bulk {i}")).collect::<Vec<_>>());
    let (_, by_domain) = list_page(&app, &owner, &[ws, ("q", "bulk07.EXAMPLE")]).await;
    assert_eq!(names(&by_domain), ["Bulk 07"]);
    let (_, wildcard) = list_page(&app, &owner, &[ws, ("q", "%")]).await;
    assert_eq!(wildcard["total"], 0);
    // No match spans the end of the name and the start of the domain ("Bulk 07" + "bulk07.example").
    let (_, across) = list_page(&app, &owner, &[ws, ("q", "07bulk07"), ("status", "all")]).await;
    assert_eq!(across["total"], 0, "{across}");
    // Status filter.
    let (_, archived) = list_page(&app, &owner, &[ws, ("status", "archived"), ("q", "bulk")]).await;
    assert_eq!(names(&archived), ["Bulk 00", "Bulk 10", "Bulk 20", "Bulk 30", "Bulk 40", "Bulk 50"]);
    let (_, all) = list_page(&app, &owner, &[ws, ("status", "all")]).await;
    assert_eq!(all["total"], 65);
    // Narrowed members count only what they may see.
    let customer = as_user(&app, "customer@contoso.example").await;
    let (_, mine) = list_page(&app, &customer, &[ws, ("status", "all")]).await;
    assert_eq!((mine["total"].as_u64(), names(&mine).len()), (Some(1), 1));
    // Bad input: 422 with the field, never a 500.
    for (field, bad) in [("page", "0"), ("status", "deleted"), ("q", &"x".repeat(121) as &str)] {
        let (status, body) = list_page(&app, &owner, &[ws, (field, bad)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={bad}: {body}");
        assert!(body.to_string().contains(field), "{body}");
    }
    // The page renders the filters, localized lifecycle names and the pager.
    let res = app.get("/admin/workspaces/contoso/environments?q=bulk&status=all&page=2", &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(r#"data-testid="pager""#) && res.body.contains(r#"rel="prev""#), "pager");
    assert!(res.body.contains("Bulk 59") && !res.body.contains("Bulk 00<"), "page 2 of the search");
    app.cleanup().await;
}

on_both_engines!(
    lists_are_paged_searched_and_filtered,
    members_see_their_workspace_and_nothing_else,
    customer_viewer_is_narrowed_to_their_tenant,
    capabilities_decide_403_and_mutations_are_audited,
    audit_chain_detects_edits_and_deletions,
    chooser_pages_follow_membership,
);
