//! Sessions in the database on either engine: one store type dispatching to tower-sessions-sqlx-store's
//! SQLite or PostgreSQL store, the cookie policy, and the expired-session sweeper.

use async_trait::async_trait;
use tower_sessions::{
    cookie::SameSite,
    session::{Id, Record},
    session_store::{self, ExpiredDeletion},
    Expiry, SessionManagerLayer, SessionStore,
};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use app::db::Db;

/// Signed-in sessions expire after this much inactivity.
pub const IDLE_TIMEOUT_HOURS: i64 = 12;
pub const COOKIE_NAME: &str = "tp_session";

#[derive(Debug, Clone)]
pub enum DbSessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl DbSessionStore {
    /// The store on `db`'s engine, with its table created.
    pub async fn new(db: &Db) -> Result<Self, sqlx::Error> {
        let store = match db {
            Db::Sqlite(p) => Self::Sqlite(SqliteStore::new(p.clone())),
            Db::Postgres(p) => Self::Postgres(PostgresStore::new(p.clone())),
        };
        match &store {
            Self::Sqlite(s) => s.migrate().await?,
            Self::Postgres(s) => s.migrate().await?,
        }
        Ok(store)
    }

    /// Deletes expired sessions every `period` until aborted.
    pub fn spawn_sweeper(&self, period: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let store = self.clone();
        tokio::spawn(async move {
            let res = match store {
                Self::Sqlite(s) => s.continuously_delete_expired(period).await,
                Self::Postgres(s) => s.continuously_delete_expired(period).await,
            };
            if let Err(e) = res {
                tracing::error!(error = %e, "session sweeper stopped");
            }
        })
    }

    /// The session layer: HttpOnly, SameSite=Lax, `Secure` when served over https.
    pub fn layer(self, secure: bool) -> SessionManagerLayer<Self> {
        SessionManagerLayer::new(self)
            .with_name(COOKIE_NAME)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(secure)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(time::Duration::hours(IDLE_TIMEOUT_HOURS)))
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.create(record).await,
            Self::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.save(record).await,
            Self::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Sqlite(s) => s.load(id).await,
            Self::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Sqlite(s) => s.delete(id).await,
            Self::Postgres(s) => s.delete(id).await,
        }
    }
}
