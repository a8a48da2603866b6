//! What the system does to findings on its own: risk acceptances past their expiry end (the finding
//! re-opens), audited as the system in the same transaction as the change.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{repo, service::end_acceptance};
use crate::{
    audit::server::{record_system, AuditEvent},
    authz::server::SystemScope,
    db::Db,
    error::AppError,
    findings::{ExceptionAction, ExceptionStatus},
};

/// Expires every active acceptance whose expiry has passed; returns how many.
pub async fn expire_acceptances(db: &Db, system: &SystemScope, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut n = 0;
    for (workspace_id, tenant_id, id, finding_id) in repo::select_expired_active(db, now).await? {
        let tenant = system.tenant(db, workspace_id, tenant_id).await?;
        let next = ExceptionStatus::Active.apply(ExceptionAction::Expire)?;
        let mut tx = db.begin().await?;
        if !repo::set_exception_status(&mut tx, &tenant, id, ExceptionStatus::Active, next, None, None, now).await? {
            continue;
        }
        repo::insert_decision(&mut tx, &tenant, id, "expired", None, "", None, now).await?;
        end_acceptance(&mut tx, &tenant, finding_id, None, "expired", now).await?;
        let event = AuditEvent::new("finding_exception.expire", "finding_exception", id)
            .tenant(tenant_id)
            .summary("Risk acceptance expired")
            .metadata(json!({ "finding_id": finding_id }));
        record_system(&mut tx, system, Some(workspace_id), event).await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}
