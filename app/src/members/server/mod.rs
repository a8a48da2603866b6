//! Members and invitations, server half: rules (service), SQL (repo), invite tokens, and the flash cookie
//! that carries a new invite link through a plain form post's redirect.

pub mod repo;
pub mod service;
pub mod token;

use http::{header, request::Parts};
use leptos::prelude::*;

use crate::{members::is_token_shaped, preferences::server::cookie, state::AppConfig};

/// Flash cookie holding the token of an invite just created by a plain form post (JavaScript off).
pub const INVITE_FLASH_COOKIE: &str = "tp_invite_flash";
/// The flash is read by the redirect that immediately follows; it never lives longer than this.
pub const INVITE_FLASH_MAX_AGE: i64 = 120;

/// True when the current request is a plain HTML form post (not the hydrated client's fetch), i.e. the
/// answer will be a redirect back to the page rather than data.
pub fn is_plain_form_post() -> bool {
    use_context::<Parts>().is_some_and(|p| {
        p.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    })
}

fn flash_path(slug: &str) -> String {
    format!("/admin/workspaces/{slug}/members")
}

fn set_flash(config: &AppConfig, slug: &str, value: &str, max_age: i64) {
    let secure = if config.secure_cookies() { "; Secure" } else { "" };
    let cookie = format!(
        "{INVITE_FLASH_COOKIE}={value}; Path={}; Max-Age={max_age}; SameSite=Strict; HttpOnly{secure}",
        flash_path(slug)
    );
    if let (Some(res), Ok(v)) = (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&cookie)) {
        res.append_header(header::SET_COOKIE, v);
    }
}

/// Remembers `token` for the members page of `slug` (only that page's requests carry the cookie).
pub fn set_invite_flash(config: &AppConfig, slug: &str, token: &str) {
    set_flash(config, slug, token, INVITE_FLASH_MAX_AGE);
}

/// The flashed token, if this request carries one; the cookie is expired in any case.
pub fn take_invite_flash(config: &AppConfig, slug: &str) -> Option<String> {
    let value = use_context::<Parts>().and_then(|p| cookie(&p.headers, INVITE_FLASH_COOKIE).map(str::to_string))?;
    set_flash(config, slug, "", 0);
    is_token_shaped(&value).then_some(value)
}
