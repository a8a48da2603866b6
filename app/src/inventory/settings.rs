//! The readable settings model: a normalized, redacted policy snapshot as a flat list of settings
//! (setting name → value), grouped the way the policy type groups them — settings-catalog definitions,
//! OMA-URIs, ADMX definitions and their presentations, conditional-access conditions, grant and session
//! controls, and plain properties for everything else. The version view shows it (with the raw JSON one
//! click away) and drift evidence and matching use the same model ([`settings_map`]). Pure and total: any
//! JSON is accepted, nothing here panics, and the result is deterministic. Both builds compile it.
//!
//! Each setting has a stable `key`, independent of display names and of array order (except where the
//! order is the identity: elements of a settings-catalog group collection are `…/#1/…`, `…/#2/…`):
//!
//! - settings catalog: the `settingDefinitionId` path (`parent/child`), one setting per instance that
//!   holds a value (a choice with children is itself a setting, and so is each child);
//! - OMA-URI settings: the `omaUri` (value: `valueXml` when normalization decoded it, else `value`);
//! - administrative templates: `admx:<definition id>/enabled` and `admx:<definition id>/<presentation id>`;
//! - conditional access: the JSON path below `conditions`, `grantControls`, `sessionControls`
//!   (`conditions.users.includeGroups`);
//! - every other top-level member: its name, nested objects flattened with `.` (`templateReference.templateFamily`).
//!
//! Left out everywhere: identity and bookkeeping (`displayName`, `name` when there is no `displayName`,
//! `description`, `id`, `version`, `roleScopeTagIds`, `assignments`, `@odata.*`, timestamps, derived
//! counters), `null` values and template references. A key met twice (two OMA settings with one URI) gets
//! `#2`, `#3`, … in document order.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::secrets::escape_pointer_token;

/// One readable setting of a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    /// Which group of the policy type it belongs to: one of GROUPS (translated by the UI).
    pub group: String,
    /// Sub-heading inside the group, as data (ADMX category/definition display name, CA condition area…); "" when none.
    pub section: String,
    /// Stable identity of the setting inside the policy, independent of display names and array order:
    /// the settings-catalog settingDefinitionId (children joined with "/"), the OMA-URI, "admx:<definition id>/<presentation id or 'enabled'>", the CA JSON path ("conditions.users.includeGroups"), or the property name.
    pub key: String,
    /// Human-readable name (setting definition id made readable, OMA setting displayName, ADMX definition/presentation display name, property name).
    pub label: String,
    /// The value as JSON (scalar, array or small object); a redacted secret keeps the redacted value "[REDACTED]".
    pub value: Value,
    /// The value is a redacted secret (its JSON pointer is in `protected_pointers`).
    pub protected: bool,
}

/// Group ids, in display order.
pub const GROUPS: &[&str] = &["catalog", "oma_uri", "admx", "ca_conditions", "ca_grant", "ca_session", "properties"];

/// Top-level members that identify or describe the object rather than configure it.
pub const METADATA: &[&str] = &[
    "displayName",
    "description",
    "id",
    "version",
    "roleScopeTagIds",
    "assignments",
    "createdDateTime",
    "lastModifiedDateTime",
    "modifiedDateTime",
    "settingCount",
    "isAssigned",
    "supportsScopeTags",
    "deployedAppCount",
];

/// Prefixes of settings-catalog definition ids left out of their readable names.
const DEFINITION_PREFIXES: &[&str] = &[
    "device_vendor_msft_policy_config_",
    "user_vendor_msft_policy_config_",
    "device_vendor_msft_",
    "user_vendor_msft_",
    "vendor_msft_",
];

