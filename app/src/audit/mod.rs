//! The audit log: append-only, tamper-evident (each row hashes the previous row's hash with its own
//! canonical content). Written by every mutation and every sensitive read; never localized.
//!
//! Reading it: [`AuditFilter`] (validated filters shared by the page, the export and the JSON API; rules
//! in `docs/decisions-audit.md`), [`AuditEntry`] (one row as shown and exported) and [`AuditList`] (one
//! keyset page for the audit page). Pages in `pages`, server functions in `api`.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{error::FieldError, members::TenantRef};

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
    pub const ALL: [Outcome; 4] = [Outcome::Success, Outcome::Failure, Outcome::Blocked, Outcome::Info];

    pub fn id(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Blocked => "blocked",
            Self::Info => "info",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.id() == id)
    }
}

/// Entries per page of the audit page and the default `limit`.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest `limit` (and API `per_page`).
pub const MAX_LIMIT: u32 = 200;
/// Longest accepted `action` filter.
const MAX_ACTION_LEN: usize = 100;

/// The filters as received (query parameters or server-function arguments); empty values mean "not set".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawAuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub tenant: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub before: Option<String>,
    pub limit: Option<String>,
}

impl RawAuditFilter {
    /// From query pairs (the last value of a repeated name wins; unknown names are ignored).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |k: &str| pairs.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        Self {
            actor: get("actor"),
            action: get("action"),
            tenant: get("tenant"),
            outcome: get("outcome"),
            from: get("from"),
            to: get("to"),
            before: get("before"),
            limit: get("limit"),
        }
    }
}

/// Validated filters of the audit log. Semantics (`docs/decisions-audit.md`): `actor` is the acting user's
/// id; `action` is exact, or a prefix when it ends with `.` (`tenant.`); `from`/`to` are UTC calendar days,
/// both inclusive; `before` is the keyset cursor (entries with a smaller id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub actor: Option<i64>,
    pub action: Option<String>,
    pub tenant: Option<i64>,
    pub outcome: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub before: Option<i64>,
}

fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn positive(v: &Option<String>, field: &str, errs: &mut Vec<FieldError>) -> Option<i64> {
    let raw = set(v)?;
    match raw.parse::<i64>() {
        Ok(n) if n >= 1 => Some(n),
        _ => {
            errs.push(FieldError::new(field, "invalid"));
            None
        }
    }
}

fn date(v: &Option<String>, field: &str, errs: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let raw = set(v)?;
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) if raw.len() == 10 => Some(d),
        _ => {
            errs.push(FieldError::new(field, "invalid_date"));
            None
        }
    }
}

/// Action ids are lower-case dotted words (`api_token.use`).
fn is_action_like(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
}

impl AuditFilter {
    /// Validates `raw`; returns the filters and the page size (`limit`, 1–200, default 50), or field errors.
    pub fn parse(raw: &RawAuditFilter) -> Result<(Self, u32), crate::error::AppError> {
        let mut errs = Vec::new();
        let actor = positive(&raw.actor, "actor", &mut errs);
        let tenant = positive(&raw.tenant, "tenant", &mut errs);
        let before = positive(&raw.before, "before", &mut errs);
        let action = set(&raw.action).and_then(|a| {
            if a.len() > MAX_ACTION_LEN {
                errs.push(FieldError::new("action", "too_long"));
                None
            } else if !is_action_like(a) || a == "." {
                errs.push(FieldError::new("action", "invalid"));
                None
            } else {
                Some(a.to_string())
            }
        });
        let outcome = set(&raw.outcome).and_then(|o| match Outcome::parse(o) {
            Some(o) => Some(o.id().to_string()),
            None => {
                errs.push(FieldError::new("outcome", "unsupported"));
                None
            }
        });
        let from = date(&raw.from, "from", &mut errs);
        let to = date(&raw.to, "to", &mut errs);
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                errs.push(FieldError::new("to", "before_from"));
            }
        }
        let limit = match set(&raw.limit).map(str::parse::<i64>) {
            None => DEFAULT_LIMIT,
            Some(Ok(n)) if (1..=i64::from(MAX_LIMIT)).contains(&n) => n as u32,
            Some(Ok(_)) => {
                errs.push(FieldError::new("limit", "out_of_range"));
                DEFAULT_LIMIT
            }
            Some(Err(_)) => {
                errs.push(FieldError::new("limit", "invalid"));
                DEFAULT_LIMIT
            }
        };
        if errs.is_empty() {
            Ok((Self { actor, action, tenant, outcome, from, to, before }, limit))
        } else {
            Err(crate::error::AppError::Validation(errs))
        }
    }

    /// `Some(prefix)` when the action filter is a prefix (`tenant.`), else `None`.
    pub fn action_prefix(&self) -> Option<&str> {
        self.action.as_deref().filter(|a| a.ends_with('.'))
    }

    /// Lower bound on `recorded_at` (inclusive), as stored text (`YYYY-MM-DDT00:00:00`).
    pub fn recorded_from(&self) -> Option<String> {
        self.from.map(|d| format!("{}T00:00:00", d.format("%Y-%m-%d")))
    }

    /// Upper bound on `recorded_at` (exclusive): the start of the day after `to`.
    pub fn recorded_until(&self) -> Option<String> {
        self.to.and_then(|d| d.checked_add_days(Days::new(1))).map(|d| format!("{}T00:00:00", d.format("%Y-%m-%d")))
    }

    /// The filters (without the cursor) as query pairs, for links that keep them.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(a) = self.actor {
            out.push(("actor", a.to_string()));
        }
        if let Some(a) = &self.action {
            out.push(("action", a.clone()));
        }
        if let Some(t) = self.tenant {
            out.push(("tenant", t.to_string()));
        }
        if let Some(o) = &self.outcome {
            out.push(("outcome", o.clone()));
        }
        if let Some(f) = self.from {
            out.push(("from", f.format("%Y-%m-%d").to_string()));
        }
        if let Some(t) = self.to {
            out.push(("to", t.format("%Y-%m-%d").to_string()));
        }
        out
    }

    /// The filters as a query string (`actor=3&action=tenant.`), plus `extra` pairs. Values are validated
    /// to URL-safe characters, so no encoding is needed.
    pub fn query(&self, extra: &[(&'static str, String)]) -> String {
        let mut pairs = self.pairs();
        pairs.extend(extra.iter().cloned());
        pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
    }

    /// The filters as JSON (for the export's audit metadata).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(self.pairs().into_iter().map(|(k, v)| (k.to_string(), v.into())).collect())
    }
}

