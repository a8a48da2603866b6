//! Start-up: connect, migrate (fail hard), seed the demo when asked, build the state and serve with
//! graceful shutdown.

use std::{net::SocketAddr, sync::Arc};

use app::{
    db::Db,
    keys::Keys,
    provider::server::{ClientSecret, GraphConfig, PlatformApp, Provider},
    state::{AppConfig, AppState},
};
use leptos::prelude::LeptosOptions;

use crate::{config::Config, sessions::DbSessionStore};

/// Name of the compiled client files under `<site_root>/pkg/`.
pub const OUTPUT_NAME: &str = "tenantpilot";

/// Connects to the configured database and applies every migration.
pub async fn open_database(url: &str) -> Result<Db, String> {
    let db = Db::connect(url).await.map_err(|e| format!("cannot open database: {e}"))?;
    db.migrate().await.map_err(|e| format!("migration failed: {e}"))?;
    Ok(db)
}

/// The configured key, or the key file `<data_dir>/secret.key` (created, mode 0600, on first start).
pub fn load_keys(config: &Config) -> Result<Keys, String> {
    if let Some(text) = &config.secret_key {
        return Keys::from_base64(text).map_err(|e| format!("TENANTPILOT_SECRET_KEY: {e}"));
    }
    let path = config.data_dir.join("secret.key");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&config.data_dir).map_err(|e| format!("{}: {e}", config.data_dir.display()))?;
            let key = Keys::generate_base64().map_err(|e| e.to_string())?;
            write_private(&path, &key).map_err(|e| format!("{}: {e}", path.display()))?;
            tracing::warn!(path = %path.display(), "generated a secret key file; set TENANTPILOT_SECRET_KEY when several servers share a database");
            key
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    Keys::from_base64(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

/// Graph access from the configuration (Microsoft's endpoints without a platform app when none is set).
pub fn provider(config: &Config) -> Result<Provider, String> {
    let (graph, platform_app) = match &config.graph {
        Some(g) => (
            GraphConfig::at(&g.authority_url, &g.graph_url),
            g.platform_client_id
                .clone()
                .zip(g.platform_client_secret.clone())
                .map(|(client_id, secret)| PlatformApp { client_id, secret: ClientSecret::new(secret) }),
        ),
        None => (GraphConfig::microsoft(), None),
    };
    Provider::new(graph, platform_app).map_err(|e| format!("graph client: {e}"))
}

/// Everything the router needs, for the server and for tests.
pub async fn build(config: &Config, db: Db) -> Result<(AppState, DbSessionStore), String> {
    let sessions = DbSessionStore::new(&db).await.map_err(|e| format!("session store: {e}"))?;
    let leptos_options = LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .build();
    let state = AppState {
        db,
        config: Arc::new(AppConfig {
            public_url: config.public_url.clone(),
            system_locale: config.default_locale.clone(),
            version: env!("CARGO_PKG_VERSION"),
        }),
        provider: Arc::new(provider(config)?),
        keys: Arc::new(load_keys(config)?),
        packs: Arc::new(app::reviews::server::storage::LocalDirStore::new(config.data_dir.join("packs"))),
        leptos_options,
    };
    app::audit::server::install_checkpoint_key(state.keys.clone());
    app::audit::server::seal_unsigned_head(&state.db).await.map_err(|_| "cannot sign the audit log's head")?;
    Ok((state, sessions))
}

/// The simulated Graph `make run` starts in-process (the demo's provider): the demo tenants, 200 policies
/// each, the documented throttling limits.
pub async fn start_demo_graph(config: &mut Config) -> Result<crate::graph_sim::SimHandle, String> {
    let sim_config = crate::graph_sim::SimConfig {
        tenants: crate::seed::demo_identities().len(),
        identities: crate::seed::demo_identities(),
        ..crate::graph_sim::SimConfig::default()
    };
    let (addr, handle) = crate::graph_sim::spawn("127.0.0.1:0".parse().map_err(|_| "address")?, sim_config)
        .await
        .map_err(|e| format!("cannot start the simulated Graph: {e}"))?;
    let (client_id, secret) = crate::graph_sim::generator::platform_app(handle.sim.config.seed);
    config.graph = Some(crate::config::GraphEndpoints {
        authority_url: handle.base_url(),
        graph_url: handle.base_url(),
        platform_client_id: Some(client_id),
        platform_client_secret: Some(secret),
    });
    tracing::info!(%addr, tenants = handle.tenants().len(), "demo: simulated Microsoft Graph listening");
    Ok(handle)
}

/// Runs the server until SIGINT/SIGTERM, then drains in-flight requests, stops the background work and
/// closes the pool.
pub async fn serve(mut config: Config) -> Result<(), String> {
    // The demo talks to the simulated Graph unless a Graph endpoint is configured.
    let sim = if config.demo && config.graph.is_none() { Some(start_demo_graph(&mut config).await?) } else { None };
    let db = open_database(&config.database_url).await?;
    // First the state (it installs the key that signs the audit log's head), then the demo's entries.
    let (state, sessions) = build(&config, db.clone()).await?;
    let seeded = config.demo && crate::seed::demo(&db).await.map_err(|e| format!("demo seed failed: {e:?}"))?;
    if seeded && config.graph.is_some() {
        let queued = crate::seed::connect_demo(&db).await.map_err(|e| format!("demo connections failed: {e:?}"))?;
        tracing::info!(runs = queued, "demo: connected the demo tenants and queued their first syncs");
        if let Some(sim) = &sim {
            let (db, base) = (db.clone(), sim.base_url());
            tokio::spawn(async move {
                if let Err(e) = crate::seed::governance_demo(&db, &base).await {
                    tracing::warn!(error = ?e, "demo: the governance demo did not complete");
                }
            });
        }
    }
    let jobs = crate::jobs::start(
        db.clone(),
        state.provider.clone(),
        state.keys.clone(),
        state.packs.clone(),
        crate::jobs::JobsConfig {
            workers: config.workers,
            sync_interval: config.sync_interval,
            stale_after: config.stale_after,
            worker_prefix: format!("{}-{}", hostname(), std::process::id()),
        },
    );
    let sweeper = sessions.spawn_sweeper(std::time::Duration::from_secs(600));
    let app = crate::http::router(state, sessions);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    tracing::info!(addr = %config.addr, database = db.engine(), workers = config.workers, "TenantPilot listening on {}", config.public_url);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    sweeper.abort();
    jobs.shutdown().await;
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    db.close().await;
    tracing::info!("shut down cleanly");
    Ok(())
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "tenantpilot".into())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested; draining requests");
}
