//! Times since the Unix epoch, typed by unit.
//!
//! Feishu sends times as strings of digits, in seconds on some endpoints (a message list's
//! `start_time`) and in milliseconds on others (a message's `create_time`). Each unit is its
//! own type, so a time in one unit cannot be passed where the other is expected; both convert
//! from [`SystemTime`], which picks the right unit by itself.

use std::fmt;
use std::marker::PhantomData;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A unit of [`Timestamp`]. Sealed: the units are the two Feishu uses.
pub trait TimeUnit: sealed::Sealed + Copy + fmt::Debug + Eq + Ord + std::hash::Hash {
    /// How many of the unit make a second.
    #[doc(hidden)]
    const PER_SECOND: u64;
    /// The unit's name, shown by `Debug`.
    #[doc(hidden)]
    const NAME: &'static str;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Seconds {}
    impl Sealed for super::Millis {}
}

/// Whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seconds {}

/// Whole milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Millis {}

impl TimeUnit for Seconds {
    const PER_SECOND: u64 = 1;
    const NAME: &'static str = "s";
}

impl TimeUnit for Millis {
    const PER_SECOND: u64 = 1000;
    const NAME: &'static str = "ms";
}

/// A time since the Unix epoch, counted in `U`.
///
/// On the wire it is a string of digits; a JSON number is read too.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp<U: TimeUnit> {
    count: i64,
    unit: PhantomData<U>,
}

/// A time in seconds since the Unix epoch.
pub type UnixSeconds = Timestamp<Seconds>;

/// A time in milliseconds since the Unix epoch.
pub type UnixMillis = Timestamp<Millis>;

impl<U: TimeUnit> Timestamp<U> {
    /// The time `count` units after the Unix epoch (before it, if negative).
    pub const fn new(count: i64) -> Self {
        Timestamp { count, unit: PhantomData }
    }

    /// The current time, truncated to the unit.
    pub fn now() -> Self {
        SystemTime::now().into()
    }

    /// The number of units since the Unix epoch.
    pub const fn count(self) -> i64 {
        self.count
    }

    /// The time as a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        let per_second = U::PER_SECOND;
        let magnitude = self.count.unsigned_abs();
        let nanos_per_unit = 1_000_000_000 / per_second;
        let offset = Duration::from_secs(magnitude / per_second)
            + Duration::from_nanos((magnitude % per_second) * nanos_per_unit);
        if self.count >= 0 { UNIX_EPOCH + offset } else { UNIX_EPOCH - offset }
    }
}

impl<U: TimeUnit> From<SystemTime> for Timestamp<U> {
    /// Truncates to the unit; times before the epoch count down from it.
    fn from(time: SystemTime) -> Self {
        let count = |d: Duration| -> i64 {
            let units = d.as_secs().saturating_mul(U::PER_SECOND)
                + u64::from(d.subsec_nanos()) * U::PER_SECOND / 1_000_000_000;
            i64::try_from(units).unwrap_or(i64::MAX)
        };
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => Timestamp::new(count(after)),
            Err(before) => Timestamp::new(-count(before.duration())),
        }
    }
}

impl From<UnixSeconds> for UnixMillis {
    fn from(seconds: UnixSeconds) -> Self {
        Timestamp::new(seconds.count.saturating_mul(1000))
    }
}

impl<U: TimeUnit> fmt::Debug for Timestamp<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.count, U::NAME)
    }
}

impl<U: TimeUnit> fmt::Display for Timestamp<U> {
    /// The digits, as sent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.count)
    }
}

impl<U: TimeUnit> Serialize for Timestamp<U> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.count)
    }
}

impl<'de, U: TimeUnit> Deserialize<'de> for Timestamp<U> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<U>(PhantomData<U>);
        impl<U: TimeUnit> serde::de::Visitor<'_> for Visitor<U> {
            type Value = Timestamp<U>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a timestamp in {}, as digits", U::NAME)
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
                text.trim()
                    .parse()
                    .map(Timestamp::new)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(text), &self))
            }
            fn visit_i64<E: serde::de::Error>(self, count: i64) -> Result<Self::Value, E> {
                Ok(Timestamp::new(count))
            }
            fn visit_u64<E: serde::de::Error>(self, count: u64) -> Result<Self::Value, E> {
                i64::try_from(count)
                    .map(Timestamp::new)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(count), &self))
            }
        }
        deserializer.deserialize_any(Visitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_trip_through_system_time() {
        let time = UNIX_EPOCH + Duration::from_millis(1_615_380_573_411);
        assert_eq!(UnixMillis::from(time).count(), 1_615_380_573_411);
        assert_eq!(UnixSeconds::from(time).count(), 1_615_380_573);
        assert_eq!(UnixMillis::new(1_615_380_573_411).to_system_time(), time);
        assert_eq!(UnixMillis::from(UnixSeconds::new(2)).count(), 2000);
        let before = UNIX_EPOCH - Duration::from_millis(1500);
        assert_eq!(UnixMillis::from(before).count(), -1500);
        assert_eq!(UnixMillis::new(-1500).to_system_time(), before);
    }

    #[test]
    fn travels_as_digits_and_reads_numbers() {
        let json = serde_json::to_string(&UnixSeconds::new(1_608_594_809)).unwrap();
        assert_eq!(json, r#""1608594809""#);
        let read: UnixMillis = serde_json::from_str(r#""1615380573411""#).unwrap();
        assert_eq!(read.count(), 1_615_380_573_411);
        let read: UnixMillis = serde_json::from_str("1615380573411").unwrap();
        assert_eq!(read.count(), 1_615_380_573_411);
        let error = serde_json::from_str::<UnixMillis>(r#""soon""#).unwrap_err().to_string();
        assert!(error.contains("a timestamp in ms"), "{error}");
        assert_eq!(format!("{:?}", UnixSeconds::new(5)), "5s");
    }
}
