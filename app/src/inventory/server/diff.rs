//! Setting-level diff between two normalized, redacted snapshots ([`super::normalize`], [`super::redact`]).
//!
//! - Objects are compared member by member; a member on one side only is `Added`/`Removed` as a whole.
//! - Arrays of scalars are leaves (`roleScopeTagIds: ["0"] → ["0", "1"]` is one `Changed`).
//! - Arrays of objects are matched by the first natural key every element on both sides has, unique per
//!   side: `settingInstance.settingDefinitionId`, `settingDefinitionId`, `omaUri`, `target` (assignment
//!   target type and group, so a changed filter is a change of that assignment), `ruleName`,
//!   `definition.id`, `displayName`, `value` (only in a `choiceSettingCollectionValue`), `id`; otherwise by
//!   index. Reordering a keyed array therefore shows nothing.
//! - A pointer fingerprinted on either side is a secret: if the fingerprints differ (or only one side has
//!   one) the result is one `Changed` entry with `protected: true` and no values; equal fingerprints are no
//!   change. Secrets inside an added or removed subtree only ever appear as `"[REDACTED]"`.
//!
//! Pointers of `Added`/`Changed` entries point into `after`, of `Removed` entries into `before` (the two
//! differ when keyed elements moved). The readable path names array elements by their `displayName`
//! (`omaSettings › Homepage › value`), ADMX definition name, setting definition id, rule name or assignment
//! target (`group <id>`), else `#n` (1-based), and leaves out the settings-catalog wrappers
//! (`settingInstance`, `children`, `…SettingValue`, `…SettingCollectionValue`). The root is `(root)`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::normalize::{canonical_json, str_at};
use crate::inventory::{Change, ChangeKind};
use crate::secrets::escape_pointer_token;

/// Separator of the readable path.
pub const PATH_SEPARATOR: &str = " › ";

/// The changes from `before` to `after` (normalized and redacted), given each side's secret fingerprints
/// by pointer. Deterministic: members in key order, array elements in `after` order, then removed ones.
pub fn diff(
    before: &Value,
    after: &Value,
    before_fps: &BTreeMap<String, String>,
    after_fps: &BTreeMap<String, String>,
) -> Vec<Change> {
    let mut d = Differ { before_fps, after_fps, out: Vec::new() };
    let mut path = Vec::new();
    d.walk(before, after, "", "", &mut path, None);
    d.out
}

struct Differ<'a> {
    before_fps: &'a BTreeMap<String, String>,
    after_fps: &'a BTreeMap<String, String>,
    out: Vec<Change>,
}

fn render(path: &[String]) -> String {
    if path.is_empty() {
        "(root)".to_string()
    } else {
        path.join(PATH_SEPARATOR)
    }
}

fn child_pointer(parent: &str, token: &str) -> String {
    format!("{parent}/{}", escape_pointer_token(token))
}

/// Settings-catalog wrappers left out of readable paths.
fn is_wrapper(key: &str) -> bool {
    key == "settingInstance"
        || key == "children"
        || key.ends_with("SettingValue")
        || key.ends_with("SettingCollectionValue")
}

