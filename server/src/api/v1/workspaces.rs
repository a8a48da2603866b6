//! `/workspaces`: the workspaces the caller is a member of (a token: only its own workspace), and
//! `PATCH /workspaces/{slug}`: the workspace settings, through the same service and capability
//! (`settings.manage`) as the settings page.

use axum::{extract::State, http::Method, Json};
use serde::{Deserialize, Deserializer};
use serde_json::json;

use app::{
    authz::server::WorkspaceScope,
    state::AppState,
    workspaces::{server::my_workspaces, server::settings, SettingsInput, WorkspaceSettings, WorkspaceSummary},
};

use super::{
    extract::{ApiInput, ApiJson, Caller, ListQuery, Page, Scoped},
    problem::ApiResult,
    route::{page_schema, schema_ref, ApiRoute, Operation, Resource},
};

pub fn resource() -> Resource {
    Resource {
        tag: "workspaces",
        description: "Workspaces: the isolation boundary; your membership carries your role.",
        routes: vec![
            ApiRoute::new(
                Method::GET,
                "/workspaces",
                list,
                Operation::new("listWorkspaces", "Your workspaces")
                    .describe(
                        "Active workspaces you are a member of, by name. With an API token: only the token's \
                         workspace.",
                    )
                    .param("Page")
                    .param("PerPage")
                    .ok(200, "A page of workspaces", Some(schema_ref("WorkspacePage")))
                    .errors(&[422]),
            ),
            ApiRoute::new(
                Method::PATCH,
                "/workspaces/{slug}",
                patch,
                Operation::new("updateWorkspaceSettings", "Change workspace settings")
                    .describe(
                        "Name, default language (`en`, `de` or `null`) and IANA time zone; omitted fields keep \
                         their value. Needs `settings.manage`. Audited as `workspace.settings_update`.",
                    )
                    .param("Slug")
                    .body("WorkspaceSettingsPatch")
                    .ok(200, "The settings after the change", Some(schema_ref("WorkspaceSettings")))
                    .errors(&[403, 404]),
            ),
        ],
        schemas: vec![
            (
                "Workspace",
                json!({
                    "type": "object",
                    "required": ["slug", "name", "role"],
                    "properties": {
                        "slug": { "type": "string", "example": "contoso" },
                        "name": { "type": "string" },
                        "role": { "type": "string", "enum": ["owner", "manager", "operator", "readonly", "customer"] }
                    }
                }),
            ),
            ("WorkspacePage", page_schema("Workspace")),
            (
                "WorkspaceSettings",
                json!({
                    "type": "object",
                    "required": ["slug", "name", "default_locale", "timezone", "role", "can_manage"],
                    "properties": {
                        "slug": { "type": "string" },
                        "name": { "type": "string" },
                        "default_locale": { "type": "string", "enum": ["en", "de"], "nullable": true },
                        "timezone": { "type": "string", "example": "Europe/Berlin" },
                        "role": { "type": "string", "description": "Your role in the workspace." },
                        "can_manage": { "type": "boolean", "description": "You hold `settings.manage`." }
                    }
                }),
            ),
            (
                "WorkspaceSettingsPatch",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "name": { "type": "string", "maxLength": 120 },
                        "default_locale": { "type": "string", "enum": ["en", "de"], "nullable": true,
                                            "description": "`null` clears it." },
                        "timezone": { "type": "string", "description": "An IANA zone name, e.g. `Europe/Berlin`." }
                    }
                }),
            ),
        ],
    }
}

async fn list(
    Caller(actor): Caller,
    State(state): State<AppState>,
    q: ListQuery,
) -> ApiResult<Json<Page<WorkspaceSummary>>> {
    let mine = my_workspaces(&state.db, &actor).await?;
    Ok(Json(q.page.slice(mine.workspaces)))
}

/// A field that distinguishes "absent" (`None`) from `null` (`Some(None)`).
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsPatchBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    default_locale: Option<Option<String>>,
    #[serde(default)]
    timezone: Option<String>,
}

impl ApiInput for SettingsPatchBody {
    const FIELDS: &'static [&'static str] = &["name", "default_locale", "timezone"];
}

async fn patch(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SettingsPatchBody>,
) -> ApiResult<Json<WorkspaceSettings>> {
    let current = settings::get(&state.db, &scope).await?;
    let name = body.name.unwrap_or(current.name);
    let locale = body.default_locale.unwrap_or(current.default_locale);
    let timezone = body.timezone.unwrap_or(current.timezone);
    let input = SettingsInput::parse(Some(&name), locale.as_deref(), Some(&timezone))?;
    Ok(Json(settings::update(&state.db, &scope, input).await?))
}
