//! Answering one request: token endpoints, routing by the spec, faults, auth, rate limits,
//! validation, then the endpoint's behaviour.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::Fault;
use super::http::{HttpReply, HttpRequest};
use super::state::{State, member_id_of, user_id_as};
use super::validate;
use crate::operation::{OperationMeta, TokenKind};
use crate::{ErrorCode, FieldViolation, OPERATIONS};

/// Who calls: from the bearer token.
struct Identity {
    kind: TokenKind,
    app_id: String,
    tenant_key: String,
    user: Option<String>,
}

impl Identity {
    /// The member id of the caller: a user's open_id or the bot's app id.
    fn member_id(&self) -> String {
        self.user.clone().unwrap_or_else(|| self.app_id.clone())
    }
}

/// An answer before it gets its log id.
enum Outcome {
    Data(Value),
    Error { code: ErrorCode, status: u16, msg: String, violations: Vec<FieldViolation> },
    Reply(HttpReply),
}

/// The code with the HTTP status and msg of the spec.
fn fail(code: ErrorCode) -> Outcome {
    fail_at(code, code.http_status().unwrap_or(400))
}

fn fail_at(code: ErrorCode, status: u16) -> Outcome {
    let msg = code.message().unwrap_or("error").to_owned();
    Outcome::Error { code, status, msg, violations: Vec::new() }
}

fn invalid(violations: Vec<FieldViolation>) -> Outcome {
    let code = ErrorCode::InvalidRequestParameter;
    Outcome::Error { code, status: 400, msg: code.message().unwrap_or_default().into(), violations }
}

pub(super) fn handle(shared: &Mutex<State>, request: &HttpRequest) -> HttpReply {
    let mut state = shared.lock().unwrap_or_else(|e| e.into_inner());
    let (outcome, delay) = answer(&mut state, request);
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
        None => {}
    }
    let identity = match authenticate(state, meta, request) {
        Ok(identity) => identity,
        Err(outcome) => return (outcome, delay),
    };
    if let Some(outcome) = rate_limit(state, meta, &identity) {
        return (outcome, delay);
    }
    let query = parse_query(request.query().unwrap_or_default());
    let body = (!request.body.is_empty()).then(|| request.json());
    let violations = validate::request(meta.params, &query, body.as_ref());
    if !violations.is_empty() {
        return (invalid(violations), delay);
    }
    // A query parameter as sent, or the spec's default for it.
    let param = |name: &str| {
        let sent = query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        sent.or_else(|| meta.params.iter().find(|p| p.name == name).and_then(|p| p.default))
    };
    let outcome = match meta.operation {
        "chat_members.me_join" => me_join(state, &identity, &path_params[0]),
        "chat_members.is_in_chat" => is_in_chat(state, &identity, &path_params[0]),
        "chat_members.create" => create(state, &identity, &path_params[0], &param, body.as_ref()),
        "chat_members.delete" => delete(state, &identity, &path_params[0], &param, body.as_ref()),
        "chat_members.get" => list(state, &identity, &path_params[0], &param),
        _ => Outcome::Data(validate::sample_data(meta.response)),
    };
    (outcome, delay)
}

