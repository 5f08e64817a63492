//! The frames of the long connection: `pbbp2.Frame` of `proto/pbbp2.proto` as prost structs,
//! and the frames the client (and the fake) build from them.

use std::collections::BTreeMap;

use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// `method` of a control frame: ping and pong.
pub const METHOD_CONTROL: i32 = 0;
/// `method` of a data frame: an event or card callback, and its ack.
pub const METHOD_DATA: i32 = 1;

/// Header key: what the frame is ([`TYPE_EVENT`], [`TYPE_CARD`], [`TYPE_PING`], [`TYPE_PONG`]).
pub const TYPE: &str = "type";
/// Header key: the delivery a fragment belongs to.
pub const MESSAGE_ID: &str = "message_id";
/// Header key: how many fragments the delivery has.
pub const SUM: &str = "sum";
/// Header key: which fragment this is, from 0.
pub const SEQ: &str = "seq";
/// Header key: the trace id of a delivery.
pub const TRACE_ID: &str = "trace_id";
/// Header key of an ack: how long the app took, in milliseconds.
pub const BIZ_RT: &str = "biz_rt";

/// `type` of an event delivery.
pub const TYPE_EVENT: &str = "event";
/// `type` of a card callback.
pub const TYPE_CARD: &str = "card";
/// `type` of the client's ping.
pub const TYPE_PING: &str = "ping";
/// `type` of the server's pong, which may carry a new `ClientConfig`.
pub const TYPE_PONG: &str = "pong";

/// `pbbp2.Header`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Header {
    /// The header's name.
    #[prost(string, required, tag = "1")]
    pub key: String,
    /// The header's value.
    #[prost(string, required, tag = "2")]
    pub value: String,
}

/// `pbbp2.Frame`. Optional fields keep whether they were present, so that an ack written back
/// from a received frame carries the same fields.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Frame {
    /// Sequence number of the frame.
    #[prost(uint64, required, tag = "1")]
    pub seq_id: u64,
    /// Log id of the frame.
    #[prost(uint64, required, tag = "2")]
    pub log_id: u64,
    /// The service id the endpoint gave.
    #[prost(int32, required, tag = "3")]
    pub service: i32,
    /// [`METHOD_CONTROL`] or [`METHOD_DATA`].
    #[prost(int32, required, tag = "4")]
    pub method: i32,
    /// Headers: [`TYPE`], [`MESSAGE_ID`], [`SUM`], [`SEQ`], ….
    #[prost(message, repeated, tag = "5")]
    pub headers: Vec<Header>,
    /// How the payload is encoded.
    #[prost(string, optional, tag = "6")]
    pub payload_encoding: Option<String>,
    /// What the payload is.
    #[prost(string, optional, tag = "7")]
    pub payload_type: Option<String>,
    /// The payload: a fragment of a delivery's JSON, an ack, or a pong's `ClientConfig`.
    #[prost(bytes = "bytes", optional, tag = "8")]
    pub payload: Option<Bytes>,
    /// Log id, as text.
    #[prost(string, optional, tag = "9")]
    pub log_id_new: Option<String>,
}

impl Frame {
    /// A control frame of `kind` (`ping`, `pong`) for the service `service`.
    pub fn control(service: i32, kind: &str, payload: Option<Bytes>) -> Frame {
        Frame {
            service,
            method: METHOD_CONTROL,
            headers: vec![Header { key: TYPE.into(), value: kind.into() }],
            payload,
            ..Frame::default()
        }
    }

    /// The value of the first header named `key`.
    pub fn header(&self, key: &str) -> Option<&str> {
        self.headers.iter().find(|h| h.key == key).map(|h| h.value.as_str())
    }

    /// Appends a header.
    pub fn push_header(&mut self, key: &str, value: impl Into<String>) {
        self.headers.push(Header { key: key.into(), value: value.into() });
    }

    /// The frame encoded.
    pub fn encode(&self) -> Vec<u8> {
        prost::Message::encode_to_vec(self)
    }

