//! Images and files in the fake: uploads keep their bytes under a key, downloads return the same
//! bytes with their type and (for files) name.

use std::time::Duration;

use serde_json::Value;

use super::http::{FormPart, HttpReply};
use super::state::{State, Upload};
use crate::access::Identity;
use crate::answer::{Outcome, fail};
#[cfg(resource = "files")]
use feishu_im::v1::files;
#[cfg(resource = "images")]
use feishu_im::v1::images;
#[cfg(resource = "message_resources")]
use feishu_im::v1::message_resources;
use feishu_im::{ErrorCode, MessageResourceType};

fn keep(state: &mut State, who: &Identity, prefix: &str, part: &FormPart, name: &str) -> String {
    let key = format!("{prefix}{:08x}", state.uploads.len() + 1);
    let content_type =
        part.content_type.clone().unwrap_or_else(|| "application/octet-stream".to_owned());
    let upload = Upload {
        owner: who.member_id(),
        bytes: part.bytes.clone(),
        content_type,
        file_name: name.to_owned(),
    };
    state.uploads.insert(key.clone(), upload);
    key
}

#[cfg(operation = "images.create")]
pub(super) fn create_image(
    state: &mut State,
    who: &Identity,
    _request: images::CreateRequest,
    part: &FormPart,
) -> Result<images::CreateResponse, Outcome> {
    if !part.content_type.as_deref().is_some_and(|t| t.starts_with("image/")) {
        return Err(fail(ErrorCode::UnknownImageFormat));
    }
    let name = part.file_name.clone().unwrap_or_default();
    let key = keep(state, who, "img_v2_fake", part, &name);
    Ok(images::CreateResponse::new(key))
}

#[cfg(operation = "files.create")]
pub(super) fn create_file(
    state: &mut State,
    who: &Identity,
    request: files::CreateRequest,
    part: &FormPart,
) -> Result<files::CreateResponse, Outcome> {
    let key = keep(state, who, "file_v2_fake", part, &request.file_name);
    Ok(files::CreateResponse::new(key))
}

/// The bytes under the key named `key_field` of the request, to the app that uploaded them.
pub(super) fn download(
    state: &State,
    who: &Identity,
    input: &Value,
    key_field: &str,
) -> Option<Outcome> {
    let key = input.get(key_field).and_then(Value::as_str)?;
    let Some(upload) = state.uploads.get(key) else {
        return Some(fail(ErrorCode::ResourceDeleted));
    };
    if upload.owner != who.member_id() {
        return Some(fail(ErrorCode::NotResourceSender));
    }
    Some(serve(key, upload))
}

/// An image or file of a message, to anyone in its chat: the message must carry the key, and
/// `type` must say which it is.
#[cfg(operation = "message_resources.get")]
pub(super) fn message_resource(
    state: &State,
    who: &Identity,
    request: message_resources::GetRequest,
) -> Outcome {
    let Some(message) = state.messages.iter().find(|m| m.id == request.message_id) else {
        return fail(ErrorCode::InvalidResourceParameter);
    };
    if message.deleted {
        return fail(ErrorCode::MessageDeleted);
    }
    if !state.chats.get(&message.chat_id).is_some_and(|c| c.members.contains(&who.member_id())) {
        return fail(ErrorCode::AppNotInChat);
    }
    let key = request.file_key.as_str();
    let Some(upload) = state.uploads.get(key).filter(|_| message.content.contains(key)) else {
        return fail(ErrorCode::FileNotInMessage);
    };
    let is_image = key.starts_with("img_");
    if is_image != (request.r#type == MessageResourceType::Image) {
        return fail(ErrorCode::InvalidResourceParameter);
    }
    serve(key, upload)
}

/// The bytes as Feishu serves them: the type they were uploaded with and, for files,
/// `Content-Disposition` with the name.
fn serve(key: &str, upload: &Upload) -> Outcome {
    let mut headers = vec![("content-type".to_owned(), upload.content_type.clone())];
    if key.starts_with("file_") {
        let encoded: String = percent_encoding::utf8_percent_encode(
            &upload.file_name,
            percent_encoding::NON_ALPHANUMERIC,
        )
        .collect();
        headers.push((
            "content-disposition".to_owned(),
            format!("attachment; filename=\"file\"; filename*=UTF-8''{encoded}"),
        ));
    }
    Outcome::Reply(HttpReply::Respond {
        status: 200,
        headers,
        body: upload.bytes.clone(),
        delay: Duration::ZERO,
    })
}
