//! Chats in the fake: creating, reading, renaming, dissolving, listing, searching and sharing
//! them, and their managers, with the rule that the owner and managers may do what members
//! cannot.

use super::paging::Paging;
use super::state::{Chat, State, member_id_of};
use crate::access::Identity;
use crate::answer::{Outcome, fail};
#[cfg(resource = "chat_managers")]
use feishu_im::v1::chat_managers;
#[cfg(resource = "chat_moderation")]
use feishu_im::v1::chat_moderation;
#[cfg(resource = "chats")]
use feishu_im::v1::chats;
use feishu_im::{ChatMode, ChatPermission, ChatStatus, ErrorCode, ModerationPermission};
use feishu_im::{UnixSeconds, UserIdType};

/// A chat the caller is in, alive.
pub(super) fn chat_of<'s>(
    state: &'s State,
    who: &Identity,
    chat_id: &str,
) -> Result<&'s Chat, Outcome> {
    let chat = state.chats.get(chat_id).ok_or_else(|| fail(ErrorCode::InvalidChatId))?;
    if chat.dissolved {
        return Err(fail(ErrorCode::ChatDissolved));
    }
    if chat.tenant_key != who.tenant_key {
        return Err(fail(ErrorCode::CrossTenantOperation));
    }
    if !chat.members.contains(&who.member_id()) {
        return Err(fail(ErrorCode::OperatorNotInChat));
    }
    Ok(chat)
}

/// Whether the caller owns or manages the chat.
pub(super) fn manages(chat: &Chat, who: &Identity) -> bool {
    let me = who.member_id();
    chat.owner.as_deref() == Some(me.as_str()) || chat.managers.contains(&me)
}

#[cfg(operation = "chats.create")]
pub(super) fn create(
    state: &mut State,
    who: &Identity,
    r: chats::CreateRequest,
) -> Result<chats::CreateResponse, Outcome> {
    let id_type = r.user_id_type.as_ref().map_or("open_id", UserIdType::as_str);
    let users: Vec<String> =
        r.user_id_list.iter().flatten().map(|id| member_id_of(id, id_type)).collect();
    if users.iter().any(|u| !state.users.contains_key(u)) {
        return Err(fail(ErrorCode::InvalidUserId));
    }
    let me = who.member_id();
    let owner = r.owner_id.as_deref().map_or_else(|| me.clone(), |o| member_id_of(o, id_type));
    let mut members = vec![me.clone()];
    members.extend(users.into_iter().filter(|u| *u != me));
    if !members.contains(&owner) {
        members.push(owner.clone());
    }
    let chat_id = format!("oc_fake{:08x}", state.chats.len() + 1);
    let managers = if r.set_bot_manager == Some(true) { vec![me] } else { Vec::new() };
    let mode = r.chat_mode.clone().unwrap_or(ChatMode::Group);
    let base = state.new_chat(who.tenant_key.clone(), mode, Some(owner.clone()), members);
    let chat = Chat {
        public: r.chat_type.as_ref().is_some_and(|t| t.as_str() == "public"),
        name: r.name.clone().unwrap_or_default(),
        description: r.description.clone().unwrap_or_default(),
        managers,
        edit_permission: r.edit_permission.clone().unwrap_or(ChatPermission::AllMembers),
        pin_manage_setting: r.pin_manage_setting.clone().unwrap_or(ChatPermission::AllMembers),
        ..base
    };
    state.chats.insert(chat_id.clone(), chat);
    Ok({
        let mut value: chats::CreateResponse = Default::default();
        value.chat_id = chat_id;
        value.name = r.name;
        value.description = r.description;
        value.owner_id = Some(owner);
        value.owner_id_type = Some(UserIdType::OpenId);
        value.tenant_key = Some(who.tenant_key.clone());
        value.chat_type = r.chat_type;
        value
    })
}

