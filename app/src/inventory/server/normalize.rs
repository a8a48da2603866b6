//! Normalization: turns a Graph payload into a stable, comparable value, so that two captures of an
//! unchanged policy are byte-identical after [`canonical_json`] and a diff shows only what an administrator
//! changed. Any JSON is accepted; nothing here panics.
//!
//! **Dropped (volatile or derived)**
//! - on the object itself (top level): `id` (stored as the policy's external id), `version` (Graph's
//!   change counter), `settingCount`, `isAssigned`, `deployedAppCount` (derived from child collections),
//!   `supportsScopeTags` (a read-only property of the type, never configuration);
//! - at any depth: `createdDateTime`, `lastModifiedDateTime`, `modifiedDateTime`, `@odata.context`,
//!   `@odata.etag`, `@odata.id`, `@odata.editLink` and every annotation ending in those or in
//!   `@odata.navigationLink`, `@odata.associationLink`, `@odata.nextLink`, `@odata.count`
//!   (`assignments@odata.context`); `@odata.type` is kept;
//! - `id` of the elements of `assignments`, `settings` (the settings-catalog `settingInstance` wrapper),
//!   `definitionValues`, `presentationValues`, `scheduledActionsForRule` and
//!   `scheduledActionConfigurations`: Graph mints these per object, so a re-created policy gets new ones.
//!   `id`s elsewhere are references (`definition.id`, `presentation.id`, `groupId`) and are kept.
//!
//! **Sorted (order carries no meaning)** — each by its natural key, ties by canonical JSON:
//! `assignments` (by `target`), settings-catalog `settings` (by `settingInstance.settingDefinitionId`),
//! setting-instance `children` (by `settingDefinitionId`, when every element has one),
//! `choiceSettingCollectionValue` (by `value`: a multi-select is a set), `definitionValues` (by
//! `definition.id`), compliance `scheduledActionsForRule` (by `ruleName`) and their
//! `scheduledActionConfigurations`, named-location `ipRanges`, and the string sets in [`STRING_SETS`]
//! (`roleScopeTagIds`, conditional-access include/exclude lists, `countriesAndRegions`, …).
//!
//! **Kept in order (order is meaningful or authored)**: `omaSettings` (the order they are sent to the
//! device; ADMX ingestion relies on it), `simpleSettingCollectionValue` (ordered lists such as DNS suffix
//! search lists), `groupSettingCollectionValue` (e.g. firewall rules as authored), list presentation
//! `values`, and every array not named above.
//!
//! **OMA XML**: an `#microsoft.graph.omaSettingStringXml` setting's base64 `value` is decoded (UTF-8, or
//! UTF-16 with a byte-order mark) and replaced by `valueXml` holding the text; `value` is removed. Restoring
//! means base64-encoding `valueXml` (UTF-8) back into `value`. Encrypted settings (`isEncrypted: true`) and
//! values that are not base64 of text are left untouched, so a secret is never moved out of `value`.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::provider::contracts::Contract;

/// Members of the policy object itself that are volatile or derived.
pub const TOP_LEVEL_VOLATILE: &[&str] =
    &["id", "version", "settingCount", "isAssigned", "deployedAppCount", "supportsScopeTags"];

/// Members that are volatile at any depth (besides the annotations in [`VOLATILE_SUFFIXES`]).
pub const VOLATILE: &[&str] = &["createdDateTime", "lastModifiedDateTime", "modifiedDateTime"];

/// OData annotations that are volatile at any depth, alone (`@odata.context`) or as a suffix
/// (`assignments@odata.context`).
pub const VOLATILE_SUFFIXES: &[&str] = &[
    "@odata.context",
    "@odata.etag",
    "@odata.id",
    "@odata.editLink",
    "@odata.navigationLink",
    "@odata.associationLink",
    "@odata.nextLink",
    "@odata.count",
];

/// Arrays whose elements' `id` is minted by Graph per object.
pub const ELEMENT_IDS_VOLATILE: &[&str] = &[
    "assignments",
    "settings",
    "definitionValues",
    "presentationValues",
    "scheduledActionsForRule",
    "scheduledActionConfigurations",
];

