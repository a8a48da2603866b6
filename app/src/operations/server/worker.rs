//! Executing runs, as the system ([`SystemScope`]): claim the oldest queued run, re-authorize its initiator,
//! run the handler registered for its type with heartbeats, progress and cancellation checkpoints, and
//! complete it through the state machine. [`reconcile_stale`] fails runs whose worker went silent.
//! [`spawn_workers`] runs N claim loops until shut down. Every completion is audited as the system.

use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use serde_json::json;
use tokio::{sync::watch, task::JoinHandle};

use super::repo::{self, RunRow};
use crate::{
    audit::{
        server::{record_system, AuditEvent},
        Outcome as AuditOutcome,
    },
    auth::server::{repo::select_user_by_id, Actor},
    authz::server::RunScope,
    authz::{server::SystemScope, Capability},
    db::Db,
    error::AppError,
    operations::{
        FailureSummary, InitiatorKind, OperationRunDto, Reason, RunOutcome, RunReason, RunState, RunType,
        SummaryCounts, TransitionError,
    },
};

/// A run this worker holds (status `running`, `claimed_by` = the worker).
#[derive(Debug, Clone)]
pub struct ClaimedRun {
    pub run: OperationRunDto,
    pub workspace_id: i64,
    pub run_type: RunType,
    pub worker_id: String,
}

/// Why a handler stopped before finishing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Cancellation was requested; seen at a checkpoint.
    Cancelled,
    /// The worker no longer holds the run (reconciled as stale, or completed elsewhere): drop it.
    Lost,
    /// The work failed for a reason worth telling the user.
    Failed(FailureSummary),
}

/// How a handler finished: `Succeeded` or `PartiallySucceeded` (or `Blocked` with its reason), with its
/// counts and, for a partial success or a block, what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub outcome: RunOutcome,
    pub summary: SummaryCounts,
    pub failure: Option<FailureSummary>,
}

/// What a handler gets: the run and the means to report progress and see cancellation.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub db: Db,
    pub claimed: ClaimedRun,
}

impl RunContext {
    /// Stores `value` under `key` in the run's context (coverage, verification report …). `Err(Lost)` when
    /// the worker no longer holds the run.
    pub async fn set_context(&self, key: &str, value: serde_json::Value) -> Result<(), Stop> {
        match repo::put_context(&self.db, self.claimed.run.id, &self.claimed.worker_id, key, value).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Stop::Lost),
            Err(e) => {
                tracing::warn!(run_id = self.claimed.run.id, error = %e, "storing run context failed");
                Err(Stop::Failed(FailureSummary::new(
                    Reason::Run(RunReason::HandlerError),
                    "storing run context failed",
                )))
            }
        }
    }

    pub fn workspace_id(&self) -> i64 {
        self.claimed.workspace_id
    }

    pub fn run_id(&self) -> i64 {
        self.claimed.run.id
    }

    /// The tenant of the claimed run, as the scope its handler works in (`None` for a workspace-wide run):
    /// the only way background work gets a tenant scope.
    pub fn tenant_scope(&self) -> Option<RunScope> {
        let tenant_id = self.claimed.run.tenant_id?;
        Some(RunScope::claimed(self.claimed.workspace_id, tenant_id, self.claimed.run.id))
    }

    /// Heartbeat plus progress; `Err(Cancelled)` when cancellation was requested, `Err(Lost)` when the run
    /// is no longer this worker's. Handlers call it between units of work and propagate the error with `?`.
    pub async fn checkpoint(&self, done: i64, total: Option<i64>) -> Result<(), Stop> {
        checkpoint(&self.db, &self.claimed, Some((done, total.or(self.claimed.run.progress_total)))).await
    }
}

async fn checkpoint(db: &Db, claimed: &ClaimedRun, progress: Option<(i64, Option<i64>)>) -> Result<(), Stop> {
    match repo::touch(db, claimed.run.id, &claimed.worker_id, progress).await {
        Ok(Some(false)) => Ok(()),
        Ok(Some(true)) => Err(Stop::Cancelled),
        Ok(None) => Err(Stop::Lost),
        // The database hiccuped: keep working; a worker that stays cut off is reconciled as stale.
        Err(e) => {
            tracing::warn!(run_id = claimed.run.id, error = %e, "operation run heartbeat failed");
            Ok(())
        }
    }
}

/// A handler: an async function of the run context.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Done, Stop>> + Send>>;
pub type Handler = Arc<dyn Fn(RunContext) -> HandlerFuture + Send + Sync>;

