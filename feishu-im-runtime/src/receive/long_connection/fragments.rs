//! Reassembly of deliveries that Feishu splits over several data frames (`sum` > 1): the
//! fragments share a `message_id` and carry their index in `seq`.
//!
//! The cache is bounded: a delivery still incomplete 5 s after its first fragment is dropped,
//! and so is the oldest one when too many deliveries or too many bytes wait.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

/// How long the fragments of one delivery wait for the rest.
pub(crate) const TTL: Duration = Duration::from_secs(5);
/// The most fragments one delivery may have.
pub(crate) const MAX_SUM: usize = 1024;
/// The most incomplete deliveries kept at once.
pub(crate) const MAX_PENDING: usize = 256;
/// The most bytes kept in fragments at once.
pub(crate) const MAX_BYTES: usize = 32 << 20;

/// What adding a fragment gave.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Added {
    /// The last missing fragment: the whole payload.
    Complete(Bytes),
    /// More fragments are missing.
    Pending,
    /// The fragment was refused (index out of range, too large).
    Refused(&'static str),
}

struct Partial {
    parts: Vec<Option<Bytes>>,
    received: usize,
    bytes: usize,
    started: Instant,
}

/// The incomplete deliveries of one client.
#[derive(Default)]
pub(crate) struct Fragments {
    partial: HashMap<String, Partial>,
    bytes: usize,
}

impl Fragments {
    /// Adds fragment `seq` of `sum` of the delivery `message_id`, received at `now`.
    pub(crate) fn add(
        &mut self,
        message_id: &str,
        sum: usize,
        seq: usize,
        part: Bytes,
        now: Instant,
    ) -> Added {
        self.expire(now);
        if sum == 0 || sum > MAX_SUM {
            return Added::Refused("fragment count out of range");
        }
        if seq >= sum {
            return Added::Refused("fragment index out of range");
        }
        if part.len() > MAX_BYTES {
            return Added::Refused("fragment too large");
        }
        // A delivery announced with another count starts again.
        if self.partial.get(message_id).is_some_and(|p| p.parts.len() != sum) {
            self.remove(message_id);
        }
        if !self.partial.contains_key(message_id) {
            if self.partial.len() >= MAX_PENDING {
                self.evict_oldest(message_id);
            }
            let partial = Partial { parts: vec![None; sum], received: 0, bytes: 0, started: now };
            self.partial.insert(message_id.to_owned(), partial);
        }
        while self.bytes + part.len() > MAX_BYTES {
            if !self.evict_oldest(message_id) {
                break;
            }
        }
        if self.bytes + part.len() > MAX_BYTES {
            return Added::Refused("fragments exceed the memory bound");
        }
        let Some(partial) = self.partial.get_mut(message_id) else { return Added::Pending };
        self.bytes += part.len();
        partial.bytes += part.len();
        match partial.parts[seq].replace(part) {
            Some(old) => {
                self.bytes -= old.len();
                partial.bytes -= old.len();
            }
            None => partial.received += 1,
        }
        if partial.received < sum {
            return Added::Pending;
        }
        let Some(partial) = self.remove(message_id) else { return Added::Pending };
        let mut whole = BytesMut::with_capacity(partial.bytes);
        for part in partial.parts.into_iter().flatten() {
            whole.extend_from_slice(&part);
        }
        Added::Complete(whole.freeze())
    }

    /// How many deliveries wait for fragments.
    #[cfg(test)]
    pub(crate) fn pending(&self) -> usize {
        self.partial.len()
    }

    /// Drops the deliveries that waited longer than [`TTL`].
    pub(crate) fn expire(&mut self, now: Instant) {
        let expired: Vec<String> = self
            .partial
            .iter()
            .filter(|(_, p)| now.saturating_duration_since(p.started) >= TTL)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            tracing::debug!(message_id = %id, "long connection: incomplete delivery dropped");
            self.remove(&id);
        }
    }

    fn remove(&mut self, message_id: &str) -> Option<Partial> {
        let partial = self.partial.remove(message_id)?;
        self.bytes -= partial.bytes;
        Some(partial)
    }

    /// Drops the oldest delivery other than `keep`; false when there is none.
    fn evict_oldest(&mut self, keep: &str) -> bool {
        let oldest = self
            .partial
            .iter()
            .filter(|(id, _)| id.as_str() != keep)
            .min_by_key(|(_, p)| p.started)
            .map(|(id, _)| id.clone());
        match oldest {
            Some(id) => {
                tracing::debug!(message_id = %id, "long connection: incomplete delivery evicted");
                self.remove(&id);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(text: &'static str) -> Bytes {
        Bytes::from_static(text.as_bytes())
    }

    #[test]
    fn reassembles_in_any_order() {
        let now = Instant::now();
        let mut cache = Fragments::default();
        assert_eq!(cache.add("m", 3, 2, part("c"), now), Added::Pending);
        assert_eq!(cache.add("m", 3, 0, part("a"), now), Added::Pending);
        // A repeated fragment replaces the first copy.
        assert_eq!(cache.add("m", 3, 0, part("a"), now), Added::Pending);
        assert_eq!(cache.add("m", 3, 1, part("b"), now), Added::Complete(part("abc")));
        assert_eq!(cache.pending(), 0);
        assert_eq!(cache.bytes, 0);
    }

    #[test]
    fn refuses_out_of_range_fragments() {
        let now = Instant::now();
        let mut cache = Fragments::default();
        assert!(matches!(cache.add("m", 2, 2, part("x"), now), Added::Refused(_)));
        assert!(matches!(cache.add("m", 0, 0, part("x"), now), Added::Refused(_)));
        assert!(matches!(cache.add("m", MAX_SUM + 1, 0, part("x"), now), Added::Refused(_)));
        assert_eq!(cache.pending(), 0);
    }

    #[test]
    fn drops_incomplete_deliveries_after_the_ttl() {
        let start = Instant::now();
        let mut cache = Fragments::default();
        assert_eq!(cache.add("old", 2, 0, part("a"), start), Added::Pending);
        let later = start + TTL;
        // The first half expired: the second half alone is not a whole delivery.
        assert_eq!(cache.add("old", 2, 1, part("b"), later), Added::Pending);
        assert_eq!(cache.pending(), 1);
        assert_eq!(cache.add("old", 2, 0, part("a"), later), Added::Complete(part("ab")));
    }

    #[test]
    fn bounds_the_number_of_waiting_deliveries_and_their_bytes() {
        let now = Instant::now();
        let mut cache = Fragments::default();
        for n in 0..MAX_PENDING + 10 {
            let at = now + Duration::from_millis(n as u64);
            assert_eq!(cache.add(&format!("m{n}"), 2, 0, part("x"), at), Added::Pending);
        }
        assert_eq!(cache.pending(), MAX_PENDING);
        // The oldest went first.
        assert!(!cache.partial.contains_key("m0"));
        assert!(cache.partial.contains_key(&format!("m{}", MAX_PENDING + 9)));

        let big = Bytes::from(vec![0u8; MAX_BYTES / 2 + 1]);
        let at = now + Duration::from_secs(1);
        assert_eq!(cache.add("big1", 2, 0, big.clone(), at), Added::Pending);
        assert_eq!(cache.add("big2", 2, 0, big.clone(), at), Added::Pending);
        assert!(cache.bytes <= MAX_BYTES);
        assert!(!cache.partial.contains_key("big1"));
        assert!(matches!(
            cache.add("huge", 2, 0, Bytes::from(vec![0u8; MAX_BYTES + 1]), at),
            Added::Refused(_)
        ));
    }
}
