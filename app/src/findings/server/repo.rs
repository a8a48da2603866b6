//! SQL over findings, their events, comments, exceptions and decisions, and the workspace's governance
//! settings. Reads of one tenant's rows take a [`TenantBound`] scope; workspace lists take the
//! [`WorkspaceScope`] and apply its tenant narrowing. Writes take the change's [`Tx`].

use chrono::{DateTime, SecondsFormat, Utc};

use crate::{
    authz::server::{TenantBound, WorkspaceBound, WorkspaceScope},
    db::{internal, Ex, Filter, RawValue, Tx},
    db_run,
    error::AppError,
    findings::{
        AssigneeFilter, ClosedReason, CommentDto, DriftKind, DueFilter, ExceptionDecisionDto, ExceptionStatus,
        FindingDto, FindingEventDto, FindingQuery, FindingStatus, GovernanceSettings, ResolvedReason, Severity,
        UserRef,
    },
    paging::Page,
};

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn corrupt(what: &str, id: i64) -> AppError {
    tracing::error!(id, field = what, "unreadable governance row");
    AppError::Internal
}

/// The columns of [`FindingRow`], with the tenant's and the two users' names (`f` is `findings`).
const FINDING_SELECT: &str = "SELECT f.id, f.workspace_id, f.tenant_id, t.display_name AS tenant_name, f.finding_type, \
     f.source, f.profile_id, f.subject_type, f.subject_display_name, f.policy_type, f.drift_kind, f.severity, f.status, \
     f.fingerprint, f.evidence, f.evidence_hash, f.first_seen_at, f.last_seen_at, f.times_seen, f.sla_days, f.due_at, \
     f.owner_user_id, ou.display_name AS owner_name, f.assignee_user_id, au.display_name AS assignee_name, \
     f.resolved_reason, f.verified_at, f.closed_reason, f.accepted_evidence_hash, f.reflagged_at \
     FROM findings f JOIN tenants t ON t.id = f.tenant_id \
     LEFT JOIN users ou ON ou.id = f.owner_user_id LEFT JOIN users au ON au.id = f.assignee_user_id";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FindingRow {
    pub id: i64,
    pub workspace_id: i64,
    pub tenant_id: i64,
    pub tenant_name: String,
    pub finding_type: String,
    pub source: String,
    pub profile_id: Option<i64>,
    pub subject_type: String,
    pub subject_display_name: String,
    pub policy_type: String,
    pub drift_kind: String,
    pub severity: String,
    pub status: String,
    pub fingerprint: String,
    pub evidence: String,
    pub evidence_hash: String,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub times_seen: i64,
    pub sla_days: i64,
    pub due_at: DateTime<Utc>,
    pub owner_user_id: Option<i64>,
    pub owner_name: Option<String>,
    pub assignee_user_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub resolved_reason: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
    pub closed_reason: Option<String>,
    pub accepted_evidence_hash: Option<String>,
    pub reflagged_at: Option<DateTime<Utc>>,
}

fn user(id: Option<i64>, name: Option<String>) -> Option<UserRef> {
    id.map(|id| UserRef { id, label: name.unwrap_or_default() })
}

impl FindingRow {
    pub fn status(&self) -> Result<FindingStatus, AppError> {
        FindingStatus::parse(&self.status).ok_or_else(|| corrupt("status", self.id))
    }

    pub fn severity(&self) -> Result<Severity, AppError> {
        Severity::parse(&self.severity).ok_or_else(|| corrupt("severity", self.id))
    }

    pub fn dto(&self, now: DateTime<Utc>) -> Result<FindingDto, AppError> {
        let status = self.status()?;
        Ok(FindingDto {
            id: self.id,
            tenant_id: self.tenant_id,
            tenant_name: self.tenant_name.clone(),
            finding_type: self.finding_type.clone(),
            source: self.source.clone(),
            profile_id: self.profile_id,
            subject_type: self.subject_type.clone(),
            subject_display_name: self.subject_display_name.clone(),
            policy_type: self.policy_type.clone(),
            drift_kind: DriftKind::parse(&self.drift_kind).ok_or_else(|| corrupt("drift_kind", self.id))?,
            severity: self.severity()?,
            status,
            first_seen_at: time(self.first_seen_at),
            last_seen_at: time(self.last_seen_at),
            times_seen: self.times_seen,
            sla_days: self.sla_days,
            due_at: time(self.due_at),
            overdue: status.is_open() && self.due_at < now,
            owner: user(self.owner_user_id, self.owner_name.clone()),
            assignee: user(self.assignee_user_id, self.assignee_name.clone()),
            resolved_reason: self.resolved_reason.as_deref().and_then(ResolvedReason::parse),
            verified_at: self.verified_at.map(time),
            closed_reason: self.closed_reason.as_deref().and_then(ClosedReason::parse),
            reflagged_at: self.reflagged_at.map(time),
        })
    }
}

