//! The workspace directory: every read is audited (`system.directory_view`) — the list without a
//! workspace, a workspace's tenants in that workspace's log, so its owners see who looked.

use serde_json::json;

use super::repo;
use crate::{
    audit::server::{record_actor, AuditEvent},
    authz::server::PlatformScope,
    db::Db,
    error::AppError,
    system::{DirectoryWorkspace, DirectoryWorkspaceDetail},
};

/// Every workspace with its member and tenant counts.
pub async fn workspaces(db: &Db, scope: &PlatformScope) -> Result<Vec<DirectoryWorkspace>, AppError> {
    let all = repo::select_workspaces(db, scope).await?;
    let event = AuditEvent::new("system.directory_view", "workspace_directory", "all")
        .summary(format!("Viewed the workspace directory ({} workspaces)", all.len()))
        .metadata(json!({ "view": "workspaces", "count": all.len() }));
    let mut tx = db.begin().await?;
    record_actor(&mut tx, scope.actor(), None, event).await?;
    tx.commit().await?;
    Ok(all)
}

/// One workspace and its tenants; unknown slug → `NotFound`.
pub async fn workspace(db: &Db, scope: &PlatformScope, slug: &str) -> Result<DirectoryWorkspaceDetail, AppError> {
    let (id, workspace) = repo::select_workspace(db, scope, slug).await?.ok_or(AppError::NotFound)?;
    let tenants = repo::select_tenants(db, scope, id).await?;
    let event = AuditEvent::new("system.directory_view", "workspace", id)
        .summary(format!("Viewed the tenants of workspace {}", workspace.slug))
        .metadata(json!({ "view": "workspace", "slug": workspace.slug, "count": tenants.len() }));
    let mut tx = db.begin().await?;
    record_actor(&mut tx, scope.actor(), Some(id), event).await?;
    tx.commit().await?;
    Ok(DirectoryWorkspaceDetail { workspace, tenants })
}
