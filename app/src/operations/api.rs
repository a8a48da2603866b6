//! Server functions of operation runs: authenticate → enter the workspace → validate → call
//! `operations::server::service`, which enforces `operations.view` / `operations.start` /
//! `operations.cancel` and tenant narrowing (foreign or hidden run or tenant → 404, missing capability →
//! 403). Filters arrive as the list page's query parameters (strings; empty = unset).
// `list_runs` takes the workspace plus six flat filter arguments mirroring the page's query parameters.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::{
    error::AppError,
    members::TenantRef,
    operations::{ActiveRunList, OperationRunDto, RunView, Started},
    paging::Page,
};

/// One page of the workspace's runs the caller may see, newest first (filters as in
/// [`crate::operations::RawRunFilter`]; bad values → localized field errors).
#[server(endpoint = "operations/list")]
pub async fn list_runs(
    workspace: String,
    run_type: Option<String>,
    status: Option<String>,
    outcome: Option<String>,
    tenant: Option<String>,
    stale: Option<String>,
    page: Option<String>,
) -> Result<Page<OperationRunDto>, AppError> {
    use crate::{
        authz::server::enter_current,
        operations::{server::service, RawRunFilter, RunQuery},
    };
    let (state, scope) = enter_current(&workspace, None).await?;
    let query = RunQuery::parse(&RawRunFilter { run_type, status, outcome, tenant, stale, page })?;
    service::list(&state.db, &scope, &query).await
}

/// The tenants the caller may see and filter runs by (with `operations.view`).
#[server(endpoint = "operations/tenants")]
pub async fn list_run_tenants(workspace: String) -> Result<Vec<TenantRef>, AppError> {
    use crate::authz::server::enter_current;
    let (state, scope) = enter_current(&workspace, None).await?;
    crate::operations::server::service::run_tenants(&state.db, &scope).await
}

/// One run with its tenant's name, whether the caller may cancel it and whether it is still active.
#[server(endpoint = "operations/get")]
pub async fn get_run(workspace: String, id: i64) -> Result<RunView, AppError> {
    use crate::{authz::server::enter_current, operations::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    service::view(&state.db, &scope, id).await
}

/// Asks a run to stop (a queued run is cancelled at once, a running one at its next checkpoint).
/// `Conflict("run_completed")` when it already ended.
#[server(endpoint = "operations/cancel")]
pub async fn cancel_run(workspace: String, id: i64) -> Result<RunView, AppError> {
    use crate::{authz::server::enter_current, operations::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    service::request_cancel(&state.db, &scope, id).await?;
    service::view(&state.db, &scope, id).await
}

/// Starts a run of `run_type` (a canonical id such as `inventory.sync`) for `tenant` as the caller, or
/// returns the active run with the same identity (`created: false`).
#[server(endpoint = "operations/start")]
pub async fn start_run(workspace: String, run_type: String, tenant: Option<i64>) -> Result<Started, AppError> {
    use crate::{
        authz::server::enter_current,
        operations::{
            server::service::{self, StartRun},
            RunType,
        },
    };
    let (state, scope) = enter_current(&workspace, None).await?;
    let run_type = RunType::parse_input(Some(&run_type))?;
    service::start(&state.db, &scope, StartRun::new(run_type, tenant)).await
}

/// The caller's own queued and running runs in the workspace (the progress widget): the newest few and
/// how many more.
#[server(endpoint = "operations/active")]
pub async fn active_runs(workspace: String) -> Result<ActiveRunList, AppError> {
    use crate::{authz::server::enter_current, operations::server::service};
    let (state, scope) = enter_current(&workspace, None).await?;
    service::active_started_by_caller(&state.db, &scope).await
}
