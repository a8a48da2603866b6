//! Accounts, sessions and sign-in over HTTP, on SQLite and PostgreSQL.

mod common;

use axum::body::Body;
use common::{Engine, Jar, TestApp};
use http::{header, Method, Request, StatusCode};

const PW: &str = "correct-horse-battery";

async fn app_with_user(engine: Engine) -> Option<TestApp> {
    let app = TestApp::new(engine).await?;
    app.create_user("alice@example.com", PW).await;
    Some(app)
}

async fn healthz_reports_engine(engine: Engine) {
    let Some(app) = TestApp::new(engine).await else { return };
    let res = app.get("/healthz", &Jar::default()).await;
    assert_eq!(res.status, StatusCode::OK);
    let v = res.json();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["database"], if engine == Engine::Sqlite { "sqlite" } else { "postgres" });
    assert!(v["version"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(res.headers.contains_key("x-request-id"));
    app.cleanup().await;
}

async fn wrong_password_is_refused_without_a_session(engine: Engine) {
    let Some(app) = app_with_user(engine).await else { return };
    let jar = Jar::default();
    for (email, pw) in [("alice@example.com", "wrong-password"), ("nobody@example.com", PW)] {
        let res = app.post_form("/api/auth/login", &[("email", email), ("password", pw)], &jar).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
        assert_eq!(res.json(), serde_json::json!("InvalidCredentials"));
        assert_eq!(res.cookie("tp_session"), None);
    }
    assert_eq!(app.session_count().await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM login_failures").await, 2);
    app.cleanup().await;
}

async fn login_rotates_the_session_and_logout_ends_it(engine: Engine) {
    let Some(app) = app_with_user(engine).await else { return };
    let mut jar = app.login("Alice@Example.com", PW).await;
    let first = jar.0.get("tp_session").cloned().expect("session cookie");
    let me = app.post_form("/api/auth/me", &[], &jar).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["email"], "alice@example.com");

    // Signing in again on the same session rotates its id; the old id is dead.
    let res = app.post_form("/api/auth/login", &[("email", "alice@example.com"), ("password", PW)], &jar).await;
    let second = res.cookie("tp_session").expect("rotated cookie");
    assert_ne!(first, second);
    let stale = app.post_form("/api/auth/me", &[], &Jar::with("tp_session", &first)).await;
    assert_eq!(stale.json(), serde_json::Value::Null);
    jar.store(&res);

    let set_cookie = res.set_cookies().join("\n").to_lowercase();
    assert!(set_cookie.contains("httponly") && set_cookie.contains("samesite=lax"), "{set_cookie}");
    assert!(!set_cookie.contains("secure"), "plain http must not set Secure: {set_cookie}");

    let out = app.post_form("/api/auth/logout", &[], &jar).await;
    assert!(out.status.is_redirection() || out.status.is_success(), "{}", out.status);
    assert_eq!(app.session_count().await, 0);
    let me = app.post_form("/api/auth/me", &[], &jar).await;
    assert_eq!(me.json(), serde_json::Value::Null);
    app.cleanup().await;
}

async fn failed_logins_are_rate_limited_per_account(engine: Engine) {
    let Some(app) = app_with_user(engine).await else { return };
    let jar = Jar::default();
    for _ in 0..5 {
        let res = app.post_form("/api/auth/login", &[("email", "alice@example.com"), ("password", "nope")], &jar).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while the account is throttled, and nothing more is recorded.
    let res = app.post_form("/api/auth/login", &[("email", "alice@example.com"), ("password", PW)], &jar).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    let secs = res.json()["RateLimited"]["retry_after_secs"].as_u64().unwrap();
    assert!((1..=900).contains(&secs), "{secs}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM login_failures").await, 5);
    assert_eq!(res.cookie("tp_session"), None);
    app.cleanup().await;
}

async fn bad_input_is_a_4xx_and_writes_nothing(engine: Engine) {
    let Some(app) = app_with_user(engine).await else { return };
    let jar = Jar::default();
    let long = "a".repeat(1100) + "@example.com";
    type Case<'a> = (Vec<(&'a str, &'a str)>, StatusCode, &'a str);
    let cases: Vec<Case> = vec![
        (vec![("email", &long), ("password", PW)], StatusCode::UNPROCESSABLE_ENTITY, "too_long"),
        (vec![("email", "alice@example.com"), ("password", &long)], StatusCode::UNPROCESSABLE_ENTITY, "too_long"),
        (vec![], StatusCode::UNPROCESSABLE_ENTITY, "required"),
        (vec![("email", "not-an-email"), ("password", "x")], StatusCode::UNPROCESSABLE_ENTITY, "invalid_email"),
    ];
    for (form, status, code) in cases {
        let res = app.post_form("/api/auth/login", &form, &jar).await;
        assert_eq!(res.status, status, "{form:?}: {}", res.body);
        assert!(res.body.contains(code), "{}", res.body);
    }
    // A body that is not a form at all.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/auth/login")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("email[=%%%&&password[][]]=\u{0}"))
        .unwrap();
    let res = app.send(req).await;
    assert!(res.status.is_client_error(), "{} {}", res.status, res.body);
    // An oversized body.
    let huge = "x".repeat(300 * 1024);
    let res = app.post_form("/api/auth/login", &[("email", &huge)], &jar).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(app.scalar("SELECT COUNT(*) FROM login_failures").await, 0);
    assert_eq!(app.session_count().await, 0);
    app.cleanup().await;
}