/// Arrays of strings that are sets (sorted).
pub const STRING_SETS: &[&str] = &[
    "roleScopeTagIds",
    "notificationMessageCCList",
    "includeUsers",
    "excludeUsers",
    "includeGroups",
    "excludeGroups",
    "includeRoles",
    "excludeRoles",
    "includeGuestsOrExternalUsers",
    "includeApplications",
    "excludeApplications",
    "includeUserActions",
    "includeAuthenticationContextClassReferences",
    "includePlatforms",
    "excludePlatforms",
    "includeLocations",
    "excludeLocations",
    "clientAppTypes",
    "signInRiskLevels",
    "userRiskLevels",
    "servicePrincipalRiskLevels",
    "builtInControls",
    "customAuthenticationFactors",
    "termsOfUse",
    "countriesAndRegions",
];

const OMA_XML_TYPE: &str = "#microsoft.graph.omaSettingStringXml";

/// Normalizes a full payload of `contract` (the object with its expanded `assignments` and child
/// collections, if any). Idempotent; payloads differing only in volatile fields or in the order of
/// unordered arrays give the same value. See the module docs for the rules.
pub fn normalize(contract: &Contract, payload: &Value) -> Value {
    let mut v = payload.clone();
    normalize_in_place(contract, &mut v);
    v
}

/// [`normalize`] without the copy (the sync owns each fetched payload).
pub fn normalize_in_place(contract: &Contract, v: &mut Value) {
    if let Value::Object(map) = v {
        for key in TOP_LEVEL_VOLATILE {
            map.remove(*key);
        }
    }
    let rules = Rules { settings_catalog: contract.children.contains(&"settings") };
    norm(v, None, rules);
}

/// Normalizes an assignments collection stored apart from the snapshot (ids dropped, sorted by target).
pub fn normalize_assignments(assignments: &Value) -> Value {
    let mut v = assignments.clone();
    norm(&mut v, Some("assignments"), Rules { settings_catalog: false });
    v
}

/// Normalizes a scope-tag id list stored apart from the snapshot (sorted).
pub fn normalize_scope_tags(scope_tags: &Value) -> Value {
    let mut v = scope_tags.clone();
    norm(&mut v, Some("roleScopeTagIds"), Rules { settings_catalog: false });
    v
}

#[derive(Clone, Copy)]
struct Rules {
    /// `settings` is a settings-catalog setting list (sorted by definition id).
    settings_catalog: bool,
}

fn is_volatile(key: &str) -> bool {
    VOLATILE.contains(&key) || VOLATILE_SUFFIXES.iter().any(|s| key.ends_with(s))
}

fn norm(value: &mut Value, parent_key: Option<&str>, rules: Rules) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !is_volatile(k));
            decode_oma_xml_value(map);
            for (k, v) in map.iter_mut() {
                norm(v, Some(k), rules);
            }
        }
        Value::Array(items) => {
            let drop_ids = parent_key.is_some_and(|k| ELEMENT_IDS_VOLATILE.contains(&k))
                && (parent_key != Some("settings") || rules.settings_catalog);
            for item in items.iter_mut() {
                if let (true, Value::Object(m)) = (drop_ids, &mut *item) {
                    m.remove("id");
                }
                norm(item, None, rules);
            }
            if let Some(key_of) = parent_key.and_then(|k| sort_key(k, items, rules)) {
                let mut keyed: Vec<(String, String, Value)> =
                    items.drain(..).map(|v| (key_of(&v), canonical_json(&v), v)).collect();
                keyed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
                items.extend(keyed.into_iter().map(|(_, _, v)| v));
            }
        }
        _ => {}
    }
}

type KeyFn = fn(&Value) -> String;

/// How an array under `key` is sorted, if it is unordered.
fn sort_key(key: &str, items: &[Value], rules: Rules) -> Option<KeyFn> {
    let all_scalars = items.iter().all(|v| !v.is_object() && !v.is_array());
    match key {
        k if STRING_SETS.contains(&k) && all_scalars => Some(|_| String::new()),
        "assignments" => Some(|v| v.get("target").map(canonical_json).unwrap_or_default()),
        "settings" if rules.settings_catalog => {
            Some(|v| str_at(v, &["settingInstance", "settingDefinitionId"]).unwrap_or_default().to_string())
        }
        "children" if items.iter().all(|v| str_at(v, &["settingDefinitionId"]).is_some()) => {
            Some(|v| str_at(v, &["settingDefinitionId"]).unwrap_or_default().to_string())
        }
        "choiceSettingCollectionValue" => Some(|v| str_at(v, &["value"]).unwrap_or_default().to_string()),
        "definitionValues" => Some(|v| str_at(v, &["definition", "id"]).unwrap_or_default().to_string()),
        "scheduledActionsForRule" => Some(|v| str_at(v, &["ruleName"]).unwrap_or_default().to_string()),
        "scheduledActionConfigurations" | "ipRanges" => Some(|_| String::new()),
        _ => None,
    }
}

