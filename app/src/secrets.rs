//! The one secret classifier for structured data (audit metadata, run context, policy snapshots). It
//! decides which JSON values are secrets, by two kinds of rules and nothing else:
//!
//! - **Exact field names** ([`SECRET_FIELDS`]): the value of a member with one of these names is a secret,
//!   whatever it holds. Names are matched exactly, never as substrings: `passwordMinimumLength`,
//!   `passwordRequired` and `preSharedKeyIsSet` stay visible.
//! - **Shapes** from Microsoft Graph: in an object with `"isEncrypted": true` (OMA-URI settings) the
//!   `value` member is a secret; in an object whose `@odata.type` is
//!   `#microsoft.graph.deviceManagementConfigurationSecretSettingValue` (settings catalog) the `value`
//!   member is a secret. `secretReferenceValueId` is an opaque reference to a secret, not a secret: kept.
//!
//! Free text (error messages) is a different problem with its own heuristics:
//! `operations::safe_message`. Fingerprinting secrets for stored versions is in
//! `inventory::server::redact`. Depends on `serde_json` only, so both builds compile it.

use serde_json::{Map, Value};

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Exact member names whose values are secrets.
///
/// Ours (credentials, tokens, form fields): `password`, `newPassword`/`new_password`,
/// `clientSecret`/`client_secret`, `secret`, `privateKey`/`private_key`, `token`, `accessToken`/
/// `access_token`, `refreshToken`/`refresh_token`, `apiKey`/`api_key`.
///
/// Microsoft Graph / Intune properties that carry secret material in plain form:
/// `preSharedKey` (Wi-Fi profiles: iOS, macOS, Android, Windows), `sharedSecret` (VPN profiles),
/// `secretText` (Entra `passwordCredential`), `encryptedPfxPassword` and `encryptedPfxBlob`
/// (`userPFXCertificate` key material), `kioskModeExitCode` (Android device owner kiosk escape code),
/// `tokenValue` (Android enrollment profile token).
pub const SECRET_FIELDS: &[&str] = &[
    "password",
    "newPassword",
    "new_password",
    "clientSecret",
    "client_secret",
    "secret",
    "privateKey",
    "private_key",
    "token",
    "accessToken",
    "access_token",
    "refreshToken",
    "refresh_token",
    "apiKey",
    "api_key",
    "sharedSecret",
    "preSharedKey",
    "secretText",
    "encryptedPfxPassword",
    "encryptedPfxBlob",
    "kioskModeExitCode",
    "tokenValue",
];

/// `@odata.type` of a settings-catalog value whose `value` is a secret.
pub const SECRET_SETTING_VALUE_TYPE: &str = "#microsoft.graph.deviceManagementConfigurationSecretSettingValue";

/// Whether a member named `name` holds a secret (exact match against [`SECRET_FIELDS`]).
pub fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS.contains(&name)
}

/// Whether `obj`'s `value` member is a secret because of the object's shape (`isEncrypted: true`, or a
/// settings-catalog secret setting value).
fn value_is_secret(obj: &Map<String, Value>) -> bool {
    obj.get("isEncrypted") == Some(&Value::Bool(true))
        || obj.get("@odata.type").and_then(Value::as_str) == Some(SECRET_SETTING_VALUE_TYPE)
}

/// Whether member `key` of `obj` is a secret (by name or by shape).
fn is_secret_member(obj: &Map<String, Value>, key: &str) -> bool {
    is_secret_field(key) || (key == "value" && value_is_secret(obj))
}

/// One RFC 6901 reference token: `~` → `~0`, `/` → `~1`.
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Calls `f(pointer, secret)` for every secret in `value`, in document order, with its RFC 6901 JSON
/// pointer (`/omaSettings/3/value`). A secret's own content is not searched further.
pub fn visit_secrets(value: &Value, mut f: impl FnMut(&str, &Value)) {
    let mut pointer = String::new();
    walk(value, &mut pointer, &mut f);
}

