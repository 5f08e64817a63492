//! Decoding generated objects from JSON: a map whose fields are matched by name, unknown fields
//! skipped, a missing list empty and a missing option `None`.
//!
//! `#[derive(Deserialize)]` also writes a field-identifier type with its own visitor and a
//! sequence visitor for every struct. JSON needs neither, and across a few hundred types they
//! were most of the crate's build time. Generated code writes one line per type instead:
//!
//! ```text
//! json_object!(Chat, required(chat_id), optional(name, r#type = "type"));
//! json_object!(Empty);
//! ```

// A spec whose structs have no fields, or no structs at all, leaves some of this unused.
#![allow(dead_code, unused_macros)]

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// A struct decoded from a JSON object, field by field. Implemented by the `json_object!` macro of generated code.
pub trait JsonObject: Sized {
    /// The type's name, for "invalid type" errors.
    const NAME: &'static str;

    /// Reads the fields of one object.
    fn visit_fields<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// The one visitor of every [`JsonObject`].
pub struct ObjectVisitor<T>(PhantomData<T>);

impl<T> Default for ObjectVisitor<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> ObjectVisitor<T> {
    /// The visitor of `T`.
    pub const fn new() -> Self {
        ObjectVisitor(PhantomData)
    }
}

impl<'de, T: JsonObject> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::visit_fields(map)
    }
}

/// A field name, borrowed from the input when it holds no escapes.
pub struct JsonKey<'de>(Cow<'de, str>);

impl JsonKey<'_> {
    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for JsonKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = JsonKey<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<JsonKey<'de>, E> {
                Ok(JsonKey(Cow::Borrowed(key)))
            }

            fn visit_str<E>(self, key: &str) -> Result<JsonKey<'de>, E> {
                Ok(JsonKey(Cow::Owned(key.to_owned())))
            }

            fn visit_string<E>(self, key: String) -> Result<JsonKey<'de>, E> {
                Ok(JsonKey(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The wire name of a field: its identifier, or the name given after `=` (for raw identifiers).
#[doc(hidden)]
#[macro_export]
macro_rules! json_field_name {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident = $name:literal) => {
        $name
    };
}

/// `Deserialize` for a generated struct: `required(..)` fields must be present; `optional(..)`
/// fields, an `Option` or a `Vec`, take their default when absent. An empty list is left out.
#[doc(hidden)]
#[macro_export]
macro_rules! json_object {
    (
        $ty:ident
        $(, required($($required:ident $(= $required_name:literal)?),* $(,)?))?
        $(, optional($($optional:ident $(= $optional_name:literal)?),* $(,)?))?
        $(,)?
    ) => {
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_map($crate::operation::ObjectVisitor::<Self>::new())
            }
        }

        impl $crate::operation::JsonObject for $ty {
            const NAME: &'static str = stringify!($ty);

            fn visit_fields<'de, A: ::serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
                $($(let mut $required = None;)*)?
                $($(let mut $optional = None;)*)?
                while let Some(key) = map.next_key::<$crate::operation::JsonKey<'de>>()? {
                    match key.as_str() {
                        $($($crate::operation::json_field_name!($required $(= $required_name)?) => {
                            $required = Some(map.next_value()?);
                        })*)?
                        $($($crate::operation::json_field_name!($optional $(= $optional_name)?) => {
                            $optional = Some(map.next_value()?);
                        })*)?
                        _ => {
                            map.next_value::<::serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok($ty {
                    $($($required: $required.ok_or_else(|| {
                        <A::Error as ::serde::de::Error>::missing_field(
                            $crate::operation::json_field_name!($required $(= $required_name)?),
                        )
                    })?,)*)?
                    $($($optional: $optional.unwrap_or_default(),)*)?
                })
            }
        }
    };
}
