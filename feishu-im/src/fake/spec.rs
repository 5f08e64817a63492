//! What the fake knows of each operation beyond what the client needs: its path template,
//! documentation page, documented errors, and the fields of its request and answer with their
//! types and limits. The generator writes it as JSON (`generated/fake.json`), read once here.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::ErrorCode;
use crate::operation::{Operation, OperationMeta};

/// An operation as the spec describes it; dereferences to the client's [`OperationMeta`].
#[derive(Debug)]
#[non_exhaustive]
pub struct OperationSpec {
    /// What the client knows of it.
    pub meta: &'static OperationMeta,
    /// Path template with `:param` segments.
    pub path: &'static str,
    /// Documentation page.
    pub docs: &'static str,
    /// The request field naming the recipient that `recipient_limit` counts.
    pub recipient_field: Option<&'static str>,
    /// Codes the endpoint's documentation lists (platform-wide codes come on top).
    pub errors: &'static [ErrorCode],
    /// The codes whose `msg` on this endpoint differs from their table's, with this
    /// endpoint's (Feishu reuses some numbers with other meanings).
    pub error_msgs: &'static [(ErrorCode, &'static str)],
    /// Path, query and body parameters.
    pub params: &'static [FieldMeta],
    /// Fields of the response `data`.
    pub response: &'static [FieldMeta],
}

impl Deref for OperationSpec {
    type Target = OperationMeta;

    fn deref(&self) -> &OperationMeta {
        self.meta
    }
}

impl OperationSpec {
    /// The description of the operation `O` sends.
    pub fn of<O: Operation>() -> &'static OperationSpec {
        spec_of(O::META)
    }

    /// The `msg` this endpoint answers `code` with.
    pub fn message_of(&self, code: ErrorCode) -> Option<&'static str> {
        let own = self.error_msgs.iter().find(|(c, _)| *c == code).map(|(_, msg)| *msg);
        own.or_else(|| code.message())
    }
}

/// Every operation of the spec, in module order.
pub(crate) fn operations() -> &'static [OperationSpec] {
    static OPERATIONS: OnceLock<Vec<OperationSpec>> = OnceLock::new();
    OPERATIONS.get_or_init(|| {
        // Both files come from one run of the generator, which checks the spec first.
        let mut file: SpecFile =
            serde_json::from_str(crate::FAKE_SPEC).expect("generated/fake.json is valid");
        let describe = |meta: &'static OperationMeta| {
            let entry = file.operations.remove(meta.operation);
            entry.expect("generated/fake.json describes every operation").leak(meta)
        };
        crate::OPERATIONS.iter().copied().map(describe).collect()
    })
}

/// The description of the operation `meta` belongs to.
pub(crate) fn spec_of(meta: &OperationMeta) -> &'static OperationSpec {
    let found = operations().iter().find(|spec| spec.operation == meta.operation);
    found.expect("every operation is described")
}

/// Where a field travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum In {
    /// A segment of the path.
    Path,
    /// The query string.
    Query,
    /// The JSON body.
    Body,
    /// The response `data` (or an object inside it).
    Data,
}

/// The type of a field as the spec describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueType {
    /// A string.
    String,
    /// A 64-bit integer.
    Integer,
    /// A boolean.
    Boolean,
    /// A string from a closed list of values.
    Enum(&'static [&'static str]),
    /// An integer from a closed list of values.
    IntEnum(&'static [i64]),
    /// A list of values of one type.
    Array(&'static ValueType),
    /// An object with these fields.
    Object(&'static [FieldMeta]),
    /// Any JSON value.
    Json,
    /// The file part of a multipart body (`max` is its largest size in bytes).
    File,
    /// JSON text in the field `field`, of the kind the field `tag` names.
    Content {
        /// Wire name of the field naming the kind.
        tag: &'static str,
        /// Wire name of the field holding the JSON text.
        field: &'static str,
        /// The kinds, each with its shape.
        kinds: &'static [(&'static str, KindShape)],
    },
}

/// What the content of one kind is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KindShape {
    /// A JSON object with these fields.
    Object(&'static [FieldMeta]),
    /// Any JSON object.
    Json,
    /// Text kept as sent, JSON or not.
    Text,
}

/// A parameter or field as the spec describes it: name, place, type and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldMeta {
    /// Name on the wire.
    pub name: &'static str,
    /// Where it travels.
    pub location: In,
    /// Its type.
    pub ty: ValueType,
    /// Whether it must be present.
    pub required: bool,
    /// Smallest allowed integer.
    pub min: Option<i64>,
    /// Largest allowed integer.
    pub max: Option<i64>,
    /// Fewest allowed array items.
    pub min_items: Option<u32>,
    /// Most allowed array items.
    pub max_items: Option<u32>,
    /// The server's default when left out, as written in the spec.
    pub default: Option<&'static str>,
    /// A typical value (of one item, for arrays), as written in the spec.
    pub example: Option<&'static str>,
}

