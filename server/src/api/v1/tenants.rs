//! `/workspaces/{slug}/tenants`: managed tenants of a workspace. Every handler enters through [`Scoped`]
//! (the one way in, shared with the server functions of `app::tenants::api`) and calls the same services,
//! which require the capabilities.

use axum::{
    extract::State,
    http::{header, Method, StatusCode},
    Json,
};
use serde::Deserialize;
use serde_json::json;

use app::{
    authz::{
        server::{TenantScope, WorkspaceScope},
        Capability,
    },
    error::AppError,
    state::AppState,
    tenants::{server::service, NewTenant, TenantDto, TenantQuery},
};

use super::{
    extract::{ApiInput, ApiJson, ListQuery, Page, Scoped},
    problem::ApiResult,
    route::{page_schema, schema_ref, ApiRoute, Operation, Resource},
};

const ITEM: &str = "/workspaces/{slug}/tenants/{id}";

pub fn resource() -> Resource {
    let tenant = || Some(schema_ref("Tenant"));
    Resource {
        tag: "tenants",
        description: "Managed tenants (\"managed environments\"): draft → onboarding → active → archived.",
        routes: vec![
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/tenants",
                list,
                Operation::new("listTenants", "List managed tenants")
                    .describe(
                        "Tenants of the workspace you may see (customer viewers: only their own), by name. \
                         Needs `tenants.view`.",
                    )
                    .param("Slug")
                    .text("q", "Case-insensitive search in display name and primary domain.", &[])
                    .text(
                        "status",
                        "`current` (default: all but archived), `archived` or `all`.",
                        &["current", "archived", "all"],
                    )
                    .flag("include_archived", "Deprecated: same as `status=all`.")
                    .param("Page")
                    .param("PerPage")
                    .ok(200, "A page of tenants", Some(schema_ref("TenantPage")))
                    .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/tenants",
                create,
                Operation::new("createTenant", "Add a managed tenant")
                    .describe(
                        "Creates a tenant in `draft`. Needs `tenants.manage`. The Entra tenant id is unique across \
                         the installation (`entra_tenant_id: taken`). Audited as `tenant.create`.",
                    )
                    .param("Slug")
                    .body("NewTenant")
                    .ok(201, "Created; `Location` names the new tenant", tenant())
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::GET,
                ITEM,
                get_one,
                Operation::new("getTenant", "A managed tenant")
                    .param("Slug")
                    .param("TenantId")
                    .ok(200, "The tenant", tenant())
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::PATCH,
                ITEM,
                patch,
                Operation::new("updateTenant", "Rename a managed tenant")
                    .describe("Needs `tenants.manage`. Audited as `tenant.rename`.")
                    .param("Slug")
                    .param("TenantId")
                    .body("TenantPatch")
                    .ok(200, "The renamed tenant", tenant())
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/tenants/{id}/archive",
                archive,
                Operation::new("archiveTenant", "Archive a managed tenant")
                    .describe(
                        "Remembers the lifecycle to restore. Needs `tenants.manage`. Already archived → 409 \
                         `already_archived`. Audited as `tenant.archive`.",
                    )
                    .param("Slug")
                    .param("TenantId")
                    .ok(200, "The archived tenant", tenant())
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/tenants/{id}/restore",
                restore,
                Operation::new("restoreTenant", "Restore an archived tenant")
                    .describe(
                        "Back to the lifecycle it had before archiving. Needs `tenants.manage`. Not archived → 409 \
                         `not_archived`. Audited as `tenant.restore`.",
                    )
                    .param("Slug")
                    .param("TenantId")
                    .ok(200, "The restored tenant", tenant())
                    .errors(&[403, 404, 409]),
            ),
        ],
        schemas: vec![
            (
                "Tenant",
                json!({
                    "type": "object",
                    "required": ["id", "display_name", "primary_domain", "entra_tenant_id", "lifecycle"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64" },
                        "display_name": { "type": "string" },
                        "primary_domain": { "type": "string", "example": "contoso.example" },
                        "entra_tenant_id": { "type": "string", "format": "uuid" },
                        "lifecycle": { "type": "string", "enum": ["draft", "onboarding", "active", "archived"] }
                    }
                }),
            ),
            ("TenantPage", page_schema("Tenant")),
            (
                "NewTenant",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["display_name", "primary_domain", "entra_tenant_id"],
                    "properties": {
                        "display_name": { "type": "string", "maxLength": 120 },
                        "primary_domain": { "type": "string", "maxLength": 253 },
                        "entra_tenant_id": { "type": "string", "format": "uuid",
                                             "description": "GUID; braces and upper case are accepted." }
                    }
                }),
            ),
            (
                "TenantPatch",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["display_name"],
                    "properties": { "display_name": { "type": "string", "maxLength": 120 } }
                }),
            ),
        ],
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTenantBody {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    primary_domain: Option<String>,
    #[serde(default)]
    entra_tenant_id: Option<String>,
}

impl ApiInput for NewTenantBody {
    const FIELDS: &'static [&'static str] = &["display_name", "primary_domain", "entra_tenant_id"];
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantPatchBody {
    #[serde(default)]
    display_name: Option<String>,
}

impl ApiInput for TenantPatchBody {
    const FIELDS: &'static [&'static str] = &["display_name"];
}

/// An id from the path; anything but an integer names nothing (404).
pub(super) fn path_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

async fn list(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    q: ListQuery,
) -> ApiResult<Json<Page<TenantDto>>> {
    // `include_archived=true` (the first version's flag) is `status=all`.
    let status = q.text("status").or(q.flag("include_archived")?.then_some("all"));
    let query = TenantQuery::parse(q.text("q"), status, q.page)?;
    Ok(Json(service::list(&state.db, &scope, &query).await?))
}

async fn create(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewTenantBody>,
) -> ApiResult<(StatusCode, [(header::HeaderName, String); 1], Json<TenantDto>)> {
    let input = NewTenant::parse(
        body.display_name.as_deref().unwrap_or_default(),
        body.primary_domain.as_deref().unwrap_or_default(),
        body.entra_tenant_id.as_deref().unwrap_or_default(),
    )?;
    let id = service::create(&state.db, &scope, input).await?;
    let tenant = service::get(&state.db, &scope.tenant(&state.db, id, Capability::TenantsView).await?).await?;
    let location = format!("{}/workspaces/{}/tenants/{id}", super::PREFIX, scope.slug());
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(tenant)))
}

async fn get_one(Scoped(scope): Scoped<TenantScope>, State(state): State<AppState>) -> ApiResult<Json<TenantDto>> {
    Ok(Json(service::get(&state.db, &scope).await?))
}

async fn patch(
    Scoped(scope): Scoped<TenantScope>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TenantPatchBody>,
) -> ApiResult<Json<TenantDto>> {
    service::rename(&state.db, &scope, body.display_name.as_deref().unwrap_or_default()).await?;
    Ok(Json(service::get(&state.db, &scope).await?))
}

async fn set_archived(state: AppState, scope: TenantScope, archive: bool) -> ApiResult<Json<TenantDto>> {
    service::set_archived(&state.db, &scope, archive).await?;
    Ok(Json(service::get(&state.db, &scope).await?))
}

async fn archive(Scoped(scope): Scoped<TenantScope>, State(state): State<AppState>) -> ApiResult<Json<TenantDto>> {
    set_archived(state, scope, true).await
}

async fn restore(Scoped(scope): Scoped<TenantScope>, State(state): State<AppState>) -> ApiResult<Json<TenantDto>> {
    set_archived(state, scope, false).await
}
