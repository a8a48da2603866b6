//! `/workspaces/{slug}/baselines`: baseline profiles — list, read, create, change, capture from a tenant,
//! snapshot items, assignments to tenants, weekly compare slots and compare runs (one tenant, or every
//! assigned tenant). Same entry ([`Scoped`]), input rules (`app::baselines::{ProfileInput, Slot}`) and
//! services as the pages (`app::baselines::server::service`); the services require `baselines.view` /
//! `baselines.manage` (runs also `operations.start`).

use axum::{
    extract::{Path, State},
    http::{Method, StatusCode},
    Json,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use app::{
    authz::server::WorkspaceScope,
    baselines::{
        server::service, ProfileDetail, ProfileDto, ProfileInput, ScheduleDto, Slot, SnapshotItemDto, GOVERNED_TYPES,
        MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_SCHEDULES,
    },
    error::AppError,
    operations::Started,
    state::AppState,
};

use super::{
    extract::{ApiInput, ApiJson, ListQuery, Page, Scoped},
    problem::ApiResult,
    route::{page_schema, schema_ref, ApiRoute, Operation, Resource},
    tenants::path_id,
};

const PROFILES: &str = "/workspaces/{slug}/baselines";
const PROFILE: &str = "/workspaces/{slug}/baselines/{profile}";
const ASSIGNMENT: &str = "/workspaces/{slug}/baselines/{profile}/assignments/{tenant}";

pub fn resource() -> Resource {
    let started = || Some(schema_ref("StartedRun"));
    Resource {
        tag: "baselines",
        description: "Baseline profiles: immutable snapshots captured from a tenant, assignments, weekly compare \
                      slots and compare runs that turn drift into findings.",
        routes: vec![
            ApiRoute::new(
                Method::GET,
                PROFILES,
                list,
                Operation::new("listBaselines", "List baseline profiles")
                    .describe("By name. Needs `baselines.view`.")
                    .param("Slug")
                    .param("Page")
                    .param("PerPage")
                    .ok(200, "A page of profiles", Some(schema_ref("BaselineProfilePage")))
                    .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::POST,
                PROFILES,
                create,
                Operation::new("createBaseline", "Create a baseline profile")
                    .describe(
                        "Needs `baselines.manage`. Names are unique per workspace (409 `name_taken`). Audited as \
                         `baseline_profile.create`.",
                    )
                    .param("Slug")
                    .body("BaselineProfileInput")
                    .ok(201, "Created", Some(schema_ref("BaselineProfile")))
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::GET,
                PROFILE,
                get_one,
                Operation::new("getBaseline", "A baseline profile with snapshots, assignments and schedule")
                    .describe("Needs `baselines.view`.")
                    .param("Slug")
                    .param("ProfileId")
                    .ok(200, "The profile", Some(schema_ref("BaselineProfileDetail")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::PATCH,
                PROFILE,
                patch,
                Operation::new("updateBaseline", "Change a baseline profile")
                    .describe(
                        "Omitted fields keep their value. Changing `policy_types` retires the active snapshot: \
                         capture again before comparing. Needs `baselines.manage`. Audited as \
                         `baseline_profile.update`.",
                    )
                    .param("Slug")
                    .param("ProfileId")
                    .body("BaselineProfilePatch")
                    .ok(200, "The profile after the change", Some(schema_ref("BaselineProfile")))
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/baselines/{profile}/captures",
                capture,
                Operation::new("captureBaseline", "Capture a snapshot from a tenant")
                    .describe(
                        "Queues `baseline.capture` for the tenant, or returns the active one. Needs \
                         `baselines.manage` and `operations.start`.",
                    )
                    .param("Slug")
                    .param("ProfileId")
                    .body("BaselineCapture")
                    .ok(202, "The run", started())
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/baselines/{profile}/snapshots/{snapshot}/items",
                snapshot_items,
                Operation::new("listBaselineSnapshotItems", "The items of one snapshot")
                    .describe("The baseline policies the snapshot holds, with their normalized settings.")
                    .param("Slug")
                    .param("ProfileId")
                    .param("SnapshotId")
                    .param("Page")
                    .param("PerPage")
                    .ok(200, "A page of items", Some(schema_ref("BaselineSnapshotItemPage")))
                    .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::PUT,
                ASSIGNMENT,
                assign,
                Operation::new("assignBaseline", "Assign the profile to a tenant")
                    .describe(
                        "Idempotent. Needs `baselines.manage`. Audited as `baseline_assignment.create` when it \
                         changes something.",
                    )
                    .param("Slug")
                    .param("ProfileId")
                    .param("AssignedTenantId")
                    .ok(204, "Assigned", None)
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::DELETE,
                ASSIGNMENT,
                unassign,
                Operation::new("unassignBaseline", "Unassign the profile from a tenant")
                    .describe(
                        "Idempotent. Needs `baselines.manage`. Audited as `baseline_assignment.delete` when it \
                         changes something.",
                    )
                    .param("Slug")
                    .param("ProfileId")
                    .param("AssignedTenantId")
                    .ok(204, "Unassigned", None)
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/baselines/{profile}/schedules",
                add_schedule,
                Operation::new("addBaselineSchedule", "Add a weekly compare slot")
                    .describe(
                        "UTC. At most 14 slots per profile (422 `schedule: too_many`); a slot less than an hour \
                         from another on a shared weekday is 422 `schedule: overlapping`. Needs \
                         `baselines.manage`. Audited as `baseline_schedule.create`.",
                    )
                    .param("Slug")
                    .param("ProfileId")
                    .body("BaselineScheduleInput")
                    .ok(201, "Created", Some(schema_ref("BaselineSchedule")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::DELETE,
                "/workspaces/{slug}/baselines/{profile}/schedules/{schedule}",
                remove_schedule,
                Operation::new("removeBaselineSchedule", "Remove a compare slot")
                    .describe("Needs `baselines.manage`. Audited as `baseline_schedule.delete`.")
                    .param("Slug")
                    .param("ProfileId")
                    .param("ScheduleId")
                    .ok(204, "Removed", None)
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/baselines/{profile}/compares",
                compare,
                Operation::new("compareBaseline", "Compare an assigned tenant with the baseline")
                    .describe(
                        "Queues `compare.run` against the active snapshot (`snapshot_id`, if given, must be \
                         it). 409 `no_snapshot`, `snapshot_incomplete`, `snapshot_superseded` or `not_assigned`. \
                         Needs `baselines.manage` and `operations.start`.",
                    )
                    .param("Slug")
                    .param("ProfileId")
                    .body("BaselineCompare")
                    .ok(202, "The run", started())
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/baselines/{profile}/compares/all",
                compare_all,
                Operation::new("compareBaselineAll", "Compare every assigned tenant")
                    .describe(
                        "One run per assigned tenant you see (no umbrella run). 409 `no_snapshot`, \
                         `snapshot_incomplete`. Needs `baselines.manage` and `operations.start`.",
                    )
                    .param("Slug")
                    .param("ProfileId")
                    .ok(202, "The runs", Some(schema_ref("StartedRunList")))
                    .errors(&[403, 404, 409]),
            ),
        ],
        schemas: vec![
            (
                "BaselineProfile",
                json!({
                    "type": "object",
                    "required": ["id", "name", "description", "policy_types", "assigned_tenants", "created_at", "updated_at"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64" },
                        "name": { "type": "string", "maxLength": MAX_NAME_CHARS },
                        "description": { "type": "string", "maxLength": MAX_DESCRIPTION_CHARS },
                        "policy_types": { "type": "array", "items": { "type": "string", "enum": GOVERNED_TYPES } },
                        "active_snapshot_id": { "type": "integer", "format": "int64", "nullable": true,
                            "description": "The complete snapshot compares use; null until a capture completes." },
                        "assigned_tenants": { "type": "integer", "minimum": 0 },
                        "created_at": { "type": "string", "format": "date-time" },
                        "updated_at": { "type": "string", "format": "date-time" }
                    }
                }),
            ),
            ("BaselineProfilePage", page_schema("BaselineProfile")),
            (
                "BaselineProfileInput",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["name", "policy_types"],
                    "properties": {
                        "name": { "type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS },
                        "description": { "type": "string", "maxLength": MAX_DESCRIPTION_CHARS },
                        "policy_types": { "type": "array", "minItems": 1, "uniqueItems": true,
                                          "items": { "type": "string", "enum": GOVERNED_TYPES } }
                    }
                }),
            ),
            (
                "BaselineProfilePatch",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "name": { "type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS },
                        "description": { "type": "string", "maxLength": MAX_DESCRIPTION_CHARS },
                        "policy_types": { "type": "array", "minItems": 1, "uniqueItems": true,
                                          "items": { "type": "string", "enum": GOVERNED_TYPES } }
                    }
                }),
            ),
            (
                "BaselineSnapshot",
                json!({
                    "type": "object",
                    "required": ["id", "profile_id", "status", "superseded", "item_count", "gaps", "created_at"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64" },
                        "profile_id": { "type": "integer", "format": "int64" },
                        "source_tenant_id": { "type": "integer", "format": "int64", "nullable": true },
                        "source_tenant_name": { "type": "string", "nullable": true },
                        "status": { "type": "string", "enum": ["building", "complete", "incomplete"] },
                        "superseded": { "type": "boolean", "description": "Finished, but no longer the active snapshot." },
                        "item_count": { "type": "integer", "minimum": 0 },
                        "gaps": { "type": "array", "items": schema_ref("BaselineGap") },
                        "run_id": { "type": "integer", "format": "int64", "nullable": true },
                        "created_at": { "type": "string", "format": "date-time" },
                        "captured_at": { "type": "string", "format": "date-time", "nullable": true }
                    }
                }),
            ),
            (
                "BaselineGap",
                json!({
                    "type": "object",
                    "required": ["policy_type", "reason"],
                    "properties": {
                        "policy_type": { "type": "string" },
                        "reason": { "type": "string", "enum": ["not_synced", "sync_failed", "ambiguous", "snapshot_type_missing"] },
                        "subject": { "type": "string", "description": "The policy, when the gap is about one (ambiguous name)." }
                    }
                }),
            ),
            (
                "BaselineAssignment",
                json!({
                    "type": "object",
                    "required": ["tenant_id", "tenant_name", "open_findings"],
                    "properties": {
                        "tenant_id": { "type": "integer", "format": "int64" },
                        "tenant_name": { "type": "string" },
                        "last_compare_run_id": { "type": "integer", "format": "int64", "nullable": true },
                        "last_compare_at": { "type": "string", "format": "date-time", "nullable": true },
                        "last_compare_outcome": { "type": "string", "nullable": true },
                        "open_findings": { "type": "integer", "minimum": 0 }
                    }
                }),
            ),
            (
                "BaselineSchedule",
                json!({
                    "type": "object",
                    "required": ["id", "days", "time"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64" },
                        "days": { "type": "array", "items": { "type": "integer", "minimum": 1, "maximum": 7 },
                                  "description": "Weekdays, 1 = Monday … 7 = Sunday." },
                        "time": { "type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "description": "UTC." },
                        "last_fired_at": { "type": "string", "format": "date-time", "nullable": true }
                    }
                }),
            ),
            (
                "BaselineScheduleInput",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["days", "time"],
                    "properties": {
                        "days": { "type": "array", "minItems": 1, "maxItems": 7,
                                  "items": { "type": "integer", "minimum": 1, "maximum": 7 },
                                  "description": "Weekdays, 1 = Monday … 7 = Sunday." },
                        "time": { "type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
                                  "description": "`HH:MM`, UTC." }
                    }
                }),
            ),
            (
                "BaselineProfileDetail",
                json!({
                    "type": "object",
                    "required": ["profile", "snapshots", "assignments", "schedules", "tenants", "can_manage"],
                    "properties": {
                        "profile": schema_ref("BaselineProfile"),
                        "snapshots": { "type": "array", "items": schema_ref("BaselineSnapshot") },
                        "assignments": { "type": "array", "items": schema_ref("BaselineAssignment") },
                        "schedules": { "type": "array", "maxItems": MAX_SCHEDULES, "items": schema_ref("BaselineSchedule") },
                        "tenants": { "type": "array", "items": schema_ref("TenantRef"),
                                     "description": "Tenants you see (capture sources and assignment choices)." },
                        "can_manage": { "type": "boolean" }
                    }
                }),
            ),
            (
                "BaselineSnapshotItem",
                json!({
                    "type": "object",
                    "required": ["id", "policy_type", "display_name", "settings_hash", "settings"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64" },
                        "policy_type": { "type": "string", "enum": GOVERNED_TYPES },
                        "display_name": { "type": "string" },
                        "settings_hash": { "type": "string" },
                        "settings": { "type": "object", "additionalProperties": true,
                                      "description": "Normalized settings by key; secrets are never captured." }
                    }
                }),
            ),
            ("BaselineSnapshotItemPage", page_schema("BaselineSnapshotItem")),
            (
                "BaselineCapture",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["tenant_id"],
                    "properties": { "tenant_id": { "type": "integer", "format": "int64", "description": "The source tenant." } }
                }),
            ),
            (
                "BaselineCompare",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["tenant_id"],
                    "properties": {
                        "tenant_id": { "type": "integer", "format": "int64", "description": "An assigned tenant." },
                        "snapshot_id": { "type": "integer", "format": "int64",
                                         "description": "Must be the active snapshot (default)." }
                    }
                }),
            ),
            (
                "StartedRunList",
                json!({
                    "type": "object",
                    "required": ["items"],
                    "properties": { "items": { "type": "array", "items": schema_ref("StartedRun") } }
                }),
            ),
        ],
    }
}

