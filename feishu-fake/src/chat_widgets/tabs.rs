//! Chat tabs: the built-in message tab first, then documents and web pages added through the
//! API (at most 20) or tabs built in; only `doc` and `url` tabs are added, changed or deleted.
//! Every answer lists all the chat's tabs after the change, in order.

use super::{chat_mut, chat_with, invalid, is_link, managing, may_show};
use crate::access::Identity;
use crate::answer::{Outcome, fail};
use crate::state::{Chat, State};

use feishu_im::operation::{Operation, OperationMeta};
#[cfg(resource = "chat_tabs")]
use feishu_im::v1::chat_tabs;
use feishu_im::{ChatMode, ChatTab, ChatTabContent, ChatTabType, ErrorCode};

/// Custom tabs a chat may have.
const MAX_CUSTOM_TABS: usize = 20;
/// Characters a tab's name may have.
const MAX_NAME_CHARS: usize = 60;

/// Whether the API adds, changes and deletes tabs of this type; the others are built in.
fn custom(tab_type: &ChatTabType) -> bool {
    matches!(tab_type, ChatTabType::Doc | ChatTabType::Url)
}

/// The chat whose tabs the caller works on: only group and one-to-one chats have tabs
/// (232050).
fn tab_chat<'s>(
    state: &'s State,
    who: &Identity,
    chat_id: &str,
    meta: &OperationMeta,
) -> Result<&'s Chat, Outcome> {
    let has = |mode: &ChatMode| matches!(mode, ChatMode::Group | ChatMode::P2p);
    chat_with(state, who, chat_id, meta, has, ErrorCode::ChatTabUnsupportedChatType)
}

/// The content of a tab of `tab_type`: the link its type reads, alone, which must be an http or
/// https link (232048). A tab sent without content keeps none: the spec's sample call adds a
/// bare `doc` tab, though the page asks for its link.
fn content(
    tab_type: &ChatTabType,
    content: Option<ChatTabContent>,
) -> Result<Option<ChatTabContent>, Outcome> {
    let Some(content) = content else { return Ok(None) };
    let (link, doc) = match tab_type {
        ChatTabType::Doc => (content.doc, true),
        _ => (content.url, false),
    };
    match link {
        Some(link) if is_link(&link) => Ok(Some({
            let mut value: ChatTabContent = ChatTabContent::new();
            value.doc = doc.then(|| link.clone());
            value.url = (!doc).then_some(link);
            value
        })),
        _ => Err(fail(ErrorCode::ChatTabContentInvalid)),
    }
}

/// `tab` as kept: its name at most 60 characters (232047), its content checked, its config kept
/// for a `url` tab only, with an icon the caller may show (232056).
fn checked(state: &State, who: &Identity, mut tab: ChatTab) -> Result<ChatTab, Outcome> {
    if tab.tab_name.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME_CHARS) {
        return Err(fail(ErrorCode::TabNameTooLong));
    }
    let tab_content = content(&tab.tab_type, tab.tab_content.take())?;
    let tab_config = tab.tab_config.take().filter(|_| tab.tab_type == ChatTabType::Url);
    let icon = tab_config.as_ref().and_then(|c| c.icon_key.as_deref());
    if icon.is_some_and(|key| !may_show(state, who, key)) {
        return Err(fail(ErrorCode::ImageNotOwnedByOperator));
    }
    tab.tab_content = tab_content;
    tab.tab_config = tab_config;
    Ok(tab)
}

fn all(chat: &Chat) -> Vec<ChatTab> {
    chat.widgets.tabs.clone()
}

/// Appends `doc` and `url` tabs, each with a fresh id.
#[cfg(operation = "chat_tabs.create")]
pub(crate) fn create(
    state: &mut State,
    who: &Identity,
    r: chat_tabs::CreateRequest,
) -> Result<chat_tabs::CreateResponse, Outcome> {
    let chat = managing(tab_chat(state, who, &r.chat_id, chat_tabs::CreateRequest::META)?, who)?;
    if r.chat_tabs.is_empty() {
        return Err(invalid("chat_tabs", "needs at least one tab", "[]"));
    }
    if let Some(tab) = r.chat_tabs.iter().find(|t| !custom(&t.tab_type)) {
        let problem = "only doc and url tabs can be added";
        return Err(invalid("chat_tabs.tab_type", problem, tab.tab_type.as_str()));
    }
    let customs = chat.widgets.tabs.iter().filter(|t| custom(&t.tab_type)).count();
    if customs + r.chat_tabs.len() > MAX_CUSTOM_TABS {
        return Err(fail(ErrorCode::ChatTabLimitReached));
    }
    let added = r
        .chat_tabs
        .into_iter()
        .map(|tab| checked(state, who, tab))
        .collect::<Result<Vec<_>, _>>()?;
    let added: Vec<ChatTab> = added
        .into_iter()
        .map(|tab| {
            let mut value: ChatTab = tab;
            value.tab_id = Some(state.widget_id());
            value
        })
        .collect();
    let chat = chat_mut(state, &r.chat_id)?;
    chat.widgets.tabs.extend(added);
    Ok({
        let mut value = chat_tabs::CreateResponse::new();
        value.chat_tabs = all(chat);
        value
    })
}

