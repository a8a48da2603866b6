//! Extractors of the API, each rejecting with a problem document:
//!
//! - [`Caller`]: who is calling — `Authorization: Bearer <token>` (then cookies are ignored) or the session
//!   cookie; neither → 401. Put it first in a handler's arguments so that authentication answers first.
//! - [`Scoped`]: the caller entered into the path's workspace (`{slug}`) and, for a [`TenantScope`], its
//!   tenant (`{id}`) through `authz::server::enter`, the one way in shared with the server functions: 401,
//!   then 404 (not a member, foreign or hidden tenant, non-integer id). No capability: the service
//!   checks it (403). Put it first (it authenticates) in a handler's arguments.
//! - [`ApiJson`]: a JSON body — wrong media type → 415, unreadable JSON → 400, not an object, unknown
//!   fields or wrong types → 422 with one field error each.
//! - [`ListQuery`]: `page` / `per_page` (and boolean flags) → 422 on bad values.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Query, Request},
    http::{header, request::Parts, HeaderMap},
};
use serde::de::DeserializeOwned;

use app::{
    api_tokens::server::service as tokens,
    auth::server::Actor,
    authz::server::{enter, FromEntered},
    error::{AppError, FieldError},
    state::AppState,
};

use super::problem::ApiError;

/// The authenticated caller of an API request.
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let presented = value
                .to_str()
                .ok()
                .and_then(|v| v.trim().split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
                .ok_or_else(|| ApiError::invalid_token(AppError::Unauthenticated))?;
            let request = format!("{} {}", parts.method, parts.uri.path());
            return tokens::authenticate(&state.db, presented, &request)
                .await
                .map(Caller)
                .map_err(ApiError::invalid_token);
        }
        Actor::from_request(parts).map(Caller).ok_or_else(|| AppError::Unauthenticated.into())
    }
}

/// The caller entered into the path's workspace and (for a `TenantScope`) tenant. See the module docs.
pub struct Scoped<S>(pub S);

impl<S: FromEntered> FromRequestParts<AppState> for Scoped<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Caller(actor) = Caller::from_request_parts(parts, state).await?;
        let params = axum::extract::RawPathParams::from_request_parts(parts, state).await.map_err(|_| {
            tracing::error!(path = %parts.uri.path(), "a scoped API route without path parameters");
            ApiError::from(AppError::Internal)
        })?;
        let param = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
        let slug = param("slug").ok_or_else(|| {
            tracing::error!(path = %parts.uri.path(), "a scoped API route without {{slug}}");
            ApiError::from(AppError::Internal)
        })?;
        let tenant = if S::TENANT {
            // A tenant id that is not an integer names no tenant: 404 like any invisible one.
            let raw = param("id").ok_or(AppError::Internal)?;
            Some(raw.parse::<i64>().map_err(|_| AppError::NotFound)?)
        } else {
            None
        };
        let entered = enter(&state.db, &actor, &slug, tenant).await?;
        Ok(Scoped(S::from_entered(entered)?))
    }
}

/// A request body type of the API: its JSON field names, so that unknown fields are reported by name.
pub trait ApiInput: DeserializeOwned {
    const FIELDS: &'static [&'static str];
}

/// A JSON request body of type `T`.
pub struct ApiJson<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Field names echoed in errors are cut to this many characters.
const MAX_ECHOED_FIELD: usize = 64;

fn echo(field: &str) -> String {
    field.chars().take(MAX_ECHOED_FIELD).collect()
}

/// Decodes a JSON object into `T`, reporting unknown fields and type errors per field.
pub fn decode<T: ApiInput>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::with_detail(AppError::BadRequest, format!("The body is not valid JSON (line {}).", e.line()))
    })?;
    let Some(map) = value.as_object() else {
        return Err(AppError::validation("body", "invalid_type").into());
    };
    let unknown: Vec<FieldError> = map
        .keys()
        .filter(|k| !T::FIELDS.contains(&k.as_str()))
        .map(|k| FieldError::new(&echo(k), "unknown_field"))
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::Validation(unknown).into());
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path.is_empty() || path == "." { "body".to_string() } else { echo(&path) };
        AppError::Validation(vec![FieldError::new(&field, "invalid_type")]).into()
    })
}

