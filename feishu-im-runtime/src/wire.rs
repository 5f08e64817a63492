//! Putting a request on the wire: the generated `write_path` and `write_query` fill in the URL,
//! and one serde pass writes the JSON body.
//!
//! Requests derive `Serialize` like any data type; path and query parameters are skipped there.
//! Content flattened into a request (a message's `msg_type` and `content`) arrives as map
//! entries and is written the same way.
//!
//! An endpoint's idempotency key (`uuid`) left unset gets a fresh random one here: the request
//! is written once per call, so every retry of the call carries the same key.

use std::fmt::{self, Display};

use serde::Serialize;
use serde::ser::{self, Impossible, SerializeMap, SerializeStruct};

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
/// endpoint takes one.
pub(crate) fn write<O: Operation>(
    request: &O,
    url: &mut String,
) -> Result<Option<Vec<u8>>, WireError> {
    let mut query = Query::new(url);
    request.write_query(&mut query);
    query.finish().map_err(WireError)?;
    let mut body = O::META.has_body.then(|| Vec::with_capacity(128));
    let writer = Body { idempotency_key: O::IDEMPOTENCY_KEY, out: body.as_mut() };
    request.serialize(writer)?;
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

/// Receives the request's body fields.
struct Body<'q> {
    idempotency_key: Option<&'static str>,
    out: Option<&'q mut Vec<u8>>,
}

/// The body fields of one request, written as they come.
struct Fields<'q> {
    body: Body<'q>,
    first: bool,
    /// The key of a map entry whose value comes next.
    pending: Option<String>,
}

impl Fields<'_> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), WireError> {
        let Some(out) = self.body.out.as_deref_mut() else {
            return Err(WireError(format!(
                "field `{key}` has no place on an endpoint without a body"
            )));
        };
        out.push(if self.first { b'{' } else { b',' });
        serde_json::to_writer(&mut *out, key).map_err(ser::Error::custom)?;
        out.push(b':');
        let value_start = out.len();
        serde_json::to_writer(&mut *out, value).map_err(ser::Error::custom)?;
        if self.body.idempotency_key == Some(key) && out[value_start..] == *b"null" {
            // An unset key: a fresh one, once per call.
            out.truncate(value_start);
            let key = crate::ids::fresh_uuid().map_err(WireError)?;
            serde_json::to_writer(&mut *out, &key).map_err(ser::Error::custom)?;
        }
        self.first = false;
        Ok(())
    }

    fn finish(self) -> Result<(), WireError> {
        if let Some(out) = self.body.out {
            out.extend_from_slice(if self.first { b"{}" } else { b"}" });
        }
        Ok(())
    }
}

impl SerializeStruct for Fields<'_> {
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
impl SerializeMap for Fields<'_> {
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

impl<'q> ser::Serializer for Body<'q> {
    type Ok = ();
    type Error = WireError;
    type SerializeSeq = Impossible<(), WireError>;
    type SerializeTuple = Impossible<(), WireError>;
    type SerializeTupleStruct = Impossible<(), WireError>;
    type SerializeTupleVariant = Impossible<(), WireError>;
    type SerializeMap = Fields<'q>;
    type SerializeStruct = Fields<'q>;
    type SerializeStructVariant = Impossible<(), WireError>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'q>, WireError> {
        Ok(Fields { body: self, first: true, pending: None })
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Fields<'q>, WireError> {
        Ok(Fields { body: self, first: true, pending: None })
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

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use crate::operation::{Method, Operation, OperationMeta, Query, UrlPath};
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
        #[serde(skip_serializing)]
        receive_id_type: &'static str,
        #[serde(skip_serializing)]
        ids: Vec<&'static str>,
        #[serde(skip_serializing)]
        page_size: Option<i64>,
        text: &'static str,
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
        const IDEMPOTENCY_KEY: Option<&'static str> = Some("uuid");

        fn write_path(&self, path: &mut UrlPath<'_>) {
            path.literal("/send/").param("chat_id", &self.chat_id);
        }

        fn write_query(&self, query: &mut Query<'_>) {
            query
                .param("receive_id_type", self.receive_id_type)
                .each("ids", &self.ids)
                .optional("page_size", self.page_size.as_ref());
        }
    }

    fn send() -> Send {
        Send {
            chat_id: "oc_1".into(),
            receive_id_type: "chat_id",
            ids: vec!["a b", "c&d"],
            page_size: None,
            text: "hi \"there\"",
            uuid: Some("u-1"),
        }
    }

    #[test]
    fn query_fields_go_to_the_query_and_the_rest_to_the_body() {
        let mut url = String::from("http://h/send/oc_1");
        let body = super::write(&send(), &mut url).unwrap().unwrap();
        assert_eq!(url, "http://h/send/oc_1?receive_id_type=chat_id&ids=a%20b&ids=c%26d");
        assert_eq!(String::from_utf8(body).unwrap(), r#"{"text":"hi \"there\"","uuid":"u-1"}"#);
    }

    #[test]
    fn set_options_are_sent_and_an_unset_key_is_filled_in() {
        let mut request = send();
        request.page_size = Some(20);
        request.uuid = None;
        let mut url = String::new();
        let body = super::write(&request, &mut url).unwrap().unwrap();
        assert_eq!(url, "?receive_id_type=chat_id&ids=a%20b&ids=c%26d&page_size=20");
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["uuid"].as_str().map(str::len), Some(36), "{body}");

        let mut url = String::new();
        let mut query = Query::new(&mut url);
        query.idempotency_key("uuid", None).idempotency_key("uuid", Some("k&1"));
        query.finish().unwrap();
        assert_eq!(url.len(), "?uuid=".len() + 36 + "&uuid=k%261".len(), "{url}");
        assert!(url.ends_with("&uuid=k%261"), "{url}");
    }

    #[test]
    fn an_empty_body_is_an_object() {
        #[derive(Serialize)]
        struct Nothing {}
        let mut out = Vec::new();
        Nothing {}.serialize(super::Body { idempotency_key: None, out: Some(&mut out) }).unwrap();
        assert_eq!(out, b"{}");
    }

    #[test]
    fn a_body_field_on_an_endpoint_without_a_body_is_refused() {
        #[derive(Serialize)]
        struct Stray {
            note: &'static str,
        }
        let result =
            Stray { note: "x" }.serialize(super::Body { idempotency_key: None, out: None });
        assert!(result.unwrap_err().to_string().contains("`note`"));
    }
}
