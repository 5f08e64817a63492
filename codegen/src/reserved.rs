//! The identifiers that generated code shares a namespace with, one table per namespace.
//!
//! These are the names that the generated files do not show: the runtime's glob-exported items,
//! the prelude, the methods of `Client` and `Caller` and of the traits every type implements,
//! and the crate's own features. The table of names (`items`) enters them beside what the
//! generated code defines. The tables are checked against the runtime's sources and
//! `feishu-im`'s manifest by a workspace test, so an item added without being listed here fails
//! that test.

/// Names at the crate root of `feishu-im` that no generated file defines: the runtime's
/// exports and modules, which the generated root re-exports with a glob, and the items of
/// `feishu-im`'s own `lib.rs`. A generated item of one of these names would shadow it.
pub const RUNTIME_ROOT: &[&str] = &[
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
    "Count",
    "Credentials",
    "DecodeError",
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
    "UnixMillis",
    "UnixSeconds",
    "UnknownCode",
    "UnknownContent",
    "UnknownEvent",
    "UnknownInteger",
    "UnknownValue",
    "UserAccessToken",
    "generated",
    "operation",
    "platform",
    "receive",
    "timestamp",
];

/// The cargo features of `feishu-im` that are not resources: a resource's feature
/// (`<version>-<resource>`) must be none of these.
pub const CRATE_FEATURES: &[&str] = &[
    "aws-lc-rs",
    "axum",
    "default",
    "full",
    "long-connection",
    "partial-eq",
    "redis",
    "webhook-server",
];

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

/// Type names of the spec format itself: an enum of one of these names could not be referred to.
pub const BUILT_IN_TYPES: &[&str] = &["array", "boolean", "integer", "object", "string"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_free_of_repeats() {
        for table in
            [RUNTIME_ROOT, CRATE_FEATURES, PRELUDE, CLIENT_METHODS, CALLER_METHODS, TRAIT_METHODS]
        {
            assert!(table.windows(2).all(|w| w[0] < w[1]), "{table:?}");
        }
    }
}
