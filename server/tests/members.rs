//! Workspace members and invitations over HTTP against the seeded demo, on SQLite and PostgreSQL:
//! invite links (new and existing accounts, reuse, expiry, revocation), owner-only management (403/404),
//! the last-owner guard (409 `last_owner`), narrowing, one audit row per mutation, and tokens that never
//! reach the audit log or the logs.

mod common;

use std::{
    io::Write,
    sync::{Arc, Mutex, OnceLock},
};

use axum::body::Body;
use common::{as_user, call, seeded, serde_urlencoded, user_id, Engine, Jar, TestApp};
use http::{header, Method, Request, StatusCode};
use serde_json::Value;

const NEW_PW: &str = "a-long-new-password";

/// [`seeded`], with this binary's log capture installed first (so it holds every test's logs).
async fn seeded_with_logs(engine: Engine) -> Option<TestApp> {
    logs();
    seeded(engine).await
}

/// Creates an invite as `jar` and returns (invite id, token).
async fn invite(app: &TestApp, jar: &Jar, email: &str, role: &str, tenants: &[i64]) -> (i64, String) {
    let ids: Vec<String> = tenants.iter().map(i64::to_string).collect();
    let mut form = vec![("workspace", "contoso"), ("email", email), ("role", role)];
    form.extend(ids.iter().map(|id| ("tenant_ids[]", id.as_str())));
    let (status, body) = call(app, "/api/members/invite", &form, jar).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let link = body["link"].as_str().unwrap();
    assert!(link.starts_with("http://127.0.0.1:3000/invite/"), "{link}");
    let token = link.rsplit('/').next().unwrap().to_string();
    assert_eq!(token.len(), 64);
    (body["id"].as_i64().unwrap(), token)
}

async fn tenant_ids(app: &TestApp, jar: &Jar, ws: &str) -> Vec<i64> {
    let (status, body) = call(app, "/api/tenants/list", &[("workspace", ws), ("status", "all")], jar).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect()
}

async fn member(app: &TestApp, jar: &Jar, email: &str) -> Option<Value> {
    let (status, body) = call(app, "/api/members/list", &[("workspace", "contoso")], jar).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["members"].as_array().unwrap().iter().find(|m| m["email"] == email).cloned()
}

