//! Receiving: the fake delivers events to a real webhook server on 127.0.0.1, signed and
//! encrypted as Feishu does; the webhook verifies, decrypts, deduplicates and dispatches them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use feishu_fake::{ChatSeed, DeliveryFault, FakeFeishu, WebhookSubscription};
use feishu_im::Resources;
use feishu_im::events::Event;
use feishu_im::receive::{
    Delivery, Dispatcher, HandlerError, MemoryDedup, ReceiveError, Received, Reply, Webhook,
};
use feishu_im::v1::chat_members::CreateRequest;
use feishu_im::v1::chats::DeleteRequest;
use feishu_im_tests::deliveries::{encrypted, envelope, signed};
use serde_json::json;
use tokio::net::TcpListener;

const KEY: &str = "test-encrypt-key-1";
const TOKEN: &str = "test-verification-token";
const WAIT: Duration = Duration::from_secs(10);

/// A webhook server on loopback that records each delivery its handler sees.
struct Bot {
    url: String,
    seen: Arc<Mutex<Vec<Delivery>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Bot {
    async fn start(webhook: impl FnOnce(Dispatcher) -> Webhook) -> Bot {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let dispatcher = Dispatcher::builder(move |delivery: Delivery| {
            let record = record.clone();
            async move {
                let answer = match &delivery.event {
                    Event::CardActionTrigger(_) => Some(json!({
                        "toast": {"type": "success", "content": "clicked"},
                    })),
                    _ => None,
                };
                record.lock().unwrap().push(delivery);
                Ok::<_, HandlerError>(match answer {
                    Some(answer) => Reply::answer(&answer)?,
                    None => Reply::ack(),
                })
            }
        })
        .build();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server =
            tokio::spawn(feishu_im::receive::serve(listener, webhook(dispatcher), async {
                let _ = stopped.await;
            }));
        Bot { url, seen, stop: Some(stop), server }
    }

    async fn secure() -> Bot {
        Bot::start(|d| Webhook::builder(d).encrypt_key(KEY).verification_token(TOKEN).build()).await
    }

    fn subscription(&self) -> WebhookSubscription {
        WebhookSubscription::new(&self.url, TOKEN).encrypt_key(KEY)
    }

    async fn wait_seen(&self, count: usize) -> Vec<Delivery> {
        for _ in 0..500 {
            let seen = self.seen.lock().unwrap().clone();
            if seen.len() >= count {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.seen.lock().unwrap().clone()
    }

    async fn stop(mut self) -> Vec<Delivery> {
        let _ = self.stop.take().unwrap().send(());
        self.server.await.unwrap().unwrap();
        self.seen.lock().unwrap().clone()
    }
}

fn message_ids(seen: &[Delivery]) -> Vec<String> {
    seen.iter()
        .filter_map(|d| match &d.event {
            Event::MessageReceiveV1(m) => Some(m.message.message_id.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_users_message_arrives_typed_once_even_when_delivered_twice() {
    let fake = FakeFeishu::start().await;
    let alice = fake.add_user("alice", "Alice");
    fake.seed_chat(ChatSeed::public("oc_ev").members([alice.as_str(), FakeFeishu::APP_ID]));
    let bot = Bot::secure().await;
    fake.subscribe_webhook(bot.subscription());

    fake.delivery_fault(DeliveryFault::Duplicate);
    let first = fake.user_says("oc_ev", &alice, "hello");
    let second = fake.user_says("oc_ev", &alice, "again");
    let log = fake.wait_for_deliveries(3, WAIT).await;
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(log.iter().all(|r| r.status == 200), "{log:?}");
    assert_eq!(log[0].event_id, log[1].event_id, "a re-delivery keeps its event id");

    let seen = bot.stop().await;
    assert_eq!(message_ids(&seen), [first, second], "each message handled once, in order");
    let Event::MessageReceiveV1(received) = &seen[0].event else { panic!() };
    assert_eq!(
        received.sender.sender_id.as_ref().unwrap().open_id.as_deref(),
        Some(alice.as_str())
    );
    assert_eq!(received.message.chat_id, "oc_ev");
    let content = received.message.content().unwrap();
    assert_eq!(format!("{content:?}"), r#"Text(TextReceivedContent { text: "hello" })"#);
    assert_eq!(seen[0].header.app_id, FakeFeishu::APP_ID);
    assert!(seen[0].header.create_time.is_some());
}

#[tokio::test]
async fn bad_signatures_and_stale_timestamps_are_refused_and_the_retry_is_handled() {
    let fake = FakeFeishu::start().await;
    let alice = fake.add_user("alice", "Alice");
    fake.seed_chat(ChatSeed::public("oc_ev").members([alice.as_str(), FakeFeishu::APP_ID]));
    let bot = Bot::secure().await;
    fake.subscribe_webhook(bot.subscription());

    fake.delivery_fault(DeliveryFault::BadSignature);
    fake.delivery_fault(DeliveryFault::Stale(Duration::from_secs(3600)));
    let first = fake.user_says("oc_ev", &alice, "one");
    fake.user_says("oc_ev", &alice, "two");
    let log = fake.wait_for_deliveries(3, WAIT).await;
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401, 200, 401], "{log:?}");
    assert!(log[2].body.contains("timestamp"), "{}", log[2].body);
    assert!(!log.iter().any(|r| r.body.contains(KEY) || r.body.contains(TOKEN)));
    assert_eq!(message_ids(&bot.stop().await), [first]);
}

#[tokio::test]
async fn out_of_order_and_late_deliveries_each_arrive_once() {
    let fake = FakeFeishu::start().await;
    let alice = fake.add_user("alice", "Alice");
    fake.seed_chat(ChatSeed::public("oc_ev").members([alice.as_str(), FakeFeishu::APP_ID]));
    let bot = Bot::secure().await;
    fake.subscribe_webhook(bot.subscription());
    fake.delivery_fault(DeliveryFault::OutOfOrder);
    fake.delivery_fault(DeliveryFault::Late(Duration::from_millis(200)));
    let a = fake.user_says("oc_ev", &alice, "a");
    let b = fake.user_says("oc_ev", &alice, "b");
    let c = fake.user_says("oc_ev", &alice, "c");
    bot.wait_seen(3).await;
    assert_eq!(message_ids(&bot.stop().await), [b, a, c]);
}

#[tokio::test]
async fn member_and_chat_changes_arrive_as_typed_events() {
    let fake = FakeFeishu::start().await;
    let owner = fake.add_user("owner", "Owner");
    let bob = fake.add_user("bob", "Bob");
    fake.seed_chat(
        ChatSeed::public("oc_team")
            .owner(FakeFeishu::APP_ID)
            .members([owner.as_str(), FakeFeishu::APP_ID]),
    );
    let bot = Bot::secure().await;
    fake.subscribe_webhook(bot.subscription());
    let client = fake.client();
    client.chat_members().create(&CreateRequest::new("oc_team", [bob.as_str()])).await.unwrap();
    client.chats().delete(&DeleteRequest::new("oc_team")).await.unwrap();
    let seen = bot.wait_seen(2).await;
    bot.stop().await;
    let Event::ChatMemberUserAddedV1(added) = &seen[0].event else { panic!("{:?}", seen[0]) };
    assert_eq!(added.chat_id, "oc_team");
    let users: Vec<_> = added.users.iter().map(|u| u.name.clone()).collect();
    assert_eq!(users, [Some("Bob".to_owned())]);
    let Event::ChatDisbandedV1(disbanded) = &seen[1].event else { panic!("{:?}", seen[1]) };
    assert_eq!(disbanded.chat_id, "oc_team");
}

#[tokio::test]
async fn a_card_click_is_answered_with_the_handlers_toast() {
    let fake = FakeFeishu::start().await;
    let alice = fake.add_user("alice", "Alice");
    fake.seed_chat(ChatSeed::public("oc_ev").members([alice.as_str(), FakeFeishu::APP_ID]));
    let message = fake.user_says("oc_ev", &alice, "card host");
    let bot = Bot::secure().await;
    fake.subscribe_webhook(bot.subscription());
    let (status, answer) =
        fake.click_card(&message, &alice, json!({"action": "approve"})).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(answer["toast"]["content"], "clicked");
    let seen = bot.stop().await;
    let Event::CardActionTrigger(click) = &seen.last().unwrap().event else { panic!() };
    assert_eq!(click.action.value, Some(json!({"action": "approve"})));
    assert!(click.token.as_deref().is_some_and(|t| t.starts_with("c-")));
}

/// A webhook called directly, for the refusals that need hand-made requests.
fn webhook() -> Webhook {
    let dispatcher =
        Dispatcher::builder(|_: Delivery| async { Ok::<_, HandlerError>(Reply::ack()) })
            .dedup(Arc::new(MemoryDedup::new(16)))
            .build();
    Webhook::builder(dispatcher).encrypt_key(KEY).verification_token(TOKEN).build()
}

#[tokio::test]
async fn url_verification_comes_unsigned_and_is_checked_by_its_token() {
    let hook = webhook();
    let challenge = json!({"challenge": "c-123", "token": TOKEN, "type": "url_verification"});
    let body = encrypted(&challenge.to_string(), KEY);
    let reply = hook.handle(&http::HeaderMap::new(), &body).await.unwrap();
    assert_eq!(reply.received, Received::Challenge);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&reply.body).unwrap(),
        json!({"challenge": "c-123"})
    );

    // In plain text too, as some set-ups send it.
    let reply =
        hook.handle(&http::HeaderMap::new(), challenge.to_string().as_bytes()).await.unwrap();
    assert_eq!(reply.received, Received::Challenge);
    let plain_event = envelope("im.message.recalled_v1", "ev_9", json!({}), TOKEN);
    let error = hook.handle(&signed(plain_event.as_bytes(), KEY), plain_event.as_bytes()).await;
    assert!(matches!(error, Err(ReceiveError::Encryption(_))), "{error:?}");

    let wrong = json!({"challenge": "c-123", "token": "guess", "type": "url_verification"});
    let error = hook.handle(&http::HeaderMap::new(), &encrypted(&wrong.to_string(), KEY)).await;
    assert!(matches!(error, Err(ReceiveError::BadToken)), "{error:?}");
}

#[tokio::test]
async fn every_kind_of_bad_delivery_is_refused_with_its_reason() {
    let hook = webhook();
    let plain = envelope(
        "im.message.recalled_v1",
        "ev_1",
        json!({"message_id": "om_1", "chat_id": "oc_1"}),
        TOKEN,
    );
    let body = encrypted(&plain, KEY);
    let reply = hook.handle(&signed(&body, KEY), &body).await.unwrap();
    assert_eq!(reply.received, Received::Event);
    let again = hook.handle(&signed(&body, KEY), &body).await.unwrap();
    assert_eq!(again.received, Received::Duplicate);

    let status = |r: Result<_, ReceiveError>| r.err().map(|e| e.status());
    // Unsigned, tampered, signed with another key, or sent an hour ago.
    assert_eq!(status(hook.handle(&http::HeaderMap::new(), &body).await), Some(401));
    let mut tampered = body.clone();
    let at = tampered.len() - 5;
    tampered[at] ^= 1;
    assert_eq!(status(hook.handle(&signed(&body, KEY), &tampered).await), Some(401));
    assert_eq!(status(hook.handle(&signed(&body, "other key"), &body).await), Some(401));
    let mut old = signed(&body, KEY);
    old.insert("x-lark-request-timestamp", "1000000000".parse().unwrap());
    assert_eq!(status(hook.handle(&old, &body).await), Some(401));

    // Well signed, but encrypted with another key, truncated, or not base64.
    for bad in [
        encrypted(&plain, "wrong key"),
        json!({"encrypt": "AAAAAAAAAAAAAAAAAAAAAA=="}).to_string().into_bytes(),
        json!({"encrypt": "not base64!"}).to_string().into_bytes(),
        b"<html>502 Bad Gateway</html>".to_vec(),
    ] {
        let error = hook.handle(&signed(&bad, KEY), &bad).await.unwrap_err();
        assert_eq!(error.status(), 400, "{error}");
    }
    // A wrong verification token inside a well-signed body.
    let other = encrypted(&envelope("im.message.recalled_v1", "ev_2", json!({}), "guess"), KEY);
    let error = hook.handle(&signed(&other, KEY), &other).await.unwrap_err();
    assert!(matches!(error, ReceiveError::BadToken), "{error}");
    // Too large.
    let huge = vec![b' '; 2 << 20];
    assert_eq!(status(hook.handle(&signed(&huge, KEY), &huge).await), Some(413));
}

#[tokio::test]
async fn an_unknown_event_type_is_kept_whole() {
    let received = Arc::new(Mutex::new(None));
    let keep = received.clone();
    let dispatcher = Dispatcher::builder(move |d: Delivery| {
        *keep.lock().unwrap() = Some(d);
        async { Ok::<_, HandlerError>(Reply::ack()) }
    })
    .build();
    let hook = Webhook::builder(dispatcher).verification_token(TOKEN).build();
    let plain = envelope("im.future.thing_v9", "ev_3", json!({"answer": 42}), TOKEN);
    hook.handle(&http::HeaderMap::new(), plain.as_bytes()).await.unwrap();
    hook.dispatcher().shutdown().await;
    let delivery = received.lock().unwrap().take().unwrap();
    let Event::Unknown(unknown) = delivery.event else { panic!() };
    assert_eq!(unknown.event_type(), "im.future.thing_v9");
    assert_eq!(unknown.event(), &json!({"answer": 42}));
}

#[test]
fn secrets_stay_out_of_debug_and_errors() {
    let shown = format!("{:?}", webhook());
    assert!(!shown.contains(KEY) && !shown.contains(TOKEN), "{shown}");
}

#[test]
fn the_echo_bot_replies_offline_and_never_prints_its_secrets() {
    let output = feishu_im_tests::examples::run(&["echo_bot"], &[("RUST_LOG", "trace")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("echo: hello, bot"), "{stdout}");
    for secret in ["offline-encrypt-key", "offline-verification-token", FakeFeishu::APP_SECRET] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret), "{secret} leaked");
    }
}

#[tokio::test]
async fn over_the_long_connection_events_are_deduplicated_and_callbacks_answered_in_the_ack() {
    use feishu_fake::Push;
    use feishu_im::receive::LongConnection;

    let fake = FakeFeishu::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let dispatcher = Dispatcher::builder(move |delivery: Delivery| {
        let answer = matches!(delivery.event, Event::CardActionTrigger(_))
            .then(|| json!({"toast": {"type": "info", "content": "got it"}}));
        record.lock().unwrap().push(delivery);
        async move {
            Ok::<_, HandlerError>(match answer {
                Some(answer) => Reply::answer(&answer)?,
                None => Reply::ack(),
            })
        }
    })
    .build();
    let connection = LongConnection::builder(FakeFeishu::APP_ID, FakeFeishu::APP_SECRET)
        .base_url(fake.base_url())
        .start(dispatcher.clone())
        .await
        .unwrap();
    let message = json!({
        "sender": {"sender_id": {"open_id": "ou_a"}, "sender_type": "user"},
        "message": {"message_id": "om_ws_1", "create_time": "1700000000000", "chat_id": "oc_1",
                    "chat_type": "p2p", "message_type": "text", "content": "{\"text\":\"hi\"}"},
    });
    // The same message under two event ids, as Feishu may re-deliver it.
    for event_id in ["ev_ws_1", "ev_ws_2"] {
        let plain = envelope("im.message.receive_v1", event_id, message.clone(), TOKEN);
        let ack = fake.push(Push::event(plain)).await.unwrap();
        assert_eq!(ack.code(), 200);
    }
    let click =
        json!({"operator": {"open_id": "ou_a"}, "token": "c-1", "action": {"value": {"k": 1}}});
    let plain = envelope("card.action.trigger", "ev_ws_3", click, TOKEN);
    let ack = fake.push(Push::card(plain)).await.unwrap();
    let answer: serde_json::Value = serde_json::from_slice(ack.data().unwrap()).unwrap();
    assert_eq!(answer["toast"]["content"], "got it");
    assert!(matches!(seen.lock().unwrap().last().unwrap().event, Event::CardActionTrigger(_)));

    // The fake's own events, over the connection: a re-delivery, then a dropped connection.
    let alice = fake.add_user("alice", "Alice");
    fake.seed_chat(ChatSeed::public("oc_ws").members([alice.as_str(), FakeFeishu::APP_ID]));
    fake.subscribe_long_connection();
    fake.delivery_fault(DeliveryFault::Duplicate);
    let first = fake.user_says("oc_ws", &alice, "one");
    fake.wait_for_deliveries(2, WAIT).await;
    fake.drop_long_connections();
    let second = fake.user_says("oc_ws", &alice, "two");
    let log = fake.wait_for_deliveries(3, WAIT).await;
    assert!(log.iter().all(|r| r.status == 200), "{log:?}");
    connection.shutdown().await.unwrap();
    dispatcher.shutdown().await;
    let seen = seen.lock().unwrap();
    assert_eq!(message_ids(&seen), ["om_ws_1".to_owned(), first, second]);
}

#[tokio::test]
async fn the_axum_route_serves_the_same_webhook() {
    let fake = FakeFeishu::start().await;
    let alice = fake.add_user("alice", "Alice");
    fake.seed_chat(ChatSeed::public("oc_ax").members([alice.as_str(), FakeFeishu::APP_ID]));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let dispatcher = Dispatcher::builder(move |delivery: Delivery| {
        record.lock().unwrap().push(delivery);
        async { Ok::<_, HandlerError>(Reply::ack()) }
    })
    .build();
    let webhook = Webhook::builder(dispatcher).encrypt_key(KEY).verification_token(TOKEN).build();
    let router: axum::Router =
        axum::Router::new().route("/feishu/events", feishu_im::receive::axum_route(webhook));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/feishu/events", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    fake.subscribe_webhook(WebhookSubscription::new(url, TOKEN).encrypt_key(KEY));
    fake.delivery_fault(DeliveryFault::BadSignature);
    let said = fake.user_says("oc_ax", &alice, "via axum");
    let log = fake.wait_for_deliveries(2, WAIT).await;
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401, 200]);
    for _ in 0..500 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.abort();
    assert_eq!(message_ids(&seen.lock().unwrap()), [said]);
}

