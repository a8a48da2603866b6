//! The contract registry: every Graph object type TenantPilot supports, as pure data — where it lives
//! (API version and path), which `@odata.type`s it carries, whether it has assignments and scope tags, how
//! it may be restored and how risky a change to it is. Inventory sync iterates [`CONTRACTS`]; restore and
//! the UI ask [`classify`]. An `@odata.type` nobody listed is never guessed at: it is captured read-only
//! with high risk ([`Classification::Unknown`]).

use serde::Serialize;

/// Which Graph root a contract is served from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ApiVersion {
    #[serde(rename = "v1.0")]
    V1,
    #[serde(rename = "beta")]
    Beta,
}

impl ApiVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1.0",
            Self::Beta => "beta",
        }
    }
}

/// What restoring a stored version of this type may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RestoreMode {
    /// Create or update through Graph after a preview.
    Enabled,
    /// Show the diff and the payload; applying it is left to an administrator (lock-out risk).
    PreviewOnly,
    /// Inventory only: never written back.
    ReadOnly,
}

/// Blast radius of a change to an object of this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Low,
    Medium,
    High,
}

/// One supported type family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Contract {
    /// Stable key stored with inventory items (`device_configuration`).
    pub key: &'static str,
    pub label: &'static str,
    pub api: ApiVersion,
    /// Collection path below the API root, without a leading slash.
    pub path: &'static str,
    /// The collection's base type; Graph omits `@odata.type` on items of exactly this type.
    pub base_type: &'static str,
    /// Derived types known to TenantPilot (besides the base type).
    pub odata_types: &'static [&'static str],
    /// Sub-path of an item's assignments (`assignments`), if the type is assignable.
    pub assignments: Option<&'static str>,
    pub scope_tags: bool,
    pub restore: RestoreMode,
    pub risk: Risk,
    /// `$select` for the cheap inventory listing (change detection); full payloads are fetched per item.
    pub select: &'static [&'static str],
    /// `$expand` for fetching a full item.
    pub expand: Option<&'static str>,
    /// Per-item sub-collections that belong to the payload (`settings`, `definitionValues`).
    pub children: &'static [&'static str],
    /// Referenced by other objects (scope tags, filters, named locations) rather than a policy itself.
    pub foundation: bool,
}

impl Contract {
    /// `/beta/deviceManagement/deviceConfigurations`.
    pub fn collection_path(&self) -> String {
        format!("/{}/{}", self.api.as_str(), self.path)
    }

    pub fn item_path(&self, id: &str) -> String {
        format!("{}/{id}", self.collection_path())
    }

    pub fn knows_type(&self, odata_type: &str) -> bool {
        self.base_type == odata_type || self.odata_types.contains(&odata_type)
    }
}

const INTUNE_SELECT: &[&str] = &["id", "displayName", "lastModifiedDateTime", "version", "roleScopeTagIds"];

