//! What the fake answers: the data of a behaviour, a documented error with the code's status
//! and msg, or a raw reply; and Feishu's `{code, msg, data}` envelope around it.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::http::HttpReply;
use crate::spec::OperationSpec;
use feishu_im::operation::Operation;
use feishu_im::{ErrorCode, FieldViolation};

/// An answer before it gets its log id.
pub(crate) enum Outcome {
    Data(Value),
    Error { code: ErrorCode, status: u16, msg: String, violations: Vec<FieldViolation> },
    Reply(HttpReply),
}

/// The code with the HTTP status and msg of the spec.
pub(crate) fn fail(code: ErrorCode) -> Outcome {
    fail_at(code, code.http_status().unwrap_or(400))
}

pub(crate) fn fail_at(code: ErrorCode, status: u16) -> Outcome {
    let msg = code.message().unwrap_or("error").to_owned();
    Outcome::Error { code, status, msg, violations: Vec::new() }
}

pub(crate) fn invalid(violations: Vec<FieldViolation>) -> Outcome {
    invalid_as(ErrorCode::InvalidRequestParameter, violations)
}

/// A refused parameter, under the code the endpoint's documentation uses for one.
pub(crate) fn invalid_for(meta: &OperationSpec, violations: Vec<FieldViolation>) -> Outcome {
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

pub(crate) fn invalid_as(code: ErrorCode, violations: Vec<FieldViolation>) -> Outcome {
    Outcome::Error { code, status: 400, msg: code.message().unwrap_or_default().into(), violations }
}

/// `outcome` as Feishu sends it, with the log id in the body's `error` and in `X-Tt-Logid`.
pub(crate) fn envelope(outcome: Outcome, log_id: &str) -> HttpReply {
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
    reply.with_header("x-tt-logid", log_id)
}

/// Decodes the request as the generated type, runs the behaviour, and encodes its response
/// the way Feishu does (fields without a value left out).
pub(crate) fn run<R: Operation + DeserializeOwned>(
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
pub(crate) fn decode<R: DeserializeOwned>(input: Value) -> Result<R, Outcome> {
    serde_json::from_value(input)
        .map_err(|e| invalid(vec![FieldViolation::new("body", e.to_string())]))
}

/// `value` with every `null` object member removed, at any depth.
pub(crate) fn without_nulls(value: Value) -> Value {
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
