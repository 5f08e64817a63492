//! The chat announcement: an old-version document (a title and body blocks) every group chat
//! has from its creation, at revision 0, owned by the chat's owner. A patch names the revision
//! it was made against, at most 100 behind the latest, and applies its edit requests: title
//! updates and block inserts. Each applied patch adds one to the revision.

use serde_json::{Value, json};

use super::chat_with;
use crate::access::Identity;
use crate::answer::{Outcome, fail, invalid_as};
use crate::chats::manages;
use crate::state::{Chat, State, user_id_as};
use feishu_im::UserIdType;

use feishu_im::operation::{Operation, OperationMeta};
#[cfg(resource = "chat_announcement")]
use feishu_im::v1::chat_announcement;
use feishu_im::{ChatMode, ChatPermission, ErrorCode, FieldViolation, MemberIdType, UnixSeconds};

/// How far behind the latest revision a patch may be made.
const MAX_REVISIONS_BEHIND: i64 = 100;

/// The chat whose announcement the caller works on: one-to-one chats have none (232003).
fn announcement_chat<'s>(
    state: &'s State,
    who: &Identity,
    chat_id: &str,
    meta: &OperationMeta,
) -> Result<&'s Chat, Outcome> {
    let has = |mode: &ChatMode| *mode != ChatMode::P2p;
    chat_with(state, who, chat_id, meta, has, ErrorCode::AnnouncementNotFound)
}

/// A member id as the answer gives it: a bot's app id, or a user's id of `id_type`.
fn shown(member: &str, id_type: &UserIdType) -> (MemberIdType, String) {
    if member.starts_with("cli_") {
        return (MemberIdType::AppId, member.to_owned());
    }
    let kind = match id_type {
        UserIdType::UnionId => MemberIdType::UnionId,
        UserIdType::UserId => MemberIdType::UserId,
        _ => MemberIdType::OpenId,
    };
    (kind, user_id_as(member, id_type.as_str()))
}

#[cfg(operation = "chat_announcement.get")]
pub(crate) fn get(
    state: &State,
    who: &Identity,
    r: chat_announcement::GetRequest,
) -> Result<chat_announcement::GetResponse, Outcome> {
    let chat = announcement_chat(state, who, &r.chat_id, chat_announcement::GetRequest::META)?;
    let doc = &chat.widgets.announcement;
    let id_type = r.user_id_type.unwrap_or(UserIdType::OpenId);
    let owner = doc.owner.as_deref().map(|o| shown(o, &id_type));
    let modifier = doc.modifier.as_deref().map(|m| shown(m, &id_type));
    let content = json!({"title": doc.title, "body": {"blocks": doc.blocks}});
    Ok({
        let mut value = chat_announcement::GetResponse::new();
        value.content = Some(content.to_string());
        value.revision = Some(doc.revision.to_string());
        value.create_time = Some(doc.created);
        value.update_time = Some(doc.updated);
        value.owner_id_type = owner.as_ref().map(|(kind, _)| kind.clone());
        value.owner_id = owner.map(|(_, id)| id);
        value.modifier_id_type = modifier.as_ref().map(|(kind, _)| kind.clone());
        value.modifier_id = modifier.map(|(_, id)| id);
        value
    })
}

/// An edit request of the old-version document format that the fake applies.
enum Edit {
    /// `UpdateTitleRequestType`: the new title.
    Title(Value),
    /// `InsertBlocksRequestType`: blocks to insert at the start of the body (`startOfZone`) or
    /// else at its end; the fake does not count characters, so an `index` is not followed.
    Blocks { blocks: Vec<Value>, at_start: bool },
}

/// Reads one request; what the fake cannot read or apply is a problem to report.
fn edit(request: &str) -> Result<Edit, String> {
    let request: Value =
        serde_json::from_str(request).map_err(|e| format!("is not an edit request: {e}"))?;
    let payload = |name: &str| -> Result<Value, String> {
        let text = request[name]["payload"].as_str().ok_or(format!("{name}.payload is missing"))?;
        serde_json::from_str(text).map_err(|e| format!("{name}.payload is not JSON: {e}"))
    };
    match request["requestType"].as_str() {
        Some("UpdateTitleRequestType") => {
            let title = payload("updateTitleRequest")?;
            if !title["elements"].is_array() {
                return Err("updateTitleRequest.payload has no elements".to_owned());
            }
            Ok(Edit::Title(title))
        }
        Some("InsertBlocksRequestType") => {
            let body = payload("insertBlocksRequest")?;
            let Some(blocks) = body["blocks"].as_array() else {
                return Err("insertBlocksRequest.payload has no blocks".to_owned());
            };
            let at_start = request["insertBlocksRequest"]["location"]["startOfZone"] == true;
            Ok(Edit::Blocks { blocks: blocks.clone(), at_start })
        }
        Some(other) => Err(format!(
            "{other} is not applied by the fake (UpdateTitleRequestType, InsertBlocksRequestType)"
        )),
        None => Err("has no requestType".to_owned()),
    }
}

/// Applies the edit requests made against `revision`. Only the owner and managers may when the
/// chat lets only them edit its information (232002). A revision that is not digits, or not
/// within 100 of the latest, is refused (232001); a request the fake cannot read or apply fails
/// the update (232018) and nothing changes. No requests change nothing: the page requires them,
/// but the spec's sample call sends none.
#[cfg(operation = "chat_announcement.patch")]
pub(crate) fn patch(
    state: &mut State,
    who: &Identity,
    r: chat_announcement::PatchRequest,
) -> Result<chat_announcement::PatchResponse, Outcome> {
    let chat = announcement_chat(state, who, &r.chat_id, chat_announcement::PatchRequest::META)?;
    if chat.edit_permission == ChatPermission::OnlyOwner && !manages(chat, who) {
        return Err(fail(ErrorCode::ChatInfoEditRestricted));
    }
    let latest = chat.widgets.announcement.revision;
    let within = |revision: i64| revision <= latest && latest - revision <= MAX_REVISIONS_BEHIND;
    if !r.revision.parse::<i64>().is_ok_and(within) {
        let problem = format!("must be a revision at most 100 behind the latest ({latest})");
        let violation = FieldViolation::new("revision", problem).with_value(&r.revision);
        return Err(invalid_as(ErrorCode::InvalidRequestParameter, vec![violation]));
    }
    let requests = r.requests.unwrap_or_default();
    let edits = requests
        .iter()
        .enumerate()
        .map(|(i, request)| {
            edit(request).map_err(|problem| {
                let violation = FieldViolation::new(format!("requests[{i}]"), problem);
                invalid_as(ErrorCode::AnnouncementUpdateFailed, vec![violation])
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if edits.is_empty() {
        return Ok(chat_announcement::PatchResponse::new());
    }
    let doc = &mut state
        .chats
        .get_mut(&r.chat_id)
        .ok_or_else(|| fail(ErrorCode::InvalidChatId))?
        .widgets
        .announcement;
    for edit in edits {
        match edit {
            Edit::Title(title) => doc.title = title,
            Edit::Blocks { blocks, at_start: true } => {
                doc.blocks.splice(0..0, blocks);
            }
            Edit::Blocks { blocks, at_start: false } => doc.blocks.extend(blocks),
        }
    }
    doc.revision += 1;
    doc.updated = UnixSeconds::now();
    doc.modifier = Some(who.member_id());
    Ok(chat_announcement::PatchResponse::new())
}
