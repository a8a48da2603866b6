//! Run-time state of the simulator: per tenant the object store, flags (licence, consent, granted roles),
//! faults, throttling buckets and counters; the token issuer/verifier; and the one write path
//! ([`Sim::write`]) that Graph writes and drift control share — it bumps `version` and the modified
//! timestamp and appends the audit event (Intune `auditEvents` or `directoryAudits` for conditional access).

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex, MutexGuard,
    },
    time::Instant,
};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64URL, Engine};
use rand::rngs::StdRng;
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::{faults::Fault, generator, SimConfig, TenantInfo};

/// A Graph-shaped error answer: status, `error.code`, `error.message`.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl Failure {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "ResourceNotFound", message)
    }
}

/// Application permissions (roles) the simulated app is granted by default.
pub const DEFAULT_ROLES: &[&str] = &[
    "DeviceManagementConfiguration.ReadWrite.All",
    "DeviceManagementConfiguration.Read.All",
    "DeviceManagementApps.ReadWrite.All",
    "DeviceManagementApps.Read.All",
    "Policy.Read.All",
    "Policy.ReadWrite.ConditionalAccess",
    "AuditLog.Read.All",
    "Group.Read.All",
    "Organization.Read.All",
];

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Flags {
    /// Without an Intune licence, `deviceManagement` and `deviceAppManagement` answer "not applicable".
    pub licensed: bool,
    /// Without admin consent the token endpoint answers AADSTS700016.
    pub consented: bool,
    /// The client secret has expired: AADSTS7000222.
    pub secret_expired: bool,
    /// Granted application permissions, checked on every request.
    pub roles: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub token_requests: AtomicU64,
    pub tokens_issued: AtomicU64,
    pub graph_requests: AtomicU64,
    pub throttled: AtomicU64,
    pub faults_served: AtomicU64,
    pub writes: AtomicU64,
}

impl Stats {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Value {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        json!({"token_requests": g(&self.token_requests), "tokens_issued": g(&self.tokens_issued),
            "graph_requests": g(&self.graph_requests), "throttled": g(&self.throttled),
            "faults_served": g(&self.faults_served), "writes": g(&self.writes)})
    }
}

/// Objects of one tenant.
#[derive(Debug)]
pub struct Store {
    pub collections: HashMap<String, Vec<Value>>,
    pub rng: StdRng,
    pub ctx: generator::TenantCtx,
}

/// Where a path (below `/v1.0` or `/beta`) points.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Collection(String),
    Item { collection: String, id: String },
}

impl Store {
    fn find(&self, collection: &str, id: &str) -> Option<usize> {
        self.collections.get(collection)?.iter().position(|i| i["id"].as_str() == Some(id))
    }

    /// Resolves `deviceManagement/configurationPolicies/{id}/settings` and friends. A sub-collection of an
    /// existing item that has no stored children yet resolves to an empty collection.
    pub fn resolve(&self, path: &str) -> Option<Target> {
        if self.collections.contains_key(path) {
            return Some(Target::Collection(path.to_string()));
        }
        let (parent, last) = path.rsplit_once('/')?;
        if self.collections.contains_key(parent) {
            return self
                .find(parent, last)
                .map(|_| Target::Item { collection: parent.to_string(), id: last.to_string() });
        }
        match self.resolve(parent)? {
            Target::Item { .. } if !last.is_empty() && last.chars().all(|c| c.is_ascii_alphanumeric()) => {
                Some(Target::Collection(path.to_string()))
            }
            _ => None,
        }
    }

    pub fn items(&self, collection: &str) -> &[Value] {
        self.collections.get(collection).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn item(&self, collection: &str, id: &str) -> Option<&Value> {
        self.find(collection, id).map(|i| &self.collections[collection][i])
    }
}

/// Throttling bucket: `capacity` requests per `window` seconds, refilled continuously.
#[derive(Debug)]
struct Bucket {
    capacity: f64,
    per_sec: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn new(capacity: u32, window_secs: f64) -> Self {
        let capacity = f64::from(capacity.max(1));
        Self { capacity, per_sec: capacity / window_secs, tokens: capacity, at: Instant::now() }
    }