// The file's shape. Its data lives as long as the process, as the generated constants would.

#[derive(Deserialize)]
struct SpecFile {
    operations: BTreeMap<String, OperationEntry>,
}

#[derive(Deserialize)]
struct OperationEntry {
    path: String,
    docs: String,
    #[serde(default)]
    recipient_field: Option<String>,
    #[serde(default)]
    errors: Vec<i64>,
    #[serde(default)]
    error_msgs: Vec<(i64, String)>,
    #[serde(default)]
    params: Vec<FieldEntry>,
    #[serde(default)]
    response: Vec<FieldEntry>,
}

#[derive(Deserialize)]
struct FieldEntry {
    name: String,
    #[serde(rename = "in")]
    location: Place,
    #[serde(rename = "type")]
    ty: TypeEntry,
    required: bool,
    #[serde(default)]
    min: Option<i64>,
    #[serde(default)]
    max: Option<i64>,
    #[serde(default)]
    min_items: Option<u32>,
    #[serde(default)]
    max_items: Option<u32>,
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    example: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Place {
    Path,
    Query,
    Body,
    Data,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum TypeEntry {
    String,
    Integer,
    Boolean,
    Json,
    File,
    Enum(Vec<String>),
    IntEnum(Vec<i64>),
    Array(Box<TypeEntry>),
    Object(Vec<FieldEntry>),
    Content { tag: String, field: String, kinds: Vec<KindEntry> },
}

#[derive(Deserialize)]
struct KindEntry {
    kind: String,
    fields: Option<Vec<FieldEntry>>,
    #[serde(default)]
    text: bool,
}

impl OperationEntry {
    fn leak(self, meta: &'static OperationMeta) -> OperationSpec {
        let codes = self.errors.into_iter().map(ErrorCode::from);
        let msgs =
            self.error_msgs.into_iter().map(|(code, msg)| (ErrorCode::from(code), text(msg)));
        OperationSpec {
            meta,
            path: text(self.path),
            docs: text(self.docs),
            recipient_field: self.recipient_field.map(text),
            errors: list(codes.collect()),
            error_msgs: list(msgs.collect()),
            params: fields(self.params),
            response: fields(self.response),
        }
    }
}

impl FieldEntry {
    fn leak(self) -> FieldMeta {
        FieldMeta {
            name: text(self.name),
            location: match self.location {
                Place::Path => In::Path,
                Place::Query => In::Query,
                Place::Body => In::Body,
                Place::Data => In::Data,
            },
            ty: self.ty.leak(),
            required: self.required,
            min: self.min,
            max: self.max,
            min_items: self.min_items,
            max_items: self.max_items,
            default: self.default.map(text),
            example: self.example.map(text),
        }
    }
}

impl TypeEntry {
    fn leak(self) -> ValueType {
        match self {
            TypeEntry::String => ValueType::String,
            TypeEntry::Integer => ValueType::Integer,
            TypeEntry::Boolean => ValueType::Boolean,
            TypeEntry::Json => ValueType::Json,
            TypeEntry::File => ValueType::File,
            TypeEntry::Enum(values) => {
                ValueType::Enum(list(values.into_iter().map(text).collect()))
            }
            TypeEntry::IntEnum(values) => ValueType::IntEnum(list(values)),
            TypeEntry::Array(item) => ValueType::Array(Box::leak(Box::new(item.leak()))),
            TypeEntry::Object(object) => ValueType::Object(fields(object)),
            TypeEntry::Content { tag, field, kinds } => ValueType::Content {
                tag: text(tag),
                field: text(field),
                kinds: list(
                    kinds
                        .into_iter()
                        .map(|k| {
                            let shape = match (k.fields, k.text) {
                                (Some(object), _) => KindShape::Object(fields(object)),
                                (None, true) => KindShape::Text,
                                (None, false) => KindShape::Json,
                            };
                            (text(k.kind), shape)
                        })
                        .collect(),
                ),
            },
        }
    }
}

/// Fields written as in `fake.json`, for tests of what reads them.
#[cfg(test)]
pub(crate) fn parse_fields(json: &str) -> &'static [FieldMeta] {
    fields(serde_json::from_str(json).expect("fields as the generator writes them"))
}

fn fields(entries: Vec<FieldEntry>) -> &'static [FieldMeta] {
    list(entries.into_iter().map(FieldEntry::leak).collect())
}

fn text(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn list<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}