impl Differ<'_> {
    fn push(
        &mut self,
        pointer: String,
        path: &[String],
        kind: ChangeKind,
        before: Option<&Value>,
        after: Option<&Value>,
    ) {
        let protected = match kind {
            ChangeKind::Added => self.after_fps.contains_key(&pointer),
            ChangeKind::Removed => self.before_fps.contains_key(&pointer),
            ChangeKind::Changed => false,
        };
        let (before, after) = if protected { (None, None) } else { (before.cloned(), after.cloned()) };
        self.out.push(Change { pointer, path: render(path), kind, before, after, protected });
    }

    fn walk(&mut self, b: &Value, a: &Value, bp: &str, ap: &str, path: &mut Vec<String>, parent_key: Option<&str>) {
        let (bf, af) = (self.before_fps.get(bp), self.after_fps.get(ap));
        if bf.is_some() || af.is_some() {
            if bf != af {
                self.out.push(Change {
                    pointer: ap.to_string(),
                    path: render(path),
                    kind: ChangeKind::Changed,
                    before: None,
                    after: None,
                    protected: true,
                });
            }
            return;
        }
        match (b, a) {
            (Value::Object(bm), Value::Object(am)) => self.objects(bm, am, bp, ap, path),
            (Value::Array(bv), Value::Array(av)) if !(all_scalars(bv) && all_scalars(av)) => {
                self.arrays(bv, av, bp, ap, path, parent_key)
            }
            _ if b != a => self.push(ap.to_string(), path, ChangeKind::Changed, Some(b), Some(a)),
            _ => {}
        }
    }

    fn objects(
        &mut self,
        bm: &Map<String, Value>,
        am: &Map<String, Value>,
        bp: &str,
        ap: &str,
        path: &mut Vec<String>,
    ) {
        let keys: BTreeSet<&String> = bm.keys().chain(am.keys()).collect();
        for k in keys {
            let wrapper = is_wrapper(k);
            if !wrapper {
                path.push(k.clone());
            }
            match (bm.get(k), am.get(k)) {
                (Some(b), Some(a)) => {
                    self.walk(b, a, &child_pointer(bp, k), &child_pointer(ap, k), path, Some(k));
                }
                (Some(b), None) => self.push(child_pointer(bp, k), path, ChangeKind::Removed, Some(b), None),
                (None, Some(a)) => self.push(child_pointer(ap, k), path, ChangeKind::Added, None, Some(a)),
                (None, None) => {}
            }
            if !wrapper {
                path.pop();
            }
        }
    }

    fn arrays(&mut self, bv: &[Value], av: &[Value], bp: &str, ap: &str, path: &mut Vec<String>, parent: Option<&str>) {
        let Some(key_of) = natural_key(bv, av, parent) else {
            for i in 0..bv.len().max(av.len()) {
                path.push(format!("#{}", i + 1));
                let (bi, ai) = (child_pointer(bp, &i.to_string()), child_pointer(ap, &i.to_string()));
                match (bv.get(i), av.get(i)) {
                    (Some(b), Some(a)) => self.walk(b, a, &bi, &ai, path, None),
                    (Some(b), None) => self.push(bi, path, ChangeKind::Removed, Some(b), None),
                    (None, Some(a)) => self.push(ai, path, ChangeKind::Added, None, Some(a)),
                    (None, None) => {}
                }
                path.pop();
            }
            return;
        };
        let before: HashMap<String, usize> =
            bv.iter().enumerate().filter_map(|(i, v)| key_of(v, parent).map(|k| (k, i))).collect();
        let mut matched = vec![false; bv.len()];
        for (ai, a) in av.iter().enumerate() {
            let key = key_of(a, parent).unwrap_or_default();
            path.push(label(a, &key));
            let a_ptr = child_pointer(ap, &ai.to_string());
            match before.get(&key) {
                Some(&bi) => {
                    if let Some(slot) = matched.get_mut(bi) {
                        *slot = true;
                    }
                    self.walk(&bv[bi], a, &child_pointer(bp, &bi.to_string()), &a_ptr, path, None);
                }
                None => self.push(a_ptr, path, ChangeKind::Added, None, Some(a)),
            }
            path.pop();
        }
        for (bi, b) in bv.iter().enumerate().filter(|(i, _)| !matched[*i]) {
            path.push(label(b, &key_of(b, parent).unwrap_or_default()));
            self.push(child_pointer(bp, &bi.to_string()), path, ChangeKind::Removed, Some(b), None);
            path.pop();
        }
    }
}

fn all_scalars(items: &[Value]) -> bool {
    items.iter().all(|v| !v.is_object() && !v.is_array())
}

type KeyFn = fn(&Value, Option<&str>) -> Option<String>;

/// Natural keys, in order of preference.
const KEYS: &[KeyFn] = &[
    |v, _| str_at(v, &["settingInstance", "settingDefinitionId"]).map(str::to_string),
    |v, _| str_at(v, &["settingDefinitionId"]).map(str::to_string),
    |v, _| str_at(v, &["omaUri"]).map(str::to_string),
    |v, _| v.get("target").filter(|t| t.is_object()).map(target_key),
    |v, _| str_at(v, &["ruleName"]).map(str::to_string),
    |v, _| str_at(v, &["definition", "id"]).map(str::to_string),
    |v, _| str_at(v, &["displayName"]).map(str::to_string),
    |v, parent| str_at(v, &["value"]).filter(|_| parent == Some("choiceSettingCollectionValue")).map(str::to_string),
    |v, _| {
        v.get("id").filter(|id| !id.is_null()).map(|id| id.as_str().map_or_else(|| canonical_json(id), str::to_string))
    },
];

/// The first natural key every element of both arrays has, unique on each side.
fn natural_key(bv: &[Value], av: &[Value], parent: Option<&str>) -> Option<KeyFn> {
    KEYS.iter().copied().find(|key_of| {
        [bv, av].iter().all(|side| {
            let mut seen = BTreeSet::new();
            side.iter().all(|v| key_of(v, parent).is_some_and(|k| seen.insert(k)))
        })
    })
}