/// A dispatcher whose handler answers each click with a toast naming how many clicks it has
/// handled, and panics on the first click whose value says so.
fn counting_dispatcher(
    dedup: Arc<dyn feishu_im::receive::Dedup>,
) -> (Dispatcher, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let calls = Arc::new(AtomicUsize::new(0));
    let panicked = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let counter = calls.clone();
    let dispatcher = Dispatcher::builder(move |delivery: Delivery| {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let panic_now = matches!(&delivery.event, Event::CardActionTrigger(click)
            if click.action.value == Some(json!("panic")))
            && !panicked.swap(true, Ordering::SeqCst);
        async move {
            if panic_now {
                panic!("the handler panicked on purpose");
            }
            Ok::<_, HandlerError>(Reply::answer(
                &json!({"toast": {"type": "info", "content": format!("answer {n}")}}),
            )?)
        }
    })
    .dedup(dedup)
    .build();
    (dispatcher, calls)
}

fn click(event_id: &str, token: &str, value: serde_json::Value) -> String {
    let click =
        json!({"operator": {"open_id": "ou_a"}, "token": token, "action": {"value": value}});
    envelope("card.action.trigger", event_id, click, TOKEN)
}

async fn answer_of(
    hook: &Webhook,
    plain: &str,
) -> Result<(Received, serde_json::Value), ReceiveError> {
    let body = encrypted(plain, KEY);
    let reply = hook.handle(&signed(&body, KEY), &body).await?;
    Ok((reply.received, serde_json::from_slice(&reply.body).unwrap()))
}

