//! Pins in the fake: a message pinned once in its chat, listed newest first.

use super::paging::Paging;
use super::state::{State, StoredPin};
use crate::access::Identity;
use crate::answer::{Outcome, fail};
use feishu_im::ErrorCode;
use feishu_im::UnixMillis;
#[cfg(resource = "pins")]
use feishu_im::v1::pins;

#[cfg(any(operation = "pins.create", operation = "pins.list"))]
fn pin(p: &StoredPin) -> pins::Pin {
    {
        let mut value = pins::Pin::new(p.message_id.clone());
        value.chat_id = Some(p.chat_id.clone());
        value.operator_id = Some(p.operator.clone());
        value.operator_id_type =
            Some(if p.operator.starts_with("cli_") { "app_id" } else { "open_id" }.to_owned());
        value.create_time = Some(p.created);
        value
    }
}

/// The chat of a message the caller may pin: it exists, lives, and the caller is in its chat.
fn pinnable(state: &State, who: &Identity, message_id: &str) -> Result<String, Outcome> {
    let Some(message) = state.messages.iter().find(|m| m.id == message_id) else {
        return Err(fail(ErrorCode::InvalidMessageParameter));
    };
    if message.deleted {
        return Err(fail(ErrorCode::MessageRecalled));
    }
    let Some(chat) = state.chats.get(&message.chat_id) else {
        return Err(fail(ErrorCode::ChatNotFound));
    };
    if chat.dissolved {
        return Err(fail(ErrorCode::ChatDissolved));
    }
    if !chat.members.contains(&who.member_id()) {
        return Err(fail(ErrorCode::BotNotInChat));
    }
    Ok(message.chat_id.clone())
}

#[cfg(operation = "pins.create")]
pub(super) fn create(
    state: &mut State,
    who: &Identity,
    r: pins::CreateRequest,
) -> Result<pins::CreateResponse, Outcome> {
    let chat_id = pinnable(state, who, &r.message_id)?;
    if let Some(existing) = state.pins.iter().find(|p| p.message_id == r.message_id) {
        return Ok({
            let mut value = pins::CreateResponse::new();
            value.pin = Some(pin(existing));
            value
        });
    }
    let stored = StoredPin {
        message_id: r.message_id,
        chat_id,
        operator: who.member_id(),
        created: UnixMillis::now(),
    };
    state.pins.push(stored.clone());
    Ok({
        let mut value = pins::CreateResponse::new();
        value.pin = Some(pin(&stored));
        value
    })
}

#[cfg(operation = "pins.delete")]
pub(super) fn delete(
    state: &mut State,
    who: &Identity,
    r: pins::DeleteRequest,
) -> Result<pins::DeleteResponse, Outcome> {
    pinnable(state, who, &r.message_id)?;
    state.pins.retain(|p| p.message_id != r.message_id);
    Ok(pins::DeleteResponse::new())
}

/// Lists a chat's pins, newest first, within the time range (milliseconds); page tokens encode
/// the offset.
#[cfg(operation = "pins.list")]
pub(super) fn list(
    state: &State,
    who: &Identity,
    r: pins::ListRequest,
) -> Result<pins::ListResponse, Outcome> {
    let Some(chat) = state.chats.get(&r.chat_id) else {
        return Err(fail(ErrorCode::ChatNotFound));
    };
    if !chat.members.contains(&who.member_id()) {
        return Err(fail(ErrorCode::BotNotInChat));
    }
    let (from, to) = (r.start_time, r.end_time);
    let mut found: Vec<&StoredPin> = state
        .pins
        .iter()
        .filter(|p| p.chat_id == r.chat_id)
        .filter(|p| from.is_none_or(|t| p.created >= t) && to.is_none_or(|t| p.created <= t))
        .collect();
    found.reverse();
    let paging = Paging::new(
        "pp_",
        r.page_token.as_deref(),
        r.page_size,
        ErrorCode::InvalidMessageParameter,
    )?;
    let (items, has_more, page_token) = paging.page(found.iter().map(|x| pin(x)));
    Ok({
        let mut value = pins::ListResponse::new();
        value.items = items;
        value.has_more = Some(has_more);
        value.page_token = page_token;
        value
    })
}
