//! Support for the workspace tests: a real HTTP/1.1 server on `127.0.0.1`, scripted per test.
//!
//! Each test starts its own [`TestServer`] with a handler that sees every request and decides
//! the reply: a JSON envelope, any status and headers, a delay, or a dropped connection.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Method, `PATCH`.
    pub method: String,
    /// Request target exactly as sent: encoded path and query.
    pub target: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The raw query string, if any.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A response, sent after `delay`.
    Respond {
        /// Status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Body bytes.
        body: Vec<u8>,
        /// Wait before answering.
        delay: Duration,
    },
    /// Close the connection without answering.
    Drop,
}

impl Reply {
    /// A JSON body with `status`, carrying an `X-Tt-Logid`.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply::Respond {
            status,
            headers: vec![
                ("content-type".into(), "application/json; charset=utf-8".into()),
                ("x-tt-logid".into(), "log-test-0001".into()),
            ],
            body: body.to_string().into_bytes(),
            delay: Duration::ZERO,
        }
    }

    /// The success envelope around `data`.
    pub fn ok(data: serde_json::Value) -> Self {
        Reply::json(200, serde_json::json!({"code": 0, "msg": "success", "data": data}))
    }

    /// A failure envelope.
    pub fn code(status: u16, code: i64, msg: &str) -> Self {
        Reply::json(status, serde_json::json!({"code": code, "msg": msg}))
    }

    /// Any body with a content type.
    pub fn raw(status: u16, content_type: &str, body: &str) -> Self {
        Reply::Respond {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// Delays the answer.
    pub fn delayed(mut self, by: Duration) -> Self {
        if let Reply::Respond { delay, .. } = &mut self {
            *delay = by;
        }
        self
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// A loopback HTTP server that records requests and answers through a handler.
pub struct TestServer {
    base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    accept: JoinHandle<()>,
}

impl TestServer {
    /// Starts on `127.0.0.1:0`.
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = requests.clone();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, recorded) = (handler.clone(), recorded.clone());
                tokio::spawn(serve(stream, handler, recorded));
            }
        });
        TestServer { base_url, requests, accept }
    }

    /// A server that answers every request with the token endpoint's success for
    /// `/open-apis/auth/…` and with `reply` for everything else.
    pub async fn with_tokens(reply: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let issued = AtomicUsize::new(0);
        TestServer::start(move |request| {
            if request.path().starts_with("/open-apis/auth/v3/") {
                let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                token_reply(&format!("t-test-token-{n}"), 7200)
            } else {
                reply(request)
            }
        })
        .await
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// How many requests went to paths starting with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        self.requests.lock().unwrap().iter().filter(|r| r.path().starts_with(prefix)).count()
    }

    /// Requests to the API, token requests left out.
    pub fn api_requests(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| !r.path().starts_with("/open-apis/auth/")).collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// The answer of `tenant_access_token/internal` (and the other token endpoints).
pub fn token_reply(token: &str, expire: u64) -> Reply {
    Reply::json(
        200,
        serde_json::json!({
            "code": 0, "msg": "ok", "expire": expire,
            "tenant_access_token": token, "app_access_token": token,
        }),
    )
}

async fn serve(mut stream: TcpStream, handler: Arc<Handler>, recorded: Arc<Mutex<Vec<Recorded>>>) {
    let _ = stream.set_nodelay(true);
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buffer).await else { return };
        recorded.lock().unwrap().push(request.clone());
        match handler(&request) {
            Reply::Drop => return,
            Reply::Respond { status, headers, body, delay } => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let mut head =
                    format!("HTTP/1.1 {status} Status\r\ncontent-length: {}\r\n", body.len());
                for (name, value) in &headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                // One write: a separate body write would wait for a delayed ACK (Nagle).
                let mut bytes = head.into_bytes();
                bytes.extend_from_slice(&body);
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Recorded> {
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let body_start = head_end + 4;
    while buffer.len() < body_start + length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = buffer[body_start..body_start + length].to_vec();
    buffer.drain(..body_start + length);
    Some(Recorded { method, target, headers, body })
}
