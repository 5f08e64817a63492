//! Several instances of one app sharing tokens, the `app_ticket`, rate limits and event claims
//! through a real Redis, against the fake Feishu.

use std::sync::Arc;
use std::time::Duration;

use feishu_fake::{ChatSeed, FakeFeishu, SampleCall, samples};
use feishu_im::Resources;
use feishu_im::operation::Method;
use feishu_im::v1::chat_members::{IsInChatRequest, MeJoinRequest};
use feishu_im::{AuthErrorKind, Client, Credentials, Error, MemoryStore, RedisStore};
use feishu_im_tests::redis::RedisServer;
use futures_util::future::join_all;

const INSTANCES: usize = 8;

/// A Redis, or `None` (the test is skipped, with a message) when none is installed.
///
/// Commands may take 2 s, not the default 250 ms: these tests run side by side on two cores,
/// where a starved Redis can take longer, and a timeout makes instances go on alone, which is
/// the fallback the Redis-down test checks, not what the others measure.
fn redis() -> Option<(RedisServer, RedisStore)> {
    let server = RedisServer::start()?;
    let store = RedisStore::new(&server.url()).expect("a valid URL");
    Some((server, store.with_timeout(Duration::from_secs(2))))
}

/// `INSTANCES` clients of the fake's custom app, each its own `Client`, sharing `store`.
fn instances(fake: &FakeFeishu, store: &RedisStore) -> Vec<Client> {
    (0..INSTANCES)
        .map(|_| {
            fake.client_builder(Credentials::custom_app(FakeFeishu::APP_ID, FakeFeishu::APP_SECRET))
                .shared_state(store.clone())
                .build()
                .unwrap()
        })
        .collect()
}

