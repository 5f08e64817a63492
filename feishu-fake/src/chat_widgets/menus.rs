//! Chat menus: at most 3 top-level menus in a group chat, each with at most 5 second-level
//! menus; added, deleted and sorted by top-level menu, each menu's icon, names and links
//! patched. Answers hold the whole menu tree after the change.

use super::{chat_mut, chat_with, invalid, is_link, managing, may_show};
use crate::access::Identity;
use crate::answer::{Outcome, fail};
use crate::state::{Chat, State};

use feishu_im::operation::{Operation, OperationMeta};
#[cfg(resource = "chat_menu_item")]
use feishu_im::v1::chat_menu_item;
#[cfg(resource = "chat_menu_tree")]
use feishu_im::v1::chat_menu_tree;
use feishu_im::{ChatMenuActionType, ChatMenuTopLevel, ChatMenuUpdateField, ChatMode, ErrorCode};
use feishu_im::{MenuItem, MenuTree};

/// Top-level menus a chat may have.
const MAX_TOP_LEVEL: usize = 3;
/// Second-level menus a top-level menu may have.
const MAX_SECOND_LEVEL: usize = 5;
/// Characters a menu's name (in any language) may have, at least one.
const MAX_NAME_CHARS: usize = 120;
/// 232078: the code table names it for chat updates; the menu pages answer it as "The chat
/// menu is illegal.", and the fake does (the endpoints' own msg).
const ILLEGAL_MENU: ErrorCode = ErrorCode::HideMemberCountNotPermitted;

/// The chat whose menus the caller works on: only chats in `group` mode have menus (232008).
fn menu_chat<'s>(
    state: &'s State,
    who: &Identity,
    chat_id: &str,
    meta: &OperationMeta,
) -> Result<&'s Chat, Outcome> {
    let has = |mode: &ChatMode| *mode == ChatMode::Group;
    chat_with(state, who, chat_id, meta, has, ErrorCode::ChatTypeNotSupported)
}

fn tree(chat: &Chat) -> Option<MenuTree> {
    Some({
        let mut value = MenuTree::new();
        value.chat_menu_top_levels = chat.widgets.menus.clone();
        value
    })
}

/// Whether `item` is a menu Feishu shows (else 232078): names of 1 to 120 characters, http or
/// https links, a link for a `REDIRECT_LINK` menu, and for a top-level menu with second-level
/// menus (`parent`) the type `NONE` and no icon. Its icon must be one the caller may show, else
/// `foreign_icon`.
fn legal(
    state: &State,
    who: &Identity,
    item: &MenuItem,
    parent: bool,
    foreign_icon: ErrorCode,
) -> Result<(), Outcome> {
    let illegal = || fail(ILLEGAL_MENU);
    let name_ok = |name: &String| (1..=MAX_NAME_CHARS).contains(&name.chars().count());
    let i18n = item.i18n_names.iter().flat_map(|n| [&n.zh_cn, &n.en_us, &n.ja_jp]).flatten();
    if !item.name.iter().chain(i18n).all(name_ok) {
        return Err(illegal());
    }
    let links: Vec<&String> = item
        .redirect_link
        .iter()
        .flat_map(|l| [&l.common_url, &l.ios_url, &l.android_url, &l.pc_url, &l.web_url])
        .flatten()
        .collect();
    if !links.iter().all(|l| is_link(l)) {
        return Err(illegal());
    }
    let action = item.action_type.as_ref();
    if action == Some(&ChatMenuActionType::REDIRECTLINK) && links.is_empty() {
        return Err(illegal());
    }
    if parent && (action != Some(&ChatMenuActionType::NONE) || item.image_key.is_some()) {
        return Err(illegal());
    }
    if item.image_key.as_ref().is_some_and(|key| !may_show(state, who, key)) {
        return Err(fail(foreign_icon));
    }
    Ok(())
}

