//! The top notice: one message of the chat, or its announcement, pinned at the top; putting
//! another replaces it, deleting removes it.

use super::{chat_for, invalid};
use crate::access::Identity;
use crate::answer::{Outcome, fail};
use crate::chats::manages;
use crate::state::{Chat, State};

use feishu_im::operation::{Operation, OperationMeta};
#[cfg(resource = "chat_top_notice")]
use feishu_im::v1::chat_top_notice;
use feishu_im::{ChatMode, ChatPermission, ErrorCode, TopNoticeActionType};

/// The chat whose top notice the caller sets: one it is in and, when the chat lets only its
/// owner and managers manage what is pinned at the top, one it owns or manages (232014).
fn notice_chat<'s>(
    state: &'s State,
    who: &Identity,
    chat_id: &str,
    meta: &OperationMeta,
) -> Result<&'s Chat, Outcome> {
    let chat = chat_for(state, who, chat_id, meta)?;
    if chat.pin_manage_setting == ChatPermission::OnlyOwner && !manages(chat, who) {
        return Err(fail(ErrorCode::TokenLacksPermission));
    }
    Ok(chat)
}

/// Pins one message of the chat (`action_type` `1`, not recalled) or the announcement (`2`, the
/// default; one-to-one chats have none) at the top (232001 otherwise).
#[cfg(operation = "chat_top_notice.put_top_notice")]
pub(crate) fn put(
    state: &mut State,
    who: &Identity,
    r: chat_top_notice::PutTopNoticeRequest,
) -> Result<chat_top_notice::PutTopNoticeResponse, Outcome> {
    let chat = notice_chat(state, who, &r.chat_id, chat_top_notice::PutTopNoticeRequest::META)?;
    let [notice] = r.chat_top_notice.as_slice() else {
        let count = r.chat_top_notice.len().to_string();
        return Err(invalid("chat_top_notice", "must hold one top notice", &count));
    };
    let pinned = match notice.action_type.clone().unwrap_or(TopNoticeActionType::Announcement) {
        TopNoticeActionType::Message => {
            let Some(id) = notice.message_id.clone() else {
                return Err(invalid("chat_top_notice.message_id", "is required for a message", ""));
            };
            let in_chat =
                state.messages.iter().any(|m| m.id == id && m.chat_id == r.chat_id && !m.deleted);
            if !in_chat {
                return Err(invalid(
                    "chat_top_notice.message_id",
                    "is not a message of the chat",
                    &id,
                ));
            }
            {
                let mut value = chat_top_notice::TopNotice::new();
                value.action_type = Some(TopNoticeActionType::Message);
                value.message_id = Some(id);
                value
            }
        }
        TopNoticeActionType::Announcement if chat.mode != ChatMode::P2p => {
            let mut value = chat_top_notice::TopNotice::new();
            value.action_type = Some(TopNoticeActionType::Announcement);
            value.message_id = None;
            value
        }
        other => {
            let problem = "is not a top notice this chat can have";
            return Err(invalid("chat_top_notice.action_type", problem, other.as_str()));
        }
    };
    if let Some(chat) = state.chats.get_mut(&r.chat_id) {
        chat.widgets.top_notice = Some(pinned);
    }
    Ok(chat_top_notice::PutTopNoticeResponse::new())
}

/// Removes what is pinned at the top; nothing pinned is nothing to remove.
#[cfg(operation = "chat_top_notice.delete_top_notice")]
pub(crate) fn delete(
    state: &mut State,
    who: &Identity,
    r: chat_top_notice::DeleteTopNoticeRequest,
) -> Result<chat_top_notice::DeleteTopNoticeResponse, Outcome> {
    notice_chat(state, who, &r.chat_id, chat_top_notice::DeleteTopNoticeRequest::META)?;
    // A notice is kept only when the spec has the operation that puts one.
    #[cfg(operation = "chat_top_notice.put_top_notice")]
    if let Some(chat) = state.chats.get_mut(&r.chat_id) {
        chat.widgets.top_notice = None;
    }
    Ok(chat_top_notice::DeleteTopNoticeResponse::new())
}