/// The path's ids after `{slug}` (profile, snapshot, …): non-integers name nothing (404).
pub(super) fn ids<const N: usize>(
    Path(raw): Path<Vec<(String, String)>>,
    names: [&str; N],
) -> Result<[i64; N], AppError> {
    let mut out = [0; N];
    for (slot, name) in out.iter_mut().zip(names) {
        let value = raw.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default();
        *slot = path_id(value)?;
    }
    Ok(out)
}

pub(super) type PathIds = Path<Vec<(String, String)>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    policy_types: Option<Vec<String>>,
}

impl ApiInput for ProfileBody {
    const FIELDS: &'static [&'static str] = &["name", "description", "policy_types"];
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantBody {
    #[serde(default)]
    tenant_id: Option<i64>,
}

impl ApiInput for TenantBody {
    const FIELDS: &'static [&'static str] = &["tenant_id"];
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompareBody {
    #[serde(default)]
    tenant_id: Option<i64>,
    #[serde(default)]
    snapshot_id: Option<i64>,
}

impl ApiInput for CompareBody {
    const FIELDS: &'static [&'static str] = &["tenant_id", "snapshot_id"];
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleBody {
    #[serde(default)]
    days: Option<Vec<i64>>,
    #[serde(default)]
    time: Option<String>,
}

