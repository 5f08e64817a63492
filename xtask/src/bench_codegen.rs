//! `cargo xtask bench-codegen`: times the generator on synthetic specs and prints a table.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use feishu_im_codegen::{SourceFile, generate};

const SIZES: [usize; 2] = [100, 1000];
const RUNS: usize = 5;
const ENDPOINTS_PER_RESOURCE: usize = 10;

pub fn run() -> Result<(), String> {
    if cfg!(debug_assertions) {
        println!(
            "note: a debug build; `cargo run --release -p xtask -- bench-codegen` measures the optimized generator\n"
        );
    }
    println!(
        "| endpoints | load+validate+emit+format (median of {RUNS}) | CPU time, all threads (median) | of which load+validate | generated lines | lines per endpoint | code lines per endpoint (no `fake`) | time per endpoint |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut per_endpoint = Vec::new();
    for endpoints in SIZES {
        let files = synthetic_spec(endpoints);
        let mut times = Vec::with_capacity(RUNS);
        let mut checks = Vec::with_capacity(RUNS);
        let mut cpu = Vec::with_capacity(RUNS);
        let mut lines = 0;
        let mut code = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            feishu_im_codegen::check(&files).map_err(|d| d.to_string())?;
            checks.push(started.elapsed());
            let (started, cpu_started) = (Instant::now(), cpu_time());
            let generated = generate(&files).map_err(|d| d.to_string())?;
            times.push(started.elapsed());
            cpu.push(cpu_time().zip(cpu_started).map(|(end, start)| end - start));
            lines = generated.iter().map(|f| f.contents.lines().count()).sum::<usize>();
            code = generated.iter().map(|f| code_lines(&f.contents)).sum::<usize>();
        }
        times.sort();
        checks.sort();
        cpu.sort();
        let cpu = cpu[RUNS / 2].map_or_else(|| "n/a".to_owned(), |d| format!("{:.0} ms", ms(d)));
        let median = times[RUNS / 2];
        let each = median / endpoints as u32;
        per_endpoint.push(each);
        println!(
            "| {endpoints} | {:.1} ms | {cpu} | {:.1} ms | {lines} | {:.1} | {:.1} | {:.1} µs |",
            ms(median),
            ms(checks[RUNS / 2]),
            lines as f64 / endpoints as f64,
            code as f64 / endpoints as f64,
            each.as_secs_f64() * 1e6
        );
    }
    println!(
        "\ntime per endpoint, 1,000 vs 100 endpoints: {:.2}x (1.00x is linear growth)",
        per_endpoint[1].as_secs_f64() / per_endpoint[0].as_secs_f64()
    );
    Ok(())
}

/// Lines of code in a build without the `fake` feature: items under `#[cfg(feature = "fake")]`
/// left out, then blank lines, comments and doc comments not counted. The fake's data
/// (`fake.json`) is not Rust and counts nothing.
pub fn code_lines(source: &str) -> usize {
    let Ok(mut file) = syn::parse_file(source) else { return 0 };
    let fake_only = |attrs: &[syn::Attribute]| {
        attrs.iter().any(|a| {
            a.path().is_ident("cfg")
                && a.parse_args::<syn::Meta>().is_ok_and(
                    |m| matches!(&m, syn::Meta::NameValue(nv) if nv.path.is_ident("feature")),
                )
        })
    };
    file.items.retain(|item| {
        let attrs = match item {
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Const(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Struct(i) => &i.attrs,
            _ => return true,
        };
        !fake_only(attrs)
    });
    // Attributes that apply only with a feature, on any item.
    struct StripFeatureAttrs;
    impl syn::visit_mut::VisitMut for StripFeatureAttrs {
        fn visit_attributes_mut(&mut self, attrs: &mut Vec<syn::Attribute>) {
            attrs.retain(|a| {
                !(a.path().is_ident("cfg_attr")
                    && a.parse_args_with(syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
                        .is_ok_and(|args| matches!(args.first(), Some(syn::Meta::NameValue(nv)) if nv.path.is_ident("feature"))))
            });
        }
    }
    syn::visit_mut::VisitMut::visit_file_mut(&mut StripFeatureAttrs, &mut file);
    file.attrs.clear();
    feishu_im_codegen::format(&file)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .count()
}

/// User plus system time of this process so far, every thread counted, in clock ticks of
/// 10 ms (Linux's `/proc/self/stat`); `None` elsewhere.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Some(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A spec of `endpoints` endpoints in resources of ten, mixing every shape the generator handles.
pub fn synthetic_spec(endpoints: usize) -> Vec<SourceFile> {
    let mut files = vec![SourceFile {
        name: "common.yaml".into(),
        text: "rate_limits:\n  default: {doc: Synthetic., per_minute: 1000, per_second: 50}\n\
               enums:\n  id_type:\n    doc: Ids.\n    type: string\n    values:\n      - {value: open_id, doc: Open.}\n      - {value: user_id, doc: User.}\n\
               error_table:\n  name: synthetic\n  doc: Codes.\n  codes:\n    - {code: 1, name: first, status: 400, msg: One., hint: Hint., retry: never}\n    - {code: 2, name: second, status: 400, msg: Two., hint: Hint., retry: rate_limit}\n"
            .into(),
    }];
    for resource in 0..endpoints.div_ceil(ENDPOINTS_PER_RESOURCE) {
        let mut text = format!(
            "resource:\n  name: resource_{resource}\n  service: im\n  version: v1\n  doc: Synthetic resource {resource}.\n  endpoints:\n"
        );
        let count = ENDPOINTS_PER_RESOURCE.min(endpoints - resource * ENDPOINTS_PER_RESOURCE);
        for op in 0..count {
            let _ = write!(
                text,
                "    op_{op}:
      summary: Operation {op}.
      docs: https://open.feishu.cn/document/{resource}/{op}
      method: {method}
      path: /open-apis/im/v1/things_{resource}_{op}/:thing_id
      tokens: [tenant, user]
      app_types: [custom, isv]
      scopes: [im:thing]
      rate_limit: default
      path_params:
        thing_id: {{type: string, doc: The thing.}}
      query:
        id_type: {{type: id_type, default: open_id, doc: Ids.}}
        page_size: {{type: integer, default: 20, max: 100, doc: Size.}}
        page_token: {{type: string, doc: Token.}}
{body}      response:
        items:
          type: array
          doc: Items.
          items:
            type: object
            name: item_{op}
            doc: An item.
            fields:
              id: {{type: string, required: true, doc: Id.}}
              kind: {{type: id_type, doc: Kind.}}
        page_token: {{type: string, doc: Next.}}
        has_more: {{type: boolean, required: true, doc: More.}}
{paging}      errors: [1, 2]
",
                method = if op % 2 == 0 { "GET" } else { "POST" },
                body = if op % 2 == 0 {
                    String::new()
                } else {
                    "      body:\n        ids: {type: array, items: string, required: true, doc: Ids.}\n        note: {type: string, doc: Note.}\n".into()
                },
                paging = if op % 2 == 0 { "      pagination: {items: items}\n" } else { "" },
            );
        }
        files.push(SourceFile { name: format!("resource_{resource}.yaml"), text });
    }
    files
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_synthetic_spec_is_valid() {
        let files = super::synthetic_spec(25);
        if let Err(problems) = feishu_im_codegen::generate(&files) {
            panic!("{problems}");
        }
    }
}
