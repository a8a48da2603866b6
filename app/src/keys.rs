//! The installation's secret key (server build only): sealing provider credentials at rest with AEAD
//! (ChaCha20-Poly1305, a fresh random nonce per seal, the owning record's id as associated data) and
//! deriving the HMAC keys for secret fingerprints in policy versions and for the audit chain's signed checkpoint,
//! the Ed25519 key that signs review packs (`reviews::server::pack`) and the HMAC key of signed pack download
//! links. The key comes from configuration (`TENANTPILOT_SECRET_KEY`, 32 bytes as base64) and is never logged;
//! see docs/connections.md.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use ring::{
    aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN},
    hmac,
    rand::{SecureRandom, SystemRandom},
    signature::{Ed25519KeyPair, KeyPair},
};
use sha2::{Digest, Sha256};

/// Why a key could not be loaded or a sealed value not opened. Never carries key or plaintext material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the secret key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("sealed with another key ({0})")]
    WrongKey(String),
    #[error("the sealed value is damaged or belongs to another record")]
    Damaged,
    #[error("no randomness available")]
    Random,
}

/// The loaded key. `Debug` shows only its id.
pub struct Keys {
    sealing: LessSafeKey,
    fingerprint: Vec<u8>,
    checkpoint: hmac::Key,
    pack_signing: Ed25519KeyPair,
    download: hmac::Key,
    key_id: String,
    rng: SystemRandom,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

/// `HMAC-SHA256(master, label)`: independent subkeys for sealing and fingerprints.
fn derive(master: &[u8], label: &str) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, master), label.as_bytes()).as_ref().to_vec()
}

impl Keys {
    /// From 32 raw bytes.
    pub fn from_bytes(master: &[u8]) -> Result<Self, KeyError> {
        if master.len() != 32 {
            return Err(KeyError::BadKey);
        }
        let sealing = UnboundKey::new(&CHACHA20_POLY1305, &derive(master, "tenantpilot.seal.v1"))
            .map_err(|_| KeyError::BadKey)?;
        // A public id of the key (so a sealed value names the key it needs), not reversible to the key.
        let key_id = format!("k1:{}", &hex(&Sha256::digest(derive(master, "tenantpilot.key-id.v1")))[..12]);
        // The pack-signing key pair: its 32-byte seed is a subkey, so the installation's key alone decides it.
        let pack_signing = Ed25519KeyPair::from_seed_unchecked(&derive(master, "tenantpilot.pack-sign.v1"))
            .map_err(|_| KeyError::BadKey)?;
        Ok(Self {
            sealing: LessSafeKey::new(sealing),
            fingerprint: derive(master, "tenantpilot.fingerprint.v1"),
            checkpoint: hmac::Key::new(hmac::HMAC_SHA256, &derive(master, "tenantpilot.audit-checkpoint.v1")),
            pack_signing,
            download: hmac::Key::new(hmac::HMAC_SHA256, &derive(master, "tenantpilot.pack-download.v1")),
            key_id,
            rng: SystemRandom::new(),
        })
    }

    /// From the configuration value: 32 bytes, base64 (standard alphabet, padding optional).
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let text = text.trim().trim_end_matches('=');
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD.decode(text).map_err(|_| KeyError::BadKey)?;
        Self::from_bytes(&bytes)
    }

    /// A fresh random key as base64 (for `tenantpilot` to write a key file on first start).
    pub fn generate_base64() -> Result<String, KeyError> {
        let mut bytes = [0u8; 32];
        SystemRandom::new().fill(&mut bytes).map_err(|_| KeyError::Random)?;
        Ok(B64.encode(bytes))
    }

    /// The public id of this key, stored next to each sealed value.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The HMAC key for secret fingerprints in policy versions.
    pub fn fingerprint_key(&self) -> &[u8] {
        &self.fingerprint
    }

    /// `HMAC-SHA256` (hex) of `message` under the audit-checkpoint subkey: signs the audit chain's head so
    /// that cutting entries off its end is detected (see `audit::server`).
    pub fn checkpoint_mac(&self, message: &str) -> String {
        hex(hmac::sign(&self.checkpoint, message.as_bytes()).as_ref())
    }

    /// The Ed25519 signature (base64, 64 bytes) of `message` under the pack-signing key: signs the manifest
    /// of a review pack (see `reviews::server::pack`).
    pub fn pack_sign(&self, message: &[u8]) -> String {
        B64.encode(self.pack_signing.sign(message).as_ref())
    }

    /// The pack-signing public key (base64, 32 bytes): written into each pack's manifest and trusted by
    /// `tenantpilot pack verify`.
    pub fn pack_public_key(&self) -> String {
        B64.encode(self.pack_signing.public_key().as_ref())
    }

    /// `HMAC-SHA256` (lowercase hex) of `message` under the pack-download subkey: the signature of an expiring
    /// pack download link.
    pub fn download_mac(&self, message: &str) -> String {
        hex(hmac::sign(&self.download, message.as_bytes()).as_ref())
    }

    /// Whether `mac_hex` is [`Keys::download_mac`] of `message` (compared in constant time; hex in either case).
    pub fn download_mac_ok(&self, message: &str, mac_hex: &str) -> bool {
        match unhex(mac_hex) {
            Some(mac) => hmac::verify(&self.download, message.as_bytes(), &mac).is_ok(),
            None => false,
        }
    }

    /// Seals `plaintext` bound to `context` (e.g. `provider_connection:42`): base64(nonce ‖ ciphertext ‖ tag).
    pub fn seal(&self, plaintext: &str, context: &str) -> Result<String, KeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| KeyError::Random)?;
        let mut buf = plaintext.as_bytes().to_vec();
        self.sealing
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut buf)
            .map_err(|_| KeyError::Damaged)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(B64.encode(out))
    }

    /// Opens a value sealed by [`Keys::seal`] with the same `context`, checking it names this key.
    pub fn open(&self, key_id: &str, sealed: &str, context: &str) -> Result<String, KeyError> {
        if key_id != self.key_id {
            return Err(KeyError::WrongKey(key_id.to_string()));
        }
        let raw = B64.decode(sealed.trim()).map_err(|_| KeyError::Damaged)?;
        if raw.len() < NONCE_LEN + aead::MAX_TAG_LEN {
            return Err(KeyError::Damaged);
        }
        let (nonce, rest) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| KeyError::Damaged)?;
        let mut buf = rest.to_vec();
        let plain = self
            .sealing
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buf)
            .map_err(|_| KeyError::Damaged)?;
        String::from_utf8(plain.to_vec()).map_err(|_| KeyError::Damaged)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex (either case) to bytes; `None` when not an even number of hex digits.
