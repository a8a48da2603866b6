//! Server functions for signing in and out. Each body: validate → call the service → convert the error.

use leptos::prelude::*;

use crate::{auth::CurrentUser, error::AppError, locale::LocaleInputs};

/// Signs in with a real `<form>` (fields `email`, `password`, optional `next`); redirects on success and
/// returns the locale-chain inputs for the signed-in user (the hydrated client switches language in place).
#[server(endpoint = "auth/login")]
pub async fn login(
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
) -> Result<LocaleInputs, AppError> {
    use crate::{
        auth::{safe_next, server::*, Credentials},
        preferences::server::{clear_locale_override, inputs_after_auth_change},
        state::AppState,
    };
    let creds = Credentials::parse(email, password)?;
    let state = AppState::get()?;
    let user = service::authenticate(&state.db, &creds, &RequestMeta::current()).await?;
    session::sign_in(&session::current().await?, &user).await?;
    clear_locale_override(&state.config);
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(inputs_after_auth_change(&state.config, Some(&user)))
}

/// Ends the session (idempotent) and returns to the sign-in page; returns the anonymous locale inputs.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<LocaleInputs, AppError> {
    use crate::{auth::server::session, preferences::server::inputs_after_auth_change, state::AppState};
    let state = AppState::get()?;
    session::sign_out(&session::current().await?).await?;
    leptos_axum::redirect("/login");
    Ok(inputs_after_auth_change(&state.config, None))
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

/// Changes the signed-in user's password (fields `current_password`, `new_password`). On success the
/// other sessions of the account are over, this one continues under a new id, and the browser goes back to
/// `/account?password=changed` (works with JavaScript off).
#[server(endpoint = "account/password")]
pub async fn change_password(current_password: Option<String>, new_password: Option<String>) -> Result<(), AppError> {
    use crate::{
        auth::{server::*, PasswordChange},
        state::AppState,
    };
    let actor = Actor::current().await?;
    let input = PasswordChange::parse(current_password, new_password)?;
    let state = AppState::get()?;
    let user = service::change_password(&state.db, &actor, input, &RequestMeta::current()).await?;
    session::sign_in(&session::current().await?, &user).await?;
    leptos_axum::redirect(crate::auth::PASSWORD_CHANGED_PATH);
    Ok(())
}
