//! Support for the workspace tests: a scripted HTTP server on `127.0.0.1` that records every
//! request, built on the HTTP server of `feishu_fake`, a harness that builds generated
//! code as crates, a runner for the examples, a real Redis for the tests of shared state, and
//! the public-API listing of each published crate.

pub mod deliveries;
pub mod examples;
pub use feishu_im_generated_crates as generated_crates;
pub mod redis;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use feishu_fake::http::HttpServer;
pub use feishu_fake::http::{HttpReply as Reply, HttpRequest as Recorded};

/// A loopback HTTP server that records requests and answers through a handler.
pub struct TestServer {
    server: HttpServer,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl TestServer {
    /// Starts on `127.0.0.1:0`.
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        let server = HttpServer::start(move |request| {
            recorded.lock().unwrap().push(request.clone());
            handler(request)
        })
        .await
        .expect("bind loopback");
        TestServer { server, requests }
    }

    /// A server that answers token requests (`/open-apis/auth/…`) with fresh tokens
    /// `t-test-token-<n>` and everything else with `reply`.
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
        self.server.base_url()
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

/// The fixture specs under `tests/fixtures/`, one per shape the generator handles, sorted.
pub fn fixtures() -> Vec<(String, std::path::PathBuf)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut fixtures: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/fixtures exists")
        .map(|entry| entry.expect("readable fixture").path())
        .filter(|path| path.is_dir())
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), path))
        .collect();
    fixtures.sort();
    fixtures
}

/// A small valid spec of one resource, one enum, one error table and one rate-limit class,
/// for tests to break in one place.
pub const SAMPLE_SPEC: &str = r#"rate_limits:
  default:
    doc: Sample limit.
    per_minute: 10
    per_second: 1
enums:
  id_kind:
    doc: Kinds of ids.
    type: string
    values:
      - value: open_id
        doc: Per-app id.
error_table:
  name: sample
  doc: Sample codes.
  codes:
    - code: 100001
      name: thing_missing
      status: 400
      msg: Missing.
      hint: Check the id.
      retry: never
resource:
  name: things
  service: sample
  version: v1
  doc: Things.
  endpoints:
    touch:
      summary: Touches a thing.
      docs: https://example.com/touch
      method: PATCH
      path: /open-apis/sample/v1/things/:thing_id
      tokens: [tenant]
      app_types: [custom]
      scopes: [sample:thing]
      rate_limit: default
      path_params:
        thing_id:
          type: string
          doc: The thing.
      query:
        id_kind:
          type: id_kind
          default: open_id
          doc: Which ids.
      errors: [100001]
"#;

/// Posts `body` with `content_type` to `path` of a fake Feishu at `base`, with a tenant token
/// of the fake's app, as a hand-written client would; the JSON answer.
pub async fn post_raw(
    base: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> serde_json::Value {
    let http = reqwest::Client::new();
    let send = |request: reqwest::RequestBuilder| async move {
        let bytes = request.send().await.expect("the fake answers").bytes().await.expect("a body");
        serde_json::from_slice::<serde_json::Value>(&bytes).expect("a JSON answer")
    };
    let credentials = serde_json::json!({
        "app_id": feishu_fake::FakeFeishu::APP_ID,
        "app_secret": feishu_fake::FakeFeishu::APP_SECRET,
    });
    let token = send(
        http.post(format!("{base}/open-apis/auth/v3/tenant_access_token/internal"))
            .header("content-type", "application/json")
            .body(credentials.to_string()),
    )
    .await;
    let token = token["tenant_access_token"].as_str().expect("a tenant token").to_owned();
    send(
        http.post(format!("{base}{path}"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body),
    )
    .await
}
