//! The error-code enum: one variant per described code, `Other` for the rest.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::docs::{code, doc, inline_prose, inner_doc, item_prose, prose};
use crate::ir::ErrorCode;
use crate::model::RetryClass;
use crate::names::ident;

pub fn emit(codes: &[ErrorCode], tables: &[(String, String)]) -> TokenStream {
    let mut module_doc = String::from(
        "Every error code the spec describes. Codes it does not describe are kept in\n[`ErrorCode::Other`], so a new server-side code never fails decoding.\n\nTables:\n",
    );
    for (name, doc) in tables {
        module_doc.push_str(&format!("\n- {}: {}", code(name), item_prose(doc)));
    }
    let module_doc = inner_doc(&module_doc);
    let variants = codes.iter().map(|c| {
        let name = ident(&c.variant);
        let scope = if c.platform { " (platform-wide)" } else { "" };
        let mut text =
            format!("`{}`{scope}: {}\n\n{}", c.code, inline_prose(&c.msg), prose(&c.hint));
        if let Some(zh) = &c.hint_zh {
            text.push_str(&format!("\n\n排查建议：{}", inline_prose(zh)));
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
        let hint_zh = c.hint_zh.as_ref().map(|zh| quote! { .with_hint_zh(#zh) });
        let retry = ident(match c.retry {
            RetryClass::Never => "Never",
            RetryClass::RateLimit => "RateLimit",
            RetryClass::RefreshToken => "RefreshToken",
        });
        quote! {
            const { ErrorSpec::new(#code, #status, #msg, #hint, RetryClass::#retry) #hint_zh }
        }
    });
    let imports =
        quote! { use crate::{CodeInfo, ErrorCatalog, ErrorSpec, RetryClass, UnknownCode}; };
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

            /// The documented `msg`, or `None` for codes the spec does not describe.
            pub fn message(self) -> Option<&'static str> {
                self.spec().map(|s| s.message)
            }

            /// What to check, in English.
            pub fn hint(self) -> Option<&'static str> {
                self.spec().map(|s| s.hint)
            }

            /// The Chinese troubleshooting hint (排查建议) of the documentation.
            pub fn hint_zh(self) -> Option<&'static str> {
                self.spec().and_then(|s| s.hint_zh)
            }

            /// The HTTP status the documentation gives for this code.
            pub fn http_status(self) -> Option<u16> {
                self.spec().map(|s| s.http_status)
            }

            /// How the client reacts to this code; codes the spec does not describe are not
            /// retried.
            pub fn retry_class(self) -> RetryClass {
                CodeInfo::retry_class(self)
            }
        }

        impl CodeInfo for ErrorCode {
            fn code(self) -> i64 {
                ErrorCode::code(self)
            }

            fn spec(self) -> Option<&'static ErrorSpec> {
                ErrorCode::spec(self)
            }
        }

        impl ErrorCatalog for ErrorCode {
            fn from_code(code: i64) -> Self {
                ErrorCode::from_code(code)
            }
        }

        impl From<i64> for ErrorCode {
            fn from(code: i64) -> Self {
                ErrorCode::from_code(code)
            }
        }

        impl std::fmt::Display for ErrorCode {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.code())
            }
        }
    }
}
