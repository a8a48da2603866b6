//! Personal API tokens: a signed-in user creates a token for one workspace they are a member of, with a
//! name and an optional expiry. The token acts as its owner with the owner's *current* role in that
//! workspace and nowhere else. The secret (`tpat_` + 32 random bytes, base64url) is shown once; the server
//! keeps only its SHA-256 and a short non-secret prefix for display. Shared half: DTOs, input validation
//! and the pure rules both builds need.

pub mod api;
pub mod components;
#[cfg(feature = "ssr")]
pub mod server;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldError};

/// Every secret starts with this, so scanners and humans recognize a leaked TenantPilot token.
pub const SECRET_PREFIX: &str = "tpat_";
/// Random bytes in a secret (256 bits).
pub const SECRET_BYTES: usize = 32;
/// Length of a secret: the prefix plus 32 bytes in unpadded base64url (43 characters).
pub const SECRET_LEN: usize = SECRET_PREFIX.len() + 43;
/// Characters of the secret kept for display (`tpat_` + 8 characters, 48 of the 256 bits).
pub const DISPLAY_PREFIX_LEN: usize = SECRET_PREFIX.len() + 8;
/// Longest allowed lifetime, in days.
pub const MAX_EXPIRY_DAYS: u32 = 365;
/// Lifetimes the account page offers (`None` = no expiry); the API accepts any 1..=365.
pub const EXPIRY_CHOICES: [Option<u32>; 5] = [Some(7), Some(30), Some(90), Some(365), None];
/// Preselected lifetime on the account page.
pub const DEFAULT_EXPIRY_DAYS: u32 = 90;
/// Longest token name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Unrevoked tokens one user may hold (all workspaces together).
pub const MAX_TOKENS_PER_USER: i64 = 50;

/// Where a token stands right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

impl TokenStatus {
    /// Revocation wins over expiry; a token expires at exactly `expires_at`.
    pub fn at(revoked_at: Option<DateTime<Utc>>, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        if revoked_at.is_some() {
            Self::Revoked
        } else if expires_at.is_some_and(|e| e <= now) {
            Self::Expired
        } else {
            Self::Active
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

/// A token as its owner sees it in the list (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenDto {
    pub id: i64,
    pub name: String,
    pub workspace_slug: String,
    pub workspace_name: String,
    /// Non-secret display prefix, e.g. `tpat_Ab3dE9xY`.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Computed by the server when the list was read.
    pub status: TokenStatus,
}

/// The answer to "create a token": the stored token and, this one time, its secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    pub token: ApiTokenDto,
    pub secret: String,
}

impl std::fmt::Debug for CreatedApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiToken").field("token", &self.token).field("secret", &"<redacted>").finish()
    }
}

/// Validated input for a new token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub name: String,
    /// Workspace slug (membership is checked by the service: non-member → 404).
    pub workspace: String,
    /// `None` = never expires.
    pub expires_in_days: Option<u32>,
}

pub fn parse_name(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    match v.chars().count() {
        0 => Err("required"),
        n if n > MAX_NAME_CHARS => Err("too_long"),
        _ if v.chars().any(char::is_control) => Err("invalid"),
        _ => Ok(v.to_string()),
    }
}

/// `""` / `"never"` → no expiry; otherwise whole days in 1..=365.
pub fn parse_expiry_days(raw: &str) -> Result<Option<u32>, &'static str> {
    let v = raw.trim();
    if v.is_empty() || v.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    match v.parse::<i64>() {
        Ok(n) if (1..=i64::from(MAX_EXPIRY_DAYS)).contains(&n) => Ok(Some(n as u32)),
        Ok(_) => Err("out_of_range"),
        Err(_) => Err("invalid"),
    }
}

