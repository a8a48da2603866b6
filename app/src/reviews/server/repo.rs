//! SQL over evidence snapshots and their items, tenant reviews and their sections, review packs,
//! acknowledgements and workspace entitlements. Everything is tenant- or workspace-owned: reads and
//! writes bind a checked scope ([`TenantBound`] for one tenant's rows, [`WorkspaceBound`] or the member's
//! [`WorkspaceScope`] with its tenant narrowing for lists). The system's retention sweeps are the only
//! statements without a scope (they change no content, only expire it).

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::{
    authz::server::{PlatformScope, TenantBound, WorkspaceBound, WorkspaceScope},
    db::{internal, on_constraint, Db, Ex, Filter, Tx},
    db_run,
    error::AppError,
    reviews::{
        Completeness, Dimension, DimensionDto, PackDto, PackStatus, ReviewDto, ReviewStatus, SectionDto, SectionKey,
        SnapshotDto, SnapshotStatus,
    },
};

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn completeness(s: &str) -> Completeness {
    Completeness::parse(s).unwrap_or(Completeness::Missing)
}

// ---- evidence snapshots ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SnapshotRow {
    pub id: i64,
    pub workspace_id: i64,
    pub tenant_id: i64,
    pub tenant_name: String,
    pub run_id: Option<i64>,
    pub status: String,
    pub completeness: Option<String>,
    pub fingerprint: Option<String>,
    pub previous_fingerprint: Option<String>,
    pub summary: String,
    pub created_at: DateTime<Utc>,
    pub generated_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl SnapshotRow {
    pub fn completeness(&self) -> Completeness {
        completeness(self.completeness.as_deref().unwrap_or("missing"))
    }

    pub fn dto(&self) -> SnapshotDto {
        let summary: serde_json::Value = serde_json::from_str(&self.summary).unwrap_or_default();
        let list = |k: &str| -> Vec<String> {
            summary[k]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
                .unwrap_or_default()
        };
        SnapshotDto {
            id: self.id,
            tenant_id: self.tenant_id,
            tenant_name: self.tenant_name.clone(),
            status: SnapshotStatus::parse(&self.status).unwrap_or(SnapshotStatus::Expired),
            completeness: self.completeness(),
            fingerprint: self.fingerprint.clone().unwrap_or_default(),
            previous_fingerprint: self.previous_fingerprint.clone(),
            run_id: self.run_id,
            generated_at: time(self.generated_at.unwrap_or(self.created_at)),
            expires_at: time(self.expires_at.unwrap_or(self.created_at)),
            missing_dimensions: list("missing_dimensions"),
            stale_dimensions: list("stale_dimensions"),
            finding_count: summary["finding_count"].as_i64().unwrap_or(0),
            accepted_risk_count: summary["accepted_risk_count"].as_i64().unwrap_or(0),
        }
    }
}

const SNAPSHOT_SELECT: &str =
    "SELECT s.id, s.workspace_id, s.tenant_id, t.display_name AS tenant_name, s.run_id, s.status, \
     s.completeness, s.fingerprint, s.previous_fingerprint, s.summary, s.created_at, s.generated_at, s.expires_at \
     FROM evidence_snapshots s JOIN tenants t ON t.id = s.tenant_id";

/// The tenant's active snapshot.
pub async fn select_active_snapshot<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl TenantBound,
) -> Result<Option<SnapshotRow>, AppError> {
    let sql = format!("{SNAPSHOT_SELECT} WHERE s.workspace_id = $1 AND s.tenant_id = $2 AND s.status = 'active'");
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query_as::<_, SnapshotRow>(&sql).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id())
        .fetch_optional(p).await)
    .map_err(internal)
}

/// A snapshot of the workspace (the caller enters its tenant before showing it).
pub async fn select_snapshot<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl WorkspaceBound,
    id: i64,
) -> Result<Option<SnapshotRow>, AppError> {
    let sql = format!("{SNAPSHOT_SELECT} WHERE s.workspace_id = $1 AND s.id = $2");
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query_as::<_, SnapshotRow>(&sql).bind(scope.bound_workspace()).bind(id).fetch_optional(p).await)
        .map_err(internal)
}

