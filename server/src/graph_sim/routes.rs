//! The simulator's HTTP surface: `POST /{tenant}/oauth2/v2.0/token` (client credentials, AADSTS errors),
//! `/v1.0/…` and `/beta/…` (list with opaque skip tokens, `$select`, `$expand`, `$filter`, `$top`; get;
//! POST / PATCH / DELETE), `POST /{version}/$batch` (≤ 20 requests, each authorized, faulted and throttled
//! on its own), and `/_sim/…` ([`super::control`]). Every request passes, in order: token check,
//! injected fault, route lookup, licence, role, throttling. Anything malformed gets a Graph-shaped 4xx.

use std::{collections::HashMap, sync::Arc, time::Duration};

use axum::{
    body::{Body, Bytes},
    extract::State,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    Router,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64URL, Engine};
use serde_json::{json, Map, Value};

use super::{
    control,
    faults::{self, FaultKind},
    state::{lock, Actor, Failure, Sim, Stats, Target, TenantState, TokenProblem, Workload, Write},
};

pub fn router(sim: Arc<Sim>) -> Router {
    Router::new().nest("/_sim", control::router()).fallback(dispatch).with_state(sim)
}

async fn dispatch(State(sim): State<Arc<Sim>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if let [tenant, "oauth2", "v2.0", "token"] = segments.as_slice() {
        if method != Method::POST {
            return graph_error(405, "MethodNotAllowed", "The token endpoint accepts POST only.");
        }
        return token_endpoint(&sim, tenant, &path, &body).await;
    }
    match segments.split_first() {
        Some((&version, ["$batch"])) if version == "beta" || version == "v1.0" => {
            if method != Method::POST {
                return graph_error(405, "MethodNotAllowed", "$batch accepts POST only.");
            }
            batch(&sim, version, &headers, &body).await
        }
        Some((&version, rest)) if (version == "beta" || version == "v1.0") && !rest.is_empty() => {
            let rest = rest.join("/");
            graph(&sim, &method, version, rest.trim_end_matches('/'), &uri, &headers, &body).await
        }
        _ => graph_error(400, "BadRequest", "Invalid version: use /v1.0 or /beta."),
    }
}

/// `{"error":{"code":…,"message":…,"innerError":{…}}}` with the given status.
pub fn graph_error(status: u16, code: &str, message: &str) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let body = json!({"error": {"code": code, "message": message,
        "innerError": {"date": date, "request-id": request_id, "client-request-id": request_id}}});
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut resp = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("request-id", v);
    }
    resp
}

fn failure(f: Failure) -> Response {
    graph_error(f.status, f.code, &f.message)
}

fn throttled(retry_after: Option<f64>) -> Response {
    let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let body = json!({"error": {"code": "TooManyRequests", "message": "Please retry again later.",
        "innerError": {"code": "429", "date": date, "message": "Please retry after",
            "request-id": uuid::Uuid::new_v4().to_string(), "status": "429"}}});
    let mut resp = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    if let Some(s) = retry_after {
        // Whole seconds as an integer, anything else with up to three decimals ("2.128").
        let text =
            if s.fract() == 0.0 { format!("{s:.0}") } else { format!("{:.3}", s).trim_end_matches('0').to_string() };
        if let Ok(v) = HeaderValue::from_str(&text) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

/// What an injected fault does to this request.
enum Injected {
    /// Answer with this instead.
    Replace(Response),
    /// Serve normally, then spoil the body.
    Spoil(FaultKind),
    None,
}

async fn inject(tenant: &TenantState, method: &Method, path: &str, token_endpoint: bool) -> Injected {
    let Some(kind) = faults::take(&mut lock(&tenant.faults), method.as_str(), path, token_endpoint) else {
        return Injected::None;
    };
    Stats::bump(&tenant.stats.faults_served);
    match kind {
        FaultKind::Throttle { retry_after } => Injected::Replace(throttled(retry_after)),
        FaultKind::Status { status } => {
            let code = match status {
                503 => "ServiceUnavailable",
                504 => "GatewayTimeout",
                500 => "InternalServerError",
                _ => "UnknownError",
            };
            Injected::Replace(graph_error(status, code, "The service is temporarily unavailable."))
        }
        FaultKind::Slow { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Injected::None
        }
        FaultKind::ExpiredToken => Injected::Replace(graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
        )),
        FaultKind::Forbidden => Injected::Replace(graph_error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )),
        FaultKind::NotLicensed => {
            Injected::Replace(graph_error(400, "BadRequest", "Request not applicable to target tenant."))
        }
        k @ (FaultKind::Truncated | FaultKind::Malformed | FaultKind::Reorder | FaultKind::FilterNames) => {
            Injected::Spoil(k)
        }
    }
}

