//! Endpoint discovery: `POST {base_url}/callback/ws/endpoint` with the app id and secret gives
//! the WebSocket URL of one connection and the server's [`ClientConfig`].

use std::net::IpAddr;

use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;

use super::error::{LongConnectionError, LongConnectionErrorKind};
use super::frame::ClientConfig;
use crate::runtime::client::transport;
use crate::runtime::response::{ResponseHead, decode_error, read_body};
use crate::{Error, Secret};

/// The discovery path under the base URL.
pub(crate) const PATH: &str = "/callback/ws/endpoint";
/// The operation name in errors.
pub(crate) const OPERATION: &str = "long_connection.endpoint";
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

#[derive(Deserialize)]
struct EndpointResponse {
    code: i64,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    data: Option<EndpointData>,
}

#[derive(Deserialize)]
struct EndpointData {
    #[serde(rename = "URL", default)]
    url: String,
    #[serde(rename = "ClientConfig", default)]
    client_config: Option<ClientConfig>,
}

/// Asks Feishu where to connect.
pub(crate) async fn discover(
    http: &reqwest::Client,
    base_url: &str,
    app_id: &str,
    app_secret: &Secret,
) -> Result<Endpoint, Error> {
    let body = serde_json::json!({ "AppID": app_id, "AppSecret": app_secret.expose() });
    let response = http
        .post(format!("{base_url}{PATH}"))
        .header("locale", "zh")
        .header(CONTENT_TYPE, "application/json; charset=utf-8")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| transport(OPERATION, e))?;
    let head = ResponseHead::from_headers(response.status().as_u16(), response.headers());
    let bytes = read_body(response, MAX_BODY)
        .await
        .map_err(|e| e.into_error(OPERATION, &head, MAX_BODY))?;
    let parsed = serde_json::from_slice::<EndpointResponse>(&bytes);
    let parsed = match parsed {
        // A code decides, whatever the status.
        Ok(parsed) if parsed.code != 0 => {
            let mut error = LongConnectionError::new(
                LongConnectionError::kind_of(parsed.code),
                if parsed.msg.is_empty() {
                    "the endpoint request was refused".into()
                } else {
                    parsed.msg
                },
            );
            error.code = Some(parsed.code);
            error.http_status = Some(head.status);
            return Err(Error::LongConnection(Box::new(error)));
        }
        _ if head.status != 200 => {
            let mut error = LongConnectionError::new(
                LongConnectionErrorKind::SystemBusy,
                "the endpoint request failed",
            );
            error.http_status = Some(head.status);
            return Err(Error::LongConnection(Box::new(error)));
        }
        Ok(parsed) => parsed,
        // The answer carries a ticket in its URL: keep no snippet of it.
        Err(e) => return Err(decode_error(OPERATION, &head, &[], format!("endpoint answer: {e}"))),
    };
    let data = parsed.data.unwrap_or(EndpointData { url: String::new(), client_config: None });
    let invalid = |reason: String| {
        Error::LongConnection(Box::new(LongConnectionError::new(
            LongConnectionErrorKind::InvalidEndpoint,
            reason,
        )))
    };
    let url = check_ws_url(&data.url).map_err(invalid)?;
    let query = |key: &str| url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned());
    let service_id = query("service_id").and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok(Endpoint {
        host: url.host_str().unwrap_or_default().to_owned(),
        device_id: query("device_id").unwrap_or_default(),
        service_id,
        config: data.client_config,
        url: Secret::new(data.url),
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
