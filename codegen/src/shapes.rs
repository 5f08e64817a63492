//! The shapes of the spec's types, checked on the whole spec: what Rust can lay out and what
//! has a finite value.
//!
//! - An object that holds itself with no list in between (`a.b: b`, `b.a: a`) has no size in
//!   Rust; a list gives the indirection.
//! - An object that must hold itself (required fields all the way, and lists of at least one
//!   item) has no finite value at all: no request could carry it, no answer could be sample.
//! - The smallest valid request (the fake's sample, and what validation demands) multiplies
//!   the `min_items` of nested lists: past [`MAX_SAMPLE_VALUES`] values it is refused.

use std::collections::BTreeMap;

use crate::diagnostics::Diagnostics;
use crate::model::{Field, ObjectDef, Spec, TypeRef};

/// The most values the smallest valid request of an endpoint may hold.
pub const MAX_SAMPLE_VALUES: u64 = 10_000;

/// How one object reaches another through one of its fields.
struct Edge<'a> {
    to: &'a str,
    /// No list on the way: the other object is laid out inside this one.
    direct: bool,
    /// Required all the way, and every list on the way holds at least one item.
    forced: bool,
    /// The field of the object where the way starts.
    field: &'a Field,
}

/// Reports every shape problem of `spec` into `diags`.
pub fn check(spec: &Spec, diags: &mut Diagnostics) {
    let objects: BTreeMap<&str, &ObjectDef> =
        spec.shared_objects().into_iter().map(|o| (o.name.as_str(), o)).collect();
    let edges: BTreeMap<&str, Vec<Edge<'_>>> =
        objects.iter().map(|(name, object)| (*name, edges_of(object, &objects))).collect();
    for name in objects.keys() {
        if let Some(way) = cycle(name, &edges, |e| e.direct) {
            diags.push(
                &way[0].field.location,
                format!(
                    "object `{name}` holds itself with no list in between ({}); Rust cannot lay it out: make one of these fields a list, or drop it",
                    describe(name, &way)
                ),
            );
        } else if let Some(way) = cycle(name, &edges, |e| e.forced) {
            diags.push(
                &way[0].field.location,
                format!(
                    "object `{name}` must hold itself ({}: required, and lists of at least one item), so it has no finite value; make one of these fields optional or let its list be empty",
                    describe(name, &way)
                ),
            );
        }
    }
    for resource in &spec.resources {
        for endpoint in &resource.endpoints {
            let fields = endpoint
                .path_params
                .iter()
                .chain(&endpoint.query)
                .chain(endpoint.body.iter().flatten());
            let mut visiting = Vec::new();
            let values = fields
                .filter(|f| f.required)
                .fold(0u64, |sum, f| sum.saturating_add(field_values(f, &objects, &mut visiting)));
            if values > MAX_SAMPLE_VALUES {
                diags.push(
                    &endpoint.location,
                    format!(
                        "the smallest valid request of `{}` holds {} values (the `min_items` of nested lists multiply); at most {MAX_SAMPLE_VALUES} are allowed",
                        endpoint.name,
                        if values == u64::MAX { "more than 2^64".to_owned() } else { values.to_string() }
                    ),
                );
            }
        }
    }
}

/// `a.b → b.a → a`.
fn describe(start: &str, way: &[&Edge<'_>]) -> String {
    let mut text = String::new();
    let mut at = start;
    for edge in way {
        text.push_str(&format!("`{at}.{}` → ", edge.field.name));
        at = edge.to;
    }
    text.push_str(&format!("`{at}`"));
    text
}

/// The objects `object` reaches through its fields, each with how.
fn edges_of<'a>(object: &'a ObjectDef, objects: &BTreeMap<&str, &'a ObjectDef>) -> Vec<Edge<'a>> {
    let mut edges = Vec::new();
    for field in &object.fields {
        let nonempty = field.min_items.is_some_and(|n| n > 0);
        reach(&field.ty, field, true, field.required, nonempty, objects, &mut edges);
    }
    edges
}

/// Follows `ty` (of `field`) to the named objects it holds; inline objects are part of the way.
fn reach<'a>(
    ty: &'a TypeRef,
    field: &'a Field,
    direct: bool,
    forced: bool,
    nonempty: bool,
    objects: &BTreeMap<&str, &'a ObjectDef>,
    out: &mut Vec<Edge<'a>>,
) {
    match ty {
        // Only the outermost list of a field has limits; an inner one may be empty.
        TypeRef::Array(inner) => {
            reach(inner, field, false, forced && nonempty, false, objects, out)
        }
        TypeRef::Named(name, _) if objects.contains_key(name.as_str()) => {
            out.push(Edge { to: objects[name.as_str()].name.as_str(), direct, forced, field });
        }
        TypeRef::Object(inline) => {
            for inner in &inline.fields {
                let forced = forced && inner.required;
                let nonempty = inner.min_items.is_some_and(|n| n > 0);
                // The way keeps the outer field: that is where the shape starts.
                reach(&inner.ty, field, direct, forced, nonempty, objects, out);
            }
        }
        _ => {}
    }
}