fn unhex(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks(2)
        .map(|pair| {
            let digit = |c: u8| (c as char).to_digit(16);
            Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(byte: u8) -> Keys {
        Keys::from_bytes(&[byte; 32]).expect("key")
    }

    #[test]
    fn sealed_values_open_with_the_same_key_and_context_only() {
        let k = keys(7);
        let sealed = k.seal("sim~secret-value", "provider_connection:1").expect("seal");
        assert!(!sealed.contains("secret-value"));
        assert_eq!(k.open(k.key_id(), &sealed, "provider_connection:1").as_deref(), Ok("sim~secret-value"));
        assert_eq!(k.open(k.key_id(), &sealed, "provider_connection:2"), Err(KeyError::Damaged));
        let other = keys(8);
        assert!(matches!(other.open(k.key_id(), &sealed, "provider_connection:1"), Err(KeyError::WrongKey(_))));
        assert_eq!(other.open(other.key_id(), &sealed, "provider_connection:1"), Err(KeyError::Damaged));
    }

    #[test]
    fn every_seal_uses_a_fresh_nonce() {
        let k = keys(1);
        assert_ne!(k.seal("x", "c").expect("seal"), k.seal("x", "c").expect("seal"));
    }

    #[test]
    fn damaged_values_and_bad_keys_are_errors_not_panics() {
        let k = keys(2);
        assert_eq!(k.open(k.key_id(), "", "c"), Err(KeyError::Damaged));
        assert_eq!(k.open(k.key_id(), "!!!", "c"), Err(KeyError::Damaged));
        let mut sealed = B64.decode(k.seal("abc", "c").expect("seal")).expect("b64");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(k.open(k.key_id(), &B64.encode(sealed), "c"), Err(KeyError::Damaged));
        assert_eq!(Keys::from_base64("c2hvcnQ=").err(), Some(KeyError::BadKey));
        let generated = Keys::generate_base64().expect("random");
        assert!(Keys::from_base64(&generated).is_ok());
        assert!(!format!("{k:?}").contains("sealing"));
    }

    #[test]
    fn fingerprint_and_sealing_keys_differ_per_master_key() {
        assert_ne!(keys(1).fingerprint_key(), keys(2).fingerprint_key());
        assert_ne!(keys(1).key_id(), keys(2).key_id());
        assert_eq!(keys(1).key_id(), keys(1).key_id());
    }

    #[test]
    fn pack_signatures_verify_with_the_published_key_only() {
        use ring::signature::{UnparsedPublicKey, ED25519};
        let k = keys(3);
        assert_eq!(k.pack_public_key(), keys(3).pack_public_key(), "derived from the master key");
        assert_ne!(k.pack_public_key(), keys(4).pack_public_key());
        let public = B64.decode(k.pack_public_key()).expect("b64");
        assert_eq!(public.len(), 32);
        let sig = B64.decode(k.pack_sign(b"manifest")).expect("b64");
        assert_eq!(sig.len(), 64);
        let key = UnparsedPublicKey::new(&ED25519, &public);
        assert!(key.verify(b"manifest", &sig).is_ok());
        assert!(key.verify(b"manifesT", &sig).is_err());
        let other = B64.decode(keys(4).pack_public_key()).expect("b64");
        assert!(UnparsedPublicKey::new(&ED25519, &other).verify(b"manifest", &sig).is_err());
        // Ed25519 is deterministic: the same message gives the same signature (packs are reproducible).
        assert_eq!(k.pack_sign(b"manifest"), k.pack_sign(b"manifest"));
        assert!(!format!("{k:?}").contains("pack_signing"));
    }

    #[test]
    fn download_macs_check_message_key_and_encoding() {
        let k = keys(5);
        let mac = k.download_mac("pack:7:1700000000");
        assert_eq!(mac.len(), 64);
        assert!(mac.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert!(k.download_mac_ok("pack:7:1700000000", &mac));
        assert!(k.download_mac_ok("pack:7:1700000000", &mac.to_uppercase()));
        assert!(!k.download_mac_ok("pack:8:1700000000", &mac));
        assert!(!keys(6).download_mac_ok("pack:7:1700000000", &mac));
        assert!(!k.download_mac_ok("pack:7:1700000000", &mac[..62]));
        assert!(!k.download_mac_ok("pack:7:1700000000", ""));
        assert!(!k.download_mac_ok("pack:7:1700000000", "zz"));
        assert!(!k.download_mac_ok("pack:7:1700000000", "é"));
        assert_ne!(mac, k.checkpoint_mac("pack:7:1700000000"), "independent subkeys");
    }
}
