//! The long connection against the fake's endpoint and WebSocket server on 127.0.0.1:
//! deliveries and their acks, fragments, failures, reconnects, pings and shutdown.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use feishu_fake::http::HttpReply;
use feishu_fake::{FakeFeishu, LongConnectionConfig, Push};
use feishu_im::receive::{
    ConnectionStatus, DeliveryError, DeliveryFuture, DeliveryHandler, FrameKind, LongConnection,
    LongConnectionBuilder, LongConnectionErrorKind, LongConnectionHandle,
};
use serde_json::json;

/// What the handler saw: each delivery's kind and payload, in order.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<(FrameKind, Bytes)>>,
    started: AtomicUsize,
    finished: AtomicUsize,
    delay: Option<Duration>,
}

impl Recorder {
    fn payloads(&self) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        seen.iter().map(|(_, p)| String::from_utf8_lossy(p).into_owned()).collect()
    }
}

/// The handler over a shared [`Recorder`].
struct Handler(Arc<Recorder>);

impl DeliveryHandler for Handler {
    fn handle(&self, kind: FrameKind, payload: Bytes) -> DeliveryFuture<'_> {
        let recorder = &self.0;
        Box::pin(async move {
            recorder.started.fetch_add(1, Ordering::SeqCst);
            if let Some(delay) = recorder.delay {
                tokio::time::sleep(delay).await;
            }
            recorder.seen.lock().unwrap().push((kind, payload.clone()));
            recorder.finished.fetch_add(1, Ordering::SeqCst);
            if payload.starts_with(b"fail") {
                return Err(DeliveryError::new("the handler refused it"));
            }
            if payload.starts_with(b"panic") {
                panic!("the handler panicked on purpose");
            }
            Ok(match kind {
                FrameKind::Card => Some(br#"{"toast":{"type":"success","content":"ok"}}"#.to_vec()),
                _ => None,
            })
        })
    }
}

fn builder(fake: &FakeFeishu) -> LongConnectionBuilder {
    LongConnection::builder(FakeFeishu::APP_ID, FakeFeishu::APP_SECRET).base_url(fake.base_url())
}

async fn start(fake: &FakeFeishu, recorder: &Arc<Recorder>) -> LongConnectionHandle {
    builder(fake).start(Handler(recorder.clone())).await.expect("the long connection opens")
}

/// Waits until `condition` holds; fails the test after 10 s.
async fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn event(n: usize) -> String {
    format!(
        r#"{{"schema":"2.0","header":{{"event_id":"ev_{n}","event_type":"im.message.receive_v1"}},"event":{{"n":{n}}}}}"#
    )
}

