//! The inventory and provider-connection pages and their server functions over HTTP, on SQLite and
//! PostgreSQL: the policy list and detail render for members (with filters, versions and the snapshot),
//! foreign or non-entitled tenants are 404, bad filters are localized 422s, missing capabilities are 403,
//! the tenant page shows the connection and inventory panels without ever echoing a client secret, a
//! plain form post that starts a run is redirected to the tenant page carrying the "queued" notice, and a
//! version reads as settings (by group, secrets as a badge) with its raw JSON in a `<details>`.

mod common;

use common::{
    as_user,
    world::{sim_world, SimWorld},
    Engine, Jar,
};
use http::StatusCode;

type World = SimWorld;

/// The page the plain form posts come from.
const ENVIRONMENTS: &str = "/admin/workspaces/contoso/environments";

async fn world(engine: Engine) -> Option<World> {
    sim_world(engine, 12).await
}

impl SimWorld {
    /// Saves a platform connection, verifies it and syncs the inventory through the server functions.
    async fn connect_via_pages(&self, owner: &Jar, tenant: i64) {
        let t = tenant.to_string();
        let form = [("workspace", "contoso"), ("tenant", t.as_str()), ("connection_type", "platform")];
        let res = self.app.post_form("/api/connections/save", &form, owner).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = self.app.post_form("/api/connections/verify", &form[..2], owner).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["created"], true);
        self.drain().await;
        // An active tenant is not onboarded again: its sync is started by hand.
        let res = self.app.post_form("/api/inventory/sync", &form[..2], owner).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        self.drain().await;
    }
}

