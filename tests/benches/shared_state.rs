//! What sharing state through Redis costs and gives, against a real `redis-server` on loopback:
//!
//! 1. the time per call with a warm token, the token kept in Redis against the in-memory store
//!    (rate limiting off, so that only the token path differs), and the time one rate-limit
//!    booking in Redis takes;
//! 2. the throughput of 8 clients sharing one limit of 50 calls a second against the fake
//!    Feishu, and how many calls the fake refused for its rate limit;
//! 3. the time from a Redis restart until the store answers again.
//!
//! Medians of several rounds. `cargo xtask bench-redis`, or
//! `cargo bench -p feishu-im-tests --bench shared_state`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use feishu_fake::{ChatSeed, FakeFeishu};
use feishu_im::Resources;
use feishu_im::operation::RateLimit;
use feishu_im::v1::chat_members::{IsInChatRequest, MeJoinRequest};
use feishu_im::{Client, Credentials, RateLimitStore, RedisStore, RetryPolicy};
use feishu_im_tests::redis::RedisServer;
use feishu_im_tests::{Reply, TestServer};

const CALLS: u32 = 2000;
const ROUNDS: usize = 7;
const INSTANCES: usize = 8;

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn main() {
    let Some(mut redis) = RedisServer::start() else { return };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = RedisStore::new(&redis.url()).unwrap();
        overhead(&store).await;
        throughput(&store).await;
    });
    recovery(&runtime, &mut redis);
}

async fn overhead(store: &RedisStore) {
    let server = TestServer::with_tokens(|_| Reply::ok(serde_json::json!({}))).await;
    let client = |shared: Option<&RedisStore>| {
        let mut builder = Client::builder(Credentials::custom_app("cli_bench", "bench-secret"))
            .base_url(server.base_url())
            .retry_policy(RetryPolicy::disabled())
            .rate_limiting(false);
        if let Some(store) = shared {
            builder = builder.token_store(Arc::new(store.clone()));
        }
        builder.build().unwrap()
    };
    let (memory, redis) = (client(None), client(Some(store)));
    let request = MeJoinRequest::new("oc_bench");
    let per_call = |client: &Client| {
        let (client, request) = (client.clone(), &request);
        async move {
            let started = Instant::now();
            for _ in 0..CALLS {
                client.chat_members().me_join(request).await.unwrap();
            }
            started.elapsed() / CALLS
        }
    };
    // Warm both tokens and connections.
    per_call(&memory).await;
    per_call(&redis).await;
    let (mut in_memory, mut in_redis) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        in_memory.push(per_call(&memory).await);
        in_redis.push(per_call(&redis).await);
    }
    let (in_memory, in_redis) = (median(in_memory), median(in_redis));
    println!("1. warm-token call, token store in memory: {in_memory:?} per call");
    println!("   warm-token call, token store in Redis:  {in_redis:?} per call");
    println!("   ratio Redis / memory: {:.3}", in_redis.as_secs_f64() / in_memory.as_secs_f64());

    let unbounded = RateLimit::new("bench", u32::MAX, u32::MAX);
    let mut bookings = Vec::new();
    for round in 0..ROUNDS {
        let key = format!("bench:{round}");
        let limits = [(key.as_str(), unbounded)];
        let started = Instant::now();
        for _ in 0..CALLS {
            store.book(&limits).await.unwrap();
        }
        bookings.push(started.elapsed() / CALLS);
    }
    println!("   one rate-limit booking in Redis (Lua script): {:?}", median(bookings));
}

async fn throughput(store: &RedisStore) {
    let fake = FakeFeishu::start().await;
    fake.seed_chat(ChatSeed::public("oc_team").members([FakeFeishu::APP_ID]));
    let clients: Vec<Client> = (0..INSTANCES)
        .map(|_| {
            fake.client_builder(Credentials::custom_app(FakeFeishu::APP_ID, FakeFeishu::APP_SECRET))
                .shared_state(store.clone().with_prefix("bench-throughput"))
                .build()
                .unwrap()
        })
        .collect();
    // Every instance calls as fast as it can, with several calls in flight. Slots come in
    // bursts (a second's worth at once), so the rate is taken over whole periods: from the
    // first call finished after 2 s to the first finished after 12 s.
    let (warm_up, measured) = (Duration::from_secs(2), Duration::from_secs(10));
    let started = Instant::now();
    let finished = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for client in clients {
        for _ in 0..16 {
            let (client, finished, stop) = (client.clone(), finished.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let request = IsInChatRequest::new("oc_team");
                    client.chat_members().is_in_chat(&request).await.unwrap();
                    finished.lock().unwrap().push(started.elapsed());
                }
            }));
        }
    }
    // Past the end, until the next period's first call finishes.
    tokio::time::sleep(warm_up + measured + Duration::from_millis(1500)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    let mut finished = finished.lock().unwrap().clone();
    finished.sort();
    let first = finished.iter().position(|t| *t >= warm_up).unwrap();
    let end = finished.iter().position(|t| *t >= warm_up + measured).unwrap();
    let rate = (end - first) as f64 / (finished[end] - finished[first]).as_secs_f64();
    println!(
        "2. 8 instances sharing a limit of 50/s: {rate:.1} calls/s ({:.1}% of the limit), {} refused by the fake's rate limit",
        rate / 50.0 * 100.0,
        fake.rate_limited()
    );
}

fn recovery(runtime: &tokio::runtime::Runtime, redis: &mut RedisServer) {
    let store = runtime.block_on(async { RedisStore::new(&redis.url()).unwrap() });
    let limit = RateLimit::new("bench", u32::MAX, u32::MAX);
    let mut times = Vec::new();
    for _ in 0..5 {
        runtime.block_on(async { store.book(&[("recovery", limit)]).await.unwrap() });
        redis.kill();
        // A booking fails while Redis is down, as a client's would.
        runtime.block_on(async { assert!(store.book(&[("recovery", limit)]).await.is_err()) });
        redis.restart();
        let answering = Instant::now();
        runtime.block_on(async {
            while store.book(&[("recovery", limit)]).await.is_err() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        times.push(answering.elapsed());
    }
    println!(
        "3. from a restarted Redis answering PING to a booking in it: median {:?} (runs {times:?})",
        median(times.clone())
    );
}
