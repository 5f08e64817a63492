//! Doc comments from spec text.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc]` attributes, one per line of `text`, so that they print as `///` comments.
pub fn doc(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|line| {
        let line = if line.is_empty() { String::new() } else { format!(" {line}") };
        quote! { #[doc = #line] }
    });
    quote! { #(#lines)* }
}

/// Inner `#![doc]` attributes, for module docs.
pub fn inner_doc(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|line| {
        let line = if line.is_empty() { String::new() } else { format!(" {line}") };
        quote! { #![doc = #line] }
    });
    quote! { #(#lines)* }
}

/// Escapes text for use inside Markdown inline code or prose in rustdoc.
pub fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'"))
}