/// Run type → handler. A claimed run without a handler fails with `run.no_handler`.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<RunType, Handler>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register<F, Fut>(&mut self, run_type: RunType, f: F) -> &mut Self
    where
        F: Fn(RunContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Done, Stop>> + Send + 'static,
    {
        self.handlers.insert(run_type, Arc::new(move |ctx| Box::pin(f(ctx))));
        self
    }

    pub fn get(&self, run_type: RunType) -> Option<&Handler> {
        self.handlers.get(&run_type)
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("run_types", &self.handlers.keys().collect::<Vec<_>>()).finish()
    }
}

/// Claims the oldest queued run of any workspace for `worker_id`. The initiator is re-authorized first
/// (still an active member with `operations.start`, the run type's capability and the tenant); a run
/// whose initiator lost access is completed as blocked (`run.initiator_lost_access`) and the next one is
/// tried. `None` when the queue is empty.
pub async fn claim_next(db: &Db, _system: &SystemScope, worker_id: &str) -> Result<Option<ClaimedRun>, AppError> {
    loop {
        let Some(row) = repo::claim_next(db, worker_id).await? else { return Ok(None) };
        let claimed = to_claimed(row, worker_id)?;
        if initiator_still_allowed(db, &claimed).await? {
            return Ok(Some(claimed));
        }
        let failure = FailureSummary::new(Reason::Run(RunReason::InitiatorLostAccess), "");
        finish(db, &claimed, RunOutcome::Blocked, &SummaryCounts::new(), Some(&failure)).await?;
    }
}

fn to_claimed(row: RunRow, worker_id: &str) -> Result<ClaimedRun, AppError> {
    let workspace_id = row.workspace_id;
    let run_type = row.run_type()?;
    Ok(ClaimedRun { run: row.into_dto()?, workspace_id, run_type, worker_id: worker_id.to_string() })
}

/// The initiator's access now, as a request would check it. Runs without a human initiator (scheduled,
/// system) are not re-authorized.
async fn initiator_still_allowed(db: &Db, claimed: &ClaimedRun) -> Result<bool, AppError> {
    let Some(user_id) = claimed.run.initiator_user_id else {
        return Ok(claimed.run.initiator_kind != crate::operations::InitiatorKind::Human);
    };
    let (Some(user), Some(slug)) =
        (select_user_by_id(db, user_id).await?, repo::workspace_slug(db, claimed.workspace_id).await?)
    else {
        return Ok(false);
    };
    let actor = Actor::for_run_initiator(user);
    let scope = match actor.workspace(db, &slug, Capability::OperationsStart).await {
        Ok(scope) => scope,
        Err(AppError::NotFound | AppError::Forbidden) => return Ok(false),
        Err(e) => return Err(e),
    };
    if !scope.can(claimed.run_type.capability()) {
        return Ok(false);
    }
    match claimed.run.tenant_id {
        None => Ok(scope.tenant_filter().is_none()),
        Some(t) => match scope.tenant(db, t, Capability::OperationsStart).await {
            Ok(_) => Ok(true),
            Err(AppError::NotFound | AppError::Forbidden) => Ok(false),
            Err(e) => Err(e),
        },
    }
}

/// Queues a run on behalf of the system (scheduler, onboarding, demo) — `initiator_kind` `scheduled` or
/// `system`, no member, so no re-authorization at claim. Idempotent like a member's start: returns the
/// active run with the same identity instead of a second one. `(run id, created)`; a creation is audited.
pub async fn enqueue(
    db: &Db,
    system: &SystemScope,
    workspace_id: i64,
    tenant_id: Option<i64>,
    run_type: RunType,
    initiator_kind: InitiatorKind,
) -> Result<(i64, bool), AppError> {
    enqueue_with(db, system, workspace_id, tenant_id, run_type, initiator_kind, "", json!({})).await
}

