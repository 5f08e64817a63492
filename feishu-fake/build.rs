//! Sets `cfg(operation = "…")` for each operation the fake models (`src/modelled.rs`) that the
//! spec has (`src/generated/operations.rs`), and `cfg(resource = "…")` for their resources, so
//! that a behaviour whose operation was taken out of the spec is left out of the build instead
//! of failing it. `cfg(spec_partial)`: some modelled operation is missing, and the helpers only
//! its behaviour used are allowed to go unused.

use std::collections::BTreeSet;

/// The operations of the lines of `modelled.rs`.
macro_rules! behaviours {
    ($($operation:literal => $how:ident($($line:tt)*)),* $(,)?) => {
        const MODELLED: &[&str] = &[$($operation),*];
    };
}

include!("src/modelled.rs");
include!("src/generated/operations.rs");

/// The resource of `operation` (`pins` of `pins.create`).
fn resource(operation: &str) -> &str {
    operation.split_once('.').map_or(operation, |(resource, _)| resource)
}

fn main() {
    println!("cargo::rerun-if-changed=src/modelled.rs");
    println!("cargo::rerun-if-changed=src/generated/operations.rs");
    let spec: BTreeSet<&str> = OPERATIONS.iter().copied().collect();
    let modelled: BTreeSet<&str> = MODELLED.iter().copied().collect();
    let resources: BTreeSet<&str> = modelled.iter().copied().map(resource).collect();
    let values = |names: &BTreeSet<&str>| {
        names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
    };
    // Only the modelled names are expected: a misspelt one in a `cfg` is a warning.
    println!("cargo::rustc-check-cfg=cfg(operation, values({}))", values(&modelled));
    println!("cargo::rustc-check-cfg=cfg(resource, values({}))", values(&resources));
    println!("cargo::rustc-check-cfg=cfg(spec_partial)");
    let present: BTreeSet<&str> = modelled.intersection(&spec).copied().collect();
    for operation in &present {
        println!("cargo::rustc-cfg=operation=\"{operation}\"");
    }
    for resource in present.iter().copied().map(resource).collect::<BTreeSet<_>>() {
        println!("cargo::rustc-cfg=resource=\"{resource}\"");
    }
    if present.len() < modelled.len() {
        println!("cargo::rustc-cfg=spec_partial");
    }
}
