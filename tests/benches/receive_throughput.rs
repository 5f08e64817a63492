//! Webhook deliveries verified, decrypted, decoded, deduplicated and dispatched per second on
//! one core, and the latency of each (from the request to its handler's start), for signed and
//! encrypted `im.message.receive_v1` deliveries and for plain ones. Prints medians of rounds.
//!
//! `cargo bench -p feishu-im-tests --bench receive_throughput`

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use feishu_im::receive::{Delivery, Dispatcher, HandlerError, Reply, Webhook};
use feishu_im_tests::deliveries::{encrypted, envelope, signed};

const EVENTS: usize = 20_000;
const ROUNDS: usize = 5;
const KEY: &str = "bench-encrypt-key";
const TOKEN: &str = "bench-token";

fn main() {
    // One core: a current-thread runtime runs the webhook and the handlers.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for encrypt in [true, false] {
        let mut rates = Vec::new();
        let mut p50s = Vec::new();
        let mut p99s = Vec::new();
        for round in 0..ROUNDS {
            let (rate, p50, p99) = runtime.block_on(round_of(encrypt, round));
            rates.push(rate);
            p50s.push(p50);
            p99s.push(p99);
        }
        rates.sort_by(f64::total_cmp);
        p50s.sort();
        p99s.sort();
        println!(
            "{}: {:.0} events/s on one core (median of {ROUNDS} rounds of {EVENTS}); dispatch latency p50 {:?}, p99 {:?}",
            if encrypt { "signed + encrypted" } else { "plain" },
            rates[ROUNDS / 2],
            p50s[ROUNDS / 2],
            p99s[ROUNDS / 2],
        );
    }
}

async fn round_of(encrypt: bool, round: usize) -> (f64, Duration, Duration) {
    let bodies: Vec<(http::HeaderMap, Vec<u8>)> = (0..EVENTS)
        .map(|n| {
            let message = serde_json::json!({
                "sender": {"sender_id": {"open_id": "ou_1"}, "sender_type": "user", "tenant_key": "t"},
                "message": {"message_id": format!("om_{round}_{n}"), "create_time": "1700000000000",
                            "chat_id": "oc_1", "chat_type": "group", "message_type": "text",
                            "content": "{\"text\":\"hello\"}"},
            });
            let plain = envelope("im.message.receive_v1", &format!("ev_{round}_{n}"), message, TOKEN);
            if encrypt {
                let body = encrypted(&plain, KEY);
                (signed(&body, KEY), body)
            } else {
                (http::HeaderMap::new(), plain.into_bytes())
            }
        })
        .collect();
    let started_at = Arc::new(Mutex::new(Vec::with_capacity(EVENTS)));
    let record = started_at.clone();
    let dispatcher = Dispatcher::builder(move |_: Delivery| {
        record.lock().unwrap().push(Instant::now());
        async { Ok::<_, HandlerError>(Reply::ack()) }
    })
    .build();
    let builder = Webhook::builder(dispatcher).verification_token(TOKEN);
    let webhook = if encrypt { builder.encrypt_key(KEY).build() } else { builder.build() };
    let mut received_at = Vec::with_capacity(EVENTS);
    let started = Instant::now();
    for (headers, body) in &bodies {
        received_at.push(Instant::now());
        webhook.handle(headers, body).await.unwrap();
    }
    webhook.dispatcher().shutdown().await;
    let elapsed = started.elapsed();
    let handled = started_at.lock().unwrap();
    assert_eq!(handled.len(), EVENTS);
    let mut latency: Vec<Duration> =
        handled.iter().zip(&received_at).map(|(h, r)| h.duration_since(*r)).collect();
    latency.sort();
    (EVENTS as f64 / elapsed.as_secs_f64(), latency[EVENTS / 2], latency[EVENTS * 99 / 100])
}
