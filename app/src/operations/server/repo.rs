//! SQL for operation runs. Workspace-facing statements bind the workspace id (and tenant narrowing)
//! themselves; worker statements are guarded by the expected status and the claiming worker's id, so a
//! run that changed under a worker is never overwritten. The claim is the one engine-specific statement.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::{
    authz::server::WorkspaceScope,
    db::internal,
    db::{Db, Filter, RawValue, Tx},
    db_run,
    error::AppError,
    operations::{
        FailureSummary, InitiatorKind, OperationRunDto, RunOutcome, RunQuery, RunState, RunStatus, RunType,
        SummaryCounts,
    },
    paging::Page,
};

const COLUMNS: &str = "id, workspace_id, tenant_id, run_type, status, outcome, initiator_user_id, initiator_kind, \
     idempotency_key, context, summary, progress_done, progress_total, failure, created_at, started_at, heartbeat_at, \
     completed_at, cancel_requested_at, claimed_by";

/// A stored run, as read.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub workspace_id: i64,
    pub tenant_id: Option<i64>,
    pub run_type: String,
    pub status: String,
    pub outcome: String,
    pub initiator_user_id: Option<i64>,
    pub initiator_kind: String,
    pub idempotency_key: String,
    pub context: String,
    pub summary: String,
    pub progress_done: i64,
    pub progress_total: Option<i64>,
    pub failure: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub cancel_requested_at: Option<DateTime<Utc>>,
    pub claimed_by: Option<String>,
}

fn corrupt(what: &str, id: i64) -> AppError {
    tracing::error!(run_id = id, field = what, "unreadable operation run row");
    AppError::Internal
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl RunRow {
    pub fn state(&self) -> Result<RunState, AppError> {
        let status = RunStatus::parse(&self.status).ok_or_else(|| corrupt("status", self.id))?;
        let outcome = RunOutcome::parse(&self.outcome).ok_or_else(|| corrupt("outcome", self.id))?;
        RunState::new(status, outcome).map_err(|_| corrupt("state", self.id))
    }

    pub fn run_type(&self) -> Result<RunType, AppError> {
        RunType::parse(&self.run_type).ok_or_else(|| corrupt("run_type", self.id))
    }

    pub fn into_dto(self) -> Result<OperationRunDto, AppError> {
        let state = self.state()?;
        let likely_stale = state.status == RunStatus::Running
            && self.heartbeat_at.is_some_and(|h| h < Utc::now() - super::STALE_AFTER);
        let id = self.id;
        let failure = match &self.failure {
            Some(f) => Some(serde_json::from_str::<FailureSummary>(f).map_err(|_| corrupt("failure", id))?),
            None => None,
        };
        Ok(OperationRunDto {
            id,
            tenant_id: self.tenant_id,
            status: state.status,
            outcome: state.outcome,
            initiator_user_id: self.initiator_user_id,
            initiator_kind: InitiatorKind::parse(&self.initiator_kind).ok_or_else(|| corrupt("initiator_kind", id))?,
            context: serde_json::from_str(&self.context).map_err(|_| corrupt("context", id))?,
            summary: serde_json::from_str(&self.summary).map_err(|_| corrupt("summary", id))?,
            run_type: self.run_type,
            idempotency_key: self.idempotency_key,
            progress_done: self.progress_done,
            progress_total: self.progress_total,
            failure,
            created_at: time(self.created_at),
            started_at: self.started_at.map(time),
            heartbeat_at: self.heartbeat_at.map(time),
            completed_at: self.completed_at.map(time),
            cancel_requested_at: self.cancel_requested_at.map(time),
            claimed_by: self.claimed_by,
            likely_stale,
        })
    }
}

/// What identifies a run for idempotency, plus what it carries.
pub struct NewRun<'a> {
    pub workspace_id: i64,
    pub tenant_id: Option<i64>,
    pub run_type: RunType,
    pub initiator_user_id: Option<i64>,
    pub initiator_kind: InitiatorKind,
    pub idempotency_key: &'a str,
    pub context: &'a serde_json::Value,
}

