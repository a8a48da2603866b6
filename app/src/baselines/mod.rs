//! Baselines and compare (BRIEF §2.5): workspace-owned profiles (a name and the policy types in scope),
//! immutable snapshots captured from one tenant, assignments of profiles to tenants, weekly compare
//! schedules and compare runs that turn drift into findings. Pure and shared by both builds: the validated
//! inputs, snapshot states and the views served to pages and the API. Server functions in `api`, pages in
//! `pages`; storage, capture and the compare engine live in `baselines::server`. See docs/governance.md.

pub mod api;
pub mod components;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldError};

string_ids! {
    /// A snapshot's capture state. `superseded` is derived: a finished snapshot that is not the profile's
    /// active one.
    SnapshotStatus { Building => "building", Complete => "complete", Incomplete => "incomplete" }
}

/// Longest profile name and description.
pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 1_000;
/// Most compare slots per profile.
pub const MAX_SCHEDULES: usize = 14;
/// Two slots of one profile on a shared weekday closer than this overlap (a compare of every assigned
/// tenant would still be running).
pub const MIN_SLOT_GAP_MINUTES: i64 = 60;

/// Policy types a baseline can govern (configuration, not foundations such as scope tags).
pub const GOVERNED_TYPES: &[&str] = &[
    "settings_catalog",
    "device_configuration",
    "compliance_policy",
    "administrative_template",
    "conditional_access_policy",
    "app_protection_policy",
];

/// A validated profile create/update request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileInput {
    pub name: String,
    pub description: String,
    pub policy_types: Vec<String>,
}

impl ProfileInput {
    /// Field codes: `name: required | too_long`, `description: too_long`,
    /// `policy_types: required | unknown_type`.
    pub fn parse(name: Option<&str>, description: Option<&str>, policy_types: &[String]) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let name = name.map(str::trim).unwrap_or("").to_string();
        if name.is_empty() {
            errors.push(FieldError::new("name", "required"));
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new("name", "too_long"));
        }
        let description = description.map(str::trim).unwrap_or("").to_string();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.push(FieldError::new("description", "too_long"));
        }
        let mut types: Vec<String> =
            policy_types.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
        types.sort();
        types.dedup();
        if types.is_empty() {
            errors.push(FieldError::new("policy_types", "required"));
        } else if types.iter().any(|t| !GOVERNED_TYPES.contains(&t.as_str())) {
            errors.push(FieldError::new("policy_types", "unknown_type"));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(Self { name, description, policy_types: types })
    }
}

/// A weekly compare slot (UTC): weekdays as a bit set (bit 0 = Monday … bit 6 = Sunday), time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub weekdays: u8,
    pub minute_of_day: u16,
}

impl Slot {
    /// Parses `days` (weekday numbers 1 = Monday … 7 = Sunday) and `time` (`HH:MM`, UTC).
    /// Field codes: `days: required | invalid`, `time: required | invalid`.
    pub fn parse(days: &[i64], time: Option<&str>) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let mut weekdays = 0u8;
        if days.is_empty() {
            errors.push(FieldError::new("days", "required"));
        }
        for d in days {
            if (1..=7).contains(d) {
                weekdays |= 1 << (d - 1);
            } else {
                errors.push(FieldError::new("days", "invalid"));
                break;
            }
        }
        let minute_of_day = match time.map(str::trim).filter(|t| !t.is_empty()) {
            None => {
                errors.push(FieldError::new("time", "required"));
                0
            }
            Some(t) => match parse_hhmm(t) {
                Some(m) => m,
                None => {
                    errors.push(FieldError::new("time", "invalid"));
                    0
                }
            },
        };
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(Self { weekdays, minute_of_day })
    }

    /// Whether two slots share a weekday and are less than [`MIN_SLOT_GAP_MINUTES`] apart (across midnight
    /// too: Monday 23:30 and Tuesday 00:10 overlap).
    pub fn overlaps(self, other: Slot) -> bool {
        let week = 7 * 1440;
        let starts = |s: Slot| {
            (0..7).filter(move |d| s.weekdays & (1 << d) != 0).map(move |d| d * 1440 + i64::from(s.minute_of_day))
        };
        starts(self).any(|a| {
            starts(other).any(|b| {
                let diff = (a - b).rem_euclid(week);
                diff.min(week - diff) < MIN_SLOT_GAP_MINUTES
            })
        })
    }

    /// Weekday numbers (1 = Monday).
    pub fn days(self) -> Vec<i64> {
        (0..7).filter(|d| self.weekdays & (1 << d) != 0).map(|d| d + 1).collect()
    }

    pub fn time(self) -> String {
        format!("{:02}:{:02}", self.minute_of_day / 60, self.minute_of_day % 60)
    }
}

