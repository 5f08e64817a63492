//! The fake's module of the spec (`feishu-fake/src/generated/`): what the offline Feishu knows
//! of every operation beyond what the client does — its path template, documentation page,
//! documented error codes, each field's place, type and limits — and a sample request of each,
//! as Rust data over the client's own types. A spec change to an endpoint fails the fake's
//! build where it no longer fits.
//!
//! Each object's fields are one `static`, which fields of its type point at: an object that
//! holds itself, directly or through others, is a cycle of references, not an endless value.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::samples::MetaTypes;
use super::{GeneratedFile, Part};
use crate::ir::{Api, Endpoint, Field, Placement, Resource, Struct, Type};
use crate::model::{EnumRepr, Literal as SpecLiteral};
use crate::names::snake_ident;
use crate::path_template::Segment;

/// Every file of the fake's module.
pub fn emit(api: &Api) -> Result<Vec<GeneratedFile>, (String, String)> {
    let shared: Vec<&Struct> =
        api.objects.iter().chain(api.contents.iter().flat_map(|c| &c.objects)).collect();
    let mut files = Vec::new();
    let versions: Vec<_> = api.versions.keys().map(|v| snake_ident(v)).collect();
    let resources: Vec<TokenStream> = api
        .versions
        .iter()
        .flat_map(|(version, resources)| {
            let version = snake_ident(version);
            resources.iter().map(move |r| {
                let module = snake_ident(&r.module);
                quote!(&#version::#module::OPERATIONS)
            })
        })
        .collect();
    files.push(fake_file("mod.rs", "spec/", || {
        quote! {
            //! What the fake knows of the spec beyond what the client does, one module per
            //! resource, and the fields of the shared objects.
            mod objects;
            #( mod #versions; )*

            use crate::OperationSpec;

            /// The operations of each resource, in module order.
            pub(crate) static RESOURCES: &[&[OperationSpec]] = &[#(#resources),*];
        }
    })?);
    let operations: Vec<String> = api
        .versions
        .values()
        .flatten()
        .flat_map(|r| r.endpoints.iter().map(|e| r.operation_id(e)))
        .collect();
    files.push(fake_file("operations.rs", "spec/", || {
        quote! {
            /// Every operation of the spec, `resource.operation`. Read by the fake's build
            /// script, which sets `cfg(operation = "…")` and `cfg(resource = "…")` for those it
            /// models, so that a behaviour whose operation the spec lacks is left out.
            const OPERATIONS: &[&str] = &[#(#operations),*];
        }
    })?);
    let shared_types = Types { api, local: Vec::new(), shared: shared.clone() };
    let statics = shared.iter().map(|o| shared_types.object_static(o));
    let values = shared_types.enum_and_content_statics();
    files.push(fake_file("objects.rs", "spec/ objects", || {
        quote! {
            //! What fields of the spec's shared types hold: the fields of the shared objects and
            //! of the contents' kinds, the values of each enum and the kinds of each content.
            // Every type is described, whether or not an operation carries it.
            #![allow(dead_code)]
            #(#values)*
            #(#statics)*
        }
    })?);
    for (version, resources) in &api.versions {
        let modules = resources.iter().map(|r| snake_ident(&r.module));
        files.push(fake_file(&format!("{version}/mod.rs"), "spec/", || {
            quote! {
                //! The resources of this version.
                #( pub(crate) mod #modules; )*
            }
        })?);
        for resource in resources {
            let types =
                Types { api, local: resource.objects.iter().collect(), shared: shared.clone() };
            let source = format!("spec/{}", resource.source);
            let path = format!("{version}/{}.rs", resource.module);
            files.push(fake_file(&path, &source, || types.resource(version, resource))?);
        }
    }
    Ok(files)
}

fn fake_file(
    path: &str,
    source: &str,
    emit: impl FnOnce() -> TokenStream,
) -> Result<GeneratedFile, (String, String)> {
    let mut file = super::file(path, source, emit)?;
    file.part = Part::Fake;
    Ok(file)
}

/// Resolves the names fields refer to: the spec's enums and contents, the resource's own
/// objects and the shared ones.
struct Types<'a> {
    api: &'a Api,
    local: Vec<&'a Struct>,
    shared: Vec<&'a Struct>,
}

impl Types<'_> {
    fn resource(&self, version: &str, resource: &Resource) -> TokenStream {
        let module = snake_ident(&resource.module);
        let version_ident = snake_ident(version);
        let objects = self.local.iter().map(|o| self.object_static(o));
        let operations: Vec<TokenStream> =
            resource.endpoints.iter().map(|e| self.operation(resource, e)).collect();
        let count = Literal::usize_unsuffixed(operations.len());
        // The samples name the resource's requests and objects, and the root's types.
        let objects_in_scope: Vec<&Struct> =
            self.local.iter().chain(self.shared.iter()).copied().collect();
        let meta = MetaTypes {
            enums: &self.api.enums,
            contents: &self.api.contents,
            objects: objects_in_scope,
            visiting: Default::default(),
        };
        let mut named = BTreeSet::new();
        let samples: Vec<TokenStream> = resource
            .endpoints
            .iter()
            .map(|e| {
                let request = format_ident!("{}", e.request.name);
                let args: Vec<TokenStream> = e
                    .request
                    .fields
                    .iter()
                    .filter(|f| f.required)
                    .map(|f| {
                        meta.sample_types(&f.ty, &mut named);
                        meta.sample(f)
                    })
                    .collect();
                quote! {
                    impl Sample for #request {
                        fn sample() -> Self {
                            Self::new(#(#args),*)
                        }
                    }
                }
            })
            .collect();
        let local: BTreeSet<&str> = self.local.iter().map(|o| o.name.as_str()).collect();
        let mut resource_items: BTreeSet<String> =
            resource.endpoints.iter().map(|e| e.request.name.clone()).collect();
        resource_items.extend(named.iter().filter(|n| local.contains(n.as_str())).cloned());
        let root_items: Vec<_> = named
            .iter()
            .filter(|n| !local.contains(n.as_str()))
            .map(|n| format_ident!("{}", n))
            .collect();
        let resource_items = resource_items.iter().map(|n| format_ident!("{}", n));
        let root_import =
            (!root_items.is_empty()).then(|| quote! { use feishu_im::{#(#root_items),*}; });
        let doc = format!(
            " What the fake knows of `{version}::{}`, and a sample of each request.",
            resource.module
        );
        quote! {
            #![doc = #doc]
            use feishu_im::operation::Operation;
            use feishu_im::#version_ident::#module::{#(#resource_items),*};
            #root_import
            use crate::sample::call_of;
            use crate::{OperationSpec, Sample};

            /// The operations of the resource, in the spec's order.
            pub(crate) static OPERATIONS: [OperationSpec; #count] = [#(#operations),*];

            #(#objects)*
            #(#samples)*
        }
    }

    fn operation(&self, _resource: &Resource, e: &Endpoint) -> TokenStream {
        let request = format_ident!("{}", e.request.name);
        let path = &e.path;
        let segments = e.template.segments.iter().map(|segment| match segment {
            Segment::Literal(text) => quote!(crate::PathSegment::Literal(#text)),
            Segment::Param(name) => quote!(crate::PathSegment::Param(#name)),
        });
        let docs = &e.docs;
        let recipient = match &e.recipient_limit {
            Some(limit) => {
                let field = &limit.field;
                quote!(Some(#field))
            }
            None => quote!(None),
        };
        let errors = e.errors.iter().map(|(code, _, _)| self.code(*code));
        let error_msgs = e.error_msgs.iter().map(|(code, msg)| {
            let code = self.code(*code);
            quote!((#code, #msg))
        });
        let params = e.request.fields.iter().map(|f| self.field(f));
        // An aliased response is described by its object's fields, which have a static.
        let response = match &e.response_type {
            Some(name) => self.object_ref(name),
            None => {
                let fields = e.response.fields.iter().map(|f| self.field(f));
                quote!(&[#(#fields),*])
            }
        };
        quote! {
            OperationSpec {
                meta: <#request as Operation>::META,
                path: #path,
                segments: &[#(#segments),*],
                docs: #docs,
                recipient_field: #recipient,
                errors: &[#(#errors),*],
                error_msgs: &[#(#error_msgs),*],
                params: &[#(#params),*],
                response: #response,
                call: call_of::<#request>(),
            }
        }
    }

    /// The variant of a documented code; validation makes every code of an endpoint one.
    fn code(&self, code: i64) -> TokenStream {
        match self.api.error_codes.iter().find(|c| c.code == code) {
            Some(c) => {
                let variant = format_ident!("{}", c.variant);
                quote!(feishu_im::ErrorCode::#variant)
            }
            None => {
                let code = Literal::i64_unsuffixed(code);
                quote!(feishu_im::ErrorCode::from_code(#code))
            }
        }
    }

    fn field(&self, f: &Field) -> TokenStream {
        let name = &f.name;
        let location = format_ident!(
            "{}",
            match f.placement {
                Placement::Path => "Path",
                Placement::Query => "Query",
                Placement::Body => "Body",
                Placement::Data => "Data",
            }
        );
        let ty = self.ty(&f.ty);
        let required = f.required;
        let mut limits = Vec::new();
        // A file's largest size in bytes travels as its `max`.
        let max = f.max.or(f.max_bytes.and_then(|m| i64::try_from(m).ok()));
        if f.min.is_some() || max.is_some() {
            let bound = |v: Option<i64>| match v {
                Some(v) => {
                    let v = Literal::i64_unsuffixed(v);
                    quote!(Some(#v))
                }
                None => quote!(None),
            };
            let (min, max) = (bound(f.min), bound(max));
            limits.push(quote!(.range(#min, #max)));
        }
        if f.min_items.is_some() || f.max_items.is_some() {
            let count = |v: Option<u32>| match v {
                Some(v) => {
                    let v = Literal::u32_unsuffixed(v);
                    quote!(Some(#v))
                }
                None => quote!(None),
            };
            let (min, max) = (count(f.min_items), count(f.max_items));
            limits.push(quote!(.items(#min, #max)));
        }
        if let Some(default) = &f.default {
            let default = default.to_string();
            limits.push(quote!(.default(#default)));
        }
        if let Some(example) = &f.example {
            let example = example.to_string();
            limits.push(quote!(.example(#example)));
        }
        quote! {
            crate::FieldMeta::new(#name, crate::In::#location, #ty, #required) #(#limits)*
        }
    }

    fn ty(&self, ty: &Type) -> TokenStream {
        match ty {
            // Timestamps and counts travel as strings of digits.
            Type::String | Type::Timestamp(_) | Type::Count => quote!(crate::ValueType::String),
            Type::Integer => quote!(crate::ValueType::Integer),
            Type::Boolean => quote!(crate::ValueType::Boolean),
            Type::Json => quote!(crate::ValueType::Json),
            Type::File => quote!(crate::ValueType::File),
            Type::Vec(inner) => {
                let inner = self.ty(inner);
                quote!(crate::ValueType::Array(&#inner))
            }
            Type::Enum(name) => {
                let Some(def) = self.api.enums.iter().find(|e| &e.name == name) else {
                    return quote!(crate::ValueType::Json);
                };
                let values = suffixed(name, "VALUES");
                match def.repr {
                    EnumRepr::String => {
                        quote!(crate::ValueType::Enum(&crate::generated::objects::#values))
                    }
                    EnumRepr::Integer => {
                        quote!(crate::ValueType::IntEnum(&crate::generated::objects::#values))
                    }
                }
            }
            Type::Object(name) => {
                let fields = self.object_ref(name);
                quote!(crate::ValueType::Object(#fields))
            }
            Type::Content(name) => {
                let Some(content) = self.api.contents.iter().find(|c| &c.name == name) else {
                    return quote!(crate::ValueType::Json);
                };
                let (tag, field) = (&content.tag, &content.field);
                let kinds = suffixed(name, "KINDS");
                quote!(crate::ValueType::Content {
                    tag: #tag,
                    field: #field,
                    kinds: &crate::generated::objects::#kinds,
                })
            }
        }
    }

    /// The values of each enum and the kinds of each content, one static each, which every
    /// field of that type points at.
    fn enum_and_content_statics(&self) -> Vec<TokenStream> {
        let enums = self.api.enums.iter().map(|def| {
            let ident = suffixed(&def.name, "VALUES");
            let doc = format!(" The values of `{}`.", def.name);
            match def.repr {
                EnumRepr::String => {
                    let values: Vec<String> =
                        def.variants.iter().map(|v| v.value.to_string()).collect();
                    let count = Literal::usize_unsuffixed(values.len());
                    quote! {
                        #[doc = #doc]
                        pub(crate) static #ident: [&str; #count] = [#(#values),*];
                    }
                }
                // Validation makes every value of an integer enum an integer.
                EnumRepr::Integer => {
                    let values: Vec<Literal> = def
                        .variants
                        .iter()
                        .filter_map(|v| match v.value {
                            SpecLiteral::Integer(i) => Some(Literal::i64_unsuffixed(i)),
                            _ => None,
                        })
                        .collect();
                    let count = Literal::usize_unsuffixed(values.len());
                    quote! {
                        #[doc = #doc]
                        pub(crate) static #ident: [i64; #count] = [#(#values),*];
                    }
                }
            }
        });
        let contents = self.api.contents.iter().map(|content| {
            let ident = suffixed(&content.name, "KINDS");
            let doc = format!(" The kinds of `{}`, each with its shape.", content.name);
            let count = Literal::usize_unsuffixed(content.kinds.len());
            let kinds = content.kinds.iter().map(|k| {
                let kind = &k.value;
                let shape = match &k.body {
                    Some(body) => {
                        let fields = self.object_ref(body);
                        quote!(crate::KindShape::Object(#fields))
                    }
                    None if k.text => quote!(crate::KindShape::Text),
                    None => quote!(crate::KindShape::Json),
                };
                quote!((#kind, #shape))
            });
            quote! {
                #[doc = #doc]
                pub(crate) static #ident: [(&str, crate::KindShape); #count] = [#(#kinds),*];
            }
        });
        enums.chain(contents).collect()
    }

    /// A reference to the static holding the fields of the object `name`: the resource's own,
    /// else the shared one.
    fn object_ref(&self, name: &str) -> TokenStream {
        let ident = static_name(name);
        if self.local.iter().any(|o| o.name == name) {
            quote!(&#ident)
        } else {
            quote!(&crate::generated::objects::#ident)
        }
    }

    fn object_static(&self, object: &Struct) -> TokenStream {
        let ident = static_name(&object.name);
        let doc = format!(" The fields of `{}`.", object.name);
        let count = Literal::usize_unsuffixed(object.fields.len());
        let fields = object.fields.iter().map(|f| self.field(f));
        quote! {
            #[doc = #doc]
            pub(crate) static #ident: [crate::FieldMeta; #count] = [#(#fields),*];
        }
    }
}

/// `IdType`, `VALUES` → `ID_TYPE_VALUES`.
fn suffixed(name: &str, suffix: &str) -> proc_macro2::Ident {
    format_ident!("{}_{suffix}", static_name(name))
}

/// `ChatTabContent` → `CHAT_TAB_CONTENT`.
fn static_name(name: &str) -> proc_macro2::Ident {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    format_ident!("{}", out)
}