/// Inserts a queued run; `None` when an active run with the same identity exists (the partial unique
/// index decides, so two racing starts cannot both insert).
pub async fn insert_run(tx: &mut Tx, run: &NewRun<'_>) -> Result<Option<i64>, AppError> {
    let sql = "INSERT INTO operation_runs (workspace_id, tenant_id, run_type, status, outcome, initiator_user_id, \
               initiator_kind, idempotency_key, context, created_at) \
               VALUES ($1, $2, $3, 'queued', 'pending', $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id";
    let context = run.context.to_string();
    db_run!(tx, p => sqlx::query_scalar::<_, i64>(sql)
        .bind(run.workspace_id).bind(run.tenant_id).bind(run.run_type.id()).bind(run.initiator_user_id)
        .bind(run.initiator_kind.id()).bind(run.idempotency_key).bind(&context).bind(Utc::now())
        .fetch_optional(p).await)
    .map_err(internal)
}

/// The active (queued or running) run with this identity.
pub async fn select_active(db: &Db, run: &NewRun<'_>) -> Result<Option<RunRow>, AppError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM operation_runs WHERE workspace_id = $1 AND COALESCE(tenant_id, 0) = $2 \
         AND run_type = $3 AND idempotency_key = $4 AND status IN ('queued', 'running')"
    );
    db_run!(db, p => sqlx::query_as::<_, RunRow>(&sql)
        .bind(run.workspace_id).bind(run.tenant_id.unwrap_or(0)).bind(run.run_type.id()).bind(run.idempotency_key)
        .fetch_optional(p).await)
    .map_err(internal)
}

/// The runs of the scope's workspace the member may see (a narrowed member sees only their tenants' runs:
/// tenant-less runs stay hidden from them).
fn visible(scope: &WorkspaceScope) -> Filter {
    Filter::new().eq("workspace_id", scope.workspace_id()).visible("tenant_id", scope.tenant_filter())
}

/// One run of the workspace the member may see.
pub async fn select_run(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<Option<RunRow>, AppError> {
    let f = visible(scope).eq("id", id);
    if f.matches_nothing() {
        return Ok(None);
    }
    let sql = format!("SELECT {COLUMNS} FROM operation_runs{}", f.sql());
    db_run!(db, p => f.bind(sqlx::query_as::<_, RunRow>(&sql)).fetch_optional(p).await).map_err(internal)
}

/// A run by id, for workers (no workspace: the system acts on every workspace's queue).
pub async fn select_run_by_id(db: &Db, id: i64) -> Result<Option<RunRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM operation_runs WHERE id = $1");
    db_run!(db, p => sqlx::query_as::<_, RunRow>(&sql).bind(id).fetch_optional(p).await).map_err(internal)
}

/// One page of the workspace's runs the member may see, newest first; `stale_before` is the heartbeat
/// cut-off applied when `q.stale` is set.
pub async fn select_page(
    db: &Db,
    scope: &WorkspaceScope,
    q: &RunQuery,
    stale_before: DateTime<Utc>,
) -> Result<Page<RunRow>, AppError> {
    let mut f = visible(scope);
    if let Some(t) = q.run_type {
        f = f.eq_text("run_type", t.id());
    }
    if let Some(s) = q.status {
        f = f.eq_text("status", s.id());
    }
    if let Some(o) = q.outcome {
        f = f.eq_text("outcome", o.id());
    }
    if let Some(t) = q.tenant_id {
        f = f.eq("tenant_id", t);
    }
    if q.stale {
        f = f.raw("status = 'running' AND heartbeat_at < ?", vec![RawValue::Time(stale_before)]);
    }
    if f.matches_nothing() {
        return Ok(q.page.wrap(Vec::new(), 0));
    }
    let count_sql = format!("SELECT COUNT(*) FROM operation_runs{}", f.sql());
    let page_sql = f.page(&format!("SELECT {COLUMNS} FROM operation_runs"), "id DESC", q.page.limit(), q.page.offset());
    let total =
        db_run!(db, p => f.bind(sqlx::query_scalar::<_, i64>(&count_sql)).fetch_one(p).await).map_err(internal)?;
    let items =
        db_run!(db, p => f.bind(sqlx::query_as::<_, RunRow>(&page_sql)).fetch_all(p).await).map_err(internal)?;
    Ok(q.page.wrap(items, u64::try_from(total).unwrap_or_default()))
}

/// A queued or running run with its tenant's name, as the progress widget lists it.
#[derive(Debug, sqlx::FromRow)]
pub struct ActiveRow {
    #[sqlx(flatten)]
    pub run: RunRow,
    pub tenant_name: Option<String>,
    /// How many runs match in all (a window count: active runs are few).
    pub total: i64,
}

