//! SQL for notifications. Every read and update binds the actor's user id, so a user only ever touches their own
//! rows; lists also require a current membership of an active workspace (a member who left stops seeing
//! that workspace's notifications).

use chrono::{DateTime, SecondsFormat, Utc};

use crate::{
    auth::server::Actor,
    db::internal,
    db::{Db, Tx},
    db_run,
    error::AppError,
    notifications::{MarkRead, NotificationDto, KIND_RUN_COMPLETED},
    operations::{whitelisted_counts, InitiatorKind, RunOutcome, RunStatus, SummaryCounts},
    paging::limit_offset,
};

/// Writes the one `run.completed` notification of run `run_id`, for the member who started it (scheduled
/// and system runs notify nobody), with the whitelisted counts of `summary`. Every completion path calls it
/// in the transaction that completes the run, with the run's audit entry; it writes nothing unless the
/// run is completed by then, and `ON CONFLICT DO NOTHING` on `UNIQUE (run_id, kind)` keeps it at one
/// however often it runs.
pub async fn run_completed(tx: &mut Tx, run_id: i64, summary: &SummaryCounts) -> Result<(), AppError> {
    let summary = serde_json::to_string(&whitelisted_counts(summary)).map_err(|_| AppError::Internal)?;
    let sql =
        "INSERT INTO notifications (user_id, workspace_id, run_id, kind, outcome, run_type, summary, created_at) \
               SELECT initiator_user_id, workspace_id, id, $2, outcome, run_type, $3, $4 FROM operation_runs \
               WHERE id = $1 AND status = $5 AND initiator_kind = $6 AND initiator_user_id IS NOT NULL \
               ON CONFLICT DO NOTHING";
    db_run!(tx, c => sqlx::query(sql)
        .bind(run_id)
        .bind(KIND_RUN_COMPLETED)
        .bind(&summary)
        .bind(Utc::now())
        .bind(RunStatus::Completed.id())
        .bind(InitiatorKind::Human.id())
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(internal)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    workspace_slug: String,
    workspace_name: String,
    run_id: i64,
    run_type: String,
    outcome: String,
    summary: String,
    created_at: DateTime<Utc>,
    read_at: Option<DateTime<Utc>>,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Row {
    fn into_dto(self) -> Result<NotificationDto, AppError> {
        let outcome = RunOutcome::parse(&self.outcome).ok_or_else(|| {
            tracing::error!(notification_id = self.id, "unreadable notification outcome");
            AppError::Internal
        })?;
        Ok(NotificationDto {
            id: self.id,
            kind: self.kind,
            workspace_slug: self.workspace_slug,
            workspace_name: self.workspace_name,
            run_id: self.run_id,
            run_type: self.run_type,
            outcome,
            summary: serde_json::from_str(&self.summary).unwrap_or_default(),
            created_at: time(self.created_at),
            read_at: self.read_at.map(time),
        })
    }
}

/// Rows of `user_id` in workspaces they still belong to (and, when given, only in `workspace_id`).
const VISIBLE: &str = "FROM notifications n JOIN workspaces w ON w.id = n.workspace_id AND w.status = 'active' \
     JOIN workspace_memberships m ON m.workspace_id = n.workspace_id AND m.user_id = n.user_id \
     WHERE n.user_id = $1 AND ($2 IS NULL OR n.workspace_id = $2)";

/// The newest `limit` notifications of the actor.
pub async fn select_for_user(
    db: &Db,
    actor: &Actor,
    workspace_id: Option<i64>,
    limit: u32,
) -> Result<Vec<NotificationDto>, AppError> {
    let sql = format!(
        "SELECT n.id, n.kind, w.slug AS workspace_slug, w.name AS workspace_name, n.run_id, n.run_type, n.outcome, \
         n.summary, n.created_at, n.read_at {VISIBLE} ORDER BY n.id DESC{}",
        limit_offset(i64::from(limit), 0)
    );
    let rows = db_run!(db, p => sqlx::query_as::<_, Row>(&sql)
        .bind(actor.user_id()).bind(workspace_id).fetch_all(p).await)
    .map_err(internal)?;
    rows.into_iter().map(Row::into_dto).collect()
}

/// How many of the actor's notifications are unread.
pub async fn count_unread(db: &Db, actor: &Actor, workspace_id: Option<i64>) -> Result<i64, AppError> {
    let sql = format!("SELECT COUNT(*) {VISIBLE} AND n.read_at IS NULL");
    db_run!(db, p => sqlx::query_scalar::<_, i64>(&sql).bind(actor.user_id()).bind(workspace_id).fetch_one(p).await)
        .map_err(internal)
}

/// Marks `which` of the actor's unread notifications read (optionally only in `workspace_id`); returns
/// how many changed. Ids of other users' notifications change nothing.
pub async fn mark_read(db: &Db, actor: &Actor, workspace_id: Option<i64>, which: &MarkRead) -> Result<u64, AppError> {
    let ids = match which {
        MarkRead::All => String::new(),
        // Validated positive integers (`MarkRead::parse`), so formatting them in is safe.
        MarkRead::Ids(ids) => {
            format!(" AND id IN ({})", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
        }
    };
    let sql = format!(
        "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND ($3 IS NULL OR workspace_id = $3) \
         AND read_at IS NULL{ids}"
    );
    db_run!(db, p => sqlx::query(&sql).bind(Utc::now()).bind(actor.user_id()).bind(workspace_id)
        .execute(p).await.map(|r| r.rows_affected()))
    .map_err(internal)
}
