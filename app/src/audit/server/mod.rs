//! Writing and verifying the audit chain. All rows form one chain per installation; appends are
//! serialized (PostgreSQL: transaction-level advisory lock; SQLite: `BEGIN IMMEDIATE`), so concurrent
//! writers and several server processes never fork it. Engine-specific SQL lives here and nowhere else.
//! Reading the log (filters, pages, export) is in [`service`] and [`repo`].

pub mod repo;
pub mod service;

pub mod import;

use chrono::{SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use sqlx::Executor;

use super::{sanitize, ActorType, Outcome};
use crate::{
    auth::server::{repo::internal, Actor, RequestMeta},
    authz::server::{SystemScope, WorkspaceScope},
    db::Db,
    error::AppError,
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
    let meta = RequestMeta::current();
    append(
        db,
        Some(scope.workspace_id()),
        Some(scope.actor_id()),
        scope.actor_label(),
        scope.actor_type(),
        event,
        Some(&meta),
    )
    .await
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
    append(db, workspace_id, Some(actor.user_id()), &label, actor.actor_type(), event, Some(&meta)).await
}

/// Records `event` done by the system (no user).
pub async fn record_system(
    db: &Db,
    scope: &SystemScope,
    workspace_id: Option<i64>,
    event: AuditEvent,
) -> Result<(), AppError> {
    let label = format!("system ({})", scope.reason());
    append(db, workspace_id, None, &label, ActorType::System, event, None).await
}

const INSERT: &str = "INSERT INTO audit_log (workspace_id, tenant_id, actor_id, actor_label, actor_type, action, \
    resource_type, resource_id, outcome, summary, metadata, ip, user_agent, recorded_at, prev_hash, hash) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
const LAST: &str = "SELECT hash, recorded_at FROM audit_log ORDER BY id DESC LIMIT 1";

async fn append(
    db: &Db,
    workspace_id: Option<i64>,
    actor_id: Option<i64>,
    actor_label: &str,
    actor_type: ActorType,
    event: AuditEvent,
    meta: Option<&RequestMeta>,
) -> Result<(), AppError> {
    let mut metadata = event.metadata;
    sanitize(&mut metadata);
    let mut row = AuditRow {
        id: 0,
        workspace_id,
        tenant_id: event.tenant_id,
        actor_id,
        actor_label: actor_label.to_string(),
        actor_type: actor_type.id().into(),
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
    macro_rules! insert {
        ($conn:expr) => {{
            let prev: Option<(String, String)> = sqlx::query_as(LAST).fetch_optional(&mut *$conn).await?;
            // Taken under the chain lock and never earlier than the previous row: `recorded_at` grows with
            // `id`, which lets readers turn date bounds into id bounds (see `repo`).
            row.recorded_at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
            if let Some((_, prev_at)) = prev.as_ref().filter(|(_, at)| *at > row.recorded_at) {
                row.recorded_at = prev_at.clone();
            }
            row.prev_hash = prev.map_or_else(|| GENESIS.to_string(), |(hash, _)| hash);
            row.hash = row.compute_hash(&row.prev_hash);
            sqlx::query(INSERT)
                .bind(row.workspace_id)
                .bind(row.tenant_id)
                .bind(row.actor_id)
                .bind(&row.actor_label)
                .bind(&row.actor_type)
                .bind(&row.action)
                .bind(&row.resource_type)
                .bind(&row.resource_id)
                .bind(&row.outcome)
                .bind(&row.summary)
                .bind(&row.metadata)
                .bind(&row.ip)
                .bind(&row.user_agent)
                .bind(&row.recorded_at)
                .bind(&row.prev_hash)
                .bind(&row.hash)
                .execute(&mut *$conn)
                .await?;
            Ok::<(), sqlx::Error>(())
        }};
    }
    let res: Result<(), sqlx::Error> = async {
        match db {
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7270001)").execute(&mut *tx).await?;
                insert!(tx)?;
                tx.commit().await
            }
            Db::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                conn.execute("BEGIN IMMEDIATE").await?;
                match insert!(conn) {
                    Ok(()) => conn.execute("COMMIT").await.map(|_| ()),
                    Err(e) => {
                        let _ = conn.execute("ROLLBACK").await;
                        Err(e)
                    }
                }
            }
        }
    }
    .await;
    res.map_err(internal)
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
        let sql = "SELECT * FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2";
        let page: Vec<AuditRow> =
            crate::db_run!(db, p => sqlx::query_as::<_, AuditRow>(sql).bind(after).bind(PAGE).fetch_all(p).await)
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
