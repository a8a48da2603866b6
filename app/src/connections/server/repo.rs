//! SQL for provider connections and their sealed credentials. Reads bind the workspace and tenant the
//! caller's scope entered; the worker-side statements take ids from the claimed run.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::{
    authz::server::TenantBound,
    connections::{ConnectionDto, ConnectionType, ConsentStatus, VerificationStatus},
    db::internal,
    db::{Db, Ex, Tx},
    db_run,
    error::AppError,
};

/// A stored connection, as read (with whether a sealed secret exists).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConnectionRow {
    pub id: i64,
    pub workspace_id: i64,
    pub tenant_id: i64,
    pub provider: String,
    pub connection_type: String,
    pub client_id: Option<String>,
    pub consent_status: String,
    pub verification_status: String,
    pub scopes_granted: String,
    pub last_health_check_at: Option<DateTime<Utc>>,
    pub last_error_reason_code: Option<String>,
    pub last_error_message: Option<String>,
    pub is_enabled: bool,
    pub updated_at: DateTime<Utc>,
    pub has_secret: bool,
}

const COLUMNS: &str = "c.id, c.workspace_id, c.tenant_id, c.provider, c.connection_type, c.client_id, \
     c.consent_status, c.verification_status, c.scopes_granted, c.last_health_check_at, c.last_error_reason_code, \
     c.last_error_message, c.is_enabled, c.updated_at, \
     EXISTS (SELECT 1 FROM provider_credentials k WHERE k.connection_id = c.id) AS has_secret";

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn corrupt(field: &str, id: i64) -> AppError {
    tracing::error!(connection_id = id, field, "unreadable provider connection row");
    AppError::Internal
}

impl ConnectionRow {
    pub fn connection_type(&self) -> Result<ConnectionType, AppError> {
        ConnectionType::parse(&self.connection_type).ok_or_else(|| corrupt("connection_type", self.id))
    }

    pub fn granted(&self) -> Vec<String> {
        serde_json::from_str(&self.scopes_granted).unwrap_or_default()
    }

    pub fn into_dto(self) -> Result<ConnectionDto, AppError> {
        let granted = self.granted();
        let verified = self.last_health_check_at.is_some();
        Ok(ConnectionDto {
            tenant_id: self.tenant_id,
            connection_type: self.connection_type()?,
            consent_status: ConsentStatus::parse(&self.consent_status)
                .ok_or_else(|| corrupt("consent_status", self.id))?,
            verification_status: VerificationStatus::parse(&self.verification_status)
                .ok_or_else(|| corrupt("verification_status", self.id))?,
            permissions_missing: if verified { crate::connections::missing_permissions(&granted) } else { Vec::new() },
            permissions_granted: granted,
            provider: self.provider,
            client_id: self.client_id,
            has_secret: self.has_secret,
            last_verified_at: self.last_health_check_at.map(time),
            last_error_reason: self.last_error_reason_code,
            last_error_message: self.last_error_message,
            is_enabled: self.is_enabled,
            updated_at: time(self.updated_at),
        })
    }
}

/// The tenant's connection (the caller entered the tenant through its scope).
pub async fn select_for_tenant(
    ex: impl Into<Ex<'_>>,
    scope: &impl TenantBound,
) -> Result<Option<ConnectionRow>, AppError> {
    let (workspace_id, tenant_id) = (scope.bound_workspace_id(), scope.bound_tenant_id());
    let sql = format!(
        "SELECT {COLUMNS} FROM provider_connections c WHERE c.workspace_id = $1 AND c.tenant_id = $2 \
         AND c.provider = 'microsoft'"
    );
    db_run!(ex, p => sqlx::query_as::<_, ConnectionRow>(&sql).bind(workspace_id).bind(tenant_id).fetch_optional(p).await)
        .map_err(internal)
}

/// Creates or replaces the tenant's connection settings; status goes back to `unknown` (a changed
/// credential has not been verified). Returns the connection id.
pub async fn upsert(
    tx: &mut Tx,
    scope: &impl TenantBound,
    connection_type: ConnectionType,
    client_id: Option<&str>,
) -> Result<i64, AppError> {
    let sql = "INSERT INTO provider_connections (workspace_id, tenant_id, connection_type, client_id, created_at, \
               updated_at) VALUES ($1, $2, $3, $4, $5, $5) \
               ON CONFLICT (tenant_id, provider) DO UPDATE SET connection_type = excluded.connection_type, \
               client_id = excluded.client_id, consent_status = 'unknown', verification_status = 'unknown', \
               updated_at = excluded.updated_at RETURNING id";
    db_run!(tx, p => sqlx::query_scalar::<_, i64>(sql)
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).bind(connection_type.id()).bind(client_id).bind(Utc::now())
        .fetch_one(p).await)
    .map_err(internal)
}

/// The scope's connection `$1`: `$2` workspace id, `$3` tenant id.
const CONNECTION_OF_SCOPE: &str =
    "connection_id IN (SELECT id FROM provider_connections WHERE id = $1 AND workspace_id = $2 AND tenant_id = $3)";

