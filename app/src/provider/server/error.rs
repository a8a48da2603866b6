//! [`GraphError`]: a failed Graph or token call, reduced to a [`ReasonCode`] plus the facts worth keeping
//! (HTTP status, Graph error code, AADSTS number, Retry-After). Built from response bodies by
//! [`from_graph_body`] and [`from_token_body`]; never holds request headers, tokens or secrets.

use std::time::Duration;

use serde_json::Value;

use crate::provider::ReasonCode;

#[derive(Debug, Clone, PartialEq)]
pub struct GraphError {
    pub reason: ReasonCode,
    pub status: Option<u16>,
    /// Graph's `error.code` (`Authorization_RequestDenied`) or the token endpoint's `error` (`invalid_client`).
    pub code: Option<String>,
    /// The AADSTS number of a token endpoint error (7000215 = invalid client secret).
    pub aadsts: Option<u32>,
    /// The last Retry-After the service asked for, if any.
    pub retry_after: Option<Duration>,
    /// Requests made for this call, retries included.
    pub attempts: u32,
    pub message: String,
}

impl GraphError {
    pub fn new(reason: ReasonCode, message: impl Into<String>) -> Self {
        let mut message: String = message.into();
        if message.len() > 400 {
            let cut = (0..=400).rev().find(|i| message.is_char_boundary(*i)).unwrap_or(0);
            message.truncate(cut);
        }
        Self { reason, status: None, code: None, aadsts: None, retry_after: None, attempts: 0, message }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.reason)?;
        if let Some(s) = self.status {
            write!(f, " (HTTP {s}")?;
            if let Some(c) = &self.code {
                write!(f, " {c}")?;
            }
            if let Some(n) = self.aadsts {
                write!(f, " AADSTS{n}")?;
            }
            write!(f, ")")?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for GraphError {}

/// True when Graph says the tenant lacks the workload's licence ("Request not applicable to target tenant").
fn is_not_licensed(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("not applicable to target tenant") || m.contains("license") || m.contains("licence")
}

/// A non-success Graph answer: `{"error":{"code":…,"message":…}}` (anything else is tolerated).
pub fn from_graph_body(status: u16, body: &[u8]) -> GraphError {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let code = json.as_ref().and_then(|j| j.pointer("/error/code")).and_then(Value::as_str).map(str::to_string);
    let message =
        json.as_ref().and_then(|j| j.pointer("/error/message")).and_then(Value::as_str).unwrap_or("").to_string();
    let reason = match status {
        401 => ReasonCode::AuthFailed,
        400 | 403 if is_not_licensed(&message) => ReasonCode::NotLicensed,
        403 => ReasonCode::PermissionDenied,
        404 => ReasonCode::NotFound,
        408 => ReasonCode::Timeout,
        429 => ReasonCode::Throttled,
        400..=499 => ReasonCode::BadRequest,
        _ => ReasonCode::Unavailable,
    };
    let mut e = GraphError::new(reason, if message.is_empty() { format!("HTTP {status}") } else { message });
    e.status = Some(status);
    e.code = code;
    e
}

/// A token endpoint refusal: `{"error":"invalid_client","error_description":"AADSTS7000215: …","error_codes":[7000215]}`.
pub fn from_token_body(status: u16, body: &[u8]) -> GraphError {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let Some(json) = json.filter(|j| j.get("error").is_some()) else {
        return GraphError::new(ReasonCode::BadResponse, "token endpoint answered without an OAuth error body")
            .with_status(status);
    };
    let description = json.get("error_description").and_then(Value::as_str).unwrap_or("");
    let aadsts = json
        .get("error_codes")
        .and_then(|c| c.get(0))
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .or_else(|| parse_aadsts(description));
    // Keep Microsoft's first sentence; drop the trace/correlation ids and timestamp that follow.
    let first = description.split(['\r', '\n']).next().unwrap_or("").split(" Trace ID:").next().unwrap_or("");
    let mut e = GraphError::new(ReasonCode::AuthFailed, first.trim());
    e.status = Some(status);
    e.code = json.get("error").and_then(Value::as_str).map(str::to_string);
    e.aadsts = aadsts;
    e
}

fn parse_aadsts(description: &str) -> Option<u32> {
    let rest = &description[description.find("AADSTS")? + 6..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_bodies_map_to_reason_codes() {
        let denied = br#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#;
        let e = from_graph_body(403, denied);
        assert_eq!(e.reason, ReasonCode::PermissionDenied);
        assert_eq!(e.code.as_deref(), Some("Authorization_RequestDenied"));
        let unlicensed = br#"{"error":{"code":"BadRequest","message":"Request not applicable to target tenant."}}"#;
        assert_eq!(from_graph_body(400, unlicensed).reason, ReasonCode::NotLicensed);
        assert_eq!(from_graph_body(404, b"").reason, ReasonCode::NotFound);
        assert_eq!(from_graph_body(409, b"not json").reason, ReasonCode::BadRequest);
        assert_eq!(from_graph_body(500, b"").reason, ReasonCode::Unavailable);
        assert_eq!(from_graph_body(401, b"{}").reason, ReasonCode::AuthFailed);
    }

    #[test]
    fn token_errors_keep_the_aadsts_code_but_not_the_trace() {
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Trace ID: abc Correlation ID: def","error_codes":[7000215]}"#;
        let e = from_token_body(401, body);
        assert_eq!(e.reason, ReasonCode::AuthFailed);
        assert_eq!(e.aadsts, Some(7000215));
        assert_eq!(e.code.as_deref(), Some("invalid_client"));
        assert_eq!(e.message, "AADSTS7000215: Invalid client secret provided.");
        let no_codes = br#"{"error":"invalid_request","error_description":"AADSTS90002: Tenant 'x' not found."}"#;
        assert_eq!(from_token_body(400, no_codes).aadsts, Some(90002));
        assert_eq!(from_token_body(400, b"<html>").reason, ReasonCode::BadResponse);
    }

    #[test]
    fn long_messages_are_cut_on_a_char_boundary() {
        let e = GraphError::new(ReasonCode::BadRequest, "é".repeat(300));
        assert!(e.message.len() <= 400);
        assert!(e.to_string().starts_with("graph.bad_request: é"));
    }
}