/// The readable settings of a normalized, redacted policy snapshot of contract key `policy_type`
/// (`settings_catalog`, `device_configuration`, `administrative_template`, `conditional_access_policy`, ...).
/// Deterministic order (by GROUPS, then section, then key). Never panics on odd JSON.
/// `protected_pointers` are JSON pointers (into `snapshot`) of redacted secrets.
pub fn settings_of(policy_type: &str, snapshot: &Value, protected_pointers: &[String]) -> Vec<Setting> {
    let Some(root) = snapshot.as_object() else { return Vec::new() };
    let mut c = Collector { protected: protected_pointers, out: Vec::new() };
    let mut consumed: Vec<&str> = Vec::new();
    if let Some(settings) = root.get("settings").and_then(Value::as_array) {
        if policy_type == "settings_catalog" || settings.iter().any(|s| s.get("settingInstance").is_some()) {
            consumed.push("settings");
            c.catalog(settings);
        }
    }
    if let Some(oma) = root.get("omaSettings").and_then(Value::as_array) {
        consumed.push("omaSettings");
        c.oma(oma);
    }
    if let Some(values) = root.get("definitionValues").and_then(Value::as_array) {
        consumed.push("definitionValues");
        c.admx(values);
    }
    if policy_type == "conditional_access_policy" {
        for (member, group) in
            [("conditions", "ca_conditions"), ("grantControls", "ca_grant"), ("sessionControls", "ca_session")]
        {
            if let Some(v) = root.get(member) {
                consumed.push(member);
                c.conditional_access(member, group, v);
            }
        }
    }
    let has_display_name = root.contains_key("displayName");
    for (k, v) in root {
        if consumed.contains(&k.as_str())
            || METADATA.contains(&k.as_str())
            || is_annotation(k)
            || (k == "name" && !has_display_name)
        {
            continue;
        }
        let mut leaves = Vec::new();
        flatten(v, k, &pointer("", k), &mut leaves);
        for (key, ptr, value) in leaves {
            c.push("properties", "", key.clone(), key, value, &ptr);
        }
    }
    let mut out = c.out;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for s in &mut out {
        let n = seen.entry(s.key.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            s.key = format!("{}#{n}", s.key);
        }
    }
    out.sort_by(|a, b| (group_rank(&a.group), &a.section, &a.key).cmp(&(group_rank(&b.group), &b.section, &b.key)));
    out
}

/// Identity-free content for matching: the settings as a map key → value, leaving out the name,
/// description, `@odata.type`-free metadata (displayName, description, roleScopeTagIds, assignments, id, version…)
/// so that a renamed copy with identical settings gives an identical map.
pub fn settings_map(policy_type: &str, snapshot: &Value) -> BTreeMap<String, Value> {
    settings_of(policy_type, snapshot, &[]).into_iter().map(|s| (s.key, s.value)).collect()
}

fn group_rank(group: &str) -> usize {
    GROUPS.iter().position(|g| *g == group).unwrap_or(GROUPS.len())
}

/// OData annotations (`@odata.type`, `assignments@odata.context`).
fn is_annotation(key: &str) -> bool {
    key.contains('@')
}

fn pointer(parent: &str, token: &str) -> String {
    format!("{parent}/{}", escape_pointer_token(token))
}

/// The leaves of `v` (key path joined with `.`, JSON pointer, value): objects are walked (annotations
/// skipped), arrays and scalars are leaves, `null` is nothing.
fn flatten(v: &Value, key: &str, ptr: &str, out: &mut Vec<(String, String, Value)>) {
    match v {
        Value::Null => {}
        Value::Object(m) => {
            for (k, child) in m.iter().filter(|(k, _)| !is_annotation(k)) {
                flatten(child, &format!("{key}.{k}"), &pointer(ptr, k), out);
            }
        }
        _ => out.push((key.to_string(), ptr.to_string(), v.clone())),
    }
}

/// A settings-catalog definition id made readable: the vendor prefix left out, words separated by spaces,
/// the first letter capitalized (`device_vendor_msft_policy_config_defender_allowrealtimemonitoring` →
/// `Defender allowrealtimemonitoring`).
fn readable_definition(id: &str) -> String {
    let rest = DEFINITION_PREFIXES.iter().find_map(|p| id.strip_prefix(p)).filter(|r| !r.is_empty()).unwrap_or(id);
    let words = rest.split('_').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => id.to_string(),
    }
}

/// The elements of a `children` array with their pointers (below `base`).
fn child_list<'v>(v: Option<&'v Value>, base: &str) -> Vec<(&'v Value, String)> {
    v.and_then(Value::as_array)
        .map(|l| l.iter().enumerate().map(|(j, c)| (c, pointer(base, &j.to_string()))).collect())
        .unwrap_or_default()
}

struct Collector<'a> {
    protected: &'a [String],
    out: Vec<Setting>,
}

