//! Fault injection: per tenant, an ordered list of [`Fault`]s set through `POST /_sim/tenants/{tid}/faults`.
//! A request takes the first fault whose route (a substring of the request path) and method match; a fault
//! without a route applies to Graph requests only, so the token endpoint fails only when a fault names it
//! (`"route": "oauth2"`). A fault with `times` is used up after that many requests.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 TooManyRequests, with `Retry-After: <retry_after>` when given (seconds, may be fractional).
    Throttle { retry_after: Option<f64> },
    /// A bare error status with a Graph error body (503 ServiceUnavailable, 504 GatewayTimeout, 500, …).
    Status { status: u16 },
    /// Answer normally, but only after `ms` milliseconds.
    Slow { ms: u64 },
    /// Announce the full length, send half the body, then drop the connection.
    Truncated,
    /// 200 with a body that is not JSON.
    Malformed,
    /// 401 InvalidAuthenticationToken ("Access token has expired or is not yet valid.").
    ExpiredToken,
    /// 403 Authorization_RequestDenied (the app lacks the role).
    Forbidden,
    /// 400 "Request not applicable to target tenant." (no Intune licence).
    NotLicensed,
    /// Answer normally but reverse every array inside the returned objects (Graph does not promise order).
    Reorder,
    /// Answer normally but show assignment filters by display name instead of id (IntuneCD #163).
    FilterNames,
}

/// (Unknown fields cannot be refused here: serde does not support that together with `flatten`.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// Substring of the request path (`deviceConfigurations`, `oauth2`); absent = every route.
    #[serde(default)]
    pub route: Option<String>,
    /// HTTP method (`GET`, `PATCH`); absent = every method.
    #[serde(default)]
    pub method: Option<String>,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Requests this fault applies to; absent = until cleared.
    #[serde(default)]
    pub times: Option<u32>,
}

impl Fault {
    fn matches(&self, method: &str, path: &str, token_endpoint: bool) -> bool {
        let route = match self.route.as_deref() {
            Some(r) => path.contains(r),
            None => !token_endpoint,
        };
        route && self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
    }

    /// Rejects faults the simulator cannot produce faithfully.
    pub fn validate(&self) -> Result<(), String> {
        match &self.kind {
            FaultKind::Throttle { retry_after: Some(s) } if !s.is_finite() || *s < 0.0 => {
                Err("retry_after must be a non-negative number of seconds".into())
            }
            FaultKind::Status { status } if !(400..=599).contains(status) => Err("status must be 400–599".into()),
            FaultKind::Slow { ms } if *ms > 600_000 => Err("ms must be at most 600000".into()),
            _ if self.times == Some(0) => Err("times must be at least 1".into()),
            _ => Ok(()),
        }
    }
}

/// Takes the first matching fault, using up one of its `times`.
pub fn take(faults: &mut Vec<Fault>, method: &str, path: &str, token_endpoint: bool) -> Option<FaultKind> {
    let i = faults.iter().position(|f| f.matches(method, path, token_endpoint))?;
    let kind = faults[i].kind.clone();
    if let Some(t) = faults[i].times.as_mut() {
        *t -= 1;
        if *t == 0 {
            faults.remove(i);
        }
    }
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_match_by_route_and_method_and_are_used_up() {
        let mut faults: Vec<Fault> = serde_json::from_str(
            r#"[{"route":"deviceConfigurations","method":"get","type":"throttle","retry_after":1.5,"times":2},
                {"type":"status","status":503}]"#,
        )
        .unwrap();
        let dc = "/beta/deviceManagement/deviceConfigurations";
        assert_eq!(take(&mut faults, "GET", dc, false), Some(FaultKind::Throttle { retry_after: Some(1.5) }));
        assert_eq!(take(&mut faults, "PATCH", "/beta/x", false), Some(FaultKind::Status { status: 503 }));
        // A fault without a route leaves the token endpoint alone.
        assert_eq!(take(&mut faults, "POST", "/t/oauth2/v2.0/token", true), None);
        take(&mut faults, "GET", dc, false);
        assert_eq!(faults.len(), 1);
        assert_eq!(take(&mut faults, "GET", dc, false), Some(FaultKind::Status { status: 503 }));
        assert!(serde_json::from_str::<Fault>(r#"{"type":"explode"}"#).is_err());
        let bad: Fault = serde_json::from_str(r#"{"type":"status","status":200}"#).unwrap();
        assert!(bad.validate().is_err());
    }
}