    /// Takes a token, or says how long until one is available.
    fn take(&mut self) -> Result<(), f64> {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * self.per_sec).min(self.capacity);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - self.tokens) / self.per_sec)
        }
    }
}

#[derive(Debug, Default)]
struct Buckets {
    intune: Option<Bucket>,
    intune_writes: Option<Bucket>,
    ca: Option<Bucket>,
}

/// Which documented limit a route counts against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Workload {
    Intune,
    ConditionalAccess,
    Directory,
}

pub struct TenantState {
    pub info: TenantInfo,
    pub store: Mutex<Store>,
    pub flags: Mutex<Flags>,
    pub faults: Mutex<Vec<Fault>>,
    buckets: Mutex<Buckets>,
    pub stats: Stats,
}

/// Locks a mutex; a poisoned lock (a panic elsewhere) still holds consistent simulator data.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl TenantState {
    /// Applies the documented limits; `Err(Some(s))` = 429 with Retry-After s, `Err(None)` = without.
    pub fn throttle(&self, workload: Workload, write: bool) -> Result<(), Option<f64>> {
        let mut b = lock(&self.buckets);
        let r = match workload {
            Workload::Intune => {
                let any = b.intune.as_mut().map_or(Ok(()), Bucket::take);
                let w = if write { b.intune_writes.as_mut().map_or(Ok(()), Bucket::take) } else { Ok(()) };
                any.and(w).map_err(Some)
            }
            Workload::ConditionalAccess => b.ca.as_mut().map_or(Ok(()), Bucket::take).map_err(|_| None),
            Workload::Directory => Ok(()),
        };
        if r.is_err() {
            Stats::bump(&self.stats.throttled);
        }
        r
    }
}

/// Who made a change (for audit events).
#[derive(Debug, Clone)]
pub enum Actor {
    App { client_id: String },
    Portal { upn: String },
}

/// A change to apply through [`Sim::write`].
#[derive(Debug, Clone)]
pub enum Write {
    Create {
        collection: String,
        body: Map<String, Value>,
    },
    Update {
        collection: String,
        id: String,
        patch: Map<String, Value>,
    },
    Delete {
        collection: String,
        id: String,
    },
    /// A ready-made object (drift control's `add`), with its child collections.
    Insert {
        collection: String,
        item: Value,
        children: generator::Children,
    },
}

/// Navigation properties whose arrays are stored as child collections when written inline.
const NAV: &[&str] = &["settings", "scheduledActionsForRule", "assignments", "definitionValues"];
const COMPLIANCE: &str = "deviceManagement/deviceCompliancePolicies";

pub struct Sim {
    pub config: SimConfig,
    pub base_url: String,
    key: [u8; 32],
    pub tenants: Vec<TenantState>,
    by_id: HashMap<String, usize>,
    pub started: Instant,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub tid: String,
    pub appid: String,
    pub roles: Vec<String>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: u64,
}

#[derive(Debug, PartialEq)]
pub enum TokenProblem {
    Missing,
    Invalid,
    Expired,
}