async fn audit_count(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM audit_log").await
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    app::db_run!(&app.db, p => sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id").fetch_all(p).await)
        .unwrap()
}

async fn owner_invites_and_a_new_account_joins(engine: Engine) {
    let Some(app) = seeded_with_logs(engine).await else { return };
    let owner = as_user(&app, "owner@contoso.example").await;
    let all = tenant_ids(&app, &owner, "contoso").await;
    let (_, token) = invite(&app, &owner, "Nina.New@Example.com", "readonly", &[all[0], all[2]]).await;

    // Only the hash is stored.
    let stored: String =
        app::db_run!(&app.db, p => sqlx::query_scalar("SELECT token_hash FROM workspace_invites").fetch_one(p).await)
            .unwrap();
    assert_ne!(stored, token);
    assert_eq!(stored, app::members::server::token::hash(&token));

    let anon = Jar::default();
    let (status, preview) = call(&app, "/api/invites/preview", &[("token", &token)], &anon).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["status"], "Pending");
    assert_eq!(preview["details"]["email"], "nina.new@example.com");
    assert_eq!(preview["details"]["workspace_name"], "Contoso MSP");
    assert_eq!(preview["details"]["role"], "readonly");
    assert_eq!(preview["details"]["account_exists"], false);

    // Bad input: localized 422s, nothing consumed.
    let (status, body) =
        call(&app, "/api/invites/register", &[("token", &token), ("display_name", " "), ("password", "short")], &anon)
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("too_short") && body.to_string().contains("required"), "{body}");

    let res = app
        .post_form(
            "/api/invites/register",
            &[("token", &token), ("display_name", "Nina New"), ("password", NEW_PW)],
            &anon,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.location(), Some("/admin/workspaces/contoso"));
    let mut nina = Jar::default();
    nina.store(&res);
    let (_, me) = call(&app, "/api/auth/me", &[], &nina).await;
    assert_eq!(me["email"], "nina.new@example.com");
    assert_eq!(me["display_name"], "Nina New");

    // Member with the invited role, narrowed as invited; the narrowing limits the tenant list.
    let m = member(&app, &owner, "nina.new@example.com").await.expect("new member listed");
    assert_eq!(m["role"], "readonly");
    let mut narrowed = tenant_ids(&app, &nina, "contoso").await;
    narrowed.sort();
    let mut expected = vec![all[0], all[2]];
    expected.sort();
    assert_eq!(narrowed, expected);
    // The new account can sign in with its password.
    let again = app.login("nina.new@example.com", NEW_PW).await;
    assert!(again.0.contains_key("tp_session"));

    // Reuse → refused, and the page says so.
    let (status, body) = call(
        &app,
        "/api/invites/register",
        &[("token", &token), ("display_name", "Someone Else"), ("password", NEW_PW)],
        &Jar::default(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["Conflict"], "invite_used");
    let (status, body) = call(&app, "/api/invites/accept", &[("token", &token)], &nina).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["Conflict"], "invite_used");
    let (_, preview) = call(&app, "/api/invites/preview", &[("token", &token)], &anon).await;
    assert_eq!(preview, serde_json::json!({ "status": "Used", "details": null }));
    let page = app.get(&format!("/invite/{token}"), &anon).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains(r#"data-state="used""#));

    let actions = audit_actions(&app).await;
    assert_eq!(&actions[actions.len() - 2..], ["member.invite", "member.invite_accept"]);
    app.cleanup().await;
}

