//! The public API of a crate of the workspace, read from its sources, item by item under the
//! paths users name them by.
//!
//! Every module file is read, private ones too: an item is listed under each public path that
//! reaches it (its module, or a `pub use`), and an impl block is resolved to the item it is for
//! from the module it is written in (the module's own items, then its imports), so that two
//! types of the same name in two modules never share methods. Re-exports of another crate
//! (`pub use feishu_im_runtime::*`) are listed as such: that crate has a listing of its own.
//!
//! [`Listing::links`] writes every listed path as an intra-doc link; the `feishu-im-public-api`
//! crate includes those links in its docs, so `cargo doc` proves that each one names a real
//! item. `cargo xtask codegen` writes both, the generated code read from memory before it is
//! written ([`Overlay`]), so the listings change with the spec in one step.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use syn::{Attribute, ImplItem, Item, UseTree, Visibility};

/// A crate to list: its name as code names it and its `lib.rs`.
#[derive(Debug, Clone)]
pub struct CrateSource {
    /// `feishu_im`.
    pub name: String,
    /// Its `src/lib.rs`.
    pub lib: PathBuf,
}

/// Files read from memory instead of the disk: every file below `dir` is one of `files` or
/// does not exist (generated code not written yet, whose stale files on disk do not count).
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    /// The directory the overlay owns.
    pub dir: PathBuf,
    /// Its files, by path (`dir` joined with the relative path).
    pub files: BTreeMap<PathBuf, String>,
}

impl Overlay {
    fn owns(&self, file: &Path) -> bool {
        !self.dir.as_os_str().is_empty() && file.starts_with(&self.dir)
    }

    fn exists(&self, file: &Path) -> bool {
        if self.owns(file) { self.files.contains_key(file) } else { file.exists() }
    }

    fn read(&self, file: &Path) -> Result<String, String> {
        if self.owns(file) {
            return self
                .files
                .get(file)
                .cloned()
                .ok_or_else(|| format!("{}: not found", file.display()));
        }
        fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))
    }
}

/// One module file: where it sits, what it declares, and the names it imports.
struct Module {
    /// `feishu_im::generated::v1`, private modules included.
    path: String,
    items: Vec<Item>,
    /// Local name → the full path it imports (`Caller` → `feishu_im_runtime::Caller`).
    imports: BTreeMap<String, String>,
    /// Paths of the modules whose names `use …::*` brings in.
    globs: Vec<String>,
    /// Names the module declares: items and child modules.
    locals: BTreeSet<String>,
}

/// What the API shows of one public path.
struct Entry {
    /// The item's outline: no docs, no bodies, no private fields.
    outline: Item,
    /// Where it is defined, `feishu_im::generated::v1::chat_members::CreateRequest`.
    definition: String,
    /// The kind for an intra-doc link, `struct`; `None`: not linkable (hidden, or a re-export
    /// of another crate).
    link_kind: Option<&'static str>,
}

/// The public API of one crate.
pub struct Listing {
    name: String,
    entries: BTreeMap<String, Entry>,
    /// Impl blocks by the definition path of the type they are for.
    impls: BTreeMap<String, Vec<syn::ItemImpl>>,
    /// What could not be listed.
    problems: Vec<String>,
}

impl Listing {
    /// Reads the crate's sources (those below the overlay's directory from it) and lists its
    /// public API, or says what could not be read or resolved.
    pub fn of(source: &CrateSource, overlay: &Overlay) -> Result<Listing, String> {
        let mut modules = BTreeMap::new();
        load_tree(&source.name, &source.lib, overlay, &mut modules)?;
        let mut listing = Listing {
            name: source.name.clone(),
            entries: BTreeMap::new(),
            impls: BTreeMap::new(),
            problems: Vec::new(),
        };
        listing.collect_impls(&modules);
        let mut seen = BTreeSet::new();
        listing.walk(&source.name, &source.name, &modules, &mut seen);
        if listing.problems.is_empty() { Ok(listing) } else { Err(listing.problems.join("\n")) }
    }

