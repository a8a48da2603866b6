//! Workspaces, managed tenants, capability scopes (404 vs 403) and the tamper-evident audit log, over HTTP
//! against the seeded demo, on SQLite and PostgreSQL.

mod common;

use common::{Engine, Jar, TestApp};
use http::StatusCode;
use server::seed::DEMO_PASSWORD;

const GUID: &str = "7d1e2f3a-3333-4c3d-9e3f-000000000099";

async fn seeded(engine: Engine) -> Option<TestApp> {
    let app = TestApp::new(engine).await?;
    assert!(server::seed::demo(&app.db).await.unwrap());
    Some(app)
}

async fn as_user(app: &TestApp, who: &str) -> Jar {
    app.login(who, DEMO_PASSWORD).await
}

async fn list(app: &TestApp, jar: &Jar, ws: &str) -> (StatusCode, serde_json::Value) {
    let res = app.post_form("/api/tenants/list", &[("workspace", ws), ("include_archived", "true")], jar).await;
    let body = serde_json::from_str(&res.body).unwrap_or(serde_json::Value::Null);
    (res.status, body)
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
    app::db_run!(&app.db, p => sqlx::query("UPDATE audit_log SET summary = 'nothing to see' WHERE id = $1").bind(ids[2]).execute(p).await.map(|_| ())).unwrap();
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
    app::db_run!(&app.db, p => sqlx::query("DELETE FROM audit_log WHERE id = $1").bind(ids[1]).execute(p).await.map(|_| ())).unwrap();
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

on_both_engines!(
    members_see_their_workspace_and_nothing_else,
    customer_viewer_is_narrowed_to_their_tenant,
    capabilities_decide_403_and_mutations_are_audited,
    audit_chain_detects_edits_and_deletions,
    chooser_pages_follow_membership,
);
