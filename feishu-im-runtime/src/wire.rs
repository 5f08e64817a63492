//! Putting a request on the wire: one serde pass sends each field to the query string or to the
//! JSON body, by the names the endpoint lists as query parameters.
//!
//! Requests derive `Serialize` like any data type; path parameters are skipped there (the
//! compiled path template writes them). A query field left `None` is left out; a list is
//! repeated (`ids=a&ids=b`). Content flattened into a request (a message's `msg_type` and
//! `content`) arrives as map entries and is routed the same way.
//!
//! An endpoint's idempotency key (`uuid`) left unset gets a fresh random one here: the request
//! is written once per call, so every retry of the call carries the same key.

use std::fmt::{self, Display};

use serde::Serialize;
use serde::ser::{self, Impossible, SerializeMap, SerializeSeq, SerializeStruct};

use crate::operation::{Operation, Query};

/// Why a request could not be written: a generator bug or a field the query cannot hold.
#[derive(Debug)]
pub(crate) struct WireError(String);

impl Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WireError {}

impl ser::Error for WireError {
    fn custom<T: Display>(msg: T) -> Self {
        WireError(msg.to_string())
    }
}

/// Appends the query parameters of `request` to `url` and returns its JSON body, if the
/// Appends the query parameters of `request` to `url` and returns its JSON body, if the
/// endpoint takes one.
pub(crate) fn write<O: Operation>(
    request: &O,
    url: &mut String,
) -> Result<Option<Vec<u8>>, WireError> {
    let mut query = Query::new(url);
    let mut body = O::META.has_body.then(|| Vec::with_capacity(128));
    let router = Router {
        query: &mut query,
        names: O::QUERY,
        idempotency_key: O::IDEMPOTENCY_KEY,
        body: body.as_mut(),
    };
    request.serialize(router)?;
    Ok(body)
}

/// The fields of a JSON body as the text fields of a multipart form (strings as they are,
/// numbers and booleans as JSON writes them; unset fields left out).
pub(crate) fn form_fields(body: &[u8]) -> Result<Vec<(String, String)>, WireError> {
    let fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).map_err(ser::Error::custom)?;
    let mut out = Vec::with_capacity(fields.len());
    for (name, value) in fields {
        let text = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(text) => text,
            serde_json::Value::Bool(_) | serde_json::Value::Number(_) => value.to_string(),
            _ => return Err(WireError(format!("form field `{name}` must be a scalar"))),
        };
        out.push((name, text));
    }
    Ok(out)
}

/// Bytes as lower-case hex: signatures, fingerprints, random ids.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 15)]));
    }
    text
}

/// A random version-4 UUID (36 characters; Feishu takes at most 50), from the operating
/// system's generator.
pub(crate) fn fresh_uuid() -> Result<String, WireError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| WireError(format!("no randomness for a uuid: {e}")))?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex(&bytes);
    Ok(format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
}

/// Receives the request's fields.
struct Router<'q, 'u> {
    query: &'q mut Query<'u>,
    names: &'static [&'static str],
    idempotency_key: Option<&'static str>,
    body: Option<&'q mut Vec<u8>>,
}

/// The fields of one request, routed as they come.
struct Fields<'q, 'u> {
    router: Router<'q, 'u>,
    first: bool,
    /// Whether the idempotency key was written.
    keyed: bool,
    /// The key of a map entry whose value comes next.
    pending: Option<String>,
}

impl Fields<'_, '_> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), WireError> {
        let is_key = self.router.idempotency_key == Some(key);
        if let Some(name) = self.router.names.iter().find(|n| **n == key) {
            let before = self.router.query.len();
            value.serialize(QueryValue { query: self.router.query, name })?;
            self.keyed |= is_key && self.router.query.len() > before;
            return Ok(());
        }
        let Some(body) = self.router.body.as_deref_mut() else {
            return Err(WireError(format!(
                "field `{key}` has no place on an endpoint without a body"
            )));
        };
        body.push(if self.first { b'{' } else { b',' });
        self.first = false;
        serde_json::to_writer(&mut *body, key).map_err(ser::Error::custom)?;
        body.push(b':');
        serde_json::to_writer(&mut *body, value).map_err(ser::Error::custom)?;
        self.keyed |= is_key;
        Ok(())
    }

    fn finish(mut self) -> Result<(), WireError> {
        if let Some(key) = self.router.idempotency_key
            && !self.keyed
        {
            self.field(key, &fresh_uuid()?)?;
        }
        if let Some(body) = self.router.body {
            body.extend_from_slice(if self.first { b"{}" } else { b"}" });
        }
        Ok(())
    }
}

