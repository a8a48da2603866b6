//! Server functions of the signed-in user's notifications: authenticate → call the service (every query
//! binds the user's own id).

use leptos::prelude::*;

use crate::{error::AppError, notifications::NotificationList};

/// The caller's newest notifications (optionally of one workspace) with the unread count.
#[server(endpoint = "notifications/list")]
pub async fn list_notifications(workspace: Option<String>) -> Result<NotificationList, AppError> {
    use crate::{auth::server::Actor, notifications::server::service, state::AppState};
    let actor = Actor::current().await?;
    let state = AppState::get()?;
    service::list(&state.db, &actor, workspace.as_deref()).await
}

/// The caller's unread count (the header bell); 0 when nobody is signed in.
#[server(endpoint = "notifications/unread")]
pub async fn unread_notifications() -> Result<i64, AppError> {
    use crate::{auth::server::Actor, notifications::server::service, state::AppState};
    let Some(actor) = Actor::optional().await? else { return Ok(0) };
    let state = AppState::get()?;
    service::unread(&state.db, &actor).await
}

/// Marks the caller's notifications read: `all=true`, or `ids` (comma-separated). Returns how many changed.
#[server(endpoint = "notifications/read")]
pub async fn mark_notifications_read(ids: Option<String>, all: Option<String>) -> Result<u64, AppError> {
    use crate::{auth::server::Actor, notifications::server::service, notifications::MarkRead, state::AppState};
    let actor = Actor::current().await?;
    let which = MarkRead::parse(ids.as_deref(), all.as_deref())?;
    let state = AppState::get()?;
    service::mark_read(&state.db, &actor, &which).await
}
