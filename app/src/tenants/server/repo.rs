//! SQL for managed tenants. Every statement binds the scope's workspace id (and tenant id) itself.

use chrono::Utc;

use crate::{
    auth::server::repo::{internal, on_constraint},
    authz::server::{TenantScope, WorkspaceScope},
    db::Db,
    db_run,
    error::AppError,
    paging::Page,
    tenants::{NewTenant, StatusFilter, TenantDto, TenantQuery},
};

const COLUMNS: &str = "id, display_name, primary_domain, entra_tenant_id, lifecycle";

/// `AND id IN (…)` for a narrowed member; `None` when the member is narrowed to nothing (no rows at all).
fn visible_clause(scope: &WorkspaceScope) -> Option<String> {
    match scope.tenant_filter() {
        Some([]) => None,
        Some(ids) => Some(format!(" AND id IN ({})", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))),
        None => Some(String::new()),
    }
}

/// Every tenant of the scope's workspace the member may see, by name (choices for narrowing forms).
pub async fn select_tenants(
    db: &Db,
    scope: &WorkspaceScope,
    include_archived: bool,
) -> Result<Vec<TenantDto>, AppError> {
    let archived = if include_archived { "" } else { " AND lifecycle <> 'archived'" };
    let Some(narrowed) = visible_clause(scope) else { return Ok(Vec::new()) };
    let sql =
        format!("SELECT {COLUMNS} FROM tenants WHERE workspace_id = $1{archived}{narrowed} ORDER BY display_name, id");
    db_run!(db, p => sqlx::query_as::<_, TenantDto>(&sql).bind(scope.workspace_id()).fetch_all(p).await)
        .map_err(internal)
}

/// One page of the tenants the member may see, filtered by `q`, by name then id; with the filtered total.
pub async fn select_tenant_page(db: &Db, scope: &WorkspaceScope, q: &TenantQuery) -> Result<Page<TenantDto>, AppError> {
    let Some(narrowed) = visible_clause(scope) else { return Ok(q.page.wrap(Vec::new(), 0)) };
    let status = match q.status {
        StatusFilter::Current => " AND lifecycle <> 'archived'",
        StatusFilter::Archived => " AND lifecycle = 'archived'",
        StatusFilter::All => "",
    };
    let pattern = q.like_pattern();
    let search = if pattern.is_some() {
        // `search_text`: the lower-cased name and the domain (migration 0010).
        " AND search_text LIKE $2 ESCAPE '\\'"
    } else {
        " AND $2 IS NULL"
    };
    let filter = format!("workspace_id = $1{status}{narrowed}{search}");
    let count_sql = format!("SELECT COUNT(*) FROM tenants WHERE {filter}");
    let page_sql = format!("SELECT {COLUMNS} FROM tenants WHERE {filter} ORDER BY display_name, id{}", q.page.sql());
    let ws = scope.workspace_id();
    let total = db_run!(db, p => sqlx::query_scalar::<_, i64>(&count_sql).bind(ws).bind(&pattern).fetch_one(p).await)
        .map_err(internal)?;
    let items = db_run!(db, p => sqlx::query_as::<_, TenantDto>(&page_sql)
        .bind(ws).bind(&pattern).fetch_all(p).await)
    .map_err(internal)?;
    Ok(q.page.wrap(items, u64::try_from(total).unwrap_or_default()))
}

/// How many tenants the member may see, per lifecycle state.
pub async fn count_by_lifecycle(db: &Db, scope: &WorkspaceScope) -> Result<Vec<(String, i64)>, AppError> {
    let Some(narrowed) = visible_clause(scope) else { return Ok(Vec::new()) };
    let sql = format!("SELECT lifecycle, COUNT(*) FROM tenants WHERE workspace_id = $1{narrowed} GROUP BY lifecycle");
    db_run!(db, p => sqlx::query_as::<_, (String, i64)>(&sql).bind(scope.workspace_id()).fetch_all(p).await)
        .map_err(internal)
}

pub async fn select_tenant(db: &Db, scope: &TenantScope) -> Result<TenantDto, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM tenants WHERE workspace_id = $1 AND id = $2");
    db_run!(db, p => sqlx::query_as::<_, TenantDto>(&sql).bind(scope.workspace_id()).bind(scope.tenant_id()).fetch_optional(p).await)
        .map_err(internal)?
        .ok_or(AppError::NotFound)
}

pub async fn insert_tenant(db: &Db, scope: &WorkspaceScope, t: &NewTenant) -> Result<i64, AppError> {
    let sql = "INSERT INTO tenants (workspace_id, display_name, primary_domain, entra_tenant_id, lifecycle, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, 'draft', $5, $5) RETURNING id";
    db_run!(db, p => sqlx::query_scalar::<_, i64>(sql)
        .bind(scope.workspace_id()).bind(&t.display_name).bind(&t.primary_domain).bind(&t.entra_tenant_id).bind(Utc::now())
        .fetch_one(p).await)
    .map_err(|e| match on_constraint(e, "tenants_entra_tenant_id_key", "entra_tenant_id_taken") {
        AppError::Conflict(_) => AppError::validation("entra_tenant_id", "taken"),
        other => other,
    })
}

pub async fn update_display_name(db: &Db, scope: &TenantScope, name: &str) -> Result<(), AppError> {
    let sql = "UPDATE tenants SET display_name = $1, updated_at = $2 WHERE workspace_id = $3 AND id = $4";
    db_run!(db, p => sqlx::query(sql).bind(name).bind(Utc::now()).bind(scope.workspace_id()).bind(scope.tenant_id()).execute(p).await.map(|r| r.rows_affected()))
        .map_err(internal)
        .and_then(|n| if n == 1 { Ok(()) } else { Err(AppError::NotFound) })
}

/// Sets the lifecycle; archiving remembers the previous state, restoring brings it back.
pub async fn update_lifecycle(db: &Db, scope: &TenantScope, archive: bool) -> Result<(), AppError> {
    let sql = if archive {
        "UPDATE tenants SET lifecycle_before_archive = lifecycle, lifecycle = 'archived', updated_at = $1 \
         WHERE workspace_id = $2 AND id = $3 AND lifecycle <> 'archived'"
    } else {
        "UPDATE tenants SET lifecycle = COALESCE(lifecycle_before_archive, 'draft'), lifecycle_before_archive = NULL, updated_at = $1 \
         WHERE workspace_id = $2 AND id = $3 AND lifecycle = 'archived'"
    };
    let n = db_run!(db, p => sqlx::query(sql).bind(Utc::now()).bind(scope.workspace_id()).bind(scope.tenant_id()).execute(p).await.map(|r| r.rows_affected()))
        .map_err(internal)?;
    if n == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict(if archive { "already_archived" } else { "not_archived" }.into()))
    }
}
