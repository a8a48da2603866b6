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

#[tokio::test]
async fn graph_sim_starts_and_prints_the_credentials_it_accepts() {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args(["graph-sim", "--addr", "127.0.0.1:0", "--seed", "5", "--tenants", "2", "--policies", "30"])
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run tenantpilot graph-sim");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    while lines.iter().filter(|l: &&String| l.starts_with("tenant ")).count() < 2 {
        match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(l) => lines.push(l),
            Err(e) => {
                let _ = child.kill();
                panic!("graph-sim printed {lines:?}, then {e}");
            }
        }
    }
    let url = lines[0].split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_string();
    let field =
        |line: &str, key: &str| line.split_whitespace().find_map(|w| w.strip_prefix(key)).map(str::to_string).unwrap();
    let tenant_line = lines.iter().find(|l| l.starts_with("tenant ")).unwrap().clone();
    let tenant_id = tenant_line.split_whitespace().nth(1).unwrap().to_string();
    let expected = server::graph_sim::generator::generate(5, 1, 0);
    assert_eq!(tenant_id, expected[0].tenant_id, "same seed, same tenant");

    use app::provider::server::{ClientSecret, GraphClient, GraphConfig, Query, TenantCredential};
    let cred = TenantCredential::new(
        tenant_id,
        field(&tenant_line, "client_id="),
        ClientSecret::new(field(&tenant_line, "client_secret=")),
    );
    let graph = GraphClient::new(GraphConfig::at(&url, &url)).unwrap().tenant(cred);
    let configs = graph.list_all("/beta/deviceManagement/deviceConfigurations", &Query::default()).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(configs.unwrap().len(), 9);
}

#[test]
fn pack_verify_checks_files_and_signer_and_exits_non_zero_on_problems() {
    use app::{keys::Keys, reviews::server::pack};
    let dir = std::env::temp_dir().join(format!("tp-cli-pack-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let secret = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [7u8; 32]);
    let keys = Keys::from_base64(&secret).unwrap();
    let input: pack::PackInput = serde_json::from_value(serde_json::json!({
        "pack_id": 3, "generated_at": "2025-02-01T10:00:00Z", "language": "en", "include_pii": false,
        "workspace_slug": "contoso", "workspace_name": "Contoso MSP", "tenant_id": 1, "tenant_name": "Contoso Retail",
        "tenant_external_id": "8f2c1a8e-3b1d-4c6e-9a7f-2d4b6c8e0f11",
        "review": {"id": 2, "status": "published", "completeness": "complete", "published_at": null,
                   "published_by": null, "fingerprint": "ab"},
        "snapshot": {"id": 1, "fingerprint": "cd", "completeness": "complete", "generated_at": "2025-02-01T09:00:00Z",
                     "dimensions": []},
        "sections": [], "findings": [], "accepted_risks": []
    }))
    .unwrap();
    let built = pack::build(&input, b"k", keys.key_id(), &keys.pack_public_key(), |m| keys.pack_sign(m)).unwrap();
    let good = dir.join("pack.zip");
    std::fs::write(&good, &built.bytes).unwrap();
    let bad = dir.join("cut.zip");
    std::fs::write(&bad, &built.bytes[..built.bytes.len() - 40]).unwrap();

    let verify = |secret: Option<&str>, extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenantpilot"));
        cmd.args(["pack", "verify"]).args(extra).env("RUST_LOG", "error").env("TENANTPILOT_DATA_DIR", dir.join("data"));
        match secret {
            Some(s) => cmd.env("TENANTPILOT_SECRET_KEY", s),
            None => cmd.env_remove("TENANTPILOT_SECRET_KEY"),
        };
        let out = cmd.output().expect("run tenantpilot");
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let good = good.to_str().unwrap();
    let (code, stdout) = verify(Some(&secret), &[good]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains(&format!("ok: 7 files verified, signed by key {}", keys.key_id())), "{stdout}");
    assert!(stdout.contains("this installation's key"), "{stdout}");

    // Another installation's key: the signature is fine, the signer is not trusted.
    let other = Keys::from_bytes(&[8u8; 32]).unwrap();
    let (code, stdout) = verify(Some(&secret), &[good, "--public-key", &other.pack_public_key()]);
    assert_eq!(code, Some(1));
    assert!(stdout.contains("problem: untrusted_key"), "{stdout}");
    let (code, stdout) = verify(None, &[bad.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(stdout.contains("problem: "), "{stdout}");

    // No installation key: the embedded key only, said so; no key file is created.
    let (code, stdout) = verify(None, &[good]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("embedded in the pack only"), "{stdout}");
    assert!(!dir.join("data").exists());
    let _ = std::fs::remove_dir_all(dir);
}
