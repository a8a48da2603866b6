//! Appending many generated rows to the chain in one transaction: the benchmark fixture
//! (`tenantpilot bench-seed`) fills a workspace with 100,000 entries in seconds instead of one
//! transaction per entry. Rows are chained exactly like [`super::record`]'s, so `audit verify` passes.

use chrono::{SecondsFormat, Utc};

use super::{AuditRow, GENESIS};
use crate::{auth::server::repo::internal, authz::server::SystemScope, db::Db, error::AppError};

/// Rows per multi-row `INSERT` (16 columns each: far below both engines' parameter limits).
const BATCH: usize = 500;
const COLUMNS: &str = "workspace_id, tenant_id, actor_id, actor_label, actor_type, action, resource_type, \
    resource_id, outcome, summary, metadata, ip, user_agent, recorded_at, prev_hash, hash";

/// Chains and inserts `rows` (their `prev_hash`/`hash` are overwritten) after the current last row, in
/// one transaction holding the same lock as [`super::record`]. `recorded_at` left empty becomes now; one
/// earlier than the previous row's becomes the previous row's (timestamps grow with ids, as `record` keeps them).
pub async fn append_generated(db: &Db, _scope: &SystemScope, mut rows: Vec<AuditRow>) -> Result<u64, AppError> {
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    macro_rules! run {
        ($tx:expr) => {{
            let last: Option<String> = sqlx::query_scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
                .fetch_optional(&mut *$tx)
                .await?;
            let mut prev = last.unwrap_or_else(|| GENESIS.to_string());
            for row in rows.iter_mut() {
                if row.recorded_at.is_empty() {
                    row.recorded_at = now.clone();
                }
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
    let res: Result<(), sqlx::Error> = async {
        match db {
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7270001)").execute(&mut *tx).await?;
                run!(tx)?;
                tx.commit().await
            }
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                run!(tx)?;
                tx.commit().await
            }
        }
    }
    .await;
    res.map_err(internal)?;
    Ok(rows.len() as u64)
}