/// Truncated: announce the full length, send half, then fail the stream (the connection is dropped).
/// Malformed: a 200 whose body is not JSON. Reorder / FilterNames: valid JSON with the quirk applied.
async fn spoil(tenant: &TenantState, kind: FaultKind, resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    match kind {
        FaultKind::Reorder | FaultKind::FilterNames => {
            let Ok(mut json) = serde_json::from_slice::<Value>(&bytes) else {
                return Response::from_parts(parts, Body::from(bytes));
            };
            if kind == FaultKind::Reorder {
                // Within each object only: the order of the list itself must stay stable across pages.
                match json.get_mut("value").and_then(Value::as_array_mut) {
                    Some(items) => items.iter_mut().for_each(reverse_arrays),
                    None => reverse_arrays(&mut json),
                }
            } else {
                let names: HashMap<String, Value> = lock(&tenant.store)
                    .items("deviceManagement/assignmentFilters")
                    .iter()
                    .filter_map(|f| Some((f["id"].as_str()?.to_string(), f["displayName"].clone())))
                    .collect();
                name_filters(&mut json, &names);
            }
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(json.to_string()))
        }
        FaultKind::Truncated => {
            let half = bytes.slice(..bytes.len() / 2);
            parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            // Let the head and the first half reach the client before the stream fails.
            let cut = futures_util::stream::once(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Err(std::io::Error::other("graph-sim: truncated response"))
            });
            let stream =
                futures_util::StreamExt::chain(futures_util::stream::iter([Ok::<_, std::io::Error>(half)]), cut);
            Response::from_parts(parts, Body::from_stream(stream))
        }
        _ => {
            parts.status = StatusCode::OK;
            parts.headers.remove(header::CONTENT_LENGTH);
            let cut = bytes.len() / 3;
            let mut broken = bytes.slice(..cut).to_vec();
            broken.extend_from_slice(b"<!-- upstream error -->,,}");
            Response::from_parts(parts, Body::from(broken))
        }
    }
}

fn reverse_arrays(v: &mut Value) {
    match v {
        Value::Array(a) => {
            a.reverse();
            a.iter_mut().for_each(reverse_arrays);
        }
        Value::Object(o) => o.values_mut().for_each(reverse_arrays),
        _ => {}
    }
}

fn name_filters(v: &mut Value, names: &HashMap<String, Value>) {
    match v {
        Value::Object(o) => {
            if let Some(slot) = o.get_mut("deviceAndAppManagementAssignmentFilterId") {
                if let Some(name) = slot.as_str().and_then(|id| names.get(id)) {
                    *slot = name.clone();
                }
            }
            o.values_mut().for_each(|x| name_filters(x, names));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| name_filters(x, names)),
        _ => {}
    }
}

fn aad_error(status: u16, error: &str, code: u32, message: &str) -> Response {
    let now = chrono::Utc::now();
    let trace = uuid::Uuid::new_v4().to_string();
    let correlation = uuid::Uuid::new_v4().to_string();
    let ts = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
    let body = json!({"error": error,
        "error_description": format!("AADSTS{code}: {message} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {ts}"),
        "error_codes": [code], "timestamp": ts, "trace_id": trace, "correlation_id": correlation,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}")});
    (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), axum::Json(body)).into_response()
}

