//! Why a delivery was refused.

/// Why a delivery was refused: each maps to the HTTP status a webhook answers with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiveError {
    /// The body is larger than the webhook accepts.
    #[error("the body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// An Encrypt Key is set, and the request has no `X-Lark-Signature`,
    /// `X-Lark-Request-Timestamp` and `X-Lark-Request-Nonce`; or an old-style card callback
    /// does not carry the signature made with the verification token (which must be set to
    /// take them).
    #[error("the request is not signed")]
    MissingSignature,
    /// The signature is not that of the body with the Encrypt Key.
    #[error("the signature does not match the body")]
    BadSignature,
    /// The timestamp is outside the accepted window: a replay, or a clock far off.
    #[error("the request timestamp is {skew_seconds} s away from now, beyond the accepted window")]
    StaleTimestamp {
        /// How far the timestamp is from now, in seconds.
        skew_seconds: u64,
    },
    /// The verification token is missing or wrong.
    #[error("the verification token is missing or wrong")]
    BadToken,
    /// The body is encrypted and cannot be decrypted.
    #[error("the body cannot be decrypted: {reason}")]
    Undecryptable {
        /// What is wrong.
        reason: &'static str,
    },
    /// The body is encrypted but no Encrypt Key is set, or the other way round.
    #[error("{0}")]
    Encryption(&'static str),
    /// The (decrypted) body is not a delivery.
    #[error("the body is not a delivery: {reason}")]
    Malformed {
        /// What is wrong, from the JSON parser.
        reason: String,
    },
    /// A described event's `event` object does not fit its payload type.
    #[error("the `{event_type}` event does not fit its type: {reason}")]
    Decode {
        /// The event type.
        event_type: String,
        /// What is wrong, from the JSON parser.
        reason: String,
    },
    /// The dispatcher is shutting down and starts no handler; Feishu delivers again later.
    #[error("shutting down")]
    ShuttingDown,
    /// A callback's handler failed or did not answer in time.
    #[error("the callback handler did not answer: {reason}")]
    Handler {
        /// What happened.
        reason: String,
    },
}

impl ReceiveError {
    /// The HTTP status to answer with: 401 for what fails verification, 413 for a body too
    /// large, 500 for a failed callback handler, 503 while shutting down, 400 for the rest.
    pub fn status(&self) -> u16 {
        match self {
            ReceiveError::MissingSignature
            | ReceiveError::BadSignature
            | ReceiveError::StaleTimestamp { .. }
            | ReceiveError::BadToken => 401,
            ReceiveError::BodyTooLarge { .. } => 413,
            ReceiveError::Handler { .. } => 500,
            ReceiveError::ShuttingDown => 503,
            _ => 400,
        }
    }
}
