//! Accounts and sign-in, server half: who is calling ([`Actor`]), where from ([`RequestMeta`]), the
//! session wrapper, password hashing, and the sign-in service and its SQL.

pub mod password;
pub mod repo;
pub mod service;
pub mod session;

use leptos::prelude::*;

use crate::{auth::CurrentUser, db::Db, error::AppError, state::AppState};
pub use repo::UserRow;

/// The signed-in principal. Private fields: only [`Actor::current`] / [`Actor::optional`] /
/// [`Actor::from_request`] (a checked session) and the API-token service (a checked personal API token)
/// construct one. Services that act for a user take `&Actor`.
#[derive(Debug, Clone)]
pub struct Actor {
    user: UserRow,
    /// `Some` when the request authenticated with a personal API token: the actor is then confined to the
    /// token's workspace (every other workspace answers 404, see `Actor::workspace`).
    token: Option<TokenGrant>,
}

/// The personal API token a request authenticated with (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    pub token_id: i64,
    pub workspace_id: i64,
    pub workspace_slug: String,
    pub name: String,
    /// The non-secret display prefix (`tpat_` + 8 characters).
    pub prefix: String,
}

/// The user the request middleware found for this request's session (an axum request extension). Its
/// field is private: the only ways to build one are [`SessionUser::load`] (the session's stamp checked
/// against the account) and [`SessionUser::anonymous`], so no code can mint an [`Actor`] for an account
/// by putting a user row into a request. Clients cannot forge extensions.
#[derive(Debug, Clone)]
pub struct SessionUser(Option<UserRow>);

impl SessionUser {
    /// The user signed in on `session`, checked like every request's (`session::load_user`).
    pub async fn load(session: &tower_sessions::Session, db: &Db) -> Result<Self, AppError> {
        session::load_user(session, db).await.map(Self)
    }

    /// No session user.
    pub fn anonymous() -> Self {
        Self(None)
    }

    /// The account, when someone is signed in.
    pub fn user(&self) -> Option<&UserRow> {
        self.0.as_ref()
    }
}

impl Actor {
    /// The signed-in user, or `AppError::Unauthenticated`.
    pub async fn current() -> Result<Self, AppError> {
        Self::optional().await?.ok_or(AppError::Unauthenticated)
    }

    /// The signed-in user if there is one.
    pub async fn optional() -> Result<Option<Self>, AppError> {
        if let Some(parts) = use_context::<http::request::Parts>() {
            if let Some(SessionUser(user)) = parts.extensions.get::<SessionUser>() {
                return Ok(user.clone().map(|user| Self { user, token: None }));
            }
        }
        let session = session::current().await?;
        let state = AppState::get()?;
        Ok(session::load_user(&session, &state.db).await?.map(|user| Self { user, token: None }))
    }

    /// The session's user as the request middleware found it (outside Leptos, e.g. the REST API).
    pub fn from_request(parts: &http::request::Parts) -> Option<Self> {
        match parts.extensions.get::<SessionUser>() {
            Some(SessionUser(Some(user))) => Some(Self { user: user.clone(), token: None }),
            _ => None,
        }
    }

    /// Authenticates `creds` like the sign-in form does (throttling and failure records included) and
    /// returns the account as an actor: for callers that hold credentials instead of a session (the
    /// integration tests today).
    pub async fn sign_in(db: &Db, creds: &crate::auth::Credentials, meta: &RequestMeta) -> Result<Self, AppError> {
        service::authenticate(db, creds, meta).await.map(|user| Self { user, token: None })
    }

    /// An actor authenticated by a personal API token (only the token service calls this, after checking
    /// the token's hash, expiry and revocation).
    pub(crate) fn for_token(user: UserRow, grant: TokenGrant) -> Self {
        Self { user, token: Some(grant) }
    }

    /// The API token this actor authenticated with, if any.
    pub fn token(&self) -> Option<&TokenGrant> {
        self.token.as_ref()
    }

    /// How audit records name this actor: the email, plus the token's prefix for API-token requests.
    pub fn audit_label(&self) -> String {
        match &self.token {
            Some(t) => format!("{} via API token {}", self.user.email, t.prefix),
            None => self.user.email.clone(),
        }
    }

    /// `Integration` for API-token requests, `Human` otherwise.
    pub fn actor_type(&self) -> crate::audit::ActorType {
        if self.token.is_some() {
            crate::audit::ActorType::Integration
        } else {
            crate::audit::ActorType::Human
        }
    }

    /// The principal of a session signed in during this very request (the request middleware saw it
    /// anonymous), e.g. an account just created from an invite. Only for a user row the caller just
    /// authenticated or created.
    pub(crate) fn signed_in_now(user: UserRow) -> Self {
        Self { user, token: None }
    }

    /// The initiator of a queued operation run, for the worker's re-authorization before the run starts
    /// (`operations::server::worker`): the membership, role and tenant entitlement are checked again
    /// through [`Actor::workspace`] right after.
    pub(crate) fn for_run_initiator(user: UserRow) -> Self {
        Self { user, token: None }
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

/// Where a request came from, for throttling and audit.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: String,
}

tokio::task_local! {
    /// The request metadata of handlers that run outside Leptos (the REST API), set by [`RequestMeta::scope`].
    static REQUEST_META: RequestMeta;
}

impl RequestMeta {
    /// From the current request: the Leptos request context (pages, server functions), else the one set
    /// with [`RequestMeta::scope`] (REST API); `"unknown"` outside any request.
    pub fn current() -> Self {
        if let Some(parts) = use_context::<http::request::Parts>() {
            return Self::from_parts(Some(&parts));
        }
        REQUEST_META.try_with(Clone::clone).unwrap_or_else(|_| Self::from_parts(None))
    }

    /// Runs `fut` with `self` as the current request's metadata (for handlers outside Leptos).
    pub async fn scope<F: std::future::Future>(self, fut: F) -> F::Output {
        REQUEST_META.scope(self, fut).await
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
