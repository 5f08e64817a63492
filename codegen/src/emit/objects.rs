//! Objects declared on their own (`objects:`), which every resource may name: one struct each,
//! exported at the crate root.

use proc_macro2::TokenStream;
use quote::quote;

use std::collections::BTreeSet;

use super::resource::{emit_object, imports_of};
use crate::ir::Struct;
use crate::names::ident;

pub fn emit(objects: &[Struct], root: &BTreeSet<&str>) -> TokenStream {
    let items = objects.iter().map(emit_object);
    let declared: BTreeSet<&str> = objects.iter().map(|o| o.name.as_str()).collect();
    let named = imports_of(objects, root, &declared);
    let imports = (!named.is_empty()).then(|| {
        let named = named.iter().map(|n| ident(n));
        quote! { use crate::{#(#named),*}; }
    });
    quote! {
        //! Objects that several resources name, declared once.
        use serde::Serialize;

        use crate::operation::json_object;
        #imports

        #(#items)*
    }
}
