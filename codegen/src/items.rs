//! One table of every name the generated code holds, by scope, each with what put it there.
//!
//! The generated files are read back as Rust before any is written, and every item is entered
//! under its scope:
//! - each module: types, modules, functions, constants and imports (the runtime's glob-exported
//!   names at the crate root, and the Rust prelude everywhere);
//! - each type: its variants, methods, associated constants and trait impls, those the
//!   runtime's macros write included, and the methods of the traits every generated type has;
//! - the `Resources` trait: its accessors, beside the methods of `Client` and `Caller`;
//! - the crate's cargo features and its generated files.
//!
//! An item caused by the spec is traced back to its location through the IR. Two entries of one
//! name in one scope, one of them from the spec, are a located error that names both, so a spec
//! that generates colliding names is refused however the collision arises.

use std::collections::{BTreeMap, BTreeSet};

use syn::ext::IdentExt;
use syn::{ImplItem, Item, TraitItem, UseTree};

use crate::diagnostics::{Diagnostics, Location};
use crate::emit::{GeneratedFile, Part};
use crate::ir::{Api, Struct};
use crate::reserved::{
    CALLER_METHODS, CLIENT_METHODS, CRATE_FEATURES, PRELUDE, RUNTIME_ROOT, TRAIT_METHODS,
};

/// The path of the client crate's root in messages.
const CLIENT: &str = "feishu_im";
/// The path of the fake's generated module in messages.
const FAKE: &str = "feishu_fake::generated";
/// What the generator writes of its own accord.
const GENERATOR: &str = "the generator";
/// The scope of generated file paths.
const FILES: &str = "the generated files";
/// How far an import is followed to the item it names.
const MAX_IMPORT_HOPS: usize = 16;

/// Refuses the names of `files` (generated from `api`) that meet another name in their scope.
pub fn check(api: &Api, files: &[GeneratedFile]) -> Result<(), Diagnostics> {
    let origins = Origins::of(api);
    let mut table = Table::default();
    let mut diags = Diagnostics::default();
    for file in files {
        let module = module_of(file);
        let source = origins.file_key(file);
        match syn::parse_file(&file.contents) {
            Ok(syntax) => {
                let mut walk = Walk { table: &mut table, origins: &origins, file: &source };
                walk.items(&module, &syntax.items);
            }
            Err(error) => {
                let at = Location { file: "spec".into(), line: 1, column: 1, path: String::new() };
                diags.push_internal(&at, format!("generated `{}` is not Rust: {error}", file.path));
            }
        }
        let itself = (module.clone(), Origin::Fixed(GENERATOR));
        table.module_files.entry(source.clone()).or_default().push(itself);
        let files = table.scopes.get(FILES).and_then(|names| names.get(&source));
        let origin = origins.nth(&source, "", Kind::File, files.map_or(0, Vec::len));
        table.enter(FILES, &source, Entry { kind: Kind::File, origin });
    }
    for resource in api.versions.values().flatten() {
        let origin = Origin::Spec("resource", resource.at.clone());
        table.enter("the cargo features", &resource.feature, Entry { kind: Kind::Feature, origin });
    }
    for feature in CRATE_FEATURES {
        let origin = Origin::Fixed("a feature of `feishu-im` itself");
        table.enter("the cargo features", feature, Entry { kind: Kind::Feature, origin });
    }
    table.report(&mut diags);
    if diags.is_empty() { Ok(()) } else { Err(diags.sorted()) }
}

/// What an entry is, as Rust sees it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Module,
    Struct,
    Enum,
    Trait,
    TypeAlias,
    Function,
    Constant,
    Import,
    Variant,
    Method,
    TraitImpl,
    Feature,
    File,
    /// A name the scope holds without the generated code defining it.
    Given,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Module => "the module",
            Kind::Struct => "the struct",
            Kind::Enum => "the enum",
            Kind::Trait => "the trait",
            Kind::TypeAlias => "the type alias",
            Kind::Function => "the function",
            Kind::Constant => "the constant",
            Kind::Import => "the import",
            Kind::Variant => "the variant",
            Kind::Method => "the method",
            Kind::TraitImpl => "the trait impl",
            Kind::Feature => "the feature",
            Kind::File => "the file",
            Kind::Given => "the name",
        }
    }
}

