//! SQL for the inventory. Member-facing reads bind the workspace and tenant their scope entered; the sync
//! writes through [`write_batch`], one transaction per batch, so a sync killed at any point leaves every
//! policy either at its previous version or at the new one — never a version without its policy row.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::{
    authz::server::{RunScope, TenantBound},
    db::internal,
    db::{Column, Db, Filter, Rows, Tx},
    db_run,
    error::AppError,
    inventory::{CoverageDto, PolicyDto, PolicyQuery, PolicyVersionDto, Visibility},
    paging::Page,
};

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PolicyRow {
    pub id: i64,
    pub tenant_id: i64,
    pub policy_type: String,
    pub odata_type: Option<String>,
    pub display_name: String,
    pub platform: Option<String>,
    pub version_count: i64,
    pub latest_version_id: Option<i64>,
    pub ignored_at: Option<DateTime<Utc>>,
    pub missing_from_provider_at: Option<DateTime<Utc>>,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

const POLICY_COLUMNS: &str = "id, tenant_id, policy_type, odata_type, display_name, platform, version_count, \
     latest_version_id, ignored_at, missing_from_provider_at, first_seen_at, last_seen_at";

impl From<PolicyRow> for PolicyDto {
    fn from(r: PolicyRow) -> Self {
        Self {
            id: r.id,
            tenant_id: r.tenant_id,
            policy_type: r.policy_type,
            odata_type: r.odata_type,
            display_name: r.display_name,
            platform: r.platform,
            version_count: r.version_count,
            latest_version_id: r.latest_version_id,
            ignored_at: r.ignored_at.map(time),
            missing_from_provider_at: r.missing_from_provider_at.map(time),
            first_seen_at: time(r.first_seen_at),
            last_seen_at: time(r.last_seen_at),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub id: i64,
    pub policy_id: i64,
    pub version_no: i64,
    pub captured_at: DateTime<Utc>,
    pub run_id: Option<i64>,
    pub content_hash: String,
    pub snapshot: String,
    pub assignments: String,
    pub scope_tags: String,
    pub secret_fingerprints: String,
    pub redaction_version: i64,
    pub protected_change: bool,
}

const VERSION_COLUMNS: &str = "id, policy_id, version_no, captured_at, run_id, content_hash, snapshot, assignments, \
     scope_tags, secret_fingerprints, redaction_version, protected_change";

impl VersionRow {
    pub fn dto(&self) -> PolicyVersionDto {
        PolicyVersionDto {
            id: self.id,
            version_no: self.version_no,
            captured_at: time(self.captured_at),
            run_id: self.run_id,
            content_hash: self.content_hash.clone(),
            protected_change: self.protected_change,
            redaction_version: self.redaction_version,
        }
    }
}

fn list_where(scope: &impl TenantBound, q: &PolicyQuery) -> Filter {
    let mut f = Filter::new().eq("workspace_id", scope.bound_workspace_id()).eq("tenant_id", scope.bound_tenant_id());
    if let Some(t) = &q.policy_type {
        f = f.eq_text("policy_type", t.clone());
    }
    if let Some(p) = &q.platform {
        f = f.eq_text("platform", p.clone());
    }
    if let Some(search) = q.search_text() {
        f = f.contains("LOWER(display_name)", &search);
    }
    match q.visibility {
        Visibility::Active => f.raw("ignored_at IS NULL AND missing_from_provider_at IS NULL", vec![]),
        Visibility::Ignored => f.raw("ignored_at IS NOT NULL", vec![]),
        Visibility::ProviderMissing => f.raw("missing_from_provider_at IS NOT NULL", vec![]),
        Visibility::All => f,
    }
}

/// One page of a tenant's policies, by name.
pub async fn select_policy_page(
    db: &Db,
    scope: &impl TenantBound,
    q: &PolicyQuery,
) -> Result<Page<PolicyDto>, AppError> {
    let f = list_where(scope, q);
    let sql =
        f.page(&format!("SELECT {POLICY_COLUMNS} FROM policies"), "display_name, id", q.page.limit(), q.page.offset());
    let rows = db_run!(db, p => f.bind(sqlx::query_as::<_, PolicyRow>(&sql)).fetch_all(p).await).map_err(internal)?;
    let count_sql = format!("SELECT COUNT(*) FROM policies{}", f.sql());
    let total =
        db_run!(db, p => f.bind(sqlx::query_scalar::<_, i64>(&count_sql)).fetch_one(p).await).map_err(internal)?;
    Ok(q.page.wrap(rows.into_iter().map(PolicyDto::from).collect(), total.max(0) as u64))
}

pub async fn select_policy(db: &Db, scope: &impl TenantBound, id: i64) -> Result<Option<PolicyRow>, AppError> {
    let sql = format!("SELECT {POLICY_COLUMNS} FROM policies WHERE workspace_id = $1 AND tenant_id = $2 AND id = $3");
    db_run!(db, p => sqlx::query_as::<_, PolicyRow>(&sql).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id)
        .fetch_optional(p).await)
    .map_err(internal)
}

/// `policy_versions` (which carry the tenant, not the workspace) of the scope's tenant: `$1` tenant id, `$2`
/// workspace id.
const VERSIONS_OF_SCOPE: &str =
    "tenant_id = $1 AND EXISTS (SELECT 1 FROM tenants t WHERE t.id = $1 AND t.workspace_id = $2)";

/// A policy's versions, newest first.
pub async fn select_versions(db: &Db, scope: &impl TenantBound, policy_id: i64) -> Result<Vec<VersionRow>, AppError> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM policy_versions WHERE {VERSIONS_OF_SCOPE} AND policy_id = $3 \
         ORDER BY version_no DESC"
    );
    db_run!(db, p => sqlx::query_as::<_, VersionRow>(&sql)
        .bind(scope.bound_tenant_id()).bind(scope.bound_workspace_id()).bind(policy_id).fetch_all(p).await)
    .map_err(internal)
}

