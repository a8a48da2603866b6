//! Baselines as members use them: profiles (list, read, create, change), capture from a tenant, assign
//! to tenants, weekly compare slots, and compare runs (one tenant, or every assigned tenant as one run
//! each). Reads need `baselines.view`; changes and runs `baselines.manage` (runs also
//! `operations.start`). Every change commits with its audit entry. A profile of another workspace, or a
//! tenant the member does not see, is `NotFound`.

use chrono::Utc;
use serde_json::json;

use super::repo;
use crate::{
    audit::server::{record, AuditEvent},
    authz::{server::WorkspaceScope, Capability},
    baselines::{
        ProfileDetail, ProfileDto, ProfileInput, ScheduleDto, Slot, SnapshotItemDto, SnapshotStatus, MAX_SCHEDULES,
    },
    db::Db,
    error::AppError,
    operations::{
        server::service::{self as runs, StartRun},
        RunType, Started,
    },
};

async fn profile(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<repo::ProfileRow, AppError> {
    repo::select_profile(db, scope, id).await?.ok_or(AppError::NotFound)
}

pub async fn list_profiles(db: &Db, scope: &WorkspaceScope) -> Result<Vec<ProfileDto>, AppError> {
    scope.require(Capability::BaselinesView)?;
    Ok(repo::select_profiles(db, scope).await?.iter().map(repo::ProfileRow::dto).collect())
}

pub async fn get_profile(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<ProfileDetail, AppError> {
    scope.require(Capability::BaselinesView)?;
    let p = profile(db, scope, id).await?;
    let snapshots = repo::select_snapshots(db, scope, id).await?;
    let active = p.active_snapshot_id;
    let visible = crate::members::server::service::visible_tenants(db, scope).await?;
    // A snapshot captured from a tenant the member does not see names no tenant (as lists only name
    // tenants the viewer may see).
    let hide_source = |mut s: crate::baselines::SnapshotDto| {
        if s.source_tenant_id.is_some_and(|t| !visible.iter().any(|v| v.id == t)) {
            s.source_tenant_id = None;
            s.source_tenant_name = None;
        }
        s
    };
    Ok(ProfileDetail {
        snapshots: snapshots.iter().map(|s| hide_source(s.dto(active))).collect(),
        assignments: repo::select_assigned(db, scope, id).await?,
        schedules: repo::select_schedules(db, scope, id).await?.iter().map(repo::ScheduleRow::dto).collect(),
        tenants: visible.iter().filter(|t| !t.archived).cloned().collect(),
        can_manage: scope.can(Capability::BaselinesManage),
        profile: p.dto(),
    })
}

pub async fn create_profile(db: &Db, scope: &WorkspaceScope, input: ProfileInput) -> Result<ProfileDto, AppError> {
    scope.require(Capability::BaselinesManage)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let id = repo::insert_profile(&mut tx, scope, &input.name, &input.description, &input.policy_types, now).await?;
    let event = AuditEvent::new("baseline_profile.create", "baseline_profile", id)
        .summary(format!("Created baseline {}", input.name))
        .metadata(json!({ "policy_types": input.policy_types }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    Ok(profile(db, scope, id).await?.dto())
}

/// Changes name, description and types. Changing the types retires the active snapshot (it does not
/// cover the new scope): capture again before comparing.
pub async fn update_profile(
    db: &Db,
    scope: &WorkspaceScope,
    id: i64,
    input: ProfileInput,
) -> Result<ProfileDto, AppError> {
    scope.require(Capability::BaselinesView)?;
    let before = profile(db, scope, id).await?;
    scope.require(Capability::BaselinesManage)?;
    let types_changed = before.types() != input.policy_types;
    let mut tx = db.begin().await?;
    repo::update_profile(
        &mut tx,
        scope,
        id,
        &input.name,
        &input.description,
        &input.policy_types,
        types_changed,
        Utc::now(),
    )
    .await?;
    let event = AuditEvent::new("baseline_profile.update", "baseline_profile", id)
        .summary(format!("Changed baseline {}", input.name))
        .metadata(json!({ "policy_types": input.policy_types, "snapshot_retired": types_changed && before.active_snapshot_id.is_some() }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    Ok(profile(db, scope, id).await?.dto())
}

/// Starts a capture of the profile from `tenant_id`.
pub async fn capture(db: &Db, scope: &WorkspaceScope, id: i64, tenant_id: i64) -> Result<Started, AppError> {
    scope.require(Capability::BaselinesView)?;
    profile(db, scope, id).await?;
    scope.tenant(db, tenant_id, Capability::BaselinesView).await?;
    scope.require(Capability::BaselinesManage)?;
    let mut req = StartRun::new(RunType::BaselineCapture, Some(tenant_id));
    req.idempotency_key = id.to_string();
    req.context = json!({ "profile_id": id });
    runs::start(db, scope, req).await
}

/// Assigns (`assigned = true`) or unassigns the profile to/from a tenant.
pub async fn set_assigned(
    db: &Db,
    scope: &WorkspaceScope,
    id: i64,
    tenant_id: i64,
    assigned: bool,
) -> Result<(), AppError> {
    scope.require(Capability::BaselinesView)?;
    let p = profile(db, scope, id).await?;
    scope.tenant(db, tenant_id, Capability::BaselinesView).await?;
    scope.require(Capability::BaselinesManage)?;
    let mut tx = db.begin().await?;
    let changed = if assigned {
        repo::insert_assignment(&mut tx, scope, id, tenant_id, Utc::now()).await?
    } else {
        repo::delete_assignment(&mut tx, scope, id, tenant_id).await?
    };
    if !changed {
        return Ok(());
    }
    let (action, verb) = if assigned {
        ("baseline_assignment.create", "Assigned")
    } else {
        ("baseline_assignment.delete", "Unassigned")
    };
    let event = AuditEvent::new(action, "baseline_profile", id)
        .tenant(tenant_id)
        .summary(format!("{verb} baseline {}", p.name));
    record(&mut tx, scope, event).await?;
    tx.commit().await
}

/// Adds a weekly compare slot: at most [`MAX_SCHEDULES`] per profile (`schedule: too_many`); a slot less
/// than an hour from another on a shared weekday is `schedule: overlapping`.
pub async fn add_schedule(db: &Db, scope: &WorkspaceScope, id: i64, slot: Slot) -> Result<ScheduleDto, AppError> {
    scope.require(Capability::BaselinesView)?;
    let p = profile(db, scope, id).await?;
    scope.require(Capability::BaselinesManage)?;
    let mut tx = db.begin().await?;
    let existing = repo::select_schedules(&mut tx, scope, id).await?;
    if existing.len() >= MAX_SCHEDULES {
        return Err(AppError::validation("schedule", "too_many"));
    }
    if existing.iter().any(|s| s.slot().overlaps(slot)) {
        return Err(AppError::validation("schedule", "overlapping"));
    }
    let sid = repo::insert_schedule(&mut tx, scope, id, slot, Utc::now()).await?;
    let event = AuditEvent::new("baseline_schedule.create", "baseline_profile", id)
        .summary(format!("Scheduled compares of baseline {}", p.name))
        .metadata(json!({ "schedule_id": sid, "days": slot.days(), "time": slot.time() }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    Ok(ScheduleDto { id: sid, days: slot.days(), time: slot.time(), last_fired_at: None })
}

pub async fn remove_schedule(db: &Db, scope: &WorkspaceScope, id: i64, schedule_id: i64) -> Result<(), AppError> {
    scope.require(Capability::BaselinesView)?;
    let p = profile(db, scope, id).await?;
    scope.require(Capability::BaselinesManage)?;
    let mut tx = db.begin().await?;
    if !repo::delete_schedule(&mut tx, scope, id, schedule_id).await? {
        return Err(AppError::NotFound);
    }
    let event = AuditEvent::new("baseline_schedule.delete", "baseline_profile", id)
        .summary(format!("Removed a compare slot of baseline {}", p.name))
        .metadata(json!({ "schedule_id": schedule_id }));
    record(&mut tx, scope, event).await?;
    tx.commit().await
}

/// Why a compare cannot start: the profile has no complete, current snapshot (`no_snapshot`), the named
/// snapshot is not the profile's (`NotFound`), incomplete (`snapshot_incomplete`) or superseded
/// (`snapshot_superseded`), or the tenant is not assigned (`not_assigned`).
async fn check_compare(
    db: &Db,
    scope: &WorkspaceScope,
    p: &repo::ProfileRow,
    snapshot: Option<i64>,
) -> Result<i64, AppError> {
    let id = match snapshot {
        Some(s) => s,
        None => p.active_snapshot_id.ok_or_else(|| AppError::Conflict("no_snapshot".into()))?,
    };
    let s = repo::select_snapshot(db, scope, id).await?.filter(|s| s.profile_id == p.id).ok_or(AppError::NotFound)?;
    match s.status() {
        SnapshotStatus::Complete if p.active_snapshot_id == Some(id) => Ok(id),
        SnapshotStatus::Complete => Err(AppError::Conflict("snapshot_superseded".into())),
        SnapshotStatus::Incomplete | SnapshotStatus::Building => Err(AppError::Conflict("snapshot_incomplete".into())),
    }
}

/// Starts a compare of one assigned tenant against the profile's active snapshot (or the named one,
/// which must be it).
pub async fn start_compare(
    db: &Db,
    scope: &WorkspaceScope,
    id: i64,
    tenant_id: i64,
    snapshot: Option<i64>,
) -> Result<Started, AppError> {
    scope.require(Capability::BaselinesView)?;
    let p = profile(db, scope, id).await?;
    let tenant = scope.tenant(db, tenant_id, Capability::BaselinesView).await?;
    scope.require(Capability::BaselinesManage)?;
    let snapshot_id = check_compare(db, scope, &p, snapshot).await?;
    if !repo::is_assigned(db, &tenant, id).await? {
        return Err(AppError::Conflict("not_assigned".into()));
    }
    let mut req = StartRun::new(RunType::CompareRun, Some(tenant_id));
    req.idempotency_key = id.to_string();
    req.context = json!({ "profile_id": id, "snapshot_id": snapshot_id });
    runs::start(db, scope, req).await
}

/// "Compare all assigned": one run per assigned tenant the member sees (no umbrella run).
pub async fn compare_all(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<Vec<Started>, AppError> {
    scope.require(Capability::BaselinesView)?;
    let p = profile(db, scope, id).await?;
    scope.require(Capability::BaselinesManage)?;
    check_compare(db, scope, &p, None).await?;
    let mut out = Vec::new();
    for t in repo::select_assigned(db, scope, id).await? {
        out.push(start_compare(db, scope, id, t.tenant_id, None).await?);
    }
    Ok(out)
}

/// The items of one snapshot of the profile.
pub async fn snapshot_items(
    db: &Db,
    scope: &WorkspaceScope,
    id: i64,
    snapshot_id: i64,
) -> Result<Vec<SnapshotItemDto>, AppError> {
    scope.require(Capability::BaselinesView)?;
    profile(db, scope, id).await?;
    repo::select_snapshot(db, scope, snapshot_id).await?.filter(|s| s.profile_id == id).ok_or(AppError::NotFound)?;
    Ok(repo::select_items(db, scope, snapshot_id).await?.iter().map(repo::ItemRow::dto).collect())
}
