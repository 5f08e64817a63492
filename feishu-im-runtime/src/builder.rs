//! The builder methods of generated requests and of the objects they carry: `new` from the
//! required fields, then one chained setter per optional field.
//!
//! Written out, `new` lists every field and each setter is four lines of the same shape.
//! Generated code writes one `builder!` call per type instead, each field with the argument its
//! method takes:
//!
//! ```text
//! builder!(GetRequest::new(chat_id: impl Into<String>) {
//!     member_id_type: UserIdType,
//!     page_size: i64,
//!     page_token: impl Into<String>,
//! });
//! ```
//!
//! An argument is the field's type, `impl Into<T>`, or `impl IntoIterator<Item = impl Into<T>>`.
//! A setter's documentation links to its field's, which says what the value means.

// A spec without requests or sent objects uses none of this.
#![allow(dead_code, unused_macros)]

/// A field that a setter fills: an `Option` becomes `Some(value)`; a list held without an
/// `Option` is replaced.
pub trait SetField<T> {
    /// Sets the field to `value`.
    fn set_field(&mut self, value: T);
}

impl<T> SetField<T> for Option<T> {
    fn set_field(&mut self, value: T) {
        *self = Some(value);
    }
}

impl<T> SetField<Vec<T>> for Vec<T> {
    fn set_field(&mut self, value: Vec<T>) {
        *self = value;
    }
}

/// `new` and the setters of a type: `Type::new(required: Argument, …) { optional: Argument, … }`.
/// After a raw identifier among the optional fields comes its plain name, for the
/// documentation (`r#type = "type": impl Into<String>`). Optional fields start as their
/// `Default`: `None`, or an empty list.
#[doc(hidden)]
#[macro_export]
macro_rules! builder {
    ($ty:ident::new($($required:tt)*) { $($optional:tt)* }) => {
        $crate::operation::builder!(@optional $ty [$($required)*] [] [] $($optional)*);
    };

    // The optional fields, one at a time: names gathered for `new`, setters written.
    (@optional $ty:ident $required:tt [$($names:ident)*] [$($setters:tt)*] $(,)?) => {
        impl $ty {
            $crate::operation::builder!(@new [$($names)*] $required [] []);
            $($setters)*
        }
    };
    (@optional $ty:ident $required:tt [$($names:ident)*] [$($setters:tt)*]
        $field:ident $(= $name:literal)?: impl IntoIterator<Item = impl Into<$item:ty>> $(, $($rest:tt)*)?) => {
        $crate::operation::builder!(@optional $ty $required [$($names)* $field] [$($setters)*
            $crate::operation::builder!(@setter [$field $(= $name)?] impl IntoIterator<Item = impl Into<$item>>,
                $field.into_iter().map(Into::into).collect::<Vec<$item>>());
        ] $($($rest)*)?);
    };
    (@optional $ty:ident $required:tt [$($names:ident)*] [$($setters:tt)*]
        $field:ident $(= $name:literal)?: impl Into<$target:ty> $(, $($rest:tt)*)?) => {
        $crate::operation::builder!(@optional $ty $required [$($names)* $field] [$($setters)*
            $crate::operation::builder!(@setter [$field $(= $name)?] impl Into<$target>, Into::<$target>::into($field));
        ] $($($rest)*)?);
    };
    (@optional $ty:ident $required:tt [$($names:ident)*] [$($setters:tt)*]
        $field:ident $(= $name:literal)?: $arg:ty $(, $($rest:tt)*)?) => {
        $crate::operation::builder!(@optional $ty $required [$($names)* $field] [$($setters)*
            $crate::operation::builder!(@setter [$field $(= $name)?] $arg, $field);
        ] $($($rest)*)?);
    };

    (@setter [$field:ident $(= $name:literal)?] $arg:ty, $value:expr) => {
        #[doc = concat!(
            "Sets [`", $crate::operation::json_field_name!($field $(= $name)?),
            "`](field@Self::", $crate::operation::json_field_name!($field $(= $name)?), ")."
        )]
        #[allow(clippy::should_implement_trait)]
        pub fn $field(mut self, $field: $arg) -> Self {
            $crate::operation::SetField::set_field(&mut self.$field, $value);
            self
        }
    };

    // The required fields, one at a time: parameters and initializers of `new`.
    (@new [$($names:ident)*] [$(,)?] [$($params:tt)*] [$($inits:tt)*]) => {
        /// Creates it from its required fields; optional ones start unset.
        #[allow(clippy::too_many_arguments)]
        pub fn new($($params)*) -> Self {
            Self { $($inits)* $($names: Default::default(),)* }
        }
    };
    (@new $names:tt [$field:ident: impl IntoIterator<Item = impl Into<$item:ty>> $(, $($rest:tt)*)?]
        [$($params:tt)*] [$($inits:tt)*]) => {
        $crate::operation::builder!(@new $names [$($($rest)*)?]
            [$($params)* $field: impl IntoIterator<Item = impl Into<$item>>,]
            [$($inits)* $field: $field.into_iter().map(Into::into).collect(),]);
    };
    (@new $names:tt [$field:ident: impl Into<$target:ty> $(, $($rest:tt)*)?]
        [$($params:tt)*] [$($inits:tt)*]) => {
        $crate::operation::builder!(@new $names [$($($rest)*)?]
            [$($params)* $field: impl Into<$target>,]
            [$($inits)* $field: $field.into(),]);
    };
    (@new $names:tt [$field:ident: $arg:ty $(, $($rest:tt)*)?] [$($params:tt)*] [$($inits:tt)*]) => {
        $crate::operation::builder!(@new $names [$($($rest)*)?]
            [$($params)* $field: $arg,]
            [$($inits)* $field,]);
    };
}
