//! The `tenantpilot` command line, run as a real process.

use std::process::Command;

fn tenantpilot(db_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "error")
        .output()
        .expect("run tenantpilot")
}

#[tokio::test]
async fn user_create_makes_an_account_that_can_sign_in() {
    let dir = std::env::temp_dir().join(format!("tp-cli-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}/cli.db", dir.display());
    let out = tenantpilot(
        &url,
        &["user", "create", "--email", "Admin@Example.com", "--password", "s3cret-pass", "--platform-admin"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("admin@example.com"));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cret-pass"));

    let dup = tenantpilot(&url, &["user", "create", "--email", "admin@example.com", "--password", "s3cret-pass"]);
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));

    let bad = tenantpilot(&url, &["user", "create", "--email", "nope", "--password", "short"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("email"));

    let db = server::startup::open_database(&url).await.unwrap();
    let user = app::auth::server::repo::select_user_by_email(&db, "admin@example.com").await.unwrap().unwrap();
    assert!(user.is_platform_admin);
    assert!(app::auth::server::password::verify("s3cret-pass".into(), Some(user.password_hash)).await.unwrap());
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_database_url_fails_cleanly() {
    let out = tenantpilot("mysql://nope", &["migrate"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL"));
}