async fn existing_account_accepts_and_others_are_refused(engine: Engine) {
    let Some(app) = seeded_with_logs(engine).await else { return };
    app.create_user("existing@example.com", NEW_PW).await;
    let owner = as_user(&app, "owner@contoso.example").await;
    let (_, token) = invite(&app, &owner, "existing@example.com", "operator", &[]).await;

    let anon = Jar::default();
    let (_, preview) = call(&app, "/api/invites/preview", &[("token", &token)], &anon).await;
    assert_eq!(preview["details"]["account_exists"], true);
    assert_eq!(preview["details"]["signed_in_as"], Value::Null);
    let page = app.get(&format!("/invite/{token}"), &anon).await;
    assert!(page.body.contains(&format!(r#"href="/login?next=/invite/{token}""#)), "sign-in link back to the invite");
    // Anonymous acceptance needs a session; registering an existing email is refused.
    assert_eq!(call(&app, "/api/invites/accept", &[("token", &token)], &anon).await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = call(
        &app,
        "/api/invites/register",
        &[("token", &token), ("display_name", "Impostor"), ("password", NEW_PW)],
        &anon,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["Conflict"], "account_exists");
    // Signed in with another email: refused, nothing consumed.
    let fab = as_user(&app, "owner@fabrikam.example").await;
    let (_, preview) = call(&app, "/api/invites/preview", &[("token", &token)], &fab).await;
    assert_eq!(preview["details"]["signed_in_as"], "owner@fabrikam.example");
    let (status, body) = call(&app, "/api/invites/accept", &[("token", &token)], &fab).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["Conflict"], "wrong_account");
    let page = app.get(&format!("/invite/{token}"), &fab).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"data-testid="invite-wrong-account""#));

    // The invitee, signed in: the page offers "Accept", accepting joins and redirects.
    let existing = app.login("existing@example.com", NEW_PW).await;
    let page = app.get(&format!("/invite/{token}"), &existing).await;
    assert!(page.body.contains(r#"action="/api/invites/accept""#), "accept form expected");
    let res = app.post_form("/api/invites/accept", &[("token", &token)], &existing).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.location(), Some("/admin/workspaces/contoso"));
    assert_eq!(member(&app, &owner, "existing@example.com").await.unwrap()["role"], "operator");
    assert_eq!(tenant_ids(&app, &existing, "contoso").await.len(), 5, "not narrowed: every tenant");
    let (status, body) = call(&app, "/api/invites/accept", &[("token", &token)], &existing).await;
    assert_eq!((status, body["Conflict"].as_str()), (StatusCode::CONFLICT, Some("invite_used")));

    // Inviting someone who already is a member: a field error.
    let (status, body) = call(
        &app,
        "/api/members/invite",
        &[("workspace", "contoso"), ("email", "existing@example.com"), ("role", "readonly")],
        &owner,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("already_member"), "{body}");
    app.cleanup().await;
}

async fn expired_revoked_and_unknown_invites_are_refused(engine: Engine) {
    let Some(app) = seeded_with_logs(engine).await else { return };
    let owner = as_user(&app, "owner@contoso.example").await;
    let anon = Jar::default();
    let (expired_id, expired) = invite(&app, &owner, "late@example.com", "readonly", &[]).await;
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    app::db_run!(&app.db, p => sqlx::query("UPDATE workspace_invites SET expires_at = $1 WHERE id = $2").bind(past).bind(expired_id).execute(p).await.map(|_| ()))
        .unwrap();
    let (_, preview) = call(&app, "/api/invites/preview", &[("token", &expired)], &anon).await;
    assert_eq!(preview["status"], "Expired");
    let (status, body) = call(
        &app,
        "/api/invites/register",
        &[("token", &expired), ("display_name", "Late"), ("password", NEW_PW)],
        &anon,
    )
    .await;
    assert_eq!((status, body["Conflict"].as_str()), (StatusCode::CONFLICT, Some("invite_expired")));
    let page = app.get(&format!("/invite/{expired}"), &anon).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains(r#"data-state="expired""#));
    // An expired invite does not block a new one for the same email.
    let (_, fresh) = invite(&app, &owner, "late@example.com", "readonly", &[]).await;
    assert_ne!(fresh, expired);

    // Revoked: refused; revoking twice is a conflict.
    let (revoked_id, revoked) = invite(&app, &owner, "gone@example.com", "readonly", &[]).await;
    let form = [("workspace", "contoso"), ("invite", &revoked_id.to_string()[..])];
    assert_eq!(call(&app, "/api/members/invite_revoke", &form, &owner).await.0, StatusCode::OK);
    let (status, body) = call(&app, "/api/members/invite_revoke", &form, &owner).await;
    assert_eq!((status, body["Conflict"].as_str()), (StatusCode::CONFLICT, Some("invite_revoked")));
    let (_, preview) = call(&app, "/api/invites/preview", &[("token", &revoked)], &anon).await;
    assert_eq!(preview["status"], "Revoked");
    let (status, body) = call(
        &app,
        "/api/invites/register",
        &[("token", &revoked), ("display_name", "Gone"), ("password", NEW_PW)],
        &anon,
    )
    .await;
    assert_eq!((status, body["Conflict"].as_str()), (StatusCode::CONFLICT, Some("invite_revoked")));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE email IN ('gone@example.com', 'late@example.com')").await,
        0
    );

    // Unknown or malformed tokens: 404 (API and page), never a 500.
    for t in ["0".repeat(64), "not-a-token".to_string(), "A".repeat(64), "%00".to_string()] {
        assert_eq!(call(&app, "/api/invites/preview", &[("token", &t)], &anon).await.0, StatusCode::NOT_FOUND, "{t}");
        assert_eq!(call(&app, "/api/invites/accept", &[("token", &t)], &owner).await.0, StatusCode::NOT_FOUND, "{t}");
    }
    let page = app.get(&format!("/invite/{}", "0".repeat(64)), &anon).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains(r#"data-status="404""#));
    // A revoke of another workspace's invite (or none) is a 404.
    let fab = as_user(&app, "owner@fabrikam.example").await;
    let form = [("workspace", "fabrikam"), ("invite", &revoked_id.to_string()[..])];
    assert_eq!(call(&app, "/api/members/invite_revoke", &form, &fab).await.0, StatusCode::NOT_FOUND);
    app.cleanup().await;
}

async fn only_owners_manage_members(engine: Engine) {
    let Some(app) = seeded_with_logs(engine).await else { return };
    let owner = as_user(&app, "owner@contoso.example").await;
    let (invite_id, _) = invite(&app, &owner, "pending@example.com", "readonly", &[]).await;
    let target = user_id(&app, "operator@contoso.example").await.to_string();
    let invite_id = invite_id.to_string();
    let tenant = tenant_ids(&app, &owner, "contoso").await[0].to_string();
    type Form<'a> = Vec<(&'a str, &'a str)>;
    let mutations: Vec<(&str, Form)> = vec![
        ("/api/members/invite", vec![("workspace", "contoso"), ("email", "x@example.com"), ("role", "readonly")]),
        ("/api/members/role", vec![("workspace", "contoso"), ("member", &target), ("role", "readonly")]),
        ("/api/members/narrow", vec![("workspace", "contoso"), ("member", &target), ("tenant_ids[]", &tenant)]),
        ("/api/members/remove", vec![("workspace", "contoso"), ("member", &target)]),
        ("/api/members/invite_revoke", vec![("workspace", "contoso"), ("invite", &invite_id)]),
    ];
    let before = audit_count(&app).await;
    for who in ["manager@contoso.example", "operator@contoso.example", "readonly@contoso.example"] {
        let jar = as_user(&app, who).await;
        // They may see the members…
        assert_eq!(call(&app, "/api/members/list", &[("workspace", "contoso")], &jar).await.0, StatusCode::OK, "{who}");
        // …but not manage them.
        for (path, form) in &mutations {
            let (status, body) = call(&app, path, form, &jar).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{who} {path}: {body}");
        }
    }
    // Customer viewers do not even see the member list.
    let customer = as_user(&app, "customer@contoso.example").await;
    assert_eq!(call(&app, "/api/members/list", &[("workspace", "contoso")], &customer).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/admin/workspaces/contoso/members", &customer).await.status, StatusCode::FORBIDDEN);
    // Non-members: 404, whatever they try.
    let fab = as_user(&app, "owner@fabrikam.example").await;
    assert_eq!(call(&app, "/api/members/list", &[("workspace", "contoso")], &fab).await.0, StatusCode::NOT_FOUND);
    for (path, form) in &mutations {
        assert_eq!(call(&app, path, form, &fab).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    // A Contoso member through the Fabrikam workspace: 404.
    let form = [("workspace", "fabrikam"), ("member", &target[..]), ("role", "readonly")];
    assert_eq!(call(&app, "/api/members/role", &form, &fab).await.0, StatusCode::NOT_FOUND);
    assert_eq!(audit_count(&app).await, before, "refused requests write no audit rows");
    assert_eq!(member(&app, &owner, "operator@contoso.example").await.unwrap()["role"], "operator");
    app.cleanup().await;
}

async fn last_owner_cannot_be_demoted_or_removed(engine: Engine) {
    let Some(app) = seeded_with_logs(engine).await else { return };
    let owner = as_user(&app, "owner@contoso.example").await;
    let me = user_id(&app, "owner@contoso.example").await.to_string();
    let manager = user_id(&app, "manager@contoso.example").await.to_string();
    let before = audit_count(&app).await;
    let (status, body) =
        call(&app, "/api/members/role", &[("workspace", "contoso"), ("member", &me), ("role", "manager")], &owner)
            .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["Conflict"], "last_owner");
    let (status, body) = call(&app, "/api/members/remove", &[("workspace", "contoso"), ("member", &me)], &owner).await;
    assert_eq!((status, body["Conflict"].as_str()), (StatusCode::CONFLICT, Some("last_owner")));
    assert_eq!(audit_count(&app).await, before);

    // With a second owner the first may step down; then the second is the last one.
    let promote = [("workspace", "contoso"), ("member", &manager[..]), ("role", "owner")];
    assert_eq!(call(&app, "/api/members/role", &promote, &owner).await.0, StatusCode::OK);
    let step_down = [("workspace", "contoso"), ("member", &me[..]), ("role", "operator")];
    assert_eq!(call(&app, "/api/members/role", &step_down, &owner).await.0, StatusCode::OK);
    let new_owner = as_user(&app, "manager@contoso.example").await;
    let (status, body) =
        call(&app, "/api/members/remove", &[("workspace", "contoso"), ("member", &manager)], &new_owner).await;
    assert_eq!((status, body["Conflict"].as_str()), (StatusCode::CONFLICT, Some("last_owner")));
    // The former owner lost member management with the role.
    assert_eq!(
        call(&app, "/api/members/remove", &[("workspace", "contoso"), ("member", &manager)], &owner).await.0,
        StatusCode::FORBIDDEN
    );
    // The page shows the reason, localized.
    let form = [("workspace", "contoso"), ("member", manager.as_str())];
    let res = app.plain_post("/api/members/remove", &form, &new_owner, "/admin/workspaces/contoso/members").await;
    assert_eq!(res.status, StatusCode::FOUND);
    let back = res.location().unwrap().trim_start_matches("http://127.0.0.1:3000").to_string();
    assert!(back.contains("__err="), "{back}");
    let page = app.get(&format!("{back}&locale=de"), &new_owner).await;
    assert!(
        page.body.contains("Der letzte Owner eines Workspace kann weder entfernt noch herabgestuft werden."),
        "{}",
        page.body
    );
    app.cleanup().await;
}

async fn role_changes_and_narrowing_take_effect(engine: Engine) {
    let Some(app) = seeded_with_logs(engine).await else { return };
    let owner = as_user(&app, "owner@contoso.example").await;
    let readonly = as_user(&app, "readonly@contoso.example").await;
    let ro = user_id(&app, "readonly@contoso.example").await.to_string();
    let op = user_id(&app, "operator@contoso.example").await.to_string();
    let me = user_id(&app, "owner@contoso.example").await.to_string();
    let all = tenant_ids(&app, &owner, "contoso").await;
    let (a, b) = (all[1].to_string(), all[3].to_string());
    assert_eq!(tenant_ids(&app, &readonly, "contoso").await.len(), 5);

    // Narrow the readonly member to two tenants: their list shrinks, other tenants become 404.
    let narrow = [("workspace", "contoso"), ("member", &ro[..]), ("tenant_ids[]", &a[..]), ("tenant_ids[]", &b[..])];
    assert_eq!(call(&app, "/api/members/narrow", &narrow, &owner).await.0, StatusCode::OK);
    let mut seen = tenant_ids(&app, &readonly, "contoso").await;
    seen.sort();
    assert_eq!(seen, vec![all[1].min(all[3]), all[1].max(all[3])]);
    let hidden = all[0].to_string();
    let res = app.post_form("/api/tenants/get", &[("workspace", "contoso"), ("tenant", &hidden)], &readonly).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(member(&app, &owner, "readonly@contoso.example").await.unwrap()["tenants"].as_array().unwrap().len(), 2);
    // A narrowed viewer only learns the names of tenants they see; the customer's tenant is counted, not named.
    let (_, view) = call(&app, "/api/members/list", &[("workspace", "contoso")], &readonly).await;
    assert_eq!(view["tenants"].as_array().unwrap().len(), 2);
    let customer =
        view["members"].as_array().unwrap().iter().find(|m| m["email"] == "customer@contoso.example").unwrap();
    assert_eq!((customer["tenants"].as_array().unwrap().len(), customer["hidden_tenants"].as_u64()), (0, Some(1)));
    let page = app.get("/admin/workspaces/contoso/members", &readonly).await;
    assert!(page.body.contains("+1 more") && !page.body.contains("Contoso Retail"), "hidden tenant named");

    // Foreign, unknown or malformed tenants: 4xx, nothing changed.
    let fab = as_user(&app, "owner@fabrikam.example").await;
    let foreign = tenant_ids(&app, &fab, "fabrikam").await[0].to_string();
    for bad in [&foreign[..], "999999", "-1"] {
        let form = [("workspace", "contoso"), ("member", &ro[..]), ("tenant_ids[]", bad)];
        let (status, body) = call(&app, "/api/members/narrow", &form, &owner).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(body.to_string().contains("unknown_tenant"), "{body}");
    }
    let form = [("workspace", "contoso"), ("member", &ro[..]), ("tenant_ids[]", "abc")];
    assert_eq!(call(&app, "/api/members/narrow", &form, &owner).await.0, StatusCode::BAD_REQUEST);
    let form = [("workspace", "contoso"), ("member", &ro[..]), ("role", "superuser")];
    assert_eq!(call(&app, "/api/members/role", &form, &owner).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(tenant_ids(&app, &readonly, "contoso").await.len(), 2);

    // Role change takes effect on the next request: readonly → customer (already narrowed).
    let form = [("workspace", "contoso"), ("member", &ro[..]), ("role", "customer")];
    assert_eq!(call(&app, "/api/members/role", &form, &owner).await.0, StatusCode::OK);
    assert_eq!(call(&app, "/api/members/list", &[("workspace", "contoso")], &readonly).await.0, StatusCode::FORBIDDEN);
    // A customer viewer cannot lose every tenant; an un-narrowed member cannot become one; owners are never narrowed.
    let form = [("workspace", "contoso"), ("member", &ro[..])];
    let (status, body) = call(&app, "/api/members/narrow", &form, &owner).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("customer_needs_tenant"), "{body}");
    let form = [("workspace", "contoso"), ("member", &op[..]), ("role", "customer")];
    let (status, body) = call(&app, "/api/members/role", &form, &owner).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("customer_needs_tenant"), "{body}");
    let form = [("workspace", "contoso"), ("member", &me[..]), ("tenant_ids[]", &a[..])];
    let (status, body) = call(&app, "/api/members/narrow", &form, &owner).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("owner_unrestricted"), "{body}");
    // Promoting a narrowed member to owner lifts the narrowing.
    let form = [("workspace", "contoso"), ("member", &ro[..]), ("role", "owner")];
    assert_eq!(call(&app, "/api/members/role", &form, &owner).await.0, StatusCode::OK);
    assert_eq!(tenant_ids(&app, &readonly, "contoso").await.len(), 5);
    // Removal: the member loses the workspace (404 from now on).
    let form = [("workspace", "contoso"), ("member", &op[..])];
    assert_eq!(call(&app, "/api/members/remove", &form, &owner).await.0, StatusCode::OK);
    let operator = as_user(&app, "operator@contoso.example").await;
    assert_eq!(call(&app, "/api/members/list", &[("workspace", "contoso")], &operator).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&app, "/api/members/remove", &form, &owner).await.0, StatusCode::NOT_FOUND);
    app.cleanup().await;
}

async fn each_mutation_writes_exactly_one_audit_row(engine: Engine) {
    let Some(app) = seeded_with_logs(engine).await else { return };
    let owner = as_user(&app, "owner@contoso.example").await;
    let ro = user_id(&app, "readonly@contoso.example").await.to_string();
    let tenant = tenant_ids(&app, &owner, "contoso").await[0].to_string();
    let start = audit_count(&app).await;

    let (first, _) = invite(&app, &owner, "one@example.com", "readonly", &[]).await;
    let (_, token) = invite(&app, &owner, "two@example.com", "customer", &[tenant.parse().unwrap()]).await;
    let revoke = [("workspace", "contoso"), ("invite", &first.to_string()[..])];
    assert_eq!(call(&app, "/api/members/invite_revoke", &revoke, &owner).await.0, StatusCode::OK);
    let role = [("workspace", "contoso"), ("member", &ro[..]), ("role", "operator")];
    assert_eq!(call(&app, "/api/members/role", &role, &owner).await.0, StatusCode::OK);
    // Unchanged role or narrowing: not a change, no row.
    assert_eq!(call(&app, "/api/members/role", &role, &owner).await.0, StatusCode::OK);
    let narrow = [("workspace", "contoso"), ("member", &ro[..]), ("tenant_ids[]", &tenant[..])];
    assert_eq!(call(&app, "/api/members/narrow", &narrow, &owner).await.0, StatusCode::OK);
    assert_eq!(call(&app, "/api/members/narrow", &narrow, &owner).await.0, StatusCode::OK);
    let res = app
        .post_form(
            "/api/invites/register",
            &[("token", &token), ("display_name", "Two"), ("password", NEW_PW)],
            &Jar::default(),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let remove = [("workspace", "contoso"), ("member", &ro[..])];
    assert_eq!(call(&app, "/api/members/remove", &remove, &owner).await.0, StatusCode::OK);

    assert_eq!(audit_count(&app).await, start + 7);
    let actions = audit_actions(&app).await;
    assert_eq!(
        &actions[actions.len() - 7..],
        [
            "member.invite",
            "member.invite",
            "member.invite_revoke",
            "member.role_change",
            "member.narrow",
            "member.invite_accept",
            "member.remove"
        ]
    );
    let report = app::audit::server::verify(&app.db).await.unwrap();
    assert_eq!(report.first_broken, None);
    app.cleanup().await;
}

/// A global log capture for this test binary (every test's logs, at DEBUG, text format).
fn logs() -> Arc<Mutex<Vec<u8>>> {
    static BUF: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUF.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        struct Capture(Arc<Mutex<Vec<u8>>>);
        impl Write for Capture {
            fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(data);
                Ok(data.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug,sqlx=debug,hyper=info,h2=info")
            .with_ansi(false)
            .with_writer(move || Capture(sink.clone()))
            .try_init();
        buf
    })
    .clone()
}

async fn tokens_never_reach_the_audit_log_or_the_logs(engine: Engine) {
    let Some(app) = seeded_with_logs(engine).await else { return };
    let owner = as_user(&app, "owner@contoso.example").await;
    let (id, token) = invite(&app, &owner, "quiet@example.com", "readonly", &[]).await;
    let anon = Jar::default();
    assert_eq!(app.get(&format!("/invite/{token}"), &anon).await.status, StatusCode::OK);
    call(&app, "/api/invites/preview", &[("token", &token)], &anon).await;
    let res = app
        .post_form(
            "/api/invites/register",
            &[("token", &token), ("display_name", "Quiet"), ("password", NEW_PW)],
            &anon,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(app.get(&format!("/invite/{token}"), &anon).await.status, StatusCode::GONE);

    let hash = app::members::server::token::hash(&token);
    let rows: Vec<(String, String)> =
        app::db_run!(&app.db, p => sqlx::query_as("SELECT summary, metadata FROM audit_log").fetch_all(p).await)
            .unwrap();
    assert!(rows.iter().any(|(_, m)| m.contains("quiet@example.com")), "the invite is audited");
    for (summary, metadata) in &rows {
        for secret in [&token, &hash] {
            assert!(!summary.contains(secret.as_str()) && !metadata.contains(secret.as_str()), "{summary} {metadata}");
        }
    }
    let (_, one) = app::db_run!(&app.db, p => sqlx::query_as::<_, (String, String)>("SELECT summary, metadata FROM audit_log WHERE action = 'member.invite' AND resource_id = $1").bind(id.to_string()).fetch_one(p).await).unwrap();
    assert!(one.contains("\"role\":\"readonly\""), "{one}");

    let captured = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    assert!(captured.contains("/invite/[REDACTED]"), "the invite page requests were logged (redacted)");
    assert!(!captured.contains(&token), "an invite token reached the logs");
    assert!(!captured.contains(&hash), "an invite token hash reached the logs");
    app.cleanup().await;
}

async fn members_page_and_the_no_javascript_invite(engine: Engine) {
    let Some(app) = seeded_with_logs(engine).await else { return };
    let owner = as_user(&app, "owner@contoso.example").await;
    let page = app.get("/admin/workspaces/contoso/members", &owner).await;
    assert_eq!(page.status, StatusCode::OK);
    for email in ["owner@contoso.example", "customer@contoso.example"] {
        assert!(page.body.contains(email), "{email} listed");
    }
    assert!(!page.body.contains(r#"data-testid="members-disabled-reason""#));
    let dashboard = app.get("/admin/workspaces/contoso", &owner).await;
    assert!(dashboard.body.contains(r#"href="/admin/workspaces/contoso/members""#));
    // Non-owners: the same actions, disabled, with the reason.
    let ro = as_user(&app, "readonly@contoso.example").await;
    let page = app.get("/admin/workspaces/contoso/members", &ro).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<fieldset disabled"));
    assert!(page.body.contains(r#"data-testid="members-disabled-reason""#));
    assert!(page.body.contains(r#"action="/api/members/invite""#));
    // Non-members: 404 page.
    let fab = as_user(&app, "owner@fabrikam.example").await;
    assert_eq!(app.get("/admin/workspaces/contoso/members", &fab).await.status, StatusCode::NOT_FOUND);

    // JavaScript off: the form post redirects back; the link arrives once through the flash cookie.
    let body = serde_urlencoded(&[("workspace", "contoso"), ("email", "nojs@example.com"), ("role", "manager")]);
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/members/invite")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, "http://127.0.0.1:3000/admin/workspaces/contoso/members")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, owner.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
        .body(Body::from(body))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::FOUND);
    assert!(res.location().unwrap().starts_with("http://127.0.0.1:3000/admin/workspaces/contoso/members"));
    let flash = res.cookie("tp_invite_flash").expect("flash cookie");
    let set = res.set_cookies().join("\n");
    assert!(set.contains("HttpOnly") && set.contains("Path=/admin/workspaces/contoso/members"), "{set}");
    let mut jar = owner.clone();
    jar.0.insert("tp_invite_flash".into(), flash.clone());
    let page = app.get("/admin/workspaces/contoso/members", &jar).await;
    assert!(page.body.contains(&format!("http://127.0.0.1:3000/invite/{flash}")), "link shown once");
    assert_eq!(page.cookie("tp_invite_flash").as_deref(), Some(""), "flash cleared");
    // A forged or foreign flash shows nothing.
    jar.0.insert("tp_invite_flash".into(), "0".repeat(64));
    let page = app.get("/admin/workspaces/contoso/members", &jar).await;
    assert!(!page.body.contains(r#"data-testid="invite-link""#));
    // The invitation page for a pending invite, anonymous: workspace, role and the registration form.
    let page = app.get(&format!("/invite/{flash}"), &Jar::default()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Contoso MSP") && page.body.contains(r#"action="/api/invites/register""#));
    app.cleanup().await;
}

on_both_engines!(
    owner_invites_and_a_new_account_joins,
    existing_account_accepts_and_others_are_refused,
    expired_revoked_and_unknown_invites_are_refused,
    only_owners_manage_members,
    last_owner_cannot_be_demoted_or_removed,
    role_changes_and_narrowing_take_effect,
    each_mutation_writes_exactly_one_audit_row,
    tokens_never_reach_the_audit_log_or_the_logs,
    members_page_and_the_no_javascript_invite,
);
