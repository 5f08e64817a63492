//! Endpoint discovery: `POST {base_url}/callback/ws/endpoint` with the app id and secret gives
//! the WebSocket URL of one connection and the server's [`ClientConfig`].

use std::net::IpAddr;

use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;

use super::error::{LongConnectionError, LongConnectionErrorKind};
use super::frame::ClientConfig;
use crate::Secret;
use crate::response::{BodyError, ResponseHead, read_body};

/// The discovery path under the base URL.
pub const PATH: &str = "/callback/ws/endpoint";
/// The operation name in errors.
pub const OPERATION: &str = "long_connection.endpoint";
/// The largest discovery answer read.
const MAX_BODY: usize = 1 << 20;

/// Where to open one connection.
pub(crate) struct Endpoint {
    /// The WebSocket URL. Its query carries a ticket, so it is kept as a secret.
    pub(crate) url: Secret,
    /// The host, for logs.
    pub(crate) host: String,
    /// `device_id` of the query: the connection's id.
    pub(crate) device_id: String,
    /// `service_id` of the query, which ping frames carry.
    pub(crate) service_id: i32,
    /// The server's settings.
    pub(crate) config: Option<ClientConfig>,
}

/// The answer's envelope. Every field is optional and `data` is read by hand, so that an odd
/// answer is a located failure rather than an unreadable body.
#[derive(Deserialize)]
struct EndpointResponse {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    msg: Option<serde_json::Value>,
    #[serde(default)]
    data: Option<serde_json::Value>,
}

/// Asks Feishu where to connect.
///
/// Every failure is an [`Error::LongConnection`] with the answer's HTTP status, code, msg and
/// log id where it had them, except transport failures and timeouts, which keep their own
/// variants. Only [`LongConnectionError::is_permanent`] failures end a long connection.
pub(crate) async fn discover(
    http: &reqwest::Client,
    base_url: &str,
    app_id: &str,
    app_secret: &Secret,
) -> Result<Endpoint, LongConnectionError> {
    let body = serde_json::json!({ "AppID": app_id, "AppSecret": app_secret.expose() });
    let response = http
        .post(format!("{base_url}{PATH}"))
        .header("locale", "zh")
        .header(CONTENT_TYPE, "application/json; charset=utf-8")
        .body(body.to_string())
        .send()
        .await
        .map_err(LongConnectionError::transport)?;
    let head = ResponseHead::from_headers(response.status().as_u16(), response.headers());
    let failure = |kind: LongConnectionErrorKind, msg: String, code: Option<i64>| {
        let mut error = LongConnectionError::new(kind, msg);
        error.code = code;
        error.http_status = Some(head.status);
        error.log_id.clone_from(&head.log_id);
        error
    };
    let bytes = match read_body(response, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge) => {
            let msg = format!("the endpoint answer is larger than {MAX_BODY} bytes");
            return Err(failure(LongConnectionErrorKind::InvalidEndpoint, msg, None));
        }
        Err(BodyError::Transport(error)) => return Err(LongConnectionError::transport(error)),
    };
    // The answer carries a ticket in its URL: no snippet of it is kept.
    let parsed = serde_json::from_slice::<EndpointResponse>(&bytes);
    let code = parsed.as_ref().ok().and_then(|p| p.code.as_ref()).map(|code| code.as_i64());
    let msg = parsed
        .as_ref()
        .ok()
        .and_then(|p| p.msg.as_ref())
        .and_then(serde_json::Value::as_str)
        .filter(|msg| !msg.is_empty())
        .map(str::to_owned);
    match code {
        // A code decides, whatever the status.
        Some(Some(code)) if code != 0 => {
            let msg = msg.unwrap_or_else(|| "the endpoint request was refused".into());
            return Err(failure(LongConnectionError::kind_of(code), msg, Some(code)));
        }
        _ if head.status != 200 => {
            let msg = msg.unwrap_or_else(|| "the endpoint request failed".into());
            return Err(failure(LongConnectionErrorKind::SystemBusy, msg, None));
        }
        Some(Some(_)) => {}
        Some(None) => {
            let msg = "the endpoint answer's code is not an integer".to_owned();
            return Err(failure(LongConnectionErrorKind::InvalidEndpoint, msg, None));
        }
        None => {
            let msg = match parsed {
                Err(error) => format!("the endpoint answer is not JSON: {error}"),
                Ok(_) => "the endpoint answer has no code".to_owned(),
            };
            return Err(failure(LongConnectionErrorKind::InvalidEndpoint, msg, None));
        }
    }
    let data = parsed.ok().and_then(|p| p.data).unwrap_or_default();
    let url = data.get("URL").and_then(serde_json::Value::as_str).unwrap_or_default();
    // An unreadable config is no reason to refuse a usable URL: the settings in force stay.
    let config = data.get("ClientConfig").and_then(|config| ClientConfig::deserialize(config).ok());
    let parsed_url = check_ws_url(url)
        .map_err(|reason| failure(LongConnectionErrorKind::InvalidEndpoint, reason, Some(0)))?;
    let query =
        |key: &str| parsed_url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned());
    let service_id = query("service_id").and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok(Endpoint {
        host: parsed_url.host_str().unwrap_or_default().to_owned(),
        device_id: query("device_id").unwrap_or_default(),
        service_id,
        config,
        url: Secret::new(url),
    })
}

/// Checks a WebSocket URL: `wss`, or plain `ws` to a loopback host (tests and local fakes).
pub(crate) fn check_ws_url(url: &str) -> Result<Url, String> {
    if url.is_empty() {
        return Err("the endpoint answer carried no URL".into());
    }
    // The URL is not quoted: its query carries a ticket.
    let parsed = Url::parse(url).map_err(|e| format!("the endpoint URL is not a URL: {e}"))?;
    let loopback = parsed.host_str().is_some_and(|host| {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    });
    match parsed.scheme() {
        "wss" => Ok(parsed),
        "ws" if loopback => Ok(parsed),
        "ws" => Err("the endpoint URL must use wss (plain ws only to loopback hosts)".into()),
        other => Err(format!("the endpoint URL has the unsupported scheme `{other}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::check_ws_url;

    #[test]
    fn wss_or_loopback_ws() {
        assert!(
            check_ws_url("wss://msg-frontier.feishu.cn/ws/v2?device_id=1&service_id=2").is_ok()
        );
        assert!(check_ws_url("ws://127.0.0.1:9/ws").is_ok());
        assert!(check_ws_url("ws://[::1]:9/ws").is_ok());
        assert!(check_ws_url("ws://msg-frontier.feishu.cn/ws").is_err());
        assert!(check_ws_url("https://open.feishu.cn").is_err());
        assert!(check_ws_url("").is_err());
    }
}
