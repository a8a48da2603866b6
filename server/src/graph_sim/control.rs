//! The control API under `/_sim` (JSON in, JSON out; errors Graph-shaped):
//!
//! | method and path                         | does                                                        |
//! |-----------------------------------------|-------------------------------------------------------------|
//! | `GET /_sim/tenants`                     | tenants with the credentials they accept, and their flags   |
//! | `PATCH /_sim/tenants/{tid}`             | set `licensed`, `consented`, `secret_expired`, `roles`       |
//! | `GET /_sim/tenants/{tid}/stats`         | token requests, tokens issued, Graph requests, 429s, writes  |
//! | `GET/POST/DELETE /_sim/tenants/{tid}/faults` | list, add ([`Fault`]) or clear injected faults          |
//! | `POST /_sim/tenants/{tid}/drift`        | change, delete or add a policy as a portal admin would       |

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{
    faults::Fault,
    generator,
    routes::graph_error,
    state::{lock, Actor, Failure, Sim, Target, TenantState, Write},
};

pub fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route("/tenants", get(tenants))
        .route("/tenants/{tid}", get(tenant).patch(set_flags))
        .route("/tenants/{tid}/stats", get(stats))
        .route("/tenants/{tid}/faults", get(list_faults).post(add_fault).delete(clear_faults))
        .route("/tenants/{tid}/drift", post(drift))
        .fallback(|| async { graph_error(404, "NotFound", "Unknown control endpoint.") })
}

fn describe(t: &TenantState) -> Value {
    json!({"tenant_id": t.info.tenant_id, "display_name": t.info.display_name, "domain": t.info.domain,
        "client_id": t.info.client_id, "client_secret": t.info.client_secret, "flags": *lock(&t.flags)})
}

fn find<'a>(sim: &'a Sim, tid: &str) -> Result<&'a TenantState, Failure> {
    sim.tenant(tid).ok_or_else(|| Failure::new(404, "NotFound", "No such simulated tenant."))
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(body).map_err(|e| Failure::bad_request(format!("Invalid control request: {e}")))
}

fn reply(r: Result<Response, Failure>) -> Response {
    r.unwrap_or_else(|f| graph_error(f.status, f.code, &f.message))
}

async fn tenants(State(sim): State<Arc<Sim>>) -> Response {
    Json(sim.tenants.iter().map(describe).collect::<Vec<_>>()).into_response()
}

async fn tenant(State(sim): State<Arc<Sim>>, Path(tid): Path<String>) -> Response {
    reply(find(&sim, &tid).map(|t| Json(describe(t)).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlagsPatch {
    licensed: Option<bool>,
    consented: Option<bool>,
    secret_expired: Option<bool>,
    roles: Option<Vec<String>>,
}

async fn set_flags(State(sim): State<Arc<Sim>>, Path(tid): Path<String>, body: Bytes) -> Response {
    let run = || -> Result<Response, Failure> {
        let t = find(&sim, &tid)?;
        let p: FlagsPatch = parse(&body)?;
        let mut f = lock(&t.flags);
        f.licensed = p.licensed.unwrap_or(f.licensed);
        f.consented = p.consented.unwrap_or(f.consented);
        f.secret_expired = p.secret_expired.unwrap_or(f.secret_expired);
        if let Some(r) = p.roles {
            f.roles = r;
        }
        Ok(Json(f.clone()).into_response())
    };
    reply(run())
}

async fn stats(State(sim): State<Arc<Sim>>, Path(tid): Path<String>) -> Response {
    reply(find(&sim, &tid).map(|t| Json(t.stats.snapshot()).into_response()))
}

async fn list_faults(State(sim): State<Arc<Sim>>, Path(tid): Path<String>) -> Response {
    reply(find(&sim, &tid).map(|t| Json(lock(&t.faults).clone()).into_response()))
}

async fn add_fault(State(sim): State<Arc<Sim>>, Path(tid): Path<String>, body: Bytes) -> Response {
    let run = || -> Result<Response, Failure> {
        let t = find(&sim, &tid)?;
        let fault: Fault = parse(&body)?;
        fault.validate().map_err(Failure::bad_request)?;
        let mut faults = lock(&t.faults);
        faults.push(fault);
        Ok((StatusCode::CREATED, Json(faults.clone())).into_response())
    };
    reply(run())
}

async fn clear_faults(State(sim): State<Arc<Sim>>, Path(tid): Path<String>) -> Response {
    reply(find(&sim, &tid).map(|t| {
        lock(&t.faults).clear();
        StatusCode::NO_CONTENT.into_response()
    }))
}

/// A drift operation. `path` is below the API root, e.g. `deviceManagement/deviceConfigurations/{id}` or
/// `deviceManagement/configurationPolicies/{id}/settings/0`.
#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum Drift {
    /// Merge `set` into the object's top-level fields, or replace the value at JSON `pointer` with `value`.
    Update {
        path: String,
        #[serde(default)]
        set: Option<Map<String, Value>>,
        #[serde(default)]
        pointer: Option<String>,
        #[serde(default)]
        value: Option<Value>,
    },
    Delete {
        path: String,
    },
    /// Add a generated policy to one of the policy collections (see `generator::FAMILIES`).
    Add {
        collection: String,
    },
}

async fn drift(State(sim): State<Arc<Sim>>, Path(tid): Path<String>, body: Bytes) -> Response {
    let run = || -> Result<Response, Failure> {
        let t = find(&sim, &tid)?;
        let op: Drift = parse(&body)?;
        let actor = Actor::Portal { upn: format!("admin@{}", t.info.domain) };
        let bad = |m: &str| Failure::bad_request(m);
        let item_at = |path: &str| match lock(&t.store).resolve(path.trim_matches('/')) {
            Some(Target::Item { collection, id }) => Ok((collection, id)),
            _ => Err(Failure::not_found("No object at this path.")),
        };
        let write = match op {
            Drift::Update { path, set, pointer, value } => {
                let (collection, id) = item_at(&path)?;
                let patch = match (set, pointer, value) {
                    (Some(set), None, None) => set,
                    (None, Some(pointer), Some(value)) => {
                        let mut item = lock(&t.store).item(&collection, &id).cloned().unwrap_or(Value::Null);
                        let slot =
                            item.pointer_mut(&pointer).ok_or_else(|| bad("pointer does not name an existing value"))?;
                        *slot = value;
                        let top = pointer.trim_start_matches('/').split('/').next().unwrap_or_default().to_string();
                        let mut m = Map::new();
                        m.insert(top.clone(), item.get(&top).cloned().unwrap_or(Value::Null));
                        m
                    }
                    _ => return Err(bad("update needs either `set` or `pointer` with `value`")),
                };
                Write::Update { collection, id, patch }
            }
            Drift::Delete { path } => {
                let (collection, id) = item_at(&path)?;
                Write::Delete { collection, id }
            }
            Drift::Add { collection } => {
                if !generator::FAMILIES.iter().any(|(f, _)| *f == collection) {
                    return Err(bad("collection must be one of the generated policy families"));
                }
                let mut store = lock(&t.store);
                let n = store.items(&collection).len();
                let ctx = store.ctx.clone();
                let (item, children) = generator::policy(&mut store.rng, &ctx, &collection, n);
                Write::Insert { collection, item, children }
            }
        };
        let result = sim.write(t, write, &actor)?;
        Ok(Json(result.unwrap_or(Value::Null)).into_response())
    };
    reply(run())
}
