//! Shared enums: known values as variants, anything else kept in `Unknown`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{code, doc, inline_prose, prose};
use crate::ir::Enum;
use crate::model::{EnumRepr, Literal};
use crate::names::ident;

pub fn emit(enums: &[Enum]) -> TokenStream {
    if enums.is_empty() {
        return quote! {
            //! Enumerations shared by the endpoints; the spec declares none.
        };
    }
    let items = enums.iter().map(emit_enum);
    let unknown = [(EnumRepr::String, "UnknownValue"), (EnumRepr::Integer, "UnknownInteger")]
        .into_iter()
        .filter(|(repr, _)| enums.iter().any(|e| e.repr == *repr))
        .map(|(_, name)| ident(name));
    quote! {
        //! Enumerations shared by the endpoints. A value the server sends that the spec does not
        //! list decodes to the `Unknown` variant instead of failing.
        use std::fmt;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};
        use crate::{#(#unknown),*};
        #(#items)*
    }
}

fn emit_enum(e: &Enum) -> TokenStream {
    let name = ident(&e.name);
    let docs = doc(&prose(&e.doc));
    let variants = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let docs = doc(&format!("{}: {}", code(&v.value.to_string()), inline_prose(&v.doc)));
        quote! { #docs #variant, }
    });
    let names: Vec<_> = e.variants.iter().map(|v| ident(&v.name)).collect();
    match e.repr {
        EnumRepr::String => {
            let values: Vec<_> = e
                .variants
                .iter()
                .map(|v| match &v.value {
                    Literal::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, Eq, Hash)]
                #[non_exhaustive]
                pub enum #name {
                    #(#variants)*
                    /// A value this version of the crate does not know, kept as sent.
                    Unknown(UnknownValue),
                }
                impl #name {
                    /// The value as sent on the wire.
                    pub fn as_str(&self) -> &str {
                        match self {
                            #( Self::#names => #values, )*
                            Self::Unknown(value) => value.as_str(),
                        }
                    }
                    fn from_wire(value: String) -> Self {
                        match value.as_str() {
                            #( #values => Self::#names, )*
                            _ => Self::Unknown(UnknownValue::new(value)),
                        }
                    }
                }
                impl fmt::Display for #name {
                    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(self.as_str())
                    }
                }
                impl Serialize for #name {
                    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                        serializer.serialize_str(self.as_str())
                    }
                }
                impl<'de> Deserialize<'de> for #name {
                    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        String::deserialize(deserializer).map(Self::from_wire)
                    }
                }
            }
        }
        EnumRepr::Integer => {
            let values: Vec<_> = e
                .variants
                .iter()
                .map(|v| match v.value {
                    Literal::Integer(i) => proc_macro2::Literal::i64_unsuffixed(i),
                    _ => proc_macro2::Literal::i64_unsuffixed(0),
                })
                .collect();
            quote! {
                #docs
                #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
                #[non_exhaustive]
                pub enum #name {
                    #(#variants)*
                    /// A value this version of the crate does not know, kept as sent.
                    Unknown(UnknownInteger),
                }
                impl #name {
                    /// The value as sent on the wire.
                    pub fn value(self) -> i64 {
                        match self {
                            #( Self::#names => #values, )*
                            Self::Unknown(value) => value.value(),
                        }
                    }
                    fn from_wire(value: i64) -> Self {
                        match value {
                            #( #values => Self::#names, )*
                            _ => Self::Unknown(UnknownInteger::new(value)),
                        }
                    }
                }
                impl fmt::Display for #name {
                    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "{}", self.value())
                    }
                }
                impl Serialize for #name {
                    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                        serializer.serialize_i64(self.value())
                    }
                }
                impl<'de> Deserialize<'de> for #name {
                    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        i64::deserialize(deserializer).map(Self::from_wire)
                    }
                }
            }
        }
    }
}
