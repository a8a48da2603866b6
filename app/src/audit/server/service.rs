//! Reading the audit log: the keyset list of the audit page, the numbered pages of the JSON API, one
//! entry, and the export (which is itself audited as `audit.export`). Every function takes the workspace
//! scope and checks its capability (`audit.view`, `audit.export`). A member narrowed to tenants sees only
//! entries of those tenants; a tenant filter outside what the caller may see is a field error.

use serde_json::json;

use super::{record, repo, AuditEvent};
use crate::{
    audit::{AuditActor, AuditDetail, AuditEntry, AuditFilter, AuditList},
    authz::{server::WorkspaceScope, Capability},
    db::Db,
    error::AppError,
    paging::{Page, PageRequest},
};

/// Most rows one export returns; a larger result is cut (newest first) and marked truncated.
pub const EXPORT_CAP: usize = 100_000;
/// Rows fetched per statement while exporting.
const EXPORT_BATCH: i64 = 1_000;

/// `tenant: unknown_tenant` unless the filter's tenant is one the caller may see (one indexed lookup).
async fn check_tenant(db: &Db, scope: &WorkspaceScope, filter: &AuditFilter) -> Result<(), AppError> {
    let Some(id) = filter.tenant else { return Ok(()) };
    match scope.tenant(db, id, Capability::AuditView).await {
        Ok(_) => Ok(()),
        Err(AppError::NotFound) => Err(AppError::validation("tenant", "unknown_tenant")),
        Err(other) => Err(other),
    }
}

/// One page of the audit page: up to `limit` entries older than `filter.before`, newest first.
pub async fn list(db: &Db, scope: &WorkspaceScope, filter: AuditFilter, limit: u32) -> Result<AuditList, AppError> {
    scope.require(Capability::AuditView)?;
    check_tenant(db, scope, &filter).await?;
    let tenants = crate::members::server::service::visible_tenants(db, scope).await?;
    let mut rows = repo::select_page(db, scope, &filter, i64::from(limit) + 1, 0).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_before = if more { rows.last().map(|r| r.id) } else { None };
    let actors =
        repo::select_actors(db, scope).await?.into_iter().map(|(id, label)| AuditActor { id, label }).collect();
    Ok(AuditList {
        entries: rows.into_iter().map(super::AuditRow::into_entry).collect(),
        next_before,
        filter,
        tenants,
        actors,
        can_export: scope.can(Capability::AuditExport),
    })
}

/// Most matching entries the JSON API counts for `total`; beyond it `total` is this number and
/// `total_capped` is set (page on with `before`, or narrow the filter).
pub const MAX_COUNTED: i64 = 1_000;

/// One page of entries and the (capped) total, for the JSON API. `filter.before` pins the result to
/// entries older than a cursor, so that new entries do not shift the pages.
pub async fn page(
    db: &Db,
    scope: &WorkspaceScope,
    filter: &AuditFilter,
    request: PageRequest,
) -> Result<Page<AuditEntry>, AppError> {
    scope.require(Capability::AuditView)?;
    check_tenant(db, scope, filter).await?;
    let rows = repo::select_page(db, scope, filter, request.limit(), request.offset()).await?;
    let counted = repo::count(db, scope, filter, MAX_COUNTED).await?;
    let mut page =
        request.wrap(rows.into_iter().map(super::AuditRow::into_entry).collect(), counted.clamp(0, MAX_COUNTED) as u64);
    page.total_capped = counted > MAX_COUNTED;
    Ok(page)
}

/// One entry: foreign, hidden (narrowing) or absent → `NotFound`.
pub async fn get(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<AuditDetail, AppError> {
    scope.require(Capability::AuditView)?;
    let entry = repo::select_one(db, scope, id).await?.ok_or(AppError::NotFound)?.into_entry();
    let tenant_name = match entry.tenant_id {
        // The entry's tenant by one lookup; one the caller may no longer see stays unnamed.
        Some(t) => match scope.tenant(db, t, Capability::AuditView).await {
            Ok(tenant) => Some(crate::tenants::server::repo::select_tenant(db, &tenant).await?.display_name),
            Err(AppError::NotFound) => None,
            Err(other) => return Err(other),
        },
        None => None,
    };
    Ok(AuditDetail { entry, tenant_name })
}

/// The result of an export: the rows (newest first) and whether [`EXPORT_CAP`] cut them.
pub struct Export {
    pub entries: Vec<AuditEntry>,
    pub truncated: bool,
}

/// Every entry matching `filter` (at most [`EXPORT_CAP`]), read in batches; then records `audit.export`
/// with the format, the filters and the row count (the export's own record is not part of it).
pub async fn export(
    db: &Db,
    scope: &WorkspaceScope,
    mut filter: AuditFilter,
    format: &str,
) -> Result<Export, AppError> {
    scope.require(Capability::AuditExport)?;
    check_tenant(db, scope, &filter).await?;
    let mut entries = Vec::new();
    let truncated = loop {
        let batch = repo::select_page(db, scope, &filter, EXPORT_BATCH, 0).await?;
        let full = batch.len() as i64 == EXPORT_BATCH;
        filter.before = batch.last().map(|r| r.id);
        entries.extend(batch.into_iter().map(super::AuditRow::into_entry));
        if entries.len() > EXPORT_CAP {
            entries.truncate(EXPORT_CAP);
            break true;
        }
        if !full {
            break false;
        }
    };
    let event = AuditEvent::new("audit.export", "audit_log", scope.slug())
        .summary(format!("Exported {} audit entries as {format}", entries.len()))
        .metadata(
            json!({ "format": format, "filters": filter.to_json(), "rows": entries.len(), "truncated": truncated }),
        );
    let mut tx = db.begin().await?;
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    Ok(Export { entries, truncated })
}
