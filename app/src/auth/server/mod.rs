//! Accounts and sign-in, server half: who is calling ([`Actor`]), where from ([`RequestMeta`]), the
//! session wrapper, password hashing, and the sign-in service and its SQL.

pub mod password;
pub mod repo;
pub mod service;
pub mod session;

use leptos::prelude::*;

use crate::{auth::CurrentUser, error::AppError, state::AppState};
pub use repo::UserRow;

/// The signed-in principal. Private fields: only [`Actor::current`] / [`Actor::optional`] construct one,
/// after the session and the user row were checked. Services that act for a user take `&Actor`.
#[derive(Debug, Clone)]
pub struct Actor {
    user: UserRow,
}

/// The user the request middleware found for this request's session (an axum request extension).
/// Set only by [`session::load_user`]'s caller in the middleware; clients cannot forge extensions.
#[derive(Debug, Clone)]
pub struct SessionUser(pub Option<UserRow>);

impl Actor {
    /// The signed-in user, or `AppError::Unauthenticated`.
    pub async fn current() -> Result<Self, AppError> {
        Self::optional().await?.ok_or(AppError::Unauthenticated)
    }

    /// The signed-in user if there is one.
    pub async fn optional() -> Result<Option<Self>, AppError> {
        if let Some(parts) = use_context::<http::request::Parts>() {
            if let Some(SessionUser(user)) = parts.extensions.get::<SessionUser>() {
                return Ok(user.clone().map(|user| Self { user }));
            }
        }
        let session = session::current().await?;
        let state = AppState::get()?;
        Ok(session::load_user(&session, &state.db).await?.map(|user| Self { user }))
    }

    /// The principal of a session signed in during this very request (the request middleware saw it
    /// anonymous), e.g. an account just created from an invite. Only for a user row the caller just
    /// authenticated or created.
    pub(crate) fn signed_in_now(user: UserRow) -> Self {
        Self { user }
    }

    pub fn user_id(&self) -> i64 {
        self.user.id
    }

    pub fn email(&self) -> &str {
        &self.user.email
    }

    pub fn locale(&self) -> Option<&str> {
        self.user.locale.as_deref()
    }

    pub fn is_platform_admin(&self) -> bool {
        self.user.is_platform_admin
    }

    pub fn to_dto(&self) -> CurrentUser {
        self.user.to_dto()
    }
}

/// Where a request came from, for throttling and (later) audit.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: String,
}

impl RequestMeta {
    /// From the current request (`"unknown"` outside one, e.g. in tests without a socket).
    pub fn current() -> Self {
        let parts = use_context::<http::request::Parts>();
        Self::from_parts(parts.as_ref())
    }

    pub fn from_parts(parts: Option<&http::request::Parts>) -> Self {
        let ip = parts
            .and_then(|p| p.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>())
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        let user_agent = parts
            .and_then(|p| p.headers.get(http::header::USER_AGENT))
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(256).collect())
            .unwrap_or_default();
        Self { ip, user_agent }
    }
}