fn statuses_in(statuses: &[FindingStatus]) -> (String, Vec<RawValue>) {
    let marks = vec!["?"; statuses.len()].join(", ");
    (format!("f.status IN ({marks})"), statuses.iter().map(|s| RawValue::Text(s.id().into())).collect())
}

/// The list filter of a query in a workspace scope (narrowing applied).
fn list_where(scope: &WorkspaceScope, q: &FindingQuery, now: DateTime<Utc>) -> Filter {
    let mut f = Filter::new().eq("f.workspace_id", scope.workspace_id()).visible("f.tenant_id", scope.tenant_filter());
    if let Some(t) = q.tenant {
        f = f.eq("f.tenant_id", t);
    }
    let (cond, values) = statuses_in(&q.status.statuses());
    f = f.raw(&cond, values);
    if let Some(s) = q.severity {
        f = f.eq_text("f.severity", s.id());
    }
    match q.assignee {
        None => {}
        Some(AssigneeFilter::Me) => f = f.eq("f.assignee_user_id", scope.actor_id()),
        Some(AssigneeFilter::User(id)) => f = f.eq("f.assignee_user_id", id),
        Some(AssigneeFilter::Unassigned) => f = f.raw("f.assignee_user_id IS NULL", vec![]),
    }
    match q.due {
        None => {}
        Some(DueFilter::Overdue) => {
            let (cond, mut values) = statuses_in(&FindingStatus::OPEN);
            values.push(RawValue::Time(now));
            f = f.raw(&format!("{cond} AND f.due_at < ?"), values);
        }
        Some(DueFilter::Due7d) => {
            let (cond, mut values) = statuses_in(&FindingStatus::OPEN);
            values.push(RawValue::Time(now + chrono::Duration::days(7)));
            f = f.raw(&format!("{cond} AND f.due_at < ?"), values);
        }
    }
    if let Some(s) = &q.source {
        f = f.eq_text("f.source", s.clone());
    }
    if q.reflagged {
        f = f.raw("f.reflagged_at IS NOT NULL", vec![]);
    }
    f
}

/// Counting stops here: a list shows "at least" beyond it.
pub const COUNT_CAP: i64 = 10_000;

/// A page of findings, most urgent first (open before terminal, then due date).
pub async fn select_page(
    db: &crate::db::Db,
    scope: &WorkspaceScope,
    q: &FindingQuery,
    now: DateTime<Utc>,
) -> Result<Page<FindingDto>, AppError> {
    let f = list_where(scope, q, now);
    if f.matches_nothing() {
        return Ok(q.page.wrap(Vec::new(), 0));
    }
    let sql = f.page(FINDING_SELECT, "f.due_at, f.id", q.page.limit(), q.page.offset());
    let rows = db_run!(db, p => f.bind(sqlx::query_as::<_, FindingRow>(&sql)).fetch_all(p).await).map_err(internal)?;
    let count_sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM findings f{} LIMIT {})", f.sql(), COUNT_CAP + 1);
    let count_sql = count_sql.replacen(") ", ") AS capped ", 0) + " AS capped";
    let total =
        db_run!(db, p => f.bind(sqlx::query_scalar::<_, i64>(&count_sql)).fetch_one(p).await).map_err(internal)?;
    let items = rows.iter().map(|r| r.dto(now)).collect::<Result<Vec<_>, _>>()?;
    let mut page = q.page.wrap(items, total.min(COUNT_CAP) as u64);
    page.total_capped = total > COUNT_CAP;
    Ok(page)
}

/// One finding of the scope's tenant, read inside a change's transaction.
pub async fn select_in_tenant<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl TenantBound,
    id: i64,
) -> Result<Option<FindingRow>, AppError> {
    let sql = format!("{FINDING_SELECT} WHERE f.workspace_id = $1 AND f.tenant_id = $2 AND f.id = $3");
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query_as::<_, FindingRow>(&sql)
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).fetch_optional(p).await)
    .map_err(internal)
}

/// Every finding of one profile in the scope's tenant (the compare's side).
pub async fn select_of_profile<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl TenantBound,
    profile_id: i64,
) -> Result<Vec<FindingRow>, AppError> {
    let sql = format!("{FINDING_SELECT} WHERE f.workspace_id = $1 AND f.tenant_id = $2 AND f.profile_id = $3");
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query_as::<_, FindingRow>(&sql)
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(profile_id).fetch_all(p).await)
    .map_err(internal)
}

/// What the workflow writes when a finding moves: every lifecycle column at once (the service computes
/// them from the state machine).
#[derive(Debug, Clone)]
pub struct FindingUpdate {
    pub status: FindingStatus,
    pub triaged_at: Option<DateTime<Utc>>,
    pub in_progress_at: Option<DateTime<Utc>>,
    pub reopened_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_reason: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_reason: Option<String>,
    pub closed_by_user_id: Option<i64>,
    pub accepted_evidence_hash: Option<String>,
    pub reflagged_at: Option<DateTime<Utc>>,
}

