//! Soak: the long connection against the fake for a given time, with random drops, stalls,
//! duplicates and lost fragments. Run with `cargo xtask soak [SECONDS] [FAULT_RATE]`
//! (default 60 s at 0.02), or `cargo bench -p feishu-im-tests --bench long_connection_soak --
//! SECONDS FAULT_RATE`.
//!
//! Each event is pushed until the client acknowledges it, as Feishu re-delivers what was not
//! acknowledged; duplicates are pushed on purpose too. At the end every event must have been
//! handled exactly once. It prints the events sent and handled, the deliveries made, the
//! faults of each kind, the reconnects, and the resident memory at the start and the end.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use feishu_fake::{FakeFeishu, Push};
use feishu_im::events::Event;
use feishu_im::receive::{Delivery, Dispatcher, HandlerError, LongConnection, MemoryDedup, Reply};

/// Events pushed per second, at most.
const RATE: u64 = 100;
/// How often the memory is read, in events.
const SAMPLE_EVERY: usize = 1000;

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A small deterministic generator (xorshift), so that runs can be repeated.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn chance(&mut self, rate: f64) -> bool {
        (self.next() % 1_000_000) as f64 / 1_000_000.0 < rate
    }
}

fn event(n: usize) -> String {
    format!(
        r#"{{"schema":"2.0","header":{{"event_id":"ev_{n}","event_type":"im.message.receive_v1","create_time":"1700000000000","token":"t","app_id":"cli_soak","tenant_key":"tk"}},"event":{{"sender":{{"sender_id":{{"open_id":"ou_1"}},"sender_type":"user"}},"message":{{"message_id":"om_{n}","create_time":"1700000000000","chat_id":"oc_1","chat_type":"group","message_type":"text","content":"{{\"text\":\"{n}\"}}"}}}}}}"#
    )
}

#[derive(Default)]
struct Faults {
    drops: usize,
    stalls: usize,
    duplicates: usize,
    lost_fragments: usize,
    redeliveries: usize,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let seconds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(60);
    let rate: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(0.02);
    let capacity = usize::try_from(seconds * RATE).unwrap_or(usize::MAX) + 1;
    let handled: Arc<Vec<AtomicU8>> = Arc::new((0..capacity).map(|_| AtomicU8::new(0)).collect());
    let total = Arc::new(AtomicUsize::new(0));

    let fake = FakeFeishu::start().await;
    let counts = (handled.clone(), total.clone());
    let dispatcher = Dispatcher::builder(move |delivery: Delivery| {
        let (handled, total) = counts.clone();
        async move {
            if let Event::MessageReceiveV1(received) = &delivery.event
                && let Some(n) = received.message.message_id.strip_prefix("om_")
                && let Ok(n) = n.parse::<usize>()
            {
                handled[n].fetch_add(1, Ordering::SeqCst);
                total.fetch_add(1, Ordering::SeqCst);
            }
            Ok::<_, HandlerError>(Reply::ack())
        }
    })
    // Duplicates come right after their first delivery: a small window holds them.
    .dedup(Arc::new(MemoryDedup::new(1_000)))
    .build();
    let handle = LongConnection::builder(FakeFeishu::APP_ID, FakeFeishu::APP_SECRET)
        .base_url(fake.base_url())
        .ping_interval(Duration::from_secs(1))
        .reconnect_jitter(Duration::from_millis(100))
        .reconnect_interval(Duration::from_millis(500))
        .start(dispatcher)
        .await
        .expect("the long connection opens");

    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let mut faults = Faults::default();
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut start_kib = 0;
    let mut peak_kib = 0;
    let mut sent = 0usize;
    let mut deliveries = 0usize;
    while Instant::now() < until && sent < capacity {
        let n = sent;
        sent += 1;
        if random.chance(rate) {
            faults.drops += 1;
            fake.drop_long_connections();
        } else if random.chance(rate / 4.0) {
            faults.stalls += 1;
            fake.stall_long_connections();
        }
        if random.chance(rate) {
            // A lost fragment: the client never sees the whole delivery, and Feishu sends it
            // again.
            faults.lost_fragments += 1;
            deliveries += 1;
            let push = Push::event(event(n)).fragments(3).lose_fragment(1);
            let _ = fake.deliver(push).await;
        }
        loop {
            deliveries += 1;
            match fake.push(Push::event(event(n)).fragments(1 + n % 3)).await {
                Ok(ack) if ack.code() == 200 => break,
                _ => faults.redeliveries += 1,
            }
        }
        if random.chance(rate) {
            faults.duplicates += 1;
            deliveries += 1;
            let _ = fake.push(Push::event(event(n))).await;
        }
        if n.is_multiple_of(SAMPLE_EVERY) {
            let kib = resident_kib();
            // After a warm-up: connection buffers, the allocator's pools and the dedup window
            // have reached their size.
            if n == 2 * SAMPLE_EVERY {
                start_kib = kib;
            }
            peak_kib = peak_kib.max(kib);
        }
        // Paced: at most RATE events a second.
        let due = started + Duration::from_micros(1_000_000 * sent as u64 / RATE);
        tokio::time::sleep_until(due.into()).await;
    }
    // Handlers run after the ack: wait for the last ones.
    let settle = Instant::now() + Duration::from_secs(10);
    while total.load(Ordering::SeqCst) < sent && Instant::now() < settle {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let end_kib = resident_kib();
    let reconnects = handle.connections().saturating_sub(1);
    handle.shutdown().await.expect("the connection ends cleanly");

    let once = handled[..sent].iter().filter(|c| c.load(Ordering::SeqCst) == 1).count();
    let lost = handled[..sent].iter().filter(|c| c.load(Ordering::SeqCst) == 0).count();
    let repeated = sent - once - lost;
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    println!("long connection soak: {minutes:.1} min, fault rate {rate}");
    println!("  events sent       {sent}");
    println!("  handled once      {once}");
    println!("  lost              {lost}");
    println!("  handled twice+    {repeated}");
    println!(
        "  deliveries        {deliveries} (redeliveries after no ack: {})",
        faults.redeliveries
    );
    println!(
        "  faults            {} drops, {} stalls, {} duplicates, {} lost fragments",
        faults.drops, faults.stalls, faults.duplicates, faults.lost_fragments
    );
    println!("  reconnects        {reconnects}");
    let change = (end_kib as f64 - start_kib as f64) / start_kib.max(1) as f64 * 100.0;
    println!(
        "  resident memory   {start_kib} KiB after {} events, {end_kib} KiB at the end ({change:+.1}%), peak {peak_kib} KiB",
        2 * SAMPLE_EVERY
    );
    if lost > 0 || repeated > 0 {
        eprintln!("FAILED: every event must be handled exactly once");
        std::process::exit(1);
    }
}