pub async fn select_version(
    db: &Db,
    scope: &impl TenantBound,
    policy_id: i64,
    version_id: i64,
) -> Result<Option<VersionRow>, AppError> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM policy_versions WHERE {VERSIONS_OF_SCOPE} AND policy_id = $3 AND id = $4"
    );
    db_run!(db, p => sqlx::query_as::<_, VersionRow>(&sql)
        .bind(scope.bound_tenant_id()).bind(scope.bound_workspace_id()).bind(policy_id).bind(version_id)
        .fetch_optional(p).await)
    .map_err(internal)
}

/// Sets or clears the local ignore mark; false when the policy is not the tenant's.
pub async fn set_ignored(tx: &mut Tx, scope: &impl TenantBound, id: i64, ignored: bool) -> Result<bool, AppError> {
    let at = ignored.then(Utc::now);
    db_run!(tx, p => sqlx::query(
        "UPDATE policies SET ignored_at = $1 WHERE workspace_id = $2 AND tenant_id = $3 AND id = $4")
        .bind(at).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(id).execute(p).await.map(|r| r.rows_affected() == 1))
    .map_err(internal)
}

/// Counts for the tenant dashboard: (policies, ignored, provider-missing, versions).
pub async fn select_counts(db: &Db, scope: &impl TenantBound) -> Result<(i64, i64, i64, i64), AppError> {
    // SUM of BIGINT is NUMERIC on PostgreSQL: cast back so both engines answer BIGINT.
    let sql = "SELECT COUNT(*), \
               CAST(COALESCE(SUM(CASE WHEN ignored_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN missing_from_provider_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
               CAST(COALESCE(SUM(version_count), 0) AS BIGINT) FROM policies WHERE workspace_id = $1 AND tenant_id = $2";
    db_run!(db, p => sqlx::query_as::<_, (i64, i64, i64, i64)>(sql)
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).fetch_one(p).await)
    .map_err(internal)
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct CoverageRow {
    policy_type: String,
    status: String,
    item_count: i64,
    reason_code: Option<String>,
    synced_at: Option<DateTime<Utc>>,
    attempted_at: DateTime<Utc>,
}

