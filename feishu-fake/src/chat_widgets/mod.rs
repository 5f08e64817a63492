//! Chat widgets in the fake: tabs, menus, the announcement and the top notice, kept per chat,
//! with the rules of who may change them.
//!
//! - Tabs and menus: every member, unless the chat lets only its owner and managers manage
//!   them (the client's setting 谁可以管理标签页、小组件和会话菜单, which no endpoint changes;
//!   [`FakeFeishu::set_widget_permission`](super::FakeFeishu::set_widget_permission) does):
//!   then others get `232055`.
//! - The announcement: every member, unless the chat's `edit_permission` is `only_owner`: then
//!   others get `232002`.
//! - The top notice: every member, unless the chat's `pin_manage_setting` is `only_owner`: then
//!   others get `232014`.

pub(crate) mod announcement;
pub(crate) mod menus;
pub(crate) mod tabs;
pub(crate) mod top_notice;

use super::chats::{chat_of, manages};
use super::state::{Chat, State};
use crate::access::Identity;
use crate::answer::{Outcome, fail, invalid_as};

use feishu_im::operation::{OperationMeta, TokenKind};
use feishu_im::{
    ChatMenuActionType, ChatMenuSecondLevel, ChatMenuTopLevel, ChatMode, ChatPermission, ChatTab,
    ChatTabContent, ChatTabType, ErrorCode, FieldViolation, MenuItem,
};

/// The chat the caller works on, as [`chat_of`] finds it (in it, alive, in its tenant), refused
/// with a code the endpoint documents.
fn chat_for<'s>(
    state: &'s State,
    who: &Identity,
    chat_id: &str,
    meta: &OperationMeta,
) -> Result<&'s Chat, Outcome> {
    chat_of(state, who, chat_id).map_err(|outcome| documented(meta, outcome))
}

/// The chat the caller works on, as [`chat_for`] finds it, when its mode has the widget
/// (`has`); otherwise `refused`, as the endpoint documents it.
fn chat_with<'s>(
    state: &'s State,
    who: &Identity,
    chat_id: &str,
    meta: &OperationMeta,
    has: fn(&ChatMode) -> bool,
    refused: ErrorCode,
) -> Result<&'s Chat, Outcome> {
    let chat = chat_for(state, who, chat_id, meta)?;
    if has(&chat.mode) { Ok(chat) } else { Err(refuse(meta, refused)) }
}

/// A refusal with `code`, as the endpoint `meta` [documents](documented) it.
fn refuse(meta: &OperationMeta, code: ErrorCode) -> Outcome {
    documented(meta, fail(code))
}

/// `outcome` with a code the endpoint `meta` lists. Several widget pages list no code of their
/// own for a missing, dissolved or foreign chat: the caller is not in such a chat (232011); nor
/// for a chat of the wrong mode: its id is an invalid parameter (232001).
fn documented(meta: &OperationMeta, outcome: Outcome) -> Outcome {
    let meta = crate::spec::spec_of(meta);
    match outcome {
        Outcome::Error { code, .. } if !meta.errors.contains(&code) => {
            let chat = [
                ErrorCode::InvalidChatId,
                ErrorCode::ChatDissolved,
                ErrorCode::CrossTenantOperation,
            ];
            if chat.contains(&code) && meta.errors.contains(&ErrorCode::OperatorNotInChat) {
                fail(ErrorCode::OperatorNotInChat)
            } else {
                fail(ErrorCode::InvalidRequestParameter)
            }
        }
        outcome => outcome,
    }
}

/// `chat`, if the caller may change its tabs and menus: when the chat lets only its owner and
/// managers manage widgets, one of them (232055).
fn managing<'s>(chat: &'s Chat, who: &Identity) -> Result<&'s Chat, Outcome> {
    if chat.widgets.permission == ChatPermission::OnlyOwner && !manages(chat, who) {
        return Err(fail(ErrorCode::ChatWidgetManageRestricted));
    }
    Ok(chat)
}

