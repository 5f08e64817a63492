//! The runtime against loopback servers, one scripted fault at a time. Each test checks the
//! outcome, the number of attempts and the number of token fetches.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use feishu_fake::{ChatSeed, FakeFeishu, Fault};
use feishu_im::Resources;
use feishu_im::v1::chat_members::{CreateRequest, IsInChatRequest, MeJoinRequest};
use feishu_im::{
    AuthErrorKind, Client, Credentials, Error, ErrorCode, RetryPolicy, UserAccessToken,
};
use feishu_im_tests::{Reply, TestServer, token_reply};
use serde_json::json;

const TENANT_TOKENS: &str = "/open-apis/auth/v3/tenant_access_token/internal";
const ME_JOIN: &str = "/open-apis/im/v1/chats/oc_1/members/me_join";

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(20))
        .with_max_rate_limit_wait(Duration::from_secs(2))
        .with_max_elapsed(Duration::from_secs(10))
}

fn app_client(server: &TestServer) -> Client {
    Client::builder(Credentials::custom_app("cli_test", "app-secret"))
        .base_url(server.base_url())
        .retry_policy(fast_retries())
        .timeout(Duration::from_millis(1500))
        .build()
        .unwrap()
}

/// A builder for a client of `server` that never retries.
fn no_retries(server: &TestServer) -> feishu_im::ClientBuilder {
    Client::builder(Credentials::custom_app("cli_test", "app-secret"))
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::disabled())
}

/// A handler that answers the n-th API request (0-based) with `script[n]`, then success.
fn scripted(script: Vec<Reply>) -> impl Fn(&feishu_im_tests::Recorded) -> Reply + Send + Sync {
    let calls = AtomicUsize::new(0);
    move |_| {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        script.get(n).cloned().unwrap_or_else(|| Reply::ok(json!({})))
    }
}

async fn me_join(client: &Client) -> Result<(), Error> {
    client.chat_members().me_join(&MeJoinRequest::new("oc_1")).await.map(drop)
}

#[tokio::test]
async fn http_429_waits_for_the_reset_header_then_succeeds() {
    let limited = Reply::code(429, 99991400, "request trigger frequency limit")
        .with_header("x-ogw-ratelimit-limit", "50")
        .with_header("x-ogw-ratelimit-reset", "1");
    let server = TestServer::with_tokens(scripted(vec![limited])).await;
    let started = std::time::Instant::now();
    me_join(&app_client(&server)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900), "waited {:?}", started.elapsed());
    assert_eq!(server.count(ME_JOIN), 2);
    assert_eq!(server.count(TENANT_TOKENS), 1);
}

#[tokio::test]
async fn chat_rate_limit_232019_at_400_is_retried_with_backoff() {
    let fake = FakeFeishu::start().await;
    fake.seed_chat(ChatSeed::public("oc_1"));
    fake.inject("chat_members.me_join", Fault::Code(ErrorCode::ChatRateLimited));
    me_join(&fake.client()).await.unwrap();
    assert_eq!(fake.calls("chat_members.me_join"), 2);
    assert_eq!(fake.token_requests(), 1);
}

#[tokio::test]
async fn rate_limit_99991400_at_400_is_retried_even_for_unsafe_requests() {
    let server = TestServer::with_tokens(scripted(vec![Reply::code(
        400,
        99991400,
        "request trigger frequency limit",
    )]))
    .await;
    let client = app_client(&server);
    client.chat_members().create(&CreateRequest::new("oc_1", ["ou_1"])).await.unwrap();
    assert_eq!(server.count("/open-apis/im/v1/chats/oc_1/members"), 2);
    assert_eq!(server.count(TENANT_TOKENS), 1);
}

#[tokio::test]
async fn rate_limits_stop_after_max_attempts() {
    let server =
        TestServer::with_tokens(|_| Reply::code(400, 232019, "The request has been rate limited."))
            .await;
    let error = me_join(&app_client(&server)).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::ChatRateLimited));
    assert!(error.is_retryable() && error.is_rate_limited());
    assert_eq!(server.count(ME_JOIN), 3);
}

