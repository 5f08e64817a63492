//! What a delivery's JSON holds once decrypted: a schema 2.0 event, a schema 1.0 event, or the
//! `url_verification` challenge.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::{Secret, UnixMillis};

/// The header of a delivered event: who it is for and when it happened.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EventHeader {
    /// Unique per event; Feishu re-delivers under the same id.
    pub event_id: String,
    /// `im.message.receive_v1`, …
    pub event_type: String,
    /// When the event happened (callbacks send microseconds; they are read as milliseconds).
    pub create_time: Option<UnixMillis>,
    /// The app it is for.
    pub app_id: String,
    /// The tenant it happened in: a store app's tokens are per tenant.
    pub tenant_key: String,
}

/// A plaintext delivery, parsed.
pub(crate) enum Envelope<'a> {
    /// `url_verification`: echo the challenge.
    Challenge { challenge: String, token: Option<Secret> },
    /// An event or callback: its header, verification token and `event` JSON text.
    Event { header: EventHeader, token: Option<Secret>, event: &'a RawValue },
    /// An old-style card callback (`card.action.trigger_v1`): a flat body, with no envelope,
    /// which is itself the payload.
    OldCard { tenant_key: String, payload: &'a RawValue },
}

/// The event type an old-style card callback decodes as, the name its page gives it.
pub(crate) const OLD_CARD_TYPE: &str = "card.action.trigger_v1";

#[derive(Deserialize)]
struct Wire<'a> {
    schema: Option<String>,
    header: Option<WireHeader>,
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    #[serde(rename = "type")]
    kind: Option<String>,
    challenge: Option<String>,
    token: Option<String>,
    uuid: Option<String>,
    ts: Option<String>,
    #[serde(borrow)]
    action: Option<&'a RawValue>,
    open_message_id: Option<String>,
    tenant_key: Option<String>,
}

#[derive(Deserialize)]
struct WireHeader {
    event_id: String,
    event_type: String,
    create_time: Option<UnixMillis>,
    token: Option<String>,
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    tenant_key: String,
}

/// The fields of a schema 1.0 `event` that name it.
#[derive(Deserialize)]
struct LegacyEvent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    tenant_key: String,
}

/// Callbacks count `create_time` in microseconds, events in milliseconds: a count beyond
/// the year 5000 in milliseconds is taken as microseconds.
fn in_millis(time: UnixMillis) -> UnixMillis {
    const YEAR_5000_MS: i64 = 95_617_584_000_000;
    if time.count() > YEAR_5000_MS { UnixMillis::new(time.count() / 1000) } else { time }
}

impl<'a> Envelope<'a> {
    /// Parses plaintext JSON; the error says what is missing.
    pub(crate) fn parse(plain: &'a [u8]) -> Result<Envelope<'a>, String> {
        let wire: Wire<'a> = serde_json::from_slice(plain).map_err(|e| e.to_string())?;
        let token = wire.token.map(Secret::new);
        if wire.kind.as_deref() == Some("url_verification") {
            let challenge = wire.challenge.ok_or("`url_verification` without `challenge`")?;
            return Ok(Envelope::Challenge { challenge, token });
        }
        // The old card callback: no envelope, and the click's `action` at the top level.
        if wire.header.is_none()
            && wire.event.is_none()
            && wire.schema.is_none()
            && wire.action.is_some()
            && wire.open_message_id.is_some()
        {
            let payload: &RawValue = serde_json::from_slice(plain).map_err(|e| e.to_string())?;
            let tenant_key = wire.tenant_key.unwrap_or_default();
            return Ok(Envelope::OldCard { tenant_key, payload });
        }
        let event = wire.event.ok_or("no `event` object")?;
        if let Some(header) = wire.header {
            if wire.schema.as_deref() != Some("2.0") {
                return Err("a `header` with a schema other than 2.0".into());
            }
            let token = header.token.map(Secret::new);
            let header = EventHeader {
                event_id: header.event_id,
                event_type: header.event_type,
                create_time: header.create_time.map(in_millis),
                app_id: header.app_id,
                tenant_key: header.tenant_key,
            };
            return Ok(Envelope::Event { header, token, event });
        }
        // Schema 1.0: `uuid`, `ts` (seconds, possibly fractional) and the type inside `event`.
        let uuid = wire.uuid.ok_or("neither a 2.0 `header` nor a 1.0 `uuid`")?;
        let legacy: LegacyEvent = serde_json::from_str(event.get()).map_err(|e| e.to_string())?;
        let create_time = wire
            .ts
            .and_then(|ts| ts.parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| UnixMillis::new((s * 1000.0) as i64));
        let header = EventHeader {
            event_id: uuid,
            event_type: legacy.kind,
            create_time,
            app_id: legacy.app_id,
            tenant_key: legacy.tenant_key,
        };
        Ok(Envelope::Event { header, token, event })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_shapes() {
        let v2 = br#"{"schema":"2.0","header":{"event_id":"e1","event_type":"im.message.receive_v1","create_time":"1700000000000","token":"t","app_id":"cli_1","tenant_key":"tk"},"event":{"a":1}}"#;
        let Ok(Envelope::Event { header, token, event }) = Envelope::parse(v2) else { panic!() };
        assert_eq!(header.event_id, "e1");
        assert_eq!(header.create_time, Some(UnixMillis::new(1_700_000_000_000)));
        assert_eq!(token.unwrap().expose(), "t");
        assert_eq!(event.get(), r#"{"a":1}"#);

        let v1 = br#"{"uuid":"u1","token":"t","ts":"1700000000.5","type":"event_callback","event":{"type":"message","app_id":"cli_1","tenant_key":"tk"}}"#;
        let Ok(Envelope::Event { header, .. }) = Envelope::parse(v1) else { panic!() };
        assert_eq!((header.event_id.as_str(), header.event_type.as_str()), ("u1", "message"));
        assert_eq!(header.create_time, Some(UnixMillis::new(1_700_000_000_500)));

        let challenge = br#"{"challenge":"c1","token":"t","type":"url_verification"}"#;
        let Ok(Envelope::Challenge { challenge, .. }) = Envelope::parse(challenge) else {
            panic!()
        };
        assert_eq!(challenge, "c1");

        let old = br#"{"open_id":"ou_1","tenant_key":"tk","token":"c-1","open_message_id":"om_1","action":{"tag":"button"}}"#;
        let Ok(Envelope::OldCard { tenant_key, payload }) = Envelope::parse(old) else { panic!() };
        assert_eq!((tenant_key.as_str(), payload.get().as_bytes()), ("tk", &old[..]));

        assert!(Envelope::parse(b"<html>").is_err());
        assert!(Envelope::parse(br#"{"schema":"2.0"}"#).is_err());
    }
}
