//! Reactions in the fake: one per emoji and operator on a message, listed oldest first.

use super::paging::Paging;
use super::state::{State, StoredReaction};
use crate::access::Identity;
use crate::answer::{Outcome, fail};
use feishu_im::ErrorCode;
use feishu_im::UnixMillis;
#[cfg(resource = "message_reactions")]
use feishu_im::v1::message_reactions;

/// The message a reaction goes on: it exists, is not recalled, and the caller is in its chat.
fn reachable(state: &State, who: &Identity, message_id: &str) -> Result<(), Outcome> {
    let Some(message) = state.messages.iter().find(|m| m.id == message_id) else {
        return Err(fail(ErrorCode::ReactionMessageNotFound));
    };
    if message.deleted {
        return Err(fail(ErrorCode::MessageDeleted));
    }
    if !state.chats.get(&message.chat_id).is_some_and(|c| c.members.contains(&who.member_id())) {
        return Err(fail(ErrorCode::NoMessageAccess));
    }
    Ok(())
}

/// A stored reaction as the API returns it.
#[cfg(any(
    operation = "message_reactions.create",
    operation = "message_reactions.delete",
    operation = "message_reactions.list"
))]
fn reaction(r: &StoredReaction) -> message_reactions::MessageReaction {
    let app = r.operator.starts_with("cli_");
    {
        let mut value = message_reactions::MessageReaction::new(r.id.clone());
        value.operator = Some(message_reactions::Operator::new(
            r.operator.clone(),
            if app { "app" } else { "user" }.to_owned(),
        ));
        value.action_time = Some(r.created);
        value.reaction_type = Some(message_reactions::Emoji::new(r.emoji.clone()));
        value
    }
}

#[cfg(operation = "message_reactions.create")]
pub(super) fn create(
    state: &mut State,
    who: &Identity,
    r: message_reactions::CreateRequest,
) -> Result<message_reactions::CreateResponse, Outcome> {
    reachable(state, who, &r.message_id)?;
    let emoji = r.reaction_type.emoji_type;
    if emoji.is_empty() || !emoji.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(fail(ErrorCode::InvalidReactionType));
    }
    let me = who.member_id();
    let existing = state
        .reactions
        .iter()
        .find(|x| x.message_id == r.message_id && x.emoji == emoji && x.operator == me);
    let stored = match existing {
        Some(x) => x.clone(),
        None => {
            let stored = StoredReaction {
                id: format!("rc_fake{:08x}", state.reactions.len() + 1),
                message_id: r.message_id,
                emoji,
                operator: me,
                created: UnixMillis::now(),
            };
            state.reactions.push(stored.clone());
            stored
        }
    };
    Ok(reaction(&stored))
}

#[cfg(operation = "message_reactions.delete")]
pub(super) fn delete(
    state: &mut State,
    who: &Identity,
    r: message_reactions::DeleteRequest,
) -> Result<message_reactions::DeleteResponse, Outcome> {
    reachable(state, who, &r.message_id)?;
    let Some(at) = state.reactions.iter().position(|x| x.id == r.reaction_id) else {
        return Err(fail(ErrorCode::InvalidReactionId));
    };
    if state.reactions[at].message_id != r.message_id {
        return Err(fail(ErrorCode::ReactionNotOnMessage));
    }
    if state.reactions[at].operator != who.member_id() {
        return Err(fail(ErrorCode::NotReactionOwner));
    }
    Ok(reaction(&state.reactions.remove(at)))
}

/// Lists a message's reactions, oldest first, optionally of one emoji; page tokens encode the
/// offset.
#[cfg(operation = "message_reactions.list")]
pub(super) fn list(
    state: &State,
    who: &Identity,
    r: message_reactions::ListRequest,
) -> Result<message_reactions::ListResponse, Outcome> {
    reachable(state, who, &r.message_id)?;
    let found: Vec<&StoredReaction> = state
        .reactions
        .iter()
        .filter(|x| x.message_id == r.message_id)
        .filter(|x| r.reaction_type.as_deref().is_none_or(|e| x.emoji == e))
        .collect();
    let paging =
        Paging::new("rp_", r.page_token.as_deref(), r.page_size, ErrorCode::InvalidPageToken)?;
    let (items, has_more, page_token) = paging.page(found.iter().map(|x| reaction(x)));
    Ok({
        let mut value = message_reactions::ListResponse::new(has_more);
        value.items = items;
        value.page_token = page_token;
        value
    })
}
