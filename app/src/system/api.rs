//! Server functions of the platform plane: authenticate → enter the platform scope (404 for everyone but
//! platform operators) → call the service.

use leptos::prelude::*;

use crate::{
    error::AppError,
    system::{DirectoryWorkspace, DirectoryWorkspaceDetail},
};

#[server(endpoint = "system/workspaces")]
pub async fn list_directory() -> Result<Vec<DirectoryWorkspace>, AppError> {
    use crate::{authz::server::enter_platform, authz::PlatformCapability, system::server::service};
    let (state, scope) = enter_platform(PlatformCapability::DirectoryView).await?;
    service::workspaces(&state.db, &scope).await
}

#[server(endpoint = "system/workspace")]
pub async fn get_directory_workspace(workspace: String) -> Result<DirectoryWorkspaceDetail, AppError> {
    use crate::{authz::server::enter_platform, authz::PlatformCapability, system::server::service};
    let (state, scope) = enter_platform(PlatformCapability::DirectoryView).await?;
    service::workspace(&state.db, &scope, &workspace).await
}