/// The snapshots the member may see (newest first), optionally of one tenant; at most `limit`.
pub async fn select_snapshots(
    db: &Db,
    scope: &WorkspaceScope,
    tenant: Option<i64>,
    limit: i64,
) -> Result<Vec<SnapshotRow>, AppError> {
    let mut f = Filter::new().eq("s.workspace_id", scope.workspace_id()).visible("s.tenant_id", scope.tenant_filter());
    if let Some(t) = tenant {
        f = f.eq("s.tenant_id", t);
    }
    if f.matches_nothing() {
        return Ok(Vec::new());
    }
    let sql = format!("{SNAPSHOT_SELECT}{} ORDER BY s.id DESC LIMIT {limit}", f.sql());
    db_run!(db, p => f.bind(sqlx::query_as::<_, SnapshotRow>(&sql)).fetch_all(p).await).map_err(internal)
}

/// A measured dimension, as the generation run writes it.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub dimension: Dimension,
    pub state: Completeness,
    pub source_fingerprint: String,
    pub freshness_at: Option<DateTime<Utc>>,
    pub payload: String,
}

/// Writes a new active snapshot with its items, superseding the tenant's previous active one.
#[allow(clippy::too_many_arguments)]
pub async fn insert_snapshot(
    tx: &mut Tx,
    scope: &impl TenantBound,
    run_id: Option<i64>,
    user_id: Option<i64>,
    overall: Completeness,
    fingerprint: &str,
    previous: Option<&str>,
    summary: &serde_json::Value,
    items: &[NewItem],
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let (ws, tenant) = (scope.bound_workspace_id(), scope.bound_tenant_id());
    db_run!(&mut *tx, p => sqlx::query(
        "UPDATE evidence_snapshots SET status = 'superseded' WHERE workspace_id = $1 AND tenant_id = $2 AND status = 'active'")
        .bind(ws).bind(tenant).execute(p).await.map(|_| ()))
    .map_err(internal)?;
    let expires = now + Duration::days(crate::reviews::SNAPSHOT_RETENTION_DAYS);
    let id = db_run!(&mut *tx, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO evidence_snapshots (workspace_id, tenant_id, run_id, created_by_user_id, status, completeness, \
         fingerprint, previous_fingerprint, summary, created_at, generated_at, expires_at) \
         VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8, $9, $9, $10) RETURNING id")
        .bind(ws).bind(tenant).bind(run_id).bind(user_id).bind(overall.id()).bind(fingerprint).bind(previous)
        .bind(summary.to_string()).bind(now).bind(expires).fetch_one(p).await)
    .map_err(|e| on_constraint(e, "evidence_snapshots_active_key", "snapshot_busy"))?;
    // Six rows at most: one statement each.
    for item in items {
        db_run!(&mut *tx, p => sqlx::query(
            "INSERT INTO evidence_snapshot_items (snapshot_id, dimension_key, state, required, sort_order, \
             source_fingerprint, measured_at, freshness_at, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(id).bind(item.dimension.id()).bind(item.state.id()).bind(item.dimension.required())
            .bind(item.dimension.order()).bind(&item.source_fingerprint).bind(now).bind(item.freshness_at)
            .bind(&item.payload).execute(p).await.map(|_| ()))
        .map_err(internal)?;
    }
    Ok(id)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub dimension_key: String,
    pub state: String,
    pub required: bool,
    pub source_fingerprint: String,
    pub measured_at: DateTime<Utc>,
    pub freshness_at: Option<DateTime<Utc>>,
    pub payload: String,
}

impl ItemRow {
    pub fn dimension(&self) -> Option<Dimension> {
        Dimension::parse(&self.dimension_key)
    }

    pub fn payload(&self) -> serde_json::Value {
        serde_json::from_str(&self.payload).unwrap_or_default()
    }

    pub fn dto(&self) -> Option<DimensionDto> {
        Some(DimensionDto {
            key: self.dimension()?,
            state: completeness(&self.state),
            required: self.required,
            measured_at: time(self.measured_at),
            freshness_at: self.freshness_at.map(time),
            source_fingerprint: self.source_fingerprint.clone(),
            payload: self.payload(),
        })
    }
}

