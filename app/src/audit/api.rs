//! Server functions of the audit log: authenticate → enter the workspace with `audit.view` → validate the
//! filters → call the service. Filters arrive as the page's query parameters (strings; empty = unset).
// `list_audit` takes the workspace plus seven flat filter arguments, mirroring the page's query parameters
// (flat arguments also decode from any plain form, e.g. the unauthenticated sweep's); the macro-generated
// client function inherits the count.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::{
    audit::{AuditDetail, AuditList},
    error::AppError,
};

/// One page of the audit log of `workspace` (filters and cursor as in [`crate::audit::RawAuditFilter`]).
#[server(endpoint = "audit/list")]
pub async fn list_audit(
    workspace: String,
    actor: Option<String>,
    action: Option<String>,
    tenant: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
) -> Result<AuditList, AppError> {
    use crate::{
        audit::{server::service, AuditFilter, RawAuditFilter},
        authz::server::enter_current,
    };
    let (state, scope) = enter_current(&workspace, None).await?;
    let raw = RawAuditFilter { actor, action, tenant, outcome, from, to, before, limit: None };
    let (filter, limit) = AuditFilter::parse(&raw)?;
    service::list(&state.db, &scope, filter, limit).await
}

/// One audit entry of `workspace` (foreign or hidden → 404).
#[server(endpoint = "audit/get")]
pub async fn get_audit_entry(workspace: String, id: i64) -> Result<AuditDetail, AppError> {
    use crate::{audit::server::service, authz::server::enter_current};
    let (state, scope) = enter_current(&workspace, None).await?;
    service::get(&state.db, &scope, id).await
}
