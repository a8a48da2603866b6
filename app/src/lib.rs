//! TenantPilot's web application, shared by the server (feature `ssr`) and the browser (feature
//! `hydrate`). One folder per domain area (`auth`, `preferences`, …), each with the same shape:
//! `mod.rs` (shared types and pure rules), `api.rs` (server functions), `pages.rs` / `components.rs`
//! (views) and `server/` (services and SQL, server build only).
#![recursion_limit = "256"]

// `pub mod i18n`, generated from `locales/*.json` by `build.rs` (leptos_i18n).
include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

#[macro_use]
mod ids;

pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod baselines;
pub mod components;
pub mod connections;
pub mod error;
pub mod findings;
pub mod home;
pub mod inventory;
pub mod locale;
pub mod members;
pub mod notifications;
pub mod operations;
pub mod paging;
pub mod preferences;
pub mod provider;
pub mod reviews;
pub mod secrets;
pub mod shell;
pub mod system;
pub mod tenants;
pub mod validate;
pub mod workspaces;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod keys;
#[cfg(feature = "ssr")]
pub mod state;

pub use shell::{shell, App};
