//! From a verified plaintext delivery to the app's handler: decode, deduplicate, then run the
//! handler after the ack (events) or before the answer (callbacks). Webhooks and the long
//! connection share it.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::FutureExt as _;
use serde_json::value::RawValue;
use tokio_util::task::TaskTracker;

use crate::receive::{
    Dedup, Delivery, EventHeader, EventSet, Handler, MemoryDedup, ReceiveError, Reply,
};

/// How long a claim lasts: Feishu re-delivers for up to about 7 hours (15 s, 5 min, 1 h, 6 h).
pub const DEFAULT_DEDUP_TTL: Duration = Duration::from_secs(8 * 3600);

/// How long a callback's handler may take: Feishu waits 3 s for the answer.
pub const DEFAULT_CALLBACK_DEADLINE: Duration = Duration::from_millis(2_500);

/// Runs the app's [`Handler`] on deliveries, once per deduplication key. Clones share the
/// handler, the dedup store and the running handlers.
pub struct Dispatcher<E> {
    inner: Arc<Inner<E>>,
}

impl<E> Clone for Dispatcher<E> {
    fn clone(&self) -> Self {
        Dispatcher { inner: self.inner.clone() }
    }
}

struct Inner<E> {
    handler: Box<dyn Handler<E>>,
    dedup: Arc<dyn Dedup>,
    dedup_ttl: Duration,
    callback_deadline: Duration,
    tasks: TaskTracker,
    warned: AtomicBool,
}

