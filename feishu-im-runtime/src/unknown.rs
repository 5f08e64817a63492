//! Values the spec does not describe, as the server sent them.
//!
//! They are opaque: only the client makes them, while decoding. So a value the spec describes
//! always decodes to its own variant, and never hides in `Other` or `Unknown`, where a match
//! would silently stop firing once the spec learns the value.

use std::fmt;

/// An error code the spec does not describe, in the generated `ErrorCode::Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownCode(i64);

impl UnknownCode {
    /// The code `code`, which the spec does not describe.
    pub const fn new(code: i64) -> Self {
        UnknownCode(code)
    }

    /// The numeric code.
    pub const fn code(self) -> i64 {
        self.0
    }
}

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A string enum value the spec does not list, in the enum's `Unknown` variant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// A value the spec does not list.
    pub fn new(value: String) -> Self {
        UnknownValue(value)
    }

    /// The value as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An integer enum value the spec does not list, in the enum's `Unknown` variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownInteger(i64);

impl UnknownInteger {
    /// A value the spec does not list.
    pub const fn new(value: i64) -> Self {
        UnknownInteger(value)
    }

    /// The value as sent.
    pub const fn value(self) -> i64 {
        self.0
    }
}

/// Content of a kind the spec does not describe, in the content enum's `Unknown` variant: the
/// kind and its JSON text as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnknownContent {
    kind: String,
    json: String,
}

impl UnknownContent {
    /// Content of the kind `kind`, which the spec does not describe, as its JSON text.
    pub fn new(kind: &str, json: &str) -> Self {
        UnknownContent { kind: kind.to_owned(), json: json.to_owned() }
    }

    /// The kind as sent (`msg_type`).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The content's JSON text as sent.
    pub fn json(&self) -> &str {
        &self.json
    }
}

/// An event whose type the spec does not describe, in the generated `Event::Unknown`:
/// its type and its `event` object, kept as delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownEvent {
    event_type: String,
    event: serde_json::Value,
}

impl UnknownEvent {
    /// An event of the type `event_type` that the spec does not describe.
    pub fn new(event_type: &str, event: serde_json::Value) -> Self {
        UnknownEvent { event_type: event_type.to_owned(), event }
    }

    /// `header.event_type`, as delivered.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The `event` object, as delivered.
    pub fn event(&self) -> &serde_json::Value {
        &self.event
    }
}