/// The items of a snapshot of the scope's workspace, in dimension order.
pub async fn select_items<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl WorkspaceBound,
    snapshot_id: i64,
) -> Result<Vec<ItemRow>, AppError> {
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query_as::<_, ItemRow>(
        "SELECT i.dimension_key, i.state, i.required, i.source_fingerprint, i.measured_at, i.freshness_at, i.payload \
         FROM evidence_snapshot_items i JOIN evidence_snapshots s ON s.id = i.snapshot_id \
         WHERE s.workspace_id = $1 AND i.snapshot_id = $2 ORDER BY i.sort_order")
        .bind(scope.bound_workspace()).bind(snapshot_id).fetch_all(p).await)
    .map_err(internal)
}

// ---- reviews ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReviewRow {
    pub id: i64,
    pub workspace_id: i64,
    pub tenant_id: i64,
    pub tenant_name: String,
    pub snapshot_id: i64,
    pub run_id: Option<i64>,
    pub status: String,
    pub completeness: Option<String>,
    pub fingerprint: Option<String>,
    pub blockers: String,
    pub published_by: Option<String>,
    pub superseded_by_review_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub composed_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub card: Option<String>,
}

impl ReviewRow {
    pub fn status(&self) -> ReviewStatus {
        ReviewStatus::parse(&self.status).unwrap_or(ReviewStatus::Failed)
    }

    pub fn dto(&self) -> ReviewDto {
        ReviewDto {
            id: self.id,
            tenant_id: self.tenant_id,
            tenant_name: self.tenant_name.clone(),
            snapshot_id: self.snapshot_id,
            status: self.status(),
            completeness: self.completeness.as_deref().map(completeness),
            fingerprint: self.fingerprint.clone(),
            blockers: serde_json::from_str(&self.blockers).unwrap_or_default(),
            run_id: self.run_id,
            created_at: time(self.created_at),
            composed_at: self.composed_at.map(time),
            published_at: self.published_at.map(time),
            published_by: self.published_by.clone(),
            archived_at: self.archived_at.map(time),
            superseded_by_review_id: self.superseded_by_review_id,
        }
    }
}

const REVIEW_SELECT: &str = "SELECT r.id, r.workspace_id, r.tenant_id, t.display_name AS tenant_name, r.snapshot_id, \
     r.run_id, r.status, r.completeness, r.fingerprint, r.blockers, pu.display_name AS published_by, \
     r.superseded_by_review_id, r.created_at, r.composed_at, r.published_at, r.archived_at, r.card \
     FROM tenant_reviews r JOIN tenants t ON t.id = r.tenant_id LEFT JOIN users pu ON pu.id = r.published_by_user_id";

/// A review of the scope's workspace (callers enter its tenant before showing it).
pub async fn select_review<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl WorkspaceBound,
    id: i64,
) -> Result<Option<ReviewRow>, AppError> {
    let sql = format!("{REVIEW_SELECT} WHERE r.workspace_id = $1 AND r.id = $2");
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query_as::<_, ReviewRow>(&sql).bind(scope.bound_workspace()).bind(id).fetch_optional(p).await)
        .map_err(internal)
}

/// Locks a review of the tenant for a status change (PostgreSQL `FOR UPDATE`; SQLite's transaction is
/// already exclusive).
pub async fn lock_review(tx: &mut Tx, scope: &impl TenantBound, id: i64) -> Result<Option<ReviewRow>, AppError> {
    let lock = if matches!(tx, Tx::Postgres(_)) { " FOR UPDATE OF r" } else { "" };
    let sql = format!("{REVIEW_SELECT} WHERE r.workspace_id = $1 AND r.tenant_id = $2 AND r.id = $3{lock}");
    db_run!(tx, p => sqlx::query_as::<_, ReviewRow>(&sql).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id())
        .bind(id).fetch_optional(p).await)
    .map_err(internal)
}

