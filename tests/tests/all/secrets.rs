//! One recognisable secret, planted everywhere a secret goes, must never come out of `Debug`,
//! `Display` or `tracing` output at any level.

use std::io::Write;
use std::sync::{Arc, Mutex};

use feishu_im::Resources;
use feishu_im::v1::chat_members::MeJoinRequest;
use feishu_im::{Client, Credentials, RetryPolicy, Secret, UserAccessToken};
use feishu_im_tests::{Reply, TestServer, token_reply};

const SECRET: &str = "PLANTED-SECRET-7f1b8e560";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_show_in_debug_display_or_traces() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // The token endpoint hands out the secret as the tenant token; the API then rejects it.
    let server = TestServer::start(|request| {
        if request.path().starts_with("/open-apis/auth/") {
            token_reply(&format!("t-{SECRET}"), 7200)
        } else {
            Reply::code(400, 99991663, "Invalid access token for authorization")
        }
    })
    .await;
    let mut shown = String::new();
    let policy = RetryPolicy::default().with_max_attempts(2);
    let clients = [
        Client::builder(Credentials::custom_app("cli_app", SECRET)),
        Client::builder(Credentials::store_app("cli_app", SECRET)),
        Client::builder(Credentials::tenant_token(SECRET)),
    ]
    .map(|builder| {
        shown.push_str(&format!("{builder:?}"));
        builder.base_url(server.base_url()).retry_policy(policy.clone()).build().unwrap()
    });
    for client in &clients {
        client.set_app_ticket(SECRET);
        shown.push_str(&format!("{client:?}"));
        let error = client.chat_members().me_join(&MeJoinRequest::new("oc_1")).await.unwrap_err();
        shown.push_str(&format!("{error:?}\n{error}\n"));
        let error = client
            .for_tenant("tk")
            .chat_members()
            .me_join(&MeJoinRequest::new("oc_1"))
            .await
            .unwrap_err();
        shown.push_str(&format!("{error:?}\n{error}\n"));
    }
    let user = UserAccessToken::new(SECRET);
    let caller = clients[0].as_user(&user);
    shown.push_str(&format!("{user:?}{caller:?}{:?}{}", Secret::new(SECRET), Secret::new(SECRET)));
    let error = caller.chat_members().me_join(&MeJoinRequest::new("oc_1")).await.unwrap_err();
    shown.push_str(&format!("{error:?}\n{error}\n"));

    // The secret did reach the server, so the test would catch a leak.
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.header("authorization") == Some(&format!("Bearer t-{SECRET}")))
    );
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.header("authorization") == Some(&format!("Bearer {SECRET}")))
    );

    let traces = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(traces.contains("chat_members.me_join"), "tracing saw the calls:\n{traces}");
    assert!(!shown.contains(SECRET), "a secret leaked into Debug/Display:\n{shown}");
    assert!(!traces.contains(SECRET), "a secret leaked into tracing:\n{traces}");
}

#[test]
fn requests_and_credentials_print_without_secrets() {
    let shown = format!(
        "{:?} {:?}",
        Credentials::custom_app("cli_app", SECRET),
        MeJoinRequest::new("oc_1")
    );
    assert!(shown.contains("cli_app") && !shown.contains(SECRET), "{shown}");
}

