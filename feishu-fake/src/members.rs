//! `chat_members`: joining, adding, removing and listing the members of a chat.

use feishu_im::operation::TokenKind;
#[cfg(resource = "chat_members")]
use feishu_im::v1::chat_members;
use feishu_im::{ErrorCode, MemberIdType, SucceedType, UserIdType};

use crate::access::Identity;
use crate::answer::{Outcome, fail};
use crate::paging::Paging;
use crate::state::{State, member_id_of, user_id_as};

/// Checks shared by the chat endpoints: bot ability, installation, chat, dissolution, tenant.
fn chat_checks(state: &State, identity: &Identity, chat_id: &str) -> Result<(), Outcome> {
    let app = state.apps.get(&identity.app_id);
    if app.is_some_and(|a| !a.installed) {
        return Err(fail(ErrorCode::AppUnavailable));
    }
    if identity.kind == TokenKind::Tenant && app.is_some_and(|a| !a.bot_enabled) {
        return Err(fail(ErrorCode::BotAbilityNotActivated));
    }
    let Some(chat) = state.chats.get(chat_id) else { return Err(fail(ErrorCode::InvalidChatId)) };
    if chat.dissolved {
        return Err(fail(ErrorCode::ChatDissolved));
    }
    if chat.tenant_key != identity.tenant_key {
        return Err(fail(ErrorCode::CrossTenantOperation));
    }
    Ok(())
}

fn member_checks(state: &State, identity: &Identity, chat_id: &str) -> Result<(), Outcome> {
    chat_checks(state, identity, chat_id)?;
    if !state.chats[chat_id].members.contains(&identity.member_id()) {
        return Err(fail(ErrorCode::OperatorNotInChat));
    }
    Ok(())
}

#[cfg(operation = "chat_members.me_join")]
pub(crate) fn me_join(
    state: &mut State,
    who: &Identity,
    r: chat_members::MeJoinRequest,
) -> Result<chat_members::MeJoinResponse, Outcome> {
    chat_checks(state, who, &r.chat_id)?;
    let chat = state.chats.get_mut(&r.chat_id).expect("checked");
    let me = who.member_id();
    if !chat.public {
        return Err(fail(ErrorCode::ChatTypeNotSupported));
    }
    if chat.members.contains(&me) {
        return Ok(chat_members::MeJoinResponse::new());
    }
    if chat.join_approval {
        return Err(fail(ErrorCode::JoinRequiresApproval));
    }
    if chat.members.len() >= chat.member_cap {
        return Err(fail(ErrorCode::ChatMemberLimitReached));
    }
    chat.members.push(me);
    Ok(chat_members::MeJoinResponse::new())
}

#[cfg(operation = "chat_members.is_in_chat")]
pub(crate) fn is_in_chat(
    state: &State,
    who: &Identity,
    r: chat_members::IsInChatRequest,
) -> Result<chat_members::IsInChatResponse, Outcome> {
    chat_checks(state, who, &r.chat_id)?;
    Ok({
        let mut value = chat_members::IsInChatResponse::new();
        value.is_in_chat = Some(state.chats[&r.chat_id].members.contains(&who.member_id()));
        value
    })
}

