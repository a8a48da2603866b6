//! The `provider.connection.verify` run: sign in (token), read the granted application permissions from
//! the token's `roles` claim and compare them with [`REQUIRED_PERMISSIONS`], read the organization (proves
//! the directory answers with this credential). Writes the connection's consent and verification status
//! and a sanitized verification report (`context.verification_report`: check ids, reason codes, permission
//! names — no tokens, headers or payloads). A first healthy or degraded verification finishes onboarding:
//! the tenant becomes `active` and its first inventory sync is queued.

use std::sync::Arc;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64URL, Engine};
use serde_json::{json, Value};

use super::{repo, service};
use crate::{
    audit::server::{record_system, AuditEvent},
    authz::server::RunScope,
    authz::server::SystemScope,
    connections::{missing_permissions, ConsentStatus, VerificationStatus, REQUIRED_PERMISSIONS},
    keys::Keys,
    operations::{
        server::worker::{self, Done, RunContext, Stop},
        FailureSummary, InitiatorKind, Reason, RunOutcome, RunReason, RunType, SummaryCounts,
    },
    provider::{
        server::{GraphError, Provider, Query},
        ReasonCode,
    },
};

/// The application permissions (`roles`) of an access token; empty when it is not a readable JWT.
pub fn token_roles(token: &str) -> Vec<String> {
    let Some(payload) = token.split('.').nth(1) else { return Vec::new() };
    let Ok(bytes) = B64URL.decode(payload.trim_end_matches('=')) else { return Vec::new() };
    let Ok(claims) = serde_json::from_slice::<Value>(&bytes) else { return Vec::new() };
    let mut roles: Vec<String> = claims
        .get("roles")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default();
    roles.sort();
    roles.dedup();
    roles
}

/// Consent and verification status for a failed sign-in or read.
fn classify(e: &GraphError) -> (ConsentStatus, VerificationStatus) {
    match (e.reason, e.aadsts) {
        // App not found in the directory / consent missing or withdrawn.
        (ReasonCode::AuthFailed, Some(700016 | 65001 | 500011)) => {
            (ConsentStatus::Required, VerificationStatus::Blocked)
        }
        (ReasonCode::AuthFailed, _) => (ConsentStatus::Failed, VerificationStatus::Blocked),
        (ReasonCode::PermissionDenied, _) => (ConsentStatus::Granted, VerificationStatus::Blocked),
        (ReasonCode::NotLicensed, _) => (ConsentStatus::Granted, VerificationStatus::Degraded),
        _ => (ConsentStatus::Unknown, VerificationStatus::Error),
    }
}

fn check(id: &str, status: &str, reason: Option<&str>) -> Value {
    json!({ "check": id, "status": status, "reason": reason })
}

fn store_failed(e: crate::error::AppError) -> Stop {
    tracing::warn!(error = %e, "recording a verification failed");
    Stop::Failed(FailureSummary::new(Reason::Run(RunReason::HandlerError), "the result could not be stored"))
}

/// Records a failed check on the connection and in the report; the run fails with the Graph reason.
async fn failed(ctx: &RunContext, scope: &RunScope, connection_id: i64, checks: Vec<Value>, e: GraphError) -> Stop {
    let (consent, status) = classify(&e);
    let summary = FailureSummary::new(Reason::Graph(e.reason), &e.to_string());
    let v = repo::Verification {
        consent,
        status,
        granted: None,
        reason: Some(e.reason.as_str()),
        message: Some(summary.message.as_str()),
    };
    if let Err(e) = repo::record_verification(&ctx.db, scope, connection_id, &v).await {
        return store_failed(e);
    }
    let report = json!({ "version": 1, "status": status.id(), "checks": checks });
    if let Err(stop) = ctx.set_context("verification_report", report).await {
        return stop;
    }
    Stop::Failed(summary)
}