/// Stores (or replaces) the sealed secret of the scope's connection `connection_id` (nothing for another's).
pub async fn put_credential(
    tx: &mut Tx,
    scope: &impl TenantBound,
    connection_id: i64,
    key_id: &str,
    sealed: &str,
) -> Result<(), AppError> {
    let sql = "INSERT INTO provider_credentials (connection_id, key_id, sealed, updated_at) \
               SELECT id, $4, $5, $6 FROM provider_connections WHERE id = $1 AND workspace_id = $2 AND tenant_id = $3 \
               ON CONFLICT (connection_id) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed, \
               updated_at = excluded.updated_at";
    db_run!(tx, p => sqlx::query(sql)
        .bind(connection_id).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id())
        .bind(key_id).bind(sealed).bind(Utc::now()).execute(p).await.map(|_| ()))
    .map_err(internal)
}

pub async fn delete_credential(tx: &mut Tx, scope: &impl TenantBound, connection_id: i64) -> Result<(), AppError> {
    let sql = format!("DELETE FROM provider_credentials WHERE {CONNECTION_OF_SCOPE}");
    db_run!(tx, p => sqlx::query(&sql)
        .bind(connection_id).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).execute(p).await.map(|_| ()))
    .map_err(internal)
}

/// The sealed secret of the scope's connection: (key id, sealed text).
pub async fn select_credential(
    db: &Db,
    scope: &impl TenantBound,
    connection_id: i64,
) -> Result<Option<(String, String)>, AppError> {
    let sql = format!("SELECT key_id, sealed FROM provider_credentials WHERE {CONNECTION_OF_SCOPE}");
    db_run!(db, p => sqlx::query_as::<_, (String, String)>(&sql)
        .bind(connection_id).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).fetch_optional(p).await)
    .map_err(internal)
}

pub async fn set_verification_status(
    db: &Db,
    scope: &impl TenantBound,
    connection_id: i64,
    status: VerificationStatus,
) -> Result<(), AppError> {
    db_run!(db, p => sqlx::query(
        "UPDATE provider_connections SET verification_status = $1 WHERE id = $2 AND workspace_id = $3 AND tenant_id = $4")
        .bind(status.id()).bind(connection_id).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id())
        .execute(p).await.map(|_| ()))
    .map_err(internal)
}

/// What a verification found.
pub struct Verification<'a> {
    pub consent: ConsentStatus,
    pub status: VerificationStatus,
    /// `None` keeps the permissions the last successful token showed.
    pub granted: Option<&'a [String]>,
    pub reason: Option<&'a str>,
    pub message: Option<&'a str>,
}

pub async fn record_verification(
    db: &Db,
    scope: &impl TenantBound,
    connection_id: i64,
    v: &Verification<'_>,
) -> Result<(), AppError> {
    let granted = v.granted.map(|g| serde_json::to_string(g).unwrap_or_else(|_| "[]".into()));
    let sql = "UPDATE provider_connections SET consent_status = $1, verification_status = $2, \
               scopes_granted = COALESCE($3, scopes_granted), last_health_check_at = $4, last_error_reason_code = $5, \
               last_error_message = $6 WHERE id = $7 AND workspace_id = $8 AND tenant_id = $9";
    db_run!(db, p => sqlx::query(sql)
        .bind(v.consent.id()).bind(v.status.id()).bind(granted).bind(Utc::now()).bind(v.reason).bind(v.message)
        .bind(connection_id).bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).execute(p).await.map(|_| ()))
    .map_err(internal)
}

/// The tenant's directory id and lifecycle (for the worker, which has no member scope).
pub async fn select_tenant_identity(db: &Db, scope: &impl TenantBound) -> Result<Option<(String, String)>, AppError> {
    db_run!(db, p => sqlx::query_as::<_, (String, String)>(
        "SELECT entra_tenant_id, lifecycle FROM tenants WHERE workspace_id = $1 AND id = $2")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).fetch_optional(p).await)
    .map_err(internal)
}

/// The tenant's directory id and lifecycle inside a transaction (the activation check).
pub async fn select_tenant_identity_in(
    tx: &mut Tx,
    scope: &impl TenantBound,
) -> Result<Option<(String, String)>, AppError> {
    db_run!(tx, p => sqlx::query_as::<_, (String, String)>(
        "SELECT entra_tenant_id, lifecycle FROM tenants WHERE workspace_id = $1 AND id = $2")
        .bind(scope.bound_workspace_id()).bind(scope.bound_tenant_id()).fetch_optional(p).await)
    .map_err(internal)
}

/// Moves a tenant from `from` to `to` (onboarding steps); false when it was elsewhere.
pub async fn advance_lifecycle(
    tx: &mut Tx,
    scope: &impl TenantBound,
    from: &[&str],
    to: &str,
) -> Result<bool, AppError> {
    let list: Vec<String> = from.iter().map(|s| format!("'{s}'")).collect();
    let sql = format!(
        "UPDATE tenants SET lifecycle = $1, updated_at = $2 WHERE id = $3 AND workspace_id = $4 AND lifecycle IN ({})",
        list.join(", ")
    );
    db_run!(tx, p => sqlx::query(&sql).bind(to).bind(Utc::now()).bind(scope.bound_tenant_id())
        .bind(scope.bound_workspace_id()).execute(p).await
        .map(|r| r.rows_affected() == 1))
    .map_err(internal)
}
