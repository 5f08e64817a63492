//! Spec names whose generated Rust names would clash with what the namespace already holds:
//! runtime items, imports, the prelude, generated file names, suffixes and methods.
//!
//! Each clash is refused with the existing item it meets and a suggested rename, so that a spec
//! the validator accepts always generates a crate that compiles.

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostics, Location};
use crate::model::{Field, Spec, TypeRef};
use crate::names::{MAX_NAME, pascal_case, shorten};
use crate::reserved::*;

/// Reports every name of `spec` that would clash once generated.
pub fn check(spec: &Spec, diags: &mut Diagnostics) {
    // Names every resource module holds: its imports and the prelude.
    let scope: &[(&[&str], &str)] = &[
        (OPERATION_IMPORTS, "an item of `feishu_im::operation` that resource modules import"),
        (
            &["Caller", "Client", "Error", "ErrorCode", "Pager"],
            "a runtime type that resource modules import",
        ),
        (OTHER_IMPORTS, "a name that generated modules import"),
        (PRELUDE, "a name of the Rust prelude"),
    ];
    // Generated type names per resource module, with where they come from.
    let mut module_types: BTreeMap<String, &Location> = BTreeMap::new();
    for resource in &spec.resources {
        let at = &resource.location;
        let name = &resource.name;
        if GENERATED_MODULES.contains(&name.as_str()) {
            refuse(
                diags,
                at,
                "resource",
                name,
                &format!("`{name}.rs`, a module file the generator writes itself"),
                "_api",
            );
        }
        let accessor = [
            (CLIENT_METHODS, "a method of `Client`"),
            (CALLER_METHODS, "a method of `Caller`"),
            (TRAIT_METHODS, "a trait method every client has"),
        ];
        if let Some(what) = clash(name, &accessor) {
            refuse_with(diags, at, "resource", name, &what, "_api");
        }
        let handle = pascal_case(name);
        if let Some(what) = clash(&handle, scope) {
            refuse_with(diags, at, "resource", name, &format!("its handle type {what}"), "_api");
        }
        module_types.insert(handle, at);
        let version = &resource.version;
        if GENERATED_MODULES.contains(&version.as_str()) || CRATE_ROOT.contains(&version.as_str()) {
            refuse(
                diags,
                at,
                "version",
                version,
                &format!("`{version}`, a module of the crate root"),
                "_api",
            );
        }

        let mut methods: BTreeMap<String, &Location> = BTreeMap::new();
        for endpoint in &resource.endpoints {
            let at = &endpoint.location;
            if let Some(what) = clash(
                &endpoint.name,
                &[(TRAIT_METHODS, "a trait method of every handle (`Clone`, `Debug`)")],
            ) {
                refuse_with(diags, at, "operation", &endpoint.name, &what, "_op");
            }
            let mut generated = vec![(endpoint.name.clone(), "the operation")];
            if endpoint.pagination.is_some() {
                generated.push((format!("{}{PAGER_SUFFIX}", endpoint.name), "the pager"));
            }
            for (method, what) in generated {
                if let Some(first) = methods.insert(method.clone(), at) {
                    diags.push(at, format!("{what} method `{method}` of operation `{}` is already a method of the handle (from the operation at {first}); rename one of them", endpoint.name));
                }
            }
            for suffix in ["Request", "Response"] {
                module_types.insert(format!("{}{suffix}", pascal_case(&endpoint.name)), at);
            }
            let request = endpoint.query.iter().chain(endpoint.body.iter().flatten());
            for field in request {
                check_setter(field, diags);
            }
            let all = endpoint
                .query
                .iter()
                .chain(endpoint.body.iter().flatten())
                .chain(&endpoint.response);
            for field in all {
                check_objects(&field.ty, scope, &pascal_case(name), &mut module_types, diags);
            }
        }
    }

    // Shared objects are exported at the crate root and imported by the modules that name them.
    for object in spec.shared_objects() {
        let at = &object.location;
        check_root_type(
            diags,
            at,
            ("object", &object.name, "shared objects", "_info"),
            scope,
            &module_types,
        );
        for field in &object.fields {
            check_setter(field, diags);
        }
    }

    // The events module holds its payloads, answers and objects beside its imports.
    let events_scope: &[(&[&str], &str)] = &[
        (OTHER_IMPORTS, "a name that generated modules import"),
        (PRELUDE, "a name of the Rust prelude"),
    ];
    for event in &spec.events {
        let at = &event.location;
        for name in [pascal_case(&event.name), format!("{}Response", pascal_case(&event.name))] {
            if let Some(what) = clash(&name, events_scope) {
                refuse_with(diags, at, "event", &event.name, &format!("its type {what}"), "_event");
            }
        }
        // A callback's answer is built by the app: its optional fields get setters.
        for field in event.response.iter().flatten() {
            check_setter(field, diags);
        }
    }
    for object in spec.event_objects() {
        if let Some(what) = clash(&pascal_case(&object.name), events_scope) {
            refuse_with(
                diags,
                &object.location,
                "object",
                &object.name,
                &format!("its type {what}"),
                "_info",
            );
        }
        for field in &object.fields {
            check_setter(field, diags);
        }
    }

    for def in &spec.enums {
        if BUILT_IN_TYPES.contains(&def.name.as_str()) {
            refuse(
                diags,
                &def.location,
                "enum",
                &def.name,
                "a built-in type of the spec format, so `type:` could not name the enum",
                "_kind",
            );
        }
        if BUILT_IN_TYPES.contains(&def.name.as_str()) {
            continue;
        }
        let at = &def.location;
        check_root_type(diags, at, ("enum", &def.name, "enums", "_kind"), scope, &module_types);
        for value in &def.values {
            let variant =
                value.name.as_deref().map_or_else(|| value.value.to_string(), str::to_owned);
            if pascal_case(&variant) == "Self" {
                diags.push(&value.location, format!("value `{}` would be the variant `Self`, a keyword; add `name:` to choose the variant", value.value));
            } else if pascal_case(&variant).len() > MAX_NAME {
                diags.push(
                    &value.location,
                    format!(
                        "the variant name from `{}` is longer than {} bytes; add a shorter `name:`",
                        shorten(&variant),
                        MAX_NAME
                    ),
                );
            }
        }
    }
}

