//! The one Graph client (`app::provider::server`) against the simulated Graph (`server::graph_sim`), over
//! real HTTP on a loopback port: tokens and their cache, paging, `$select`/`$expand`, retries and back-off,
//! every injected fault's reason code, writes, drift control, determinism and generator speed.

use std::{
    collections::HashSet,
    time::{Duration, Instant},
};

use app::provider::{
    contracts,
    server::{ClientSecret, GraphClient, GraphConfig, GraphError, Query, RequestBudget, TenantCredential},
    ReasonCode,
};
use serde_json::{json, Value};
use server::graph_sim::{self, SimConfig, SimHandle, Throttling};

const DC: &str = "/beta/deviceManagement/deviceConfigurations";

async fn sim(config: SimConfig) -> SimHandle {
    graph_sim::spawn("127.0.0.1:0".parse().unwrap(), config).await.expect("start simulator").1
}

fn quiet(policies: usize) -> SimConfig {
    SimConfig { tenants: 2, policies, throttling: Throttling::off(), ..SimConfig::default() }
}

/// Fast retries so tests stay quick; everything else as in production.
fn config(h: &SimHandle) -> GraphConfig {
    let mut c = GraphConfig::at(&h.base_url(), &h.base_url());
    c.backoff_base = Duration::from_millis(20);
    c.backoff_cap = Duration::from_millis(200);
    c.max_attempts = 4;
    c.timeout = Duration::from_secs(10);
    c.budget = RequestBudget { per_second: 1000.0, burst: 1000, concurrency: 8, conditional_access_per_second: 1000.0 };
    c
}

fn cred(h: &SimHandle, i: usize) -> TenantCredential {
    h.tenants()[i].credential()
}

fn tid(h: &SimHandle, i: usize) -> String {
    h.tenants()[i].tenant_id.clone()
}

async fn control(h: &SimHandle, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, format!("{}/_sim{path}", h.base_url()));
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn fault(h: &SimHandle, tenant: usize, fault: Value) {
    let (status, body) =
        control(h, reqwest::Method::POST, &format!("/tenants/{}/faults", tid(h, tenant)), Some(fault)).await;
    assert_eq!(status, 201, "{body}");
}

async fn stat(h: &SimHandle, tenant: usize, name: &str) -> u64 {
    let (_, s) = control(h, reqwest::Method::GET, &format!("/tenants/{}/stats", tid(h, tenant)), None).await;
    s[name].as_u64().unwrap()
}

async fn flags(h: &SimHandle, tenant: usize, flags: Value) {
    let (status, body) = control(h, reqwest::Method::PATCH, &format!("/tenants/{}", tid(h, tenant)), Some(flags)).await;
    assert_eq!(status, 200, "{body}");
}

fn reason(r: Result<impl std::fmt::Debug, GraphError>) -> GraphError {
    r.expect_err("call should fail")
}

fn stored_ids(h: &SimHandle, tenant: usize, collection: &str) -> Vec<String> {
    let t = h.sim.tenant(&tid(h, tenant)).unwrap();
    let store = t.store.lock().unwrap();
    store.items(collection).iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn token_is_fetched_once_and_shared_by_concurrent_calls() {
    let h = sim(quiet(20)).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let g = g.clone();
        tasks.push(tokio::spawn(async move { g.get("/v1.0/organization", &Query::default()).await }));
    }
    for t in tasks {
        let org = t.await.unwrap().unwrap();
        assert_eq!(org["value"][0]["id"], json!(tid(&h, 0)));
    }
    g.list_all(DC, &Query::default()).await.unwrap();
    assert_eq!(stat(&h, 0, "token_requests").await, 1);
    assert_eq!(stat(&h, 0, "graph_requests").await, 11);
    // Another tenant gets its own token.
    let g1 = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 1));
    g1.token().await.unwrap();
    assert_eq!(stat(&h, 1, "token_requests").await, 1);
}

#[tokio::test]
async fn token_is_renewed_shortly_before_it_expires() {
    let h = sim(SimConfig { token_lifetime_secs: 2, ..quiet(5) }).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    g.get("/v1.0/organization", &Query::default()).await.unwrap();
    g.get("/v1.0/organization", &Query::default()).await.unwrap();
    assert_eq!(stat(&h, 0, "token_requests").await, 1);
    // Renewed at half its lifetime (the 5-minute margin is capped at half of 2 s).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    g.get("/v1.0/organization", &Query::default()).await.unwrap();
    assert_eq!(stat(&h, 0, "token_requests").await, 2);
}

#[tokio::test]
async fn expired_token_is_replaced_once_then_the_call_succeeds() {
    let h = sim(quiet(10)).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    g.token().await.unwrap();
    fault(&h, 0, json!({"type": "expired_token", "times": 1})).await;
    g.list_all(DC, &Query::default()).await.unwrap();
    assert_eq!(stat(&h, 0, "token_requests").await, 2);
    // A token that keeps being rejected is an auth failure, after exactly one renewal.
    fault(&h, 0, json!({"type": "expired_token"})).await;
    let e = reason(g.list_all(DC, &Query::default()).await);
    assert_eq!(e.reason, ReasonCode::AuthFailed);
    assert_eq!(e.code.as_deref(), Some("InvalidAuthenticationToken"));
    assert_eq!(e.attempts, 2);
}

