//! Server half of display preferences: the cookies, and the per-request resolution of locale and theme
//! that the request middleware stores as [`ResolvedPrefs`] for the page render.

use http::{header, request::Parts, HeaderMap};
use leptos::prelude::*;

use super::{LocaleChoice, Theme};
use crate::{
    auth::server::{repo, Actor, UserRow},
    db::Db,
    error::AppError,
    locale::{effective_locale, from_accept_language, parse, tag, Locale, LocaleInputs},
    state::{AppConfig, AppState},
};

/// Anonymous visitors' language override (short-lived).
pub const LOCALE_COOKIE: &str = "tp_locale";
pub const LOCALE_COOKIE_MAX_AGE: i64 = 24 * 3600;
/// The colour theme (remembered for a year).
pub const THEME_COOKIE: &str = "tp_theme";
pub const THEME_COOKIE_MAX_AGE: i64 = 365 * 24 * 3600;

/// Locale and theme of this request, resolved once by the middleware.
#[derive(Debug, Clone)]
pub struct ResolvedPrefs {
    pub locale: Locale,
    pub theme: Theme,
    pub inputs: LocaleInputs,
}

/// The value of cookie `name` in `headers`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The locale-chain inputs for a request that need no database: `?locale=` or the override cookie, the
/// user's preference, the browser's `Accept-Language`, and the system default. The workspace default is
/// added by [`with_workspace_default`].
pub fn locale_inputs(parts: &Parts, user: Option<&UserRow>, config: &AppConfig) -> LocaleInputs {
    let query_override = parts.uri.query().and_then(|q| {
        q.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == "locale").map(|(_, v)| v.to_string())
    });
    LocaleInputs {
        override_: query_override.or_else(|| cookie(&parts.headers, LOCALE_COOKIE).map(str::to_string)),
        user: user.and_then(|u| u.locale.clone()),
        workspace: None,
        browser: parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(from_accept_language)
            .map(|l| tag(l).to_string()),
        system: Some(config.system_locale.clone()),
    }
}

/// The workspace slug of `/admin/workspaces/{slug}[/…]`.
fn workspace_of_path(path: &str) -> Option<&str> {
    path.strip_prefix("/admin/workspaces/")?.split(['/', '?', '#']).next().filter(|s| !s.is_empty())
}

/// The workspace a request belongs to: the page's path, or for a server function (`/api/…`, called from a
/// page) the path of the page in the `Referer`.
pub fn request_workspace(parts: &Parts) -> Option<String> {
    let path = parts.uri.path();
    if let Some(slug) = workspace_of_path(path) {
        return Some(slug.to_string());
    }
    if !path.starts_with("/api/") {
        return None;
    }
    let referer = parts.headers.get(header::REFERER)?.to_str().ok()?;
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let page_path = &after_scheme[after_scheme.find('/')?..];
    workspace_of_path(page_path).map(str::to_string)
}

/// Fills the workspace step of the chain: when the request is inside a workspace that `user_id` is a member
/// of, and neither an override nor the user's own preference decides, that workspace's default language.
/// (When a higher step decides, the lookup is skipped.) A database error leaves the step empty.
pub async fn with_workspace_default(
    mut inputs: LocaleInputs,
    parts: &Parts,
    user_id: Option<i64>,
    db: &Db,
) -> LocaleInputs {
    let decided = [&inputs.override_, &inputs.user].into_iter().flatten().any(|v| parse(v).is_some());
    if let (false, Some(user_id), Some(slug)) = (decided, user_id, request_workspace(parts)) {
        inputs.workspace =
            crate::workspaces::server::settings::member_default_locale(db, user_id, &slug).await.ok().flatten();
    }
    inputs
}

/// Resolves locale and theme for a request.
pub async fn resolve(parts: &Parts, user: Option<&UserRow>, config: &AppConfig, db: &Db) -> ResolvedPrefs {
    let inputs = locale_inputs(parts, user, config);
    let inputs = with_workspace_default(inputs, parts, user.map(|u| u.id), db).await;
    let theme = cookie(&parts.headers, THEME_COOKIE).and_then(Theme::parse).unwrap_or_default();
    ResolvedPrefs { locale: effective_locale(&inputs), theme, inputs }
}

