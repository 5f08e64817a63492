//! Chats against the fake: create, read, rename, list, search, share and dissolve, and the rule
//! that the owner and managers may do what members cannot.

use feishu_fake::FakeFeishu;
use feishu_im::Resources;
use feishu_im::v1::{chat_managers, chats};
use feishu_im::{ChatPermission, ChatStatus, ErrorCode, ShareLinkValidityPeriod};

#[tokio::test]
async fn the_owner_and_managers_run_a_chat_that_members_only_use() {
    let fake = FakeFeishu::start().await;
    let bot = fake.client();
    let alice = fake.add_user("alice", "Alice");
    let as_alice = fake.user_token(&alice);

    let create = chats::CreateRequest::new()
        .name("Release train")
        .user_id_list([alice.as_str()])
        .edit_permission(ChatPermission::OnlyOwner);
    let created = bot.chats().create(&create).await.unwrap();
    let chat_id = created.chat_id;
    assert_eq!(created.owner_id.as_deref(), Some(FakeFeishu::APP_ID), "the creator owns it");

    let got = bot.chats().get(&chats::GetRequest::new(&chat_id)).await.unwrap();
    assert_eq!(got.name.as_deref(), Some("Release train"));
    assert_eq!((got.user_count, got.bot_count), (Some(1.into()), Some(1.into())));
    assert_eq!(got.chat_status, Some(ChatStatus::Normal));

    // A member may not rename it while only the owner and managers edit; a manager may.
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
    assert!(listed.items.iter().any(|c| c.chat_id == chat_id));
    let found = bot.chats().search(&chats::SearchRequest::new().query("Train")).await.unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].name.as_deref(), Some("Train"));
    let link =
        chats::LinkRequest::new(&chat_id).validity_period(ShareLinkValidityPeriod::Permanently);
    let link = bot.chats().link(&link).await.unwrap();
    assert_eq!((link.is_permanent, link.expire_time), (Some(true), None));

    // Once all members may edit, a member renames it, but its settings stay the managers'.
    bot.chat_managers()
        .delete_managers(
            &chat_managers::DeleteManagersRequest::new(&chat_id).manager_ids([alice.as_str()]),
        )
        .await
        .unwrap();
    let open = chats::UpdateRequest::new(&chat_id).edit_permission(ChatPermission::AllMembers);
    bot.chats().update(&open).await.unwrap();
    let rename = chats::UpdateRequest::new(&chat_id).name("Trains");
    bot.as_user(&as_alice).chats().update(&rename).await.unwrap();
    let got = bot.chats().get(&chats::GetRequest::new(&chat_id)).await.unwrap();
    assert_eq!(got.name.as_deref(), Some("Trains"));
    let close = chats::UpdateRequest::new(&chat_id).edit_permission(ChatPermission::OnlyOwner);
    let refused = bot.as_user(&as_alice).chats().update(&close).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::ChatInfoEditRestricted));

    bot.chats().delete(&dissolve).await.unwrap();
    let gone = bot.chats().get(&chats::GetRequest::new(&chat_id)).await.unwrap_err();
    assert_eq!(gone.code(), Some(ErrorCode::ChatDissolved));
}

#[tokio::test]
async fn a_moderated_chat_lets_only_its_list_post() {
    use feishu_im::v1::chat_moderation;
    use feishu_im::v1::messages;
    use feishu_im::{MessageContent, ModerationPermission, ReceiveIdType};

    let fake = FakeFeishu::start().await;
    let bot = fake.client();
    let (alice, bob) = (fake.add_user("alice", "Alice"), fake.add_user("bob", "Bob"));
    let create = chats::CreateRequest::new().name("Announcements").user_id_list([&alice, &bob]);
    let chat_id = bot.chats().create(&create).await.unwrap().chat_id;

    let moderate = chat_moderation::UpdateRequest::new(&chat_id)
        .moderation_setting(ModerationPermission::ModeratorList)
        .moderator_added_list([alice.as_str()]);
    // Members may not change who posts; the owner may.
    let refused =
        bot.as_user(&fake.user_token(&bob)).chat_moderation().update(&moderate).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::OperatorNotOwnerOrAdmin));
    bot.chat_moderation().update(&moderate).await.unwrap();
    let got = bot.chat_moderation().get(&chat_moderation::GetRequest::new(&chat_id)).await.unwrap();
    assert_eq!(got.moderation_setting, Some(ModerationPermission::ModeratorList));
    assert_eq!(got.items.len(), 1);
    assert_eq!(got.items[0].user_id.as_deref(), Some(alice.as_str()));

    let say = |text: &str| {
        messages::CreateRequest::new(ReceiveIdType::ChatId, &chat_id, MessageContent::text(text))
    };
    bot.as_user(&fake.user_token(&alice)).messages().create(&say("on the list")).await.unwrap();
    let refused =
        bot.as_user(&fake.user_token(&bob)).messages().create(&say("not on it")).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::SendPermissionDenied));
    bot.messages().create(&say("the owner")).await.unwrap();
}