pub const CONTRACTS: &[Contract] = &[
    Contract {
        key: "device_configuration",
        label: "Device configuration",
        api: ApiVersion::Beta,
        path: "deviceManagement/deviceConfigurations",
        base_type: "#microsoft.graph.deviceConfiguration",
        odata_types: &[
            "#microsoft.graph.windows10GeneralConfiguration",
            "#microsoft.graph.windows10CustomConfiguration",
            "#microsoft.graph.windows10EndpointProtectionConfiguration",
            "#microsoft.graph.iosGeneralDeviceConfiguration",
            "#microsoft.graph.iosCustomConfiguration",
            "#microsoft.graph.macOSGeneralDeviceConfiguration",
            "#microsoft.graph.androidWorkProfileGeneralDeviceConfiguration",
        ],
        assignments: Some("assignments"),
        scope_tags: true,
        restore: RestoreMode::Enabled,
        risk: Risk::Medium,
        select: INTUNE_SELECT,
        expand: Some("assignments"),
        children: &[],
        foundation: false,
    },
    Contract {
        key: "settings_catalog",
        label: "Settings catalog / endpoint security / security baseline",
        api: ApiVersion::Beta,
        path: "deviceManagement/configurationPolicies",
        base_type: "#microsoft.graph.deviceManagementConfigurationPolicy",
        odata_types: &[],
        assignments: Some("assignments"),
        scope_tags: true,
        restore: RestoreMode::Enabled,
        risk: Risk::Medium,
        select: &[
            "id",
            "name",
            "lastModifiedDateTime",
            "settingCount",
            "templateReference",
            "roleScopeTagIds",
            "platforms",
            "technologies",
        ],
        expand: Some("assignments"),
        children: &["settings"],
        foundation: false,
    },
    Contract {
        key: "compliance_policy",
        label: "Compliance policy",
        api: ApiVersion::Beta,
        path: "deviceManagement/deviceCompliancePolicies",
        base_type: "#microsoft.graph.deviceCompliancePolicy",
        odata_types: &[
            "#microsoft.graph.windows10CompliancePolicy",
            "#microsoft.graph.iosCompliancePolicy",
            "#microsoft.graph.macOSCompliancePolicy",
            "#microsoft.graph.androidWorkProfileCompliancePolicy",
        ],
        assignments: Some("assignments"),
        scope_tags: true,
        restore: RestoreMode::Enabled,
        risk: Risk::High,
        select: INTUNE_SELECT,
        expand: Some("scheduledActionsForRule($expand=scheduledActionConfigurations),assignments"),
        children: &[],
        foundation: false,
    },
    Contract {
        key: "administrative_template",
        label: "Administrative template",
        api: ApiVersion::Beta,
        path: "deviceManagement/groupPolicyConfigurations",
        base_type: "#microsoft.graph.groupPolicyConfiguration",
        odata_types: &[],
        assignments: Some("assignments"),
        scope_tags: true,
        restore: RestoreMode::Enabled,
        risk: Risk::Medium,
        select: &["id", "displayName", "lastModifiedDateTime", "roleScopeTagIds"],
        expand: Some("assignments"),
        children: &["definitionValues"],
        foundation: false,
    },
    Contract {
        key: "conditional_access_policy",
        label: "Conditional access policy",
        api: ApiVersion::V1,
        path: "identity/conditionalAccess/policies",
        base_type: "#microsoft.graph.conditionalAccessPolicy",
        odata_types: &[],
        assignments: None,
        scope_tags: false,
        restore: RestoreMode::PreviewOnly,
        risk: Risk::High,
        select: &["id", "displayName", "state", "modifiedDateTime"],
        expand: None,
        children: &[],
        foundation: false,
    },
    Contract {
        key: "named_location",
        label: "Named location",
        api: ApiVersion::V1,
        path: "identity/conditionalAccess/namedLocations",
        base_type: "#microsoft.graph.namedLocation",
        odata_types: &["#microsoft.graph.ipNamedLocation", "#microsoft.graph.countryNamedLocation"],
        assignments: None,
        scope_tags: false,
        restore: RestoreMode::Enabled,
        risk: Risk::Medium,
        select: &["id", "displayName", "modifiedDateTime"],
        expand: None,
        children: &[],
        foundation: true,
    },
    Contract {
        key: "app_protection_policy",
        label: "App protection policy",
        api: ApiVersion::Beta,
        path: "deviceAppManagement/managedAppPolicies",
        base_type: "#microsoft.graph.managedAppPolicy",
        odata_types: &[
            "#microsoft.graph.iosManagedAppProtection",
            "#microsoft.graph.androidManagedAppProtection",
            "#microsoft.graph.targetedManagedAppConfiguration",
        ],
        assignments: Some("assignments"),
        scope_tags: true,
        restore: RestoreMode::Enabled,
        risk: Risk::Medium,
        select: INTUNE_SELECT,
        expand: None,
        children: &[],
        foundation: false,
    },
    Contract {
        key: "scope_tag",
        label: "Scope tag",
        api: ApiVersion::Beta,
        path: "deviceManagement/roleScopeTags",
        base_type: "#microsoft.graph.roleScopeTag",
        odata_types: &[],
        assignments: None,
        scope_tags: false,
        restore: RestoreMode::Enabled,
        risk: Risk::Low,
        select: &["id", "displayName", "description", "isBuiltIn"],
        expand: None,
        children: &[],
        foundation: true,
    },
    Contract {
        key: "assignment_filter",
        label: "Assignment filter",
        api: ApiVersion::Beta,
        path: "deviceManagement/assignmentFilters",
        base_type: "#microsoft.graph.deviceAndAppManagementAssignmentFilter",
        odata_types: &[],
        assignments: None,
        scope_tags: true,
        restore: RestoreMode::Enabled,
        risk: Risk::Medium,
        select: &["id", "displayName", "platform", "rule", "lastModifiedDateTime", "roleScopeTagIds"],
        expand: None,
        children: &[],
        foundation: true,
    },
];

pub fn by_key(key: &str) -> Option<&'static Contract> {
    CONTRACTS.iter().find(|c| c.key == key)
}

/// The contract whose collection a Graph path (`/beta/deviceManagement/deviceConfigurations/{id}…`, with
/// or without the version prefix) falls under.
pub fn for_path(path: &str) -> Option<&'static Contract> {
    let p = path.trim_start_matches('/');
    let p = p.strip_prefix("beta/").or_else(|| p.strip_prefix("v1.0/")).unwrap_or(p);
    CONTRACTS.iter().find(|c| p == c.path || p.strip_prefix(c.path).is_some_and(|rest| rest.starts_with('/')))
}

/// How an item found in a contract's collection is treated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Classification {
    Supported {
        contract: &'static str,
        odata_type: String,
        restore: RestoreMode,
        risk: Risk,
    },
    /// Fail-safe: kept in inventory so nothing is silently dropped, but never restored and treated as
    /// high risk until a contract lists the type.
    Unknown {
        contract: Option<&'static str>,
        odata_type: Option<String>,
        restore: RestoreMode,
        risk: Risk,
    },
}

