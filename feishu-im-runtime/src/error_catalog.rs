//! What the spec says about each error code, and how the client reacts to it.

/// How the client reacts to an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryClass {
    /// Returned to the caller.
    Never,
    /// Rate limited: wait, then retry.
    RateLimit,
    /// The app or tenant token is stale: fetch a new one and retry once. User tokens are the
    /// caller's to refresh, so for them this is returned to the caller.
    RefreshToken,
}

/// The spec's description of one error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorSpec {
    /// Numeric code.
    pub code: i64,
    /// HTTP status the documentation gives.
    pub http_status: u16,
    /// `msg` as the server sends it.
    pub message: &'static str,
    /// What to check, in English.
    pub hint: &'static str,
    /// The documentation's troubleshooting hint (排查建议), where it gives one.
    pub hint_zh: Option<&'static str>,
    /// How the client reacts.
    pub retry: RetryClass,
}

/// An error code with the spec's description of it: what every error carries as its code.
///
/// Implemented by the generated `ErrorCode` enums of each spec, and by [`Code`], the untyped
/// code of errors no catalog has typed yet.
pub trait CodeInfo:
    Copy + Eq + std::hash::Hash + std::fmt::Debug + std::fmt::Display + Send + Sync + 'static
{
    /// The numeric code.
    fn code(self) -> i64;

    /// What the spec says about this code, or `None` for codes it does not describe.
    fn spec(self) -> Option<&'static ErrorSpec>;

    /// How the client reacts to this code; codes the spec does not describe are not retried.
    fn retry_class(self) -> RetryClass {
        self.spec().map_or(RetryClass::Never, |s| s.retry)
    }

    /// What to check, in English.
    fn hint(self) -> Option<&'static str> {
        self.spec().map(|s| s.hint)
    }
}

/// The error codes of an API, as its spec describes them: the generated `ErrorCode` enum.
///
/// Errors carry their code as the catalog's type ([`Error<C>`](crate::Error)), so that an
/// application matches on named variants.
pub trait ErrorCatalog: CodeInfo {
    /// The variant of a numeric code; codes the spec does not describe are kept as they are.
    fn from_code(code: i64) -> Self;
}

impl ErrorSpec {
    /// The description of `code`; without a Chinese hint until
    /// [`with_hint_zh`](Self::with_hint_zh) gives one.
    pub const fn new(
        code: i64,
        http_status: u16,
        message: &'static str,
        hint: &'static str,
        retry: RetryClass,
    ) -> Self {
        ErrorSpec { code, http_status, message, hint, hint_zh: None, retry }
    }

    /// With the documentation's troubleshooting hint (排查建议).
    pub const fn with_hint_zh(self, hint_zh: &'static str) -> Self {
        ErrorSpec { hint_zh: Some(hint_zh), ..self }
    }
}

/// A numeric error code with the spec's description of it, when the spec has one: the code of
/// errors that no generated catalog typed (those of the long connection, say). Every error
/// converts into one typed by a catalog with `From`, so `?` types it.
#[derive(Debug, Clone, Copy)]
pub struct Code {
    code: i64,
    spec: Option<&'static ErrorSpec>,
}

impl Code {
    /// A code as `C` describes it.
    pub fn of<C: ErrorCatalog>(code: i64) -> Code {
        Code { code, spec: C::from_code(code).spec() }
    }

    /// A code no catalog describes.
    pub fn undescribed(code: i64) -> Code {
        Code { code, spec: None }
    }
}

impl PartialEq for Code {
    fn eq(&self, other: &Code) -> bool {
        self.code == other.code
    }
}

impl Eq for Code {}

impl std::hash::Hash for Code {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.code.hash(state);
    }
}

impl CodeInfo for Code {
    fn code(self) -> i64 {
        self.code
    }

    fn spec(self) -> Option<&'static ErrorSpec> {
        self.spec
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code)
    }
}