/// Reviews the member may see, newest first: optionally of one tenant, optionally only published ones.
pub async fn select_reviews(
    db: &Db,
    scope: &WorkspaceScope,
    tenant: Option<i64>,
    statuses: &[ReviewStatus],
    limit: i64,
) -> Result<Vec<ReviewRow>, AppError> {
    let mut f = Filter::new().eq("r.workspace_id", scope.workspace_id()).visible("r.tenant_id", scope.tenant_filter());
    if let Some(t) = tenant {
        f = f.eq("r.tenant_id", t);
    }
    if !statuses.is_empty() {
        let list: Vec<String> = statuses.iter().map(|s| format!("'{}'", s.id())).collect();
        f = f.raw(&format!("r.status IN ({})", list.join(", ")), vec![]);
    }
    if f.matches_nothing() {
        return Ok(Vec::new());
    }
    let sql = format!("{REVIEW_SELECT}{} ORDER BY r.id DESC LIMIT {limit}", f.sql());
    db_run!(db, p => f.bind(sqlx::query_as::<_, ReviewRow>(&sql)).fetch_all(p).await).map_err(internal)
}

/// The published reviews of the given tenants of the workspace (one per tenant at most).
pub async fn select_published_of(
    db: &Db,
    scope: &WorkspaceScope,
    tenant_ids: &[i64],
) -> Result<Vec<ReviewRow>, AppError> {
    if tenant_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = tenant_ids.iter().map(i64::to_string).collect();
    let sql = format!(
        "{REVIEW_SELECT} WHERE r.workspace_id = $1 AND r.status = 'published' AND r.tenant_id IN ({})",
        ids.join(", ")
    );
    db_run!(db, p => sqlx::query_as::<_, ReviewRow>(&sql).bind(scope.workspace_id()).fetch_all(p).await)
        .map_err(internal)
}

/// The tenant's unpublished review composed (or composing) from a snapshot with this fingerprint.
pub async fn select_open_review_with(
    tx: &mut Tx,
    scope: &impl TenantBound,
    fingerprint: &str,
) -> Result<Option<ReviewRow>, AppError> {
    let sql = format!(
        "{REVIEW_SELECT} WHERE r.workspace_id = $1 AND r.tenant_id = $2 AND r.fingerprint = $3 \
         AND r.status IN ('composing', 'draft', 'ready') ORDER BY r.id DESC LIMIT 1"
    );
    db_run!(tx, p => sqlx::query_as::<_, ReviewRow>(&sql).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id())
        .bind(fingerprint).fetch_optional(p).await)
    .map_err(internal)
}

pub async fn insert_review(
    tx: &mut Tx,
    scope: &impl TenantBound,
    snapshot_id: i64,
    fingerprint: &str,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    db_run!(tx, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO tenant_reviews (workspace_id, tenant_id, snapshot_id, status, fingerprint, created_by_user_id, \
         created_at, updated_at) VALUES ($1, $2, $3, 'composing', $4, $5, $6, $6) RETURNING id")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(snapshot_id).bind(fingerprint)
        .bind(user_id).bind(now).fetch_one(p).await)
    .map_err(internal)
}

pub async fn set_review_run(tx: &mut Tx, scope: &impl TenantBound, id: i64, run_id: i64) -> Result<(), AppError> {
    db_run!(tx, p => sqlx::query("UPDATE tenant_reviews SET run_id = $1 WHERE workspace_id = $2 AND tenant_id = $3 AND id = $4")
        .bind(run_id).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).execute(p).await.map(|_| ()))
    .map_err(internal)?;
    Ok(())
}

/// Writes a review's status change (and what goes with it): the one statement that moves a review.
#[derive(Debug, Clone, Default)]
pub struct ReviewChange {
    pub completeness: Option<Completeness>,
    pub blockers: Option<Vec<String>>,
    pub composed_at: Option<DateTime<Utc>>,
    pub published: Option<(i64, DateTime<Utc>)>,
    pub superseded_by: Option<i64>,
    pub archived_at: Option<DateTime<Utc>>,
    /// The workspace card (JSON of `reviews::CardSummary`), written once by the compose run.
    pub card: Option<String>,
}

