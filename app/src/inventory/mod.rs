//! Inventory: every policy and foundation object of a managed tenant as the last syncs saw it, with
//! immutable versions (BRIEF §2.3, §5.7). This module (both builds) owns the shared vocabulary — the list
//! query with its visibility filter, the DTOs of policies, versions, diffs and per-type coverage, the
//! readable settings model (`settings`) — and the pages. The sync run (fetch, normalize, redact, hash,
//! version), storage and the diff live in `inventory::server`. See docs/inventory.md.

pub mod api;
pub mod components;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
pub mod settings;

use serde::{Deserialize, Serialize};

use crate::{error::AppError, paging::PageRequest};

string_ids! {
    /// Which policies a list shows (Spec 261): `active` (neither ignored nor missing), `ignored` (ignored
    /// locally, missing or not), `provider_missing` (missing, ignored or not), `all`.
    Visibility {
        Active => "active",
        Ignored => "ignored",
        ProviderMissing => "provider_missing",
        All => "all",
    }
}

/// Longest search text.
pub const MAX_SEARCH_CHARS: usize = 100;

/// A validated policy list request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyQuery {
    pub search: Option<String>,
    /// A contract key (`settings_catalog`).
    pub policy_type: Option<String>,
    pub platform: Option<String>,
    pub visibility: Visibility,
    pub page: PageRequest,
}

impl PolicyQuery {
    /// Field codes: `search: too_long`, `type: unknown_type`, `platform: unknown_platform`,
    /// `visibility: unknown_visibility`.
    pub fn parse(
        search: Option<&str>,
        policy_type: Option<&str>,
        platform: Option<&str>,
        visibility: Option<&str>,
        page: PageRequest,
    ) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let search = search.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        if search.as_ref().is_some_and(|s| s.chars().count() > MAX_SEARCH_CHARS) {
            errors.push(crate::error::FieldError::new("q", "too_long"));
        }
        let policy_type = policy_type.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        if policy_type.as_deref().is_some_and(|t| crate::provider::contracts::by_key(t).is_none()) {
            errors.push(crate::error::FieldError::new("type", "unknown_type"));
        }
        let platform = platform.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        if platform.as_deref().is_some_and(|p| !PLATFORMS.contains(&p)) {
            errors.push(crate::error::FieldError::new("platform", "unknown_platform"));
        }
        let visibility = match visibility.map(str::trim).filter(|s| !s.is_empty()) {
            None => Visibility::Active,
            Some(v) => Visibility::parse(v).unwrap_or_else(|| {
                errors.push(crate::error::FieldError::new("visibility", "unknown_visibility"));
                Visibility::Active
            }),
        };
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(Self { search, policy_type, platform, visibility, page })
    }

    /// The search, lower-cased, for a case-insensitive substring match (the repository escapes `LIKE`
    /// wildcards with the one escaper, `db::like_escape`).
    pub fn search_text(&self) -> Option<String> {
        self.search.as_ref().map(|s| s.to_lowercase())
    }
}

/// Platforms a policy may be classified under (derived from its payload by the sync).
pub const PLATFORMS: &[&str] = &["windows", "macos", "ios", "android", "all"];

/// One inventoried object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDto {
    pub id: i64,
    pub tenant_id: i64,
    pub policy_type: String,
    pub odata_type: Option<String>,
    pub display_name: String,
    pub platform: Option<String>,
    pub version_count: i64,
    pub latest_version_id: Option<i64>,
    pub ignored_at: Option<String>,
    pub missing_from_provider_at: Option<String>,
    pub first_seen_at: String,
    pub last_seen_at: String,
}

/// One immutable version (without its content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersionDto {
    pub id: i64,
    pub version_no: i64,
    pub captured_at: String,
    pub run_id: Option<i64>,
    pub content_hash: String,
    /// Only secret values changed (visible content identical).
    pub protected_change: bool,
    pub redaction_version: i64,
}

/// A version with its content: the normalized, redacted snapshot, assignments and scope tags, and the
/// JSON pointers of redacted secrets (never their values or fingerprints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyVersionDetail {
    pub version: PolicyVersionDto,
    pub snapshot: serde_json::Value,
    pub assignments: serde_json::Value,
    pub scope_tags: serde_json::Value,
    pub protected_pointers: Vec<String>,
    /// The snapshot as readable settings ([`settings::settings_of`]), the model drift evidence uses too.
    pub settings: Vec<settings::Setting>,
}

/// A policy with its version history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDetail {
    pub policy: PolicyDto,
    pub versions: Vec<PolicyVersionDto>,
}

/// The setting-level difference between two versions of one policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionDiff {
    pub from: PolicyVersionDto,
    pub to: PolicyVersionDto,
    pub changes: Vec<Change>,
}

/// A version id from input (`version`, `from`, `to` of the detail page and the API): absent or empty →
/// `None`; anything but a positive integer → `invalid` for `field`.
pub fn parse_version_id(raw: Option<&str>, field: &str) -> Result<Option<i64>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(AppError::validation(field, "invalid")),
        },
    }
}

