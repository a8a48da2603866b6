//! Workspace administration over HTTP against the seeded demo, on SQLite and PostgreSQL: workspace
//! settings (validation, audit, 403/404, the workspace default language in the locale chain), changing
//! one's password (wrong current password, other sessions ended, current kept, audited without secrets),
//! the `/system` directory for platform operators (404 for everyone else, audited), and the JSON API's
//! members resource and settings `PATCH`.

mod common;

use axum::body::Body;
use common::{api, call, problem, seeded, strings, user_id, Auth, Engine, Jar, Response, TestApp};
use http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use server::seed::DEMO_PASSWORD;

const NEW_PW: &str = "a-brand-new-password";

fn field_code<'a>(body: &'a Value, field: &str) -> Option<&'a str> {
    body["Validation"].as_array()?.iter().find(|e| e["field"] == field)?["code"].as_str()
}

async fn actions(app: &TestApp, action: &str) -> Vec<String> {
    let sql = format!("SELECT metadata FROM audit_log WHERE action = '{action}' ORDER BY id");
    strings(app, &sql).await
}

fn lang(res: &Response) -> &str {
    let start = res.body.find("<html lang=\"").map(|i| i + 12).unwrap_or(0);
    &res.body[start..start + 2]
}

async fn settings_are_validated_audited_and_authorized(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let owner = app.login("owner@contoso.example", DEMO_PASSWORD).await;
    let form = [
        ("workspace", "contoso"),
        ("name", " Contoso Renamed "),
        ("default_locale", "de"),
        ("timezone", "Europe/Berlin"),
    ];
    let (status, body) = call(&app, "/api/workspaces/settings_update", &form, &owner).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["settings"]["name"], "Contoso Renamed");
    assert_eq!(body["settings"]["default_locale"], "de");
    assert_eq!(body["settings"]["timezone"], "Europe/Berlin");
    assert_eq!(body["locale"]["workspace"], "de");
    let audit = actions(&app, "workspace.settings_update").await;
    assert_eq!(audit.len(), 1);
    let meta: Value = serde_json::from_str(&audit[0]).unwrap();
    assert_eq!(meta["from"], json!({ "name": "Contoso MSP", "default_locale": null, "timezone": "UTC" }));
    assert_eq!(meta["to"], json!({ "name": "Contoso Renamed", "default_locale": "de", "timezone": "Europe/Berlin" }));

    // Saving the same values changes nothing and records nothing.
    let (status, _) = call(&app, "/api/workspaces/settings_update", &form, &owner).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(actions(&app, "workspace.settings_update").await.len(), 1);

    // Bad input: every field reported, nothing written.
    let bad = [("workspace", "contoso"), ("name", "  "), ("default_locale", "fr"), ("timezone", "Mars/Olympus")];
    let (status, body) = call(&app, "/api/workspaces/settings_update", &bad, &owner).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body, "name"), Some("required"));
    assert_eq!(field_code(&body, "default_locale"), Some("unsupported"));
    assert_eq!(field_code(&body, "timezone"), Some("unsupported"));
    let long = "x".repeat(121);
    let (status, body) = call(
        &app,
        "/api/workspaces/settings_update",
        &[("workspace", "contoso"), ("name", &long), ("timezone", "UTC")],
        &owner,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&body, "name"), Some("too_long"));
    assert_eq!(strings(&app, "SELECT name FROM workspaces WHERE slug = 'contoso'").await, ["Contoso Renamed"]);
    assert_eq!(strings(&app, "SELECT timezone FROM workspaces WHERE slug = 'contoso'").await, ["Europe/Berlin"]);

    // Managers may; read-only members see the settings but may not change them (403); foreign → 404.
    let manager = app.login("manager@contoso.example", DEMO_PASSWORD).await;
    let (status, _) = call(
        &app,
        "/api/workspaces/settings_update",
        &[("workspace", "contoso"), ("name", "By Manager"), ("timezone", "UTC")],
        &manager,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let readonly = app.login("readonly@contoso.example", DEMO_PASSWORD).await;
    let (status, body) = call(&app, "/api/workspaces/settings", &[("workspace", "contoso")], &readonly).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["can_manage"], false);
    assert_eq!(body["role"], "readonly");
    let before = actions(&app, "workspace.settings_update").await.len();
    let (status, _) = call(
        &app,
        "/api/workspaces/settings_update",
        &[("workspace", "contoso"), ("name", "Hijack"), ("timezone", "UTC")],
        &readonly,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let fabrikam = app.login("owner@fabrikam.example", DEMO_PASSWORD).await;
    let (status, _) = call(
        &app,
        "/api/workspaces/settings_update",
        &[("workspace", "contoso"), ("name", "Hijack"), ("timezone", "UTC")],
        &fabrikam,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, "/api/workspaces/settings", &[("workspace", "contoso")], &fabrikam).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(actions(&app, "workspace.settings_update").await.len(), before);
    assert_eq!(strings(&app, "SELECT name FROM workspaces WHERE slug = 'contoso'").await, ["By Manager"]);

    // The page: the form for owners, disabled with the reason for read-only members.
    let page = app.get("/admin/workspaces/contoso/settings", &owner).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("settings-name") && !page.body.contains("settings-disabled-reason"));
    let page = app.get("/admin/workspaces/contoso/settings", &readonly).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("settings-disabled-reason"), "{}", page.body);
    assert_eq!(app.get("/admin/workspaces/contoso/settings", &fabrikam).await.status, StatusCode::NOT_FOUND);
    app.cleanup().await;
}

