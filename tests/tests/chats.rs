//! Chats against the fake: create, read, rename, list, search, share and dissolve, and the rule
//! that the owner and managers may do what members cannot.

use feishu_im::fake::FakeFeishu;
use feishu_im::v1::{chat_managers, chats};
use feishu_im::{ChatStatus, ErrorCode, ShareLinkValidityPeriod};

#[tokio::test]
async fn the_owner_and_managers_run_a_chat_that_members_only_use() {
    let fake = FakeFeishu::start().await;
    let bot = fake.client();
    let alice = fake.add_user("alice", "Alice");
    let as_alice = fake.user_token(&alice);

    let create = chats::CreateRequest::new().name("Release train").user_id_list([alice.as_str()]);
    let created = bot.chats().create(&create).await.unwrap();
    let chat_id = created.chat_id.unwrap();
    assert_eq!(created.owner_id.as_deref(), Some(FakeFeishu::APP_ID), "the creator owns it");

    let got = bot.chats().get(&chats::GetRequest::new(&chat_id)).await.unwrap();
    assert_eq!(got.name.as_deref(), Some("Release train"));
    assert_eq!((got.user_count.as_deref(), got.bot_count.as_deref()), (Some("1"), Some("1")));
    assert_eq!(got.chat_status, Some(ChatStatus::Normal));

    // A member may not rename it; a manager may.
    let rename = chats::UpdateRequest::new(&chat_id).name("Train");
    let refused = bot.as_user(&as_alice).chats().update(&rename).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::ChatInfoEditRestricted));
    let promote = chat_managers::AddManagersRequest::new(&chat_id).manager_ids([alice.as_str()]);
    let managers = bot.chat_managers().add_managers(&promote).await.unwrap();
    assert_eq!(managers.chat_managers, [alice.as_str()]);
    bot.as_user(&as_alice).chats().update(&rename).await.unwrap();
    // Only the owner names managers, and only the owner dissolves the chat.
    let refused = bot.as_user(&as_alice).chat_managers().add_managers(&promote).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::OperatorNotChatOwner));
    let dissolve = chats::DeleteRequest::new(&chat_id);
    let refused = bot.as_user(&as_alice).chats().delete(&dissolve).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::OperatorNotOwnerOrAdmin));

    // Listed, found by name, shared.
    let listed = bot.chats().list(&chats::ListRequest::new()).await.unwrap();
    assert!(listed.items.iter().any(|c| c.chat_id.as_deref() == Some(chat_id.as_str())));
    let found = bot.chats().search(&chats::SearchRequest::new().query("Train")).await.unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].name.as_deref(), Some("Train"));
    let link =
        chats::LinkRequest::new(&chat_id).validity_period(ShareLinkValidityPeriod::Permanently);
    let link = bot.chats().link(&link).await.unwrap();
    assert_eq!((link.is_permanent, link.expire_time), (Some(true), None));

    bot.chats().delete(&dissolve).await.unwrap();
    let gone = bot.chats().get(&chats::GetRequest::new(&chat_id)).await.unwrap_err();
    assert_eq!(gone.code(), Some(ErrorCode::ChatDissolved));
}
