//! The route table: every API route is one [`ApiRoute`] — method, path, handler and its OpenAPI
//! [`Operation`] — grouped per resource ([`Resource`], one module each). The router and the OpenAPI
//! document are both generated from this table, so they cannot disagree.

use axum::{
    handler::Handler,
    http::Method,
    routing::{on, MethodFilter, MethodRouter},
};
use serde_json::{json, Value};

use app::state::AppState;

/// One resource of the API (a module under `api/v1/`): its routes and the schemas they use.
pub struct Resource {
    /// OpenAPI tag for the resource's operations.
    pub tag: &'static str,
    pub description: &'static str,
    pub routes: Vec<ApiRoute>,
    /// Component schemas this resource defines: (name, JSON schema).
    pub schemas: Vec<(&'static str, Value)>,
}

/// One method on one path.
pub struct ApiRoute {
    pub method: Method,
    /// Relative to `/api/v1`, with `{name}` parameters (the syntax of axum 0.8 and of OpenAPI alike).
    pub path: &'static str,
    pub handler: MethodRouter<AppState>,
    pub op: Operation,
}

impl ApiRoute {
    pub fn new<H, T>(method: Method, path: &'static str, handler: H, op: Operation) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a standard HTTP method");
        Self { method, path, handler: on(filter, handler), op }
    }
}

/// The OpenAPI description of one operation.
#[derive(Debug, Clone)]
pub struct Operation {
    pub id: &'static str,
    pub summary: &'static str,
    pub description: Option<&'static str>,
    /// No authentication required (`security: []`).
    pub public: bool,
    pub parameters: Vec<Value>,
    /// Component schema of the JSON request body.
    pub body: Option<&'static str>,
    pub success: (u16, &'static str, Option<Value>),
    /// Error statuses besides the automatic ones (401 unless public; 400/413/415/422 with a body).
    pub errors: Vec<u16>,
}

impl Operation {
    pub fn new(id: &'static str, summary: &'static str) -> Self {
        Self {
            id,
            summary,
            description: None,
            public: false,
            parameters: Vec::new(),
            body: None,
            success: (200, "OK", None),
            errors: Vec::new(),
        }
    }

    pub fn describe(mut self, text: &'static str) -> Self {
        self.description = Some(text);
        self
    }

    pub fn public(mut self) -> Self {
        self.public = true;
        self
    }

    /// A shared parameter from `components/parameters` (`Slug`, `TenantId`, `Page`, `PerPage`).
    pub fn param(mut self, component: &str) -> Self {
        self.parameters.push(json!({ "$ref": format!("#/components/parameters/{component}") }));
        self
    }

    /// A boolean query flag.
    pub fn flag(mut self, name: &'static str, description: &'static str) -> Self {
        self.parameters.push(json!({
            "name": name, "in": "query", "required": false, "description": description,
            "schema": { "type": "boolean", "default": false }
        }));
        self
    }

    /// An optional text query parameter; `values` (if any) are the only ones accepted.
    pub fn text(mut self, name: &'static str, description: &'static str, values: &[&str]) -> Self {
        let mut schema = json!({ "type": "string" });
        if !values.is_empty() {
            schema["enum"] = json!(values);
        }
        self.parameters.push(json!({
            "name": name, "in": "query", "required": false, "description": description, "schema": schema
        }));
        self
    }

    pub fn body(mut self, schema: &'static str) -> Self {
        self.body = Some(schema);
        self
    }

    /// The success response with a JSON body of `schema` (see [`schema_ref`]), or `None` for no body.
    pub fn ok(mut self, status: u16, description: &'static str, schema: Option<Value>) -> Self {
        self.success = (status, description, schema);
        self
    }

    pub fn errors(mut self, statuses: &[u16]) -> Self {
        self.errors.extend_from_slice(statuses);
        self
    }

    /// Every error status this operation documents, in order.
    pub fn error_statuses(&self) -> Vec<u16> {
        let mut all = self.errors.clone();
        if !self.public {
            all.push(401);
        }
        if self.body.is_some() {
            all.extend([400, 413, 415, 422]);
        }
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// `{"$ref": "#/components/schemas/<name>"}`.
pub fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The schema of a page of `item`s (the collection envelope).
pub fn page_schema(item: &str) -> Value {
    json!({
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": { "type": "array", "items": schema_ref(item) },
            "page": { "type": "integer", "minimum": 1 },
            "per_page": { "type": "integer", "minimum": 1, "maximum": 200 },
            "total": { "type": "integer", "minimum": 0, "description": "Items in the whole collection." },
            "total_capped": {
                "type": "boolean",
                "description": "Present (true) when counting stopped at a cap: at least `total` items match (audit log: 1,000)."
            }
        }
    })
}