async fn the_workspace_default_language_applies_to_members_without_a_preference(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let owner = app.login("owner@contoso.example", DEMO_PASSWORD).await;
    let form = [("workspace", "contoso"), ("name", "Contoso MSP"), ("default_locale", "de"), ("timezone", "UTC")];
    assert_eq!(call(&app, "/api/workspaces/settings_update", &form, &owner).await.0, StatusCode::OK);

    let readonly = app.login("readonly@contoso.example", DEMO_PASSWORD).await;
    assert_eq!(lang(&app.get("/admin/workspaces/contoso", &readonly).await), "de");
    assert_eq!(lang(&app.get("/admin/workspaces/contoso/members", &readonly).await), "de");
    // Outside the workspace the chain goes on without it.
    assert_eq!(lang(&app.get("/account", &readonly).await), "en");
    // An own preference wins over the workspace default.
    assert_eq!(call(&app, "/api/prefs/locale", &[("locale", "en")], &readonly).await.0, StatusCode::OK);
    assert_eq!(lang(&app.get("/admin/workspaces/contoso", &readonly).await), "en");
    // A non-member does not get the workspace's language (and gets a 404).
    let fabrikam = app.login("owner@fabrikam.example", DEMO_PASSWORD).await;
    let page = app.get("/admin/workspaces/contoso", &fabrikam).await;
    assert_eq!((page.status, lang(&page)), (StatusCode::NOT_FOUND, "en"));
    // Switching back to "automatic" on a workspace page returns inputs that include the workspace default.
    let req = readonly
        .apply(
            Request::builder()
                .method(Method::POST)
                .uri("/api/prefs/locale")
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::ORIGIN, "http://127.0.0.1:3000")
                .header(header::REFERER, "http://127.0.0.1:3000/admin/workspaces/contoso/settings")
                .header(header::ACCEPT, "application/json")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
        )
        .body(Body::from("locale=auto"))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["workspace"], "de");
    assert_eq!(lang(&app.get("/admin/workspaces/contoso", &readonly).await), "de");
    app.cleanup().await;
}

async fn changing_the_password_ends_other_sessions_only(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let email = "operator@contoso.example";
    let mut here = app.login(email, DEMO_PASSWORD).await;
    let elsewhere = app.login(email, DEMO_PASSWORD).await;

    let (status, body) =
        call(&app, "/api/account/password", &[("current_password", "wrong-one"), ("new_password", NEW_PW)], &here)
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body, "current_password"), Some("wrong_password"));
    let (status, body) =
        call(&app, "/api/account/password", &[("current_password", DEMO_PASSWORD), ("new_password", "short")], &here)
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&body, "new_password"), Some("too_short"));
    let huge = "p".repeat(1025);
    let (status, body) =
        call(&app, "/api/account/password", &[("current_password", DEMO_PASSWORD), ("new_password", &huge)], &here)
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&body, "new_password"), Some("too_long"));
    assert!(actions(&app, "account.password_change").await.is_empty());

    let res = app
        .post_form("/api/account/password", &[("current_password", DEMO_PASSWORD), ("new_password", NEW_PW)], &here)
        .await;
    assert!(res.status.is_success() || res.status.is_redirection(), "{} {}", res.status, res.body);
    here.store(&res);
    // This session continues, the other one is over.
    assert_eq!(app.post_form("/api/auth/account", &[], &here).await.status, StatusCode::OK);
    assert_eq!(app.post_form("/api/auth/account", &[], &elsewhere).await.status, StatusCode::UNAUTHORIZED);
    // The old password no longer works, the new one does.
    let res = app.post_form("/api/auth/login", &[("email", email), ("password", DEMO_PASSWORD)], &Jar::default()).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    app.login(email, NEW_PW).await;
    // Audited once, without any secret.
    let audit = actions(&app, "account.password_change").await;
    assert_eq!(audit.len(), 1);
    let all = strings(&app, "SELECT metadata || summary FROM audit_log").await.join("\n");
    assert!(!all.contains(NEW_PW) && !all.contains(DEMO_PASSWORD) && !all.contains("wrong-one"));
    // Wrong current passwords are throttled like sign-ins.
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        last =
            call(&app, "/api/account/password", &[("current_password", "nope-nope"), ("new_password", NEW_PW)], &here)
                .await
                .0;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Anonymous: 401.
    let (status, _) =
        call(&app, "/api/account/password", &[("current_password", "x"), ("new_password", NEW_PW)], &Jar::default())
            .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.cleanup().await;
}

