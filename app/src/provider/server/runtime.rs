//! The provider as the rest of the server uses it: the one [`GraphClient`] of the process and the
//! platform (multi-tenant) app's credential from configuration. Held by `AppState` and by the run
//! handlers; a [`Provider`] never holds a tenant's dedicated secret (those are opened per run from
//! `provider_credentials`, see `connections::server`).

use super::{ClientSecret, GraphClient, GraphConfig, GraphError, TenantCredential};

/// The central multi-tenant app TenantPilot signs in with for `platform` connections.
#[derive(Debug, Clone)]
pub struct PlatformApp {
    pub client_id: String,
    pub secret: ClientSecret,
}

/// Graph access for the whole process.
#[derive(Debug, Clone)]
pub struct Provider {
    pub graph: GraphClient,
    pub platform_app: Option<PlatformApp>,
}

impl Provider {
    pub fn new(config: GraphConfig, platform_app: Option<PlatformApp>) -> Result<Self, GraphError> {
        Ok(Self { graph: GraphClient::new(config)?, platform_app })
    }

    /// The platform app's credential for one customer directory; `None` when no platform app is configured.
    pub fn platform_credential(&self, entra_tenant_id: &str) -> Option<TenantCredential> {
        self.platform_app
            .as_ref()
            .map(|app| TenantCredential::new(entra_tenant_id, app.client_id.clone(), app.secret.clone()))
    }
}