/// Runs an example of `feishu-im` at the `trace` level and returns what it printed.
fn run_example(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut env = env.to_vec();
    env.push(("RUST_LOG", "trace"));
    let output = feishu_im_tests::examples::run(args, &env);
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs an example with the app's id and planted secret, against `server`.
async fn run_against(server: &TestServer, args: &'static [&'static str]) -> String {
    let base_url = server.base_url().to_owned();
    tokio::task::spawn_blocking(move || {
        run_example(
            args,
            &[
                ("FEISHU_APP_ID", "cli_app"),
                ("FEISHU_APP_SECRET", SECRET),
                ("FEISHU_BASE_URL", &base_url),
            ],
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_examples_print_no_secret_even_when_tracing_everything() {
    let server = TestServer::start(|request| {
        if request.path().starts_with("/open-apis/auth/") {
            token_reply(&format!("t-{SECRET}"), 7200)
        } else {
            Reply::code(
                400,
                232009,
                "Your request specifies a chat which has already been dissolved.",
            )
        }
    })
    .await;
    let me_join = run_against(&server, &["me_join", "--", "oc_1"]).await;
    assert!(me_join.contains("232009"), "the example ran against the server:\n{me_join}");
    assert!(me_join.contains("TRACE") || me_join.contains("DEBUG"), "tracing was on:\n{me_join}");
    assert!(!me_join.contains(SECRET), "a secret leaked from the me_join example:\n{me_join}");

    let send = run_against(&server, &["send", "--", "--chat", "oc_1", "--text", "hi"]).await;
    assert!(send.contains("232009"), "the example ran against the server:\n{send}");
    assert!(!send.contains(SECRET), "a secret leaked from the send example:\n{send}");

    // A token endpoint that refuses, echoing the secret it was sent.
    let echoing = TestServer::start(|request| {
        Reply::json(200, serde_json::json!({"code": 10003, "msg": echo(request)}))
    })
    .await;
    let me_join = run_against(&echoing, &["me_join", "--", "oc_1"]).await;
    assert!(me_join.contains("10003"), "the example ran against the server:\n{me_join}");
    assert!(echoing.requests().iter().any(|r| echo(r).contains(SECRET)));
    assert!(!me_join.contains(SECRET), "a secret echoed by the server leaked:\n{me_join}");

    let quickstart =
        tokio::task::spawn_blocking(|| run_example(&["quickstart"], &[])).await.unwrap();
    assert!(quickstart.contains("chat_members.me_join"), "{quickstart}");
    assert!(!quickstart.contains(feishu_fake::FakeFeishu::APP_SECRET), "{quickstart}");
    assert!(!quickstart.contains("Bearer"), "an Authorization header leaked:\n{quickstart}");
}

/// Every secret a request carried, as a misbehaving proxy or gateway might echo it back.
fn echo(request: &feishu_im_tests::Recorded) -> String {
    let body = request.json();
    let field = |key: &str| body.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    format!(
        "echo: secret={} ticket={} auth={} AppSecret={}",
        field("app_secret"),
        field("app_ticket"),
        request.header("authorization").unwrap_or_default(),
        field("AppSecret"),
    )
}

#[tokio::test]
async fn a_server_that_echoes_secrets_never_makes_the_client_show_them() {
    const TICKET: &str = "PLANTED-TICKET-0c2d9a";
    const USER: &str = "u-PLANTED-USER-5e7f";
    // The token endpoint refuses and echoes what it got; the API echoes the token it got in
    // every text of its answer: msg, detail, log id, and an HTML page.
    let token_server = TestServer::start(|request| {
        Reply::json(200, serde_json::json!({"code": 10003, "msg": echo(request)}))
            .with_header("x-tt-logid", &echo(request))
    })
    .await;
    let api_server = TestServer::start(|request| {
        if request.path().starts_with("/open-apis/auth/") {
            return token_reply(&format!("t-{SECRET}-tenant"), 7200);
        }
        let echoed = echo(request);
        if request.path().contains("oc_html") {
            return Reply::raw(502, "text/html", &format!("<html>{echoed}</html>"));
        }
        Reply::json(
            400,
            serde_json::json!({"code": 232009, "msg": echoed, "error": {
                "message": echoed, "troubleshooter": echoed,
                "field_violations": [{"field": "x", "value": echoed, "description": echoed}],
            }}),
        )
        .with_header("x-tt-logid", &echoed)
    })
    .await;
    let mut shown = String::new();
    for credentials in
        [Credentials::custom_app("cli_app", SECRET), Credentials::store_app("cli_app", SECRET)]
    {
        let client = Client::builder(credentials)
            .base_url(token_server.base_url())
            .retry_policy(RetryPolicy::default().with_max_attempts(1))
            .build()
            .unwrap();
        client.set_app_ticket(TICKET);
        let error = client.chat_members().me_join(&MeJoinRequest::new("oc_1")).await.unwrap_err();
        shown.push_str(&format!("{error:?}\n{error}\n"));
        let caller = client.for_tenant("tk");
        let error = caller.chat_members().me_join(&MeJoinRequest::new("oc_1")).await.unwrap_err();
        shown.push_str(&format!("{error:?}\n{error}\n"));
        let error = client.resend_app_ticket().await.unwrap_err();
        shown.push_str(&format!("{error:?}\n{error}\n"));
    }
    let client = Client::builder(Credentials::custom_app("cli_app", SECRET))
        .base_url(api_server.base_url())
        .retry_policy(RetryPolicy::default().with_max_attempts(1))
        .build()
        .unwrap();
    for chat in ["oc_1", "oc_html"] {
        let error = client.chat_members().me_join(&MeJoinRequest::new(chat)).await.unwrap_err();
        shown.push_str(&format!("{error:?}\n{error}\n"));
    }
    let user = UserAccessToken::new(USER);
    let error = client
        .as_user(&user)
        .chat_members()
        .me_join(&MeJoinRequest::new("oc_1"))
        .await
        .unwrap_err();
    shown.push_str(&format!("{error:?}\n{error}\n"));

    // The servers did echo them, so the test would catch a leak.
    let echoed: String =
        api_server.requests().iter().chain(&token_server.requests()).map(echo).collect();
    for planted in [SECRET, TICKET, USER] {
        assert!(echoed.contains(planted), "{planted} was not sent");
        assert!(!shown.contains(planted), "{planted} leaked:\n{shown}");
    }
    assert!(shown.contains("232009") && shown.contains("10003"), "{shown}");
    assert!(shown.contains("echo: secret=***"), "the rest of the msg is kept:\n{shown}");
}

#[tokio::test]
async fn a_webhook_never_shows_its_encrypt_key_or_token_from_a_body_that_echoes_them() {
    use feishu_im::receive::{Delivery, Dispatcher, HandlerError, Reply as Answer, Webhook};
    const KEY: &str = "PLANTED-ENCRYPT-KEY-91ab";
    const TOKEN: &str = "PLANTED-VERIFICATION-TOKEN-3c";
    let dispatcher =
        Dispatcher::builder(|_: Delivery| async { Ok::<_, HandlerError>(Answer::ack()) }).build();
    let hook = Webhook::builder(dispatcher).encrypt_key(KEY).verification_token(TOKEN).build();
    use feishu_im_tests::deliveries::{encrypted, envelope, signed};
    let mut shown = String::new();
    // An event whose payload does not fit its type, quoting both secrets where other types
    // are expected; and a body that is not a delivery at all.
    let event = serde_json::json!({"chat_id": [KEY, TOKEN], "after_change": KEY});
    let plain = envelope("im.chat.updated_v1", "ev_1", event, TOKEN);
    for plain in [plain, format!("{{\"{KEY}\": {TOKEN}}}")] {
        let body = encrypted(&plain, KEY);
        let error = hook.handle(&signed(&body, KEY), &body).await.unwrap_err();
        shown.push_str(&format!("{error:?}\n{error}\n"));
    }
    assert!(shown.contains("***"), "{shown}");
    assert!(!shown.contains(KEY) && !shown.contains(TOKEN), "a secret leaked:\n{shown}");
}

#[tokio::test]
async fn the_long_connection_never_shows_the_secret_a_refusal_echoes() {
    use feishu_fake::FakeFeishu;
    use feishu_im::receive::{DeliveryError, FrameKind, LongConnection};
    let server = TestServer::start(|request| {
        Reply::json(200, serde_json::json!({"code": 514, "msg": echo(request)}))
            .with_header("x-tt-logid", &echo(request))
    })
    .await;
    let error = LongConnection::builder(FakeFeishu::APP_ID, SECRET)
        .base_url(server.base_url())
        .start(|_: FrameKind, _: bytes::Bytes| async { Ok::<_, DeliveryError>(None) })
        .await
        .unwrap_err();
    let shown = format!("{error:?}\n{error}");
    assert!(server.requests().iter().map(echo).any(|e| e.contains(SECRET)));
    assert!(shown.contains("AppSecret=***"), "{shown}");
    assert!(!shown.contains(SECRET), "the secret leaked:\n{shown}");
}
