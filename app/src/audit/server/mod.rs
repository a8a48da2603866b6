//! Writing and verifying the audit chain. All rows form one chain per installation. An entry is recorded
//! only inside the [`Tx`] of the change it describes (the functions take `&mut Tx`, so recording outside a
//! transaction does not compile): the change and its entry commit together or not at all. Appends are
//! serialized by the chain lock ([`Lock::AuditChain`]) in one function, [`append_chained`], so concurrent
//! writers and several server processes never fork the chain; each append also moves the signed
//! checkpoint of the head (`audit_head`, an HMAC with the installation key), so [`verify`] detects entries
//! cut off the end as well as altered ones. The database refuses `UPDATE` and `DELETE` on `audit_log`
//! (triggers, migration 0012).
//! Reading the log (filters, pages, export) is in [`service`] and [`repo`].

pub mod repo;
pub mod service;

use chrono::{SecondsFormat, Utc};
use sha2::{Digest, Sha256};

use std::sync::{Arc, OnceLock};

use super::{ActorType, Outcome};
use crate::{
    auth::server::{Actor, RequestMeta},
    authz::server::{SystemScope, WorkspaceScope},
    db::{internal, Column, Db, Lock, Rows, Tx},
    db_run,
    error::AppError,
    keys::Keys,
    paging::limit_offset,
    secrets::sanitize,
};

/// Hash of the (virtual) row before the first one.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub action: &'static str,
    pub resource_type: &'static str,
    pub resource_id: Option<String>,
    pub tenant_id: Option<i64>,
    pub outcome: Outcome,
    pub summary: String,
    pub metadata: serde_json::Value,
}

impl AuditEvent {
    pub fn new(action: &'static str, resource_type: &'static str, resource_id: impl ToString) -> Self {
        Self {
            action,
            resource_type,
            resource_id: Some(resource_id.to_string()),
            tenant_id: None,
            outcome: Outcome::Success,
            summary: String::new(),
            metadata: serde_json::json!({}),
        }
    }

    pub fn tenant(mut self, tenant_id: i64) -> Self {
        self.tenant_id = Some(tenant_id);
        self
    }

    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }

    pub fn metadata(mut self, metadata: serde_json::Value) -> Self {
        self.metadata = metadata;
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }
}