/// Each case on the webhook: a redelivered callback gets the first answer, and a panicking
/// handler fails only its delivery, whose redelivery is handled.
async fn callbacks_answer_twice_and_survive_panics(dedup: Arc<dyn feishu_im::receive::Dedup>) {
    use std::sync::atomic::Ordering;
    let (dispatcher, calls) = counting_dispatcher(dedup);
    let hook = Webhook::builder(dispatcher).encrypt_key(KEY).verification_token(TOKEN).build();
    let first = click("ev_cb_1", "c-cb-1", json!("ok"));
    let (received, answer) = answer_of(&hook, &first).await.unwrap();
    assert_eq!(received, Received::Callback);
    assert_eq!(answer["toast"]["content"], "answer 1");
    let (received, again) = answer_of(&hook, &first).await.unwrap();
    assert_eq!(received, Received::RepeatedCallback);
    assert_eq!(again, answer, "the redelivery gets the first answer");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let boom = click("ev_cb_2", "c-cb-2", json!("panic"));
    let error = answer_of(&hook, &boom).await.unwrap_err();
    assert_eq!(error.status(), 500, "{error}");
    // Feishu delivers it again, and this time it is handled.
    let (received, answer) = answer_of(&hook, &boom).await.unwrap();
    assert_eq!(received, Received::Callback);
    assert_eq!(answer["toast"]["content"], "answer 3");
    let (_, answer) = answer_of(&hook, &click("ev_cb_3", "c-cb-3", json!("ok"))).await.unwrap();
    assert_eq!(answer["toast"]["content"], "answer 4");
}

