//! Writing and verifying the audit chain. All rows form one chain per installation; appends are
//! serialized (PostgreSQL: transaction-level advisory lock; SQLite: `BEGIN IMMEDIATE`) in one function,
//! [`append_chained`], so concurrent writers and several server processes never fork it. Engine-specific
//! SQL lives here and nowhere else.
//! Reading the log (filters, pages, export) is in [`service`] and [`repo`].

pub mod repo;
pub mod service;

use chrono::{SecondsFormat, Utc};
use sha2::{Digest, Sha256};

use super::{ActorType, Outcome};
use crate::{
    auth::server::{repo::internal, Actor, RequestMeta},
    authz::server::{SystemScope, WorkspaceScope},
    bind_all,
    db::{Db, Stmt},
    error::AppError,
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

/// Records `event` done by the member behind `scope`.
pub async fn record(db: &Db, scope: &WorkspaceScope, event: AuditEvent) -> Result<(), AppError> {
    record_with(db, scope, event, &[]).await.map(|_| ())
}

/// Records `event` done by the member behind `scope` together with the change it describes, in one
/// transaction: `effects` run first, in order; when the first changes no row (the change no longer
/// applies), nothing is written and the answer is false.
pub async fn record_with(
    db: &Db,
    scope: &WorkspaceScope,
    event: AuditEvent,
    effects: &[Stmt],
) -> Result<bool, AppError> {
    let meta = RequestMeta::current();
    let who = Who { actor_id: Some(scope.actor_id()), label: scope.actor_label(), actor_type: scope.actor_type() };
    append(db, Some(scope.workspace_id()), who, event, Some(&meta), effects).await
}

/// Records `event` done by `actor` in `workspace_id` without a member scope: for the actor's own
/// resources that outlive a membership (personal API tokens: use, revocation after losing access).
pub async fn record_actor(
    db: &Db,
    actor: &Actor,
    workspace_id: Option<i64>,
    event: AuditEvent,
) -> Result<(), AppError> {
    let meta = RequestMeta::current();
    let label = actor.audit_label();
    let who = Who { actor_id: Some(actor.user_id()), label: &label, actor_type: actor.actor_type() };
    append(db, workspace_id, who, event, Some(&meta), &[]).await.map(|_| ())
}

/// Records `event` done by the system (no user).
pub async fn record_system(
    db: &Db,
    scope: &SystemScope,
    workspace_id: Option<i64>,
    event: AuditEvent,
) -> Result<(), AppError> {
    record_system_with(db, scope, workspace_id, event, &[]).await.map(|_| ())
}

/// [`record_system`] together with the change the event describes, in one transaction (see
/// [`record_with`]): a run's completion, its notification and its audit entry land together or not at all.
pub async fn record_system_with(
    db: &Db,
    scope: &SystemScope,
    workspace_id: Option<i64>,
    event: AuditEvent,
    effects: &[Stmt],
) -> Result<bool, AppError> {
    let label = format!("system ({})", scope.reason());
    let who = Who { actor_id: None, label: &label, actor_type: ActorType::System };
    append(db, workspace_id, who, event, None, effects).await
}

/// Who an entry names.
struct Who<'a> {
    actor_id: Option<i64>,
    label: &'a str,
    actor_type: ActorType,
}

async fn append(
    db: &Db,
    workspace_id: Option<i64>,
    who: Who<'_>,
    event: AuditEvent,
    meta: Option<&RequestMeta>,
    effects: &[Stmt],
) -> Result<bool, AppError> {
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
    append_chained(db, vec![row], effects).await.map(|n| n.is_some())
}

/// Rows per multi-row `INSERT` (16 columns each: far below both engines' parameter limits).
const BATCH: usize = 500;
const COLUMNS: &str = "workspace_id, tenant_id, actor_id, actor_label, actor_type, action, resource_type, \
    resource_id, outcome, summary, metadata, ip, user_agent, recorded_at, prev_hash, hash";

