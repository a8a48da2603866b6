//! Scopes: the only way into workspace- and tenant-owned data. [`WorkspaceScope`] and [`TenantScope`]
//! have private fields and are built only here, after membership, workspace status, tenant ownership,
//! tenant narrowing and capability were checked. Services and repositories take a scope, so code that
//! skipped authorization does not compile. Rules (BRIEF §4.2): not a member, archived workspace, foreign
//! or non-entitled tenant → `NotFound`; member lacking the capability → `Forbidden`. The platform plane
//! (`/system`) has its own [`PlatformScope`], held only by platform operators signed in with a session;
//! everyone else gets `NotFound` (wrong plane).

use crate::{
    audit::ActorType,
    auth::server::Actor,
    authz::{allows, Capability, PlatformCapability, Role},
    db::internal,
    db::Db,
    db_run,
    error::AppError,
};

/// An authorized view of one workspace for one actor.
#[derive(Debug, Clone)]
pub struct WorkspaceScope {
    workspace_id: i64,
    slug: String,
    name: String,
    role: Role,
    actor_id: i64,
    actor_label: String,
    actor_type: ActorType,
    /// `Some(ids)`: the member sees only these tenants.
    narrowed_to: Option<Vec<i64>>,
}

/// An authorized view of one tenant inside a workspace scope.
#[derive(Debug, Clone)]
pub struct TenantScope {
    ws: WorkspaceScope,
    tenant_id: i64,
}

#[derive(sqlx::FromRow)]
struct MembershipRow {
    workspace_id: i64,
    slug: String,
    name: String,
    status: String,
    role: String,
    /// Whether the membership lists tenants (the list itself is read only then).
    narrowed: bool,
}

impl Actor {
    /// Enters the workspace `slug` with capability `cap`. An actor authenticated by an API token enters only
    /// the token's workspace (any other → `NotFound`, like a non-member), with the owner's current role.
    pub async fn workspace(&self, db: &Db, slug: &str, cap: Capability) -> Result<WorkspaceScope, AppError> {
        let sql = "SELECT w.id AS workspace_id, w.slug, w.name, w.status, m.role, \
                   EXISTS (SELECT 1 FROM membership_tenants mt \
                           WHERE mt.workspace_id = w.id AND mt.user_id = m.user_id) AS narrowed \
                   FROM workspaces w JOIN workspace_memberships m ON m.workspace_id = w.id \
                   WHERE w.slug = $1 AND m.user_id = $2";
        let row = db_run!(db, p => sqlx::query_as::<_, MembershipRow>(sql).bind(slug).bind(self.user_id()).fetch_optional(p).await)
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        if row.status != "active" || self.token().is_some_and(|t| t.workspace_id != row.workspace_id) {
            return Err(AppError::NotFound);
        }
        let role = Role::parse(&row.role).ok_or_else(|| {
            tracing::error!(role = %row.role, "unknown role in database");
            AppError::Internal
        })?;
        // Most members are not narrowed: their scope costs one query.
        let narrowed_to = if row.narrowed {
            Some(
                db_run!(db, p => sqlx::query_scalar::<_, i64>(
                "SELECT tenant_id FROM membership_tenants WHERE workspace_id = $1 AND user_id = $2 ORDER BY tenant_id")
                .bind(row.workspace_id).bind(self.user_id()).fetch_all(p).await)
                .map_err(internal)?,
            )
        } else if role.requires_narrowing() {
            Some(Vec::new())
        } else {
            None
        };
        let scope = WorkspaceScope {
            workspace_id: row.workspace_id,
            slug: row.slug,
            name: row.name,
            role,
            actor_id: self.user_id(),
            actor_label: self.audit_label(),
            actor_type: self.actor_type(),
            narrowed_to,
        };
        scope.require(cap)?;
        Ok(scope)
    }
}

impl WorkspaceScope {
    pub fn workspace_id(&self) -> i64 {
        self.workspace_id
    }