/// A way from `start` back to itself along edges that `keep` accepts, if there is one.
fn cycle<'a, 'e>(
    start: &str,
    edges: &'e BTreeMap<&'a str, Vec<Edge<'a>>>,
    keep: impl Fn(&Edge<'_>) -> bool + Copy,
) -> Option<Vec<&'e Edge<'a>>> {
    fn walk<'a, 'e>(
        at: &str,
        start: &str,
        edges: &'e BTreeMap<&'a str, Vec<Edge<'a>>>,
        keep: impl Fn(&Edge<'_>) -> bool + Copy,
        way: &mut Vec<&'e Edge<'a>>,
        seen: &mut Vec<String>,
    ) -> bool {
        for edge in edges.get(at).into_iter().flatten().filter(|e| keep(e)) {
            way.push(edge);
            if edge.to == start {
                return true;
            }
            if !seen.iter().any(|s| s == edge.to) {
                seen.push(edge.to.to_owned());
                if walk(edge.to, start, edges, keep, way, seen) {
                    return true;
                }
            }
            way.pop();
        }
        false
    }
    let mut way = Vec::new();
    walk(start, start, edges, keep, &mut way, &mut Vec::new()).then_some(way)
}

/// How many values the smallest valid `field` holds, as the fake's sample builds it
/// (`emit::samples`, by the same rule): objects with their required fields, lists of
/// `min_items` items and at least one, except that a list that may be empty is left empty when
/// its items would hold an object already being built. Every cycle of required fields has
/// such a list ([`check`] refuses the others), so the sample is finite.
fn field_values(
    field: &Field,
    objects: &BTreeMap<&str, &ObjectDef>,
    visiting: &mut Vec<String>,
) -> u64 {
    type_values(&field.ty, field, objects, visiting)
}

fn type_values(
    ty: &TypeRef,
    field: &Field,
    objects: &BTreeMap<&str, &ObjectDef>,
    visiting: &mut Vec<String>,
) -> u64 {
    match ty {
        TypeRef::Array(inner) => {
            if field.min_items.unwrap_or(0) == 0
                && reaches(inner, objects, visiting, &mut Vec::new())
            {
                return 1;
            }
            let count = u64::from(field.min_items.unwrap_or(1).max(1));
            let item = type_values(inner, field, objects, visiting);
            count.saturating_mul(item).saturating_add(1)
        }
        TypeRef::Named(name, _) if objects.contains_key(name.as_str()) => {
            if visiting.iter().any(|v| v == name) {
                return 1;
            }
            visiting.push(name.clone());
            let values = object_values(objects[name.as_str()], objects, visiting);
            visiting.pop();
            values
        }
        TypeRef::Object(inline) => object_values(inline, objects, visiting),
        _ => 1,
    }
}

fn object_values(
    object: &ObjectDef,
    objects: &BTreeMap<&str, &ObjectDef>,
    visiting: &mut Vec<String>,
) -> u64 {
    object
        .fields
        .iter()
        .filter(|f| f.required)
        .fold(1u64, |sum, f| sum.saturating_add(field_values(f, objects, visiting)))
}

/// Whether a value of `ty` holds (through required fields) an object being built.
fn reaches(
    ty: &TypeRef,
    objects: &BTreeMap<&str, &ObjectDef>,
    visiting: &[String],
    seen: &mut Vec<String>,
) -> bool {
    match ty {
        TypeRef::Array(inner) => reaches(inner, objects, visiting, seen),
        TypeRef::Named(name, _) if objects.contains_key(name.as_str()) => {
            if visiting.iter().any(|v| v == name) {
                return true;
            }
            if seen.iter().any(|v| v == name) {
                return false;
            }
            seen.push(name.clone());
            objects[name.as_str()]
                .fields
                .iter()
                .filter(|f| f.required)
                .any(|f| reaches(&f.ty, objects, visiting, seen))
        }
        TypeRef::Object(inline) => inline
            .fields
            .iter()
            .filter(|f| f.required)
            .any(|f| reaches(&f.ty, objects, visiting, seen)),
        _ => false,
    }
}
