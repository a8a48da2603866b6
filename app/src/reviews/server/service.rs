//! Evidence, reviews, packs and the Customer Review Workspace as members use them. Reads need
//! `evidence.view` / `reviews.view` (operators) or `customer_reviews.view` (customer-safe mode: published
//! reviews only, no operator data); starts need `reviews.manage` or `review_packs.manage` (and
//! `operations.start`); publishing `reviews.publish`; a pack with PII `review_packs.include_pii`;
//! acknowledging `customer_reviews.acknowledge`; downloading `review_packs.download`. A record of a
//! foreign or non-entitled tenant is `NotFound`; a missing capability `Forbidden`; a plan that does not
//! include an action `Conflict("entitlement_…")` — never confused with authorization. Every change (and
//! opening a review in customer mode, and every download) is audited in the transaction of the change.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::{entitlements, repo, storage::PackStore};
use crate::{
    audit::server::{record, AuditEvent},
    authz::{
        server::{TenantScope, WorkspaceScope},
        Capability,
    },
    db::Db,
    error::AppError,
    inventory::server::normalize::sha256_hex,
    keys::Keys,
    operations::{
        server::service::{self as runs, StartRun},
        RunType, Started,
    },
    paging::PageRequest,
    reviews::{
        ack_state, AckState, CardSummary, CustomerWorkspace, DownloadLink, PackDto, PackRequest, PackStatus, Queued,
        ReviewAction, ReviewDetail, ReviewDto, ReviewPermissions, ReviewStatus, SectionDto, SnapshotDetail,
        SnapshotDto, SnapshotStatus, WorkspaceCard, DOWNLOAD_LINK_SECS,
    },
};

/// Most records a list returns.
const LIST_LIMIT: i64 = 200;

async fn visible(db: &Db, scope: &WorkspaceScope) -> Result<Vec<crate::members::TenantRef>, AppError> {
    crate::members::server::service::visible_tenants(db, scope).await
}

/// Enters `tenant` (if given) so a hidden or foreign tenant filter is `NotFound`.
async fn tenant_filter(db: &Db, scope: &WorkspaceScope, tenant: Option<i64>, cap: Capability) -> Result<(), AppError> {
    if let Some(t) = tenant {
        scope.tenant(db, t, cap).await?;
    }
    Ok(())
}

// ---- evidence ----

pub async fn list_snapshots(
    db: &Db,
    scope: &WorkspaceScope,
    tenant: Option<i64>,
) -> Result<Vec<SnapshotDto>, AppError> {
    tenant_filter(db, scope, tenant, Capability::EvidenceView).await?;
    scope.require(Capability::EvidenceView)?;
    Ok(repo::select_snapshots(db, scope, tenant, LIST_LIMIT).await?.iter().map(repo::SnapshotRow::dto).collect())
}

