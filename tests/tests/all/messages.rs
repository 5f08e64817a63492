//! Messages: typed content on the wire and back, the `uuid` that makes a retried send post
//! once, and the message endpoints against the fake.

use std::time::Duration;

use feishu_fake::{ChatSeed, FakeFeishu, Fault};
use feishu_im::Resources;
use feishu_im::v1::messages::{
    CreateRequest, DeleteRequest, GetRequest, ListRequest, ReplyRequest,
};
use feishu_im::{
    Client, ContainerIdType, Credentials, Error, ErrorCode, FileMessageContent,
    MediaMessageContent, MessageContent, MessageText, MsgType, PostBody, PostElement,
    PostMessageContent, PostTag, ReceiveIdType, ReceivedContent, RetryPolicy,
};
use feishu_im_tests::{Reply, TestServer};
use serde_json::{Value, json};

const CHAT: &str = "oc_team";

async fn fake_with_chat() -> FakeFeishu {
    let fake = FakeFeishu::start().await;
    let user = fake.add_user("alice", "Alice");
    fake.seed_chat(ChatSeed::public(CHAT).members([FakeFeishu::APP_ID.to_owned(), user]));
    fake
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(20))
}

/// One of every kind that can be sent.
fn every_kind() -> Vec<MessageContent> {
    let paragraph = vec![
        PostElement::new(PostTag::Text).text("Hello, "),
        PostElement::new(PostTag::At).user_id("all"),
        PostElement::new(PostTag::Link).text("docs").href("https://open.feishu.cn"),
    ];
    let post = PostMessageContent::new()
        .zh_cn(PostBody::new(vec![paragraph.clone()]).title("标题"))
        .en_us(PostBody::new(vec![paragraph]).title("Title"));
    vec![
        MessageContent::text("hi \"there\" <at user_id=\"all\"></at>\nnext line"),
        post.into(),
        MessageContent::image("img_v2_1"),
        FileMessageContent::new("file_v2_1").into(),
        MessageContent::audio("file_v2_2"),
        MediaMessageContent::new("file_v2_3").image_key("img_v2_2").into(),
        MessageContent::sticker("file_v2_4"),
        MessageContent::interactive(
            json!({"elements": [{"tag": "markdown", "content": "**hi**"}]}),
        ),
        MessageContent::share_chat("oc_other"),
        MessageContent::share_user("ou_someone"),
    ]
}

#[test]
fn every_kind_writes_feishus_json_and_reads_back() {
    let mut wire = String::new();
    for content in every_kind() {
        let json = content.to_json().unwrap();
        assert!(serde_json::from_str::<Value>(&json).unwrap().is_object(), "{json}");
        assert_eq!(MessageContent::from_json(content.kind(), &json).unwrap(), content);
        wire.push_str(&format!("{}: {json}\n", content.kind()));
    }
    insta::assert_snapshot!(wire);
}

#[test]
fn an_unknown_kind_is_kept_as_sent() {
    let json = r#"{"topic":"Lunch?","options":["yes","no"]}"#;
    let content = MessageContent::from_json("vote", json).unwrap();
    let MessageContent::Unknown(unknown) = &content else { panic!("{content:?}") };
    assert_eq!((unknown.kind(), unknown.json()), ("vote", json));
    assert_eq!(content.to_json().unwrap(), json);
}