async fn the_system_directory_is_for_platform_operators_only(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let platform = app.login("platform@tenantpilot.example", DEMO_PASSWORD).await;
    let (status, body) = call(&app, "/api/system/workspaces", &[], &platform).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = body.as_array().unwrap();
    let slugs: Vec<&str> = rows.iter().map(|w| w["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["contoso", "fabrikam"]);
    assert_eq!((rows[0]["members"].as_i64(), rows[0]["tenants"].as_i64()), (Some(5), Some(5)));
    assert_eq!((rows[1]["members"].as_i64(), rows[1]["tenants"].as_i64()), (Some(1), Some(2)));
    let (status, body) = call(&app, "/api/system/workspace", &[("workspace", "fabrikam")], &platform).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["tenants"].as_array().unwrap().len(), 2);
    let (status, _) = call(&app, "/api/system/workspace", &[("workspace", "nope")], &platform).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(actions(&app, "system.directory_view").await.len(), 2);
    let page = app.get("/system", &platform).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("directory-row") && page.body.contains("href=\"/system\""));
    assert_eq!(app.get("/system/workspaces/contoso", &platform).await.status, StatusCode::OK);
    assert_eq!(actions(&app, "system.directory_view").await.len(), 4);

    // Everyone else: the plane does not exist (404); anonymous: 401. Nothing is recorded.
    let owner = app.login("owner@contoso.example", DEMO_PASSWORD).await;
    assert_eq!(call(&app, "/api/system/workspaces", &[], &owner).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&app, "/api/system/workspace", &[("workspace", "contoso")], &owner).await.0, StatusCode::NOT_FOUND);
    let page = app.get("/system", &owner).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("href=\"/system\""), "no nav link for non-operators");
    assert_eq!(app.get("/system", &Jar::default()).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&app, "/api/system/workspaces", &[], &Jar::default()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(actions(&app, "system.directory_view").await.len(), 4);
    app.cleanup().await;
}

fn api_field(v: &Value, field: &str) -> Option<String> {
    v["errors"].as_array()?.iter().find(|e| e["field"] == field).map(|e| e["code"].as_str().unwrap().to_string())
}