/// Runs one verification (registered for [`RunType::ProviderConnectionVerify`]).
pub async fn run(ctx: RunContext, provider: Arc<Provider>, keys: Arc<Keys>) -> Result<Done, Stop> {
    let db = ctx.db.clone();
    let scope = ctx.tenant_scope().ok_or_else(|| {
        Stop::Failed(FailureSummary::new(Reason::Run(RunReason::ConnectionMissing), "the run names no tenant"))
    })?;
    let (workspace_id, tenant_id) = (scope.workspace_id(), scope.tenant_id());
    ctx.checkpoint(0, Some(3)).await?;
    let (conn, credential) = service::credential(&db, &keys, &provider, &scope).await.map_err(Stop::Failed)?;
    let graph = provider.graph.tenant(credential);
    let mut checks = Vec::new();
    // 1. Sign in.
    let token = match graph.fresh_token().await {
        Ok(t) => t,
        Err(e) => {
            checks.push(check("token", "failed", Some(e.reason.as_str())));
            return Err(failed(&ctx, &scope, conn.id, checks, e).await);
        }
    };
    checks.push(check("token", "ok", None));
    ctx.checkpoint(1, Some(3)).await?;

    // 2. Permissions granted to the app in this directory.
    let granted = token_roles(token.secret());
    let missing = missing_permissions(&granted);
    let permissions: Vec<Value> = REQUIRED_PERMISSIONS
        .iter()
        .map(|p| json!({ "permission": p.permission, "granted": !missing.iter().any(|m| m == p.permission) }))
        .collect();
    checks.push(check(
        "permissions",
        if missing.is_empty() { "ok" } else { "missing" },
        (!missing.is_empty()).then_some(ReasonCode::PermissionDenied.as_str()),
    ));
    ctx.checkpoint(2, Some(3)).await?;

    // 3. The directory answers.
    let org = match graph.get("/v1.0/organization", &Query::default().select(&["id", "displayName"])).await {
        Ok(v) => v,
        Err(e) => {
            checks.push(check("organization", "failed", Some(e.reason.as_str())));
            return Err(failed(&ctx, &scope, conn.id, checks, e).await);
        }
    };
    let directory_name = org
        .get("value")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
        .and_then(|o| o.get("displayName"))
        .and_then(Value::as_str)
        .map(|s| s.chars().take(200).collect::<String>());
    checks.push(check("organization", "ok", None));

    let status = if missing.is_empty() { VerificationStatus::Healthy } else { VerificationStatus::Degraded };
    let reason = (!missing.is_empty()).then_some(ReasonCode::PermissionDenied.as_str());
    let message = (!missing.is_empty()).then(|| format!("missing application permissions: {}", missing.join(", ")));
    let v = repo::Verification {
        consent: ConsentStatus::Granted,
        status,
        granted: Some(&granted),
        reason,
        message: message.as_deref(),
    };
    repo::record_verification(&db, &scope, conn.id, &v).await.map_err(store_failed)?;
    ctx.set_context(
        "verification_report",
        json!({ "version": 1, "status": status.id(), "checks": checks, "permissions": permissions,
                "directory_name": directory_name }),
    )
    .await?;
    ctx.checkpoint(3, Some(3)).await?;

    // Onboarding: the first good verification activates the tenant and queues its first sync — unless the
    // plan's limit of active tenants is reached (checked under the workspace's activation lock).
    let mut tx = db.begin().await.map_err(store_failed)?;
    tx.lock(crate::db::Lock::TenantActivations(workspace_id)).await.map_err(store_failed)?;
    let pending = repo::select_tenant_identity_in(&mut tx, &scope)
        .await
        .map_err(store_failed)?
        .is_some_and(|(_, lifecycle)| lifecycle == "draft" || lifecycle == "onboarding");
    if pending
        && !crate::reviews::server::entitlements::tenant_activation_allowed_in(&mut tx, &scope)
            .await
            .map_err(store_failed)?
    {
        let system = SystemScope::for_job("onboarding");
        let event = AuditEvent::new("tenant.activation_blocked", "tenant", tenant_id)
            .tenant(tenant_id)
            .summary("Not activated: the plan's limit of active managed tenants is reached")
            .metadata(json!({ "entitlement": "managed_tenant_limit" }));
        record_system(&mut tx, &system, Some(workspace_id), event).await.map_err(store_failed)?;
        tx.commit().await.map_err(store_failed)?;
        return Ok(Done {
            outcome: RunOutcome::Blocked,
            summary: SummaryCounts::new(),
            failure: Some(FailureSummary::new(
                Reason::Run(RunReason::EntitlementBlocked),
                "the connection works, but the plan's limit of active managed tenants is reached",
            )),
        });
    }
    if repo::advance_lifecycle(&mut tx, &scope, &["draft", "onboarding"], "active").await.map_err(store_failed)? {
        let system = SystemScope::for_job("onboarding");
        let event = AuditEvent::new("tenant.activate", "tenant", tenant_id)
            .tenant(tenant_id)
            .summary("Activated the managed tenant after a successful connection verification");
        record_system(&mut tx, &system, Some(workspace_id), event).await.map_err(store_failed)?;
        tx.commit().await.map_err(store_failed)?;
        worker::enqueue(&db, &system, workspace_id, Some(tenant_id), RunType::InventorySync, InitiatorKind::System)
            .await
            .map_err(store_failed)?;
    }

    let summary = SummaryCounts::from([
        ("permissions_granted".to_string(), (REQUIRED_PERMISSIONS.len() - missing.len()) as i64),
        ("permissions_missing".to_string(), missing.len() as i64),
    ]);
    Ok(if missing.is_empty() {
        Done { outcome: RunOutcome::Succeeded, summary, failure: None }
    } else {
        Done {
            outcome: RunOutcome::PartiallySucceeded,
            summary,
            failure: Some(FailureSummary::new(
                Reason::Graph(ReasonCode::PermissionDenied),
                message.as_deref().unwrap_or(""),
            )),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_from_the_jwt_payload_and_garbage_gives_none() {
        let payload = B64URL.encode(br#"{"roles":["b.Read.All","a.Read.All","a.Read.All"]}"#);
        assert_eq!(token_roles(&format!("h.{payload}.s")), vec!["a.Read.All".to_string(), "b.Read.All".into()]);
        assert!(token_roles("not-a-jwt").is_empty());
        assert!(token_roles("a.%%%.c").is_empty());
        assert!(token_roles(&format!("a.{}.c", B64URL.encode(b"[1,2]"))).is_empty());
    }
}
