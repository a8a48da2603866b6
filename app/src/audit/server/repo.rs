//! SQL for reading the audit log. Every statement binds the scope's workspace id and, for a member narrowed
//! to tenants, restricts rows to those tenants (`tenant_id IN (…)`: workspace-level rows, whose tenant is
//! NULL, are then excluded). Filters are appended as numbered placeholders, never as text from the client.

use std::collections::HashSet;

use super::AuditRow;
use crate::{
    audit::AuditFilter,
    auth::server::repo::internal,
    authz::server::WorkspaceScope,
    bind_all,
    db::{Arg, Db, DbIdentity},
    db_run,
    error::AppError,
    paging::limit_offset,
};

/// A `WHERE` clause with its arguments (`$1` … `$n`).
struct Where {
    sql: String,
    args: Vec<Arg>,
}

impl Where {
    fn push(&mut self, clause: &str, arg: Arg) {
        self.args.push(arg);
        self.sql.push_str(&clause.replace('?', &format!("${}", self.args.len())));
    }

    /// The next free placeholder number.
    fn next(&self) -> usize {
        self.args.len() + 1
    }
}

/// Escapes `LIKE` wildcards (`_`, `%`) and the escape character itself.
fn like_prefix(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 2);
    for c in prefix.chars() {
        if matches!(c, '_' | '%' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The id of the first row recorded at or after the bound instant `?`.
const FIRST_AT: &str = "(SELECT id FROM audit_log WHERE recorded_at >= ? ORDER BY recorded_at, id LIMIT 1)";
/// An id larger than any row's.
const NONE: &str = "9223372036854775807";

/// The scope's rows matching `filter`.
fn where_clause(scope: &WorkspaceScope, filter: &AuditFilter) -> Where {
    let mut w = Where { sql: String::from(" WHERE workspace_id = $1"), args: vec![Arg::Int(scope.workspace_id())] };
    if let Some(ids) = scope.tenant_filter() {
        if ids.is_empty() {
            w.sql.push_str(" AND 1 = 0");
        } else {
            let start = w.next();
            let list: Vec<String> = (start..start + ids.len()).map(|n| format!("${n}")).collect();
            w.sql.push_str(&format!(" AND tenant_id IN ({})", list.join(", ")));
            w.args.extend(ids.iter().map(|id| Arg::Int(*id)));
        }
    }
    if let Some(actor) = filter.actor {
        w.push(" AND actor_id = ?", Arg::Int(actor));
    }
    match (&filter.action, filter.action_prefix()) {
        (_, Some(prefix)) => w.push(" AND action LIKE ? ESCAPE '\\'", Arg::Text(like_prefix(prefix))),
        (Some(action), None) => w.push(" AND action = ?", Arg::Text(action.clone())),
        (None, None) => {}
    }
    if let Some(tenant) = filter.tenant {
        w.push(" AND tenant_id = ?", Arg::Int(tenant));
    }
    if let Some(outcome) = &filter.outcome {
        w.push(" AND outcome = ?", Arg::Text(outcome.clone()));
    }
    // Date bounds become id bounds: the chain writer keeps `recorded_at` non-decreasing in `id`, so the
    // first row at or after an instant (one seek in `audit_log_recorded_idx`) splits the log exactly.
    // The scan then stays on the workspace's id-ordered index and stops at the lower bound.
    if let Some(from) = filter.recorded_from() {
        w.push(&format!(" AND id >= COALESCE({FIRST_AT}, {NONE})"), Arg::Text(from));
    }
    if let Some(until) = filter.recorded_until() {
        w.push(&format!(" AND id < COALESCE({FIRST_AT}, {NONE})"), Arg::Text(until));
    }
    if let Some(before) = filter.before {
        w.push(" AND id < ?", Arg::Int(before));
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
    let sql = format!("SELECT * FROM audit_log{} ORDER BY id DESC{}", w.sql, limit_offset(limit, offset));
    db_run!(db, p => bind_all!(sqlx::query_as::<_, AuditRow>(&sql), &w.args).fetch_all(p).await).map_err(internal)
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
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM audit_log{}{}) AS matching",
        w.sql,
        limit_offset(cap.saturating_add(1), 0)
    );
    let key = (db.identity(), format!("{sql} {:?}", w.args));
    if SATURATED.lock().is_ok_and(|known| known.contains(&key)) {
        return Ok(cap.saturating_add(1));
    }
    let n = db_run!(db, p => bind_all!(sqlx::query_scalar::<_, i64>(&sql), &w.args).fetch_one(p).await)
        .map_err(internal)?;
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

#[cfg(test)]
mod tests {
    use super::like_prefix;

    #[test]
    fn like_prefixes_escape_wildcards() {
        assert_eq!(like_prefix("api_token."), "api\\_token.%");
        assert_eq!(like_prefix("tenant."), "tenant.%");
    }
}
