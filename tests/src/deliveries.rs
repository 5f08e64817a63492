//! Webhook deliveries made as Feishu documents them, independently of the crate's own code:
//! AES-256-CBC under the SHA-256 of the Encrypt Key, the SHA-256 signature headers, and the
//! SHA-1 signature of old-style card callbacks.

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeEncrypt, KeyIvInit};
use base64::Engine;
use sha2::{Digest, Sha256};

/// The current Unix time in seconds, as the timestamp header carries it.
pub fn now() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    now.as_secs().to_string()
}

/// Headers signing `body` with `key` at the current time.
pub fn signed(body: &[u8], key: &str) -> http::HeaderMap {
    let timestamp = now();
    let mut hash = Sha256::new();
    hash.update(format!("{timestamp}nonce-1{key}").as_bytes());
    hash.update(body);
    signature_headers(&timestamp, "nonce-1", &hash.finalize())
}

/// The three headers of a signed request.
fn signature_headers(timestamp: &str, nonce: &str, digest: &[u8]) -> http::HeaderMap {
    let signature: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let mut headers = http::HeaderMap::new();
    headers.insert("x-lark-request-timestamp", timestamp.parse().unwrap());
    headers.insert("x-lark-request-nonce", nonce.parse().unwrap());
    headers.insert("x-lark-signature", signature.parse().unwrap());
    headers
}

/// Headers signing an old-style card callback's `body` as the page "配置回调请求地址" says:
/// `hex(SHA-1(timestamp ‖ nonce ‖ verification token ‖ body))`, with the click's
/// `X-Refresh-Token`.
pub fn signed_old_card(body: &[u8], verification_token: &str, refresh: &str) -> http::HeaderMap {
    use sha1::Sha1;
    // Old card timestamps are not read as Unix time; the Go SDK's sample sends a date.
    let timestamp = "Monday, 14-Nov-22 15:53:37 CST";
    let mut hash = Sha1::new();
    hash.update(format!("{timestamp}nonce-2{verification_token}").as_bytes());
    hash.update(body);
    let mut headers = signature_headers(timestamp, "nonce-2", &hash.finalize());
    headers.insert("x-refresh-token", refresh.parse().unwrap());
    headers
}

/// `{"encrypt": …}` of `plain` under `key`, with a fixed IV.
pub fn encrypted(plain: &str, key: &str) -> Vec<u8> {
    let key = Sha256::digest(key.as_bytes());
    let iv = [9u8; 16];
    let mut buffer = vec![0; (plain.len() / 16 + 1) * 16];
    buffer[..plain.len()].copy_from_slice(plain.as_bytes());
    let cipher = cbc::Encryptor::<aes::Aes256>::new_from_slices(&key, &iv).unwrap();
    let ciphertext = cipher.encrypt_padded::<Pkcs7>(&mut buffer, plain.len()).unwrap();
    let mut all = iv.to_vec();
    all.extend_from_slice(ciphertext);
    let text = base64::engine::general_purpose::STANDARD.encode(all);
    serde_json::json!({ "encrypt": text }).to_string().into_bytes()
}

/// A schema 2.0 envelope of `event_type` with `event`, carrying `token`.
pub fn envelope(event_type: &str, event_id: &str, event: serde_json::Value, token: &str) -> String {
    serde_json::json!({
        "schema": "2.0",
        "header": {"event_id": event_id, "event_type": event_type, "create_time": "1700000000000",
                   "token": token, "app_id": "cli_x", "tenant_key": "t"},
        "event": event,
    })
    .to_string()
}
