//! Received content: every documented kind parses to its own variant, a message's `content()`
//! reads its body by `msg_type`, and nothing a server may send fails the answer.

use feishu_im::{Message, PostTag, ReceivedContent, UnixMillis};
use serde_json::json;

/// One example of every kind on the "received message content" page, as the page shows it.
fn documented() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("text", json!({"text": "@_user_1 hello"})),
        (
            "post",
            json!({"title": "Title", "content": [[
                {"tag": "text", "text": "Hello ", "style": ["bold"]},
                {"tag": "at", "user_id": "@_user_1", "user_name": "Alice", "style": []},
                {"tag": "a", "href": "https://open.feishu.cn", "text": "docs", "style": []},
                {"tag": "code_block", "language": "RUST", "text": "fn main() {}"},
                {"tag": "hr"}
            ]]}),
        ),
        ("image", json!({"image_key": "img_7ea74629-9191-4176-998c-2e603c9c5e8g"})),
        ("file", json!({"file_key": "file_v2_1", "file_name": "report.pdf"})),
        ("folder", json!({"file_key": "file_v2_2", "file_name": "plans"})),
        ("audio", json!({"file_key": "file_v2_3", "duration": 2000})),
        (
            "media",
            json!({"file_key": "file_v2_4", "image_key": "img_1", "file_name": "a.mp4", "duration": 2000}),
        ),
        ("sticker", json!({"file_key": "file_v2_5"})),
        (
            "interactive",
            json!({"title": "Card", "elements": [[{"tag": "text", "text": "degraded"}]]}),
        ),
        ("hongbao", json!({"text": "[红包]"})),
        (
            "share_calendar_event",
            json!({"summary": "Review", "start_time": "1608265395000", "end_time": "1608267015000"}),
        ),
        ("calendar", json!({"summary": "Invite", "start_time": "1608265395000"})),
        ("general_calendar", json!({"summary": "Moved", "end_time": "1608267015000"})),
        ("share_chat", json!({"chat_id": "oc_a0553eda9014c201e6969b478895c230"})),
        ("share_user", json!({"user_id": "ou_9204a37300b3700d61effaa439f34295"})),
        (
            "system",
            json!({"template": "{from_user} invited {to_chatters} to this chat.",
                   "from_user": ["Alice"], "to_chatters": ["Bob", "Carol"],
                   "divider_text": {"text": "new", "i18n_text": {"zh_cn": "新", "en_us": "new"}}}),
        ),
        ("location", json!({"name": "Office", "longitude": "116.4", "latitude": "39.9"})),
        ("video_chat", json!({"topic": "Standup", "start_time": "1608265395000"})),
        (
            "todo",
            json!({"task_id": "t1", "summary": {"title": "Ship", "content": [[{"tag": "text", "text": "v1"}]]},
                   "due_time": "1623124318000"}),
        ),
        ("vote", json!({"topic": "Lunch?", "options": ["noodles", "rice"]})),
        ("merge_forward", json!({"content": "Merged and Forwarded Message"})),
    ]
}

#[test]
fn every_documented_kind_parses_to_its_own_variant() {
    let mut shown = String::new();
    for (kind, json) in documented() {
        let content = ReceivedContent::from_json(kind, &json.to_string()).unwrap();
        assert_eq!(content.kind(), kind);
        assert!(!matches!(content, ReceivedContent::Unknown(_)), "{kind} is typed");
        shown.push_str(&format!("{content:?}\n"));
    }
    insta::assert_snapshot!(shown);
}

#[test]
fn typed_fields_read_as_typed_values() {
    let post = json!({"content": [[{"tag": "at", "user_id": "@_user_1", "user_name": "Alice"}]]});
    let ReceivedContent::Post(post) =
        ReceivedContent::from_json("post", &post.to_string()).unwrap()
    else {
        panic!("a post")
    };
    assert_eq!(post.content[0][0].tag, PostTag::At);
    assert_eq!(post.content[0][0].user_name.as_deref(), Some("Alice"));

    let chat = json!({"topic": "Standup", "start_time": "1608265395000"});
    let ReceivedContent::VideoChat(chat) =
        ReceivedContent::from_json("video_chat", &chat.to_string()).unwrap()
    else {
        panic!("a video chat")
    };
    assert_eq!(chat.start_time, Some(UnixMillis::new(1_608_265_395_000)));
}

#[test]
fn what_a_newer_server_sends_is_kept() {
    // A kind this crate does not know.
    let json = r#"{"url":"https://example.com"}"#;
    let content = ReceivedContent::from_json("link_preview", json).unwrap();
    let ReceivedContent::Unknown(unknown) = &content else { panic!("{content:?}") };
    assert_eq!((unknown.kind(), unknown.json()), ("link_preview", json));
    // New fields of a known kind, and unknown post tags.
    let json = r#"{"text":"hi","new_field":1}"#;
    assert!(matches!(ReceivedContent::from_json("text", json), Ok(ReceivedContent::Text(_))));
    let json = r#"{"content":[[{"tag":"sparkle","glow":true}]]}"#;
    let ReceivedContent::Post(post) = ReceivedContent::from_json("post", json).unwrap() else {
        panic!("a post")
    };
    assert_eq!(post.content[0][0].tag.as_str(), "sparkle");
}

#[test]
fn a_message_reads_its_content_by_msg_type() {
    let message: Message = serde_json::from_value(json!({
        "message_id": "om_1",
        "msg_type": "image",
        "create_time": "1615380573411",
        "body": {"content": "{\"image_key\":\"img_1\"}"}
    }))
    .unwrap();
    assert_eq!(message.create_time, Some(UnixMillis::new(1_615_380_573_411)));
    let ReceivedContent::Image(image) = message.content().unwrap() else { panic!("an image") };
    assert_eq!(image.image_key, "img_1");

    // Broken content fails only the accessor, never the answer that carries it.
    let broken: Message = serde_json::from_value(json!({
        "message_id": "om_2",
        "msg_type": "image",
        "body": {"content": "<html>"}
    }))
    .unwrap();
    assert!(broken.content().is_err());
    let missing: Message =
        serde_json::from_value(json!({"message_id": "om_3", "msg_type": "text"})).unwrap();
    let error = missing.content().unwrap_err().to_string();
    assert!(error.contains("missing field `body`"), "{error}");
}

#[test]
fn merge_forward_content_is_text_as_sent_whether_bare_or_json() {
    // As messages.merge_forward and threads.forward answer it, and as real messages carry it.
    let message: Message = serde_json::from_value(json!({
        "message_id": "om_4",
        "msg_type": "merge_forward",
        "body": {"content": "Merged and Forwarded Message"}
    }))
    .unwrap();
    let content = message.content().unwrap();
    let ReceivedContent::MergeForward(text) = &content else { panic!("{content:?}") };
    assert_eq!(text, "Merged and Forwarded Message");
    assert_eq!(content.to_json().unwrap(), "Merged and Forwarded Message");
    // As the received-content page shows it.
    let json = r#"{"content":"Merged and Forwarded Message"}"#;
    let content = ReceivedContent::from_json("merge_forward", json).unwrap();
    assert_eq!(content.to_json().unwrap(), json);
}