#[cfg(operation = "chats.get")]
pub(super) fn get(
    state: &State,
    who: &Identity,
    r: chats::GetRequest,
) -> Result<chats::GetResponse, Outcome> {
    let chat = chat_of(state, who, &r.chat_id)?;
    let (bots, users): (Vec<&String>, Vec<&String>) =
        chat.members.iter().partition(|m| m.starts_with("cli_"));
    let (bot_managers, user_managers): (Vec<String>, Vec<String>) =
        chat.managers.iter().cloned().partition(|m| m.starts_with("cli_"));
    Ok({
        let mut value: chats::GetResponse = Default::default();
        value.name = Some(chat.name.clone());
        value.description = Some(chat.description.clone());
        value.owner_id = chat.owner.clone();
        value.owner_id_type = chat.owner.as_ref().map(|_| UserIdType::OpenId);
        value.user_manager_id_list = user_managers;
        value.bot_manager_id_list = bot_managers;
        value.tenant_key = Some(chat.tenant_key.clone());
        value.user_count = Some(feishu_im::Count::new(users.len() as u64));
        value.bot_count = Some(feishu_im::Count::new(bots.len() as u64));
        value.chat_status = Some(ChatStatus::Normal);
        value.chat_mode = Some(chat.mode.clone());
        value.edit_permission = Some(chat.edit_permission.clone());
        value.pin_manage_setting = Some(chat.pin_manage_setting.clone());
        value
    })
}

#[cfg(operation = "chats.update")]
pub(super) fn update(
    state: &mut State,
    who: &Identity,
    r: chats::UpdateRequest,
) -> Result<chats::UpdateResponse, Outcome> {
    let chat = chat_of(state, who, &r.chat_id)?;
    // Members may change how the chat looks while it lets all members edit; everything else is
    // for the owner and managers: the fields named here.
    let chats::UpdateRequest {
        chat_id: _,
        avatar: _,
        name: _,
        description: _,
        i18n_names: _,
        user_id_type: _,
        add_member_permission,
        share_card_permission,
        at_all_permission,
        edit_permission,
        owner_id,
        join_message_visibility,
        leave_message_visibility,
        membership_approval,
        labels,
        toolkit_ids,
        restricted_mode_setting,
        chat_type,
        group_message_type,
        urgent_setting,
        video_conference_setting,
        pin_manage_setting,
        hide_member_count_setting,
        ..
    } = &r;
    let looks_only = add_member_permission.is_none()
        && share_card_permission.is_none()
        && at_all_permission.is_none()
        && edit_permission.is_none()
        && owner_id.is_none()
        && join_message_visibility.is_none()
        && leave_message_visibility.is_none()
        && membership_approval.is_none()
        && labels.is_none()
        && toolkit_ids.is_none()
        && restricted_mode_setting.is_none()
        && chat_type.is_none()
        && group_message_type.is_none()
        && urgent_setting.is_none()
        && video_conference_setting.is_none()
        && pin_manage_setting.is_none()
        && hide_member_count_setting.is_none();
    let open = chat.edit_permission == ChatPermission::AllMembers && looks_only;
    if !open && !manages(chat, who) {
        return Err(fail(ErrorCode::ChatInfoEditRestricted));
    }
    let owner = chat.owner.as_deref() == Some(who.member_id().as_str());
    let new_owner = r.owner_id.as_deref().map(|o| member_id_of(o, "open_id"));
    if let Some(new_owner) = &new_owner {
        if !owner {
            return Err(fail(ErrorCode::OperatorNotOwnerOrAdmin));
        }
        if !chat.members.contains(new_owner) {
            return Err(fail(ErrorCode::NewOwnerNotInChat));
        }
    }
    let Some(chat) = state.chats.get_mut(&r.chat_id) else {
        return Err(fail(ErrorCode::InvalidChatId));
    };
    if let Some(name) = r.name {
        chat.name = name;
    }
    if let Some(description) = r.description {
        chat.description = description;
    }
    if new_owner.is_some() {
        chat.owner = new_owner;
    }
    if let Some(permission) = r.edit_permission {
        chat.edit_permission = permission;
    }
    if let Some(setting) = r.pin_manage_setting {
        chat.pin_manage_setting = setting;
    }
    Ok(chats::UpdateResponse::new())
}

#[cfg(operation = "chats.delete")]
pub(super) fn delete(
    state: &mut State,
    who: &Identity,
    r: chats::DeleteRequest,
) -> Result<chats::DeleteResponse, Outcome> {
    let chat = chat_of(state, who, &r.chat_id)?;
    if chat.owner.as_deref() != Some(who.member_id().as_str()) {
        return Err(fail(ErrorCode::OperatorNotOwnerOrAdmin));
    }
    if let Some(chat) = state.chats.get_mut(&r.chat_id) {
        chat.dissolved = true;
        let disbanded = super::events::chat_disbanded(&r.chat_id, &who.member_id(), &chat.name);
        state.emit(disbanded);
    }
    Ok(chats::DeleteResponse::new())
}

