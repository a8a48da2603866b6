//! Server functions for the account page's token management: authenticate (session only) → call the service.

use leptos::prelude::*;

use crate::{
    api_tokens::{ApiTokenDto, CreatedApiToken},
    error::AppError,
};

#[server(endpoint = "api_tokens/list")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenDto>, AppError> {
    use crate::{api_tokens::server::service, auth::server::Actor, state::AppState};
    let actor = Actor::current().await?;
    service::list(&AppState::get()?.db, &actor).await
}

/// Creates a token and returns its secret (shown once). `expires_in_days`: 1–365, empty = never.
#[server(endpoint = "api_tokens/create")]
pub async fn create_api_token(
    name: Option<String>,
    workspace: Option<String>,
    expires_in_days: Option<String>,
) -> Result<CreatedApiToken, AppError> {
    use crate::{
        api_tokens::{server::service, NewApiToken},
        auth::server::Actor,
        state::AppState,
    };
    let actor = Actor::current().await?;
    service::require_script_request()?;
    let input = NewApiToken::parse(name.as_deref(), workspace.as_deref(), expires_in_days.as_deref())?;
    service::create(&AppState::get()?.db, &actor, input).await
}

#[server(endpoint = "api_tokens/revoke")]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    use crate::{api_tokens::server::service, auth::server::Actor, state::AppState};
    let actor = Actor::current().await?;
    service::revoke(&AppState::get()?.db, &actor, id).await
}
