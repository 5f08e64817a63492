//! Turns the IR into formatted Rust source files.

mod contents;
mod docs;
mod enums;
mod error_code;
mod events;
mod fake;
mod macro_calls;
mod objects;
mod resource;
mod samples;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::Api;
use crate::names::snake_ident;

/// Which crate a generated file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// The client: `feishu-im/src/generated/`.
    Client,
    /// The fake's knowledge of the spec: `feishu-fake/src/generated/`.
    Fake,
}

/// One generated file, with a path relative to the generated directory of its part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The crate it belongs to.
    pub part: Part,
    /// Relative path, `/`-separated (`v1/chat_members.rs`).
    pub path: String,
    /// Full contents, header included.
    pub contents: String,
}

/// Emits every file of `api`, sorted by path. An error names the spec file whose code could not
/// be formatted; validation makes that unreachable, so it is a generator bug.
pub fn emit(api: &Api) -> Result<Vec<GeneratedFile>, (String, String)> {
    let mut files = Vec::new();
    let versions: Vec<_> = api.versions.keys().map(|v| snake_ident(v)).collect();
    let enum_names: Vec<_> = api.enums.iter().map(|e| quote::format_ident!("{}", e.name)).collect();
    let enum_exports =
        (!enum_names.is_empty()).then(|| quote! { pub use enums::{#(#enum_names),*}; });
    let content_names: Vec<_> = api
        .contents
        .iter()
        .map(|c| &c.name)
        .chain(api.contents.iter().flat_map(|c| c.objects.iter().map(|o| &o.name)))
        .map(|n| quote::format_ident!("{}", n))
        .collect();
    let object_names: Vec<_> =
        api.objects.iter().map(|o| quote::format_ident!("{}", o.name)).collect();
    let object_module = (!object_names.is_empty()).then(|| {
        quote! {
            mod objects;
            pub use objects::{#(#object_names),*};
        }
    });
    let content_module = (!content_names.is_empty()).then(|| {
        quote! {
            mod contents;
            pub use contents::{#(#content_names),*};
        }
    });
    // Objects that live at the crate root, which other files import.
    let root: std::collections::BTreeSet<&str> = api
        .objects
        .iter()
        .chain(api.contents.iter().flat_map(|c| &c.objects))
        .map(|o| o.name.as_str())
        .collect();
    let rate_limits = rate_limit_consts(api);
    let rate_limit_module = rate_limits.is_some().then(|| quote! { pub mod rate_limits; });
    files.push(file("mod.rs", "spec/", || {
        quote! {
            //! Code generated from the spec: error codes, enums and one module per API version,
            //! over the runtime (`feishu-im-runtime`), whose items are re-exported here with the
            //! spec's codes and events filled in.
            mod enums;
            mod error_code;
            pub mod events;
            pub mod prelude;
            #rate_limit_module
            pub mod receive;
            mod resources;
            #( pub mod #versions; )*

            pub use feishu_im_runtime::*;

            #enum_exports
            pub use error_code::ErrorCode;
            pub use resources::Resources;
            #content_module
            #object_module

            /// Everything that can go wrong with a call, its codes typed as [`ErrorCode`].
            pub type Error = feishu_im_runtime::Error<ErrorCode>;

            /// A non-zero `code` from Feishu, typed as [`ErrorCode`].
            pub type ApiError = feishu_im_runtime::ApiError<ErrorCode>;

            /// A token could not be obtained; Feishu's code typed as [`ErrorCode`].
            pub type AuthError = feishu_im_runtime::AuthError<ErrorCode>;
        }
    }));
    if let Some(rate_limits) = rate_limits {
        files.push(file("rate_limits.rs", "spec/ rate limits", || rate_limits));
    }
    files.push(file("resources.rs", "spec/", || resources(api)));
    files.push(file("receive.rs", "spec/ events", receive_aliases));
    files.push(file("prelude.rs", "spec/", || {
        quote! {
            //! What most applications name: `use feishu_im::prelude::*;`.
            pub use crate::{Client, Credentials, Error, ErrorCode, Resources};
        }
    }));
    files.push(file("error_code.rs", "spec/ error tables", || {
        error_code::emit(&api.error_codes, &api.error_tables)
    }));
    files.push(file("enums.rs", "spec/ enums", || enums::emit(&api.enums)));
    files.push(file("events.rs", "spec/ events", || {
        events::emit(&api.events, &api.event_objects, &root)
    }));
    if !api.contents.is_empty() {
        files.push(file("contents.rs", "spec/ contents", || contents::emit(&api.contents, &root)));
    }
    if !api.objects.is_empty() {
        files.push(file("objects.rs", "spec/ objects", || objects::emit(&api.objects, &root)));
    }
    for (version, resources) in &api.versions {
        let modules: Vec<_> = resources.iter().map(|r| snake_ident(&r.module)).collect();
        let features = resources.iter().map(|r| &r.feature);
        let doc = format!(
            " Endpoints of API version `{version}`, one module per resource, each compiled with its cargo feature."
        );
        files.push(file(&format!("{version}/mod.rs"), "spec/", || {
            quote! {
                #![doc = #doc]
                #( #[cfg(feature = #features)] pub mod #modules; )*
            }
        }));
    }
    let resources: Vec<_> =
        api.versions.iter().flat_map(|(v, rs)| rs.iter().map(move |r| (v, r))).collect();
    files.extend(crate::parallel::map(&resources, |(version, resource)| {
        file(
            &format!("{version}/{}.rs", resource.module),
            &format!("spec/{}", resource.source),
            || resource::emit(resource, &root),
        )
    }));
    let mut files = files.into_iter().collect::<Result<Vec<_>, _>>()?;
    files.extend(fake::emit(api)?);
    // Sorting makes the output independent of thread timing.
    files.sort_by(|a, b| (a.part, &a.path).cmp(&(b.part, &b.path)));
    Ok(files)
}

/// One constant per rate-limit class that an endpoint uses, `RateLimit::DEFAULT`, so that each
/// endpoint names its class in one line.
fn rate_limit_consts(api: &Api) -> Option<TokenStream> {
    let endpoints = api.versions.values().flatten().flat_map(|r| &r.endpoints);
    let used: std::collections::BTreeMap<&str, &crate::ir::RateLimit> = endpoints
        .flat_map(|e| {
            std::iter::once(&e.rate_limit).chain(e.recipient_limit.as_ref().map(|r| &r.limit))
        })
        .map(|limit| (limit.name.as_str(), limit))
        .collect();
    if used.is_empty() {
        return None;
    }
    let consts = used.values().map(|limit| {
        let name = quote::format_ident!("{}", limit.name.to_uppercase());
        let doc = docs::doc(&format!(
            "{}: {} calls a minute, {} a second.\n\n{}",
            docs::code(&limit.name),
            limit.per_minute,
            limit.per_second,
            docs::prose(&limit.doc)
        ));
        let class = &limit.name;
        let per_minute = proc_macro2::Literal::u32_unsuffixed(limit.per_minute);
        let per_second = proc_macro2::Literal::u32_unsuffixed(limit.per_second);
        quote! {
            #doc
            pub const #name: RateLimit = RateLimit::new(#class, #per_minute, #per_second);
        }
    });
    Some(quote! {
        //! The rate-limit classes of the spec (per app per tenant), each shared by its endpoints.
        use crate::operation::RateLimit;

        #(#consts)*
    })
}

/// The `Resources` trait: one accessor per resource, on a `Client` and on a `Caller`.
fn resources(api: &Api) -> TokenStream {
    let accessors = api.versions.iter().flat_map(|(version_name, resources)| {
        let version = snake_ident(version_name);
        resources.iter().map(move |r| {
            let module = snake_ident(&r.module);
            let handle = quote::format_ident!("{}", r.handle);
            let feature = &r.feature;
            let doc = docs::doc(&format!(
                // Intra-doc links name keywords as they are (`crate::fn::…`), never `r#fn`.
                "The {} endpoints ([`{}`](crate::{version_name}::{}::{})).",
                docs::code(&r.module),
                r.handle,
                r.module,
                r.handle
            ));
            quote! {
                #[cfg(feature = #feature)]
                #doc
                fn #module(self) -> crate::#version::#module::#handle<'a> {
                    crate::#version::#module::#handle::from(self.into())
                }
            }
        })
    });
    quote! {
        //! One accessor per resource of the spec.
        use crate::Caller;

        /// The resources of the API, on a [`Client`](crate::Client) (called with its own
        /// credentials) and on a [`Caller`] (as a user, or a tenant of a store app):
        /// `client.chat_members()`, `client.as_user(&token).messages()`. Bring it into scope
        /// with `use feishu_im::prelude::*;`.
        pub trait Resources<'a>: Into<Caller<'a>> {
            #(#accessors)*
        }

        impl<'a, T: Into<Caller<'a>>> Resources<'a> for T {}
    }
}

/// The receiving types of the runtime with the spec's [`Event`](crate::events::Event) filled in.
fn receive_aliases() -> TokenStream {
    quote! {
        //! Receiving events and callbacks: the runtime's webhook, long connection, deduplication
        //! and dispatch, with deliveries decoded to this spec's [`Event`].
        pub use feishu_im_runtime::receive::*;

        use crate::events::Event;

        /// A verified, decoded delivery of one of the spec's events.
        pub type Delivery = feishu_im_runtime::receive::Delivery<Event>;

        /// Runs the app's handler on deliveries of the spec's events.
        pub type Dispatcher = feishu_im_runtime::receive::Dispatcher<Event>;

        /// Builds a [`Dispatcher`].
        pub type DispatcherBuilder = feishu_im_runtime::receive::DispatcherBuilder<Event>;

        /// The webhook: verifies, decrypts and dispatches deliveries of the spec's events.
        pub type Webhook = feishu_im_runtime::receive::Webhook<Event>;

        /// Builds a [`Webhook`].
        pub type WebhookBuilder = feishu_im_runtime::receive::WebhookBuilder<Event>;
    }
}

/// One file from what `emit` writes. Its doc comments are set aside while it runs and written
/// back after formatting ([`docs::collect`]).
fn file(
    path: &str,
    source: &str,
    emit: impl FnOnce() -> TokenStream,
) -> Result<GeneratedFile, (String, String)> {
    let (tokens, docs) = docs::collect(emit);
    // Invalid output is a bug of the generator, never of the spec: validation comes first.
    let syntax: syn::File = syn::parse2(tokens).map_err(|error| {
        (source.to_owned(), format!("the generator emitted invalid Rust for `{path}`: {error}"))
    })?;
    let contents = format!(
        "// Code generated by cargo xtask codegen from {source}; @generated. DO NOT EDIT.\n\n{}",
        format_with(&syntax, &docs)
    );
    Ok(GeneratedFile { part: Part::Client, path: path.to_owned(), contents })
}

/// Generated Rust as it is written to disk: prettyplease's layout, with the runtime's macro
/// calls reprinted and blank lines between items.
pub fn format(syntax: &syn::File) -> String {
    format_with(syntax, &docs::DocTexts::default())
}

fn format_with(syntax: &syn::File, docs: &docs::DocTexts) -> String {
    space_items(&macro_calls::tidy(&prettyplease::unparse(syntax)), docs)
}

/// Puts a blank line between items, as hand-written code has: after the module docs, after the
/// imports, and between items and methods (prettyplease prints them back to back).
/// Doc comments set aside are written back on the way.
fn space_items(text: &str, docs: &docs::DocTexts) -> String {
    const ITEM_STARTS: &[&str] = &[
        "///", "#[", "pub ", "fn ", "const ", "type ", "impl", "async ", "use ", "mod ", "enum ",
        "struct ",
    ];
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut previous: Option<&str> = None;
    for line in text.lines() {
        if let Some(previous) = previous {
            let indent = line.len() - line.trim_start().len();
            let body = line.trim_start();
            let previous_indent = previous.len() - previous.trim_start().len();
            let previous_body = previous.trim_start();
            let starts_item = ITEM_STARTS.iter().any(|s| body.starts_with(s));
            let after_docs = previous_body.starts_with("//!") && !body.starts_with("//!");
            // Inside a doc comment, text that looks like code is still the comment.
            let in_docs = previous_body.starts_with("///") || previous_body.starts_with("//!");
            let after_item = !in_docs
                && indent == previous_indent
                && starts_item
                && !body.starts_with("use ")
                && (previous_body.ends_with('}')
                    || previous_body == "};"
                    || (previous_body.ends_with(';')
                        && !(previous_body.starts_with("use ") && body.starts_with("use "))
                        && !(previous_body.starts_with("pub mod ")
                            && body.starts_with("pub mod "))
                        && indent == 0));
            if after_docs || after_item {
                out.push('\n');
            }
        }
        if !docs.splice(line, &mut out) {
            out.push_str(line);
            out.push('\n');
        }
        previous = Some(line);
    }
    out
}
