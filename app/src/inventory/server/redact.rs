//! Redaction of stored versions (BRIEF §2.3, `redaction_version` 1): every secret the shared classifier
//! ([`crate::secrets`]) finds is replaced with `"[REDACTED]"`, and its JSON pointer is mapped to
//! HMAC-SHA256(key, canonical JSON of the secret) in lowercase hex. The fingerprint lets a later capture
//! tell "the secret changed" from "nothing changed" without ever storing or showing the secret; the key
//! (an installation secret) keeps fingerprints from being brute-forced offline from a dump.
//!
//! Input is a normalized payload ([`super::normalize`]); the result is what is stored and diffed.

use std::collections::BTreeMap;

use ring::hmac;
use serde_json::{Map, Value};

use super::normalize::{canonical_json, hex, sha256_hex};
use crate::secrets::{sanitize, visit_secrets};

/// Version of the redaction rules; stored with each version as `redaction_version`.
pub const REDACTION_VERSION: i32 = 1;

/// A redacted value and the fingerprints of the secrets it held, by RFC 6901 pointer.
#[derive(Debug, Clone, PartialEq)]
pub struct Redacted {
    pub value: Value,
    pub fingerprints: BTreeMap<String, String>,
}

/// Replaces every secret in `value` with `"[REDACTED]"` and fingerprints it with HMAC-SHA256 under `key`.
pub fn redact(value: &Value, key: &[u8]) -> Redacted {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut fingerprints = BTreeMap::new();
    visit_secrets(value, |pointer, secret| {
        let tag = hmac::sign(&key, canonical_json(secret).as_bytes());
        fingerprints.insert(pointer.to_string(), hex(tag.as_ref()));
    });
    let mut value = value.clone();
    sanitize(&mut value);
    Redacted { value, fingerprints }
}

/// Hash of a version's content: the redacted snapshot, its secret fingerprints, the assignments and the
/// scope tags (all normalized, canonical JSON, SHA-256 hex). It changes when any visible content or any
/// fingerprint changes, so a secret-only change still yields a new version. Assignments and scope tags
/// carry no secrets in Graph; pass them redacted regardless.
pub fn version_hash(
    redacted_snapshot: &Value,
    fingerprints: &BTreeMap<String, String>,
    assignments: &Value,
    scope_tags: &Value,
) -> String {
    let fingerprints: Map<String, Value> =
        fingerprints.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    let content: Map<String, Value> = [
        ("redaction_version", Value::from(REDACTION_VERSION)),
        ("snapshot", redacted_snapshot.clone()),
        ("secret_fingerprints", Value::Object(fingerprints)),
        ("assignments", assignments.clone()),
        ("scope_tags", scope_tags.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let content = Value::Object(content);
    sha256_hex(canonical_json(&content))
}

/// Whether going from the previous to the new version changed only secrets: the visible (redacted)
/// content is identical and the fingerprints differ.
pub fn is_protected_change(
    prev_value: &Value,
    prev_fps: &BTreeMap<String, String>,
    new_value: &Value,
    new_fps: &BTreeMap<String, String>,
) -> bool {
    prev_fps != new_fps && canonical_json(prev_value) == canonical_json(new_value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::inventory::server::normalize::{
        normalize,
        tests::{oma_configuration, settings_catalog},
    };
    use crate::provider::contracts::by_key;

    const KEY: &[u8] = b"installation-key-for-tests";

    fn sc(secret: &str) -> Value {
        normalize(by_key("settings_catalog").expect("contract"), &settings_catalog(secret, 8))
    }

    #[test]
    fn secrets_appear_nowhere_in_the_result() {
        let secret = "Sup3r-S3cret-LAPS";
        let r = redact(&sc(secret), KEY);
        let serialized = format!("{}{:?}", canonical_json(&r.value), r.fingerprints);
        assert!(!serialized.contains(secret));
        assert_eq!(r.fingerprints.len(), 1);
        let (pointer, fp) = r.fingerprints.iter().next().expect("one fingerprint");
        assert_eq!(r.value.pointer(pointer), Some(&json!("[REDACTED]")));
        assert!(pointer.ends_with("/settingInstance/simpleSettingValue/value"), "{pointer}");
        assert_eq!(fp.len(), 64);
        assert!(fp.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));

        let dc = by_key("device_configuration").expect("contract");
        let r = redact(&normalize(dc, &oma_configuration("<enabled/>", "wifi-psk-123")), KEY);
        assert!(!canonical_json(&r.value).contains("wifi-psk-123"));
        assert_eq!(r.fingerprints.keys().collect::<Vec<_>>(), ["/omaSettings/2/value"]);
        assert_eq!(r.value["omaSettings"][2]["secretReferenceValueId"], "9d1e_wlanxml");
        assert_eq!(r.value["omaSettings"][0]["value"], "<https://intranet.example/>");
    }

    #[test]
    fn fingerprints_follow_the_secret_and_the_key() {
        let a = redact(&sc("one"), KEY);
        let same = redact(&sc("one"), KEY);
        let changed = redact(&sc("two"), KEY);
        let other_key = redact(&sc("one"), b"another-installation");
        assert_eq!(a, same);
        assert_eq!(a.value, changed.value, "the visible content does not change");
        assert_ne!(a.fingerprints, changed.fingerprints);
        assert_ne!(a.fingerprints, other_key.fingerprints);
        assert!(is_protected_change(&a.value, &a.fingerprints, &changed.value, &changed.fingerprints));
        assert!(!is_protected_change(&a.value, &a.fingerprints, &same.value, &same.fingerprints));
        let visible = redact(&normalize(by_key("settings_catalog").expect("c"), &settings_catalog("two", 9)), KEY);
        assert!(!is_protected_change(&a.value, &a.fingerprints, &visible.value, &visible.fingerprints));
    }

    #[test]
    fn version_hash_sees_content_and_fingerprints() {
        let a = redact(&sc("one"), KEY);
        let b = redact(&sc("two"), KEY);
        let assignments = json!([{"target": {"groupId": "g"}}]);
        let tags = json!(["0"]);
        let h = version_hash(&a.value, &a.fingerprints, &assignments, &tags);
        assert_eq!(h, version_hash(&a.value, &a.fingerprints, &assignments, &tags));
        assert_eq!(h.len(), 64);
        assert_ne!(h, version_hash(&b.value, &b.fingerprints, &assignments, &tags), "secret-only change");
        assert_ne!(h, version_hash(&a.value, &a.fingerprints, &json!([]), &tags));
        assert_ne!(h, version_hash(&a.value, &a.fingerprints, &assignments, &json!(["0", "1"])));
        let mut visible = a.value.clone();
        visible["description"] = json!("changed");
        assert_ne!(h, version_hash(&visible, &a.fingerprints, &assignments, &tags));
    }
}