#[tokio::test]
async fn a_redelivered_callback_gets_the_first_answer_and_a_panic_fails_only_its_delivery() {
    callbacks_answer_twice_and_survive_panics(Arc::new(MemoryDedup::new(16))).await;
}

#[tokio::test]
async fn with_redis_a_redelivered_callback_gets_the_first_answer_on_any_instance() {
    let Some(redis) = feishu_im_tests::redis::RedisServer::start() else { return };
    let store = feishu_im::RedisStore::new(&redis.url())
        .unwrap()
        .with_prefix("callbacks")
        .with_timeout(Duration::from_secs(2));
    callbacks_answer_twice_and_survive_panics(Arc::new(store.clone())).await;
    // A second instance, sharing the store, answers a redelivery with the first answer.
    let (other, calls) = counting_dispatcher(Arc::new(store));
    let hook = Webhook::builder(other).encrypt_key(KEY).verification_token(TOKEN).build();
    let (received, answer) =
        answer_of(&hook, &click("ev_cb_1", "c-cb-1", json!("ok"))).await.unwrap();
    assert_eq!(received, Received::RepeatedCallback);
    assert_eq!(answer["toast"]["content"], "answer 1");
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn over_the_long_connection_a_redelivered_callback_gets_the_first_answer_in_its_ack() {
    use feishu_fake::Push;
    use feishu_im::receive::LongConnection;

    let fake = FakeFeishu::start().await;
    let (dispatcher, calls) = counting_dispatcher(Arc::new(MemoryDedup::new(16)));
    let connection = LongConnection::builder(FakeFeishu::APP_ID, FakeFeishu::APP_SECRET)
        .base_url(fake.base_url())
        .start(dispatcher)
        .await
        .unwrap();
    let first = click("ev_lc_1", "c-lc-1", json!("ok"));
    let ack = fake.push(Push::card(first.clone())).await.unwrap();
    let again = fake.push(Push::card(first)).await.unwrap();
    assert_eq!((ack.code(), again.code()), (200, 200));
    assert_eq!(ack.data(), again.data());
    let answer: serde_json::Value = serde_json::from_slice(ack.data().unwrap()).unwrap();
    assert_eq!(answer["toast"]["content"], "answer 1");

    // A panic: acked 500, so Feishu delivers it again, and the redelivery is handled.
    let boom = click("ev_lc_2", "c-lc-2", json!("panic"));
    assert_eq!(fake.push(Push::card(boom.clone())).await.unwrap().code(), 500);
    let ack = fake.push(Push::card(boom)).await.unwrap();
    assert_eq!(ack.code(), 200);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);
    connection.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_event_handler_that_panics_is_caught_and_the_next_delivery_is_handled() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let dispatcher = Dispatcher::builder(move |delivery: Delivery| {
        let record = record.clone();
        async move {
            if delivery.header.event_id == "ev_boom" {
                panic!("the handler panicked on purpose");
            }
            record.lock().unwrap().push(delivery.header.event_id);
            Ok::<_, HandlerError>(Reply::ack())
        }
    })
    .build();
    let hook =
        Webhook::builder(dispatcher.clone()).encrypt_key(KEY).verification_token(TOKEN).build();
    for event_id in ["ev_boom", "ev_fine"] {
        let plain = envelope("im.chat.disbanded_v1", event_id, json!({"chat_id": "oc_1"}), TOKEN);
        let body = encrypted(&plain, KEY);
        let reply = hook.handle(&signed(&body, KEY), &body).await.unwrap();
        assert_eq!(reply.received, Received::Event);
    }
    dispatcher.shutdown().await;
    assert_eq!(*seen.lock().unwrap(), ["ev_fine".to_owned()]);
}

