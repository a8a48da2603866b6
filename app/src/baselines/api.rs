//! Server functions of baselines: authenticate → enter the workspace → validate ([`ProfileInput`](crate::baselines::ProfileInput),
//! [`Slot`](crate::baselines::Slot)) → call `baselines::server::service`, which enforces `baselines.view` / `baselines.manage`
//! (runs also `operations.start`) and tenant narrowing (a foreign profile or hidden tenant → 404, a
//! missing capability → 403). Form fields arrive as strings (empty = unset); checkbox lists are named
//! `field[]` so both the plain form post and the hydrated client decode them as a sequence. A plain form
//! post (JavaScript off) that starts runs or creates a profile is redirected to the profile page.
// The profile forms carry the workspace, the profile and three fields.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::{
    baselines::{ProfileDetail, ProfileDto, ScheduleDto, SnapshotItemDto},
    error::AppError,
    operations::Started,
};

/// The page of one profile.
pub fn profile_href(workspace: &str, profile: i64) -> String {
    format!("/admin/workspaces/{workspace}/baselines/{profile}")
}

/// The workspace's baseline profiles (with `baselines.view`).
#[server(endpoint = "baselines/list")]
pub async fn list_baselines(workspace: String) -> Result<Vec<ProfileDto>, AppError> {
    use crate::{authz::server::enter_current, baselines::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    service::list_profiles(&state.db, &scope).await
}

/// One profile with its snapshots, assigned tenants, compare slots, the tenants the caller sees and
/// whether the caller may manage it.
#[server(endpoint = "baselines/get")]
pub async fn get_baseline(workspace: String, profile: i64) -> Result<ProfileDetail, AppError> {
    use crate::{authz::server::enter_current, baselines::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    service::get_profile(&state.db, &scope, profile).await
}

/// Creates a profile. `policy_types` are keys of [`GOVERNED_TYPES`](crate::baselines::GOVERNED_TYPES).
/// A plain form post is redirected to the new profile's page.
#[server(endpoint = "baselines/create")]
pub async fn create_baseline(
    workspace: String,
    name: Option<String>,
    description: Option<String>,
    policy_types: Option<Vec<String>>,
) -> Result<ProfileDto, AppError> {
    use crate::{authz::server::enter_current, baselines::server::service, baselines::ProfileInput};
    let (state, scope) = enter_current(&workspace, None).await?;
    let input = ProfileInput::parse(name.as_deref(), description.as_deref(), &policy_types.unwrap_or_default())?;
    let created = service::create_profile(&state.db, &scope, input).await?;
    if crate::members::server::is_plain_form_post() {
        leptos_axum::redirect(&profile_href(&workspace, created.id));
    }
    Ok(created)
}

/// Changes a profile's name, description and types (changing the types retires the active snapshot).
#[server(endpoint = "baselines/update")]
pub async fn update_baseline(
    workspace: String,
    profile: i64,
    name: Option<String>,
    description: Option<String>,
    policy_types: Option<Vec<String>>,
) -> Result<ProfileDto, AppError> {
    use crate::{authz::server::enter_current, baselines::server::service, baselines::ProfileInput};
    let (state, scope) = enter_current(&workspace, None).await?;
    let input = ProfileInput::parse(name.as_deref(), description.as_deref(), &policy_types.unwrap_or_default())?;
    service::update_profile(&state.db, &scope, profile, input).await
}

/// Starts a capture of the profile from `tenant` (or returns the one already queued or running).
#[server(endpoint = "baselines/capture")]
pub async fn capture_baseline(workspace: String, profile: i64, tenant: i64) -> Result<Started, AppError> {
    use crate::{authz::server::enter_current, baselines::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    let started = service::capture(&state.db, &scope, profile, tenant).await?;
    redirect_with_notice(&workspace, profile, &started);
    Ok(started)
}

/// Assigns (`assigned = true`) or unassigns the profile to/from `tenant`.
#[server(endpoint = "baselines/assign")]
pub async fn assign_baseline(workspace: String, profile: i64, tenant: i64, assigned: bool) -> Result<(), AppError> {
    use crate::{authz::server::enter_current, baselines::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    service::set_assigned(&state.db, &scope, profile, tenant, assigned).await
}

/// Adds a weekly compare slot: `days` are weekday numbers (1 = Monday … 7 = Sunday), `time` is `HH:MM`
/// UTC.
#[server(endpoint = "baselines/slot_add")]
pub async fn add_compare_slot(
    workspace: String,
    profile: i64,
    days: Option<Vec<i64>>,
    time: Option<String>,
) -> Result<ScheduleDto, AppError> {
    use crate::{authz::server::enter_current, baselines::server::service, baselines::Slot};
    let (state, scope) = enter_current(&workspace, None).await?;
    let slot = Slot::parse(&days.unwrap_or_default(), time.as_deref())?;
    service::add_schedule(&state.db, &scope, profile, slot).await
}

/// Removes a compare slot of the profile.
#[server(endpoint = "baselines/slot_remove")]
pub async fn remove_compare_slot(workspace: String, profile: i64, schedule: i64) -> Result<(), AppError> {
    use crate::{authz::server::enter_current, baselines::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    service::remove_schedule(&state.db, &scope, profile, schedule).await
}

/// Starts a compare of one assigned tenant against the profile's active snapshot.
#[server(endpoint = "baselines/compare")]
pub async fn start_compare(workspace: String, profile: i64, tenant: i64) -> Result<Started, AppError> {
    use crate::{authz::server::enter_current, baselines::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    let started = service::start_compare(&state.db, &scope, profile, tenant, None).await?;
    redirect_with_notice(&workspace, profile, &started);
    Ok(started)
}

/// "Compare all assigned": one compare run per assigned tenant the caller sees. A plain form post is
/// redirected to the profile page with `compared=<number of runs>`.
#[server(endpoint = "baselines/compare_all")]
pub async fn compare_all_assigned(workspace: String, profile: i64) -> Result<Vec<Started>, AppError> {
    use crate::{authz::server::enter_current, baselines::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    let started = service::compare_all(&state.db, &scope, profile).await?;
    if crate::members::server::is_plain_form_post() {
        leptos_axum::redirect(&format!("{}?compared={}", profile_href(&workspace, profile), started.len()));
    }
    Ok(started)
}

/// The items (baseline policies) of one snapshot of the profile.
#[server(endpoint = "baselines/snapshot_items")]
pub async fn get_snapshot_items(
    workspace: String,
    profile: i64,
    snapshot: i64,
) -> Result<Vec<SnapshotItemDto>, AppError> {
    use crate::{authz::server::enter_current, baselines::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    service::snapshot_items(&state.db, &scope, profile, snapshot).await
}

/// After a plain form post (JavaScript off) that started a run: redirect to the profile page with the
/// notice in the query (the hydrated client reads the returned [`Started`] instead).
#[cfg(feature = "ssr")]
fn redirect_with_notice(workspace: &str, profile: i64, started: &Started) {
    if crate::members::server::is_plain_form_post() {
        let notice = crate::components::RunNotice::from_started(started);
        leptos_axum::redirect(&format!("{}?{}", profile_href(workspace, profile), notice.query()));
    }
}
