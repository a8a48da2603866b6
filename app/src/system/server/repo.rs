//! SQL of the workspace directory. Cross-workspace by design: every function takes a [`PlatformScope`].

use crate::{
    authz::server::PlatformScope,
    db::internal,
    db::Db,
    db_run,
    error::AppError,
    system::{DirectoryTenant, DirectoryWorkspace},
};

const WORKSPACES: &str = "SELECT w.slug, w.name, w.status, \
    (SELECT COUNT(*) FROM workspace_memberships m WHERE m.workspace_id = w.id) AS members, \
    (SELECT COUNT(*) FROM tenants t WHERE t.workspace_id = w.id) AS tenants FROM workspaces w";

pub async fn select_workspaces(db: &Db, _scope: &PlatformScope) -> Result<Vec<DirectoryWorkspace>, AppError> {
    let sql = format!("{WORKSPACES} ORDER BY w.name, w.id");
    db_run!(db, p => sqlx::query_as::<_, DirectoryWorkspace>(&sql).fetch_all(p).await).map_err(internal)
}

/// The workspace `slug` with its id.
pub async fn select_workspace(
    db: &Db,
    _scope: &PlatformScope,
    slug: &str,
) -> Result<Option<(i64, DirectoryWorkspace)>, AppError> {
    let id_sql = "SELECT id FROM workspaces WHERE slug = $1";
    let Some(id) =
        db_run!(db, p => sqlx::query_scalar::<_, i64>(id_sql).bind(slug).fetch_optional(p).await).map_err(internal)?
    else {
        return Ok(None);
    };
    let sql = format!("{WORKSPACES} WHERE w.id = $1");
    let ws = db_run!(db, p => sqlx::query_as::<_, DirectoryWorkspace>(&sql).bind(id).fetch_one(p).await)
        .map_err(internal)?;
    Ok(Some((id, ws)))
}

pub async fn select_tenants(
    db: &Db,
    _scope: &PlatformScope,
    workspace_id: i64,
) -> Result<Vec<DirectoryTenant>, AppError> {
    let sql = "SELECT id, display_name, primary_domain, lifecycle FROM tenants WHERE workspace_id = $1 \
               ORDER BY display_name, id";
    db_run!(db, p => sqlx::query_as::<_, DirectoryTenant>(sql).bind(workspace_id).fetch_all(p).await).map_err(internal)
}

/// Active managed tenants of workspace `workspace_id` (the plan's tenant limit counts them).
pub async fn count_active_tenants(
    tx: &mut crate::db::Tx,
    _scope: &PlatformScope,
    workspace_id: i64,
) -> Result<i64, AppError> {
    db_run!(tx, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM tenants WHERE workspace_id = $1 AND lifecycle = 'active'")
        .bind(workspace_id).fetch_one(p).await)
    .map_err(internal)
}
