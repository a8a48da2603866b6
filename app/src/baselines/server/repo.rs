//! SQL over baseline profiles, snapshots and their items, assignments and schedules. Everything is
//! workspace-owned: reads and writes bind the [`WorkspaceScope`]'s workspace, or — for the capture and
//! compare runs — the claimed run's [`TenantBound`] scope.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::{
    authz::server::{TenantBound, WorkspaceBound, WorkspaceScope},
    baselines::{AssignedTenant, Gap, ProfileDto, ScheduleDto, Slot, SnapshotDto, SnapshotItemDto, SnapshotStatus},
    db::{internal, on_constraint, Column, Db, Ex, Filter, Rows, Tx},
    db_run,
    error::AppError,
};

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProfileRow {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub description: String,
    pub policy_types: String,
    pub active_snapshot_id: Option<i64>,
    pub assigned_tenants: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProfileRow {
    pub fn types(&self) -> Vec<String> {
        serde_json::from_str(&self.policy_types).unwrap_or_default()
    }

    pub fn dto(&self) -> ProfileDto {
        ProfileDto {
            id: self.id,
            name: self.name.clone(),
            description: self.description.clone(),
            policy_types: self.types(),
            active_snapshot_id: self.active_snapshot_id,
            assigned_tenants: self.assigned_tenants,
            created_at: time(self.created_at),
            updated_at: time(self.updated_at),
        }
    }
}

const PROFILE_SELECT: &str = "SELECT p.id, p.workspace_id, p.name, p.description, p.policy_types, p.active_snapshot_id, \
     (SELECT COUNT(*) FROM baseline_assignments a WHERE a.profile_id = p.id) AS assigned_tenants, p.created_at, p.updated_at \
     FROM baseline_profiles p";

pub async fn select_profiles(db: &Db, scope: &WorkspaceScope) -> Result<Vec<ProfileRow>, AppError> {
    let sql = format!("{PROFILE_SELECT} WHERE p.workspace_id = $1 ORDER BY p.name, p.id");
    db_run!(db, p => sqlx::query_as::<_, ProfileRow>(&sql).bind(scope.workspace_id()).fetch_all(p).await)
        .map_err(internal)
}

/// A profile of the workspace; `workspace_id` comes from a checked scope.
pub async fn select_profile<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl WorkspaceBound,
    id: i64,
) -> Result<Option<ProfileRow>, AppError> {
    let sql = format!("{PROFILE_SELECT} WHERE p.workspace_id = $1 AND p.id = $2");
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query_as::<_, ProfileRow>(&sql).bind(scope.bound_workspace()).bind(id).fetch_optional(p).await).map_err(internal)
}

pub async fn insert_profile(
    tx: &mut Tx,
    scope: &WorkspaceScope,
    name: &str,
    description: &str,
    types: &[String],
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let types = serde_json::to_string(types).map_err(|_| AppError::Internal)?;
    db_run!(tx, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO baseline_profiles (workspace_id, name, description, policy_types, created_by_user_id, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id")
        .bind(scope.workspace_id()).bind(name).bind(description).bind(&types).bind(scope.actor_id()).bind(now)
        .fetch_one(p).await)
    .map_err(|e| on_constraint(e, "baseline_profiles_name_key", "name_taken"))
}

/// Updates name, description and types; a change of types clears the active snapshot (it no longer
/// covers the scope). Returns false when the profile is not the workspace's.
#[allow(clippy::too_many_arguments)]
pub async fn update_profile(
    tx: &mut Tx,
    scope: &WorkspaceScope,
    id: i64,
    name: &str,
    description: &str,
    types: &[String],
    clear_snapshot: bool,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let types = serde_json::to_string(types).map_err(|_| AppError::Internal)?;
    db_run!(tx, p => sqlx::query(
        "UPDATE baseline_profiles SET name = $1, description = $2, policy_types = $3, \
         active_snapshot_id = CASE WHEN $4 THEN NULL ELSE active_snapshot_id END, updated_at = $5 \
         WHERE workspace_id = $6 AND id = $7")
        .bind(name).bind(description).bind(&types).bind(clear_snapshot).bind(now).bind(scope.workspace_id()).bind(id)
        .execute(p).await.map(|r| r.rows_affected() == 1))
    .map_err(|e| on_constraint(e, "baseline_profiles_name_key", "name_taken"))
}

// ---- snapshots ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SnapshotRow {
    pub id: i64,
    pub workspace_id: i64,
    pub profile_id: i64,
    pub source_tenant_id: Option<i64>,
    pub source_tenant_name: Option<String>,
    pub status: String,
    pub identity_hash: Option<String>,
    pub item_count: i64,
    pub gaps: String,
    pub run_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub captured_at: Option<DateTime<Utc>>,
}