/// An assignment target's identity: its type and group (not its filter, which is a setting of it).
fn target_key(target: &Value) -> String {
    let ty = str_at(target, &["@odata.type"]).unwrap_or_default();
    let group = str_at(target, &["groupId"]).unwrap_or_default();
    format!("{ty}|{group}")
}

/// `group <id>`, `exclusionGroup <id>`, `allDevices`.
fn target_label(target: &Value) -> String {
    let ty = str_at(target, &["@odata.type"]).unwrap_or("target");
    let ty = ty.trim_start_matches("#microsoft.graph.");
    let ty = ty.strip_suffix("AssignmentTarget").unwrap_or(ty);
    match str_at(target, &["groupId"]) {
        Some(g) => format!("{ty} {g}"),
        None => ty.to_string(),
    }
}

/// How a keyed array element is named in a readable path.
fn label(v: &Value, key: &str) -> String {
    str_at(v, &["displayName"])
        .or_else(|| str_at(v, &["definition", "displayName"]))
        .or_else(|| str_at(v, &["settingInstance", "settingDefinitionId"]))
        .or_else(|| str_at(v, &["settingDefinitionId"]))
        .or_else(|| str_at(v, &["ruleName"]))
        .map(str::to_string)
        .or_else(|| v.get("target").filter(|t| t.is_object()).map(target_label))
        .unwrap_or_else(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::inventory::server::{
        normalize::{
            normalize,
            tests::{oma_configuration, settings_catalog},
        },
        redact::{redact, Redacted},
    };
    use crate::provider::contracts::by_key;

    const KEY: &[u8] = b"k";

    fn prep(contract: &str, payload: &Value) -> Redacted {
        redact(&normalize(by_key(contract).expect("contract"), payload), KEY)
    }

    fn changes(contract: &str, before: &Value, after: &Value) -> (Vec<Change>, Redacted) {
        let (b, a) = (prep(contract, before), prep(contract, after));
        (diff(&b.value, &a.value, &b.fingerprints, &a.fingerprints), a)
    }

    #[test]
    fn a_setting_value_change_is_one_readable_entry() {
        let (got, after) = changes("settings_catalog", &settings_catalog("s", 8), &settings_catalog("s", 12));
        assert_eq!(got.len(), 1, "{got:#?}");
        let c = &got[0];
        assert_eq!(c.kind, ChangeKind::Changed);
        assert_eq!(
            c.path,
            "settings › device_vendor_msft_policy_config_devicelock_devicepasswordenabled › \
             device_vendor_msft_policy_config_devicelock_mindevicepasswordlength › value"
        );
        assert_eq!((c.before.clone(), c.after.clone()), (Some(json!(8)), Some(json!(12))));
        assert!(!c.protected);
        assert_eq!(after.value.pointer(&c.pointer), Some(&json!(12)));
    }

    #[test]
    fn an_added_oma_setting_is_added() {
        let before = oma_configuration("<enabled/>", "****");
        let mut after = before.clone();
        let telemetry = json!({"@odata.type": "#microsoft.graph.omaSettingInteger", "displayName": "Telemetry",
            "description": "", "omaUri": "./Device/Vendor/MSFT/Policy/Config/System/AllowTelemetry",
            "value": 1, "isReadOnly": false, "isEncrypted": false, "secretReferenceValueId": null});
        // Inserted in the middle: the encrypted setting moves from index 2 to 3 without changing.
        after["omaSettings"].as_array_mut().expect("oma").insert(1, telemetry.clone());
        let (got, _) = changes("device_configuration", &before, &after);
        assert_eq!(
            got,
            vec![Change {
                pointer: "/omaSettings/1".into(),
                path: "omaSettings › Telemetry".into(),
                kind: ChangeKind::Added,
                before: None,
                after: Some(telemetry),
                protected: false,
            }]
        );
        // A changed XML value reads as text.
        let (got, _) = changes("device_configuration", &before, &oma_configuration("<disabled/>", "****"));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].path, "omaSettings › Edge homepage (ADMX) › valueXml");
        assert_eq!(got[0].after, Some(json!("<disabled/>")));
        // A removed one is removed, pointed at in `before`.
        let (got, _) = changes("device_configuration", &after, &before);
        assert_eq!((got.len(), got[0].kind, got[0].pointer.as_str()), (1, ChangeKind::Removed, "/omaSettings/1"));
    }

    #[test]
    fn reordering_shows_nothing() {
        let before = settings_catalog("s", 8);
        let mut after = before.clone();
        after["settings"].as_array_mut().expect("settings").reverse();
        after["assignments"].as_array_mut().expect("assignments").reverse();
        after["roleScopeTagIds"] = json!(["0", "2"]);
        assert_eq!(changes("settings_catalog", &before, &after).0, vec![]);
        // Even where normalization keeps the order, keyed elements are matched by key.
        let b = oma_configuration("<enabled/>", "****");
        let mut a = b.clone();
        a["omaSettings"].as_array_mut().expect("oma").reverse();
        assert_eq!(changes("device_configuration", &b, &a).0, vec![]);
    }

    #[test]
    fn a_secret_only_change_is_one_protected_entry() {
        let (got, after) =
            changes("settings_catalog", &settings_catalog("old-pass", 8), &settings_catalog("new-pass", 8));
        assert_eq!(got.len(), 1, "{got:#?}");
        let c = &got[0];
        assert_eq!(
            (c.kind, c.protected, c.before.is_none(), c.after.is_none()),
            (ChangeKind::Changed, true, true, true)
        );
        assert_eq!(c.path, "settings › device_vendor_msft_laps_policies_administratoraccountpassword › value");
        assert!(after.fingerprints.contains_key(&c.pointer));
        let all = serde_json::to_string(&got).expect("json");
        assert!(!all.contains("old-pass") && !all.contains("new-pass"));
        // OMA: the encrypted value changes, nothing else.
        let (got, _) = changes(
            "device_configuration",
            &oma_configuration("<enabled/>", "psk-1"),
            &oma_configuration("<enabled/>", "psk-2"),
        );
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].path.as_str(), got[0].protected), ("omaSettings › Wi-Fi pre-shared key › value", true));
        // Same secret: nothing.
        assert_eq!(changes("settings_catalog", &settings_catalog("p", 8), &settings_catalog("p", 8)).0, vec![]);
    }

    #[test]
    fn assignments_are_matched_by_target() {
        let before = settings_catalog("s", 8);
        let mut after = before.clone();
        after["assignments"][0]["target"]["deviceAndAppManagementAssignmentFilterType"] = json!("include");
        after["assignments"][0]["target"]["deviceAndAppManagementAssignmentFilterId"] = json!("f-1");
        after["assignments"].as_array_mut().expect("assignments").push(json!({"id": "a3",
            "target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": "g-7"}}));
        let got = changes("settings_catalog", &before, &after).0;
        let paths: Vec<(&str, ChangeKind)> = got.iter().map(|c| (c.path.as_str(), c.kind)).collect();
        assert_eq!(
            paths,
            vec![
                ("assignments › exclusionGroup g-7", ChangeKind::Added),
                ("assignments › group g-2 › target › deviceAndAppManagementAssignmentFilterId", ChangeKind::Changed),
                ("assignments › group g-2 › target › deviceAndAppManagementAssignmentFilterType", ChangeKind::Changed),
            ]
        );
    }

    #[test]
    fn any_json_diffs_without_panicking() {
        let none = BTreeMap::new();
        let got = diff(&json!(1), &json!({"a": 1}), &none, &none);
        assert_eq!((got.len(), got[0].path.as_str(), got[0].pointer.as_str()), (1, "(root)", ""));
        // Unkeyed arrays go by index; duplicate keys fall back to index too.
        let b = json!({"l": [{"x": 1}, {"x": 2}], "d": [{"displayName": "a", "v": 1}, {"displayName": "a", "v": 2}]});
        let a = json!({"l": [{"x": 1}], "d": [{"displayName": "a", "v": 1}, {"displayName": "a", "v": 3}], "s/~": [1]});
        let got: Vec<(String, String, ChangeKind)> =
            diff(&b, &a, &none, &none).into_iter().map(|c| (c.pointer, c.path, c.kind)).collect();
        assert_eq!(
            got,
            vec![
                ("/d/1/v".into(), "d › #2 › v".into(), ChangeKind::Changed),
                ("/l/1".into(), "l › #2".into(), ChangeKind::Removed),
                ("/s~1~0".into(), "s/~".into(), ChangeKind::Added),
            ]
        );
        // A secret that appears is never shown.
        let fps = BTreeMap::from([("/password".to_string(), "ab".to_string())]);
        let got = diff(&json!({}), &json!({"password": "[REDACTED]"}), &none, &fps);
        assert_eq!((got[0].kind, got[0].protected, got[0].after.clone()), (ChangeKind::Added, true, None));
    }
}
