//! `GET /api/v1/openapi.json`: the OpenAPI 3.0 document, generated from the route table (every route's
//! [`Operation`](super::route::Operation)) plus the shared components: the problem schema, the standard
//! error responses, the common parameters and the two security schemes.

use std::{collections::BTreeMap, sync::OnceLock};

use axum::{
    http::{header, HeaderValue, Method},
    response::{IntoResponse, Response},
};
use serde_json::{json, Map, Value};

use super::{
    route::{ApiRoute, Operation, Resource},
    PREFIX,
};

pub fn resource() -> Resource {
    Resource {
        tag: "meta",
        description: "The API's own description.",
        routes: vec![ApiRoute::new(
            Method::GET,
            "/openapi.json",
            openapi_json,
            Operation::new("getOpenApi", "This OpenAPI document").public().ok(
                200,
                "The OpenAPI 3.0 document",
                Some(json!({ "type": "object" })),
            ),
        )],
        schemas: Vec::new(),
    }
}

async fn openapi_json() -> Response {
    static DOC: OnceLock<String> = OnceLock::new();
    let body = DOC.get_or_init(|| document().to_string()).clone();
    let mut res = body.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

/// The error responses every operation may reference: (status, component name, description).
const ERROR_RESPONSES: &[(u16, &str, &str)] = &[
    (400, "BadRequest", "The request could not be read (malformed JSON or query string)."),
    (401, "Unauthenticated", "No valid session or bearer token (expired, revoked and unknown tokens alike)."),
    (403, "Forbidden", "Your role in the workspace lacks the capability."),
    (404, "NotFound", "No such resource, or not visible to you (non-members and foreign workspaces alike)."),
    (409, "Conflict", "The current state does not allow this change; `reason` tells which."),
    (413, "PayloadTooLarge", "The request body is larger than 256 KB."),
    (415, "UnsupportedMediaType", "The request body is not `application/json`."),
    (422, "ValidationFailed", "Invalid input; `errors` lists each field with a code."),
    (429, "RateLimited", "Too many failed sign-ins; retry after `retry_after` seconds (also `Retry-After`)."),
];

fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "RFC 9457 problem details. `code` is stable and never localized.",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": { "type": "string", "example": "urn:tenantpilot:problem:not_found" },
            "title": { "type": "string", "example": "Not found" },
            "status": { "type": "integer", "example": 404 },
            "detail": { "type": "string" },
            "code": {
                "type": "string",
                "enum": ["unauthenticated", "invalid_credentials", "forbidden", "not_found", "validation",
                         "bad_request", "unsupported_media_type", "payload_too_large", "method_not_allowed",
                         "conflict", "rate_limited", "internal"]
            },
            "errors": {
                "type": "array", "items": { "$ref": "#/components/schemas/FieldError" },
                "description": "Only for `validation`."
            },
            "reason": { "type": "string", "description": "Only for `conflict`: e.g. `already_archived`." },
            "retry_after": { "type": "integer", "description": "Only for `rate_limited`: seconds to wait." }
        }
    })
}

fn field_error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["field", "code"],
        "properties": {
            "field": { "type": "string", "example": "display_name" },
            "code": {
                "type": "string",
                "example": "required",
                "description": "required, too_long, too_short, invalid, invalid_email, invalid_guid, invalid_domain, \
                                taken, out_of_range, unknown_field, invalid_type"
            }
        }
    })
}