impl SerializeStruct for Fields<'_, '_> {
    type Ok = ();
    type Error = WireError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), WireError> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), WireError> {
        self.finish()
    }
}

/// `#[serde(flatten)]` turns a request into a map of the same fields.
impl SerializeMap for Fields<'_, '_> {
    type Ok = ();
    type Error = WireError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), WireError> {
        match serde_json::to_value(key) {
            Ok(serde_json::Value::String(key)) => {
                self.pending = Some(key);
                Ok(())
            }
            _ => Err(WireError("request field names are strings".into())),
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WireError> {
        let key = self.pending.take().ok_or_else(|| WireError("a value without a key".into()))?;
        self.field(&key, value)
    }

    fn end(self) -> Result<(), WireError> {
        self.finish()
    }
}

/// Refuses a value of a kind that `$method` serializes.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*) -> $ok:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ok, WireError> {
            Err(WireError(format!("{} is not supported here", stringify!($method))))
        })*
    };
}

impl<'q, 'u> ser::Serializer for Router<'q, 'u> {
    type Ok = ();
    type Error = WireError;
    type SerializeSeq = Impossible<(), WireError>;
    type SerializeTuple = Impossible<(), WireError>;
    type SerializeTupleStruct = Impossible<(), WireError>;
    type SerializeTupleVariant = Impossible<(), WireError>;
    type SerializeMap = Fields<'q, 'u>;
    type SerializeStruct = Fields<'q, 'u>;
    type SerializeStructVariant = Impossible<(), WireError>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'q, 'u>, WireError> {
        Ok(Fields { router: self, first: true, keyed: false, pending: None })
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Fields<'q, 'u>, WireError> {
        Ok(Fields { router: self, first: true, keyed: false, pending: None })
    }

    refuse! {
        serialize_bool(bool) -> ();
        serialize_i8(i8) -> ();
        serialize_i16(i16) -> ();
        serialize_i32(i32) -> ();
        serialize_i64(i64) -> ();
        serialize_u8(u8) -> ();
        serialize_u16(u16) -> ();
        serialize_u32(u32) -> ();
        serialize_u64(u64) -> ();
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_char(char) -> ();
        serialize_str(&str) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), WireError> {
        Err(WireError("a request is a struct".into()))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), WireError> {
        Err(WireError("a request is a struct".into()))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), WireError> {
        Err(WireError("a request is a struct".into()))
    }
}

/// One query parameter's value: a scalar, or a list of scalars sent as repeated parameters.
struct QueryValue<'q, 'u> {
    query: &'q mut Query<'u>,
    name: &'static str,
}

impl QueryValue<'_, '_> {
    fn push(self, value: &dyn Display) -> Result<(), WireError> {
        self.query.push(self.name, &value);
        Ok(())
    }
}

impl<'q, 'u> ser::Serializer for QueryValue<'q, 'u> {
    type Ok = ();
    type Error = WireError;
    type SerializeSeq = Repeated<'q, 'u>;
    type SerializeTuple = Impossible<(), WireError>;
    type SerializeTupleStruct = Impossible<(), WireError>;
    type SerializeTupleVariant = Impossible<(), WireError>;
    type SerializeMap = Impossible<(), WireError>;
    type SerializeStruct = Impossible<(), WireError>;
    type SerializeStructVariant = Impossible<(), WireError>;

