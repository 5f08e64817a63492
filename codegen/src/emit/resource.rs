//! One resource module: its handle, and the request and response types of each endpoint.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{code, doc, inline_prose, inner_doc, item_prose, prose, summary_text};
use crate::ir::{ContentAccess, Endpoint, Field, Placement, Resource, Step, Struct, Type};
use crate::model::{AppType, Method, TimeUnit, TokenKind};
use crate::names::{ident, is_keyword, snake_ident};
use crate::path_template::Part;

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

pub fn emit(resource: &Resource, root: &BTreeSet<&str>) -> TokenStream {
    let handle = ident(&resource.handle);
    let module_doc = inner_doc(&format!(
        "{}\n\nCompiled with the cargo feature `{}` (on by default).",
        prose(&resource.doc),
        resource.feature
    ));
    let handle_doc = doc(&format!(
        "The `{}` endpoints: {}\n\nGet one from [`Resources::{}`](crate::Resources::{}), on a `Client` for its own credentials or on a `Caller` to call as a user or tenant.",
        resource.module,
        lowercase_first(inline_prose(&resource.doc).trim_end_matches('.')),
        resource.module,
        resource.module
    ));
    let methods = resource.endpoints.iter().map(endpoint_methods);
    let types = resource.endpoints.iter().map(|e| endpoint_types(resource, e));
    let objects = resource.objects.iter().map(|o| emit_struct(o, Role::Object, None));

    let mut operation_items = vec!["Method", "Operation", "OperationMeta", "TokenKind", "UrlPath"];
    let paged = resource.endpoints.iter().any(|e| e.pagination.is_some());
    if paged {
        operation_items.push("paged");
    }
    let queried = resource.endpoints.iter().flat_map(|e| &e.request.fields);
    if queried.into_iter().any(|f| f.placement == Placement::Query) {
        operation_items.push("Query");
    }
    let decodes = !resource.objects.is_empty() || !resource.endpoints.is_empty();
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
    crate_items.extend(imports_of(resource.objects.iter().chain(structs), root, &BTreeSet::new()));
    // An aliased response may be a shared object.
    let aliased = resource.endpoints.iter().filter_map(|e| e.response_type.as_deref());
    crate_items.extend(aliased.filter(|o| root.contains(o)).map(str::to_owned));
    let crate_items = crate_items.iter().map(|i| ident(i));

    // Everything decodes (requests too: to be queued, replayed or served by a fake).
    let derived = resource.endpoints.iter().any(|e| serde_derived(&e.request, Role::Request));
    let serde_imports = if derived {
        quote! { use serde::{Deserialize, Serialize}; }
    } else {
        quote! { use serde::Serialize; }
    };
    quote! {
        #module_doc
        #serde_imports
        use crate::operation::{ #(#operation_items),* };
        use crate::{ #(#crate_items),* };

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

/// Root types that `structs` name and their file does not declare (`declared_here`): what it
/// imports. Enums and contents live at the crate root; an object does when `root` holds it (a
/// shared object, or one of a content's). A root type is imported even when a local struct has
/// its name, so that the table of names sees the two.
pub(super) fn imports_of<'a>(
    structs: impl IntoIterator<Item = &'a Struct>,
    root: &BTreeSet<&str>,
    declared_here: &BTreeSet<&str>,
) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for object in structs {
        for f in &object.fields {
            collect_named(&f.ty, root, &mut named);
        }
        if let Some(access) = &object.content {
            named.insert(access.content.clone());
        }
    }
    named.retain(|n| !declared_here.contains(n.as_str()));
    named
}

fn collect_named(ty: &Type, root: &BTreeSet<&str>, out: &mut BTreeSet<String>) {
    match ty {
        Type::Enum(name) | Type::Content(name) => {
            out.insert(name.clone());
        }
        Type::Object(name) if root.contains(name.as_str()) => {
            out.insert(name.clone());
        }
        Type::Vec(inner) => collect_named(inner, root, out),
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
    let pager = ident(&e.pager());
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

fn endpoint_types(resource: &Resource, e: &Endpoint) -> TokenStream {
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
        let parts = e.template.parts().into_iter().map(|part| match part {
            Part::Literal(text) => quote! { .literal(#text) },
            Part::Param(name) => {
                let field = snake_ident(name);
                quote! { .param(#name, &self.#field) }
            }
        });
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
    let query_fn = (!query_fields.is_empty()).then(|| {
        let params = query_fields.iter().map(|f| {
            let (name, field) = (&f.name, snake_ident(&f.name));
            match (&f.ty, f.required) {
                _ if f.idempotency_key => {
                    quote! { .idempotency_key(#name, self.#field.as_deref()) }
                }
                (Type::Vec(_), true) => quote! { .each(#name, &self.#field) },
                (Type::Vec(_), false) => quote! { .each(#name, self.#field.iter().flatten()) },
                (_, true) => quote! { .param(#name, &self.#field) },
                (_, false) => quote! { .optional(#name, self.#field.as_ref()) },
            }
        });
        quote! {
            fn write_query(&self, query: &mut Query<'_>) {
                query #(#params)*;
            }
        }
    });

    let paging = e.pagination.as_ref().map(|p| {
        let item = rust_type(&p.item_type);
        let (items, token, more) =
            (snake_ident(&p.items), snake_ident(&p.page_token), snake_ident(&p.has_more));
        quote! { paged!(#request_name, #items: Vec<#item>, token: #token, more: #more); }
    });

    quote! {
        #request
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
            #idempotency
            #binary_const
            #path_fn
            #query_fn
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

pub(super) fn rust_type(ty: &Type) -> TokenStream {
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

/// The argument `new` or a setter takes for `field`; [`converted`] turns each of these shapes
/// into the field's type.
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
            // The compiled path template and `write_query` write path and query parameters.
            (Role::Request, Placement::Path | Placement::Query) => {
                quote! { #[serde(skip_serializing)] }
            }
            // Content writes two fields: its kind and its JSON text.
            _ if matches!(f.ty, Type::Content(_)) => quote! { #[serde(flatten)] },
            // The file travels as the multipart body's file part.
            _ if f.ty == Type::File => quote! { #[serde(skip)] },
            _ if f.required => quote! {},
            // An unset idempotency key is written, as `null`, for the client to fill in.
            (Role::Request, _) if f.idempotency_key => quote! {},
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
    // Callers build what they send; the rest is decoded, and built by tests and fakes. Every
    // struct has a constructor of its required fields and a setter per optional one.
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
    // Everything decodes through `json_object!`, which compiles to far less than serde's
    // derive; a request with a file (skipped) or content (flattened) uses the derive, which
    // can skip and flatten.
    let derived = serde_derived(s, role);
    let request_decode = derived.then(|| quote! { #[derive(Deserialize)] });
    let partial_eq = partial_eq();
    let derives = quote! { #derives #partial_eq #request_decode };
    let decode = (!derived).then(|| json_object(s));
    let constructors = constructors(s, role);
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

/// Whether `s` decodes with serde's derive rather than `json_object!`: a request with a file
/// (skipped) or content (flattened), which only the derive handles.
fn serde_derived(s: &Struct, role: Role) -> bool {
    role == Role::Request
        && s.fields.iter().any(|f| f.ty == Type::File || matches!(f.ty, Type::Content(_)))
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

/// `new` from the required fields, each taking the argument [`argument`] gives, and one setter
/// per optional field, written out: no macro, so a type of any size compiles, and no trait in
/// between, so each body is one assignment.
fn constructors(s: &Struct, role: Role) -> TokenStream {
    let name = ident(&s.name);
    let (required, optional): (Vec<&Field>, Vec<&Field>) =
        s.fields.iter().partition(|f| f.required);
    let params = required.iter().map(|f| {
        let (field, ty) = (snake_ident(&f.name), argument(f));
        quote!(#field: #ty)
    });
    let inits = s.fields.iter().map(|f| {
        let field = snake_ident(&f.name);
        match (f.required, converts(f)) {
            (true, false) => quote!(#field),
            (true, true) => {
                let value = converted(f);
                quote!(#field: #value)
            }
            (false, _) => quote!(#field: Default::default()),
        }
    });
    // Clippy's limit; a spec's required fields are what they are.
    let many = (required.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let setters = optional.iter().map(|f| {
        let (field, ty, value) = (snake_ident(&f.name), argument(f), converted(f));
        let value = if is_option(f, role) { quote!(Some(#value)) } else { value };
        let docs = doc(&format!("Sets [`{0}`](field@Self::{0}).", f.name));
        // A setter named like an operator's method (`add`) reads as one to clippy.
        let named_like_trait = TRAIT_METHODS
            .contains(&f.name.as_str())
            .then(|| quote!(#[allow(clippy::should_implement_trait)]));
        quote! {
            #docs
            #named_like_trait
            pub fn #field(mut self, #field: #ty) -> Self {
                self.#field = #value;
                self
            }
        }
    });
    // A type named `New` has a constructor named like itself, which clippy flags.
    let self_named = (s.name == "New").then(|| quote!(#[allow(clippy::self_named_constructors)]));
    quote! {
        impl #name {
            /// Creates it from its required fields; optional ones start unset.
            #many
            #self_named
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
            #(#setters)*
        }
    }
}

/// Methods of std traits that clippy's `should_implement_trait` knows.
const TRAIT_METHODS: &[&str] = &[
    "add",
    "as_mut",
    "as_ref",
    "bitand",
    "bitor",
    "bitxor",
    "borrow",
    "borrow_mut",
    "clone",
    "cmp",
    "default",
    "deref",
    "deref_mut",
    "div",
    "drop",
    "eq",
    "from_iter",
    "from_str",
    "hash",
    "index",
    "index_mut",
    "into_iter",
    "mul",
    "neg",
    "next",
    "not",
    "rem",
    "shl",
    "shr",
    "sub",
];

/// The field's value from the argument of the same name that [`argument`] types.
fn converted(f: &Field) -> TokenStream {
    let field = snake_ident(&f.name);
    match &f.ty {
        Type::Vec(inner) if **inner == Type::String => {
            quote!(#field.into_iter().map(Into::into).collect())
        }
        _ if converts(f) => quote!(#field.into()),
        _ => quote!(#field),
    }
}

/// Whether the argument for `f` is converted into the field's type.
fn converts(f: &Field) -> bool {
    match &f.ty {
        Type::String | Type::Content(_) | Type::Timestamp(_) | Type::Count => true,
        Type::Vec(inner) => **inner == Type::String,
        _ => false,
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if !text.starts_with("`") => first.to_lowercase().chain(chars).collect(),
        _ => text.to_owned(),
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
        let things = files.iter().find(|f| f.part == crate::Part::Fake && f.path == "v1/things.rs");
        let text = &things.unwrap().contents;
        assert!(text.contains("Self::new(Note::from(PlainNote::new()))"), "{text}");
        assert!(text.contains("use feishu_im::{Note, PlainNote};"), "{text}");
    }
}
