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
    use crate::authz::server::enter_current;
    let (state, scope) = enter_current(&workspace, None).await?;
    super::server::overview(&state.db, &scope).await
}

#[server(endpoint = "workspaces/settings")]
pub async fn get_workspace_settings(workspace: String) -> Result<crate::workspaces::WorkspaceSettings, AppError> {
    use crate::authz::server::enter_current;
    let (state, scope) = enter_current(&workspace, None).await?;
    super::server::settings::get(&state.db, &scope).await
}

/// Saves name, default language and time zone (`settings.manage`). Returns the settings and the calling
/// page's locale-chain inputs with the new workspace default, so the hydrated page can switch language.
#[server(endpoint = "workspaces/settings_update")]
pub async fn update_workspace_settings(
    workspace: String,
    name: Option<String>,
    default_locale: Option<String>,
    timezone: Option<String>,
) -> Result<crate::workspaces::SettingsSaved, AppError> {
    use crate::{authz::server::enter_current, preferences, workspaces::SettingsInput};
    let (state, scope) = enter_current(&workspace, None).await?;
    let input = SettingsInput::parse(name.as_deref(), default_locale.as_deref(), timezone.as_deref())?;
    let settings = super::server::settings::update(&state.db, &scope, input).await?;
    let mut locale = preferences::server::current().inputs;
    locale.workspace = settings.default_locale.clone();
    Ok(crate::workspaces::SettingsSaved { settings, locale })
}