    /// The listing as text: each public path with its outline, then the public methods and
    /// trait impls of the item it names.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for (path, entry) in &self.entries {
            let mut items = vec![entry.outline.clone()];
            let mut blocks: Vec<String> = self
                .impls
                .get(&entry.definition)
                .into_iter()
                .flatten()
                .filter_map(outline_impl)
                .map(|b| unparse(vec![Item::Impl(b)]))
                .collect();
            blocks.sort();
            blocks.dedup();
            items.extend(blocks.iter().map(|b| syn::parse_str::<Item>(b).unwrap()));
            text.push_str(&format!("// {path}\n{}\n", unparse(items)));
        }
        text
    }

    /// Every listed path that rustdoc can resolve, as a Markdown list of intra-doc links: the
    /// items, their public fields and variants, and the public methods and constants of their
    /// inherent impls.
    pub fn links(&self) -> String {
        let mut lines = BTreeSet::new();
        for (path, entry) in &self.entries {
            let Some(kind) = entry.link_kind else { continue };
            lines.insert(link(kind, path));
            for (member, kind) in members(&entry.outline) {
                lines.insert(link(kind, &format!("{path}::{member}")));
            }
            if matches!(entry.outline, Item::Mod(_) | Item::Use(_)) {
                continue;
            }
            let inherent = self.impls.get(&entry.definition).into_iter().flatten();
            for block in inherent.filter(|b| b.trait_.is_none() && !hidden(&b.attrs)) {
                for item in &block.items {
                    let (name, kind) = match item {
                        ImplItem::Fn(f) if is_public(&f.vis) && !hidden(&f.attrs) => {
                            (f.sig.ident.to_string(), "fn")
                        }
                        ImplItem::Const(c) if is_public(&c.vis) && !hidden(&c.attrs) => {
                            (c.ident.to_string(), "const")
                        }
                        _ => continue,
                    };
                    lines.insert(link(kind, &format!("{path}::{name}")));
                }
            }
        }
        let mut text = format!(
            "Every item of `{}`'s public API, linked: `cargo doc` fails on one that does not exist.\n\n",
            self.name
        );
        for line in lines {
            text.push_str(&line);
            text.push('\n');
        }
        text
    }

    /// Resolves every impl block of the crate (and those its macros write) to the definition
    /// of its self type, from the module it is written in.
    fn collect_impls(&mut self, modules: &BTreeMap<String, Module>) {
        for module in modules.values() {
            for item in &module.items {
                let blocks = match item {
                    Item::Impl(block) if !test_only(&block.attrs) => vec![block.clone()],
                    Item::Macro(m) => match macro_impls(m) {
                        Ok(blocks) => blocks,
                        Err(problem) => {
                            self.problems.push(format!("in {}: {problem}", module.path));
                            continue;
                        }
                    },
                    _ => continue,
                };
                for block in blocks {
                    let Some(name) = self_path(&block) else { continue };
                    if let Some(definition) = resolve(modules, &module.path, &name, 0) {
                        self.impls.entry(definition).or_default().push(block);
                    }
                }
            }
        }
    }

    /// Lists the public items of the module `module` under the public path `path`.
    fn walk(
        &mut self,
        path: &str,
        module: &str,
        modules: &BTreeMap<String, Module>,
        seen: &mut BTreeSet<(String, String)>,
    ) {
        if !seen.insert((path.to_owned(), module.to_owned())) {
            return;
        }
        let Some(m) = modules.get(module) else { return };
        for item in &m.items {
            if test_only(item_attrs(item)) {
                continue;
            }
            match item {
                Item::Mod(inner) if is_public(&inner.vis) => {
                    let child_path = format!("{path}::{}", inner.ident);
                    let mut header = inner.clone();
                    header.content = None;
                    api_attrs(&mut header.attrs);
                    let link_kind = (!hidden(&inner.attrs)).then_some("mod");
                    let definition = format!("{module}::{}", inner.ident);
                    let entry = Entry { outline: Item::Mod(header), definition, link_kind };
                    self.entries.insert(child_path.clone(), entry);
                    self.walk(&child_path, &format!("{module}::{}", inner.ident), modules, seen);
                }
                Item::Use(u) if is_public(&u.vis) => {
                    let mut uses = Vec::new();
                    flatten_use(&u.tree, String::new(), &mut uses);
                    for (target, name) in uses {
                        let target = absolute(&m.path, &target, &m.locals);
                        self.re_export(path, &target, name.as_deref(), modules, seen, &u.attrs);
                    }
                }
                item => {
                    let (Some(name), Some(outline)) = (item_name(item), outline(item)) else {
                        continue;
                    };
                    let link_kind = (!hidden(item_attrs(item))).then(|| kind_of(item)).flatten();
                    let definition = format!("{module}::{name}");
                    self.entries.insert(
                        format!("{path}::{name}"),
                        Entry { outline, definition, link_kind },
                    );
                }
            }
        }
    }

    /// Lists what `pub use target` (as `name`; a glob when `None`) adds at `path`.
    fn re_export(
        &mut self,
        path: &str,
        target: &str,
        name: Option<&str>,
        modules: &BTreeMap<String, Module>,
        seen: &mut BTreeSet<(String, String)>,
        attrs: &[Attribute],
    ) {
        let local = target == self.name || target.starts_with(&format!("{}::", self.name));
        if !local {
            // Another crate's items: that crate lists them.
            let shown = match name {
                None => format!("pub use {target}::*;"),
                Some(name) if target.ends_with(&format!("::{name}")) => {
                    format!("pub use {target};")
                }
                Some(name) => format!("pub use {target} as {name};"),
            };
            let mut outline: Item = syn::parse_str(&shown).unwrap();
            if let Item::Use(u) = &mut outline {
                u.attrs = attrs.to_vec();
                api_attrs(&mut u.attrs);
            }
            let key = format!("{path}::{}", name.unwrap_or("*"));
            let entry = Entry { outline, definition: target.to_owned(), link_kind: None };
            self.entries.insert(key, entry);
            return;
        }
        match name {
            None => {
                let module = resolve_module(modules, target);
                self.walk(path, &module, modules, seen);
            }
            Some(name) => {
                let Some(definition) = resolve_path(modules, target, 0) else {
                    self.problems.push(format!(
                        "`pub use {target}` at {path} names nothing this listing can find"
                    ));
                    return;
                };
                if !is_local(modules, &definition) {
                    return self.re_export(path, &definition, Some(name), modules, seen, attrs);
                }
                let crate_item = target.strip_prefix(&format!("{}::", self.name));
                let macro_only = crate_item.is_some_and(|item| {
                    modules.values().any(|m| m.items.iter().any(|i| is_exported_macro(i, item)))
                });
                if macro_only {
                    // A `#[macro_export]` macro: plumbing of generated code, not listed.
                    return;
                }
                let (module, item_name) = definition.rsplit_once("::").unwrap();
                if modules.contains_key(&definition) {
                    // A module re-exported under a name of its own.
                    let child_path = format!("{path}::{name}");
                    let header: Item = syn::parse_str(&format!("pub mod {name};")).unwrap();
                    let link_kind = (!hidden(attrs)).then_some("mod");
                    let entry =
                        Entry { outline: header, definition: definition.clone(), link_kind };
                    self.entries.insert(child_path.clone(), entry);
                    self.walk(&child_path, &definition, modules, seen);
                    return;
                }
                let found = modules[module].items.iter().find(|i| {
                    item_name_of(i).as_deref() == Some(item_name) && !test_only(item_attrs(i))
                });
                let Some(item) = found else { return };
                let Some(outline) = outline(item) else { return };
                let link_kind =
                    (!hidden(item_attrs(item)) && !hidden(attrs)).then(|| kind_of(item)).flatten();
                self.entries
                    .insert(format!("{path}::{name}"), Entry { outline, definition, link_kind });
            }
        }
    }
}

