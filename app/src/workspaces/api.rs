//! Server functions for the workspace chooser and dashboard.

use leptos::prelude::*;

use crate::{
    error::AppError,
    workspaces::{MyWorkspaces, WorkspaceOverview},
};

#[server(endpoint = "workspaces/mine")]
pub async fn list_my_workspaces() -> Result<MyWorkspaces, AppError> {
    use crate::{auth::server::Actor, state::AppState};
    let state = AppState::get()?;
    super::server::my_workspaces(&state.db, &Actor::current().await?).await
}

#[server(endpoint = "workspaces/overview")]
pub async fn get_workspace_overview(workspace: String) -> Result<WorkspaceOverview, AppError> {
    use crate::{authz::server::enter_workspace, authz::Capability};
    let (state, scope) = enter_workspace(&workspace, Capability::WorkspaceView).await?;
    super::server::overview(&state.db, &scope).await
}