impl Classification {
    pub fn is_supported(&self) -> bool {
        matches!(self, Self::Supported { .. })
    }

    pub fn restore(&self) -> RestoreMode {
        match self {
            Self::Supported { restore, .. } | Self::Unknown { restore, .. } => *restore,
        }
    }
}

/// Classifies an item of `contract` by its `@odata.type` (absent = the collection's base type).
pub fn classify(contract: &'static Contract, odata_type: Option<&str>) -> Classification {
    let ty = odata_type.unwrap_or(contract.base_type);
    if contract.knows_type(ty) {
        Classification::Supported {
            contract: contract.key,
            odata_type: ty.to_string(),
            restore: contract.restore,
            risk: contract.risk,
        }
    } else {
        unknown(Some(contract.key), odata_type)
    }
}

/// Classifies a bare `@odata.type` across all contracts (e.g. an object referenced from an audit event).
pub fn classify_type(odata_type: &str) -> Classification {
    match CONTRACTS.iter().find(|c| c.knows_type(odata_type)) {
        Some(c) => classify(c, Some(odata_type)),
        None => unknown(None, Some(odata_type)),
    }
}

fn unknown(contract: Option<&'static str>, odata_type: Option<&str>) -> Classification {
    Classification::Unknown {
        contract,
        odata_type: odata_type.map(str::to_string),
        restore: RestoreMode::ReadOnly,
        risk: Risk::High,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_paths_and_types_are_unique() {
        let mut keys = std::collections::HashSet::new();
        let mut paths = std::collections::HashSet::new();
        let mut types = std::collections::HashSet::new();
        for c in CONTRACTS {
            assert!(keys.insert(c.key), "duplicate key {}", c.key);
            assert!(paths.insert(c.path), "duplicate path {}", c.path);
            assert!(!c.path.starts_with('/'));
            for t in std::iter::once(&c.base_type).chain(c.odata_types) {
                assert!(t.starts_with("#microsoft.graph."), "{t}");
                assert!(types.insert(*t), "type {t} listed twice");
            }
            assert!(c.select.contains(&"id"));
        }
    }

    #[test]
    fn lookups_by_key_and_path() {
        let dc = by_key("device_configuration").unwrap();
        assert_eq!(dc.collection_path(), "/beta/deviceManagement/deviceConfigurations");
        assert_eq!(for_path("/beta/deviceManagement/deviceConfigurations/abc/assignments").unwrap().key, dc.key);
        assert_eq!(for_path("deviceManagement/deviceConfigurations").unwrap().key, dc.key);
        assert_eq!(for_path("/v1.0/identity/conditionalAccess/policies").unwrap().key, "conditional_access_policy");
        // A longer collection name sharing a prefix is not a match.
        assert!(for_path("/beta/deviceManagement/deviceConfigurationsX").is_none());
        assert!(for_path("/beta/users").is_none());
        assert!(by_key("nope").is_none());
        for key in [
            "settings_catalog",
            "compliance_policy",
            "administrative_template",
            "named_location",
            "app_protection_policy",
            "scope_tag",
            "assignment_filter",
        ] {
            assert!(by_key(key).is_some(), "{key}");
        }
    }

    #[test]
    fn known_types_are_supported_and_base_type_is_implied() {
        let dc = by_key("device_configuration").unwrap();
        let c = classify(dc, Some("#microsoft.graph.windows10CustomConfiguration"));
        assert!(c.is_supported());
        assert_eq!(c.restore(), RestoreMode::Enabled);
        let sc = by_key("settings_catalog").unwrap();
        assert!(classify(sc, None).is_supported());
        assert_eq!(
            classify_type("#microsoft.graph.windows10CompliancePolicy"),
            Classification::Supported {
                contract: "compliance_policy",
                odata_type: "#microsoft.graph.windows10CompliancePolicy".into(),
                restore: RestoreMode::Enabled,
                risk: Risk::High,
            }
        );
    }

    #[test]
    fn unknown_types_fail_safe() {
        let dc = by_key("device_configuration").unwrap();
        let c = classify(dc, Some("#microsoft.graph.windows11QuantumConfiguration"));
        assert!(!c.is_supported());
        assert_eq!(c.restore(), RestoreMode::ReadOnly);
        assert!(matches!(c, Classification::Unknown { risk: Risk::High, contract: Some("device_configuration"), .. }));
        // A type from another family in the wrong collection is not accepted either.
        assert!(!classify(dc, Some("#microsoft.graph.iosCompliancePolicy")).is_supported());
        assert!(matches!(
            classify_type("#microsoft.graph.somethingNew"),
            Classification::Unknown { contract: None, restore: RestoreMode::ReadOnly, .. }
        ));
    }
}
