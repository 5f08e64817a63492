//! What the receiving core needs of the spec's events: the generated `Event` enum.

/// The events of an API, as its spec describes them: the generated `Event` enum, one variant
/// per event type. Deliveries decode to it.
pub trait EventSet: std::fmt::Debug + Clone + Send + Sync + 'static {
    /// Decodes the `event` object of a delivery whose header says `event_type`. Event types
    /// the spec does not describe decode to a variant that keeps them.
    ///
    /// # Errors
    ///
    /// When `event` is not the JSON of its type.
    fn decode(event_type: &str, event: &str) -> Result<Self, serde_json::Error>;

    /// The id deliveries of the same thing share, where the spec names one (a message's id, which
    /// a redelivery may carry under a new event id); `None` to deduplicate by event id.
    fn dedup_key(&self) -> Option<&str>;

    /// Whether the sender waits for an answer (a card callback), rather than an acknowledgement.
    fn is_callback(&self) -> bool;
}