/// The string at `path` below `v`, if there is one.
pub(crate) fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k)).and_then(Value::as_str)
}

/// Replaces an OMA XML setting's base64 `value` with the decoded `valueXml` (see the module docs).
fn decode_oma_xml_value(map: &mut Map<String, Value>) {
    if map.get("@odata.type").and_then(Value::as_str) != Some(OMA_XML_TYPE)
        || map.get("isEncrypted") == Some(&Value::Bool(true))
        || map.contains_key("valueXml")
    {
        return;
    }
    let Some(text) = map.get("value").and_then(Value::as_str).and_then(decode_text) else {
        return;
    };
    map.remove("value");
    map.insert("valueXml".into(), Value::String(text));
}

/// Base64 of UTF-8 (optionally with a BOM) or of UTF-16 LE/BE with a BOM → text.
fn decode_text(b64: &str) -> Option<String> {
    let bytes = B64.decode(b64.trim()).ok()?;
    let utf16 = |rest: &[u8], le: bool| -> Option<String> {
        if !rest.len().is_multiple_of(2) {
            return None;
        }
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) })
            .collect();
        String::from_utf16(&units).ok()
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&bytes);
    let text = std::str::from_utf8(body).ok()?;
    // Only text: a decoded binary blob is no more readable than its base64.
    text.chars().all(|c| !c.is_control() || c.is_whitespace()).then(|| text.to_string())
}