/// The preferences resolved for the current request (defaults outside a request).
pub fn current() -> ResolvedPrefs {
    use_context::<Parts>().and_then(|p| p.extensions.get::<ResolvedPrefs>().cloned()).unwrap_or(ResolvedPrefs {
        locale: Locale::en,
        theme: Theme::System,
        inputs: LocaleInputs::default(),
    })
}

fn set_cookie(config: &AppConfig, name: &str, value: &str, max_age: i64) {
    let secure = if config.secure_cookies() { "; Secure" } else { "" };
    let cookie = format!("{name}={value}; Path=/; Max-Age={max_age}; SameSite=Lax; HttpOnly{secure}");
    if let (Some(res), Ok(v)) = (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&cookie)) {
        res.append_header(header::SET_COOKIE, v);
    }
}

/// Expires the anonymous language override (at sign-in, and when a user sets a preference).
pub fn clear_locale_override(config: &AppConfig) {
    if use_context::<Parts>().is_some_and(|p| cookie(&p.headers, LOCALE_COOKIE).is_some()) {
        set_cookie(config, LOCALE_COOKIE, "", 0);
    }
}

pub fn set_theme_cookie(config: &AppConfig, theme: Theme) {
    set_cookie(config, THEME_COOKIE, theme.as_str(), THEME_COOKIE_MAX_AGE);
}

/// The locale-chain inputs of the current request as they will be after a sign-in (`user`) or sign-out
/// (`None`): the anonymous override no longer applies to a signed-in user.
pub fn inputs_after_auth_change(config: &AppConfig, user: Option<&UserRow>) -> LocaleInputs {
    let mut inputs = use_context::<Parts>().map(|p| locale_inputs(&p, user, config)).unwrap_or_default();
    if user.is_some() {
        inputs.override_ = None;
    }
    inputs
}

/// Stores a language choice and returns the locale-chain inputs after it.
pub async fn apply_locale(
    state: &AppState,
    actor: Option<&Actor>,
    choice: LocaleChoice,
) -> Result<LocaleInputs, AppError> {
    let parts = use_context::<Parts>().ok_or(AppError::Internal)?;
    let mut inputs = locale_inputs(&parts, None, &state.config);
    match actor {
        Some(actor) => {
            repo::update_user_locale(&state.db, actor.user_id(), choice.tag()).await?;
            clear_locale_override(&state.config);
            inputs.override_ = None;
            inputs.user = choice.tag().map(str::to_string);
        }
        None => {
            match choice.tag() {
                Some(t) => set_cookie(&state.config, LOCALE_COOKIE, t, LOCALE_COOKIE_MAX_AGE),
                None => clear_locale_override(&state.config),
            }
            inputs.override_ = choice.tag().map(str::to_string);
        }
    }
    Ok(with_workspace_default(inputs, &parts, actor.map(Actor::user_id), &state.db).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, referer: Option<&str>) -> Parts {
        let mut b = http::Request::builder().uri(uri);
        if let Some(r) = referer {
            b = b.header(header::REFERER, r);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_workspace_comes_from_the_page_or_the_calling_page() {
        assert_eq!(request_workspace(&parts("/admin/workspaces/contoso", None)).as_deref(), Some("contoso"));
        assert_eq!(
            request_workspace(&parts("/admin/workspaces/contoso/members?x=1", None)).as_deref(),
            Some("contoso")
        );
        assert_eq!(request_workspace(&parts("/admin", None)), None);
        assert_eq!(request_workspace(&parts("/admin/workspaces/", None)), None);
        let r = Some("http://127.0.0.1:3000/admin/workspaces/fabrikam/settings");
        assert_eq!(request_workspace(&parts("/api/prefs/locale", r)).as_deref(), Some("fabrikam"));
        assert_eq!(request_workspace(&parts("/account", r)), None);
        assert_eq!(request_workspace(&parts("/api/prefs/locale", Some("http://x/account"))), None);
    }
}
