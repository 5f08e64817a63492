//! One resource module: its handle, and the request and response types of each endpoint.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{code, doc, inner_doc, item_prose, prose, summary_text};
use crate::ir::{
    Content, ContentAccess, Endpoint, Enum, Field, Kind, Placement, Resource, Step, Struct, Type,
};
use crate::model::{AppType, Literal, Method, TimeUnit, TokenKind};
use crate::names::{ident, is_keyword, snake_ident};

/// `PartialEq` on generated data types, with the `partial-eq` feature: comparing whole answers
/// is for tests, and its derive was about a fifth of the crate's build time.
pub(super) fn partial_eq() -> TokenStream {
    quote! { #[cfg_attr(feature = "partial-eq", derive(PartialEq))] }
}

/// How a struct is used, which decides derives, constructors and serde attributes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Request,
    Response,
    Object,
}

/// `shared`: every object declared outside resources, which the resource's fields may name.
pub fn emit(
    resource: &Resource,
    enums: &[Enum],
    contents: &[Content],
    shared: &[&Struct],
) -> TokenStream {
    let objects = resource.objects.iter().chain(shared.iter().copied()).collect();
    let meta = MetaTypes { enums, contents, objects };
    let handle = ident(&resource.handle);
    let module_doc = inner_doc(&format!(
        "{}\n\nCompiled with the cargo feature `{}` (on by default).",
        prose(&resource.doc),
        resource.feature
    ));
    let handle_doc = doc(&format!(
        "The `{}` endpoints: {}\n\nGet one from [`Resources::{}`](crate::Resources::{}), on a `Client` for its own credentials or on a `Caller` to call as a user or tenant.",
        resource.module,
        lowercase_first(prose(&resource.doc).trim_end_matches('.')),
        resource.module,
        resource.module
    ));
    let methods = resource.endpoints.iter().map(endpoint_methods);
    let types = resource.endpoints.iter().map(|e| endpoint_types(resource, e, &meta));
    let objects = resource.objects.iter().map(|o| emit_struct(o, Role::Object, None));

    let mut operation_items = vec!["Method", "Operation", "OperationMeta", "TokenKind", "UrlPath"];
    let paged = resource.endpoints.iter().any(|e| e.pagination.is_some());
    if paged {
        operation_items.push("paged");
    }
    if !resource.endpoints.is_empty() || resource.objects.iter().any(has_builder) {
        operation_items.push("builder");
    }
    let decodes = !resource.objects.is_empty()
        || resource.endpoints.iter().any(|e| e.response_type.is_none());
    if decodes {
        operation_items.push("json_object");
    }
    operation_items.sort_unstable();
    let operation_items = operation_items.iter().map(|i| ident(i));
    let mut crate_items: BTreeSet<String> =
        ["Call", "Caller", "ErrorCode"].map(String::from).into();
    if paged {
        crate_items.insert("Pager".into());
    }
    // Requests and responses are local too, and name nothing the objects do not import.
    let structs = resource.endpoints.iter().flat_map(|e| [&e.request, &e.response]);
    crate_items.extend(objects_of(resource.objects.iter().chain(structs)));
    // An aliased response may be a shared object.
    let local: BTreeSet<&str> = resource.objects.iter().map(|o| o.name.as_str()).collect();
    let aliased = resource.endpoints.iter().filter_map(|e| e.response_type.as_deref());
    crate_items.extend(aliased.filter(|o| !local.contains(o)).map(str::to_owned));
    // The fake's sample requests build shared objects from their required fields, which may
    // name types the module itself never does.
    let mut sampled = BTreeSet::new();
    for e in &resource.endpoints {
        for f in e.request.fields.iter().filter(|f| f.required) {
            meta.sample_types(&f.ty, &mut sampled);
        }
    }
    sampled.retain(|name| !crate_items.contains(name) && !local.contains(name.as_str()));
    let sample_imports = (!sampled.is_empty()).then(|| {
        let sampled = sampled.iter().map(|i| ident(i));
        quote! {
            #[cfg(feature = "fake")]
            use crate::{ #(#sampled),* };
        }
    });
    let crate_items = crate_items.iter().map(|i| ident(i));

    // Requests decode only in the fake, with serde's derive; responses and objects always do,
    // through `json_object!`.
    let serde_imports = quote! {
        use serde::Serialize;
        #[cfg(feature = "fake")]
        use serde::Deserialize;
    };
    quote! {
        #module_doc
        #serde_imports
        use crate::operation::{ #(#operation_items),* };
        use crate::{ #(#crate_items),* };
        #sample_imports

        #handle_doc
        #[derive(Debug, Clone, Copy)]
        pub struct #handle<'a> {
            caller: Caller<'a>,
        }

        impl<'a> From<Caller<'a>> for #handle<'a> {
            fn from(caller: Caller<'a>) -> Self {
                #handle { caller }
            }
        }

        impl<'a> #handle<'a> {
            #(#methods)*
        }

        #(#types)*
        #(#objects)*
    }
}

/// An object type declared inline (or inside a content kind).
pub(super) fn emit_object(object: &Struct) -> TokenStream {
    emit_struct(object, Role::Object, None)
}

/// An object type with docs of its own rather than its `doc` (an event's payload).
pub(super) fn emit_object_with_doc(object: &Struct, docs: &str) -> TokenStream {
    emit_struct(object, Role::Object, Some(docs))
}

/// Root types that `objects` name and do not declare themselves: what their file imports.
pub(super) fn objects_of<'a>(
    objects: impl IntoIterator<Item = &'a Struct> + Clone,
) -> BTreeSet<String> {
    let local: BTreeSet<&str> = objects.clone().into_iter().map(|o| o.name.as_str()).collect();
    let mut named = BTreeSet::new();
    for object in objects {
        for f in &object.fields {
            collect_named(&f.ty, &mut named);
        }
        if let Some(access) = &object.content {
            named.insert(access.content.clone());
        }
    }
    named.retain(|n| !local.contains(n.as_str()));
    named
}

