//! The provider boundary: everything TenantPilot knows about Microsoft Graph.
//!
//! This module (both builds) owns the pure, shared vocabulary: the stable failure [`ReasonCode`]s that
//! runs, pages and the API show, and the [`contracts`] registry of supported policy types. The one Graph
//! HTTP client lives in [`server`] (feature `ssr` only, never in the wasm build). Graph is never called
//! while rendering a page: the client is for background work (inventory sync, verification, restore).

pub mod contracts;

#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

/// Why a Graph call failed, as a stable dotted code (`graph.throttled`). Stored in runs, shown humanized
/// in the UI, returned by the API; never carries provider text or secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum ReasonCode {
    /// 429 still answered after every retry, or a Retry-After longer than the client is willing to wait.
    Throttled,
    /// The token endpoint refused the credential (AADSTS error), or Graph rejected a fresh token.
    AuthFailed,
    /// 403: the app lacks the application permission (role) for this call.
    PermissionDenied,
    /// The tenant has no licence for the workload (e.g. Intune): not a failure of ours, nothing to sync.
    NotLicensed,
    /// 404: the object or route does not exist.
    NotFound,
    /// 400 / 409 / other 4xx: Graph refused the request as sent.
    BadRequest,
    /// No complete answer within the client's timeout.
    Timeout,
    /// The answer could not be read: malformed or truncated JSON, a body cut off, a foreign next link.
    BadResponse,
    /// 5xx after every retry, or the service could not be reached at all.
    Unavailable,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 9] = [
        Self::Throttled,
        Self::AuthFailed,
        Self::PermissionDenied,
        Self::NotLicensed,
        Self::NotFound,
        Self::BadRequest,
        Self::Timeout,
        Self::BadResponse,
        Self::Unavailable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Throttled => "graph.throttled",
            Self::AuthFailed => "graph.auth_failed",
            Self::PermissionDenied => "graph.permission_denied",
            Self::NotLicensed => "graph.not_licensed",
            Self::NotFound => "graph.not_found",
            Self::BadRequest => "graph.bad_request",
            Self::Timeout => "graph.timeout",
            Self::BadResponse => "graph.bad_response",
            Self::Unavailable => "graph.unavailable",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// Whether a later run may succeed without anyone changing anything (used to schedule retries).
    pub fn is_transient(self) -> bool {
        matches!(self, Self::Throttled | Self::Timeout | Self::Unavailable | Self::BadResponse)
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<ReasonCode> for &'static str {
    fn from(c: ReasonCode) -> Self {
        c.as_str()
    }
}

impl TryFrom<String> for ReasonCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s).ok_or_else(|| format!("unknown reason code {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in ReasonCode::ALL {
            assert!(seen.insert(c.as_str()));
            assert_eq!(ReasonCode::parse(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<ReasonCode>(&json).unwrap(), c);
        }
        assert_eq!(ReasonCode::parse("graph.nope"), None);
    }
}
