//! What members do with a tenant's provider connection — read it (`providers.view`), save it
//! (`providers.manage`; a dedicated secret is sealed before it is stored and never returned or audited)
//! and start its verification run — and how run handlers obtain the credential of a tenant.

use serde_json::json;

use super::repo;
use crate::{
    audit::server::{record, AuditEvent},
    authz::{
        server::{TenantBound, TenantScope},
        Capability,
    },
    connections::{ConnectionDto, ConnectionInput, ConnectionType, VerificationStatus},
    db::Db,
    error::AppError,
    keys::Keys,
    operations::{
        server::service::{self as runs, StartRun, Started},
        FailureSummary, Reason, RunReason, RunType,
    },
    provider::server::{ClientSecret, Provider, TenantCredential},
};

/// The tenant's connection, `None` when it has none yet.
pub async fn get(db: &Db, scope: &TenantScope) -> Result<Option<ConnectionDto>, AppError> {
    scope.workspace().require(Capability::ProvidersView)?;
    repo::select_for_tenant(db, scope).await?.map(|r| r.into_dto()).transpose()
}

/// Creates or changes the connection. A new dedicated secret is sealed under the installation key with the
/// connection id as associated data; switching to `platform` deletes a stored secret. A draft tenant moves
/// to `onboarding`. Audited as `provider_connection.save` (type, client id, whether the secret changed).
pub async fn save(
    db: &Db,
    keys: &Keys,
    scope: &TenantScope,
    input: ConnectionInput,
) -> Result<ConnectionDto, AppError> {
    scope.workspace().require(Capability::ProvidersManage)?;
    let mut tx = db.begin().await?;
    let existing = repo::select_for_tenant(&mut tx, scope).await?;
    let had_secret = existing.as_ref().is_some_and(|c| c.has_secret);
    if input.connection_type == ConnectionType::Dedicated && input.client_secret.is_none() && !had_secret {
        return Err(AppError::validation("client_secret", "required"));
    }
    let id = repo::upsert(&mut tx, scope, input.connection_type, input.client_id.as_deref()).await?;
    let secret_changed = match (input.connection_type, &input.client_secret) {
        (ConnectionType::Dedicated, Some(secret)) => {
            let sealed = keys.seal(secret, &seal_context(id)).map_err(|e| {
                tracing::error!(error = %e, "sealing a provider secret failed");
                AppError::Internal
            })?;
            repo::put_credential(&mut tx, scope, id, keys.key_id(), &sealed).await?;
            true
        }
        (ConnectionType::Platform, _) if had_secret => {
            repo::delete_credential(&mut tx, scope, id).await?;
            true
        }
        _ => false,
    };
    repo::advance_lifecycle(&mut tx, scope, &["draft"], "onboarding").await?;
    let event = AuditEvent::new("provider_connection.save", "provider_connection", id)
        .tenant(scope.tenant_id())
        .summary(format!("Saved the {} provider connection", input.connection_type.id()))
        .metadata(json!({
            "connection_type": input.connection_type.id(),
            "client_id": input.client_id,
            "secret_changed": secret_changed,
        }));
    record(&mut tx, scope.workspace(), event).await?;
    let saved = repo::select_for_tenant(&mut tx, scope).await?;
    tx.commit().await?;
    saved.ok_or(AppError::NotFound)?.into_dto()
}

/// Starts (or returns the active) `provider.connection.verify` run; the connection shows `pending` until
/// the run reports. `Conflict("no_connection")` when the tenant has none.
pub async fn start_verify(db: &Db, scope: &TenantScope) -> Result<Started, AppError> {
    scope.workspace().require(Capability::ProvidersManage)?;
    let Some(conn) = repo::select_for_tenant(db, scope).await? else {
        return Err(AppError::Conflict("no_connection".into()));
    };
    let started =
        runs::start(db, scope.workspace(), StartRun::new(RunType::ProviderConnectionVerify, Some(scope.tenant_id())))
            .await?;
    if started.created {
        repo::set_verification_status(db, scope, conn.id, VerificationStatus::Pending).await?;
    }
    Ok(started)
}

fn seal_context(connection_id: i64) -> String {
    format!("provider_connection:{connection_id}")
}

/// A tenant's Graph credential for a run: the platform app for `platform` connections, the opened sealed
/// secret for `dedicated` ones. Failures are run failures with a stable reason (never the secret).
pub async fn credential(
    db: &Db,
    keys: &Keys,
    provider: &Provider,
    scope: &impl TenantBound,
) -> Result<(repo::ConnectionRow, TenantCredential), FailureSummary> {
    let tenant_id = scope.bound_tenant_id();
    let lost = |what: &str| FailureSummary::new(Reason::Run(RunReason::ConnectionMissing), what);
    let internal = |e: AppError| {
        tracing::warn!(tenant_id, error = %e, "reading a provider connection failed");
        FailureSummary::new(Reason::Run(RunReason::HandlerError), "the connection could not be read")
    };
    let conn = repo::select_for_tenant(db, scope)
        .await
        .map_err(internal)?
        .ok_or_else(|| lost("the tenant has no provider connection"))?;
    if !conn.is_enabled {
        return Err(lost("the provider connection is disabled"));
    }
    let (entra_tenant_id, _) = repo::select_tenant_identity(db, scope)
        .await
        .map_err(internal)?
        .ok_or_else(|| lost("the tenant no longer exists"))?;
    let credential = match conn.connection_type().map_err(internal)? {
        ConnectionType::Platform => provider
            .platform_credential(&entra_tenant_id)
            .ok_or_else(|| lost("no platform app is configured (TENANTPILOT_GRAPH_CLIENT_ID)"))?,
        ConnectionType::Dedicated => {
            let unreadable = |what: &str| FailureSummary::new(Reason::Run(RunReason::CredentialUnreadable), what);
            let (key_id, sealed) = repo::select_credential(db, scope, conn.id)
                .await
                .map_err(internal)?
                .ok_or_else(|| unreadable("no client secret is stored"))?;
            let secret = keys.open(&key_id, &sealed, &seal_context(conn.id)).map_err(|e| {
                tracing::warn!(tenant_id, error = %e, "opening a sealed provider secret failed");
                unreadable("the stored client secret cannot be opened with the configured key")
            })?;
            let client_id = conn.client_id.clone().ok_or_else(|| unreadable("no client id is stored"))?;
            TenantCredential::new(entra_tenant_id, client_id, ClientSecret::new(secret))
        }
    };
    Ok((conn, credential))
}
