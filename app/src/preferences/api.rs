//! Server functions for the language and theme switches.

use leptos::prelude::*;

use crate::{error::AppError, locale::LocaleInputs};

/// Sets the language: the user's stored preference when signed in, else a short-lived override cookie.
/// Returns the inputs of the locale chain after the change, so the client can recompute the effective
/// locale with the same `effective_locale` the server uses.
#[server(endpoint = "prefs/locale")]
pub async fn set_locale(locale: Option<String>) -> Result<LocaleInputs, AppError> {
    use crate::{auth::server::Actor, preferences::LocaleChoice, state::AppState};
    let choice = LocaleChoice::parse(locale.as_deref())?;
    let state = AppState::get()?;
    let actor = Actor::optional().await?;
    super::server::apply_locale(&state, actor.as_ref(), choice).await
}

/// Sets the colour theme cookie; returns the stored value (`light`, `dark`, `system`).
#[server(endpoint = "prefs/theme")]
pub async fn set_theme(theme: Option<String>) -> Result<String, AppError> {
    use crate::{preferences::Theme, state::AppState};
    let theme = theme.as_deref().and_then(Theme::parse).ok_or_else(|| AppError::validation("theme", "unsupported"))?;
    super::server::set_theme_cookie(&AppState::get()?.config, theme);
    Ok(theme.as_str().to_string())
}
