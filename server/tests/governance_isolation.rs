//! The isolation matrix of the governance area (issue 13: "every new route and server function × (own
//! workspace, foreign workspace, narrowed customer, readonly) gives the documented 404/403/200"), on
//! SQLite and PostgreSQL, against the seeded demo and the simulated Graph.
//!
//! One table, [`ROWS`], lists every governance server function (`/api/baselines/*`, `/api/findings/*`),
//! every governance `/api/v1` route (baselines, findings, My work, Intake, posture, risk acceptances,
//! governance settings) and every governance page (`/admin/workspaces/{slug}/{baselines, baselines/{id},
//! findings, findings/{id}, my-work, intake, posture}`), each with the status it must answer per actor:
//!
//! | column     | who                                                                               |
//! |------------|-----------------------------------------------------------------------------------|
//! | `OWNER`    | `owner@contoso.example` in Contoso: succeeds (2xx), and the change is really made |
//! | `FOREIGN`  | `owner@fabrikam.example` against Contoso's slug: 404 (not a member)               |
//! | `CROSS`    | `owner@fabrikam.example` in Fabrikam naming Contoso's objects: 404                |
//! | `CUSTOMER` | `customer@contoso.example`, a customer viewer narrowed to Contoso Retail          |
//! | `READONLY` | `readonly@contoso.example`: reads 200, changes 403                                |
//! | `NARROWED` | `operator@contoso.example`, narrowed by the owner to Contoso Retail in the setup  |
//!
//! The documented rules (`docs/api.md`, `docs/architecture.md` "Order of answers", the role table in
//! `app/src/authz/mod.rs`): 401 → 404 (entry: membership, workspace) → 422 → 403 (the service's
//! capability) → the service's own 404 (an object of another workspace or of a tenant the member does
//! not see) / 409. Hence:
//! - A customer viewer holds neither `baselines.view` nor `findings.view`: every governance call is 403,
//!   whichever tenant the object belongs to (the capability is checked before the object is looked up,
//!   so the answer does not reveal whether the object exists). The governance pages are 403 too.
//! - A narrowed member who holds the capability (the operator) sees workspace-level baseline profiles
//!   (200), but every object bound to a tenant outside the narrowing — a finding, a risk acceptance, an
//!   assignment, a capture or compare of that tenant — is 404. Lists, My work, Intake, posture and the
//!   profile page name only the tenants the member sees (checked after the table).
//!
//! All targets live on Contoso Holding (hidden from the customer and the narrowed operator) unless a row
//! says otherwise. Every refused call of a change must leave the governance tables and the audit log as
//! they were (a fingerprint is compared), and every successful change by the owner must change them (so a
//! 2xx is a real success). Finally, [`table_covers_every_governance_route_and_server_function`] fails
//! when a governance route or server function has no row.

mod common;

use std::collections::{BTreeSet, HashMap};

use app::{
    authz::server::WorkspaceScope,
    baselines::{server::service as baselines, ProfileInput, Slot},
    findings::server::service as findings,
};
use chrono::Utc;
use common::{
    as_user, id_of, member_scope, strings,
    world::{sim_world, SimWorld},
    Auth, Engine, Jar,
};
use http::{Method, StatusCode};
use serde_json::{json, Value};

// ---- the table ----

/// How a row is called. Templates name targets as `{key}` (see [`Targets`]); `{slug}` is the actor's.
#[derive(Debug, Clone, Copy)]
enum Call {
    /// A server function, posted as a script (`Accept: application/json`) with these form fields.
    Fn(&'static str, &'static [(&'static str, &'static str)]),
    /// An `/api/v1` route exactly as the route table spells it, the route parameters bound to targets
    /// (`("finding", "f_claim_api")` fills `{finding}` with target `f_claim_api`), and a JSON body template.
    Api(&'static str, &'static str, &'static [(&'static str, &'static str)], Option<&'static str>),
    /// A page of the web app (`Accept: text/html`).
    Page(&'static str),
}

/// Not applicable: the row names no object of Contoso, so the `CROSS` column has nothing to check.
const NA: u16 = 0;

/// The actors, in the order of a row's `expect` columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Owner,
    Foreign,
    Cross,
    Customer,
    Readonly,
    Narrowed,
}

const ACTORS: [Who; 6] = [Who::Owner, Who::Foreign, Who::Cross, Who::Customer, Who::Readonly, Who::Narrowed];

struct Row {
    call: Call,
    /// Whether the call changes something (then refusals must change nothing and the owner's success
    /// must change something).
    change: bool,
    /// Statuses for `[OWNER, FOREIGN, CROSS, CUSTOMER, READONLY, NARROWED]`.
    expect: [u16; 6],
}

const fn read(call: Call, expect: [u16; 6]) -> Row {
    Row { call, change: false, expect }
}

const fn change(call: Call, expect: [u16; 6]) -> Row {
    Row { call, change: true, expect }
}

