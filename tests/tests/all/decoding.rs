//! Generated structs decode from JSON objects by field name: what a newer server adds is
//! skipped, a missing list is empty and a missing option `None`, a missing required field is
//! named, and keyword fields (`type`) go by their wire name.

use feishu_im::FeedStatusLabelType;
use feishu_im::v1::chat_members::{CreateResponse, GetResponse};
use feishu_im::v2::app_feed_card::FeedStatusLabel;
use serde_json::json;

#[test]
fn fields_are_read_by_name_in_any_order_and_new_ones_are_skipped() {
    let page: GetResponse = serde_json::from_value(json!({
        "has_more": true,
        "added_later": {"nested": [1, 2, {"deep": null}]},
        "items": [{"member_id": "ou_1", "name": "Alice", "tenant_key": "t", "member_id_type": "open_id"}],
        "page_token": "next",
        "member_total": 1
    }))
    .unwrap();
    assert_eq!(page.has_more, Some(true));
    assert_eq!(page.page_token.as_deref(), Some("next"));
    assert_eq!(page.member_total, Some(1));
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].name.as_deref(), Some("Alice"));
}

#[test]
fn missing_lists_are_empty_and_missing_options_none() {
    let created: CreateResponse = serde_json::from_str("{}").unwrap();
    assert_eq!(created, CreateResponse::default());
    let page: GetResponse = serde_json::from_str(r#"{"has_more": false}"#).unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.page_token, None);
    // A `null` option is `None` too.
    let page: GetResponse =
        serde_json::from_str(r#"{"has_more": false, "page_token": null}"#).unwrap();
    assert_eq!(page.page_token, None);
}

#[test]
fn a_missing_required_field_is_named() {
    let error = serde_json::from_str::<feishu_im::Message>(r#"{"msg_type": "text"}"#).unwrap_err();
    assert!(error.to_string().contains("missing field `message_id`"), "{error}");
    let error = serde_json::from_str::<FeedStatusLabel>(r#"{"text": "Done"}"#).unwrap_err();
    assert!(error.to_string().contains("missing field `type`"), "{error}");
}

#[test]
fn a_keyword_field_goes_by_its_wire_name_and_escaped_names_match() {
    let label: FeedStatusLabel =
        serde_json::from_str(r#"{"text": "Done", "\u0074ype": "success"}"#).unwrap();
    assert_eq!(label.text, "Done");
    assert_eq!(label.r#type, FeedStatusLabelType::Success);
    // Decoding from an owned value (keys as `String`) reads the same.
    let label: FeedStatusLabel =
        serde_json::from_value(json!({"type": "danger", "text": "Late"})).unwrap();
    assert_eq!(label.r#type, FeedStatusLabelType::Danger);
}

#[test]
fn wrong_shapes_are_errors_that_say_what_was_expected() {
    let error = serde_json::from_str::<GetResponse>("[true]").unwrap_err();
    assert!(error.to_string().contains("expected struct GetResponse"), "{error}");
    let error = serde_json::from_str::<GetResponse>(r#"{"has_more": "yes"}"#).unwrap_err();
    assert!(error.to_string().contains("invalid type: string \"yes\""), "{error}");
    let error = serde_json::from_str::<GetResponse>(r#"{"has_more": true"#).unwrap_err();
    assert!(error.is_eof(), "{error}");
}

#[test]
fn a_decoded_struct_encodes_back_to_the_same_fields() {
    let original = json!({"has_more": true, "items": [], "page_token": "p", "member_total": 3});
    let page: GetResponse = serde_json::from_value(original.clone()).unwrap();
    let again: GetResponse = serde_json::from_value(serde_json::to_value(&page).unwrap()).unwrap();
    assert_eq!(again, page);
}
