//! Decoding the `{code, msg, data}` envelope into data or a typed error.

use std::time::Duration;

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::Code;
use crate::error::{ApiError, DecodeError, Error, ErrorDetail, snippet};

/// What the runtime keeps of an HTTP response besides its body.
#[derive(Debug, Clone)]
pub(crate) struct ResponseHead {
    pub status: u16,
    pub log_id: Option<String>,
    /// `x-ogw-ratelimit-reset`, or else `Retry-After`.
    pub retry_after: Option<Duration>,
}

impl ResponseHead {
    pub(crate) fn from_headers(status: u16, headers: &reqwest::header::HeaderMap) -> Self {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        ResponseHead {
            status,
            log_id: text("x-tt-logid").or_else(|| text("x-request-id")).map(str::to_owned),
            // Seconds to wait: Feishu's own header, or the standard one (its seconds form).
            retry_after: text("x-ogw-ratelimit-reset")
                .or_else(|| text("retry-after"))
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
        }
    }
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    /// It is longer than the client's limit.
    TooLarge,
    /// The connection failed or timed out while reading.
    Transport(reqwest::Error),
}

impl BodyError {
    pub(crate) fn into_error(
        self,
        operation: &'static str,
        head: &ResponseHead,
        limit: usize,
    ) -> Error {
        match self {
            BodyError::TooLarge => decode_error(
                operation,
                head,
                &[],
                format!(
                    "the response body is larger than {limit} bytes, the client's limit (ClientBuilder::max_response_bytes)"
                ),
            ),
            BodyError::Transport(error) => crate::error::transport(operation, error),
        }
    }
}

/// Reads a body of at most `limit` bytes; a longer one is refused as soon as it is seen to be,
/// without reading the rest.
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|length| length > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::with_capacity(response.content_length().map_or(0, |n| n as usize));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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
            _ => Err(decode_error(operation, head, body, json_problem(body, &first))),
        },
    }
}

/// Checks that `body` is an envelope with code 0, without decoding its data: the retry loop
/// needs only the code, and [`decode`] reads the data once the loop is done.
pub(crate) fn check_envelope(
    operation: &'static str,
    head: &ResponseHead,
    body: &[u8],
) -> Result<(), Error> {
    match serde_json::from_slice::<Envelope<IgnoredAny>>(body) {
        Ok(envelope) if envelope.code == 0 => Ok(()),
        Ok(envelope) => {
            Err(api_error(operation, head, envelope.code, envelope.msg, envelope.error))
        }
        Err(error) => Err(decode_error(operation, head, body, json_problem(body, &error))),
    }
}

/// How deep JSON may nest before the body is reported as too deep: serde_json's own limit.
const MAX_JSON_DEPTH: usize = 128;

/// What is wrong with a body that is not the expected JSON, in plain words where serde's are
/// misleading: a body nested too deep can fail with "trailing characters" or a type error
/// before serde reaches its depth limit.
fn json_problem(body: &[u8], error: &serde_json::Error) -> String {
    if nests_deeper_than(body, MAX_JSON_DEPTH) {
        format!("the JSON nests deeper than {MAX_JSON_DEPTH} levels; no Feishu response does")
    } else {
        error.to_string()
    }
}

/// Whether `[` and `{` outside strings nest deeper than `limit`. One pass, stops early.
fn nests_deeper_than(body: &[u8], limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &byte in body {
        match (in_string, byte) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (true, b'"') => in_string = false,
            (true, _) => {}
            (false, b'"') => in_string = true,
            (false, b'[' | b'{') => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            (false, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
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
        code: Code::undescribed(code),
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
