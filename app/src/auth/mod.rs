//! Accounts and sign-in: the shared half (DTOs and input validation used by both builds). Passwords are
//! argon2id hashes verified off the async runtime; sessions live in the database (tower-sessions) and
//! their id is rotated at sign-in; failed sign-ins are throttled per account and per IP.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldError};

/// Longest accepted email or password, in bytes. Longer input is refused before any work is done.
pub const MAX_INPUT_BYTES: usize = 1024;

/// Where a successful password change leads (the account page shows the confirmation).
pub const PASSWORD_CHANGED_PATH: &str = "/account?password=changed";

/// The signed-in user as the UI sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    /// Stored locale preference (`None` = inherit from workspace / system).
    pub locale: Option<String>,
    pub is_platform_admin: bool,
}

/// Validated sign-in input. `Debug` never prints the password.
#[derive(Clone)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("email", &self.email).field("password", &"<redacted>").finish()
    }
}

/// Lower-cased, trimmed email; `Err(code)` with a stable validation code.
pub fn normalize_email(raw: &str) -> Result<String, &'static str> {
    if raw.len() > MAX_INPUT_BYTES {
        return Err("too_long");
    }
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err("required");
    }
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@'));
    if valid {
        Ok(email)
    } else {
        Err("invalid_email")
    }
}

/// Checks a new or submitted password's shape (not its strength): present and at most 1 KB.
pub fn check_password(raw: &str) -> Result<(), &'static str> {
    if raw.len() > MAX_INPUT_BYTES {
        Err("too_long")
    } else if raw.is_empty() {
        Err("required")
    } else {
        Ok(())
    }
}

impl Credentials {
    /// Validates both fields and reports every problem at once.
    pub fn parse(email: Option<String>, password: Option<String>) -> Result<Self, AppError> {
        let email = normalize_email(email.as_deref().unwrap_or_default());
        let pw_check = check_password(password.as_deref().unwrap_or_default());
        let mut errs = Vec::new();
        if let Err(code) = &email {
            errs.push(FieldError::new("email", code));
        }
        if let Err(code) = pw_check {
            errs.push(FieldError::new("password", code));
        }
        match (email, errs.is_empty()) {
            (Ok(email), true) => Ok(Self { email, password: password.unwrap_or_default() }),
            _ => Err(AppError::Validation(errs)),
        }
    }
}

/// Validated input for changing one's own password. `Debug` never prints either password.
#[derive(Clone)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange").finish_non_exhaustive()
    }
}

impl PasswordChange {
    /// Field `current_password`: present, at most 1 KB; `new_password`: the new-account password rule
    /// (at least [`crate::members::MIN_PASSWORD_CHARS`] characters, at most 1 KB).
    pub fn parse(current: Option<String>, new: Option<String>) -> Result<Self, AppError> {
        let current = current.unwrap_or_default();
        let new = new.unwrap_or_default();
        let mut errs = Vec::new();
        if let Err(code) = check_password(&current) {
            errs.push(FieldError::new("current_password", code));
        }
        if let Err(code) = crate::members::check_new_password(&new) {
            errs.push(FieldError::new("new_password", code));
        }
        if errs.is_empty() {
            Ok(Self { current, new })
        } else {
            Err(AppError::Validation(errs))
        }
    }
}

/// A post-login target that stays on this site: a local absolute path, never `//host` or a URL.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && n.len() <= 2048
                && !n.chars().any(|c| c.is_control()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(normalize_email("  Owner@Contoso.Example "), Ok("owner@contoso.example".into()));
        assert_eq!(normalize_email(""), Err("required"));
        assert_eq!(normalize_email("no-at-sign"), Err("invalid_email"));
        assert_eq!(normalize_email("a@b"), Err("invalid_email"));
        assert_eq!(normalize_email("a b@c.de"), Err("invalid_email"));
        assert_eq!(normalize_email(&"a".repeat(1025)), Err("too_long"));
    }

    #[test]
    fn credentials_report_all_fields() {
        let err = Credentials::parse(None, None).unwrap_err();
        assert_eq!(err.field_code("email"), Some("required"));
        assert_eq!(err.field_code("password"), Some("required"));
        let err = Credentials::parse(Some("a@b.co".into()), Some("x".repeat(1025))).unwrap_err();
        assert_eq!(err.field_code("password"), Some("too_long"));
        let ok = Credentials::parse(Some("A@B.co".into()), Some("pw".into())).unwrap();
        assert_eq!(ok.email, "a@b.co");
        assert!(!format!("{ok:?}").contains("pw\""));
    }

    #[test]
    fn password_changes_check_both_fields_and_never_print_them() {
        let err = PasswordChange::parse(None, Some("short".into())).unwrap_err();
        assert_eq!(err.field_code("current_password"), Some("required"));
        assert_eq!(err.field_code("new_password"), Some("too_short"));
        let err = PasswordChange::parse(Some("x".repeat(1025)), Some("y".repeat(1025))).unwrap_err();
        assert_eq!(err.field_code("current_password"), Some("too_long"));
        assert_eq!(err.field_code("new_password"), Some("too_long"));
        let ok = PasswordChange::parse(Some("old-secret".into()), Some("new-secret-123".into())).unwrap();
        let shown = format!("{ok:?}");
        assert!(!shown.contains("old-secret") && !shown.contains("new-secret-123"), "{shown}");
    }

    #[test]
    fn next_targets_stay_local() {
        assert_eq!(safe_next(Some("/account")), "/account");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
