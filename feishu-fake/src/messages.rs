//! Messages in the fake: sending, replying, forwarding (one message, several merged, a thread),
//! editing, card updates, reading, listing and recalling, per chat, with the `uuid` rule (one
//! message per key within an hour) and the documented codes.

use serde_json::Value;

use super::paging::Paging;
use super::state::{State, Stored, member_id_of};
use crate::access::Identity;
use crate::answer::{Outcome, fail, invalid_as};
use feishu_im::ModerationPermission;
use feishu_im::UnixMillis;
use feishu_im::operation::TokenKind;
#[cfg(resource = "messages")]
use feishu_im::v1::messages;
#[cfg(resource = "threads")]
use feishu_im::v1::threads;
use feishu_im::{ContainerIdType, ErrorCode, FieldViolation, MessageContent, MessageSortType};
use feishu_im::{ForwardReceiveIdType, Mention, Message, MessageBody, MsgType, Sender, SenderType};

/// How long a `uuid` keeps a second send from posting again.
const UUID_WINDOW_MS: i64 = 60 * 60 * 1000;
/// Edits a message allows.
const MAX_EDITS: u32 = 20;
/// How long a card can be updated after it was sent: 14 days.
const CARD_UPDATE_WINDOW_MS: i64 = 14 * 24 * 60 * 60 * 1000;

/// A text message sent by `sender` (an open_id or app id) in `chat_id`, now.
pub(super) fn stored(id: &str, chat_id: &str, sender: &str, text: &str) -> Stored {
    Stored {
        id: id.to_owned(),
        chat_id: chat_id.to_owned(),
        sender: sender.to_owned(),
        tenant_key: super::FakeFeishu::TENANT_KEY.to_owned(),
        msg_type: "text".to_owned(),
        content: serde_json::json!({ "text": text }).to_string(),
        created: UnixMillis::now(),
        root_id: None,
        parent_id: None,
        thread_id: None,
        deleted: false,
        uuid: None,
        mentions: Vec::new(),
        edits: 0,
        updated: None,
    }
}

/// The content as a reader receives it, and whom it mentions: a post loses its language key,
/// and each mention reads `@_user_N`, described in the message's `mentions` (`@_all` for
/// everyone).
fn received(state: &State, content: &MessageContent) -> Result<(String, Vec<Mention>), Outcome> {
    let invalid = |_| fail(ErrorCode::InvalidMessageParameter);
    let mut mentions = Vec::new();
    let json = match content {
        MessageContent::Text(text) => {
            let text = mention_keys(state, &text.text, &mut mentions);
            serde_json::to_string(&serde_json::json!({ "text": text })).map_err(invalid)?
        }
        MessageContent::Post(post) => {
            let mut body = serde_json::to_value(post.zh_cn.as_ref().or(post.en_us.as_ref()))
                .map_err(invalid)?;
            let elements = body.get_mut("content").and_then(Value::as_array_mut);
            for element in elements.into_iter().flatten().filter_map(Value::as_array_mut).flatten()
            {
                if element["tag"] == "at" {
                    let id = element["user_id"].as_str().unwrap_or_default().to_owned();
                    let before = mentions.len();
                    let key = mention(state, &id, "", &mut mentions);
                    if let Some(named) = mentions.get(before) {
                        element["user_name"] = named.name.clone().into();
                    }
                    element["user_id"] = key.into();
                }
            }
            serde_json::to_string(&body).map_err(invalid)?
        }
        _ => content.to_json().map_err(invalid)?,
    };
    Ok((json, mentions))
}