impl NewApiToken {
    /// Validates every field and reports every problem at once.
    pub fn parse(name: Option<&str>, workspace: Option<&str>, expires_in_days: Option<&str>) -> Result<Self, AppError> {
        let name = parse_name(name.unwrap_or_default());
        let workspace = workspace.map(str::trim).filter(|w| !w.is_empty()).ok_or("required").and_then(|w| {
            if w.len() > 100 {
                Err("too_long")
            } else {
                Ok(w.to_string())
            }
        });
        let expiry = parse_expiry_days(expires_in_days.unwrap_or_default());
        let mut errs = Vec::new();
        for (field, r) in [
            ("name", name.as_ref().err()),
            ("workspace", workspace.as_ref().err()),
            ("expires_in_days", expiry.as_ref().err()),
        ] {
            if let Some(code) = r {
                errs.push(FieldError::new(field, code));
            }
        }
        match (name, workspace, expiry) {
            (Ok(name), Ok(workspace), Ok(expires_in_days)) => Ok(Self { name, workspace, expires_in_days }),
            _ => Err(AppError::Validation(errs)),
        }
    }
}

/// Whether `presented` has the shape of a TenantPilot secret (checked before any database work).
pub fn looks_like_secret(presented: &str) -> bool {
    presented.len() == SECRET_LEN
        && presented.starts_with(SECRET_PREFIX)
        && presented[SECRET_PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn input_is_validated_field_by_field() {
        let err = NewApiToken::parse(None, Some(" "), Some("366")).unwrap_err();
        assert_eq!(err.field_code("name"), Some("required"));
        assert_eq!(err.field_code("workspace"), Some("required"));
        assert_eq!(err.field_code("expires_in_days"), Some("out_of_range"));
        let err = NewApiToken::parse(Some(&"n".repeat(101)), Some("contoso"), Some("soon")).unwrap_err();
        assert_eq!(err.field_code("name"), Some("too_long"));
        assert_eq!(err.field_code("expires_in_days"), Some("invalid"));
        assert_eq!(parse_name("a\u{7}b"), Err("invalid"));
        assert_eq!(parse_expiry_days("0"), Err("out_of_range"));
        assert_eq!(parse_expiry_days("-5"), Err("out_of_range"));
        let ok = NewApiToken::parse(Some(" CI deploy "), Some("contoso"), Some("365")).unwrap();
        assert_eq!((ok.name.as_str(), ok.workspace.as_str(), ok.expires_in_days), ("CI deploy", "contoso", Some(365)));
        assert_eq!(NewApiToken::parse(Some("x"), Some("c"), Some("")).unwrap().expires_in_days, None);
        assert_eq!(NewApiToken::parse(Some("x"), Some("c"), None).unwrap().expires_in_days, None);
        assert_eq!(NewApiToken::parse(Some("x"), Some("c"), Some("never")).unwrap().expires_in_days, None);
    }

    #[test]
    fn status_prefers_revoked_then_expired() {
        let now = Utc::now();
        let past = Some(now - Duration::seconds(1));
        let future = Some(now + Duration::days(1));
        assert_eq!(TokenStatus::at(None, None, now), TokenStatus::Active);
        assert_eq!(TokenStatus::at(None, future, now), TokenStatus::Active);
        assert_eq!(TokenStatus::at(None, past, now), TokenStatus::Expired);
        assert_eq!(TokenStatus::at(None, Some(now), now), TokenStatus::Expired);
        assert_eq!(TokenStatus::at(Some(now), future, now), TokenStatus::Revoked);
        assert_eq!(TokenStatus::at(Some(now), past, now), TokenStatus::Revoked);
    }

    #[test]
    fn secrets_have_one_shape() {
        let good = format!("tpat_{}", "A".repeat(43));
        assert!(looks_like_secret(&good));
        assert!(!looks_like_secret(&good[..good.len() - 1]));
        assert!(!looks_like_secret(&format!("tpxx_{}", "A".repeat(43))));
        assert!(!looks_like_secret(&format!("tpat_{}=", "A".repeat(42))));
        assert!(!looks_like_secret(&format!("tpat_{}é", "A".repeat(41))));
        assert_eq!(DISPLAY_PREFIX_LEN, 13);
    }

    #[test]
    fn created_token_debug_hides_the_secret() {
        let now = Utc::now();
        let created = CreatedApiToken {
            token: ApiTokenDto {
                id: 1,
                name: "n".into(),
                workspace_slug: "w".into(),
                workspace_name: "W".into(),
                prefix: "tpat_abcdefgh".into(),
                created_at: now,
                expires_at: None,
                last_used_at: None,
                revoked_at: None,
                status: TokenStatus::Active,
            },
            secret: "tpat_supersecret".into(),
        };
        assert!(!format!("{created:?}").contains("supersecret"));
    }
}