fn walk(value: &Value, pointer: &mut String, f: &mut impl FnMut(&str, &Value)) {
    let len = pointer.len();
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointer.push('/');
                pointer.push_str(&escape_pointer_token(k));
                if is_secret_member(map, k) {
                    f(pointer, v);
                } else {
                    walk(v, pointer, f);
                }
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk(v, pointer, f);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// Replaces every secret in `value` (at any depth) with `"[REDACTED]"`.
pub fn sanitize(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let secret_value = value_is_secret(map);
            for (k, v) in map.iter_mut() {
                if is_secret_field(k) || (secret_value && k == "value") {
                    *v = Value::String(REDACTED.into());
                } else {
                    sanitize(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sanitize),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn secrets_of(v: &Value) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        visit_secrets(v, |p, s| out.push((p.to_string(), s.clone())));
        out
    }

    #[test]
    fn names_are_exact_not_substrings() {
        for name in ["password", "clientSecret", "preSharedKey", "sharedSecret", "secretText", "token"] {
            assert!(is_secret_field(name), "{name}");
        }
        for name in [
            "passwordMinimumLength",
            "passwordRequired",
            "passwordRequiredType",
            "preSharedKeyIsSet",
            "tokenType",
            "edgeBlockPasswordManager",
            "secretReferenceValueId",
            "Password",
            "value",
        ] {
            assert!(!is_secret_field(name), "{name}");
        }
        let mut v = json!({"password": "hunter2", "passwordMinimumLength": 12, "passwordRequired": true,
            "nested": [{"clientSecret": "s3", "tokenType": "bearer"}]});
        sanitize(&mut v);
        assert_eq!(v["password"], REDACTED);
        assert_eq!(v["passwordMinimumLength"], 12);
        assert_eq!(v["passwordRequired"], true);
        assert_eq!(v["nested"][0]["clientSecret"], REDACTED);
        assert_eq!(v["nested"][0]["tokenType"], "bearer");
    }

    #[test]
    fn encrypted_oma_setting_value_is_secret_and_its_reference_is_kept() {
        let mut v = json!({"omaSettings": [
            {"displayName": "Homepage", "value": "https://intranet.example/", "isEncrypted": false,
             "secretReferenceValueId": null},
            {"displayName": "Wi-Fi pre-shared key", "value": "****", "isEncrypted": true,
             "secretReferenceValueId": "1234_wlanxml"},
            {"displayName": "Odd", "value": "x", "isEncrypted": "true"}
        ]});
        assert_eq!(secrets_of(&v), vec![("/omaSettings/1/value".to_string(), json!("****"))]);
        sanitize(&mut v);
        assert_eq!(v["omaSettings"][0]["value"], "https://intranet.example/");
        assert_eq!(v["omaSettings"][1]["value"], REDACTED);
        assert_eq!(v["omaSettings"][1]["secretReferenceValueId"], "1234_wlanxml");
        assert_eq!(v["omaSettings"][2]["value"], "x");
    }

    #[test]
    fn secret_setting_value_is_secret() {
        let mut v = json!({"settings": [{"settingInstance": {
            "settingDefinitionId": "device_vendor_msft_laps_policies_administratoraccountpassword",
            "simpleSettingValue": {"@odata.type": SECRET_SETTING_VALUE_TYPE, "value": "p@ss",
                "valueState": "encryptedValueToken", "settingValueTemplateReference": null}}},
            {"settingInstance": {"simpleSettingValue": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "value": "hi"}}}]});
        assert_eq!(
            secrets_of(&v),
            vec![("/settings/0/settingInstance/simpleSettingValue/value".to_string(), json!("p@ss"))]
        );
        sanitize(&mut v);
        assert_eq!(v["settings"][0]["settingInstance"]["simpleSettingValue"]["value"], REDACTED);
        assert_eq!(v["settings"][0]["settingInstance"]["simpleSettingValue"]["valueState"], "encryptedValueToken");
        assert_eq!(v["settings"][1]["settingInstance"]["simpleSettingValue"]["value"], "hi");
    }

    #[test]
    fn nested_arrays_and_whole_values() {
        let v = json!([[{"a": [{"preSharedKey": {"k": [1, 2]}}]}], {"token": null}]);
        assert_eq!(
            secrets_of(&v),
            vec![("/0/0/a/0/preSharedKey".to_string(), json!({"k": [1, 2]})), ("/1/token".to_string(), Value::Null)]
        );
        let mut s = v.clone();
        sanitize(&mut s);
        assert_eq!(s, json!([[{"a": [{"preSharedKey": REDACTED}]}], {"token": REDACTED}]));
        // Scalars have no secrets.
        assert!(secrets_of(&json!("password")).is_empty());
    }

    #[test]
    fn pointers_escape_tilde_and_slash() {
        let v = json!({"a/b": {"c~d": {"password": "x"}}});
        let got = secrets_of(&v);
        assert_eq!(got, vec![("/a~1b/c~0d/password".to_string(), json!("x"))]);
        assert_eq!(v.pointer(&got[0].0), Some(&json!("x")));
        assert_eq!(escape_pointer_token("~/"), "~0~1");
    }
}