async fn token_endpoint(sim: &Sim, tenant_key: &str, path: &str, body: &[u8]) -> Response {
    let Some(tenant) = sim.tenant(tenant_key) else {
        return aad_error(
            400,
            "invalid_tenant",
            90002,
            &format!("Tenant '{tenant_key}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
        );
    };
    Stats::bump(&tenant.stats.token_requests);
    let spoil_with = match inject(tenant, &Method::POST, path, true).await {
        Injected::Replace(r) => return r,
        Injected::Spoil(k) => Some(k),
        Injected::None => None,
    };
    let resp = issue(sim, tenant, body);
    match spoil_with {
        Some(k) => spoil(tenant, k, resp).await,
        None => resp,
    }
}

fn issue(sim: &Sim, tenant: &TenantState, body: &[u8]) -> Response {
    let Ok(form) = serde_urlencoded::from_bytes::<HashMap<String, String>>(body) else {
        return aad_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        );
    };
    let param = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    for name in ["grant_type", "client_id", "scope"] {
        if param(name).is_none() {
            return aad_error(
                400,
                "invalid_request",
                900144,
                &format!("The request body must contain the following parameter: '{name}'."),
            );
        }
    }
    if param("grant_type") != Some("client_credentials") {
        return aad_error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
    }
    let flags = lock(&tenant.flags).clone();
    let client_id = param("client_id").unwrap_or_default();
    if !client_id.eq_ignore_ascii_case(&tenant.info.client_id) || !flags.consented {
        return aad_error(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.",
                tenant.info.domain
            ),
        );
    }
    if param("scope") != Some("https://graph.microsoft.com/.default") {
        return aad_error(
            400,
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
        );
    }
    let Some(secret) = param("client_secret") else {
        return aad_error(
            401,
            "invalid_client",
            7000216,
            "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
        );
    };
    if secret != tenant.info.client_secret {
        return aad_error(
            401,
            "invalid_client",
            7000215,
            &format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
        );
    }
    if flags.secret_expired {
        return aad_error(
            401,
            "invalid_client",
            7000222,
            &format!("The provided client secret keys for app '{client_id}' are expired."),
        );
    }
    let (token, life) = sim.issue_token(tenant);
    axum::Json(json!({"token_type": "Bearer", "expires_in": life, "ext_expires_in": life, "access_token": token}))
        .into_response()
}

/// JSON batching: `{"requests":[{"id","method","url","headers"?,"body"?}]}` → `{"responses":[{"id","status",
/// "headers","body"}]}`. Inner requests run in order through the same path as single requests, so an inner
/// 429 carries its own Retry-After in `headers`.
async fn batch(sim: &Sim, version: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    #[derive(serde::Deserialize)]
    struct Inner {
        id: String,
        method: String,
        url: String,
        #[serde(default)]
        body: Option<Value>,
    }
    #[derive(serde::Deserialize)]
    struct Batch {
        requests: Vec<Inner>,
    }
    if let Err(e) = sim.verify_token(headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())) {
        let message = if e == TokenProblem::Expired {
            "Access token has expired or is not yet valid."
        } else {
            "Access token validation failure."
        };
        return graph_error(401, "InvalidAuthenticationToken", message);
    }
    let batch: Batch = match serde_json::from_slice(body) {
        Ok(b) => b,
        Err(e) => return graph_error(400, "BadRequest", &format!("Invalid batch payload: {e}")),
    };
    if batch.requests.is_empty() || batch.requests.len() > 20 {
        return graph_error(400, "BadRequest", "A batch must contain between 1 and 20 requests.");
    }
    let ids: std::collections::HashSet<&str> = batch.requests.iter().map(|r| r.id.as_str()).collect();
    if ids.len() != batch.requests.len() {
        return graph_error(400, "BadRequest", "Batch request ids must be unique.");
    }
    let mut responses = Vec::new();
    for r in batch.requests {
        let target = format!("/{version}/{}", r.url.trim_start_matches('/'));
        let method = Method::from_bytes(r.method.to_ascii_uppercase().as_bytes()).ok();
        let resp = match (method, target.parse::<Uri>()) {
            (Some(method), Ok(uri)) => {
                let path = uri.path().trim_start_matches(&format!("/{version}/")).trim_end_matches('/').to_string();
                let inner_body = r.body.map(|b| b.to_string()).unwrap_or_default();
                graph(sim, &method, version, &path, &uri, headers, inner_body.as_bytes()).await
            }
            _ => graph_error(400, "BadRequest", "Invalid method or URL in batch request."),
        };
        let status = resp.status().as_u16();
        let mut inner_headers = Map::new();
        for name in [header::RETRY_AFTER, header::CONTENT_TYPE] {
            if let Some(v) = resp.headers().get(&name).and_then(|v| v.to_str().ok()) {
                inner_headers.insert(name.to_string(), json!(v));
            }
        }
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap_or_default();
        let body = serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null);
        responses.push(json!({"id": r.id, "status": status, "headers": inner_headers, "body": body}));
    }
    axum::Json(json!({"responses": responses})).into_response()
}