async fn policy_pages_render_and_scope_rules_hold(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let owner = as_user(&w.app, "owner@contoso.example").await;
    let retail = w.tenant("Contoso Retail").await.0;
    w.connect_via_pages(&owner, retail).await;
    let t = retail.to_string();
    let ws = ("workspace", "contoso");

    // The list server function: every active policy, filters validated per field.
    let res = w.app.post_form("/api/inventory/policies", &[ws, ("tenant", &t), ("visibility", "all")], &owner).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let page = res.json();
    let items = page["items"].as_array().unwrap().clone();
    assert!(!items.is_empty(), "{page}");
    let first = &items[0];
    let (policy, name, ty) = (
        first["id"].as_i64().unwrap(),
        first["display_name"].as_str().unwrap(),
        first["policy_type"].as_str().unwrap(),
    );
    for (field, bad) in [("visibility", "deleted"), ("policy_type", "nope"), ("platform", "beos"), ("page", "0")] {
        let res = w.app.post_form("/api/inventory/policies", &[ws, ("tenant", &t), (field, bad)], &owner).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={bad}: {}", res.body);
    }

    // The list page: the policy, its type label, the filters; a type filter keeps only that type.
    let base = format!("/admin/workspaces/contoso/environments/{retail}");
    let res = w.app.get(&format!("{base}/policies?visibility=all"), &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(name), "the policy name is listed");
    assert!(res.body.contains(r#"data-testid="policy-filters""#) && res.body.contains(r#"data-testid="pager""#));
    let res = w.app.get(&format!("{base}/policies?type={ty}&visibility=all"), &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    let rows = res.body.matches(r#"data-testid="policy-row""#).count();
    assert!(rows >= 1 && rows == res.body.matches(&format!(r#"data-type="{ty}""#)).count(), "only {ty} rows");
    // Bad filters: a localized message on the page, not an error page.
    let res = w.app.get(&format!("{base}/policies?visibility=deleted"), &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(r#"data-testid="policy-filter-error""#));

    // The detail page: name, version 1, its snapshot; the server functions behind it.
    let res = w.app.get(&format!("{base}/policies/{policy}"), &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(name));
    assert!(res.body.contains(r#"data-testid="version-row" data-version="1""#), "version 1 listed");
    assert!(res.body.contains(r#"data-testid="snapshot""#));
    assert!(res.body.contains(r#"data-testid="compare-needs-two""#), "one version: nothing to compare");
    let p = policy.to_string();
    let res = w.app.post_form("/api/inventory/policy", &[ws, ("tenant", &t), ("policy", &p)], &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    let version = res.json()["versions"][0]["id"].as_i64().unwrap().to_string();
    let form = [ws, ("tenant", &t), ("policy", &p), ("version", &version)];
    let res = w.app.post_form("/api/inventory/version", &form, &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.json()["snapshot"].is_object());
    let form = [ws, ("tenant", &t), ("policy", &p), ("from", &version), ("to", &version)];
    let res = w.app.post_form("/api/inventory/compare", &form, &owner).await;
    assert_eq!((res.status, res.json()["changes"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
    let res = w.app.post_form("/api/inventory/overview", &[ws, ("tenant", &t)], &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.json()["coverage"].as_array().unwrap().iter().all(|c| c["status"] == "complete"), "{}", res.body);

    // Ignore: the owner may, the read-only member may not (403) and sees the action disabled with the reason.
    let form = [ws, ("tenant", &t), ("policy", &p), ("ignored", "true")];
    assert_eq!(w.app.post_form("/api/inventory/ignore", &form, &owner).await.status, StatusCode::OK);
    let res = w.app.get(&format!("{base}/policies?visibility=ignored"), &owner).await;
    assert!(res.body.contains(name) && res.body.contains(r#"data-testid="badge-ignored""#));
    let readonly = as_user(&w.app, "readonly@contoso.example").await;
    assert_eq!(w.app.post_form("/api/inventory/ignore", &form, &readonly).await.status, StatusCode::FORBIDDEN);
    assert_eq!(w.app.post_form("/api/inventory/sync", &form[..2], &readonly).await.status, StatusCode::FORBIDDEN);
    let res = w.app.get(&format!("{base}/policies/{policy}"), &readonly).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(r#"data-testid="ignore-disabled-reason""#));

    // Another tenant of the workspace does not own the policy; the customer viewer may not see other
    // tenants (404) and holds no inventory capability on their own (403).
    let holding = w.tenant("Contoso Holding").await.0;
    let other = format!("/admin/workspaces/contoso/environments/{holding}");
    assert_eq!(w.app.get(&format!("{other}/policies/{policy}"), &owner).await.status, StatusCode::NOT_FOUND);
    let customer = as_user(&w.app, "customer@contoso.example").await;
    assert_eq!(w.app.get(&format!("{other}/policies"), &customer).await.status, StatusCode::NOT_FOUND);
    let h = holding.to_string();
    let res = w.app.post_form("/api/inventory/policies", &[ws, ("tenant", &h)], &customer).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(w.app.get(&format!("{base}/policies"), &customer).await.status, StatusCode::FORBIDDEN);
    // Another workspace's tenant through Contoso: 404.
    let hq = w.tenant("Fabrikam HQ").await.0;
    let res = w.app.get(&format!("/admin/workspaces/contoso/environments/{hq}/policies"), &owner).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    w.app.cleanup().await;
}

async fn tenant_page_shows_the_panels_and_never_the_secret(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let owner = as_user(&w.app, "owner@contoso.example").await;
    let legacy = w.tenant("Contoso Legacy").await.0;
    let page = format!("/admin/workspaces/contoso/environments/{legacy}");

    // Not connected yet: the onboarding hint, no freshness table, verification disabled with the reason.
    let res = w.app.get(&page, &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(r#"data-testid="connection-none""#));
    assert!(res.body.contains(r#"data-testid="inventory-onboarding""#));
    assert!(res.body.contains(r#"data-testid="verify-disabled-reason""#));
    assert!(!res.body.contains(r#"data-testid="coverage-table""#));

    // A dedicated connection: the secret is stored sealed and the page never echoes it.
    let secret = "Zq8~secret-value-that-must-never-render-7f3a";
    let t = legacy.to_string();
    let form = [
        ("workspace", "contoso"),
        ("tenant", t.as_str()),
        ("connection_type", "dedicated"),
        ("client_id", "0b7a4f5e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"),
        ("client_secret", secret),
    ];
    let res = w.app.post_form("/api/connections/save", &form, &owner).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(!res.body.contains(secret));
    let res = w.app.get(&page, &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.contains(secret), "the secret is rendered");
    assert!(!res.body.contains(&secret[4..20]), "part of the secret is rendered");
    assert!(res.body.contains(r#"data-testid="secret-stored""#), "the keep-the-stored-secret hint");
    assert!(res.body.contains(r#"type="password""#) && res.body.contains(r#"data-testid="permissions-table""#));
    // Bad input is a 422 per field.
    let bad = [form[0], form[1], ("connection_type", "carrier-pigeon")];
    let res = w.app.post_form("/api/connections/save", &bad, &owner).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("connection_type"));

    // Verify as a plain form post: redirected to the tenant page with the notice, which the page shows.
    let res = w.app.plain_post("/api/connections/verify", &form[..2], &owner, ENVIRONMENTS).await;
    assert!(res.status.is_redirection(), "{} {}", res.status, res.body);
    let location = res.location().expect("a redirect").to_string();
    assert!(location.starts_with(&format!("{page}?run=")), "{location}");
    assert!(location.contains("run_type=provider.connection.verify") && location.contains("queued=true"));
    let res = w.app.get(&location, &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(r#"data-testid="run-started""#), "the queued notice");
    assert!(res.body.contains("/admin/workspaces/contoso/operations/"), "the View run link");
    assert!(!res.body.contains(secret));
    // Asking again while it is queued: "already queued".
    let res = w.app.plain_post("/api/connections/verify", &form[..2], &owner, ENVIRONMENTS).await;
    assert!(res.location().unwrap().contains("queued=false"));
    // Read-only members see the panel with its actions disabled and the reason, and cannot save.
    let readonly = as_user(&w.app, "readonly@contoso.example").await;
    let res = w.app.get(&page, &readonly).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(r#"data-testid="connection-disabled-reason""#));
    assert_eq!(w.app.post_form("/api/connections/save", &form, &readonly).await.status, StatusCode::FORBIDDEN);
    w.app.cleanup().await;
}

async fn a_version_reads_as_settings_with_the_raw_json_one_click_away(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let owner = as_user(&w.app, "owner@contoso.example").await;
    let retail = w.tenant("Contoso Retail").await.0;
    w.connect_via_pages(&owner, retail).await;
    let t = retail.to_string();
    let ws = ("workspace", "contoso");
    let form = [ws, ("tenant", t.as_str()), ("policy_type", "settings_catalog"), ("visibility", "all")];
    let res = w.app.post_form("/api/inventory/policies", &form, &owner).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let policy = res.json()["items"][0].clone();
    assert_eq!(policy["policy_type"], "settings_catalog", "{}", res.body);
    let (p, version) = (policy["id"].as_i64().unwrap().to_string(), policy["latest_version_id"].as_i64().unwrap());
    let v = version.to_string();
    let res =
        w.app.post_form("/api/inventory/version", &[ws, ("tenant", &t), ("policy", &p), ("version", &v)], &owner).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let detail = res.json();
    let settings = detail["settings"].as_array().expect("settings").clone();
    let setting = |key: &str| settings.iter().find(|s| s["key"] == key).cloned();

    // Every top-level setting instance of the snapshot is a catalog setting keyed by its definition id; a
    // simple value is the value itself, a redacted one is protected.
    let instances = detail["snapshot"]["settings"].as_array().expect("snapshot settings").clone();
    assert!(!instances.is_empty());
    let mut simple_key = None;
    for instance in instances.iter().map(|s| &s["settingInstance"]) {
        let def = instance["settingDefinitionId"].as_str().unwrap();
        let s = setting(def).unwrap_or_else(|| panic!("no setting {def}: {settings:#?}"));
        assert_eq!((s["group"].as_str(), s["section"].is_string()), (Some("catalog"), true), "{s}");
        if let Some(value) = instance["simpleSettingValue"].get("value") {
            assert_eq!(&s["value"], value, "{def}");
            let secret = value == "[REDACTED]";
            assert_eq!(s["protected"], secret, "{def}");
            if !secret {
                simple_key = Some(def.to_string());
            }
        }
    }
    assert_eq!(setting("platforms").expect("platforms")["value"], "windows10");
    assert_eq!(setting("platforms").unwrap()["group"], "properties");
    assert!(setting("name").is_none() && setting("description").is_none(), "identity is not a setting");
    let protected: Vec<&str> =
        settings.iter().filter(|s| s["protected"] == true).map(|s| s["key"].as_str().unwrap()).collect();
    let pointers = detail["protected_pointers"].as_array().unwrap();
    assert_eq!(protected.len(), pointers.len(), "one protected setting per redacted pointer: {protected:?}");

    // The version page: the settings table by group, the raw JSON inside a <details>, no secret value.
    let base = format!("/admin/workspaces/contoso/environments/{retail}");
    let res = w.app.get(&format!("{base}/policies/{p}?version={v}"), &owner).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(r#"data-testid="settings-table" data-group="catalog""#), "catalog table");
    assert!(res.body.contains(r#"data-testid="settings-table" data-group="properties""#), "properties table");
    assert!(res.body.contains(r#"data-testid="settings-group" data-group="catalog""#));
    for text in ["Settings catalog", "Properties", "Setting", "Value", "Raw JSON"] {
        assert!(res.body.contains(text), "{text}");
    }
    if let Some(key) = simple_key {
        assert!(res.body.contains(&format!(r#"data-testid="setting-row" data-key="{key}""#)), "row of {key}");
    }
    assert_eq!(
        res.body.matches(r#"data-testid="setting-redacted""#).count(),
        protected.len(),
        "a redacted secret shows the badge"
    );
    let raw = res.body.find(r#"<details data-testid="snapshot-raw">"#).expect("raw JSON in a <details>");
    let (summary, pre, end) = (
        res.body[raw..].find("<summary").expect("summary"),
        res.body[raw..].find(r#"data-testid="snapshot""#).expect("the raw JSON"),
        res.body[raw..].find("</details>").expect("closed"),
    );
    assert!(summary < pre && pre < end, "the raw JSON sits inside the <details>");
    assert!(res.body.find(r#"data-testid="settings-table""#).unwrap() < raw, "settings first, raw JSON below");
    // In German.
    let res = w.app.post_form("/api/prefs/locale", &[("locale", "de")], &owner).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = w.app.get(&format!("{base}/policies/{p}?version={v}"), &owner).await;
    assert!(res.body.contains("Einstellungskatalog") && res.body.contains("JSON-Rohdaten"));
    w.app.cleanup().await;
}

on_both_engines!(
    policy_pages_render_and_scope_rules_hold,
    tenant_page_shows_the_panels_and_never_the_secret,
    a_version_reads_as_settings_with_the_raw_json_one_click_away
);