/// A stored row, as hashed.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub workspace_id: Option<i64>,
    pub tenant_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub actor_type: String,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub outcome: String,
    pub summary: String,
    pub metadata: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub recorded_at: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    /// The canonical content: a JSON array of every field except id and hashes, in a fixed order.
    pub fn canonical(&self) -> String {
        serde_json::json!([
            self.workspace_id,
            self.tenant_id,
            self.actor_id,
            self.actor_label,
            self.actor_type,
            self.action,
            self.resource_type,
            self.resource_id,
            self.outcome,
            self.summary,
            self.metadata,
            self.ip,
            self.user_agent,
            self.recorded_at,
        ])
        .to_string()
    }

    /// The row as shown, exported and served (without the workspace id, which the scope implies).
    pub fn into_entry(self) -> super::AuditEntry {
        super::AuditEntry {
            id: self.id,
            recorded_at: self.recorded_at,
            tenant_id: self.tenant_id,
            actor_id: self.actor_id,
            actor_label: self.actor_label,
            actor_type: self.actor_type,
            action: self.action,
            resource_type: self.resource_type,
            resource_id: self.resource_id,
            outcome: self.outcome,
            summary: self.summary,
            metadata: self.metadata,
            ip: self.ip,
            user_agent: self.user_agent,
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }

    pub fn compute_hash(&self, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(b"\n");
        h.update(self.canonical().as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The key that signs the chain's head ([`Keys::checkpoint_mac`]), installed once per process by whatever
/// opens the database for writing (server start-up, CLI, test harness). Appending without it fails: an
/// entry whose checkpoint cannot be signed is not written.
static CHECKPOINT_KEY: OnceLock<Arc<Keys>> = OnceLock::new();

/// Installs the installation's key for signing the chain's head (the first call wins).
pub fn install_checkpoint_key(keys: Arc<Keys>) {
    let _ = CHECKPOINT_KEY.set(keys);
}

fn checkpoint_key() -> Result<&'static Keys, AppError> {
    CHECKPOINT_KEY.get().map(Arc::as_ref).ok_or_else(|| {
        tracing::error!("audit checkpoint key not installed");
        AppError::Internal
    })
}

/// What the signed checkpoint covers: the id and hash of the chain's last entry.
fn checkpoint_message(last_id: i64, last_hash: &str) -> String {
    format!("tenantpilot.audit-head.v1\n{last_id}\n{last_hash}")
}

/// Records `event` done by the member behind `scope`, in `tx` (the transaction of the change it describes:
/// both commit together or neither does).
pub async fn record(tx: &mut Tx, scope: &WorkspaceScope, event: AuditEvent) -> Result<(), AppError> {
    let meta = RequestMeta::current();
    let who = Who { actor_id: Some(scope.actor_id()), label: scope.actor_label(), actor_type: scope.actor_type() };
    append(tx, Some(scope.workspace_id()), who, event, Some(&meta)).await
}

/// Records `event` done by `actor` in `workspace_id` without a member scope: for the actor's own
/// resources that outlive a membership (personal API tokens: use, revocation after losing access), and
/// for actions outside any workspace (sign-in, password change, platform operations).
pub async fn record_actor(
    tx: &mut Tx,
    actor: &Actor,
    workspace_id: Option<i64>,
    event: AuditEvent,
) -> Result<(), AppError> {
    let meta = RequestMeta::current();
    let label = actor.audit_label();
    let who = Who { actor_id: Some(actor.user_id()), label: &label, actor_type: actor.actor_type() };
    append(tx, workspace_id, who, event, Some(&meta)).await
}

/// Records `event` done by the system (no user), in `tx`.
pub async fn record_system(
    tx: &mut Tx,
    scope: &SystemScope,
    workspace_id: Option<i64>,
    event: AuditEvent,
) -> Result<(), AppError> {
    let label = format!("system ({})", scope.reason());
    let who = Who { actor_id: None, label: &label, actor_type: ActorType::System };
    append(tx, workspace_id, who, event, None).await
}

/// Who an entry names.
struct Who<'a> {
    actor_id: Option<i64>,
    label: &'a str,
    actor_type: ActorType,
}

async fn append(
    tx: &mut Tx,
    workspace_id: Option<i64>,
    who: Who<'_>,
    event: AuditEvent,
    meta: Option<&RequestMeta>,
) -> Result<(), AppError> {
    let mut metadata = event.metadata;
    sanitize(&mut metadata);
    let row = AuditRow {
        id: 0,
        workspace_id,
        tenant_id: event.tenant_id,
        actor_id: who.actor_id,
        actor_label: who.label.to_string(),
        actor_type: who.actor_type.id().into(),
        action: event.action.into(),
        resource_type: event.resource_type.into(),
        resource_id: event.resource_id,
        outcome: event.outcome.id().into(),
        summary: event.summary,
        metadata: metadata.to_string(),
        ip: meta.map(|m| m.ip.clone()),
        user_agent: meta.map(|m| m.user_agent.clone()).filter(|u| !u.is_empty()),
        recorded_at: String::new(),
        prev_hash: String::new(),
        hash: String::new(),
    };
    append_chained(tx, vec![row]).await.map(|_| ())
}

/// Rows per multi-row `INSERT` (16 columns each: far below SQLite's parameter limit; PostgreSQL binds arrays).
const BATCH: usize = 500;
const COLUMNS: &str = "workspace_id, tenant_id, actor_id, actor_label, actor_type, action, resource_type, \
    resource_id, outcome, summary, metadata, ip, user_agent, recorded_at, prev_hash, hash";

/// The one way rows join the chain, inside the caller's transaction: under the chain lock (taken last in
/// any transaction, see [`Lock`]), each row gets `recorded_at` (now when empty, and never earlier than the
/// previous row's, so timestamps grow with ids and readers can turn date bounds into id bounds — see
/// `repo`), its `prev_hash` and its `hash`; then all are inserted and the signed checkpoint of the head
/// (`audit_head`) is moved to the last of them. Returns how many rows were appended.
async fn append_chained(tx: &mut Tx, mut rows: Vec<AuditRow>) -> Result<u64, AppError> {
    let keys = checkpoint_key()?;
    tx.lock(Lock::AuditChain).await?;
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    let last: Option<(String, String)> = db_run!(&mut *tx, c => sqlx::query_as(
        "SELECT hash, recorded_at FROM audit_log ORDER BY id DESC LIMIT 1").fetch_optional(c).await)
    .map_err(internal)?;
    let (mut prev, mut prev_at) = last.unwrap_or_else(|| (GENESIS.to_string(), String::new()));
    for row in rows.iter_mut() {
        if row.recorded_at.is_empty() {
            row.recorded_at = now.clone();
        }
        if row.recorded_at < prev_at {
            row.recorded_at = prev_at.clone();
        }
        prev_at = row.recorded_at.clone();
        row.prev_hash = std::mem::take(&mut prev);
        row.hash = row.compute_hash(&row.prev_hash);
        prev = row.hash.clone();
    }
    for chunk in rows.chunks(BATCH) {
        let batch = columns(chunk).ok_or(AppError::Internal)?;
        match tx {
            Tx::Postgres(t) => {
                let sql = format!("INSERT INTO audit_log ({COLUMNS}) {}", batch.postgres_query());
                batch.bind_postgres(sqlx::query(&sql)).execute(&mut **t).await.map(|_| ())
            }
            Tx::Sqlite(t) => {
                let sql = format!("INSERT INTO audit_log ({COLUMNS}) {}", batch.sqlite_values());
                batch.bind_sqlite(sqlx::query(&sql)).execute(&mut **t).await.map(|_| ())
            }
        }
        .map_err(internal)?;
    }
    if !rows.is_empty() {
        // The chain lock is held: the newest row is the last one inserted here.
        let last_id: i64 = db_run!(&mut *tx, c => sqlx::query_scalar(
            "SELECT id FROM audit_log ORDER BY id DESC LIMIT 1").fetch_one(c).await)
        .map_err(internal)?;
        write_head(tx, keys, last_id, &prev, &now).await?;
    }
    Ok(rows.len() as u64)
}

/// A batch of rows as [`Rows`], column by column in [`COLUMNS`]' order.
fn columns(chunk: &[AuditRow]) -> Option<Rows> {
    let opt_int = |f: fn(&AuditRow) -> Option<i64>| Column::OptInt(chunk.iter().map(f).collect());
    let text = |f: fn(&AuditRow) -> &String| Column::Text(chunk.iter().map(|r| f(r).clone()).collect());
    let opt_text = |f: fn(&AuditRow) -> &Option<String>| Column::OptText(chunk.iter().map(|r| f(r).clone()).collect());
    Rows::new(vec![
        opt_int(|r| r.workspace_id),
        opt_int(|r| r.tenant_id),
        opt_int(|r| r.actor_id),
        text(|r| &r.actor_label),
        text(|r| &r.actor_type),
        text(|r| &r.action),
        text(|r| &r.resource_type),
        opt_text(|r| &r.resource_id),
        text(|r| &r.outcome),
        text(|r| &r.summary),
        text(|r| &r.metadata),
        opt_text(|r| &r.ip),
        opt_text(|r| &r.user_agent),
        text(|r| &r.recorded_at),
        text(|r| &r.prev_hash),
        text(|r| &r.hash),
    ])
}

/// Moves the signed checkpoint to entry `last_id` with hash `last_hash` (creating it the first time).
async fn write_head(tx: &mut Tx, keys: &Keys, last_id: i64, last_hash: &str, now: &str) -> Result<(), AppError> {
    let mac = keys.checkpoint_mac(&checkpoint_message(last_id, last_hash));
    let sql = "INSERT INTO audit_head (id, last_id, last_hash, mac, updated_at) VALUES (1, $1, $2, $3, $4) \
               ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash, \
               mac = excluded.mac, updated_at = excluded.updated_at";
    db_run!(tx, c => sqlx::query(sql).bind(last_id).bind(last_hash).bind(&mac).bind(now).execute(c).await.map(|_| ()))
        .map_err(internal)
}

/// Appends generated rows in one transaction (the benchmark fixture, `tenantpilot bench-seed`): 100,000
/// entries in seconds instead of one transaction each. Chained exactly like [`record`]'s.
pub async fn append_generated(db: &Db, _scope: &SystemScope, rows: Vec<AuditRow>) -> Result<u64, AppError> {
    let mut tx = db.begin().await?;
    let n = append_chained(&mut tx, rows).await?;
    tx.commit().await?;
    Ok(n)
}

/// Signs the current head when no checkpoint exists yet (a log written before checkpoints were kept):
/// called at start-up, so that from then on a cut-off tail is detected. Does nothing on an empty log or
/// when a checkpoint exists.
pub async fn seal_unsigned_head(db: &Db) -> Result<(), AppError> {
    const HEAD: &str = "SELECT last_id FROM audit_head WHERE id = 1";
    // The usual start: a checkpoint exists, and no write transaction is needed to see that.
    if db_run!(db, p => sqlx::query_scalar::<_, i64>(HEAD).fetch_optional(p).await).map_err(internal)?.is_some() {
        return Ok(());
    }
    let keys = checkpoint_key()?;
    let mut tx = db.begin().await?;
    tx.lock(Lock::AuditChain).await?;
    let head: Option<i64> =
        db_run!(&mut tx, c => sqlx::query_scalar(HEAD).fetch_optional(c).await).map_err(internal)?;
    let last: Option<(i64, String)> = db_run!(&mut tx, c => sqlx::query_as(
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetch_optional(c).await)
    .map_err(internal)?;
    if let (None, Some((id, hash))) = (head, last) {
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        write_head(&mut tx, keys, id, &hash, &now).await?;
        tracing::warn!(last_id = id, "audit log had no signed checkpoint: signed its current head");
    }
    tx.commit().await
}

/// Result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub rows: u64,
    /// Id of the first row whose hash or link does not match.
    pub first_broken: Option<i64>,
    /// What is wrong with the end of the chain against its signed checkpoint, if anything.
    pub head: Option<HeadProblem>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none() && self.head.is_none()
    }
}