async fn foreign_origin_posts_are_refused(engine: Engine) {
    let Some(app) = app_with_user(engine).await else { return };
    for (name, value) in [("origin", "https://evil.example"), ("origin", "null"), ("sec-fetch-site", "cross-site")] {
        let req = Request::builder()
            .method(Method::POST)
            .uri("/api/auth/login")
            .header(header::HOST, "127.0.0.1:3000")
            .header(name, value)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("email=alice%40example.com&password={PW}")))
            .unwrap();
        let res = app.send(req).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{name}: {value}");
        assert_eq!(res.cookie("tp_session"), None);
    }
    assert_eq!(app.session_count().await, 0);
    app.cleanup().await;
}

async fn forged_session_cookie_is_anonymous(engine: Engine) {
    let Some(app) = app_with_user(engine).await else { return };
    for forged in ["garbage", "AAAAAAAAAAAAAAAAAAAAAA", &"z".repeat(4000)] {
        let jar = Jar::with("tp_session", forged);
        let me = app.post_form("/api/auth/me", &[], &jar).await;
        assert_eq!(me.status, StatusCode::OK, "{forged}");
        assert_eq!(me.json(), serde_json::Value::Null);
        let page = app.get("/", &jar).await;
        assert!(page.status.is_redirection(), "{}", page.status);
        assert_eq!(page.location(), Some("/login"));
        let acc = app.post_form("/api/auth/account", &[], &jar).await;
        assert_eq!(acc.status, StatusCode::UNAUTHORIZED);
    }
    app.cleanup().await;
}

