//! Personal API tokens, server half: secret generation and hashing, the rules (service) and SQL (repo).

pub mod repo;
pub mod service;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{DISPLAY_PREFIX_LEN, SECRET_BYTES, SECRET_PREFIX};

/// A freshly generated secret with what the database keeps of it. `Debug` never prints the secret.
pub struct GeneratedSecret {
    pub secret: String,
    pub prefix: String,
    pub hash: String,
}

impl std::fmt::Debug for GeneratedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedSecret").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// `tpat_` + 32 bytes from the operating system's CSPRNG, base64url without padding.
pub fn generate_secret() -> GeneratedSecret {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    GeneratedSecret { prefix: secret[..DISPLAY_PREFIX_LEN].to_string(), hash: hash_secret(&secret), secret }
}

/// Hex SHA-256 of the whole secret. A fast hash is enough: the secret carries 256 random bits, so there is
/// nothing to brute-force, and lookups stay one indexed equality.
pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_tokens::{looks_like_secret, SECRET_LEN};

    #[test]
    fn secrets_are_random_well_formed_and_hashed() {
        let a = generate_secret();
        let b = generate_secret();
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.secret.len(), SECRET_LEN);
        assert!(looks_like_secret(&a.secret), "{}", a.secret);
        assert!(a.secret.starts_with(&a.prefix) && a.prefix.len() == DISPLAY_PREFIX_LEN);
        assert_eq!(a.hash, hash_secret(&a.secret));
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.secret[SECRET_PREFIX.len()..]));
        assert!(!format!("{a:?}").contains(&a.secret));
        // Known vector: SHA-256("abc").
        assert_eq!(hash_secret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
