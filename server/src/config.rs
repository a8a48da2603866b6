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
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
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
        })
    }
}

/// `<target>/site` next to `<target>/<profile>/tenantpilot`, where `scripts/build` puts the client.
fn default_site_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().and_then(|p| p.parent()).map(|t| t.join("site")))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("target/site"))
}
