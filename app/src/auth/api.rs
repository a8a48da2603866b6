//! Server functions for signing in and out. Each body: validate → call the service → convert the error.

use leptos::prelude::*;

use crate::{auth::CurrentUser, error::AppError};

/// Signs in with a real `<form>` (fields `email`, `password`, optional `next`); redirects on success.
#[server(endpoint = "auth/login")]
pub async fn login(email: Option<String>, password: Option<String>, next: Option<String>) -> Result<(), AppError> {
    use crate::{
        auth::{safe_next, server::*, Credentials},
        preferences::server::clear_locale_override,
        state::AppState,
    };
    let creds = Credentials::parse(email, password)?;
    let state = AppState::get()?;
    let user = service::authenticate(&state.db, &creds, &RequestMeta::current()).await?;
    session::sign_in(&session::current().await?, &user).await?;
    clear_locale_override(&state.config);
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

/// Ends the session (idempotent) and returns to the sign-in page.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::auth::server::session;
    session::sign_out(&session::current().await?).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, or `None` for anonymous visitors.
#[server(endpoint = "auth/me")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::auth::server::Actor;
    Ok(Actor::optional().await?.map(|a| a.to_dto()))
}

/// The signed-in user's own account (requires a session).
#[server(endpoint = "auth/account")]
pub async fn my_account() -> Result<CurrentUser, AppError> {
    use crate::auth::server::Actor;
    Ok(Actor::current().await?.to_dto())
}