fn parse_hhmm(t: &str) -> Option<u16> {
    let (h, m) = t.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// A snapshot gap: a type the capture (or a compare) could not prove, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub policy_type: String,
    /// `not_synced`, `sync_failed`, `ambiguous`, `snapshot_type_missing`.
    pub reason: String,
    /// The subject, when the gap is about one policy (ambiguous name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotDto {
    pub id: i64,
    pub profile_id: i64,
    pub source_tenant_id: Option<i64>,
    pub source_tenant_name: Option<String>,
    pub status: SnapshotStatus,
    /// A finished snapshot that is no longer the profile's active one.
    pub superseded: bool,
    pub item_count: i64,
    pub gaps: Vec<Gap>,
    pub run_id: Option<i64>,
    pub created_at: String,
    pub captured_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleDto {
    pub id: i64,
    pub days: Vec<i64>,
    pub time: String,
    pub last_fired_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignedTenant {
    pub tenant_id: i64,
    pub tenant_name: String,
    pub last_compare_run_id: Option<i64>,
    pub last_compare_at: Option<String>,
    pub last_compare_outcome: Option<String>,
    pub open_findings: i64,
}

/// A profile as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileDto {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub policy_types: Vec<String>,
    pub active_snapshot_id: Option<i64>,
    pub assigned_tenants: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// A profile with its snapshots, assignments and schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileDetail {
    pub profile: ProfileDto,
    pub snapshots: Vec<SnapshotDto>,
    pub assignments: Vec<AssignedTenant>,
    pub schedules: Vec<ScheduleDto>,
    /// Tenants of the workspace the caller sees (capture source and assignment choices).
    pub tenants: Vec<crate::members::TenantRef>,
    /// Whether the caller may manage baselines (the UI disables actions otherwise).
    pub can_manage: bool,
}

/// One item of a snapshot (a baseline policy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotItemDto {
    pub id: i64,
    pub policy_type: String,
    pub display_name: String,
    pub settings_hash: String,
    pub settings: std::collections::BTreeMap<String, serde_json::Value>,
}

/// What a compare run stores in its context (`baseline_compare`) and summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CompareResult {
    pub profile_id: i64,
    pub snapshot_id: i64,
    pub subjects_total: i64,
    pub matched: i64,
    pub missing: i64,
    pub different: i64,
    pub unexpected: i64,
    pub findings_created: i64,
    pub findings_updated: i64,
    pub findings_resolved: i64,
    pub findings_reopened: i64,
    pub reflagged: i64,
    pub gaps: Vec<Gap>,
    /// Microseconds spent loading both sides and comparing (benchmarks report them apart).
    pub load_micros: i64,
    pub compare_micros: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_parse_and_overlap() {
        let a = Slot::parse(&[1, 3], Some("02:00")).unwrap();
        assert_eq!(a.days(), vec![1, 3]);
        assert_eq!(a.time(), "02:00");
        assert!(a.overlaps(Slot::parse(&[3], Some("02:45")).unwrap()));
        assert!(!a.overlaps(Slot::parse(&[3], Some("03:00")).unwrap()));
        assert!(!a.overlaps(Slot::parse(&[2], Some("02:00")).unwrap()));
        // across midnight: Sunday 23:30 and Monday 00:10
        let sun = Slot::parse(&[7], Some("23:30")).unwrap();
        assert!(sun.overlaps(Slot::parse(&[1], Some("00:10")).unwrap()));
        assert!(Slot::parse(&[], Some("02:00")).is_err());
        assert!(Slot::parse(&[8], Some("02:00")).is_err());
        assert!(Slot::parse(&[1], Some("24:00")).is_err());
        assert!(Slot::parse(&[1], Some("2:00")).is_err());
    }

    #[test]
    fn profile_input_is_validated() {
        assert!(ProfileInput::parse(Some(" "), None, &["settings_catalog".into()]).is_err());
        assert!(ProfileInput::parse(Some("A"), None, &[]).is_err());
        assert!(ProfileInput::parse(Some("A"), None, &["scope_tag".into()]).is_err());
        let ok =
            ProfileInput::parse(Some(" A "), None, &["settings_catalog".into(), "settings_catalog".into()]).unwrap();
        assert_eq!(ok.name, "A");
        assert_eq!(ok.policy_types, vec!["settings_catalog".to_string()]);
    }
}