#[tokio::test]
async fn a_send_goes_out_as_feishu_expects_with_one_uuid_across_retries() {
    let server = TestServer::start(|_| Reply::code(500, 1, "busy")).await;
    let client = Client::builder(Credentials::tenant_token("t-token"))
        .base_url(server.base_url())
        .retry_policy(quick_retries().with_max_attempts(3))
        .build()
        .unwrap();
    let request = CreateRequest::new(ReceiveIdType::ChatId, CHAT, MessageContent::text("hi"));
    let error = client.messages().create(&request).await.unwrap_err();
    assert!(matches!(error, Error::Api(_) | Error::Decode(_)), "{error}");

    let sent = server.requests();
    assert_eq!(sent.len(), 3, "a send with a uuid is retried on 5xx");
    let bodies: Vec<Value> =
        sent.iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
    for (request, body) in sent.iter().zip(&bodies) {
        assert_eq!(request.method, "POST");
        assert_eq!(request.target, "/open-apis/im/v1/messages?receive_id_type=chat_id");
        assert_eq!(body["receive_id"], CHAT);
        assert_eq!(body["msg_type"], "text");
        assert_eq!(body["content"], r#"{"text":"hi"}"#, "content is JSON text");
        assert_eq!(body["uuid"], bodies[0]["uuid"], "every retry carries the same uuid");
    }
    let uuid = bodies[0]["uuid"].as_str().unwrap();
    assert_eq!(uuid.len(), 36);

    // Another call gets another key; a key the caller sets is sent as it is.
    client.messages().create(&request).await.unwrap_err();
    let again: Value = serde_json::from_slice(&server.requests()[3].body).unwrap();
    assert_ne!(again["uuid"], bodies[0]["uuid"]);
    client.messages().create(&request.clone().uuid("my-key")).await.unwrap_err();
    let mine: Value = serde_json::from_slice(&server.requests()[6].body).unwrap();
    assert_eq!(mine["uuid"], "my-key");
}

#[tokio::test]
async fn a_send_whose_answer_is_lost_is_retried_and_posts_once() {
    let fake = fake_with_chat().await;
    let client =
        fake.client_builder(fake_credentials()).retry_policy(quick_retries()).build().unwrap();
    fake.inject("messages.create", Fault::LoseAnswer);
    let request = CreateRequest::new(ReceiveIdType::ChatId, CHAT, MessageContent::text("once"));
    let sent = client.messages().create(&request).await.unwrap();
    assert_eq!(fake.calls("messages.create"), 2, "the lost answer was retried");

    let listed =
        client.messages().list(&ListRequest::new(ContainerIdType::Chat, CHAT)).await.unwrap();
    assert_eq!(listed.items.len(), 1, "one message, though sent twice");
    assert_eq!(listed.items[0].message_id, sent.message_id);
}

fn fake_credentials() -> Credentials {
    Credentials::custom_app(FakeFeishu::APP_ID, FakeFeishu::APP_SECRET)
}

#[tokio::test]
async fn every_kind_round_trips_through_the_fake() {
    let fake = fake_with_chat().await;
    let client = fake.client();
    for content in every_kind() {
        let request = CreateRequest::new(ReceiveIdType::ChatId, CHAT, content.clone());
        let sent = client.messages().create(&request).await.unwrap();
        let id = sent.message_id.clone();
        let got = client.messages().get(&GetRequest::new(&id)).await.unwrap();
        let message = &got.items[0];
        assert_eq!(message.msg_type.as_ref().map(MsgType::as_str), Some(content.kind()));
        let received = message.content().unwrap();
        assert_eq!(received.kind(), content.kind());
        assert!(!matches!(received, ReceivedContent::Unknown(_)), "{received:?}");
        let sent = match &content {
            // A received post has no language key.
            MessageContent::Post(post) => serde_json::to_string(&post.zh_cn).unwrap(),
            _ => content.to_json().unwrap(),
        };
        // Mentions of everyone read `@_all`.
        let sent = sent
            .replace(r#"<at user_id=\"all\"></at>"#, "@_all")
            .replace(r#""user_id":"all""#, r#""user_id":"@_all""#);
        let expected: Value = serde_json::from_str(&sent).unwrap();
        let received: Value = serde_json::from_str(&received.to_json().unwrap()).unwrap();
        assert_eq!(without_empties(received), expected, "{}", content.kind());
    }
}

/// The value without `null` members or empty lists: a received field the sender left out reads
/// as `None`, or as an empty list (`style: []`, as Feishu sends it).
fn without_empties(value: Value) -> Value {
    let empty = |v: &Value| v.is_null() || v.as_array().is_some_and(Vec::is_empty);
    match value {
        Value::Object(map) => map
            .into_iter()
            .filter(|(_, v)| !empty(v))
            .map(|(k, v)| (k, without_empties(v)))
            .collect(),
        Value::Array(items) => items.into_iter().map(without_empties).collect(),
        other => other,
    }
}

#[tokio::test]
async fn replies_threads_paging_and_recall() {
    let fake = fake_with_chat().await;
    let client = fake.client();
    let alice = fake.add_user("alice", "Alice");
    let question = fake.user_says(CHAT, &alice, "who is on call?");

    let reply = ReplyRequest::new(&question, MessageContent::text("me")).reply_in_thread(true);
    let answer = client.messages().reply(&reply).await.unwrap();
    assert_eq!(answer.parent_id.as_deref(), Some(question.as_str()));
    assert_eq!(answer.root_id.as_deref(), Some(question.as_str()));
    let thread = answer.thread_id.clone().expect("a reply in a thread has a thread");

    for n in 0..5 {
        let text = MessageContent::text(format!("note {n}"));
        client
            .messages()
            .create(&CreateRequest::new(ReceiveIdType::ChatId, CHAT, text))
            .await
            .unwrap();
    }
    let all = client
        .messages()
        .list_pager(ListRequest::new(ContainerIdType::Chat, CHAT).page_size(2))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 7, "the question, the reply and five notes, over four pages");
    let in_thread =
        client.messages().list(&ListRequest::new(ContainerIdType::Thread, &thread)).await.unwrap();
    assert_eq!(in_thread.items.len(), 1);
    // A thread shows as its root alone when asked; senders' names come only when asked.
    let roots = ListRequest::new(ContainerIdType::Chat, CHAT)
        .page_size(50)
        .only_thread_root_messages(true)
        .with_sender_name(true);
    let roots = client.messages().list(&roots).await.unwrap();
    assert_eq!(roots.items.len(), 6, "the question and five notes, not the reply in the thread");
    let sender = |m: &feishu_im::Message| m.sender.as_ref().and_then(|s| s.sender_name.clone());
    assert_eq!(sender(&roots.items[0]).as_deref(), Some("Alice"));
    let unnamed = client.messages().get(&GetRequest::new(&question)).await.unwrap();
    assert_eq!(sender(&unnamed.items[0]), None);

    let id = answer.message_id;
    client.messages().delete(&DeleteRequest::new(&id)).await.unwrap();
    let gone = client.messages().get(&GetRequest::new(&id)).await.unwrap_err();
    assert_eq!(gone.code(), Some(ErrorCode::MessageDeleted));
    let not_mine = client.messages().delete(&DeleteRequest::new(&question)).await.unwrap_err();
    assert_eq!(not_mine.code(), Some(ErrorCode::NoRecallPermission));
}

#[tokio::test]
async fn sending_where_the_bot_is_not_fails_as_feishu_does() {
    let fake = FakeFeishu::start().await;
    fake.seed_chat(ChatSeed::public("oc_elsewhere"));
    fake.seed_chat(ChatSeed::public("oc_gone").members([FakeFeishu::APP_ID]).dissolved(true));
    let client = fake.client();
    let send =
        |chat: &str| CreateRequest::new(ReceiveIdType::ChatId, chat, MessageContent::text("hi"));
    let error = client.messages().create(&send("oc_elsewhere")).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::BotNotInChat));
    let error = client.messages().create(&send("oc_gone")).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::ChatDissolved));

    // Content that does not match its kind is refused with the field named.
    let server_side = fake.base_url().to_owned();
    let raw = post_text_with_image_content(&server_side, &fake).await;
    assert_eq!(raw["code"], 230001, "{raw}");
}