#[tokio::test]
async fn a_pushed_event_reaches_the_handler_and_a_card_answer_comes_back_in_the_ack() {
    let fake = FakeFeishu::start().await;
    let recorder = Arc::new(Recorder::default());
    let handle = start(&fake, &recorder).await;
    assert_eq!(handle.connections(), 1);

    let ack = fake.push(Push::event(event(1))).await.unwrap();
    assert_eq!(ack.code(), 200);
    assert_eq!(ack.data(), None);
    assert!(ack.echoes_delivery(), "the ack is the delivery's frame written back: {ack:?}");
    assert!(ack.biz_rt().is_some());

    let card = r#"{"schema":"2.0","header":{"event_type":"card.action.trigger"},"event":{}}"#;
    let ack = fake.push(Push::card(card)).await.unwrap();
    assert_eq!(ack.code(), 200);
    assert_eq!(ack.data(), Some(&br#"{"toast":{"type":"success","content":"ok"}}"#[..]));
    assert!(ack.echoes_delivery());

    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], (FrameKind::Event, Bytes::from(event(1))));
    assert_eq!(seen[1], (FrameKind::Card, Bytes::from(card)));
    assert_eq!(fake.calls("long_connection.endpoint"), 1);
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_fragmented_payload_is_reassembled() {
    let fake = FakeFeishu::start().await;
    let recorder = Arc::new(Recorder::default());
    let handle = start(&fake, &recorder).await;

    let text: String = (0..2000).map(|n| format!("{n},")).collect();
    let payload = format!(r#"{{"schema":"2.0","event":{{"text":"{text}"}}}}"#);
    let ack = fake.push(Push::event(payload.clone()).fragments(5)).await.unwrap();
    assert_eq!(ack.code(), 200);
    assert!(ack.echoes_delivery());
    assert_eq!(recorder.payloads(), vec![payload]);
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_failed_or_panicking_handler_acks_500_and_the_connection_goes_on() {
    let fake = FakeFeishu::start().await;
    let recorder = Arc::new(Recorder::default());
    let handle = start(&fake, &recorder).await;

    assert_eq!(fake.push(Push::event("fail: no")).await.unwrap().code(), 500);
    assert_eq!(fake.push(Push::card("panic: no")).await.unwrap().code(), 500);
    assert_eq!(fake.push(Push::event(event(2))).await.unwrap().code(), 200);
    assert_eq!(handle.connections(), 1);
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_wrong_secret_is_a_typed_error_that_does_not_show_the_secret() {
    let fake = FakeFeishu::start().await;
    let secret = "wrong-secret-4f1d9c";
    let recorder = Arc::new(Recorder::default());
    let error = LongConnection::builder(FakeFeishu::APP_ID, secret)
        .base_url(fake.base_url())
        .start(Handler(recorder.clone()))
        .await
        .unwrap_err();
    let failure = &error;
    assert_eq!(failure.kind, LongConnectionErrorKind::AuthFailed);
    assert_eq!(failure.code, Some(514));
    assert!(!error.is_retryable());
    for text in [format!("{error}"), format!("{error:?}")] {
        assert!(!text.contains(secret), "the secret leaked: {text}");
    }
    let builder = LongConnection::builder(FakeFeishu::APP_ID, secret);
    assert!(!format!("{builder:?}").contains(secret));
}

#[tokio::test]
async fn the_connection_limit_is_a_typed_retryable_error() {
    let fake = FakeFeishu::start().await;
    fake.set_max_long_connections(1);
    let recorder = Arc::new(Recorder::default());
    let first = start(&fake, &recorder).await;
    let error = builder(&fake).fail_fast(true).start(Handler(recorder.clone())).await.unwrap_err();
    let failure = &error;
    assert_eq!(failure.kind, LongConnectionErrorKind::ConnectionLimit);
    assert_eq!(failure.code, Some(1_000_040_350));
    assert!(error.is_retryable());
    first.shutdown().await.unwrap();
}

#[tokio::test]
async fn after_a_dropped_connection_the_client_reconnects_and_no_event_is_lost_or_repeated() {
    let fake = FakeFeishu::start().await;
    let recorder = Arc::new(Recorder::default());
    let handle = start(&fake, &recorder).await;

    for n in 0..5 {
        assert_eq!(fake.push(Push::event(event(n))).await.unwrap().code(), 200);
    }
    fake.drop_long_connections();
    // These wait for the client to come back.
    for n in 5..10 {
        assert_eq!(fake.push(Push::event(event(n))).await.unwrap().code(), 200);
    }
    fake.drop_long_connections();
    assert_eq!(fake.push(Push::event(event(10))).await.unwrap().code(), 200);

    let mut counts: HashMap<String, usize> = HashMap::new();
    for payload in recorder.payloads() {
        *counts.entry(payload).or_default() += 1;
    }
    assert_eq!(counts.len(), 11);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    assert_eq!(handle.connections(), 3);
    assert_eq!(fake.long_connections_opened(), 3);
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_connection_that_stops_answering_pings_is_replaced_and_events_flow_again() {
    let fake = FakeFeishu::start().await;
    fake.set_long_connection_config(LongConnectionConfig::default().ping_interval(1));
    let recorder = Arc::new(Recorder::default());
    let handle = start(&fake, &recorder).await;
    assert_eq!(fake.push(Push::event(event(0))).await.unwrap().code(), 200);

    // The socket stays open, but nothing comes back: only the missing pong tells.
    fake.stall_long_connections();
    eventually("a second connection", || fake.long_connections_opened() == 2).await;
    assert_eq!(fake.push(Push::event(event(1))).await.unwrap().code(), 200);

    let payloads = recorder.payloads();
    assert_eq!(payloads, [event(0), event(1)]);
    assert_eq!(handle.connections(), 2);
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_client_pings_and_follows_the_ping_interval_of_the_pong() {
    let fake = FakeFeishu::start().await;
    // The endpoint says every 120 s; only the pong's 1 s brings a second ping within the wait.
    fake.set_long_connection_config(LongConnectionConfig::default().ping_interval(120));
    fake.set_pong_config(Some(LongConnectionConfig::default().ping_interval(1)));
    let recorder = Arc::new(Recorder::default());
    let handle = start(&fake, &recorder).await;
    eventually("the first ping", || fake.long_connection_pings() >= 1).await;
    eventually("a ping at the pong's interval", || fake.long_connection_pings() >= 2).await;
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn shutdown_waits_for_the_handlers_in_flight_and_their_acks() {
    let fake = Arc::new(FakeFeishu::start().await);
    let recorder =
        Arc::new(Recorder { delay: Some(Duration::from_millis(200)), ..Recorder::default() });
    let handle = start(&fake, &recorder).await;

    let pushes: Vec<_> = (0..20)
        .map(|n| {
            let fake = fake.clone();
            tokio::spawn(async move { fake.push(Push::event(event(n))).await })
        })
        .collect();
    eventually("every handler to start", || recorder.started.load(Ordering::SeqCst) == 20).await;
    handle.shutdown().await.unwrap();

    assert_eq!(recorder.finished.load(Ordering::SeqCst), 20);
    for push in pushes {
        let ack = push.await.unwrap().expect("each delivery was acked before the socket closed");
        assert_eq!(ack.code(), 200);
    }
    // The socket is closed: nothing reaches a handler any more.
    eventually("the connection to close", || fake.long_connections() == 0).await;
    assert_eq!(recorder.started.load(Ordering::SeqCst), 20);
}

#[tokio::test]
async fn dropping_the_handle_closes_the_connection() {
    let fake = FakeFeishu::start().await;
    let recorder = Arc::new(Recorder::default());
    let handle = start(&fake, &recorder).await;
    eventually("the connection", || fake.long_connections() == 1).await;
    drop(handle);
    eventually("the connection to close", || fake.long_connections() == 0).await;
}

#[tokio::test]
async fn frames_that_make_no_sense_are_ignored_without_breaking_the_connection() {
    let fake = FakeFeishu::start().await;
    let recorder = Arc::new(Recorder::default());
    let handle = start(&fake, &recorder).await;

    fake.push_raw(b"\xff\xff\xff not protobuf".to_vec()).await.unwrap();
    fake.push_raw(Vec::new()).await.unwrap();
    fake.deliver(Push::event("bad sum").header("sum", "many")).await.unwrap();
    fake.deliver(Push::event("bad seq").header("sum", "2").header("seq", "7")).await.unwrap();
    fake.deliver(Push::event("bad type").header("type", "nonsense")).await.unwrap();
    fake.deliver(Push::event("no id").header("sum", "2").header("message_id", "")).await.unwrap();
    let huge = u64::MAX.to_string();
    fake.deliver(Push::event("huge sum").header("sum", huge)).await.unwrap();

    let ack = fake.push(Push::event(event(3))).await.unwrap();
    assert_eq!(ack.code(), 200);
    assert_eq!(recorder.payloads(), vec![event(3)]);
    assert_eq!(handle.connections(), 1);
    assert_eq!(fake.long_connections_opened(), 1);
    handle.shutdown().await.unwrap();
}

/// A builder that retries fast: no jitter, backoff capped at 50 ms.
fn retrying(fake: &FakeFeishu) -> LongConnectionBuilder {
    builder(fake).reconnect_jitter(Duration::ZERO).reconnect_interval(Duration::from_millis(50))
}

fn html(status: u16) -> HttpReply {
    HttpReply::raw(status, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>")
}

/// The odd answers a misbehaving Feishu or proxy gives the endpoint request.
fn odd_endpoint_answers() -> Vec<(&'static str, HttpReply)> {
    vec![
        ("an HTML page at 200", html(200)),
        ("an HTML page at 502", html(502)),
        ("code 0 and no data", HttpReply::json(200, json!({"code": 0, "msg": "ok"}))),
        ("code 0 and data null", HttpReply::json(200, json!({"code": 0, "data": null}))),
        (
            "a URL of another scheme",
            HttpReply::json(200, json!({"code": 0, "data": {"URL": "http://127.0.0.1:9/ws"}})),
        ),
        (
            "a URL that is not one",
            HttpReply::json(
                200,
                json!({"code": 0, "data": {"URL": "not a url", "ClientConfig": 7}}),
            ),
        ),
        ("a code that is text", HttpReply::json(200, json!({"code": "zero"}))),
        ("system busy", HttpReply::json(200, json!({"code": 1, "msg": "system busy"}))),
        ("an unknown code", HttpReply::json(200, json!({"code": 123_456, "msg": "?"}))),
        (
            "truncated JSON",
            HttpReply::raw(200, "application/json", r#"{"code":0,"data":{"URL":"ws"#),
        ),
        ("a dropped connection", HttpReply::Drop),
    ]
}

#[tokio::test]
async fn every_odd_endpoint_answer_at_start_is_retried_until_the_connection_opens() {
    let fake = FakeFeishu::start().await;
    let answers = odd_endpoint_answers();
    let count = answers.len();
    for (_, reply) in answers {
        fake.queue_endpoint_reply(reply);
    }
    let recorder = Arc::new(Recorder::default());
    let handle = retrying(&fake).start(Handler(recorder.clone())).await.expect("it opens");
    assert_eq!(fake.calls("long_connection.endpoint"), count + 1);
    assert_eq!(fake.push(Push::event(event(1))).await.unwrap().code(), 200);
    assert!(matches!(*handle.status().borrow(), ConnectionStatus::Connected { connections: 1 }));
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn with_fail_fast_each_odd_answer_is_a_typed_retryable_error_with_its_status() {
    let fake = FakeFeishu::start().await;
    let recorder = Arc::new(Recorder::default());
    for (what, reply) in odd_endpoint_answers() {
        let status = match &reply {
            HttpReply::Respond { status, .. } => Some(*status),
            _ => None,
        };
        fake.queue_endpoint_reply(reply);
        let error =
            builder(&fake).fail_fast(true).start(Handler(recorder.clone())).await.unwrap_err();
        assert!(error.is_retryable(), "{what}: {error:?}");
        if let Some(status) = status {
            assert_eq!(error.http_status, Some(status), "{what}: {error:?}");
            let failure = &error;
            assert!(!failure.is_permanent(), "{what}");
        }
    }
    // An answer over the cap names the long connection's own limit.
    fake.queue_endpoint_reply(HttpReply::raw(200, "application/json", &" ".repeat(2 << 20)));
    let error = builder(&fake).fail_fast(true).start(Handler(recorder.clone())).await.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("endpoint answer is larger than"), "{text}");
    assert!(!text.contains("max_response_bytes"), "{text}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_permanent_refusal_is_not_retried() {
    let fake = FakeFeishu::start().await;
    let recorder = Arc::new(Recorder::default());
    for (code, kind) in [
        (514, LongConnectionErrorKind::AuthFailed),
        (403, LongConnectionErrorKind::Forbidden),
        (1_000_040_351, LongConnectionErrorKind::IncorrectDomain),
    ] {
        let before = fake.calls("long_connection.endpoint");
        fake.queue_endpoint_reply(HttpReply::json(200, json!({"code": code, "msg": "no"})));
        let error = retrying(&fake).start(Handler(recorder.clone())).await.unwrap_err();
        let failure = &error;
        assert_eq!(failure.kind, kind);
        assert!(failure.is_permanent() && !error.is_retryable());
        assert_eq!(fake.calls("long_connection.endpoint"), before + 1, "not retried");
    }
}

#[tokio::test]
async fn server_settings_at_any_extreme_never_stop_delivery() {
    let fake = FakeFeishu::start().await;
    let extremes = [
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e308),
        json!("9999999999999999999999"),
        json!(-1),
        json!(0),
        json!([]),
        json!(true),
    ];
    for (round, value) in extremes.iter().enumerate() {
        let config = LongConnectionConfig::default()
            .raw("PingInterval", value.clone())
            .raw("ReconnectInterval", value.clone())
            .raw("ReconnectNonce", json!(0))
            // A server's count never ends the connection.
            .raw("ReconnectCount", json!(0));
        fake.set_long_connection_config(config.clone().raw("ReconnectNonce", value.clone()));
        fake.set_pong_config(Some(config));
        let recorder = Arc::new(Recorder::default());
        let handle = builder(&fake)
            .reconnect_jitter(Duration::ZERO)
            .start(Handler(recorder.clone()))
            .await
            .unwrap_or_else(|e| panic!("{value}: {e}"));
        eventually("a ping", || fake.long_connection_pings() > round).await;
        assert_eq!(fake.push(Push::event(event(round))).await.unwrap().code(), 200, "{value}");
        // Lost, then refused once on the way back: reconnecting goes on.
        fake.queue_endpoint_reply(html(200));
        fake.drop_long_connections();
        assert_eq!(fake.push(Push::event(event(100 + round))).await.unwrap().code(), 200);
        assert_eq!(handle.connections(), 2, "{value}");
        assert!(!handle.is_finished());
        handle.shutdown().await.unwrap_or_else(|e| panic!("{value}: {e}"));
    }
}

#[tokio::test]
async fn the_status_stream_shows_reconnects_and_the_stopped_future_ends_with_the_reason() {
    let fake = FakeFeishu::start().await;
    let recorder = Arc::new(Recorder::default());
    let handle = retrying(&fake).start(Handler(recorder.clone())).await.unwrap();
    let mut status = handle.status();
    let stopped = handle.stopped();
    assert!(matches!(*status.borrow_and_update(), ConnectionStatus::Connected { connections: 1 }));

    // A failed attempt shows as attempt 2, with its error.
    fake.queue_endpoint_reply(html(503));
    fake.drop_long_connections();
    let mut seen = Vec::new();
    while status.changed().await.is_ok() {
        let now = status.borrow_and_update().clone();
        let connected = matches!(now, ConnectionStatus::Connected { connections: 2 });
        seen.push(now);
        if connected {
            break;
        }
    }
    let attempts: Vec<u32> = seen
        .iter()
        .filter_map(|s| match s {
            ConnectionStatus::Reconnecting { attempt, .. } => Some(*attempt),
            _ => None,
        })
        .collect();
    assert!(attempts.contains(&2), "{seen:?}");
    assert!(
        seen.iter().any(|s| matches!(s, ConnectionStatus::Reconnecting { last_error, .. } if last_error.http_status == Some(503))),
        "{seen:?}"
    );

    // A permanent refusal on the way back stops it for good.
    fake.queue_endpoint_reply(HttpReply::json(200, json!({"code": 514, "msg": "auth failed"})));
    fake.drop_long_connections();
    let error = tokio::time::timeout(Duration::from_secs(10), stopped).await.unwrap().unwrap_err();
    let failure = &*error;
    assert_eq!(failure.kind, LongConnectionErrorKind::AuthFailed);
    assert!(handle.status().borrow().is_stopped());
    assert!(handle.is_finished());
    let error = handle.shutdown().await.unwrap_err();
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn a_graceful_shutdown_ends_the_stopped_future_with_ok() {
    let fake = FakeFeishu::start().await;
    let recorder = Arc::new(Recorder::default());
    let handle = start(&fake, &recorder).await;
    let stopped = handle.stopped();
    handle.shutdown().await.unwrap();
    assert!(stopped.await.is_ok());
}

#[tokio::test]
async fn every_odd_endpoint_answer_on_reconnect_is_retried_and_nothing_is_lost() {
    let fake = FakeFeishu::start().await;
    let recorder = Arc::new(Recorder::default());
    let handle = retrying(&fake).start(Handler(recorder.clone())).await.unwrap();
    assert_eq!(fake.push(Push::event(event(1))).await.unwrap().code(), 200);
    let answers = odd_endpoint_answers();
    let count = answers.len();
    for (_, reply) in answers {
        fake.queue_endpoint_reply(reply);
    }
    fake.drop_long_connections();
    assert_eq!(fake.push(Push::event(event(2))).await.unwrap().code(), 200);
    assert_eq!(fake.calls("long_connection.endpoint"), count + 2);
    assert_eq!(handle.connections(), 2);
    assert_eq!(recorder.payloads(), [event(1), event(2)]);
    assert!(!handle.is_finished());
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_refused_websocket_handshake_is_retried() {
    let fake = FakeFeishu::start().await;
    // A real endpoint answer whose ticket the WebSocket server refuses (514, 1000040344).
    let body = json!({"AppID": FakeFeishu::APP_ID, "AppSecret": FakeFeishu::APP_SECRET});
    let response = reqwest::Client::new()
        .post(format!("{}/callback/ws/endpoint", fake.base_url()))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let answer: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    let url = answer["data"]["URL"].as_str().unwrap().replace("ticket=", "ticket=forged-");
    fake.queue_endpoint_reply(HttpReply::json(
        200,
        json!({"code": 0, "data": {"URL": url, "ClientConfig": answer["data"]["ClientConfig"]}}),
    ));
    let recorder = Arc::new(Recorder::default());
    let error = builder(&fake).fail_fast(true).start(Handler(recorder.clone())).await.unwrap_err();
    let failure = &error;
    assert_eq!(failure.kind, LongConnectionErrorKind::HandshakeRefused, "{error}");
    assert!(error.is_retryable());

    fake.queue_endpoint_reply(HttpReply::json(
        200,
        json!({"code": 0, "data": {"URL": url.replace("forged-", "forged-again-")}}),
    ));
    let handle = retrying(&fake).start(Handler(recorder.clone())).await.expect("retried");
    assert_eq!(fake.push(Push::event(event(1))).await.unwrap().code(), 200);
    handle.shutdown().await.unwrap();
}
