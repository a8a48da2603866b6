//! `/workspaces`: the workspaces the caller is a member of (a token: only its own workspace).

use axum::{extract::State, http::Method, Json};
use serde_json::json;

use app::{
    state::AppState,
    workspaces::{server::my_workspaces, WorkspaceSummary},
};

use super::{
    extract::{Caller, ListQuery, Page},
    problem::ApiResult,
    route::{page_schema, schema_ref, ApiRoute, Operation, Resource},
};

pub fn resource() -> Resource {
    Resource {
        tag: "workspaces",
        description: "Workspaces: the isolation boundary; your membership carries your role.",
        routes: vec![ApiRoute::new(
            Method::GET,
            "/workspaces",
            list,
            Operation::new("listWorkspaces", "Your workspaces")
                .describe(
                    "Active workspaces you are a member of, by name. With an API token: only the token's workspace.",
                )
                .param("Page")
                .param("PerPage")
                .ok(200, "A page of workspaces", Some(schema_ref("WorkspacePage")))
                .errors(&[422]),
        )],
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
