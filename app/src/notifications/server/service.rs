//! The signed-in user's own notifications. A user is the only reader of their notifications, so the
//! functions take the [`Actor`]; an optional workspace narrows to one workspace the actor belongs to
//! (entered like a request: non-member → `NotFound`). An actor authenticated with an API token is
//! confined to the token's workspace.

use crate::{
    auth::server::Actor,
    authz::Capability,
    db::Db,
    error::AppError,
    notifications::{server::repo, MarkRead, NotificationList, LIST_LIMIT},
};

/// The workspace id to narrow to: the named one (entered as the actor), else the token's, else none.
async fn narrowing(db: &Db, actor: &Actor, workspace: Option<&str>) -> Result<Option<i64>, AppError> {
    match workspace.map(str::trim).filter(|w| !w.is_empty()) {
        Some(slug) => Ok(Some(actor.workspace(db, slug, Capability::WorkspaceView).await?.workspace_id())),
        None => Ok(actor.token().map(|t| t.workspace_id)),
    }
}

/// The actor's newest notifications (newest first) and their unread count.
pub async fn list(db: &Db, actor: &Actor, workspace: Option<&str>) -> Result<NotificationList, AppError> {
    let ws = narrowing(db, actor, workspace).await?;
    let items = repo::select_for_user(db, actor, ws, LIST_LIMIT).await?;
    let unread = repo::count_unread(db, actor, ws).await?;
    Ok(NotificationList { items, unread })
}

/// The actor's unread count (the header bell).
pub async fn unread(db: &Db, actor: &Actor) -> Result<i64, AppError> {
    let ws = narrowing(db, actor, None).await?;
    repo::count_unread(db, actor, ws).await
}

/// Marks the actor's notifications read; returns how many changed.
pub async fn mark_read(db: &Db, actor: &Actor, which: &MarkRead) -> Result<u64, AppError> {
    let ws = narrowing(db, actor, None).await?;
    repo::mark_read(db, actor, ws, which).await
}