fn parameters() -> Value {
    json!({
        "Slug": { "name": "slug", "in": "path", "required": true, "description": "Workspace slug.",
                  "schema": { "type": "string" } },
        "TenantId": { "name": "id", "in": "path", "required": true, "description": "Managed tenant id.",
                      "schema": { "type": "integer", "format": "int64" } },
        "RunId": { "name": "run", "in": "path", "required": true, "description": "Operation run id.",
                   "schema": { "type": "integer", "format": "int64" } },
        "PolicyId": { "name": "policy", "in": "path", "required": true, "description": "Policy id (TenantPilot's).",
                      "schema": { "type": "integer", "format": "int64" } },
        "VersionId": { "name": "version", "in": "path", "required": true, "description": "Policy version id.",
                       "schema": { "type": "integer", "format": "int64" } },
        "UserId": { "name": "user_id", "in": "path", "required": true, "description": "A member's user id.",
                    "schema": { "type": "integer", "format": "int64" } },
        "ProfileId": { "name": "profile", "in": "path", "required": true, "description": "Baseline profile id.",
                       "schema": { "type": "integer", "format": "int64" } },
        "SnapshotId": { "name": "snapshot", "in": "path", "required": true, "description": "Baseline snapshot id.",
                        "schema": { "type": "integer", "format": "int64" } },
        "AssignedTenantId": { "name": "tenant", "in": "path", "required": true, "description": "Managed tenant id.",
                              "schema": { "type": "integer", "format": "int64" } },
        "ScheduleId": { "name": "schedule", "in": "path", "required": true, "description": "Compare slot id.",
                        "schema": { "type": "integer", "format": "int64" } },
        "FindingId": { "name": "finding", "in": "path", "required": true, "description": "Finding id.",
                       "schema": { "type": "integer", "format": "int64" } },
        "ExceptionId": { "name": "exception", "in": "path", "required": true,
                         "description": "Risk acceptance (finding exception) id.",
                         "schema": { "type": "integer", "format": "int64" } },
        "EvidenceSnapshotId": { "name": "snapshot", "in": "path", "required": true,
                                "description": "Evidence snapshot id.", "schema": { "type": "integer", "format": "int64" } },
        "ReviewId": { "name": "review", "in": "path", "required": true, "description": "Tenant review id.",
                      "schema": { "type": "integer", "format": "int64" } },
        "PackId": { "name": "pack", "in": "path", "required": true, "description": "Review pack id.",
                    "schema": { "type": "integer", "format": "int64" } },
        "Page": { "name": "page", "in": "query", "required": false, "description": "Page number, from 1.",
                  "schema": { "type": "integer", "minimum": 1, "default": 1 } },
        "PerPage": { "name": "per_page", "in": "query", "required": false, "description": "Items per page.",
                     "schema": { "type": "integer", "minimum": 1, "maximum": 200, "default": 50 } }
    })
}

fn operation_json(tag: &str, op: &Operation) -> Value {
    let mut responses = Map::new();
    let (status, description, schema) = &op.success;
    let mut success = json!({ "description": description });
    if let Some(schema) = schema {
        success["content"] = json!({ "application/json": { "schema": schema } });
    }
    responses.insert(status.to_string(), success);
    for s in op.error_statuses() {
        let name = ERROR_RESPONSES.iter().find(|(c, _, _)| *c == s).map(|(_, n, _)| *n).expect("documented status");
        responses.insert(s.to_string(), json!({ "$ref": format!("#/components/responses/{name}") }));
    }
    responses.insert("default".into(), json!({ "$ref": "#/components/responses/Error" }));
    let mut v = json!({
        "operationId": op.id,
        "summary": op.summary,
        "tags": [tag],
        "responses": responses,
    });
    if let Some(d) = op.description {
        v["description"] = json!(d);
    }
    if !op.parameters.is_empty() {
        v["parameters"] = json!(op.parameters);
    }
    if let Some(body) = op.body {
        v["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{body}") } } }
        });
    }
    if op.public {
        v["security"] = json!([]);
    }
    v
}

/// The whole document.
pub fn document() -> Value {
    let resources = super::resources();
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut schemas = Map::new();
    schemas.insert("Problem".into(), problem_schema());
    schemas.insert("FieldError".into(), field_error_schema());
    let mut tags = Vec::new();
    for res in &resources {
        tags.push(json!({ "name": res.tag, "description": res.description }));
        for (name, schema) in &res.schemas {
            schemas.insert((*name).into(), schema.clone());
        }
        for route in &res.routes {
            paths
                .entry(route.path.to_string())
                .or_default()
                .insert(route.method.as_str().to_ascii_lowercase(), operation_json(res.tag, &route.op));
        }
    }
    let mut responses = Map::new();
    for (_, name, description) in ERROR_RESPONSES {
        responses.insert(
            (*name).into(),
            json!({ "description": description,
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }),
        );
    }
    responses.insert(
        "Error".into(),
        json!({ "description": "Any other error (e.g. 500), as problem details.",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }),
    );
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "TenantPilot API",
            "version": "1.0.0",
            "description": "JSON API v1. Authenticate with a personal API token (`Authorization: Bearer tpat_…`, \
                            created on the account page) or with the session cookie from `POST /session` \
                            (cookie-authenticated mutations must come from this site's origin). Errors are \
                            `application/problem+json` with a stable `code`. Collections are paginated: \
                            `?page=&per_page=` (max 200) and `{items, page, per_page, total}`. See docs/api.md."
        },
        "servers": [{ "url": PREFIX }],
        "tags": tags,
        "security": [{ "bearerAuth": [] }, { "cookieAuth": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": { "type": "http", "scheme": "bearer", "bearerFormat": "tpat_<43 base64url characters>",
                                "description": "Personal API token: acts as its owner in one workspace." },
                "cookieAuth": { "type": "apiKey", "in": "cookie", "name": "tp_session",
                                "description": "Session cookie set by POST /session (or the web sign-in)." }
            },
            "parameters": parameters(),
            "schemas": schemas,
            "responses": responses,
        }
    })
}