/// Reads `file` and every module file under it, private ones too, keyed by module path.
fn load_tree(
    path: &str,
    file: &Path,
    overlay: &Overlay,
    modules: &mut BTreeMap<String, Module>,
) -> Result<(), String> {
    let text = overlay.read(file)?;
    let items = syn::parse_file(&text).map_err(|e| format!("{}: {e}", file.display()))?.items;
    let stem = file.file_stem().unwrap();
    let parent = file.parent().unwrap();
    let child_dir =
        if stem == "lib" || stem == "mod" { parent.to_owned() } else { parent.join(stem) };
    let mut imports = BTreeMap::new();
    let mut globs = Vec::new();
    let locals: BTreeSet<String> = items.iter().filter_map(item_name_of).collect();
    for item in &items {
        if let Item::Use(u) = item {
            let mut uses = Vec::new();
            flatten_use(&u.tree, String::new(), &mut uses);
            for (target, name) in uses {
                let target = absolute(path, &target, &locals);
                match name {
                    Some(name) => {
                        imports.insert(name, target);
                    }
                    None => globs.push(target),
                }
            }
        }
    }
    let children: Vec<String> = items
        .iter()
        .filter_map(|item| match item {
            Item::Mod(m) if m.content.is_none() && !test_only(&m.attrs) => {
                Some(m.ident.to_string())
            }
            _ => None,
        })
        .collect();
    let module = Module { path: path.to_owned(), items, imports, globs, locals };
    modules.insert(path.to_owned(), module);
    for name in children {
        let flat = child_dir.join(format!("{name}.rs"));
        let nested = child_dir.join(&name).join("mod.rs");
        let file = if overlay.exists(&flat) { flat } else { nested };
        load_tree(&format!("{path}::{name}"), &file, overlay, modules)?;
    }
    Ok(())
}

