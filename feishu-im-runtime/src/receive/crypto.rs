//! The webhook's cryptography: AES-256-CBC bodies keyed by the SHA-256 of the Encrypt Key, and
//! the request signatures, compared in constant time: SHA-256 with the Encrypt Key for events
//! and callbacks, SHA-1 with the verification token for old-style card callbacks.

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::Secret;

/// AES's block size, which is also the length of the IV.
const BLOCK: usize = 16;

/// Why an encrypted body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecryptFailure {
    /// Not base64.
    Base64,
    /// Shorter than an IV and one block, or not whole blocks.
    Length,
    /// The padding is wrong: the key is wrong or the text was altered.
    Padding,
}

impl DecryptFailure {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            DecryptFailure::Base64 => "`encrypt` is not base64",
            DecryptFailure::Length => "`encrypt` is not an IV followed by whole AES blocks",
            DecryptFailure::Padding => "the padding is wrong: a wrong Encrypt Key, or altered text",
        }
    }
}

/// The AES key: the SHA-256 of the Encrypt Key.
fn aes_key(encrypt_key: &Secret) -> [u8; 32] {
    Sha256::digest(encrypt_key.expose().as_bytes()).into()
}

/// Decrypts `encrypt` (base64 of IV ‖ ciphertext) with the Encrypt Key.
pub(crate) fn decrypt(encrypt_key: &Secret, encrypt: &str) -> Result<Vec<u8>, DecryptFailure> {
    let bytes = STANDARD.decode(encrypt.trim()).map_err(|_| DecryptFailure::Base64)?;
    if bytes.len() < 2 * BLOCK || bytes.len() % BLOCK != 0 {
        return Err(DecryptFailure::Length);
    }
    let (iv, ciphertext) = bytes.split_at(BLOCK);
    let mut buffer = ciphertext.to_vec();
    let decryptor = cbc::Decryptor::<aes::Aes256>::new_from_slices(&aes_key(encrypt_key), iv)
        .map_err(|_| DecryptFailure::Length)?;
    let plain =
        decryptor.decrypt_padded::<Pkcs7>(&mut buffer).map_err(|_| DecryptFailure::Padding)?;
    let length = plain.len();
    buffer.truncate(length);
    Ok(buffer)
}

/// Encrypts `plain` as Feishu does: base64 of a fresh IV ‖ AES-256-CBC with PKCS#7 padding.
/// Fakes and tests use it to deliver as the platform would.
pub fn encrypt(encrypt_key: &Secret, plain: &[u8], iv: [u8; BLOCK]) -> String {
    let mut buffer = vec![0; BLOCK + (plain.len() / BLOCK + 1) * BLOCK];
    buffer[..BLOCK].copy_from_slice(&iv);
    buffer[BLOCK..BLOCK + plain.len()].copy_from_slice(plain);
    let encryptor = cbc::Encryptor::<aes::Aes256>::new_from_slices(&aes_key(encrypt_key), &iv)
        .expect("the key is 32 bytes and the IV 16");
    let length = encryptor
        .encrypt_padded::<Pkcs7>(&mut buffer[BLOCK..], plain.len())
        .expect("the buffer holds the padded text")
        .len();
    buffer.truncate(BLOCK + length);
    STANDARD.encode(&buffer)
}

/// How a request is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// Events and callbacks: SHA-256, with the Encrypt Key.
    Event,
    /// Old-style card callbacks: SHA-1, with the verification token.
    OldCard,
}

/// `hex(H(timestamp ‖ nonce ‖ secret ‖ body))`, the `X-Lark-Signature` of a request: `H` is
/// SHA-256 and the secret the Encrypt Key for a delivery; SHA-1 and the verification token for
/// an old-style card callback.
pub fn signature(
    signing: Signing,
    timestamp: &str,
    nonce: &str,
    secret: &Secret,
    body: &[u8],
) -> String {
    fn digest<D: Digest>(parts: [&[u8]; 4]) -> String {
        let mut hash = D::new();
        for part in parts {
            hash.update(part);
        }
        crate::ids::hex(&hash.finalize())
    }
    let parts = [timestamp.as_bytes(), nonce.as_bytes(), secret.expose().as_bytes(), body];
    match signing {
        Signing::Event => digest::<Sha256>(parts),
        Signing::OldCard => digest::<Sha1>(parts),
    }
}

