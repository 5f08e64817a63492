//! Answering one request: token endpoints, routing by the spec's path templates, scripted
//! faults, access, validation, then the operation's behaviour (or an answer built from the
//! spec for an operation without one).

use std::sync::Mutex;
use std::time::Duration;

use percent_encoding::percent_decode_str;
use serde_json::json;

use crate::Fault;
use crate::access::{authenticate, rate_limit, recipient_limit, token_endpoint};
use crate::answer::{Outcome, envelope, fail, fail_at, invalid_for};
use crate::behaviours::behaviours;
use crate::http::{HttpReply, HttpRequest};
use crate::spec::{OperationSpec, PathSegment, operations};
use crate::state::State;
use crate::validate;

/// The answer to `request`, over the fake's state.
pub(crate) fn handle(shared: &Mutex<State>, request: &HttpRequest) -> HttpReply {
    let mut state = shared.lock().unwrap_or_else(|e| e.into_inner());
    let (mut outcome, delay) = respond(&mut state, request);
    // A code answers with the msg of the endpoint's own page.
    if let (Outcome::Error { code, msg, .. }, Some((meta, _))) = (&mut outcome, route(request))
        && let Some(own) = meta.message_of(*code)
    {
        own.clone_into(msg);
    }
    let log_id = state.log_id();
    envelope(outcome, &log_id).delayed(delay)
}

fn respond(state: &mut State, request: &HttpRequest) -> (Outcome, Duration) {
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
    let outcome = behaviours()
        .behave(state, &identity, meta, input, upload)
        .unwrap_or_else(|| Outcome::Data(validate::sample_data(meta.response)));
    if lose_answer {
        return (Outcome::Reply(HttpReply::Drop), delay);
    }
    (outcome, delay)
}

/// The operation whose method and path template match, with its decoded path params. Where
/// two templates match (`/messages/mget` and `/messages/:message_id`), the one with fewer
/// parameters wins, as on Feishu's gateway.
fn route(request: &HttpRequest) -> Option<(&'static OperationSpec, Vec<(&'static str, String)>)> {
    // The request's segments after the leading `/`, as the template's are.
    let segments: Vec<&str> = request.path().split('/').skip(1).collect();
    let matches = operations().iter().copied().filter_map(|meta| {
        if meta.method.as_str() != request.method || meta.segments.len() != segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (pattern, segment) in meta.segments.iter().zip(&segments) {
            match *pattern {
                PathSegment::Param(name) => {
                    let value = percent_decode_str(segment).decode_utf8().ok()?.into_owned();
                    if value.is_empty() {
                        return None;
                    }
                    params.push((name, value));
                }
                PathSegment::Literal(text) if text == *segment => {}
                PathSegment::Literal(_) => return None,
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
