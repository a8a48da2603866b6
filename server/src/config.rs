//! Runtime configuration from the environment (documented in README and `docs/operations.md`).

use std::{net::SocketAddr, path::PathBuf};

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// The URL users reach the server at; `https://…` turns on `Secure` cookies.
    pub public_url: String,
    pub default_locale: String,
    /// Where the compiled client (`pkg/`) lives.
    pub site_root: PathBuf,
    /// Seed demo data into an empty database (`make run`).
    pub demo: bool,
    /// `TENANTPILOT_SECRET_KEY`: 32 bytes, base64. Without it the key file `<data_dir>/secret.key` is used
    /// (created on first start); several servers on one PostgreSQL must share the configured key.
    pub secret_key: Option<String>,
    /// Microsoft Graph (or the simulator). `None` in demo mode starts the simulator in-process.
    pub graph: Option<GraphEndpoints>,
    /// Background workers executing operation runs in this process (0: none, e.g. a web-only node).
    pub workers: usize,
    /// Periodic inventory sync per active tenant (`TENANTPILOT_SYNC_INTERVAL_MINUTES`, default 360; 0 = off).
    pub sync_interval: Option<std::time::Duration>,
    /// A running run without a heartbeat for this long is failed as stale (`TENANTPILOT_STALE_AFTER_SECS`).
    pub stale_after: std::time::Duration,
}

/// Where Graph and its token endpoint are, and the platform app TenantPilot signs in with.
#[derive(Clone)]
pub struct GraphEndpoints {
    pub authority_url: String,
    pub graph_url: String,
    pub platform_client_id: Option<String>,
    pub platform_client_secret: Option<String>,
}

impl std::fmt::Debug for GraphEndpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphEndpoints")
            .field("authority_url", &self.authority_url)
            .field("graph_url", &self.graph_url)
            .field("platform_client_id", &self.platform_client_id)
            .finish_non_exhaustive()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn number(name: &str) -> Result<Option<u64>, String> {
    env(name).map(|v| v.trim().parse::<u64>().map_err(|e| format!("{name}: {e}"))).transpose()
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        let addr: SocketAddr = env("TENANTPILOT_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| format!("TENANTPILOT_ADDR: {e}"))?;
        let data_dir = PathBuf::from(env("TENANTPILOT_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url =
            env("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}", data_dir.join("tenantpilot.db").display()));
        let public_url = env("TENANTPILOT_PUBLIC_URL").unwrap_or_else(|| format!("http://{addr}"));
        let site_root = env("LEPTOS_SITE_ROOT").map(PathBuf::from).unwrap_or_else(default_site_root);
        Ok(Self {
            addr,
            data_dir,
            database_url,
            public_url: public_url.trim_end_matches('/').to_string(),
            default_locale: env("TENANTPILOT_DEFAULT_LOCALE").unwrap_or_else(|| "en".into()),
            site_root,
            demo: env("TENANTPILOT_DEMO").is_some_and(|v| v == "1" || v == "true"),
            secret_key: env("TENANTPILOT_SECRET_KEY"),
            graph: graph_from_env(),
            workers: match env("TENANTPILOT_WORKERS") {
                Some(v) => v.parse().map_err(|e| format!("TENANTPILOT_WORKERS: {e}"))?,
                None => 2,
            },
            sync_interval: match number("TENANTPILOT_SYNC_INTERVAL_MINUTES")?.unwrap_or(360) {
                0 => None,
                m => Some(std::time::Duration::from_secs(m * 60)),
            },
            stale_after: std::time::Duration::from_secs(number("TENANTPILOT_STALE_AFTER_SECS")?.unwrap_or(300).max(5)),
        })
    }
}

/// `TENANTPILOT_GRAPH_URL` (and the rest) when set; else Microsoft's endpoints when a platform app is
/// configured; else `None`.
fn graph_from_env() -> Option<GraphEndpoints> {
    let client_id = env("TENANTPILOT_GRAPH_CLIENT_ID");
    let graph_url = env("TENANTPILOT_GRAPH_URL");
    if graph_url.is_none() && client_id.is_none() {
        return None;
    }
    Some(GraphEndpoints {
        authority_url: env("TENANTPILOT_GRAPH_AUTHORITY").unwrap_or_else(|| "https://login.microsoftonline.com".into()),
        graph_url: graph_url.unwrap_or_else(|| "https://graph.microsoft.com".into()),
        platform_client_id: client_id,
        platform_client_secret: env("TENANTPILOT_GRAPH_CLIENT_SECRET"),
    })
}

/// `<target>/site` next to `<target>/<profile>/tenantpilot`, where `scripts/build` puts the client.
fn default_site_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().and_then(|p| p.parent()).map(|t| t.join("site")))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("target/site"))
}