fn collect_named(ty: &Type, out: &mut BTreeSet<String>) {
    match ty {
        Type::Enum(name) | Type::Object(name) | Type::Content(name) => {
            out.insert(name.clone());
        }
        Type::Vec(inner) => collect_named(inner, out),
        _ => {}
    }
}

fn endpoint_doc(e: &Endpoint) -> String {
    let mut text = summary_text(&e.summary, e.summary_zh.as_deref(), e.description.as_deref());
    text.push_str(&format!(
        "\n\n`{} {}` · [Feishu documentation]({})\n",
        e.method.as_str(),
        e.path,
        e.docs
    ));
    let tokens: Vec<_> = e
        .tokens
        .iter()
        .map(|t| match t {
            TokenKind::Tenant => "`tenant_access_token`",
            TokenKind::App => "`app_access_token`",
            TokenKind::User => "`user_access_token`",
        })
        .collect();
    let apps: Vec<_> = e
        .app_types
        .iter()
        .map(|a| match a {
            AppType::Custom => "custom",
            AppType::Isv => "store (isv)",
        })
        .collect();
    let scopes: Vec<_> = e.scopes.iter().map(|s| code(s)).collect();
    text.push_str(&format!("\n- Tokens: {}", tokens.join(", ")));
    text.push_str(&format!("\n- App types: {}", apps.join(", ")));
    if scopes.is_empty() {
        text.push_str("\n- Scopes: none");
    } else {
        text.push_str(&format!("\n- Scopes (any one): {}", scopes.join(", ")));
    }
    text.push_str(&format!(
        "\n- Rate limit (`{}`): {}",
        e.rate_limit.name,
        item_prose(&e.rate_limit.doc)
    ));
    if let Some(r) = &e.recipient_limit {
        text.push_str(&format!(
            "\n- Rate limit per recipient (`{}`, by {}): {}",
            r.limit.name,
            code(&r.field),
            item_prose(&r.limit.doc)
        ));
    }
    let retried = match &e.idempotency_key {
        Some(key) => format!(
            "yes: each call sends one {} (generated unless set), so a retry takes effect once",
            code(key)
        ),
        None if e.idempotent => "yes".to_owned(),
        None => "no (not safe to repeat)".to_owned(),
    };
    text.push_str(&format!("\n- Retried on connection failures and 5xx: {retried}"));
    if e.multipart {
        text.push_str("\n- Body: a multipart form; the file part is streamed, and an empty or oversized file is refused before sending");
    }
    if e.binary {
        text.push_str("\n- Answer: the file, as a [`Download`](crate::Download) to read whole or stream to a writer");
    }
    text.push_str("\n\n# Errors\n\n");
    if e.errors.is_empty() {
        text.push_str(
            "[`Error::Api`](crate::Error::Api) with a platform-wide code; the spec documents no endpoint codes.",
        );
    } else {
        text.push_str("[`Error::Api`](crate::Error::Api) with a platform-wide code or one of the documented codes:\n");
        for (number, variant, msg) in &e.errors {
            text.push_str(&format!(
                "\n- [`ErrorCode::{variant}`](crate::ErrorCode::{variant}) (`{number}`): {}",
                item_prose(msg)
            ));
        }
    }
    text
}

