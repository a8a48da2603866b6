//! Invite tokens: 32 random bytes from the OS, shown as hex; only the SHA-256 of the token is stored.

use rand::{rngs::OsRng, RngCore};
use sha2::{Digest, Sha256};

use crate::members::TOKEN_BYTES;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new token and its hash.
pub fn generate() -> (String, String) {
    let mut bytes = [0u8; TOKEN_BYTES];
    OsRng.fill_bytes(&mut bytes);
    let token = hex(&bytes);
    let hash = hash(&token);
    (token, hash)
}

/// The stored form of `token`.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::members::is_token_shaped;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, ha) = generate();
        let (b, hb) = generate();
        assert!(is_token_shaped(&a) && is_token_shaped(&b));
        assert_ne!(a, b);
        assert_ne!(a, ha);
        assert_eq!(hash(&a), ha);
        assert_ne!(ha, hb);
        assert_eq!(ha.len(), 64);
    }
}