/// One audit entry as shown, exported and served by the API. `recorded_at` is ISO 8601 UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub recorded_at: String,
    pub tenant_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub actor_type: String,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub outcome: String,
    pub summary: String,
    /// Sanitized JSON, as stored.
    pub metadata: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The metadata pretty-printed (as stored when it is not JSON).
    pub fn metadata_pretty(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.metadata)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| self.metadata.clone())
    }
}

/// A member who can be picked as the actor filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditActor {
    pub id: i64,
    pub label: String,
}

/// One page of the audit page: entries (newest first), the cursor of the next older page, and what the
/// filter form offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
    pub next_before: Option<i64>,
    pub filter: AuditFilter,
    pub tenants: Vec<TenantRef>,
    pub actors: Vec<AuditActor>,
    pub can_export: bool,
}

/// One entry with its tenant's name (when the caller may see it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditDetail {
    pub entry: AuditEntry,
    pub tenant_name: Option<String>,
}

/// Secret fields never reach audit metadata: the shared classifier ([`crate::secrets`]) decides, re-exported
/// here for existing callers.
pub use crate::secrets::{sanitize, SECRET_FIELDS};

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawAuditFilter {
        RawAuditFilter::from_pairs(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>())
    }

    fn codes(r: RawAuditFilter) -> Vec<(String, String)> {
        match AuditFilter::parse(&r) {
            Err(crate::error::AppError::Validation(e)) => e.into_iter().map(|f| (f.field, f.code)).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn filters_parse_and_empty_means_unset() {
        let (f, limit) = AuditFilter::parse(&raw(&[("actor", ""), ("action", " "), ("limit", "")])).unwrap();
        assert_eq!((f, limit), (AuditFilter::default(), DEFAULT_LIMIT));
        let r = raw(&[
            ("actor", "3"),
            ("action", "tenant."),
            ("tenant", "7"),
            ("outcome", "failure"),
            ("from", "2026-01-31"),
            ("to", "2026-02-01"),
            ("before", "99"),
            ("limit", "200"),
        ]);
        let (f, limit) = AuditFilter::parse(&r).unwrap();
        assert_eq!(limit, 200);
        assert_eq!(f.action_prefix(), Some("tenant."));
        assert_eq!(f.recorded_from().as_deref(), Some("2026-01-31T00:00:00"));
        assert_eq!(f.recorded_until().as_deref(), Some("2026-02-02T00:00:00"));
        assert_eq!(
            f.query(&[("before", "5".into())]),
            "actor=3&action=tenant.&tenant=7&outcome=failure&from=2026-01-31&to=2026-02-01&before=5"
        );
        assert_eq!(f.to_json()["action"], "tenant.");
        let (exact, _) = AuditFilter::parse(&raw(&[("action", "tenant.create")])).unwrap();
        assert_eq!(exact.action_prefix(), None);
    }

    #[test]
    fn bad_filters_are_field_errors() {
        let got = codes(raw(&[
            ("actor", "x"),
            ("tenant", "-1"),
            ("before", "0"),
            ("action", "DROP TABLE"),
            ("outcome", "maybe"),
            ("from", "2026-13-01"),
            ("to", "26-1-1"),
            ("limit", "201"),
        ]));
        let want = [
            ("actor", "invalid"),
            ("tenant", "invalid"),
            ("before", "invalid"),
            ("action", "invalid"),
            ("outcome", "unsupported"),
            ("from", "invalid_date"),
            ("to", "invalid_date"),
            ("limit", "out_of_range"),
        ];
        assert_eq!(got, want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>());
        assert_eq!(
            codes(raw(&[("from", "2026-02-02"), ("to", "2026-02-01")])),
            vec![("to".into(), "before_from".into())]
        );
        assert_eq!(codes(raw(&[("action", &"a".repeat(101))])), vec![("action".into(), "too_long".into())]);
        assert_eq!(codes(raw(&[("limit", "ten")])), vec![("limit".into(), "invalid".into())]);
    }
}
