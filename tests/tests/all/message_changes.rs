//! Changing and passing on messages against the fake: edits (text and post only, the sender
//! only, 20 at most), card updates, forwards to a chat, a user or a thread, merge-forwards and
//! thread forwards.

use feishu_fake::{ChatSeed, FakeFeishu};
use feishu_im::Resources;
use feishu_im::v1::messages::{
    CreateRequest, ForwardRequest, GetRequest, MergeForwardRequest, PatchRequest, ReplyRequest,
    UpdateRequest,
};
use feishu_im::v1::threads;
use feishu_im::{
    Client, ErrorCode, ForwardReceiveIdType, Message, MessageContent, PostBody, PostElement,
    PostMessageContent, PostTag, ReceiveIdType, ReceivedContent,
};
use serde_json::json;

const CHAT: &str = "oc_team";
const OTHER: &str = "oc_other";

async fn fake() -> (FakeFeishu, String) {
    let fake = FakeFeishu::start().await;
    let alice = fake.add_user("alice", "Alice");
    let members = [FakeFeishu::APP_ID.to_owned(), alice.clone()];
    fake.seed_chat(ChatSeed::public(CHAT).members(members.clone()));
    fake.seed_chat(ChatSeed::public(OTHER).members(members));
    (fake, alice)
}

async fn send(client: &Client, chat: &str, content: MessageContent) -> String {
    let request = CreateRequest::new(ReceiveIdType::ChatId, chat, content);
    client.messages().create(&request).await.unwrap().message_id
}

async fn get(client: &Client, id: &str) -> Message {
    client.messages().get(&GetRequest::new(id)).await.unwrap().items.remove(0)
}

fn code<T: std::fmt::Debug>(result: Result<T, feishu_im::Error>) -> Option<ErrorCode> {
    result.unwrap_err().code()
}

#[tokio::test]
async fn the_sender_edits_text_and_posts_twenty_times_at_most() {
    let (fake, alice) = fake().await;
    let client = fake.client();
    let id = send(&client, CHAT, MessageContent::text("draft")).await;
    let post = PostMessageContent::new().en_us(
        PostBody::new(vec![vec![PostElement::new(PostTag::Text).text("final")]]).title("Notes"),
    );
    let edited = client.messages().update(&UpdateRequest::new(&id, post)).await.unwrap();
    assert_eq!(edited.updated, Some(true));
    let ReceivedContent::Post(post) = get(&client, &id).await.content().unwrap() else {
        panic!("a post")
    };
    assert_eq!(post.title.as_deref(), Some("Notes"));

    // Other kinds, other senders and the twenty-first edit are refused with their codes.
    let image = send(&client, CHAT, MessageContent::image("img_1")).await;
    let again = UpdateRequest::new(&image, MessageContent::text("x"));
    assert_eq!(
        code(client.messages().update(&again).await),
        Some(ErrorCode::UnsupportedForMessageType)
    );
    let theirs = fake.user_says(CHAT, &alice, "mine");
    let again = UpdateRequest::new(&theirs, MessageContent::text("x"));
    assert_eq!(
        code(client.messages().update(&again).await),
        Some(ErrorCode::ThreadReplyUnsupportedOrNotSender)
    );
    for n in 2..=20 {
        let edit = UpdateRequest::new(&id, MessageContent::text(format!("edit {n}")));
        client.messages().update(&edit).await.unwrap();
    }
    let edit = UpdateRequest::new(&id, MessageContent::text("one too many"));
    assert_eq!(
        code(client.messages().update(&edit).await),
        Some(ErrorCode::ThreadReplyUnsupportedOrEditLimit)
    );
}

#[tokio::test]
async fn a_card_is_replaced_whole_and_only_a_card() {
    let (fake, _) = fake().await;
    let client = fake.client();
    let card = send(&client, CHAT, MessageContent::interactive(json!({"elements": []}))).await;
    let updated = json!({"elements": [{"tag": "markdown", "content": "done"}]});
    client.messages().patch(&PatchRequest::new(&card, updated.to_string())).await.unwrap();
    let ReceivedContent::Interactive(now) = get(&client, &card).await.content().unwrap() else {
        panic!("a card")
    };
    assert_eq!(now, updated);
    let text = send(&client, CHAT, MessageContent::text("plain")).await;
    let patch = PatchRequest::new(&text, updated.to_string());
    assert_eq!(
        code(client.messages().patch(&patch).await),
        Some(ErrorCode::InvalidMessageParameter)
    );
}

#[tokio::test]
async fn forwards_reach_a_chat_a_user_and_a_thread() {
    let (fake, alice) = fake().await;
    let client = fake.client();
    let id = send(&client, CHAT, MessageContent::text("news")).await;

    let to_chat = ForwardRequest::new(&id, ForwardReceiveIdType::ChatId, OTHER);
    let copy = client.messages().forward(&to_chat).await.unwrap();
    assert_eq!(copy.chat_id.as_deref(), Some(OTHER));
    assert!(matches!(copy.content().unwrap(), ReceivedContent::Text(t) if t.text == "news"));

    let to_alice = ForwardRequest::new(&id, ForwardReceiveIdType::OpenId, &alice);
    let copy = client.messages().forward(&to_alice).await.unwrap();
    assert!(copy.chat_id.unwrap().starts_with("oc_p2p_"), "a p2p chat with alice");

    // Into a thread: the copy joins it.
    let question = fake.user_says(CHAT, &alice, "thread?");
    let reply = ReplyRequest::new(&question, MessageContent::text("yes")).reply_in_thread(true);
    let thread = client.messages().reply(&reply).await.unwrap().thread_id.unwrap();
    let into = ForwardRequest::new(&id, ForwardReceiveIdType::ThreadId, &thread);
    let copy = client.messages().forward(&into).await.unwrap();
    assert_eq!(copy.thread_id.as_deref(), Some(thread.as_str()));

    // A merge-forward keeps the valid messages and names the rest.
    let ids = [id.clone(), "om_missing".to_owned()];
    let merge = MergeForwardRequest::new(ForwardReceiveIdType::ChatId, OTHER, ids);
    let merged = client.messages().merge_forward(&merge).await.unwrap();
    assert_eq!(merged.invalid_message_id_list, ["om_missing"]);
    let message = merged.message.unwrap();
    assert!(matches!(message.content().unwrap(), ReceivedContent::MergeForward(_)));

    // A whole thread, forwarded to another chat.
    let forward = threads::ForwardRequest::new(&thread, ForwardReceiveIdType::ChatId, OTHER);
    let copy = client.threads().forward(&forward).await.unwrap();
    assert_eq!(copy.chat_id.as_deref(), Some(OTHER));
    let missing = threads::ForwardRequest::new("omt_missing", ForwardReceiveIdType::ChatId, OTHER);
    assert_eq!(
        code(client.threads().forward(&missing).await),
        Some(ErrorCode::ForwardMessagesInvalid)
    );
}
