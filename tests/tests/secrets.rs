//! One recognisable secret, planted everywhere a secret goes, must never come out of `Debug`,
//! `Display` or `tracing` output at any level.

use std::io::Write;
use std::sync::{Arc, Mutex};

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
    let base_url = server.base_url().to_owned();
    let me_join = tokio::task::spawn_blocking(move || {
        run_example(
            &["me_join", "--", "oc_1"],
            &[
                ("FEISHU_APP_ID", "cli_app"),
                ("FEISHU_APP_SECRET", SECRET),
                ("FEISHU_BASE_URL", &base_url),
            ],
        )
    })
    .await
    .unwrap();
    assert!(me_join.contains("232009"), "the example ran against the server:\n{me_join}");
    assert!(me_join.contains("TRACE") || me_join.contains("DEBUG"), "tracing was on:\n{me_join}");
    assert!(!me_join.contains(SECRET), "a secret leaked from the me_join example:\n{me_join}");

    let base_url = server.base_url().to_owned();
    let send = tokio::task::spawn_blocking(move || {
        run_example(
            &["send", "--", "--chat", "oc_1", "--text", "hi"],
            &[
                ("FEISHU_APP_ID", "cli_app"),
                ("FEISHU_APP_SECRET", SECRET),
                ("FEISHU_BASE_URL", &base_url),
            ],
        )
    })
    .await
    .unwrap();
    assert!(send.contains("232009"), "the example ran against the server:\n{send}");
    assert!(!send.contains(SECRET), "a secret leaked from the send example:\n{send}");

    let quickstart =
        tokio::task::spawn_blocking(|| run_example(&["quickstart"], &[])).await.unwrap();
    assert!(quickstart.contains("chat_members.me_join"), "{quickstart}");
    assert!(!quickstart.contains(feishu_im::fake::FakeFeishu::APP_SECRET), "{quickstart}");
    assert!(!quickstart.contains("Bearer"), "an Authorization header leaked:\n{quickstart}");
}
