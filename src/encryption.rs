//! End-to-end encrypted channels (`private-encrypted-*`): NaCl secretbox, opened in Rust.
//!
//! The backend's auth response carries `shared_secret`, a base64 32-byte key derived from
//! its encryption master key. Each event's data is `{nonce, ciphertext}` (base64, 24-byte
//! nonce) sealed with XSalsa20-Poly1305; the plaintext is UTF-8 JSON. A wrong key or a
//! tampered message fails authentication and yields nothing: no garbage is ever dispatched.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Key, Nonce, XSalsa20Poly1305};

/// A channel's shared secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedSecret([u8; 32]);

impl std::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

/// Why an encrypted event could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecryptError {
    /// `shared_secret` is missing, not base64, or not 32 bytes. Cause: the backend has no
    /// (or a wrong) encryption master key. Remedy: set `PUSHER_APP_ENCRYPTION_MASTER_KEY`
    /// (a base64 32-byte key) in the Laravel app's broadcasting config.
    BadSharedSecret,
    /// The event's data is not `{nonce, ciphertext}` in base64 with a 24-byte nonce.
    Malformed,
    /// Authentication failed: wrong key (rotated master key) or a tampered message.
    Rejected,
    /// The plaintext is not UTF-8.
    NotUtf8,
}

impl DecryptError {
    /// A short description for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            DecryptError::BadSharedSecret => "no valid shared_secret",
            DecryptError::Malformed => "the event is not {nonce, ciphertext}",
            DecryptError::Rejected => "the key does not open it",
            DecryptError::NotUtf8 => "the plaintext is not UTF-8",
        }
    }
}

impl SharedSecret {
    /// Decodes the base64 `shared_secret` of an auth response.
    pub fn from_base64(text: &str) -> Result<Self, DecryptError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| DecryptError::BadSharedSecret)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| DecryptError::BadSharedSecret)?;
        Ok(SharedSecret(key))
    }

    /// The raw key (tests and fuzzing use it to seal messages).
    pub fn from_bytes(key: [u8; 32]) -> Self {
        SharedSecret(key)
    }

    /// Opens an event: base64 `nonce` and `ciphertext` -> UTF-8 plaintext.
    pub fn open(&self, nonce_b64: &str, ciphertext_b64: &str) -> Result<String, DecryptError> {
        let nonce = STANDARD.decode(nonce_b64).map_err(|_| DecryptError::Malformed)?;
        if nonce.len() != 24 {
            return Err(DecryptError::Malformed);
        }
        let ciphertext = STANDARD.decode(ciphertext_b64).map_err(|_| DecryptError::Malformed)?;
        let cipher = XSalsa20Poly1305::new(Key::from_slice(&self.0));
        let plain = cipher.decrypt(Nonce::from_slice(&nonce), ciphertext.as_slice()).map_err(|_| DecryptError::Rejected)?;
        String::from_utf8(plain).map_err(|_| DecryptError::NotUtf8)
    }

    /// Seals `plaintext` with `nonce`, returning base64 `(nonce, ciphertext)`: the backend's
    /// side, used by tests and fuzzing to produce genuine encrypted events.
    pub fn seal(&self, nonce: [u8; 24], plaintext: &str) -> (String, String) {
        let cipher = XSalsa20Poly1305::new(Key::from_slice(&self.0));
        let sealed = cipher.encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes()).unwrap_or_default();
        (STANDARD.encode(nonce), STANDARD.encode(sealed))
    }

    /// The key as base64 (what a backend would put in `shared_secret`).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let key = SharedSecret::from_bytes([7; 32]);
        let again = SharedSecret::from_base64(&key.to_base64()).unwrap();
        assert_eq!(key, again);
        let (n, c) = key.seal([1; 24], "{\"qty\":3}");
        assert_eq!(key.open(&n, &c).unwrap(), "{\"qty\":3}");
        let other = SharedSecret::from_bytes([8; 32]);
        assert_eq!(other.open(&n, &c), Err(DecryptError::Rejected));
        let mut tampered = base64::engine::general_purpose::STANDARD.decode(&c).unwrap();
        tampered[20] ^= 1;
        let tampered = base64::engine::general_purpose::STANDARD.encode(tampered);
        assert_eq!(key.open(&n, &tampered), Err(DecryptError::Rejected));
        assert_eq!(key.open("AAAA", &c), Err(DecryptError::Malformed));
        assert_eq!(key.open(&n, "%%%"), Err(DecryptError::Malformed));
        assert_eq!(SharedSecret::from_base64("AAAA"), Err(DecryptError::BadSharedSecret));
        assert_eq!(SharedSecret::from_base64("not base64!"), Err(DecryptError::BadSharedSecret));
    }

    /// A vector sealed by tweetnacl (what the `pusher` Node SDK uses): key 32 bytes of 0x01,
    /// nonce 24 bytes of 0x02, plaintext `{"a":1}`.
    #[test]
    fn opens_a_tweetnacl_sealed_message() {
        let key = SharedSecret::from_bytes([1; 32]);
        let nonce = "AgICAgICAgICAgICAgICAgICAgICAgIC";
        let ciphertext = "lPS9YcogVPh4mNFcslV4M4ZHv99EC68=";
        assert_eq!(key.open(nonce, ciphertext).unwrap(), "{\"a\":1}");
        assert_eq!(key.seal([2; 24], "{\"a\":1}"), (nonce.to_owned(), ciphertext.to_owned()));
    }
}