async fn pages_render_localized_with_status(engine: Engine) {
    let Some(app) = app_with_user(engine).await else { return };
    let res = app.get("/login", &Jar::default()).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(r#"<html lang="en""#), "{}", &res.body[..200]);
    assert!(res.body.contains("Sign in"));

    let req = Request::builder()
        .uri("/login")
        .header(header::ACCEPT, "text/html")
        .header(header::ACCEPT_LANGUAGE, "fr-FR,de;q=0.8")
        .body(Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert!(res.body.contains(r#"<html lang="de""#));
    assert!(res.body.contains("Anmelden"));

    let res = app.get("/no-such-page", &Jar::default()).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.body.contains(r#"data-status="404""#));

    let res = app.get("/account", &Jar::default()).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains(r#"data-status="401""#));

    let jar = app.login("alice@example.com", PW).await;
    let res = app.get("/", &jar).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("alice@example.com"));
    let res = app.get("/login", &jar).await;
    assert!(res.status.is_redirection(), "signed-in /login goes home: {}", res.status);
    app.cleanup().await;
}

async fn js_off_form_error_comes_back_localized(engine: Engine) {
    let Some(app) = app_with_user(engine).await else { return };
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/auth/login")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, "http://127.0.0.1:3000/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("email=alice%40example.com&password=wrong"))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::FOUND);
    let location = res.location().expect("redirect back").to_string();
    assert!(location.contains("__err="), "{location}");
    let path = location.trim_start_matches("http://127.0.0.1:3000");
    let req = Request::builder().uri(path).header(header::ACCEPT_LANGUAGE, "de").body(Body::empty()).unwrap();
    let page = app.send(req).await;
    assert!(page.body.contains("E-Mail-Adresse oder Passwort ist falsch."), "{}", page.body);
    app.cleanup().await;
}

async fn locale_switch_persists_for_users_and_anonymous(engine: Engine) {
    let Some(app) = app_with_user(engine).await else { return };
    // Anonymous: unknown values refused, nothing set.
    let anon = Jar::default();
    let res = app.post_form("/api/prefs/locale", &[("locale", "xx")], &anon).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.cookie("tp_locale"), None);
    // Anonymous: a short-lived override cookie.
    let res = app.post_form("/api/prefs/locale", &[("locale", "de")], &anon).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.cookie("tp_locale").as_deref(), Some("de"));
    assert_eq!(res.json()["override_"], "de");
    let page = app.get("/login", &Jar::with("tp_locale", "de")).await;
    assert!(page.body.contains(r#"<html lang="de""#));

    // Signed in: stored on the user, returned as inputs, and used for every later page.
    let jar = app.login("alice@example.com", PW).await;
    let res = app.post_form("/api/prefs/locale", &[("locale", "de")], &jar).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["user"], "de");
    let stored: Option<String> = app::db_run!(&app.db, p => sqlx::query_scalar("SELECT locale FROM users WHERE email = 'alice@example.com'").fetch_one(p).await).unwrap();
    assert_eq!(stored.as_deref(), Some("de"));
    let page = app.get("/", &jar).await;
    assert!(page.body.contains(r#"<html lang="de""#));
    let res = app.post_form("/api/prefs/locale", &[("locale", "auto")], &jar).await;
    assert_eq!(res.json()["user"], serde_json::Value::Null);
    let page = app.get("/", &jar).await;
    assert!(page.body.contains(r#"<html lang="en""#));
    app.cleanup().await;
}

async fn theme_is_remembered_in_a_cookie(engine: Engine) {
    let Some(app) = TestApp::new(engine).await else { return };
    let res = app.post_form("/api/prefs/theme", &[("theme", "dark")], &Jar::default()).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.cookie("tp_theme").as_deref(), Some("dark"));
    let page = app.get("/login", &Jar::with("tp_theme", "dark")).await;
    assert!(page.body.contains(r#"data-theme="dark""#));
    let bad = app.post_form("/api/prefs/theme", &[("theme", "neon")], &Jar::default()).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.cleanup().await;
}

async fn every_server_function_requires_a_session_unless_allowlisted(engine: Engine) {
    let Some(app) = TestApp::new(engine).await else { return };
    // Public by design: signing in/out, asking who is signed in, and display preferences; and the invitation
    // page's two calls an invitee makes before having an account or session (the invite token in the
    // arguments is the credential: unknown tokens are 404, and accepting as an existing account is not
    // public).
    let allow = [
        "/api/auth/login",
        "/api/auth/logout",
        "/api/auth/me",
        "/api/prefs/locale",
        "/api/prefs/theme",
        "/api/invites/preview",
        "/api/invites/register",
        // The header bell's count: 0 for a visitor, never anyone's data.
        "/api/notifications/unread",
    ];
    let paths: Vec<_> = server_fn::axum::server_fn_paths().map(|(p, _)| p.to_string()).collect();
    assert!(paths.len() >= allow.len(), "{paths:?}");
    for a in allow {
        assert!(paths.iter().any(|p| p == a), "allowlisted {a} is not registered: {paths:?}");
    }
    let mut checked = 0;
    for path in paths.iter().filter(|p| !allow.contains(&p.as_str())) {
        // Plausible arguments, so that decoding succeeds and the body's authentication is what answers.
        let token = "0".repeat(64);
        let args = [
            ("workspace", "contoso"),
            ("tenant", "1"),
            ("archived", "false"),
            ("include_archived", "false"),
            ("member", "1"),
            ("invite", "1"),
            ("role", "readonly"),
            ("email", "someone@example.com"),
            ("token", &token),
            ("id", "1"),
            ("policy", "1"),
            ("version", "1"),
            ("from", "1"),
            ("to", "1"),
            ("ignored", "false"),
            ("run_type", "inventory.sync"),
            ("profile", "1"),
            ("snapshot", "1"),
            ("schedule", "1"),
            ("finding", "1"),
            ("exception", "1"),
            ("approve", "true"),
            ("assigned", "true"),
            ("transition", "triage"),
            ("review", "1"),
            ("pack", "1"),
            ("slug", "contoso"),
            ("r", "e30"),
            ("m", "00"),
        ];
        let res = app.post_form(path, &args, &Jar::default()).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{path} answered {} without a session", res.status);
        checked += 1;
    }
    assert!(checked >= 1);
    app.cleanup().await;
}

async fn passwords_are_stored_as_argon2id(engine: Engine) {
    let Some(app) = app_with_user(engine).await else { return };
    let hash: String =
        app::db_run!(&app.db, p => sqlx::query_scalar("SELECT password_hash FROM users").fetch_one(p).await).unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PW));
    let dup = app::auth::server::service::create_user(&app.db, "ALICE@example.com", None, PW, false).await;
    assert_eq!(dup, Err(app::error::AppError::Conflict("email_taken".into())));
    let short = app::auth::server::service::create_user(&app.db, "bob@example.com", None, "short", false).await;
    assert!(matches!(short, Err(app::error::AppError::Validation(_))));
    app.cleanup().await;
}

async fn demo_seed_only_fills_an_empty_database(engine: Engine) {
    let Some(app) = TestApp::new(engine).await else { return };
    assert!(server::seed::demo(&app.db).await.unwrap());
    assert!(!server::seed::demo(&app.db).await.unwrap());
    let jar = app.login("owner@contoso.example", server::seed::DEMO_PASSWORD).await;
    assert!(jar.0.contains_key("tp_session"));
    let Some(other) = TestApp::new(engine).await else { return };
    other.create_user("someone@example.com", PW).await;
    assert!(!server::seed::demo(&other.db).await.unwrap(), "never seeds a database that holds data");
    assert_eq!(other.scalar("SELECT COUNT(*) FROM users").await, 1);
    other.cleanup().await;
    app.cleanup().await;
}

on_both_engines!(
    healthz_reports_engine,
    wrong_password_is_refused_without_a_session,
    login_rotates_the_session_and_logout_ends_it,
    failed_logins_are_rate_limited_per_account,
    bad_input_is_a_4xx_and_writes_nothing,
    foreign_origin_posts_are_refused,
    forged_session_cookie_is_anonymous,
    pages_render_localized_with_status,
    js_off_form_error_comes_back_localized,
    locale_switch_persists_for_users_and_anonymous,
    theme_is_remembered_in_a_cookie,
    every_server_function_requires_a_session_unless_allowlisted,
    passwords_are_stored_as_argon2id,
    demo_seed_only_fills_an_empty_database,
);
