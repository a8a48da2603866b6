//! Request middleware.
//!
//! - [`origin_guard`]: state-changing requests from a foreign origin are refused (403) before anything
//!   runs — a CSRF defence on top of SameSite=Lax cookies. JSON API requests carrying `Authorization`
//!   (bearer tokens, which ignore cookies) are exempt.
//! - [`request_context`]: loads the signed-in user once per request and resolves locale and theme with
//!   the shared rule; both land in request extensions, where pages and server functions read them.
//! - [`server_fn_status`]: server functions answer errors with 500 by default; this maps an `AppError`
//!   body to its real status (401, 403, 404, 409, 422, 429 …).

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tower_sessions::Session;

use app::{auth::server::SessionUser, error::AppError, preferences::server::resolve, state::AppState};

/// True when `origin` (scheme://host[:port]) names this server: the configured public URL or the Host
/// the request was sent to.
fn same_origin(origin: &str, host: Option<&str>, public_url: &str) -> bool {
    if origin.eq_ignore_ascii_case(public_url) {
        return true;
    }
    let authority = origin.split_once("://").map(|(_, a)| a);
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

pub async fn origin_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // JSON API calls that authenticate with `Authorization` ignore cookies, and a browser cannot attach that
    // header to a cross-site request without a CORS preflight the server never grants: nothing to forge.
    if crate::api::v1::problem::is_api_path(req.uri().path()) && req.headers().contains_key(header::AUTHORIZATION) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let cross_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site");
    let foreign = match origin {
        Some("null") => true,
        Some(o) => !same_origin(o, host, &state.config.public_url),
        None => cross_site,
    };
    if foreign {
        tracing::warn!(origin = origin.unwrap_or("-"), "refused cross-origin request");
        let body = AppError::Forbidden;
        return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    }
    next.run(req).await
}

pub async fn request_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/pkg/") || path == "/healthz" {
        return next.run(req).await;
    }
    let user = match req.extensions().get::<Session>() {
        Some(s) => match SessionUser::load(s, &state.db).await {
            Ok(user) => user,
            Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        },
        None => SessionUser::anonymous(),
    };
    let (parts, body) = req.into_parts();
    let prefs = resolve(&parts, user.user(), &state.config, &state.db).await;
    req = Request::from_parts(parts, body);
    req.extensions_mut().insert(user);
    req.extensions_mut().insert(prefs);
    next.run(req).await
}

pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_server_fn = path.starts_with("/api/") && !crate::api::v1::problem::is_api_path(path);
    let res = next.run(req).await;
    if !is_server_fn || res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::same_origin;

    #[test]
    fn origins_match_public_url_or_host() {
        assert!(same_origin("http://127.0.0.1:3000", Some("127.0.0.1:3000"), "http://x"));
        assert!(same_origin("https://tp.example", None, "https://tp.example"));
        assert!(!same_origin("https://evil.example", Some("127.0.0.1:3000"), "http://127.0.0.1:3000"));
        assert!(!same_origin("garbage", Some("127.0.0.1:3000"), "http://127.0.0.1:3000"));
    }
}