impl<T: ApiInput, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(AppError::UnsupportedMediaType.into());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::from(AppError::PayloadTooLarge)
            } else {
                ApiError::from(AppError::BadRequest)
            }
        })?;
        decode(&bytes).map(ApiJson)
    }
}

pub use app::paging::{Page, PageRequest, DEFAULT_PER_PAGE, MAX_PER_PAGE};

/// Query parameters of a list: `page` (≥ 1), `per_page` (1–200) and boolean flags (`true`/`false`/`1`/`0`).
/// Unknown parameters are ignored.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub page: PageRequest,
    params: Vec<(String, String)>,
}

impl ListQuery {
    pub fn parse(params: Vec<(String, String)>) -> Result<Self, ApiError> {
        let get = |k: &str| params.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.trim());
        let mut errs = Vec::new();
        let mut number = |field: &str| {
            get(field).and_then(|raw| match raw.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errs.push(FieldError::new(field, "invalid"));
                    None
                }
            })
        };
        let (page, per_page) = (number("page"), number("per_page"));
        if !errs.is_empty() {
            return Err(AppError::Validation(errs).into());
        }
        let page = PageRequest::parse(page, per_page)?;
        Ok(Self { page, params })
    }

    /// A text parameter (trimmed), `None` when absent or empty.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.params.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// A boolean flag, `false` when absent.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.params.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.trim()) {
            None => Ok(false),
            Some("true" | "1") => Ok(true),
            Some("false" | "0") => Ok(false),
            Some(_) => Err(AppError::validation(name, "invalid").into()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ListQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Query(params) = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map_err(|_| ApiError::with_detail(AppError::BadRequest, "The query string could not be read."))?;
        Self::parse(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[serde(default)]
        name: Option<String>,
    }

    impl ApiInput for Body {
        const FIELDS: &'static [&'static str] = &["name"];
    }

    fn codes(e: ApiError) -> (u16, Vec<(String, String)>) {
        let fields = match &e.error {
            AppError::Validation(errs) => errs.iter().map(|f| (f.field.clone(), f.code.clone())).collect(),
            _ => vec![],
        };
        (e.error.status(), fields)
    }

    #[test]
    fn bodies_are_checked_field_by_field() {
        assert_eq!(decode::<Body>(br#"{"name":"x"}"#).unwrap().name.as_deref(), Some("x"));
        assert_eq!(decode::<Body>(br#"{}"#).unwrap().name, None);
        assert_eq!(codes(decode::<Body>(b"{not json").unwrap_err()).0, 400);
        assert_eq!(codes(decode::<Body>(b"").unwrap_err()).0, 400);
        assert_eq!(codes(decode::<Body>(b"[1]").unwrap_err()), (422, vec![("body".into(), "invalid_type".into())]));
        assert_eq!(
            codes(decode::<Body>(br#"{"name":"x","admin":true}"#).unwrap_err()),
            (422, vec![("admin".into(), "unknown_field".into())])
        );
        assert_eq!(
            codes(decode::<Body>(br#"{"name":5}"#).unwrap_err()),
            (422, vec![("name".into(), "invalid_type".into())])
        );
    }

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn pages_are_validated_and_sliced() {
        let l = ListQuery::parse(q(&[])).unwrap();
        assert_eq!(l.page, PageRequest { page: 1, per_page: DEFAULT_PER_PAGE });
        let l = ListQuery::parse(q(&[("page", "2"), ("per_page", "2"), ("include_archived", "true")])).unwrap();
        assert!(l.flag("include_archived").unwrap());
        assert!(!l.flag("other").unwrap());
        let p = l.page.slice(vec![1, 2, 3, 4, 5]);
        assert_eq!((p.items, p.page, p.per_page, p.total), (vec![3, 4], 2, 2, 5));
        let p = PageRequest { page: 9, per_page: 2 }.slice(vec![1, 2, 3]);
        assert!(p.items.is_empty() && p.total == 3);
        for bad in [("per_page", "201"), ("per_page", "0"), ("page", "0"), ("page", "-1"), ("page", "x")] {
            assert_eq!(ListQuery::parse(q(&[bad])).unwrap_err().error.status(), 422, "{bad:?}");
        }
        assert_eq!(ListQuery::parse(q(&[("x", "maybe")])).unwrap().flag("x").unwrap_err().error.status(), 422);
    }
}