/// Lifecycle columns as stored, for a partial change.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Lifecycle {
    pub status: String,
    pub triaged_at: Option<DateTime<Utc>>,
    pub in_progress_at: Option<DateTime<Utc>>,
    pub reopened_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_reason: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_reason: Option<String>,
    pub closed_by_user_id: Option<i64>,
    pub accepted_evidence_hash: Option<String>,
    pub reflagged_at: Option<DateTime<Utc>>,
}

/// The lifecycle columns of a finding, locked for the change (PostgreSQL `FOR UPDATE`; SQLite's write
/// transaction already holds the database).
pub async fn lock_lifecycle(tx: &mut Tx, scope: &impl TenantBound, id: i64) -> Result<Option<FindingUpdate>, AppError> {
    let lock = if matches!(tx, Tx::Postgres(_)) { " FOR UPDATE" } else { "" };
    let sql = format!(
        "SELECT status, triaged_at, in_progress_at, reopened_at, resolved_at, resolved_reason, verified_at, closed_at, \
         closed_reason, closed_by_user_id, accepted_evidence_hash, reflagged_at FROM findings \
         WHERE workspace_id = $1 AND tenant_id = $2 AND id = $3{lock}"
    );
    let row = db_run!(tx, p => sqlx::query_as::<_, Lifecycle>(&sql)
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).fetch_optional(p).await)
    .map_err(internal)?;
    row.map(|l| {
        Ok(FindingUpdate {
            status: FindingStatus::parse(&l.status).ok_or_else(|| corrupt("status", id))?,
            triaged_at: l.triaged_at,
            in_progress_at: l.in_progress_at,
            reopened_at: l.reopened_at,
            resolved_at: l.resolved_at,
            resolved_reason: l.resolved_reason,
            verified_at: l.verified_at,
            closed_at: l.closed_at,
            closed_reason: l.closed_reason,
            closed_by_user_id: l.closed_by_user_id,
            accepted_evidence_hash: l.accepted_evidence_hash,
            reflagged_at: l.reflagged_at,
        })
    })
    .transpose()
}

pub async fn write_lifecycle(
    tx: &mut Tx,
    scope: &impl TenantBound,
    id: i64,
    u: &FindingUpdate,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let sql =
        "UPDATE findings SET status = $1, triaged_at = $2, in_progress_at = $3, reopened_at = $4, resolved_at = $5, \
               resolved_reason = $6, verified_at = $7, closed_at = $8, closed_reason = $9, closed_by_user_id = $10, \
               accepted_evidence_hash = $11, reflagged_at = $12, updated_at = $13 \
               WHERE workspace_id = $14 AND tenant_id = $15 AND id = $16";
    db_run!(tx, p => sqlx::query(sql)
        .bind(u.status.id()).bind(u.triaged_at).bind(u.in_progress_at).bind(u.reopened_at).bind(u.resolved_at)
        .bind(u.resolved_reason.clone()).bind(u.verified_at).bind(u.closed_at).bind(u.closed_reason.clone())
        .bind(u.closed_by_user_id).bind(u.accepted_evidence_hash.clone()).bind(u.reflagged_at).bind(now)
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).execute(p).await.map(|_| ()))
    .map_err(internal)
}

pub async fn set_people(
    tx: &mut Tx,
    scope: &impl TenantBound,
    id: i64,
    owner: Option<i64>,
    assignee: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    db_run!(tx, p => sqlx::query(
        "UPDATE findings SET owner_user_id = $1, assignee_user_id = $2, updated_at = $3 \
         WHERE workspace_id = $4 AND tenant_id = $5 AND id = $6")
        .bind(owner).bind(assignee).bind(now)
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).execute(p).await.map(|_| ()))
    .map_err(internal)
}

/// Claims an open, unassigned finding for `user_id`: true for exactly one of concurrent claimers.
pub async fn claim(
    tx: &mut Tx,
    scope: &impl TenantBound,
    id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    db_run!(tx, p => sqlx::query(
        "UPDATE findings SET assignee_user_id = $1, owner_user_id = COALESCE(owner_user_id, $1), updated_at = $2 \
         WHERE workspace_id = $3 AND tenant_id = $4 AND id = $5 AND assignee_user_id IS NULL \
         AND status IN ('new', 'triaged', 'in_progress', 'reopened')")
        .bind(user_id).bind(now)
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).execute(p).await.map(|r| r.rows_affected() == 1))
    .map_err(internal)
}

