//! Workspace settings: read (any member), change (`settings.manage`, audited as
//! `workspace.settings_update` with the changed fields' `from`/`to`), and the workspace default language
//! for the locale chain (only for members of an active workspace).

use serde_json::{json, Map, Value};

use crate::{
    audit::server::{record, AuditEvent},
    authz::{server::WorkspaceScope, Capability},
    db::internal,
    db::Db,
    db_run,
    error::AppError,
    workspaces::{SettingsInput, WorkspaceSettings},
};

#[derive(sqlx::FromRow)]
struct SettingsRow {
    name: String,
    default_locale: Option<String>,
    timezone: String,
}

async fn select(db: &Db, scope: &WorkspaceScope) -> Result<SettingsRow, AppError> {
    let sql = "SELECT name, default_locale, timezone FROM workspaces WHERE id = $1";
    db_run!(db, p => sqlx::query_as::<_, SettingsRow>(sql).bind(scope.workspace_id()).fetch_optional(p).await)
        .map_err(internal)?
        .ok_or(AppError::NotFound)
}

/// The scope's workspace settings (every member may read them).
pub async fn get(db: &Db, scope: &WorkspaceScope) -> Result<WorkspaceSettings, AppError> {
    scope.require(Capability::WorkspaceView)?;
    let row = select(db, scope).await?;
    Ok(WorkspaceSettings {
        slug: scope.slug().to_string(),
        name: row.name,
        default_locale: row.default_locale,
        timezone: row.timezone,
        role: scope.role().id().to_string(),
        can_manage: scope.can(Capability::SettingsManage),
    })
}

/// Stores validated settings; audits the changed fields (nothing changed → nothing written).
pub async fn update(db: &Db, scope: &WorkspaceScope, input: SettingsInput) -> Result<WorkspaceSettings, AppError> {
    scope.require(Capability::SettingsManage)?;
    let before = select(db, scope).await?;
    let mut from = Map::new();
    let mut to = Map::new();
    let mut diff = |field: &str, old: Value, new: Value| {
        if old != new {
            from.insert(field.into(), old);
            to.insert(field.into(), new);
        }
    };
    diff("name", json!(before.name), json!(input.name));
    diff("default_locale", json!(before.default_locale), json!(input.default_locale));
    diff("timezone", json!(before.timezone), json!(input.timezone));
    if !from.is_empty() {
        let sql = "UPDATE workspaces SET name = $1, default_locale = $2, timezone = $3, updated_at = $4 WHERE id = $5";
        let mut tx = db.begin().await?;
        db_run!(&mut tx, p => sqlx::query(sql)
            .bind(&input.name).bind(&input.default_locale).bind(&input.timezone).bind(chrono::Utc::now())
            .bind(scope.workspace_id()).execute(p).await.map(|r| r.rows_affected()))
        .map_err(internal)?;
        let fields: Vec<&str> = to.keys().map(String::as_str).collect();
        let summary = format!("Changed workspace settings: {}", fields.join(", "));
        let event = AuditEvent::new("workspace.settings_update", "workspace", scope.workspace_id())
            .summary(summary)
            .metadata(json!({ "from": from, "to": to }));
        record(&mut tx, scope, event).await?;
        tx.commit().await?;
    }
    get(db, scope).await
}

/// The default language of workspace `slug` when `user_id` is a member of it and it is active.
pub async fn member_default_locale(db: &Db, user_id: i64, slug: &str) -> Result<Option<String>, AppError> {
    let sql = "SELECT w.default_locale FROM workspaces w JOIN workspace_memberships m ON m.workspace_id = w.id \
               WHERE w.slug = $1 AND m.user_id = $2 AND w.status = 'active'";
    db_run!(db, p => sqlx::query_scalar::<_, Option<String>>(sql).bind(slug).bind(user_id).fetch_optional(p).await)
        .map(Option::flatten)
        .map_err(internal)
}
