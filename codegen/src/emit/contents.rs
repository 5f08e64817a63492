//! Content declarations: one enum per declaration, with a variant per kind, that travels as JSON
//! text beside the field naming its kind (`msg_type` and `content` of a message).

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{code, doc, inline_prose, prose};
use std::collections::BTreeSet;

use super::resource::{emit_object, imports_of, partial_eq};
use crate::ir::{Content, Kind};
use crate::names::{ident, snake_ident};

/// The content enums, and the objects their kinds carry.
pub fn emit(contents: &[Content], root: &BTreeSet<&str>) -> TokenStream {
    let items = contents.iter().map(content);
    let objects = contents.iter().flat_map(|c| &c.objects).map(emit_object);
    let decode_import = contents.iter().any(|c| !c.objects.is_empty()).then(|| {
        quote! { use crate::operation::json_object; }
    });
    let kind_objects = contents.iter().flat_map(|c| &c.objects);
    let declared: BTreeSet<&str> = contents
        .iter()
        .map(|c| c.name.as_str())
        .chain(kind_objects.clone().map(|o| o.name.as_str()))
        .collect();
    let named = imports_of(kind_objects, root, &declared);
    let imports = (!named.is_empty()).then(|| {
        let named = named.iter().map(|n| ident(n));
        quote! { use crate::{#(#named),*}; }
    });
    quote! {
        //! Content that travels as JSON text beside a field naming its kind. An unknown kind
        //! is kept as sent, so a new kind never fails a response.
        use serde::{Deserialize, Deserializer, Serialize, Serializer};
        use serde::ser::SerializeMap;
        use crate::UnknownContent;
        #decode_import
        #imports

        #(#items)*
        #(#objects)*
    }
}

fn content(c: &Content) -> TokenStream {
    let name = ident(&c.name);
    let (tag, field) = (&c.tag, &c.field);
    let docs = doc(&format!(
        "{}\n\nSent as two fields: {} names the kind and {} holds its JSON text.",
        prose(&c.doc),
        code(tag),
        code(field)
    ));
    let variants = c.kinds.iter().map(|k| {
        let variant = ident(&k.variant);
        let docs = doc(&format!("{}: {}", code(&k.value), inline_prose(&k.doc)));
        let inner = inner_type(k);
        quote! { #docs #variant(#inner), }
    });
    let kind_names = c.kinds.iter().map(|k| {
        let (variant, value) = (ident(&k.variant), &k.value);
        quote! { Self::#variant(_) => #value, }
    });
    let to_json = c.kinds.iter().map(|k| {
        let variant = ident(&k.variant);
        if k.text {
            quote! { Self::#variant(content) => Ok(content.clone()), }
        } else {
            quote! { Self::#variant(content) => serde_json::to_string(content), }
        }
    });
    let parse = c.kinds.iter().map(|k| {
        let (variant, value) = (ident(&k.variant), &k.value);
        if k.text {
            quote! { #value => Self::#variant(json.to_owned()), }
        } else {
            quote! { #value => Self::#variant(serde_json::from_str(json)?), }
        }
    });
    // Only content that requests send is built by callers, and checked by the fake.
    let constructors = c.kinds.iter().filter(|_| c.sent).filter_map(|k| constructor(c, k));
    let from_kinds = c.kinds.iter().filter_map(|k| {
        let body = ident(k.body.as_ref()?);
        let variant = ident(&k.variant);
        Some(quote! {
            impl From<#body> for #name {
                fn from(content: #body) -> Self {
                    Self::#variant(content)
                }
            }
        })
    });
    let tag_ident = snake_ident(tag);
    let field_ident = snake_ident(field);
    let partial_eq = partial_eq();
    quote! {
        #docs
        #[derive(Debug, Clone)]
        #partial_eq
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A kind this version of the crate does not know, kept as sent.
            Unknown(UnknownContent),
        }

        impl #name {
            /// The kind, as sent in the field naming it.
            pub fn kind(&self) -> &str {
                match self {
                    #(#kind_names)*
                    Self::Unknown(content) => content.kind(),
                }
            }

            /// The JSON text of the content, as sent.
            ///
            /// # Errors
            ///
            /// Only when a free-form value cannot be written as JSON.
            pub fn to_json(&self) -> Result<String, serde_json::Error> {
                match self {
                    #(#to_json)*
                    Self::Unknown(content) => Ok(content.json().to_owned()),
                }
            }

            /// Reads content of `kind` from its JSON text; a kind this crate does not know is
            /// kept as [`Self::Unknown`].
            ///
            /// # Errors
            ///
            /// When the text is not the JSON of a known kind.
            pub fn from_json(kind: &str, json: &str) -> Result<Self, serde_json::Error> {
                Ok(match kind {
                    #(#parse)*
                    _ => Self::Unknown(UnknownContent::new(kind, json)),
                })
            }

            #(#constructors)*
        }

        #(#from_kinds)*

        impl Serialize for #name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let json = self.to_json().map_err(serde::ser::Error::custom)?;
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry(#tag, self.kind())?;
                map.serialize_entry(#field, &json)?;
                map.end()
            }
        }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #[derive(Deserialize)]
                struct Wire {
                    #tag_ident: String,
                    #field_ident: String,
                }
                let wire = Wire::deserialize(deserializer)?;
                Self::from_json(&wire.#tag_ident, &wire.#field_ident).map_err(serde::de::Error::custom)
            }
        }
    }
}

fn inner_type(k: &Kind) -> TokenStream {
    match &k.body {
        Some(body) => {
            let body = ident(body);
            quote!(#body)
        }
        None if k.text => quote!(String),
        None => quote!(serde_json::Value),
    }
}

/// `MessageContent::text("hello")`: the kind from its required fields, in one call. A kind
/// without required fields is built as its struct and converted with `From`.
fn constructor(c: &Content, k: &Kind) -> Option<TokenStream> {
    let variant = ident(&k.variant);
    let method = snake_ident(&k.value);
    let mut docs = doc(&format!("{} content from its required fields.", code(&k.value)));
    // Content named like one of its kinds has a constructor named like itself.
    if crate::names::pascal_case(&k.value) == c.name {
        docs.extend(quote!(#[allow(clippy::self_named_constructors)]));
    }
    if k.text {
        return Some(quote! {
            #docs
            pub fn #method(text: impl Into<String>) -> Self {
                Self::#variant(text.into())
            }
        });
    }
    let Some(body) = &k.body else {
        return Some(quote! {
            #docs
            pub fn #method(json: serde_json::Value) -> Self {
                Self::#variant(json)
            }
        });
    };
    let object = c.objects.iter().find(|o| &o.name == body);
    let required: Vec<_> =
        object.into_iter().flat_map(|o| &o.fields).filter(|f| f.required).collect();
    if required.is_empty() {
        return None;
    }
    let params = required.iter().map(|f| {
        let name = snake_ident(&f.name);
        let ty = super::resource::argument(f);
        quote! { #name: #ty }
    });
    let args = required.iter().map(|f| snake_ident(&f.name));
    let body = ident(body);
    Some(quote! {
        #docs
        pub fn #method(#(#params),*) -> Self {
            Self::#variant(#body::new(#(#args),*))
        }
    })
}
