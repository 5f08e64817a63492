//! Arbitrary bodies and headers through the webhook's verify, decrypt and parse path: each is
//! answered or refused with a status, never a panic.

use feishu_im::receive::{Delivery, Dispatcher, HandlerError, Reply, Webhook};
use proptest::prelude::*;

fn webhook(encrypted: bool) -> Webhook {
    let dispatcher =
        Dispatcher::builder(|_: Delivery| async { Ok::<_, HandlerError>(Reply::ack()) }).build();
    let builder = Webhook::builder(dispatcher).verification_token("token");
    if encrypted { builder.encrypt_key("key").build() } else { builder.build() }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// JSON-ish text: envelopes with arbitrary pieces, so that parsing goes deep.
fn envelope() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(r#""schema":"2.0""#.to_owned()),
        Just(r#""type":"url_verification""#.to_owned()),
        Just(r#""token":"token""#.to_owned()),
        "\"[a-z_]{1,8}\":\"[ -~]{0,12}\"",
        Just(
            r#""header":{"event_id":"e","event_type":"im.message.receive_v1","token":"token"}"#
                .to_owned()
        ),
        Just(r#""event":{"message":{"message_id":"om","content":"{}"}}"#.to_owned()),
        "\"event\":[ -~]{0,24}",
        Just(r#""encrypt":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=""#.to_owned()),
    ];
    proptest::collection::vec(piece, 0..6).prop_map(|pieces| format!("{{{}}}", pieces.join(",")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_refused_or_answered(body in proptest::collection::vec(any::<u8>(), 0..512), signed in any::<bool>()) {
        let runtime = runtime();
        for hook in [webhook(false), webhook(true)] {
            let mut headers = http::HeaderMap::new();
            if signed {
                headers.insert("x-lark-request-timestamp", "1700000000".parse().unwrap());
                headers.insert("x-lark-request-nonce", "n".parse().unwrap());
                headers.insert("x-lark-signature", "00".parse().unwrap());
            }
            if let Err(error) = runtime.block_on(hook.handle(&headers, &body)) {
                prop_assert!((400..600).contains(&error.status()));
            }
        }
    }

    #[test]
    fn arbitrary_envelopes_are_refused_or_answered(text in envelope()) {
        let runtime = runtime();
        let hook = webhook(false);
        if let Err(error) = runtime.block_on(hook.handle(&http::HeaderMap::new(), text.as_bytes())) {
            prop_assert!((400..600).contains(&error.status()));
        }
    }
}