#[tokio::test]
async fn paging_returns_every_item_exactly_once() {
    let h = sim(SimConfig { page_size: 7, ..quiet(600) }).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    let started = Instant::now();
    let mut seen = Vec::new();
    let pages = g
        .list_pages(DC, &Query::default(), |page| {
            assert!(page.len() <= 7);
            seen.extend(page.into_iter().map(|i| i["id"].as_str().unwrap().to_string()));
        })
        .await
        .unwrap();
    let took = started.elapsed();
    let expected = stored_ids(&h, 0, "deviceManagement/deviceConfigurations");
    assert_eq!(expected.len(), 180);
    assert_eq!(seen, expected, "every item once, in order");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());
    assert_eq!(pages, 180_u32.div_ceil(7));
    println!("paging: {pages} pages of 7 in {took:?} ({:.0} pages/s)", f64::from(pages) / took.as_secs_f64());
    // $top smaller than the page size shrinks the pages; the next links keep it.
    let mut sizes = Vec::new();
    g.list_pages(DC, &Query::default().top(5), |p| sizes.push(p.len())).await.unwrap();
    assert_eq!(sizes.iter().sum::<usize>(), 180);
    assert!(sizes.iter().all(|s| *s <= 5));
    // A tampered skip token is refused, not misread.
    let e = reason(g.get(&format!("{DC}?$skiptoken=MTAwOmFiYw"), &Query::default()).await);
    assert_eq!(e.reason, ReasonCode::BadRequest);
}

#[tokio::test]
async fn select_and_expand_shape_the_items() {
    let h = sim(quiet(100)).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    let items = g.list_all(DC, &Query::default().select(&["id", "displayName", "version"])).await.unwrap();
    assert!(!items.is_empty());
    for i in &items {
        let keys: HashSet<&str> = i.as_object().unwrap().keys().map(String::as_str).collect();
        assert!(keys.is_subset(&HashSet::from(["id", "displayName", "version", "@odata.type"])), "{keys:?}");
        assert!(keys.contains("displayName") && keys.contains("@odata.type"));
    }
    let compliance = contracts::by_key("compliance_policy").unwrap();
    let items =
        g.list_all(&compliance.collection_path(), &Query::default().expand(compliance.expand.unwrap())).await.unwrap();
    assert!(!items.is_empty());
    for i in &items {
        let rules = i["scheduledActionsForRule"].as_array().unwrap();
        assert_eq!(rules[0]["ruleName"], "PasswordRequired");
        assert!(!rules[0]["scheduledActionConfigurations"].as_array().unwrap().is_empty());
        assert!(i["assignments"].is_array());
        assert!(contracts::classify(compliance, i["@odata.type"].as_str()).is_supported());
    }
    // Settings-catalog trees, with a secret that comes back as an encrypted value token.
    let sc = contracts::by_key("settings_catalog").unwrap();
    let policies = g.list_all(&sc.collection_path(), &Query::default()).await.unwrap();
    let mut secret_seen = false;
    for p in policies.iter().take(20) {
        let settings = g
            .list_all(&format!("{}/settings", sc.item_path(p["id"].as_str().unwrap())), &Query::default())
            .await
            .unwrap();
        assert_eq!(settings.len() as u64, p["settingCount"].as_u64().unwrap());
        secret_seen |= settings.iter().any(|s| s.to_string().contains("encryptedValueToken"));
    }
    assert!(secret_seen);
}

#[tokio::test]
async fn every_contract_is_served_and_every_item_is_classified() {
    let h = sim(quiet(200)).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    for c in contracts::CONTRACTS {
        let items = g.list_all(&c.collection_path(), &Query::default().select(c.select)).await.unwrap();
        assert!(!items.is_empty(), "{} is empty", c.key);
        for i in &items {
            assert!(contracts::classify(c, i["@odata.type"].as_str()).is_supported(), "{}: {i}", c.key);
        }
    }
    // The OMA-URI custom profile carries base64 XML and a masked secret.
    let oma: Vec<Value> = g
        .list_all(DC, &Query::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i["@odata.type"] == "#microsoft.graph.windows10CustomConfiguration")
        .collect();
    let settings = oma[0]["omaSettings"].as_array().unwrap();
    assert!(settings.iter().any(|s| s["@odata.type"] == "#microsoft.graph.omaSettingStringXml"));
    assert!(settings.iter().any(|s| s["isEncrypted"] == true && s["value"] == "****"));
}

#[tokio::test]
async fn throttling_with_retry_after_integer_and_fractional_is_honoured() {
    let h = sim(quiet(10)).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    g.token().await.unwrap();
    for (retry_after, min) in [(json!(1), Duration::from_secs(1)), (json!(0.25), Duration::from_millis(250))] {
        fault(
            &h,
            0,
            json!({"route": "deviceConfigurations", "type": "throttle", "retry_after": retry_after, "times": 1}),
        )
        .await;
        let started = Instant::now();
        g.list_all(DC, &Query::default()).await.unwrap();
        let took = started.elapsed();
        assert!(took >= min, "waited {took:?}, Retry-After asked for {min:?}");
        assert!(took < min + Duration::from_secs(2), "{took:?}");
    }
    assert_eq!(stat(&h, 0, "faults_served").await, 2);
    // A Retry-After longer than the client will wait ends the call at once, keeping the hint.
    fault(&h, 0, json!({"type": "throttle", "retry_after": 600, "times": 1})).await;
    let e = reason(g.list_all(DC, &Query::default()).await);
    assert_eq!(e.reason, ReasonCode::Throttled);
    assert_eq!(e.attempts, 1);
    assert_eq!(e.retry_after, Some(Duration::from_secs(600)));
}