/// A family of routes: the documented limit it counts against, the roles it needs, whether it is Intune.
struct RouteSpec {
    prefix: &'static str,
    workload: Workload,
    read_role: &'static str,
    write_role: Option<&'static str>,
    intune: bool,
}

const ROUTES: &[RouteSpec] = &[
    RouteSpec {
        prefix: "deviceManagement/auditEvents",
        workload: Workload::Intune,
        read_role: "DeviceManagementApps.Read.All",
        write_role: None,
        intune: true,
    },
    RouteSpec {
        prefix: "deviceManagement",
        workload: Workload::Intune,
        read_role: "DeviceManagementConfiguration.Read.All",
        write_role: Some("DeviceManagementConfiguration.ReadWrite.All"),
        intune: true,
    },
    RouteSpec {
        prefix: "deviceAppManagement",
        workload: Workload::Intune,
        read_role: "DeviceManagementApps.Read.All",
        write_role: Some("DeviceManagementApps.ReadWrite.All"),
        intune: true,
    },
    RouteSpec {
        prefix: "identity/conditionalAccess",
        workload: Workload::ConditionalAccess,
        read_role: "Policy.Read.All",
        write_role: Some("Policy.ReadWrite.ConditionalAccess"),
        intune: false,
    },
    RouteSpec {
        prefix: "auditLogs/directoryAudits",
        workload: Workload::Directory,
        read_role: "AuditLog.Read.All",
        write_role: None,
        intune: false,
    },
    RouteSpec {
        prefix: "groups",
        workload: Workload::Directory,
        read_role: "Group.Read.All",
        write_role: None,
        intune: false,
    },
    RouteSpec {
        prefix: "organization",
        workload: Workload::Directory,
        read_role: "Organization.Read.All",
        write_role: None,
        intune: false,
    },
];

fn route_spec(path: &str) -> Option<&'static RouteSpec> {
    ROUTES.iter().find(|r| path == r.prefix || path.strip_prefix(r.prefix).is_some_and(|rest| rest.starts_with('/')))
}

