//! The fake's HTTP server speaks real HTTP/1.1: chunked bodies and keep-alive work, and
//! dropping the fake ends the connections it holds.

use std::time::Duration;

use feishu_fake::{ChatSeed, FakeFeishu};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads one response head and its `Content-Length` body from `stream`.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "connection closed before a response: {}", String::from_utf8_lossy(&bytes));
        bytes.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
    }
}

fn host(fake: &FakeFeishu) -> String {
    fake.base_url().trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn a_chunked_token_request_is_read_whole() {
    let fake = FakeFeishu::start().await;
    let mut stream = TcpStream::connect(host(&fake)).await.unwrap();
    let body = format!(
        r#"{{"app_id":"{}","app_secret":"{}"}}"#,
        FakeFeishu::APP_ID,
        FakeFeishu::APP_SECRET
    );
    let (first, rest) = body.split_at(10);
    let request = format!(
        "POST /open-apis/auth/v3/tenant_access_token/internal HTTP/1.1\r\nhost: x\r\n\
         content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n\
         {:x}\r\n{first}\r\n{:x}\r\n{rest}\r\n0\r\n\r\n",
        first.len(),
        rest.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let response = read_response(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"tenant_access_token\""), "{response}");
}

#[tokio::test]
async fn dropping_the_fake_ends_its_keep_alive_connections() {
    let fake = FakeFeishu::start().await;
    fake.seed_chat(ChatSeed::public("oc_1"));
    let mut stream = TcpStream::connect(host(&fake)).await.unwrap();
    // One answered request keeps the connection open for the next.
    stream.write_all(b"GET /nowhere HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
    let response = read_response(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");

    drop(fake);
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "the connection outlived the fake: {closed:?}"
    );
}
