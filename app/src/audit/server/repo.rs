//! SQL for reading the audit log. Every statement binds the scope's workspace id and, for a member narrowed
//! to tenants, restricts rows to those tenants (`tenant_id IN (…)`: workspace-level rows, whose tenant is
//! NULL, are then excluded). Filters are built by `db::Filter`: numbered placeholders, never client text.

use std::collections::HashSet;

use super::AuditRow;
use crate::{
    audit::AuditFilter,
    authz::server::WorkspaceScope,
    db::internal,
    db::{Db, DbIdentity, Filter, RawValue},
    db_run,
    error::AppError,
    paging::limit_offset,
};

/// The id of the first row recorded at or after the bound instant `?`.
const FIRST_AT: &str = "(SELECT id FROM audit_log WHERE recorded_at >= ? ORDER BY recorded_at, id LIMIT 1)";
/// An id larger than any row's.
const NONE: &str = "9223372036854775807";

/// The scope's rows matching `filter`.
fn where_clause(scope: &WorkspaceScope, filter: &AuditFilter) -> Filter {
    let mut w = Filter::new().eq("workspace_id", scope.workspace_id()).visible("tenant_id", scope.tenant_filter());
    if let Some(actor) = filter.actor {
        w = w.eq("actor_id", actor);
    }
    match (&filter.action, filter.action_prefix()) {
        (_, Some(prefix)) => w = w.starts_with("action", prefix),
        (Some(action), None) => w = w.eq_text("action", action.clone()),
        (None, None) => {}
    }
    if let Some(tenant) = filter.tenant {
        w = w.eq("tenant_id", tenant);
    }
    if let Some(outcome) = &filter.outcome {
        w = w.eq_text("outcome", outcome.clone());
    }
    // Date bounds become id bounds: the chain writer keeps `recorded_at` non-decreasing in `id`, so the
    // first row at or after an instant (one seek in `audit_log_recorded_idx`) splits the log exactly.
    // The scan then stays on the workspace's id-ordered index and stops at the lower bound.
    if let Some(from) = filter.recorded_from() {
        w = w.raw(&format!("id >= COALESCE({FIRST_AT}, {NONE})"), vec![RawValue::Text(from)]);
    }
    if let Some(until) = filter.recorded_until() {
        w = w.raw(&format!("id < COALESCE({FIRST_AT}, {NONE})"), vec![RawValue::Text(until)]);
    }
    if let Some(before) = filter.before {
        w = w.raw("id < ?", vec![RawValue::Int(before)]);
    }
    w
}

/// Matching rows, newest first: `limit` rows after skipping `offset`.
pub async fn select_page(
    db: &Db,
    scope: &WorkspaceScope,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditRow>, AppError> {
    let w = where_clause(scope, filter);
    if w.matches_nothing() {
        return Ok(Vec::new());
    }
    let sql = w.page("SELECT * FROM audit_log", "id DESC", limit, offset);
    db_run!(db, p => w.bind(sqlx::query_as::<_, AuditRow>(&sql)).fetch_all(p).await).map_err(internal)
}

/// Counts known to exceed their cap, per database: (database, statement, arguments). The audit log is
/// append-only — no statement updates or deletes a row — and every filter's matching set only grows (date
/// bounds included: a row recorded later than a window's end never falls inside it), so a count that once
/// exceeded its cap always will. Paging through a large log then counts once, not on every page. Bounded:
/// the set starts over when it is full.
static SATURATED: std::sync::LazyLock<std::sync::Mutex<HashSet<(DbIdentity, String)>>> =
    std::sync::LazyLock::new(Default::default);
/// Most saturated counts remembered.
const SATURATED_MAX: usize = 4_096;

/// How many entries match, counting at most `cap + 1` (so a caller can tell "more than `cap`"): an exact
/// count of a filtered 100,000-row log costs tens of milliseconds, a capped one about one, a count already
/// known to exceed the cap nothing.
pub async fn count(db: &Db, scope: &WorkspaceScope, filter: &AuditFilter, cap: i64) -> Result<i64, AppError> {
    let w = where_clause(scope, filter);
    if w.matches_nothing() {
        return Ok(0);
    }
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM audit_log{}{}) AS matching",
        w.sql(),
        limit_offset(cap.saturating_add(1), 0)
    );
    let key = (db.identity(), w.key());
    if SATURATED.lock().is_ok_and(|known| known.contains(&key)) {
        return Ok(cap.saturating_add(1));
    }
    let n = db_run!(db, p => w.bind(sqlx::query_scalar::<_, i64>(&sql)).fetch_one(p).await).map_err(internal)?;
    if n > cap {
        if let Ok(mut known) = SATURATED.lock() {
            if known.len() >= SATURATED_MAX {
                known.clear();
            }
            known.insert(key);
        }
    }
    Ok(n)
}

/// One row of the scope (narrowing applies); `None` when it is foreign, hidden or absent.
pub async fn select_one(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<Option<AuditRow>, AppError> {
    let filter = AuditFilter { before: id.checked_add(1), ..AuditFilter::default() };
    let rows = select_page(db, scope, &filter, 1, 0).await?;
    Ok(rows.into_iter().next().filter(|r| r.id == id))
}

/// Members of the workspace as (user id, email), for the actor filter.
pub async fn select_actors(db: &Db, scope: &WorkspaceScope) -> Result<Vec<(i64, String)>, AppError> {
    let sql = "SELECT u.id, u.email FROM workspace_memberships m JOIN users u ON u.id = m.user_id \
               WHERE m.workspace_id = $1 ORDER BY u.email";
    db_run!(db, p => sqlx::query_as::<_, (i64, String)>(sql).bind(scope.workspace_id()).fetch_all(p).await)
        .map_err(internal)
}