/// Deletes `doc` and `url` tabs by id; a built-in tab is refused (232049), an unknown id too
/// (232001), and then none is deleted.
#[cfg(operation = "chat_tabs.delete_tabs")]
pub(crate) fn delete(
    state: &mut State,
    who: &Identity,
    r: chat_tabs::DeleteTabsRequest,
) -> Result<chat_tabs::DeleteTabsResponse, Outcome> {
    let chat =
        managing(tab_chat(state, who, &r.chat_id, chat_tabs::DeleteTabsRequest::META)?, who)?;
    if r.tab_ids.is_empty() {
        return Err(invalid("tab_ids", "needs at least one tab id", "[]"));
    }
    for id in &r.tab_ids {
        match chat.widgets.tabs.iter().find(|t| t.tab_id.as_ref() == Some(id)) {
            None => return Err(invalid("tab_ids", "is not a tab of the chat", id)),
            Some(tab) if !custom(&tab.tab_type) => {
                return Err(fail(ErrorCode::ChatTabTypeNotEditable));
            }
            Some(_) => {}
        }
    }
    let chat = chat_mut(state, &r.chat_id)?;
    chat.widgets.tabs.retain(|t| !t.tab_id.as_ref().is_some_and(|id| r.tab_ids.contains(id)));
    Ok({
        let mut value = chat_tabs::DeleteTabsResponse::new();
        value.chat_tabs = all(chat);
        value
    })
}

/// Changes `doc` and `url` tabs named by id: their type (between `doc` and `url`), name,
/// content and config; what a change leaves out is kept. No tabs to change changes nothing.
#[cfg(operation = "chat_tabs.update_tabs")]
pub(crate) fn update(
    state: &mut State,
    who: &Identity,
    r: chat_tabs::UpdateTabsRequest,
) -> Result<chat_tabs::UpdateTabsResponse, Outcome> {
    let chat =
        managing(tab_chat(state, who, &r.chat_id, chat_tabs::UpdateTabsRequest::META)?, who)?;
    let mut changed = Vec::new();
    for change in r.chat_tabs.unwrap_or_default() {
        let Some(id) = change.tab_id.clone() else {
            return Err(invalid("chat_tabs.tab_id", "is required", ""));
        };
        let Some(old) = chat.widgets.tabs.iter().find(|t| t.tab_id.as_ref() == Some(&id)) else {
            return Err(invalid("chat_tabs.tab_id", "is not a tab of the chat", &id));
        };
        if !custom(&old.tab_type) || !custom(&change.tab_type) {
            return Err(fail(ErrorCode::ChatTabTypeNotEditable));
        }
        let mut tab = change;
        tab.tab_name = tab.tab_name.or_else(|| old.tab_name.clone());
        tab.tab_content = tab.tab_content.or_else(|| old.tab_content.clone());
        tab.tab_config = tab.tab_config.or_else(|| old.tab_config.clone());
        changed.push(checked(state, who, tab)?);
    }
    let chat = chat_mut(state, &r.chat_id)?;
    for tab in changed {
        if let Some(old) = chat.widgets.tabs.iter_mut().find(|t| t.tab_id == tab.tab_id) {
            *old = tab;
        }
    }
    Ok({
        let mut value = chat_tabs::UpdateTabsResponse::new();
        value.chat_tabs = all(chat);
        value
    })
}

/// Orders the tabs as `tab_ids`, which must name each tab of the chat once (232001); the
/// message tab stays first wherever it is listed. Without ids the order is kept.
#[cfg(operation = "chat_tabs.sort_tabs")]
pub(crate) fn sort(
    state: &mut State,
    who: &Identity,
    r: chat_tabs::SortTabsRequest,
) -> Result<chat_tabs::SortTabsResponse, Outcome> {
    let chat = managing(tab_chat(state, who, &r.chat_id, chat_tabs::SortTabsRequest::META)?, who)?;
    let Some(ids) = r.tab_ids else {
        return Ok({
            let mut value = chat_tabs::SortTabsResponse::new();
            value.chat_tabs = all(chat);
            value
        });
    };
    let tabs = &chat.widgets.tabs;
    let every_once = ids.len() == tabs.len()
        && tabs.iter().all(|t| ids.iter().filter(|id| t.tab_id.as_ref() == Some(id)).count() == 1);
    if !every_once {
        let problem = "must name every tab of the chat once";
        return Err(invalid("tab_ids", problem, &ids.join(",")));
    }
    let at = |tab: &ChatTab| {
        let place = ids.iter().position(|id| tab.tab_id.as_ref() == Some(id));
        (tab.tab_type != ChatTabType::Message, place)
    };
    let chat = chat_mut(state, &r.chat_id)?;
    chat.widgets.tabs.sort_by_key(at);
    Ok({
        let mut value = chat_tabs::SortTabsResponse::new();
        value.chat_tabs = all(chat);
        value
    })
}

#[cfg(operation = "chat_tabs.list_tabs")]
pub(crate) fn list(
    state: &State,
    who: &Identity,
    r: chat_tabs::ListTabsRequest,
) -> Result<chat_tabs::ListTabsResponse, Outcome> {
    let chat = tab_chat(state, who, &r.chat_id, chat_tabs::ListTabsRequest::META)?;
    Ok({
        let mut value = chat_tabs::ListTabsResponse::new();
        value.chat_tabs = all(chat);
        value
    })
}