impl SnapshotRow {
    pub fn status(&self) -> SnapshotStatus {
        SnapshotStatus::parse(&self.status).unwrap_or(SnapshotStatus::Incomplete)
    }

    pub fn gaps(&self) -> Vec<Gap> {
        serde_json::from_str(&self.gaps).unwrap_or_default()
    }

    pub fn dto(&self, active: Option<i64>) -> SnapshotDto {
        let status = self.status();
        SnapshotDto {
            id: self.id,
            profile_id: self.profile_id,
            source_tenant_id: self.source_tenant_id,
            source_tenant_name: self.source_tenant_name.clone(),
            status,
            superseded: status != SnapshotStatus::Building && active != Some(self.id),
            item_count: self.item_count,
            gaps: self.gaps(),
            run_id: self.run_id,
            created_at: time(self.created_at),
            captured_at: self.captured_at.map(time),
        }
    }
}

const SNAPSHOT_SELECT: &str =
    "SELECT s.id, s.workspace_id, s.profile_id, s.source_tenant_id, t.display_name AS source_tenant_name, \
     s.status, s.identity_hash, s.item_count, s.gaps, s.run_id, s.created_at, s.captured_at FROM baseline_snapshots s \
     LEFT JOIN tenants t ON t.id = s.source_tenant_id";

pub async fn select_snapshots(
    db: &Db,
    scope: &impl WorkspaceBound,
    profile_id: i64,
) -> Result<Vec<SnapshotRow>, AppError> {
    let sql = format!("{SNAPSHOT_SELECT} WHERE s.workspace_id = $1 AND s.profile_id = $2 ORDER BY s.id DESC LIMIT 50");
    db_run!(db, p => sqlx::query_as::<_, SnapshotRow>(&sql).bind(scope.bound_workspace()).bind(profile_id).fetch_all(p).await)
        .map_err(internal)
}

pub async fn select_snapshot<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl WorkspaceBound,
    id: i64,
) -> Result<Option<SnapshotRow>, AppError> {
    let sql = format!("{SNAPSHOT_SELECT} WHERE s.workspace_id = $1 AND s.id = $2");
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query_as::<_, SnapshotRow>(&sql).bind(scope.bound_workspace()).bind(id).fetch_optional(p).await).map_err(internal)
}

/// A building snapshot of the profile, captured from the run's tenant.
pub async fn insert_snapshot(
    tx: &mut Tx,
    scope: &impl TenantBound,
    profile_id: i64,
    run_id: i64,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    db_run!(tx, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO baseline_snapshots (workspace_id, profile_id, source_tenant_id, status, run_id, created_by_user_id, \
         created_at) VALUES ($1, $2, $3, 'building', $4, $5, $6) RETURNING id")
        .bind(scope.bound_workspace_id()).bind(profile_id).bind(scope.bound_tenant_id()).bind(run_id).bind(by).bind(now)
        .fetch_one(p).await)
    .map_err(internal)
}

/// One captured baseline policy.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub policy_type: String,
    pub display_name: String,
    pub settings_hash: String,
    pub settings: String,
}

pub async fn insert_items(tx: &mut Tx, snapshot_id: i64, items: &[NewItem]) -> Result<(), AppError> {
    const COLUMNS: &str = "snapshot_id, policy_type, display_name, settings_hash, settings";
    for chunk in items.chunks(500) {
        let text = |f: fn(&NewItem) -> &String| Column::Text(chunk.iter().map(|i| f(i).clone()).collect());
        let Some(rows) = Rows::new(vec![
            Column::Int(vec![snapshot_id; chunk.len()]),
            text(|i| &i.policy_type),
            text(|i| &i.display_name),
            text(|i| &i.settings_hash),
            text(|i| &i.settings),
        ]) else {
            continue;
        };
        match tx {
            Tx::Postgres(t) => {
                let sql = format!("INSERT INTO baseline_snapshot_items ({COLUMNS}) {}", rows.postgres_query());
                rows.bind_postgres(sqlx::query(&sql)).execute(&mut **t).await.map(|_| ())
            }
            Tx::Sqlite(t) => {
                let sql = format!("INSERT INTO baseline_snapshot_items ({COLUMNS}) {}", rows.sqlite_values());
                rows.bind_sqlite(sqlx::query(&sql)).execute(&mut **t).await.map(|_| ())
            }
        }
        .map_err(internal)?;
    }
    Ok(())
}

