//! The one error type that crosses the wire: server functions return `Result<T, AppError>`, the REST API
//! maps it to problem+json, and the UI renders a translated message chosen by [`AppError::code`].
//! Server-internal causes (SQL, I/O) are logged on the server and become the opaque [`AppError::Internal`].

use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// One invalid field and why, as stable codes (`"email"`, `"too_long"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str) -> Self {
        Self { field: field.into(), code: code.into() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("email or password is wrong")]
    InvalidCredentials,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    /// The request could not be decoded at all (missing or malformed fields).
    #[error("bad request")]
    BadRequest,
    /// The request body's media type is not accepted (REST API: JSON only).
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The request body is larger than the server accepts.
    #[error("payload too large")]
    PayloadTooLarge,
    /// The path exists, but not with this HTTP method.
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too many attempts; retry in {retry_after_secs}s")]
    RateLimited { retry_after_secs: u32 },
    #[error("internal error")]
    Internal,
    /// The call did not reach the server or its answer could not be read (client side only).
    #[error("transport: {0}")]
    Transport(String),
}

impl AppError {
    pub fn validation(field: &str, code: &str) -> Self {
        Self::Validation(vec![FieldError::new(field, code)])
    }

    /// HTTP status for this error.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated | Self::InvalidCredentials => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Validation(_) => 422,
            Self::BadRequest => 400,
            Self::UnsupportedMediaType => 415,
            Self::PayloadTooLarge => 413,
            Self::MethodNotAllowed => 405,
            Self::Conflict(_) => 409,
            Self::RateLimited { .. } => 429,
            Self::Internal => 500,
            Self::Transport(_) => 502,
        }
    }

    /// Stable machine-readable code (used in problem+json and to pick the translation).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Validation(_) => "validation",
            Self::BadRequest => "bad_request",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict(_) => "conflict",
            Self::RateLimited { .. } => "rate_limited",
            Self::Internal => "internal",
            Self::Transport(_) => "transport",
        }
    }

    /// The first error code for `field`, if this is a validation error about it.
    pub fn field_code(&self, field: &str) -> Option<&str> {
        match self {
            Self::Validation(errs) => errs.iter().find(|e| e.field == field).map(|e| e.code.as_str()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) | ServerFnErrorErr::Deserialization(_) => {
                Self::BadRequest
            }
            ServerFnErrorErr::ServerError(_) | ServerFnErrorErr::Serialization(_) => Self::Internal,
            other => Self::Transport(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_client_errors_except_internal() {
        for e in [
            AppError::Unauthenticated,
            AppError::InvalidCredentials,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::validation("email", "required"),
            AppError::BadRequest,
            AppError::UnsupportedMediaType,
            AppError::PayloadTooLarge,
            AppError::MethodNotAllowed,
            AppError::Conflict("x".into()),
            AppError::RateLimited { retry_after_secs: 1 },
        ] {
            assert!((400..500).contains(&e.status()), "{e:?}");
        }
        assert_eq!(AppError::Internal.status(), 500);
    }

    #[test]
    fn decoding_failures_are_bad_requests() {
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Args("x".into()));
        assert_eq!(e, AppError::BadRequest);
        assert_eq!(AppError::validation("email", "too_long").field_code("email"), Some("too_long"));
    }
}
