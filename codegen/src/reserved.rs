//! The identifiers that generated code shares a namespace with, one table per namespace.
//!
//! A spec name that would become one of these is refused before any code is emitted: the
//! generated crate would not compile, or would silently shadow a runtime item. The tables are
//! checked against the runtime's sources by a workspace test, so a runtime item added without
//! being listed here fails that test.

/// Types and modules at the crate root of `feishu-im`: the runtime's exports and modules (which
/// generated code re-exports), and the
/// generated root items. Enum names (re-exported at the root) and version modules must avoid them.
pub const CRATE_ROOT: &[&str] = &[
    // Modules.
    "events",
    "fake",
    "generated",
    "operation",
    "platform",
    "prelude",
    "rate_limits",
    "receive",
    "resources",
    "timestamp",
    // Runtime types.
    "ApiError",
    "AuthError",
    "AuthErrorKind",
    "Call",
    "Caller",
    "Client",
    "ClientBuilder",
    "Code",
    "CodeInfo",
    "ConfigError",
    "Credentials",
    "DecodeError",
    "Count",
    "Download",
    "Error",
    "ErrorCatalog",
    "ErrorDetail",
    "ErrorSpec",
    "FieldViolation",
    "FileUpload",
    "Help",
    "InvalidRequest",
    "MAX_DOWNLOAD_BYTES",
    "MemoryStore",
    "MessageText",
    "Pager",
    "PermissionViolation",
    "Platform",
    "RateLimitStore",
    "ReadmeDoctests",
    "RedisStore",
    "RetryClass",
    "RetryPolicy",
    "Secret",
    "StoreError",
    "StoreFuture",
    "StoreLock",
    "StoredToken",
    "TimeoutError",
    "Timestamp",
    "TokenStore",
    "TransportError",
    "UnknownCode",
    "UnknownContent",
    "UnknownEvent",
    "UnknownInteger",
    "UnknownValue",
    "UnixMillis",
    "UnixSeconds",
    "UserAccessToken",
    // Generated root items.
    "ErrorCode",
    "Resources",
    "OPERATIONS",
];

/// Items of `feishu_im::operation` that generated resource modules import.
pub const OPERATION_IMPORTS: &[&str] = &[
    "Method",
    "Operation",
    "OperationMeta",
    "Paged",
    "Query",
    "RateLimit",
    "TokenKind",
    "UrlPath",
];

/// Other names generated modules import or use unqualified.
pub const OTHER_IMPORTS: &[&str] =
    &["Deserialize", "Deserializer", "Serialize", "Serializer", "fmt"];

/// Types, traits and variants of the standard prelude that generated code names unqualified.
pub const PRELUDE: &[&str] = &[
    "AsMut",
    "AsRef",
    "Box",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "Err",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "FromIterator",
    "Hash",
    "Into",
    "IntoIterator",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Vec",
];

/// File and module names the generator itself uses in `generated/` and in each version folder.
pub const GENERATED_MODULES: &[&str] =
    &["contents", "enums", "error_code", "events", "mod", "objects"];

/// Inherent methods of `Client`, private ones included: a resource accessor of the same name
/// would be a second definition.
pub const CLIENT_METHODS: &[&str] = &[
    "app_credentials",
    "as_user",
    "auth_request",
    "base_url",
    "builder",
    "cached_token",
    "caller",
    "fetch_token",
    "for_tenant",
    "resend_app_ticket",
    "set_app_ticket",
    "share_app_ticket",
];

/// Inherent methods of `Caller`, private ones included.
pub const CALLER_METHODS: &[&str] = &[
    "attempt",
    "call",
    "download",
    "limit_keys",
    "pager",
    "prepare",
    "send",
    "token",
    "token_source",
    "try_once",
];

/// Methods of traits that clients, handles and requests implement (`Clone`, `Debug`, …): an
/// inherent method of the same name would shadow them for every caller.
pub const TRAIT_METHODS: &[&str] = &[
    "as_mut",
    "as_ref",
    "borrow",
    "borrow_mut",
    "clone",
    "clone_from",
    "clone_into",
    "default",
    "deserialize",
    "eq",
    "fmt",
    "from",
    "hash",
    "into",
    "ne",
    "serialize",
    "to_owned",
    "to_string",
    "try_from",
    "try_into",
    "type_id",
];

/// Methods of the by-value operator traits (`Add::add`, …). A setter of one of these names is
/// fine Rust, but clippy takes it for an operator; the generator allows that lint on it.
pub const OPERATOR_METHODS: &[&str] =
    &["add", "bitand", "bitor", "bitxor", "div", "mul", "rem", "shl", "shr", "sub"];

/// Type names of the spec format itself: an enum of one of these names could not be referred to.
pub const BUILT_IN_TYPES: &[&str] = &["array", "boolean", "integer", "object", "string"];

/// Generated suffixes and method names: `<operation>_pager` on handles, `new` on requests and
/// objects, `Unknown` in enums, `Other` in `ErrorCode`.
pub const PAGER_SUFFIX: &str = "_pager";
/// The constructor of requests and objects.
pub const CONSTRUCTOR: &str = "new";

/// Where a clashing name was found, for the message.
pub fn clash(name: &str, tables: &[(&[&str], &str)]) -> Option<String> {
    tables
        .iter()
        .find(|(table, _)| table.contains(&name))
        .map(|(_, what)| format!("`{name}` is already {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_free_of_repeats() {
        for table in [
            OPERATION_IMPORTS,
            PRELUDE,
            CLIENT_METHODS,
            CALLER_METHODS,
            TRAIT_METHODS,
            OPERATOR_METHODS,
        ] {
            assert!(table.windows(2).all(|w| w[0] < w[1]), "{table:?}");
        }
    }
}
