//! The webhook as an axum route, for apps that already serve HTTP with axum.

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};

use crate::receive::{EventSet, Webhook};

/// A `POST` route that hands each delivery to `webhook`, with its body limit:
/// `Router::new().route("/feishu/events", feishu_im::receive::axum_route(webhook))`.
pub fn axum_route<S: Clone + Send + Sync + 'static, E: EventSet>(
    webhook: Webhook<E>,
) -> MethodRouter<S> {
    let limit = webhook.max_body_bytes();
    post(move |headers: HeaderMap, body: Bytes| {
        let webhook = webhook.clone();
        async move {
            let (status, body) = match webhook.handle(&headers, &body).await {
                Ok(answer) => (StatusCode::OK, answer.body),
                Err(error) => {
                    let status =
                        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
                    let body = serde_json::json!({ "msg": error.to_string() }).to_string();
                    (status, body.into_bytes())
                }
            };
            json(status, body)
        }
    })
    .layer(DefaultBodyLimit::max(limit))
}

fn json(status: StatusCode, body: Vec<u8>) -> Response {
    let content_type = HeaderValue::from_static("application/json; charset=utf-8");
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}