impl Collector<'_> {
    /// Whether the value at `ptr` is (or holds, or lies inside) a redacted secret.
    fn is_protected(&self, ptr: &str) -> bool {
        self.protected.iter().any(|p| {
            p == ptr
                || p.strip_prefix(ptr).is_some_and(|rest| rest.starts_with('/'))
                || ptr.strip_prefix(p.as_str()).is_some_and(|rest| rest.starts_with('/'))
        })
    }

    fn push(&mut self, group: &str, section: &str, key: String, label: String, value: Value, ptr: &str) {
        let protected = self.is_protected(ptr);
        self.out.push(Setting { group: group.into(), section: section.into(), key, label, value, protected });
    }

    fn catalog(&mut self, settings: &[Value]) {
        for (i, s) in settings.iter().enumerate() {
            let Some(instance) = s.get("settingInstance") else { continue };
            let Some(def) = instance.get("settingDefinitionId").and_then(Value::as_str) else { continue };
            let ptr = pointer(&pointer("/settings", &i.to_string()), "settingInstance");
            self.instance(instance, &ptr, "", &readable_definition(def), "");
        }
    }

    /// One settings-catalog setting instance at `ptr`, below key path `parent` ("" at the top).
    fn instance(&mut self, inst: &Value, ptr: &str, parent: &str, section: &str, suffix: &str) {
        let Some(obj) = inst.as_object() else { return };
        let Some(def) = obj.get("settingDefinitionId").and_then(Value::as_str) else { return };
        let key = if parent.is_empty() { def.to_string() } else { format!("{parent}/{def}") };
        let label = format!("{}{suffix}", readable_definition(def));
        let mut children: Vec<(&Value, String, String, String)> = Vec::new();
        if let Some(choice) = obj.get("choiceSettingValue").filter(|v| v.is_object()) {
            let base = pointer(ptr, "choiceSettingValue");
            let value = choice.get("value").cloned().unwrap_or(Value::Null);
            self.push("catalog", section, key.clone(), label, value, &pointer(&base, "value"));
            for (c, p) in child_list(choice.get("children"), &pointer(&base, "children")) {
                children.push((c, p, key.clone(), suffix.to_string()));
            }
        } else if let Some(simple) = obj.get("simpleSettingValue").filter(|v| v.is_object()) {
            let value = simple.get("value").cloned().unwrap_or(Value::Null);
            let base = pointer(ptr, "simpleSettingValue");
            self.push("catalog", section, key, label, value, &pointer(&base, "value"));
        } else if let Some(list) = obj.get("choiceSettingCollectionValue").and_then(Value::as_array) {
            let base = pointer(ptr, "choiceSettingCollectionValue");
            let value = Value::Array(list.iter().map(|e| e.get("value").cloned().unwrap_or(Value::Null)).collect());
            self.push("catalog", section, key.clone(), label, value, &base);
            for (j, e) in list.iter().enumerate() {
                let ep = pointer(&base, &j.to_string());
                for (c, p) in child_list(e.get("children"), &pointer(&ep, "children")) {
                    children.push((c, p, key.clone(), suffix.to_string()));
                }
            }
        } else if let Some(list) = obj.get("simpleSettingCollectionValue").and_then(Value::as_array) {
            let base = pointer(ptr, "simpleSettingCollectionValue");
            let value = Value::Array(list.iter().map(|e| e.get("value").cloned().unwrap_or(Value::Null)).collect());
            self.push("catalog", section, key, label, value, &base);
        } else if let Some(group) = obj.get("groupSettingValue").filter(|v| v.is_object()) {
            let base = pointer(ptr, "groupSettingValue");
            for (c, p) in child_list(group.get("children"), &pointer(&base, "children")) {
                children.push((c, p, key.clone(), suffix.to_string()));
            }
        } else if let Some(list) = obj.get("groupSettingCollectionValue").and_then(Value::as_array) {
            let base = pointer(ptr, "groupSettingCollectionValue");
            for (j, e) in list.iter().enumerate() {
                let ep = pointer(&base, &j.to_string());
                let element_key = format!("{key}/#{}", j + 1);
                let element_suffix = if list.len() > 1 { format!("{suffix} #{}", j + 1) } else { suffix.to_string() };
                for (c, p) in child_list(e.get("children"), &pointer(&ep, "children")) {
                    children.push((c, p, element_key.clone(), element_suffix.clone()));
                }
            }
        } else {
            // An instance kind not known here: its members other than the identity, as one value.
            let rest: Map<String, Value> = obj
                .iter()
                .filter(|(k, v)| {
                    !is_annotation(k)
                        && !v.is_null()
                        && *k != "settingDefinitionId"
                        && *k != "settingInstanceTemplateReference"
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !rest.is_empty() {
                self.push("catalog", section, key, label, Value::Object(rest), ptr);
            }
        }
        for (c, p, parent_key, suffix) in children {
            self.instance(c, &p, &parent_key, section, &suffix);
        }
    }

    fn oma(&mut self, settings: &[Value]) {
        for (i, s) in settings.iter().enumerate() {
            let Some(uri) = s.get("omaUri").and_then(Value::as_str) else { continue };
            let ptr = pointer("/omaSettings", &i.to_string());
            let label = s.get("displayName").and_then(Value::as_str).filter(|n| !n.is_empty()).unwrap_or(uri);
            let (member, value) = match (s.get("valueXml"), s.get("value")) {
                (Some(x), _) => ("valueXml", x.clone()),
                (None, Some(v)) => ("value", v.clone()),
                (None, None) => ("value", Value::Null),
            };
            self.push("oma_uri", "", uri.to_string(), label.to_string(), value, &pointer(&ptr, member));
        }
    }

    fn admx(&mut self, values: &[Value]) {
        for (i, dv) in values.iter().enumerate() {
            let Some(def) = dv.get("definition") else { continue };
            let Some(def_id) = def.get("id").and_then(Value::as_str) else { continue };
            let ptr = pointer("/definitionValues", &i.to_string());
            let text = |k: &str| def.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
            let name = text("displayName").unwrap_or(def_id);
            let section = text("displayName").or_else(|| text("categoryPath")).unwrap_or(def_id);
            let enabled = dv.get("enabled").cloned().unwrap_or(Value::Null);
            self.push(
                "admx",
                section,
                format!("admx:{def_id}/enabled"),
                name.to_string(),
                enabled,
                &pointer(&ptr, "enabled"),
            );
            let Some(presentations) = dv.get("presentationValues").and_then(Value::as_array) else { continue };
            for (j, pv) in presentations.iter().enumerate() {
                let pp = pointer(&pointer(&ptr, "presentationValues"), &j.to_string());
                let presentation = pv.get("presentation");
                let pid = presentation
                    .and_then(|p| p.get("id"))
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("#{}", j + 1), str::to_string);
                let label = presentation
                    .and_then(|p| p.get("label"))
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .unwrap_or(&pid)
                    .to_string();
                let (member, value) = match (pv.get("value"), pv.get("values")) {
                    (Some(v), _) => ("value", v.clone()),
                    (None, Some(v)) => ("values", v.clone()),
                    (None, None) => ("value", Value::Null),
                };
                self.push("admx", section, format!("admx:{def_id}/{pid}"), label, value, &pointer(&pp, member));
            }
        }
    }

    /// `conditions`, `grantControls` or `sessionControls`: every leaf, the section being the first level
    /// below the member when that is an object (`users`, `applications`, `signInFrequency`).
    fn conditional_access(&mut self, member: &str, group: &str, v: &Value) {
        let Some(m) = v.as_object() else {
            let mut leaves = Vec::new();
            flatten(v, member, &pointer("", member), &mut leaves);
            for (key, ptr, value) in leaves {
                self.push(group, "", key, member.to_string(), value, &ptr);
            }
            return;
        };
        let base = pointer("", member);
        for (k, child) in m.iter().filter(|(k, _)| !is_annotation(k)) {
            let section = if child.is_object() { k.as_str() } else { "" };
            let mut leaves = Vec::new();
            flatten(child, &format!("{member}.{k}"), &pointer(&base, k), &mut leaves);
            for (key, ptr, value) in leaves {
                let prefix = if section.is_empty() { format!("{member}.") } else { format!("{member}.{k}.") };
                let label = key.strip_prefix(&prefix).unwrap_or(&key).to_string();
                self.push(group, section, key, label, value, &ptr);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const DEF: &str = "device_vendor_msft_policy_config_";

    /// A normalized, redacted settings-catalog snapshot (the shapes the simulated Graph serves).
    fn catalog(name: &str, min_len: i64) -> Value {
        json!({"name": name, "description": "Managed by the platform team", "platforms": "windows10",
        "technologies": "mdm", "creationSource": null,
        "templateReference": {"templateId": "", "templateFamily": "none", "templateDisplayName": null},
        "settings": [
            {"settingInstance": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingCollectionInstance",
                "settingDefinitionId": format!("{DEF}defender_allowedscantypes"), "settingInstanceTemplateReference": null,
                "choiceSettingCollectionValue": [
                    {"value": format!("{DEF}defender_allowedscantypes_full"), "settingValueTemplateReference": null, "children": []},
                    {"value": format!("{DEF}defender_allowedscantypes_quick"), "settingValueTemplateReference": null, "children": []}]}},
            {"settingInstance": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance",
                "settingDefinitionId": format!("{DEF}defender_excludedextensions"), "settingInstanceTemplateReference": null,
                "simpleSettingCollectionValue": [
                    {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "value": ".log"},
                    {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "value": ".tmp"}]}},
            {"settingInstance": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                "settingDefinitionId": format!("{DEF}devicelock_devicepasswordenabled"), "settingInstanceTemplateReference": null,
                "choiceSettingValue": {"value": format!("{DEF}devicelock_devicepasswordenabled_0"), "children": [
                    {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                     "settingDefinitionId": format!("{DEF}devicelock_mindevicepasswordlength"),
                     "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
                        "value": min_len}}]}}},
            {"settingInstance": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                "settingDefinitionId": "device_vendor_msft_laps_policies_administratoraccountpassword",
                "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue",
                    "value": "[REDACTED]", "valueState": "encryptedValueToken"}}},
            {"settingInstance": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
                "settingDefinitionId": "device_vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}",
                "groupSettingCollectionValue": [{"children": [
                    {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                     "settingDefinitionId": "device_vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_name",
                     "simpleSettingValue": {"value": "Allow RDP 7"}},
                    {"@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingInstance",
                     "settingDefinitionId": "device_vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_direction_group",
                     "groupSettingValue": {"children": [
                        {"settingDefinitionId": "device_vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_direction",
                         "choiceSettingValue": {"value": "device_vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_direction_in",
                            "children": []}}]}}]}]}}
        ]})
    }

    const SECRET_POINTER: &str = "/settings/3/settingInstance/simpleSettingValue/value";

    fn find<'a>(settings: &'a [Setting], key: &str) -> &'a Setting {
        settings.iter().find(|s| s.key == key).unwrap_or_else(|| panic!("no {key} in {settings:#?}"))
    }

    #[test]
    fn settings_catalog_instances_are_settings() {
        let got = settings_of("settings_catalog", &catalog("Win - Settings 0001", 8), &[SECRET_POINTER.to_string()]);
        let child = format!("{DEF}devicelock_devicepasswordenabled/{DEF}devicelock_mindevicepasswordlength");
        let s = find(&got, &child);
        assert_eq!((s.group.as_str(), s.section.as_str()), ("catalog", "Devicelock devicepasswordenabled"));
        assert_eq!((s.label.as_str(), &s.value, s.protected), ("Devicelock mindevicepasswordlength", &json!(8), false));
        let choice = find(&got, &format!("{DEF}devicelock_devicepasswordenabled"));
        assert_eq!(choice.value, json!(format!("{DEF}devicelock_devicepasswordenabled_0")));
        let scans = find(&got, &format!("{DEF}defender_allowedscantypes"));
        assert_eq!(
            scans.value,
            json!([format!("{DEF}defender_allowedscantypes_full"), format!("{DEF}defender_allowedscantypes_quick")])
        );
        assert_eq!(find(&got, &format!("{DEF}defender_excludedextensions")).value, json!([".log", ".tmp"]));
        let secret = find(&got, "device_vendor_msft_laps_policies_administratoraccountpassword");
        assert_eq!((secret.protected, &secret.value), (true, &json!("[REDACTED]")));
        assert_eq!(secret.label, "Laps policies administratoraccountpassword");
        // Group collections: one key path per element, through nested groups.
        let rule = "device_vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}";
        assert_eq!(find(&got, &format!("{rule}/#1/{rule}_name")).value, json!("Allow RDP 7"));
        let direction = find(&got, &format!("{rule}/#1/{rule}_direction_group/{rule}_direction"));
        assert_eq!(direction.value, json!(format!("{rule}_direction_in")));
        assert_eq!(direction.section, "Firewall mdmstore firewallrules {firewallrulename}");
        // Properties besides the settings; the name, description and nulls are not settings.
        let props: Vec<&str> = got.iter().filter(|s| s.group == "properties").map(|s| s.key.as_str()).collect();
        assert_eq!(
            props,
            ["platforms", "technologies", "templateReference.templateFamily", "templateReference.templateId"]
        );
        assert!(got.iter().all(|s| s.group == "catalog" || s.group == "properties"));
        assert_eq!(got.iter().filter(|s| s.protected).count(), 1);
        // Deterministic order: catalog first, then by section and key.
        let order: Vec<(usize, &str, &str)> =
            got.iter().map(|s| (group_rank(&s.group), s.section.as_str(), s.key.as_str())).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
        assert_eq!(got, settings_of("settings_catalog", &catalog("Win - Settings 0001", 8), &[SECRET_POINTER.into()]));
    }

    #[test]
    fn renamed_copies_match_and_changed_values_do_not() {
        let a = settings_map("settings_catalog", &catalog("Win - Settings 0001", 8));
        let mut renamed = catalog("Copy of Win - Settings 0001", 8);
        renamed["description"] = json!("Copied");
        renamed["settings"].as_array_mut().expect("settings").reverse();
        assert_eq!(a, settings_map("settings_catalog", &renamed));
        assert_ne!(a, settings_map("settings_catalog", &catalog("Win - Settings 0001", 12)));
        assert!(!a.keys().any(|k| k == "name" || k == "description"));
        // The same for plain properties and OMA settings.
        let dc = |name: &str, len: i64| {
            json!({"@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "displayName": name,
                "description": name, "roleScopeTagIds": ["0"], "passwordMinimumLength": len, "cameraBlocked": false})
        };
        let m = settings_map("device_configuration", &dc("A", 8));
        assert_eq!(m, settings_map("device_configuration", &dc("B", 8)));
        assert_ne!(m, settings_map("device_configuration", &dc("A", 9)));
        assert_eq!(m.keys().collect::<Vec<_>>(), ["cameraBlocked", "passwordMinimumLength"]);
    }

    #[test]
    fn oma_uri_settings_are_keyed_by_uri() {
        let snapshot = json!({"@odata.type": "#microsoft.graph.windows10CustomConfiguration",
        "displayName": "Win - OMA - Edge 0001", "description": "Custom OMA-URI settings",
        "deviceManagementApplicabilityRuleOsEdition": null,
        "omaSettings": [
            {"@odata.type": "#microsoft.graph.omaSettingString", "displayName": "Homepage",
             "omaUri": "./Device/Vendor/MSFT/Policy/Config/Browser/HomePages", "value": "<https://intranet.example/>",
             "isEncrypted": false},
            {"@odata.type": "#microsoft.graph.omaSettingStringXml", "displayName": "Edge homepage (ADMX)",
             "omaUri": "./Device/Vendor/MSFT/Policy/Config/Edge~Policy~microsoft_edge~Startup/HomepageLocation",
             "fileName": "homepage.xml", "valueXml": "<enabled/>", "isEncrypted": false},
            {"@odata.type": "#microsoft.graph.omaSettingString", "displayName": "Wi-Fi pre-shared key",
             "omaUri": "./Vendor/MSFT/WiFi/Profile/Corp/WlanXml", "value": "[REDACTED]", "isEncrypted": true}
        ]});
        let got = settings_of("device_configuration", &snapshot, &["/omaSettings/2/value".to_string()]);
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(got.iter().all(|s| s.group == "oma_uri" && s.section.is_empty()));
        let home = find(&got, "./Device/Vendor/MSFT/Policy/Config/Browser/HomePages");
        assert_eq!(
            (home.label.as_str(), &home.value, home.protected),
            ("Homepage", &json!("<https://intranet.example/>"), false)
        );
        let xml = find(&got, "./Device/Vendor/MSFT/Policy/Config/Edge~Policy~microsoft_edge~Startup/HomepageLocation");
        assert_eq!(xml.value, json!("<enabled/>"));
        let psk = find(&got, "./Vendor/MSFT/WiFi/Profile/Corp/WlanXml");
        assert_eq!((psk.label.as_str(), psk.protected), ("Wi-Fi pre-shared key", true));
        // The same URI twice: both kept, the second one numbered.
        let mut twice = snapshot.clone();
        let first = twice["omaSettings"][0].clone();
        twice["omaSettings"].as_array_mut().expect("oma").push(first);
        let map = settings_map("device_configuration", &twice);
        assert!(map.contains_key("./Device/Vendor/MSFT/Policy/Config/Browser/HomePages#2"), "{map:?}");
    }

    #[test]
    fn admx_definitions_and_presentations_are_settings() {
        let snapshot = json!({"displayName": "ADMX - Browser 0001", "description": "",
        "policyConfigurationIngestionType": "builtIn",
        "definitionValues": [
            {"enabled": true, "configurationType": "policy",
             "definition": {"id": "d-home", "displayName": "Configure the home page URL", "classType": "machine",
                "categoryPath": "\\Google\\Google Chrome\\Startup", "policyType": "admxBacked"},
             "presentationValues": [{"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText",
                "value": "https://intranet.example/", "presentation": {"id": "p-home", "label": "Value", "required": true}}]},
            {"enabled": false, "configurationType": "policy",
             "definition": {"id": "d-block", "displayName": "", "categoryPath": "\\Microsoft Edge\\Content settings"},
             "presentationValues": [{"@odata.type": "#microsoft.graph.groupPolicyPresentationValueList",
                "values": [{"name": "1", "value": "*.gambling.example"}], "presentation": {"id": "p-list", "label": "Value"}}]}
        ]});
        let got = settings_of("administrative_template", &snapshot, &[]);
        let enabled = find(&got, "admx:d-home/enabled");
        assert_eq!((enabled.group.as_str(), enabled.section.as_str()), ("admx", "Configure the home page URL"));
        assert_eq!((enabled.label.as_str(), &enabled.value), ("Configure the home page URL", &json!(true)));
        let text = find(&got, "admx:d-home/p-home");
        assert_eq!((text.label.as_str(), &text.value), ("Value", &json!("https://intranet.example/")));
        // Without a display name the category path is the section.
        let list = find(&got, "admx:d-block/p-list");
        assert_eq!(list.section, "\\Microsoft Edge\\Content settings");
        assert_eq!(list.value, json!([{"name": "1", "value": "*.gambling.example"}]));
        assert_eq!(find(&got, "admx:d-block/enabled").value, json!(false));
        assert_eq!(find(&got, "policyConfigurationIngestionType").group, "properties");
        assert_eq!(got.len(), 5, "{got:#?}");
    }

    #[test]
    fn conditional_access_conditions_grant_and_session() {
        let snapshot = json!({"displayName": "CA001 - Require MFA", "state": "enabled", "templateId": null,
            "conditions": {"clientAppTypes": ["all"], "signInRiskLevels": [],
                "applications": {"includeApplications": ["All"], "excludeApplications": []},
                "users": {"includeUsers": ["All"], "excludeGroups": ["g-breakglass"]},
                "platforms": null, "locations": null},
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"], "authenticationStrength": null},
            "sessionControls": {"signInFrequency": {"value": 4, "type": "hours", "isEnabled": true}}});
        let got = settings_of("conditional_access_policy", &snapshot, &[]);
        let groups = |g: &str| got.iter().filter(|s| s.group == g).map(|s| s.key.as_str()).collect::<Vec<_>>();
        assert_eq!(
            groups("ca_conditions"),
            [
                "conditions.clientAppTypes",
                "conditions.signInRiskLevels",
                "conditions.applications.excludeApplications",
                "conditions.applications.includeApplications",
                "conditions.users.excludeGroups",
                "conditions.users.includeUsers",
            ]
        );
        let s = find(&got, "conditions.users.excludeGroups");
        assert_eq!(
            (s.section.as_str(), s.label.as_str(), &s.value),
            ("users", "excludeGroups", &json!(["g-breakglass"]))
        );
        assert_eq!(groups("ca_grant"), ["grantControls.builtInControls", "grantControls.operator"]);
        assert_eq!(find(&got, "grantControls.operator").section, "");
        assert_eq!(
            groups("ca_session"),
            [
                "sessionControls.signInFrequency.isEnabled",
                "sessionControls.signInFrequency.type",
                "sessionControls.signInFrequency.value"
            ]
        );
        assert_eq!(find(&got, "sessionControls.signInFrequency.value").section, "signInFrequency");
        assert_eq!(groups("properties"), ["state"]);
        let mut disabled = snapshot.clone();
        disabled["displayName"] = json!("Renamed");
        assert_eq!(
            settings_map("conditional_access_policy", &snapshot),
            settings_map("conditional_access_policy", &disabled)
        );
        disabled["state"] = json!("disabled");
        assert_ne!(
            settings_map("conditional_access_policy", &snapshot),
            settings_map("conditional_access_policy", &disabled)
        );
    }

    #[test]
    fn properties_are_flattened_without_metadata() {
        let snapshot = json!({"@odata.type": "#microsoft.graph.windows10EndpointProtectionConfiguration",
            "displayName": "Win - EP", "description": "", "id": "x", "version": 3, "roleScopeTagIds": ["0"],
            "assignments": [], "createdDateTime": "2025-01-01T00:00:00Z", "lastModifiedDateTime": "2025-01-01T00:00:00Z",
            "firewallBlockStatefulFTP": true,
            "firewallProfileDomain": {"@odata.type": "#microsoft.graph.windowsFirewallNetworkProfile", "firewallEnabled": "allowed"},
            "defenderAttackSurfaceReductionExcludedPaths": [], "name": "a real setting", "preSharedKey": "[REDACTED]"});
        let got = settings_of("device_configuration", &snapshot, &["/preSharedKey".into()]);
        let keys: Vec<&str> = got.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "defenderAttackSurfaceReductionExcludedPaths",
                "firewallBlockStatefulFTP",
                "firewallProfileDomain.firewallEnabled",
                "name",
                "preSharedKey"
            ]
        );
        assert!(got.iter().all(|s| s.group == "properties" && s.section.is_empty() && s.label == s.key));
        assert!(find(&got, "preSharedKey").protected && !find(&got, "name").protected);
    }

    #[test]
    fn odd_json_gives_nothing_or_what_it_can() {
        for v in [json!(null), json!([1, {"a": 2}]), json!("x"), json!(3), json!({})] {
            assert_eq!(settings_of("settings_catalog", &v, &["/x".into()]), vec![]);
            assert!(settings_map("conditional_access_policy", &v).is_empty());
        }
        let odd = json!({"settings": [null, 1, {"settingInstance": 5}, {"settingInstance": {"settingDefinitionId": 3}},
                {"settingInstance": {"settingDefinitionId": "x_y", "choiceSettingValue": {"children": "no"}}},
                {"settingInstance": {"settingDefinitionId": "x_z", "futureSettingValue": {"v": 1}}}],
            "omaSettings": [null, {"omaUri": 1}, {"omaUri": "./u"}],
            "definitionValues": [3, {"definition": 1}, {"definition": {"id": "d"}, "presentationValues": [null, {}]}],
            "conditions": "none", "grantControls": [1], "sessionControls": {"x": {}}});
        for ty in GROUPS.iter().copied().chain(["settings_catalog", "conditional_access_policy", ""]) {
            let got = settings_of(ty, &odd, &[String::new(), "/".into()]);
            assert_eq!(got, settings_of(ty, &odd, &[String::new(), "/".into()]));
        }
        let got = settings_of("conditional_access_policy", &odd, &[]);
        assert_eq!(find(&got, "x_y").value, Value::Null);
        assert_eq!(find(&got, "x_z").value, json!({"futureSettingValue": {"v": 1}}));
        assert_eq!(find(&got, "./u").value, Value::Null);
        assert_eq!(find(&got, "admx:d/#1").label, "#1");
        assert_eq!(find(&got, "conditions").group, "ca_conditions");
        assert_eq!(find(&got, "grantControls").value, json!([1]));
        assert_eq!(readable_definition("device_vendor_msft_"), "Device vendor msft");
        assert_eq!(readable_definition("___"), "___");
    }
}
