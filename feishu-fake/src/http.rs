//! The HTTP/1.1 server of the fake and of scripted tests, on hyper, bound to `127.0.0.1`:
//! delayed answers and dropped connections besides plain ones.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

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
    /// The parts of a `multipart/form-data` body, parsed.
    pub form: Option<Vec<FormPart>>,
}

/// One part of a multipart form.
#[derive(Debug, Clone)]
pub struct FormPart {
    /// The field name.
    pub name: String,
    /// The file name, for a file part.
    pub file_name: Option<String>,
    /// The part's content type.
    pub content_type: Option<String>,
    /// Its bytes.
    pub bytes: Vec<u8>,
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

/// Largest request body the server reads; a bigger one is answered `413`.
const MAX_BODY: usize = 64 << 20;

/// A loopback HTTP/1.1 server (hyper) answering through a handler. Dropping it stops
/// accepting and ends every open connection.
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
        let accept = accept_all(listener, move |stream| serve(stream, handler.clone()));
        Ok(HttpServer { base_url, accept })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

/// Accepts connections on `listener` and serves each on a task of its own until the returned
/// task is aborted, which ends every connection: they live in its set.
pub(crate) fn accept_all<F>(
    listener: TcpListener,
    serve: impl Fn(TcpStream) -> F + Send + 'static,
) -> JoinHandle<()>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve(stream));
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    })
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Why a connection is closed without an answer ([`HttpReply::Drop`]).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

async fn serve(stream: TcpStream, handler: Arc<Handler>) {
    let service = service_fn(move |request: Request<Incoming>| {
        let handler = handler.clone();
        async move { answer(request, &*handler).await }
    });
    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
}

async fn answer(
    request: Request<Incoming>,
    handler: &Handler,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => return Ok(respond(413, &[], Vec::new())),
    };
    let mut request = HttpRequest {
        method: parts.method.as_str().to_owned(),
        target: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
            })
            .collect(),
        body,
        form: None,
    };
    if let Some(boundary) =
        request.header("content-type").and_then(|t| multer::parse_boundary(t).ok())
    {
        request.form = form(request.body.clone(), boundary).await;
    }
    match handler(&request) {
        HttpReply::Respond { status, headers, body, delay } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Ok(respond(status, &headers, body))
        }
        HttpReply::Drop => Err(Dropped),
    }
}

/// The parts of a multipart body; `None` when it is not well formed.
async fn form(body: Vec<u8>, boundary: String) -> Option<Vec<FormPart>> {
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(body)) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await.ok()? {
        let name = field.name()?.to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(|m| m.to_string());
        let bytes = field.bytes().await.ok()?.to_vec();
        parts.push(FormPart { name, file_name, content_type, bytes });
    }
    Some(parts)
}

fn respond(status: u16, headers: &[(String, String)], body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) =
            (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str()))
        {
            response.headers_mut().append(name, value);
        }
    }
    response
}