/// The two versions a comparison shows, the one rule of the detail page and the API: `from` and `to` as
/// given ([`parse_version_id`]; both checked, every bad one reported), each defaulting to the two newest
/// versions of `versions` (newest first): `from` = the second newest (the newest when there is only one,
/// which compares with itself: no changes), `to` = the newest. `None` when there are no versions.
pub fn diff_versions(
    versions: &[PolicyVersionDto],
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Option<(i64, i64)>, AppError> {
    let (from, to) = match (parse_version_id(from, "from"), parse_version_id(to, "to")) {
        (Ok(f), Ok(t)) => (f, t),
        (f, t) => {
            let errors = [f.err(), t.err()]
                .into_iter()
                .flatten()
                .flat_map(|e| match e {
                    AppError::Validation(v) => v,
                    _ => Vec::new(),
                })
                .collect();
            return Err(AppError::Validation(errors));
        }
    };
    let Some(newest) = versions.first().map(|v| v.id) else { return Ok(None) };
    let second = versions.get(1).map_or(newest, |v| v.id);
    Ok(Some((from.unwrap_or(second), to.unwrap_or(newest))))
}

/// Data freshness of one type for one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageDto {
    pub policy_type: String,
    /// `complete`, `failed` or `never` (no sync attempted the type yet).
    pub status: String,
    pub item_count: i64,
    pub reason_code: Option<String>,
    /// The last complete fetch of this type.
    pub synced_at: Option<String>,
    pub attempted_at: Option<String>,
}

/// The tenant dashboard: counts and freshness per type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryOverview {
    pub policies: i64,
    pub ignored: i64,
    pub provider_missing: i64,
    pub versions: i64,
    pub coverage: Vec<CoverageDto>,
    pub last_sync_run_id: Option<i64>,
}

/// What happened to one setting between two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One setting-level difference between two normalized, redacted snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// RFC 6901 pointer of the setting: in the newer snapshot for `Added`/`Changed`, in the older one
    /// for `Removed`.
    pub pointer: String,
    /// Human-readable path (`settings › device_vendor_msft_laps_policies_administratoraccountpassword ›
    /// value`, `omaSettings › Homepage › value`).
    pub path: String,
    pub kind: ChangeKind,
    /// The old value (redacted), `None` when added or when the change is `protected`.
    pub before: Option<serde_json::Value>,
    /// The new value (redacted), `None` when removed or when the change is `protected`.
    pub after: Option<serde_json::Value>,
    /// A secret changed: only its fingerprint differs, so no value is ever shown.
    pub protected: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(e: AppError) -> Vec<String> {
        match e {
            AppError::Validation(v) => v.into_iter().map(|f| format!("{}:{}", f.field, f.code)).collect(),
            other => panic!("{other:?}"),
        }
    }

    fn version(id: i64) -> PolicyVersionDto {
        PolicyVersionDto {
            id,
            version_no: id,
            captured_at: String::new(),
            run_id: None,
            content_hash: String::new(),
            protected_change: false,
            redaction_version: 1,
        }
    }

    #[test]
    fn diffs_default_to_the_two_newest_versions() {
        let two = [version(9), version(4), version(1)];
        assert_eq!(diff_versions(&two, None, None), Ok(Some((4, 9))));
        assert_eq!(diff_versions(&two, Some(" 1 "), None), Ok(Some((1, 9))));
        assert_eq!(diff_versions(&two, Some(""), Some("4")), Ok(Some((4, 4))));
        assert_eq!(diff_versions(&[version(3)], None, None), Ok(Some((3, 3))));
        assert_eq!(diff_versions(&[], None, None), Ok(None));
        assert_eq!(codes(diff_versions(&two, Some("x"), Some("0")).unwrap_err()), ["from:invalid", "to:invalid"]);
        assert_eq!(codes(diff_versions(&two, None, Some("-2")).unwrap_err()), ["to:invalid"]);
        assert_eq!(parse_version_id(Some("7"), "version"), Ok(Some(7)));
        assert_eq!(codes(parse_version_id(Some("1.5"), "version").unwrap_err()), ["version:invalid"]);
    }

    #[test]
    fn queries_validate_every_filter() {
        let q = PolicyQuery::parse(
            Some(" Edge_%"),
            Some("settings_catalog"),
            Some("windows"),
            None,
            PageRequest::default(),
        )
        .unwrap();
        assert_eq!(q.visibility, Visibility::Active);
        assert_eq!(q.search_text().as_deref(), Some("edge_%"));
        let e = PolicyQuery::parse(
            Some(&"x".repeat(101)),
            Some("deviceManagement/foo"),
            Some("beos"),
            Some("deleted"),
            PageRequest::default(),
        )
        .unwrap_err();
        assert_eq!(
            codes(e),
            ["q:too_long", "type:unknown_type", "platform:unknown_platform", "visibility:unknown_visibility"]
        );
        for v in Visibility::ALL {
            assert_eq!(
                PolicyQuery::parse(None, None, None, Some(v.id()), PageRequest::default()).unwrap().visibility,
                *v
            );
        }
    }
}