async fn graph(
    sim: &Sim,
    method: &Method,
    version: &str,
    path: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let (tenant, claims) = match sim.verify_token(auth) {
        Ok(t) => t,
        Err(TokenProblem::Missing) => return graph_error(401, "InvalidAuthenticationToken", "Access token is empty."),
        Err(TokenProblem::Expired) => {
            return graph_error(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
        }
        Err(TokenProblem::Invalid) => {
            return graph_error(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure. Invalid audience or signature.",
            )
        }
    };
    Stats::bump(&tenant.stats.graph_requests);
    let spoil_with = match inject(tenant, method, uri.path(), false).await {
        Injected::Replace(r) => return r,
        Injected::Spoil(k) => Some(k),
        Injected::None => None,
    };
    let resp = serve(sim, tenant, &claims.appid, method, version, path, uri, body).unwrap_or_else(failure);
    match spoil_with {
        Some(k) => spoil(tenant, k, resp).await,
        None => resp,
    }
}

#[allow(clippy::too_many_arguments)]
fn serve(
    sim: &Sim,
    tenant: &TenantState,
    app_id: &str,
    method: &Method,
    version: &str,
    path: &str,
    uri: &Uri,
    body: &[u8],
) -> Result<Response, Failure> {
    let first = path.split('/').next().unwrap_or_default();
    let spec = route_spec(path)
        .ok_or_else(|| Failure::bad_request(format!("Resource not found for the segment '{first}'.")))?;
    let write = *method != Method::GET;
    let flags = lock(&tenant.flags).clone();
    if spec.intune && !flags.licensed {
        return Err(Failure::bad_request("Request not applicable to target tenant."));
    }
    let has = |role: &str| flags.roles.iter().any(|r| r == role);
    let allowed = match (write, spec.write_role) {
        (false, w) => has(spec.read_role) || w.is_some_and(has),
        (true, Some(w)) => has(w),
        (true, None) => false,
    };
    if !allowed {
        return Err(Failure::new(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ));
    }
    if let Err(retry_after) = tenant.throttle(spec.workload, write) {
        return Ok(throttled(retry_after));
    }
    let params: Vec<(String, String)> = serde_urlencoded::from_str(uri.query().unwrap_or(""))
        .map_err(|_| Failure::bad_request("The query string is not valid."))?;
    let actor = Actor::App { client_id: app_id.to_string() };
    let target = lock(&tenant.store).resolve(path);
    match (method.as_str(), target) {
        (_, None) => Err(Failure::not_found(format!(
            "Resource '{path}' does not exist or one of its queried reference-property objects are not present."
        ))),
        ("GET", Some(Target::Collection(key))) => list(sim, tenant, version, &key, &params),
        ("GET", Some(Target::Item { collection, id })) => {
            let q = Options::parse(&params)?;
            let store = lock(&tenant.store);
            let item =
                store.item(&collection, &id).cloned().ok_or_else(|| Failure::not_found("Resource not found."))?;
            let mut item = q.shape(&store, &collection, item);
            if let Some(o) = item.as_object_mut() {
                o.insert(
                    "@odata.context".into(),
                    json!(format!("{}/{version}/$metadata#{collection}/$entity", sim.base_url)),
                );
            }
            Ok(axum::Json(item).into_response())
        }
        ("POST", Some(Target::Collection(collection))) => {
            let body = json_object(body)?;
            let item = sim.write(tenant, Write::Create { collection, body }, &actor)?;
            Ok((StatusCode::CREATED, axum::Json(item.unwrap_or(Value::Null))).into_response())
        }
        ("PATCH", Some(Target::Item { collection, id })) => {
            let patch = json_object(body)?;
            let conditional_access = collection.starts_with("identity/");
            let item = sim.write(tenant, Write::Update { collection, id, patch }, &actor)?;
            Ok(if conditional_access {
                StatusCode::NO_CONTENT.into_response()
            } else {
                axum::Json(item.unwrap_or(Value::Null)).into_response()
            })
        }
        ("DELETE", Some(Target::Item { collection, id })) => {
            sim.write(tenant, Write::Delete { collection, id }, &actor)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(Failure::new(405, "MethodNotAllowed", format!("{method} is not supported on '{path}'."))),
    }
}

fn json_object(body: &[u8]) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(Failure::bad_request("The request body must be a JSON object.")),
        Err(e) => Err(Failure::bad_request(format!("Unable to read JSON request payload: {e}"))),
    }
}

