//! Runs as members see them: start (idempotent, audited), read, list, request cancellation (audited).
//! Every function takes the caller's [`WorkspaceScope`]; tenants are entered through it, so a foreign or
//! non-entitled tenant or run answers `NotFound`, a missing capability `Forbidden`.

use chrono::Utc;
use serde_json::json;

use super::{repo, STALE_AFTER};
use crate::{
    audit::server::{record, AuditEvent},
    authz::{server::WorkspaceScope, Capability},
    db::{Db, Tx},
    error::AppError,
    operations::{
        ActiveRun, ActiveRunList, FailureSummary, InitiatorKind, OperationRunDto, Reason, RunQuery, RunReason, RunType,
        RunView, SummaryCounts, ACTIVE_RUNS_SHOWN,
    },
    paging::Page,
    secrets::sanitize,
};

/// Longest accepted idempotency key.
pub const MAX_KEY_CHARS: usize = 200;

/// What to start.
#[derive(Debug, Clone)]
pub struct StartRun {
    pub run_type: RunType,
    pub tenant_id: Option<i64>,
    /// Distinguishes runs of the same type and tenant that may be active side by side; `""` (the default)
    /// allows one active run per type and tenant.
    pub idempotency_key: String,
    /// Parameters for the handler (secrets are redacted before storing).
    pub context: serde_json::Value,
}

impl StartRun {
    pub fn new(run_type: RunType, tenant_id: Option<i64>) -> Self {
        Self { run_type, tenant_id, idempotency_key: String::new(), context: json!({}) }
    }
}

pub use crate::operations::Started;

/// A start that passed its checks (tenant, capabilities, input), ready to be inserted.
#[derive(Debug, Clone)]
pub struct CheckedStart {
    req: StartRun,
    tenant_id: Option<i64>,
}

/// Checks a start: needs `operations.start` and the run type's capability; a tenant run enters the tenant
/// through the scope.
pub async fn check_start(db: &Db, scope: &WorkspaceScope, req: StartRun) -> Result<CheckedStart, AppError> {
    let tenant_id = match (req.tenant_id, req.run_type.needs_tenant()) {
        (Some(id), _) => Some(scope.tenant(db, id, Capability::OperationsStart).await?.tenant_id()),
        (None, true) => return Err(AppError::validation("tenant", "required")),
        (None, false) => {
            if scope.tenant_filter().is_some() {
                // Workspace-wide runs are for members who see the whole workspace.
                return Err(AppError::Forbidden);
            }
            None
        }
    };
    scope.require(Capability::OperationsStart)?;
    scope.require(req.run_type.capability())?;
    if req.idempotency_key.chars().count() > MAX_KEY_CHARS {
        return Err(AppError::validation("idempotency_key", "too_long"));
    }
    if !req.context.is_object() {
        return Err(AppError::validation("context", "invalid"));
    }
    let mut req = req;
    sanitize(&mut req.context);
    Ok(CheckedStart { req, tenant_id })
}

impl CheckedStart {
    /// Sets the identity and context once the record the run works on exists (same transaction).
    pub fn set_identity(&mut self, idempotency_key: String, mut context: serde_json::Value) {
        sanitize(&mut context);
        self.req.idempotency_key = idempotency_key;
        self.req.context = context;
    }

    fn new_run(&self, scope: &WorkspaceScope) -> repo::NewRun<'_> {
        repo::NewRun {
            workspace_id: scope.workspace_id(),
            tenant_id: self.tenant_id,
            run_type: self.req.run_type,
            initiator_user_id: Some(scope.actor_id()),
            initiator_kind: InitiatorKind::Human,
            idempotency_key: &self.req.idempotency_key,
            context: &self.req.context,
        }
    }

    /// Inserts the run and its `operation.start` audit entry in the caller's transaction (so a record
    /// and the run that works on it commit together); `None` when an active run with the same identity
    /// exists.
    pub async fn insert(&self, tx: &mut Tx, scope: &WorkspaceScope) -> Result<Option<i64>, AppError> {
        let Some(id) = repo::insert_run(tx, &self.new_run(scope)).await? else {
            return Ok(None);
        };
        let run_type = self.req.run_type;
        let mut event = AuditEvent::new("operation.start", "operation_run", id)
            .summary(format!("Started {}", run_type.id()))
            .metadata(json!({ "run_type": run_type.id(), "idempotency_key": self.req.idempotency_key }));
        if let Some(t) = self.tenant_id {
            event = event.tenant(t);
        }
        record(tx, scope, event).await?;
        Ok(Some(id))
    }
}