    /// Decodes a frame.
    pub fn decode(bytes: &[u8]) -> Result<Frame, prost::DecodeError> {
        prost::Message::decode(bytes)
    }

    /// The ack of a data frame: the same frame with a `biz_rt` header (the handler's time in
    /// milliseconds) and the [`AckPayload`] as payload.
    pub fn into_ack(mut self, biz_rt_ms: u128, payload: &AckPayload) -> Frame {
        self.push_header(BIZ_RT, biz_rt_ms.to_string());
        self.payload = Some(Bytes::from(payload.to_json()));
        self
    }
}

/// The payload of an ack: `{"code":200,"headers":{},"data":"<base64>"}`. `data` is the
/// handler's answer (a card callback's toast or card) in base64, as Go marshals `[]byte`; it
/// is left out when the handler has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckPayload {
    /// 200 when handled, 500 when the handler failed.
    pub code: u16,
    /// Headers of the ack.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub headers: BTreeMap<String, String>,
    /// The handler's answer in base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::deserialize(deserializer)?.unwrap_or_default())
}

impl AckPayload {
    /// Code 200 with the handler's answer, if any.
    pub fn ok(data: Option<&[u8]>) -> AckPayload {
        AckPayload {
            code: 200,
            headers: BTreeMap::new(),
            data: data.map(|d| base64::engine::general_purpose::STANDARD.encode(d)),
        }
    }

    /// Code 500: the handler failed.
    pub fn failed() -> AckPayload {
        AckPayload { code: 500, headers: BTreeMap::new(), data: None }
    }

    /// The handler's answer, decoded from base64; `None` when absent or not base64.
    pub fn decoded_data(&self) -> Option<Vec<u8>> {
        let data = self.data.as_deref()?;
        base64::engine::general_purpose::STANDARD.decode(data).ok()
    }

    /// The ack as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// The `ClientConfig` Feishu sends with the endpoint and in pongs, in seconds. Missing fields
/// leave the current setting alone. Each field is read leniently: any JSON number (saturated to
/// 64 bits, fractions dropped) or a string of one; anything else reads as missing, so an odd
/// value never makes the answer that carries it unreadable. Bounds are applied where the
/// values are used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClientConfig {
    /// `ReconnectCount`: how often to reconnect (the client does not obey it).
    #[serde(
        default,
        deserialize_with = "lenient_integer",
        skip_serializing_if = "Option::is_none"
    )]
    pub reconnect_count: Option<i64>,
    /// `ReconnectInterval`: seconds between reconnects.
    #[serde(
        default,
        deserialize_with = "lenient_integer",
        skip_serializing_if = "Option::is_none"
    )]
    pub reconnect_interval: Option<i64>,
    /// `ReconnectNonce`: the most seconds of jitter before the first reconnect.
    #[serde(
        default,
        deserialize_with = "lenient_integer",
        skip_serializing_if = "Option::is_none"
    )]
    pub reconnect_nonce: Option<i64>,
    /// `PingInterval`: seconds between pings.
    #[serde(
        default,
        deserialize_with = "lenient_integer",
        skip_serializing_if = "Option::is_none"
    )]
    pub ping_interval: Option<i64>,
}

