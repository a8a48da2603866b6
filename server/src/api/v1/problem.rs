//! Errors as `application/problem+json` (RFC 9457). Every error of the API — from handlers, extractors,
//! the router's fallbacks and the outer middleware (origin guard, body limit) — leaves in this one shape:
//!
//! ```json
//! { "type": "urn:tenantpilot:problem:validation", "title": "Invalid input", "status": 422,
//!   "detail": "…", "code": "validation", "errors": [{ "field": "display_name", "code": "required" }] }
//! ```
//!
//! `code` is [`AppError::code`], stable and never localized; `errors` only for validation, `reason` (the
//! conflict's own code) only for 409, `retry_after` (seconds, also the `Retry-After` header) only for 429.

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

use app::error::AppError;

pub const PROBLEM_JSON: &str = "application/problem+json";
/// Challenge sent with every 401 of the API.
pub const BEARER_CHALLENGE: &str = r#"Bearer realm="tenantpilot""#;
const INVALID_TOKEN_CHALLENGE: &str = r#"Bearer realm="tenantpilot", error="invalid_token""#;

/// An API error: the application error plus, optionally, a more specific English `detail`.
#[derive(Debug)]
pub struct ApiError {
    pub error: AppError,
    pub detail: Option<String>,
    /// The request presented a bearer token that was refused (RFC 6750 `error="invalid_token"`).
    pub invalid_token: bool,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self { error, detail: None, invalid_token: false }
    }
}

impl ApiError {
    pub fn with_detail(error: AppError, detail: impl Into<String>) -> Self {
        Self { error, detail: Some(detail.into()), invalid_token: false }
    }

    pub fn invalid_token(error: AppError) -> Self {
        let detail = (error == AppError::Unauthenticated)
            .then(|| "The bearer token is malformed, unknown, expired or revoked.".to_string());
        Self { error, detail, invalid_token: true }
    }
}

/// English title per code (RFC 9457: the same for every occurrence of a type).
pub fn title(error: &AppError) -> &'static str {
    match error {
        AppError::Unauthenticated => "Authentication required",
        AppError::InvalidCredentials => "Invalid credentials",
        AppError::Forbidden => "Forbidden",
        AppError::NotFound => "Not found",
        AppError::Validation(_) => "Invalid input",
        AppError::BadRequest => "Bad request",
        AppError::UnsupportedMediaType => "Unsupported media type",
        AppError::PayloadTooLarge => "Payload too large",
        AppError::MethodNotAllowed => "Method not allowed",
        AppError::Conflict(_) => "Conflict",
        AppError::RateLimited { .. } => "Too many requests",
        AppError::Internal | AppError::Transport(_) => "Internal server error",
    }
}

fn default_detail(error: &AppError) -> String {
    match error {
        AppError::Unauthenticated => {
            "Sign in (POST /api/v1/session) or send a personal API token as 'Authorization: Bearer <token>'.".into()
        }
        AppError::InvalidCredentials => "The email or password is incorrect.".into(),
        AppError::Forbidden => "Your role in this workspace does not allow this action.".into(),
        AppError::NotFound => "The resource does not exist or you do not have access to it.".into(),
        AppError::Validation(errs) => format!("{} field(s) are invalid; see 'errors'.", errs.len()),
        AppError::BadRequest => "The request could not be read.".into(),
        AppError::UnsupportedMediaType => "Send the request body as 'Content-Type: application/json'.".into(),
        AppError::PayloadTooLarge => "The request body is too large.".into(),
        AppError::MethodNotAllowed => "This path does not support this method.".into(),
        AppError::Conflict(reason) => format!("The request conflicts with the current state ({reason})."),
        AppError::RateLimited { retry_after_secs } => {
            format!("Too many failed sign-in attempts; retry in {retry_after_secs} seconds.")
        }
        AppError::Internal | AppError::Transport(_) => "An unexpected error occurred. It has been logged.".into(),
    }
}

/// The problem document for `error` (status from [`AppError::status`]).
pub fn problem_body(error: &AppError, detail: Option<&str>) -> Value {
    let code = match error {
        AppError::Transport(_) => AppError::Internal.code(),
        e => e.code(),
    };
    let status = match error {
        AppError::Transport(_) => 500,
        e => e.status(),
    };
    let mut body = json!({
        "type": format!("urn:tenantpilot:problem:{code}"),
        "title": title(error),
        "status": status,
        "detail": detail.map(str::to_string).unwrap_or_else(|| default_detail(error)),
        "code": code,
    });
    match error {
        AppError::Validation(errs) => body["errors"] = json!(errs),
        AppError::Conflict(reason) => body["reason"] = json!(reason),
        AppError::RateLimited { retry_after_secs } => body["retry_after"] = json!(retry_after_secs),
        _ => {}
    }
    body
}

