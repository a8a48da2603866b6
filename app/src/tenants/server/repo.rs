//! SQL for managed tenants. Every statement binds the scope's workspace id (and tenant id) itself.

use chrono::Utc;

use crate::{
    authz::server::{TenantScope, WorkspaceScope},
    db::{internal, on_constraint},
    db::{Db, Ex, Filter, Tx},
    db_run,
    error::AppError,
    paging::Page,
    tenants::{NewTenant, StatusFilter, TenantDto, TenantQuery},
};

const COLUMNS: &str = "id, display_name, primary_domain, entra_tenant_id, lifecycle";

/// The scope's tenants the member may see (narrowing applies, ids bound).
fn visible(scope: &WorkspaceScope) -> Filter {
    Filter::new().eq("workspace_id", scope.workspace_id()).visible("id", scope.tenant_filter())
}

/// Every tenant of the scope's workspace the member may see, by name (choices for narrowing forms).
pub async fn select_tenants(
    db: &Db,
    scope: &WorkspaceScope,
    include_archived: bool,
) -> Result<Vec<TenantDto>, AppError> {
    let mut f = visible(scope);
    if !include_archived {
        f = f.raw("lifecycle <> 'archived'", vec![]);
    }
    if f.matches_nothing() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT {COLUMNS} FROM tenants{} ORDER BY display_name, id", f.sql());
    db_run!(db, p => f.bind(sqlx::query_as::<_, TenantDto>(&sql)).fetch_all(p).await).map_err(internal)
}

/// One page of the tenants the member may see, filtered by `q`, by name then id; with the filtered total.
pub async fn select_tenant_page(db: &Db, scope: &WorkspaceScope, q: &TenantQuery) -> Result<Page<TenantDto>, AppError> {
    let mut f = visible(scope);
    f = match q.status {
        StatusFilter::Current => f.raw("lifecycle <> 'archived'", vec![]),
        StatusFilter::Archived => f.raw("lifecycle = 'archived'", vec![]),
        StatusFilter::All => f,
    };
    if let Some(search) = q.search_text() {
        // `search_text`: the lower-cased name and the domain (migration 0010).
        f = f.contains("search_text", &search);
    }
    if f.matches_nothing() {
        return Ok(q.page.wrap(Vec::new(), 0));
    }
    let count_sql = format!("SELECT COUNT(*) FROM tenants{}", f.sql());
    let page_sql =
        f.page(&format!("SELECT {COLUMNS} FROM tenants"), "display_name, id", q.page.limit(), q.page.offset());
    let total =
        db_run!(db, p => f.bind(sqlx::query_scalar::<_, i64>(&count_sql)).fetch_one(p).await).map_err(internal)?;
    let items =
        db_run!(db, p => f.bind(sqlx::query_as::<_, TenantDto>(&page_sql)).fetch_all(p).await).map_err(internal)?;
    Ok(q.page.wrap(items, u64::try_from(total).unwrap_or_default()))
}

/// How many tenants the member may see, per lifecycle state.
pub async fn count_by_lifecycle(db: &Db, scope: &WorkspaceScope) -> Result<Vec<(String, i64)>, AppError> {
    let f = visible(scope);
    if f.matches_nothing() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT lifecycle, COUNT(*) FROM tenants{} GROUP BY lifecycle", f.sql());
    db_run!(db, p => f.bind(sqlx::query_as::<_, (String, i64)>(&sql)).fetch_all(p).await).map_err(internal)
}

pub async fn select_tenant(ex: impl Into<Ex<'_>>, scope: &TenantScope) -> Result<TenantDto, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM tenants WHERE workspace_id = $1 AND id = $2");
    db_run!(ex, p => sqlx::query_as::<_, TenantDto>(&sql).bind(scope.workspace_id()).bind(scope.tenant_id()).fetch_optional(p).await)
        .map_err(internal)?
        .ok_or(AppError::NotFound)
}

pub async fn insert_tenant(tx: &mut Tx, scope: &WorkspaceScope, t: &NewTenant) -> Result<i64, AppError> {
    let sql = "INSERT INTO tenants (workspace_id, display_name, primary_domain, entra_tenant_id, lifecycle, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, 'draft', $5, $5) RETURNING id";
    db_run!(tx, p => sqlx::query_scalar::<_, i64>(sql)
        .bind(scope.workspace_id()).bind(&t.display_name).bind(&t.primary_domain).bind(&t.entra_tenant_id).bind(Utc::now())
        .fetch_one(p).await)
    .map_err(|e| match on_constraint(e, "tenants_entra_tenant_id_key", "entra_tenant_id_taken") {
        AppError::Conflict(_) => AppError::validation("entra_tenant_id", "taken"),
        other => other,
    })
}

pub async fn update_display_name(tx: &mut Tx, scope: &TenantScope, name: &str) -> Result<(), AppError> {
    let sql = "UPDATE tenants SET display_name = $1, updated_at = $2 WHERE workspace_id = $3 AND id = $4";
    db_run!(tx, p => sqlx::query(sql).bind(name).bind(Utc::now()).bind(scope.workspace_id()).bind(scope.tenant_id()).execute(p).await.map(|r| r.rows_affected()))
        .map_err(internal)
        .and_then(|n| if n == 1 { Ok(()) } else { Err(AppError::NotFound) })
}

/// Sets the lifecycle; archiving remembers the previous state, restoring brings it back.
pub async fn update_lifecycle(tx: &mut Tx, scope: &TenantScope, archive: bool) -> Result<(), AppError> {
    let sql = if archive {
        "UPDATE tenants SET lifecycle_before_archive = lifecycle, lifecycle = 'archived', updated_at = $1 \
         WHERE workspace_id = $2 AND id = $3 AND lifecycle <> 'archived'"
    } else {
        "UPDATE tenants SET lifecycle = COALESCE(lifecycle_before_archive, 'draft'), lifecycle_before_archive = NULL, updated_at = $1 \
         WHERE workspace_id = $2 AND id = $3 AND lifecycle = 'archived'"
    };
    let n = db_run!(tx, p => sqlx::query(sql).bind(Utc::now()).bind(scope.workspace_id()).bind(scope.tenant_id()).execute(p).await.map(|r| r.rows_affected()))
        .map_err(internal)?;
    if n == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict(if archive { "already_archived" } else { "not_archived" }.into()))
    }
}
