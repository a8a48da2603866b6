//! JSON API v1, mounted at [`PREFIX`]. Layout — one module per resource, each exporting `resource()`:
//!
//! - [`route`]: the route table types ([`route::Resource`], [`route::ApiRoute`], [`route::Operation`]);
//! - [`extract`]: authentication ([`extract::Caller`]: bearer token or session cookie), JSON bodies,
//!   pagination; [`problem`]: errors as `application/problem+json`; [`openapi`]: the generated document;
//! - resources: [`session`], [`me`], [`workspaces`], [`tenants`], [`members`], [`audit`], [`connections`],
//!   [`runs`], [`inventory`], [`baselines`], [`findings`].
//!
//! Adding a resource (e.g. members, audit) is one file with a `resource()` and one line in
//! [`resources`]: the router, the OpenAPI document and the tests that sweep both pick it up.
//! Handlers never hold SQL or authorization of their own: they enter through [`extract::Scoped`]
//! (`app::authz::server::enter`, the one way in shared with the server functions) and call the same
//! services, which require the capabilities. `tests/parity.rs` pairs every route with its server function.

pub mod audit;
pub mod baselines;
pub mod connections;
pub mod extract;
pub mod findings;
pub mod inventory;
pub mod me;
pub mod members;
pub mod openapi;
pub mod problem;
pub mod reviews;
pub mod route;
pub mod runs;
pub mod session;
pub mod tenants;
pub mod workspaces;

use axum::{
    extract::Request,
    http::{header, HeaderValue, Method},
    middleware::{from_fn, Next},
    response::Response,
    Router,
};

use app::{auth::server::RequestMeta, state::AppState};

/// Where the API is mounted.
pub const PREFIX: &str = "/api/v1";

/// Every resource of the API, in documentation order.
pub fn resources() -> Vec<route::Resource> {
    vec![
        session::resource(),
        me::resource(),
        workspaces::resource(),
        tenants::resource(),
        members::resource(),
        audit::resource(),
        connections::resource(),
        runs::resource(),
        inventory::resource(),
        baselines::resource(),
        findings::resource(),
        reviews::resource(),
        openapi::resource(),
    ]
}

/// Every (method, path relative to [`PREFIX`]) the router serves — the table the router is built from.
pub fn route_table() -> Vec<(Method, &'static str)> {
    resources().into_iter().flat_map(|r| r.routes.into_iter().map(|route| (route.method, route.path))).collect()
}

/// The API router (to be nested at [`PREFIX`]).
pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for resource in resources() {
        for route in resource.routes {
            router = router.route(route.path, route.handler);
        }
    }
    router
        .fallback(problem::not_found)
        .method_not_allowed_fallback(problem::method_not_allowed)
        .layer(from_fn(request_scope))
}

/// Makes the request's client address and user agent available to services (audit) outside Leptos, and
/// marks every API response as not cacheable.
async fn request_scope(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let meta = RequestMeta::from_parts(Some(&parts));
    let req = Request::from_parts(parts, body);
    let mut res = meta.scope(next.run(req)).await;
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