/// The chats the caller is in, alive, in id order; `query` keeps those whose name holds it.
#[cfg(any(operation = "chats.list", operation = "chats.search"))]
fn listed(state: &State, who: &Identity, query: Option<&str>) -> Vec<chats::ListChat> {
    let me = who.member_id();
    state
        .chats
        .iter()
        .filter(|(_, c)| !c.dissolved && c.tenant_key == who.tenant_key && c.members.contains(&me))
        .filter(|(_, c)| query.is_none_or(|q| c.name.contains(q)))
        .map(|(id, c)| {
            let mut value: chats::ListChat = Default::default();
            value.chat_id = id.clone();
            value.name = Some(c.name.clone());
            value.description = Some(c.description.clone());
            value.owner_id = c.owner.clone();
            value.owner_id_type = c.owner.as_ref().map(|_| UserIdType::OpenId);
            value.tenant_key = Some(c.tenant_key.clone());
            value.chat_status = Some(ChatStatus::Normal);
            value
        })
        .collect()
}

#[cfg(operation = "chats.list")]
pub(super) fn list(
    state: &State,
    who: &Identity,
    r: chats::ListRequest,
) -> Result<chats::ListResponse, Outcome> {
    let (items, has_more, page_token) = page(state, who, None, r.page_token, r.page_size)?;
    Ok({
        let mut value = chats::ListResponse::new();
        value.items = items;
        value.has_more = Some(has_more);
        value.page_token = page_token;
        value
    })
}

#[cfg(operation = "chats.search")]
pub(super) fn search(
    state: &State,
    who: &Identity,
    r: chats::SearchRequest,
) -> Result<chats::SearchResponse, Outcome> {
    let query = r.query.as_deref();
    let (items, has_more, page_token) = page(state, who, query, r.page_token, r.page_size)?;
    Ok({
        let mut value = chats::SearchResponse::new();
        value.items = items;
        value.has_more = Some(has_more);
        value.page_token = page_token;
        value
    })
}

/// One page of the chats [`listed`] for the caller.
#[cfg(any(operation = "chats.list", operation = "chats.search"))]
fn page(
    state: &State,
    who: &Identity,
    query: Option<&str>,
    token: Option<String>,
    size: Option<i64>,
) -> Result<(Vec<chats::ListChat>, bool, Option<String>), Outcome> {
    let paging = Paging::new("cp_", token.as_deref(), size, ErrorCode::InvalidRequestParameter)?;
    Ok(paging.page(listed(state, who, query)))
}

/// A share link, for a week unless asked otherwise.
#[cfg(operation = "chats.link")]
pub(super) fn link(
    state: &State,
    who: &Identity,
    r: chats::LinkRequest,
) -> Result<chats::LinkResponse, Outcome> {
    chat_of(state, who, &r.chat_id)?;
    let days = match r.validity_period.as_ref().map(|p| p.as_str()) {
        Some("year") => 365,
        Some("permanently") => 0,
        _ => 7,
    };
    let now = UnixSeconds::now().count();
    Ok({
        let mut value = chats::LinkResponse::new();
        value.share_link = Some(format!(
            "https://applink.feishu.cn/client/chat/chatter/add_by_link?link_token={}",
            r.chat_id
        ));
        value.expire_time = (days > 0).then(|| UnixSeconds::new(now + days * 24 * 60 * 60));
        value.is_permanent = Some(days == 0);
        value
    })
}

/// The managers of a chat after adding or removing `ids`; only its owner may change them.
fn change_managers(
    state: &mut State,
    who: &Identity,
    chat_id: &str,
    ids: Option<Vec<String>>,
    id_type: &str,
    add: bool,
) -> Result<(Vec<String>, Vec<String>), Outcome> {
    let chat = chat_of(state, who, chat_id)?;
    if chat.owner.as_deref() != Some(who.member_id().as_str()) {
        return Err(fail(ErrorCode::OperatorNotChatOwner));
    }
    let ids: Vec<String> =
        ids.unwrap_or_default().iter().map(|id| member_id_of(id, id_type)).collect();
    if add && ids.iter().any(|id| !chat.members.contains(id)) {
        return Err(fail(ErrorCode::InvalidChatOrUserId));
    }
    let Some(chat) = state.chats.get_mut(chat_id) else {
        return Err(fail(ErrorCode::InvalidChatId));
    };
    if add {
        if chat.managers.len() + ids.len() > MAX_MANAGERS {
            return Err(fail(ErrorCode::ChatManagerLimitReached));
        }
        chat.managers
            .extend(ids.into_iter().filter(|id| !chat.managers.contains(id)).collect::<Vec<_>>());
    } else {
        chat.managers.retain(|m| !ids.contains(m));
    }
    Ok(chat.managers.iter().cloned().partition(|m| !m.starts_with("cli_")))
}