#[tokio::test]
async fn invalid_tenant_token_at_200_refetches_and_retries_once() {
    let server = TestServer::with_tokens(scripted(vec![Reply::code(
        200,
        99991663,
        "Invalid access token for authorization",
    )]))
    .await;
    me_join(&app_client(&server)).await.unwrap();
    let requests = server.api_requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(server.count(TENANT_TOKENS), 2);
    assert_eq!(requests[0].header("authorization"), Some("Bearer t-test-token-1"));
    assert_eq!(
        requests[1].header("authorization"),
        Some("Bearer t-test-token-2"),
        "a new token, not the stale one"
    );
}

#[tokio::test]
async fn invalid_token_retry_happens_only_once() {
    let server =
        TestServer::with_tokens(|_| Reply::code(401, 99991677, "Authentication token expired"))
            .await;
    let error = me_join(&app_client(&server)).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::TokenExpired));
    assert_eq!(server.count(ME_JOIN), 2);
    assert_eq!(server.count(TENANT_TOKENS), 2);
}

#[tokio::test]
async fn user_token_failures_go_back_to_the_caller() {
    let server =
        TestServer::start(|_| Reply::code(400, 99991677, "Authentication token expired")).await;
    let client = Client::builder(Credentials::None)
        .base_url(server.base_url())
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let user = UserAccessToken::new("u-user-token");
    let error = client
        .as_user(&user)
        .chat_members()
        .me_join(&MeJoinRequest::new("oc_1"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::TokenExpired));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("authorization"), Some("Bearer u-user-token"));
}

#[tokio::test]
async fn a_503_then_success_is_retried_for_safe_requests_only() {
    let fake = FakeFeishu::start().await;
    fake.seed_chat(ChatSeed::public("oc_1"));
    fake.inject("chat_members.me_join", Fault::Status(503));
    me_join(&fake.client()).await.unwrap();
    assert_eq!(fake.calls("chat_members.me_join"), 2);
    assert_eq!(fake.token_requests(), 1);

    let server =
        TestServer::with_tokens(scripted(vec![Reply::raw(503, "text/plain", "busy")])).await;
    let error = app_client(&server)
        .chat_members()
        .create(&CreateRequest::new("oc_1", ["ou_1"]))
        .await
        .unwrap_err();
    assert!(matches!(&error, Error::Decode(d) if d.http_status == 503), "{error}");
    assert_eq!(server.api_requests().len(), 1, "POST is not safe to repeat");
    assert_eq!(server.count(TENANT_TOKENS), 1);
}

#[tokio::test]
async fn an_html_body_is_a_decode_error_and_not_retried_below_500() {
    let server =
        TestServer::with_tokens(|_| Reply::raw(404, "text/html", "<html>Not Found</html>")).await;
    let error = me_join(&app_client(&server)).await.unwrap_err();
    let Error::Decode(decode) = &error else { panic!("{error}") };
    assert_eq!((decode.http_status, decode.body_snippet.as_str()), (404, "<html>Not Found</html>"));
    assert_eq!(server.count(ME_JOIN), 1);
    assert_eq!(server.count(TENANT_TOKENS), 1);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let server = TestServer::with_tokens(|_| {
        Reply::raw(200, "application/json", r#"{"code":0,"data":{"is_in_chat":tr"#)
    })
    .await;
    let error = app_client(&server)
        .chat_members()
        .is_in_chat(&IsInChatRequest::new("oc_1"))
        .await
        .unwrap_err();
    assert!(matches!(&error, Error::Decode(d) if d.http_status == 200), "{error}");
    assert_eq!(server.api_requests().len(), 1);
}

#[tokio::test]
async fn a_slow_response_times_out_and_is_retried_for_safe_requests() {
    let slow = Reply::ok(json!({})).delayed(Duration::from_secs(4));
    let server = TestServer::with_tokens(scripted(vec![slow])).await;
    me_join(&app_client(&server)).await.unwrap();
    assert_eq!(server.count(ME_JOIN), 2);

    let server =
        TestServer::with_tokens(move |_| Reply::ok(json!({})).delayed(Duration::from_secs(4)))
            .await;
    let client = Client::builder(Credentials::custom_app("cli_test", "app-secret"))
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::disabled())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = me_join(&client).await.unwrap_err();
    assert!(matches!(error, Error::Timeout(_)), "{error}");
    assert!(error.is_retryable());
    assert_eq!(server.count(ME_JOIN), 1);
}