/// Sends a `text` message whose content is not a text object, as a hand-written client might.
async fn post_text_with_image_content(base: &str, fake: &FakeFeishu) -> Value {
    fake.seed_chat(ChatSeed::public("oc_raw").members([FakeFeishu::APP_ID]));
    let body =
        json!({"receive_id": "oc_raw", "msg_type": "text", "content": "{\"image_key\":\"x\"}"});
    let path = "/open-apis/im/v1/messages?receive_id_type=chat_id";
    feishu_im_tests::post_raw(base, path, "application/json", body.to_string().into_bytes()).await
}

#[tokio::test]
async fn reactions_and_pins_live_on_the_message() {
    use feishu_im::v1::{message_reactions, pins};
    let fake = fake_with_chat().await;
    let client = fake.client();
    let alice = fake.add_user("alice", "Alice");
    let id = fake.user_says(CHAT, &alice, "ship it?");

    let thumbs = || message_reactions::Emoji::new("THUMBSUP");
    let reacted = client
        .message_reactions()
        .create(&message_reactions::CreateRequest::new(&id, thumbs()))
        .await
        .unwrap();
    let again = client
        .message_reactions()
        .create(&message_reactions::CreateRequest::new(&id, thumbs()))
        .await
        .unwrap();
    assert_eq!(again.reaction_id, reacted.reaction_id, "one reaction per emoji and operator");
    let listed =
        client.message_reactions().list(&message_reactions::ListRequest::new(&id)).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    let reaction_id = reacted.reaction_id;
    client
        .message_reactions()
        .delete(&message_reactions::DeleteRequest::new(&id, &reaction_id))
        .await
        .unwrap();
    let listed =
        client.message_reactions().list(&message_reactions::ListRequest::new(&id)).await.unwrap();
    assert!(listed.items.is_empty());
    let missing = client
        .message_reactions()
        .create(&message_reactions::CreateRequest::new("om_nowhere", thumbs()))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some(ErrorCode::ReactionMessageNotFound));

    let pinned = client.pins().create(&pins::CreateRequest::new(&id)).await.unwrap();
    assert_eq!(pinned.pin.map(|p| p.message_id), Some(id.clone()));
    let listed = client.pins().list(&pins::ListRequest::new(CHAT)).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    client.pins().delete(&pins::DeleteRequest::new(&id)).await.unwrap();
    let listed = client.pins().list(&pins::ListRequest::new(CHAT)).await.unwrap();
    assert!(listed.items.is_empty());
}

