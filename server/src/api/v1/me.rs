//! `/me`: the caller — the signed-in user and how the request authenticated.

use axum::{http::Method, Json};
use serde::Serialize;
use serde_json::json;

use app::auth::CurrentUser;

use super::{
    extract::Caller,
    problem::ApiResult,
    route::{schema_ref, ApiRoute, Operation, Resource},
};

pub fn resource() -> Resource {
    Resource {
        tag: "me",
        description: "The caller.",
        routes: vec![ApiRoute::new(
            Method::GET,
            "/me",
            get_me,
            Operation::new("getMe", "The caller").ok(
                200,
                "The user behind the session or token",
                Some(schema_ref("Me")),
            ),
        )],
        schemas: vec![(
            "Me",
            json!({
                "type": "object",
                "required": ["id", "email", "display_name", "locale", "is_platform_admin", "auth"],
                "properties": {
                    "id": { "type": "integer", "format": "int64" },
                    "email": { "type": "string" },
                    "display_name": { "type": "string" },
                    "locale": { "type": "string", "nullable": true, "description": "Stored preference (en, de)." },
                    "is_platform_admin": { "type": "boolean" },
                    "auth": {
                        "type": "object",
                        "required": ["method", "token"],
                        "properties": {
                            "method": { "type": "string", "enum": ["session", "token"] },
                            "token": {
                                "type": "object", "nullable": true,
                                "description": "The API token used (never its secret).",
                                "required": ["id", "name", "prefix", "workspace"],
                                "properties": {
                                    "id": { "type": "integer", "format": "int64" },
                                    "name": { "type": "string" },
                                    "prefix": { "type": "string", "example": "tpat_Ab3dE9xY" },
                                    "workspace": { "type": "string", "description": "Slug of the token's workspace." }
                                }
                            }
                        }
                    }
                }
            }),
        )],
    }
}

#[derive(Debug, Serialize)]
pub struct Me {
    #[serde(flatten)]
    pub user: CurrentUser,
    pub auth: AuthInfo,
}

#[derive(Debug, Serialize)]
pub struct AuthInfo {
    pub method: &'static str,
    pub token: Option<TokenInfo>,
}

#[derive(Debug, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub workspace: String,
}

impl Me {
    pub fn for_session(user: CurrentUser) -> Self {
        Self { user, auth: AuthInfo { method: "session", token: None } }
    }
}

async fn get_me(Caller(actor): Caller) -> ApiResult<Json<Me>> {
    let auth = match actor.token() {
        Some(t) => AuthInfo {
            method: "token",
            token: Some(TokenInfo {
                id: t.token_id,
                name: t.name.clone(),
                prefix: t.prefix.clone(),
                workspace: t.workspace_slug.clone(),
            }),
        },
        None => AuthInfo { method: "session", token: None },
    };
    Ok(Json(Me { user: actor.to_dto(), auth }))
}