/// A new finding, as the compare creates it.
#[derive(Debug, Clone)]
pub struct NewFinding<'a> {
    pub profile_id: i64,
    pub subject_display_name: &'a str,
    pub policy_type: &'a str,
    pub drift_kind: DriftKind,
    pub severity: Severity,
    pub fingerprint: &'a str,
    pub evidence: &'a str,
    pub evidence_hash: &'a str,
    pub sla_days: i64,
    pub run_id: i64,
}

pub async fn insert_finding(
    tx: &mut Tx,
    scope: &impl TenantBound,
    f: &NewFinding<'_>,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let due = now + chrono::Duration::days(f.sla_days);
    db_run!(tx, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO findings (workspace_id, tenant_id, finding_type, source, profile_id, subject_type, \
         subject_display_name, policy_type, drift_kind, severity, status, fingerprint, evidence, evidence_hash, \
         first_seen_at, last_seen_at, times_seen, sla_days, due_at, last_run_id, created_at, updated_at) \
         VALUES ($1, $2, 'drift', 'baseline.compare', $3, 'policy', $4, $5, $6, $7, 'new', $8, $9, $10, $11, $11, 1, \
         $12, $13, $14, $11, $11) RETURNING id")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(f.profile_id)
        .bind(f.subject_display_name).bind(f.policy_type).bind(f.drift_kind.id()).bind(f.severity.id())
        .bind(f.fingerprint).bind(f.evidence).bind(f.evidence_hash).bind(now).bind(f.sla_days).bind(due).bind(f.run_id)
        .fetch_one(p).await)
    .map_err(internal)
}

/// A re-detection: refreshes what the compare saw. `due` is set when the finding re-opened (a new SLA
/// clock), else left alone.
#[allow(clippy::too_many_arguments)]
pub async fn touch_detected(
    tx: &mut Tx,
    scope: &impl TenantBound,
    id: i64,
    subject_display_name: &str,
    drift_kind: DriftKind,
    evidence: &str,
    evidence_hash: &str,
    run_id: i64,
    due: Option<(i64, DateTime<Utc>)>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (sla, due_at) = match due {
        Some((sla, at)) => (Some(sla), Some(at)),
        None => (None, None),
    };
    db_run!(tx, p => sqlx::query(
        "UPDATE findings SET subject_display_name = $1, drift_kind = $2, evidence = $3, evidence_hash = $4, \
         last_run_id = $5, last_seen_at = $6, times_seen = times_seen + 1, sla_days = COALESCE($7, sla_days), \
         due_at = COALESCE($8, due_at), updated_at = $6 WHERE workspace_id = $9 AND tenant_id = $10 AND id = $11")
        .bind(subject_display_name).bind(drift_kind.id()).bind(evidence).bind(evidence_hash).bind(run_id).bind(now)
        .bind(sla).bind(due_at)
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).execute(p).await.map(|_| ()))
    .map_err(internal)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_event(
    tx: &mut Tx,
    scope: &impl TenantBound,
    finding_id: i64,
    kind: &str,
    actor: Option<i64>,
    from: Option<FindingStatus>,
    to: Option<FindingStatus>,
    detail: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    db_run!(tx, p => sqlx::query(
        "INSERT INTO finding_events (finding_id, workspace_id, tenant_id, kind, actor_user_id, from_status, to_status, \
         detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(finding_id).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(kind).bind(actor)
        .bind(from.map(FindingStatus::id)).bind(to.map(FindingStatus::id)).bind(detail.to_string()).bind(now)
        .execute(p).await.map(|_| ()))
    .map_err(internal)
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    actor_user_id: Option<i64>,
    actor_name: Option<String>,
    from_status: Option<String>,
    to_status: Option<String>,
    detail: String,
    created_at: DateTime<Utc>,
}

pub async fn select_events(
    db: &crate::db::Db,
    scope: &impl TenantBound,
    finding_id: i64,
) -> Result<Vec<FindingEventDto>, AppError> {
    let rows = db_run!(db, p => sqlx::query_as::<_, EventRow>(
        "SELECT e.id, e.kind, e.actor_user_id, u.display_name AS actor_name, e.from_status, e.to_status, e.detail, \
         e.created_at FROM finding_events e LEFT JOIN users u ON u.id = e.actor_user_id \
         WHERE e.workspace_id = $1 AND e.tenant_id = $2 AND e.finding_id = $3 ORDER BY e.id")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(finding_id).fetch_all(p).await)
    .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|r| FindingEventDto {
            id: r.id,
            kind: r.kind,
            actor: user(r.actor_user_id, r.actor_name),
            from_status: r.from_status,
            to_status: r.to_status,
            detail: r.detail,
            created_at: time(r.created_at),
        })
        .collect())
}