/// `use a::{b, c::d as e, f::*}` as (`a::b`, `b`), (`a::c::d`, `e`), (`a::f`, glob).
fn flatten_use(tree: &UseTree, prefix: String, out: &mut Vec<(String, Option<String>)>) {
    let join =
        |name: &str| if prefix.is_empty() { name.to_owned() } else { format!("{prefix}::{name}") };
    match tree {
        UseTree::Path(p) => flatten_use(&p.tree, join(&p.ident.to_string()), out),
        UseTree::Name(n) if n.ident == "self" => {
            let name = prefix.rsplit("::").next().unwrap_or_default().to_owned();
            out.push((prefix, Some(name)));
        }
        UseTree::Name(n) => out.push((join(&n.ident.to_string()), Some(n.ident.to_string()))),
        UseTree::Rename(r) => out.push((join(&r.ident.to_string()), Some(r.rename.to_string()))),
        UseTree::Glob(_) => out.push((prefix, None)),
        UseTree::Group(g) => g.items.iter().for_each(|t| flatten_use(t, prefix.clone(), out)),
    }
}

/// A `use` path written in the module `module` (which declares `locals`) as a path from a
/// crate root: `crate::`, `self::` and `super::` resolved, and a path that starts with a name
/// the module declares made absolute; any other path starts with a crate's name.
fn absolute(module: &str, path: &str, locals: &BTreeSet<String>) -> String {
    let crate_name = module.split("::").next().unwrap();
    let mut segments: Vec<&str> = path.split("::").collect();
    let mut base: Vec<&str> = module.split("::").collect();
    match segments.first().copied() {
        Some("crate") => {
            segments[0] = crate_name;
            segments.join("::")
        }
        Some("self") => {
            segments.remove(0);
            base.extend(segments);
            base.join("::")
        }
        Some("super") => {
            while segments.first() == Some(&"super") {
                segments.remove(0);
                base.pop();
            }
            base.extend(segments);
            base.join("::")
        }
        Some(first) if locals.contains(first) => {
            base.extend(segments);
            base.join("::")
        }
        _ => path.to_owned(),
    }
}

/// Where the name `name`, written in `module`, is defined: the module's own item or child,
/// then its imports, then its glob imports.
fn resolve(
    modules: &BTreeMap<String, Module>,
    module: &str,
    name: &str,
    depth: usize,
) -> Option<String> {
    if depth > 16 {
        return None;
    }
    let (first, rest) = match name.split_once("::") {
        Some((first, rest)) => (first, Some(rest)),
        None => (name, None),
    };
    let m = modules.get(module)?;
    let start = if first == "Self" {
        return None;
    } else if m.items.iter().any(|i| item_name_of(i).as_deref() == Some(first)) {
        format!("{module}::{first}")
    } else if let Some(target) = m.imports.get(first) {
        resolve_path(modules, target, depth + 1)?
    } else {
        // Globs of this crate first; a glob of another crate is where the name must come from
        // when none of them has it.
        let (local, external): (Vec<&String>, Vec<&String>) =
            m.globs.iter().partition(|glob| is_local(modules, glob));
        let found = local.into_iter().find_map(|glob| {
            let glob = resolve_module(modules, glob);
            let g = modules.get(&glob)?;
            let defines = g.locals.contains(first);
            if defines || g.imports.contains_key(first) || !g.globs.is_empty() {
                resolve(modules, &glob, first, depth + 1)
            } else {
                None
            }
        });
        found.or_else(|| external.first().map(|glob| format!("{glob}::{first}")))?
    };
    match rest {
        None => Some(start),
        Some(rest) => resolve_path(modules, &format!("{start}::{rest}"), depth + 1),
    }
}

/// Whether `path` is in a module of the crate, not another crate's.
fn is_local(modules: &BTreeMap<String, Module>, path: &str) -> bool {
    let crate_name = modules.keys().next().map(|k| k.split("::").next().unwrap_or_default());
    path.split("::").next() == crate_name
}

