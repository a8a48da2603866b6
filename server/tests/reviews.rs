//! Evidence, reviews, packs and the Customer Review Workspace end to end, on SQLite and PostgreSQL,
//! against the simulated Graph: real sync, baseline compare and drift give findings and an accepted risk
//! (with personal data in names and free text) → evidence snapshot (identical evidence reuses it) →
//! review composed → published (immutable, audited) → a signed pack (every file hashed, Ed25519-signed,
//! no PII and no secret anywhere by default, tampering detected) → customer reads the workspace, downloads
//! through a signed link (forged, expired, another user's → 403; another workspace → 404), acknowledges
//! → a newer publication requires re-acknowledgement. Plus the plan: a blocked pack generation writes
//! nothing and answers with its own conflict; a tenant over the limit is not activated. Plus every
//! reviews route over the API with real ids (documented statuses) and another workspace's owner getting
//! 404 everywhere.

mod common;

use std::io::Read;

use app::{
    authz::server::WorkspaceScope,
    error::AppError,
    findings::{server::service as findings, FindingParams, FindingQuery},
    reviews::{
        server::{entitlements, pack, service},
        AckState, Completeness, EntitlementChange, PackRequest, PackStatus, ReviewStatus,
    },
};
use common::{
    actor, api, as_user, member_scope, sim_control,
    world::{sim_world, SimWorld},
    Auth, Engine, Jar,
};
use http::{Method, StatusCode};
use serde_json::{json, Value};

async fn scope(w: &SimWorld, email: &str, slug: &str) -> WorkspaceScope {
    member_scope(w.db(), email, slug).await.unwrap()
}

const CONFIGS: &str = "deviceManagement/deviceConfigurations";
/// Personal data and secrets planted in the data a pack is built from.
const PLANTED_EMAIL: &str = "adele.vance@contoso.example";
const PLANTED_IP: &str = "203.0.113.7";

/// Retail connected and synced, a baseline captured and compared after a drift: one open finding,
/// owned by the operator, and one more with an accepted risk whose reason names a person and an IP.
async fn governed(w: &SimWorld) -> (i64, String) {
    let (retail, tid) = w.tenant("Contoso Retail").await;
    w.connected(retail).await;
    let owner = scope(w, "owner@contoso.example", "contoso").await;
    let input = app::baselines::ProfileInput::parse(Some("Gold"), None, &["device_configuration".into()]).unwrap();
    let profile = app::baselines::server::service::create_profile(w.db(), &owner, input).await.unwrap().id;
    app::baselines::server::service::capture(w.db(), &owner, profile, retail).await.unwrap();
    w.drain().await;
    app::baselines::server::service::set_assigned(w.db(), &owner, profile, retail, true).await.unwrap();
    let ids: Vec<String> = (0..2)
        .map(|i| {
            w.sim.sim.tenant(&tid).unwrap().store.lock().unwrap().items(CONFIGS)[i]["id"].as_str().unwrap().to_string()
        })
        .collect();
    for (i, set) in [(0, json!({"passwordMinimumLength": 4})), (1, json!({"passwordMinimumLength": 5}))] {
        let path = format!("{CONFIGS}/{}", ids[i]);
        sim_control(
            &w.sim,
            reqwest::Method::POST,
            &format!("/tenants/{tid}/drift"),
            json!({"op": "update", "path": path, "set": set}),
        )
        .await;
    }
    w.sync(retail).await;
    app::baselines::server::service::start_compare(w.db(), &owner, profile, retail, None).await.unwrap();
    w.drain().await;
    let q = FindingQuery::parse(&FindingParams { tenant: Some(retail), ..Default::default() }).unwrap();
    let open = findings::list(w.db(), &owner, &q).await.unwrap().items;
    assert!(open.len() >= 2, "{open:?}");
    let operator = scope(w, "operator@contoso.example", "contoso").await;
    let manager = scope(w, "manager@contoso.example", "contoso").await;
    findings::assign(w.db(), &owner, open[0].id, Some(operator.actor_id()), Some(operator.actor_id())).await.unwrap();
    let expires = (chrono::Utc::now() + chrono::Duration::days(60)).format("%Y-%m-%d").to_string();
    let reason = format!("Agreed with {PLANTED_EMAIL} from {PLANTED_IP}; kiosks are replaced in Q3.");
    let x = findings::request_exception(w.db(), &operator, open[1].id, Some(&reason), Some(&expires)).await.unwrap();
    findings::decide_exception(w.db(), &manager, x.id, true, Some("ok")).await.unwrap();
    (retail, tid)
}

fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            (f.name().unwrap().to_string(), s)
        })
        .collect()
}

/// The pack's file as stored.
async fn pack_bytes(w: &SimWorld, owner: &WorkspaceScope, id: i64) -> Vec<u8> {
    let d = service::get_pack(w.db(), owner, id).await.unwrap();
    assert_eq!(d.status, PackStatus::Ready, "{d:?}");
    let key = app::reviews::server::generate::file_key(owner.workspace_id(), d.tenant_id, id);
    w.app.packs.get(&key).await.unwrap().unwrap()
}

async fn publish_fresh(w: &SimWorld, owner: &WorkspaceScope, tenant: i64) -> i64 {
    service::generate_snapshot(w.db(), owner, tenant).await.unwrap();
    w.drain().await;
    let q = service::create_review(w.db(), owner, tenant, None).await.unwrap();
    w.drain().await;
    let r = service::get_review(w.db(), owner, q.id, false, true).await.unwrap();
    assert_eq!(r.review.status, ReviewStatus::Ready, "blockers: {:?}", r.review.blockers);
    service::publish_review(w.db(), owner, q.id).await.unwrap();
    q.id
}

async fn count(w: &SimWorld, sql: &str) -> i64 {
    w.app.scalar(sql).await
}

async fn evidence_reviews_packs_and_the_customer_workspace(engine: Engine) {
    let Some(w) = sim_world(engine, 30).await else { return };
    let (retail, _) = governed(&w).await;
    let owner = scope(&w, "owner@contoso.example", "contoso").await;
    let readonly = scope(&w, "readonly@contoso.example", "contoso").await;
    let customer = scope(&w, "customer@contoso.example", "contoso").await;

    // Evidence: six dimensions from persisted truth; identical evidence reuses the snapshot.
    service::generate_snapshot(w.db(), &owner, retail).await.unwrap();
    w.drain().await;
    let snaps = service::list_snapshots(w.db(), &owner, Some(retail)).await.unwrap();
    assert_eq!(snaps.len(), 1);
    let detail = service::get_snapshot(w.db(), &owner, snaps[0].id).await.unwrap();
    assert_eq!(detail.dimensions.len(), 6);
    for d in &detail.dimensions {
        if d.key != app::reviews::Dimension::Operations {
            assert_ne!(d.state, Completeness::Missing, "{d:?}");
        }
    }
    service::generate_snapshot(w.db(), &owner, retail).await.unwrap();
    w.drain().await;
    assert_eq!(service::list_snapshots(w.db(), &owner, Some(retail)).await.unwrap().len(), 1, "reused");
    assert_eq!(
        service::generate_snapshot(w.db(), &readonly, retail).await.unwrap_err(),
        AppError::Forbidden,
        "readonly cannot start"
    );
    assert_eq!(service::list_snapshots(w.db(), &customer, None).await.unwrap_err(), AppError::Forbidden);

    // Review: composed from the snapshot, ready, published by an owner only.
    let q = service::create_review(w.db(), &owner, retail, None).await.unwrap();
    let again = service::create_review(w.db(), &owner, retail, None).await.unwrap();
    assert!(again.reused && again.id == q.id, "an unchanged draft is not composed twice");
    w.drain().await;
    let r = service::get_review(w.db(), &owner, q.id, false, true).await.unwrap();
    assert_eq!(r.review.status, ReviewStatus::Ready, "{:?}", r.review.blockers);
    assert_eq!(r.sections.len(), 6);
    assert_eq!(service::get_review(w.db(), &customer, q.id, false, true).await.unwrap_err(), AppError::NotFound);
    assert_eq!(service::publish_review(w.db(), &readonly, q.id).await.unwrap_err(), AppError::Forbidden);
    let published = service::publish_review(w.db(), &owner, q.id).await.unwrap();
    assert_eq!(published.status, ReviewStatus::Published);
    assert!(service::publish_review(w.db(), &owner, q.id).await.is_err(), "published is final");
    let sections_before = service::get_review(w.db(), &owner, q.id, false, true).await.unwrap().sections;

    // Customer mode: published only, no operator data, opening is audited.
    let c = service::get_review(w.db(), &customer, q.id, false, true).await.unwrap();
    assert!(c.customer_mode && !c.can.manage && !c.can.publish && !c.can.generate_pack && c.can.acknowledge);
    assert!(c.dimensions.iter().all(|d| d.payload.is_null()));
    let text = serde_json::to_string(&c.sections).unwrap();
    assert!(!text.contains("\"owner\"") && !text.contains("\"assignee\""), "{text}");
    assert!(count(&w, "SELECT COUNT(*) FROM audit_log WHERE action = 'tenant_review.open'").await >= 1);

    // Packs: a published review only, the plan first, identical inputs reuse the pack.
    assert_eq!(
        service::generate_pack(w.db(), &readonly, q.id, PackRequest::parse(None, false).unwrap()).await.unwrap_err(),
        AppError::Forbidden
    );
    let p = service::generate_pack(w.db(), &owner, q.id, PackRequest::parse(Some("de"), false).unwrap()).await.unwrap();
    w.drain().await;
    let p2 =
        service::generate_pack(w.db(), &owner, q.id, PackRequest::parse(Some("de"), false).unwrap()).await.unwrap();
    assert!(p2.reused && p2.id == p.id);
    let bytes = pack_bytes(&w, &owner, p.id).await;
    let keys = app::keys::Keys::from_base64(common::TEST_SECRET_KEY).unwrap();
    let report = pack::verify(&bytes, Some(&keys.pack_public_key()));
    assert!(report.ok, "{report:?}");
    let files = unzip(&bytes);
    for needed in [
        "executive-summary.md",
        "executive-summary.html",
        "metadata.json",
        "summary.json",
        "manifest.json",
        "findings.csv",
        "accepted-risks.csv",
        "sections/10-executive_summary.json",
        "sections/60-operations_health.json",
    ] {
        assert!(
            files.iter().any(|(n, _)| n == needed),
            "{needed} missing: {:?}",
            files.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
    }
    // No personal data and no secret anywhere in a default pack.
    let secret = server::graph_sim::generator::platform_app(w.sim.sim.config.seed).1;
    let mut forbidden: Vec<String> =
        server::seed::DEMO_ACCOUNTS.iter().flat_map(|(e, n, _)| [e.to_string(), n.to_string()]).collect();
    forbidden.extend([PLANTED_EMAIL.to_string(), PLANTED_IP.to_string(), secret, common::TEST_SECRET_KEY.to_string()]);
    for (name, content) in &files {
        for f in &forbidden {
            assert!(!content.contains(f.as_str()), "{f} found in {name}");
        }
    }
    let metadata: Value = serde_json::from_str(&files.iter().find(|f| f.0 == "metadata.json").unwrap().1).unwrap();
    assert_eq!(metadata["redaction"]["pii"], "pseudonymized", "{metadata}");
    // Tampering with any file breaks verification.
    for (name, _) in files.iter().filter(|f| f.0 != "manifest.json") {
        let tampered = rewrite(&bytes, name);
        let r = pack::verify(&tampered, Some(&keys.pack_public_key()));
        assert!(!r.ok && r.problems.iter().any(|p| p.contains(name.as_str())), "{name}: {r:?}");
    }
    // With PII: a separate pack, only for members who may include PII.
    let pii = service::generate_pack(w.db(), &owner, q.id, PackRequest::parse(None, true).unwrap()).await.unwrap();
    assert!(!pii.reused && pii.id != p.id);
    assert_eq!(
        service::generate_pack(
            w.db(),
            &scope(&w, "operator@contoso.example", "contoso").await,
            q.id,
            PackRequest::parse(None, true).unwrap()
        )
        .await
        .unwrap_err(),
        AppError::Forbidden
    );
    w.drain().await;
    let pii_bytes = pack_bytes(&w, &owner, pii.id).await;
    assert!(unzip(&pii_bytes).iter().any(|(_, c)| c.contains(PLANTED_EMAIL)), "PII pack keeps personal data");
    assert!(count(&w, "SELECT COUNT(*) FROM audit_log WHERE action = 'review_pack.request' AND metadata LIKE '%\"include_pii\":true%'").await == 1);
    assert_eq!(service::get_pack(w.db(), &customer, pii.id).await.unwrap_err(), AppError::Forbidden);
    assert_eq!(service::download_link(w.db(), &keys, &customer, pii.id).await.unwrap_err(), AppError::Forbidden);

    // The published review did not change while packs were made.
    assert_eq!(service::get_review(w.db(), &owner, q.id, false, true).await.unwrap().sections, sections_before);

    // The customer workspace: the published review, accepted risks, key findings, a ready pack.
    let ws = service::customer_workspace(w.db(), &customer, None, Default::default()).await.unwrap();
    assert_eq!(ws.cards.len(), 1, "narrowed to Retail");
    let card = &ws.cards[0];
    assert_eq!(card.review.as_ref().unwrap().id, q.id);
    assert_eq!(card.ack, AckState::Required);
    assert_eq!(card.pack_state, "ready");
    assert!(card.risks.valid >= 1 && !card.key_findings.is_empty(), "{card:?}");
    let holding = w.tenant("Contoso Holding").await.0;
    assert_eq!(
        service::customer_workspace(w.db(), &customer, Some(holding), Default::default()).await.unwrap_err(),
        AppError::NotFound
    );

    // Downloads through signed links, over HTTP.
    let cjar = as_user(&w.app, "customer@contoso.example").await;
    let link = service::download_link(w.db(), &keys, &customer, p.id).await.unwrap();
    let res = w.app.get(&link.url, &cjar).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.headers["content-type"], "application/zip");
    assert!(res.headers["x-review-pack-sha256"].to_str().unwrap().len() == 64);
    assert!(res.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("review-pack-0b6f1c2d-1111-4a1b-9c1d-000000000002-"));
    assert!(count(&w, "SELECT COUNT(*) FROM audit_log WHERE action = 'review_pack.download'").await == 1);
    let forged = link.url.replace("signature=", "signature=0");
    assert_eq!(w.app.get(&forged, &cjar).await.status, StatusCode::FORBIDDEN);
    let ojar = as_user(&w.app, "owner@contoso.example").await;
    assert_eq!(w.app.get(&link.url, &ojar).await.status, StatusCode::FORBIDDEN, "another user's link");
    let cust_id = customer.actor_id();
    let past = chrono::Utc::now().timestamp() - 10;
    let expired_sig = keys.download_mac(&format!("tenantpilot.pack-download:{}:{cust_id}:{past}", p.id));
    let expired = format!("/admin/review-packs/{}/download?expires={past}&signature={expired_sig}", p.id);
    assert_eq!(w.app.get(&expired, &cjar).await.status, StatusCode::FORBIDDEN);
    let fab = actor(w.db(), "owner@fabrikam.example").await;
    let soon = chrono::Utc::now().timestamp() + 60;
    let fsig = keys.download_mac(&format!("tenantpilot.pack-download:{}:{}:{soon}", p.id, fab.user_id()));
    let fjar = as_user(&w.app, "owner@fabrikam.example").await;
    let fres =
        w.app.get(&format!("/admin/review-packs/{}/download?expires={soon}&signature={fsig}", p.id), &fjar).await;
    assert_eq!(fres.status, StatusCode::NOT_FOUND, "another workspace");
    assert_eq!(w.app.get(&link.url, &Jar::default()).await.status, StatusCode::UNAUTHORIZED);

    // Acknowledge, then a newer publication requires re-acknowledgement.
    assert_eq!(service::acknowledge(w.db(), &readonly, q.id).await.unwrap_err(), AppError::Forbidden);
    assert_eq!(service::acknowledge(w.db(), &customer, q.id).await.unwrap(), AckState::Acknowledged);
    assert_eq!(service::acknowledge(w.db(), &customer, q.id).await.unwrap(), AckState::Acknowledged);
    assert_eq!(count(&w, "SELECT COUNT(*) FROM audit_log WHERE action = 'tenant_review.acknowledge'").await, 1);
    assert_eq!(
        service::customer_workspace(w.db(), &customer, None, Default::default()).await.unwrap().cards[0].ack,
        AckState::Acknowledged
    );
    // New evidence (a resolved finding changes the findings dimension) → a new review → published.
    let first_open = findings::list(
        w.db(),
        &owner,
        &FindingQuery::parse(&FindingParams { tenant: Some(retail), ..Default::default() }).unwrap(),
    )
    .await
    .unwrap()
    .items[0]
        .id;
    let resolve = app::findings::TransitionRequest::parse(Some("resolve"), None, Some("fixed")).unwrap();
    findings::transition(w.db(), &owner, first_open, &resolve).await.unwrap();
    let newer = publish_fresh(&w, &owner, retail).await;
    let old = service::get_review(w.db(), &owner, q.id, false, true).await.unwrap().review;
    assert_eq!((old.status, old.superseded_by_review_id), (ReviewStatus::Superseded, Some(newer)));
    let card = &service::customer_workspace(w.db(), &customer, None, Default::default()).await.unwrap().cards[0];
    assert_eq!((card.review.as_ref().unwrap().id, card.ack), (newer, AckState::ReAckRequired));
    assert_eq!(card.pack_state, "not_available");
    assert_eq!(service::acknowledge(w.db(), &customer, q.id).await.unwrap_err(), AppError::NotFound, "superseded");
    assert_eq!(service::get_review(w.db(), &customer, q.id, false, true).await.unwrap_err(), AppError::NotFound);

    // The plan: pack generation blocked → its own conflict, nothing written.
    let platform = actor(w.db(), "platform@tenantpilot.example")
        .await
        .platform(app::authz::PlatformCapability::CommercialManage)
        .unwrap();
    let change = EntitlementChange::parse(None, None, None, Some("block"), Some("unpaid invoice")).unwrap();
    entitlements::set(w.db(), &platform, "contoso", change).await.unwrap();
    let (packs, runs) =
        (count(&w, "SELECT COUNT(*) FROM review_packs").await, count(&w, "SELECT COUNT(*) FROM operation_runs").await);
    let e = service::generate_pack(w.db(), &owner, newer, PackRequest::parse(None, false).unwrap()).await.unwrap_err();
    assert_eq!(e, AppError::Conflict("entitlement_review_pack_generation".into()));
    assert_eq!(
        (count(&w, "SELECT COUNT(*) FROM review_packs").await, count(&w, "SELECT COUNT(*) FROM operation_runs").await),
        (packs, runs)
    );
    // Existing packs stay downloadable (for operators: the customer sees only the latest publication).
    let link = service::download_link(w.db(), &keys, &owner, p.id).await.unwrap();
    assert_eq!(w.app.get(&link.url, &ojar).await.status, StatusCode::OK);
    assert!(count(&w, "SELECT COUNT(*) FROM audit_log WHERE action = 'entitlements.change'").await == 1);
    // An override without a reason is refused.
    assert!(matches!(EntitlementChange::parse(None, Some("1"), None, None, None), Err(AppError::Validation(_))));

    // The tenant limit: with the limit at the active count, verifying another tenant does not activate it.
    let active = count(&w, "SELECT COUNT(*) FROM tenants t JOIN workspaces w ON w.id = t.workspace_id WHERE w.slug = 'contoso' AND t.lifecycle = 'active'").await;
    let change = EntitlementChange::parse(None, Some(&active.to_string()), Some("pilot"), None, None).unwrap();
    entitlements::set(w.db(), &platform, "contoso", change).await.unwrap();
    let (labs, _) = w.tenant("Contoso Labs").await;
    let runs = w.connect(labs).await;
    let verify = runs.iter().find(|r| r.run_type == "provider.connection.verify").unwrap();
    assert_eq!(verify.outcome, app::operations::RunOutcome::Blocked, "{verify:?}");
    assert_eq!(count(&w, &format!("SELECT COUNT(*) FROM tenants WHERE id = {labs} AND lifecycle = 'active'")).await, 0);
    assert_eq!(count(&w, "SELECT COUNT(*) FROM audit_log WHERE action = 'tenant.activation_blocked'").await, 1);

    w.app.cleanup().await;
}