/// The sample calls that read (`GET`) with a tenant token within the standard limit of 50 a
/// second: calls that can be repeated without changing what the next one finds.
fn reads() -> Vec<SampleCall> {
    samples()
        .iter()
        .filter(|s| {
            let meta = s.meta();
            meta.method == Method::Get
                && s.takes_tenant_token()
                && meta.rate_limit.per_second == 50
                && meta.recipient_limit.is_none()
        })
        .copied()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_cold_calls_across_eight_instances_fetch_one_token() {
    let Some((_redis, store)) = redis() else { return };
    let fake = FakeFeishu::start().await;
    fake.seed_examples();
    let clients = instances(&fake, &store);
    let reads = reads();
    assert!(reads.len() >= 20, "enough reads to spread 1000 calls: {}", reads.len());
    // 1000 calls, at most 40 per operation: none waits for a rate-limit slot, so all start cold
    // at once.
    let calls = (0..1000).map(|n| {
        let client = &clients[n % INSTANCES];
        let sample = reads[n % reads.len().min(25)];
        async move { (sample.meta().operation, sample.call(client.caller()).await) }
    });
    for (operation, result) in join_all(calls).await {
        if let Err(error) = result {
            panic!("{operation}: {error}");
        }
    }
    assert_eq!(fake.token_requests(), 1);
    assert_eq!(fake.rate_limited(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_instances_sending_as_fast_as_they_can_stay_within_the_limit() {
    let Some((_redis, store)) = redis() else { return };
    let fake = FakeFeishu::start().await;
    fake.seed_chat(ChatSeed::public("oc_team").members([FakeFeishu::APP_ID]));
    let clients = instances(&fake, &store);
    // 130 calls of one endpoint limited to 50 a second: three windows' worth.
    let calls = (0..130).map(|n| {
        let client = &clients[n % INSTANCES];
        async move { client.chat_members().is_in_chat(&IsInChatRequest::new("oc_team")).await }
    });
    for result in join_all(calls).await {
        assert_eq!(result.unwrap().is_in_chat, Some(true));
    }
    assert_eq!(fake.rate_limited(), 0, "the fake refused calls for its rate limit");
    assert_eq!(fake.calls("chat_members.is_in_chat"), 130);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_shared_limit_eight_instances_draw_rate_limit_errors() {
    // The counterpart of the test above: the fake does refuse what one budget per instance
    // lets through.
    let fake = FakeFeishu::start().await;
    fake.seed_chat(ChatSeed::public("oc_team").members([FakeFeishu::APP_ID]));
    let clients: Vec<Client> = (0..INSTANCES).map(|_| fake.client()).collect();
    let calls = (0..130).map(|n| {
        let client = &clients[n % INSTANCES];
        async move { client.chat_members().is_in_chat(&IsInChatRequest::new("oc_team")).await }
    });
    join_all(calls).await;
    assert!(fake.rate_limited() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_declared_invalid_is_fetched_again_once_across_instances() {
    let Some((_redis, store)) = redis() else { return };
    let fake = FakeFeishu::start().await;
    fake.seed_chat(ChatSeed::public("oc_team").members([FakeFeishu::APP_ID]));
    let clients = instances(&fake, &store);
    let check = |client: &Client| {
        let client = client.clone();
        async move { client.chat_members().is_in_chat(&IsInChatRequest::new("oc_team")).await }
    };
    for result in join_all(clients.iter().map(check)).await {
        result.unwrap();
    }
    assert_eq!(fake.token_requests(), 1);
    // Every instance holds the token; the fake now calls it expired (a `refresh_token` code).
    fake.expire_tokens();
    let calls = (0..40).map(|n| check(&clients[n % INSTANCES]));
    for result in join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(fake.token_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_go_on_while_redis_is_down_and_sharing_resumes_after_a_restart() {
    let Some((mut redis, store)) = redis() else { return };
    let fake = FakeFeishu::start().await;
    fake.seed_chat(ChatSeed::public("oc_team").members([FakeFeishu::APP_ID]));
    let clients = Arc::new(instances(&fake, &store));
    // Each instance calls five times a second, 40 a second in all: within the limit of 50 even
    // when each limits its calls on its own.
    let run = |rounds: usize| {
        let clients = clients.clone();
        tokio::spawn(async move {
            let each = (0..INSTANCES).map(|i| {
                let client = clients[i].clone();
                async move {
                    for _ in 0..rounds {
                        let request = IsInChatRequest::new("oc_team");
                        client.chat_members().is_in_chat(&request).await.unwrap();
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            });
            join_all(each).await;
        })
    };
    let calls = run(10);
    tokio::time::sleep(Duration::from_millis(500)).await;
    redis.kill();
    // A panic or a failed call fails the task.
    calls.await.unwrap();
    assert_eq!(fake.calls("chat_members.is_in_chat"), INSTANCES * 10);
    assert_eq!(fake.token_requests(), 1);

    redis.restart();
    let mut answers = false;
    for _ in 0..100 {
        if store.ping().await.is_ok() {
            answers = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(answers, "the store reconnects after a restart");
    // The restarted Redis is empty; tokens are shared again: one fetch for all.
    fake.expire_tokens();
    run(3).await.unwrap();
    assert_eq!(fake.token_requests(), 2);
    assert_eq!(fake.rate_limited(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_app_ticket_received_by_one_instance_serves_all() {
    let Some((_redis, store)) = redis() else { return };
    let fake = FakeFeishu::start().await;
    fake.seed_chat(ChatSeed::public("oc_other").tenant("tenant_b"));
    let store_app = || {
        let credentials =
            Credentials::store_app(FakeFeishu::STORE_APP_ID, FakeFeishu::STORE_APP_SECRET);
        fake.client_builder(credentials).shared_state(store.clone()).build().unwrap()
    };
    let (receiver, other) = (store_app(), store_app());
    receiver.share_app_ticket(fake.push_app_ticket()).await;
    other
        .for_tenant("tenant_b")
        .chat_members()
        .me_join(&MeJoinRequest::new("oc_other"))
        .await
        .unwrap();
    // Without the shared store, the other instance has no ticket.
    let alone = fake
        .client_builder(Credentials::store_app(
            FakeFeishu::STORE_APP_ID,
            FakeFeishu::STORE_APP_SECRET,
        ))
        .token_store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    let error = alone
        .for_tenant("tenant_b")
        .chat_members()
        .me_join(&MeJoinRequest::new("oc_other"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Auth(auth) if auth.kind == AuthErrorKind::MissingAppTicket),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_is_claimed_once_across_instances() {
    let Some((redis, store)) = redis() else { return };
    let other = RedisStore::new(&redis.url()).unwrap();
    let key = "cli_a:event:ev_1";
    assert!(store.claim_once(key, Duration::from_secs(60)).await.unwrap());
    assert!(!other.claim_once(key, Duration::from_secs(60)).await.unwrap());
    assert!(!store.claim_once(key, Duration::from_secs(60)).await.unwrap());
    assert!(other.claim_once("cli_a:event:ev_2", Duration::from_secs(60)).await.unwrap());
    // A claim lapses after its ttl.
    assert!(store.claim_once("cli_a:event:short", Duration::from_millis(30)).await.unwrap());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(other.claim_once("cli_a:event:short", Duration::from_secs(60)).await.unwrap());
    // Two prefixes are two namespaces.
    let elsewhere = RedisStore::new(&redis.url()).unwrap().with_prefix("staging");
    assert!(elsewhere.claim_once(key, Duration::from_secs(60)).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_behind_one_webhook_url_handle_a_redelivered_message_once() {
    use feishu_im::receive::{Delivery, Dispatcher, HandlerError, Reply, Webhook};
    use feishu_im_tests::deliveries::{encrypted, envelope, signed};

    let Some((redis, _)) = redis() else { return };
    let handled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let instance = || {
        let handled = handled.clone();
        let store = Arc::new(RedisStore::new(&redis.url()).unwrap());
        let dispatcher = Dispatcher::builder(move |_: Delivery| {
            handled.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Ok::<_, HandlerError>(Reply::ack()) }
        })
        .dedup(store)
        .build();
        Webhook::builder(dispatcher).encrypt_key("key").verification_token("token").build()
    };
    let (a, b) = (instance(), instance());
    let message = serde_json::json!({
        "sender": {"sender_id": {"open_id": "ou_1"}, "sender_type": "user"},
        "message": {"message_id": "om_shared", "create_time": "1700000000000", "chat_id": "oc_1",
                    "chat_type": "group", "message_type": "text", "content": "{\"text\":\"hi\"}"},
    });
    // Feishu re-delivers the message under a new event id; the balancer picks the other instance.
    for (webhook, event_id) in [(&a, "ev_1"), (&b, "ev_2"), (&a, "ev_3")] {
        let body = encrypted(
            &envelope("im.message.receive_v1", event_id, message.clone(), "token"),
            "key",
        );
        webhook.handle(&signed(&body, "key"), &body).await.unwrap();
    }
    a.dispatcher().shutdown().await;
    b.dispatcher().shutdown().await;
    assert_eq!(handled.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_never_hold_the_secret_and_debug_hides_the_password() {
    let Some((redis, store)) = redis() else { return };
    let fake = FakeFeishu::start().await;
    fake.seed_chat(ChatSeed::public("oc_team").members([FakeFeishu::APP_ID]));
    let client = &instances(&fake, &store)[0];
    client.chat_members().is_in_chat(&IsInChatRequest::new("oc_team")).await.unwrap();

    let redis_client = redis::Client::open(redis.url()).unwrap();
    let mut connection = redis_client.get_multiplexed_async_connection().await.unwrap();
    let mut keys: Vec<String> = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) =
            redis::cmd("SCAN").arg(cursor).query_async(&mut connection).await.unwrap();
        keys.extend(batch);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    assert!(keys.iter().any(|k| k.starts_with("feishu-im:cli_fake_custom_app:")), "{keys:?}");
    assert!(keys.iter().any(|k| k.ends_with(":token:tenant")), "{keys:?}");
    for key in &keys {
        assert!(!key.contains(FakeFeishu::APP_SECRET), "{key}");
    }

    let with_password =
        format!("redis://:hunter2@127.0.0.1:{}", redis.url().rsplit(':').next().unwrap());
    let shown = format!("{:?}", RedisStore::new(&with_password).unwrap());
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("127.0.0.1"), "{shown}");
    let client_shown = format!("{client:?}");
    assert!(!client_shown.contains(FakeFeishu::APP_SECRET), "{client_shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_me_join_processes_fetch_the_token_once_between_them() {
    let Some((redis, _store)) = redis() else { return };
    let binary = feishu_im_tests::examples::build("me_join");
    let fake = FakeFeishu::start().await;
    fake.seed_chat(ChatSeed::public("oc_team"));
    let runs = (0..INSTANCES).map(|_| {
        let mut command = std::process::Command::new(&binary);
        command
            .arg("oc_team")
            .env("FEISHU_APP_ID", FakeFeishu::APP_ID)
            .env("FEISHU_APP_SECRET", FakeFeishu::APP_SECRET)
            .env("FEISHU_BASE_URL", fake.base_url())
            .env("FEISHU_REDIS_URL", redis.url());
        tokio::task::spawn_blocking(move || command.output().expect("me_join runs"))
    });
    for output in join_all(runs).await {
        let output = output.unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "me_join failed: {stderr}");
        assert!(String::from_utf8_lossy(&output.stdout).contains("joined chat oc_team"));
    }
    assert_eq!(fake.calls("chat_members.me_join"), INSTANCES);
    assert_eq!(fake.token_requests(), 1);
}