/// Coverage rows of a tenant, by type key.
pub async fn select_coverage(db: &Db, scope: &impl TenantBound) -> Result<HashMap<String, CoverageDto>, AppError> {
    let sql = format!(
        "SELECT policy_type, status, item_count, reason_code, synced_at, attempted_at FROM inventory_coverage \
         WHERE {VERSIONS_OF_SCOPE}"
    );
    let rows = db_run!(db, p => sqlx::query_as::<_, CoverageRow>(&sql)
        .bind(scope.bound_tenant_id()).bind(scope.bound_workspace_id()).fetch_all(p).await)
    .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let dto = CoverageDto {
                policy_type: r.policy_type.clone(),
                status: r.status,
                item_count: r.item_count,
                reason_code: r.reason_code,
                synced_at: r.synced_at.map(time),
                attempted_at: Some(time(r.attempted_at)),
            };
            (r.policy_type, dto)
        })
        .collect())
}

/// The latest inventory sync of a tenant (any state).
pub async fn select_last_sync(db: &Db, scope: &impl TenantBound) -> Result<Option<i64>, AppError> {
    db_run!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM operation_runs WHERE workspace_id = $1 AND tenant_id = $2 AND run_type = 'inventory.sync' \
         ORDER BY id DESC LIMIT 1")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).fetch_optional(p).await)
    .map_err(internal)
}

// ---- the sync's side ----

/// What the sync knows about a stored policy before writing.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Known {
    pub id: i64,
    pub external_id: String,
    pub content_hash: String,
    pub source_marker: Option<String>,
    pub version_count: i64,
    pub latest_version_id: Option<i64>,
}

/// Every stored policy of one type for a tenant, by external id.
pub async fn select_known(
    db: &Db,
    scope: &impl TenantBound,
    policy_type: &str,
) -> Result<HashMap<String, Known>, AppError> {
    let sql = "SELECT id, external_id, content_hash, source_marker, version_count, latest_version_id FROM policies \
               WHERE workspace_id = $1 AND tenant_id = $2 AND policy_type = $3";
    let rows = db_run!(db, p => sqlx::query_as::<_, Known>(sql)
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(policy_type).fetch_all(p).await)
    .map_err(internal)?;
    Ok(rows.into_iter().map(|k| (k.external_id.clone(), k)).collect())
}

/// The content of a version: (snapshot, secret fingerprints) JSON texts.
pub async fn select_version_content(
    db: &Db,
    scope: &impl TenantBound,
    version_id: i64,
) -> Result<Option<(String, String)>, AppError> {
    let sql =
        format!("SELECT snapshot, secret_fingerprints FROM policy_versions WHERE {VERSIONS_OF_SCOPE} AND id = $3");
    db_run!(db, p => sqlx::query_as::<_, (String, String)>(&sql)
        .bind(scope.bound_tenant_id()).bind(scope.bound_workspace_id()).bind(version_id).fetch_optional(p).await)
    .map_err(internal)
}

/// One object as the sync prepared it.
#[derive(Debug, Clone)]
pub struct Captured {
    pub policy_type: &'static str,
    pub external_id: String,
    pub odata_type: Option<String>,
    pub display_name: String,
    pub platform: Option<String>,
    pub content_hash: String,
    pub source_marker: Option<String>,
    /// `None`: content unchanged since the stored version (only the sighting is recorded).
    pub version: Option<NewVersion>,
    pub known: Option<Known>,
}

#[derive(Debug, Clone)]
pub struct NewVersion {
    pub snapshot: String,
    pub assignments: String,
    pub scope_tags: String,
    pub secret_fingerprints: String,
    pub redaction_version: i64,
    pub protected_change: bool,
}

/// Fresh ids for a batch's new policies and versions, inside its transaction: on PostgreSQL `$1` and `$2`
/// values from the identity sequences (two arrays); on SQLite the largest ids so far (two numbers: the
/// batch holds the write lock, so nobody else takes the ids after them).
const RESERVE_IDS_POSTGRES: &str = "SELECT ARRAY(SELECT nextval('policies_id_seq') FROM generate_series(1, $1)), \
     ARRAY(SELECT nextval('policy_versions_id_seq') FROM generate_series(1, $2))";