/// `text` with each `<at user_id="…">name</at>` replaced by its mention key.
fn mention_keys(state: &State, text: &str, mentions: &mut Vec<Mention>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<at user_id=\"") {
        let tag = &rest[start + "<at user_id=\"".len()..];
        let Some((id, tail)) = tag.split_once("\">") else { break };
        let Some((name, after)) = tail.split_once("</at>") else { break };
        out.push_str(&rest[..start]);
        out.push_str(&mention(state, id, name, mentions));
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The key of a mention of `id`, recorded in `mentions` with the user's name.
fn mention(state: &State, id: &str, name: &str, mentions: &mut Vec<Mention>) -> String {
    if id == "all" {
        return "@_all".to_owned();
    }
    let key = format!("@_user_{}", mentions.len() + 1);
    let known = state.users.get(id);
    mentions.push({
        let mut value = Mention::new(
            key.clone(),
            id.to_owned(),
            "open_id".to_owned(),
            known.map_or(name, |u| u.name.as_str()).to_owned(),
        );
        value.tenant_key = known.map(|u| u.tenant_key.clone());
        value
    });
    key
}

/// The chat a bot or user may post to: it exists, lives, and holds the sender.
fn postable(state: &State, who: &Identity, chat_id: &str) -> Result<(), Outcome> {
    let Some(chat) = state.chats.get(chat_id) else {
        return Err(fail(ErrorCode::InvalidMessageParameter));
    };
    if chat.dissolved {
        return Err(fail(ErrorCode::ChatDissolved));
    }
    if chat.tenant_key != who.tenant_key {
        return Err(fail(ErrorCode::CrossTenantP2pForbidden));
    }
    let me = who.member_id();
    if !chat.members.contains(&me) {
        return Err(fail(match who.kind {
            TokenKind::User => ErrorCode::SendPermissionDenied,
            _ => ErrorCode::BotNotInChat,
        }));
    }
    // A moderated chat lets only its owner and managers post, and those on its list.
    let runs = chat.owner.as_deref() == Some(me.as_str()) || chat.managers.contains(&me);
    let may_post = match &chat.moderation {
        Some(ModerationPermission::OnlyOwner) => runs,
        Some(ModerationPermission::ModeratorList) => runs || chat.moderators.contains(&me),
        _ => true,
    };
    if !may_post {
        return Err(fail(ErrorCode::SendPermissionDenied));
    }
    Ok(())
}

/// The chat a message to a user goes to: their p2p chat with the sender, made on first use.
fn p2p_chat(state: &mut State, who: &Identity, user: &str) -> Result<String, Outcome> {
    let known = state.users.get(user).is_some_and(|u| u.tenant_key == who.tenant_key);
    if !known {
        return Err(fail(ErrorCode::BotNotAvailableToUser));
    }
    let id = format!("oc_p2p_{}_{}", who.member_id(), user.trim_start_matches("ou_"));
    if state.chats.contains_key(&id) {
        return Ok(id);
    }
    let members = vec![who.member_id(), user.to_owned()];
    let chat = super::state::Chat {
        member_cap: 2,
        ..state.new_chat(who.tenant_key.clone(), feishu_im::ChatMode::P2p, None, members)
    };
    state.chats.insert(id.clone(), chat);
    Ok(id)
}

/// The message sent earlier with the same key by the same sender, within the window.
fn earlier(state: &State, who: &Identity, uuid: Option<&str>) -> Option<Stored> {
    let uuid = uuid?;
    let since = UnixMillis::now().count() - UUID_WINDOW_MS;
    state
        .messages
        .iter()
        .find(|m| {
            m.uuid.as_deref() == Some(uuid)
                && m.sender == who.member_id()
                && m.created.count() >= since
        })
        .cloned()
}

fn post(
    state: &mut State,
    who: &Identity,
    chat_id: String,
    content: &MessageContent,
    uuid: Option<String>,
    parent: Option<&Stored>,
    in_thread: bool,
) -> Result<Stored, Outcome> {
    if matches!(content, MessageContent::Unknown(_)) {
        let violation = FieldViolation::new("msg_type", "is not a kind that can be sent");
        return Err(invalid_as(ErrorCode::InvalidMessageParameter, vec![violation]));
    }
    let (content_text, mentions) = received(state, content)?;
    let seq = state.messages.len() + 1;
    let id = format!("om_fake{seq:08x}");
    let thread_id = parent
        .and_then(|p| p.thread_id.clone())
        .or_else(|| in_thread.then(|| format!("omt_fake{seq:08x}")));
    let stored = Stored {
        id,
        chat_id,
        sender: who.member_id(),
        tenant_key: who.tenant_key.clone(),
        msg_type: content.kind().to_owned(),
        content: content_text,
        created: UnixMillis::now(),
        root_id: parent.map(|p| p.root_id.clone().unwrap_or_else(|| p.id.clone())),
        parent_id: parent.map(|p| p.id.clone()),
        thread_id,
        deleted: false,
        uuid,
        mentions,
        edits: 0,
        updated: None,
    };
    state.messages.push(stored.clone());
    Ok(stored)
}

/// A stored message as the API returns it.
fn message(m: &Stored) -> Message {
    let app = m.sender.starts_with("cli_");
    {
        let mut value = Message::new(m.id.clone());
        value.root_id = m.root_id.clone();
        value.parent_id = m.parent_id.clone();
        value.thread_id = m.thread_id.clone();
        value.msg_type = serde_json::from_value::<MsgType>(m.msg_type.clone().into()).ok();
        value.create_time = Some(m.created);
        value.update_time = Some(m.updated.unwrap_or(m.created));
        value.deleted = Some(m.deleted);
        value.updated = Some(m.updated.is_some());
        value.chat_id = Some(m.chat_id.clone());
        value.sender = Some({
            let mut value = Sender::new(
                m.sender.clone(),
                if app { "app_id" } else { "open_id" }.to_owned(),
                if app { SenderType::App } else { SenderType::User },
            );
            value.tenant_key = Some(m.tenant_key.clone());
            value.sender_name = None;
            value.open_bot_id = None;
            value.sender_i18n_names = None;
            value
        });
        value.body = Some(MessageBody::new(if m.deleted {
            r#"{"text":"This message was recalled"}"#.to_owned()
        } else {
            m.content.clone()
        }));
        value.mentions = m.mentions.clone();
        value.upper_message_id = None;
        value.message_app_link = None;
        value.message_position = None;
        value.thread_message_position = None;
        value
    }
}

/// `message` with the sender's name filled in, as `with_sender_name` asks (the fake knows the
/// names of its users; a bot's is left out).
fn named(state: &State, m: &Stored, with_sender_name: Option<bool>) -> Message {
    let mut answer = message(m);
    if with_sender_name == Some(true)
        && let Some(sender) = answer.sender.as_mut()
    {
        sender.sender_name = state.users.get(&m.sender).map(|u| u.name.clone());
    }
    answer
}

#[cfg(operation = "messages.create")]
pub(super) fn create(
    state: &mut State,
    who: &Identity,
    r: messages::CreateRequest,
) -> Result<messages::CreateResponse, Outcome> {
    if let Some(sent) = earlier(state, who, r.uuid.as_deref()) {
        return Ok(message(&sent));
    }
    let chat_id = recipient_chat(state, who, r.receive_id_type.as_str(), &r.receive_id)?;
    postable(state, who, &chat_id)?;
    let sent = post(state, who, chat_id, &r.content, r.uuid, None, false)?;
    Ok(message(&sent))
}

/// The chat a message to `receive_id` goes to: the chat itself, or the p2p chat with a user.
fn recipient_chat(
    state: &mut State,
    who: &Identity,
    id_type: &str,
    receive_id: &str,
) -> Result<String, Outcome> {
    match id_type {
        "chat_id" => Ok(receive_id.to_owned()),
        "open_id" | "union_id" | "user_id" => {
            let user = member_id_of(receive_id, id_type);
            p2p_chat(state, who, &user)
        }
        _ => Err(fail(ErrorCode::InvalidReceiveId)),
    }
}

/// Where a forward goes: a chat or user as for sending, or into a thread (after its root).
fn forward_target(
    state: &mut State,
    who: &Identity,
    id_type: &ForwardReceiveIdType,
    receive_id: &str,
) -> Result<(String, Option<Stored>), Outcome> {
    if *id_type == ForwardReceiveIdType::ThreadId {
        let root = state.messages.iter().find(|m| m.thread_id.as_deref() == Some(receive_id));
        let root = root.cloned().ok_or_else(|| fail(ErrorCode::TopicNotFound))?;
        return Ok((root.chat_id.clone(), Some(root)));
    }
    Ok((recipient_chat(state, who, id_type.as_str(), receive_id)?, None))
}

/// A message the caller may forward: it exists, is not recalled, and its chat holds the caller.
fn forwardable(state: &State, who: &Identity, id: &str) -> Result<Stored, Outcome> {
    let found = live(state, id)?;
    if !state.chats.get(&found.chat_id).is_some_and(|c| c.members.contains(&who.member_id())) {
        return Err(fail(ErrorCode::MessageInvisible));
    }
    Ok(found)
}

/// Stores `content` (received JSON text of kind `kind`) as a new message from the caller.
fn store_copy(
    state: &mut State,
    who: &Identity,
    (chat_id, root): (String, Option<Stored>),
    (kind, content): (&str, String),
    uuid: Option<String>,
) -> Result<Stored, Outcome> {
    postable(state, who, &chat_id)?;
    let seq = state.messages.len() + 1;
    let stored = Stored {
        id: format!("om_fake{seq:08x}"),
        chat_id,
        sender: who.member_id(),
        tenant_key: who.tenant_key.clone(),
        msg_type: kind.to_owned(),
        content,
        created: UnixMillis::now(),
        root_id: root.as_ref().map(|r| r.root_id.clone().unwrap_or_else(|| r.id.clone())),
        parent_id: root.as_ref().map(|r| r.id.clone()),
        thread_id: root.and_then(|r| r.thread_id),
        deleted: false,
        uuid,
        mentions: Vec::new(),
        edits: 0,
        updated: None,
    };
    state.messages.push(stored.clone());
    Ok(stored)
}

/// The text a merge-forward or a forwarded thread reads as.
const MERGED: &str = r#"{"content":"Merged and Forwarded Message"}"#;

#[cfg(operation = "messages.forward")]
pub(super) fn forward(
    state: &mut State,
    who: &Identity,
    r: messages::ForwardRequest,
) -> Result<messages::ForwardResponse, Outcome> {
    if let Some(sent) = earlier(state, who, r.uuid.as_deref()) {
        return Ok(message(&sent));
    }
    let original = forwardable(state, who, &r.message_id)?;
    let target = forward_target(state, who, &r.receive_id_type, &r.receive_id)?;
    let copy = (original.msg_type.as_str(), original.content.clone());
    Ok(message(&store_copy(state, who, target, copy, r.uuid)?))
}

#[cfg(operation = "messages.merge_forward")]
pub(super) fn merge_forward(
    state: &mut State,
    who: &Identity,
    r: messages::MergeForwardRequest,
) -> Result<messages::MergeForwardResponse, Outcome> {
    if let Some(sent) = earlier(state, who, r.uuid.as_deref()) {
        return Ok({
            let mut value = messages::MergeForwardResponse::new();
            value.message = Some(message(&sent));
            value.invalid_message_id_list = Vec::new();
            value
        });
    }
    let (valid, invalid): (Vec<_>, Vec<_>) =
        r.message_id_list.iter().partition(|id| forwardable(state, who, id).is_ok());
    if valid.is_empty() {
        return Err(fail(ErrorCode::ForwardMessagesInvalid));
    }
    let target = forward_target(state, who, &r.receive_id_type, &r.receive_id)?;
    let merged = store_copy(state, who, target, ("merge_forward", MERGED.to_owned()), r.uuid)?;
    Ok({
        let mut value = messages::MergeForwardResponse::new();
        value.message = Some(message(&merged));
        value.invalid_message_id_list = invalid.into_iter().cloned().collect();
        value
    })
}

#[cfg(operation = "threads.forward")]
pub(super) fn forward_thread(
    state: &mut State,
    who: &Identity,
    r: threads::ForwardRequest,
) -> Result<threads::ForwardResponse, Outcome> {
    if let Some(sent) = earlier(state, who, r.uuid.as_deref()) {
        return Ok(message(&sent));
    }
    let root = state.messages.iter().find(|m| m.thread_id.as_deref() == Some(&r.thread_id));
    let root = root.cloned().ok_or_else(|| fail(ErrorCode::ForwardMessagesInvalid))?;
    forwardable(state, who, &root.id)?;
    let target = forward_target(state, who, &r.receive_id_type, &r.receive_id)?;
    let merged = store_copy(state, who, target, ("merge_forward", MERGED.to_owned()), r.uuid)?;
    Ok(message(&merged))
}

/// Edits the caller's own text or post: at most 20 times, never a recalled message.
#[cfg(operation = "messages.update")]
pub(super) fn update(
    state: &mut State,
    who: &Identity,
    r: messages::UpdateRequest,
) -> Result<messages::UpdateResponse, Outcome> {
    let found = live(state, &r.message_id)?;
    if found.sender != who.member_id() {
        return Err(fail(ErrorCode::ThreadReplyUnsupportedOrNotSender));
    }
    let editable = |kind: &str| matches!(kind, "text" | "post");
    if !editable(&found.msg_type) || !editable(r.content.kind()) {
        return Err(fail(ErrorCode::UnsupportedForMessageType));
    }
    if found.edits >= MAX_EDITS {
        return Err(fail(ErrorCode::ThreadReplyUnsupportedOrEditLimit));
    }
    postable(state, who, &found.chat_id)?;
    let (content, mentions) = received(state, &r.content)?;
    let stored = state.messages.iter_mut().find(|m| m.id == found.id);
    let stored = stored.ok_or_else(|| fail(ErrorCode::InvalidMessageParameter))?;
    stored.msg_type = r.content.kind().to_owned();
    stored.content = content;
    stored.mentions = mentions;
    stored.edits += 1;
    stored.updated = Some(UnixMillis::now());
    Ok(message(stored))
}

/// Replaces a card the app sent within the last 14 days.
#[cfg(operation = "messages.patch")]
pub(super) fn patch(
    state: &mut State,
    who: &Identity,
    r: messages::PatchRequest,
) -> Result<messages::PatchResponse, Outcome> {
    let found = live(state, &r.message_id)?;
    if found.msg_type != "interactive" || found.sender != who.member_id() {
        return Err(fail(ErrorCode::InvalidMessageParameter));
    }
    if UnixMillis::now().count() - found.created.count() > CARD_UPDATE_WINDOW_MS {
        return Err(fail(ErrorCode::CardUpdateWindowPassed));
    }
    if serde_json::from_str::<serde_json::Map<String, Value>>(&r.content).is_err() {
        return Err(fail(ErrorCode::InvalidMessageParameter));
    }
    if let Some(stored) = state.messages.iter_mut().find(|m| m.id == found.id) {
        stored.content = r.content;
        stored.updated = Some(UnixMillis::now());
    }
    Ok(messages::PatchResponse::new())
}

/// The message `id`, if it exists, with the documented codes otherwise.
fn find(state: &State, id: &str) -> Result<Stored, Outcome> {
    state
        .messages
        .iter()
        .find(|m| m.id == id)
        .cloned()
        .ok_or_else(|| fail(ErrorCode::InvalidMessageParameter))
}

/// The message `id`, unless it was recalled (230110).
fn live(state: &State, id: &str) -> Result<Stored, Outcome> {
    let found = find(state, id)?;
    if found.deleted {
        return Err(fail(ErrorCode::MessageDeleted));
    }
    Ok(found)
}

#[cfg(operation = "messages.reply")]
pub(super) fn reply(
    state: &mut State,
    who: &Identity,
    r: messages::ReplyRequest,
) -> Result<messages::ReplyResponse, Outcome> {
    if let Some(sent) = earlier(state, who, r.uuid.as_deref()) {
        return Ok(message(&sent));
    }
    let parent = find(state, &r.message_id)?;
    if parent.deleted {
        return Err(fail(ErrorCode::MessageRecalled));
    }
    postable(state, who, &parent.chat_id)?;
    let in_thread = r.reply_in_thread.unwrap_or(false);
    let chat = parent.chat_id.clone();
    let sent = post(state, who, chat, &r.content, r.uuid, Some(&parent), in_thread)?;
    Ok(message(&sent))
}

#[cfg(operation = "messages.get")]
pub(super) fn get(
    state: &State,
    who: &Identity,
    r: messages::GetRequest,
) -> Result<messages::GetResponse, Outcome> {
    let found = find(state, &r.message_id)?;
    if !state.chats.get(&found.chat_id).is_some_and(|c| c.members.contains(&who.member_id())) {
        return Err(fail(ErrorCode::MessageInvisible));
    }
    if found.deleted {
        return Err(fail(ErrorCode::MessageDeleted));
    }
    Ok({
        let mut value = messages::GetResponse::new();
        value.items = vec![named(state, &found, r.with_sender_name)];
        value
    })
}

/// Lists a chat's or thread's messages by send time, with page tokens that encode the offset.
#[cfg(operation = "messages.list")]
pub(super) fn list(
    state: &State,
    who: &Identity,
    r: messages::ListRequest,
) -> Result<messages::ListResponse, Outcome> {
    let in_container = |m: &&Stored| match r.container_id_type {
        ContainerIdType::Thread => m.thread_id.as_deref() == Some(r.container_id.as_str()),
        _ => m.chat_id == r.container_id,
    };
    if r.container_id_type != ContainerIdType::Thread {
        let Some(chat) = state.chats.get(&r.container_id) else {
            return Err(fail(ErrorCode::InvalidMessageParameter));
        };
        if !chat.members.contains(&who.member_id()) {
            return Err(fail(ErrorCode::BotNotInChat));
        }
    }
    let (from, to) = (r.start_time.map(UnixMillis::from), r.end_time.map(UnixMillis::from));
    let mut found: Vec<&Stored> = state
        .messages
        .iter()
        .filter(in_container)
        // A thread's replies, left out when only its root is asked for.
        .filter(|m| {
            r.only_thread_root_messages != Some(true)
                || m.thread_id.is_none()
                || m.root_id.is_none()
        })
        .filter(|m| from.is_none_or(|t| m.created >= t))
        // The end is a whole second: its last millisecond counts.
        .filter(|m| to.is_none_or(|t| m.created.count() < t.count() + 1000))
        .collect();
    if r.sort_type == Some(MessageSortType::NewestFirst) {
        found.reverse();
    }
    let paging = Paging::new(
        "mp_",
        r.page_token.as_deref(),
        r.page_size,
        ErrorCode::InvalidMessageParameter,
    )?;
    let (items, has_more, page_token) =
        paging.page(found.iter().map(|m| named(state, m, r.with_sender_name)));
    Ok({
        let mut value = messages::ListResponse::new();
        value.has_more = Some(has_more);
        value.page_token = page_token;
        value.items = items;
        value
    })
}

#[cfg(operation = "messages.delete")]
pub(super) fn delete(
    state: &mut State,
    who: &Identity,
    r: messages::DeleteRequest,
) -> Result<messages::DeleteResponse, Outcome> {
    let found = live(state, &r.message_id)?;
    let chat = state.chats.get(&found.chat_id);
    if !chat.is_some_and(|c| c.members.contains(&who.member_id())) {
        return Err(fail(ErrorCode::BotNotInChat));
    }
    let manages = chat.is_some_and(|c| c.owner.as_deref() == Some(who.member_id().as_str()));
    if found.sender != who.member_id() && !manages {
        return Err(fail(ErrorCode::NoRecallPermission));
    }
    if let Some(stored) = state.messages.iter_mut().find(|m| m.id == r.message_id) {
        stored.deleted = true;
    }
    Ok(messages::DeleteResponse::new())
}