pub async fn update_review(
    tx: &mut Tx,
    scope: &impl TenantBound,
    id: i64,
    status: ReviewStatus,
    change: &ReviewChange,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let blockers = change.blockers.as_ref().map(|b| serde_json::to_string(b).unwrap_or_else(|_| "[]".into()));
    db_run!(tx, p => sqlx::query(
        "UPDATE tenant_reviews SET status = $1, completeness = COALESCE($2, completeness), blockers = COALESCE($3, blockers), \
         composed_at = COALESCE($4, composed_at), published_by_user_id = COALESCE($5, published_by_user_id), \
         published_at = COALESCE($6, published_at), superseded_by_review_id = COALESCE($7, superseded_by_review_id), \
         archived_at = COALESCE($8, archived_at), card = COALESCE($13, card), updated_at = $9 \
         WHERE workspace_id = $10 AND tenant_id = $11 AND id = $12")
        .bind(status.id()).bind(change.completeness.map(|c| c.id())).bind(blockers).bind(change.composed_at)
        .bind(change.published.map(|p| p.0)).bind(change.published.map(|p| p.1)).bind(change.superseded_by)
        .bind(change.archived_at).bind(now).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id)
        .bind(change.card.as_deref()).execute(p).await.map(|_| ()))
    .map_err(|e| on_constraint(e, "tenant_reviews_published_key", "review_state"))?;
    Ok(())
}

/// The tenant's published review, locked (publishing supersedes it).
pub async fn lock_published(tx: &mut Tx, scope: &impl TenantBound) -> Result<Option<ReviewRow>, AppError> {
    let lock = if matches!(tx, Tx::Postgres(_)) { " FOR UPDATE OF r" } else { "" };
    let sql =
        format!("{REVIEW_SELECT} WHERE r.workspace_id = $1 AND r.tenant_id = $2 AND r.status = 'published'{lock}");
    db_run!(tx, p => sqlx::query_as::<_, ReviewRow>(&sql).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id())
        .fetch_optional(p).await)
    .map_err(internal)
}

pub async fn insert_sections(tx: &mut Tx, review_id: i64, sections: &[SectionDto]) -> Result<(), AppError> {
    for sec in sections {
        db_run!(&mut *tx, p => sqlx::query(
            "INSERT INTO tenant_review_sections (review_id, section_key, sort_order, state, payload) \
             VALUES ($1, $2, $3, $4, $5)")
            .bind(review_id).bind(sec.key.id()).bind(sec.order).bind(sec.state.id()).bind(sec.payload.to_string())
            .execute(p).await.map(|_| ()))
        .map_err(internal)?;
    }
    Ok(())
}

pub async fn select_sections<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl WorkspaceBound,
    review_id: i64,
) -> Result<Vec<SectionDto>, AppError> {
    let x: Ex<'e> = ex.into();
    let rows = db_run!(x, p => sqlx::query_as::<_, (String, i64, String, String)>(
        "SELECT s.section_key, s.sort_order, s.state, s.payload FROM tenant_review_sections s \
         JOIN tenant_reviews r ON r.id = s.review_id WHERE r.workspace_id = $1 AND s.review_id = $2 ORDER BY s.sort_order")
        .bind(scope.bound_workspace()).bind(review_id).fetch_all(p).await)
    .map_err(internal)?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, order, state, payload)| {
            Some(SectionDto {
                key: SectionKey::parse(&k)?,
                order,
                state: completeness(&state),
                payload: serde_json::from_str(&payload).unwrap_or_default(),
            })
        })
        .collect())
}

// ---- packs ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PackRow {
    pub id: i64,
    pub workspace_id: i64,
    pub tenant_id: i64,
    pub review_id: i64,
    pub snapshot_id: i64,
    pub run_id: Option<i64>,
    pub status: String,
    pub language: String,
    pub include_pii: bool,
    pub fingerprint: String,
    pub file_key: Option<String>,
    pub file_size: Option<i64>,
    pub sha256: Option<String>,
    pub created_at: DateTime<Utc>,
    pub generated_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
}

impl PackRow {
    pub fn status(&self) -> PackStatus {
        PackStatus::parse(&self.status).unwrap_or(PackStatus::Failed)
    }

    /// Ready and within retention at `now`.
    pub fn downloadable(&self, now: DateTime<Utc>) -> bool {
        self.status() == PackStatus::Ready && self.expires_at > now && self.file_key.is_some()
    }