/// What caused an entry.
#[derive(Clone, Debug)]
enum Origin {
    /// A spec item: what it is (`object`, `field`, …) and where.
    Spec(&'static str, Location),
    /// The runtime, the prelude, a dependency or the generator itself.
    Fixed(&'static str),
    /// An import, until it is followed: the scope it names and the name there.
    Imported(String, String),
}

#[derive(Clone, Debug)]
struct Entry {
    kind: Kind,
    origin: Origin,
}

/// Scope → name → entries.
#[derive(Default)]
struct Table {
    scopes: BTreeMap<String, BTreeMap<String, Vec<Entry>>>,
    /// File path → the modules that would be read from it, and why.
    module_files: BTreeMap<String, Vec<(String, Origin)>>,
}

impl Table {
    fn enter(&mut self, scope: &str, name: &str, entry: Entry) {
        let names = self.scopes.entry(scope.to_owned()).or_default();
        names.entry(name.to_owned()).or_default().push(entry);
    }

    /// What an import names, followed through other imports.
    fn follow(&self, scope: &str, name: &str, hops: usize) -> Origin {
        let entries = self.scopes.get(scope).and_then(|names| names.get(name));
        let Some(entries) = entries.filter(|_| hops < MAX_IMPORT_HOPS) else {
            return Origin::Fixed("an item the generated code does not define");
        };
        let mut found = entries.iter().map(|entry| match &entry.origin {
            Origin::Imported(scope, name) => self.follow(scope, name, hops + 1),
            origin => origin.clone(),
        });
        let first = found.next().unwrap_or(Origin::Fixed("an imported item"));
        found.find(|o| matches!(o, Origin::Spec(..))).unwrap_or(first)
    }

    fn report(&self, diags: &mut Diagnostics) {
        // A name that meets another in several scopes (an enum where it is declared, where it
        // is re-exported and where it is imported) is reported once, in the first.
        let mut reported: BTreeSet<(Location, &str)> = BTreeSet::new();
        for (path, modules) in &self.module_files {
            let Some((module, Origin::Spec(what, at))) =
                modules.iter().find(|(_, origin)| matches!(origin, Origin::Spec(..)))
            else {
                continue;
            };
            if let Some((other, _)) = modules.iter().find(|(m, _)| m != module) {
                diags.push(
                    at,
                    format!("the module `{module}`, from the {what} at {at}, would be read from `{path}`, the file of `{other}`; rename the spec item"),
                );
            }
        }
        for (scope, names) in &self.scopes {
            for (name, entries) in names {
                if entries.len() < 2 {
                    continue;
                }
                let resolved: Vec<(Kind, Origin)> = entries
                    .iter()
                    .map(|e| match &e.origin {
                        Origin::Imported(s, n) => (e.kind, self.follow(s, n, 0)),
                        origin => (e.kind, origin.clone()),
                    })
                    .collect();
                let spec: Vec<&Location> = resolved
                    .iter()
                    .filter_map(|(_, o)| match o {
                        Origin::Spec(_, at) => Some(at),
                        _ => None,
                    })
                    .collect();
                // Names the generator and the runtime share on purpose (`Error`, which the
                // crate root types with its codes) shadow each other by design.
                let Some(at) = spec.iter().max_by_key(|at| (&at.file, at.line, at.column)) else {
                    continue;
                };
                if !reported.insert(((*at).clone(), name.as_str())) {
                    continue;
                }
                let both: Vec<String> = resolved.iter().map(|(k, o)| describe(*k, o)).collect();
                diags.push(
                    at,
                    format!(
                        "`{name}` is defined more than once in {scope}: {}; rename the spec item",
                        both.join("; ")
                    ),
                );
            }
        }
    }
}

fn describe(kind: Kind, origin: &Origin) -> String {
    match origin {
        Origin::Spec(what, at) => format!("{} from the {what} at {at}", kind.noun()),
        Origin::Fixed(GENERATOR) => format!("{} the generator writes", kind.noun()),
        Origin::Fixed(what) if matches!(kind, Kind::Given | Kind::Feature) => (*what).to_owned(),
        Origin::Fixed(what) => format!("{} of {what}", kind.noun()),
        Origin::Imported(scope, name) => format!("{} of `{name}` from {scope}", kind.noun()),
    }
}

/// The module a generated file is, as a path.
fn module_of(file: &GeneratedFile) -> String {
    let root = match file.part {
        Part::Client => CLIENT,
        Part::Fake => FAKE,
    };
    let path = file.path.trim_end_matches(".rs");
    let path = if path == "mod" { "" } else { path.strip_suffix("/mod").unwrap_or(path) };
    if path.is_empty() { root.to_owned() } else { format!("{root}::{}", path.replace('/', "::")) }
}

/// A generated item: its file, its key there and what it is.
type ItemKey = (String, String, Kind);

/// Spec locations of what the IR lowers, by the generated file they land in and a key: the
/// item's name, or `Type::member` for members.
struct Origins {
    by_item: BTreeMap<ItemKey, Vec<(&'static str, Location)>>,
}

impl Origins {
    fn of(api: &Api) -> Self {
        let mut origins = Origins { by_item: BTreeMap::new() };
        for e in &api.enums {
            origins.add("enums.rs", &e.name, Kind::Enum, "enum", &e.at);
            for v in &e.variants {
                let key = format!("{}::{}", e.name, v.name);
                origins.add("enums.rs", &key, Kind::Variant, "enum value", &v.at);
            }
        }
        origins.structs("objects.rs", &api.objects, "object");
        for c in &api.contents {
            origins.add("contents.rs", &c.name, Kind::Enum, "content", &c.at);
            for k in &c.kinds {
                let variant = format!("{}::{}", c.name, k.variant);
                origins.add("contents.rs", &variant, Kind::Variant, "content kind", &k.at);
                let constructor = format!("{}::{}", c.name, k.value);
                origins.add("contents.rs", &constructor, Kind::Method, "content kind", &k.at);
            }
            origins.structs("contents.rs", &c.objects, "object");
        }
        for e in &api.events {
            let variant = format!("Event::{}", e.name);
            origins.add("events.rs", &variant, Kind::Variant, "event", &e.at);
            origins.structs("events.rs", std::iter::once(&e.payload).chain(&e.response), "event");
        }
        origins.structs("events.rs", &api.event_objects, "object");
        for (version, resources) in &api.versions {
            let mut first = true;
            for r in resources {
                if std::mem::take(&mut first) {
                    origins.add("mod.rs", version, Kind::Module, "resource", &r.at);
                }
                let file = format!("{version}/{}.rs", r.module);
                origins.add(&file, "", Kind::File, "resource", &r.at);
                origins.add(&format!("fake/{file}"), "", Kind::File, "resource", &r.at);
                origins.add(
                    &format!("{version}/mod.rs"),
                    &r.module,
                    Kind::Module,
                    "resource",
                    &r.at,
                );
                let accessor = format!("Resources::{}", r.module);
                origins.add("resources.rs", &accessor, Kind::Method, "resource", &r.at);
                origins.add(&file, &r.handle, Kind::Struct, "resource", &r.at);
                for e in &r.endpoints {
                    for method in [e.name.clone(), e.pager()] {
                        let key = format!("{}::{method}", r.handle);
                        origins.add(&file, &key, Kind::Method, "operation", &e.at);
                    }
                    origins.structs(&file, [&e.request, &e.response], "operation");
                }
                origins.structs(&file, &r.objects, "object");
            }
        }
        origins
    }

    fn structs<'a>(
        &mut self,
        file: &str,
        structs: impl IntoIterator<Item = &'a Struct>,
        what: &'static str,
    ) {
        for s in structs {
            self.add(file, &s.name, Kind::Struct, what, &s.at);
            for f in &s.fields {
                let key = format!("{}::{}", s.name, f.name);
                self.add(file, &key, Kind::Method, "field", &f.at);
            }
        }
    }

    fn add(&mut self, file: &str, key: &str, kind: Kind, what: &'static str, at: &Location) {
        let entry = self.by_item.entry((file.to_owned(), key.to_owned(), kind)).or_default();
        entry.push((what, at.clone()));
    }

    /// The key of a generated file among the origins' files.
    fn file_key(&self, file: &GeneratedFile) -> String {
        match file.part {
            Part::Client => file.path.clone(),
            Part::Fake => format!("fake/{}", file.path),
        }
    }

    /// The origin of the `n`th definition of `key` in `file`: the spec item that caused it, or
    /// the generator when the spec caused fewer such items.
    fn nth(&self, file: &str, key: &str, kind: Kind, n: usize) -> Origin {
        match self.by_item.get(&(file.to_owned(), key.to_owned(), kind)).and_then(|o| o.get(n)) {
            Some((what, at)) => Origin::Spec(what, at.clone()),
            None => Origin::Fixed(GENERATOR),
        }
    }
}

/// Enters the items of one file.
struct Walk<'a> {
    table: &'a mut Table,
    origins: &'a Origins,
    file: &'a str,
}

impl Walk<'_> {
    /// Enters a definition; the `n`th one of a key takes the `n`th spec origin of that key, so
    /// that two items from one spec item and the generator are told apart.
    fn define(&mut self, scope: &str, key: &str, name: &str, kind: Kind) {
        let seen = self.table.scopes.get(scope).and_then(|names| names.get(name));
        let n = seen.map_or(0, |entries| entries.iter().filter(|e| e.kind == kind).count());
        let origin = self.origins.nth(self.file, key, kind, n);
        self.table.enter(scope, name, Entry { kind, origin });
    }