impl<E> std::fmt::Debug for Dispatcher<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("dedup_ttl", &self.inner.dedup_ttl)
            .field("callback_deadline", &self.inner.callback_deadline)
            .field("running", &self.inner.tasks.len())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Dispatcher`].
#[must_use]
pub struct DispatcherBuilder<E> {
    handler: Box<dyn Handler<E>>,
    dedup: Arc<dyn Dedup>,
    dedup_ttl: Duration,
    callback_deadline: Duration,
}

impl<E: EventSet> DispatcherBuilder<E> {
    /// Where handled deliveries are remembered; a shared store serves many instances. Default:
    /// [`MemoryDedup::default`].
    pub fn dedup(mut self, dedup: Arc<dyn Dedup>) -> Self {
        self.dedup = dedup;
        self
    }

    /// How long a delivery is remembered. Default: [`DEFAULT_DEDUP_TTL`].
    pub fn dedup_ttl(mut self, ttl: Duration) -> Self {
        self.dedup_ttl = ttl;
        self
    }

    /// How long a callback's handler may take before the callback is answered with an error.
    /// Default: [`DEFAULT_CALLBACK_DEADLINE`].
    pub fn callback_deadline(mut self, deadline: Duration) -> Self {
        self.callback_deadline = deadline;
        self
    }

    /// The dispatcher.
    pub fn build(self) -> Dispatcher<E> {
        Dispatcher {
            inner: Arc::new(Inner {
                handler: self.handler,
                dedup: self.dedup,
                dedup_ttl: self.dedup_ttl,
                callback_deadline: self.callback_deadline,
                tasks: TaskTracker::new(),
                warned: AtomicBool::new(false),
            }),
        }
    }
}

/// What became of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// An event: its handler runs on a task of its own.
    Acked,
    /// A repeat of an event already handled.
    Duplicate,
    /// A callback's answer (`None`: the handler had nothing to say).
    Answered(Option<Vec<u8>>),
    /// A repeat of a callback already answered: the first answer again.
    Repeated(Option<Vec<u8>>),
}

/// How often a repeated callback looks for the first delivery's answer while that one is
/// still being handled.
const ANSWER_POLL: Duration = Duration::from_millis(20);

impl<E: EventSet> Dispatcher<E> {
    /// A dispatcher that runs `handler`.
    pub fn builder(handler: impl Handler<E>) -> DispatcherBuilder<E> {
        DispatcherBuilder {
            handler: Box::new(handler),
            dedup: Arc::new(MemoryDedup::default()),
            dedup_ttl: DEFAULT_DEDUP_TTL,
            callback_deadline: DEFAULT_CALLBACK_DEADLINE,
        }
    }

    /// Waits for every running handler to finish, and starts no new one: call it when the
    /// server stops taking requests.
    pub async fn shutdown(&self) {
        self.inner.tasks.close();
        self.inner.tasks.wait().await;
    }

    /// How many event handlers are running.
    pub fn running(&self) -> usize {
        self.inner.tasks.len()
    }

    /// Decodes, deduplicates and handles a delivery already verified.
    ///
    /// A handler that fails or panics fails only its delivery: the claim is released so that
    /// a redelivery is handled again, and a callback is answered with an error, which makes
    /// Feishu deliver it again. A callback delivered again gets the first answer again.
    pub(crate) async fn dispatch(
        &self,
        header: EventHeader,
        event: &RawValue,
    ) -> Result<Outcome, ReceiveError> {
        let event = E::decode(&header.event_type, event.get()).map_err(|e| {
            ReceiveError::Decode { event_type: header.event_type.clone(), reason: e.to_string() }
        })?;
        // A message may come again under a new event id: its id is the key.
        let key = format!("{}:{}", header.app_id, event.dedup_key().unwrap_or(&header.event_id));
        let callback = event.is_callback();
        let inner = &self.inner;
        match inner.dedup.claim(&key, inner.dedup_ttl).await {
            Ok(true) => {}
            Ok(false) if callback => return self.repeated_answer(&key).await,
            Ok(false) => return Ok(Outcome::Duplicate),
            Err(error) => self.store_failed(&error),
        }
        if inner.tasks.is_closed() {
            // Another instance may take the redelivery.
            self.release(&key).await;
            return Err(ReceiveError::ShuttingDown);
        }
        let delivery = Delivery { header, event };
        if callback {
            let handled = run_handler(&*inner.handler, delivery);
            let failure = match tokio::time::timeout(inner.callback_deadline, handled).await {
                Ok(Ok(reply)) => {
                    let answer = reply.into_body();
                    let kept = answer.as_deref().unwrap_or_default();
                    if let Err(error) = inner.dedup.keep_answer(&key, kept, inner.dedup_ttl).await {
                        self.store_failed(&error);
                    }
                    return Ok(Outcome::Answered(answer));
                }
                Ok(Err(reason)) => reason,
                Err(_) => format!("no answer within {:?}", inner.callback_deadline),
            };
            self.release(&key).await;
            return Err(ReceiveError::Handler { reason: failure });
        }
        let event_type = delivery.header.event_type.clone();
        let handled = run_handler(&*inner.handler, delivery);
        let dispatcher = self.clone();
        inner.tasks.spawn(async move {
            if let Err(reason) = handled.await {
                tracing::warn!(event_type, reason, "event handler failed");
                dispatcher.release(&key).await;
            }
        });
        Ok(Outcome::Acked)
    }

    /// The first answer of a callback delivered again, once it is known; an error (and so a
    /// later redelivery) when it is not within the callback deadline.
    async fn repeated_answer(&self, key: &str) -> Result<Outcome, ReceiveError> {
        let deadline = tokio::time::Instant::now() + self.inner.callback_deadline;
        loop {
            match self.inner.dedup.answer(key).await {
                Ok(Some(answer)) => {
                    return Ok(Outcome::Repeated((!answer.is_empty()).then_some(answer)));
                }
                Ok(None) => {}
                Err(error) => self.store_failed(&error),
            }
            if tokio::time::Instant::now() + ANSWER_POLL > deadline {
                return Err(ReceiveError::Handler {
                    reason: "a repeat of a callback whose first answer is not known".into(),
                });
            }
            tokio::time::sleep(ANSWER_POLL).await;
        }
    }

    async fn release(&self, key: &str) {
        if let Err(error) = self.inner.dedup.release(key).await {
            self.store_failed(&error);
        }
    }

    fn store_failed(&self, error: &crate::receive::DedupError) {
        if !self.inner.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(%error, "dedup store unavailable; handling deliveries without it");
        }
    }
}

/// Runs the app's handler on one delivery; its error or its panic, whether it panics making
/// the future or running it, becomes the reason it failed.
fn run_handler<E: EventSet>(
    handler: &dyn Handler<E>,
    delivery: Delivery<E>,
) -> impl Future<Output = Result<Reply, String>> + Send + 'static {
    let made = std::panic::catch_unwind(AssertUnwindSafe(|| handler.handle(delivery)));
    async move {
        let Ok(future) = made else {
            tracing::error!("a delivery handler panicked");
            return Err("the handler panicked".to_owned());
        };
        match AssertUnwindSafe(future).catch_unwind().await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => {
                tracing::error!("a delivery handler panicked");
                Err("the handler panicked".to_owned())
            }
        }
    }
}

/// Over the long connection, deliveries come in plain JSON, authenticated by the connection:
/// they go straight to dispatch, and a callback's answer goes back in the ack.
#[cfg(feature = "long-connection")]
impl<E: EventSet> crate::receive::DeliveryHandler for Dispatcher<E> {
    fn handle(
        &self,
        _kind: crate::receive::FrameKind,
        payload: bytes::Bytes,
    ) -> crate::receive::DeliveryFuture<'_> {
        use crate::receive::DeliveryError;
        use crate::receive::envelope::Envelope;
        Box::pin(async move {
            let envelope =
                Envelope::parse(&payload).map_err(|reason| DeliveryError::new(reason.as_str()))?;
            let Envelope::Event { header, event, .. } = envelope else {
                return Err(DeliveryError::new(
                    "only events and callbacks in an envelope come over the long connection",
                ));
            };
            match self.dispatch(header, event).await {
                Ok(Outcome::Answered(answer) | Outcome::Repeated(answer)) => Ok(answer),
                Ok(Outcome::Acked | Outcome::Duplicate) => Ok(None),
                Err(error) => Err(DeliveryError::new(error.to_string().as_str())),
            }
        })
    }
}