fn problem_response(status: StatusCode, body: &Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    res
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if matches!(self.error, AppError::Internal | AppError::Transport(_)) {
            tracing::error!(error = ?self.error, "API request failed");
        }
        let body = problem_body(&self.error, self.detail.as_deref());
        let status = StatusCode::from_u16(body["status"].as_u64().unwrap_or(500) as u16)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = problem_response(status, &body);
        let headers = res.headers_mut();
        match &self.error {
            AppError::Unauthenticated | AppError::InvalidCredentials => {
                let challenge = if self.invalid_token { INVALID_TOKEN_CHALLENGE } else { BEARER_CHALLENGE };
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
            }
            AppError::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            _ => {}
        }
        res
    }
}

/// The application error a bare status stands for (responses that did not come from an API handler).
fn error_for_status(status: StatusCode) -> AppError {
    match status.as_u16() {
        401 => AppError::Unauthenticated,
        403 => AppError::Forbidden,
        404 => AppError::NotFound,
        405 => AppError::MethodNotAllowed,
        413 => AppError::PayloadTooLarge,
        415 => AppError::UnsupportedMediaType,
        400..=499 => AppError::BadRequest,
        _ => AppError::Internal,
    }
}

/// True for paths of the JSON API.
pub fn is_api_path(path: &str) -> bool {
    path == "/api/v1" || path.starts_with("/api/v1/")
}

/// Outermost safety net for `/api/v1`: any error response that is not already problem+json (the origin
/// guard's 403, the body limit's 413, a 503 when the session store is down) is rewritten as one, keeping
/// its status.
pub async fn ensure_problem(req: Request, next: Next) -> Response {
    if !is_api_path(req.uri().path()) {
        return next.run(req).await;
    }
    let res = next.run(req).await;
    let status = res.status();
    let is_problem = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) == Some(PROBLEM_JSON);
    if status.as_u16() < 400 || is_problem {
        return res;
    }
    let error = error_for_status(status);
    let mut body = problem_body(&error, None);
    if body["status"] != json!(status.as_u16()) {
        // A status without its own code (e.g. 503): keep the status, describe it generically.
        body["status"] = json!(status.as_u16());
        body["title"] = json!(status.canonical_reason().unwrap_or("Error"));
    }
    let mut out = problem_response(status, &body);
    for name in [header::WWW_AUTHENTICATE, header::RETRY_AFTER] {
        if let Some(v) = res.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    if status == StatusCode::UNAUTHORIZED && !out.headers().contains_key(header::WWW_AUTHENTICATE) {
        out.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(BEARER_CHALLENGE));
    }
    out
}

/// The API router's fallback: unknown path under `/api/v1`.
pub async fn not_found() -> ApiError {
    ApiError::with_detail(AppError::NotFound, "There is no such API route. See GET /api/v1/openapi.json.")
}

/// Known path, wrong method.
pub async fn method_not_allowed() -> ApiError {
    AppError::MethodNotAllowed.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_carry_stable_codes_and_extensions() {
        let v = problem_body(&AppError::validation("display_name", "required"), None);
        assert_eq!(v["status"], 422);
        assert_eq!(v["code"], "validation");
        assert_eq!(v["type"], "urn:tenantpilot:problem:validation");
        assert_eq!(v["errors"][0]["field"], "display_name");
        assert_eq!(problem_body(&AppError::Conflict("already_archived".into()), None)["reason"], "already_archived");
        assert_eq!(problem_body(&AppError::RateLimited { retry_after_secs: 7 }, None)["retry_after"], 7);
        let t = problem_body(&AppError::Transport("x".into()), None);
        assert_eq!((t["status"].as_u64(), t["code"].as_str()), (Some(500), Some("internal")));
        for s in [400u16, 401, 403, 404, 405, 413, 415] {
            let e = error_for_status(StatusCode::from_u16(s).unwrap());
            assert_eq!(e.status(), s, "{e:?}");
        }
    }
}