// Recurring columns.
/// A workspace-level read: viewers 200, the customer 403, a foreign workspace 404.
const WS_READ: [u16; 6] = [200, 404, NA, 403, 200, 200];
/// A read of a workspace-level object (a baseline profile or snapshot): also 404 through Fabrikam. The
/// narrowed operator reads it (200) even though the snapshot was captured from Holding, a tenant outside
/// the narrowing: profiles and their snapshots are workspace objects; only the source tenant's name and
/// id are withheld (checked in [`what_the_narrowed_member_sees`]).
const OBJ_READ: [u16; 6] = [200, 404, 404, 403, 200, 200];
/// A read of an object of Contoso Holding: 404 for the member narrowed to Retail.
const HIDDEN_READ: [u16; 6] = [200, 404, 404, 403, 200, 404];
/// A change of a workspace-level object that needs a capability the narrowed operator lacks.
const WS_CHANGE: [u16; 6] = [200, 404, 404, 403, 403, 403];
/// A change of an object of Contoso Holding (or naming a tenant hidden from the narrowed operator).
const HIDDEN_CHANGE: [u16; 6] = [200, 404, 404, 403, 403, 404];

/// `expect` with the owner's success status replaced (201 Created, 202 Accepted, 204 No Content).
const fn ok(status: u16, mut expect: [u16; 6]) -> [u16; 6] {
    expect[0] = status;
    expect
}

const GET: &str = "GET";
const POST: &str = "POST";
const PUT: &str = "PUT";
const PATCH: &str = "PATCH";
const DELETE: &str = "DELETE";

