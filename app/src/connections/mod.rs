//! Provider connections: how TenantPilot signs in to a managed tenant's Microsoft Graph (BRIEF §2.2, §3.7).
//! One connection per tenant — `platform` (the central multi-tenant app, admin consent, no customer
//! secret) or `dedicated` (the customer's own app registration, whose client secret is sealed at rest) —
//! with its consent and verification status and the permissions the last verification found. This module
//! (both builds) owns the vocabulary, the input rules and the required-permissions catalog; storage,
//! sealing and the `provider.connection.verify` run live in `connections::server`. See docs/connections.md.

pub mod api;
pub mod components;
#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

string_ids! {
    /// Which app signs in: the platform's multi-tenant app or the customer's own.
    ConnectionType { Platform => "platform", Dedicated => "dedicated" }
}

string_ids! {
    /// Whether the tenant's administrator consented to the app.
    ConsentStatus {
        Unknown => "unknown",
        Required => "required",
        Granted => "granted",
        Failed => "failed",
        Revoked => "revoked",
    }
}

string_ids! {
    /// What the last verification found.
    VerificationStatus {
        Unknown => "unknown",
        Pending => "pending",
        Healthy => "healthy",
        Degraded => "degraded",
        Blocked => "blocked",
        Error => "error",
    }
}

/// An application permission TenantPilot needs, and what for (a translation key suffix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequiredPermission {
    pub permission: &'static str,
    /// `inventory_intune`, `inventory_apps`, … (`connections.purpose_*` in the locales).
    pub purpose: &'static str,
}

/// The application permissions inventory sync and verification read with (read-only). A granted
/// `….ReadWrite.…` variant satisfies the read permission.
pub const REQUIRED_PERMISSIONS: &[RequiredPermission] = &[
    RequiredPermission { permission: "DeviceManagementConfiguration.Read.All", purpose: "intune" },
    RequiredPermission { permission: "DeviceManagementApps.Read.All", purpose: "apps" },
    RequiredPermission { permission: "Policy.Read.All", purpose: "conditional_access" },
    RequiredPermission { permission: "Group.Read.All", purpose: "groups" },
    RequiredPermission { permission: "Organization.Read.All", purpose: "organization" },
];

/// Whether `granted` (the token's `roles`) includes `permission` or its read-write variant.
pub fn is_granted(granted: &[String], permission: &str) -> bool {
    let write = permission.replace(".Read.", ".ReadWrite.");
    granted.iter().any(|g| g.eq_ignore_ascii_case(permission) || g.eq_ignore_ascii_case(&write))
}

/// The required permissions `granted` lacks.
pub fn missing_permissions(granted: &[String]) -> Vec<String> {
    REQUIRED_PERMISSIONS
        .iter()
        .filter(|p| !is_granted(granted, p.permission))
        .map(|p| p.permission.to_string())
        .collect()
}

/// A tenant's connection as pages and the API show it. Never carries the secret: only whether one is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionDto {
    pub tenant_id: i64,
    pub provider: String,
    pub connection_type: ConnectionType,
    /// The dedicated app's client id (public).
    pub client_id: Option<String>,
    pub has_secret: bool,
    pub consent_status: ConsentStatus,
    pub verification_status: VerificationStatus,
    pub permissions_granted: Vec<String>,
    pub permissions_missing: Vec<String>,
    pub last_verified_at: Option<String>,
    pub last_error_reason: Option<String>,
    pub last_error_message: Option<String>,
    pub is_enabled: bool,
    pub updated_at: String,
}

/// What a member asks to store. `client_secret` may be omitted when a dedicated secret is already stored
/// (keeps it); it is sealed before it reaches the database and never returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInput {
    pub connection_type: ConnectionType,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// Longest client secret accepted (Entra secrets are 40 characters; certificates are not accepted here).
pub const MAX_SECRET_LEN: usize = 512;

impl ConnectionInput {
    /// Validates the form: a known type; for `dedicated` a GUID client id and (unless `has_secret`) a
    /// secret of printable characters. For `platform` client id and secret must be empty.
    pub fn parse(
        connection_type: &str,
        client_id: Option<&str>,
        client_secret: Option<&str>,
        has_secret: bool,
    ) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let kind = ConnectionType::parse(connection_type.trim());
        if kind.is_none() {
            errors.push(crate::error::FieldError::new("connection_type", "unknown_connection_type"));
        }
        let client_id = client_id.map(str::trim).filter(|s| !s.is_empty());
        let secret = client_secret.filter(|s| !s.trim().is_empty()).map(|s| s.trim().to_string());
        let mut parsed_client = None;
        if kind == Some(ConnectionType::Dedicated) {
            match client_id.map(crate::tenants::parse_guid) {
                None => errors.push(crate::error::FieldError::new("client_id", "required")),
                Some(Err(code)) => errors.push(crate::error::FieldError::new("client_id", code)),
                Some(Ok(id)) => parsed_client = Some(id),
            }
            match &secret {
                None if !has_secret => errors.push(crate::error::FieldError::new("client_secret", "required")),
                Some(s) if s.len() > MAX_SECRET_LEN || s.chars().any(char::is_control) => {
                    errors.push(crate::error::FieldError::new("client_secret", "invalid_secret"))
                }
                _ => {}
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let connection_type = kind.unwrap_or(ConnectionType::Platform);
        Ok(match connection_type {
            ConnectionType::Platform => Self { connection_type, client_id: None, client_secret: None },
            ConnectionType::Dedicated => Self { connection_type, client_id: parsed_client, client_secret: secret },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(e: AppError) -> Vec<(String, String)> {
        match e {
            AppError::Validation(v) => v.into_iter().map(|f| (f.field, f.code)).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dedicated_needs_a_guid_client_id_and_a_secret_once() {
        let guid = "0b7a4f5e-2c3d-4e5f-8a9b-0c1d2e3f4a5b";
        let ok = ConnectionInput::parse("dedicated", Some(guid), Some(" s3cret "), false).unwrap();
        assert_eq!(ok.client_secret.as_deref(), Some("s3cret"));
        assert_eq!(ok.client_id.as_deref(), Some(guid));
        let keep = ConnectionInput::parse("dedicated", Some(guid), None, true).unwrap();
        assert_eq!(keep.client_secret, None);
        assert_eq!(
            codes(ConnectionInput::parse("dedicated", Some("nope"), None, false).unwrap_err()),
            vec![("client_id".into(), "invalid_guid".into()), ("client_secret".into(), "required".into())]
        );
        assert_eq!(
            codes(ConnectionInput::parse("dedicated", None, Some("a\u{7}b"), false).unwrap_err()),
            vec![("client_id".into(), "required".into()), ("client_secret".into(), "invalid_secret".into())]
        );
        assert_eq!(
            codes(ConnectionInput::parse("other", None, None, false).unwrap_err()),
            vec![("connection_type".into(), "unknown_connection_type".into())]
        );
    }

    #[test]
    fn platform_ignores_client_fields() {
        let p = ConnectionInput::parse("platform", Some("x"), Some("y"), false).unwrap();
        assert_eq!((p.client_id, p.client_secret), (None, None));
    }

    #[test]
    fn read_write_grants_satisfy_read_permissions() {
        let granted = vec!["DeviceManagementConfiguration.ReadWrite.All".to_string(), "Group.Read.All".into()];
        assert!(is_granted(&granted, "DeviceManagementConfiguration.Read.All"));
        assert!(!is_granted(&granted, "Policy.Read.All"));
        assert_eq!(missing_permissions(&granted).len(), REQUIRED_PERMISSIONS.len() - 2);
    }
}
