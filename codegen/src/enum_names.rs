//! Spec names that the Rust they become cannot carry: an enum named like a type of the spec
//! format, and enum values whose variant would be a keyword or too long.
//!
//! Names that meet other names are found by the table of names (`items`), over the generated
//! code itself.

use crate::diagnostics::{Diagnostics, Location};
use crate::model::Spec;
use crate::names::{MAX_NAME, pascal_case, shorten};
use crate::reserved::BUILT_IN_TYPES;

/// Reports every enum name and value that could not be written.
pub fn check(spec: &Spec, diags: &mut Diagnostics) {
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

fn refuse(
    diags: &mut Diagnostics,
    at: &Location,
    what: &str,
    name: &str,
    existing: &str,
    suffix: &str,
) {
    diags.push(
        at,
        format!("{what} `{name}`: would clash with {existing}; rename it, e.g. `{name}{suffix}`"),
    );
}
