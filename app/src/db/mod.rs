//! The database handle: one binary, two engines. `DATABASE_URL` picks SQLite (embedded default) or
//! PostgreSQL (scale-out). Statements are written once in portable SQL (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`) and run with [`crate::db_run!`] on a pool or inside a [`Tx`] (`tx.rs`: transactions, locks,
//! the executor type); dynamic `WHERE` clauses are built by [`Filter`] (`filter.rs`), multi-row statements
//! by [`Rows`] (`rows.rs`); engine-specific SQL stays in the few places that need it. Database errors
//! become [`AppError`] here ([`internal`], [`on_constraint`]). Migrations for both dialects are embedded
//! and run at start-up (fail hard).

use std::{str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    PgPool, SqlitePool,
};

use crate::error::AppError;

mod filter;
mod rows;
mod tx;
pub use filter::{like_escape, Binds, Filter, RawValue};
pub use rows::{Column, Rows};
pub use tx::{Ex, Lock, Tx};

pub static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");
pub static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

/// A PostgreSQL connection idle for this long is pinged before it is handed out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(30);

/// A connection pool on either engine.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    /// Which database this handle talks to, for process-local caches of facts about its contents.
    pub fn identity(&self) -> DbIdentity {
        match self {
            Db::Sqlite(p) => DbIdentity::Sqlite(p.connect_options()),
            Db::Postgres(p) => DbIdentity::Postgres(p.connect_options()),
        }
    }
}

/// The identity of a pool: equal for clones of one pool, different for any other pool. It holds the
/// pool's connection options (shared by every clone of the pool and compared by address), so an identity
/// kept in a cache keeps that address from being reused by a later pool.
#[derive(Clone, Debug)]
pub enum DbIdentity {
    Sqlite(Arc<SqliteConnectOptions>),
    Postgres(Arc<PgConnectOptions>),
}

impl DbIdentity {
    fn address(&self) -> usize {
        match self {
            DbIdentity::Sqlite(o) => Arc::as_ptr(o) as usize,
            DbIdentity::Postgres(o) => Arc::as_ptr(o) as usize,
        }
    }
}

impl PartialEq for DbIdentity {
    fn eq(&self, other: &Self) -> bool {
        self.address() == other.address()
    }
}

impl Eq for DbIdentity {}

impl std::hash::Hash for DbIdentity {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.address().hash(state);
    }
}

impl Db {
    /// Connects to `url` (`sqlite://path` or `postgres://…`), creating a SQLite file (and its directory) when
    /// missing. Does not migrate.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
            // sqlx pings every connection it hands out by default: a round trip per statement. A connection
            // in use moments ago is alive; only one idle for a while (the server or a proxy may have
            // closed it) is pinged first, and replaced when the ping fails.
            let pool = PgPoolOptions::new()
                .max_connections((cores * 4).max(8))
                .acquire_timeout(Duration::from_secs(10))
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for >= PING_AFTER_IDLE {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
                .connect_with(opts)
                .await?;
            Ok(Self::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // sqlx runs each SQLite connection on its own thread and hands rows over a bounded channel;
                // with room for a whole page (200 rows at most, plus the result) the thread never blocks
                // mid-query waiting for the request task (a futex round trip per page otherwise).
                .row_buffer_size(256);
            if let Some(dir) = opts.get_filename().parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
                }
            }
            // An in-process SQLite connection cannot be cut off: no ping before handing one out (sqlx's
            // default, a round trip to the connection's thread per statement).
            let pool =
                SqlitePoolOptions::new().max_connections(8).test_before_acquire(false).connect_with(opts).await?;
            Ok(Self::Sqlite(pool))
        } else {
            Err(sqlx::Error::Configuration("DATABASE_URL must start with sqlite: or postgres://".into()))
        }
    }

    /// Applies the embedded migrations of this engine.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Self::Sqlite(p) => SQLITE_MIGRATOR.run(p).await,
            Self::Postgres(p) => POSTGRES_MIGRATOR.run(p).await,
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn engine(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// A trivial round trip, for health checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        crate::db_run!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
    }

    pub async fn close(&self) {
        match self {
            Self::Sqlite(p) => p.close().await,
            Self::Postgres(p) => p.close().await,
        }
    }
}

/// Logs a database error and hides it behind `AppError::Internal`.
pub fn internal(e: sqlx::Error) -> AppError {
    tracing::error!(error = %e, "database error");
    AppError::Internal
}

/// Unique constraints a change may run into, by name, with the column list SQLite names instead (SQLite
/// reports `UNIQUE constraint failed: table.column, …`, never the constraint's name; a unique index is
/// reported by name).
const UNIQUES: &[(&str, &str)] = &[
    ("users_email_key", "users.email"),
    ("workspaces_slug_key", "workspaces.slug"),
    ("tenants_entra_tenant_id_key", "tenants.entra_tenant_id"),
    ("workspace_invites_token_hash_key", "workspace_invites.token_hash"),
    ("api_tokens_token_hash_key", "api_tokens.token_hash"),
    ("provider_connections_tenant_key", "provider_connections.tenant_id, provider_connections.provider"),
    ("notifications_run_kind_key", "notifications.run_id, notifications.kind"),
    ("baseline_profiles_name_key", "baseline_profiles.workspace_id, baseline_profiles.name"),
    // Partial unique indexes (one pending, one active acceptance per finding) share their column.
    ("finding_exceptions_pending_key", "finding_exceptions.finding_id"),
    ("finding_exceptions_active_key", "finding_exceptions.finding_id"),
    // One active evidence snapshot, one published review per tenant; one live pack per input fingerprint.
    ("evidence_snapshots_active_key", "evidence_snapshots.tenant_id"),
    ("tenant_reviews_published_key", "tenant_reviews.tenant_id"),
    ("review_packs_fingerprint_key", "review_packs.tenant_id, review_packs.fingerprint"),
];

/// Whether `e` is a violation of the unique constraint `constraint` (matched by name on both engines).
pub fn is_unique_violation(e: &sqlx::Error, constraint: &str) -> bool {
    let sqlx::Error::Database(d) = e else { return false };
    if !d.is_unique_violation() {
        return false;
    }
    if let Some(name) = d.constraint() {
        return name == constraint;
    }
    let message = d.message();
    let columns = UNIQUES.iter().find(|(name, _)| *name == constraint).map(|(_, cols)| *cols);
    columns.is_some_and(|cols| message.strip_prefix("UNIQUE constraint failed: ") == Some(cols))
        || message.ends_with(&format!("index '{constraint}'"))
}

/// Maps a violation of the unique constraint named `constraint` to `Conflict(code)`; any other error
/// (another constraint included) to Internal.
pub fn on_constraint(e: sqlx::Error, constraint: &str, code: &str) -> AppError {
    if is_unique_violation(&e, constraint) {
        AppError::Conflict(code.into())
    } else {
        internal(e)
    }
}
