//! Counts that Feishu sends as text.
//!
//! A few answers carry counts as strings of digits (a chat's `user_count` is `"3"`). They
//! decode to a number here, and write back as text, so that what the client forwards reads as
//! Feishu sent it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A count sent as a string of digits (`"3"`); a JSON number is read too. [`get`](Self::get)
/// gives the number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Count(u64);

impl Count {
    /// The count `n`.
    pub const fn new(n: u64) -> Self {
        Count(n)
    }

    /// The number.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for Count {
    fn from(n: u64) -> Self {
        Count(n)
    }
}

impl From<Count> for u64 {
    fn from(count: Count) -> Self {
        count.0
    }
}

impl PartialEq<u64> for Count {
    fn eq(&self, other: &u64) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a count, as digits")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Count, E> {
                text.trim()
                    .parse()
                    .map(Count)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(text), &self))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Count, E> {
                Ok(Count(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Count, E> {
                u64::try_from(n)
                    .map(Count)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_digits_or_numbers_and_writes_digits() {
        let count: Count = serde_json::from_str(r#""3""#).unwrap();
        assert_eq!(count, 3);
        assert_eq!(serde_json::from_str::<Count>("12").unwrap().get(), 12);
        assert_eq!(serde_json::to_string(&Count::new(7)).unwrap(), r#""7""#);
        assert!(serde_json::from_str::<Count>(r#""three""#).is_err());
        assert!(serde_json::from_str::<Count>("-1").is_err());
    }
}