    pub fn dto(&self) -> PackDto {
        PackDto {
            id: self.id,
            tenant_id: self.tenant_id,
            review_id: self.review_id,
            snapshot_id: self.snapshot_id,
            status: self.status(),
            language: self.language.clone(),
            include_pii: self.include_pii,
            fingerprint: self.fingerprint.clone(),
            sha256: self.sha256.clone(),
            file_size: self.file_size,
            run_id: self.run_id,
            created_at: time(self.created_at),
            generated_at: self.generated_at.map(time),
            expires_at: time(self.expires_at),
            pii: if self.include_pii { "included" } else { "pseudonymized" }.into(),
        }
    }
}

const PACK_SELECT: &str =
    "SELECT id, workspace_id, tenant_id, review_id, snapshot_id, run_id, status, language, include_pii, \
     fingerprint, file_key, file_size, sha256, created_at, generated_at, expires_at FROM review_packs";

pub async fn select_pack<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl WorkspaceBound,
    id: i64,
) -> Result<Option<PackRow>, AppError> {
    let sql = format!("{PACK_SELECT} WHERE workspace_id = $1 AND id = $2");
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query_as::<_, PackRow>(&sql).bind(scope.bound_workspace()).bind(id).fetch_optional(p).await)
        .map_err(internal)
}

/// The slug of the workspace a pack belongs to — the one lookup without a scope: a signed download link
/// names only the pack, and the caller then enters that workspace as the reader (404 rules apply).
pub async fn pack_workspace_slug(db: &Db, pack_id: i64) -> Result<Option<String>, AppError> {
    db_run!(db, p => sqlx::query_scalar::<_, String>(
        "SELECT w.slug FROM review_packs p JOIN workspaces w ON w.id = p.workspace_id WHERE p.id = $1")
        .bind(pack_id).fetch_optional(p).await)
    .map_err(internal)
}

/// The packs of reviews of the workspace (newest first), for the given review ids.
pub async fn select_packs_of(
    db: &Db,
    scope: &impl WorkspaceBound,
    review_ids: &[i64],
) -> Result<Vec<PackRow>, AppError> {
    if review_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = review_ids.iter().map(i64::to_string).collect();
    let sql = format!("{PACK_SELECT} WHERE workspace_id = $1 AND review_id IN ({}) ORDER BY id DESC", ids.join(", "));
    db_run!(db, p => sqlx::query_as::<_, PackRow>(&sql).bind(scope.bound_workspace()).fetch_all(p).await)
        .map_err(internal)
}

/// The tenant's live pack (queued, generating or ready) with these inputs.
pub async fn select_live_pack(
    tx: &mut Tx,
    scope: &impl TenantBound,
    fingerprint: &str,
) -> Result<Option<PackRow>, AppError> {
    let sql = format!(
        "{PACK_SELECT} WHERE workspace_id = $1 AND tenant_id = $2 AND fingerprint = $3 \
         AND status IN ('queued', 'generating', 'ready')"
    );
    db_run!(tx, p => sqlx::query_as::<_, PackRow>(&sql).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id())
        .bind(fingerprint).fetch_optional(p).await)
    .map_err(internal)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_pack(
    tx: &mut Tx,
    scope: &impl TenantBound,
    review_id: i64,
    snapshot_id: i64,
    user_id: Option<i64>,
    language: &str,
    include_pii: bool,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let expires = now + Duration::days(crate::reviews::PACK_RETENTION_DAYS);
    db_run!(tx, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO review_packs (workspace_id, tenant_id, review_id, snapshot_id, created_by_user_id, status, language, \
         include_pii, fingerprint, created_at, expires_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $9, $10, $9) RETURNING id")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(review_id).bind(snapshot_id).bind(user_id)
        .bind(language).bind(include_pii).bind(fingerprint).bind(now).bind(expires).fetch_one(p).await)
    .map_err(|e| on_constraint(e, "review_packs_fingerprint_key", "pack_busy"))
}

pub async fn set_pack_run(tx: &mut Tx, scope: &impl TenantBound, id: i64, run_id: i64) -> Result<(), AppError> {
    db_run!(tx, p => sqlx::query("UPDATE review_packs SET run_id = $1 WHERE workspace_id = $2 AND tenant_id = $3 AND id = $4")
        .bind(run_id).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).execute(p).await.map(|_| ()))
    .map_err(internal)?;
    Ok(())
}