/// A refused parameter: 232001 naming the field.
fn invalid(field: &str, problem: &str, value: &str) -> Outcome {
    let violation = FieldViolation::new(field, problem).with_value(value);
    invalid_as(ErrorCode::InvalidRequestParameter, vec![violation])
}

/// The chat to change, once the checks on it passed.
fn chat_mut<'s>(state: &'s mut State, chat_id: &str) -> Result<&'s mut Chat, Outcome> {
    state.chats.get_mut(chat_id).ok_or_else(|| fail(ErrorCode::InvalidChatId))
}

/// Whether Feishu takes `link`: tabs and menus open only http and https links.
fn is_link(link: &str) -> bool {
    link.starts_with("http://") || link.starts_with("https://")
}

/// Whether the caller may show the image `key` as an icon: a bot only images it uploaded, a
/// user any uploaded image (users upload none through the API).
fn may_show(state: &State, who: &Identity, key: &str) -> bool {
    state.uploads.get(key).is_some_and(|upload| {
        key.starts_with("img_")
            && (who.kind != TokenKind::Tenant || upload.owner == who.member_id())
    })
}

/// Seeds the widgets the spec's examples name, in the example chat of each operation, so that
/// sample calls find them: the tabs to delete, the top-level menus to delete or sort (exactly
/// those, so that a sort by the example ids matches), the menus to patch (second-level menus of
/// the first top-level one), and the announcement at the example revision.
pub(super) fn seed_examples(state: &mut State) {
    let mut found: Vec<(&str, &str, &str)> = Vec::new();
    for meta in crate::spec::operations() {
        let chat = meta.params.iter().find_map(|f| f.example.filter(|e| e.starts_with("oc_")));
        let Some(chat) = chat else { continue };
        for field in meta.params {
            if let Some(example) = field.example
                && !found.contains(&(chat, field.name, example))
            {
                found.push((chat, field.name, example));
            }
        }
    }
    let named = |name: &'static str| found.iter().filter(move |(_, field, _)| *field == name);
    let item = |name: &str| {
        let mut value: MenuItem = MenuItem::new();
        value.action_type = Some(ChatMenuActionType::NONE);
        value.name = Some(name.to_owned());
        value
    };
    for &(chat, _, id) in named("tab_ids") {
        if let Some(chat) = state.chats.get_mut(chat) {
            let content = {
                let mut value: ChatTabContent = ChatTabContent::new();
                value.doc = Some("https://example.feishu.cn/wiki/sample".to_owned());
                value
            };
            chat.widgets.tabs.push({
                let mut value: ChatTab = ChatTab::new(ChatTabType::Doc);
                value.tab_id = Some(id.to_owned());
                value.tab_name = Some("sample".to_owned());
                value.tab_content = Some(content);
                value
            });
        }
    }
    for &(chat, _, id) in named("chat_menu_top_level_ids") {
        if let Some(chat) = state.chats.get_mut(chat) {
            chat.widgets.menus.push({
                let mut value: ChatMenuTopLevel = ChatMenuTopLevel::new();
                value.chat_menu_top_level_id = Some(id.to_owned());
                value.chat_menu_item = Some(item("sample"));
                value
            });
        }
    }
    for &(chat, _, id) in named("menu_item_id") {
        let Some(chat) = state.chats.get_mut(chat) else { continue };
        let child = {
            let mut value = ChatMenuSecondLevel::new();
            value.chat_menu_second_level_id = Some(id.to_owned());
            value.chat_menu_item = Some(item("sample"));
            value
        };
        match chat.widgets.menus.first_mut() {
            Some(top) => top.children.push(child),
            None => chat.widgets.menus.push({
                let mut value: ChatMenuTopLevel = ChatMenuTopLevel::new();
                value.chat_menu_top_level_id = Some(id.to_owned());
                value.chat_menu_item = Some(item("sample"));
                value
            }),
        }
    }
    for &(chat, _, revision) in named("revision") {
        if let (Some(chat), Ok(revision)) = (state.chats.get_mut(chat), revision.parse()) {
            chat.widgets.announcement.revision = revision;
        }
    }
}
