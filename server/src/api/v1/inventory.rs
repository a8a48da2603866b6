//! `/workspaces/{slug}/tenants/{id}/inventory` and `…/policies`: a managed tenant's inventory — overview
//! with data freshness per type, sync start, policies (filters: type, platform, visibility, search), one
//! policy with its versions, one version's normalized and redacted content, the setting-level diff of two
//! versions, local ignore. Same entry ([`Scoped`]), input rules and services as the pages
//! (`app::inventory`); the services require the capabilities.

use axum::{
    extract::{Path, State},
    http::{Method, StatusCode},
    Json,
};
use serde_json::json;

use app::{
    authz::server::TenantScope,
    error::AppError,
    inventory::{
        diff_versions, server::service, InventoryOverview, PolicyDetail, PolicyDto, PolicyQuery, PolicyVersionDetail,
        VersionDiff, Visibility, PLATFORMS,
    },
    operations::Started,
    provider::contracts::CONTRACTS,
    state::AppState,
};

use super::{
    extract::{ListQuery, Page, Scoped},
    problem::ApiResult,
    route::{page_schema, schema_ref, ApiRoute, Operation, Resource},
    tenants::path_id,
};

const POLICY: &str = "/workspaces/{slug}/tenants/{id}/policies/{policy}";

pub fn resource() -> Resource {
    let types: Vec<&str> = CONTRACTS.iter().map(|c| c.key).collect();
    let visibility: Vec<&str> = Visibility::ALL.iter().map(|v| v.id()).collect();
    let version = || {
        json!({
            "type": "object",
            "required": ["id", "version_no", "captured_at", "content_hash", "protected_change", "redaction_version"],
            "properties": {
                "id": { "type": "integer", "format": "int64" },
                "version_no": { "type": "integer", "minimum": 1 },
                "captured_at": { "type": "string", "format": "date-time" },
                "run_id": { "type": "integer", "format": "int64", "nullable": true },
                "content_hash": { "type": "string" },
                "protected_change": { "type": "boolean", "description": "Only secret values changed." },
                "redaction_version": { "type": "integer" }
            }
        })
    };
    Resource {
        tag: "inventory",
        description: "What a managed tenant holds, as the last syncs saw it, with immutable versions.",
        routes: vec![
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/tenants/{id}/inventory",
                overview,
                Operation::new("getInventory", "Inventory overview")
                    .describe("Counts and data freshness per supported type. Needs `inventory.view`.")
                    .param("Slug")
                    .param("TenantId")
                    .ok(200, "The overview", Some(schema_ref("InventoryOverview")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/tenants/{id}/inventory/sync",
                sync,
                Operation::new("syncInventory", "Start an inventory sync")
                    .describe("Queues `inventory.sync` or returns the active one. Needs `operations.start` and `inventory.sync`.")
                    .param("Slug")
                    .param("TenantId")
                    .ok(202, "The run", Some(schema_ref("StartedRun")))
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/tenants/{id}/policies",
                list,
                Operation::new("listPolicies", "List a tenant's policies")
                    .describe("By name. Needs `policies.view`.")
                    .param("Slug")
                    .param("TenantId")
                    .text("q", "Case-insensitive search in the display name.", &[])
                    .text("type", "Contract key.", &types)
                    .text("platform", "Platform.", PLATFORMS)
                    .text("visibility", "`active` (default), `ignored`, `provider_missing` or `all`.", &visibility)
                    .param("Page")
                    .param("PerPage")
                    .ok(200, "A page of policies", Some(schema_ref("PolicyPage")))
                    .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::GET,
                POLICY,
                get_one,
                Operation::new("getPolicy", "A policy with its version history")
                    .param("Slug")
                    .param("TenantId")
                    .param("PolicyId")
                    .ok(200, "The policy", Some(schema_ref("PolicyDetail")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/tenants/{id}/policies/{policy}/versions/{version}",
                get_version,
                Operation::new("getPolicyVersion", "One version's content")
                    .describe("The normalized snapshot with secrets replaced by `[REDACTED]`; `protected_pointers` names them.")
                    .param("Slug")
                    .param("TenantId")
                    .param("PolicyId")
                    .param("VersionId")
                    .ok(200, "The version", Some(schema_ref("PolicyVersionDetail")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/tenants/{id}/policies/{policy}/diff",
                diff,
                Operation::new("diffPolicyVersions", "Setting-level diff of two versions")
                    .describe("`from` and `to` are version ids of this policy (default: the two newest).")
                    .param("Slug")
                    .param("TenantId")
                    .param("PolicyId")
                    .text("from", "Older version id.", &[])
                    .text("to", "Newer version id.", &[])
                    .ok(200, "The changes", Some(schema_ref("VersionDiff")))
                    .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/tenants/{id}/policies/{policy}/ignore",
                ignore,
                Operation::new("ignorePolicy", "Ignore a policy locally")
                    .describe("Needs `policies.ignore`. Sync never clears it. Audited as `policy.ignore`.")
                    .param("Slug")
                    .param("TenantId")
                    .param("PolicyId")
                    .ok(200, "The policy", Some(schema_ref("PolicyDetail")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/tenants/{id}/policies/{policy}/unignore",
                unignore,
                Operation::new("unignorePolicy", "Stop ignoring a policy")
                    .describe("Needs `policies.ignore`. Audited as `policy.unignore`.")
                    .param("Slug")
                    .param("TenantId")
                    .param("PolicyId")
                    .ok(200, "The policy", Some(schema_ref("PolicyDetail")))
                    .errors(&[403, 404]),
            ),
        ],
        schemas: vec![
            (
                "Policy",
                json!({
                    "type": "object",
                    "required": ["id", "tenant_id", "policy_type", "display_name", "version_count", "first_seen_at", "last_seen_at"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64" },
                        "tenant_id": { "type": "integer", "format": "int64" },
                        "policy_type": { "type": "string", "enum": types },
                        "odata_type": { "type": "string", "nullable": true },
                        "display_name": { "type": "string" },
                        "platform": { "type": "string", "nullable": true, "enum": PLATFORMS },
                        "version_count": { "type": "integer" },
                        "latest_version_id": { "type": "integer", "format": "int64", "nullable": true },
                        "ignored_at": { "type": "string", "format": "date-time", "nullable": true },
                        "missing_from_provider_at": { "type": "string", "format": "date-time", "nullable": true },
                        "first_seen_at": { "type": "string", "format": "date-time" },
                        "last_seen_at": { "type": "string", "format": "date-time" }
                    }
                }),
            ),
            ("PolicyPage", page_schema("Policy")),
            ("PolicyVersion", version()),
            (
                "PolicyDetail",
                json!({
                    "type": "object",
                    "required": ["policy", "versions"],
                    "properties": {
                        "policy": schema_ref("Policy"),
                        "versions": { "type": "array", "items": schema_ref("PolicyVersion"), "description": "Newest first." }
                    }
                }),
            ),
            (
                "PolicyVersionDetail",
                json!({
                    "type": "object",
                    "required": ["version", "snapshot", "assignments", "scope_tags", "protected_pointers", "settings"],
                    "properties": {
                        "version": schema_ref("PolicyVersion"),
                        "snapshot": { "type": "object" },
                        "assignments": { "type": "array", "items": { "type": "object" } },
                        "scope_tags": { "type": "array", "items": { "type": "string" } },
                        "protected_pointers": { "type": "array", "items": { "type": "string" },
                            "description": "JSON pointers of redacted secrets." },
                        "settings": { "type": "array", "items": schema_ref("PolicySetting"),
                            "description": "The snapshot as readable settings, by group, section and key." }
                    }
                }),
            ),
            (
                "PolicySetting",
                json!({
                    "type": "object",
                    "required": ["group", "section", "key", "label", "value", "protected"],
                    "properties": {
                        "group": { "type": "string", "enum": app::inventory::settings::GROUPS },
                        "section": { "type": "string", "description": "Sub-heading inside the group; empty when none." },
                        "key": { "type": "string",
                            "description": "Stable identity inside the policy: definition id path, OMA-URI, `admx:<definition>/<presentation>`, JSON path or property name." },
                        "label": { "type": "string" },
                        "value": { "nullable": true, "description": "The value as JSON; a redacted secret is `[REDACTED]`." },
                        "protected": { "type": "boolean", "description": "The value is a redacted secret." }
                    }
                }),
            ),
            (
                "VersionDiff",
                json!({
                    "type": "object",
                    "required": ["from", "to", "changes"],
                    "properties": {
                        "from": schema_ref("PolicyVersion"),
                        "to": schema_ref("PolicyVersion"),
                        "changes": { "type": "array", "items": {
                            "type": "object",
                            "required": ["pointer", "path", "kind", "protected"],
                            "properties": {
                                "pointer": { "type": "string" },
                                "path": { "type": "string" },
                                "kind": { "type": "string", "enum": ["added", "removed", "changed"] },
                                "before": { "nullable": true },
                                "after": { "nullable": true },
                                "protected": { "type": "boolean", "description": "A secret changed; no values shown." }
                            }
                        } }
                    }
                }),
            ),
            (
                "InventoryOverview",
                json!({
                    "type": "object",
                    "required": ["policies", "ignored", "provider_missing", "versions", "coverage"],
                    "properties": {
                        "policies": { "type": "integer" },
                        "ignored": { "type": "integer" },
                        "provider_missing": { "type": "integer" },
                        "versions": { "type": "integer" },
                        "last_sync_run_id": { "type": "integer", "format": "int64", "nullable": true },
                        "coverage": { "type": "array", "items": {
                            "type": "object",
                            "required": ["policy_type", "status", "item_count"],
                            "properties": {
                                "policy_type": { "type": "string", "enum": types },
                                "status": { "type": "string", "enum": ["complete", "failed", "never"] },
                                "item_count": { "type": "integer" },
                                "reason_code": { "type": "string", "nullable": true },
                                "synced_at": { "type": "string", "format": "date-time", "nullable": true },
                                "attempted_at": { "type": "string", "format": "date-time", "nullable": true }
                            }
                        } }
                    }
                }),
            ),
        ],
    }
}

async fn overview(
    Scoped(scope): Scoped<TenantScope>,
    State(state): State<AppState>,
) -> ApiResult<Json<InventoryOverview>> {
    Ok(Json(service::overview(&state.db, &scope).await?))
}

async fn sync(
    Scoped(scope): Scoped<TenantScope>,
    State(state): State<AppState>,
) -> ApiResult<(StatusCode, Json<Started>)> {
    Ok((StatusCode::ACCEPTED, Json(service::start_sync(&state.db, &scope).await?)))
}

async fn list(
    Scoped(scope): Scoped<TenantScope>,
    State(state): State<AppState>,
    q: ListQuery,
) -> ApiResult<Json<Page<PolicyDto>>> {
    let query = PolicyQuery::parse(q.text("q"), q.text("type"), q.text("platform"), q.text("visibility"), q.page)?;
    Ok(Json(service::list(&state.db, &scope, &query).await?))
}

/// The path's ids after `{slug}` and `{id}` (policy, version): non-integers name nothing (404).
fn ids<const N: usize>(Path(raw): Path<Vec<(String, String)>>, names: [&str; N]) -> Result<[i64; N], AppError> {
    let mut out = [0; N];
    for (slot, name) in out.iter_mut().zip(names) {
        let value = raw.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default();
        *slot = path_id(value)?;
    }
    Ok(out)
}

async fn get_one(
    Scoped(scope): Scoped<TenantScope>,
    State(state): State<AppState>,
    path: Path<Vec<(String, String)>>,
) -> ApiResult<Json<PolicyDetail>> {
    let [policy] = ids(path, ["policy"])?;
    Ok(Json(service::get(&state.db, &scope, policy).await?))
}

async fn get_version(
    Scoped(scope): Scoped<TenantScope>,
    State(state): State<AppState>,
    path: Path<Vec<(String, String)>>,
) -> ApiResult<Json<PolicyVersionDetail>> {
    let [policy, version] = ids(path, ["policy", "version"])?;
    Ok(Json(service::version(&state.db, &scope, policy, version).await?))
}

async fn diff(
    Scoped(scope): Scoped<TenantScope>,
    State(state): State<AppState>,
    path: Path<Vec<(String, String)>>,
    q: ListQuery,
) -> ApiResult<Json<VersionDiff>> {
    let [policy] = ids(path, ["policy"])?;
    let detail = service::get(&state.db, &scope, policy).await?;
    // The shared rule (`app::inventory::diff_versions`): the two newest unless `from`/`to` say otherwise.
    let (from, to) = diff_versions(&detail.versions, q.text("from"), q.text("to"))?.ok_or(AppError::NotFound)?;
    Ok(Json(service::compare(&state.db, &scope, policy, from, to).await?))
}

async fn set_ignored(
    state: AppState,
    scope: TenantScope,
    path: Path<Vec<(String, String)>>,
    ignored: bool,
) -> ApiResult<Json<PolicyDetail>> {
    let [policy] = ids(path, ["policy"])?;
    service::set_ignored(&state.db, &scope, policy, ignored).await?;
    Ok(Json(service::get(&state.db, &scope, policy).await?))
}

async fn ignore(
    Scoped(scope): Scoped<TenantScope>,
    State(state): State<AppState>,
    path: Path<Vec<(String, String)>>,
) -> ApiResult<Json<PolicyDetail>> {
    set_ignored(state, scope, path, true).await
}

async fn unignore(
    Scoped(scope): Scoped<TenantScope>,
    State(state): State<AppState>,
    path: Path<Vec<(String, String)>>,
) -> ApiResult<Json<PolicyDetail>> {
    set_ignored(state, scope, path, false).await
}
