//! Workspaces: the chooser, the remembered last workspace and the workspace dashboard. A workspace is the
//! isolation boundary; membership (with a role) is the only role-bearing truth. Owners and managers
//! (`settings.manage`) edit a workspace's settings: name, default language (joins the locale chain for
//! members without an own preference) and time zone.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
pub mod timezone;

use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldError};

/// A workspace's settings as the settings page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSettings {
    pub slug: String,
    pub name: String,
    /// BCP-47 tag (`"en"`, `"de"`); `None`: members' own choice, then their browser.
    pub default_locale: Option<String>,
    pub timezone: String,
    /// The caller's role (for the disabled-form reason).
    pub role: String,
    /// The caller holds `settings.manage`.
    pub can_manage: bool,
}

/// The answer to saving settings: the stored settings and the locale-chain inputs of the calling page
/// afterwards (the workspace default may have changed the page's language).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsSaved {
    pub settings: WorkspaceSettings,
    pub locale: crate::locale::LocaleInputs,
}

/// Validated settings input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsInput {
    pub name: String,
    pub default_locale: Option<String>,
    pub timezone: String,
}

/// A workspace default language from a form: empty or `none` → none; else an exact supported tag.
pub fn parse_default_locale(raw: Option<&str>) -> Result<Option<String>, &'static str> {
    match raw.map(str::trim) {
        None | Some("") | Some("none") => Ok(None),
        Some(v) => crate::locale::SUPPORTED
            .into_iter()
            .map(crate::locale::tag)
            .find(|t| *t == v)
            .map(|t| Some(t.to_string()))
            .ok_or("unsupported"),
    }
}

impl SettingsInput {
    /// Validates every field and reports every problem at once.
    pub fn parse(name: Option<&str>, default_locale: Option<&str>, timezone: Option<&str>) -> Result<Self, AppError> {
        let name = crate::validate::parse_name(name.unwrap_or_default());
        let locale = parse_default_locale(default_locale);
        let tz = match timezone.map(str::trim) {
            None | Some("") => Err("required"),
            Some(v) => timezone::parse(v).ok_or("unsupported"),
        };
        let mut errs = Vec::new();
        if let Err(code) = &name {
            errs.push(FieldError::new("name", code));
        }
        if let Err(code) = &locale {
            errs.push(FieldError::new("default_locale", code));
        }
        if let Err(code) = &tz {
            errs.push(FieldError::new("timezone", code));
        }
        match (name, locale, tz) {
            (Ok(name), Ok(default_locale), Ok(tz)) => Ok(Self { name, default_locale, timezone: tz.to_string() }),
            _ => Err(AppError::Validation(errs)),
        }
    }
}

/// One of the caller's workspaces, for the chooser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct WorkspaceSummary {
    pub slug: String,
    pub name: String,
    pub role: String,
}

/// The chooser's data: the caller's active workspaces and the one they used last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyWorkspaces {
    pub workspaces: Vec<WorkspaceSummary>,
    pub last: Option<String>,
}

impl MyWorkspaces {
    /// Where `/admin` should go: the remembered workspace if still valid, else the only one, else none.
    pub fn auto_select(&self) -> Option<&str> {
        let remembered = self.last.as_deref().filter(|l| self.workspaces.iter().any(|w| w.slug == *l));
        let single = match self.workspaces.as_slice() {
            [only] => Some(only.slug.as_str()),
            _ => None,
        };
        remembered.or(single)
    }
}

/// A workspace as its member sees it: identity, role, held capabilities and tenant counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceOverview {
    pub slug: String,
    pub name: String,
    pub role: String,
    pub capabilities: Vec<String>,
    pub tenants_total: i64,
    pub tenants_active: i64,
    pub tenants_archived: i64,
}

impl WorkspaceOverview {
    pub fn can(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(slug: &str) -> WorkspaceSummary {
        WorkspaceSummary { slug: slug.into(), name: slug.into(), role: "owner".into() }
    }

    #[test]
    fn settings_validate_every_field() {
        let err = SettingsInput::parse(Some(" "), Some("fr"), Some("Mars/Base")).unwrap_err();
        assert_eq!(err.field_code("name"), Some("required"));
        assert_eq!(err.field_code("default_locale"), Some("unsupported"));
        assert_eq!(err.field_code("timezone"), Some("unsupported"));
        let err = SettingsInput::parse(Some("x"), Some("de-AT"), None).unwrap_err();
        assert_eq!(err.field_code("default_locale"), Some("unsupported"));
        assert_eq!(err.field_code("timezone"), Some("required"));
        let ok = SettingsInput::parse(Some(" Contoso "), Some("de"), Some("Europe/Berlin")).unwrap();
        assert_eq!(
            ok,
            SettingsInput {
                name: "Contoso".into(),
                default_locale: Some("de".into()),
                timezone: "Europe/Berlin".into()
            }
        );
        assert_eq!(SettingsInput::parse(Some("C"), Some(""), Some("UTC")).unwrap().default_locale, None);
        assert_eq!(parse_default_locale(Some("none")), Ok(None));
    }

    #[test]
    fn auto_select_prefers_remembered_then_single() {
        let two = MyWorkspaces { workspaces: vec![ws("a"), ws("b")], last: Some("b".into()) };
        assert_eq!(two.auto_select(), Some("b"));
        let stale = MyWorkspaces { workspaces: vec![ws("a"), ws("b")], last: Some("gone".into()) };
        assert_eq!(stale.auto_select(), None);
        let one = MyWorkspaces { workspaces: vec![ws("a")], last: None };
        assert_eq!(one.auto_select(), Some("a"));
        assert_eq!(MyWorkspaces { workspaces: vec![], last: None }.auto_select(), None);
    }
}