/// The one way rows join the chain: under the chain lock (PostgreSQL: transaction-level advisory lock;
/// SQLite: `BEGIN IMMEDIATE`), each row gets `recorded_at` (now when empty, and never earlier than the
/// previous row's, so timestamps grow with ids and readers can turn date bounds into id bounds — see
/// `repo`), its `prev_hash` and its `hash`; then all are inserted in one transaction. `effects` run in that
/// transaction first; when the first changes no row, everything is rolled back and the answer is `None`.
async fn append_chained(db: &Db, mut rows: Vec<AuditRow>, effects: &[Stmt]) -> Result<Option<u64>, AppError> {
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    macro_rules! run {
        ($tx:expr) => {{
            for (i, effect) in effects.iter().enumerate() {
                let changed =
                    bind_all!(sqlx::query(&effect.sql), &effect.args).execute(&mut *$tx).await?.rows_affected();
                if i == 0 && changed == 0 {
                    return Ok(false);
                }
            }
            let last: Option<(String, String)> =
                sqlx::query_as("SELECT hash, recorded_at FROM audit_log ORDER BY id DESC LIMIT 1")
                    .fetch_optional(&mut *$tx)
                    .await?;
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
                let mut qb = sqlx::QueryBuilder::new(format!("INSERT INTO audit_log ({COLUMNS}) "));
                qb.push_values(chunk, |mut b, r| {
                    b.push_bind(r.workspace_id)
                        .push_bind(r.tenant_id)
                        .push_bind(r.actor_id)
                        .push_bind(&r.actor_label)
                        .push_bind(&r.actor_type)
                        .push_bind(&r.action)
                        .push_bind(&r.resource_type)
                        .push_bind(&r.resource_id)
                        .push_bind(&r.outcome)
                        .push_bind(&r.summary)
                        .push_bind(&r.metadata)
                        .push_bind(&r.ip)
                        .push_bind(&r.user_agent)
                        .push_bind(&r.recorded_at)
                        .push_bind(&r.prev_hash)
                        .push_bind(&r.hash);
                });
                qb.build().execute(&mut *$tx).await?;
            }
            Ok::<(), sqlx::Error>(())
        }};
    }
    // `run!` returns `Ok(false)` from this block when the first effect changed nothing; the transaction is
    // then dropped uncommitted, which rolls it back.
    let res: Result<bool, sqlx::Error> = async {
        match db {
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7270001)").execute(&mut *tx).await?;
                run!(tx)?;
                tx.commit().await.map(|_| true)
            }
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                run!(tx)?;
                tx.commit().await.map(|_| true)
            }
        }
    }
    .await;
    Ok(res.map_err(internal)?.then_some(rows.len() as u64))
}

/// Appends generated rows in one transaction (the benchmark fixture, `tenantpilot bench-seed`): 100,000
/// entries in seconds instead of one transaction each. Chained exactly like [`record`]'s.
pub async fn append_generated(db: &Db, _scope: &SystemScope, rows: Vec<AuditRow>) -> Result<u64, AppError> {
    Ok(append_chained(db, rows, &[]).await?.unwrap_or_default())
}

/// Result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub rows: u64,
    /// Id of the first row whose hash or link does not match.
    pub first_broken: Option<i64>,
}

/// Walks the whole chain in id order and reports the first row that does not verify.
pub async fn verify(db: &Db) -> Result<VerifyReport, AppError> {
    const PAGE: i64 = 5000;
    let mut after = 0i64;
    let mut prev = GENESIS.to_string();
    let mut rows = 0u64;
    loop {
        let sql = format!("SELECT * FROM audit_log WHERE id > $1 ORDER BY id{}", limit_offset(PAGE, 0));
        let page: Vec<AuditRow> =
            crate::db_run!(db, p => sqlx::query_as::<_, AuditRow>(&sql).bind(after).fetch_all(p).await)
                .map_err(internal)?;
        for row in &page {
            rows += 1;
            if row.prev_hash != prev || row.compute_hash(&prev) != row.hash {
                return Ok(VerifyReport { rows, first_broken: Some(row.id) });
            }
            prev = row.hash.clone();
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = last.id,
            _ => return Ok(VerifyReport { rows, first_broken: None }),
        }
    }
}
