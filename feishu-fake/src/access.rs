//! Who calls and what they may do: the token endpoints, the bearer token of a call, and the
//! rate limits of the spec per operation, app and tenant, and per recipient.

use std::time::Instant;

use serde_json::{Value, json};

use crate::FakeFeishu;
use crate::answer::{Outcome, fail};
use crate::http::{HttpReply, HttpRequest};
use crate::spec::OperationSpec;
use crate::state::State;
use feishu_im::ErrorCode;
use feishu_im::operation::TokenKind;

/// Who calls: from the bearer token.
pub(crate) struct Identity {
    pub(crate) kind: TokenKind,
    pub(crate) app_id: String,
    pub(crate) tenant_key: String,
    user: Option<String>,
}

impl Identity {
    /// The member id of the caller: a user's open_id or the bot's app id.
    pub(crate) fn member_id(&self) -> String {
        self.user.clone().unwrap_or_else(|| self.app_id.clone())
    }
}

pub(crate) fn authenticate(
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
pub(crate) fn rate_limit(
    state: &mut State,
    meta: &OperationSpec,
    identity: &Identity,
) -> Option<Outcome> {
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
pub(crate) fn recipient_limit(
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
pub(crate) fn token_endpoint(state: &mut State, request: &HttpRequest) -> Option<Outcome> {
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
    let tenant = FakeFeishu::TENANT_KEY;
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