/// The operation whose method and path template match, with its decoded path params.
fn route(request: &HttpRequest) -> Option<(&'static OperationMeta, Vec<String>)> {
    let segments: Vec<&str> = request.path().split('/').collect();
    OPERATIONS.iter().copied().find_map(|meta| {
        if meta.method.as_str() != request.method {
            return None;
        }
        let template: Vec<&str> = meta.path.split('/').collect();
        if template.len() != segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (pattern, segment) in template.iter().zip(&segments) {
            if pattern.starts_with(':') {
                let value = percent_decode_str(segment).decode_utf8().ok()?.into_owned();
                if value.is_empty() {
                    return None;
                }
                params.push(value);
            } else if pattern != segment {
                return None;
            }
        }
        Some((meta, params))
    })
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
    meta: &OperationMeta,
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
fn rate_limit(state: &mut State, meta: &OperationMeta, identity: &Identity) -> Option<Outcome> {
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

fn me_join(state: &mut State, identity: &Identity, chat_id: &str) -> Outcome {
    if let Err(outcome) = chat_checks(state, identity, chat_id) {
        return outcome;
    }
    let chat = state.chats.get_mut(chat_id).expect("checked");
    let me = identity.member_id();
    if !chat.public {
        return fail(ErrorCode::ChatTypeNotSupported);
    }
    if chat.members.contains(&me) {
        return Outcome::Data(json!({}));
    }
    if chat.join_approval {
        return fail(ErrorCode::JoinRequiresApproval);
    }
    if chat.members.len() >= chat.member_cap {
        return fail(ErrorCode::ChatMemberLimitReached);
    }
    chat.members.push(me);
    Outcome::Data(json!({}))
}

fn is_in_chat(state: &State, identity: &Identity, chat_id: &str) -> Outcome {
    if let Err(outcome) = chat_checks(state, identity, chat_id) {
        return outcome;
    }
    Outcome::Data(
        json!({"is_in_chat": state.chats[chat_id].members.contains(&identity.member_id())}),
    )
}

fn id_list(body: Option<&Value>) -> Vec<String> {
    let ids = body.and_then(|b| b.get("id_list")).and_then(Value::as_array);
    ids.into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

type Param<'a> = dyn Fn(&str) -> Option<&'a str> + 'a;

fn create(
    state: &mut State,
    identity: &Identity,
    chat_id: &str,
    param: &Param<'_>,
    body: Option<&Value>,
) -> Outcome {
    if let Err(outcome) = member_checks(state, identity, chat_id) {
        return outcome;
    }
    let id_type = param("member_id_type").unwrap_or_default();
    let succeed_type = param("succeed_type").unwrap_or_default();
    let mut known = Vec::new();
    let mut missing = Vec::new();
    for id in id_list(body) {
        let candidate = member_id_of(&id, id_type);
        let exists = if id_type == "app_id" {
            state.apps.contains_key(&candidate)
        } else {
            state.users.get(&candidate).is_some_and(|u| u.tenant_key == identity.tenant_key)
        };
        if exists {
            known.push(candidate);
        } else {
            missing.push(id);
        }
    }
    if !missing.is_empty() {
        match succeed_type {
            "1" => {}
            "2" => return fail(ErrorCode::UnavailableIds),
            _ => {
                return fail(match id_type {
                    "user_id" => ErrorCode::UserIdNotFound,
                    "union_id" => ErrorCode::UnionIdNotFound,
                    "app_id" => ErrorCode::NoValidMembers,
                    _ => ErrorCode::OpenIdNotFound,
                });
            }
        }
    }
    if known.is_empty() {
        return fail(ErrorCode::NoValidMembers);
    }
    let chat = state.chats.get_mut(chat_id).expect("checked");
    let mut pending = Vec::new();
    for member in known {
        if chat.members.contains(&member) {
            continue;
        }
        if chat.join_approval {
            pending.push(member);
        } else if chat.members.len() >= chat.member_cap {
            return fail(ErrorCode::ChatMemberLimitReached);
        } else {
            chat.members.push(member);
        }
    }
    Outcome::Data(json!({
        "invalid_id_list": [],
        "not_existed_id_list": missing,
        "pending_approval_id_list": pending,
    }))
}

fn delete(
    state: &mut State,
    identity: &Identity,
    chat_id: &str,
    param: &Param<'_>,
    body: Option<&Value>,
) -> Outcome {
    if let Err(outcome) = member_checks(state, identity, chat_id) {
        return outcome;
    }
    let id_type = param("member_id_type").unwrap_or_default();
    let chat = state.chats.get_mut(chat_id).expect("checked");
    let ids = id_list(body);
    if ids.iter().any(|id| chat.owner.as_deref() == Some(member_id_of(id, id_type).as_str())) {
        return fail(ErrorCode::CannotRemoveOwner);
    }
    let mut invalid = Vec::new();
    for id in ids {
        let member = member_id_of(&id, id_type);
        match chat.members.iter().position(|m| *m == member) {
            Some(at) => {
                chat.members.remove(at);
            }
            None => invalid.push(id),
        }
    }
    Outcome::Data(json!({"invalid_id_list": invalid}))
}

/// Lists users (bots are not listed), with page tokens that encode the next offset.
fn list(state: &State, identity: &Identity, chat_id: &str, param: &Param<'_>) -> Outcome {
    if let Err(outcome) = member_checks(state, identity, chat_id) {
        return outcome;
    }
    // Validated against the spec's limits; its default applies when left out.
    let page_size: usize = param("page_size").and_then(|s| s.parse().ok()).unwrap_or(1);
    let id_type = param("member_id_type").unwrap_or_default();
    let start = match param("page_token") {
        None => 0,
        Some(token) => {
            match token.strip_prefix("pt_").and_then(|n| usize::from_str_radix(n, 16).ok()) {
                Some(offset) => offset,
                None => {
                    return invalid(vec![
                        FieldViolation::new("page_token", "is not a page token of this list")
                            .with_value(token),
                    ]);
                }
            }
        }
    };
    let users: Vec<&String> =
        state.chats[chat_id].members.iter().filter(|m| m.starts_with("ou_")).collect();
    let items: Vec<Value> = users
        .iter()
        .skip(start)
        .take(page_size)
        .map(|open_id| {
            let user = state.users.get(*open_id);
            json!({
                "member_id_type": id_type,
                "member_id": user_id_as(open_id, id_type),
                "name": user.map_or("", |u| u.name.as_str()),
                "tenant_key": user.map_or(identity.tenant_key.as_str(), |u| u.tenant_key.as_str()),
            })
        })
        .collect();
    let next = start + page_size;
    let mut data =
        json!({"items": items, "has_more": next < users.len(), "member_total": users.len()});
    if next < users.len() {
        data["page_token"] = json!(format!("pt_{next:x}"));
    }
    Outcome::Data(data)
}
