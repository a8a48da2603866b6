//! Server functions for a tenant's provider connection: authenticate → enter the tenant → call the service.

use leptos::prelude::*;

use crate::{connections::ConnectionDto, error::AppError, operations::Started};

/// The tenant's connection; `None` when none is set up yet.
#[server(endpoint = "connections/get")]
pub async fn get_connection(workspace: String, tenant: i64) -> Result<Option<ConnectionDto>, AppError> {
    use crate::{authz::server::enter_current, connections::server::service};
    let (state, scope) = enter_current(&workspace, Some(tenant)).await?;
    service::get(&state.db, &scope).await
}

/// Saves the connection (`platform`, or `dedicated` with client id and secret; an empty secret keeps the
/// stored one).
#[server(endpoint = "connections/save")]
pub async fn save_connection(
    workspace: String,
    tenant: i64,
    connection_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
) -> Result<ConnectionDto, AppError> {
    use crate::{authz::server::enter_current, connections::server::service, connections::ConnectionInput};
    let (state, scope) = enter_current(&workspace, Some(tenant)).await?;
    let has_secret = service::get(&state.db, &scope).await?.is_some_and(|c| c.has_secret);
    let input = ConnectionInput::parse(
        connection_type.as_deref().unwrap_or_default(),
        client_id.as_deref(),
        client_secret.as_deref(),
        has_secret,
    )?;
    service::save(&state.db, &state.keys, &scope, input).await
}

/// Queues "Verify connection" (or returns the verification already queued or running). A plain form post
/// is redirected to the tenant page with the run in the query, which shows the "queued" notice.
#[server(endpoint = "connections/verify")]
pub async fn verify_connection(workspace: String, tenant: i64) -> Result<Started, AppError> {
    use crate::{authz::server::enter_current, connections::server::service};
    let (state, scope) = enter_current(&workspace, Some(tenant)).await?;
    let started = service::start_verify(&state.db, &scope).await?;
    crate::inventory::api::redirect_with_notice(&workspace, tenant, &started);
    Ok(started)
}
