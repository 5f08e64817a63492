//! The generator's tables of names the generated files do not show (`feishu_im_codegen::reserved`)
//! against the runtime's sources and `feishu-im`'s manifest: a runtime item, method or crate
//! feature added without being listed there fails here, before a spec name could clash with it.

use std::fs;

use feishu_im_codegen::reserved::{
    CALLER_METHODS, CLIENT_METHODS, CRATE_FEATURES, PRELUDE, RUNTIME_ROOT,
};
use feishu_im_tests::generated_crates::workspace_root;
use syn::{Item, UseTree};

/// A source file of a crate of the workspace, `feishu-im-runtime/src/lib.rs`.
fn parse(file: &str) -> syn::File {
    let path = workspace_root().join(file);
    syn::parse_file(&fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn use_names(tree: &UseTree, out: &mut Vec<String>) {
    match tree {
        UseTree::Path(path) => use_names(&path.tree, out),
        UseTree::Name(name) => out.push(name.ident.to_string()),
        UseTree::Rename(rename) => out.push(rename.rename.to_string()),
        UseTree::Group(group) => group.items.iter().for_each(|t| use_names(t, out)),
        UseTree::Glob(_) => {}
    }
}

/// Names of the crate root: modules, re-exports and items of `lib.rs`, and the public ones of
/// the runtime, which the generated code re-exports whole.
fn crate_root() -> Vec<String> {
    let mut names = Vec::new();
    let runtime =
        parse("feishu-im-runtime/src/lib.rs").items.into_iter().filter(|item| match item {
            Item::Mod(m) => matches!(m.vis, syn::Visibility::Public(_)),
            Item::Use(u) => matches!(u.vis, syn::Visibility::Public(_)),
            _ => true,
        });
    for item in parse("feishu-im/src/lib.rs").items.into_iter().chain(runtime) {
        match item {
            Item::Mod(m) => names.push(m.ident.to_string()),
            Item::Use(u) => use_names(&u.tree, &mut names),
            Item::Struct(s) => names.push(s.ident.to_string()),
            Item::Enum(e) => names.push(e.ident.to_string()),
            Item::Fn(f) => names.push(f.sig.ident.to_string()),
            Item::Const(c) => names.push(c.ident.to_string()),
            Item::Trait(t) => names.push(t.ident.to_string()),
            Item::Type(t) => names.push(t.ident.to_string()),
            _ => {}
        }
    }
    names
}

/// Inherent methods of `type_name` in every runtime file, private ones included.
fn inherent_methods(type_name: &str) -> Vec<String> {
    let mut names = Vec::new();
    for entry in fs::read_dir(workspace_root().join("feishu-im-runtime/src")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let file = format!("feishu-im-runtime/src/{}", path.file_name().unwrap().to_string_lossy());
        for item in parse(&file).items {
            let Item::Impl(block) = item else { continue };
            let syn::Type::Path(ty) = &*block.self_ty else { continue };
            if block.trait_.is_some()
                || ty.path.segments.last().is_none_or(|s| s.ident != type_name)
            {
                continue;
            }
            for item in block.items {
                if let syn::ImplItem::Fn(f) = item {
                    names.push(f.sig.ident.to_string());
                }
            }
        }
    }
    names
}

fn missing(found: &[String], table: &[&str]) -> Vec<String> {
    found.iter().filter(|n| !table.contains(&n.as_str())).cloned().collect()
}

#[test]
fn every_crate_root_item_is_reserved() {
    let root = crate_root();
    assert!(root.contains(&"Client".to_owned()), "the parse found the runtime: {root:?}");
    let missing = missing(&root, RUNTIME_ROOT);
    assert!(missing.is_empty(), "add to reserved::RUNTIME_ROOT: {missing:?}");
}

#[test]
fn every_client_and_caller_method_is_reserved() {
    let client = inherent_methods("Client");
    assert!(client.contains(&"builder".to_owned()), "{client:?}");
    let missing_client = missing(&client, CLIENT_METHODS);
    assert!(missing_client.is_empty(), "add to reserved::CLIENT_METHODS: {missing_client:?}");
    let caller = inherent_methods("Caller");
    assert!(caller.contains(&"send".to_owned()), "{caller:?}");
    let missing_caller = missing(&caller, CALLER_METHODS);
    assert!(missing_caller.is_empty(), "add to reserved::CALLER_METHODS: {missing_caller:?}");
}

#[test]
fn every_feature_of_feishu_im_but_the_resources_is_reserved() {
    let manifest = fs::read_to_string(workspace_root().join("feishu-im/Cargo.toml")).unwrap();
    let features = manifest.split("[features]").nth(1).expect("feishu-im has features");
    let features = features.split("\n[").next().unwrap_or_default();
    // Between the markers, `cargo xtask codegen` writes `full` and one feature per resource.
    let (before, written) = features.split_once("# features:begin").expect("the markers");
    let after = written.split_once("# features:end").map_or("", |(_, after)| after);
    let hand_written: Vec<String> = before
        .lines()
        .chain(after.lines())
        .filter_map(|line| line.split_once(" = ").map(|(name, _)| name.trim().to_owned()))
        .filter(|name| !name.starts_with('#'))
        .chain(["full".to_owned()])
        .collect();
    assert!(hand_written.contains(&"redis".to_owned()), "{hand_written:?}");
    let missing = missing(&hand_written, CRATE_FEATURES);
    assert!(missing.is_empty(), "add to reserved::CRATE_FEATURES: {missing:?}");
}

#[test]
fn the_prelude_table_covers_what_generated_code_names() {
    for name in ["Option", "Some", "None", "String", "Vec", "Result", "Into", "Default"] {
        assert!(PRELUDE.contains(&name), "{name}");
    }
}