/// Moves a pack from one of `from` to `to`; false when it was not in one of them.
pub async fn set_pack_status<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl TenantBound,
    id: i64,
    from: &[PackStatus],
    to: PackStatus,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let list: Vec<String> = from.iter().map(|s| format!("'{}'", s.id())).collect();
    let sql = format!(
        "UPDATE review_packs SET status = $1, updated_at = $2 WHERE workspace_id = $3 AND tenant_id = $4 AND id = $5 \
         AND status IN ({})",
        list.join(", ")
    );
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query(&sql).bind(to.id()).bind(now).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id())
        .bind(id).execute(p).await.map(|r| r.rows_affected() == 1))
    .map_err(internal)
}

/// Records the written file of a generating pack: ready.
#[allow(clippy::too_many_arguments)]
pub async fn finish_pack(
    tx: &mut Tx,
    scope: &impl TenantBound,
    id: i64,
    file_key: &str,
    size: i64,
    sha256: &str,
    summary: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    db_run!(tx, p => sqlx::query(
        "UPDATE review_packs SET status = 'ready', file_key = $1, file_size = $2, sha256 = $3, summary = $4, \
         generated_at = $5, updated_at = $5 WHERE workspace_id = $6 AND tenant_id = $7 AND id = $8 AND status = 'generating'")
        .bind(file_key).bind(size).bind(sha256).bind(summary.to_string()).bind(now).bind(scope.bound_workspace_id())
        .bind(scope.bound_tenant_id()).bind(id).execute(p).await.map(|r| r.rows_affected() == 1))
    .map_err(internal)
}

/// Ready packs past retention (system sweep): `(workspace, tenant, id, file_key)`.
pub async fn select_expired_packs(
    db: &Db,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, i64, i64, Option<String>)>, AppError> {
    db_run!(db, p => sqlx::query_as::<_, (i64, i64, i64, Option<String>)>(
        "SELECT workspace_id, tenant_id, id, file_key FROM review_packs WHERE status = 'ready' AND expires_at <= $1 \
         ORDER BY id LIMIT 500")
        .bind(now).fetch_all(p).await)
    .map_err(internal)
}

/// Active snapshots past retention (system sweep): `(workspace, tenant, id)`.
pub async fn select_expired_snapshots(db: &Db, now: DateTime<Utc>) -> Result<Vec<(i64, i64, i64)>, AppError> {
    db_run!(db, p => sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT workspace_id, tenant_id, id FROM evidence_snapshots WHERE status IN ('active', 'superseded') \
         AND expires_at <= $1 ORDER BY id LIMIT 500")
        .bind(now).fetch_all(p).await)
    .map_err(internal)
}

pub async fn expire_snapshot(tx: &mut Tx, scope: &impl TenantBound, id: i64) -> Result<bool, AppError> {
    db_run!(tx, p => sqlx::query(
        "UPDATE evidence_snapshots SET status = 'expired' WHERE workspace_id = $1 AND tenant_id = $2 AND id = $3 \
         AND status IN ('active', 'superseded')")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).execute(p).await
        .map(|r| r.rows_affected() == 1))
    .map_err(internal)
}

// ---- acknowledgements ----

/// Records the acknowledgement of a published review; false when it was already acknowledged.
pub async fn insert_ack(
    tx: &mut Tx,
    scope: &impl TenantBound,
    review_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    db_run!(tx, p => sqlx::query(
        "INSERT INTO review_acknowledgements (review_id, workspace_id, tenant_id, user_id, acknowledged_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (review_id) DO NOTHING")
        .bind(review_id).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(user_id).bind(now)
        .execute(p).await.map(|r| r.rows_affected() == 1))
    .map_err(internal)
}

/// Acknowledgements of the workspace's reviews the member may see: `(tenant, review, acknowledged_at)`.
pub async fn select_acks(db: &Db, scope: &WorkspaceScope) -> Result<Vec<(i64, i64, DateTime<Utc>)>, AppError> {
    let f = Filter::new().eq("workspace_id", scope.workspace_id()).visible("tenant_id", scope.tenant_filter());
    if f.matches_nothing() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT tenant_id, review_id, acknowledged_at FROM review_acknowledgements{}", f.sql());
    db_run!(db, p => f.bind(sqlx::query_as::<_, (i64, i64, DateTime<Utc>)>(&sql)).fetch_all(p).await).map_err(internal)
}