const RESERVE_IDS_SQLITE: &str =
    "SELECT (SELECT COALESCE(MAX(id), 0) FROM policies), (SELECT COALESCE(MAX(id), 0) FROM policy_versions)";

/// How a statement of a batch takes its rows: inserted as they are (`INSERT INTO … (columns) {rows}`), or
/// joined as `v` (`… FROM {rows} AS v …`).
#[derive(Clone, Copy)]
enum Takes {
    Insert(&'static str),
    From(&'static str, &'static str),
}

/// The new policies, with their first version's id.
const INSERT_POLICIES: Takes = Takes::Insert(
    "INSERT INTO policies (id, workspace_id, tenant_id, policy_type, external_id, odata_type, display_name, \
     platform, content_hash, source_marker, latest_version_id, version_count, first_seen_at, last_seen_at, \
     last_seen_run_id) ",
);
/// The sighting of known policies (provider-missing cleared, pointer to a new version if there is one).
const UPDATE_SEEN: Takes = Takes::From(
    "UPDATE policies SET display_name = v.column2, odata_type = COALESCE(v.column3, policies.odata_type), \
     platform = COALESCE(v.column4, policies.platform), source_marker = v.column5, content_hash = v.column6, \
     latest_version_id = COALESCE(v.column7, policies.latest_version_id), version_count = v.column8, \
     last_seen_at = v.column9, last_seen_run_id = v.column10, missing_from_provider_at = NULL FROM ",
    " WHERE policies.id = v.column1",
);
/// The new versions.
const INSERT_VERSIONS: Takes = Takes::Insert(
    "INSERT INTO policy_versions (id, policy_id, tenant_id, version_no, policy_type, captured_at, run_id, \
     content_hash, snapshot, assignments, scope_tags, secret_fingerprints, redaction_version, protected_change) ",
);

/// The three statements of a batch, as rows (see [`write_batch`]).
struct BatchRows {
    new: Rows,
    seen: Rows,
    versions: Rows,
}

impl BatchRows {
    /// The statements to run, in order, with their rows (those without rows left out).
    fn statements(&self) -> impl Iterator<Item = (&Rows, Takes)> {
        [(&self.new, INSERT_POLICIES), (&self.seen, UPDATE_SEEN), (&self.versions, INSERT_VERSIONS)]
            .into_iter()
            .filter(|(rows, _)| !rows.is_empty())
    }
}

/// Lays a batch out as rows, given ids for its new policies and versions (in batch order).
fn batch_rows(
    workspace_id: i64,
    tenant_id: i64,
    run_id: i64,
    batch: Vec<Captured>,
    policy_ids: &[i64],
    version_ids: &[i64],
) -> Option<BatchRows> {
    let now = Utc::now();
    let (mut policy_ids, mut version_ids) = (policy_ids.iter().copied(), version_ids.iter().copied());
    #[derive(Default)]
    struct Policy {
        id: Vec<i64>,
        ty: Vec<String>,
        external: Vec<String>,
        odata: Vec<Option<String>>,
        name: Vec<String>,
        platform: Vec<Option<String>>,
        hash: Vec<String>,
        marker: Vec<Option<String>>,
        latest: Vec<Option<i64>>,
        count: Vec<i64>,
    }
    let (mut new, mut seen) = (Policy::default(), Policy::default());
    #[derive(Default)]
    struct Version {
        id: Vec<i64>,
        policy: Vec<i64>,
        number: Vec<i64>,
        ty: Vec<String>,
        hash: Vec<String>,
        snapshot: Vec<String>,
        assignments: Vec<String>,
        scope_tags: Vec<String>,
        fingerprints: Vec<String>,
        redaction: Vec<i64>,
        protected: Vec<bool>,
    }
    let mut versions = Version::default();
    for c in batch {
        let version_id = match c.version {
            Some(_) => Some(version_ids.next()?),
            None => None,
        };
        let (policy_id, before, rows) = match &c.known {
            Some(k) => (k.id, k.version_count, &mut seen),
            None => (policy_ids.next()?, 0, &mut new),
        };
        rows.id.push(policy_id);
        rows.ty.push(c.policy_type.to_string());
        rows.external.push(c.external_id);
        rows.odata.push(c.odata_type);
        rows.name.push(c.display_name);
        rows.platform.push(c.platform);
        rows.marker.push(c.source_marker);
        rows.latest.push(version_id);
        rows.count.push(before + i64::from(version_id.is_some()));
        if let (Some(v), Some(id)) = (c.version, version_id) {
            versions.id.push(id);
            versions.policy.push(policy_id);
            versions.number.push(before + 1);
            versions.ty.push(c.policy_type.to_string());
            versions.hash.push(c.content_hash.clone());
            versions.snapshot.push(v.snapshot);
            versions.assignments.push(v.assignments);
            versions.scope_tags.push(v.scope_tags);
            versions.fingerprints.push(v.secret_fingerprints);
            versions.redaction.push(v.redaction_version);
            versions.protected.push(v.protected_change);
        }
        rows.hash.push(c.content_hash);
    }
    let each = |n: usize| (vec![workspace_id; n], vec![tenant_id; n], vec![run_id; n], vec![now; n]);
    let (ws, tenant, run, at) = each(new.id.len());
    let new_rows = Rows::new(vec![
        Column::Int(new.id),
        Column::Int(ws),
        Column::Int(tenant),
        Column::Text(new.ty),
        Column::Text(new.external),
        Column::OptText(new.odata),
        Column::Text(new.name),
        Column::OptText(new.platform),
        Column::Text(new.hash),
        Column::OptText(new.marker),
        Column::OptInt(new.latest),
        Column::Int(new.count),
        Column::Time(at.clone()),
        Column::Time(at),
        Column::Int(run),
    ])?;
    let (_, _, run, at) = each(seen.id.len());
    let seen_rows = Rows::new(vec![
        Column::Int(seen.id),
        Column::Text(seen.name),
        Column::OptText(seen.odata),
        Column::OptText(seen.platform),
        Column::OptText(seen.marker),
        Column::Text(seen.hash),
        Column::OptInt(seen.latest),
        Column::Int(seen.count),
        Column::Time(at),
        Column::Int(run),
    ])?;
    let (_, tenant, run, at) = each(versions.id.len());
    let version_rows = Rows::new(vec![
        Column::Int(versions.id),
        Column::Int(versions.policy),
        Column::Int(tenant),
        Column::Int(versions.number),
        Column::Text(versions.ty),
        Column::Time(at),
        Column::Int(run),
        Column::Text(versions.hash),
        Column::Text(versions.snapshot),
        Column::Text(versions.assignments),
        Column::Text(versions.scope_tags),
        Column::Text(versions.fingerprints),
        Column::Int(versions.redaction),
        Column::Bool(versions.protected),
    ])?;
    Some(BatchRows { new: new_rows, seen: seen_rows, versions: version_rows })
}

/// Writes one batch in one transaction, with a fixed number of statements whatever its size: ids for the
/// new policies and versions are reserved first, so that every row is written once and already final —
/// the new policies (one `INSERT`), the sighting of the known ones (one `UPDATE`; last seen,
/// provider-missing cleared, pointer to a new version) and the new versions (one `INSERT`). The rows go
/// in as [`Rows`], built by moving the batch's strings (nothing is copied). Returns the number of versions
/// written.
pub async fn write_batch(db: &Db, scope: &RunScope, batch: Vec<Captured>) -> Result<i64, AppError> {
    let (workspace_id, tenant_id, run_id) = (scope.workspace_id(), scope.tenant_id(), scope.run_id());
    let fresh = batch.iter().filter(|c| c.known.is_none()).count() as i64;
    let wanted = batch.iter().filter(|c| c.version.is_some()).count() as i64;
    if batch.is_empty() {
        return Ok(0);
    }
    let layout_failed = || {
        tracing::error!(fresh, wanted, "ids for a batch could not be reserved");
        AppError::Internal
    };
    match db {
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await.map_err(internal)?;
            let (policy_ids, version_ids): (Vec<i64>, Vec<i64>) = sqlx::query_as(RESERVE_IDS_POSTGRES)
                .bind(fresh)
                .bind(wanted)
                .fetch_one(&mut *tx)
                .await
                .map_err(internal)?;
            let rows = batch_rows(workspace_id, tenant_id, run_id, batch, &policy_ids, &version_ids)
                .ok_or_else(layout_failed)?;
            for (rows, takes) in rows.statements() {
                let sql = match takes {
                    Takes::Insert(insert) => format!("{insert}{}", rows.postgres_query()),
                    Takes::From(before, after) => format!("{before}{}{after}", rows.postgres_from("v")),
                };
                rows.bind_postgres(sqlx::query(&sql)).execute(&mut *tx).await.map_err(internal)?;
            }
            tx.commit().await.map_err(internal)?;
        }
        Db::Sqlite(pool) => {
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
            let (last_policy, last_version): (i64, i64) =
                sqlx::query_as(RESERVE_IDS_SQLITE).fetch_one(&mut *tx).await.map_err(internal)?;
            let policy_ids: Vec<i64> = (1..=fresh).map(|i| last_policy + i).collect();
            let version_ids: Vec<i64> = (1..=wanted).map(|i| last_version + i).collect();
            let rows = batch_rows(workspace_id, tenant_id, run_id, batch, &policy_ids, &version_ids)
                .ok_or_else(layout_failed)?;
            for (rows, takes) in rows.statements() {
                let values = rows.sqlite_values();
                let sql = match takes {
                    Takes::Insert(insert) => format!("{insert}{values}"),
                    Takes::From(before, after) => format!("{before}({values}) AS v{after}"),
                };
                rows.bind_sqlite(sqlx::query(&sql)).execute(&mut *tx).await.map_err(internal)?;
            }
            tx.commit().await.map_err(internal)?;
        }
    }
    Ok(wanted)
}