/// Appends top-level menus with their second-level menus, each with a fresh id. Each top-level
/// menu needs its `chat_menu_item` with `action_type` and `name` (232001). No top-level menus
/// add nothing: the spec's sample call sends an empty tree, though the page requires them.
#[cfg(operation = "chat_menu_tree.create")]
pub(crate) fn create(
    state: &mut State,
    who: &Identity,
    r: chat_menu_tree::CreateRequest,
) -> Result<chat_menu_tree::CreateResponse, Outcome> {
    let chat =
        managing(menu_chat(state, who, &r.chat_id, chat_menu_tree::CreateRequest::META)?, who)?;
    let added = r.menu_tree.chat_menu_top_levels;
    if chat.widgets.menus.len() + added.len() > MAX_TOP_LEVEL {
        return Err(fail(ErrorCode::ChatMenuTopLevelLimitReached));
    }
    for top in &added {
        let field = "menu_tree.chat_menu_top_levels.chat_menu_item";
        let Some(item) = &top.chat_menu_item else {
            return Err(invalid(field, "is required", ""));
        };
        if item.action_type.is_none() || item.name.is_none() {
            return Err(invalid(field, "needs action_type and name", ""));
        }
        // Request validation holds children to the spec's 5 already; the rule is Feishu's.
        if top.children.len() > MAX_SECOND_LEVEL {
            return Err(fail(ErrorCode::ChatMenuSecondLevelLimitReached));
        }
        let icon = ErrorCode::ImageNotOwnedByOperator;
        legal(state, who, item, !top.children.is_empty(), icon)?;
        for child in top.children.iter().filter_map(|c| c.chat_menu_item.as_ref()) {
            legal(state, who, child, false, icon)?;
        }
    }
    for mut top in added {
        top.chat_menu_top_level_id = Some(state.widget_id());
        for child in &mut top.children {
            child.chat_menu_second_level_id = Some(state.widget_id());
        }
        chat_mut(state, &r.chat_id)?.widgets.menus.push(top);
    }
    Ok({
        let mut value = chat_menu_tree::CreateResponse::new();
        value.menu_tree = tree(chat_mut(state, &r.chat_id)?);
        value
    })
}

/// Deletes top-level menus, with their second-level menus, by id; an id that is not a
/// top-level menu of the chat is refused (232001) and then none is deleted.
#[cfg(operation = "chat_menu_tree.delete")]
pub(crate) fn delete(
    state: &mut State,
    who: &Identity,
    r: chat_menu_tree::DeleteRequest,
) -> Result<chat_menu_tree::DeleteResponse, Outcome> {
    let chat =
        managing(menu_chat(state, who, &r.chat_id, chat_menu_tree::DeleteRequest::META)?, who)?;
    let ids = r.chat_menu_top_level_ids;
    if ids.is_empty() {
        return Err(invalid("chat_menu_top_level_ids", "needs at least one id", "[]"));
    }
    let known = |id: &String| {
        chat.widgets.menus.iter().any(|m| m.chat_menu_top_level_id.as_ref() == Some(id))
    };
    if let Some(id) = ids.iter().find(|id| !known(id)) {
        return Err(invalid("chat_menu_top_level_ids", "is not a top-level menu of the chat", id));
    }
    let chat = chat_mut(state, &r.chat_id)?;
    chat.widgets
        .menus
        .retain(|m| !m.chat_menu_top_level_id.as_ref().is_some_and(|id| ids.contains(id)));
    Ok({
        let mut value = chat_menu_tree::DeleteResponse::new();
        value.menu_tree = tree(chat);
        value
    })
}