/// A type exported at the crate root and imported by resource modules (an enum or a shared
/// object) must not meet a root item, an import, the prelude or a type a module defines.
/// `what` is (kind, spec name, what the root exports, rename suffix).
fn check_root_type(
    diags: &mut Diagnostics,
    at: &Location,
    (kind, spec_name, exported, suffix): (&str, &str, &str, &str),
    scope: &[(&[&str], &str)],
    module_types: &BTreeMap<String, &Location>,
) {
    let name = pascal_case(spec_name);
    let root_what = format!("an item of the crate root, where {exported} are exported");
    let root: &[(&[&str], &str)] = &[(CRATE_ROOT, &root_what)];
    if let Some(what) = clash(&name, root).or_else(|| clash(&name, scope)) {
        refuse_with(diags, at, kind, spec_name, &format!("its type {what}"), suffix);
    } else if let Some(first) = module_types.get(&name) {
        diags.push(at, format!("{kind} `{spec_name}` would be the type `{name}`, which a resource module already defines (at {first}); {exported} are imported into resource modules, so rename it, e.g. `{spec_name}{suffix}`"));
    }
}

/// Optional request and object fields get a builder method named after them.
fn check_setter(field: &Field, diags: &mut Diagnostics) {
    if field.required {
        return;
    }
    if field.name == CONSTRUCTOR {
        refuse(
            diags,
            &field.location,
            "field",
            &field.name,
            "`new`, the constructor its setter would duplicate",
            "_value",
        );
    } else if let Some(what) = clash(
        &field.name,
        &[(
            TRAIT_METHODS,
            "a trait method of every request (`Clone`, `Serialize`, …) that its setter would shadow",
        )],
    ) {
        refuse_with(diags, &field.location, "field", &field.name, &what, "_value");
    }
}

fn check_objects<'a>(
    ty: &'a TypeRef,
    scope: &[(&[&str], &str)],
    handle: &str,
    module_types: &mut BTreeMap<String, &'a Location>,
    diags: &mut Diagnostics,
) {
    match ty {
        TypeRef::Array(inner) => check_objects(inner, scope, handle, module_types, diags),
        TypeRef::Object(object) => {
            let name = pascal_case(&object.name);
            if name == handle {
                refuse(
                    diags,
                    &object.location,
                    "object",
                    &object.name,
                    &format!("`{handle}`, the handle type of its resource"),
                    "_info",
                );
            } else if let Some(what) = clash(&name, scope) {
                refuse_with(
                    diags,
                    &object.location,
                    "object",
                    &object.name,
                    &format!("its type {what}"),
                    "_info",
                );
            }
            module_types.entry(name).or_insert(&object.location);
            for field in &object.fields {
                check_setter(field, diags);
                check_objects(&field.ty, scope, handle, module_types, diags);
            }
        }
        _ => {}
    }
}

fn refuse(
    diags: &mut Diagnostics,
    at: &Location,
    what: &str,
    name: &str,
    existing: &str,
    suffix: &str,
) {
    refuse_with(diags, at, what, name, &format!("would clash with {existing}"), suffix);
}

fn refuse_with(
    diags: &mut Diagnostics,
    at: &Location,
    what: &str,
    name: &str,
    clash: &str,
    suffix: &str,
) {
    diags.push(at, format!("{what} `{name}`: {clash}; rename it, e.g. `{name}{suffix}`"));
}