/// Starts a run, or returns the active run with the same identity. Needs `operations.start` and the run
/// type's capability; a tenant run enters the tenant through the scope.
pub async fn start(db: &Db, scope: &WorkspaceScope, req: StartRun) -> Result<Started, AppError> {
    let checked = check_start(db, scope, req).await?;
    // The unique index decides; the loser reads the winner. A run that completes between the two
    // statements frees the identity, so try again (bounded: each retry means a run just finished).
    for _ in 0..3 {
        let mut tx = db.begin().await?;
        if let Some(id) = checked.insert(&mut tx, scope).await? {
            tx.commit().await?;
            let run = fetch(db, scope, id).await?;
            return Ok(Started { run, created: true });
        }
        drop(tx);
        if let Some(row) = repo::select_active(db, &checked.new_run(scope)).await? {
            return Ok(Started { run: row.into_dto()?, created: false });
        }
    }
    Err(AppError::Conflict("operation_busy".into()))
}

/// The tenants the member may see and filter runs by (`operations.view`).
pub async fn run_tenants(db: &Db, scope: &WorkspaceScope) -> Result<Vec<crate::members::TenantRef>, AppError> {
    scope.require(Capability::OperationsView)?;
    crate::members::server::service::visible_tenants(db, scope).await
}

/// One run of the workspace the member may see.
pub async fn get(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<OperationRunDto, AppError> {
    scope.require(Capability::OperationsView)?;
    fetch(db, scope, id).await
}

/// One run as the detail page shows it: with its tenant's name (one lookup), whether the caller may
/// request cancellation and whether it is still active.
pub async fn view(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<RunView, AppError> {
    let run = get(db, scope, id).await?;
    let tenant_name = match run.tenant_id {
        Some(t) => match scope.tenant(db, t, Capability::OperationsView).await {
            Ok(tenant) => Some(crate::tenants::server::repo::select_tenant(db, &tenant).await?.display_name),
            Err(AppError::NotFound) => None,
            Err(other) => return Err(other),
        },
        None => None,
    };
    Ok(RunView {
        active: run.state().is_active(),
        can_cancel: scope.can(Capability::OperationsCancel),
        tenant_name,
        run,
    })
}

async fn fetch(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<OperationRunDto, AppError> {
    repo::select_run(db, scope, id).await?.ok_or(AppError::NotFound)?.into_dto()
}

/// A page of the workspace's runs the member may see, newest first.
pub async fn list(db: &Db, scope: &WorkspaceScope, q: &RunQuery) -> Result<Page<OperationRunDto>, AppError> {
    scope.require(Capability::OperationsView)?;
    let stale_before = Utc::now() - STALE_AFTER;
    let page = repo::select_page(db, scope, q, stale_before).await?;
    let items = page.items.into_iter().map(repo::RunRow::into_dto).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, page: page.page, per_page: page.per_page, total: page.total, total_capped: page.total_capped })
}

/// The caller's own queued and running runs in the workspace, newest first (the progress widget, BRIEF
/// §3.11 surface B): at most [`ACTIVE_RUNS_SHOWN`] with how many more there are.
pub async fn active_started_by_caller(db: &Db, scope: &WorkspaceScope) -> Result<ActiveRunList, AppError> {
    scope.require(Capability::OperationsView)?;
    let (rows, total) = repo::select_active_started_by(db, scope, ACTIVE_RUNS_SHOWN as i64).await?;
    let runs = rows
        .into_iter()
        .map(|r| Ok(ActiveRun { tenant_name: r.tenant_name, run: r.run.into_dto()? }))
        .collect::<Result<Vec<_>, AppError>>()?;
    let more = u64::try_from(total).unwrap_or_default().saturating_sub(runs.len() as u64);
    Ok(ActiveRunList { runs, more })
}

/// Asks a run to stop: a queued run is cancelled at once; a running one is flagged and its worker stops
/// at the next checkpoint. `Conflict("run_completed")` when the run already ended. Returns the run after
/// the request.
pub async fn request_cancel(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<OperationRunDto, AppError> {
    scope.require(Capability::OperationsView)?;
    let run = fetch(db, scope, id).await?;
    scope.require(Capability::OperationsCancel)?;
    let failure = FailureSummary::new(Reason::Run(RunReason::CancelledByUser), "");
    let event = |how: &str| {
        let event = AuditEvent::new("operation.cancel", "operation_run", id)
            .summary(format!("Requested cancellation of {}", run.run_type))
            .metadata(json!({ "run_type": run.run_type, "result": how }));
        match run.tenant_id {
            Some(t) => event.tenant(t),
            None => event,
        }
    };
    // Each change is written with its audit entry (and a cancelled run with its notification) in one
    // transaction: a queued run is cancelled at once, a running one flagged.
    let mut tx = db.begin().await?;
    if repo::cancel_queued(&mut tx, scope, id, &failure).await? {
        crate::notifications::server::repo::run_completed(&mut tx, id, &SummaryCounts::new()).await?;
        record(&mut tx, scope, event("cancelled")).await?;
    } else if repo::flag_cancel(&mut tx, scope, id).await? {
        record(&mut tx, scope, event("flagged")).await?;
    } else {
        return Err(AppError::Conflict("run_completed".into()));
    }
    tx.commit().await?;
    fetch(db, scope, id).await
}
