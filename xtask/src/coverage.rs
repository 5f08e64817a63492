//! `cargo xtask coverage`: which of the IM endpoints Feishu publishes (`catalog/`) the spec
//! describes, and why the others are not there. The summary table in the README is written
//! by `cargo xtask codegen` and checked by `--check`, so it is never edited by hand.

use std::collections::BTreeMap;
use std::path::Path;

use feishu_im_codegen::{EndpointSummary, Published, SourceFile, load_catalog, normalized};

pub const CATALOG: &str = "catalog/im_endpoints.yaml";
const README: &str = "README.md";
const BEGIN: &str = "<!-- coverage:begin (written by `cargo xtask codegen`) -->";
const END: &str = "<!-- coverage:end -->";
/// Why an endpoint without a `note` in the catalog is missing.
const NOT_YET: &str = "not in the spec yet";

/// One published endpoint and the spec operation that describes it, if any.
struct Row<'a> {
    published: &'a Published,
    covered_by: Option<&'a EndpointSummary>,
}

/// The same method and path, whatever the parameters are called.
fn key(method: &str, path: &str) -> (String, String) {
    (method.to_ascii_uppercase(), normalized(path))
}

/// The catalog's file, to be read by the spec's rules ([`load_catalog`]).
pub fn catalog_file(root: &Path) -> Result<SourceFile, String> {
    let text =
        std::fs::read_to_string(root.join(CATALOG)).map_err(|e| format!("{CATALOG}: {e}"))?;
    Ok(SourceFile { name: CATALOG.to_owned(), text })
}

fn rows<'a>(catalog: &'a [Published], spec: &'a [EndpointSummary]) -> Vec<Row<'a>> {
    let by_key: BTreeMap<_, _> = spec.iter().map(|e| (key(e.method, &e.path), e)).collect();
    catalog
        .iter()
        .map(|p| Row { published: p, covered_by: by_key.get(&key(&p.method, &p.path)).copied() })
        .collect()
}

/// Prints every published endpoint with the operation that covers it or the reason it is
/// missing, then the spec's endpoints that the catalog does not list.
pub fn run(root: &Path) -> Result<(), String> {
    let catalog = load_catalog(&catalog_file(root)?).map_err(|problems| problems.to_string())?;
    let spec = crate::spec::spec_summary(root)?;
    let rows = rows(&catalog, &spec);
    println!("| published endpoint | in the spec |");
    println!("|---|---|");
    for row in &rows {
        let p = row.published;
        let status = match (row.covered_by, &p.note) {
            (Some(e), _) => format!("`{}`", e.operation),
            (None, Some(note)) => format!("no: {note}"),
            (None, None) => format!("no: {NOT_YET}"),
        };
        println!("| `{} {}` ({}.{}) | {status} |", p.method, p.path, p.resource, p.operation);
    }
    let published: Vec<_> = catalog.iter().map(|p| key(&p.method, &p.path)).collect();
    let extra: Vec<_> =
        spec.iter().filter(|e| !published.contains(&key(e.method, &e.path))).collect();
    for e in &extra {
        println!("| not in the catalog: `{} {}` | `{}` |", e.method, e.path, e.operation);
    }
    let covered = rows.iter().filter(|r| r.covered_by.is_some()).count();
    println!("\n{covered} of {} published endpoints are in the spec.", rows.len());
    Ok(())
}

/// The README's summary: one row per published resource.
fn summary(rows: &[Row<'_>]) -> String {
    let mut by_resource: BTreeMap<String, (usize, usize, Vec<String>)> = BTreeMap::new();
    for row in rows {
        let p = row.published;
        let version = p.path.split('/').nth(3).unwrap_or_default();
        let entry = by_resource.entry(format!("{version} {}", p.resource)).or_default();
        entry.0 += 1;
        if row.covered_by.is_some() {
            entry.1 += 1;
        } else {
            entry.2.push(match &p.note {
                Some(note) => format!("`{}` ({note})", p.operation),
                None => format!("`{}`", p.operation),
            });
        }
    }
    let covered = rows.iter().filter(|r| r.covered_by.is_some()).count();
    let mut out = format!(
        "{covered} of the {} published IM endpoints are in the spec (`cargo xtask coverage` lists each); the missing ones are {NOT_YET} unless a reason is given.\n\n",
        rows.len()
    );
    out.push_str("| resource | published | in the spec | missing |\n|---|---|---|---|\n");
    for (resource, (published, covered, missing)) in by_resource {
        let missing = if missing.is_empty() { "—".to_owned() } else { missing.join(", ") };
        out.push_str(&format!("| {resource} | {published} | {covered} | {missing} |\n"));
    }
    out
}

/// The README with its coverage section written from the catalog and the spec.
pub fn readme(
    root: &Path,
    catalog: &[Published],
    spec: &[EndpointSummary],
) -> Result<crate::section::Rewrite, String> {
    let table = summary(&rows(catalog, spec));
    crate::section::rewrite(&root.join(README), BEGIN, END, &table)
}
