//! The scheduler: periodic runs per tenant. Each tick queues an `inventory.sync` (initiator `scheduled`)
//! for every active tenant with an enabled provider connection whose last sync was queued longer ago than
//! the interval (or never). Queuing is idempotent per identity, and the "last queued" check reads the
//! runs table, so several servers ticking on one PostgreSQL queue each due sync once.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::worker;
use crate::{
    authz::server::SystemScope,
    db::internal,
    db::Db,
    db_run,
    error::AppError,
    operations::{InitiatorKind, RunType},
};

/// Tenants (workspace id, tenant id) whose periodic sync is due at `now`.
pub async fn due_syncs(db: &Db, now: DateTime<Utc>, interval: Duration) -> Result<Vec<(i64, i64)>, AppError> {
    let interval =
        chrono::Duration::from_std(interval).map_err(|_| AppError::validation("interval", "out_of_range"))?;
    let sql = "SELECT t.workspace_id, t.id FROM tenants t \
               JOIN workspaces w ON w.id = t.workspace_id AND w.status = 'active' \
               JOIN provider_connections c ON c.tenant_id = t.id AND c.is_enabled = $1 \
               WHERE t.lifecycle = 'active' AND NOT EXISTS (SELECT 1 FROM operation_runs r WHERE r.tenant_id = t.id \
               AND r.run_type = 'inventory.sync' AND (r.status <> 'completed' OR r.created_at > $2)) ORDER BY t.id";
    db_run!(db, p => sqlx::query_as::<_, (i64, i64)>(sql).bind(true).bind(now - interval).fetch_all(p).await)
        .map_err(internal)
}

/// Queues every due sync; returns how many runs it created.
pub async fn tick(db: &Db, system: &SystemScope, now: DateTime<Utc>, interval: Duration) -> Result<usize, AppError> {
    let mut created = 0;
    for (workspace_id, tenant_id) in due_syncs(db, now, interval).await? {
        let (_, new) = worker::enqueue(
            db,
            system,
            workspace_id,
            Some(tenant_id),
            RunType::InventorySync,
            InitiatorKind::Scheduled,
        )
        .await?;
        created += usize::from(new);
    }
    Ok(created)
}