/// Orders the top-level menus as the ids, which must be exactly the chat's top-level menus,
/// each once (232072).
#[cfg(operation = "chat_menu_tree.sort")]
pub(crate) fn sort(
    state: &mut State,
    who: &Identity,
    r: chat_menu_tree::SortRequest,
) -> Result<chat_menu_tree::SortResponse, Outcome> {
    let chat =
        managing(menu_chat(state, who, &r.chat_id, chat_menu_tree::SortRequest::META)?, who)?;
    let ids = r.chat_menu_top_level_ids;
    let menus = &chat.widgets.menus;
    let once = |m: &ChatMenuTopLevel| {
        ids.iter().filter(|id| m.chat_menu_top_level_id.as_ref() == Some(id)).count() == 1
    };
    if ids.len() != menus.len() || !menus.iter().all(once) {
        return Err(fail(ErrorCode::ChatMenuSortIdsMismatch));
    }
    let chat = chat_mut(state, &r.chat_id)?;
    chat.widgets
        .menus
        .sort_by_key(|m| ids.iter().position(|id| m.chat_menu_top_level_id.as_ref() == Some(id)));
    Ok({
        let mut value = chat_menu_tree::SortResponse::new();
        value.menu_tree = tree(chat);
        value
    })
}

#[cfg(operation = "chat_menu_tree.get")]
pub(crate) fn get(
    state: &State,
    who: &Identity,
    r: chat_menu_tree::GetRequest,
) -> Result<chat_menu_tree::GetResponse, Outcome> {
    let chat = menu_chat(state, who, &r.chat_id, chat_menu_tree::GetRequest::META)?;
    Ok({
        let mut value = chat_menu_tree::GetResponse::new();
        value.menu_tree = tree(chat);
        value
    })
}

/// Changes the parts `update_fields` names of a top-level or second-level menu, to the values
/// of `chat_menu_item` (a part left out there is cleared); its type stays as created. The menu
/// must stay legal (232078), its icon one the caller may show.
#[cfg(operation = "chat_menu_item.patch")]
pub(crate) fn patch_item(
    state: &mut State,
    who: &Identity,
    r: chat_menu_item::PatchRequest,
) -> Result<chat_menu_item::PatchResponse, Outcome> {
    let chat =
        managing(menu_chat(state, who, &r.chat_id, chat_menu_item::PatchRequest::META)?, who)?;
    let id = Some(&r.menu_item_id);
    // Where the menu is (top-level index, second-level index), it, and whether it has
    // second-level menus.
    let found = chat.widgets.menus.iter().enumerate().find_map(|(t, top)| {
        if top.chat_menu_top_level_id.as_ref() == id {
            return Some((t, None, top.chat_menu_item.clone(), !top.children.is_empty()));
        }
        top.children.iter().enumerate().find_map(|(c, child)| {
            (child.chat_menu_second_level_id.as_ref() == id)
                .then(|| (t, Some(c), child.chat_menu_item.clone(), false))
        })
    });
    let Some((top, child, item, parent)) = found else {
        return Err(invalid("menu_item_id", "is not a menu of the chat", &r.menu_item_id));
    };
    let mut item = item.unwrap_or_default();
    let new = r.chat_menu_item;
    for field in &r.update_fields {
        match field {
            ChatMenuUpdateField::ICON => item.image_key.clone_from(&new.image_key),
            ChatMenuUpdateField::NAME => {
                if new.name.is_none() {
                    return Err(fail(ILLEGAL_MENU));
                }
                item.name.clone_from(&new.name);
            }
            ChatMenuUpdateField::I18NNAME => item.i18n_names.clone_from(&new.i18n_names),
            ChatMenuUpdateField::REDIRECTLINK => item.redirect_link.clone_from(&new.redirect_link),
            other => {
                return Err(invalid("update_fields", "is not a part of a menu", other.as_str()));
            }
        }
    }
    legal(state, who, &item, parent, ILLEGAL_MENU)?;
    let chat = chat_mut(state, &r.chat_id)?;
    let menu = &mut chat.widgets.menus[top];
    match child {
        Some(c) => menu.children[c].chat_menu_item = Some(item.clone()),
        None => menu.chat_menu_item = Some(item.clone()),
    }
    Ok({
        let mut value = chat_menu_item::PatchResponse::new();
        value.chat_menu_item = Some(item);
        value
    })
}
