//! `/workspaces/{slug}/members` and `/workspaces/{slug}/invites`: workspace members and invitations. Every
//! handler enters through [`Scoped`], the one way in shared with the server functions (`app::members::api`),
//! and calls the same services, which require `members.view` to list and `members.manage` for everything
//! else, so validation, the last-owner guard (`409 last_owner`) and the audit records are the same.

use axum::{
    extract::{Path, State},
    http::{Method, StatusCode},
    Json,
};
use serde::Deserialize;
use serde_json::json;

use app::{
    authz::server::WorkspaceScope,
    error::AppError,
    members::{parse_role, parse_tenant_ids, server::service, InviteCreated, MemberDto, NewInvite},
    state::AppState,
};

use super::{
    extract::{ApiInput, ApiJson, ListQuery, Page, Scoped},
    problem::ApiResult,
    route::{page_schema, schema_ref, ApiRoute, Operation, Resource},
};

const ITEM: &str = "/workspaces/{slug}/members/{user_id}";

pub fn resource() -> Resource {
    Resource {
        tag: "members",
        description: "Workspace members (role and tenant narrowing) and single-use invite links.",
        routes: vec![
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/members",
                list,
                Operation::new("listMembers", "List members")
                    .describe(
                        "Members with their roles; owners first. Narrowed tenants you may not see are only counted \
                         (`hidden_tenants`). Needs `members.view`.",
                    )
                    .param("Slug")
                    .param("Page")
                    .param("PerPage")
                    .ok(200, "A page of members", Some(schema_ref("MemberPage")))
                    .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/invites",
                invite,
                Operation::new("createInvite", "Invite a member")
                    .describe(
                        "Creates a single-use invite link valid for 7 days. The link is in this answer only; the \
                         server keeps a hash. Needs `members.manage`. Audited as `member.invite` (never the link).",
                    )
                    .param("Slug")
                    .body("NewInvite")
                    .ok(201, "Created; the link is shown once", Some(schema_ref("InviteCreated")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::PATCH,
                ITEM,
                patch,
                Operation::new("updateMember", "Change a member's role and/or narrowing")
                    .describe(
                        "Needs `members.manage`. Customer viewers need at least one tenant; owners cannot be \
                         narrowed; the last owner cannot be demoted (409 `last_owner`). Audited as \
                         `member.role_change` / `member.narrow`.",
                    )
                    .param("Slug")
                    .param("UserId")
                    .body("MemberPatch")
                    .ok(200, "The member after the change", Some(schema_ref("Member")))
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::DELETE,
                ITEM,
                remove,
                Operation::new("removeMember", "Remove a member")
                    .describe(
                        "Needs `members.manage`. The last owner cannot be removed (409 `last_owner`). Audited as \
                         `member.remove`.",
                    )
                    .param("Slug")
                    .param("UserId")
                    .ok(204, "Removed", None)
                    .errors(&[403, 404, 409]),
            ),
        ],
        schemas: vec![
            (
                "Member",
                json!({
                    "type": "object",
                    "required": ["user_id", "email", "display_name", "role", "tenants", "hidden_tenants", "is_self"],
                    "properties": {
                        "user_id": { "type": "integer", "format": "int64" },
                        "email": { "type": "string" },
                        "display_name": { "type": "string" },
                        "role": { "type": "string", "enum": ["owner", "manager", "operator", "readonly", "customer"] },
                        "tenants": { "type": "array", "description": "Narrowing (empty and no hidden: all tenants).",
                                     "items": { "$ref": "#/components/schemas/TenantRef" } },
                        "hidden_tenants": { "type": "integer", "minimum": 0 },
                        "is_self": { "type": "boolean" }
                    }
                }),
            ),
            (
                "TenantRef",
                json!({
                    "type": "object",
                    "required": ["id", "name", "archived"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64" },
                        "name": { "type": "string" },
                        "archived": { "type": "boolean" }
                    }
                }),
            ),
            ("MemberPage", page_schema("Member")),
            (
                "NewInvite",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["email", "role"],
                    "properties": {
                        "email": { "type": "string", "format": "email" },
                        "role": { "type": "string", "enum": ["owner", "manager", "operator", "readonly", "customer"] },
                        "tenant_ids": { "type": "array", "items": { "type": "integer", "format": "int64" },
                                        "maxItems": 500, "description": "Narrowing; required for customer viewers." }
                    }
                }),
            ),
            (
                "InviteCreated",
                json!({
                    "type": "object",
                    "required": ["id", "email", "link", "expires_at"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64" },
                        "email": { "type": "string" },
                        "link": { "type": "string", "format": "uri", "description": "Shown once." },
                        "expires_at": { "type": "string", "format": "date-time" }
                    }
                }),
            ),
            (
                "MemberPatch",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "role": { "type": "string", "enum": ["owner", "manager", "operator", "readonly", "customer"] },
                        "tenant_ids": { "type": "array", "items": { "type": "integer", "format": "int64" },
                                        "maxItems": 500, "description": "Replaces the narrowing ([] = all tenants)." }
                    }
                }),
            ),
        ],
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewInviteBody {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    tenant_ids: Option<Vec<i64>>,
}

impl ApiInput for NewInviteBody {
    const FIELDS: &'static [&'static str] = &["email", "role", "tenant_ids"];
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberPatchBody {
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    tenant_ids: Option<Vec<i64>>,
}

impl ApiInput for MemberPatchBody {
    const FIELDS: &'static [&'static str] = &["role", "tenant_ids"];
}

/// A user id from the path; anything but an integer names no member (404).
fn user_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

async fn list(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    q: ListQuery,
) -> ApiResult<Json<Page<MemberDto>>> {
    let all = service::list(&state.db, &scope).await?;
    Ok(Json(q.page.slice(all.members)))
}

async fn invite(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewInviteBody>,
) -> ApiResult<(StatusCode, Json<InviteCreated>)> {
    let input = NewInvite::parse(body.email.as_deref(), body.role.as_deref(), body.tenant_ids)?;
    let (created, _token) = service::invite(&state.db, &scope, input, &state.config.public_url).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn patch(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<MemberPatchBody>,
) -> ApiResult<Json<MemberDto>> {
    let id = user_id(&id)?;
    let role = body.role.as_deref().map(|r| parse_role(Some(r)).map_err(|c| AppError::validation("role", c)));
    let role = role.transpose()?;
    let tenants =
        body.tenant_ids.map(|ids| parse_tenant_ids(Some(ids)).map_err(|c| AppError::validation("tenant_ids", c)));
    let tenants = tenants.transpose()?;
    service::update(&state.db, &scope, id, role, tenants).await?;
    let all = service::list(&state.db, &scope).await?;
    Ok(Json(all.members.into_iter().find(|m| m.user_id == id).ok_or(AppError::NotFound)?))
}

async fn remove(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    service::remove(&state.db, &scope, user_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
