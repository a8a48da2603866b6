//! `/workspaces/{slug}/audit`: the workspace's audit log, newest first, with the same filters and the same
//! rules as the audit page (`app::audit`): `audit.view` needed, narrowed members see only their tenants'
//! entries. Pages are numbered like every collection; `before` pins them to entries older than a cursor.

use axum::{
    extract::{Path, Query, State},
    http::{Method, Uri},
    Json,
};
use serde_json::{json, Value};

use app::{
    audit::{server::service, AuditEntry, AuditFilter, RawAuditFilter},
    authz::server::WorkspaceScope,
    error::AppError,
    state::AppState,
};

use super::{
    extract::{ListQuery, Page, Scoped},
    problem::{ApiError, ApiResult},
    route::{page_schema, schema_ref, ApiRoute, Operation, Resource},
};

/// An inline query or path parameter.
fn param(
    op: Operation,
    name: &'static str,
    place: &'static str,
    description: &'static str,
    schema: Value,
) -> Operation {
    let mut op = op;
    op.parameters.push(json!({
        "name": name, "in": place, "required": place == "path", "description": description, "schema": schema
    }));
    op
}

fn filters(op: Operation) -> Operation {
    let int = || json!({ "type": "integer", "format": "int64", "minimum": 1 });
    let date = || json!({ "type": "string", "format": "date" });
    let op = param(op, "actor", "query", "Acting user's id.", int());
    let op = param(
        op,
        "action",
        "query",
        "Action id, exact (`tenant.create`), or a prefix when it ends with `.` (`tenant.`).",
        json!({ "type": "string", "maxLength": 100, "pattern": "^[a-z0-9_.]+$" }),
    );
    let op = param(op, "tenant", "query", "Managed tenant id (one you may see; else 422 `unknown_tenant`).", int());
    let op = param(
        op,
        "outcome",
        "query",
        "Outcome.",
        json!({ "type": "string", "enum": ["success", "failure", "blocked", "info"] }),
    );
    let op = param(op, "from", "query", "First UTC day (inclusive), YYYY-MM-DD.", date());
    let op = param(op, "to", "query", "Last UTC day (inclusive), YYYY-MM-DD.", date());
    param(op, "before", "query", "Only entries with a smaller id (pins the pages).", int())
}

pub fn resource() -> Resource {
    Resource {
        tag: "audit",
        description: "The workspace's append-only, hash-chained audit log.",
        routes: vec![
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/audit",
                list,
                filters(
                    Operation::new("listAuditEntries", "List audit entries")
                        .describe(
                            "Newest first. Needs `audit.view`. Members narrowed to tenants see only entries of \
                             those tenants (no workspace-level entries).",
                        )
                        .param("Slug"),
                )
                .param("Page")
                .param("PerPage")
                .ok(200, "A page of audit entries", Some(schema_ref("AuditEntryPage")))
                .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/audit/{id}",
                get_one,
                param(
                    Operation::new("getAuditEntry", "An audit entry").describe("Needs `audit.view`.").param("Slug"),
                    "id",
                    "path",
                    "Audit entry id.",
                    json!({ "type": "integer", "format": "int64" }),
                )
                .ok(200, "The entry", Some(schema_ref("AuditEntry")))
                .errors(&[403, 404]),
            ),
        ],
        schemas: vec![
            (
                "AuditEntry",
                json!({
                    "type": "object",
                    "required": ["id", "recorded_at", "actor_label", "actor_type", "action", "resource_type",
                                 "outcome", "summary", "metadata", "prev_hash", "hash"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64" },
                        "recorded_at": { "type": "string", "format": "date-time", "description": "UTC." },
                        "tenant_id": { "type": "integer", "format": "int64", "nullable": true },
                        "actor_id": { "type": "integer", "format": "int64", "nullable": true },
                        "actor_label": { "type": "string" },
                        "actor_type": { "type": "string", "enum": ["human", "system", "scheduled", "integration"] },
                        "action": { "type": "string", "example": "tenant.create" },
                        "resource_type": { "type": "string" },
                        "resource_id": { "type": "string", "nullable": true },
                        "outcome": { "type": "string", "enum": ["success", "failure", "blocked", "info"] },
                        "summary": { "type": "string" },
                        "metadata": { "type": "string", "description": "Sanitized JSON, as stored (hashed)." },
                        "ip": { "type": "string", "nullable": true },
                        "user_agent": { "type": "string", "nullable": true },
                        "prev_hash": { "type": "string", "description": "SHA-256 hex of the previous entry." },
                        "hash": { "type": "string", "description": "SHA-256 hex over prev_hash and the content." }
                    }
                }),
            ),
            ("AuditEntryPage", page_schema("AuditEntry")),
        ],
    }
}

/// The filters of the query string (`page` / `per_page` are the [`ListQuery`]'s).
fn parse_filter(uri: &Uri) -> Result<AuditFilter, ApiError> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|_| ApiError::with_detail(AppError::BadRequest, "The query string could not be read."))?;
    let raw = RawAuditFilter { limit: None, ..RawAuditFilter::from_pairs(&pairs) };
    Ok(AuditFilter::parse(&raw)?.0)
}

async fn list(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    q: ListQuery,
    uri: Uri,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let filter = parse_filter(&uri)?;
    Ok(Json(service::page(&state.db, &scope, &filter, q.page).await?))
}

async fn get_one(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<Json<AuditEntry>> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    Ok(Json(service::get(&state.db, &scope, id).await?.entry))
}