/// The newest `limit` queued or running runs that the scope's member started in the workspace (narrowing
/// applies), with how many there are in all.
pub async fn select_active_started_by(
    db: &Db,
    scope: &WorkspaceScope,
    limit: i64,
) -> Result<(Vec<ActiveRow>, i64), AppError> {
    let f = visible(scope).eq("initiator_user_id", scope.actor_id()).raw("status IN ('queued', 'running')", vec![]);
    if f.matches_nothing() {
        return Ok((Vec::new(), 0));
    }
    let select = format!(
        "SELECT {COLUMNS}, (SELECT t.display_name FROM tenants t WHERE t.id = operation_runs.tenant_id) AS tenant_name, \
         COUNT(*) OVER () AS total FROM operation_runs"
    );
    let sql = f.page(&select, "id DESC", limit, 0);
    let rows = db_run!(db, p => f.bind(sqlx::query_as::<_, ActiveRow>(&sql)).fetch_all(p).await).map_err(internal)?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok((rows, total))
}

/// Completes a queued run of the workspace as cancelled; false (nothing changed) when the run is no
/// longer queued.
pub async fn cancel_queued(
    tx: &mut Tx,
    scope: &WorkspaceScope,
    id: i64,
    failure: &FailureSummary,
) -> Result<bool, AppError> {
    let sql = "UPDATE operation_runs SET status = 'completed', outcome = 'cancelled', cancel_requested_at = $1, \
               completed_at = $1, failure = $2 WHERE workspace_id = $3 AND id = $4 AND status = 'queued'";
    let failure = json(failure)?;
    db_run!(tx, c => sqlx::query(sql).bind(Utc::now()).bind(&failure).bind(scope.workspace_id()).bind(id).execute(c).await.map(|r| r.rows_affected() == 1))
        .map_err(internal)
}

/// Flags a running run of the workspace for cancellation (kept when already flagged); false (nothing
/// changed) when the run is no longer running.
pub async fn flag_cancel(tx: &mut Tx, scope: &WorkspaceScope, id: i64) -> Result<bool, AppError> {
    let sql = "UPDATE operation_runs SET cancel_requested_at = COALESCE(cancel_requested_at, $1) \
               WHERE workspace_id = $2 AND id = $3 AND status = 'running'";
    db_run!(tx, c => sqlx::query(sql).bind(Utc::now()).bind(scope.workspace_id()).bind(id).execute(c).await.map(|r| r.rows_affected() == 1))
        .map_err(internal)
}

/// Takes the oldest queued run for `worker_id` and marks it running. PostgreSQL skips rows another
/// claimer holds (`FOR UPDATE SKIP LOCKED`); SQLite has a single writer, so the one `UPDATE … WHERE
/// status = 'queued'` is atomic. Either way a run is claimed at most once.
pub async fn claim_next(db: &Db, worker_id: &str) -> Result<Option<RunRow>, AppError> {
    let lock = match db {
        Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        Db::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE operation_runs SET status = 'running', started_at = $1, heartbeat_at = $1, claimed_by = $2 \
         WHERE id = (SELECT id FROM operation_runs WHERE status = 'queued' ORDER BY created_at, id LIMIT 1{lock}) \
         AND status = 'queued' RETURNING {COLUMNS}"
    );
    db_run!(db, p => sqlx::query_as::<_, RunRow>(&sql).bind(Utc::now()).bind(worker_id).fetch_optional(p).await)
        .map_err(internal)
}

/// Records a heartbeat (and progress, when given) for a run `worker_id` holds. `None` when the worker no
/// longer holds it (completed or reconciled meanwhile); else whether cancellation was requested.
pub async fn touch(
    db: &Db,
    id: i64,
    worker_id: &str,
    progress: Option<(i64, Option<i64>)>,
) -> Result<Option<bool>, AppError> {
    let (done, total) = progress.map_or((None, None), |(done, total)| (Some(done), total));
    let sql = "UPDATE operation_runs SET heartbeat_at = $1, progress_done = COALESCE($4, progress_done), \
               progress_total = COALESCE($5, progress_total) WHERE id = $2 AND claimed_by = $3 \
               AND status = 'running' RETURNING cancel_requested_at";
    let row = db_run!(db, p => sqlx::query_scalar::<_, Option<DateTime<Utc>>>(sql)
        .bind(Utc::now()).bind(id).bind(worker_id).bind(done).bind(total).fetch_optional(p).await)
    .map_err(internal)?;
    Ok(row.map(|cancel| cancel.is_some()))
}