/// Any JSON number, saturated to `i64`, or a string holding one; `None` for anything else.
fn lenient_integer<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    fn of_number(number: &serde_json::Number) -> Option<i64> {
        if let Some(n) = number.as_i64() {
            return Some(n);
        }
        if number.as_u64().is_some() {
            return Some(i64::MAX);
        }
        // `as` saturates, and maps NaN to 0.
        number.as_f64().map(|f| f as i64)
    }
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Number(number) => of_number(&number),
        serde_json::Value::String(text) => serde_json::from_str::<serde_json::Number>(text.trim())
            .ok()
            .as_ref()
            .and_then(of_number),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_config_values_of_any_shape_read_as_numbers_or_missing() {
        let config: ClientConfig = serde_json::from_str(
            r#"{"PingInterval":18446744073709551615,"ReconnectInterval":-5,"ReconnectNonce":"30","ReconnectCount":1e300}"#,
        )
        .unwrap();
        assert_eq!(config.ping_interval, Some(i64::MAX));
        assert_eq!(config.reconnect_interval, Some(-5));
        assert_eq!(config.reconnect_nonce, Some(30));
        assert_eq!(config.reconnect_count, Some(i64::MAX));
        let config: ClientConfig = serde_json::from_str(
            r#"{"PingInterval":null,"ReconnectInterval":[1],"ReconnectNonce":{}}"#,
        )
        .unwrap();
        assert_eq!(config, ClientConfig::default());
    }

    /// A ping for service 3 as the Go SDK's gogo-generated `Frame.Marshal` writes it: the
    /// required fields, the header `type=ping`, and the optional strings written empty.
    const GO_PING: [u8; 28] = [
        0x08, 0x00, // SeqID 0
        0x10, 0x00, // LogID 0
        0x18, 0x03, // service 3
        0x20, 0x00, // method 0
        0x2a, 0x0c, 0x0a, 0x04, b't', b'y', b'p', b'e', 0x12, 0x04, b'p', b'i', b'n',
        b'g', // headers[0]
        0x32, 0x00, // payload_encoding ""
        0x3a, 0x00, // payload_type ""
        0x4a, 0x00, // LogIDNew ""
    ];

    #[test]
    fn decodes_and_reencodes_the_go_encoding() {
        let go = &GO_PING[..];
        let frame = Frame::decode(go).unwrap();
        assert_eq!(frame.service, 3);
        assert_eq!(frame.method, METHOD_CONTROL);
        assert_eq!(frame.header(TYPE), Some(TYPE_PING));
        assert_eq!(frame.payload_encoding.as_deref(), Some(""));
        assert_eq!(frame.payload, None);
        // Fields present on the wire stay present, so an echoed frame is byte for byte the same.
        assert_eq!(frame.encode(), go);
        // A ping of ours leaves the optional fields out.
        assert_eq!(Frame::control(3, TYPE_PING, None).encode(), &go[..22]);
    }

    #[test]
    fn round_trips_a_data_frame() {
        let mut frame = Frame {
            seq_id: 300,
            log_id: u64::MAX,
            service: -1,
            method: METHOD_DATA,
            payload: Some(Bytes::from_static(b"{}")),
            log_id_new: Some("log".into()),
            ..Frame::default()
        };
        frame.push_header(TYPE, TYPE_EVENT);
        frame.push_header(SUM, "1");
        let bytes = frame.encode();
        // SeqID 300 is a two-byte varint; a negative int32 takes ten bytes.
        assert_eq!(&bytes[..3], &[0x08, 0xac, 0x02]);
        let service = [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert!(bytes.windows(service.len()).any(|w| w == service));
        assert_eq!(Frame::decode(&bytes).unwrap(), frame);
        assert!(Frame::decode(b"\xff\xff\xff").is_err());
    }

    #[test]
    fn ack_payload_is_go_shaped() {
        let ack = AckPayload::ok(Some(b"{\"toast\":1}"));
        assert_eq!(
            String::from_utf8(ack.to_json()).unwrap(),
            r#"{"code":200,"headers":{},"data":"eyJ0b2FzdCI6MX0="}"#
        );
        assert_eq!(ack.decoded_data().unwrap(), b"{\"toast\":1}");
        assert_eq!(
            String::from_utf8(AckPayload::ok(None).to_json()).unwrap(),
            r#"{"code":200,"headers":{}}"#
        );
        // What Go writes when there is no answer.
        let go: AckPayload =
            serde_json::from_str(r#"{"code":500,"headers":null,"data":null}"#).unwrap();
        assert_eq!(go, AckPayload::failed());
    }
}