    fn serialize_bool(self, v: bool) -> Result<(), WireError> {
        self.push(&v)
    }
    fn serialize_i8(self, v: i8) -> Result<(), WireError> {
        self.push(&v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), WireError> {
        self.push(&v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), WireError> {
        self.push(&v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), WireError> {
        self.push(&v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), WireError> {
        self.push(&v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), WireError> {
        self.push(&v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), WireError> {
        self.push(&v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), WireError> {
        self.push(&v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), WireError> {
        self.push(&v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), WireError> {
        self.push(&v)
    }
    fn serialize_char(self, v: char) -> Result<(), WireError> {
        self.push(&v)
    }
    fn serialize_str(self, v: &str) -> Result<(), WireError> {
        self.push(&v)
    }
    fn serialize_none(self) -> Result<(), WireError> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), WireError> {
        value.serialize(self)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), WireError> {
        self.push(&variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), WireError> {
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Repeated<'q, 'u>, WireError> {
        Ok(Repeated { query: self.query, name: self.name })
    }

    refuse! {
        serialize_bytes(&[u8]) -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), WireError> {
        Err(WireError(format!("query parameter `{}` must be a scalar", self.name)))
    }
}

/// A list in the query: one `name=value` per item.
struct Repeated<'q, 'u> {
    query: &'q mut Query<'u>,
    name: &'static str,
}

impl SerializeSeq for Repeated<'_, '_> {
    type Ok = ();
    type Error = WireError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WireError> {
        value.serialize(QueryValue { query: self.query, name: self.name })
    }

    fn end(self) -> Result<(), WireError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use crate::operation::{Method, Operation, OperationMeta, UrlPath};
    use crate::{CodeInfo, ErrorCatalog, ErrorSpec};

    /// A catalog that describes no code.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    struct NoCodes(i64);

    impl std::fmt::Display for NoCodes {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{}", self.0)
        }
    }

    impl CodeInfo for NoCodes {
        fn code(self) -> i64 {
            self.0
        }

        fn spec(self) -> Option<&'static ErrorSpec> {
            None
        }
    }

    impl ErrorCatalog for NoCodes {
        fn from_code(code: i64) -> Self {
            NoCodes(code)
        }
    }

    #[derive(Serialize)]
    struct Send {
        #[serde(skip_serializing)]
        chat_id: String,
        receive_id_type: &'static str,
        ids: Vec<&'static str>,
        page_size: Option<i64>,
        text: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        uuid: Option<&'static str>,
    }

    impl Operation for Send {
        type Response = ();
        type Errors = NoCodes;
        const META: &'static OperationMeta = &OperationMeta {
            operation: "test.send",
            has_body: true,
            rate_limit: crate::operation::RateLimit::new("", 1, 1),
            ..OperationMeta::new(Method::Post)
        };
        const QUERY: &'static [&'static str] = &["receive_id_type", "ids", "page_size"];

        fn write_path(&self, path: &mut UrlPath<'_>) {
            path.literal("/send/").param("chat_id", &self.chat_id);
        }
    }

    fn send() -> Send {
        Send {
            chat_id: "oc_1".into(),
            receive_id_type: "chat_id",
            ids: vec!["a b", "c&d"],
            page_size: None,
            text: "hi \"there\"",
            uuid: None,
        }
    }

    #[test]
    fn query_fields_go_to_the_query_and_the_rest_to_the_body() {
        let mut url = String::from("http://h/send/oc_1");
        let body = super::write(&send(), &mut url).unwrap().unwrap();
        assert_eq!(url, "http://h/send/oc_1?receive_id_type=chat_id&ids=a%20b&ids=c%26d");
        assert_eq!(String::from_utf8(body).unwrap(), r#"{"text":"hi \"there\""}"#);
    }

    #[test]
    fn set_options_are_sent_and_an_empty_body_is_an_object() {
        let mut request = send();
        request.page_size = Some(20);
        request.uuid = Some("u-1");
        let mut url = String::new();
        let body = super::write(&request, &mut url).unwrap().unwrap();
        assert_eq!(url, "?receive_id_type=chat_id&ids=a%20b&ids=c%26d&page_size=20");
        assert_eq!(String::from_utf8(body).unwrap(), r#"{"text":"hi \"there\"","uuid":"u-1"}"#);

        #[derive(Serialize)]
        struct Nothing {}
        let mut out = Vec::new();
        Nothing {}
            .serialize(super::Router {
                query: &mut super::Query::new(&mut String::new()),
                names: &[],
                idempotency_key: None,
                body: Some(&mut out),
            })
            .unwrap();
        assert_eq!(out, b"{}");
    }

    #[test]
    fn a_body_field_on_an_endpoint_without_a_body_is_refused() {
        #[derive(Serialize)]
        struct Stray {
            note: &'static str,
        }
        let mut url = String::new();
        let result = Stray { note: "x" }.serialize(super::Router {
            query: &mut super::Query::new(&mut url),
            names: &[],
            idempotency_key: None,
            body: None,
        });
        assert!(result.unwrap_err().to_string().contains("`note`"));
    }
}
