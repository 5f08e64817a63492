//! A minimal HTTP/1.1 server on `127.0.0.1`, enough for the fake and for scripted tests:
//! keep-alive, `Content-Length` bodies, delayed answers and dropped connections.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// Method, `PATCH`.
    pub method: String,
    /// Request target exactly as sent: encoded path and query.
    pub target: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpRequest {
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

    /// The body parsed as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub enum HttpReply {
    /// A response, sent after `delay`.
    Respond {
        /// Status code.
        status: u16,
        /// Headers besides `content-length`.
        headers: Vec<(String, String)>,
        /// Body bytes.
        body: Vec<u8>,
        /// Wait before answering.
        delay: Duration,
    },
    /// Close the connection without answering.
    Drop,
}

impl HttpReply {
    /// A JSON body with `status`, carrying an `X-Tt-Logid`.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        HttpReply::Respond {
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
        HttpReply::json(200, serde_json::json!({"code": 0, "msg": "success", "data": data}))
    }

    /// A failure envelope.
    pub fn code(status: u16, code: i64, msg: &str) -> Self {
        HttpReply::json(status, serde_json::json!({"code": code, "msg": msg}))
    }

    /// Any body with a content type.
    pub fn raw(status: u16, content_type: &str, body: &str) -> Self {
        HttpReply::Respond {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }

    /// Adds or replaces a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let HttpReply::Respond { headers, .. } = &mut self {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// Delays the answer.
    pub fn delayed(mut self, by: Duration) -> Self {
        if let HttpReply::Respond { delay, .. } = &mut self {
            *delay = by;
        }
        self
    }
}

type Handler = dyn Fn(&HttpRequest) -> HttpReply + Send + Sync;

/// A loopback HTTP server answering through a handler. It stops when dropped.
#[derive(Debug)]
pub struct HttpServer {
    base_url: String,
    accept: JoinHandle<()>,
}

impl HttpServer {
    /// Starts on `127.0.0.1:0`; must run inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub async fn start(
        handler: impl Fn(&HttpRequest) -> HttpReply + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let handler: Arc<Handler> = Arc::new(handler);
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, handler.clone()));
            }
        });
        Ok(HttpServer { base_url, accept })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn serve(mut stream: TcpStream, handler: Arc<Handler>) {
    let _ = stream.set_nodelay(true);
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buffer).await {
        let HttpReply::Respond { status, headers, body, delay } = handler(&request) else {
            return;
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let mut bytes =
            format!("HTTP/1.1 {status} {}\r\ncontent-length: {}\r\n", reason(status), body.len());
        for (name, value) in &headers {
            bytes.push_str(&format!("{name}: {value}\r\n"));
        }
        bytes.push_str("\r\n");
        // One write: a separate body write would wait for a delayed ACK (Nagle).
        let mut bytes = bytes.into_bytes();
        bytes.extend_from_slice(&body);
        if stream.write_all(&bytes).await.is_err() {
            return;
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 4096];
    let n = stream.read(&mut chunk).await.ok()?;
    if n == 0 {
        return None;
    }
    buffer.extend_from_slice(&chunk[..n]);
    Some(())
}

async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<HttpRequest> {
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        read_more(stream, buffer).await?;
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
        read_more(stream, buffer).await?;
    }
    let body = buffer[body_start..body_start + length].to_vec();
    buffer.drain(..body_start + length);
    Some(HttpRequest { method, target, headers, body })
}