/// How the end of the chain disagrees with its signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadProblem {
    /// Entries exist but no checkpoint does (it was removed).
    Missing,
    /// The checkpoint's signature does not verify with this installation's key (forged or altered).
    BadSignature,
    /// The log ends before the entry the checkpoint names: entries were cut off its end.
    Truncated { last_id: Option<i64>, checkpoint_id: i64 },
    /// Entries follow the checkpointed one without having moved it (written around the product).
    Unsigned { last_id: i64, checkpoint_id: i64 },
}

impl std::fmt::Display for HeadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeadProblem::Missing => write!(f, "the signed checkpoint of the chain's head is missing"),
            HeadProblem::BadSignature => write!(f, "the signed checkpoint's signature does not verify"),
            HeadProblem::Truncated { last_id, checkpoint_id } => match last_id {
                Some(id) => write!(f, "truncated: the log ends at id {id}, the signed checkpoint names id {checkpoint_id}"),
                None => write!(f, "truncated: the log is empty, the signed checkpoint names id {checkpoint_id}"),
            },
            HeadProblem::Unsigned { last_id, checkpoint_id } => write!(
                f,
                "entries after the signed checkpoint (id {checkpoint_id}) up to id {last_id} were not written by TenantPilot"
            ),
        }
    }
}

/// Walks the whole chain in id order and reports the first row that does not verify; then checks the end
/// of the chain against the signed checkpoint (so entries cut off the end are detected too).
pub async fn verify(db: &Db) -> Result<VerifyReport, AppError> {
    const PAGE: i64 = 5000;
    let mut after = 0i64;
    let mut prev = GENESIS.to_string();
    let mut last_id = None;
    let mut rows = 0u64;
    loop {
        let sql = format!("SELECT * FROM audit_log WHERE id > $1 ORDER BY id{}", limit_offset(PAGE, 0));
        let page: Vec<AuditRow> =
            db_run!(db, p => sqlx::query_as::<_, AuditRow>(&sql).bind(after).fetch_all(p).await).map_err(internal)?;
        for row in &page {
            rows += 1;
            if row.prev_hash != prev || row.compute_hash(&prev) != row.hash {
                return Ok(VerifyReport { rows, first_broken: Some(row.id), head: None });
            }
            prev = row.hash.clone();
            last_id = Some(row.id);
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = last.id,
            _ => break,
        }
    }
    let head: Option<(i64, String, String)> =
        db_run!(db, p => sqlx::query_as("SELECT last_id, last_hash, mac FROM audit_head WHERE id = 1")
            .fetch_optional(p).await)
        .map_err(internal)?;
    let problem = match (head, last_id) {
        (None, None) => None,
        (None, Some(_)) => Some(HeadProblem::Missing),
        (Some((id, hash, mac)), last) => {
            if checkpoint_key()?.checkpoint_mac(&checkpoint_message(id, &hash)) != mac {
                Some(HeadProblem::BadSignature)
            } else if last.is_none_or(|l| l < id) || (last == Some(id) && hash != prev) {
                Some(HeadProblem::Truncated { last_id: last, checkpoint_id: id })
            } else if last.is_some_and(|l| l > id) {
                Some(HeadProblem::Unsigned { last_id: last.unwrap_or(id), checkpoint_id: id })
            } else {
                None
            }
        }
    };
    Ok(VerifyReport { rows, first_broken: None, head: problem })
}
