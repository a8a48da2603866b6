//! `/session`: sign in with email and password (the same service, throttling and session cookie as the
//! web sign-in) and sign out.

use axum::{extract::State, http::Method, http::StatusCode, Json};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use app::{
    auth::{
        server::{service, session, RequestMeta},
        Credentials,
    },
    state::AppState,
};

use super::{
    extract::{ApiInput, ApiJson, Caller},
    me::Me,
    problem::ApiResult,
    route::{schema_ref, ApiRoute, Operation, Resource},
};

pub fn resource() -> Resource {
    Resource {
        tag: "session",
        description: "Cookie sessions for browser-like clients. Scripts should prefer personal API tokens.",
        routes: vec![
            ApiRoute::new(
                Method::POST,
                "/session",
                sign_in,
                Operation::new("createSession", "Sign in")
                    .describe(
                        "Checks email and password and sets the `tp_session` cookie (the same session as the web \
                         sign-in; the session id is rotated). Failed sign-ins are throttled per account and per \
                         client IP (429). Must come from this site's origin if the request carries an `Origin`.",
                    )
                    .public()
                    .body("Credentials")
                    .ok(200, "Signed in; the session cookie is set", Some(schema_ref("Me")))
                    .errors(&[403, 429]),
            ),
            ApiRoute::new(
                Method::DELETE,
                "/session",
                sign_out,
                Operation::new("deleteSession", "Sign out")
                    .describe(
                        "Ends the cookie session. With a bearer token there is no session: nothing changes (revoke \
                         tokens on the account page).",
                    )
                    .ok(204, "Signed out", None)
                    .errors(&[403]),
            ),
        ],
        schemas: vec![(
            "Credentials",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["email", "password"],
                "properties": {
                    "email": { "type": "string", "format": "email", "maxLength": 1024 },
                    "password": { "type": "string", "format": "password", "maxLength": 1024 }
                }
            }),
        )],
    }
}

/// `Debug` is deliberately not derived: the body holds a password.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsBody {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

impl ApiInput for CredentialsBody {
    const FIELDS: &'static [&'static str] = &["email", "password"];
}

async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    ApiJson(body): ApiJson<CredentialsBody>,
) -> ApiResult<Json<Me>> {
    let creds = Credentials::parse(body.email, body.password)?;
    let user = service::authenticate(&state.db, &creds, &RequestMeta::current()).await?;
    session::sign_in(&session, &user).await?;
    Ok(Json(Me::for_session(user.to_dto())))
}

async fn sign_out(Caller(actor): Caller, session: Session) -> ApiResult<StatusCode> {
    if actor.token().is_none() {
        session::sign_out(&session).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