#[tokio::test]
async fn throttling_without_retry_after_backs_off_and_persistent_throttling_is_reported() {
    let h = sim(quiet(10)).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    g.token().await.unwrap();
    fault(&h, 0, json!({"type": "throttle", "times": 2})).await;
    let started = Instant::now();
    g.list_all(DC, &Query::default()).await.unwrap();
    // Two back-offs: at least base/2 and base (20 ms base).
    assert!(started.elapsed() >= Duration::from_millis(30), "{:?}", started.elapsed());
    fault(&h, 0, json!({"type": "throttle"})).await;
    let e = reason(g.list_all(DC, &Query::default()).await);
    assert_eq!((e.reason, e.attempts, e.status), (ReasonCode::Throttled, 4, Some(429)));
    assert_eq!(e.retry_after, None);
}

#[tokio::test]
async fn conditional_access_limit_of_one_per_second_is_survived_by_back_off() {
    let h = sim(SimConfig { tenants: 1, policies: 50, ..SimConfig::default() }).await;
    let mut c = config(&h);
    c.backoff_base = Duration::from_millis(200);
    c.backoff_cap = Duration::from_secs(2);
    c.max_attempts = 6;
    let g = GraphClient::new(c).unwrap().tenant(cred(&h, 0));
    let path = "/v1.0/identity/conditionalAccess/policies";
    let first = g.list_all(path, &Query::default()).await.unwrap();
    let second = g.list_all(path, &Query::default()).await.unwrap();
    assert_eq!(first, second);
    assert!(stat(&h, 0, "throttled").await >= 1, "the second call must have been throttled first");
}

#[tokio::test]
async fn intune_bucket_answers_429_with_retry_after_and_the_client_waits_it_out() {
    // The documented shape (N requests / 20 s per tenant), scaled down to 40 / 20 s = 2 per second.
    let throttling = Throttling { intune_per_20s: Some(40), ..Throttling::off() };
    let h = sim(SimConfig { tenants: 1, policies: 5, throttling, ..SimConfig::default() }).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    g.token().await.unwrap();
    let started = Instant::now();
    for _ in 0..43 {
        g.get("/beta/deviceManagement/roleScopeTags", &Query::default()).await.unwrap();
    }
    let took = started.elapsed();
    // The burst is 40; the bucket refills at 2/s, so 43 requests need at least 1.5 s whatever the load,
    // and the client only gets there by waiting out each (fractional) Retry-After.
    let throttled = stat(&h, 0, "throttled").await;
    assert!((1..=3).contains(&throttled), "{throttled}");
    assert!(took >= Duration::from_millis(1400) && took < Duration::from_secs(10), "{took:?}");
    // Conditional access is a separate bucket and is not affected.
    g.list_all("/v1.0/identity/conditionalAccess/policies", &Query::default()).await.unwrap();
}

#[tokio::test]
async fn unavailable_and_gateway_timeout_are_retried_then_reported() {
    let h = sim(quiet(10)).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    fault(&h, 0, json!({"type": "status", "status": 503, "times": 1})).await;
    fault(&h, 0, json!({"type": "status", "status": 504, "times": 1})).await;
    g.list_all(DC, &Query::default()).await.unwrap();
    assert_eq!(stat(&h, 0, "faults_served").await, 2);
    fault(&h, 0, json!({"route": "deviceConfigurations", "type": "status", "status": 503})).await;
    let e = reason(g.list_all(DC, &Query::default()).await);
    assert_eq!((e.reason, e.attempts, e.status), (ReasonCode::Unavailable, 4, Some(503)));
    // Faults are per route: another family still answers.
    g.list_all("/beta/deviceManagement/roleScopeTags", &Query::default()).await.unwrap();
    // 500 is not retried.
    control(&h, reqwest::Method::DELETE, &format!("/tenants/{}/faults", tid(&h, 0)), None).await;
    fault(&h, 0, json!({"type": "status", "status": 500})).await;
    let e = reason(g.list_all(DC, &Query::default()).await);
    assert_eq!((e.reason, e.attempts), (ReasonCode::Unavailable, 1));
}

