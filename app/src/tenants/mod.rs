//! Managed tenants ("managed environments" in the UI): shared DTOs and input validation. A tenant belongs
//! to exactly one workspace; its Entra tenant GUID is unique across the installation. Lifecycle:
//! draft → onboarding → active → archived (archive remembers the state to restore).

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

use crate::{
    error::{AppError, FieldError},
    paging::PageRequest,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TenantDto {
    pub id: i64,
    pub display_name: String,
    pub primary_domain: String,
    pub entra_tenant_id: String,
    pub lifecycle: String,
}

/// Canonical lower-case GUID (`8-4-4-4-12` hex), braces allowed on input.
pub fn parse_guid(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim().trim_start_matches('{').trim_end_matches('}').to_ascii_lowercase();
    if v.is_empty() {
        return Err("required");
    }
    let groups: Vec<&str> = v.split('-').collect();
    let ok = groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    if ok {
        Ok(v)
    } else {
        Err("invalid_guid")
    }
}

pub use crate::validate::parse_name as parse_display_name;

pub fn parse_domain(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    if v.is_empty() {
        return Err("required");
    }
    let ok = v.len() <= 253
        && v.contains('.')
        && v.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(v)
    } else {
        Err("invalid_domain")
    }
}

/// Validated input for a new managed tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTenant {
    pub display_name: String,
    pub primary_domain: String,
    pub entra_tenant_id: String,
}

impl NewTenant {
    pub fn parse(display_name: &str, primary_domain: &str, entra_tenant_id: &str) -> Result<Self, AppError> {
        let (n, d, g) = (parse_display_name(display_name), parse_domain(primary_domain), parse_guid(entra_tenant_id));
        let mut errs = Vec::new();
        for (field, r) in [("display_name", &n), ("primary_domain", &d), ("entra_tenant_id", &g)] {
            if let Err(code) = r {
                errs.push(FieldError::new(field, code));
            }
        }
        match (n, d, g) {
            (Ok(display_name), Ok(primary_domain), Ok(entra_tenant_id)) => {
                Ok(Self { display_name, primary_domain, entra_tenant_id })
            }
            _ => Err(AppError::Validation(errs)),
        }
    }
}

/// Which lifecycle states a tenant list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusFilter {
    /// Everything but archived tenants.
    #[default]
    Current,
    Archived,
    All,
}

impl StatusFilter {
    pub const ALL: [StatusFilter; 3] = [StatusFilter::Current, StatusFilter::Archived, StatusFilter::All];

    pub fn id(self) -> &'static str {
        match self {
            Self::Current => "current",
            Self::Archived => "archived",
            Self::All => "all",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == raw.trim())
    }
}

/// Longest search text (characters).
pub const MAX_SEARCH_CHARS: usize = 120;

/// A validated tenant list request: search text (case-insensitive, in name or primary domain), status
/// filter and page. Ordered by name, then id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantQuery {
    pub search: Option<String>,
    pub status: StatusFilter,
    pub page: PageRequest,
}

impl TenantQuery {
    pub fn parse(search: Option<&str>, status: Option<&str>, page: PageRequest) -> Result<Self, AppError> {
        let search = search.map(str::trim).filter(|s| !s.is_empty());
        if let Some(s) = search {
            if s.chars().count() > MAX_SEARCH_CHARS {
                return Err(AppError::validation("q", "too_long"));
            }
            if s.chars().any(char::is_control) {
                return Err(AppError::validation("q", "invalid"));
            }
        }
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            None => StatusFilter::default(),
            Some(raw) => StatusFilter::parse(raw).ok_or_else(|| AppError::validation("status", "invalid"))?,
        };
        Ok(Self { search: search.map(str::to_string), status, page })
    }

    /// The search, lower-cased, for a case-insensitive substring match (the repository escapes `LIKE`
    /// wildcards with the one escaper, `db::like_escape`).
    pub fn search_text(&self) -> Option<String> {
        self.search.as_ref().map(|s| s.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_canonical() {
        assert_eq!(
            parse_guid("{6F1C2D3E-AAAA-4BBB-8CCC-0123456789AB}"),
            Ok("6f1c2d3e-aaaa-4bbb-8ccc-0123456789ab".into())
        );
        assert_eq!(parse_guid("6f1c2d3e-aaaa-4bbb-8ccc-0123456789a"), Err("invalid_guid"));
        assert_eq!(parse_guid("not-a-guid"), Err("invalid_guid"));
        assert_eq!(parse_guid(" "), Err("required"));
    }

    #[test]
    fn new_tenant_reports_every_field() {
        let err = NewTenant::parse("", "nodot", "x").unwrap_err();
        assert_eq!(err.field_code("display_name"), Some("required"));
        assert_eq!(err.field_code("primary_domain"), Some("invalid_domain"));
        assert_eq!(err.field_code("entra_tenant_id"), Some("invalid_guid"));
        assert!(NewTenant::parse("Contoso", "Contoso.Example", "6f1c2d3e-aaaa-4bbb-8ccc-0123456789ab").is_ok());
        assert_eq!(parse_display_name(&"x".repeat(121)), Err("too_long"));
    }

    #[test]
    fn list_queries_are_validated() {
        let q = TenantQuery::parse(Some("  50%_off "), Some("all"), PageRequest::default()).unwrap();
        assert_eq!(q.status, StatusFilter::All);
        assert_eq!(q.search_text().as_deref(), Some("50%_off"));
        assert_eq!(TenantQuery::parse(Some(" "), None, PageRequest::default()).unwrap(), TenantQuery::default());
        let err = TenantQuery::parse(None, Some("deleted"), PageRequest::default()).unwrap_err();
        assert_eq!(err.field_code("status"), Some("invalid"));
        let err = TenantQuery::parse(Some(&"x".repeat(121)), None, PageRequest::default()).unwrap_err();
        assert_eq!(err.field_code("q"), Some("too_long"));
    }
}