pub async fn insert_comment(
    tx: &mut Tx,
    scope: &impl TenantBound,
    finding_id: i64,
    author: i64,
    body: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    db_run!(tx, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO finding_comments (finding_id, workspace_id, tenant_id, author_user_id, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(finding_id).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(author).bind(body).bind(now)
        .fetch_one(p).await)
    .map_err(internal)
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: i64,
    author_user_id: Option<i64>,
    author_name: Option<String>,
    body: String,
    created_at: DateTime<Utc>,
}

pub async fn select_comments(
    db: &crate::db::Db,
    scope: &impl TenantBound,
    finding_id: i64,
) -> Result<Vec<CommentDto>, AppError> {
    let rows = db_run!(db, p => sqlx::query_as::<_, CommentRow>(
        "SELECT c.id, c.author_user_id, u.display_name AS author_name, c.body, c.created_at FROM finding_comments c \
         LEFT JOIN users u ON u.id = c.author_user_id WHERE c.workspace_id = $1 AND c.tenant_id = $2 AND c.finding_id = $3 \
         ORDER BY c.id")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(finding_id).fetch_all(p).await)
    .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|r| CommentDto {
            id: r.id,
            author: user(r.author_user_id, r.author_name),
            body: r.body,
            created_at: time(r.created_at),
        })
        .collect())
}

// ---- exceptions ----

const EXCEPTION_SELECT: &str =
    "SELECT x.id, x.workspace_id, x.tenant_id, t.display_name AS tenant_name, x.finding_id, \
     f.subject_display_name AS finding_name, x.status, x.requested_by_user_id, ru.display_name AS requested_by_name, \
     x.decided_by_user_id, du.display_name AS decided_by_name, x.request_reason, x.decision_reason, x.renewal_of_id, \
     x.requested_at, x.decided_at, x.expires_at FROM finding_exceptions x JOIN tenants t ON t.id = x.tenant_id \
     JOIN findings f ON f.id = x.finding_id LEFT JOIN users ru ON ru.id = x.requested_by_user_id \
     LEFT JOIN users du ON du.id = x.decided_by_user_id";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExceptionRow {
    pub id: i64,
    pub workspace_id: i64,
    pub tenant_id: i64,
    pub tenant_name: String,
    pub finding_id: i64,
    pub finding_name: String,
    pub status: String,
    pub requested_by_user_id: Option<i64>,
    pub requested_by_name: Option<String>,
    pub decided_by_user_id: Option<i64>,
    pub decided_by_name: Option<String>,
    pub request_reason: String,
    pub decision_reason: Option<String>,
    pub renewal_of_id: Option<i64>,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
}

impl ExceptionRow {
    pub fn status(&self) -> Result<ExceptionStatus, AppError> {
        ExceptionStatus::parse(&self.status).ok_or_else(|| corrupt("exception status", self.id))
    }

    pub fn dto(
        &self,
        decisions: Vec<ExceptionDecisionDto>,
        now: DateTime<Utc>,
    ) -> Result<crate::findings::ExceptionDto, AppError> {
        let status = self.status()?;
        Ok(crate::findings::ExceptionDto {
            id: self.id,
            finding_id: self.finding_id,
            tenant_id: self.tenant_id,
            tenant_name: self.tenant_name.clone(),
            finding_name: self.finding_name.clone(),
            status,
            validity: crate::findings::validity(status, self.expires_at, now),
            requested_by: user(self.requested_by_user_id, self.requested_by_name.clone()),
            decided_by: user(self.decided_by_user_id, self.decided_by_name.clone()),
            request_reason: self.request_reason.clone(),
            decision_reason: self.decision_reason.clone(),
            renewal_of_id: self.renewal_of_id,
            requested_at: time(self.requested_at),
            decided_at: self.decided_at.map(time),
            expires_at: time(self.expires_at),
            decisions,
        })
    }
}

/// Exceptions of the workspace the member sees, newest first (optionally of one finding / one status).
pub async fn select_exceptions(
    db: &crate::db::Db,
    scope: &WorkspaceScope,
    finding_id: Option<i64>,
    statuses: &[ExceptionStatus],
) -> Result<Vec<ExceptionRow>, AppError> {
    let mut f = Filter::new().eq("x.workspace_id", scope.workspace_id()).visible("x.tenant_id", scope.tenant_filter());
    if f.matches_nothing() {
        return Ok(Vec::new());
    }
    if let Some(id) = finding_id {
        f = f.eq("x.finding_id", id);
    }
    if !statuses.is_empty() {
        let marks = vec!["?"; statuses.len()].join(", ");
        f = f.raw(&format!("x.status IN ({marks})"), statuses.iter().map(|s| RawValue::Text(s.id().into())).collect());
    }
    let sql = format!("{EXCEPTION_SELECT}{} ORDER BY x.id DESC LIMIT 500", f.sql());
    db_run!(db, p => f.bind(sqlx::query_as::<_, ExceptionRow>(&sql)).fetch_all(p).await).map_err(internal)
}