/// An old-style card click as Feishu posts it to a card request URL: a flat body.
fn old_click(value: &str) -> String {
    json!({
        "open_id": "ou_old", "user_id": "eu_old", "open_message_id": "om_old_card",
        "open_chat_id": "oc_old", "tenant_key": "tk_old", "token": "c-old-1",
        "action": {"value": {"choice": value}, "tag": "button", "name": "Button_1"},
    })
    .to_string()
}

#[tokio::test]
async fn an_old_style_card_callback_is_verified_typed_answered_and_answered_again_the_same() {
    use feishu_im_tests::deliveries::signed_old_card;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let dispatcher = Dispatcher::builder(move |delivery: Delivery| {
        let record = record.clone();
        async move {
            let Event::CardActionTriggerV1(click) = &delivery.event else {
                return Err::<Reply, HandlerError>("not an old card click".into());
            };
            let choice = click.action.value.as_ref().unwrap()["choice"].clone();
            record.lock().unwrap().push((delivery.header.clone(), click.open_message_id.clone()));
            Ok(Reply::answer(&json!({"toast": {"type": "success", "content": choice}}))?)
        }
    })
    .build();
    let hook = Webhook::builder(dispatcher).encrypt_key(KEY).verification_token(TOKEN).build();

    // Plain, as the page documents it.
    let body = old_click("yes");
    let reply = hook.handle(&signed_old_card(body.as_bytes(), TOKEN, "r-1"), body.as_bytes()).await;
    let reply = reply.unwrap();
    assert_eq!(reply.received, Received::Callback);
    let answer: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(answer["toast"]["content"], "yes");
    // Delivered again: the same answer, the handler not run again.
    let headers = signed_old_card(body.as_bytes(), TOKEN, "r-1");
    let again = hook.handle(&headers, body.as_bytes()).await.unwrap();
    assert_eq!((again.received, again.body), (Received::RepeatedCallback, reply.body.clone()));
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let (header, message) = &seen[0];
        assert_eq!(header.event_type, "card.action.trigger_v1");
        assert_eq!((header.tenant_key.as_str(), message.as_str()), ("tk_old", "om_old_card"));
    }

    // Encrypted, as the official SDKs also accept it; signed over the encrypted body.
    let encrypted_body = encrypted(&old_click("later"), KEY);
    let headers = signed_old_card(&encrypted_body, TOKEN, "r-2");
    let answer = hook.handle(&headers, &encrypted_body).await.unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&answer.body).unwrap()["toast"]["content"],
        "later"
    );

    // Unsigned, signed with another token, or signed as an event: refused.
    let other = old_click("no");
    let refused = [
        hook.handle(&http::HeaderMap::new(), other.as_bytes()).await,
        hook.handle(&signed_old_card(other.as_bytes(), "guess", "r-3"), other.as_bytes()).await,
        hook.handle(&signed(other.as_bytes(), KEY), other.as_bytes()).await,
    ];
    for result in refused {
        let error = result.unwrap_err();
        assert_eq!(error.status(), 401, "{error}");
    }
    // Without a verification token nothing can verify it.
    let hook = Webhook::builder(
        Dispatcher::builder(|_: Delivery| async { Ok::<_, HandlerError>(Reply::ack()) }).build(),
    )
    .build();
    let headers = signed_old_card(other.as_bytes(), TOKEN, "r-4");
    let error = hook.handle(&headers, other.as_bytes()).await;
    assert!(matches!(error, Err(ReceiveError::MissingSignature)), "{error:?}");
    assert_eq!(seen.lock().unwrap().len(), 2);
}
