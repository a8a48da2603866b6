//! Workspaces, server half: the caller's memberships, the remembered workspace, the overview; the
//! settings service lives in [`settings`].

pub mod settings;

use crate::{
    auth::server::Actor,
    authz::{server::WorkspaceScope, Capability},
    db::Db,
    db::{internal, Ex},
    db_run,
    error::AppError,
    workspaces::{MyWorkspaces, WorkspaceOverview, WorkspaceSummary},
};

/// The actor's active workspaces (an API-token actor: only the token's workspace, if still a member).
pub async fn my_workspaces(db: &Db, actor: &Actor) -> Result<MyWorkspaces, AppError> {
    let sql = "SELECT w.slug, w.name, m.role FROM workspaces w JOIN workspace_memberships m ON m.workspace_id = w.id \
               WHERE m.user_id = $1 AND w.status = 'active' AND ($2 OR w.id = $3) ORDER BY w.name";
    let (any, only) = match actor.token() {
        Some(t) => (false, t.workspace_id),
        None => (true, 0),
    };
    let workspaces = db_run!(db, p => sqlx::query_as::<_, WorkspaceSummary>(sql)
        .bind(actor.user_id()).bind(any).bind(only).fetch_all(p).await)
    .map_err(internal)?;
    let last_sql = "SELECT w.slug FROM users u JOIN workspaces w ON w.id = u.last_workspace_id WHERE u.id = $1";
    let last =
        db_run!(db, p => sqlx::query_scalar::<_, String>(last_sql).bind(actor.user_id()).fetch_optional(p).await)
            .map_err(internal)?;
    Ok(MyWorkspaces { workspaces, last })
}

/// The overview of the scope's workspace; remembers it as the caller's last workspace.
pub async fn overview(db: &Db, scope: &WorkspaceScope) -> Result<WorkspaceOverview, AppError> {
    scope.require(Capability::WorkspaceView)?;
    db_run!(db, p => sqlx::query("UPDATE users SET last_workspace_id = $1 WHERE id = $2")
        .bind(scope.workspace_id()).bind(scope.actor_id()).execute(p).await.map(|r| r.rows_affected()))
    .map_err(internal)?;
    let counts = crate::tenants::server::repo::count_by_lifecycle(db, scope).await?;
    let count = |l: &str| counts.iter().filter(|(s, _)| s == l).map(|(_, n)| n).sum::<i64>();
    Ok(WorkspaceOverview {
        slug: scope.slug().to_string(),
        name: scope.name().to_string(),
        role: scope.role().id().to_string(),
        capabilities: Capability::ALL.iter().filter(|c| scope.can(**c)).map(|c| c.id().to_string()).collect(),
        tenants_total: counts.iter().map(|(_, n)| n).sum(),
        tenants_active: count("active"),
        tenants_archived: count("archived"),
    })
}

/// Creates a workspace (platform provisioning and the demo seed; no member scope exists yet).
pub async fn create_workspace(
    ex: impl Into<Ex<'_>>,
    _scope: &crate::authz::server::SystemScope,
    name: &str,
    slug: &str,
) -> Result<i64, AppError> {
    let now = chrono::Utc::now();
    let sql = "INSERT INTO workspaces (name, slug, status, created_at, updated_at) VALUES ($1, $2, 'active', $3, $3) RETURNING id";
    db_run!(ex, p => sqlx::query_scalar::<_, i64>(sql).bind(name).bind(slug).bind(now).fetch_one(p).await)
        .map_err(|e| crate::db::on_constraint(e, "workspaces_slug_key", "slug_taken"))
}

/// Adds `user_id` to a workspace with `role`, optionally narrowed to `tenants`.
pub async fn add_member(
    ex: impl Into<Ex<'_>>,
    _scope: &crate::authz::server::SystemScope,
    workspace_id: i64,
    user_id: i64,
    role: crate::authz::Role,
    tenants: &[i64],
) -> Result<(), AppError> {
    let now = chrono::Utc::now();
    let mut ex = ex.into();
    db_run!(&mut ex, p => sqlx::query("INSERT INTO workspace_memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(workspace_id).bind(user_id).bind(role.id()).bind(now).execute(p).await.map(|r| r.rows_affected()))
    .map_err(internal)?;
    for t in tenants {
        db_run!(&mut ex, p => sqlx::query("INSERT INTO membership_tenants (workspace_id, user_id, tenant_id) VALUES ($1, $2, $3)")
            .bind(workspace_id).bind(user_id).bind(t).execute(p).await.map(|r| r.rows_affected()))
        .map_err(internal)?;
    }
    Ok(())
}

/// Inserts a managed tenant with a given lifecycle (demo seed and provisioning).
pub async fn seed_tenant(
    ex: impl Into<Ex<'_>>,
    _scope: &crate::authz::server::SystemScope,
    workspace_id: i64,
    t: &crate::tenants::NewTenant,
    lifecycle: &str,
) -> Result<i64, AppError> {
    let sql = "INSERT INTO tenants (workspace_id, display_name, primary_domain, entra_tenant_id, lifecycle, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id";
    db_run!(ex, p => sqlx::query_scalar::<_, i64>(sql)
        .bind(workspace_id).bind(&t.display_name).bind(&t.primary_domain).bind(&t.entra_tenant_id).bind(lifecycle).bind(chrono::Utc::now())
        .fetch_one(p).await)
    .map_err(internal)
}
