//! `/workspaces/{slug}/runs`: operation runs — list with filters, one run, start (idempotent per
//! identity), cancel. Same entry ([`Scoped`]), input rules and services as the pages (`app::operations`);
//! the services require the capabilities.

use axum::{
    extract::{Path, State},
    http::{Method, StatusCode},
    Json,
};
use serde::Deserialize;
use serde_json::json;

use app::{
    authz::server::WorkspaceScope,
    operations::{
        server::service::{self, StartRun},
        OperationRunDto, RawRunFilter, RunOutcome, RunQuery, RunStatus, RunType, Started,
    },
    state::AppState,
};

use super::{
    extract::{ApiInput, ApiJson, ListQuery, Page, Scoped},
    problem::ApiResult,
    route::{page_schema, schema_ref, ApiRoute, Operation, Resource},
    tenants::path_id,
};

fn ids<T: Copy>(all: &[T], id: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| id(*v)).collect()
}

pub fn resource() -> Resource {
    let types = ids(RunType::ALL, RunType::id);
    let statuses = ids(RunStatus::ALL, RunStatus::id);
    let outcomes = ids(RunOutcome::ALL, RunOutcome::id);
    let run = || Some(schema_ref("OperationRun"));
    Resource {
        tag: "runs",
        description: "Operation runs: the one record of every long-running or remote action (sync, verification, …).",
        routes: vec![
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/runs",
                list,
                Operation::new("listRuns", "List operation runs")
                    .describe("Newest first. Needs `operations.view`; members narrowed to tenants see only theirs.")
                    .param("Slug")
                    .text("run_type", "Run type.", &types)
                    .text("status", "Status.", &statuses)
                    .text("outcome", "Outcome.", &outcomes)
                    .text("tenant", "Managed tenant id.", &[])
                    .flag("stale", "Only running runs without a heartbeat for 5 minutes.")
                    .param("Page")
                    .param("PerPage")
                    .ok(200, "A page of runs", Some(schema_ref("OperationRunPage")))
                    .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/runs",
                start,
                Operation::new("startRun", "Start an operation run")
                    .describe(
                        "Queues a run, or returns the active run with the same identity (workspace, tenant, type, \
                         idempotency key) with `created: false`. Needs `operations.start` and the type's capability \
                         (e.g. `inventory.sync`). Audited as `operation.start` when created.",
                    )
                    .param("Slug")
                    .body("StartRun")
                    .ok(202, "The queued (or already active) run", Some(schema_ref("StartedRun")))
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/runs/{run}",
                get_one,
                Operation::new("getRun", "An operation run")
                    .describe("Poll this while `status` is `queued` or `running` (progress, heartbeat).")
                    .param("Slug")
                    .param("RunId")
                    .ok(200, "The run", run())
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/runs/{run}/cancel",
                cancel,
                Operation::new("cancelRun", "Cancel an operation run")
                    .describe(
                        "A queued run is cancelled at once; a running run stops at its next checkpoint. Needs \
                         `operations.cancel`. Completed → 409 `run_completed`. Audited as `operation.cancel`.",
                    )
                    .param("Slug")
                    .param("RunId")
                    .ok(200, "The run after the request", run())
                    .errors(&[403, 404, 409]),
            ),
        ],
        schemas: vec![
            (
                "OperationRun",
                json!({
                    "type": "object",
                    "required": ["id", "run_type", "status", "outcome", "initiator_kind", "summary", "progress_done",
                                 "created_at", "context"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64" },
                        "tenant_id": { "type": "integer", "format": "int64", "nullable": true },
                        "run_type": { "type": "string", "enum": types },
                        "status": { "type": "string", "enum": statuses },
                        "outcome": { "type": "string", "enum": outcomes },
                        "initiator_user_id": { "type": "integer", "format": "int64", "nullable": true },
                        "initiator_kind": { "type": "string", "enum": ["human", "scheduled", "system"] },
                        "idempotency_key": { "type": "string" },
                        "context": { "type": "object", "description": "Handler parameters and reports (coverage, verification report); never secrets." },
                        "summary": { "type": "object", "additionalProperties": { "type": "integer" } },
                        "progress_done": { "type": "integer" },
                        "progress_total": { "type": "integer", "nullable": true },
                        "failure": {
                            "type": "object", "nullable": true, "required": ["reason", "message"],
                            "properties": {
                                "reason": { "type": "string", "example": "graph.throttled" },
                                "message": { "type": "string" }
                            }
                        },
                        "created_at": { "type": "string", "format": "date-time" },
                        "started_at": { "type": "string", "format": "date-time", "nullable": true },
                        "heartbeat_at": { "type": "string", "format": "date-time", "nullable": true },
                        "completed_at": { "type": "string", "format": "date-time", "nullable": true },
                        "cancel_requested_at": { "type": "string", "format": "date-time", "nullable": true },
                        "claimed_by": { "type": "string", "nullable": true }
                    }
                }),
            ),
            ("OperationRunPage", page_schema("OperationRun")),
            (
                "StartedRun",
                json!({
                    "type": "object",
                    "required": ["run", "created"],
                    "properties": {
                        "run": schema_ref("OperationRun"),
                        "created": { "type": "boolean", "description": "false: an active run with the same identity was returned." }
                    }
                }),
            ),
            (
                "StartRun",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["run_type"],
                    "properties": {
                        "run_type": { "type": "string", "enum": types },
                        "tenant_id": { "type": "integer", "format": "int64" },
                        "idempotency_key": { "type": "string", "maxLength": 200 }
                    }
                }),
            ),
        ],
    }
}

async fn list(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    q: ListQuery,
) -> ApiResult<Json<Page<OperationRunDto>>> {
    let raw = RawRunFilter {
        run_type: q.text("run_type").map(String::from),
        status: q.text("status").map(String::from),
        outcome: q.text("outcome").map(String::from),
        tenant: q.text("tenant").map(String::from),
        stale: Some(q.flag("stale")?.to_string()),
        page: None,
    };
    let query = RunQuery { page: q.page, ..RunQuery::parse(&raw)? };
    Ok(Json(service::list(&state.db, &scope, &query).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartBody {
    #[serde(default)]
    run_type: Option<String>,
    #[serde(default)]
    tenant_id: Option<i64>,
    #[serde(default)]
    idempotency_key: Option<String>,
}

impl ApiInput for StartBody {
    const FIELDS: &'static [&'static str] = &["run_type", "tenant_id", "idempotency_key"];
}

async fn start(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<StartBody>,
) -> ApiResult<(StatusCode, Json<Started>)> {
    let run_type = RunType::parse_input(body.run_type.as_deref())?;
    let req = StartRun {
        idempotency_key: body.idempotency_key.unwrap_or_default(),
        ..StartRun::new(run_type, body.tenant_id)
    };
    Ok((StatusCode::ACCEPTED, Json(service::start(&state.db, &scope, req).await?)))
}

async fn get_one(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    Path((_, run)): Path<(String, String)>,
) -> ApiResult<Json<OperationRunDto>> {
    Ok(Json(service::get(&state.db, &scope, path_id(&run)?).await?))
}

async fn cancel(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    Path((_, run)): Path<(String, String)>,
) -> ApiResult<Json<OperationRunDto>> {
    Ok(Json(service::request_cancel(&state.db, &scope, path_id(&run)?).await?))
}