/// One exception of the scope's tenant (read in the change's transaction).
pub async fn select_exception<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl TenantBound,
    id: i64,
) -> Result<Option<ExceptionRow>, AppError> {
    let sql = format!("{EXCEPTION_SELECT} WHERE x.workspace_id = $1 AND x.tenant_id = $2 AND x.id = $3");
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query_as::<_, ExceptionRow>(&sql)
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).fetch_optional(p).await)
    .map_err(internal)
}

/// The tenant of an exception of the workspace (to enter its tenant scope); `None` when it is not the
/// workspace's.
pub async fn exception_tenant(db: &crate::db::Db, scope: &WorkspaceScope, id: i64) -> Result<Option<i64>, AppError> {
    db_run!(db, p => sqlx::query_scalar::<_, i64>("SELECT tenant_id FROM finding_exceptions WHERE workspace_id = $1 AND id = $2")
        .bind(scope.workspace_id()).bind(id).fetch_optional(p).await)
    .map_err(internal)
}

/// The tenant of a finding of the workspace.
pub async fn finding_tenant(db: &crate::db::Db, scope: &WorkspaceScope, id: i64) -> Result<Option<i64>, AppError> {
    db_run!(db, p => sqlx::query_scalar::<_, i64>("SELECT tenant_id FROM findings WHERE workspace_id = $1 AND id = $2")
        .bind(scope.workspace_id()).bind(id).fetch_optional(p).await)
    .map_err(internal)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_exception(
    tx: &mut Tx,
    scope: &impl TenantBound,
    finding_id: i64,
    requested_by: i64,
    reason: &str,
    expires_at: DateTime<Utc>,
    renewal_of: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    db_run!(tx, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO finding_exceptions (workspace_id, tenant_id, finding_id, status, requested_by_user_id, request_reason, \
         renewal_of_id, requested_at, expires_at, updated_at) VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $7) \
         RETURNING id")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(finding_id).bind(requested_by).bind(reason)
        .bind(renewal_of).bind(now).bind(expires_at).fetch_one(p).await)
    .map_err(|e| crate::db::on_constraint(e, "finding_exceptions_pending_key", "exception_pending"))
}