impl Sim {
    pub fn new(config: SimConfig, base_url: String) -> Self {
        let key: [u8; 32] = Sha256::digest(format!("graph-sim-signing-key:{}", config.seed)).into();
        let t = config.throttling;
        let mut generated = generator::generate(config.seed, config.tenants, config.policies);
        for (g, fixed) in generated.iter_mut().zip(&config.identities) {
            g.tenant_id = fixed.tenant_id.to_ascii_lowercase();
            g.display_name = fixed.display_name.clone();
            g.domain = fixed.domain.to_ascii_lowercase();
            for org in g.collections.get_mut("organization").into_iter().flatten() {
                org["id"] = serde_json::Value::String(g.tenant_id.clone());
                org["displayName"] = serde_json::Value::String(g.display_name.clone());
            }
        }
        let tenants: Vec<TenantState> = generated
            .into_iter()
            .map(|g| TenantState {
                info: TenantInfo {
                    tenant_id: g.tenant_id,
                    display_name: g.display_name,
                    domain: g.domain,
                    client_id: g.client_id,
                    client_secret: g.client_secret,
                },
                store: Mutex::new(Store { collections: g.collections, rng: g.rng, ctx: g.ctx }),
                flags: Mutex::new(Flags {
                    licensed: true,
                    consented: true,
                    secret_expired: false,
                    roles: DEFAULT_ROLES.iter().map(|r| r.to_string()).collect(),
                }),
                faults: Mutex::new(Vec::new()),
                buckets: Mutex::new(Buckets {
                    intune: t.intune_per_20s.map(|c| Bucket::new(c, 20.0)),
                    intune_writes: t.intune_writes_per_20s.map(|c| Bucket::new(c, 20.0)),
                    ca: t.conditional_access_per_s.map(|c| Bucket::new(c, 1.0)),
                }),
                stats: Stats::default(),
            })
            .collect();
        let mut by_id = HashMap::new();
        for (i, t) in tenants.iter().enumerate() {
            by_id.insert(t.info.tenant_id.clone(), i);
            by_id.insert(t.info.domain.clone(), i);
        }
        Self { config, base_url, key, tenants, by_id, started: Instant::now() }
    }

    pub fn tenant_infos(&self) -> Vec<TenantInfo> {
        self.tenants.iter().map(|t| t.info.clone()).collect()
    }

    /// By tenant id or `*.onmicrosoft.com` domain, case-insensitively.
    pub fn tenant(&self, id_or_domain: &str) -> Option<&TenantState> {
        self.by_id.get(&id_or_domain.to_ascii_lowercase()).map(|i| &self.tenants[*i])
    }

    pub fn object_count(&self) -> usize {
        self.tenants.iter().map(|t| lock(&t.store).collections.values().map(Vec::len).sum::<usize>()).sum()
    }