/// Managers a chat may have besides its owner.
const MAX_MANAGERS: usize = 10;

#[cfg(operation = "chat_managers.add_managers")]
pub(super) fn add_managers(
    state: &mut State,
    who: &Identity,
    r: chat_managers::AddManagersRequest,
) -> Result<chat_managers::AddManagersResponse, Outcome> {
    let id_type = r.member_id_type.as_ref().map_or("open_id", |t| t.as_str());
    let (users, bots) = change_managers(state, who, &r.chat_id, r.manager_ids, id_type, true)?;
    Ok({
        let mut value = chat_managers::AddManagersResponse::new();
        value.chat_managers = users;
        value.chat_bot_managers = bots;
        value
    })
}

#[cfg(operation = "chat_managers.delete_managers")]
pub(super) fn delete_managers(
    state: &mut State,
    who: &Identity,
    r: chat_managers::DeleteManagersRequest,
) -> Result<chat_managers::DeleteManagersResponse, Outcome> {
    let id_type = r.member_id_type.as_ref().map_or("open_id", |t| t.as_str());
    let (users, bots) = change_managers(state, who, &r.chat_id, r.manager_ids, id_type, false)?;
    Ok({
        let mut value = chat_managers::DeleteManagersResponse::new();
        value.chat_managers = users;
        value.chat_bot_managers = bots;
        value
    })
}

/// Who may post, with the members allowed to under a moderator list, a page at a time.
#[cfg(operation = "chat_moderation.get")]
pub(super) fn moderation(
    state: &State,
    who: &Identity,
    r: chat_moderation::GetRequest,
) -> Result<chat_moderation::GetResponse, Outcome> {
    let chat = chat_of(state, who, &r.chat_id)?;
    let paging = Paging::new(
        "mm_",
        r.page_token.as_deref(),
        r.page_size,
        ErrorCode::InvalidRequestParameter,
    )?;
    let moderators = chat.moderators.iter().map(|id| {
        let mut value = chat_moderation::Moderator::new();
        value.user_id_type = Some(UserIdType::OpenId);
        value.user_id = Some(id.clone());
        value.tenant_key = Some(chat.tenant_key.clone());
        value
    });
    let (items, has_more, page_token) = paging.page(moderators);
    let setting = chat.moderation.clone().unwrap_or(ModerationPermission::AllMembers);
    Ok({
        let mut value = chat_moderation::GetResponse::new();
        value.moderation_setting = Some(setting);
        value.page_token = page_token;
        value.has_more = Some(has_more);
        value.items = items;
        value
    })
}

/// Changes who may post; the owner and managers only (232017).
#[cfg(operation = "chat_moderation.update")]
pub(super) fn moderate(
    state: &mut State,
    who: &Identity,
    r: chat_moderation::UpdateRequest,
) -> Result<chat_moderation::UpdateResponse, Outcome> {
    let chat = chat_of(state, who, &r.chat_id)?;
    if !manages(chat, who) {
        return Err(fail(ErrorCode::OperatorNotOwnerOrAdmin));
    }
    let added: Vec<String> = r.moderator_added_list.unwrap_or_default();
    if added.iter().any(|id| !chat.members.contains(id)) {
        return Err(fail(ErrorCode::InvalidRequestParameter));
    }
    let Some(chat) = state.chats.get_mut(&r.chat_id) else {
        return Err(fail(ErrorCode::InvalidChatId));
    };
    if let Some(setting) = r.moderation_setting {
        chat.moderation = Some(setting);
    }
    let removed = r.moderator_removed_list.unwrap_or_default();
    chat.moderators.retain(|m| !removed.contains(m));
    for id in added {
        if !chat.moderators.contains(&id) {
            chat.moderators.push(id);
        }
    }
    Ok(chat_moderation::UpdateResponse::new())
}
