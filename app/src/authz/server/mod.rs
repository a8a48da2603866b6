//! Scopes: the only way into workspace- and tenant-owned data. [`WorkspaceScope`] and [`TenantScope`]
//! have private fields and are built only here, after membership, workspace status, tenant ownership and
//! tenant narrowing were checked. Services and repositories take a scope, so code that skipped
//! authorization does not compile. Rules (BRIEF §4.2): not a member, archived workspace, foreign or
//! non-entitled tenant → `NotFound` (checked by [`enter`], the one way in for server functions and API
//! handlers); member lacking the capability → `Forbidden` (checked by the service, which states the
//! capability it needs as its first statement). The platform plane
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
    /// Enters the workspace `slug` with capability `cap` (background work and actor-level services; the
    /// transports use [`enter`], which leaves the capability to the service).
    pub async fn workspace(&self, db: &Db, slug: &str, cap: Capability) -> Result<WorkspaceScope, AppError> {
        let scope = self.member_of(db, slug).await?;
        scope.require(cap)?;
        Ok(scope)
    }

    /// The membership of `slug` as a scope, without any capability: not a member, archived workspace or (for
    /// an API token) any workspace but the token's → `NotFound`. The role is read per request.
    async fn member_of(&self, db: &Db, slug: &str) -> Result<WorkspaceScope, AppError> {
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
        let scope = self.clone().into_tenant(db, tenant_id).await?;
        self.require(cap)?;
        Ok(scope)
    }

    /// Tenant `tenant_id` of this workspace, without any capability: foreign or non-entitled → NotFound.
    async fn into_tenant(self, db: &Db, tenant_id: i64) -> Result<TenantScope, AppError> {
        let exists = tenant_in_workspace(db, self.workspace_id, tenant_id).await?;
        let entitled = self.tenant_filter().is_none_or(|ids| ids.contains(&tenant_id));
        if !exists || !entitled {
            return Err(AppError::NotFound);
        }
        Ok(TenantScope { ws: self, tenant_id })
    }
}

/// Whether tenant `tenant_id` belongs to workspace `workspace_id`.
async fn tenant_in_workspace(db: &Db, workspace_id: i64, tenant_id: i64) -> Result<bool, AppError> {
    let n = db_run!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM tenants WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id).bind(tenant_id).fetch_one(p).await)
    .map_err(internal)?;
    Ok(n > 0)
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

/// What a repository over tenant-owned rows binds: the workspace and tenant ids of a scope that was
/// checked before it was built. Sealed: implemented only by [`TenantScope`] (a member entered the tenant)
/// [`RunScope`] (a worker claimed a run of the tenant) and [`SystemTenantScope`] (system work entered a
/// tenant it checked), so a repository cannot be handed raw ids.
pub trait TenantBound: sealed::Sealed + Send + Sync {
    fn bound_workspace_id(&self) -> i64;
    fn bound_tenant_id(&self) -> i64;
}

/// What a repository over workspace-owned rows binds: the workspace of a checked scope — a member's
/// [`WorkspaceScope`] or any [`TenantBound`] scope (its tenant's workspace). Sealed like [`TenantBound`].
pub trait WorkspaceBound: sealed::Sealed + Send + Sync {
    fn bound_workspace(&self) -> i64;
}

impl WorkspaceBound for WorkspaceScope {
    fn bound_workspace(&self) -> i64 {
        self.workspace_id
    }
}

impl<T: TenantBound> WorkspaceBound for T {
    fn bound_workspace(&self) -> i64 {
        self.bound_workspace_id()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::WorkspaceScope {}
    impl Sealed for super::TenantScope {}
    impl Sealed for super::RunScope {}
    impl Sealed for super::SystemTenantScope {}
}

impl TenantBound for TenantScope {
    fn bound_workspace_id(&self) -> i64 {
        self.ws.workspace_id
    }

    fn bound_tenant_id(&self) -> i64 {
        self.tenant_id
    }
}

/// The tenant of an operation run a worker claimed: the only tenant scope background work gets. Built
/// only when a run is claimed (`operations::server::worker`), from the claimed row's own ids.
#[derive(Debug, Clone)]
pub struct RunScope {
    workspace_id: i64,
    tenant_id: i64,
    run_id: i64,
}

impl RunScope {
    /// Only the claim builds one (crate-private).
    pub(crate) fn claimed(workspace_id: i64, tenant_id: i64, run_id: i64) -> Self {
        Self { workspace_id, tenant_id, run_id }
    }

    pub fn workspace_id(&self) -> i64 {
        self.workspace_id
    }

    pub fn tenant_id(&self) -> i64 {
        self.tenant_id
    }

    pub fn run_id(&self) -> i64 {
        self.run_id
    }
}

impl TenantBound for RunScope {
    fn bound_workspace_id(&self) -> i64 {
        self.workspace_id
    }