/// Compact JSON with object keys sorted (bytewise), at every depth. Equal values give equal strings.
/// serde_json's `Map` is a `BTreeMap` in this build (its `preserve_order` feature is off; the unit test
/// `canonical_json_and_sha256` fails if a dependency ever turns it on), so plain serialization already
/// writes keys in order: one pass, no sorting or copying.
pub fn canonical_json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex(&Sha256::digest(bytes.as_ref()))
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    use super::*;
    use crate::provider::contracts::by_key;

    /// A settings-catalog policy as the simulated Graph serves it (generator.rs), with its children.
    pub(crate) fn settings_catalog(secret: &str, min_len: i64) -> Value {
        json!({
            "@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/configurationPolicies/$entity",
            "id": "3f1c2a9e-0000-4000-8000-000000000001", "name": "Win - Settings 0001",
            "description": "Managed by the platform team", "platforms": "windows10", "technologies": "mdm",
            "createdDateTime": "2025-03-01T10:00:00Z", "lastModifiedDateTime": "2025-03-02T10:00:00Z",
            "settingCount": 3, "creationSource": null, "roleScopeTagIds": ["2", "0"], "isAssigned": true,
            "templateReference": {"templateId": "", "templateFamily": "none", "templateDisplayName": null,
                "templateDisplayVersion": null},
            "priorityMetaData": null,
            "settings": [
                {"id": "0", "settingInstance": {
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                    "settingDefinitionId": "device_vendor_msft_laps_policies_administratoraccountpassword",
                    "settingInstanceTemplateReference": null,
                    "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue",
                        "value": secret, "valueState": "encryptedValueToken", "settingValueTemplateReference": null}}},
                {"id": "1", "settingInstance": {
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                    "settingDefinitionId": "device_vendor_msft_policy_config_devicelock_devicepasswordenabled",
                    "settingInstanceTemplateReference": null,
                    "choiceSettingValue": {"value": "device_vendor_msft_policy_config_devicelock_devicepasswordenabled_0",
                        "settingValueTemplateReference": null, "children": [
                        {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                         "settingDefinitionId": "device_vendor_msft_policy_config_devicelock_mindevicepasswordlength",
                         "settingInstanceTemplateReference": null,
                         "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
                            "value": min_len, "settingValueTemplateReference": null}}]}}},
                {"id": "2", "settingInstance": {
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingCollectionInstance",
                    "settingDefinitionId": "device_vendor_msft_policy_config_defender_allowedscantypes",
                    "settingInstanceTemplateReference": null,
                    "choiceSettingCollectionValue": [
                        {"value": "device_vendor_msft_policy_config_defender_allowedscantypes_quick", "settingValueTemplateReference": null, "children": []},
                        {"value": "device_vendor_msft_policy_config_defender_allowedscantypes_full", "settingValueTemplateReference": null, "children": []}]}},
                {"id": "3", "settingInstance": {
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance",
                    "settingDefinitionId": "device_vendor_msft_policy_config_defender_excludedextensions",
                    "settingInstanceTemplateReference": null,
                    "simpleSettingCollectionValue": [
                        {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "value": ".log", "settingValueTemplateReference": null},
                        {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "value": ".tmp", "settingValueTemplateReference": null}]}}
            ],
            "assignments@odata.context": "https://graph.microsoft.com/beta/$metadata#…/assignments",
            "assignments": [
                {"id": "a1", "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g-2",
                    "deviceAndAppManagementAssignmentFilterId": null, "deviceAndAppManagementAssignmentFilterType": "none"},
                 "source": "direct", "sourceId": null},
                {"id": "a2", "target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget",
                    "deviceAndAppManagementAssignmentFilterId": null, "deviceAndAppManagementAssignmentFilterType": "none"},
                 "source": "direct", "sourceId": null}
            ]
        })
    }

    /// A custom OMA-URI configuration as the simulated Graph serves it.
    pub(crate) fn oma_configuration(xml: &str, wifi_secret: &str) -> Value {
        json!({"@odata.type": "#microsoft.graph.windows10CustomConfiguration", "id": "dc-1",
        "displayName": "Win - OMA - Edge 0001", "description": "Custom OMA-URI settings",
        "createdDateTime": "2025-03-01T10:00:00Z", "lastModifiedDateTime": "2025-03-02T10:00:00Z",
        "version": 3, "roleScopeTagIds": ["0"], "supportsScopeTags": true,
        "omaSettings": [
            {"@odata.type": "#microsoft.graph.omaSettingString", "displayName": "Homepage", "description": "",
             "omaUri": "./Device/Vendor/MSFT/Policy/Config/Browser/HomePages",
             "value": "<https://intranet.example/>", "isEncrypted": false, "isReadOnly": false,
             "secretReferenceValueId": null},
            {"@odata.type": "#microsoft.graph.omaSettingStringXml", "displayName": "Edge homepage (ADMX)",
             "description": "", "omaUri": "./Device/Vendor/MSFT/Policy/Config/Edge~Policy~microsoft_edge~Startup/HomepageLocation",
             "fileName": "homepage.xml", "value": B64.encode(xml), "isReadOnly": false, "isEncrypted": false,
             "secretReferenceValueId": null},
            {"@odata.type": "#microsoft.graph.omaSettingString", "displayName": "Wi-Fi pre-shared key",
             "description": "", "omaUri": "./Vendor/MSFT/WiFi/Profile/Corp/WlanXml",
             "value": wifi_secret, "isEncrypted": true, "isReadOnly": false,
             "secretReferenceValueId": "9d1e_wlanxml"}
        ]})
    }

    fn sc() -> &'static Contract {
        by_key("settings_catalog").expect("contract")
    }

    #[test]
    fn volatile_fields_and_unordered_arrays_do_not_matter() {
        let a = settings_catalog("s3cret", 8);
        let mut b = a.clone();
        b["id"] = json!("another-id");
        b["lastModifiedDateTime"] = json!("2026-01-01T00:00:00Z");
        b["settingCount"] = json!(99);
        b["@odata.context"] = json!("elsewhere");
        b["@odata.editLink"] = json!("https://graph.example/x");
        b["settings@odata.nextLink"] = json!("https://graph.example/next");
        b["roleScopeTagIds"] = json!(["0", "2"]);
        let settings = b["settings"].as_array_mut().expect("settings");
        settings.reverse();
        for (i, s) in settings.iter_mut().enumerate() {
            s["id"] = json!(format!("new-{i}"));
        }
        b["settings"][1]["settingInstance"]["choiceSettingCollectionValue"]
            .as_array_mut()
            .expect("collection")
            .reverse();
        let assignments = b["assignments"].as_array_mut().expect("assignments");
        assignments.reverse();
        assignments[0]["id"] = json!("z9");
        let na = normalize(sc(), &a);
        assert_eq!(canonical_json(&na), canonical_json(&normalize(sc(), &b)));
        assert_eq!(normalize(sc(), &na), na, "idempotent");
        for gone in ["id", "lastModifiedDateTime", "createdDateTime", "settingCount", "isAssigned", "@odata.context"] {
            assert!(na.get(gone).is_none(), "{gone}");
        }
        assert!(na.get("assignments@odata.context").is_none());
        assert_eq!(na["roleScopeTagIds"], json!(["0", "2"]));
        assert!(na["settings"][0].get("id").is_none());
        assert!(na["assignments"][0].get("id").is_none());
        // Sorted by definition id; assignments by target.
        let ids: Vec<&str> = na["settings"]
            .as_array()
            .expect("settings")
            .iter()
            .filter_map(|s| str_at(s, &["settingInstance", "settingDefinitionId"]))
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert_eq!(na["assignments"][0]["target"]["@odata.type"], "#microsoft.graph.allDevicesAssignmentTarget");
        // A real change is still a change.
        assert_ne!(na, normalize(sc(), &settings_catalog("s3cret", 9)));
    }

    #[test]
    fn meaningful_orders_are_kept() {
        let a = settings_catalog("x", 8);
        let mut b = a.clone();
        let list = b["settings"][3]["settingInstance"]["simpleSettingCollectionValue"].as_array_mut().expect("list");
        list.reverse();
        assert_ne!(normalize(sc(), &a), normalize(sc(), &b), "simple collections are ordered lists");
        let dc = by_key("device_configuration").expect("contract");
        let c = oma_configuration("<enabled/>", "****");
        let mut d = c.clone();
        d["omaSettings"].as_array_mut().expect("oma").reverse();
        assert_ne!(normalize(dc, &c), normalize(dc, &d), "omaSettings keep their order");
        // Nested `version`-like members are configuration, not volatile.
        let nested = normalize(dc, &json!({"version": 3, "app": {"version": "1.2", "id": "ref"}}));
        assert_eq!(nested, json!({"app": {"version": "1.2", "id": "ref"}}));
    }

    #[test]
    fn oma_xml_is_decoded_unless_encrypted() {
        let dc = by_key("device_configuration").expect("contract");
        let xml = "<enabled/><data id=\"HomepageLocation\" value=\"https://intranet7.example/\"/>";
        let mut p = oma_configuration(xml, "****");
        // An encrypted XML setting is never decoded (its value is a secret).
        p["omaSettings"][2]["@odata.type"] = json!(OMA_XML_TYPE);
        p["omaSettings"][2]["value"] = json!(B64.encode("<secret/>"));
        let n = normalize(dc, &p);
        assert_eq!(n["omaSettings"][1]["valueXml"], xml);
        assert!(n["omaSettings"][1].get("value").is_none());
        assert_eq!(n["omaSettings"][2]["value"], json!(B64.encode("<secret/>")));
        assert!(n["omaSettings"][2].get("valueXml").is_none());
        assert!(n.get("version").is_none() && n.get("supportsScopeTags").is_none());
        assert_eq!(normalize(dc, &n), n);
        // UTF-16 with a BOM is decoded; garbage and binary stay as they are.
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend("<a/>".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode_text(&B64.encode(utf16)).as_deref(), Some("<a/>"));
        assert_eq!(decode_text("not base64!"), None);
        assert_eq!(decode_text(&B64.encode([0u8, 1, 2, 0xC3])), None);
    }

    #[test]
    fn any_json_is_accepted() {
        for v in [
            json!(null),
            json!(3),
            json!("x"),
            json!([1, [2], {"id": 1}]),
            json!({"settings": "nope", "assignments": [1, "x", null, {"target": 5}], "roleScopeTagIds": [{"a": 1}, "0"]}),
            json!({"children": [{"settingDefinitionId": 3}], "omaSettings": {"value": 1},
                "@odata.type": OMA_XML_TYPE, "value": 17}),
        ] {
            let n = normalize(sc(), &v);
            assert_eq!(normalize(sc(), &n), n);
        }
        assert_eq!(
            normalize_assignments(
                &json!([{"id": "1", "target": {"groupId": "b"}}, {"id": "2", "target": {"groupId": "a"}}])
            ),
            json!([{"target": {"groupId": "a"}}, {"target": {"groupId": "b"}}])
        );
        assert_eq!(normalize_scope_tags(&json!(["3", "0"])), json!(["0", "3"]));
    }

    #[test]
    fn canonical_json_and_sha256() {
        let v: Value = serde_json::from_str(r#"{"b":[{"z":1,"a":"\"q\""}],"a":null}"#).expect("json");
        assert_eq!(canonical_json(&v), r#"{"a":null,"b":[{"a":"\"q\"","z":1}]}"#);
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
