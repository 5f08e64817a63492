//! Snapshots of what the loader and validator report for malformed specs: every problem, each
//! with file:line:col and spec path.

use feishu_im_codegen::SourceFile;

/// A valid base the cases below break in one place each.
const BASE: &str = feishu_im_tests::SAMPLE_SPEC;

fn diagnose(files: &[(&str, &str)]) -> String {
    let files: Vec<SourceFile> = files
        .iter()
        .map(|(name, text)| SourceFile { name: (*name).into(), text: (*text).into() })
        .collect();
    match feishu_im_codegen::check(&files) {
        Ok(()) => "no problems".into(),
        Err(diagnostics) => diagnostics.to_string(),
    }
}

fn broken(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "case does not apply: {from}");
    BASE.replacen(from, to, 1)
}

#[test]
fn the_base_is_valid() {
    assert_eq!(diagnose(&[("base.yaml", BASE)]), "no problems");
}

#[test]
fn unknown_keys() {
    let spec = broken(
        "      summary: Touches a thing.\n",
        "      summary: Touches a thing.\n      sumary: typo\n      retries: 3\n",
    );
    insta::assert_snapshot!(diagnose(&[("things.yaml", &spec)]));
}

#[test]
fn wrong_types() {
    let spec = broken("      tokens: [tenant]", "      tokens: tenant")
        .replace("per_minute: 10", "per_minute: ten");
    insta::assert_snapshot!(diagnose(&[("things.yaml", &spec)]));
}

#[test]
fn missing_required_keys() {
    let spec = broken("      docs: https://example.com/touch\n", "")
        .replace("      hint: Check the id.\n", "");
    insta::assert_snapshot!(diagnose(&[("things.yaml", &spec)]));
}

#[test]
fn path_template_and_path_params_disagree() {
    let spec = broken("/things/:thing_id", "/things/:thing/:other");
    insta::assert_snapshot!(diagnose(&[("things.yaml", &spec)]));
}

#[test]
fn operations_that_collide_after_case_conversion() {
    let extra = r#"    get_v2:
      summary: A.
      docs: https://example.com/a
      method: GET
      path: /open-apis/sample/v1/a
      tokens: [tenant]
      app_types: [custom]
      scopes: [s]
      rate_limit: default
    get_v_2:
      summary: B.
      docs: https://example.com/b
      method: GET
      path: /open-apis/sample/v1/b
      tokens: [tenant]
      app_types: [custom]
      scopes: [s]
      rate_limit: default
"#;
    let spec = format!("{BASE}{extra}");
    insta::assert_snapshot!(diagnose(&[("things.yaml", &spec)]));
}

#[test]
fn unknown_and_duplicate_error_codes() {
    let spec = broken("errors: [100001]", "errors: [100001, 100001, 999999]");
    let other_table = r#"error_table:
  name: platform
  doc: Shared codes.
  platform: true
  codes:
    - code: 100001
      name: again
      status: 400
      msg: Same code twice.
      hint: None.
      retry: never
"#;
    insta::assert_snapshot!(diagnose(&[("things.yaml", &spec), ("platform.yaml", other_table)]));
}

#[test]
fn defaults_outside_their_enum_or_type() {
    let spec = broken("          default: open_id", "          default: email").replace(
        "      errors: [100001]",
        "        limit:\n          type: integer\n          default: 500\n          max: 100\n          doc: How many.\n      errors: [100001]",
    );
    insta::assert_snapshot!(diagnose(&[("things.yaml", &spec)]));
}

#[test]
fn names_that_are_keywords_or_not_snake_case() {
    let spec = broken("        thing_id:\n", "        self:\n")
        .replace(":thing_id", ":self")
        .replace("    touch:\n", "    touchIt:\n")
        .replace(
            "        id_kind:\n          type: id_kind",
            "        crate:\n          type: id_kind",
        );
    insta::assert_snapshot!(diagnose(&[("things.yaml", &spec)]));
}