    fn bound_tenant_id(&self) -> i64 {
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

/// Background work acting without a user. Built only where the system acts on its own: the operations
/// worker and scheduler (which claim runs and queue due work) inside this crate, and two named entry
/// points of the server process — [`SystemScope::demo_seed`] and [`SystemScope::benchmark`]. Tests get
/// [`SystemScope::for_test`] behind the `test-support` feature.
#[derive(Debug, Clone)]
pub struct SystemScope {
    reason: &'static str,
}

impl SystemScope {
    pub(crate) fn for_job(reason: &'static str) -> Self {
        Self { reason }
    }

    /// The operations scheduler and reconciler (the server's ticker): queues due syncs, fails stale runs.
    pub fn scheduler() -> Self {
        Self::for_job("operations scheduler")
    }

    /// Seeding the demo into an empty database (`TENANTPILOT_DEMO`) and the benchmark fixture built on it.
    pub fn demo_seed() -> Self {
        Self::for_job("demo seed")
    }

    /// The benchmark commands (`tenantpilot bench-sync`, `bench-seed`): their own workspaces and tenants.
    pub fn benchmark() -> Self {
        Self::for_job("benchmark")
    }

    /// For tests only.
    #[cfg(feature = "test-support")]
    pub fn for_test(reason: &'static str) -> Self {
        Self { reason }
    }

    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// Enters tenant `tenant_id` of workspace `workspace_id` as the system (demo seed, benchmarks): the
    /// pair is checked to exist (`NotFound` otherwise), so even system work cannot bind a mismatched pair.
    pub async fn tenant(&self, db: &Db, workspace_id: i64, tenant_id: i64) -> Result<SystemTenantScope, AppError> {
        if !tenant_in_workspace(db, workspace_id, tenant_id).await? {
            return Err(AppError::NotFound);
        }
        Ok(SystemTenantScope { workspace_id, tenant_id })
    }
}

/// A tenant entered by the system ([`SystemScope::tenant`]).
#[derive(Debug, Clone)]
pub struct SystemTenantScope {
    workspace_id: i64,
    tenant_id: i64,
}

impl TenantBound for SystemTenantScope {
    fn bound_workspace_id(&self) -> i64 {
        self.workspace_id
    }

    fn bound_tenant_id(&self) -> i64 {
        self.tenant_id
    }
}

/// What [`enter`] returns: the workspace scope, or the tenant scope when a tenant was named.
#[derive(Debug, Clone)]
pub enum Entered {
    Workspace(WorkspaceScope),
    Tenant(TenantScope),
}

impl Entered {
    /// The workspace scope (of the tenant, when one was entered).
    pub fn workspace(&self) -> &WorkspaceScope {
        match self {
            Entered::Workspace(ws) => ws,
            Entered::Tenant(t) => &t.ws,
        }
    }
}

/// A scope a transport asks [`enter`] for: [`WorkspaceScope`] or [`TenantScope`].
pub trait FromEntered: Sized {
    /// Whether this scope needs a tenant (the API extractor then reads the tenant id from the path).
    const TENANT: bool;
    fn from_entered(entered: Entered) -> Result<Self, AppError>;
}

impl FromEntered for WorkspaceScope {
    const TENANT: bool = false;

    fn from_entered(entered: Entered) -> Result<Self, AppError> {
        Ok(match entered {
            Entered::Workspace(ws) => ws,
            Entered::Tenant(t) => t.ws,
        })
    }
}

impl FromEntered for TenantScope {
    const TENANT: bool = true;

    fn from_entered(entered: Entered) -> Result<Self, AppError> {
        match entered {
            Entered::Tenant(t) => Ok(t),
            Entered::Workspace(_) => {
                tracing::error!("a tenant scope was asked for without a tenant");
                Err(AppError::Internal)
            }
        }
    }
}

/// **The one way in** for both transports (server functions through [`enter_current`], `/api/v1` handlers
/// through their `Scoped` extractor): `actor` enters workspace `workspace` and, when given, its tenant
/// `tenant`. Checks membership, workspace status, token confinement, tenant ownership and narrowing —
/// every failure is `NotFound` — and **no capability**: each service function requires the capability it
/// needs (`Forbidden`) as its first statement, so both transports answer alike.
pub async fn enter(db: &Db, actor: &Actor, workspace: &str, tenant: Option<i64>) -> Result<Entered, AppError> {
    let ws = actor.member_of(db, workspace).await?;
    Ok(match tenant {
        Some(id) => Entered::Tenant(ws.into_tenant(db, id).await?),
        None => Entered::Workspace(ws),
    })
}

/// [`enter`] for a server function: the current request's actor (401 without one) and the state. The
/// scope type (`WorkspaceScope` or `TenantScope`) is usually inferred from the service it is passed to.
pub async fn enter_current<S: FromEntered>(
    workspace: &str,
    tenant: Option<i64>,
) -> Result<(crate::state::AppState, S), AppError> {
    let state = crate::state::AppState::get()?;
    let actor = Actor::current().await?;
    let scope = S::from_entered(enter(&state.db, &actor, workspace, tenant).await?)?;
    Ok((state, scope))
}
