//! Server functions for workspace members and invitations. Member management: authenticate → enter the
//! workspace scope → call the service. The invitation page's functions take the token (the credential)
//! and are public where the invitee cannot be signed in yet (`invites/preview`, `invites/register`).

use leptos::prelude::*;

use crate::{
    error::AppError,
    locale::LocaleInputs,
    members::{InviteCreated, InvitePreview, MembersView},
};

#[server(endpoint = "members/list")]
pub async fn list_members(workspace: String) -> Result<MembersView, AppError> {
    use crate::{authz::server::enter_current, members::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    service::list(&state.db, &scope).await
}

/// Creates an invite and returns its link (shown once). A plain form post (JavaScript off) cannot carry
/// the answer back through the redirect, so the token also goes into a short-lived, HttpOnly flash cookie
/// for the members page, which [`take_invite_link`] reads once and clears.
#[server(endpoint = "members/invite")]
pub async fn invite_member(
    workspace: String,
    email: Option<String>,
    role: Option<String>,
    tenant_ids: Option<Vec<i64>>,
) -> Result<InviteCreated, AppError> {
    use crate::{
        authz::server::enter_current,
        members::{server, server::service, NewInvite},
    };
    let (state, scope) = enter_current(&workspace, None).await?;
    let input = NewInvite::parse(email.as_deref(), role.as_deref(), tenant_ids)?;
    let (created, token) = service::invite(&state.db, &scope, input, &state.config.public_url).await?;
    if server::is_plain_form_post() {
        server::set_invite_flash(&state.config, scope.slug(), &token);
    }
    Ok(created)
}

/// The invite the caller created by a plain form post just before, once (then the flash is gone).
#[server(endpoint = "members/invite_link")]
pub async fn take_invite_link(workspace: String) -> Result<Option<InviteCreated>, AppError> {
    use crate::{
        authz::server::enter_current,
        members::{server, server::service},
    };
    let (state, scope): (_, crate::authz::server::WorkspaceScope) = enter_current(&workspace, None).await?;
    let Some(token) = server::take_invite_flash(&state.config, scope.slug()) else {
        return Ok(None);
    };
    service::created_invite(&state.db, &scope, &token, &state.config.public_url).await
}

#[server(endpoint = "members/invite_revoke")]
pub async fn revoke_invite(workspace: String, invite: i64) -> Result<(), AppError> {
    use crate::{authz::server::enter_current, members::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    service::revoke(&state.db, &scope, invite).await
}

#[server(endpoint = "members/role")]
pub async fn change_member_role(workspace: String, member: i64, role: Option<String>) -> Result<(), AppError> {
    use crate::{
        authz::server::enter_current,
        members::{parse_role, server::service},
    };
    let (state, scope) = enter_current(&workspace, None).await?;
    let role = parse_role(role.as_deref()).map_err(|c| AppError::validation("role", c))?;
    service::change_role(&state.db, &scope, member, role).await
}

#[server(endpoint = "members/narrow")]
pub async fn narrow_member(workspace: String, member: i64, tenant_ids: Option<Vec<i64>>) -> Result<(), AppError> {
    use crate::{
        authz::server::enter_current,
        members::{parse_tenant_ids, server::service},
    };
    let (state, scope) = enter_current(&workspace, None).await?;
    let ids = parse_tenant_ids(tenant_ids).map_err(|c| AppError::validation("tenant_ids", c))?;
    service::narrow(&state.db, &scope, member, ids).await
}

#[server(endpoint = "members/remove")]
pub async fn remove_member(workspace: String, member: i64) -> Result<(), AppError> {
    use crate::{authz::server::enter_current, members::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    service::remove(&state.db, &scope, member).await
}

/// What the invitation page shows for `token` (public: the token is the credential). Unknown → 404.
#[server(endpoint = "invites/preview")]
pub async fn preview_invite(token: String) -> Result<InvitePreview, AppError> {
    use crate::{auth::server::Actor, members::server::service, state::AppState};
    let state = AppState::get()?;
    let actor = Actor::optional().await?;
    service::preview(&state.db, &token, actor.as_ref()).await
}

/// The signed-in invitee joins the workspace; redirects to it.
#[server(endpoint = "invites/accept")]
pub async fn accept_invite(token: String) -> Result<(), AppError> {
    use crate::{auth::server::Actor, members::server::service, state::AppState};
    let actor = Actor::current().await?;
    let state = AppState::get()?;
    let slug = service::accept(&state.db, &token, &actor).await?;
    leptos_axum::redirect(&format!("/admin/workspaces/{slug}"));
    Ok(())
}

/// Creates the invited account (display name and password), joins the workspace and signs in; redirects
/// to the workspace. Returns the locale-chain inputs of the new session, like sign-in.
#[server(endpoint = "invites/register")]
pub async fn register_from_invite(
    token: String,
    display_name: Option<String>,
    password: Option<String>,
) -> Result<LocaleInputs, AppError> {
    use crate::{
        auth::server::session,
        members::{server::service, Registration},
        preferences::server::{clear_locale_override, inputs_after_auth_change},
        state::AppState,
    };
    let input = Registration::parse(display_name.as_deref(), password.as_deref())?;
    let state = AppState::get()?;
    let (user, slug) = service::register(&state.db, &token, input).await?;
    session::sign_in(&session::current().await?, &user).await?;
    clear_locale_override(&state.config);
    leptos_axum::redirect(&format!("/admin/workspaces/{slug}"));
    Ok(inputs_after_auth_change(&state.config, Some(&user)))
}
