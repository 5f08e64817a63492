//! Where a `file` may stand: as the one file part of a multipart body, and nowhere else.
//!
//! The runtime sends a multipart body as one streamed file part beside text fields, so:
//! - a `multipart` endpoint's body has exactly one `file` field, required, at its top level;
//! - its other body fields are scalars (strings, numbers, booleans, enums, times, counts),
//!   which travel as text fields of the form;
//! - a `file` anywhere else (query, path, response, a JSON body, an object, a list, an event, a
//!   content kind, optional) is refused where it is declared.

use crate::diagnostics::{Diagnostics, Location};
use crate::model::{Field, Spec, TypeRef};

const WHERE: &str = "a file can only be the file part of a multipart body: a required body field, not in a list or object, of an endpoint with `body_format: multipart`";

/// Reports every `file` out of place and every multipart body that is not one file part and
/// text fields.
pub fn check(spec: &Spec, diags: &mut Diagnostics) {
    for resource in &spec.resources {
        for endpoint in &resource.endpoints {
            let body = endpoint.body.iter().flatten();
            let others =
                endpoint.path_params.iter().chain(&endpoint.query).chain(&endpoint.response);
            for field in others {
                refuse_files(&field.ty, &field.location, diags);
            }
            if !endpoint.multipart {
                for field in body {
                    refuse_files(&field.ty, &field.location, diags);
                }
                continue;
            }
            let mut parts = 0;
            for field in body {
                match &field.ty {
                    TypeRef::File if field.required => parts += 1,
                    TypeRef::File => diags
                        .push(&field.location, format!("the file part must be required: {WHERE}")),
                    ty if is_text(ty, spec) => {}
                    ty => {
                        refuse_files(ty, &field.location, diags);
                        diags.push(
                            &field.location,
                            format!("field `{}` of a multipart body must be a string, number, boolean, enum, time or count: it travels as a text field of the form", field.name),
                        );
                    }
                }
            }
            if parts != 1 {
                diags.push(
                    &endpoint.location,
                    format!("a multipart body has exactly one required `file` field, the file part; this one has {parts}"),
                );
            }
        }
    }
    let objects = spec.shared_objects().into_iter().chain(spec.event_objects());
    let object_fields = objects.flat_map(|o| &o.fields);
    let event_fields =
        spec.events.iter().flat_map(|e| e.fields.iter().chain(e.response.iter().flatten()));
    let kind_fields =
        spec.contents.iter().flat_map(|c| &c.kinds).flat_map(|k| k.fields.iter().flatten());
    for field in object_fields.chain(event_fields).chain(kind_fields) {
        refuse_top(field, diags);
    }
}

/// A field whose own type is a file (objects declared in it are walked on their own).
fn refuse_top(field: &Field, diags: &mut Diagnostics) {
    let mut ty = &field.ty;
    while let TypeRef::Array(inner) = ty {
        ty = inner;
    }
    if matches!(ty, TypeRef::File) {
        diags.push(&field.location, WHERE.to_owned());
    }
}

/// Every file in `ty`, through lists and the fields of objects declared in it.
fn refuse_files(ty: &TypeRef, at: &Location, diags: &mut Diagnostics) {
    match ty {
        TypeRef::File => diags.push(at, WHERE.to_owned()),
        TypeRef::Array(inner) => refuse_files(inner, at, diags),
        TypeRef::Object(object) => {
            for field in &object.fields {
                refuse_files(&field.ty, &field.location, diags);
            }
        }
        _ => {}
    }
}

/// Whether a value of `ty` is written as one text field of a form.
fn is_text(ty: &TypeRef, spec: &Spec) -> bool {
    match ty {
        TypeRef::String
        | TypeRef::Integer
        | TypeRef::Boolean
        | TypeRef::Timestamp(_)
        | TypeRef::Count => true,
        TypeRef::Named(name, _) => spec.enums.iter().any(|e| &e.name == name),
        _ => false,
    }
}
