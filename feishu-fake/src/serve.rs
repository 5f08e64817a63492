//! Answering one request: token endpoints, routing by the spec, faults, auth, rate limits,
//! validation, then the endpoint's behaviour.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::Fault;
use super::http::{FormPart, HttpReply, HttpRequest};
use super::paging::Paging;
use super::spec::{OperationSpec, operations};
use super::state::{State, member_id_of, user_id_as};
use super::{chat_widgets as widgets, chats, events, files, messages, pins, reactions, validate};
use feishu_im::operation::{Operation, OperationMeta, TokenKind};
use feishu_im::v1::chat_members::{
    ChatMember, CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, GetRequest,
    GetResponse, IsInChatRequest, IsInChatResponse, MeJoinRequest, MeJoinResponse,
};
use feishu_im::v1::chats as chat_ops;
use feishu_im::v1::files as file_ops;
use feishu_im::v1::images as image_ops;
use feishu_im::v1::message_reactions as reaction_ops;
use feishu_im::v1::message_resources as resource_ops;
use feishu_im::v1::messages as message_ops;
use feishu_im::v1::pins as pin_ops;
use feishu_im::v1::{
    chat_announcement, chat_menu_item, chat_menu_tree, chat_tabs, chat_top_notice,
};
use feishu_im::{ErrorCode, FieldViolation, MemberIdType, SucceedType, UserIdType};

/// Who calls: from the bearer token.
pub(super) struct Identity {
    pub(super) kind: TokenKind,
    app_id: String,
    pub(super) tenant_key: String,
    user: Option<String>,
}

impl Identity {
    /// The member id of the caller: a user's open_id or the bot's app id.
    pub(super) fn member_id(&self) -> String {
        self.user.clone().unwrap_or_else(|| self.app_id.clone())
    }
}

/// An answer before it gets its log id.
pub(super) enum Outcome {
    Data(Value),
    Error { code: ErrorCode, status: u16, msg: String, violations: Vec<FieldViolation> },
    Reply(HttpReply),
}

/// The code with the HTTP status and msg of the spec.
pub(super) fn fail(code: ErrorCode) -> Outcome {
    fail_at(code, code.http_status().unwrap_or(400))
}

fn fail_at(code: ErrorCode, status: u16) -> Outcome {
    let msg = code.message().unwrap_or("error").to_owned();
    Outcome::Error { code, status, msg, violations: Vec::new() }
}

pub(super) fn invalid(violations: Vec<FieldViolation>) -> Outcome {
    invalid_as(ErrorCode::InvalidRequestParameter, violations)
}

/// A refused parameter, under the code the endpoint's documentation uses for one.
fn invalid_for(meta: &OperationSpec, violations: Vec<FieldViolation>) -> Outcome {
    let codes = [
        ErrorCode::InvalidMessageParameter,
        ErrorCode::InvalidResourceParameter,
        ErrorCode::InvalidRequestParameter,
    ];
    let code = codes
        .into_iter()
        .find(|code| meta.errors.contains(code))
        .unwrap_or(ErrorCode::InvalidRequestParameter);
    invalid_as(code, violations)
}

pub(super) fn invalid_as(code: ErrorCode, violations: Vec<FieldViolation>) -> Outcome {
    Outcome::Error { code, status: 400, msg: code.message().unwrap_or_default().into(), violations }
}

pub(super) fn handle(shared: &Mutex<State>, request: &HttpRequest) -> HttpReply {
    let mut state = shared.lock().unwrap_or_else(|e| e.into_inner());
    let (mut outcome, delay) = answer(&mut state, request);
    // A code answers with the msg of the endpoint's own page.
    if let (Outcome::Error { code, msg, .. }, Some((meta, _))) = (&mut outcome, route(request))
        && let Some(own) = meta.message_of(*code)
    {
        own.clone_into(msg);
    }
    let log_id = state.log_id();
    let reply = match outcome {
        Outcome::Data(data) => {
            HttpReply::json(200, json!({"code": 0, "msg": "success", "data": data}))
        }
        Outcome::Error { code, status, msg, violations } => {
            let mut body = json!({"code": code.code(), "msg": msg});
            let troubleshooter = format!("https://open.feishu.cn/search?log_id={log_id}");
            let mut error = json!({"log_id": log_id, "troubleshooter": troubleshooter});
            if !violations.is_empty() {
                error["field_violations"] = serde_json::to_value(&violations).unwrap_or_default();
            }
            body["error"] = error;
            HttpReply::json(status, body)
        }
        Outcome::Reply(reply) => reply,
    };
    reply.with_header("x-tt-logid", &log_id).delayed(delay)
}

