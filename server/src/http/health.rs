//! `GET /healthz`: liveness plus a database round trip.

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;

use app::state::AppState;

pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let engine = state.db.engine();
    match state.db.ping().await {
        Ok(()) => {
            (StatusCode::OK, Json(json!({ "status": "ok", "database": engine, "version": state.config.version })))
        }
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "error", "database": engine, "version": state.config.version })),
            )
        }
    }
}