/// The pack with one byte of `name`'s content changed (everything else as it was).
fn rewrite(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut content = Vec::new();
        f.read_to_end(&mut content).unwrap();
        let fname = f.name().unwrap().to_string();
        if fname == name {
            content[0] ^= 0x01;
        }
        let opts: zip::write::SimpleFileOptions = zip::write::SimpleFileOptions::default();
        out.start_file(fname, opts).unwrap();
        std::io::Write::write_all(&mut out, &content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Every reviews route over the API with real ids: each answers with a status its operation documents;
/// another workspace's owner gets 404 on every one of them.
async fn every_reviews_route_over_the_api(engine: Engine) {
    let Some(w) = sim_world(engine, 20).await else { return };
    let (retail, _) = governed(&w).await;
    let owner = scope(&w, "owner@contoso.example", "contoso").await;
    let review = publish_fresh(&w, &owner, retail).await;
    let pack =
        service::generate_pack(w.db(), &owner, review, PackRequest::parse(None, false).unwrap()).await.unwrap().id;
    w.drain().await;
    let snapshot = service::list_snapshots(w.db(), &owner, None).await.unwrap()[0].id;
    let doc: Value = api(&w.app, Method::GET, "/openapi.json", Auth::None, None).await.json();
    let jar = as_user(&w.app, "owner@contoso.example").await;
    let fjar = as_user(&w.app, "owner@fabrikam.example").await;
    let fill = |p: &str| {
        p.replace("{slug}", "contoso")
            .replace("{snapshot}", &snapshot.to_string())
            .replace("{review}", &review.to_string())
            .replace("{pack}", &pack.to_string())
    };
    let routes: Vec<(Method, &str, Option<Value>, StatusCode)> = vec![
        (Method::GET, "/workspaces/{slug}/evidence-snapshots", None, StatusCode::OK),
        (Method::GET, "/workspaces/{slug}/evidence-snapshots/{snapshot}", None, StatusCode::OK),
        (Method::GET, "/workspaces/{slug}/reviews", None, StatusCode::OK),
        (Method::GET, "/workspaces/{slug}/reviews/{review}", None, StatusCode::OK),
        (Method::GET, "/workspaces/{slug}/review-packs/{pack}", None, StatusCode::OK),
        (Method::POST, "/workspaces/{slug}/review-packs/{pack}/download-link", None, StatusCode::OK),
        (Method::GET, "/workspaces/{slug}/customer-review-workspace", None, StatusCode::OK),
        (Method::GET, "/workspaces/{slug}/entitlements", None, StatusCode::OK),
        (
            Method::POST,
            "/workspaces/{slug}/reviews/{review}/packs",
            Some(json!({"language": "en"})),
            StatusCode::ACCEPTED,
        ),
        (Method::POST, "/workspaces/{slug}/reviews/{review}/acknowledgement", None, StatusCode::OK),
        (
            Method::POST,
            "/workspaces/{slug}/evidence-snapshots",
            Some(json!({"tenant_id": retail})),
            StatusCode::ACCEPTED,
        ),
        (Method::POST, "/workspaces/{slug}/reviews", Some(json!({"tenant_id": retail})), StatusCode::ACCEPTED),
        (Method::POST, "/workspaces/{slug}/reviews/{review}/publication", None, StatusCode::CONFLICT),
        (Method::POST, "/workspaces/{slug}/reviews/{review}/archive", None, StatusCode::OK),
    ];
    for (m, path, body, expected) in &routes {
        // Another workspace's owner: 404 through our slug, and 404 for our records through their own.
        let ours = fill(path);
        let res = api(&w.app, m.clone(), &ours, Auth::Cookie(&fjar), body.clone()).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{m} {ours} as fabrikam: {}", res.body);
        if ["{snapshot}", "{review}", "{pack}"].iter().any(|k| path.contains(k)) || body.is_some() {
            let theirs = ours.replacen("/workspaces/contoso", "/workspaces/fabrikam", 1);
            let res = api(&w.app, m.clone(), &theirs, Auth::Cookie(&fjar), body.clone()).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{m} {theirs} as fabrikam: {}", res.body);
        }
        let res = api(&w.app, m.clone(), &fill(path), Auth::Cookie(&jar), body.clone()).await;
        assert_eq!(res.status, *expected, "{m} {path}: {}", res.body);
        let op = &doc["paths"][path][m.as_str().to_ascii_lowercase()];
        assert!(op["responses"][res.status.as_str()].is_object(), "{m} {path} does not document {}", res.status);
    }
    // Validation: 422 per field, never a 500.
    let bad = api(
        &w.app,
        Method::POST,
        &fill("/workspaces/{slug}/reviews/{review}/packs"),
        Auth::Cookie(&jar),
        Some(json!({"language": "fr"})),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let bad = api(&w.app, Method::POST, &fill("/workspaces/{slug}/reviews"), Auth::Cookie(&jar), Some(json!({}))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    // A customer reading the operator review list: 403.
    let cjar = as_user(&w.app, "customer@contoso.example").await;
    let res = api(&w.app, Method::GET, &fill("/workspaces/{slug}/reviews"), Auth::Cookie(&cjar), None).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    w.app.cleanup().await;
}

on_both_engines!(evidence_reviews_packs_and_the_customer_workspace, every_reviews_route_over_the_api);