    fn given(&mut self, scope: &str, names: &[&str], what: &'static str) {
        for name in names {
            self.table.enter(scope, name, Entry { kind: Kind::Given, origin: Origin::Fixed(what) });
        }
    }

    fn items(&mut self, module: &str, items: &[Item]) {
        self.given(module, PRELUDE, "a name of the Rust prelude");
        for item in items {
            match item {
                Item::Struct(s) => self.data_type(module, &s.ident, Kind::Struct, &s.attrs),
                Item::Enum(e) => {
                    self.data_type(module, &e.ident, Kind::Enum, &e.attrs);
                    let scope = format!("{module}::{}", e.ident);
                    for v in &e.variants {
                        let name = v.ident.unraw().to_string();
                        self.define(&scope, &format!("{}::{name}", e.ident), &name, Kind::Variant);
                    }
                }
                Item::Trait(t) => {
                    let name = t.ident.unraw().to_string();
                    self.define(module, &name, &name, Kind::Trait);
                    let scope = format!("{module}::{name}");
                    if name == "Resources" {
                        self.given(
                            &scope,
                            CLIENT_METHODS,
                            "a method of `Client`, which has every accessor",
                        );
                        self.given(
                            &scope,
                            CALLER_METHODS,
                            "a method of `Caller`, which has every accessor",
                        );
                        self.given(
                            &scope,
                            TRAIT_METHODS,
                            "a method of a trait `Client` implements",
                        );
                    }
                    for item in &t.items {
                        if let TraitItem::Fn(f) = item {
                            let method = f.sig.ident.unraw().to_string();
                            self.define(
                                &scope,
                                &format!("{name}::{method}"),
                                &method,
                                Kind::Method,
                            );
                        }
                    }
                }
                Item::Type(t) => {
                    let name = t.ident.unraw().to_string();
                    self.define(module, &name, &name, Kind::TypeAlias);
                }
                Item::Mod(m) => {
                    let name = m.ident.unraw().to_string();
                    self.define(module, &name, &name, Kind::Module);
                    if m.content.is_none() {
                        self.module_file(module, &name);
                    }
                }
                Item::Fn(f) => {
                    let name = f.sig.ident.unraw().to_string();
                    self.define(module, &name, &name, Kind::Function);
                }
                Item::Const(c) => {
                    let name = c.ident.unraw().to_string();
                    self.define(module, &name, &name, Kind::Constant);
                }
                Item::Static(s) => {
                    let name = s.ident.unraw().to_string();
                    self.define(module, &name, &name, Kind::Constant);
                }
                Item::Use(u) => self.import(module, &mut Vec::new(), &u.tree),
                Item::Impl(block) => self.impl_block(module, block),
                Item::Macro(m) => self.macro_call(module, m),
                _ => {}
            }
        }
    }