/// Marks every policy of `policy_type` the run `run_id` did not see as missing from the provider (a
/// complete fetch of the type). Returns how many became missing.
pub async fn mark_missing(db: &Db, scope: &RunScope, policy_type: &str) -> Result<u64, AppError> {
    let sql = "UPDATE policies SET missing_from_provider_at = $1 WHERE tenant_id = $2 AND policy_type = $3 \
               AND missing_from_provider_at IS NULL AND (last_seen_run_id IS NULL OR last_seen_run_id <> $4) \
               AND workspace_id = $5";
    db_run!(db, p => sqlx::query(sql).bind(Utc::now()).bind(scope.tenant_id()).bind(policy_type).bind(scope.run_id())
        .bind(scope.workspace_id())
        .execute(p).await.map(|r| r.rows_affected()))
    .map_err(internal)
}

/// Records the outcome of fetching one type.
pub async fn put_coverage(
    db: &Db,
    scope: &RunScope,
    policy_type: &str,
    complete: bool,
    item_count: i64,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let (tenant_id, run_id) = (scope.tenant_id(), scope.run_id());
    let sql = "INSERT INTO inventory_coverage (tenant_id, policy_type, status, item_count, reason_code, run_id, synced_at, \
               attempted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
               ON CONFLICT (tenant_id, policy_type) DO UPDATE SET status = excluded.status, \
               item_count = CASE WHEN excluded.status = 'complete' THEN excluded.item_count ELSE inventory_coverage.item_count END, \
               reason_code = excluded.reason_code, run_id = excluded.run_id, \
               synced_at = COALESCE(excluded.synced_at, inventory_coverage.synced_at), attempted_at = excluded.attempted_at";
    let now = Utc::now();
    db_run!(db, p => sqlx::query(sql)
        .bind(tenant_id).bind(policy_type).bind(if complete { "complete" } else { "failed" }).bind(item_count)
        .bind(reason).bind(run_id).bind(complete.then_some(now)).bind(now).execute(p).await.map(|_| ()))
    .map_err(internal)
}