/// The matrix. Rows run in this order; the owner's changes are drained (queued runs executed) before the
/// next row, so a repeated capture or compare starts a new run.
const ROWS: &[Row] = &[
    // ---- /api/v1: baselines ----
    read(Call::Api(GET, "/workspaces/{slug}/baselines", &[], None), WS_READ),
    change(
        Call::Api(
            POST,
            "/workspaces/{slug}/baselines",
            &[],
            Some(r#"{"name": "Created over the API", "policy_types": ["settings_catalog"]}"#),
        ),
        ok(201, [200, 404, NA, 403, 403, 403]),
    ),
    read(Call::Api(GET, "/workspaces/{slug}/baselines/{profile}", &[], None), OBJ_READ),
    change(
        Call::Api(
            PATCH,
            "/workspaces/{slug}/baselines/{profile}",
            &[],
            Some(r#"{"description": "Changed over the API"}"#),
        ),
        WS_CHANGE,
    ),
    change(
        Call::Api(POST, "/workspaces/{slug}/baselines/{profile}/captures", &[], Some(r#"{"tenant_id": {holding}}"#)),
        ok(202, HIDDEN_CHANGE),
    ),
    read(Call::Api(GET, "/workspaces/{slug}/baselines/{profile}/snapshots/{snapshot}/items", &[], None), OBJ_READ),
    change(
        Call::Api(POST, "/workspaces/{slug}/baselines/{profile}/compares", &[], Some(r#"{"tenant_id": {holding}}"#)),
        ok(202, HIDDEN_CHANGE),
    ),
    change(Call::Api(POST, "/workspaces/{slug}/baselines/{profile}/compares/all", &[], None), ok(202, WS_CHANGE)),
    // Retail is the narrowed operator's own tenant: 403 (no `baselines.manage`), not 404.
    change(
        Call::Api(PUT, "/workspaces/{slug}/baselines/{profile}/assignments/{tenant}", &[("tenant", "retail")], None),
        ok(204, WS_CHANGE),
    ),
    change(
        Call::Api(DELETE, "/workspaces/{slug}/baselines/{profile}/assignments/{tenant}", &[("tenant", "mfg")], None),
        ok(204, HIDDEN_CHANGE),
    ),
    change(
        Call::Api(
            POST,
            "/workspaces/{slug}/baselines/{profile}/schedules",
            &[],
            Some(r#"{"days": [1], "time": "01:00"}"#),
        ),
        ok(201, WS_CHANGE),
    ),
    change(
        Call::Api(
            DELETE,
            "/workspaces/{slug}/baselines/{profile}/schedules/{schedule}",
            &[("schedule", "schedule_api")],
            None,
        ),
        ok(204, WS_CHANGE),
    ),
    // ---- /api/v1: findings ----
    read(Call::Api(GET, "/workspaces/{slug}/findings", &[], None), WS_READ),
    read(Call::Api(GET, "/workspaces/{slug}/findings/{finding}", &[("finding", "f_view")], None), HIDDEN_READ),
    change(
        Call::Api(
            POST,
            "/workspaces/{slug}/findings/{finding}/transitions",
            &[("finding", "f_transition_api")],
            Some(r#"{"transition": "triage"}"#),
        ),
        HIDDEN_CHANGE,
    ),
    change(
        Call::Api(
            POST,
            "/workspaces/{slug}/findings/bulk-transitions",
            &[],
            Some(r#"{"ids": [{f_bulk_api}], "transition": "start"}"#),
        ),
        HIDDEN_CHANGE,
    ),
    change(
        Call::Api(
            PUT,
            "/workspaces/{slug}/findings/{finding}/assignment",
            &[("finding", "f_assign")],
            Some(r#"{"owner_id": {manager}, "assignee_id": {manager}}"#),
        ),
        HIDDEN_CHANGE,
    ),
    change(
        Call::Api(POST, "/workspaces/{slug}/findings/{finding}/claim", &[("finding", "f_claim_api")], None),
        HIDDEN_CHANGE,
    ),
    change(
        Call::Api(
            POST,
            "/workspaces/{slug}/findings/{finding}/comments",
            &[("finding", "f_comment")],
            Some(r#"{"body": "Isolation probe"}"#),
        ),
        ok(201, HIDDEN_CHANGE),
    ),
    change(
        Call::Api(
            POST,
            "/workspaces/{slug}/findings/{finding}/exceptions",
            &[("finding", "f_request_api")],
            Some(r#"{"reason": "Vendor fix pending", "expires_at": "{expires}"}"#),
        ),
        ok(201, HIDDEN_CHANGE),
    ),
    read(Call::Api(GET, "/workspaces/{slug}/my-work", &[], None), WS_READ),
    read(Call::Api(GET, "/workspaces/{slug}/intake", &[], None), WS_READ),
    read(Call::Api(GET, "/workspaces/{slug}/posture", &[], None), WS_READ),
    // ---- /api/v1: risk acceptances and settings ----
    read(Call::Api(GET, "/workspaces/{slug}/exceptions", &[], None), WS_READ),
    read(Call::Api(GET, "/workspaces/{slug}/exceptions/{exception}", &[("exception", "x_view")], None), HIDDEN_READ),
    change(
        Call::Api(
            POST,
            "/workspaces/{slug}/exceptions/{exception}/decision",
            &[("exception", "x_decide_api")],
            Some(r#"{"approve": true}"#),
        ),
        HIDDEN_CHANGE,
    ),
    change(
        Call::Api(
            POST,
            "/workspaces/{slug}/exceptions/{exception}/revocation",
            &[("exception", "x_revoke_api")],
            Some(r#"{"reason": "Fixed upstream"}"#),
        ),
        HIDDEN_CHANGE,
    ),
    change(
        Call::Api(
            POST,
            "/workspaces/{slug}/exceptions/{exception}/renewal",
            &[("exception", "x_renew")],
            Some(r#"{"reason": "Still pending", "expires_at": "{expires}"}"#),
        ),
        ok(201, HIDDEN_CHANGE),
    ),
    read(Call::Api(GET, "/workspaces/{slug}/governance-settings", &[], None), WS_READ),
    // `settings.manage`: neither the read-only member nor the operator holds it.
    change(
        Call::Api(PUT, "/workspaces/{slug}/governance-settings", &[], Some(r#"{"sla_high_days": 9}"#)),
        [200, 404, NA, 403, 403, 403],
    ),
    // ---- server functions: baselines ----
    read(Call::Fn("/api/baselines/list", &[("workspace", "{slug}")]), WS_READ),
    read(Call::Fn("/api/baselines/get", &[("workspace", "{slug}"), ("profile", "{profile}")]), OBJ_READ),
    change(
        Call::Fn(
            "/api/baselines/create",
            &[
                ("workspace", "{slug}"),
                ("name", "Created by a server function"),
                ("policy_types[]", "settings_catalog"),
            ],
        ),
        [200, 404, NA, 403, 403, 403],
    ),
    // Same types as before, so the active snapshot stays (changing them retires it).
    change(
        Call::Fn(
            "/api/baselines/update",
            &[
                ("workspace", "{slug}"),
                ("profile", "{profile}"),
                ("name", "Isolation baseline"),
                ("description", "Changed by a server function"),
                ("policy_types[]", "device_configuration"),
                ("policy_types[]", "compliance_policy"),
            ],
        ),
        WS_CHANGE,
    ),
    change(
        Call::Fn(
            "/api/baselines/capture",
            &[("workspace", "{slug}"), ("profile", "{profile}"), ("tenant", "{holding}")],
        ),
        HIDDEN_CHANGE,
    ),
    read(
        Call::Fn(
            "/api/baselines/snapshot_items",
            &[("workspace", "{slug}"), ("profile", "{profile}"), ("snapshot", "{snapshot}")],
        ),
        OBJ_READ,
    ),
    change(
        Call::Fn(
            "/api/baselines/compare",
            &[("workspace", "{slug}"), ("profile", "{profile}"), ("tenant", "{holding}")],
        ),
        HIDDEN_CHANGE,
    ),
    change(Call::Fn("/api/baselines/compare_all", &[("workspace", "{slug}"), ("profile", "{profile}")]), WS_CHANGE),
    change(
        Call::Fn(
            "/api/baselines/assign",
            &[("workspace", "{slug}"), ("profile", "{profile}"), ("tenant", "{labs}"), ("assigned", "true")],
        ),
        HIDDEN_CHANGE,
    ),
    change(
        Call::Fn(
            "/api/baselines/assign",
            &[("workspace", "{slug}"), ("profile", "{profile}"), ("tenant", "{legacy}"), ("assigned", "false")],
        ),
        HIDDEN_CHANGE,
    ),
    change(
        Call::Fn(
            "/api/baselines/slot_add",
            &[("workspace", "{slug}"), ("profile", "{profile}"), ("days[]", "2"), ("time", "02:00")],
        ),
        WS_CHANGE,
    ),
    change(
        Call::Fn(
            "/api/baselines/slot_remove",
            &[("workspace", "{slug}"), ("profile", "{profile}"), ("schedule", "{schedule_fn}")],
        ),
        WS_CHANGE,
    ),
    // ---- server functions: findings ----
    read(Call::Fn("/api/findings/list", &[("workspace", "{slug}")]), WS_READ),
    read(Call::Fn("/api/findings/my_work", &[("workspace", "{slug}")]), WS_READ),
    read(Call::Fn("/api/findings/intake", &[("workspace", "{slug}")]), WS_READ),
    read(Call::Fn("/api/findings/posture", &[("workspace", "{slug}")]), WS_READ),
    read(Call::Fn("/api/findings/get", &[("workspace", "{slug}"), ("finding", "{f_view}")]), HIDDEN_READ),
    change(
        Call::Fn(
            "/api/findings/transition",
            &[("workspace", "{slug}"), ("finding", "{f_transition_fn}"), ("transition", "triage")],
        ),
        HIDDEN_CHANGE,
    ),
    change(Call::Fn("/api/findings/bulk_triage", &[("workspace", "{slug}"), ("ids[]", "{f_bulk_fn}")]), HIDDEN_CHANGE),
    change(
        Call::Fn(
            "/api/findings/assign",
            &[("workspace", "{slug}"), ("finding", "{f_assign}"), ("owner", "{owner}"), ("assignee", "{owner}")],
        ),
        HIDDEN_CHANGE,
    ),
    change(Call::Fn("/api/findings/claim", &[("workspace", "{slug}"), ("finding", "{f_claim_fn}")]), HIDDEN_CHANGE),
    change(
        Call::Fn("/api/findings/comment", &[("workspace", "{slug}"), ("finding", "{f_comment}"), ("body", "Probe")]),
        HIDDEN_CHANGE,
    ),
    change(
        Call::Fn(
            "/api/findings/request_exception",
            &[
                ("workspace", "{slug}"),
                ("finding", "{f_request_fn}"),
                ("reason", "Vendor fix pending"),
                ("expires_at", "{expires}"),
            ],
        ),
        HIDDEN_CHANGE,
    ),
    change(
        Call::Fn(
            "/api/findings/decide_exception",
            &[("workspace", "{slug}"), ("exception", "{x_decide_fn}"), ("approve", "true")],
        ),
        HIDDEN_CHANGE,
    ),
    change(
        Call::Fn(
            "/api/findings/revoke_exception",
            &[("workspace", "{slug}"), ("exception", "{x_revoke_fn}"), ("reason", "Fixed upstream")],
        ),
        HIDDEN_CHANGE,
    ),
    change(
        Call::Fn(
            "/api/findings/renew_exception",
            &[
                ("workspace", "{slug}"),
                ("exception", "{x_renew_fn}"),
                ("reason", "Still pending"),
                ("expires_at", "{expires}"),
            ],
        ),
        HIDDEN_CHANGE,
    ),
    read(Call::Fn("/api/findings/settings", &[("workspace", "{slug}")]), WS_READ),
    // `settings.manage`: neither the read-only member nor the operator holds it.
    change(
        Call::Fn("/api/findings/update_settings", &[("workspace", "{slug}"), ("sla_low_days", "31")]),
        [200, 404, NA, 403, 403, 403],
    ),
    // ---- pages ----
    read(Call::Page("/admin/workspaces/{slug}/baselines"), WS_READ),
    read(Call::Page("/admin/workspaces/{slug}/baselines/{profile}"), OBJ_READ),
    read(Call::Page("/admin/workspaces/{slug}/findings"), WS_READ),
    read(Call::Page("/admin/workspaces/{slug}/findings/{f_view}"), HIDDEN_READ),
    read(Call::Page("/admin/workspaces/{slug}/my-work"), WS_READ),
    read(Call::Page("/admin/workspaces/{slug}/intake"), WS_READ),
    read(Call::Page("/admin/workspaces/{slug}/posture"), WS_READ),
];

/// The governance pages (the routes of `app/src/shell/mod.rs` added by issue 13).
const PAGES: &[&str] = &[
    "/admin/workspaces/{slug}/baselines",
    "/admin/workspaces/{slug}/baselines/{profile}",
    "/admin/workspaces/{slug}/findings",
    "/admin/workspaces/{slug}/findings/{f_view}",
    "/admin/workspaces/{slug}/my-work",
    "/admin/workspaces/{slug}/intake",
    "/admin/workspaces/{slug}/posture",
];

/// Whether an `/api/v1` route (as the route table spells it) belongs to the governance area.
fn is_governance_route(path: &str) -> bool {
    ["baselines", "findings", "my-work", "intake", "posture", "exceptions", "governance-settings"].iter().any(|r| {
        let prefix = format!("/workspaces/{{slug}}/{r}");
        path == prefix || path.starts_with(&format!("{prefix}/"))
    })
}

/// Whether a server function belongs to the governance area.
fn is_governance_fn(path: &str) -> bool {
    path.starts_with("/api/baselines/") || path.starts_with("/api/findings/")
}

#[test]
fn table_covers_every_governance_route_and_server_function() {
    let routes: BTreeSet<(String, String)> = server::api::v1::route_table()
        .into_iter()
        .filter(|(_, p)| is_governance_route(p))
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let fns: BTreeSet<String> =
        server_fn::axum::server_fn_paths().map(|(p, _)| p.to_string()).filter(|p| is_governance_fn(p)).collect();
    let mut api_rows = BTreeSet::new();
    let mut fn_rows = BTreeSet::new();
    let mut page_rows = BTreeSet::new();
    for row in ROWS {
        match row.call {
            Call::Api(m, p, ..) => assert!(api_rows.insert((m.to_string(), p.to_string())), "{m} {p} twice"),
            Call::Fn(p, _) => {
                fn_rows.insert(p.to_string());
            }
            Call::Page(p) => assert!(page_rows.insert(p), "{p} twice"),
        }
        // Reads change nothing, so a row's kind must match its method (GET rows are reads).
        if let Call::Api(m, p, ..) = row.call {
            assert_eq!(row.change, m != GET, "{m} {p}: kind");
        }
        if let Call::Page(p) = row.call {
            assert!(!row.change, "{p}: a page is a read");
        }
    }
    let missing: Vec<_> = routes.difference(&api_rows).collect();
    assert!(missing.is_empty(), "governance API routes without a row in the isolation matrix: {missing:?}");
    let stale: Vec<_> = api_rows.difference(&routes).collect();
    assert!(stale.is_empty(), "rows for routes the router does not serve: {stale:?}");
    assert_eq!(routes.len(), 30, "the governance API has 30 routes: {routes:?}");
    let missing: Vec<_> = fns.difference(&fn_rows).collect();
    assert!(missing.is_empty(), "governance server functions without a row in the isolation matrix: {missing:?}");
    let stale: Vec<_> = fn_rows.difference(&fns).collect();
    assert!(stale.is_empty(), "rows for server functions that are not registered: {stale:?}");
    assert_eq!(page_rows, PAGES.iter().copied().collect::<BTreeSet<_>>(), "every governance page has a row");
}

// ---- the world ----

/// Named target ids (`{key}` in templates).
type Targets = HashMap<&'static str, String>;

struct Fixture {
    w: SimWorld,
    jars: HashMap<&'static str, Jar>,
    t: Targets,
}

impl Fixture {
    fn jar(&self, who: Who) -> &Jar {
        let email = match who {
            Who::Owner => "owner@contoso.example",
            Who::Foreign | Who::Cross => "owner@fabrikam.example",
            Who::Customer => "customer@contoso.example",
            Who::Readonly => "readonly@contoso.example",
            Who::Narrowed => "operator@contoso.example",
        };
        &self.jars[email]
    }

    fn id(&self, key: &str) -> i64 {
        self.t[key].parse().unwrap()
    }

    /// `template` with the row's route parameters bound, the actor's slug and every target filled in.
    fn fill(&self, template: &str, bind: &[(&str, &str)], who: Who) -> String {
        let mut s = template.to_string();
        for (param, key) in bind {
            s = s.replace(&format!("{{{param}}}"), &format!("{{{key}}}"));
        }
        s = s.replace("{slug}", if who == Who::Cross { "fabrikam" } else { "contoso" });
        for (key, value) in &self.t {
            s = s.replace(&format!("{{{key}}}"), value);
        }
        s
    }

    /// Calls `row` as `who`: (status, body).
    async fn call(&self, row: &Row, who: Who) -> (StatusCode, String) {
        let jar = self.jar(who);
        let res = match row.call {
            Call::Fn(path, form) => {
                let form: Vec<(&str, String)> = form.iter().map(|(k, v)| (*k, self.fill(v, &[], who))).collect();
                for (k, v) in &form {
                    assert!(!v.contains('{'), "{path}: {k} = {v} is not filled");
                }
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                self.w.app.post_form(path, &form, jar).await
            }
            Call::Api(method, route, bind, body) => {
                let path = self.fill(route, bind, who);
                assert!(!path.contains('{'), "{route}: {path} is not filled");
                let body = body.map(|b| {
                    let text = self.fill(b, bind, who);
                    serde_json::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{route}: body {text}: {e}"))
                });
                let method = Method::from_bytes(method.as_bytes()).unwrap();
                common::api(&self.w.app, method, &path, Auth::Cookie(jar), body).await
            }
            Call::Page(page) => {
                let path = self.fill(page, &[], who);
                assert!(!path.contains('{'), "{page}: {path} is not filled");
                self.w.app.get(&path, jar).await
            }
        };
        (res.status, res.body)
    }

    /// The state every governance change touches: profiles, snapshots, assignments, compare slots, runs,
    /// findings (status and people), comments, events, risk acceptances and their decisions, SLA settings
    /// and the audit log. Equal fingerprints: nothing changed.
    async fn fingerprint(&self) -> Vec<String> {
        const QUERIES: &[&str] = &[
            "SELECT 'profile ' || CAST(id AS TEXT) || ' ' || name || ' ' || description || ' ' || policy_types || ' ' \
             || COALESCE(CAST(active_snapshot_id AS TEXT), '-') FROM baseline_profiles ORDER BY id",
            "SELECT 'snapshot ' || CAST(id AS TEXT) || ' ' || status FROM baseline_snapshots ORDER BY id",
            "SELECT 'assigned ' || CAST(profile_id AS TEXT) || ' ' || CAST(tenant_id AS TEXT) FROM baseline_assignments \
             ORDER BY profile_id, tenant_id",
            "SELECT 'slot ' || CAST(id AS TEXT) FROM baseline_schedules ORDER BY id",
            "SELECT 'runs ' || CAST(COUNT(*) AS TEXT) FROM operation_runs",
            "SELECT 'finding ' || CAST(id AS TEXT) || ' ' || status || ' ' || COALESCE(CAST(owner_user_id AS TEXT), '-') \
             || ' ' || COALESCE(CAST(assignee_user_id AS TEXT), '-') FROM findings ORDER BY id",
            "SELECT 'comments ' || CAST(COUNT(*) AS TEXT) FROM finding_comments",
            "SELECT 'events ' || CAST(COUNT(*) AS TEXT) FROM finding_events",
            "SELECT 'exception ' || CAST(id AS TEXT) || ' ' || status FROM finding_exceptions ORDER BY id",
            "SELECT 'decisions ' || CAST(COUNT(*) AS TEXT) FROM finding_exception_decisions",
            "SELECT 'sla ' || CAST(workspace_id AS TEXT) || ' ' || CAST(sla_critical_days AS TEXT) || ' ' \
             || CAST(sla_high_days AS TEXT) || ' ' || CAST(sla_medium_days AS TEXT) || ' ' || CAST(sla_low_days AS TEXT) \
             || ' ' || CAST(max_exception_days AS TEXT) FROM governance_settings ORDER BY workspace_id",
            "SELECT 'audit ' || CAST(COUNT(*) AS TEXT) FROM audit_log",
        ];
        let mut out = Vec::new();
        for sql in QUERIES {
            out.extend(strings(&self.w.app, sql).await);
        }
        out
    }
}

/// A finding on `tenant` as a compare of `profile` writes it (with its compare run).
async fn seed_finding(w: &SimWorld, tenant: i64, profile: i64, name: &str) -> i64 {
    let db = w.db();
    let now = Utc::now();
    let ws = w.app.scalar(&format!("SELECT workspace_id FROM tenants WHERE id = {tenant}")).await;
    let run: i64 = app::db_run!(db, p => sqlx::query_scalar(
        "INSERT INTO operation_runs (workspace_id, tenant_id, run_type, status, outcome, initiator_kind, idempotency_key, \
         created_at, started_at, completed_at) VALUES ($1, $2, 'compare.run', 'completed', 'succeeded', 'system', $3, $4, $4, $4) \
         RETURNING id")
        .bind(ws).bind(tenant).bind(format!("isolation-{name}")).bind(now).fetch_one(p).await)
    .unwrap();
    let scope = app::authz::server::SystemScope::for_test("test").tenant(db, ws, tenant).await.unwrap();
    let evidence = json!({ "profile_name": "Isolation baseline", "settings": [] }).to_string();
    let new = app::findings::server::repo::NewFinding {
        profile_id: profile,
        subject_display_name: name,
        policy_type: "device_configuration",
        drift_kind: app::findings::DriftKind::Missing,
        severity: app::findings::Severity::High,
        fingerprint: name,
        evidence: &evidence,
        evidence_hash: "h",
        sla_days: 7,
        run_id: run,
    };
    let mut tx = db.begin().await.unwrap();
    let id = app::findings::server::repo::insert_finding(&mut tx, &scope, &new, now).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// The demo with Contoso Holding connected and synced; a baseline profile captured from Holding and
/// assigned to Holding, Manufacturing and Legacy; two compare slots; findings (of a second profile) on
/// Holding, one per change that can happen only once per transport, and one on Retail; risk acceptances requested by the manager
/// (pending, and active after the owner's approval); the operator narrowed to Retail.
async fn fixture(engine: Engine) -> Option<Fixture> {
    let w = sim_world(engine, 6).await?;
    let db = w.db();
    let mut t = Targets::new();
    let holding = w.tenant("Contoso Holding").await.0;
    let retail = w.tenant("Contoso Retail").await.0;
    let mfg = w.tenant("Contoso Manufacturing").await.0;
    let labs = w.tenant("Contoso Labs").await.0;
    let legacy = w.tenant("Contoso Legacy").await.0;
    w.connected(holding).await;
    let owner: WorkspaceScope = member_scope(db, "owner@contoso.example", "contoso").await.unwrap();
    let manager: WorkspaceScope = member_scope(db, "manager@contoso.example", "contoso").await.unwrap();

    let input = ProfileInput::parse(
        Some("Isolation baseline"),
        None,
        &["device_configuration".into(), "compliance_policy".into()],
    )
    .unwrap();
    let profile = baselines::create_profile(db, &owner, input).await.unwrap().id;
    baselines::capture(db, &owner, profile, holding).await.unwrap();
    w.drain().await;
    let detail = baselines::get_profile(db, &owner, profile).await.unwrap();
    let snapshot = detail.profile.active_snapshot_id.expect("the capture completed");
    for tenant in [holding, mfg, legacy] {
        baselines::set_assigned(db, &owner, profile, tenant, true).await.unwrap();
    }
    let slot = |day: i64, time: &str| Slot::parse(&[day], Some(time)).unwrap();
    let schedule_api = baselines::add_schedule(db, &owner, profile, slot(3, "03:00")).await.unwrap().id;
    let schedule_fn = baselines::add_schedule(db, &owner, profile, slot(4, "04:00")).await.unwrap().id;
    // The findings belong to a second profile that is never compared: a compare of the first one clears
    // its open findings that it no longer sees, which would move the targets under the table's feet.
    let input = ProfileInput::parse(Some("Drift source"), None, &["device_configuration".into()]).unwrap();
    let source = baselines::create_profile(db, &owner, input).await.unwrap().id;

    for (key, name) in [
        ("f_view", "Viewed policy"),
        ("f_transition_api", "Triaged over the API"),
        ("f_transition_fn", "Triaged by a server function"),
        ("f_bulk_api", "Started in bulk over the API"),
        ("f_bulk_fn", "Triaged in bulk by a server function"),
        ("f_assign", "Assigned policy"),
        ("f_claim_api", "Claimed over the API"),
        ("f_claim_fn", "Claimed by a server function"),
        ("f_comment", "Commented policy"),
        ("f_request_api", "Accepted over the API"),
        ("f_request_fn", "Accepted by a server function"),
        ("f_decide_api", "Decided over the API"),
        ("f_decide_fn", "Decided by a server function"),
        ("f_revoke_api", "Revoked over the API"),
        ("f_revoke_fn", "Revoked by a server function"),
        ("f_renew", "Renewed policy"),
        ("f_renew_fn", "Renewed by a server function"),
    ] {
        t.insert(key, seed_finding(&w, holding, source, name).await.to_string());
    }
    let f_retail = seed_finding(&w, retail, source, "Retail policy").await;

    let expires = (Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%d").to_string();
    let request = |finding: i64| {
        let (manager, expires) = (&manager, &expires);
        async move {
            findings::request_exception(db, manager, finding, Some("Requested by the manager"), Some(expires.as_str()))
                .await
                .unwrap()
                .id
        }
    };
    for (x, f) in [("x_decide_api", "f_decide_api"), ("x_decide_fn", "f_decide_fn")] {
        let id = request(t[f].parse().unwrap()).await;
        t.insert(x, id.to_string());
    }
    for (x, f) in [
        ("x_revoke_api", "f_revoke_api"),
        ("x_revoke_fn", "f_revoke_fn"),
        ("x_renew", "f_renew"),
        ("x_renew_fn", "f_renew_fn"),
    ] {
        let id = request(t[f].parse().unwrap()).await;
        findings::decide_exception(db, &owner, id, true, None).await.unwrap();
        t.insert(x, id.to_string());
    }
    let x_view = t["x_renew"].clone();
    t.insert("x_view", x_view);
    let x_retail = request(f_retail).await;

    let mut jars = HashMap::new();
    for email in [
        "owner@contoso.example",
        "owner@fabrikam.example",
        "customer@contoso.example",
        "readonly@contoso.example",
        "operator@contoso.example",
    ] {
        jars.insert(email, as_user(&w.app, email).await);
    }
    // The owner narrows the operator to Retail (takes effect with the operator's next request).
    let operator = id_of(db, "SELECT id FROM users WHERE email = $1", "operator@contoso.example").await;
    let (op, r) = (operator.to_string(), retail.to_string());
    let form = [("workspace", "contoso"), ("member", op.as_str()), ("tenant_ids[]", r.as_str())];
    let res = w.app.post_form("/api/members/narrow", &form, &jars["owner@contoso.example"]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let owner_id = id_of(db, "SELECT id FROM users WHERE email = $1", "owner@contoso.example").await;
    let manager_id = id_of(db, "SELECT id FROM users WHERE email = $1", "manager@contoso.example").await;
    for (key, value) in [
        ("holding", holding),
        ("retail", retail),
        ("mfg", mfg),
        ("labs", labs),
        ("legacy", legacy),
        ("profile", profile),
        ("snapshot", snapshot),
        ("schedule_api", schedule_api),
        ("schedule_fn", schedule_fn),
        ("f_retail", f_retail),
        ("x_retail", x_retail),
        ("owner", owner_id),
        ("manager", manager_id),
    ] {
        t.insert(key, value.to_string());
    }
    t.insert("expires", expires);
    Some(Fixture { w, jars, t })
}

// ---- the matrix ----

fn label(row: &Row) -> String {
    match row.call {
        Call::Fn(path, _) => format!("server fn {path}"),
        Call::Api(m, p, ..) => format!("{m} /api/v1{p}"),
        Call::Page(p) => format!("page {p}"),
    }
}

/// With `ISOLATION_TRACE` set, prints every answer (run with `--nocapture`).
fn trace(name: &str, who: Who, status: StatusCode) {
    if std::env::var_os("ISOLATION_TRACE").is_some() {
        eprintln!("{name} as {who:?}: {status}");
    }
}

async fn governance_isolation_matrix(engine: Engine) {
    let Some(f) = fixture(engine).await else { return };
    let mut failures = Vec::new();
    let mut calls = 0;
    for row in ROWS {
        let name = label(row);
        // Everyone but the owner first: their answers must not depend on what the owner changes.
        let before = f.fingerprint().await;
        for (i, who) in ACTORS.iter().enumerate().skip(1) {
            let expected = row.expect[i];
            if expected == NA {
                continue;
            }
            let (status, body) = f.call(row, *who).await;
            calls += 1;
            trace(&name, *who, status);
            if status.as_u16() != expected {
                failures.push(format!("{name} as {who:?}: expected {expected}, got {status} {body}"));
            }
            if row.change && !status.is_success() && f.fingerprint().await != before {
                failures.push(format!("{name} as {who:?}: refused with {status} but changed something"));
            }
        }
        let (status, body) = f.call(row, Who::Owner).await;
        calls += 1;
        trace(&name, Who::Owner, status);
        if status.as_u16() != row.expect[0] {
            failures.push(format!("{name} as Owner: expected {}, got {status} {body}", row.expect[0]));
        }
        if row.change {
            f.w.drain().await;
            if f.fingerprint().await == before {
                failures.push(format!("{name} as Owner: answered {status} but changed nothing"));
            }
        } else if f.fingerprint().await != before {
            failures.push(format!("{name}: a read changed something"));
        }
    }
    assert!(failures.is_empty(), "{} of {calls} calls answered wrongly:\n{}", failures.len(), failures.join("\n"));
    let expected_calls: usize = ROWS.iter().map(|r| r.expect.iter().filter(|s| **s != NA).count()).sum();
    assert_eq!(calls, expected_calls);

    what_the_narrowed_member_sees(&f).await;
    own_workspace_never_reaches_a_foreign_tenant(&f).await;
    f.w.app.cleanup().await;
}

/// Fabrikam's owner, in Fabrikam, with Fabrikam's own profile, naming a Contoso tenant: 404 everywhere
/// (the tenant is entered in the caller's workspace), and nothing changes.
async fn own_workspace_never_reaches_a_foreign_tenant(f: &Fixture) {
    let fabrikam = member_scope(f.w.db(), "owner@fabrikam.example", "fabrikam").await.unwrap();
    let input = ProfileInput::parse(Some("Fabrikam baseline"), None, &["device_configuration".into()]).unwrap();
    let profile = baselines::create_profile(f.w.db(), &fabrikam, input).await.unwrap().id;
    let holding = f.id("holding");
    let base = format!("/workspaces/fabrikam/baselines/{profile}");
    let tenant = json!({ "tenant_id": holding });
    let jar = f.jar(Who::Foreign);
    let before = f.fingerprint().await;
    for (method, path, body) in [
        (Method::PUT, format!("{base}/assignments/{holding}"), None),
        (Method::POST, format!("{base}/captures"), Some(tenant.clone())),
        (Method::POST, format!("{base}/compares"), Some(tenant)),
        (Method::GET, format!("/workspaces/fabrikam/findings?tenant={holding}"), None),
    ] {
        let res = common::api(&f.w.app, method.clone(), &path, Auth::Cookie(jar), body).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{method} {path}: {}", res.body);
    }
    let (p, h) = (profile.to_string(), holding.to_string());
    for (path, form) in [
        ("/api/baselines/assign", vec![("profile", p.as_str()), ("tenant", h.as_str()), ("assigned", "true")]),
        ("/api/baselines/capture", vec![("profile", p.as_str()), ("tenant", h.as_str())]),
        ("/api/baselines/compare", vec![("profile", p.as_str()), ("tenant", h.as_str())]),
        ("/api/findings/list", vec![("tenant", h.as_str())]),
    ] {
        let mut form = form;
        form.insert(0, ("workspace", "fabrikam"));
        let res = f.w.app.post_form(path, &form, jar).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
    }
    assert_eq!(f.fingerprint().await, before, "a refused call changed something");
}

/// Lists, My work, Intake, posture and the profile page name only the tenants a narrowed member sees.
async fn what_the_narrowed_member_sees(f: &Fixture) {
    let (holding, retail) = (f.id("holding"), f.id("retail"));
    let get = |who: Who, path: String| async move {
        let res = common::api(&f.w.app, Method::GET, &path, Auth::Cookie(f.jar(who)), None).await;
        assert_eq!(res.status, StatusCode::OK, "{path} as {who:?}: {}", res.body);
        res.json()
    };
    let tenants_of = |v: &Value, key: &str| -> BTreeSet<i64> {
        v[key].as_array().unwrap().iter().map(|i| i["tenant_id"].as_i64().unwrap()).collect()
    };

    // Findings: the owner sees both tenants', the narrowed operator Retail's only.
    let all = "/workspaces/contoso/findings?status=all&per_page=200".to_string();
    assert_eq!(tenants_of(&get(Who::Owner, all.clone()).await, "items"), BTreeSet::from([holding, retail]));
    let mine = get(Who::Narrowed, all).await;
    assert_eq!(tenants_of(&mine, "items"), BTreeSet::from([retail]), "{mine}");
    assert!(mine["items"].as_array().unwrap().iter().any(|i| i["id"] == f.id("f_retail")), "{mine}");
    let intake = get(Who::Narrowed, "/workspaces/contoso/intake?per_page=200".into()).await;
    assert_eq!(tenants_of(&intake, "items"), BTreeSet::from([retail]), "{intake}");
    // A tenant filter naming a hidden tenant is 404, not an empty page.
    let hidden = format!("/api/v1/workspaces/contoso/findings?tenant={holding}");
    let res = f.w.app.get(&hidden, f.jar(Who::Narrowed)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);

    // Risk acceptances and posture.
    let x = get(Who::Narrowed, "/workspaces/contoso/exceptions?per_page=200".into()).await;
    assert_eq!(tenants_of(&x, "items"), BTreeSet::from([retail]), "{x}");
    assert!(x["items"].as_array().unwrap().iter().any(|i| i["id"] == f.id("x_retail")), "{x}");
    let x = get(Who::Owner, "/workspaces/contoso/exceptions?per_page=200".into()).await;
    assert!(tenants_of(&x, "items").contains(&holding), "{x}");
    let posture = get(Who::Narrowed, "/workspaces/contoso/posture".into()).await;
    assert_eq!(tenants_of(&posture, "tenants"), BTreeSet::from([retail]), "{posture}");

    // The profile: assignments and the snapshots' source name visible tenants only.
    let profile = format!("/workspaces/contoso/baselines/{}", f.t["profile"]);
    let owner_view = get(Who::Owner, profile.clone()).await;
    assert!(tenants_of(&owner_view, "assignments").contains(&holding), "{owner_view}");
    assert!(owner_view["snapshots"].as_array().unwrap().iter().all(|s| s["source_tenant_id"] == holding));
    let narrowed_view = get(Who::Narrowed, profile).await;
    assert_eq!(tenants_of(&narrowed_view, "assignments"), BTreeSet::from([retail]), "{narrowed_view}");
    let ids: BTreeSet<i64> =
        narrowed_view["tenants"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, BTreeSet::from([retail]), "{narrowed_view}");
    assert!(!narrowed_view["snapshots"].as_array().unwrap().is_empty(), "{narrowed_view}");
    for s in narrowed_view["snapshots"].as_array().unwrap() {
        assert!(s["source_tenant_id"].is_null() && s["source_tenant_name"].is_null(), "names a hidden tenant: {s}");
    }
    assert!(!narrowed_view.to_string().contains("Contoso Holding"), "{narrowed_view}");
}

on_both_engines!(governance_isolation_matrix);
