//! Transactions on either engine, and the one way a statement is run: on a pool (each statement commits
//! by itself: reads) or inside a [`Tx`] (a change and its audit entry, committed together).
//!
//! - [`Db::begin`] starts a write transaction with the isolation set explicitly: SQLite `BEGIN IMMEDIATE`
//!   (the single writer is taken up front, so a read-then-write inside the transaction never fails with
//!   `SQLITE_BUSY` halfway), PostgreSQL `READ COMMITTED` named in the `BEGIN`.
//! - [`Tx::lock`] takes a named lock for the rest of the transaction: a transaction-level advisory lock on
//!   PostgreSQL; on SQLite the transaction already excludes every other writer, so nothing more is needed.
//! - [`Ex`] is what [`crate::db_run!`] runs on: built from `&Db` or `&mut Tx`, so a repository function
//!   that takes `impl Into<Ex<'_>>` serves both a plain read and a read inside a change's transaction.
//!
//! A transaction that is dropped without [`Tx::commit`] is rolled back (sqlx's guarantee), so every early
//! return with `?` leaves nothing half-written.

use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

use super::{internal, Db};
use crate::error::AppError;

/// An open write transaction on either engine. Commit with [`Tx::commit`]; dropping it rolls back.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Tx::Sqlite(_) => "Tx::Sqlite",
            Tx::Postgres(_) => "Tx::Postgres",
        })
    }
}

/// The named locks a transaction can hold until it ends. Locks are always taken in this order within a
/// transaction (workspace-level before the audit chain, which is taken last by the audit writer), so two
/// transactions never wait on each other crosswise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// A workspace's memberships: the last-owner guard and invite consumption.
    Memberships(i64),
    /// A workspace's tenant activations: the plan's tenant limit is checked and used under it.
    TenantActivations(i64),
    /// The audit chain: one appender at a time, so the chain never forks.
    AuditChain,
}

impl Lock {
    /// The two 32-bit keys of PostgreSQL's `pg_advisory_xact_lock(int, int)`.
    fn keys(self) -> (i32, i32) {
        match self {
            Lock::Memberships(ws) => (7_270_002, (ws.rem_euclid(i64::from(i32::MAX))) as i32),
            Lock::TenantActivations(ws) => (7_270_003, (ws.rem_euclid(i64::from(i32::MAX))) as i32),
            Lock::AuditChain => (7_270_001, 0),
        }
    }
}

impl Db {
    /// Starts a write transaction (see the module docs for the isolation on each engine).
    pub async fn begin(&self) -> Result<Tx, AppError> {
        match self {
            Db::Sqlite(p) => p.begin_with("BEGIN IMMEDIATE").await.map(Tx::Sqlite),
            Db::Postgres(p) => p.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED").await.map(Tx::Postgres),
        }
        .map_err(internal)
    }
}

impl Tx {
    /// Holds `lock` until this transaction ends.
    pub async fn lock(&mut self, lock: Lock) -> Result<(), AppError> {
        match self {
            Tx::Postgres(tx) => {
                let (a, b) = lock.keys();
                sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
                    .bind(a)
                    .bind(b)
                    .execute(&mut **tx)
                    .await
                    .map(|_| ())
                    .map_err(internal)
            }
            // `BEGIN IMMEDIATE` took the database's write lock already.
            Tx::Sqlite(_) => Ok(()),
        }
    }

    /// Makes every change of the transaction permanent.
    pub async fn commit(self) -> Result<(), AppError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
        .map_err(internal)
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn engine(&self) -> &'static str {
        match self {
            Tx::Sqlite(_) => "sqlite",
            Tx::Postgres(_) => "postgres",
        }
    }
}

/// Where a statement runs: one of the two pools, or the connection of an open [`Tx`].
pub enum Ex<'a> {
    SqlitePool(&'a SqlitePool),
    PgPool(&'a PgPool),
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl<'a> From<&'a Db> for Ex<'a> {
    fn from(db: &'a Db) -> Self {
        match db {
            Db::Sqlite(p) => Ex::SqlitePool(p),
            Db::Postgres(p) => Ex::PgPool(p),
        }
    }
}

impl<'a> From<&'a mut Tx> for Ex<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        match tx {
            Tx::Sqlite(t) => Ex::Sqlite(t),
            Tx::Postgres(t) => Ex::Postgres(t),
        }
    }
}

/// Reborrows an executor, so a function given one `impl Into<Ex>` can run several statements on it.
impl<'b, 'a: 'b> From<&'b mut Ex<'a>> for Ex<'b> {
    fn from(ex: &'b mut Ex<'a>) -> Self {
        match ex {
            Ex::SqlitePool(p) => Ex::SqlitePool(p),
            Ex::PgPool(p) => Ex::PgPool(p),
            Ex::Sqlite(c) => Ex::Sqlite(c),
            Ex::Postgres(c) => Ex::Postgres(c),
        }
    }
}

impl Ex<'_> {
    /// Whether the statement runs on PostgreSQL (for the few engine-specific clauses).
    pub fn is_postgres(&self) -> bool {
        matches!(self, Ex::PgPool(_) | Ex::Postgres(_))
    }
}

/// Runs the same expression on whatever `$ex` (a `&Db`, a `&mut Tx` or an [`Ex`]) stands for:
/// `db_run!(db, e => query.fetch_one(e))`. The expression is type-checked once per engine and executor,
/// so a statement that does not suit both engines fails to compile. `$e` may be used once per arm (a
/// connection is borrowed mutably); a body needing several statements calls `db_run!` once per statement.
#[macro_export]
macro_rules! db_run {
    ($ex:expr, $e:ident => $body:expr) => {
        match ::core::convert::Into::<$crate::db::Ex<'_>>::into($ex) {
            $crate::db::Ex::SqlitePool($e) => $body,
            $crate::db::Ex::PgPool($e) => $body,
            $crate::db::Ex::Sqlite($e) => $body,
            $crate::db::Ex::Postgres($e) => $body,
        }
    };
}
