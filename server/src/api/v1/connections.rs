//! `/workspaces/{slug}/tenants/{id}/connection`: a managed tenant's provider connection — read it, set it
//! (a dedicated app's client secret is write-only: sealed at rest, never returned), and start its
//! verification run. Same entry ([`Scoped`]), input rules and services as the server functions
//! (`app::connections`); the services require the capabilities.

use axum::{
    extract::State,
    http::{Method, StatusCode},
    Json,
};
use serde::Deserialize;
use serde_json::json;

use app::{
    authz::server::TenantScope,
    connections::{server::service, ConnectionDto, ConnectionInput, VerificationStatus},
    error::AppError,
    operations::Started,
    state::AppState,
};

use super::{
    extract::{ApiInput, ApiJson, Scoped},
    problem::ApiResult,
    route::{schema_ref, ApiRoute, Operation, Resource},
};

const PATH: &str = "/workspaces/{slug}/tenants/{id}/connection";

pub fn resource() -> Resource {
    Resource {
        tag: "connections",
        description: "How TenantPilot signs in to a managed tenant's Microsoft Graph: the platform app or a \
                      dedicated app registration, with consent and verification status.",
        routes: vec![
            ApiRoute::new(
                Method::GET,
                PATH,
                get_one,
                Operation::new("getConnection", "The tenant's provider connection")
                    .describe("Needs `providers.view`. 404 `not_found` when the tenant has no connection yet.")
                    .param("Slug")
                    .param("TenantId")
                    .ok(200, "The connection (never the secret)", Some(schema_ref("Connection")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::PUT,
                PATH,
                put,
                Operation::new("setConnection", "Create or change the tenant's provider connection")
                    .describe(
                        "Needs `providers.manage`. `dedicated` needs `client_id` (GUID) and, unless one is stored, \
                         `client_secret`; omit the secret to keep the stored one. The secret is sealed \
                         (ChaCha20-Poly1305) and never returned. A draft tenant moves to `onboarding`. The status \
                         returns to `unknown` until verified. Audited as `provider_connection.save`.",
                    )
                    .param("Slug")
                    .param("TenantId")
                    .body("ConnectionInput")
                    .ok(200, "The saved connection", Some(schema_ref("Connection")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/tenants/{id}/connection/verify",
                verify,
                Operation::new("verifyConnection", "Verify the connection")
                    .describe(
                        "Queues a `provider.connection.verify` run (token, permissions, organization read) or \
                         returns the one already queued or running (`created: false`). Needs `providers.manage`. \
                         No connection → 409 `no_connection`. A first healthy verification activates the tenant and \
                         queues its first inventory sync.",
                    )
                    .param("Slug")
                    .param("TenantId")
                    .ok(202, "The run", Some(schema_ref("StartedRun")))
                    .errors(&[403, 404, 409]),
            ),
        ],
        schemas: vec![
            (
                "Connection",
                json!({
                    "type": "object",
                    "required": ["tenant_id", "provider", "connection_type", "has_secret", "consent_status",
                                 "verification_status", "permissions_granted", "permissions_missing", "is_enabled"],
                    "properties": {
                        "tenant_id": { "type": "integer", "format": "int64" },
                        "provider": { "type": "string", "enum": ["microsoft"] },
                        "connection_type": { "type": "string", "enum": ["platform", "dedicated"] },
                        "client_id": { "type": "string", "format": "uuid", "nullable": true },
                        "has_secret": { "type": "boolean" },
                        "consent_status": { "type": "string",
                            "enum": ["unknown", "required", "granted", "failed", "revoked"] },
                        "verification_status": { "type": "string",
                            "enum": VerificationStatus::ALL.iter().map(|s| s.id()).collect::<Vec<_>>() },
                        "permissions_granted": { "type": "array", "items": { "type": "string" } },
                        "permissions_missing": { "type": "array", "items": { "type": "string" },
                            "description": "Required application permissions the last verification did not find." },
                        "last_verified_at": { "type": "string", "format": "date-time", "nullable": true },
                        "last_error_reason": { "type": "string", "nullable": true, "example": "graph.auth_failed" },
                        "last_error_message": { "type": "string", "nullable": true },
                        "is_enabled": { "type": "boolean" },
                        "updated_at": { "type": "string", "format": "date-time" }
                    }
                }),
            ),
            (
                "ConnectionInput",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["connection_type"],
                    "properties": {
                        "connection_type": { "type": "string", "enum": ["platform", "dedicated"] },
                        "client_id": { "type": "string", "format": "uuid" },
                        "client_secret": { "type": "string", "maxLength": 512, "writeOnly": true }
                    }
                }),
            ),
        ],
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectionBody {
    #[serde(default)]
    connection_type: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
}

impl ApiInput for ConnectionBody {
    const FIELDS: &'static [&'static str] = &["connection_type", "client_id", "client_secret"];
}

async fn get_one(Scoped(scope): Scoped<TenantScope>, State(state): State<AppState>) -> ApiResult<Json<ConnectionDto>> {
    Ok(Json(service::get(&state.db, &scope).await?.ok_or(AppError::NotFound)?))
}

async fn put(
    Scoped(scope): Scoped<TenantScope>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ConnectionBody>,
) -> ApiResult<Json<ConnectionDto>> {
    let has_secret = service::get(&state.db, &scope).await?.is_some_and(|c| c.has_secret);
    let input = ConnectionInput::parse(
        body.connection_type.as_deref().unwrap_or_default(),
        body.client_id.as_deref(),
        body.client_secret.as_deref(),
        has_secret,
    )?;
    Ok(Json(service::save(&state.db, &state.keys, &scope, input).await?))
}

async fn verify(
    Scoped(scope): Scoped<TenantScope>,
    State(state): State<AppState>,
) -> ApiResult<(StatusCode, Json<Started>)> {
    Ok((StatusCode::ACCEPTED, Json(service::start_verify(&state.db, &scope).await?)))
}