/// Parsed OData options.
#[derive(Debug, Default)]
struct Options {
    select: Vec<String>,
    expand: Vec<String>,
    filter: Option<(String, String, Value)>,
    top: Option<usize>,
    skiptoken: Option<String>,
}

impl Options {
    fn parse(params: &[(String, String)]) -> Result<Self, Failure> {
        let mut o = Options::default();
        for (k, v) in params {
            match k.as_str() {
                "$select" => o.select = v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
                "$expand" => o.expand = split_expand(v),
                "$filter" => o.filter = Some(parse_filter(v)?),
                "$top" => {
                    o.top = Some(
                        v.parse().ok().filter(|n| *n > 0).ok_or_else(|| Failure::bad_request("Invalid $top value."))?,
                    )
                }
                "$skiptoken" => o.skiptoken = Some(v.clone()),
                _ if k.starts_with('$') && !matches!(k.as_str(), "$count" | "$orderby") => {
                    return Err(Failure::bad_request(format!("Query option '{k}' is not supported.")))
                }
                _ => {}
            }
        }
        Ok(o)
    }

    /// Applies `$expand` (child collections inline) and `$select` (top-level fields; `id` and
    /// `@odata.type` always stay).
    fn shape(&self, store: &super::state::Store, collection: &str, mut item: Value) -> Value {
        let id = item["id"].as_str().unwrap_or_default().to_string();
        if let Some(o) = item.as_object_mut() {
            for name in &self.expand {
                if o.get(name).is_some_and(|v| !v.is_null()) {
                    continue; // stored inline already (e.g. a definition value's `definition`)
                }
                o.insert(name.clone(), Value::Array(store.items(&format!("{collection}/{id}/{name}")).to_vec()));
            }
            if !self.select.is_empty() {
                o.retain(|k, _| {
                    k == "id"
                        || k == "@odata.type"
                        || self.select.iter().any(|s| s == k)
                        || self.expand.iter().any(|e| e == k)
                });
            }
        }
        item
    }
}

/// `a,b($expand=c),d` → `[a, b, d]` (nested options are served from what is stored inline).
fn split_expand(v: &str) -> Vec<String> {
    let (mut out, mut depth, mut cur) = (Vec::new(), 0i32, String::new());
    for ch in v.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ if depth == 0 => cur.push(ch),
            _ => {}
        }
    }
    out.push(cur);
    out.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// `field op value` with op ∈ eq, ne, gt, ge, lt, le; value `'text'`, a number, `true`/`false`/`null`,
/// or a bare date-time. Anything else is a 400, never a silently wrong result.
fn parse_filter(f: &str) -> Result<(String, String, Value), Failure> {
    let invalid = || Failure::bad_request(format!("Invalid filter clause: '{f}' is not supported by the simulator."));
    let mut parts = f.trim().splitn(3, ' ');
    let (field, op, raw) =
        (parts.next().ok_or_else(invalid)?, parts.next().ok_or_else(invalid)?, parts.next().ok_or_else(invalid)?);
    if !["eq", "ne", "gt", "ge", "lt", "le"].contains(&op) || field.is_empty() {
        return Err(invalid());
    }
    let raw = raw.trim();
    let value = if let Some(s) = raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        Value::String(s.replace("''", "'"))
    } else if let Ok(v) = serde_json::from_str::<Value>(raw) {
        v
    } else if chrono::DateTime::parse_from_rfc3339(raw).is_ok() {
        Value::String(raw.to_string())
    } else {
        return Err(invalid());
    };
    Ok((field.to_string(), op.to_string(), value))
}

