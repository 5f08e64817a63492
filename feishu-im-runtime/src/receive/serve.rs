//! A ready webhook server on hyper: `POST` on any path goes to the [`Webhook`].

use std::convert::Infallible;
use std::future::Future;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::receive::{EventSet, Webhook};

/// Serves `webhook` on `listener` until `shutdown` completes; then stops accepting, closes
/// the connections and waits for running handlers.
///
/// # Errors
///
/// When accepting a connection fails for good.
pub async fn serve<E: EventSet>(
    listener: TcpListener,
    webhook: Webhook<E>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted?,
        };
        let webhook = webhook.clone();
        connections.spawn(async move {
            let service = service_fn(move |request| {
                let webhook = webhook.clone();
                async move { Ok::<_, Infallible>(answer(&webhook, request).await) }
            });
            // A client that breaks the connection only ends its own exchange.
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
    connections.shutdown().await;
    webhook.dispatcher().shutdown().await;
    Ok(())
}

async fn answer<E: EventSet>(
    webhook: &Webhook<E>,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    if request.method() != Method::POST {
        return reply(StatusCode::METHOD_NOT_ALLOWED, br#"{"msg":"POST only"}"#.to_vec());
    }
    let (parts, body) = request.into_parts();
    let limit = webhook.max_body_bytes();
    let body = match Limited::new(body, limit).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            let error = crate::receive::ReceiveError::BodyTooLarge { limit };
            return refuse(&error);
        }
    };
    match webhook.handle(&parts.headers, &body).await {
        Ok(answer) => reply(StatusCode::OK, answer.body),
        Err(error) => refuse(&error),
    }
}

fn refuse(error: &crate::receive::ReceiveError) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::json!({ "msg": error.to_string() }).to_string().into_bytes();
    reply(status, body)
}

fn reply(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(hyper::header::CONTENT_TYPE, "application/json; charset=utf-8".parse().unwrap());
    response
}
