//! The HTTP surface: the router (pages, server functions, the JSON API under `/api/v1`, audit exports,
//! static client files, health) and the middleware stack around it, outermost first: request id → trace
//! span → API problem guard → body limit → origin guard → session → request context (signed-in user,
//! locale, theme) → server-function status mapping.

pub mod audit_export;
pub mod health;
pub mod middleware;
pub mod review_packs;

use std::sync::OnceLock;

use axum::{
    middleware::from_fn,
    middleware::from_fn_with_state,
    routing::{get, post},
    Router,
};
use http::HeaderName;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    trace::TraceLayer,
};

use app::{shell, state::AppState, App};

use crate::{api, sessions::DbSessionStore};

/// Largest accepted request body. Forms and server-function calls are far smaller.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The app's route list, generated once per process. Generating it runs the app with resource loading
/// suppressed through a *process-global* flag in leptos_server: a resource first polled by any other
/// render while that flag is set waits forever (leptos#4773). Servers build one router, but the test
/// harness builds one per test while other tests render in parallel — so generate exactly once.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Builds the complete application router.
pub fn router(state: AppState, sessions: DbSessionStore) -> Router {
    let routes = route_list();
    let opts = state.leptos_options.clone();
    let secure = state.config.secure_cookies();
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/admin/workspaces/{workspace}/audit/export.csv", get(audit_export::export_csv))
        .route("/admin/workspaces/{workspace}/audit/export.json", get(audit_export::export_json))
        .route("/admin/review-packs/{pack}/download", get(review_packs::download))
        .nest(api::v1::PREFIX, api::v1::router())
        .nest_service(
            "/pkg",
            ServeDir::new(format!("{}/{}", state.leptos_options.site_root, state.leptos_options.site_pkg_dir)),
        )
        .leptos_routes_with_context(&state, routes, || {}, move || shell(opts.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Innermost, so the pack upload added after it keeps its own, larger limit.
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .route(
            review_packs::VERIFY_PATH,
            post(review_packs::verify_upload).layer(RequestBodyLimitLayer::new(review_packs::MAX_UPLOAD_BYTES)),
        )
        .layer(from_fn(middleware::server_fn_status))
        .layer(from_fn_with_state(state.clone(), middleware::request_context))
        .layer(sessions.layer(secure))
        .layer(from_fn_with_state(state.clone(), middleware::origin_guard))
        .layer(from_fn(api::v1::problem::ensure_problem))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::extract::Request| {
            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            // Invite tokens are credentials in the path: the span (and every log line in it) shows them redacted.
            let path = app::members::redact_path(req.uri().path());
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %path)
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
        .with_state(state)
}
