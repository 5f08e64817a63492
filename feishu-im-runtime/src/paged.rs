//! How a generated request implements [`Paged`](crate::operation::Paged): asking for the next
//! page, and reading a page.
//!
//! Generated code describes each paged endpoint in one line, naming the listed items' field and
//! type and the fields of the page token and of `has_more`:
//!
//! ```text
//! paged!(ListRequest, items: Vec<Member>, token: page_token, more: has_more);
//! ```

// A spec without paged endpoints uses none of this.
#![allow(dead_code, unused_macros)]

/// A page-token field, required (`String`) or optional (`Option<String>`).
pub trait PageToken {
    /// The token, if set.
    fn token(&self) -> Option<&str>;
    /// Sets the token.
    fn set_token(&mut self, token: String);
}

impl PageToken for String {
    fn token(&self) -> Option<&str> {
        Some(self)
    }

    fn set_token(&mut self, token: String) {
        *self = token;
    }
}

impl PageToken for Option<String> {
    fn token(&self) -> Option<&str> {
        self.as_deref()
    }

    fn set_token(&mut self, token: String) {
        *self = Some(token);
    }
}

/// A `has_more` field, required (`bool`) or optional (`Option<bool>`, absent meaning no).
pub trait HasMore {
    /// Whether more pages follow.
    fn has_more(&self) -> bool;
}

impl HasMore for bool {
    fn has_more(&self) -> bool {
        *self
    }
}

impl HasMore for Option<bool> {
    fn has_more(&self) -> bool {
        *self == Some(true)
    }
}

/// [`Paged`] for a request: first the field of the response that lists the elements, with its
/// type; then `token`, the page-token field of both request and response, and `more`, the
/// response's `has_more` field.
#[doc(hidden)]
#[macro_export]
macro_rules! paged {
    ($request:ident, $items:ident: Vec<$item:ty>, token: $token:ident, more: $more:ident $(,)?) => {
        #[doc(hidden)]
        impl $crate::operation::Paged for $request {
            type Item = $item;

            fn set_page_token(&mut self, token: String) {
                $crate::operation::PageToken::set_token(&mut self.$token, token);
            }

            fn next_page_token(
                page: &<Self as $crate::operation::Operation>::Response,
            ) -> Option<&str> {
                if $crate::operation::HasMore::has_more(&page.$more) {
                    $crate::operation::PageToken::token(&page.$token)
                } else {
                    None
                }
            }

            fn into_items(page: <Self as $crate::operation::Operation>::Response) -> Vec<$item> {
                page.$items
            }
        }
    };
}
