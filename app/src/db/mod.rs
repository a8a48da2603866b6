//! The database handle: one binary, two engines. `DATABASE_URL` picks SQLite (embedded default) or
//! PostgreSQL (scale-out). Statements are written once in portable SQL (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`) and dispatched to the typed pool with [`db_run!`]; engine-specific SQL stays in the few
//! places that need it. Migrations for both dialects are embedded and run at start-up (fail hard).

use std::{str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    PgPool, SqlitePool,
};

mod rows;
pub use rows::{Column, Rows};

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

/// Runs the same expression against whichever pool `db` holds: `db_run!(db, pool => query.fetch_one(pool))`.
/// The expression is type-checked once per engine, so a statement that does not suit both fails to compile.
#[macro_export]
macro_rules! db_run {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// A value bound to a numbered placeholder of a statement built at run time.
#[derive(Debug, Clone)]
pub enum Arg {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Bool(bool),
    Time(chrono::DateTime<chrono::Utc>),
}

/// A statement with its arguments (`$1` … `$n`), built once and run on whichever engine's connection or
/// transaction it is given: how a change joins another writer's transaction (see
/// `audit::server::record_system_with`).
#[derive(Debug, Clone)]
pub struct Stmt {
    pub sql: String,
    pub args: Vec<Arg>,
}

impl Stmt {
    pub fn new(sql: impl Into<String>, args: Vec<Arg>) -> Self {
        Self { sql: sql.into(), args }
    }
}

/// Binds every [`Arg`] of `$args` (an iterator of `&Arg`) to the query `$q`, in order.
#[macro_export]
macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::db::Arg::Int(v) => q.bind(*v),
                $crate::db::Arg::OptInt(v) => q.bind(*v),
                $crate::db::Arg::Text(s) => q.bind(s.clone()),
                $crate::db::Arg::OptText(s) => q.bind(s.clone()),
                $crate::db::Arg::Bool(b) => q.bind(*b),
                $crate::db::Arg::Time(t) => q.bind(*t),
            };
        }
        q
    }};
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
        db_run!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
    }

    pub async fn close(&self) {
        db_run!(self, p => p.close().await)
    }
}