impl ApiInput for ScheduleBody {
    const FIELDS: &'static [&'static str] = &["days", "time"];
}

/// `compares/all`: the runs it started.
#[derive(Serialize)]
struct StartedList {
    items: Vec<Started>,
}

fn tenant_id(raw: Option<i64>) -> Result<i64, AppError> {
    raw.ok_or_else(|| AppError::validation("tenant_id", "required"))
}

async fn list(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    q: ListQuery,
) -> ApiResult<Json<Page<ProfileDto>>> {
    Ok(Json(q.page.slice(service::list_profiles(&state.db, &scope).await?)))
}

async fn create(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<(StatusCode, Json<ProfileDto>)> {
    let input =
        ProfileInput::parse(body.name.as_deref(), body.description.as_deref(), &body.policy_types.unwrap_or_default())?;
    Ok((StatusCode::CREATED, Json(service::create_profile(&state.db, &scope, input).await?)))
}

async fn get_one(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<Json<ProfileDetail>> {
    let [profile] = ids(path, ["profile"])?;
    Ok(Json(service::get_profile(&state.db, &scope, profile).await?))
}

async fn patch(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<Json<ProfileDto>> {
    let [profile] = ids(path, ["profile"])?;
    let current = service::get_profile(&state.db, &scope, profile).await?.profile;
    let name = body.name.unwrap_or(current.name);
    let description = body.description.unwrap_or(current.description);
    let types = body.policy_types.unwrap_or(current.policy_types);
    let input = ProfileInput::parse(Some(&name), Some(&description), &types)?;
    Ok(Json(service::update_profile(&state.db, &scope, profile, input).await?))
}

async fn capture(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    ApiJson(body): ApiJson<TenantBody>,
) -> ApiResult<(StatusCode, Json<Started>)> {
    let [profile] = ids(path, ["profile"])?;
    let tenant = tenant_id(body.tenant_id)?;
    Ok((StatusCode::ACCEPTED, Json(service::capture(&state.db, &scope, profile, tenant).await?)))
}

async fn snapshot_items(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    q: ListQuery,
) -> ApiResult<Json<Page<SnapshotItemDto>>> {
    let [profile, snapshot] = ids(path, ["profile", "snapshot"])?;
    Ok(Json(q.page.slice(service::snapshot_items(&state.db, &scope, profile, snapshot).await?)))
}

async fn set_assigned(state: AppState, scope: WorkspaceScope, path: PathIds, assigned: bool) -> ApiResult<StatusCode> {
    let [profile, tenant] = ids(path, ["profile", "tenant"])?;
    service::set_assigned(&state.db, &scope, profile, tenant, assigned).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn assign(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<StatusCode> {
    set_assigned(state, scope, path, true).await
}

async fn unassign(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<StatusCode> {
    set_assigned(state, scope, path, false).await
}

async fn add_schedule(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> ApiResult<(StatusCode, Json<ScheduleDto>)> {
    let [profile] = ids(path, ["profile"])?;
    let slot = Slot::parse(&body.days.unwrap_or_default(), body.time.as_deref())?;
    Ok((StatusCode::CREATED, Json(service::add_schedule(&state.db, &scope, profile, slot).await?)))
}

async fn remove_schedule(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<StatusCode> {
    let [profile, schedule] = ids(path, ["profile", "schedule"])?;
    service::remove_schedule(&state.db, &scope, profile, schedule).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn compare(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    ApiJson(body): ApiJson<CompareBody>,
) -> ApiResult<(StatusCode, Json<Started>)> {
    let [profile] = ids(path, ["profile"])?;
    let tenant = tenant_id(body.tenant_id)?;
    let started = service::start_compare(&state.db, &scope, profile, tenant, body.snapshot_id).await?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}

async fn compare_all(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<(StatusCode, Json<StartedList>)> {
    let [profile] = ids(path, ["profile"])?;
    let items = service::compare_all(&state.db, &scope, profile).await?;
    Ok((StatusCode::ACCEPTED, Json(StartedList { items })))
}
