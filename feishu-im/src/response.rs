//! Decoding the `{code, msg, data}` envelope into data or a typed error.

use std::time::Duration;

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::ErrorCode;
use crate::error::{ApiError, DecodeError, Error, ErrorDetail, snippet};

/// What the runtime keeps of an HTTP response besides its body.
#[derive(Debug, Clone)]
pub(crate) struct ResponseHead {
    pub status: u16,
    pub log_id: Option<String>,
    /// `x-ogw-ratelimit-reset`.
    pub retry_after: Option<Duration>,
}

impl ResponseHead {
    pub(crate) fn from_headers(status: u16, headers: &reqwest::header::HeaderMap) -> Self {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        ResponseHead {
            status,
            log_id: text("x-tt-logid").or_else(|| text("x-request-id")).map(str::to_owned),
            retry_after: text("x-ogw-ratelimit-reset")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
        }
    }
}

#[derive(Deserialize)]
struct Envelope<T> {
    code: i64,
    #[serde(default)]
    msg: String,
    #[serde(default = "Option::default")]
    data: Option<T>,
    #[serde(default)]
    error: Option<ErrorDetail>,
}

/// The longest part of a body kept in a [`DecodeError`].
const SNIPPET_BYTES: usize = 512;

/// Decodes `body` into the endpoint's data, or an [`ApiError`] for a non-zero code, or a
/// [`DecodeError`] for anything else. Never panics.
pub(crate) fn decode<T: DeserializeOwned>(
    operation: &'static str,
    head: &ResponseHead,
    body: &[u8],
) -> Result<T, Error> {
    match serde_json::from_slice::<Envelope<T>>(body) {
        Ok(envelope) if envelope.code == 0 => match envelope.data {
            Some(data) => Ok(data),
            None => serde_json::from_slice(b"{}")
                .map_err(|e| decode_error(operation, head, body, e.to_string())),
        },
        Ok(envelope) => {
            Err(api_error(operation, head, envelope.code, envelope.msg, envelope.error))
        }
        Err(first) => match serde_json::from_slice::<Envelope<IgnoredAny>>(body) {
            Ok(envelope) if envelope.code != 0 => {
                Err(api_error(operation, head, envelope.code, envelope.msg, envelope.error))
            }
            _ => Err(decode_error(operation, head, body, first.to_string())),
        },
    }
}

fn api_error(
    operation: &'static str,
    head: &ResponseHead,
    code: i64,
    msg: String,
    detail: Option<ErrorDetail>,
) -> Error {
    Error::Api(Box::new(ApiError {
        operation,
        code: ErrorCode::from_code(code),
        msg,
        http_status: head.status,
        log_id: head.log_id.clone(),
        retry_after: head.retry_after,
        detail: detail.unwrap_or_default(),
    }))
}

pub(crate) fn decode_error(
    operation: &'static str,
    head: &ResponseHead,
    body: &[u8],
    reason: String,
) -> Error {
    Error::Decode(Box::new(DecodeError {
        operation,
        http_status: head.status,
        log_id: head.log_id.clone(),
        reason,
        body_snippet: snippet(body, SNIPPET_BYTES),
        retry_after: head.retry_after,
    }))
}