/// Moves an exception from `from` to `to`, recording the decider when `decided_by` is given.
#[allow(clippy::too_many_arguments)]
pub async fn set_exception_status(
    tx: &mut Tx,
    scope: &impl TenantBound,
    id: i64,
    from: ExceptionStatus,
    to: ExceptionStatus,
    decided_by: Option<i64>,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    db_run!(tx, p => sqlx::query(
        "UPDATE finding_exceptions SET status = $1, decided_by_user_id = COALESCE($2, decided_by_user_id), \
         decision_reason = COALESCE($3, decision_reason), decided_at = CASE WHEN $2 IS NULL THEN decided_at ELSE $4 END, \
         updated_at = $4 WHERE workspace_id = $5 AND tenant_id = $6 AND id = $7 AND status = $8")
        .bind(to.id()).bind(decided_by).bind(reason).bind(now)
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).bind(from.id())
        .execute(p).await.map(|r| r.rows_affected() == 1))
    .map_err(|e| crate::db::on_constraint(e, "finding_exceptions_active_key", "exception_active"))
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_decision(
    tx: &mut Tx,
    scope: &impl TenantBound,
    exception_id: i64,
    decision: &str,
    actor: Option<i64>,
    reason: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    db_run!(tx, p => sqlx::query(
        "INSERT INTO finding_exception_decisions (exception_id, workspace_id, decision, actor_user_id, reason, expires_at, \
         decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(exception_id).bind(scope.bound_workspace_id()).bind(decision).bind(actor).bind(reason).bind(expires_at).bind(now)
        .execute(p).await.map(|_| ()))
    .map_err(internal)
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    id: i64,
    exception_id: i64,
    decision: String,
    actor_user_id: Option<i64>,
    actor_name: Option<String>,
    reason: String,
    expires_at: Option<DateTime<Utc>>,
    decided_at: DateTime<Utc>,
}

/// The decision logs of `exception_ids` (of the workspace), oldest first, by exception id.
pub async fn select_decisions(
    db: &crate::db::Db,
    scope: &WorkspaceScope,
    exception_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<ExceptionDecisionDto>>, AppError> {
    let mut out: std::collections::HashMap<i64, Vec<ExceptionDecisionDto>> = Default::default();
    if exception_ids.is_empty() {
        return Ok(out);
    }
    let marks = vec!["?"; exception_ids.len()].join(", ");
    let f = Filter::new()
        .eq("d.workspace_id", scope.workspace_id())
        .raw(&format!("d.exception_id IN ({marks})"), exception_ids.iter().map(|i| RawValue::Int(*i)).collect());
    let sql = format!(
        "SELECT d.id, d.exception_id, d.decision, d.actor_user_id, u.display_name AS actor_name, d.reason, d.expires_at, \
         d.decided_at FROM finding_exception_decisions d LEFT JOIN users u ON u.id = d.actor_user_id{} ORDER BY d.id",
        f.sql()
    );
    let rows = db_run!(db, p => f.bind(sqlx::query_as::<_, DecisionRow>(&sql)).fetch_all(p).await).map_err(internal)?;
    for r in rows {
        out.entry(r.exception_id).or_default().push(ExceptionDecisionDto {
            id: r.id,
            decision: r.decision,
            actor: user(r.actor_user_id, r.actor_name),
            reason: r.reason,
            expires_at: r.expires_at.map(time),
            decided_at: time(r.decided_at),
        });
    }
    Ok(out)
}

/// Active exceptions of a workspace (any tenant) past their expiry: (tenant id, exception id, finding id).
pub async fn select_expired_active(
    db: &crate::db::Db,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, i64, i64, i64)>, AppError> {
    db_run!(db, p => sqlx::query_as::<_, (i64, i64, i64, i64)>(
        "SELECT workspace_id, tenant_id, id, finding_id FROM finding_exceptions WHERE status = 'active' AND expires_at <= $1 \
         ORDER BY id LIMIT 500")
        .bind(now).fetch_all(p).await)
    .map_err(internal)
}

// ---- settings ----

#[derive(sqlx::FromRow)]
struct SettingsRow {
    sla_critical_days: i64,
    sla_high_days: i64,
    sla_medium_days: i64,
    sla_low_days: i64,
    max_exception_days: i64,
}

/// The workspace's governance settings (defaults when never set).
pub async fn select_settings<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl WorkspaceBound,
) -> Result<GovernanceSettings, AppError> {
    let x: Ex<'e> = ex.into();
    let row = db_run!(x, p => sqlx::query_as::<_, SettingsRow>(
        "SELECT sla_critical_days, sla_high_days, sla_medium_days, sla_low_days, max_exception_days \
         FROM governance_settings WHERE workspace_id = $1")
        .bind(scope.bound_workspace()).fetch_optional(p).await)
    .map_err(internal)?;
    Ok(row.map_or_else(GovernanceSettings::default, |r| GovernanceSettings {
        sla_critical_days: r.sla_critical_days,
        sla_high_days: r.sla_high_days,
        sla_medium_days: r.sla_medium_days,
        sla_low_days: r.sla_low_days,
        max_exception_days: r.max_exception_days,
    }))
}

pub async fn upsert_settings(
    tx: &mut Tx,
    scope: &WorkspaceScope,
    s: &GovernanceSettings,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    db_run!(tx, p => sqlx::query(
        "INSERT INTO governance_settings (workspace_id, sla_critical_days, sla_high_days, sla_medium_days, sla_low_days, \
         max_exception_days, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (workspace_id) DO UPDATE SET \
         sla_critical_days = excluded.sla_critical_days, sla_high_days = excluded.sla_high_days, \
         sla_medium_days = excluded.sla_medium_days, sla_low_days = excluded.sla_low_days, \
         max_exception_days = excluded.max_exception_days, updated_at = excluded.updated_at")
        .bind(scope.workspace_id()).bind(s.sla_critical_days).bind(s.sla_high_days).bind(s.sla_medium_days)
        .bind(s.sla_low_days).bind(s.max_exception_days).bind(now).execute(p).await.map(|_| ()))
    .map_err(internal)
}

// ---- posture ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostureCounts {
    pub tenant_id: i64,
    pub low: i64,
    pub medium: i64,
    pub high: i64,
    pub critical: i64,
    pub overdue: i64,
    pub reflagged: i64,
}

/// Open finding counts per tenant of the workspace (narrowing applied).
pub async fn select_posture_counts(
    db: &crate::db::Db,
    scope: &WorkspaceScope,
    now: DateTime<Utc>,
) -> Result<Vec<PostureCounts>, AppError> {
    let f = Filter::new()
        .eq("workspace_id", scope.workspace_id())
        .visible("tenant_id", scope.tenant_filter())
        .raw("status IN ('new', 'triaged', 'in_progress', 'reopened', 'risk_accepted')", vec![]);
    if f.matches_nothing() {
        return Ok(Vec::new());
    }
    let open = "status <> 'risk_accepted'";
    let sql = format!(
        "SELECT tenant_id, \
         CAST(SUM(CASE WHEN {open} AND severity = 'low' THEN 1 ELSE 0 END) AS BIGINT) AS low, \
         CAST(SUM(CASE WHEN {open} AND severity = 'medium' THEN 1 ELSE 0 END) AS BIGINT) AS medium, \
         CAST(SUM(CASE WHEN {open} AND severity = 'high' THEN 1 ELSE 0 END) AS BIGINT) AS high, \
         CAST(SUM(CASE WHEN {open} AND severity = 'critical' THEN 1 ELSE 0 END) AS BIGINT) AS critical, \
         CAST(SUM(CASE WHEN {open} AND due_at < ${n} THEN 1 ELSE 0 END) AS BIGINT) AS overdue, \
         CAST(SUM(CASE WHEN reflagged_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS reflagged \
         FROM findings{} GROUP BY tenant_id",
        f.sql(),
        n = f.sql().matches('$').count() + 1
    );
    db_run!(db, p => f.bind(sqlx::query_as::<_, PostureCounts>(&sql)).bind(now).fetch_all(p).await).map_err(internal)
}