/// The definition of the full path `path`, following re-exports: a path of this crate, or of
/// another crate when it comes from one.
fn resolve_path(modules: &BTreeMap<String, Module>, path: &str, depth: usize) -> Option<String> {
    if modules.contains_key(path) || !is_local(modules, path) {
        return Some(path.to_owned());
    }
    let (module, name) = path.rsplit_once("::")?;
    let module = resolve_module(modules, module);
    let m = modules.get(&module)?;
    if m.items.iter().any(|i| item_name_of(i).as_deref() == Some(name)) {
        return Some(format!("{module}::{name}"));
    }
    if modules.keys().next() == Some(&module) {
        // `#[macro_export]` macros are items of the crate root, wherever they are written.
        let exported = modules.values().find_map(|m| {
            m.items.iter().any(|i| is_exported_macro(i, name)).then(|| m.path.clone())
        });
        if let Some(written_in) = exported {
            return Some(format!("{written_in}::{name}"));
        }
    }
    resolve(modules, &module, name, depth + 1)
}

/// `#[macro_export] macro_rules! name`.
fn is_exported_macro(item: &Item, name: &str) -> bool {
    matches!(item, Item::Macro(m) if m.ident.as_ref().is_some_and(|i| i == name)
        && m.attrs.iter().any(|a| a.path().is_ident("macro_export")))
}

/// A module path with re-exported modules followed to where they are defined.
fn resolve_module(modules: &BTreeMap<String, Module>, path: &str) -> String {
    if modules.contains_key(path) {
        return path.to_owned();
    }
    resolve_path(modules, path, 0).unwrap_or_else(|| path.to_owned())
}

fn is_public(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// `#[cfg(test)]`, `#[cfg(doctest)]`: not part of any build users see.
fn test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test" || i == "doctest")
    })
}

/// `#[doc(hidden)]`: listed, but rustdoc does not link to it.
fn hidden(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("doc") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "hidden")
    })
}

/// Keeps the attributes that shape the API: derives, `non_exhaustive`, `cfg`, `cfg_attr` (derives
/// of a feature), `doc(hidden)`.
fn api_attrs(attrs: &mut Vec<Attribute>) {
    attrs.retain(|a| {
        let path = a.path();
        path.is_ident("derive")
            || path.is_ident("non_exhaustive")
            || path.is_ident("cfg")
            || path.is_ident("cfg_attr")
            || path.is_ident("must_use")
            || (path.is_ident("doc") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "hidden"))
    });
}

/// The name an item defines in its module, private items included.
fn item_name_of(item: &Item) -> Option<String> {
    match item {
        Item::Macro(m) => m.ident.as_ref().map(ToString::to_string),
        item => item_name(item),
    }
}

fn item_name(item: &Item) -> Option<String> {
    Some(match item {
        Item::Struct(i) => i.ident.to_string(),
        Item::Enum(i) => i.ident.to_string(),
        Item::Trait(i) => i.ident.to_string(),
        Item::Fn(i) => i.sig.ident.to_string(),
        Item::Const(i) => i.ident.to_string(),
        Item::Type(i) => i.ident.to_string(),
        Item::Mod(i) => i.ident.to_string(),
        _ => return None,
    })
}

/// The rustdoc link kind of an item.
fn kind_of(item: &Item) -> Option<&'static str> {
    Some(match item {
        Item::Struct(_) => "struct",
        Item::Enum(_) => "enum",
        Item::Trait(_) => "trait",
        Item::Fn(_) => "fn",
        Item::Const(_) => "const",
        Item::Type(_) => "type",
        Item::Mod(_) => "mod",
        _ => return None,
    })
}

/// The public fields and variants of a listed item, with their link kinds.
fn members(item: &Item) -> Vec<(String, &'static str)> {
    match item {
        Item::Struct(s) => match &s.fields {
            syn::Fields::Named(fields) => fields
                .named
                .iter()
                .filter(|f| is_public(&f.vis) && !hidden(&f.attrs))
                .map(|f| (f.ident.as_ref().unwrap().to_string(), "field"))
                .collect(),
            _ => Vec::new(),
        },
        Item::Enum(e) => e
            .variants
            .iter()
            .filter(|v| !hidden(&v.attrs))
            .map(|v| (v.ident.to_string(), "variant"))
            .collect(),
        _ => Vec::new(),
    }
}

/// A Markdown list item linking `path` (raw identifiers as rustdoc resolves them: `type`).
fn link(kind: &str, path: &str) -> String {
    let target = path.replace("r#", "");
    format!("- {kind} [`{path}`]({kind}@{target})")
}

