//! Sample requests for the fake: a valid value of each required field, from the spec's
//! examples or the smallest value a type and its limits allow.

use std::cell::RefCell;
use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::resource::rust_type;
use crate::ir::{Content, Enum, Field, Kind, Struct, Type};
use crate::model::Literal;
use crate::names::{ident, snake_ident};

/// The sample text of a string field, or of each item of a string list.
fn sample_text(f: &Field) -> String {
    match &f.example {
        Some(Literal::String(s)) => s.clone(),
        _ => format!("sample_{}", f.name),
    }
}

/// How many items a sample list holds: at least one, within the field's limits.
fn sample_count(f: &Field) -> u32 {
    f.min_items.unwrap_or(1).max(1).min(f.max_items.unwrap_or(u32::MAX))
}

/// Builds the fake's sample requests: a valid value of each required field.
pub(super) struct MetaTypes<'a> {
    pub(super) enums: &'a [Enum],
    pub(super) contents: &'a [Content],
    /// The objects fields may name: the resource's own and the shared ones.
    pub(super) objects: Vec<&'a Struct>,
    /// The objects whose sample is being built, outermost first.
    pub(super) visiting: RefCell<Vec<String>>,
}

impl MetaTypes<'_> {
    /// An expression of the field's Rust type holding a valid value: the spec's example, or
    /// the smallest value its type and limits allow.
    /// As a constructor argument: text and text lists as literals, which `new` converts.
    pub(super) fn sample(&self, f: &Field) -> TokenStream {
        match &f.ty {
            Type::String => {
                let text = sample_text(f);
                quote!(#text)
            }
            Type::Vec(inner) if **inner == Type::String => {
                let text = sample_text(f);
                match sample_count(f) {
                    1 => quote!([#text]),
                    count => {
                        let count = proc_macro2::Literal::u32_unsuffixed(count);
                        quote!([#text; #count])
                    }
                }
            }
            ty => self.sample_of(ty, f),
        }
    }

    /// The types a sample of `ty` names: enums and objects, through objects' required fields.
    pub(super) fn sample_types(&self, ty: &Type, out: &mut BTreeSet<String>) {
        match ty {
            Type::Vec(inner) => self.sample_types(inner, out),
            Type::Enum(name) => {
                out.insert(name.clone());
            }
            Type::Content(name) => {
                out.insert(name.clone());
                if let Some((_, Some(body), one_call)) = self.content_sample(name) {
                    if !one_call {
                        out.insert(body.name.clone());
                    }
                    for f in body.fields.iter().filter(|f| f.required) {
                        self.sample_types(&f.ty, out);
                    }
                }
            }
            Type::Object(name) => {
                if !out.insert(name.clone()) {
                    return;
                }
                let object = self.objects.iter().find(|o| &o.name == name);
                for f in object.into_iter().flat_map(|o| &o.fields).filter(|f| f.required) {
                    self.sample_types(&f.ty, out);
                }
            }
            _ => {}
        }
    }

    /// The kind a content sample is: the first with a one-call constructor (free-form, or
    /// with required fields), else the first, built as its struct and converted. Returns the
    /// kind, its struct, and whether it has that constructor; `None` for a content without
    /// kinds or with a struct out of reach, which validation and lowering rule out.
    fn content_sample(&self, name: &str) -> Option<(&Kind, Option<&Struct>, bool)> {
        let kinds = self.contents.iter().filter(|c| c.name == name).flat_map(|c| &c.kinds);
        let body_of = |k: &Kind| {
            k.body.as_ref().and_then(|body| self.objects.iter().find(|o| &o.name == body)).copied()
        };
        let one_call = |k: &Kind| match body_of(k) {
            None => k.body.is_none(),
            Some(o) => o.fields.iter().any(|f| f.required),
        };
        let kind = kinds.clone().find(|k| one_call(k)).or(kinds.clone().next())?;
        // A body that names no struct in reach is unresolved, not free-form.
        let body = match &kind.body {
            None => None,
            Some(_) => Some(body_of(kind)?),
        };
        Some((kind, body, one_call(kind)))
    }

    /// Whether a value of `ty` holds (through required fields) an object being built.
    fn holds_visiting(&self, ty: &Type, seen: &mut Vec<String>) -> bool {
        match ty {
            Type::Vec(inner) => self.holds_visiting(inner, seen),
            Type::Object(name) => {
                if self.visiting.borrow().contains(name) {
                    return true;
                }
                if seen.contains(name) {
                    return false;
                }
                seen.push(name.clone());
                let object = self.objects.iter().find(|o| &o.name == name);
                let required = object.into_iter().flat_map(|o| &o.fields).filter(|f| f.required);
                required.into_iter().any(|f| self.holds_visiting(&f.ty, seen))
            }
            _ => false,
        }
    }

    fn sample_of(&self, ty: &Type, f: &Field) -> TokenStream {
        match ty {
            Type::String => {
                let text = sample_text(f);
                quote!(String::from(#text))
            }
            Type::Integer => {
                let value = match f.example {
                    Some(Literal::Integer(i)) => i,
                    _ => 1i64.max(f.min.unwrap_or(i64::MIN)).min(f.max.unwrap_or(i64::MAX)),
                };
                let value = proc_macro2::Literal::i64_unsuffixed(value);
                quote!(#value)
            }
            Type::Boolean => match f.example {
                Some(Literal::Boolean(b)) => quote!(#b),
                _ => quote!(false),
            },
            // The rule `shapes::check` bounds: a list that may be empty is left empty when its
            // items would hold an object being built, which ends every cycle.
            Type::Vec(inner)
                if f.min_items.unwrap_or(0) == 0 && self.holds_visiting(inner, &mut Vec::new()) =>
            {
                quote!(Vec::new())
            }
            Type::Vec(inner) => {
                let item = self.sample_of(inner, f);
                match sample_count(f) {
                    1 => quote!(vec![#item]),
                    count => {
                        let count = proc_macro2::Literal::u32_unsuffixed(count);
                        quote!(vec![#item; #count])
                    }
                }
            }
            Type::Enum(name) => {
                let def = self.enums.iter().find(|e| &e.name == name);
                let variant = def.and_then(|def| {
                    let chosen = f
                        .example
                        .as_ref()
                        .and_then(|x| def.variants.iter().find(|v| &v.value == x));
                    chosen.or(def.variants.first())
                });
                // Validation gives every enum a value, so the first variant always exists.
                let (name, variant) =
                    (ident(name), ident(variant.map_or("Unknown", |v| v.name.as_str())));
                quote!(#name::#variant)
            }
            Type::Object(name) => {
                let object = self.objects.iter().find(|o| &o.name == name);
                self.visiting.borrow_mut().push(name.clone());
                let args: Vec<TokenStream> = object
                    .into_iter()
                    .flat_map(|o| o.fields.iter().filter(|f| f.required))
                    .map(|f| self.sample(f))
                    .collect();
                self.visiting.borrow_mut().pop();
                let name = ident(name);
                quote!(#name::new(#(#args),*))
            }
            Type::Json => quote!(serde_json::Value::Object(serde_json::Map::new())),
            Type::Timestamp(_) => {
                let value = match &f.example {
                    Some(Literal::String(text)) => text.parse().unwrap_or(1),
                    _ => 1i64,
                };
                let (ty, value) = (rust_type(ty), proc_macro2::Literal::i64_unsuffixed(value));
                quote!(#ty::new(#value))
            }
            Type::Count => {
                let value = match &f.example {
                    Some(Literal::String(text)) => text.parse().unwrap_or(1),
                    _ => 1u64,
                };
                let value = proc_macro2::Literal::u64_unsuffixed(value);
                quote!(crate::Count::new(#value))
            }
            Type::File => {
                let name = sample_text(f);
                quote!(feishu_im::FileUpload::from_bytes(#name, &b"sample"[..]))
            }
            Type::Content(name) => {
                let Some((kind, body, one_call)) = self.content_sample(name) else {
                    return quote!(compile_error!("a content without kinds, or unresolved"));
                };
                let name = ident(name);
                let method = snake_ident(&kind.value);
                match body {
                    None => {
                        quote!(#name::#method(serde_json::Value::Object(serde_json::Map::new())))
                    }
                    Some(o) => {
                        let args = o.fields.iter().filter(|f| f.required).map(|f| self.sample(f));
                        if one_call {
                            quote!(#name::#method(#(#args),*))
                        } else {
                            let body = ident(&o.name);
                            quote!(#name::from(#body::new(#(#args),*)))
                        }
                    }
                }
            }
        }
    }
}
