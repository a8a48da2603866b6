//! SQL for accounts and sign-in throttling (portable across SQLite and PostgreSQL).

use chrono::{DateTime, Utc};

use crate::{
    auth::CurrentUser,
    db::{internal, on_constraint, Db, Ex, Tx},
    db_run,
    error::AppError,
};

/// A `users` row. `Debug` omits the password hash.
#[derive(Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub locale: Option<String>,
    pub is_platform_admin: bool,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow").field("id", &self.id).field("email", &self.email).finish_non_exhaustive()
    }
}

impl UserRow {
    pub fn to_dto(&self) -> CurrentUser {
        CurrentUser {
            id: self.id,
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            locale: self.locale.clone(),
            is_platform_admin: self.is_platform_admin,
        }
    }
}

const USER_COLUMNS: &str = "id, email, display_name, password_hash, locale, is_platform_admin, created_at";

pub async fn select_user_by_email(db: &Db, email: &str) -> Result<Option<UserRow>, AppError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    db_run!(db, p => sqlx::query_as::<_, UserRow>(&sql).bind(email).fetch_optional(p).await).map_err(internal)
}

pub async fn select_user_by_id(ex: impl Into<Ex<'_>>, id: i64) -> Result<Option<UserRow>, AppError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    db_run!(ex, p => sqlx::query_as::<_, UserRow>(&sql).bind(id).fetch_optional(p).await).map_err(internal)
}

pub async fn count_users(db: &Db) -> Result<i64, AppError> {
    db_run!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(p).await).map_err(internal)
}

pub async fn insert_user(
    ex: impl Into<Ex<'_>>,
    email: &str,
    display_name: &str,
    password_hash: &str,
    is_platform_admin: bool,
) -> Result<i64, AppError> {
    let now = Utc::now();
    let sql = "INSERT INTO users (email, display_name, password_hash, is_platform_admin, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, $5, $5) RETURNING id";
    db_run!(ex, p => sqlx::query_scalar::<_, i64>(sql)
        .bind(email)
        .bind(display_name)
        .bind(password_hash)
        .bind(is_platform_admin)
        .bind(now)
        .fetch_one(p)
        .await)
    .map_err(|e| on_constraint(e, "users_email_key", "email_taken"))
}

pub async fn update_user_locale(db: &Db, user_id: i64, locale: Option<&str>) -> Result<(), AppError> {
    let sql = "UPDATE users SET locale = $1, updated_at = $2 WHERE id = $3";
    db_run!(db, p => sqlx::query(sql).bind(locale).bind(Utc::now()).bind(user_id).execute(p).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(internal)
}

/// Stores a new password hash (the session stamp derived from it changes with it).
pub async fn update_user_password(tx: &mut Tx, user_id: i64, password_hash: &str) -> Result<(), AppError> {
    let sql = "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3";
    db_run!(tx, p => sqlx::query(sql).bind(password_hash).bind(Utc::now()).bind(user_id).execute(p).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(internal)
}

/// Failed sign-ins since `since`: (count for the account, oldest for the account, count for the IP,
/// oldest for the IP).
#[derive(Debug, Default)]
pub struct FailureCounts {
    pub account: i64,
    pub account_oldest: Option<DateTime<Utc>>,
    pub ip: i64,
    pub ip_oldest: Option<DateTime<Utc>>,
}

pub async fn count_login_failures(
    db: &Db,
    email: &str,
    ip: &str,
    since: DateTime<Utc>,
) -> Result<FailureCounts, AppError> {
    let by_email = "SELECT COUNT(*), MIN(failed_at) FROM login_failures WHERE email = $1 AND failed_at > $2";
    let by_ip = "SELECT COUNT(*), MIN(failed_at) FROM login_failures WHERE ip = $1 AND failed_at > $2";
    let (account, account_oldest) = db_run!(db, p => sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(by_email)
        .bind(email).bind(since).fetch_one(p).await)
    .map_err(internal)?;
    let (ip, ip_oldest) = db_run!(db, p => sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(by_ip)
        .bind(ip).bind(since).fetch_one(p).await)
    .map_err(internal)?;
    Ok(FailureCounts { account, account_oldest, ip, ip_oldest })
}

pub async fn insert_login_failure(db: &Db, email: &str, ip: &str) -> Result<(), AppError> {
    let sql = "INSERT INTO login_failures (email, ip, failed_at) VALUES ($1, $2, $3)";
    db_run!(db, p => sqlx::query(sql).bind(email).bind(ip).bind(Utc::now()).execute(p).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(internal)
}

/// Forgets an account's failures after a successful sign-in, and everyone's failures older than `before`.
pub async fn delete_login_failures(db: &Db, email: &str, before: DateTime<Utc>) -> Result<(), AppError> {
    let sql = "DELETE FROM login_failures WHERE email = $1 OR failed_at < $2";
    db_run!(db, p => sqlx::query(sql).bind(email).bind(before).execute(p).await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(internal)
}