/// Finishes a building snapshot (complete or incomplete) and, when complete, makes it the profile's
/// active one (the previous one becomes superseded).
#[allow(clippy::too_many_arguments)]
pub async fn finish_snapshot(
    tx: &mut Tx,
    scope: &impl WorkspaceBound,
    profile_id: i64,
    id: i64,
    status: SnapshotStatus,
    identity_hash: &str,
    item_count: i64,
    gaps: &[Gap],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let gaps = serde_json::to_string(gaps).map_err(|_| AppError::Internal)?;
    db_run!(&mut *tx, p => sqlx::query(
        "UPDATE baseline_snapshots SET status = $1, identity_hash = $2, item_count = $3, gaps = $4, captured_at = $5 \
         WHERE workspace_id = $6 AND id = $7 AND status = 'building'")
        .bind(status.id()).bind(identity_hash).bind(item_count).bind(&gaps).bind(now).bind(scope.bound_workspace()).bind(id)
        .execute(p).await.map(|_| ()))
    .map_err(internal)?;
    if status == SnapshotStatus::Complete {
        db_run!(tx, p => sqlx::query(
            "UPDATE baseline_profiles SET active_snapshot_id = $1, updated_at = $2 WHERE workspace_id = $3 AND id = $4")
            .bind(id).bind(now).bind(scope.bound_workspace()).bind(profile_id).execute(p).await.map(|_| ()))
        .map_err(internal)?;
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub policy_type: String,
    pub display_name: String,
    pub settings_hash: String,
    pub settings: String,
}

impl ItemRow {
    pub fn dto(&self) -> SnapshotItemDto {
        SnapshotItemDto {
            id: self.id,
            policy_type: self.policy_type.clone(),
            display_name: self.display_name.clone(),
            settings_hash: self.settings_hash.clone(),
            settings: serde_json::from_str(&self.settings).unwrap_or_default(),
        }
    }
}

/// The items of a snapshot of the workspace.
pub async fn select_items(db: &Db, scope: &impl WorkspaceBound, snapshot_id: i64) -> Result<Vec<ItemRow>, AppError> {
    db_run!(db, p => sqlx::query_as::<_, ItemRow>(
        "SELECT i.id, i.policy_type, i.display_name, i.settings_hash, i.settings FROM baseline_snapshot_items i \
         JOIN baseline_snapshots s ON s.id = i.snapshot_id WHERE s.workspace_id = $1 AND i.snapshot_id = $2 \
         ORDER BY i.policy_type, i.display_name, i.id")
        .bind(scope.bound_workspace()).bind(snapshot_id).fetch_all(p).await)
    .map_err(internal)
}

// ---- assignments ----

pub async fn insert_assignment(
    tx: &mut Tx,
    scope: &WorkspaceScope,
    profile_id: i64,
    tenant_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    db_run!(tx, p => sqlx::query(
        "INSERT INTO baseline_assignments (profile_id, tenant_id, workspace_id, created_by_user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (profile_id, tenant_id) DO NOTHING")
        .bind(profile_id).bind(tenant_id).bind(scope.workspace_id()).bind(scope.actor_id()).bind(now)
        .execute(p).await.map(|r| r.rows_affected() == 1))
    .map_err(internal)
}

pub async fn delete_assignment(
    tx: &mut Tx,
    scope: &WorkspaceScope,
    profile_id: i64,
    tenant_id: i64,
) -> Result<bool, AppError> {
    db_run!(tx, p => sqlx::query(
        "DELETE FROM baseline_assignments WHERE workspace_id = $1 AND profile_id = $2 AND tenant_id = $3")
        .bind(scope.workspace_id()).bind(profile_id).bind(tenant_id).execute(p).await.map(|r| r.rows_affected() == 1))
    .map_err(internal)
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct AssignedRow {
    tenant_id: i64,
    tenant_name: String,
    last_run_id: Option<i64>,
    last_at: Option<DateTime<Utc>>,
    last_outcome: Option<String>,
    open_findings: i64,
}

/// Tenants a profile is assigned to that the member sees, with their last compare of this profile.
pub async fn select_assigned(
    db: &Db,
    scope: &WorkspaceScope,
    profile_id: i64,
) -> Result<Vec<AssignedTenant>, AppError> {
    let f = Filter::new()
        .eq("a.workspace_id", scope.workspace_id())
        .eq("a.profile_id", profile_id)
        .visible("a.tenant_id", scope.tenant_filter());
    if f.matches_nothing() {
        return Ok(Vec::new());
    }
    let last =
        "(SELECT MAX(r.id) FROM operation_runs r WHERE r.tenant_id = a.tenant_id AND r.run_type = 'compare.run' \
                AND r.idempotency_key = CAST(a.profile_id AS TEXT))";
    let sql = format!(
        "SELECT a.tenant_id, t.display_name AS tenant_name, lr.id AS last_run_id, COALESCE(lr.completed_at, lr.created_at) AS last_at, \
         lr.outcome AS last_outcome, (SELECT COUNT(*) FROM findings f WHERE f.tenant_id = a.tenant_id AND f.profile_id = a.profile_id \
         AND f.status IN ('new', 'triaged', 'in_progress', 'reopened')) AS open_findings \
         FROM baseline_assignments a JOIN tenants t ON t.id = a.tenant_id LEFT JOIN operation_runs lr ON lr.id = {last}{} \
         ORDER BY t.display_name, a.tenant_id",
        f.sql()
    );
    let rows = db_run!(db, p => f.bind(sqlx::query_as::<_, AssignedRow>(&sql)).fetch_all(p).await).map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|r| AssignedTenant {
            tenant_id: r.tenant_id,
            tenant_name: r.tenant_name,
            last_compare_run_id: r.last_run_id,
            last_compare_at: r.last_at.map(time),
            last_compare_outcome: r.last_outcome,
            open_findings: r.open_findings,
        })
        .collect())
}