/// Moves a run from `from` to the completed state `to` (the caller checked the transition); false
/// (nothing changed) when the run is not in `from` any more (or, when `worker_id` is given, not held by
/// that worker).
pub async fn complete(
    tx: &mut Tx,
    id: i64,
    from: RunState,
    to: RunState,
    worker_id: Option<&str>,
    summary: &SummaryCounts,
    failure: Option<&FailureSummary>,
) -> Result<bool, AppError> {
    let sql = "UPDATE operation_runs SET status = $1, outcome = $2, completed_at = $3, summary = $4, failure = $5 \
               WHERE id = $6 AND status = $7 AND outcome = $8 AND ($9 IS NULL OR claimed_by = $9)";
    let summary = serde_json::to_string(summary).map_err(|_| AppError::Internal)?;
    let failure = failure.map(json).transpose()?;
    db_run!(tx, c => sqlx::query(sql)
        .bind(to.status.id())
        .bind(to.outcome.id())
        .bind(Utc::now())
        .bind(&summary)
        .bind(&failure)
        .bind(id)
        .bind(from.status.id())
        .bind(from.outcome.id())
        .bind(worker_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1))
    .map_err(internal)
}

/// Running runs whose heartbeat is older than `cutoff`, as (id, workspace id, tenant id).
pub async fn select_stale(db: &Db, cutoff: DateTime<Utc>) -> Result<Vec<(i64, i64, Option<i64>)>, AppError> {
    let sql = "SELECT id, workspace_id, tenant_id FROM operation_runs WHERE status = 'running' AND heartbeat_at < $1 \
               ORDER BY id";
    db_run!(db, p => sqlx::query_as::<_, (i64, i64, Option<i64>)>(sql).bind(cutoff).fetch_all(p).await)
        .map_err(internal)
}

/// Completes run `id` as failed with `failure` if it is still running without a heartbeat since `cutoff`
/// (a run whose worker came back meanwhile is left alone: false).
pub async fn fail_stale(
    tx: &mut Tx,
    id: i64,
    cutoff: DateTime<Utc>,
    failure: &FailureSummary,
) -> Result<bool, AppError> {
    let sql = "UPDATE operation_runs SET status = 'completed', outcome = 'failed', completed_at = $1, failure = $2 \
               WHERE id = $3 AND status = 'running' AND heartbeat_at < $4";
    let failure = json(failure)?;
    db_run!(tx, c => sqlx::query(sql).bind(Utc::now()).bind(&failure).bind(id).bind(cutoff).execute(c).await.map(|r| r.rows_affected() == 1))
        .map_err(internal)
}

/// Sets `context[key] = value` on a run `worker_id` holds (read, change, write guarded by the holder);
/// false when the worker no longer holds it.
pub async fn put_context(
    db: &Db,
    id: i64,
    worker_id: &str,
    key: &str,
    value: serde_json::Value,
) -> Result<bool, AppError> {
    let select = "SELECT context FROM operation_runs WHERE id = $1 AND claimed_by = $2 AND status = 'running'";
    let Some(text) =
        db_run!(db, p => sqlx::query_scalar::<_, String>(select).bind(id).bind(worker_id).fetch_optional(p).await)
            .map_err(internal)?
    else {
        return Ok(false);
    };
    let mut context: serde_json::Value = serde_json::from_str(&text).map_err(|_| corrupt("context", id))?;
    if let Some(map) = context.as_object_mut() {
        map.insert(key.to_string(), value);
    }
    let update = "UPDATE operation_runs SET context = $1 WHERE id = $2 AND claimed_by = $3 AND status = 'running'";
    let n = db_run!(db, p => sqlx::query(update).bind(context.to_string()).bind(id).bind(worker_id).execute(p).await
        .map(|r| r.rows_affected()))
    .map_err(internal)?;
    Ok(n == 1)
}

/// The slug of a workspace (re-authorization enters the workspace by slug, like a request).
pub async fn workspace_slug(db: &Db, workspace_id: i64) -> Result<Option<String>, AppError> {
    db_run!(db, p => sqlx::query_scalar::<_, String>("SELECT slug FROM workspaces WHERE id = $1")
        .bind(workspace_id).fetch_optional(p).await)
    .map_err(internal)
}

fn json(failure: &FailureSummary) -> Result<String, AppError> {
    serde_json::to_string(failure).map_err(|_| AppError::Internal)
}
