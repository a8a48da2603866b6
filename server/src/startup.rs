//! Start-up: connect, migrate (fail hard), seed the demo when asked, build the state and serve with
//! graceful shutdown.

use std::{net::SocketAddr, sync::Arc};

use app::{
    db::Db,
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
        leptos_options,
    };
    Ok((state, sessions))
}

/// Runs the server until SIGINT/SIGTERM, then drains in-flight requests and closes the pool.
pub async fn serve(config: Config) -> Result<(), String> {
    let db = open_database(&config.database_url).await?;
    if config.demo {
        crate::seed::demo(&db).await.map_err(|e| format!("demo seed failed: {e:?}"))?;
    }
    let (state, sessions) = build(&config, db.clone()).await?;
    let sweeper = sessions.spawn_sweeper(std::time::Duration::from_secs(600));
    let app = crate::http::router(state, sessions);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    tracing::info!(addr = %config.addr, database = db.engine(), "TenantPilot listening on {}", config.public_url);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    sweeper.abort();
    db.close().await;
    tracing::info!("shut down cleanly");
    Ok(())
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