/// All tenants a profile is assigned to, for the system's schedule sweep over every workspace.
pub async fn select_assigned_ids(
    db: &Db,
    _system: &crate::authz::server::SystemScope,
    workspace_id: i64,
    profile_id: i64,
) -> Result<Vec<i64>, AppError> {
    db_run!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT a.tenant_id FROM baseline_assignments a JOIN tenants t ON t.id = a.tenant_id \
         WHERE a.workspace_id = $1 AND a.profile_id = $2 AND t.lifecycle <> 'archived' ORDER BY a.tenant_id")
        .bind(workspace_id).bind(profile_id).fetch_all(p).await)
    .map_err(internal)
}

/// Whether the run's tenant is assigned to the profile.
pub async fn is_assigned(db: &Db, scope: &impl TenantBound, profile_id: i64) -> Result<bool, AppError> {
    let n = db_run!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM baseline_assignments WHERE workspace_id = $1 AND tenant_id = $2 AND profile_id = $3")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(profile_id).fetch_one(p).await)
    .map_err(internal)?;
    Ok(n > 0)
}

/// Profiles assigned per tenant of the workspace.
pub async fn count_assignments(db: &Db, scope: &WorkspaceScope) -> Result<HashMap<i64, i64>, AppError> {
    let rows = db_run!(db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT tenant_id, COUNT(*) FROM baseline_assignments WHERE workspace_id = $1 GROUP BY tenant_id")
        .bind(scope.workspace_id()).fetch_all(p).await)
    .map_err(internal)?;
    Ok(rows.into_iter().collect())
}

// ---- schedules ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScheduleRow {
    pub id: i64,
    pub workspace_id: i64,
    pub profile_id: i64,
    pub weekdays: i64,
    pub minute_of_day: i64,
    pub last_fired_at: Option<DateTime<Utc>>,
}

impl ScheduleRow {
    pub fn slot(&self) -> Slot {
        Slot { weekdays: self.weekdays as u8, minute_of_day: self.minute_of_day as u16 }
    }

    pub fn dto(&self) -> ScheduleDto {
        let slot = self.slot();
        ScheduleDto { id: self.id, days: slot.days(), time: slot.time(), last_fired_at: self.last_fired_at.map(time) }
    }
}

const SCHEDULE_SELECT: &str =
    "SELECT id, workspace_id, profile_id, weekdays, minute_of_day, last_fired_at FROM baseline_schedules";

