//! The events module: one payload type per event, the answers of callbacks, the objects they
//! hold, and the `Event` enum that a delivery decodes to.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{code, doc, inline_prose, summary_text};
use std::collections::BTreeSet;

use super::resource::{emit_object, emit_object_with_doc, imports_of, partial_eq};
use crate::ir::{Event, Struct};
use crate::names::{ident, snake_ident};

pub fn emit(events: &[Event], objects: &[Struct], root: &BTreeSet<&str>) -> TokenStream {
    let structs: Vec<&Struct> = objects
        .iter()
        .chain(events.iter().flat_map(|e| std::iter::once(&e.payload).chain(&e.response)))
        .collect();
    let named = imports_of(structs.iter().copied(), root, &BTreeSet::new());
    let imports = (!named.is_empty()).then(|| {
        let named = named.iter().map(|n| ident(n));
        quote! { use crate::{#(#named),*}; }
    });
    let serde_imports = (!structs.is_empty()).then(|| {
        quote! {
            use serde::Serialize;

            use crate::operation::json_object;
        }
    });
    let variants = events.iter().map(|e| {
        let name = ident(&e.name);
        let docs = doc(&format!("{} See [`{}`].", inline_prose(&e.summary), e.name));
        quote! { #docs #name(Box<#name>), }
    });
    let types = events.iter().map(|e| {
        let name = ident(&e.name);
        let event_type = &e.event_type;
        quote! { Event::#name(_) => #event_type, }
    });
    let decodes = events.iter().map(|e| {
        let name = ident(&e.name);
        let event_type = &e.event_type;
        quote! { #event_type => Event::#name(serde_json::from_str(event)?), }
    });
    let unknown =
        quote! { Event::Unknown(UnknownEvent::new(event_type, serde_json::from_str(event)?)) };
    // A spec without events has only `Unknown`: no match with a single arm.
    let decode_body = if events.is_empty() {
        quote! { Ok(#unknown) }
    } else {
        quote! { Ok(match event_type { #(#decodes)* _ => #unknown, }) }
    };
    let types_body = if events.is_empty() {
        quote! { let Event::Unknown(unknown) = self; unknown.event_type() }
    } else {
        quote! { match self { #(#types)* Event::Unknown(unknown) => unknown.event_type(), } }
    };
    let callbacks: Vec<_> = events
        .iter()
        .filter(|e| e.response.is_some())
        .map(|e| {
            let name = ident(&e.name);
            quote! { Event::#name(_) }
        })
        .collect();
    let is_callback = if callbacks.is_empty() {
        quote! { false }
    } else {
        quote! { matches!(self, #(#callbacks)|*) }
    };
    let event_types = events.iter().map(|e| &e.event_type);
    let keys = events.iter().filter_map(|e| {
        let name = ident(&e.name);
        let path = e.dedup_key.as_ref()?.iter().map(|f| snake_ident(f));
        Some(quote! { Event::#name(event) => Some(&event #(.#path)*), })
    });
    let keys: Vec<_> = keys.collect();
    let keys_body = if keys.is_empty() {
        quote! { None }
    } else {
        quote! { match self { #(#keys)* _ => None, } }
    };
    let writes = events.iter().map(|e| {
        let name = ident(&e.name);
        quote! { Event::#name(event) => serde::Serialize::serialize(event, serializer), }
    });
    let payloads = events.iter().map(|e| {
        let name = ident(&e.name);
        let event_type = &e.event_type;
        let const_doc = doc(&format!("`header.event_type` of this event: {}.", code(event_type)));
        let payload = emit_object_with_doc(&e.payload, &event_doc(e));
        let response = e.response.as_ref().map(emit_object);
        quote! {
            #payload
            impl #name {
                #const_doc
                pub const EVENT_TYPE: &'static str = #event_type;
            }
            #response
        }
    });
    let objects = objects.iter().map(emit_object);
    let partial_eq = partial_eq();
    quote! {
        //! Events and callbacks the platform pushes to apps: one payload type per event, the
        //! answers of callbacks, and [`Event`], what a delivery decodes to.
        #serde_imports
        use crate::UnknownEvent;
        #imports

        /// An event or callback, decoded by its `header.event_type`.
        ///
        /// A type the spec does not describe is kept whole as [`Event::Unknown`], so new
        /// events never fail a delivery.
        #[derive(Debug, Clone)]
        #partial_eq
        #[non_exhaustive]
        pub enum Event {
            #(#variants)*
            /// An event type the spec does not describe, kept as delivered.
            Unknown(UnknownEvent),
        }

        impl Event {
            /// Every event type the spec describes, sorted.
            pub const EVENT_TYPES: &'static [&'static str] = &[#(#event_types),*];

            /// Decodes the `event` object (JSON text) of a delivery whose `header.event_type`
            /// is `event_type`; a type the spec does not describe is kept as
            /// [`Event::Unknown`].
            ///
            /// # Errors
            ///
            /// When a described event's JSON does not have the fields and types of its payload.
            pub fn decode(event_type: &str, event: &str) -> Result<Event, serde_json::Error> {
                #decode_body
            }

            /// `header.event_type`, as delivered.
            pub fn event_type(&self) -> &str {
                #types_body
            }

            /// What identifies the delivery for deduplication when the event id does not: a
            /// message's id, which stays the same when Feishu delivers it again under a new
            /// event id.
            pub fn dedup_key(&self) -> Option<&str> {
                #keys_body
            }

            /// Whether the platform waits for an answer: a callback, answered within 3 s.
            pub fn is_callback(&self) -> bool {
                #is_callback
            }
        }

        /// What the runtime's receiving core decodes deliveries to.
        impl crate::receive::EventSet for Event {
            fn decode(event_type: &str, event: &str) -> Result<Event, serde_json::Error> {
                Event::decode(event_type, event)
            }

            fn dedup_key(&self) -> Option<&str> {
                Event::dedup_key(self)
            }

            fn is_callback(&self) -> bool {
                Event::is_callback(self)
            }
        }

        /// Writes the `event` object as delivered (its type goes in the header).
        impl serde::Serialize for Event {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#writes)*
                    Event::Unknown(unknown) => serde::Serialize::serialize(unknown.event(), serializer),
                }
            }
        }

        #(#payloads)*
        #(#objects)*
    }
}

/// A payload's docs: what it says, where it is documented, how it is delivered and who may
/// subscribe.
fn event_doc(e: &Event) -> String {
    let mut text = summary_text(&e.summary, e.summary_zh.as_deref(), e.description.as_deref());
    text.push_str(&format!(
        "\n\nEvent type {} · [Feishu documentation]({})\n",
        code(&e.event_type),
        e.docs
    ));
    let scopes: Vec<_> = e.scopes.iter().map(|s| code(s)).collect();
    if scopes.is_empty() {
        text.push_str("\n- Scopes: none");
    } else {
        text.push_str(&format!("\n- Scopes to subscribe (any one): {}", scopes.join(", ")));
    }
    match &e.response {
        Some(response) => text.push_str(&format!(
            "\n- A callback: the app answers within 3 s with [`{}`]",
            response.name
        )),
        None => text.push_str("\n- An event: the app acknowledges it within 3 s"),
    }
    text
}