#[tokio::test]
async fn token_endpoint_errors_are_auth_failures_with_their_aadsts_code() {
    let h = sim(quiet(5)).await;
    let client = GraphClient::new(config(&h)).unwrap();
    let good = cred(&h, 0);
    let bad_secret = TenantCredential { secret: ClientSecret::new("wrong"), ..good.clone() };
    let e = reason(client.tenant(bad_secret).token().await);
    assert_eq!((e.reason, e.aadsts, e.status), (ReasonCode::AuthFailed, Some(7000215), Some(401)));
    assert_eq!(e.code.as_deref(), Some("invalid_client"));
    assert!(!e.to_string().contains("Trace ID"), "{e}");
    assert!(!format!("{e:?}").contains(&good.secret.expose().to_string()));

    let unknown = TenantCredential { tenant_id: uuid::Uuid::new_v4().to_string(), ..good.clone() };
    assert_eq!(reason(client.tenant(unknown).token().await).aadsts, Some(90002));
    let other_app = TenantCredential { client_id: uuid::Uuid::new_v4().to_string(), ..good.clone() };
    assert_eq!(reason(client.tenant(other_app).token().await).aadsts, Some(700016));

    flags(&h, 1, json!({"secret_expired": true})).await;
    assert_eq!(reason(client.tenant(cred(&h, 1)).token().await).aadsts, Some(7000222));
    flags(&h, 1, json!({"secret_expired": false, "consented": false})).await;
    let e = reason(client.tenant(cred(&h, 1)).list_all(DC, &Query::default()).await);
    assert_eq!((e.reason, e.aadsts), (ReasonCode::AuthFailed, Some(700016)));
    // The token endpoint's own 503 is retried like Graph's.
    fault(&h, 0, json!({"route": "oauth2", "type": "status", "status": 503, "times": 1})).await;
    client.tenant(good).token().await.unwrap();
    // bad secret, unknown app, then the good credential twice (503, success)
    assert_eq!(stat(&h, 0, "token_requests").await, 4);
}

#[tokio::test]
async fn missing_permission_and_missing_licence_have_their_own_reason_codes() {
    let h = sim(quiet(20)).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    fault(&h, 0, json!({"type": "forbidden", "times": 1})).await;
    let e = reason(g.list_all(DC, &Query::default()).await);
    assert_eq!((e.reason, e.code.as_deref()), (ReasonCode::PermissionDenied, Some("Authorization_RequestDenied")));
    // Really missing roles: reads of CA need Policy.Read.All.
    flags(&h, 0, json!({"roles": ["DeviceManagementConfiguration.Read.All"]})).await;
    g.list_all(DC, &Query::default()).await.unwrap();
    let e = reason(g.list_all("/v1.0/identity/conditionalAccess/policies", &Query::default()).await);
    assert_eq!(e.reason, ReasonCode::PermissionDenied);
    let e = reason(g.patch(&format!("{DC}/x"), &json!({"displayName": "x"})).await);
    assert_eq!(e.reason, ReasonCode::PermissionDenied);

    flags(&h, 1, json!({"licensed": false})).await;
    let g1 = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 1));
    let e = reason(g1.list_all(DC, &Query::default()).await);
    assert_eq!((e.reason, e.status), (ReasonCode::NotLicensed, Some(400)));
    g1.list_all("/v1.0/identity/conditionalAccess/namedLocations", &Query::default()).await.unwrap();
    fault(&h, 1, json!({"type": "not_licensed", "route": "namedLocations", "times": 1})).await;
    let e = reason(g1.list_all("/v1.0/identity/conditionalAccess/namedLocations", &Query::default()).await);
    assert_eq!(e.reason, ReasonCode::NotLicensed);
}

#[tokio::test]
async fn malformed_and_truncated_bodies_are_bad_responses_and_slow_ones_time_out() {
    let h = sim(quiet(30)).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    g.token().await.unwrap();
    fault(&h, 0, json!({"type": "malformed", "times": 1})).await;
    let e = reason(g.list_all(DC, &Query::default()).await);
    assert_eq!((e.reason, e.attempts), (ReasonCode::BadResponse, 1));

    fault(&h, 0, json!({"type": "truncated"})).await;
    let e = reason(g.list_all(DC, &Query::default()).await);
    assert_eq!((e.reason, e.attempts), (ReasonCode::BadResponse, 4), "{e}");
    control(&h, reqwest::Method::DELETE, &format!("/tenants/{}/faults", tid(&h, 0)), None).await;
    fault(&h, 0, json!({"type": "truncated", "times": 1})).await;
    g.list_all(DC, &Query::default()).await.unwrap();

    let mut c = config(&h);
    c.timeout = Duration::from_millis(300);
    c.max_attempts = 2;
    let slow = GraphClient::new(c).unwrap().tenant(cred(&h, 0));
    fault(&h, 0, json!({"type": "slow", "ms": 2000})).await;
    let started = Instant::now();
    let e = reason(slow.list_all(DC, &Query::default()).await);
    assert_eq!((e.reason, e.attempts), (ReasonCode::Timeout, 2), "{e}");
    assert!(started.elapsed() < Duration::from_millis(1500));
}

#[tokio::test]
async fn reorder_and_filter_name_quirks_keep_the_json_valid() {
    let h = sim(quiet(60)).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    let q = Query::default().expand("assignments");
    let plain = g.list_all(DC, &q).await.unwrap();
    fault(&h, 0, json!({"type": "reorder"})).await;
    let reordered = g.list_all(DC, &q).await.unwrap();
    assert_eq!(plain.len(), reordered.len());
    let multi = plain.iter().position(|i| i["assignments"].as_array().unwrap().len() > 1).expect("multi-assigned");
    let mut back = reordered[multi]["assignments"].as_array().unwrap().clone();
    back.reverse();
    assert_eq!(&back, plain[multi]["assignments"].as_array().unwrap());
    control(&h, reqwest::Method::DELETE, &format!("/tenants/{}/faults", tid(&h, 0)), None).await;
    fault(&h, 0, json!({"type": "filter_names"})).await;
    let named = g.list_all(DC, &q).await.unwrap();
    let filter_names: HashSet<String> = g
        .list_all("/beta/deviceManagement/assignmentFilters", &Query::default())
        .await
        .unwrap()
        .iter()
        .map(|f| f["displayName"].as_str().unwrap().to_string())
        .collect();
    let shown: Vec<String> = named
        .iter()
        .flat_map(|i| i["assignments"].as_array().unwrap().clone())
        .filter_map(|a| a["target"]["deviceAndAppManagementAssignmentFilterId"].as_str().map(str::to_string))
        .collect();
    assert!(!shown.is_empty());
    assert!(shown.iter().all(|s| filter_names.contains(s)), "{shown:?}");
}