    /// A module declared in this file is read from `<name>.rs` or `<name>/mod.rs` beside it;
    /// neither may be the file of another module (`mod r#mod;` in a `mod.rs` is that file).
    fn module_file(&mut self, module: &str, name: &str) {
        let dir = match self.file.strip_suffix("mod.rs") {
            Some(dir) => dir.to_owned(),
            None => format!("{}/", self.file.trim_end_matches(".rs")),
        };
        let origin = self.origins.nth(self.file, name, Kind::Module, 0);
        let declared = format!("{module}::{name}");
        for path in [format!("{dir}{name}.rs"), format!("{dir}{name}/mod.rs")] {
            let files = self.table.module_files.entry(path).or_default();
            files.push((declared.clone(), origin.clone()));
        }
    }

    /// A struct or enum: its name, its derives, and the trait methods every one has.
    fn data_type(
        &mut self,
        module: &str,
        ident: &syn::Ident,
        kind: Kind,
        attrs: &[syn::Attribute],
    ) {
        let name = ident.unraw().to_string();
        self.define(module, &name, &name, kind);
        let scope = format!("{module}::{name}");
        self.given(&scope, TRAIT_METHODS, "a method of a trait every generated type implements");
        for attr in attrs {
            for derived in derives(attr) {
                self.define(
                    &scope,
                    &format!("{name}::impl {derived}"),
                    &format!("impl {derived}"),
                    Kind::TraitImpl,
                );
            }
        }
    }

