//! Structured logs with `tracing`: text by default, JSON with `TENANTPILOT_LOG_FORMAT=json`; level from
//! `RUST_LOG` (default `info`). Every request runs in a span carrying its request id.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn,tower_sessions_core=warn"));
    let json = std::env::var("TENANTPILOT_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = fmt().with_env_filter(filter).with_target(true);
    let _ = if json { builder.json().flatten_event(true).try_init() } else { builder.compact().try_init() };
}
