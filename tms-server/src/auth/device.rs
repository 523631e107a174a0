//! Device tokens (OWASP's "device cookies"): after a successful login, the client receives a
//! token naming the account and a random nonce, signed with a key only the server knows. A later
//! login to that account that presents the token is slowed per device, not per account or per
//! address, so an attacker guessing passwords for an account — or failing logins from the same
//! address — cannot lock out a user whose client has logged in before.
//!
//! Format: `v1.<nonce: 32 hex>.<HMAC-SHA256(key, "tms-device|v1|" email "|" nonce): 64 hex>`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The cookie that carries the token (browsers keep it; other clients send it back).
pub use tms_core::api::DEVICE_COOKIE as COOKIE;
/// How long a client keeps the cookie: a year.
pub const MAX_AGE_SECS: u64 = 365 * 24 * 3600;

const VERSION: &str = "v1";

/// Issues and checks device tokens with the server's device key.
pub struct DeviceKeys {
    key: Vec<u8>,
}

impl DeviceKeys {
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    fn mac(&self, email: &str, nonce: &str) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        for part in ["tms-device|", VERSION, "|", email, "|", nonce] {
            mac.update(part.as_bytes());
        }
        mac
    }

    /// A new token for `email` (lower-cased).
    pub fn issue(&self, email: &str) -> String {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let sig = hex::encode(self.mac(email, &nonce).finalize().into_bytes());
        format!("{VERSION}.{nonce}.{sig}")
    }

    /// The token's nonce if it is a genuine token for `email` (compared in constant time).
    pub fn verify(&self, token: &str, email: &str) -> Option<String> {
        let mut parts = token.split('.');
        let (Some(VERSION), Some(nonce), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        if nonce.len() != 32 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let sig = hex::decode(sig).ok()?;
        self.mac(email, nonce)
            .verify_slice(&sig)
            .ok()
            .map(|()| nonce.to_string())
    }

    /// The `Set-Cookie` value that hands `token` to the client.
    pub fn cookie(token: &str) -> String {
        format!("{COOKIE}={token}; Path=/; Max-Age={MAX_AGE_SECS}; HttpOnly; SameSite=Strict")
    }

    /// The token a request carries in its `Cookie` headers, if any.
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Option<&str> {
        headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .map(|(_, value)| value.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_account_and_key() {
        let keys = DeviceKeys::new(b"0123456789abcdef0123456789abcdef".to_vec());
        let t = keys.issue("alice@example.com");
        let nonce = keys.verify(&t, "alice@example.com").unwrap();
        assert_eq!(nonce.len(), 32);
        assert_ne!(keys.issue("alice@example.com"), t, "a new nonce every time");
        assert!(keys.verify(&t, "admin@example.com").is_none());
        let other = DeviceKeys::new(b"another key".to_vec());
        assert!(other.verify(&t, "alice@example.com").is_none());
        let mut forged = t.clone();
        forged.replace_range(3..4, if &t[3..4] == "0" { "1" } else { "0" });
        assert!(keys.verify(&forged, "alice@example.com").is_none());
        for bad in ["", "v1", "v1..", "v2.00.00", &format!("{t}.x")] {
            assert!(keys.verify(bad, "alice@example.com").is_none(), "{bad}");
        }
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut h = axum::http::HeaderMap::new();
        h.append(
            "cookie",
            "theme=dark; tms_device=v1.abc.def".parse().unwrap(),
        );
        assert_eq!(DeviceKeys::from_headers(&h), Some("v1.abc.def"));
        assert_eq!(
            DeviceKeys::from_headers(&axum::http::HeaderMap::new()),
            None
        );
    }
}
