//! What the fake knows of each operation beyond what the client needs: its path template,
//! documentation page, documented errors, and the fields of its request and answer with their
//! types and limits. The generator writes it as Rust data over the client's own request types
//! (`generated/`): each entry holds its operation's [`OperationMeta`] and sample call.

use std::ops::Deref;
use std::sync::OnceLock;

use feishu_im::ErrorCode;
use feishu_im::operation::{Operation, OperationMeta};

/// Sends an operation's sample request.
pub(crate) type Call = for<'a> fn(
    feishu_im::Caller<'a>,
) -> std::pin::Pin<
    Box<dyn Future<Output = Result<Option<serde_json::Value>, feishu_im::Error>> + Send + 'a>,
>;

/// An operation as the spec describes it; dereferences to the client's [`OperationMeta`].
#[derive(Debug)]
#[non_exhaustive]
pub struct OperationSpec {
    /// Sends the operation's sample request.
    pub(crate) call: Call,
    /// What the client knows of it.
    pub meta: &'static OperationMeta,
    /// Path template with `:param` segments.
    pub path: &'static str,
    /// The template's segments after the leading `/`, as the generator parsed it.
    pub segments: &'static [PathSegment],
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
pub(crate) fn operations() -> &'static [&'static OperationSpec] {
    static OPERATIONS: OnceLock<Vec<&'static OperationSpec>> = OnceLock::new();
    OPERATIONS.get_or_init(|| crate::generated::RESOURCES.iter().copied().flatten().collect())
}

/// The description of the operation `meta` belongs to.
pub(crate) fn spec_of(meta: &OperationMeta) -> &'static OperationSpec {
    let found = operations().iter().find(|spec| spec.operation == meta.operation);
    found.copied().expect("every operation is described")
}

/// One segment of a path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PathSegment {
    /// Text matched as it is.
    Literal(&'static str),
    /// `:name`: a parameter, one segment of any text.
    Param(&'static str),
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

impl FieldMeta {
    /// A field without limits, default or example; the generated description adds them.
    pub(crate) const fn new(
        name: &'static str,
        location: In,
        ty: ValueType,
        required: bool,
    ) -> Self {
        FieldMeta {
            name,
            location,
            ty,
            required,
            min: None,
            max: None,
            min_items: None,
            max_items: None,
            default: None,
            example: None,
        }
    }

    /// With the smallest and largest integer (or a file's largest size in bytes).
    pub(crate) const fn range(self, min: Option<i64>, max: Option<i64>) -> Self {
        FieldMeta { min, max, ..self }
    }

    /// With the fewest and most array items.
    pub(crate) const fn items(self, min_items: Option<u32>, max_items: Option<u32>) -> Self {
        FieldMeta { min_items, max_items, ..self }
    }

    /// With the server's default, as written in the spec.
    pub(crate) const fn default(self, default: &'static str) -> Self {
        FieldMeta { default: Some(default), ..self }
    }

    /// With a typical value, as written in the spec.
    pub(crate) const fn example(self, example: &'static str) -> Self {
        FieldMeta { example: Some(example), ..self }
    }
}