pub async fn select_schedules<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl WorkspaceBound,
    profile_id: i64,
) -> Result<Vec<ScheduleRow>, AppError> {
    let sql = format!("{SCHEDULE_SELECT} WHERE workspace_id = $1 AND profile_id = $2 ORDER BY id");
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query_as::<_, ScheduleRow>(&sql).bind(scope.bound_workspace()).bind(profile_id).fetch_all(p).await).map_err(internal)
}

/// Every schedule of every active workspace (the scheduler's tick).
pub async fn select_all_schedules(db: &Db) -> Result<Vec<ScheduleRow>, AppError> {
    let sql = format!(
        "{SCHEDULE_SELECT} WHERE workspace_id IN (SELECT id FROM workspaces WHERE status = 'active') ORDER BY id"
    );
    db_run!(db, p => sqlx::query_as::<_, ScheduleRow>(&sql).fetch_all(p).await).map_err(internal)
}

pub async fn insert_schedule(
    tx: &mut Tx,
    scope: &WorkspaceScope,
    profile_id: i64,
    slot: Slot,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    db_run!(tx, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO baseline_schedules (workspace_id, profile_id, weekdays, minute_of_day, created_by_user_id, created_at, \
         last_fired_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id")
        .bind(scope.workspace_id()).bind(profile_id).bind(i64::from(slot.weekdays)).bind(i64::from(slot.minute_of_day))
        .bind(scope.actor_id()).bind(now).fetch_one(p).await)
    .map_err(internal)
}

pub async fn delete_schedule(tx: &mut Tx, scope: &WorkspaceScope, profile_id: i64, id: i64) -> Result<bool, AppError> {
    db_run!(tx, p => sqlx::query("DELETE FROM baseline_schedules WHERE workspace_id = $1 AND profile_id = $2 AND id = $3")
        .bind(scope.workspace_id()).bind(profile_id).bind(id).execute(p).await.map(|r| r.rows_affected() == 1))
    .map_err(internal)
}

/// Marks a slot fired at `at` unless another server did already (true: this caller fires it).
pub async fn mark_fired(
    tx: &mut Tx,
    id: i64,
    previous: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<bool, AppError> {
    db_run!(tx, p => sqlx::query(
        "UPDATE baseline_schedules SET last_fired_at = $1 WHERE id = $2 AND (last_fired_at IS NULL OR last_fired_at < $1) \
         AND (last_fired_at = $3 OR ($3 IS NULL AND last_fired_at IS NULL))")
        .bind(at).bind(id).bind(previous).execute(p).await.map(|r| r.rows_affected() == 1))
    .map_err(internal)
}

// ---- the compare's tenant side ----

/// A current policy of the tenant with its latest version content (normalized, redacted).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TenantPolicy {
    pub id: i64,
    pub policy_type: String,
    pub display_name: String,
    pub snapshot: String,
}

/// The tenant's current (not missing, not ignored) policies of `types` with their latest version.
pub async fn select_tenant_policies(
    db: &Db,
    scope: &impl TenantBound,
    types: &[String],
) -> Result<Vec<TenantPolicy>, AppError> {
    if types.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..types.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT p.id, p.policy_type, p.display_name, v.snapshot FROM policies p JOIN policy_versions v ON v.id = p.latest_version_id \
         WHERE p.workspace_id = $1 AND p.tenant_id = $2 AND p.missing_from_provider_at IS NULL AND p.ignored_at IS NULL \
         AND p.policy_type IN ({}) ORDER BY p.policy_type, p.display_name, p.id",
        marks.join(", ")
    );
    db_run!(db, p => {
        let mut q = sqlx::query_as::<_, TenantPolicy>(&sql).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id());
        for t in types {
            q = q.bind(t);
        }
        q.fetch_all(p).await
    })
    .map_err(internal)
}

/// Coverage status per type of the tenant: type → (status, reason).
pub async fn select_coverage(
    db: &Db,
    scope: &impl TenantBound,
) -> Result<HashMap<String, (String, Option<String>)>, AppError> {
    let rows = db_run!(db, p => sqlx::query_as::<_, (String, String, Option<String>)>(
        "SELECT c.policy_type, c.status, c.reason_code FROM inventory_coverage c JOIN tenants t ON t.id = c.tenant_id \
         WHERE c.tenant_id = $1 AND t.workspace_id = $2")
        .bind(scope.bound_tenant_id()).bind(scope.bound_workspace_id()).fetch_all(p).await)
    .map_err(internal)?;
    Ok(rows.into_iter().map(|(t, s, r)| (t, (s, r))).collect())
}
