//! The typed session bucket for sign-in state. Handlers never touch session keys directly: they call
//! [`sign_in`], [`sign_out`] and [`load_user`].

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::{password::session_stamp, repo, UserRow};
use crate::{db::Db, error::AppError};

const USER_KEY: &str = "auth.user";

#[derive(Debug, Serialize, Deserialize)]
struct SignedIn {
    user_id: i64,
    stamp: String,
}

fn session_error(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store error");
    AppError::Internal
}

/// The session of the current request (present wherever the session layer ran).
pub async fn current() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session layer on this request");
        AppError::Internal
    })
}

/// Rotates the session id (fixation defence) and records the signed-in user.
pub async fn sign_in(session: &Session, user: &UserRow) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    let value = SignedIn { user_id: user.id, stamp: session_stamp(&user.password_hash) };
    session.insert(USER_KEY, value).await.map_err(session_error)
}

/// Deletes the session from the store and expires the cookie.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_error)
}

/// The user this session belongs to, if the session is signed in, the user still exists and the password
/// has not changed since. A stale session is flushed.
pub async fn load_user(session: &Session, db: &Db) -> Result<Option<UserRow>, AppError> {
    let Some(signed_in) = session.get::<SignedIn>(USER_KEY).await.map_err(session_error)? else {
        return Ok(None);
    };
    match repo::select_user_by_id(db, signed_in.user_id).await? {
        Some(user) if session_stamp(&user.password_hash) == signed_in.stamp => Ok(Some(user)),
        _ => {
            sign_out(session).await?;
            Ok(None)
        }
    }
}