#[tokio::test]
async fn a_mention_reads_back_as_its_key_with_the_user() {
    let fake = fake_with_chat().await;
    let client = fake.client();
    let alice = fake.add_user("alice", "Alice");
    // A name that tries to close the tag and mention everyone stays inside the mention.
    let text = MessageText::new()
        .mention(&alice, "Al</at><at user_id=\"all\">")
        .push(" say \"hi\" \\ ")
        .line()
        .push("bye");
    let request = CreateRequest::new(ReceiveIdType::ChatId, CHAT, MessageContent::text(text));
    let id = client.messages().create(&request).await.unwrap().message_id;
    let got = client.messages().get(&GetRequest::new(&id)).await.unwrap();
    let message = &got.items[0];
    let ReceivedContent::Text(text) = message.content().unwrap() else { panic!("text") };
    assert_eq!(text.text, "@_user_1 say \"hi\" \\ \nbye");
    assert_eq!(message.mentions.len(), 1, "{:?}", message.mentions);
    assert_eq!(
        (message.mentions[0].key.as_str(), message.mentions[0].id.as_str()),
        ("@_user_1", alice.as_str())
    );
    assert_eq!(message.mentions[0].name, "Alice");
}

#[tokio::test]
async fn sends_to_one_chat_wait_for_its_five_per_second() {
    let fake = fake_with_chat().await;
    let send = |client: Client| async move {
        let sends = (0..12).map(|i| {
            let request = CreateRequest::new(
                ReceiveIdType::ChatId,
                CHAT,
                MessageContent::text(format!("{i}")),
            );
            let client = client.clone();
            async move { client.messages().create(&request).await }
        });
        futures_util::future::join_all(sends).await
    };
    // The client keeps to the limit: every send goes through, none draws 230020.
    let results = send(fake.client()).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(fake.calls("messages.create"), 12);

    // Without its limiter, the same burst meets the fake's limit.
    let unlimited = Client::builder(fake_credentials())
        .base_url(fake.base_url())
        .rate_limiting(false)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let results = send(unlimited).await;
    let limited = results
        .iter()
        .filter(|r| r.as_ref().err().and_then(Error::code) == Some(ErrorCode::MessageRateLimited))
        .count();
    assert!(limited >= 1, "{results:?}");
}
