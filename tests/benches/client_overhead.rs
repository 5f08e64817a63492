//! Overhead per call of the feishu-im client against plain reqwest, both sending the same
//! `me_join` request to the same loopback server. Prints medians and their ratio.
//!
//! `cargo bench -p feishu-im-tests --bench client_overhead`

use std::time::{Duration, Instant};

use feishu_im::Resources;
use feishu_im::v1::chat_members::MeJoinRequest;
use feishu_im::{Client, Credentials, RetryPolicy};
use feishu_im_tests::{Reply, TestServer};

const CALLS: u32 = 2000;
const ROUNDS: usize = 9;

#[derive(serde::Deserialize)]
struct Envelope {
    code: i64,
    #[allow(dead_code)]
    msg: String,
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let server = TestServer::start(|_| Reply::ok(serde_json::json!({}))).await;
        let client = Client::builder(Credentials::tenant_token("t-bench-token"))
            .base_url(server.base_url())
            .retry_policy(RetryPolicy::disabled())
            // The limiter keeps `me_join` within its 50 calls a second; the benchmark measures
            // what a call costs, not how long the limit makes it wait.
            .rate_limiting(false)
            .build()
            .unwrap();
        // The same transport settings as the feishu-im client, so the ratio shows what the
        // client adds: token, URL and query building, envelope decoding, retry bookkeeping.
        let plain = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let url = format!("{}/open-apis/im/v1/chats/oc_bench/members/me_join", server.base_url());
        let request = MeJoinRequest::new("oc_bench");

        let feishu = || async {
            let started = Instant::now();
            for _ in 0..CALLS {
                client.chat_members().me_join(&request).await.unwrap();
            }
            started.elapsed() / CALLS
        };
        let baseline = || async {
            let started = Instant::now();
            for _ in 0..CALLS {
                let response = plain
                    .patch(&url)
                    .header("authorization", "Bearer t-bench-token")
                    .send()
                    .await
                    .unwrap();
                let body = response.bytes().await.unwrap();
                let envelope: Envelope = serde_json::from_slice(&body).unwrap();
                assert_eq!(envelope.code, 0);
            }
            started.elapsed() / CALLS
        };

        // Warm up connections and caches, then alternate rounds so drift hits both alike.
        feishu().await;
        baseline().await;
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            ours.push(feishu().await);
            theirs.push(baseline().await);
        }
        let median = |times: &mut Vec<Duration>| {
            times.sort();
            times[times.len() / 2]
        };
        let (ours, theirs) = (median(&mut ours), median(&mut theirs));
        println!("| client | median per call ({ROUNDS} rounds of {CALLS} calls) |");
        println!("|---|---:|");
        println!("| plain reqwest | {:.1} µs |", theirs.as_secs_f64() * 1e6);
        println!("| feishu-im | {:.1} µs |", ours.as_secs_f64() * 1e6);
        println!(
            "\nfeishu-im / reqwest: {:.3} (overhead {:+.1}%)",
            ours.as_secs_f64() / theirs.as_secs_f64(),
            (ours.as_secs_f64() / theirs.as_secs_f64() - 1.0) * 100.0
        );
    });
}
