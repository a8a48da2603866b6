//! Redaction of stored versions (BRIEF §2.3, `redaction_version` 1): every secret the shared classifier
//! ([`crate::secrets`]) finds is replaced with `"[REDACTED]"`, and its JSON pointer is mapped to
//! HMAC-SHA256(key, canonical JSON of the secret) in lowercase hex. The fingerprint lets a later capture
//! tell "the secret changed" from "nothing changed" without ever storing or showing the secret; the key
//! (an installation secret) keeps fingerprints from being brute-forced offline from a dump.
//!
//! Input is a normalized payload ([`super::normalize`]); the result is what is stored and diffed.

use std::collections::BTreeMap;

use ring::hmac;
use serde_json::Value;

use sha2::{Digest, Sha256};

use super::normalize::{canonical_json, hex};
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
    let mut value = value.clone();
    let fingerprints = redact_in_place(&mut value, key);
    Redacted { value, fingerprints }
}

/// [`redact`] without the copy: redacts `value` itself and returns the fingerprints.
pub fn redact_in_place(value: &mut Value, key: &[u8]) -> BTreeMap<String, String> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut fingerprints = BTreeMap::new();
    visit_secrets(value, |pointer, secret| {
        let tag = hmac::sign(&key, canonical_json(secret).as_bytes());
        fingerprints.insert(pointer.to_string(), hex(tag.as_ref()));
    });
    sanitize(value);
    fingerprints
}

/// A version's content as stored (each part canonical JSON, serialized once) and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionContent {
    pub snapshot: String,
    /// The stored `secret_fingerprints` column: `{"snapshot":{pointer: fingerprint, …}}`.
    pub secret_fingerprints: String,
    pub assignments: String,
    pub scope_tags: String,
    pub hash: String,
}

/// Serializes a version's parts and hashes them: SHA-256 hex of the canonical JSON object
/// `{"assignments", "redaction_version", "scope_tags", "secret_fingerprints", "snapshot"}` (keys in this,
/// sorted, order), built from the serialized parts without copying any value. The hash changes when any
/// visible content or any fingerprint changes, so a secret-only change still yields a new version.
/// Assignments and scope tags carry no secrets in Graph; pass them redacted regardless.
pub fn version_content(
    redacted_snapshot: &Value,
    fingerprints: &BTreeMap<String, String>,
    assignments: &Value,
    scope_tags: &Value,
) -> VersionContent {
    let snapshot = canonical_json(redacted_snapshot);
    let fps = serde_json::to_string(fingerprints).unwrap_or_else(|_| "{}".into());
    let assignments = canonical_json(assignments);
    let scope_tags = canonical_json(scope_tags);
    let mut hasher = Sha256::new();
    for part in [
        "{\"assignments\":",
        &assignments,
        &format!(",\"redaction_version\":{REDACTION_VERSION},\"scope_tags\":"),
        &scope_tags,
        ",\"secret_fingerprints\":",
        &fps,
        ",\"snapshot\":",
        &snapshot,
        "}",
    ] {
        hasher.update(part.as_bytes());
    }
    let hash = hex(&hasher.finalize());
    VersionContent { secret_fingerprints: format!("{{\"snapshot\":{fps}}}"), snapshot, assignments, scope_tags, hash }
}

/// Whether going from the previous to the new version changed only secrets: the visible (redacted)
/// content is identical and the fingerprints differ. Snapshots are compared as stored (canonical JSON);
/// a stored snapshot that is not canonical is parsed and re-serialized first.
pub fn is_protected_change(
    prev_snapshot: &str,
    prev_fps: &BTreeMap<String, String>,
    new_snapshot: &str,
    new_fps: &BTreeMap<String, String>,
) -> bool {
    prev_fps != new_fps
        && (prev_snapshot == new_snapshot
            || serde_json::from_str::<Value>(prev_snapshot).is_ok_and(|v| canonical_json(&v) == new_snapshot))
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
        let snap = |r: &Redacted| canonical_json(&r.value);
        assert!(is_protected_change(&snap(&a), &a.fingerprints, &snap(&changed), &changed.fingerprints));
        assert!(!is_protected_change(&snap(&a), &a.fingerprints, &snap(&same), &same.fingerprints));
        let visible = redact(&normalize(by_key("settings_catalog").expect("c"), &settings_catalog("two", 9)), KEY);
        assert!(!is_protected_change(&snap(&a), &a.fingerprints, &snap(&visible), &visible.fingerprints));
        // A stored snapshot that is not canonical (other key order, spaces) still compares by content.
        let loose = serde_json::to_string_pretty(&a.value).expect("json");
        assert!(is_protected_change(&loose, &a.fingerprints, &snap(&changed), &changed.fingerprints));
    }

    #[test]
    fn version_hash_sees_content_and_fingerprints() {
        let a = redact(&sc("one"), KEY);
        let b = redact(&sc("two"), KEY);
        let assignments = json!([{"target": {"groupId": "g"}}]);
        let tags = json!(["0"]);
        let h = |v: &Value, f: &BTreeMap<String, String>, asg: &Value, t: &Value| version_content(v, f, asg, t).hash;
        let ha = h(&a.value, &a.fingerprints, &assignments, &tags);
        assert_eq!(ha, h(&a.value, &a.fingerprints, &assignments, &tags));
        assert_eq!(ha.len(), 64);
        assert_ne!(ha, h(&b.value, &b.fingerprints, &assignments, &tags), "secret-only change");
        assert_ne!(ha, h(&a.value, &a.fingerprints, &json!([]), &tags));
        assert_ne!(ha, h(&a.value, &a.fingerprints, &assignments, &json!(["0", "1"])));
        let mut visible = a.value.clone();
        visible["description"] = json!("changed");
        assert_ne!(ha, h(&visible, &a.fingerprints, &assignments, &tags));
    }

    /// The hash is the one earlier releases stored (SHA-256 of the canonical JSON of the whole content as
    /// one object), so upgrading does not turn every policy into a new version; and the stored parts are
    /// the canonical JSON of each part.
    #[test]
    fn version_content_matches_the_canonical_object() {
        let a = redact(&sc("one"), KEY);
        let assignments = json!([{"target": {"groupId": "g", "@odata.type": "#x"}}]);
        let tags = json!(["0", "7"]);
        let c = version_content(&a.value, &a.fingerprints, &assignments, &tags);
        let whole = json!({
            "redaction_version": REDACTION_VERSION,
            "snapshot": a.value,
            "secret_fingerprints": a.fingerprints,
            "assignments": assignments,
            "scope_tags": tags,
        });
        assert_eq!(c.hash, crate::inventory::server::normalize::sha256_hex(canonical_json(&whole)));
        assert_eq!(c.snapshot, canonical_json(&a.value));
        assert_eq!(c.assignments, canonical_json(&assignments));
        assert_eq!(c.scope_tags, r#"["0","7"]"#);
        assert_eq!(c.secret_fingerprints, json!({ "snapshot": a.fingerprints }).to_string());
    }
}