/// Active exceptions per tenant: (tenant id, expires_at).
pub async fn select_active_exceptions(
    db: &crate::db::Db,
    scope: &WorkspaceScope,
) -> Result<Vec<(i64, DateTime<Utc>)>, AppError> {
    let f = Filter::new()
        .eq("workspace_id", scope.workspace_id())
        .visible("tenant_id", scope.tenant_filter())
        .raw("status IN ('active', 'expired')", vec![]);
    if f.matches_nothing() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT tenant_id, CASE WHEN status = 'expired' THEN requested_at ELSE expires_at END FROM finding_exceptions{}",
        f.sql()
    );
    db_run!(db, p => f.bind(sqlx::query_as::<_, (i64, DateTime<Utc>)>(&sql)).fetch_all(p).await).map_err(internal)
}

/// The last compare run per tenant: (tenant id, completed_at or created_at, outcome).
pub async fn select_last_compares(
    db: &crate::db::Db,
    scope: &WorkspaceScope,
) -> Result<Vec<(i64, DateTime<Utc>, String)>, AppError> {
    let f = Filter::new()
        .eq("r.workspace_id", scope.workspace_id())
        .visible("r.tenant_id", scope.tenant_filter())
        .raw("r.run_type = 'compare.run'", vec![])
        .raw(
            "r.id = (SELECT MAX(r2.id) FROM operation_runs r2 WHERE r2.tenant_id = r.tenant_id AND r2.run_type = 'compare.run')",
            vec![],
        );
    if f.matches_nothing() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT r.tenant_id, COALESCE(r.completed_at, r.created_at), r.outcome FROM operation_runs r{}",
        f.sql()
    );
    db_run!(db, p => f.bind(sqlx::query_as::<_, (i64, DateTime<Utc>, String)>(&sql)).fetch_all(p).await)
        .map_err(internal)
}

/// Members of the workspace who see `tenant_id` and may be named on a finding, by name.
pub async fn select_assignable(
    db: &crate::db::Db,
    scope: &impl TenantBound,
) -> Result<Vec<(i64, String, String)>, AppError> {
    db_run!(db, p => sqlx::query_as::<_, (i64, String, String)>(
        "SELECT u.id, u.display_name, m.role FROM workspace_memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.workspace_id = $1 AND (NOT EXISTS (SELECT 1 FROM membership_tenants mt WHERE mt.workspace_id = m.workspace_id \
         AND mt.user_id = m.user_id) OR EXISTS (SELECT 1 FROM membership_tenants mt WHERE mt.workspace_id = m.workspace_id \
         AND mt.user_id = m.user_id AND mt.tenant_id = $2)) ORDER BY u.display_name, u.id")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).fetch_all(p).await)
    .map_err(internal)
}

/// Ids of the finding's exceptions in `status` (read in the change's transaction).
pub async fn select_exceptions_of_finding<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl TenantBound,
    finding_id: i64,
    status: ExceptionStatus,
) -> Result<Vec<i64>, AppError> {
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM finding_exceptions WHERE workspace_id = $1 AND tenant_id = $2 AND finding_id = $3 AND status = $4")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(finding_id).bind(status.id()).fetch_all(p).await)
    .map_err(internal)
}

/// Marks an accepted finding whose drift changed again (the compare's re-flag).
pub async fn set_reflagged(tx: &mut Tx, scope: &impl TenantBound, id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    db_run!(tx, p => sqlx::query(
        "UPDATE findings SET reflagged_at = $1, updated_at = $1 WHERE workspace_id = $2 AND tenant_id = $3 AND id = $4")
        .bind(now).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).execute(p).await.map(|_| ()))
    .map_err(internal)
}

/// Records that a compare verified a manual resolution.
pub async fn set_verified(tx: &mut Tx, scope: &impl TenantBound, id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    db_run!(tx, p => sqlx::query(
        "UPDATE findings SET verified_at = $1, updated_at = $1 WHERE workspace_id = $2 AND tenant_id = $3 AND id = $4")
        .bind(now).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).execute(p).await.map(|_| ()))
    .map_err(internal)
}