#[tokio::test]
async fn a_dropped_connection_is_a_transport_error_retried_for_safe_requests() {
    let server = TestServer::with_tokens(scripted(vec![Reply::Drop])).await;
    me_join(&app_client(&server)).await.unwrap();
    assert_eq!(server.count(ME_JOIN), 2);

    let server = TestServer::with_tokens(|_| Reply::Drop).await;
    let error = app_client(&server)
        .chat_members()
        .create(&CreateRequest::new("oc_1", ["ou_1"]))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error}");
    assert_eq!(server.api_requests().len(), 1);
    assert_eq!(server.count(TENANT_TOKENS), 1);
}

#[tokio::test]
async fn a_failing_token_endpoint_gives_an_auth_error_and_caches_nothing() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = fetches.clone();
    let server = TestServer::start(move |request| {
        if request.path() == TENANT_TOKENS {
            if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                Reply::code(400, 99991543, "app_id or app_secret is invalid")
            } else {
                token_reply("t-good", 7200)
            }
        } else {
            Reply::ok(json!({}))
        }
    })
    .await;
    let client = app_client(&server);
    let error = me_join(&client).await.unwrap_err();
    let Error::Auth(auth) = &error else { panic!("{error}") };
    assert_eq!(auth.kind, AuthErrorKind::TokenRequestRejected);
    assert_eq!(auth.code, Some(ErrorCode::AppCredentialsInvalid));
    assert_eq!(auth.msg, "app_id or app_secret is invalid");
    assert_eq!(server.count(ME_JOIN), 0);

    me_join(&client).await.unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    assert_eq!(server.api_requests()[0].header("authorization"), Some("Bearer t-good"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_on_a_cold_client_fetch_one_token() {
    let server = TestServer::with_tokens(|_| Reply::ok(json!({}))).await;
    // The default timeouts: the point is the single token fetch, not speed on a busy machine.
    let client = Client::builder(Credentials::custom_app("cli_test", "app-secret"))
        .base_url(server.base_url())
        .build()
        .unwrap();
    let calls = (0..1000).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { me_join(&client).await })
    });
    for call in futures_util::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(server.count(TENANT_TOKENS), 1);
    assert_eq!(server.count(ME_JOIN), 1000);
}

#[tokio::test]
async fn two_clients_never_share_a_token() {
    let server = TestServer::start(|request| {
        if request.path() == TENANT_TOKENS {
            let token =
                if request.json()["app_secret"] == "secret-a" { "t-for-a" } else { "t-for-b" };
            token_reply(token, 7200)
        } else {
            Reply::ok(json!({}))
        }
    })
    .await;
    let client = |secret: &str| {
        Client::builder(Credentials::custom_app("cli_same_app", secret))
            .base_url(server.base_url())
            .build()
            .unwrap()
    };
    me_join(&client("secret-a")).await.unwrap();
    me_join(&client("secret-b")).await.unwrap();
    let auth: Vec<_> = server
        .api_requests()
        .iter()
        .map(|r| r.header("authorization").unwrap().to_owned())
        .collect();
    assert_eq!(auth, ["Bearer t-for-a", "Bearer t-for-b"]);
}

#[tokio::test]
async fn tokens_refresh_before_they_expire() {
    let server = TestServer::start({
        let issued = AtomicUsize::new(0);
        move |request| {
            if request.path() == TENANT_TOKENS {
                let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                token_reply(&format!("t-short-{n}"), 1)
            } else {
                Reply::ok(json!({}))
            }
        }
    })
    .await;
    let client = app_client(&server);
    me_join(&client).await.unwrap();
    me_join(&client).await.unwrap();
    assert_eq!(server.count(TENANT_TOKENS), 1, "still fresh");
    tokio::time::sleep(Duration::from_millis(600)).await;
    me_join(&client).await.unwrap();
    assert_eq!(server.count(TENANT_TOKENS), 2, "refreshed within the margin, before expiry");
}