pub async fn get_snapshot(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<SnapshotDetail, AppError> {
    let row = repo::select_snapshot(db, scope, id).await?.ok_or(AppError::NotFound)?;
    let tenant = scope.tenant(db, row.tenant_id, Capability::EvidenceView).await?;
    let dimensions = repo::select_items(db, &tenant, id).await?.iter().filter_map(repo::ItemRow::dto).collect();
    Ok(SnapshotDetail { snapshot: row.dto(), dimensions })
}

/// Starts an evidence snapshot run for `tenant_id`.
pub async fn generate_snapshot(db: &Db, scope: &WorkspaceScope, tenant_id: i64) -> Result<Started, AppError> {
    scope.tenant(db, tenant_id, Capability::EvidenceView).await?;
    runs::start(db, scope, StartRun::new(RunType::EvidenceGenerate, Some(tenant_id))).await
}

// ---- reviews ----

pub async fn list_reviews(db: &Db, scope: &WorkspaceScope, tenant: Option<i64>) -> Result<Vec<ReviewDto>, AppError> {
    tenant_filter(db, scope, tenant, Capability::ReviewsView).await?;
    scope.require(Capability::ReviewsView)?;
    Ok(repo::select_reviews(db, scope, tenant, &[], LIST_LIMIT).await?.iter().map(repo::ReviewRow::dto).collect())
}

/// A review of the workspace whose tenant the member sees, with the tenant scope.
async fn review_in(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<(repo::ReviewRow, TenantScope), AppError> {
    let row = repo::select_review(db, scope, id).await?.ok_or(AppError::NotFound)?;
    let tenant = scope.tenant(db, row.tenant_id, Capability::WorkspaceView).await?;
    Ok((row, tenant))
}

/// Creates a review of `tenant_id` from `snapshot_id` (or the tenant's active snapshot) and queues its
/// composition. An unpublished review from evidence with the same fingerprint is returned instead
/// (`reused`).
pub async fn create_review(
    db: &Db,
    scope: &WorkspaceScope,
    tenant_id: i64,
    snapshot_id: Option<i64>,
) -> Result<Queued, AppError> {
    let tenant = scope.tenant(db, tenant_id, Capability::ReviewsView).await?;
    scope.require(Capability::ReviewsManage)?;
    let snapshot = match snapshot_id {
        Some(id) => repo::select_snapshot(db, scope, id)
            .await?
            .filter(|s| s.tenant_id == tenant_id)
            .ok_or_else(|| AppError::validation("snapshot_id", "unknown_snapshot"))?,
        None => repo::select_active_snapshot(db, &tenant).await?.ok_or(AppError::Conflict("no_snapshot".into()))?,
    };
    if SnapshotStatus::parse(&snapshot.status) != Some(SnapshotStatus::Active) {
        return Err(AppError::Conflict("snapshot_not_active".into()));
    }
    let fingerprint = snapshot.fingerprint.clone().unwrap_or_default();
    let mut checked = runs::check_start(db, scope, StartRun::new(RunType::ReviewCompose, Some(tenant_id))).await?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if let Some(existing) = repo::select_open_review_with(&mut tx, &tenant, &fingerprint).await? {
        return Ok(Queued { id: existing.id, run_id: existing.run_id, reused: true });
    }
    let id = repo::insert_review(&mut tx, &tenant, snapshot.id, &fingerprint, Some(scope.actor_id()), now).await?;
    checked.set_identity(format!("review:{id}"), json!({ "review_id": id }));
    let run_id = checked.insert(&mut tx, scope).await?.ok_or(AppError::Conflict("operation_busy".into()))?;
    repo::set_review_run(&mut tx, &tenant, id, run_id).await?;
    let event = AuditEvent::new("tenant_review.create", "tenant_review", id)
        .tenant(tenant_id)
        .summary(format!("Created a review of {} from evidence snapshot {}", snapshot.tenant_name, snapshot.id))
        .metadata(json!({ "snapshot_id": snapshot.id, "fingerprint": fingerprint, "run_id": run_id }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    Ok(Queued { id, run_id: Some(run_id), reused: false })
}

/// Publishes a ready review: it becomes immutable, and the tenant's previously published review is
/// superseded by it in the same transaction.
pub async fn publish_review(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<ReviewDto, AppError> {
    let (_, tenant) = review_in(db, scope, id).await?;
    scope.require(Capability::ReviewsView)?;
    scope.require(Capability::ReviewsPublish)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let current = repo::lock_review(&mut tx, &tenant, id).await?.ok_or(AppError::NotFound)?;
    let next = current.status().apply(ReviewAction::Publish)?;
    let previous = repo::lock_published(&mut tx, &tenant).await?;
    if let Some(prev) = &previous {
        let superseded = prev.status().apply(ReviewAction::Supersede)?;
        let change = repo::ReviewChange { superseded_by: Some(id), ..Default::default() };
        repo::update_review(&mut tx, &tenant, prev.id, superseded, &change, now).await?;
    }
    let change = repo::ReviewChange { published: Some((scope.actor_id(), now)), ..Default::default() };
    repo::update_review(&mut tx, &tenant, id, next, &change, now).await?;
    let event = AuditEvent::new("tenant_review.publish", "tenant_review", id)
        .tenant(tenant.tenant_id())
        .summary(format!("Published the review of {}", current.tenant_name))
        .metadata(
            json!({ "superseded_review_id": previous.as_ref().map(|p| p.id), "fingerprint": current.fingerprint }),
        );
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    Ok(repo::select_review(db, scope, id).await?.ok_or(AppError::NotFound)?.dto())
}

pub async fn archive_review(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<ReviewDto, AppError> {
    let (_, tenant) = review_in(db, scope, id).await?;
    scope.require(Capability::ReviewsView)?;
    scope.require(Capability::ReviewsManage)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let current = repo::lock_review(&mut tx, &tenant, id).await?.ok_or(AppError::NotFound)?;
    let next = current.status().apply(ReviewAction::Archive)?;
    let change = repo::ReviewChange { archived_at: Some(now), ..Default::default() };
    repo::update_review(&mut tx, &tenant, id, next, &change, now).await?;
    let event = AuditEvent::new("tenant_review.archive", "tenant_review", id)
        .tenant(tenant.tenant_id())
        .summary(format!("Archived the review of {}", current.tenant_name))
        .metadata(json!({ "from": current.status().id() }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    Ok(repo::select_review(db, scope, id).await?.ok_or(AppError::NotFound)?.dto())
}

/// What a customer-safe reader may see of a section: no assignment names, no internal diagnostics.
fn customer_safe(mut s: SectionDto) -> SectionDto {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in ["owner", "assignee", "last_error_reason_code"] {
                    m.remove(k);
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut s.payload);
    s
}

/// The packs a reader may see: customer-safe readers and members without `review_packs.include_pii`
/// see only pseudonymized packs.
fn pack_visible(scope: &WorkspaceScope, customer_mode: bool, p: &repo::PackRow) -> bool {
    !p.include_pii || (!customer_mode && scope.can(Capability::ReviewPacksIncludePii))
}

/// The tenant's latest published review id and the acknowledgement state of it.
async fn ack_of(
    db: &Db,
    scope: &WorkspaceScope,
    tenant_id: i64,
) -> Result<(Option<i64>, AckState, Option<DateTime<Utc>>), AppError> {
    let latest = repo::select_reviews(db, scope, Some(tenant_id), &[ReviewStatus::Published], 1).await?;
    let latest = latest.first().map(|r| r.id);
    let acks: Vec<(i64, i64, DateTime<Utc>)> =
        repo::select_acks(db, scope).await?.into_iter().filter(|a| a.0 == tenant_id).collect();
    let acked_latest = acks.iter().find(|a| Some(a.1) == latest);
    let state = ack_state(latest, acked_latest.is_some(), !acks.is_empty());
    Ok((latest, state, acked_latest.map(|a| a.2)))
}

/// A review with sections, evidence basis and packs. Members with `reviews.view` get the operator view
/// unless they ask for `customer_mode`; members with only `customer_reviews.view` always get customer
/// mode, which shows only published reviews and records `tenant_review.open`.
pub async fn get_review(
    db: &Db,
    scope: &WorkspaceScope,
    id: i64,
    customer_mode: bool,
    entitled_packs: bool,
) -> Result<ReviewDetail, AppError> {
    let (row, tenant) = review_in(db, scope, id).await?;
    let operator = scope.can(Capability::ReviewsView);
    if !operator && !scope.can(Capability::CustomerReviewsView) {
        return Err(AppError::Forbidden);
    }
    let customer_mode = customer_mode || !operator;
    if customer_mode && !row.status().is_released() {
        return Err(AppError::NotFound);
    }
    let snapshot = repo::select_snapshot(db, scope, row.snapshot_id).await?.ok_or(AppError::NotFound)?;
    let items = repo::select_items(db, &tenant, row.snapshot_id).await?;
    let mut dimensions: Vec<_> = items.iter().filter_map(repo::ItemRow::dto).collect();
    let mut sections = repo::select_sections(db, &tenant, id).await?;
    if customer_mode {
        dimensions.iter_mut().for_each(|d| d.payload = Value::Null);
        sections = sections.into_iter().map(customer_safe).collect();
    }
    let packs: Vec<PackDto> = repo::select_packs_of(db, scope, &[id])
        .await?
        .iter()
        .filter(|p| pack_visible(scope, customer_mode, p))
        .filter(|p| !customer_mode || p.status() == PackStatus::Ready)
        .map(repo::PackRow::dto)
        .collect();
    let (latest, ack, acked_at) = ack_of(db, scope, row.tenant_id).await?;
    let ack = if latest == Some(id) { ack } else { AckState::NotAvailable };
    if customer_mode {
        let event = AuditEvent::new("tenant_review.open", "tenant_review", id)
            .tenant(row.tenant_id)
            .summary(format!("Opened the review of {} in the customer review workspace", row.tenant_name))
            .metadata(json!({ "customer_workspace": true }));
        let mut tx = db.begin().await?;
        record(&mut tx, scope, event).await?;
        tx.commit().await?;
    }
    let status = row.status();
    let can = ReviewPermissions {
        manage: !customer_mode && scope.can(Capability::ReviewsManage),
        publish: !customer_mode && scope.can(Capability::ReviewsPublish) && status == ReviewStatus::Ready,
        generate_pack: !customer_mode && scope.can(Capability::ReviewPacksManage) && status.is_released(),
        include_pii: !customer_mode && scope.can(Capability::ReviewPacksIncludePii),
        download: scope.can(Capability::ReviewPacksDownload),
        acknowledge: customer_mode && scope.can(Capability::CustomerReviewsAcknowledge) && latest == Some(id),
        pack_generation_entitled: entitled_packs,
    };
    Ok(ReviewDetail {
        review: row.dto(),
        sections,
        snapshot: snapshot.dto(),
        dimensions,
        packs,
        ack,
        acknowledged_at: if latest == Some(id) { acked_at.map(repo::time) } else { None },
        customer_mode,
        can,
    })
}

/// Acknowledges the tenant's latest published review (idempotent: a second acknowledgement changes
/// nothing and is not recorded again).
pub async fn acknowledge(db: &Db, scope: &WorkspaceScope, id: i64) -> Result<AckState, AppError> {
    let (row, tenant) = review_in(db, scope, id).await?;
    if !scope.can(Capability::CustomerReviewsView) {
        return Err(AppError::Forbidden);
    }
    if !row.status().is_released() {
        return Err(AppError::NotFound);
    }
    scope.require(Capability::CustomerReviewsAcknowledge)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    // The review must still be the tenant's published one (a newer publication supersedes it).
    let current = repo::lock_review(&mut tx, &tenant, id).await?.ok_or(AppError::NotFound)?;
    if current.status() != ReviewStatus::Published {
        return Err(AppError::Conflict("review_not_current".into()));
    }
    if repo::insert_ack(&mut tx, &tenant, id, scope.actor_id(), now).await? {
        let event = AuditEvent::new("tenant_review.acknowledge", "tenant_review", id)
            .tenant(row.tenant_id)
            .summary(format!("Acknowledged the review of {}", row.tenant_name))
            .metadata(json!({ "published_at": row.published_at.map(repo::time) }));
        record(&mut tx, scope, event).await?;
    }
    tx.commit().await?;
    Ok(AckState::Acknowledged)
}

// ---- packs ----

/// The inputs that make two packs the same.
pub fn pack_fingerprint(review_id: i64, review_fingerprint: &str, req: &PackRequest) -> String {
    sha256_hex(format!(
        "{}|review:{review_id}|{review_fingerprint}|{}|pii:{}",
        super::pack::FORMAT,
        req.language,
        req.include_pii
    ))
}

/// Requests a pack of a published review. The plan is checked before anything is written; identical
/// inputs return the live pack (`reused`).
pub async fn generate_pack(
    db: &Db,
    scope: &WorkspaceScope,
    review_id: i64,
    req: PackRequest,
) -> Result<Queued, AppError> {
    let (row, tenant) = review_in(db, scope, review_id).await?;
    scope.require(Capability::ReviewsView)?;
    scope.require(Capability::ReviewPacksManage)?;
    if req.include_pii {
        scope.require(Capability::ReviewPacksIncludePii)?;
    }
    if !row.status().is_released() {
        return Err(AppError::Conflict("review_not_published".into()));
    }
    entitlements::require_pack_generation(db, scope).await?;
    let fingerprint = pack_fingerprint(review_id, row.fingerprint.as_deref().unwrap_or_default(), &req);
    let mut checked =
        runs::check_start(db, scope, StartRun::new(RunType::ReviewPackGenerate, Some(row.tenant_id))).await?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if let Some(live) = repo::select_live_pack(&mut tx, &tenant, &fingerprint).await? {
        return Ok(Queued { id: live.id, run_id: live.run_id, reused: true });
    }
    let id = repo::insert_pack(
        &mut tx,
        &tenant,
        review_id,
        row.snapshot_id,
        Some(scope.actor_id()),
        &req.language,
        req.include_pii,
        &fingerprint,
        now,
    )
    .await?;
    checked.set_identity(format!("pack:{id}"), json!({ "pack_id": id }));
    let run_id = checked.insert(&mut tx, scope).await?.ok_or(AppError::Conflict("operation_busy".into()))?;
    repo::set_pack_run(&mut tx, &tenant, id, run_id).await?;
    let event = AuditEvent::new("review_pack.request", "review_pack", id)
        .tenant(row.tenant_id)
        .summary(format!(
            "Requested a review pack of {} ({}{})",
            row.tenant_name,
            req.language,
            if req.include_pii { ", with PII" } else { "" }
        ))
        .metadata(json!({ "review_id": review_id, "language": req.language, "include_pii": req.include_pii, "run_id": run_id }));
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    Ok(Queued { id, run_id: Some(run_id), reused: false })
}

/// One pack the reader may see (status polling after a request).
pub async fn get_pack(db: &Db, scope: &WorkspaceScope, pack_id: i64) -> Result<PackDto, AppError> {
    let pack = repo::select_pack(db, scope, pack_id).await?.ok_or(AppError::NotFound)?;
    scope.tenant(db, pack.tenant_id, Capability::WorkspaceView).await?;
    let customer_mode = !scope.can(Capability::ReviewsView);
    if customer_mode {
        let review = repo::select_review(db, scope, pack.review_id).await?.ok_or(AppError::NotFound)?;
        if !review.status().is_released() || pack.status() != PackStatus::Ready {
            return Err(AppError::NotFound);
        }
    }
    scope.require(Capability::ReviewPacksDownload)?;
    if !pack_visible(scope, customer_mode, &pack) {
        return Err(AppError::Forbidden);
    }
    Ok(pack.dto())
}

/// The message a download link signs: the pack, the user it was issued to, its expiry.
fn link_message(pack_id: i64, user_id: i64, expires: i64) -> String {
    format!("tenantpilot.pack-download:{pack_id}:{user_id}:{expires}")
}

/// A pack of the workspace the reader may download, with its tenant scope.
async fn downloadable(
    db: &Db,
    scope: &WorkspaceScope,
    pack_id: i64,
    now: DateTime<Utc>,
) -> Result<(repo::PackRow, TenantScope), AppError> {
    let pack = repo::select_pack(db, scope, pack_id).await?.ok_or(AppError::NotFound)?;
    let tenant = scope.tenant(db, pack.tenant_id, Capability::WorkspaceView).await?;
    let customer_mode = !scope.can(Capability::ReviewsView);
    if customer_mode {
        // Customers only reach packs of published reviews.
        let review = repo::select_review(db, scope, pack.review_id).await?.ok_or(AppError::NotFound)?;
        if !review.status().is_released() {
            return Err(AppError::NotFound);
        }
    }
    scope.require(Capability::ReviewPacksDownload)?;
    if !pack_visible(scope, customer_mode, &pack) {
        return Err(AppError::Forbidden);
    }
    if !pack.downloadable(now) {
        return Err(AppError::NotFound);
    }
    Ok((pack, tenant))
}

/// A signed link to download a pack, valid for [`DOWNLOAD_LINK_SECS`] and only for the caller.
pub async fn download_link(
    db: &Db,
    keys: &Keys,
    scope: &WorkspaceScope,
    pack_id: i64,
) -> Result<DownloadLink, AppError> {
    let now = Utc::now();
    downloadable(db, scope, pack_id, now).await?;
    let expires = (now + Duration::seconds(DOWNLOAD_LINK_SECS)).timestamp();
    let signature = keys.download_mac(&link_message(pack_id, scope.actor_id(), expires));
    Ok(DownloadLink {
        url: format!("/admin/review-packs/{pack_id}/download?expires={expires}&signature={signature}"),
        expires_at: repo::time(DateTime::from_timestamp(expires, 0).unwrap_or(now)),
    })
}

/// Whether a link's signature is valid for this user and not expired (checked before anything else).
pub fn link_valid(keys: &Keys, pack_id: i64, user_id: i64, expires: i64, signature: &str, now: DateTime<Utc>) -> bool {
    expires > now.timestamp()
        && expires <= now.timestamp() + DOWNLOAD_LINK_SECS + 5
        && keys.download_mac_ok(&link_message(pack_id, user_id, expires), signature)
}

/// A downloaded pack.
pub struct Download {
    pub bytes: Vec<u8>,
    pub file_name: String,
    pub sha256: String,
}

/// Serves a pack after the link was checked: re-checks the reader's access, reads the store and records
/// `review_pack.download`.
pub async fn download(
    db: &Db,
    store: &dyn PackStore,
    scope: &WorkspaceScope,
    pack_id: i64,
) -> Result<Download, AppError> {
    let now = Utc::now();
    let (pack, tenant) = downloadable(db, scope, pack_id, now).await?;
    let key = pack.file_key.clone().ok_or(AppError::NotFound)?;
    let bytes = store.get(&key).await?.ok_or(AppError::NotFound)?;
    let sha256 = pack.sha256.clone().unwrap_or_default();
    let external = crate::tenants::server::repo::select_tenant(db, &tenant).await?.entra_tenant_id;
    let file_name = format!("review-pack-{}-{}.zip", external, pack.created_at.format("%Y-%m-%d"));
    let event = AuditEvent::new("review_pack.download", "review_pack", pack_id)
        .tenant(pack.tenant_id)
        .summary(format!("Downloaded review pack {pack_id}"))
        .metadata(json!({ "review_id": pack.review_id, "sha256": sha256, "include_pii": pack.include_pii, "bytes": bytes.len() }));
    let mut tx = db.begin().await?;
    record(&mut tx, scope, event).await?;
    tx.commit().await?;
    Ok(Download { bytes, file_name, sha256 })
}

// ---- the Customer Review Workspace ----

/// One page of environment cards: the latest published review of every entitled tenant (or of `tenant`).
/// Reads stay proportional to the page: the tenants the member sees, then the published reviews (with
/// their precomputed cards), snapshots and packs of the page's tenants only.
pub async fn customer_workspace(
    db: &Db,
    scope: &WorkspaceScope,
    tenant: Option<i64>,
    page: PageRequest,
) -> Result<CustomerWorkspace, AppError> {
    tenant_filter(db, scope, tenant, Capability::CustomerReviewsView).await?;
    scope.require(Capability::CustomerReviewsView)?;
    let tenants: Vec<_> = visible(db, scope).await?.into_iter().filter(|t| !t.archived).collect();
    if tenants.is_empty() && scope.tenant_filter().is_some() {
        // A narrowed member without an entitled tenant has no workspace to see.
        return Err(AppError::NotFound);
    }
    let matching: Vec<_> = tenants.iter().filter(|t| tenant.is_none_or(|f| f == t.id)).collect();
    let total = matching.len() as u64;
    let shown: Vec<_> =
        matching.iter().skip(page.offset() as usize).take(page.limit() as usize).map(|t| (*t).clone()).collect();
    let ids: Vec<i64> = shown.iter().map(|t| t.id).collect();
    let published = repo::select_published_of(db, scope, &ids).await?;
    let by_tenant: HashMap<i64, &repo::ReviewRow> = published.iter().map(|r| (r.tenant_id, r)).collect();
    let review_ids: Vec<i64> = published.iter().map(|r| r.id).collect();
    let snapshots =
        repo::select_snapshot_states(db, scope, &published.iter().map(|r| r.snapshot_id).collect::<Vec<_>>()).await?;
    let packs = repo::select_packs_of(db, scope, &review_ids).await?;
    let acks = repo::select_acks(db, scope).await?;
    let now = Utc::now();
    let mut acked_tenants: HashSet<i64> = HashSet::new();
    let mut acked: HashMap<i64, DateTime<Utc>> = HashMap::new();
    for (t, r, at) in &acks {
        acked_tenants.insert(*t);
        acked.insert(*r, *at);
    }
    let cards = shown
        .iter()
        .map(|t| {
            let review = by_tenant.get(&t.id).copied();
            let card: CardSummary =
                review.and_then(|r| r.card.as_deref()).and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
            let review_packs: Vec<&repo::PackRow> = review
                .map(|r| packs.iter().filter(|p| p.review_id == r.id && !p.include_pii).collect())
                .unwrap_or_default();
            let ready = review_packs.iter().find(|p| p.downloadable(now)).copied();
            let pack_state = match (review, ready) {
                (None, _) => "not_available",
                (_, Some(_)) => "ready",
                _ if review_packs.iter().any(|p| matches!(p.status(), PackStatus::Queued | PackStatus::Generating)) => {
                    "preparing"
                }
                _ if review_packs.iter().any(|p| p.status() == PackStatus::Expired || p.expires_at <= now) => "expired",
                _ => "not_available",
            };
            let latest = review.map(|r| r.id);
            let acked_latest = latest.and_then(|id| acked.get(&id).copied());
            let snapshot = review.and_then(|r| snapshots.get(&r.snapshot_id));
            WorkspaceCard {
                tenant_id: t.id,
                tenant_name: t.name.clone(),
                review: review.map(repo::ReviewRow::dto),
                evidence_completeness: snapshot.map(|s| s.0),
                evidence_generated_at: snapshot.map(|s| s.1.clone()),
                snapshot_id: review.map(|r| r.snapshot_id),
                open_by_severity: card.open_by_severity,
                key_findings: card.key_findings,
                risks: card.risks,
                pack: ready.map(repo::PackRow::dto),
                pack_state: pack_state.into(),
                ack: ack_state(latest, acked_latest.is_some(), acked_tenants.contains(&t.id)),
                acknowledged_at: acked_latest.map(repo::time),
            }
        })
        .collect();
    Ok(CustomerWorkspace {
        cards,
        page: page.page,
        per_page: page.per_page,
        total,
        environments: tenants.iter().map(|t| (t.id, t.name.clone())).collect(),
        selected: tenant,
        can_acknowledge: scope.can(Capability::CustomerReviewsAcknowledge),
        can_download: scope.can(Capability::ReviewPacksDownload),
    })
}

// ---- the verify page ----

/// The MAC of a verify result `r` (base64url JSON of a [`VerifyView`]), with a label of its own.
pub fn verify_result_mac(keys: &Keys, r: &str) -> String {
    keys.download_mac(&format!("tenantpilot.pack-verify:{r}"))
}

/// A verify result the server signed; a result that was edited or made up is `Forbidden`.
pub fn read_verify_result(keys: &Keys, r: &str, m: &str) -> Result<crate::reviews::VerifyView, AppError> {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    if !keys.download_mac_ok(&format!("tenantpilot.pack-verify:{r}"), m) {
        return Err(AppError::Forbidden);
    }
    let bytes = URL_SAFE_NO_PAD.decode(r).map_err(|_| AppError::BadRequest)?;
    serde_json::from_slice(&bytes).map_err(|_| AppError::BadRequest)
}