#[tokio::test]
async fn writes_bump_version_and_timestamp_and_are_audited() {
    let h = sim(quiet(40)).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    let items = g.list_all(DC, &Query::default()).await.unwrap();
    let before = &items[0];
    let id = before["id"].as_str().unwrap();
    let after = g.patch(&format!("{DC}/{id}"), &json!({"displayName": "Renamed by TenantPilot"})).await.unwrap();
    assert_eq!(after["version"].as_i64().unwrap(), before["version"].as_i64().unwrap() + 1);
    assert_ne!(after["lastModifiedDateTime"], before["lastModifiedDateTime"]);
    let read = g.get(&format!("{DC}/{id}"), &Query::default()).await.unwrap();
    assert_eq!(read["displayName"], "Renamed by TenantPilot");
    let events = g
        .list_all("/v1.0/deviceManagement/auditEvents", &Query::default().filter("activityOperationType eq 'Patch'"))
        .await
        .unwrap();
    let event = events.iter().find(|e| e["resources"][0]["resourceId"] == id).expect("audit event");
    assert_eq!(event["actor"]["applicationDisplayName"], "TenantPilot");
    assert!(event["resources"][0]["modifiedProperties"].to_string().contains("Renamed by TenantPilot"));

    // Compliance: create needs scheduledActionsForRule, which PATCH cannot touch.
    let cp = "/beta/deviceManagement/deviceCompliancePolicies";
    let body = json!({"@odata.type": "#microsoft.graph.windows10CompliancePolicy", "displayName": "New", "passwordRequired": true});
    assert_eq!(reason(g.post(cp, &body).await).reason, ReasonCode::BadRequest);
    let mut with_rules = body.clone();
    with_rules["scheduledActionsForRule"] = json!([{"ruleName": "PasswordRequired",
        "scheduledActionConfigurations": [{"actionType": "block", "gracePeriodHours": 0, "notificationTemplateId": "", "notificationMessageCCList": []}]}]);
    let created = g.post(cp, &with_rules).await.unwrap();
    assert_eq!(created["version"], 1);
    let new_id = created["id"].as_str().unwrap();
    let e = reason(g.patch(&format!("{cp}/{new_id}"), &json!({"scheduledActionsForRule": []})).await);
    assert_eq!(e.reason, ReasonCode::BadRequest);
    let rules = g.list_all(&format!("{cp}/{new_id}/scheduledActionsForRule"), &Query::default()).await.unwrap();
    assert_eq!(rules.len(), 1);
    // Secrets are written in clear (notEncrypted), never as another tenant's token.
    let sc = "/beta/deviceManagement/configurationPolicies";
    let secret = json!({"name": "x", "platforms": "windows10", "technologies": "mdm", "settings": [{"settingInstance":
        {"simpleSettingValue": {"value": "abc", "valueState": "encryptedValueToken"}}}]});
    assert_eq!(reason(g.post(sc, &secret).await).reason, ReasonCode::BadRequest);

    g.delete(&format!("{cp}/{new_id}")).await.unwrap();
    assert_eq!(reason(g.get(&format!("{cp}/{new_id}"), &Query::default()).await).reason, ReasonCode::NotFound);
    assert_eq!(stat(&h, 0, "writes").await, 3);
    // Malformed write bodies get a Graph-shaped 400, not a crash.
    assert_eq!(reason(g.post(cp, &json!([1, 2])).await).reason, ReasonCode::BadRequest);
}

