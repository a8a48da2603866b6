//! The audit log: append-only, tamper-evident (each row hashes the previous row's hash with its own
//! canonical content). Written by every mutation and every sensitive read; never localized.

#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActorType {
    Human,
    System,
    Scheduled,
    Integration,
}

impl ActorType {
    pub fn id(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::System => "system",
            Self::Scheduled => "scheduled",
            Self::Integration => "integration",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Success,
    Failure,
    Blocked,
    Info,
}

impl Outcome {
    pub fn id(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Blocked => "blocked",
            Self::Info => "info",
        }
    }
}

/// Exact field names whose values never reach audit metadata (the shared secret classifier's list:
/// exact names, not substrings — `passwordMinimumLength` stays visible).
pub const SECRET_FIELDS: &[&str] = &[
    "password",
    "newPassword",
    "new_password",
    "clientSecret",
    "client_secret",
    "secret",
    "privateKey",
    "private_key",
    "token",
    "accessToken",
    "access_token",
    "refreshToken",
    "refresh_token",
    "apiKey",
    "api_key",
    "sharedSecret",
    "preSharedKey",
];

/// Replaces the value of every secret field (at any depth) with `"[REDACTED]"`.
pub fn sanitize(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if SECRET_FIELDS.contains(&k.as_str()) {
                    *v = serde_json::Value::String("[REDACTED]".into());
                } else {
                    sanitize(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(sanitize),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_by_exact_name_at_any_depth() {
        let mut v = serde_json::json!({
            "password": "hunter2",
            "passwordMinimumLength": 12,
            "nested": [{ "clientSecret": "s3", "tokenType": "bearer" }]
        });
        sanitize(&mut v);
        assert_eq!(v["password"], "[REDACTED]");
        assert_eq!(v["passwordMinimumLength"], 12);
        assert_eq!(v["nested"][0]["clientSecret"], "[REDACTED]");
        assert_eq!(v["nested"][0]["tokenType"], "bearer");
    }
}