#[cfg(operation = "chat_members.create")]
pub(crate) fn create(
    state: &mut State,
    who: &Identity,
    r: chat_members::CreateRequest,
) -> Result<chat_members::CreateResponse, Outcome> {
    member_checks(state, who, &r.chat_id)?;
    let id_type = r.member_id_type.as_ref().map_or("", MemberIdType::as_str);
    let mut known = Vec::new();
    let mut missing = Vec::new();
    for id in r.id_list {
        let candidate = member_id_of(&id, id_type);
        let exists = if r.member_id_type == Some(MemberIdType::AppId) {
            state.apps.contains_key(&candidate)
        } else {
            state.users.get(&candidate).is_some_and(|u| u.tenant_key == who.tenant_key)
        };
        if exists {
            known.push(candidate);
        } else {
            missing.push(id);
        }
    }
    if !missing.is_empty() {
        match r.succeed_type {
            Some(SucceedType::Partial) => {}
            Some(SucceedType::Strict) => return Err(fail(ErrorCode::UnavailableIds)),
            _ => {
                return Err(fail(match r.member_id_type {
                    Some(MemberIdType::UserId) => ErrorCode::UserIdNotFound,
                    Some(MemberIdType::UnionId) => ErrorCode::UnionIdNotFound,
                    Some(MemberIdType::AppId) => ErrorCode::NoValidMembers,
                    _ => ErrorCode::OpenIdNotFound,
                }));
            }
        }
    }
    if known.is_empty() {
        return Err(fail(ErrorCode::NoValidMembers));
    }
    let chat = state.chats.get_mut(&r.chat_id).expect("checked");
    let mut pending = Vec::new();
    let mut added = Vec::new();
    for member in known {
        if chat.members.contains(&member) {
            continue;
        }
        if chat.join_approval {
            pending.push(member);
        } else if chat.members.len() >= chat.member_cap {
            return Err(fail(ErrorCode::ChatMemberLimitReached));
        } else {
            chat.members.push(member.clone());
            added.push(member);
        }
    }
    let name = chat.name.clone();
    let users: Vec<(String, String)> = added
        .into_iter()
        .filter_map(|id| state.users.get(&id).map(|u| (id, u.name.clone())))
        .collect();
    if !users.is_empty() {
        state.emit(super::events::users_added(&r.chat_id, &who.member_id(), &name, &users));
    }
    Ok({
        let mut value = chat_members::CreateResponse::new();
        value.invalid_id_list = Vec::new();
        value.not_existed_id_list = missing;
        value.pending_approval_id_list = pending;
        value
    })
}

#[cfg(operation = "chat_members.delete")]
pub(crate) fn delete(
    state: &mut State,
    who: &Identity,
    r: chat_members::DeleteRequest,
) -> Result<chat_members::DeleteResponse, Outcome> {
    member_checks(state, who, &r.chat_id)?;
    let id_type = r.member_id_type.as_ref().map_or("", MemberIdType::as_str);
    let chat = state.chats.get_mut(&r.chat_id).expect("checked");
    if r.id_list.iter().any(|id| chat.owner.as_deref() == Some(member_id_of(id, id_type).as_str()))
    {
        return Err(fail(ErrorCode::CannotRemoveOwner));
    }
    let mut invalid_id_list = Vec::new();
    for id in r.id_list {
        let member = member_id_of(&id, id_type);
        match chat.members.iter().position(|m| *m == member) {
            Some(at) => {
                chat.members.remove(at);
            }
            None => invalid_id_list.push(id),
        }
    }
    Ok({
        let mut value = chat_members::DeleteResponse::new();
        value.invalid_id_list = invalid_id_list;
        value
    })
}

/// Lists users (bots are not listed), with page tokens that encode the next offset.
#[cfg(operation = "chat_members.get")]
pub(crate) fn list(
    state: &State,
    who: &Identity,
    r: chat_members::GetRequest,
) -> Result<chat_members::GetResponse, Outcome> {
    member_checks(state, who, &r.chat_id)?;
    // Validated against the spec's limits; the spec's default applies when left out.
    let paging = Paging::new(
        "pt_",
        r.page_token.as_deref(),
        r.page_size,
        ErrorCode::InvalidRequestParameter,
    )?;
    let id_type = r.member_id_type.as_ref().map_or("", UserIdType::as_str);
    let users: Vec<&String> =
        state.chats[&r.chat_id].members.iter().filter(|m| m.starts_with("ou_")).collect();
    let (items, has_more, page_token) = paging.page(users.iter().map(|open_id| {
        let user = state.users.get(*open_id);
        {
            let mut value = chat_members::ChatMember::new(user_id_as(open_id, id_type));
            value.member_id_type = r.member_id_type.clone();
            value.name = Some(user.map_or("", |u| u.name.as_str()).to_owned());
            value.tenant_key = Some(user.map_or(&who.tenant_key, |u| &u.tenant_key).clone());
            value
        }
    }));
    // The fake has no security settings, so none limits the list.
    Ok({
        let mut value = chat_members::GetResponse::new();
        value.items = items;
        value.page_token = page_token;
        value.has_more = Some(has_more);
        value.member_total = i64::try_from(users.len()).ok();
        value.trigger_security_conf_limit = r.check_security_conf.map(|_| false);
        value.security_conf_limit = None;
        value
    })
}