#[tokio::test]
async fn drift_control_changes_deletes_and_adds_policies_visible_in_the_next_read() {
    let h = sim(quiet(60)).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    let sc = contracts::by_key("settings_catalog").unwrap();
    let policy = &g.list_all(&sc.collection_path(), &Query::default()).await.unwrap()[0];
    let pid = policy["id"].as_str().unwrap();
    let settings_path = format!("{}/settings", sc.item_path(pid));
    let before = g.list_all(&settings_path, &Query::default()).await.unwrap();
    let sid = before[0]["id"].as_str().unwrap();
    let drift = json!({"op": "update", "path": format!("deviceManagement/configurationPolicies/{pid}/settings/{sid}"),
        "pointer": "/settingInstance/settingDefinitionId", "value": "drifted_setting"});
    let (status, body) =
        control(&h, reqwest::Method::POST, &format!("/tenants/{}/drift", tid(&h, 0)), Some(drift)).await;
    assert_eq!(status, 200, "{body}");
    let after = g.list_all(&settings_path, &Query::default()).await.unwrap();
    assert_eq!(after[0]["settingInstance"]["settingDefinitionId"], "drifted_setting");
    let policy_after = g.get(&sc.item_path(pid), &Query::default()).await.unwrap();
    assert_ne!(policy_after["lastModifiedDateTime"], policy["lastModifiedDateTime"], "the owner changed too");

    let count = |h: &SimHandle| stored_ids(h, 0, "deviceManagement/deviceConfigurations").len();
    let n = count(&h);
    let victim = stored_ids(&h, 0, "deviceManagement/deviceConfigurations")[0].clone();
    let (status, _) = control(
        &h,
        reqwest::Method::POST,
        &format!("/tenants/{}/drift", tid(&h, 0)),
        Some(json!({"op": "delete", "path": format!("deviceManagement/deviceConfigurations/{victim}")})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, added) = control(
        &h,
        reqwest::Method::POST,
        &format!("/tenants/{}/drift", tid(&h, 0)),
        Some(json!({"op": "add", "collection": "deviceManagement/deviceConfigurations"})),
    )
    .await;
    assert_eq!(status, 200);
    let listed = g.list_all(DC, &Query::default()).await.unwrap();
    assert_eq!(listed.len(), n);
    assert!(listed.iter().all(|i| i["id"] != json!(victim)));
    assert!(listed.iter().any(|i| i["id"] == added["id"]));
    let events = g.list_all("/v1.0/deviceManagement/auditEvents", &Query::default()).await.unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e["actor"]["type"] == "ItPro"));
    // Bad control requests are Graph-shaped 4xx.
    let (status, body) =
        control(&h, reqwest::Method::POST, &format!("/tenants/{}/drift", tid(&h, 0)), Some(json!({"op": "teleport"})))
            .await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("BadRequest")));
    let (status, _) = control(&h, reqwest::Method::GET, "/tenants/nope/stats", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn same_seed_gives_the_same_tenants_and_payloads() {
    let a = sim(SimConfig { seed: 42, ..quiet(80) }).await;
    let b = sim(SimConfig { seed: 42, ..quiet(80) }).await;
    let c = sim(SimConfig { seed: 43, ..quiet(80) }).await;
    assert_eq!(
        a.tenants().iter().map(|t| (&t.tenant_id, &t.client_secret)).collect::<Vec<_>>(),
        b.tenants().iter().map(|t| (&t.tenant_id, &t.client_secret)).collect::<Vec<_>>()
    );
    assert_ne!(a.tenants()[0].tenant_id, c.tenants()[0].tenant_id);
    let ga = GraphClient::new(config(&a)).unwrap().tenant(cred(&a, 1));
    let gb = GraphClient::new(config(&b)).unwrap().tenant(cred(&b, 1));
    for contract in contracts::CONTRACTS {
        let path = contract.collection_path();
        assert_eq!(
            ga.list_all(&path, &Query::default()).await.unwrap(),
            gb.list_all(&path, &Query::default()).await.unwrap()
        );
    }
    // Tenant 0 does not depend on how many tenants there are.
    let one = graph_sim::generator::generate(42, 1, 80);
    assert_eq!(one[0].tenant_id, a.tenants()[0].tenant_id);
}

#[tokio::test]
async fn generator_makes_thousands_of_policies_quickly() {
    let started = Instant::now();
    let tenants = graph_sim::generator::generate(7, 2, 5000);
    let took = started.elapsed();
    let policies: usize = tenants
        .iter()
        .map(|t| graph_sim::generator::FAMILIES.iter().map(|(f, _)| t.collections[*f].len()).sum::<usize>())
        .sum();
    assert_eq!(policies, 10_000);
    println!("generator: {policies} policies in {took:?} ({:.0}/s)", policies as f64 / took.as_secs_f64());
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[tokio::test]
async fn request_budget_spaces_a_tenants_calls() {
    let h = sim(quiet(5)).await;
    let mut c = config(&h);
    c.budget = RequestBudget { per_second: 20.0, burst: 1, concurrency: 2, ..RequestBudget::default() };
    let g = GraphClient::new(c).unwrap().tenant(cred(&h, 0));
    g.token().await.unwrap();
    let started = Instant::now();
    for _ in 0..6 {
        g.get("/v1.0/organization", &Query::default()).await.unwrap();
    }
    assert!(started.elapsed() >= Duration::from_millis(240), "{:?}", started.elapsed());
}

#[tokio::test]
async fn simulator_answers_bad_requests_with_graph_errors() {
    let h = sim(quiet(5)).await;
    let http = reqwest::Client::new();
    let r = http.get(format!("{}/beta/deviceManagement/deviceConfigurations", h.base_url())).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    let r = http
        .get(format!("{}/beta/deviceManagement/deviceConfigurations", h.base_url()))
        .bearer_auth("eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0.forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .post(format!("{}/{}/oauth2/v2.0/token", h.base_url(), tid(&h, 0)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=password")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["error_codes"][0], 900144);
    let r = http.get(format!("{}/nope", h.base_url())).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    assert_eq!(reason(g.get("/beta/nothingHere", &Query::default()).await).reason, ReasonCode::BadRequest);
    assert_eq!(reason(g.get(&format!("{DC}/no-such-id"), &Query::default()).await).reason, ReasonCode::NotFound);
    let e = reason(g.list_all(DC, &Query::default().filter("contains(displayName,'x')")).await);
    assert_eq!(e.reason, ReasonCode::BadRequest);
    let (status, body) = control(
        &h,
        reqwest::Method::POST,
        &format!("/tenants/{}/faults", tid(&h, 0)),
        Some(json!({"type": "status", "status": 200})),
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("BadRequest")));
}