    fn impl_block(&mut self, module: &str, block: &syn::ItemImpl) {
        let syn::Type::Path(ty) = &*block.self_ty else { return };
        let Some(last) = ty.path.segments.last() else { return };
        let name = last.ident.unraw().to_string();
        let scope = format!("{module}::{name}");
        if let Some((path, _)) = &block.trait_ {
            let tokens = quote::ToTokens::to_token_stream(path).to_string();
            let key = format!("impl {}", tokens.replace(' ', ""));
            self.define(&scope, &format!("{name}::{key}"), &key, Kind::TraitImpl);
            return;
        }
        for item in &block.items {
            let (member, kind) = match item {
                ImplItem::Fn(f) => (f.sig.ident.unraw().to_string(), Kind::Method),
                ImplItem::Const(c) => (c.ident.unraw().to_string(), Kind::Constant),
                _ => continue,
            };
            self.define(&scope, &format!("{name}::{member}"), &member, kind);
        }
    }

    /// The runtime's item macros write trait impls for the type they are given first.
    fn macro_call(&mut self, module: &str, call: &syn::ItemMacro) {
        let Some(macro_name) = call.mac.path.segments.last().map(|s| s.ident.to_string()) else {
            return;
        };
        let traits: &[&str] = match macro_name.as_str() {
            "json_object" => &["::serde::Deserialize", "JsonObject"],
            "paged" => &["Paged"],
            _ => return,
        };
        let Some(proc_macro2::TokenTree::Ident(ty)) = call.mac.tokens.clone().into_iter().next()
        else {
            return;
        };
        let name = ty.unraw().to_string();
        let scope = format!("{module}::{name}");
        for t in traits {
            let key = format!("impl {}", t.trim_start_matches("::serde::"));
            self.define(&scope, &format!("{name}::{key}"), &key, Kind::TraitImpl);
        }
    }

    /// Enters each name a `use` brings into `module`, to be followed to what it names.
    fn import(&mut self, module: &str, prefix: &mut Vec<String>, tree: &UseTree) {
        match tree {
            UseTree::Path(path) => {
                prefix.push(path.ident.unraw().to_string());
                self.import(module, prefix, &path.tree);
                prefix.pop();
            }
            UseTree::Name(name) => {
                let name = name.ident.unraw().to_string();
                let origin = self.target(module, prefix, &name);
                self.table.enter(module, &name, Entry { kind: Kind::Import, origin });
            }
            UseTree::Rename(rename) => {
                let original = rename.ident.unraw().to_string();
                let origin = self.target(module, prefix, &original);
                let name = rename.rename.unraw().to_string();
                self.table.enter(module, &name, Entry { kind: Kind::Import, origin });
            }
            UseTree::Group(group) => {
                for tree in &group.items {
                    self.import(module, prefix, tree);
                }
            }
            UseTree::Glob(_) => {
                if prefix.len() == 1 && prefix[0] == "feishu_im_runtime" && module == CLIENT {
                    self.given(
                        module,
                        RUNTIME_ROOT,
                        "an item of `feishu-im-runtime`, re-exported at the crate root",
                    );
                }
            }
        }
    }

    /// Where an import of `name` from `prefix` leads: a scope of the table, or something fixed.
    fn target(&self, module: &str, prefix: &[String], name: &str) -> Origin {
        let in_fake = module.starts_with(FAKE);
        let Some((first, rest)) = prefix.split_first() else {
            return Origin::Fixed("an imported crate");
        };
        let base = match first.as_str() {
            "crate" if in_fake => return Origin::Fixed("the fake's own items"),
            "crate" => CLIENT.to_owned(),
            "feishu_im" => CLIENT.to_owned(),
            "self" => module.to_owned(),
            "super" => module.rsplit_once("::").map_or(module, |(parent, _)| parent).to_owned(),
            "serde" | "serde_json" | "std" | "core" | "alloc" => {
                return Origin::Fixed("a dependency");
            }
            "feishu_im_runtime" => return Origin::Fixed("`feishu-im-runtime`"),
            local => format!("{module}::{local}"),
        };
        let scope = rest.iter().fold(base, |scope, part| format!("{scope}::{part}"));
        Origin::Imported(scope, name.to_owned())
    }
}

/// The traits of `#[derive(..)]` and `#[cfg_attr(.., derive(..))]`.
fn derives(attr: &syn::Attribute) -> Vec<String> {
    let text = quote::ToTokens::to_token_stream(&attr.meta).to_string().replace(' ', "");
    let Some(start) = text.find("derive(") else { return Vec::new() };
    let list = &text[start + "derive(".len()..];
    let list = list.split(')').next().unwrap_or_default();
    list.split(',')
        .filter(|t| !t.is_empty())
        .map(|t| t.rsplit("::").next().unwrap_or(t).to_owned())
        .collect()
}