/// [`enqueue`] with an idempotency key and handler parameters (`context`, an object; `queued_by` is
/// added).
#[allow(clippy::too_many_arguments)]
pub async fn enqueue_with(
    db: &Db,
    system: &SystemScope,
    workspace_id: i64,
    tenant_id: Option<i64>,
    run_type: RunType,
    initiator_kind: InitiatorKind,
    idempotency_key: &str,
    mut context: serde_json::Value,
) -> Result<(i64, bool), AppError> {
    if let Some(o) = context.as_object_mut() {
        o.insert("queued_by".into(), json!(system.reason()));
    }
    let new = repo::NewRun {
        workspace_id,
        tenant_id,
        run_type,
        initiator_user_id: None,
        initiator_kind,
        idempotency_key,
        context: &context,
    };
    for _ in 0..3 {
        let mut tx = db.begin().await?;
        if let Some(id) = repo::insert_run(&mut tx, &new).await? {
            let mut event = AuditEvent::new("operation.start", "operation_run", id)
                .summary(format!("Queued {}", run_type.id()))
                .metadata(json!({ "run_type": run_type.id(), "initiator_kind": initiator_kind.id() }));
            if let Some(t) = tenant_id {
                event = event.tenant(t);
            }
            record_system(&mut tx, system, Some(workspace_id), event).await?;
            tx.commit().await?;
            return Ok((id, true));
        }
        drop(tx);
        if let Some(row) = repo::select_active(db, &new).await? {
            return Ok((row.id, false));
        }
    }
    Err(AppError::Conflict("operation_busy".into()))
}

/// Records a heartbeat for a held run; see [`RunContext::checkpoint`].
pub async fn heartbeat(db: &Db, claimed: &ClaimedRun) -> Result<(), Stop> {
    checkpoint(db, claimed, None).await
}

/// Records progress for a held run; see [`RunContext::checkpoint`].
pub async fn report_progress(db: &Db, claimed: &ClaimedRun, done: i64, total: Option<i64>) -> Result<(), Stop> {
    checkpoint(db, claimed, Some((done, total))).await
}

/// Completes a held run with `outcome` (`Conflict("illegal_transition")` for `pending`; `Conflict
/// ("run_not_held")` when the run changed meanwhile), audited as the system. Returns the stored run.
pub async fn complete(
    db: &Db,
    _system: &SystemScope,
    claimed: &ClaimedRun,
    outcome: RunOutcome,
    summary: &SummaryCounts,
    failure: Option<&FailureSummary>,
) -> Result<OperationRunDto, AppError> {
    finish(db, claimed, outcome, summary, failure).await?;
    repo::select_run_by_id(db, claimed.run.id).await?.ok_or(AppError::NotFound)?.into_dto()
}

async fn finish(
    db: &Db,
    claimed: &ClaimedRun,
    outcome: RunOutcome,
    summary: &SummaryCounts,
    failure: Option<&FailureSummary>,
) -> Result<(), AppError> {
    let to = RunState::completed(outcome)
        .and_then(|to| RunState::RUNNING.transition(to))
        .map_err(|_: TransitionError| AppError::Conflict("illegal_transition".into()))?;
    let audit_outcome = match outcome {
        RunOutcome::Succeeded => AuditOutcome::Success,
        RunOutcome::Blocked => AuditOutcome::Blocked,
        RunOutcome::Cancelled | RunOutcome::PartiallySucceeded => AuditOutcome::Info,
        RunOutcome::Failed | RunOutcome::Pending => AuditOutcome::Failure,
    };
    let mut event = AuditEvent::new("operation.complete", "operation_run", claimed.run.id)
        .outcome(audit_outcome)
        .summary(format!("{} {}", claimed.run.run_type, outcome.id()))
        .metadata(json!({
            "run_type": claimed.run.run_type,
            "outcome": outcome.id(),
            "reason": failure.map(|f| f.reason.id()),
            "worker": claimed.worker_id,
        }));
    if let Some(t) = claimed.run.tenant_id {
        event = event.tenant(t);
    }
    // The state change, the initiator's notification and the audit entry land together or not at all.
    let mut tx = db.begin().await?;
    if !repo::complete(&mut tx, claimed.run.id, RunState::RUNNING, to, Some(&claimed.worker_id), summary, failure)
        .await?
    {
        return Err(AppError::Conflict("run_not_held".into()));
    }
    crate::notifications::server::repo::run_completed(&mut tx, claimed.run.id, summary).await?;
    let system = SystemScope::for_job("operations worker");
    record_system(&mut tx, &system, Some(claimed.workspace_id), event).await?;
    tx.commit().await
}