#[tokio::test]
async fn batch_runs_up_to_twenty_requests_each_on_its_own() {
    let h = sim(quiet(20)).await;
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    let token = g.token().await.unwrap();
    fault(&h, 0, json!({"route": "roleScopeTags", "type": "throttle", "retry_after": 2.5, "times": 1})).await;
    let post = |body: Value| {
        reqwest::Client::new()
            .post(format!("{}/v1.0/$batch", h.base_url()))
            .bearer_auth(token.secret())
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let requests = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/deviceManagement/deviceConfigurations?$top=2&$select=id,displayName"},
        {"id": "2", "method": "GET", "url": "/deviceManagement/roleScopeTags"},
        {"id": "3", "method": "GET", "url": "/deviceManagement/deviceConfigurations/missing"},
        {"id": "4", "method": "PATCH", "url": "/organization", "body": {"displayName": "x"}}]});
    let resp = post(requests).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    let r = body["responses"].as_array().unwrap();
    assert_eq!(r[0]["status"], 200);
    assert_eq!(r[0]["body"]["value"].as_array().unwrap().len(), 2);
    assert!(r[0]["body"]["@odata.nextLink"].is_string());
    assert_eq!((r[1]["status"].as_u64(), r[1]["headers"]["retry-after"].as_str()), (Some(429), Some("2.5")));
    assert_eq!(r[2]["status"], 404);
    assert_eq!(r[3]["status"], 403);
    let too_many: Vec<Value> =
        (0..21).map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/organization"})).collect();
    assert_eq!(post(json!({"requests": too_many})).await.unwrap().status(), 400);
    assert_eq!(post(json!({"nope": 1})).await.unwrap().status(), 400);
}

/// Checks `v` against a minimal shape: `Some(kind)` per required field (`s` string, `n` number, `b` bool,
/// `a` array, `o` object, `sn` string or null, `*` anything present).
fn shape(what: &str, v: &Value, fields: &[(&str, &str)]) {
    for (name, kind) in fields {
        let f = v.pointer(name).unwrap_or_else(|| panic!("{what}: missing {name} in {v}"));
        let ok = match *kind {
            "s" => f.is_string(),
            "n" => f.is_number(),
            "b" => f.is_boolean(),
            "a" => f.is_array(),
            "o" => f.is_object(),
            "sn" => f.is_string() || f.is_null(),
            _ => true,
        };
        assert!(ok, "{what}: {name} is not {kind}: {f}");
    }
}

fn iso_time(what: &str, v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("{what}: not a string"));
    assert!(chrono::DateTime::parse_from_rfc3339(s).is_ok(), "{what}: {s} is not ISO 8601");
}