// ---- entitlements ----

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct EntitlementRow {
    pub plan_id: Option<String>,
    pub managed_tenant_limit: Option<i64>,
    pub managed_tenant_limit_reason: Option<String>,
    pub review_pack_generation: Option<bool>,
    pub review_pack_generation_reason: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn select_entitlements<'e>(
    ex: impl Into<Ex<'e>>,
    scope: &impl WorkspaceBound,
) -> Result<EntitlementRow, AppError> {
    let x: Ex<'e> = ex.into();
    let row = db_run!(x, p => sqlx::query_as::<_, EntitlementRow>(
        "SELECT plan_id, managed_tenant_limit, managed_tenant_limit_reason, review_pack_generation, \
         review_pack_generation_reason, updated_at FROM workspace_entitlements WHERE workspace_id = $1")
        .bind(scope.bound_workspace()).fetch_optional(p).await)
    .map_err(internal)?;
    Ok(row.unwrap_or_default())
}

/// A workspace's row for the platform plane (`workspace_id` from the directory lookup).
pub async fn select_entitlements_platform(
    tx: &mut Tx,
    _scope: &PlatformScope,
    workspace_id: i64,
) -> Result<EntitlementRow, AppError> {
    let row = db_run!(tx, p => sqlx::query_as::<_, EntitlementRow>(
        "SELECT plan_id, managed_tenant_limit, managed_tenant_limit_reason, review_pack_generation, \
         review_pack_generation_reason, updated_at FROM workspace_entitlements WHERE workspace_id = $1")
        .bind(workspace_id).fetch_optional(p).await)
    .map_err(internal)?;
    Ok(row.unwrap_or_default())
}

/// Writes the plan and overrides (platform plane only).
pub async fn upsert_entitlements(
    tx: &mut Tx,
    _scope: &PlatformScope,
    workspace_id: i64,
    row: &EntitlementRow,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    db_run!(tx, p => sqlx::query(
        "INSERT INTO workspace_entitlements (workspace_id, plan_id, managed_tenant_limit, managed_tenant_limit_reason, \
         review_pack_generation, review_pack_generation_reason, updated_by_user_id, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (workspace_id) DO UPDATE SET plan_id = $2, \
         managed_tenant_limit = $3, managed_tenant_limit_reason = $4, review_pack_generation = $5, \
         review_pack_generation_reason = $6, updated_by_user_id = $7, updated_at = $8")
        .bind(workspace_id).bind(&row.plan_id).bind(row.managed_tenant_limit).bind(&row.managed_tenant_limit_reason)
        .bind(row.review_pack_generation).bind(&row.review_pack_generation_reason).bind(user_id).bind(now)
        .execute(p).await.map(|_| ()))
    .map_err(internal)?;
    Ok(())
}

/// Active managed tenants of the workspace (what the tenant limit counts).
pub async fn count_active_tenants<'e>(ex: impl Into<Ex<'e>>, scope: &impl WorkspaceBound) -> Result<i64, AppError> {
    let x: Ex<'e> = ex.into();
    db_run!(x, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM tenants WHERE workspace_id = $1 AND lifecycle = 'active'")
        .bind(scope.bound_workspace()).fetch_one(p).await)
    .map_err(internal)
}

/// Completeness and generation time of the given snapshots of the workspace.
pub async fn select_snapshot_states(
    db: &Db,
    scope: &WorkspaceScope,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, (Completeness, String)>, AppError> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let sql = format!(
        "SELECT id, completeness, COALESCE(generated_at, created_at) FROM evidence_snapshots WHERE workspace_id = $1 AND id IN ({})",
        list.join(", ")
    );
    let rows = db_run!(db, p => sqlx::query_as::<_, (i64, Option<String>, DateTime<Utc>)>(&sql).bind(scope.workspace_id()).fetch_all(p).await)
        .map_err(internal)?;
    Ok(rows.into_iter().map(|(id, c, at)| (id, (completeness(c.as_deref().unwrap_or("missing")), time(at)))).collect())
}
