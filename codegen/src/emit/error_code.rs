//! The error-code enum: one variant per described code, `Other` for the rest.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::docs::{code, doc, inner_doc, prose};
use crate::ir::ErrorCode;
use crate::model::RetryClass;
use crate::names::ident;

pub fn emit(codes: &[ErrorCode], tables: &[(String, String)]) -> TokenStream {
    let mut module_doc = String::from(
        "Every error code the spec describes. Codes it does not describe are kept in\n[`ErrorCode::Other`], so a new server-side code never fails decoding.\n\nTables:\n",
    );
    for (name, doc) in tables {
        module_doc.push_str(&format!("\n- {}: {}", code(name), prose(doc)));
    }
    let module_doc = inner_doc(&module_doc);
    let variants = codes.iter().map(|c| {
        let name = ident(&c.variant);
        let scope = if c.platform { " (platform-wide)" } else { "" };
        let mut text = format!("`{}`{scope}: {}\n\n{}", c.code, prose(&c.msg), prose(&c.hint));
        if let Some(zh) = &c.hint_zh {
            text.push_str(&format!("\n\n排查建议：{}", prose(zh)));
        }
        let docs = doc(&text);
        quote! { #docs #name, }
    });
    let names: Vec<_> = codes.iter().map(|c| ident(&c.variant)).collect();
    let numbers: Vec<_> = codes.iter().map(|c| Literal::i64_unsuffixed(c.code)).collect();
    let specs = codes.iter().map(|c| {
        let code = Literal::i64_unsuffixed(c.code);
        let status = Literal::u16_unsuffixed(c.status);
        let (msg, hint) = (&c.msg, &c.hint);
        let hint_zh = match &c.hint_zh {
            Some(zh) => quote! { Some(#zh) },
            None => quote! { None },
        };
        let retry = ident(match c.retry {
            RetryClass::Never => "Never",
            RetryClass::RateLimit => "RateLimit",
            RetryClass::RefreshToken => "RefreshToken",
        });
        quote! {
            ErrorSpec {
                code: #code,
                http_status: #status,
                message: #msg,
                hint: #hint,
                hint_zh: #hint_zh,
                retry: RetryClass::#retry,
            }
        }
    });
    let imports = if codes.is_empty() {
        quote! { use crate::{ErrorSpec, UnknownCode}; }
    } else {
        quote! { use crate::{ErrorSpec, RetryClass, UnknownCode}; }
    };
    // Without described codes every match would have one arm, which clippy rightly rejects.
    let methods = if codes.is_empty() {
        quote! {
            /// The variant for a numeric code: always [`ErrorCode::Other`], as the spec describes none.
            pub const fn from_code(code: i64) -> Self {
                Self::Other(UnknownCode::new(code))
            }

            /// The numeric code.
            pub const fn code(self) -> i64 {
                let Self::Other(code) = self;
                code.code()
            }

            /// What the spec says about this code: nothing, as it describes none.
            pub const fn spec(self) -> Option<&'static ErrorSpec> {
                let Self::Other(_) = self;
                None
            }
        }
    } else {
        let numbers = &numbers;
        quote! {
            /// The variant for a numeric code; unknown codes become [`ErrorCode::Other`].
            pub const fn from_code(code: i64) -> Self {
                match code {
                    #( #numbers => Self::#names, )*
                    other => Self::Other(UnknownCode::new(other)),
                }
            }

            /// The numeric code.
            pub const fn code(self) -> i64 {
                match self {
                    #( Self::#names => #numbers, )*
                    Self::Other(code) => code.code(),
                }
            }

            /// What the spec says about this code, if it describes it.
            pub const fn spec(self) -> Option<&'static ErrorSpec> {
                match self {
                    #( Self::#names => Some(&#specs), )*
                    Self::Other(_) => None,
                }
            }
        }
    };
    quote! {
        #module_doc
        #imports

        /// An error code of the Open Platform, as found in the `code` of a response.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            #(#variants)*
            /// A code the spec does not describe; its number is kept.
            Other(UnknownCode),
        }

        impl ErrorCode {
            #methods
        }
    }
}