/// The simulator's answers have the shapes docs/GRAPH.md §2 documents for Microsoft Graph: the list envelope,
/// every policy family's fields, the setting-instance tree, assignments, compliance actions, ADMX values,
/// conditional access, the token response and the error body.
#[tokio::test]
async fn responses_match_the_documented_shapes() {
    let h = sim(SimConfig { page_size: 5, ..quiet(120) }).await;
    let http = reqwest::Client::new();
    let t = h.tenants()[0].clone();
    // Token endpoint: client-credentials response with a three-part JWT.
    let token: Value = http
        .post(format!("{}/{}/oauth2/v2.0/token", h.base_url(), t.tenant_id))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", t.client_id.as_str()),
            ("client_secret", t.client_secret.as_str()),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    shape("token", &token, &[("/token_type", "s"), ("/expires_in", "n"), ("/access_token", "s")]);
    assert_eq!(token["token_type"], "Bearer");
    let bearer = token["access_token"].as_str().unwrap().to_string();
    assert_eq!(bearer.split('.').count(), 3, "a JWT");
    let base = h.base_url();
    let get = |path: String| {
        let (http, bearer, base) = (http.clone(), bearer.clone(), base.clone());
        async move {
            let r = http.get(format!("{base}{path}")).bearer_auth(bearer).send().await.unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
            serde_json::from_str::<Value>(&r.text().await.unwrap()).unwrap()
        }
    };
    // List envelope with an opaque next link at a small page size.
    let page = get(format!("{DC}?$expand=assignments")).await;
    shape("list", &page, &[("/@odata.context", "s"), ("/value", "a"), ("/@odata.nextLink", "s")]);
    assert!(page["@odata.nextLink"].as_str().unwrap().contains("skiptoken"));
    let g = GraphClient::new(config(&h)).unwrap().tenant(cred(&h, 0));
    let all = |path: &'static str, q: Query| {
        let g = g.clone();
        async move { g.list_all(path, &q).await.unwrap() }
    };
    for dc in all(DC, Query::default().expand("assignments")).await {
        shape(
            "deviceConfiguration",
            &dc,
            &[
                ("/@odata.type", "s"),
                ("/id", "s"),
                ("/displayName", "s"),
                ("/version", "n"),
                ("/lastModifiedDateTime", "s"),
                ("/roleScopeTagIds", "a"),
                ("/assignments", "a"),
            ],
        );
        iso_time("lastModifiedDateTime", &dc["lastModifiedDateTime"]);
        for a in dc["assignments"].as_array().unwrap() {
            shape("assignment", a, &[("/id", "s"), ("/target", "o"), ("/target/@odata.type", "s")]);
            if a["target"]["@odata.type"] == "#microsoft.graph.groupAssignmentTarget" {
                shape("group target", a, &[("/target/groupId", "s")]);
            }
        }
        for s in dc.get("omaSettings").and_then(Value::as_array).into_iter().flatten() {
            shape(
                "omaSetting",
                s,
                &[("/@odata.type", "s"), ("/displayName", "s"), ("/omaUri", "s"), ("/isEncrypted", "b")],
            );
            if s["@odata.type"] == "#microsoft.graph.omaSettingStringXml" {
                let raw = s["value"].as_str().unwrap();
                assert!(base64::Engine::decode(&base64::engine::general_purpose::STANDARD, raw).is_ok(), "base64 XML");
            }
        }
    }
    let policies = all("/beta/deviceManagement/configurationPolicies", Query::default()).await;
    for p in &policies {
        shape(
            "configurationPolicy",
            p,
            &[
                ("/id", "s"),
                ("/name", "s"),
                ("/platforms", "s"),
                ("/technologies", "s"),
                ("/settingCount", "n"),
                ("/roleScopeTagIds", "a"),
                ("/lastModifiedDateTime", "s"),
            ],
        );
        let path = format!("/beta/deviceManagement/configurationPolicies/{}/settings", p["id"].as_str().unwrap());
        let settings = g.list_all(&path, &Query::default()).await.unwrap();
        assert_eq!(settings.len() as u64, p["settingCount"].as_u64().unwrap(), "settingCount matches /settings");
        for s in settings {
            shape(
                "setting",
                &s,
                &[("/id", "s"), ("/settingInstance/@odata.type", "s"), ("/settingInstance/settingDefinitionId", "s")],
            );
            let kind = s["settingInstance"]["@odata.type"].as_str().unwrap();
            assert!(
                kind.starts_with("#microsoft.graph.deviceManagementConfiguration") && kind.ends_with("Instance"),
                "{kind}"
            );
        }
    }
    for c in all(
        "/beta/deviceManagement/deviceCompliancePolicies",
        Query::default().expand("scheduledActionsForRule($expand=scheduledActionConfigurations)"),
    )
    .await
    {
        shape("compliance", &c, &[("/@odata.type", "s"), ("/displayName", "s"), ("/scheduledActionsForRule", "a")]);
        for rule in c["scheduledActionsForRule"].as_array().unwrap() {
            shape("rule", rule, &[("/ruleName", "s"), ("/scheduledActionConfigurations", "a")]);
            for a in rule["scheduledActionConfigurations"].as_array().unwrap() {
                shape("action", a, &[("/actionType", "s"), ("/gracePeriodHours", "n")]);
            }
        }
    }
    let admx = all("/beta/deviceManagement/groupPolicyConfigurations", Query::default()).await;
    let first = admx.first().expect("administrative templates");
    let dvs = g
        .list_all(
            &format!(
                "/beta/deviceManagement/groupPolicyConfigurations/{}/definitionValues",
                first["id"].as_str().unwrap()
            ),
            &Query::default().expand("definition"),
        )
        .await
        .unwrap();
    for dv in &dvs {
        shape(
            "definitionValue",
            dv,
            &[
                ("/id", "s"),
                ("/enabled", "b"),
                ("/definition/id", "s"),
                ("/definition/displayName", "s"),
                ("/definition/classType", "s"),
            ],
        );
    }
    for ca in all("/v1.0/identity/conditionalAccess/policies", Query::default()).await {
        shape(
            "conditionalAccessPolicy",
            &ca,
            &[
                ("/id", "s"),
                ("/displayName", "s"),
                ("/state", "s"),
                ("/conditions/users/includeUsers", "a"),
                ("/conditions/applications/includeApplications", "a"),
                ("/conditions/clientAppTypes", "a"),
                ("/modifiedDateTime", "sn"),
            ],
        );
        assert!(["enabled", "disabled", "enabledForReportingButNotEnforced"].contains(&ca["state"].as_str().unwrap()));
    }
    for tag in all("/beta/deviceManagement/roleScopeTags", Query::default()).await {
        shape("roleScopeTag", &tag, &[("/id", "s"), ("/displayName", "s"), ("/isBuiltIn", "b")]);
    }
    for f in all("/beta/deviceManagement/assignmentFilters", Query::default()).await {
        shape("assignmentFilter", &f, &[("/id", "s"), ("/displayName", "s"), ("/platform", "s"), ("/rule", "s")]);
    }
    // Errors: Graph's error body with a request id.
    let r = http
        .get(format!("{}/beta/deviceManagement/deviceConfigurations/nope", h.base_url()))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    shape(
        "error",
        &body,
        &[
            ("/error/code", "s"),
            ("/error/message", "s"),
            ("/error/innerError/request-id", "s"),
            ("/error/innerError/date", "s"),
        ],
    );
}