fn endpoint_methods(e: &Endpoint) -> TokenStream {
    let name = snake_ident(&e.name);
    let request = ident(&e.request.name);
    let response = ident(&e.response.name);
    let docs = doc(&endpoint_doc(e));
    let call = if e.binary {
        quote! {
            #docs
            pub fn #name(self, request: &#request) -> impl Call<crate::Download, ErrorCode> {
                self.caller.download(request)
            }
        }
    } else {
        quote! {
            #docs
            pub fn #name(self, request: &#request) -> impl Call<#response, ErrorCode> {
                self.caller.send(request)
            }
        }
    };
    let Some(pagination) = &e.pagination else { return call };
    let pager = format_ident!("{}_pager", e.name);
    let item = rust_type(&pagination.item_type);
    let pager_doc = doc(&format!(
        "Pages through [`{}`](Self::{}), starting from `request`.\n\nThe pager stops when `{}` is false or the page token is empty.\nIt yields [`{}`] items one by one, or whole pages.",
        e.name,
        e.name,
        pagination.has_more,
        quote!(#item)
    ));
    quote! {
        #call
        #pager_doc
        pub fn #pager(self, request: #request) -> Pager<'a, #request> {
            self.caller.pager(request)
        }
    }
}

fn endpoint_types(resource: &Resource, e: &Endpoint, types: &MetaTypes<'_>) -> TokenStream {
    let request_doc =
        format!("Parameters of [`{}::{}`].\n\n{}", resource.handle, e.name, prose(&e.summary));
    let response_doc = format!(
        "The `data` of a successful [`{}::{}`]. Fields the server adds later are ignored.",
        resource.handle, e.name
    );
    let request = emit_struct(&e.request, Role::Request, Some(&request_doc));
    let response = match &e.response_type {
        Some(object) => {
            let (alias, object) = (ident(&e.response.name), ident(object));
            let docs = doc(&format!(
                "The `data` of a successful [`{}::{}`]: the [`{}`] itself.",
                resource.handle,
                e.name,
                quote!(#object)
            ));
            quote! { #docs pub type #alias = #object; }
        }
        None => emit_struct(&e.response, Role::Response, Some(&response_doc)),
    };
    let request_name = ident(&e.request.name);
    let response_name = ident(&e.response.name);

    let method = ident(match e.method {
        Method::Get => "Get",
        Method::Post => "Post",
        Method::Put => "Put",
        Method::Patch => "Patch",
        Method::Delete => "Delete",
    });
    let tokens = e.tokens.iter().map(|t| {
        ident(match t {
            TokenKind::Tenant => "Tenant",
            TokenKind::App => "App",
            TokenKind::User => "User",
        })
    });
    let operation = resource.operation_id(e);
    // `OperationMeta::new` starts not safe to repeat, without body or recipient limit.
    let idempotent = e.idempotent.then(|| quote!(idempotent: true,));
    let has_body = e
        .request
        .fields
        .iter()
        .any(|f| f.placement == Placement::Body)
        .then(|| quote!(has_body: true,));
    let rate_limit = rate_limit_value(&e.rate_limit);
    let recipient_limit = e.recipient_limit.as_ref().map(|r| {
        let limit = rate_limit_value(&r.limit);
        quote!(recipient_limit: Some(#limit),)
    });
    let recipient_fn = e.recipient_limit.as_ref().map(|r| {
        let field = snake_ident(&r.field);
        quote! {
            fn recipient(&self) -> Option<&str> {
                Some(&self.#field)
            }
        }
    });

    let path_fn = {
        // The template is compiled here: literal runs as they are, parameters by field.
        let mut parts = Vec::new();
        let mut literal = String::new();
        for segment in e.path.split('/').skip(1) {
            literal.push('/');
            match segment.strip_prefix(':') {
                None => literal.push_str(segment),
                Some(name) => {
                    parts.push(quote! { .literal(#literal) });
                    literal.clear();
                    let field = snake_ident(name);
                    parts.push(quote! { .param(#name, &self.#field) });
                }
            }
        }
        if !literal.is_empty() {
            parts.push(quote! { .literal(#literal) });
        }
        quote! {
            fn write_path(&self, path: &mut UrlPath<'_>) {
                path #(#parts)*;
            }
        }
    };
    let query_fields: Vec<_> =
        e.request.fields.iter().filter(|f| f.placement == Placement::Query).collect();
    let file_fn = e.request.fields.iter().find(|f| f.ty == Type::File).map(|f| {
        let (name, field) = (&f.name, snake_ident(&f.name));
        let max = match f.max_bytes {
            Some(max) => {
                let max = proc_macro2::Literal::u64_unsuffixed(max);
                quote!(Some(#max))
            }
            None => quote!(None),
        };
        quote! {
            fn file(&self) -> Option<(&'static str, &crate::FileUpload, Option<u64>)> {
                Some((#name, &self.#field, #max))
            }
        }
    });
    let binary_const = e.binary.then(|| quote! { const BINARY: bool = true; });
    let idempotency = e.idempotency_key.as_ref().map(|key| {
        quote! { const IDEMPOTENCY_KEY: Option<&'static str> = Some(#key); }
    });
    let query_names = query_fields.iter().map(|f| &f.name);
    let query_const = (!query_fields.is_empty()).then(|| {
        quote! { const QUERY: &'static [&'static str] = &[#(#query_names),*]; }
    });

    let paging = e.pagination.as_ref().map(|p| {
        let item = rust_type(&p.item_type);
        let (items, token, more) =
            (snake_ident(&p.items), snake_ident(&p.page_token), snake_ident(&p.has_more));
        quote! { paged!(#request_name, #items: Vec<#item>, token: #token, more: #more); }
    });

    let samples = e.request.fields.iter().filter(|f| f.required).map(|f| types.sample(f));
    let sample = quote! {
        #[cfg(feature = "fake")]
        #[doc(hidden)]
        impl crate::fake::Sample for #request_name {
            fn sample() -> Self {
                Self::new(#(#samples),*)
            }
        }
    };
    quote! {
        #request
        #sample
        #[doc(hidden)]
        impl Operation for #request_name {
            type Response = #response_name;
            type Errors = ErrorCode;
            const META: &'static OperationMeta = &OperationMeta {
                operation: #operation,
                tokens: &[#(TokenKind::#tokens),*],
                #idempotent
                #has_body
                rate_limit: #rate_limit,
                #recipient_limit
                ..OperationMeta::new(Method::#method)
            };
            #query_const
            #idempotency
            #binary_const
            #path_fn
            #file_fn
            #recipient_fn
        }
        #response
        #paging
    }
}

/// The class's constant, emitted once in `rate_limits.rs`.
fn rate_limit_value(limit: &crate::ir::RateLimit) -> TokenStream {
    let name = quote::format_ident!("{}", limit.name.to_uppercase());
    quote!(crate::rate_limits::#name)
}

fn rust_type(ty: &Type) -> TokenStream {
    match ty {
        Type::String => quote!(String),
        Type::Integer => quote!(i64),
        Type::Boolean => quote!(bool),
        Type::Vec(inner) => {
            let inner = rust_type(inner);
            quote!(Vec<#inner>)
        }
        Type::Enum(name) | Type::Object(name) | Type::Content(name) => {
            let name = ident(name);
            quote!(#name)
        }
        Type::Json => quote!(serde_json::Value),
        Type::File => quote!(crate::FileUpload),
        Type::Timestamp(TimeUnit::Seconds) => quote!(crate::UnixSeconds),
        Type::Timestamp(TimeUnit::Millis) => quote!(crate::UnixMillis),
        Type::Count => quote!(crate::Count),
    }
}

/// Whether an optional field is held in an `Option`; optional arrays outside requests default
/// to empty instead.
fn is_option(field: &Field, role: Role) -> bool {
    !field.required && (role == Role::Request || !matches!(field.ty, Type::Vec(_)))
}

fn field_type(field: &Field, role: Role) -> TokenStream {
    let ty = rust_type(&field.ty);
    if is_option(field, role) { quote!(Option<#ty>) } else { ty }
}

/// The argument `new` or a setter takes for `field`; `builder!` converts each of these shapes
/// to the field's type.
pub(super) fn argument(field: &Field) -> TokenStream {
    match &field.ty {
        Type::String => quote!(impl Into<String>),
        Type::Vec(inner) if **inner == Type::String => {
            quote!(impl IntoIterator<Item = impl Into<String>>)
        }
        Type::Content(_) | Type::Timestamp(_) | Type::Count => {
            let ty = rust_type(&field.ty);
            quote!(impl Into<#ty>)
        }
        ty => rust_type(ty),
    }
}

fn field_doc(field: &Field) -> String {
    let mut text = prose(&field.doc);
    if let Some(default) = &field.default {
        let shown = code(&default.to_string());
        text.push_str(&format!("\n\nDefaults to {shown} on the server when left out."));
    }
    if let Some(example) = &field.example {
        let each = if matches!(field.ty, Type::Vec(_)) { " (of one item)" } else { "" };
        text.push_str(&format!("\n\nExample{each}: {}.", code(&example.to_string())));
    }
    let mut limits = Vec::new();
    if let Some(min) = field.min {
        limits.push(format!("at least {min}"));
    }
    if let Some(max) = field.max {
        limits.push(format!("at most {max}"));
    }
    if let Some(min) = field.min_items {
        limits.push(format!("at least {min} item(s)"));
    }
    if let Some(max) = field.max_items {
        limits.push(format!("at most {max} item(s)"));
    }
    if let Some(max) = field.max_bytes {
        limits.push(format!("not empty, at most {max} bytes"));
    }
    if !limits.is_empty() {
        text.push_str(&format!("\n\nLimits: {}.", limits.join(", ")));
    }
    text
}

fn emit_struct(s: &Struct, role: Role, doc_text: Option<&str>) -> TokenStream {
    let name = ident(&s.name);
    let docs = doc(&doc_text.map_or_else(|| prose(&s.doc), str::to_owned));
    let fields = s.fields.iter().map(|f| {
        let field = snake_ident(&f.name);
        let ty = field_type(f, role);
        let docs = doc(&field_doc(f));
        let serde = match (role, f.placement) {
            // The compiled path template writes path parameters; the query goes by name.
            (Role::Request, Placement::Path) => quote! { #[serde(skip_serializing)] },
            // Content writes two fields: its kind and its JSON text.
            _ if matches!(f.ty, Type::Content(_)) => quote! { #[serde(flatten)] },
            // The file travels as the multipart body's file part.
            _ if f.ty == Type::File => quote! { #[serde(skip)] },
            (Role::Request, Placement::Query) => quote! {},
            _ if f.required => quote! {},
            (Role::Request, _) => quote! { #[serde(skip_serializing_if = "Option::is_none")] },
            // Objects that requests carry leave unset fields out, as Feishu expects.
            (Role::Object, _) if s.sent && matches!(f.ty, Type::Vec(_)) => {
                quote! { #[serde(skip_serializing_if = "Vec::is_empty")] }
            }
            (Role::Object, _) if s.sent => {
                quote! { #[serde(skip_serializing_if = "Option::is_none")] }
            }
            // Decoding (`json_object!`) leaves a missing list empty and a missing `Option` `None`.
            _ => quote! {},
        };
        quote! { #docs #serde pub #field: #ty, }
    });
    // Only what callers send is built by them; the rest is decoded.
    let built = role == Role::Request || (role == Role::Object && s.sent);
    // What callers build has a default only when nothing is required; what they never build
    // has one (for tests and fakes) when each required field has a natural empty value.
    let defaultable = |f: &&Field| {
        !built
            && matches!(
                f.ty,
                Type::String
                    | Type::Integer
                    | Type::Boolean
                    | Type::Vec(_)
                    | Type::Json
                    | Type::Count
            )
    };
    let no_required = s.fields.iter().filter(|f| f.required).all(|f| defaultable(&f));
    let derives = if no_required {
        quote! { #[derive(Debug, Clone, Default, Serialize)] }
    } else {
        quote! { #[derive(Debug, Clone, Serialize)] }
    };
    // The fake decodes requests to hand them to its behaviours.
    let fake_decode = (role == Role::Request)
        .then(|| quote! { #[cfg_attr(feature = "fake", derive(Deserialize))] });
    let partial_eq = partial_eq();
    let derives = quote! { #derives #partial_eq #fake_decode };
    let decode = (role != Role::Request).then(|| json_object(s));
    let constructors = built.then(|| constructors(s));
    let content = s.content.as_ref().map(|access| content_accessor(&name, access));
    let must_use = built.then(|| quote! { #[must_use] });
    quote! {
        #docs
        #derives
        #[non_exhaustive]
        #must_use
        pub struct #name {
            #(#fields)*
        }
        #decode
        #constructors
        #content
    }
}

/// Whether `builder!` writes methods for the object `s`: one that requests carry.
pub(super) fn has_builder(s: &Struct) -> bool {
    s.sent
}

/// A field as the runtime's macros name it: its identifier, and after a raw identifier its
/// wire name (`r#type = "type"`).
fn wire_named(f: &Field) -> TokenStream {
    let field = snake_ident(&f.name);
    if is_keyword(&f.name) {
        let wire = &f.name;
        quote!(#field = #wire)
    } else {
        quote!(#field)
    }
}

/// `Deserialize` through the runtime's `json_object!`: fields by wire name, the required ones
/// first; the rest are an `Option` or a list, so absent means `None` or empty. Empty lists are
/// left out.
fn json_object(s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let (required, optional): (Vec<&Field>, Vec<&Field>) =
        s.fields.iter().partition(|f| f.required);
    let required = (!required.is_empty()).then(|| {
        let fields = required.into_iter().map(wire_named);
        quote!(, required(#(#fields),*))
    });
    let optional = (!optional.is_empty()).then(|| {
        let fields = optional.into_iter().map(wire_named);
        quote!(, optional(#(#fields),*))
    });
    quote! {
        json_object!(#name #required #optional);
    }
}

/// `content()`: the object's content, parsed on demand so that content of a kind the crate
/// cannot read never fails the answer that carries it.
fn content_accessor(name: &proc_macro2::Ident, access: &ContentAccess) -> TokenStream {
    let content = ident(&access.content);
    // A missing optional field on the way is reported by its wire name.
    let missing = |step: &Step| {
        let wire = &step.field;
        quote!(.as_ref().ok_or_else(|| serde::de::Error::missing_field(#wire))?)
    };
    let tag = snake_ident(&access.tag.field);
    let tag = if access.tag.required {
        quote!(&self.#tag)
    } else {
        let unwrap = missing(&access.tag);
        quote!(self.#tag #unwrap)
    };
    let kind = if access.tag_is_enum { quote!(kind.as_str()) } else { quote!(kind) };
    // The path is walked in a block of its own, so its bindings cannot shadow `kind`.
    let mut lets = Vec::new();
    let mut from = quote!(self);
    let Some((last, steps)) = access.text.split_last() else {
        return quote!();
    };
    for step in steps {
        let field = snake_ident(&step.field);
        if step.required {
            from = quote!(#from.#field);
        } else {
            let unwrap = missing(step);
            lets.push(quote! { let #field = #from.#field #unwrap; });
            from = quote!(#field);
        }
    }
    let field = snake_ident(&last.field);
    let text = if last.required {
        quote!(&#from.#field)
    } else {
        let unwrap = missing(last);
        quote!(#from.#field #unwrap)
    };
    let path = access.text.iter().map(|s| s.field.as_str()).collect::<Vec<_>>().join(".");
    let docs = doc(&format!(
        "What it says: the JSON text in {} read as the kind {} names.\n\n\
         # Errors\n\n\
         When either field is missing, or the text is not the JSON of its kind. A kind this\n\
         crate does not know is kept as `Unknown`, not an error.",
        code(&path),
        code(&access.tag.field)
    ));
    quote! {
        impl #name {
            #docs
            pub fn content(&self) -> Result<#content, serde_json::Error> {
                let kind = #tag;
                let text = { #(#lets)* #text };
                #content::from_json(#kind, text)
            }
        }
    }
}

/// `new` and the setters, through the runtime's `builder!`: each field with the argument its
/// method takes, the required ones as `new`'s parameters.
fn constructors(s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let (required, optional): (Vec<&Field>, Vec<&Field>) =
        s.fields.iter().partition(|f| f.required);
    let params = required.iter().map(|f| {
        let (field, ty) = (snake_ident(&f.name), argument(f));
        quote!(#field: #ty)
    });
    let setters = optional.iter().map(|f| {
        let (field, ty) = (wire_named(f), argument(f));
        quote!(#field: #ty)
    });
    quote! { builder!(#name::new(#(#params),*) { #(#setters),* }); }
}

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

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if !text.starts_with("`") => first.to_lowercase().chain(chars).collect(),
        _ => text.to_owned(),
    }
}

/// Builds the fake's sample requests: a valid value of each required field.
pub(super) struct MetaTypes<'a> {
    pub(super) enums: &'a [Enum],
    pub(super) contents: &'a [Content],
    /// The objects fields may name: the resource's own and the shared ones.
    pub(super) objects: Vec<&'a Struct>,
}

impl MetaTypes<'_> {
    /// An expression of the field's Rust type holding a valid value: the spec's example, or
    /// the smallest value its type and limits allow.
    /// As a constructor argument: text and text lists as literals, which `new` converts.
    fn sample(&self, f: &Field) -> TokenStream {
        match &f.ty {
            Type::String => {
                let text = sample_text(f);
                quote!(#text)
            }
            Type::Vec(inner) if **inner == Type::String => {
                let text = sample_text(f);
                let items = (0..sample_count(f)).map(|_| quote!(#text));
                quote!([#(#items),*])
            }
            ty => self.sample_of(ty, f),
        }
    }

    /// The types a sample of `ty` names: enums and objects, through objects' required fields.
    fn sample_types(&self, ty: &Type, out: &mut BTreeSet<String>) {
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
            Type::Vec(inner) => {
                let item = self.sample_of(inner, f);
                let items = (0..sample_count(f)).map(|_| item.clone());
                quote!(vec![#(#items),*])
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
                let args = object
                    .into_iter()
                    .flat_map(|o| o.fields.iter().filter(|f| f.required))
                    .map(|f| self.sample(f));
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
                quote!(crate::FileUpload::from_bytes(#name, &b"sample"[..]))
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

#[cfg(test)]
mod tests {
    use crate::read::SourceFile;

    /// A content whose every kind has only optional fields has no one-call constructor: the
    /// fake's sample builds the kind's struct and converts it, and imports the struct.
    #[test]
    fn a_content_sample_without_a_one_call_constructor_is_converted_from_its_struct() {
        let spec =
            include_str!("../../../tests/hostile/content_kinds_without_required_fields/spec.yaml");
        let files = crate::generate(&[SourceFile { name: "spec.yaml".into(), text: spec.into() }])
            .unwrap_or_else(|diagnostics| panic!("refused:\n{diagnostics}"));
        let things = files.iter().find(|f| f.path == "v1/things.rs").unwrap();
        let text = &things.contents;
        assert!(text.contains("Self::new(Note::from(PlainNote::new()))"), "{text}");
        assert!(text.contains("#[cfg(feature = \"fake\")]\nuse crate::PlainNote;"), "{text}");
    }
}