async fn members_and_settings_through_the_api(engine: Engine) {
    let Some(app) = seeded(engine).await else { return };
    let owner = app.login("owner@contoso.example", DEMO_PASSWORD).await;
    let owner_id = user_id(&app, "owner@contoso.example").await;
    let readonly_id = user_id(&app, "readonly@contoso.example").await;

    let res = api(&app, Method::GET, "/workspaces/contoso/members", Auth::Cookie(&owner), None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["total"], 5);
    assert_eq!(res.json()["items"][0]["role"], "owner");

    let res = api(
        &app,
        Method::POST,
        "/workspaces/contoso/invites",
        Auth::Cookie(&owner),
        Some(json!({ "email": "New@Example.com", "role": "readonly" })),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert!(res.json()["link"].as_str().unwrap().starts_with("http://127.0.0.1:3000/invite/"));
    let v = problem(
        &api(
            &app,
            Method::POST,
            "/workspaces/contoso/invites",
            Auth::Cookie(&owner),
            Some(json!({ "email": "x", "role": "admin" })),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(api_field(&v, "email").as_deref(), Some("invalid_email"));
    assert_eq!(api_field(&v, "role").as_deref(), Some("unsupported"));

    let item = format!("/workspaces/contoso/members/{readonly_id}");
    let res = api(&app, Method::PATCH, &item, Auth::Cookie(&owner), Some(json!({ "role": "operator" }))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["role"], "operator");
    let ids: Vec<i64> = app::db_run!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT t.id FROM tenants t JOIN workspaces w ON w.id = t.workspace_id WHERE w.slug = 'contoso' ORDER BY t.id").fetch_all(p).await).unwrap();
    let res = api(
        &app,
        Method::PATCH,
        &item,
        Auth::Cookie(&owner),
        Some(json!({ "role": "customer", "tenant_ids": [ids[0]] })),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        (res.json()["role"].as_str(), res.json()["tenants"][0]["id"].as_i64()),
        (Some("customer"), Some(ids[0]))
    );
    let v = problem(
        &api(&app, Method::PATCH, &item, Auth::Cookie(&owner), Some(json!({ "tenant_ids": [] }))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(api_field(&v, "tenant_ids").as_deref(), Some("customer_needs_tenant"));

    // The last owner can be neither demoted nor removed.
    let mine = format!("/workspaces/contoso/members/{owner_id}");
    let v = problem(
        &api(&app, Method::PATCH, &mine, Auth::Cookie(&owner), Some(json!({ "role": "readonly" }))).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_eq!(v["reason"], "last_owner");
    let v =
        problem(&api(&app, Method::DELETE, &mine, Auth::Cookie(&owner), None).await, StatusCode::CONFLICT, "conflict");
    assert_eq!(v["reason"], "last_owner");

    // Others: 403 for members without members.manage, 404 for foreign workspaces and unknown ids, 401 anonymous.
    let manager = app.login("manager@contoso.example", DEMO_PASSWORD).await;
    problem(&api(&app, Method::DELETE, &item, Auth::Cookie(&manager), None).await, StatusCode::FORBIDDEN, "forbidden");
    let fabrikam = app.login("owner@fabrikam.example", DEMO_PASSWORD).await;
    problem(
        &api(&app, Method::GET, "/workspaces/contoso/members", Auth::Cookie(&fabrikam), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    problem(&api(&app, Method::DELETE, &item, Auth::Cookie(&fabrikam), None).await, StatusCode::NOT_FOUND, "not_found");
    problem(
        &api(&app, Method::DELETE, "/workspaces/contoso/members/abc", Auth::Cookie(&owner), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    problem(
        &api(&app, Method::GET, "/workspaces/contoso/members", Auth::None, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );

    let res = api(&app, Method::DELETE, &item, Auth::Cookie(&owner), None).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    assert_eq!(
        api(&app, Method::GET, "/workspaces/contoso/members", Auth::Cookie(&owner), None).await.json()["total"],
        4
    );
    let audited = strings(&app, "SELECT action FROM audit_log WHERE action LIKE 'member.%' ORDER BY id").await;
    assert_eq!(
        audited,
        ["member.invite", "member.role_change", "member.narrow", "member.role_change", "member.remove"]
    );

    // Settings: partial updates, null clears, bad values are field errors and change nothing.
    let res =
        api(&app, Method::PATCH, "/workspaces/contoso", Auth::Cookie(&owner), Some(json!({ "default_locale": "de" })))
            .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!((res.json()["default_locale"].as_str(), res.json()["name"].as_str()), (Some("de"), Some("Contoso MSP")));
    let v = problem(
        &api(
            &app,
            Method::PATCH,
            "/workspaces/contoso",
            Auth::Cookie(&owner),
            Some(json!({ "timezone": "Mars/Base", "name": "" })),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(api_field(&v, "timezone").as_deref(), Some("unsupported"));
    assert_eq!(api_field(&v, "name").as_deref(), Some("required"));
    let res = api(
        &app,
        Method::PATCH,
        "/workspaces/contoso",
        Auth::Cookie(&owner),
        Some(json!({ "default_locale": null, "timezone": "Europe/Vienna" })),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        (res.json()["default_locale"].clone(), res.json()["timezone"].as_str()),
        (Value::Null, Some("Europe/Vienna"))
    );
    let readonly = app.login("operator@contoso.example", DEMO_PASSWORD).await;
    problem(
        &api(&app, Method::PATCH, "/workspaces/contoso", Auth::Cookie(&readonly), Some(json!({ "name": "X" }))).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    problem(
        &api(&app, Method::PATCH, "/workspaces/contoso", Auth::Cookie(&fabrikam), Some(json!({ "name": "X" }))).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(actions(&app, "workspace.settings_update").await.len(), 2);
    app.cleanup().await;
}

on_both_engines!(
    settings_are_validated_audited_and_authorized,
    the_workspace_default_language_applies_to_members_without_a_preference,
    changing_the_password_ends_other_sessions_only,
    the_system_directory_is_for_platform_operators_only,
    members_and_settings_through_the_api,
);
