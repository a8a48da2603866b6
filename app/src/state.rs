//! Server-side state shared by every request (server build only): the database, the configuration that
//! pages and server functions need, Graph access, the secret key, and Leptos' options. Provided to server functions as context by
//! `leptos_routes_with_context`, read with [`AppState::get`].

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::*;

use crate::{db::Db, error::AppError, keys::Keys, provider::server::Provider};

/// Settings the application layer needs (the server crate builds this from its configuration).
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// `https://…` in production: cookies then carry `Secure`.
    pub public_url: String,
    /// System default locale tag (`TENANTPILOT_DEFAULT_LOCALE`), last step of the locale chain.
    pub system_locale: String,
    pub version: &'static str,
}

impl AppConfig {
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<AppConfig>,
    /// Graph access (the simulator's in the demo and in tests).
    pub provider: Arc<Provider>,
    /// The installation's secret key (credential sealing, secret fingerprints).
    pub keys: Arc<Keys>,
    /// Where review pack files live (a local directory by default).
    pub packs: Arc<dyn crate::reviews::server::storage::PackStore>,
    pub leptos_options: LeptosOptions,
}

impl AppState {
    /// The state from the Leptos context (present in every page render and server-function call).
    pub fn get() -> Result<Self, AppError> {
        use_context::<Self>().ok_or_else(|| {
            tracing::error!("AppState missing from context");
            AppError::Internal
        })
    }
}