/// Runs the handler for a claimed run and completes it from the handler's answer. A missing handler fails
/// the run (`run.no_handler`); a lost run is left to whoever holds it now.
pub async fn execute(db: &Db, system: &SystemScope, registry: &Registry, claimed: ClaimedRun) -> Result<(), AppError> {
    let result = match registry.get(claimed.run_type) {
        Some(handler) => handler(RunContext { db: db.clone(), claimed: claimed.clone() }).await,
        None => Err(Stop::Failed(FailureSummary::new(Reason::Run(RunReason::NoHandler), claimed.run_type.id()))),
    };
    let (outcome, summary, failure) = match result {
        // Blocked: the handler found the work not allowed (e.g. the plan's tenant limit) and says why.
        Ok(done)
            if matches!(done.outcome, RunOutcome::Succeeded | RunOutcome::PartiallySucceeded)
                || (done.outcome == RunOutcome::Blocked && done.failure.is_some()) =>
        {
            (done.outcome, done.summary, done.failure)
        }
        Ok(done) => {
            let f = FailureSummary::new(Reason::Run(RunReason::HandlerError), "handler returned a non-success outcome");
            (RunOutcome::Failed, done.summary, Some(f))
        }
        Err(Stop::Cancelled) => (
            RunOutcome::Cancelled,
            SummaryCounts::new(),
            Some(FailureSummary::new(Reason::Run(RunReason::CancelledByUser), "")),
        ),
        Err(Stop::Failed(f)) => (RunOutcome::Failed, SummaryCounts::new(), Some(f)),
        Err(Stop::Lost) => return Ok(()),
    };
    match complete(db, system, &claimed, outcome, &summary, failure.as_ref()).await {
        Ok(_) | Err(AppError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Completes every running run whose last heartbeat is older than `now - max_age` as failed with
/// `run.stale_heartbeat`, audited as the system. Returns the ids of the runs it failed.
pub async fn reconcile_stale(
    db: &Db,
    system: &SystemScope,
    now: DateTime<Utc>,
    max_age: Duration,
) -> Result<Vec<i64>, AppError> {
    let max_age = chrono::Duration::from_std(max_age).map_err(|_| AppError::validation("max_age", "out_of_range"))?;
    let failure = FailureSummary::new(Reason::Run(RunReason::StaleHeartbeat), "");
    let cutoff = now - max_age;
    let mut failed = Vec::new();
    for (id, workspace_id, tenant_id) in repo::select_stale(db, cutoff).await? {
        let mut event = AuditEvent::new("operation.reconcile", "operation_run", id)
            .outcome(AuditOutcome::Failure)
            .summary("Failed a run whose worker stopped sending heartbeats")
            .metadata(json!({ "reason": failure.reason.id() }));
        if let Some(t) = tenant_id {
            event = event.tenant(t);
        }
        // Each run in its own transaction: its failure, its notification and its audit entry. Nothing is
        // written when the run completed or sent a heartbeat since it was selected.
        let mut tx = db.begin().await?;
        if repo::fail_stale(&mut tx, id, cutoff, &failure).await? {
            crate::notifications::server::repo::run_completed(&mut tx, id, &SummaryCounts::new()).await?;
            record_system(&mut tx, system, Some(workspace_id), event).await?;
            tx.commit().await?;
            failed.push(id);
        }
    }
    Ok(failed)
}

/// Running claim loops; [`WorkerPool::shutdown`] stops them after their current run.
#[derive(Debug)]
pub struct WorkerPool {
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    /// Asks every loop to stop and waits until they did (a loop finishes the run it is executing first).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for h in self.handles {
            let _ = h.await;
        }
    }
}

/// Spawns `n` claim loops named `{prefix}-{i}` that claim and execute runs, sleeping `poll` whenever the
/// queue is empty or the database fails.
pub fn spawn_workers(db: Db, registry: Registry, n: usize, poll: Duration, prefix: &str) -> WorkerPool {
    let (stop, rx) = watch::channel(false);
    let registry = Arc::new(registry);
    let handles = (0..n)
        .map(|i| {
            let (db, registry, mut rx) = (db.clone(), registry.clone(), rx.clone());
            let worker_id = format!("{prefix}-{i}");
            tokio::spawn(async move {
                let system = SystemScope::for_job("operations worker");
                while !*rx.borrow() {
                    let idle = match claim_next(&db, &system, &worker_id).await {
                        Ok(Some(claimed)) => {
                            if let Err(e) = execute(&db, &system, &registry, claimed).await {
                                tracing::warn!(worker = %worker_id, error = %e, "completing an operation run failed");
                            }
                            false
                        }
                        Ok(None) => true,
                        Err(e) => {
                            tracing::warn!(worker = %worker_id, error = %e, "claiming an operation run failed");
                            true
                        }
                    };
                    if idle {
                        tokio::select! {
                            _ = tokio::time::sleep(poll) => {}
                            _ = rx.changed() => {}
                        }
                    }
                }
            })
        })
        .collect();
    WorkerPool { stop, handles }
}