/// The item as the API shows it: no docs, no bodies, no private fields.
fn outline(item: &Item) -> Option<Item> {
    let mut item = item.clone();
    match &mut item {
        Item::Struct(s) if is_public(&s.vis) => {
            api_attrs(&mut s.attrs);
            if let syn::Fields::Named(fields) = &mut s.fields {
                fields.named = fields
                    .named
                    .iter()
                    .filter(|f| is_public(&f.vis))
                    .cloned()
                    .map(|mut f| {
                        api_attrs(&mut f.attrs);
                        f.attrs.retain(|a| !a.path().is_ident("serde"));
                        f
                    })
                    .collect();
            }
        }
        Item::Enum(e) if is_public(&e.vis) => {
            api_attrs(&mut e.attrs);
            for variant in &mut e.variants {
                api_attrs(&mut variant.attrs);
                for field in variant.fields.iter_mut() {
                    api_attrs(&mut field.attrs);
                }
            }
        }
        Item::Trait(t) if is_public(&t.vis) => {
            api_attrs(&mut t.attrs);
            for item in &mut t.items {
                match item {
                    syn::TraitItem::Fn(f) => {
                        api_attrs(&mut f.attrs);
                        f.default = None;
                        f.semi_token = Some(Default::default());
                    }
                    syn::TraitItem::Const(c) => api_attrs(&mut c.attrs),
                    syn::TraitItem::Type(t) => api_attrs(&mut t.attrs),
                    _ => {}
                }
            }
        }
        Item::Fn(f) if is_public(&f.vis) => {
            api_attrs(&mut f.attrs);
            *f.block = syn::parse_quote!({});
        }
        Item::Const(c) if is_public(&c.vis) => {
            api_attrs(&mut c.attrs);
            *c.expr = syn::parse_quote!(..);
        }
        Item::Type(t) if is_public(&t.vis) => api_attrs(&mut t.attrs),
        _ => return None,
    }
    Some(item)
}

/// The impls that the runtime's macros write for generated types:
/// - `json_object!(Type, …)`: `Deserialize` for `Type`;
/// - `paged!(Request, …)`: `Paged` for `Request`.
fn macro_impls(item: &syn::ItemMacro) -> Result<Vec<syn::ItemImpl>, String> {
    let name = item.mac.path.get_ident().map(ToString::to_string);
    let parsed = match name.as_deref() {
        Some("json_object") => item.mac.parse_body_with(|input: syn::parse::ParseStream<'_>| {
            let ty: syn::Ident = input.parse()?;
            skip_rest(input)?;
            Ok(vec![syn::parse_quote!(impl<'de> Deserialize<'de> for #ty {})])
        }),
        Some("paged") => item.mac.parse_body_with(|input: syn::parse::ParseStream<'_>| {
            let ty: syn::Ident = input.parse()?;
            skip_rest(input)?;
            Ok(vec![syn::parse_quote!(#[doc(hidden)] impl Paged for #ty {})])
        }),
        _ => return Ok(Vec::new()),
    };
    parsed.map_err(|e| format!("{}!: {e}", name.unwrap_or_default()))
}

/// The arguments after a macro's type are not part of the API.
fn skip_rest(input: syn::parse::ParseStream<'_>) -> syn::Result<()> {
    input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((_, next)) = rest.token_tree() {
            rest = next;
        }
        Ok(((), rest))
    })
}

fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Struct(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::Const(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        _ => &[],
    }
}

/// The path of an impl's self type as written, without generics: `Caller` for
/// `impl<'a> Caller<'a>`, `crate::Client` for `impl crate::Client`.
fn self_path(block: &syn::ItemImpl) -> Option<String> {
    match &*block.self_ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            Some(p.path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::"))
        }
        _ => None,
    }
}

/// An impl as the API shows it: a trait impl's header, or an inherent impl's public items.
fn outline_impl(block: &syn::ItemImpl) -> Option<syn::ItemImpl> {
    let mut block = block.clone();
    api_attrs(&mut block.attrs);
    if block.trait_.is_some() {
        block.items.clear();
        return Some(block);
    }
    block.items.retain_mut(|item| match item {
        ImplItem::Fn(f) if is_public(&f.vis) => {
            api_attrs(&mut f.attrs);
            f.block = syn::parse_quote!({});
            true
        }
        ImplItem::Const(c) if is_public(&c.vis) => {
            api_attrs(&mut c.attrs);
            c.expr = syn::parse_quote!(..);
            true
        }
        _ => false,
    });
    (!block.items.is_empty()).then_some(block)
}

fn unparse(items: Vec<Item>) -> String {
    let mut file: syn::File = syn::parse_quote!();
    file.items = items;
    prettyplease::unparse(&file)
}
