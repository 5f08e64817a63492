//! A bot that answers each text message with its text, as a reply in the message's thread.
//!
//! ```sh
//! cargo run -p feishu-im-examples --example echo_bot   # offline, against the fake
//! FEISHU_APP_ID=cli_… FEISHU_APP_SECRET=… FEISHU_ENCRYPT_KEY=… FEISHU_VERIFICATION_TOKEN=… \
//!     cargo run -p feishu-im-examples --example echo_bot -- --webhook 127.0.0.1:8080
//! ```
//!
//! With `--webhook ADDR` it serves Feishu's event deliveries on `http://ADDR/` (point the app's
//! request URL there): it answers `url_verification`, verifies each delivery's signature and
//! token, decrypts it, handles a re-delivered message once, and replies through the API
//! (`FEISHU_BASE_URL` is optional). Without it, it runs the same bot against the offline fake:
//! a user says something, the bot echoes it, and the chat is printed.
//! The Encrypt Key and the verification token are never printed or logged.

use feishu_im_examples as support;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use feishu_im::Resources;
use feishu_im::events::Event;
use feishu_im::receive::{Delivery, Dispatcher, HandlerError, Reply, Webhook};
use feishu_im::v1::messages::ReplyRequest;
use feishu_im::{Client, Credentials, MessageContent, MessagePartyType, ReceivedContent};
use tokio::net::TcpListener;

const USAGE: &str = "usage: echo_bot [--webhook <host:port>]
with --webhook: FEISHU_APP_ID, FEISHU_APP_SECRET, FEISHU_ENCRYPT_KEY and FEISHU_VERIFICATION_TOKEN
optional: FEISHU_BASE_URL (default https://open.feishu.cn)";

/// Echoes a user's text message as a reply in its thread; everything else is acknowledged.
async fn echo(client: Arc<Client>, delivery: Delivery) -> Result<Reply, HandlerError> {
    let Event::MessageReceiveV1(received) = &delivery.event else { return Ok(Reply::ack()) };
    if received.sender.sender_type == MessagePartyType::Bot {
        return Ok(Reply::ack());
    }
    let ReceivedContent::Text(text) = received.message.content()? else {
        return Ok(Reply::ack());
    };
    let answer = MessageContent::text(format!("echo: {}", text.text));
    let request = ReplyRequest::new(&received.message.message_id, answer).reply_in_thread(true);
    client.messages().reply(&request).await?;
    Ok(Reply::ack())
}

/// The bot's webhook: deliveries go to `echo` with `client`.
fn webhook(client: Client, encrypt_key: String, verification_token: String) -> Webhook {
    let client = Arc::new(client);
    let dispatcher = Dispatcher::builder(move |delivery| echo(client.clone(), delivery)).build();
    Webhook::builder(dispatcher)
        .encrypt_key(encrypt_key)
        .verification_token(verification_token)
        .build()
}

#[tokio::main]
async fn main() -> ExitCode {
    support::log_to_stderr();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => offline().await,
        [flag, address] if flag == "--webhook" => serve(address).await,
        _ => support::usage_error("unexpected arguments", USAGE),
    }
}

/// Serves Feishu's deliveries until Ctrl-C.
async fn serve(address: &str) -> ExitCode {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(id), Some(secret), Some(key), Some(token)) = (
        env("FEISHU_APP_ID"),
        env("FEISHU_APP_SECRET"),
        env("FEISHU_ENCRYPT_KEY"),
        env("FEISHU_VERIFICATION_TOKEN"),
    ) else {
        return support::usage_error(
            "set FEISHU_APP_ID, FEISHU_APP_SECRET, FEISHU_ENCRYPT_KEY and FEISHU_VERIFICATION_TOKEN",
            USAGE,
        );
    };
    let mut builder = Client::builder(Credentials::custom_app(id, secret));
    if let Some(url) = env("FEISHU_BASE_URL") {
        builder = builder.base_url(url);
    }
    let client = match builder.build() {
        Ok(client) => client,
        Err(error) => return support::usage_error(&error.to_string(), USAGE),
    };
    let listener = match TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => {
            return support::usage_error(&format!("cannot listen on {address}: {error}"), USAGE);
        }
    };
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    println!("echo_bot: serving deliveries on http://{local}/");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match feishu_im::receive::serve(listener, webhook(client, key, token), shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: the server stopped: {error}");
            ExitCode::from(1)
        }
    }
}

/// The same bot against the offline fake: a user speaks, the bot echoes in the thread.
async fn offline() -> ExitCode {
    use feishu_fake::{ChatSeed, FakeFeishu, WebhookSubscription};
    use feishu_im::v1::messages::ListRequest;

    let fake = FakeFeishu::start().await;
    let alice = fake.add_user("alice", "Alice");
    fake.seed_chat(ChatSeed::public("oc_echo").members([alice.as_str(), FakeFeishu::APP_ID]));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let url = format!("http://{}/", listener.local_addr().expect("bound"));
    let (key, token) = ("offline-encrypt-key", "offline-verification-token");
    let bot = webhook(fake.client(), key.into(), token.into());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(feishu_im::receive::serve(listener, bot, async {
        let _ = stopped.await;
    }));
    fake.subscribe_webhook(WebhookSubscription::new(url, token).encrypt_key(key));

    let said = fake.user_says("oc_echo", &alice, "hello, bot");
    println!("alice said \"hello, bot\" ({said}); the fake delivered im.message.receive_v1");
    let client = fake.client();
    let mut echoed = None;
    for _ in 0..100 {
        let listed = client
            .messages()
            .list(&ListRequest::new(feishu_im::ContainerIdType::Chat, "oc_echo"))
            .await;
        let items = listed.map(|page| page.items).unwrap_or_default();
        echoed = items.into_iter().find(|m| m.parent_id.as_deref() == Some(said.as_str()));
        if echoed.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop.send(());
    let _ = server.await;
    for record in fake.deliveries() {
        println!("delivery {} {}: HTTP {}", record.event_id, record.event_type, record.status);
    }
    match echoed.map(|m| m.content()) {
        Some(Ok(content)) => {
            println!("the bot replied in the thread: {content:?}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("error: the bot did not reply");
            ExitCode::from(1)
        }
    }
}
