//! What an app sees of its long connection: [`ConnectionStatus`], as a stream of changes.

use std::sync::Arc;

use tokio::sync::watch;

use crate::receive::LongConnectionError;

/// Where a long connection stands. [`LongConnectionHandle::status`] streams its changes.
///
/// [`LongConnectionHandle::status`]: crate::receive::LongConnectionHandle::status
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ConnectionStatus {
    /// A connection is open and deliveries flow.
    Connected {
        /// How many connections were opened so far, this one included.
        connections: u64,
    },
    /// The connection broke or could not be opened; the next attempt is waiting its turn.
    Reconnecting {
        /// The attempt about to be made: 1 after the connection broke, one more after each
        /// failure since.
        attempt: u32,
        /// Why the last connection or attempt failed.
        last_error: Arc<LongConnectionError>,
    },
    /// The connection stopped for good.
    Stopped {
        /// `None` when the app stopped it ([`shutdown`](crate::receive::LongConnectionHandle::shutdown)
        /// or dropping the handle); otherwise why Feishu's answer made it give up (a
        /// [permanent](crate::receive::LongConnectionError::is_permanent) refusal, or the reconnect
        /// attempts the app allowed ran out).
        error: Option<Arc<LongConnectionError>>,
    },
}

impl ConnectionStatus {
    /// Whether the connection stopped for good.
    pub fn is_stopped(&self) -> bool {
        matches!(self, ConnectionStatus::Stopped { .. })
    }
}

/// Waits until `status` reads [`ConnectionStatus::Stopped`], and gives its error. A status
/// whose sender is gone reads as stopped by the app.
pub(crate) async fn stopped(
    mut status: watch::Receiver<ConnectionStatus>,
) -> Result<(), Arc<LongConnectionError>> {
    let stopped = status.wait_for(ConnectionStatus::is_stopped).await;
    match stopped.as_deref() {
        Ok(ConnectionStatus::Stopped { error: Some(error) }) => Err(error.clone()),
        _ => Ok(()),
    }
}
