//! The public API of `feishu-im`, runtime and generated code, as a checked-in listing: every
//! change to what users can name shows in review as a change to the snapshot.
//!
//! The listing follows the crate's module tree from `lib.rs`: public modules, public items and
//! `pub use` re-exports, with bodies, docs and private fields left out, then the public methods
//! and trait impls of each listed type.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use feishu_im_tests::generated_crates::workspace_root;
use syn::{Attribute, ImplItem, Item, UseTree, Visibility};

/// A parsed source file and the directory its child modules live in.
struct Module {
    items: Vec<Item>,
    child_dir: PathBuf,
}

fn load(file: &Path) -> Module {
    let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let items = syn::parse_file(&text).unwrap().items;
    let stem = file.file_stem().unwrap();
    let parent = file.parent().unwrap();
    let child_dir =
        if stem == "lib" || stem == "mod" { parent.to_owned() } else { parent.join(stem) };
    Module { items, child_dir }
}

fn child(module: &Module, name: &str) -> Module {
    let flat = module.child_dir.join(format!("{name}.rs"));
    let nested = module.child_dir.join(name).join("mod.rs");
    load(if flat.exists() { &flat } else { &nested })
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

/// Collects the public items of `module`, listed under `path`, and every impl block seen.
struct Listing {
    items: BTreeMap<String, Item>,
    impls: Vec<syn::ItemImpl>,
}

impl Listing {
    fn walk(&mut self, path: &str, module: &Module) {
        for item in &module.items {
            if test_only(item_attrs(item)) {
                continue;
            }
            match item {
                Item::Mod(m) if m.content.is_none() => {
                    let inner = child(module, &m.ident.to_string());
                    if is_public(&m.vis) {
                        let mut header = m.clone();
                        api_attrs(&mut header.attrs);
                        self.items.insert(format!("{path}::{}", m.ident), Item::Mod(header));
                        self.walk(&format!("{path}::{}", m.ident), &inner);
                    } else {
                        // Impl blocks of private modules still add methods to public types.
                        self.collect_impls(&inner);
                    }
                }
                Item::Use(u) if is_public(&u.vis) => self.re_export(path, &u.tree, module),
                Item::Impl(block) => self.impls.push(block.clone()),
                Item::Macro(m) => self.impls.extend(macro_impls(m)),
                item => {
                    if let (Some(name), Some(outline)) = (item_name(item), outline(item)) {
                        self.items.insert(format!("{path}::{name}"), outline);
                    }
                }
            }
        }
    }

    fn collect_impls(&mut self, module: &Module) {
        for item in &module.items {
            match item {
                Item::Impl(block) if !test_only(&block.attrs) => self.impls.push(block.clone()),
                Item::Macro(m) => self.impls.extend(macro_impls(m)),
                Item::Mod(m) if m.content.is_none() && !test_only(&m.attrs) => {
                    self.collect_impls(&child(module, &m.ident.to_string()));
                }
                _ => {}
            }
        }
    }

    /// Lists what `tree` re-exports at `path`, resolving it from `from`.
    fn re_export(&mut self, path: &str, tree: &UseTree, from: &Module) {
        match tree {
            UseTree::Path(p) if p.ident == "crate" || p.ident == "self" => {
                self.re_export(path, &p.tree, from)
            }
            UseTree::Path(p) => {
                let inner = child(from, &p.ident.to_string());
                self.re_export(path, &p.tree, &inner);
            }
            UseTree::Group(g) => g.items.iter().for_each(|t| self.re_export(path, t, from)),
            UseTree::Glob(_) => self.walk(path, from),
            UseTree::Name(n) => {
                let name = n.ident.to_string();
                let found = from.items.iter().find(|i| item_name(i).as_deref() == Some(&name));
                match found.and_then(outline) {
                    Some(item) => {
                        self.items.insert(format!("{path}::{name}"), item);
                    }
                    None => {
                        let item: Item = syn::parse_quote!(pub use #n;);
                        self.items.insert(format!("{path}::{name}"), item);
                    }
                }
            }
            UseTree::Rename(_) => {}
        }
    }
}

/// The impls that the runtime's macros write for generated types:
/// - `json_object!(Type, …)`: `Deserialize` for `Type`;
/// - `builder!(Type::new(params) { fields })`: `new` and one setter per field;
/// - `paged!(Request, …)`: `Paged` for `Request`.
fn macro_impls(item: &syn::ItemMacro) -> Vec<syn::ItemImpl> {
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
        Some("builder") => item.mac.parse_body_with(builder_impl).map(|block| vec![block]),
        _ => return Vec::new(),
    };
    parsed.unwrap_or_else(|e| panic!("{}!: {e}", name.unwrap_or_default()))
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

/// `builder!(Type::new(a: A, …) { b: B, r#type = "type": T, … })` as the methods it writes.
fn builder_impl(input: syn::parse::ParseStream<'_>) -> syn::Result<syn::ItemImpl> {
    let ty: syn::Ident = input.parse()?;
    input.parse::<syn::Token![::]>()?;
    input.parse::<syn::Ident>()?;
    let (params, fields);
    syn::parenthesized!(params in input);
    syn::braced!(fields in input);
    let mut new: syn::ImplItemFn = syn::parse_quote!(
        pub fn new() -> Self {}
    );
    for (name, ty) in arguments(&params)? {
        new.sig.inputs.push(syn::parse_quote!(#name: #ty));
    }
    let mut block: syn::ItemImpl = syn::parse_quote!(impl #ty {});
    block.items.push(ImplItem::Fn(new));
    for (field, arg) in arguments(&fields)? {
        block.items.push(syn::parse_quote!(pub fn #field(mut self, #field: #arg) -> Self {}));
    }
    Ok(block)
}

/// `name: Type, …`, where a name may be followed by `= "wire name"`.
fn arguments(input: syn::parse::ParseStream<'_>) -> syn::Result<Vec<(syn::Ident, syn::Type)>> {
    let mut arguments = Vec::new();
    while !input.is_empty() {
        let name: syn::Ident = input.parse()?;
        if input.peek(syn::Token![=]) {
            input.parse::<syn::Token![=]>()?;
            input.parse::<syn::LitStr>()?;
        }
        input.parse::<syn::Token![:]>()?;
        arguments.push((name, input.parse()?));
        if !input.is_empty() {
            input.parse::<syn::Token![,]>()?;
        }
    }
    Ok(arguments)
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

/// The last segment of an impl's self type: `Caller` for `impl<'a> Caller<'a>`.
fn self_name(block: &syn::ItemImpl) -> Option<String> {
    match &*block.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
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

#[test]
fn the_public_api_listing_is_up_to_date() {
    let lib = workspace_root().join("feishu-im/src/lib.rs");
    let mut listing = Listing { items: BTreeMap::new(), impls: Vec::new() };
    listing.walk("feishu_im", &load(&lib));
    let mut text = String::new();
    for (path, item) in &listing.items {
        let mut items = vec![item.clone()];
        if let Some(name) = item_name(item).filter(|_| !matches!(item, Item::Mod(_))) {
            let mut impls: Vec<String> = listing
                .impls
                .iter()
                .filter(|b| !test_only(&b.attrs) && self_name(b).as_deref() == Some(&name))
                .filter_map(outline_impl)
                .map(|b| unparse(vec![Item::Impl(b)]))
                .collect();
            impls.sort();
            impls.dedup();
            for block in impls {
                items.push(syn::parse_str(&block).unwrap());
            }
        }
        text.push_str(&format!("// {path}\n{}\n", unparse(items)));
    }
    insta::assert_snapshot!("feishu_im", text);
}