fn filter_matches(item: &Value, (field, op, want): &(String, String, Value)) -> bool {
    let pointer = format!("/{field}");
    let have = item.pointer(&pointer).unwrap_or(&Value::Null);
    let ord = match (have, want) {
        (Value::String(a), Value::String(b)) => Some(a.as_str().cmp(b.as_str())),
        (Value::Number(a), Value::Number(b)) => a.as_f64().zip(b.as_f64()).and_then(|(a, b)| a.partial_cmp(&b)),
        _ => None,
    };
    match op.as_str() {
        "eq" => have == want,
        "ne" => have != want,
        "gt" => ord == Some(std::cmp::Ordering::Greater),
        "ge" => matches!(ord, Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)),
        "lt" => ord == Some(std::cmp::Ordering::Less),
        "le" => matches!(ord, Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)),
        _ => false,
    }
}

fn list(
    sim: &Sim,
    tenant: &TenantState,
    version: &str,
    key: &str,
    params: &[(String, String)],
) -> Result<Response, Failure> {
    let q = Options::parse(params)?;
    // The skip token binds the offset to this collection and these options, so it cannot be forged or reused.
    let rest: Vec<(String, String)> = params.iter().filter(|(k, _)| k != "$skiptoken").cloned().collect();
    let canonical = serde_urlencoded::to_string(&rest).unwrap_or_default();
    let digest = sim.digest(&[&tenant.info.tenant_id, key, &canonical]);
    let offset = match &q.skiptoken {
        None => 0,
        Some(t) => B64URL
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| {
                let (off, d) = s.split_once(':')?;
                (d == digest).then(|| off.parse::<usize>().ok()).flatten()
            })
            .ok_or_else(|| Failure::bad_request("The $skiptoken is invalid or does not belong to this query."))?,
    };
    let size = q.top.unwrap_or(sim.config.page_size).min(sim.config.page_size).max(1);
    let store = lock(&tenant.store);
    let matching: Vec<&Value> =
        store.items(key).iter().filter(|i| q.filter.as_ref().is_none_or(|f| filter_matches(i, f))).collect();
    let page: Vec<Value> =
        matching.iter().skip(offset).take(size).map(|i| q.shape(&store, key, (*i).clone())).collect();
    let mut body = json!({"@odata.context": format!("{}/{version}/$metadata#{key}", sim.base_url)});
    if offset == 0 && params.iter().any(|(k, v)| k == "$count" && v == "true") {
        body["@odata.count"] = json!(matching.len());
    }
    body["value"] = Value::Array(page);
    let next = offset + size;
    if next < matching.len() {
        let token = B64URL.encode(format!("{next}:{digest}"));
        let mut next_params = rest;
        next_params.push(("$skiptoken".into(), token));
        let query = serde_urlencoded::to_string(&next_params).unwrap_or_default();
        body["@odata.nextLink"] = json!(format!("{}/{version}/{key}?{query}", sim.base_url));
    }
    Ok(axum::Json(body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_and_filter_parsing() {
        assert_eq!(
            split_expand("scheduledActionsForRule($expand=scheduledActionConfigurations),assignments"),
            vec!["scheduledActionsForRule", "assignments"]
        );
        let f = parse_filter("activityDateTime gt 2026-01-01T00:00:00Z").unwrap();
        assert!(filter_matches(&json!({"activityDateTime": "2026-02-01T00:00:00Z"}), &f));
        assert!(!filter_matches(&json!({"activityDateTime": "2025-02-01T00:00:00Z"}), &f));
        let f = parse_filter("displayName eq 'O''Brien'").unwrap();
        assert!(filter_matches(&json!({"displayName": "O'Brien"}), &f));
        assert!(parse_filter("startswith(displayName,'x')").is_err());
        assert!(parse_filter("a eq").is_err());
        assert!(parse_filter("a like 'x'").is_err());
    }

    #[test]
    fn retry_after_text() {
        let h = |s| throttled(Some(s)).headers().get(header::RETRY_AFTER).unwrap().to_str().unwrap().to_string();
        assert_eq!(h(3.0), "3");
        assert_eq!(h(2.128), "2.128");
        assert_eq!(h(0.5), "0.5");
        assert!(throttled(None).headers().get(header::RETRY_AFTER).is_none());
    }
}