fn answer(state: &mut State, request: &HttpRequest) -> (Outcome, Duration) {
    if let Some(outcome) = token_endpoint(state, request) {
        state.token_requests += 1;
        return (outcome, Duration::ZERO);
    }
    let Some((meta, path_params)) = route(request) else {
        let reply = HttpReply::json(404, json!({"code": 404, "msg": "404 page not found"}));
        return (Outcome::Reply(reply), Duration::ZERO);
    };
    *state.calls.entry(meta.operation.into()).or_default() += 1;
    let mut delay = Duration::ZERO;
    let mut lose_answer = false;
    match state.faults.get_mut(meta.operation).and_then(|q| q.pop_front()) {
        Some(Fault::Code(code)) => return (fail(code), delay),
        Some(Fault::CodeAt(code, status)) => return (fail_at(code, status), delay),
        Some(Fault::Status(status)) => {
            let page = format!(
                "<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"
            );
            return (Outcome::Reply(HttpReply::raw(status, "text/html", &page)), delay);
        }
        Some(Fault::Drop) => return (Outcome::Reply(HttpReply::Drop), delay),
        Some(Fault::Malformed) => {
            let reply =
                HttpReply::raw(200, "application/json", r#"{"code":0,"msg":"success","data":{"#);
            return (Outcome::Reply(reply), delay);
        }
        Some(Fault::Delay(by)) => delay = by,
        Some(Fault::LoseAnswer) => lose_answer = true,
        None => {}
    }
    let identity = match authenticate(state, meta, request) {
        Ok(identity) => identity,
        Err(outcome) => return (outcome, delay),
    };
    if let Some(outcome) = rate_limit(state, meta, &identity) {
        state.rate_limited += 1;
        return (outcome, delay);
    }
    let query = parse_query(request.query().unwrap_or_default());
    let body = match &request.form {
        Some(form) => Some(validate::form_body(meta.params, form)),
        None => (!request.body.is_empty()).then(|| request.json()),
    };
    let violations = validate::request(meta.params, &query, body.as_ref(), request.form.as_deref());
    if !violations.is_empty() {
        return (invalid_for(meta, violations), delay);
    }
    let input = validate::typed_input(meta, &path_params, &query, body);
    if let Some(outcome) = recipient_limit(state, meta, &identity, &input) {
        state.rate_limited += 1;
        return (outcome, delay);
    }
    let upload = request.form.iter().flatten().find(|p| p.file_name.is_some());
    let outcome = behave(state, &identity, meta, input, upload)
        .unwrap_or_else(|| Outcome::Data(validate::sample_data(meta.response)));
    if lose_answer {
        return (Outcome::Reply(HttpReply::Drop), delay);
    }
    (outcome, delay)
}

/// The behaviour of the operation `meta` over the fake's state, if it has one; the others get
/// the generic answer built from the spec.
fn behave(
    state: &mut State,
    who: &Identity,
    meta: &OperationSpec,
    input: Value,
    upload: Option<&FormPart>,
) -> Option<Outcome> {
    // By id: a constant's address may differ between its uses.
    let is = |op: &OperationMeta| meta.operation == op.operation;
    Some(if is(MeJoinRequest::META) {
        run(input, |r| me_join(state, who, r))
    } else if is(IsInChatRequest::META) {
        run(input, |r| is_in_chat(state, who, r))
    } else if is(CreateRequest::META) {
        run(input, |r| create(state, who, r))
    } else if is(DeleteRequest::META) {
        run(input, |r| delete(state, who, r))
    } else if is(GetRequest::META) {
        run(input, |r| list(state, who, r))
    } else if is(chat_ops::CreateRequest::META) {
        run(input, |r| chats::create(state, who, r))
    } else if is(chat_ops::GetRequest::META) {
        run(input, |r| chats::get(state, who, r))
    } else if is(chat_ops::UpdateRequest::META) {
        run(input, |r| chats::update(state, who, r))
    } else if is(chat_ops::DeleteRequest::META) {
        run(input, |r| chats::delete(state, who, r))
    } else if is(chat_ops::ListRequest::META) {
        run(input, |r| chats::list(state, who, r))
    } else if is(chat_ops::SearchRequest::META) {
        run(input, |r| chats::search(state, who, r))
    } else if is(chat_ops::LinkRequest::META) {
        run(input, |r| chats::link(state, who, r))
    } else if is(feishu_im::v1::chat_managers::AddManagersRequest::META) {
        run(input, |r| chats::add_managers(state, who, r))
    } else if is(feishu_im::v1::chat_managers::DeleteManagersRequest::META) {
        run(input, |r| chats::delete_managers(state, who, r))
    } else if is(feishu_im::v1::chat_moderation::GetRequest::META) {
        run(input, |r| chats::moderation(state, who, r))
    } else if is(feishu_im::v1::chat_moderation::UpdateRequest::META) {
        run(input, |r| chats::moderate(state, who, r))
    } else if is(chat_tabs::CreateRequest::META) {
        run(input, |r| widgets::create_tabs(state, who, r))
    } else if is(chat_tabs::DeleteTabsRequest::META) {
        run(input, |r| widgets::delete_tabs(state, who, r))
    } else if is(chat_tabs::UpdateTabsRequest::META) {
        run(input, |r| widgets::update_tabs(state, who, r))
    } else if is(chat_tabs::SortTabsRequest::META) {
        run(input, |r| widgets::sort_tabs(state, who, r))
    } else if is(chat_tabs::ListTabsRequest::META) {
        run(input, |r| widgets::list_tabs(state, who, r))
    } else if is(chat_menu_tree::CreateRequest::META) {
        run(input, |r| widgets::create_menus(state, who, r))
    } else if is(chat_menu_tree::DeleteRequest::META) {
        run(input, |r| widgets::delete_menus(state, who, r))
    } else if is(chat_menu_tree::SortRequest::META) {
        run(input, |r| widgets::sort_menus(state, who, r))
    } else if is(chat_menu_tree::GetRequest::META) {
        run(input, |r| widgets::get_menus(state, who, r))
    } else if is(chat_menu_item::PatchRequest::META) {
        run(input, |r| widgets::patch_menu(state, who, r))
    } else if is(chat_announcement::GetRequest::META) {
        run(input, |r| widgets::get_announcement(state, who, r))
    } else if is(chat_announcement::PatchRequest::META) {
        run(input, |r| widgets::patch_announcement(state, who, r))
    } else if is(chat_top_notice::PutTopNoticeRequest::META) {
        run(input, |r| widgets::put_top_notice(state, who, r))
    } else if is(chat_top_notice::DeleteTopNoticeRequest::META) {
        run(input, |r| widgets::delete_top_notice(state, who, r))
    } else if is(message_ops::CreateRequest::META) {
        run(input, |r| messages::create(state, who, r))
    } else if is(message_ops::ReplyRequest::META) {
        run(input, |r| messages::reply(state, who, r))
    } else if is(message_ops::GetRequest::META) {
        run(input, |r| messages::get(state, who, r))
    } else if is(message_ops::ListRequest::META) {
        run(input, |r| messages::list(state, who, r))
    } else if is(message_ops::DeleteRequest::META) {
        run(input, |r| messages::delete(state, who, r))
    } else if is(message_ops::UpdateRequest::META) {
        run(input, |r| messages::update(state, who, r))
    } else if is(message_ops::PatchRequest::META) {
        run(input, |r| messages::patch(state, who, r))
    } else if is(message_ops::ForwardRequest::META) {
        run(input, |r| messages::forward(state, who, r))
    } else if is(message_ops::MergeForwardRequest::META) {
        run(input, |r| messages::merge_forward(state, who, r))
    } else if is(feishu_im::v1::threads::ForwardRequest::META) {
        run(input, |r| messages::forward_thread(state, who, r))
    } else if is(feishu_im::v1::cards::DelayUpdateRequest::META) {
        run(input, |r| events::delay_update(state, r))
    } else if is(reaction_ops::CreateRequest::META) {
        run(input, |r| reactions::create(state, who, r))
    } else if is(reaction_ops::DeleteRequest::META) {
        run(input, |r| reactions::delete(state, who, r))
    } else if is(reaction_ops::ListRequest::META) {
        run(input, |r| reactions::list(state, who, r))
    } else if is(pin_ops::CreateRequest::META) {
        run(input, |r| pins::create(state, who, r))
    } else if is(pin_ops::DeleteRequest::META) {
        run(input, |r| pins::delete(state, who, r))
    } else if is(pin_ops::ListRequest::META) {
        run(input, |r| pins::list(state, who, r))
    } else if is(image_ops::CreateRequest::META) {
        // Validation made sure the file part is there.
        let part = upload?;
        run(input, |r| files::create_image(state, who, r, part))
    } else if is(image_ops::GetRequest::META) {
        files::download(state, who, &input, "image_key")?
    } else if is(file_ops::CreateRequest::META) {
        let part = upload?;
        run(input, |r| files::create_file(state, who, r, part))
    } else if is(file_ops::GetRequest::META) {
        files::download(state, who, &input, "file_key")?
    } else if is(resource_ops::GetRequest::META) {
        match decode(input) {
            Ok(request) => files::message_resource(state, who, request),
            Err(outcome) => outcome,
        }
    } else {
        return None;
    })
}

/// Decodes the request as the generated type, runs the behaviour, and encodes its response
/// the way Feishu does (fields without a value left out).
fn run<R: Operation + DeserializeOwned>(
    input: Value,
    behaviour: impl FnOnce(R) -> Result<R::Response, Outcome>,
) -> Outcome
where
    R::Response: Serialize,
{
    let request = match decode(input) {
        Ok(request) => request,
        Err(outcome) => return outcome,
    };
    match behaviour(request) {
        // Generated responses are plain data: encoding them cannot fail.
        Ok(data) => Outcome::Data(without_nulls(serde_json::to_value(data).unwrap_or_default())),
        Err(outcome) => outcome,
    }
}

/// The request as its generated type; validation has checked it, so a failure is a fake bug
/// reported as an invalid request.
fn decode<R: DeserializeOwned>(input: Value) -> Result<R, Outcome> {
    serde_json::from_value(input)
        .map_err(|e| invalid(vec![FieldViolation::new("body", e.to_string())]))
}

/// `value` with every `null` object member removed, at any depth.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// The operation whose method and path template match, with its decoded path params. Where
/// two templates match (`/messages/mget` and `/messages/:message_id`), the one with fewer
/// parameters wins, as on Feishu's gateway.
fn route(request: &HttpRequest) -> Option<(&'static OperationSpec, Vec<(&'static str, String)>)> {
    let segments: Vec<&str> = request.path().split('/').collect();
    let matches = operations().iter().copied().filter_map(|meta| {
        if meta.method.as_str() != request.method {
            return None;
        }
        let template: Vec<&'static str> = meta.path.split('/').collect();
        if template.len() != segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (pattern, segment) in template.iter().zip(&segments) {
            if let Some(name) = pattern.strip_prefix(':') {
                let value = percent_decode_str(segment).decode_utf8().ok()?.into_owned();
                if value.is_empty() {
                    return None;
                }
                params.push((name, value));
            } else if pattern != segment {
                return None;
            }
        }
        Some((meta, params))
    });
    matches.min_by_key(|(_, params)| params.len())
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn authenticate(
    state: &State,
    meta: &OperationSpec,
    request: &HttpRequest,
) -> Result<Identity, Outcome> {
    let header = request.header("authorization").unwrap_or_default();
    let token = header.strip_prefix("Bearer ").unwrap_or(header).trim();
    if token.is_empty() {
        return Err(fail(ErrorCode::TokenMissing));
    }
    let Some(issued) = state.tokens.get(token) else {
        let code = if token.starts_with("u-") {
            ErrorCode::UserTokenInvalid
        } else {
            ErrorCode::TenantTokenInvalid
        };
        return Err(fail(code));
    };
    if issued.expires <= Instant::now() {
        return Err(fail(ErrorCode::TokenExpired));
    }
    if !meta.accepts(issued.kind) {
        return Err(fail(ErrorCode::TenantTokenInvalid));
    }
    Ok(Identity {
        kind: issued.kind,
        app_id: issued.app_id.clone(),
        tenant_key: issued.tenant_key.clone(),
        user: issued.user.clone(),
    })
}

/// Fixed one-second and one-minute windows per operation, app and tenant.
fn rate_limit(state: &mut State, meta: &OperationSpec, identity: &Identity) -> Option<Outcome> {
    let elapsed = state.started.elapsed();
    let (second, minute) = (elapsed.as_secs(), elapsed.as_secs() / 60);
    let key = (meta.operation.to_owned(), identity.app_id.clone(), identity.tenant_key.clone());
    let window = state.windows.entry(key).or_default();
    if window.second != second {
        window.second = second;
        window.in_second = 0;
    }
    if window.minute != minute {
        window.minute = minute;
        window.in_minute = 0;
    }
    let limits = meta.rate_limit;
    let (limit, reset) = if window.in_second >= limits.per_second {
        (limits.per_second, 1)
    } else if window.in_minute >= limits.per_minute {
        (limits.per_minute, 60 - elapsed.as_secs() % 60)
    } else {
        window.in_second += 1;
        window.in_minute += 1;
        return None;
    };
    let code = ErrorCode::RequestRateLimited;
    let reply = HttpReply::json(429, json!({"code": code.code(), "msg": code.message()}))
        .with_header("x-ogw-ratelimit-limit", &limit.to_string())
        .with_header("x-ogw-ratelimit-reset", &reset.to_string());
    Some(Outcome::Reply(reply))
}

/// Fixed one-second windows per recipient (a user or a chat), shared by the endpoints of one
/// class: 230020 beyond, as Feishu answers (without a reset header).
fn recipient_limit(
    state: &mut State,
    meta: &OperationSpec,
    identity: &Identity,
    input: &Value,
) -> Option<Outcome> {
    let (limit, field) = (meta.recipient_limit?, meta.recipient_field?);
    let recipient = input.get(field).and_then(Value::as_str)?;
    let second = state.started.elapsed().as_secs();
    // A chat's budget is shared by all the bots in it: the key leaves the app out.
    let key = (format!("{}|{recipient}", limit.class), String::new(), identity.tenant_key.clone());
    let window = state.windows.entry(key).or_default();
    if window.second != second {
        window.second = second;
        window.in_second = 0;
    }
    if window.in_second >= limit.per_second {
        return Some(fail(ErrorCode::MessageRateLimited));
    }
    window.in_second += 1;
    None
}

/// Token endpoints; `None` for any other path.
fn token_endpoint(state: &mut State, request: &HttpRequest) -> Option<Outcome> {
    let path = request.path().strip_prefix("/open-apis/auth/v3/")?;
    let body = request.json();
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let (app_id, secret) = (text("app_id"), text("app_secret"));
    let app_ok = |state: &State, store: bool| {
        state.apps.get(&app_id).is_some_and(|app| app.secret == secret && app.store == store)
    };
    let token_reply = |name: &str, (token, expire): (String, u64)| {
        Outcome::Reply(HttpReply::json(
            200,
            json!({"code": 0, "msg": "ok", name: token, "expire": expire}),
        ))
    };
    let tenant = super::FakeFeishu::TENANT_KEY;
    Some(match path {
        "tenant_access_token/internal" if app_ok(state, false) => token_reply(
            "tenant_access_token",
            state.issue(TokenKind::Tenant, &app_id, tenant, None),
        ),
        "app_access_token/internal" if app_ok(state, false) => {
            token_reply("app_access_token", state.issue(TokenKind::App, &app_id, tenant, None))
        }
        "app_access_token" if app_ok(state, true) => {
            if state.tickets.get(&app_id).is_none_or(|t| *t != text("app_ticket")) {
                return Some(Outcome::Reply(HttpReply::json(
                    400,
                    json!({"code": 10012, "msg": "app_ticket is invalid"}),
                )));
            }
            token_reply("app_access_token", state.issue(TokenKind::App, &app_id, "", None))
        }
        "tenant_access_token" => {
            let app_token = text("app_access_token");
            let Some(app) = state.tokens.get(&app_token).filter(|t| t.kind == TokenKind::App)
            else {
                return Some(fail(ErrorCode::AppTokenInvalid));
            };
            let app_id = app.app_id.clone();
            token_reply(
                "tenant_access_token",
                state.issue(TokenKind::Tenant, &app_id, &text("tenant_key"), None),
            )
        }
        "app_ticket/resend" if app_ok(state, true) => {
            state.ticket_resends += 1;
            Outcome::Reply(HttpReply::json(200, json!({"code": 0, "msg": "ok"})))
        }
        _ => fail(ErrorCode::AppCredentialsInvalid),
    })
}

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

fn me_join(state: &mut State, who: &Identity, r: MeJoinRequest) -> Result<MeJoinResponse, Outcome> {
    chat_checks(state, who, &r.chat_id)?;
    let chat = state.chats.get_mut(&r.chat_id).expect("checked");
    let me = who.member_id();
    if !chat.public {
        return Err(fail(ErrorCode::ChatTypeNotSupported));
    }
    if chat.members.contains(&me) {
        return Ok(MeJoinResponse::new());
    }
    if chat.join_approval {
        return Err(fail(ErrorCode::JoinRequiresApproval));
    }
    if chat.members.len() >= chat.member_cap {
        return Err(fail(ErrorCode::ChatMemberLimitReached));
    }
    chat.members.push(me);
    Ok(MeJoinResponse::new())
}

fn is_in_chat(
    state: &State,
    who: &Identity,
    r: IsInChatRequest,
) -> Result<IsInChatResponse, Outcome> {
    chat_checks(state, who, &r.chat_id)?;
    Ok({
        let mut value = IsInChatResponse::new();
        value.is_in_chat = Some(state.chats[&r.chat_id].members.contains(&who.member_id()));
        value
    })
}

fn create(state: &mut State, who: &Identity, r: CreateRequest) -> Result<CreateResponse, Outcome> {
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
        let mut value = CreateResponse::new();
        value.invalid_id_list = Vec::new();
        value.not_existed_id_list = missing;
        value.pending_approval_id_list = pending;
        value
    })
}

fn delete(state: &mut State, who: &Identity, r: DeleteRequest) -> Result<DeleteResponse, Outcome> {
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
        let mut value = DeleteResponse::new();
        value.invalid_id_list = invalid_id_list;
        value
    })
}

/// Lists users (bots are not listed), with page tokens that encode the next offset.
fn list(state: &State, who: &Identity, r: GetRequest) -> Result<GetResponse, Outcome> {
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
            let mut value = ChatMember::new(user_id_as(open_id, id_type));
            value.member_id_type = r.member_id_type.clone();
            value.name = Some(user.map_or("", |u| u.name.as_str()).to_owned());
            value.tenant_key = Some(user.map_or(&who.tenant_key, |u| &u.tenant_key).clone());
            value
        }
    }));
    // The fake has no security settings, so none limits the list.
    Ok({
        let mut value = GetResponse::new();
        value.items = items;
        value.page_token = page_token;
        value.has_more = Some(has_more);
        value.member_total = i64::try_from(users.len()).ok();
        value.trigger_security_conf_limit = r.check_security_conf.map(|_| false);
        value.security_conf_limit = None;
        value
    })
}