/// Whether `given` is the signature of the raw body, compared in constant time.
pub(crate) fn signature_matches(
    signing: Signing,
    given: &str,
    timestamp: &str,
    nonce: &str,
    secret: &Secret,
    body: &[u8],
) -> bool {
    let expected = signature(signing, timestamp, nonce, secret, body);
    let given = given.trim().to_ascii_lowercase();
    given.len() == expected.len() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// Whether two secrets are equal, compared in constant time (the verification token).
pub(crate) fn same_secret(given: &str, expected: &Secret) -> bool {
    let expected = expected.expose().as_bytes();
    given.len() == expected.len() && bool::from(given.as_bytes().ct_eq(expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of Feishu's event subscription guide: Encrypt Key `test key`.
    #[test]
    fn decrypts_the_documented_example() {
        let key = Secret::new("test key");
        let plain = decrypt(&key, "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=").unwrap();
        assert_eq!(plain, b"hello world");
    }

    #[test]
    fn round_trips_and_refuses_what_is_altered() {
        let key = Secret::new("kx8dW3mUd0");
        let text = encrypt(&key, br#"{"schema":"2.0"}"#, [7; 16]);
        assert_eq!(decrypt(&key, &text).unwrap(), br#"{"schema":"2.0"}"#);
        assert_eq!(decrypt(&Secret::new("other"), &text), Err(DecryptFailure::Padding));
        assert_eq!(decrypt(&key, "%%%"), Err(DecryptFailure::Base64));
        let short = STANDARD.encode([1u8; 20]);
        assert_eq!(decrypt(&key, &short), Err(DecryptFailure::Length));
        let mut bytes = STANDARD.decode(&text).unwrap();
        bytes.truncate(bytes.len() - BLOCK);
        assert!(decrypt(&key, &STANDARD.encode(&bytes)).is_err());
    }

    #[test]
    fn signs_the_raw_bytes() {
        let key = Secret::new("encrypt key");
        let body = br#"{"encrypt":"abc"}"#;
        let sig = signature(Signing::Event, "1700000000", "nonce", &key, body);
        // sha256("1700000000" + "nonce" + "encrypt key" + body), computed independently.
        let mut hash = Sha256::new();
        hash.update(b"1700000000nonceencrypt key{\"encrypt\":\"abc\"}");
        let expected: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sig, expected);
        let matches = |sig: &str, ts: &str, body: &[u8]| {
            signature_matches(Signing::Event, sig, ts, "nonce", &key, body)
        };
        assert!(matches(&sig, "1700000000", body));
        assert!(matches(&sig.to_uppercase(), "1700000000", body));
        assert!(!matches(&sig, "1700000001", body));
        assert!(!matches(&sig, "1700000000", br#"{"encrypt":"abd"}"#));
        assert!(!matches(&sig[..63], "1700000000", body));
    }

    /// The old card signature: SHA-1 over timestamp, nonce, verification token and body, as
    /// the page "配置回调请求地址" and the Go SDK's `larkcard.Signature` compute it.
    #[test]
    fn signs_old_card_callbacks_with_sha1_and_the_verification_token() {
        let token = Secret::new("v-token");
        let body = br#"{"open_id":"ou_1"}"#;
        let sig = signature(Signing::OldCard, "1700000000", "nonce", &token, body);
        let mut hash = Sha1::new();
        hash.update(b"1700000000noncev-token{\"open_id\":\"ou_1\"}");
        let expected: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sig, expected);
        assert_eq!(sig.len(), 40);
        assert!(signature_matches(Signing::OldCard, &sig, "1700000000", "nonce", &token, body));
        assert!(!signature_matches(Signing::Event, &sig, "1700000000", "nonce", &token, body));
    }
}