    pub fn slug(&self) -> &str {
        &self.slug
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn actor_id(&self) -> i64 {
        self.actor_id
    }

    pub fn actor_label(&self) -> &str {
        &self.actor_label
    }

    /// `Human` for a session, `Integration` for an API token.
    pub fn actor_type(&self) -> ActorType {
        self.actor_type
    }

    /// Tenants this member is limited to (`None` = all tenants of the workspace).
    pub fn tenant_filter(&self) -> Option<&[i64]> {
        self.narrowed_to.as_deref()
    }

    pub fn can(&self, cap: Capability) -> bool {
        allows(self.role, cap)
    }

    /// `Forbidden` unless the role holds `cap`.
    pub fn require(&self, cap: Capability) -> Result<(), AppError> {
        if self.can(cap) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Enters tenant `tenant_id` of this workspace with capability `cap`: foreign or non-entitled → NotFound.
    pub async fn tenant(&self, db: &Db, tenant_id: i64, cap: Capability) -> Result<TenantScope, AppError> {
        let exists = db_run!(db, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM tenants WHERE workspace_id = $1 AND id = $2")
            .bind(self.workspace_id).bind(tenant_id).fetch_one(p).await)
        .map_err(internal)?
            > 0;
        let entitled = self.tenant_filter().is_none_or(|ids| ids.contains(&tenant_id));
        if !exists || !entitled {
            return Err(AppError::NotFound);
        }
        self.require(cap)?;
        Ok(TenantScope { ws: self.clone(), tenant_id })
    }
}

impl TenantScope {
    pub fn workspace(&self) -> &WorkspaceScope {
        &self.ws
    }

    pub fn workspace_id(&self) -> i64 {
        self.ws.workspace_id
    }

    pub fn tenant_id(&self) -> i64 {
        self.tenant_id
    }
}

/// An authorized view of the platform plane for one platform operator. Private fields: built only by
/// [`Actor::platform`], so platform services cannot be called without the check.
#[derive(Debug, Clone)]
pub struct PlatformScope {
    actor: Actor,
    capability: PlatformCapability,
}

impl Actor {
    /// Enters the platform plane with `cap`: platform operators with a session only. Anyone else —
    /// workspace members and API tokens alike — gets `NotFound`: the plane does not exist for them.
    pub fn platform(&self, cap: PlatformCapability) -> Result<PlatformScope, AppError> {
        if !self.is_platform_admin() || self.token().is_some() {
            return Err(AppError::NotFound);
        }
        Ok(PlatformScope { actor: self.clone(), capability: cap })
    }
}

impl PlatformScope {
    /// The operator (for audit records).
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The capability the scope was entered with.
    pub fn capability(&self) -> PlatformCapability {
        self.capability
    }
}

/// The opening of a platform server function: signed in (401), platform operator (404).
pub async fn enter_platform(cap: PlatformCapability) -> Result<(crate::state::AppState, PlatformScope), AppError> {
    let state = crate::state::AppState::get()?;
    let scope = Actor::current().await?.platform(cap)?;
    Ok((state, scope))
}

/// Background work acting without a user (scheduled jobs, the demo seed). Loudly named so reviews find it.
#[derive(Debug, Clone)]
pub struct SystemScope {
    reason: &'static str,
}

impl SystemScope {
    pub fn for_job(reason: &'static str) -> Self {
        Self { reason }
    }

    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

/// The common opening of a workspace-scoped server function: signed in (401), member of `slug` (404) with
/// `cap` (403). Returns the state with the scope.
pub async fn enter_workspace(
    slug: &str,
    cap: Capability,
) -> Result<(crate::state::AppState, WorkspaceScope), AppError> {
    let state = crate::state::AppState::get()?;
    let actor = Actor::current().await?;
    let scope = actor.workspace(&state.db, slug, cap).await?;
    Ok((state, scope))
}

/// Like [`enter_workspace`], then into tenant `tenant_id` (404 when foreign or not entitled).
pub async fn enter_tenant(
    slug: &str,
    tenant_id: i64,
    cap: Capability,
) -> Result<(crate::state::AppState, TenantScope), AppError> {
    let (state, ws) = enter_workspace(slug, Capability::TenantsView).await?;
    let scope = ws.tenant(&state.db, tenant_id, cap).await?;
    Ok((state, scope))
}