#[tokio::test]
async fn store_apps_need_a_ticket_and_cache_tenant_tokens_per_tenant() {
    let server = TestServer::start(|request| match request.path() {
        "/open-apis/auth/v3/app_access_token" => {
            assert_eq!(request.json()["app_ticket"], "ticket-1");
            token_reply("a-app-token", 7200)
        }
        "/open-apis/auth/v3/tenant_access_token" => {
            assert_eq!(request.json()["app_access_token"], "a-app-token");
            let tenant = request.json()["tenant_key"].as_str().unwrap().to_owned();
            token_reply(&format!("t-{tenant}"), 7200)
        }
        "/open-apis/auth/v3/app_ticket/resend" => Reply::json(200, json!({"code": 0, "msg": "ok"})),
        _ => Reply::ok(json!({})),
    })
    .await;
    let client = Client::builder(Credentials::store_app("cli_isv", "isv-secret"))
        .base_url(server.base_url())
        .build()
        .unwrap();

    let error = client
        .for_tenant("tenant-a")
        .chat_members()
        .me_join(&MeJoinRequest::new("oc_1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Auth(a) if a.kind == AuthErrorKind::MissingAppTicket),
        "{error}"
    );
    client.resend_app_ticket().await.unwrap();
    assert_eq!(server.count("/open-apis/auth/v3/app_ticket/resend"), 1);

    client.set_app_ticket("ticket-1");
    for tenant in ["tenant-a", "tenant-b", "tenant-a"] {
        client
            .for_tenant(tenant)
            .chat_members()
            .me_join(&MeJoinRequest::new("oc_1"))
            .await
            .unwrap();
    }
    let auth: Vec<_> = server
        .api_requests()
        .iter()
        .map(|r| r.header("authorization").unwrap().to_owned())
        .collect();
    assert_eq!(auth, ["Bearer t-tenant-a", "Bearer t-tenant-b", "Bearer t-tenant-a"]);
    assert_eq!(server.count("/open-apis/auth/v3/app_access_token"), 1);
    assert_eq!(server.count("/open-apis/auth/v3/tenant_access_token"), 2);

    // Without a tenant, a store app cannot send a tenant token: refused before sending.
    let error = me_join(&client).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error}");
}

#[tokio::test]
async fn a_token_type_the_endpoint_does_not_accept_is_refused_before_sending() {
    let server = TestServer::start(|_| Reply::ok(json!({}))).await;
    let client = Client::builder(Credentials::None).base_url(server.base_url()).build().unwrap();
    let error = me_join(&client).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn redirects_are_not_followed_so_the_token_stays_home() {
    let elsewhere = TestServer::start(|_| Reply::ok(json!({}))).await;
    let target = format!("{}/steal", elsewhere.base_url());
    let server = TestServer::with_tokens(move |_| {
        Reply::raw(302, "text/plain", "").with_header("location", &target)
    })
    .await;
    let error = me_join(&app_client(&server)).await.unwrap_err();
    assert!(matches!(&error, Error::Decode(d) if d.http_status == 302), "{error}");
    assert!(elsewhere.requests().is_empty());
}

#[test]
fn the_client_is_cheap_to_clone_and_shareable_across_threads() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<Client>();
    fn sendable<T: Send + Sync + std::error::Error + 'static>() {}
    sendable::<Error>();
    assert!(std::mem::size_of::<Client>() <= std::mem::size_of::<usize>(), "one Arc");
}

#[tokio::test]
async fn a_token_fetch_that_fails_in_transit_is_retried() {
    let fetches = AtomicUsize::new(0);
    let server = TestServer::start(move |request| {
        if request.path() == TENANT_TOKENS {
            match fetches.fetch_add(1, Ordering::SeqCst) {
                0 => Reply::Drop,
                1 => Reply::raw(503, "text/html", "<html>busy</html>"),
                _ => token_reply("t-third-time", 7200),
            }
        } else {
            Reply::ok(json!({}))
        }
    })
    .await;
    let client = app_client(&server);
    client.chat_members().create(&CreateRequest::new("oc_1", ["ou_1"])).await.unwrap();
    assert_eq!(server.count(TENANT_TOKENS), 3);
    assert_eq!(server.api_requests().len(), 1);
    assert_eq!(server.api_requests()[0].header("authorization"), Some("Bearer t-third-time"));
}