#[test]
fn rate_limit_classes_that_cannot_be_constants() {
    let spec = broken("rate_limits:\n  default:\n", "rate_limits:\n  per-minute 10:\n")
        .replace("      rate_limit: default", "      rate_limit: per-minute 10");
    insta::assert_snapshot!(diagnose(&[("things.yaml", &spec)]));
}

#[test]
fn unknown_types_and_rate_limits() {
    let spec = broken("          type: id_kind", "          type: id_kindd")
        .replace("      rate_limit: default", "      rate_limit: fast");
    insta::assert_snapshot!(diagnose(&[("things.yaml", &spec)]));
}

#[test]
fn invalid_yaml_in_one_file_and_problems_in_another() {
    let bad_yaml = "resource:\n  name: [unclosed\n";
    let spec = broken("      method: PATCH", "      method: FETCH");
    insta::assert_snapshot!(diagnose(&[("a_broken.yaml", bad_yaml), ("things.yaml", &spec)]));
}

#[test]
fn enum_values_that_collide_or_lack_names() {
    let spec = broken(
        "      - value: open_id\n        doc: Per-app id.\n",
        "      - value: open_id\n        doc: Per-app id.\n      - value: open-id\n        doc: Same after case conversion.\n      - value: unknown\n        doc: Reserved.\n",
    );
    let integers = "enums:\n  mode:\n    doc: Modes.\n    type: integer\n    values:\n      - value: 1\n        doc: No name.\n      - value: two\n        name: two\n        doc: Wrong type.\n";
    insta::assert_snapshot!(diagnose(&[("things.yaml", &spec), ("modes.yaml", integers)]));
}

#[test]
fn pagination_without_the_fields_it_needs() {
    let spec = broken(
        "      errors: [100001]",
        "      pagination:\n        items: items\n      errors: [100001]",
    );
    insta::assert_snapshot!(diagnose(&[("things.yaml", &spec)]));
}

#[test]
fn a_broken_spec_writes_no_file() {
    let root = std::env::temp_dir().join(format!("feishu-im-broken-spec-{}", std::process::id()));
    let (spec, out) = (root.join("spec"), root.join("generated"));
    std::fs::create_dir_all(&spec).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("mod.rs"), "// old contents\n").unwrap();
    std::fs::write(spec.join("things.yaml"), broken("/things/:thing_id", "/things/:thing"))
        .unwrap();

    let error = feishu_im_codegen::sync(
        &spec,
        &[(feishu_im_codegen::Part::Client, &out)],
        feishu_im_codegen::Mode::Write,
    )
    .unwrap_err();
    assert!(error.contains("things.yaml:"), "{error}");
    assert_eq!(std::fs::read_to_string(out.join("mod.rs")).unwrap(), "// old contents\n");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);

    // Fixed, it writes everything and removes what the spec no longer produces.
    std::fs::write(spec.join("things.yaml"), BASE).unwrap();
    std::fs::write(out.join("stale.rs"), "// left over\n").unwrap();
    feishu_im_codegen::sync(
        &spec,
        &[(feishu_im_codegen::Part::Client, &out)],
        feishu_im_codegen::Mode::Write,
    )
    .unwrap();
    assert!(!out.join("stale.rs").exists());
    assert!(out.join("v1/things.rs").exists());
    assert!(
        feishu_im_codegen::sync(
            &spec,
            &[(feishu_im_codegen::Part::Client, &out)],
            feishu_im_codegen::Mode::Check
        )
        .unwrap()
        .is_empty()
    );

    // Check mode names each stale file.
    std::fs::write(out.join("v1/things.rs"), "// edited by hand\n").unwrap();
    let error = feishu_im_codegen::sync(
        &spec,
        &[(feishu_im_codegen::Part::Client, &out)],
        feishu_im_codegen::Mode::Check,
    )
    .unwrap_err();
    assert!(error.contains("things.rs differs from the spec"), "{error}");
    std::fs::remove_dir_all(&root).unwrap();
}