    /// Some bytes derived from the signing key (for skip tokens).
    pub fn digest(&self, parts: &[&str]) -> String {
        let mut h = Sha256::new();
        h.update(self.key);
        for p in parts {
            h.update(p.as_bytes());
            h.update([0]);
        }
        h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    fn sign(&self, input: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update(input.as_bytes());
        B64URL.encode(h.finalize())
    }

    /// A JWT-shaped access token (`aud`, `tid`, `appid`, `roles`, `exp`), signed with a keyed SHA-256.
    pub fn issue_token(&self, tenant: &TenantState) -> (String, u64) {
        static JTI: AtomicU64 = AtomicU64::new(1);
        let now = chrono::Utc::now().timestamp();
        let life = self.config.token_lifetime_secs;
        let claims = Claims {
            aud: "https://graph.microsoft.com".into(),
            iss: format!("https://sts.windows.net/{}/", tenant.info.tenant_id),
            tid: tenant.info.tenant_id.clone(),
            appid: tenant.info.client_id.clone(),
            roles: lock(&tenant.flags).roles.clone(),
            iat: now,
            nbf: now,
            exp: now + life as i64,
            jti: JTI.fetch_add(1, Ordering::Relaxed),
        };
        let header = B64URL.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
        let payload = B64URL.encode(serde_json::to_vec(&claims).unwrap_or_default());
        let input = format!("{header}.{payload}");
        let sig = self.sign(&input);
        Stats::bump(&tenant.stats.tokens_issued);
        (format!("{input}.{sig}"), life)
    }

    /// Checks a bearer token and returns its tenant and claims.
    pub fn verify_token(&self, authorization: Option<&str>) -> Result<(&TenantState, Claims), TokenProblem> {
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .ok_or(TokenProblem::Missing)?;
        let (input, sig) = token.rsplit_once('.').ok_or(TokenProblem::Invalid)?;
        if self.sign(input) != sig {
            return Err(TokenProblem::Invalid);
        }
        let payload = input.split_once('.').ok_or(TokenProblem::Invalid)?.1;
        let claims: Claims =
            B64URL.decode(payload).ok().and_then(|b| serde_json::from_slice(&b).ok()).ok_or(TokenProblem::Invalid)?;
        if claims.aud != "https://graph.microsoft.com" {
            return Err(TokenProblem::Invalid);
        }
        if claims.exp <= chrono::Utc::now().timestamp() {
            return Err(TokenProblem::Expired);
        }
        let tenant = self.tenant(&claims.tid).ok_or(TokenProblem::Invalid)?;
        Ok((tenant, claims))
    }

    /// The one write path: validates, applies, bumps version and timestamps, appends the audit event.
    pub fn write(&self, tenant: &TenantState, write: Write, actor: &Actor) -> Result<Option<Value>, Failure> {
        let now = generator::iso(chrono::Utc::now());
        let mut store = lock(&tenant.store);
        let store = &mut *store;
        let (collection, result, old, activity) = match write {
            Write::Create { collection, mut body } => {
                reject_encrypted_tokens(&Value::Object(body.clone()))?;
                if collection == COMPLIANCE
                    && body.get("scheduledActionsForRule").and_then(Value::as_array).is_none_or(|a| a.is_empty())
                {
                    return Err(Failure::bad_request(
                        "A compliance policy must be created with at least one scheduledActionsForRule.",
                    ));
                }
                let id = generator::uuid(&mut store.rng);
                let children = take_nav(&mut body, &mut store.rng);
                body.insert("id".into(), json!(id));
                body.insert("createdDateTime".into(), json!(now));
                let modified =
                    if collection.starts_with("identity/") { "modifiedDateTime" } else { "lastModifiedDateTime" };
                body.insert(modified.into(), json!(now));
                if matches!(collection.as_str(), "deviceManagement/deviceConfigurations" | COMPLIANCE) {
                    body.insert("version".into(), json!(1));
                }
                if let Some(settings) = children.iter().find(|c| c.0 == "settings") {
                    if collection == "deviceManagement/configurationPolicies" {
                        body.insert("settingCount".into(), json!(settings.1.len()));
                    }
                }
                let item = Value::Object(body);
                generator::insert(&mut store.collections, &collection, item.clone(), children);
                (collection, Some(item), None, "Create")
            }
            Write::Insert { collection, mut item, children } => {
                if let Some(o) = item.as_object_mut() {
                    o.insert("createdDateTime".into(), json!(now));
                    let modified =
                        if o.contains_key("modifiedDateTime") { "modifiedDateTime" } else { "lastModifiedDateTime" };
                    o.insert(modified.into(), json!(now));
                }
                generator::insert(&mut store.collections, &collection, item.clone(), children);
                (collection, Some(item), None, "Create")
            }
            Write::Update { collection, id, mut patch } => {
                reject_encrypted_tokens(&Value::Object(patch.clone()))?;
                if collection == COMPLIANCE && patch.contains_key("scheduledActionsForRule") {
                    return Err(Failure::bad_request(
                        "scheduledActionsForRule cannot be updated with PATCH; use scheduleActionsForRules.",
                    ));
                }
                if patch.get("id").is_some_and(|v| v.as_str() != Some(id.as_str())) {
                    return Err(Failure::bad_request("The id of an object cannot be changed."));
                }
                let index = store.find(&collection, &id).ok_or_else(|| Failure::not_found("Resource not found."))?;
                let children = take_nav(&mut patch, &mut store.rng);
                let settings_len = children.iter().find(|c| c.0 == "settings").map(|c| c.1.len());
                for (sub, items) in children {
                    store.collections.insert(format!("{collection}/{id}/{sub}"), items);
                }
                let item = &mut store.collections.get_mut(&collection).expect("resolved")[index];
                let old = item.clone();
                let obj =
                    item.as_object_mut().ok_or_else(|| Failure::new(500, "InternalServerError", "corrupt item"))?;
                for (k, v) in patch {
                    obj.insert(k, v);
                }
                if let (Some(n), true) = (settings_len, obj.contains_key("settingCount")) {
                    obj.insert("settingCount".into(), json!(n));
                }
                let item = item.clone();
                touch(store, &collection, &id, &now);
                let item = store.item(&collection, &id).cloned().unwrap_or(item);
                (collection, Some(item), Some(old), "Patch")
            }
            Write::Delete { collection, id } => {
                let index = store.find(&collection, &id).ok_or_else(|| Failure::not_found("Resource not found."))?;
                let old = store.collections.get_mut(&collection).expect("resolved").remove(index);
                let prefix = format!("{collection}/{id}/");
                store.collections.retain(|k, _| !k.starts_with(&prefix));
                (collection, None, Some(old), "Delete")
            }
        };
        // Creating or deleting below an item (an assignment, a setting) changes the item that owns it.
        if let (Some((owner, owner_id)), true) = (child_owner(&collection), activity != "Patch") {
            touch(store, &owner, &owner_id, &now);
        }
        Stats::bump(&tenant.stats.writes);
        // A change below an item (a setting of a policy) is a change of the policy that owns it.
        let owner = owner_of(store, &collection, result.as_ref().or(old.as_ref()));
        audit(store, &tenant.info, &now, &collection, activity, owner, old.as_ref(), result.as_ref(), actor);
        Ok(result)
    }
}

/// `(collection, id)` of the top-level object a child collection (`…/{id}/settings`) belongs to.
fn child_owner(collection: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = collection.split('/').collect();
    (parts.len() >= 4).then(|| (parts[..2].join("/"), parts[2].to_string()))
}

/// Bumps `version` and the modified timestamp of an object — of its owner when it is a child object.
fn touch(store: &mut Store, collection: &str, id: &str, now: &str) {
    let (collection, id) = child_owner(collection).unwrap_or_else(|| (collection.to_string(), id.to_string()));
    let Some(i) = store.find(&collection, &id) else { return };
    if let Some(obj) = store.collections.get_mut(&collection).and_then(|c| c[i].as_object_mut()) {
        bump_version(obj);
        let modified = if obj.contains_key("modifiedDateTime") { "modifiedDateTime" } else { "lastModifiedDateTime" };
        obj.insert(modified.into(), json!(now));
    }
}

/// The top-level policy a collection path belongs to, for audit events.
fn owner_of(store: &Store, collection: &str, item: Option<&Value>) -> Value {
    let parts: Vec<&str> = collection.split('/').collect();
    if parts.len() >= 4 {
        let top = parts[..2].join("/");
        if let Some(owner) = store.item(&top, parts[2]) {
            return owner.clone();
        }
    }
    item.cloned().unwrap_or(Value::Null)
}

#[allow(clippy::too_many_arguments)]
fn audit(
    store: &mut Store,
    tenant: &TenantInfo,
    now: &str,
    collection: &str,
    activity: &str,
    owner: Value,
    old: Option<&Value>,
    new: Option<&Value>,
    actor: &Actor,
) {
    let id = generator::uuid(&mut store.rng);
    let correlation = generator::uuid(&mut store.rng);
    let name = owner.get("displayName").or_else(|| owner.get("name")).cloned().unwrap_or(Value::Null);
    let resource_id = owner.get("id").cloned().unwrap_or(Value::Null);
    let changed: Vec<Value> = match (old.and_then(Value::as_object), new.and_then(Value::as_object)) {
        (Some(o), Some(n)) => n
            .iter()
            .filter(|(k, v)| o.get(*k) != Some(*v))
            .map(|(k, v)| json!({"displayName": k, "oldValue": o.get(k).map(|x| x.to_string()), "newValue": v.to_string()}))
            .collect(),
        _ => Vec::new(),
    };
    let kind = collection.split('/').nth(1).unwrap_or(collection);
    let (user, app) = match actor {
        Actor::App { client_id } => (
            Value::Null,
            json!({"appId": client_id, "displayName": "TenantPilot", "servicePrincipalId": tenant.client_id}),
        ),
        Actor::Portal { upn } => (json!({"userPrincipalName": upn, "ipAddress": "198.51.100.7"}), Value::Null),
    };
    if collection.starts_with("identity/") {
        let op = match activity {
            "Create" => "Add",
            "Patch" => "Update",
            _ => "Delete",
        };
        store.collections.entry("auditLogs/directoryAudits".into()).or_default().push(json!({
            "id": id, "category": "Policy", "correlationId": correlation, "result": "success",
            "resultReason": "", "activityDisplayName": format!("{op} conditional access policy"),
            "activityDateTime": now, "loggedByService": "Conditional Access", "operationType": op,
            "initiatedBy": {"user": user, "app": app},
            "targetResources": [{"id": resource_id, "displayName": name, "type": "Policy", "modifiedProperties": changed}]}));
    } else {
        let verb = format!("{activity} {kind}");
        store.collections.entry("deviceManagement/auditEvents".into()).or_default().push(json!({
            "id": id, "displayName": verb, "componentName": kind, "activity": verb, "activityDateTime": now,
            "activityType": verb, "activityOperationType": activity, "activityResult": "Success",
            "correlationId": correlation, "category": kind,
            "actor": {"type": if user.is_null() { "Application" } else { "ItPro" },
                "userPrincipalName": user.get("userPrincipalName"), "applicationDisplayName": app.get("displayName"),
                "applicationId": app.get("appId"), "ipAddress": user.get("ipAddress"), "userPermissions": [], "remoteTenantId": null},
            "resources": [{"displayName": name, "type": kind, "resourceId": resource_id, "modifiedProperties": changed}]}));
    }
}

/// Moves inline navigation arrays (`settings`, `scheduledActionsForRule`, …) out of a body, with ids.
fn take_nav(body: &mut Map<String, Value>, rng: &mut StdRng) -> generator::Children {
    let mut children = Vec::new();
    for name in NAV {
        if let Some(Value::Array(items)) = body.remove(*name) {
            let items = items
                .into_iter()
                .enumerate()
                .map(|(i, mut item)| {
                    if let Some(o) = item.as_object_mut() {
                        if !o.contains_key("id") {
                            let id = if *name == "settings" { i.to_string() } else { generator::uuid(rng) };
                            o.insert("id".into(), json!(id));
                        }
                    }
                    item
                })
                .collect();
            children.push((name.to_string(), items));
        }
    }
    children
}

fn bump_version(obj: &mut Map<String, Value>) {
    let next = match obj.get("version") {
        Some(Value::Number(n)) => Some(json!(n.as_i64().unwrap_or(0) + 1)),
        // App protection policies carry an etag-like string: "\"3\"".
        Some(Value::String(s)) => s.trim_matches('"').parse::<i64>().ok().map(|n| json!(format!("\"{}\"", n + 1))),
        _ => None,
    };
    if let Some(v) = next {
        obj.insert("version".into(), v);
    }
}

/// `encryptedValueToken` is the server's own ciphertext; a client may only send `notEncrypted` values.
fn reject_encrypted_tokens(v: &Value) -> Result<(), Failure> {
    match v {
        Value::Object(o) => {
            if o.get("valueState").and_then(Value::as_str) == Some("encryptedValueToken") {
                return Err(Failure::bad_request(
                    "Secret setting values must be sent with valueState notEncrypted; encryptedValueToken is not accepted.",
                ));
            }
            o.values().try_for_each(reject_encrypted_tokens)
        }
        Value::Array(a) => a.iter().try_for_each(reject_encrypted_tokens),
        _ => Ok(()),
    }
}