/// A server that never finishes answering the API, and a retry policy whose whole-call bound
/// is far below the per-request timeout: the call ends at the bound, with a timeout error.
#[tokio::test]
async fn a_stalled_server_is_bounded_by_the_whole_call_limit() {
    let stalled = Reply::ok(json!({})).delayed(Duration::from_secs(30));
    let server = TestServer::with_tokens(move |_| stalled.clone()).await;
    let client = Client::builder(Credentials::custom_app("cli_test", "app-secret"))
        .base_url(server.base_url())
        .retry_policy(fast_retries().with_max_elapsed(Duration::from_millis(300)))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let error = me_join(&client).await.unwrap_err();
    let Error::Timeout(timeout) = &error else { panic!("{error}") };
    assert!(timeout.source_text.contains("max_elapsed"), "{error}");
    assert_eq!(server.count(ME_JOIN), 1, "no attempt starts after the bound");
}

#[tokio::test]
async fn a_stalled_token_endpoint_is_bounded_too() {
    let server = TestServer::start(|request| {
        if request.path().starts_with("/open-apis/auth/") {
            token_reply("t-slow", 7200).delayed(Duration::from_secs(30))
        } else {
            Reply::ok(json!({}))
        }
    })
    .await;
    let client = Client::builder(Credentials::custom_app("cli_test", "app-secret"))
        .base_url(server.base_url())
        .retry_policy(fast_retries().with_max_elapsed(Duration::from_millis(300)))
        .build()
        .unwrap();
    let error = me_join(&client).await.unwrap_err();
    assert!(matches!(&error, Error::Timeout(_)), "{error}");
    assert_eq!(server.count(ME_JOIN), 0);
}

#[tokio::test]
async fn retry_after_is_honoured_like_the_reset_header() {
    let limited = Reply::raw(429, "text/plain", "slow down").with_header("retry-after", "1");
    let server = TestServer::with_tokens(scripted(vec![limited])).await;
    let client = no_retries(&server).build().unwrap();
    let error = me_join(&client).await.unwrap_err();
    assert!(error.is_rate_limited(), "{error}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    me_join(&app_client(&server)).await.unwrap();
}

#[tokio::test]
async fn a_huge_body_is_refused_at_the_limit() {
    let huge = format!(r#"{{"code":0,"msg":"ok","data":{{"pad":"{}"}}}}"#, "x".repeat(3 << 20));
    let server = TestServer::with_tokens(move |_| Reply::raw(200, "application/json", &huge)).await;
    let client = no_retries(&server).max_response_bytes(1 << 20).build().unwrap();
    let error = me_join(&client).await.unwrap_err();
    let Error::Decode(decode) = &error else { panic!("{error}") };
    assert!(decode.reason.contains("larger than 1048576 bytes"), "{}", decode.reason);
    assert_eq!(decode.http_status, 200);
    // The default limit reads it.
    me_join(&app_client(&server)).await.unwrap();
}

#[tokio::test]
async fn a_deeply_nested_body_is_reported_as_too_deep() {
    let deep = format!(r#"{{"code":0,"msg":"ok","data":{}"#, "[".repeat(100_000));
    let server = TestServer::with_tokens(move |_| Reply::raw(200, "application/json", &deep)).await;
    let error = me_join(&app_client(&server)).await.unwrap_err();
    let Error::Decode(decode) = &error else { panic!("{error}") };
    assert!(decode.reason.contains("deeper than 128 levels"), "{}", decode.reason);
    assert!(decode.body_snippet.len() <= 512 + 8);
}

#[tokio::test]
async fn token_fetch_errors_name_the_token_operation() {
    let server = TestServer::start(|request| {
        if request.path().starts_with("/open-apis/auth/") {
            Reply::raw(502, "text/html", "<html>bad gateway</html>")
        } else {
            Reply::ok(json!({}))
        }
    })
    .await;
    let client = no_retries(&server).build().unwrap();
    let error = me_join(&client).await.unwrap_err();
    let Error::Decode(decode) = &error else { panic!("{error}") };
    assert_eq!(decode.operation, "auth.tenant_access_token");
    assert_eq!(decode.http_status, 502);
}
