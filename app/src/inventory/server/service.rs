//! What members do with the inventory: list a tenant's policies (type, platform, visibility, search), open
//! one with its version history, read a version, compare two versions setting by setting, ignore or
//! un-ignore a policy locally (audited), see the tenant's inventory overview (counts and data freshness per
//! type) and start a sync. Every function enters through the tenant scope: a foreign or non-entitled
//! tenant is `NotFound` before anything else; a missing capability is `Forbidden`.

use serde_json::{json, Value};

use super::{diff::diff, repo};
use crate::{
    audit::server::{record, AuditEvent},
    authz::{server::TenantScope, Capability},
    db::Db,
    error::AppError,
    inventory::{
        settings::settings_of, CoverageDto, InventoryOverview, PolicyDetail, PolicyDto, PolicyQuery,
        PolicyVersionDetail, VersionDiff,
    },
    operations::{
        server::service::{self as runs, StartRun},
        RunType, Started,
    },
    paging::Page,
    provider::contracts::CONTRACTS,
};

pub async fn list(db: &Db, scope: &TenantScope, q: &PolicyQuery) -> Result<Page<PolicyDto>, AppError> {
    scope.workspace().require(Capability::PoliciesView)?;
    repo::select_policy_page(db, scope, q).await
}

async fn policy(db: &Db, scope: &TenantScope, id: i64) -> Result<repo::PolicyRow, AppError> {
    repo::select_policy(db, scope, id).await?.ok_or(AppError::NotFound)
}

pub async fn get(db: &Db, scope: &TenantScope, id: i64) -> Result<PolicyDetail, AppError> {
    scope.workspace().require(Capability::PoliciesView)?;
    let p = policy(db, scope, id).await?;
    let versions = repo::select_versions(db, scope, p.id).await?.iter().map(repo::VersionRow::dto).collect();
    Ok(PolicyDetail { policy: p.into(), versions })
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// The JSON pointers whose values were redacted (from the stored fingerprints, never the fingerprints).
fn protected_pointers(fingerprints: &str) -> Vec<String> {
    parse(fingerprints)
        .get("snapshot")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn fingerprints(text: &str) -> std::collections::BTreeMap<String, String> {
    parse(text).get("snapshot").cloned().and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default()
}

async fn version_row(
    db: &Db,
    scope: &TenantScope,
    policy_id: i64,
    version_id: i64,
) -> Result<repo::VersionRow, AppError> {
    let p = policy(db, scope, policy_id).await?;
    repo::select_version(db, scope, p.id, version_id).await?.ok_or(AppError::NotFound)
}

pub async fn version(
    db: &Db,
    scope: &TenantScope,
    policy_id: i64,
    version_id: i64,
) -> Result<PolicyVersionDetail, AppError> {
    scope.workspace().require(Capability::PoliciesView)?;
    let p = policy(db, scope, policy_id).await?;
    let v = repo::select_version(db, scope, p.id, version_id).await?.ok_or(AppError::NotFound)?;
    let snapshot = parse(&v.snapshot);
    let protected_pointers = protected_pointers(&v.secret_fingerprints);
    let settings = settings_of(&p.policy_type, &snapshot, &protected_pointers);
    Ok(PolicyVersionDetail {
        version: v.dto(),
        snapshot,
        assignments: parse(&v.assignments),
        scope_tags: parse(&v.scope_tags),
        protected_pointers,
        settings,
    })
}

/// Setting-level changes from version `from` to version `to` (any two versions of the policy). Assignments
/// and scope tags are compared under `/assignments` and `/roleScopeTagIds`.
pub async fn compare(
    db: &Db,
    scope: &TenantScope,
    policy_id: i64,
    from: i64,
    to: i64,
) -> Result<VersionDiff, AppError> {
    scope.workspace().require(Capability::PoliciesView)?;
    let a = version_row(db, scope, policy_id, from).await?;
    let b = version_row(db, scope, policy_id, to).await?;
    let whole = |v: &repo::VersionRow| {
        let mut snap = parse(&v.snapshot);
        if let Some(o) = snap.as_object_mut() {
            o.insert("assignments".into(), parse(&v.assignments));
            o.insert("roleScopeTagIds".into(), parse(&v.scope_tags));
        }
        snap
    };
    let changes =
        diff(&whole(&a), &whole(&b), &fingerprints(&a.secret_fingerprints), &fingerprints(&b.secret_fingerprints));
    Ok(VersionDiff { from: a.dto(), to: b.dto(), changes })
}

/// Ignores (or un-ignores) a policy locally. Sync never clears the mark. Audited as `policy.ignore` /
/// `policy.unignore`.
pub async fn set_ignored(db: &Db, scope: &TenantScope, id: i64, ignored: bool) -> Result<(), AppError> {
    scope.workspace().require(Capability::PoliciesIgnore)?;
    let p = policy(db, scope, id).await?;
    let mut tx = db.begin().await?;
    repo::set_ignored(&mut tx, scope, id, ignored).await?;
    let (action, verb) = if ignored { ("policy.ignore", "Ignored") } else { ("policy.unignore", "Stopped ignoring") };
    let event = AuditEvent::new(action, "policy", id)
        .tenant(scope.tenant_id())
        .summary(format!("{verb} policy {}", p.display_name))
        .metadata(json!({ "policy_type": p.policy_type }));
    record(&mut tx, scope.workspace(), event).await?;
    tx.commit().await
}

/// Counts and data freshness per supported type (types never synced show `never`).
pub async fn overview(db: &Db, scope: &TenantScope) -> Result<InventoryOverview, AppError> {
    scope.workspace().require(Capability::InventoryView)?;
    let (policies, ignored, provider_missing, versions) = repo::select_counts(db, scope).await?;
    let mut stored = repo::select_coverage(db, scope).await?;
    let coverage = CONTRACTS
        .iter()
        .map(|c| {
            stored.remove(c.key).unwrap_or(CoverageDto {
                policy_type: c.key.to_string(),
                status: "never".into(),
                item_count: 0,
                reason_code: None,
                synced_at: None,
                attempted_at: None,
            })
        })
        .collect();
    Ok(InventoryOverview {
        policies,
        ignored,
        provider_missing,
        versions,
        coverage,
        last_sync_run_id: repo::select_last_sync(db, scope).await?,
    })
}

/// Starts (or returns the active) inventory sync of the tenant (`inventory.sync`; starting a run also
/// needs `operations.start`, which the run service checks).
pub async fn start_sync(db: &Db, scope: &TenantScope) -> Result<Started, AppError> {
    scope.workspace().require(Capability::InventorySync)?;
    runs::start(db, scope.workspace(), StartRun::new(RunType::InventorySync, Some(scope.tenant_id()))).await
}
