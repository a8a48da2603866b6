//! The `tenantpilot` server: configuration, start-up (database, migrations, demo seed), the axum router
//! with its middleware stack, sessions, health, the command line, and the simulated Microsoft Graph
//! (`graph_sim`). Product logic lives in `app`.

pub mod api;
pub mod bench_governance;
pub mod bench_reviews;
pub mod bench_sync;
pub mod cli;
pub mod config;
pub mod graph_sim;
pub mod http;
pub mod jobs;
pub mod seed;
pub mod sessions;
pub mod startup;
pub mod telemetry;
