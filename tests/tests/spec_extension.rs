//! Extending the client by editing YAML only: endpoints added to a copy of the workspace's spec
//! generate code that builds, and the agreement test (client against fake) passes for them,
//! with no Rust written for them.

use std::fs;
use std::path::Path;
use std::process::Command;

use feishu_im_codegen::Mode;
use feishu_im_tests::generated_crates::workspace_root;

/// Three endpoints of a new v2 resource, `biz_entity_tag_relation`: a POST and a PUT with an
/// enum and a list in the body, and a GET with required query parameters answering nested
/// lists. Fields as in the official SDK typings (`larksuite/node-sdk`,
/// `code-gen/projects/im.ts`, `v2.bizEntityTagRelation`).
const TAG_RELATIONS: &str = r#"enums:
  tag_biz_type:
    doc: What kind of entity a tag is bound to.
    type: string
    values:
      - {value: chat, doc: A chat.}
resource:
  name: biz_entity_tag_relation
  service: im
  version: v2
  doc: Tags bound to chats.
  endpoints:
    create:
      summary: Binds tags to a chat.
      docs: https://open.feishu.cn/document/im-v2/groups-bots/biz_entity_tag_relation/create
      method: POST
      path: /open-apis/im/v2/biz_entity_tag_relation
      tokens: [tenant]
      app_types: [custom]
      scopes: [im:biz_entity_tag_relation]
      rate_limit: standard_1000_50
      body:
        tag_biz_type: {type: tag_biz_type, required: true, example: chat, doc: The kind of entity.}
        biz_entity_id: {type: string, required: true, example: oc_a0553eda9014c201e6969b478895c230, doc: The chat.}
        tag_ids: {type: array, items: string, doc: The tags to bind.}
        bot_id: {type: string, doc: The bot acting.}
    update:
      summary: Replaces the tags bound to a chat.
      docs: https://open.feishu.cn/document/im-v2/groups-bots/biz_entity_tag_relation/update
      method: PUT
      path: /open-apis/im/v2/biz_entity_tag_relation
      tokens: [tenant]
      app_types: [custom]
      scopes: [im:biz_entity_tag_relation]
      rate_limit: standard_1000_50
      body:
        tag_biz_type: {type: tag_biz_type, required: true, example: chat, doc: The kind of entity.}
        biz_entity_id: {type: string, required: true, example: oc_a0553eda9014c201e6969b478895c230, doc: The chat.}
        tag_ids: {type: array, items: string, doc: The tags it keeps.}
        bot_id: {type: string, doc: The bot acting.}
    get:
      summary: Lists the tags bound to a chat.
      docs: https://open.feishu.cn/document/im-v2/groups-bots/biz_entity_tag_relation/get
      method: GET
      path: /open-apis/im/v2/biz_entity_tag_relation
      tokens: [tenant]
      app_types: [custom]
      scopes: [im:biz_entity_tag_relation:read]
      rate_limit: standard_1000_50
      query:
        tag_biz_type: {type: tag_biz_type, required: true, example: chat, doc: The kind of entity.}
        biz_entity_id: {type: string, required: true, example: oc_a0553eda9014c201e6969b478895c230, doc: The chat.}
        bot_id: {type: string, doc: The bot acting.}
      response:
        tag_info_with_bind_versions:
          type: array
          doc: The bound tags.
          items:
            type: object
            name: bound_tag
            doc: A tag and the version of its binding.
            fields:
              bind_version: {type: string, doc: The binding's version.}
              tag_info:
                type: object
                name: tag_info
                doc: A tag.
                fields:
                  id: {type: string, doc: The tag's id.}
                  tag_type: {type: string, doc: The tag's kind.}
                  name: {type: string, doc: The tag's name.}
"#;

/// Copies `from` into `to`, leaving out build output.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" || name == "hostile" {
            continue;
        }
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &to.join(&name));
        } else if kind.is_file() {
            fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

#[test]
fn endpoints_added_by_yaml_alone_pass_the_agreement_test() {
    let root = workspace_root();
    let copy = root.join("target/spec-extension/workspace");
    let _ = fs::remove_dir_all(&copy);
    for part in ["Cargo.toml", "Cargo.lock", "rustfmt.toml"] {
        fs::create_dir_all(&copy).unwrap();
        fs::copy(root.join(part), copy.join(part)).unwrap();
    }
    for part in ["spec", "codegen", "feishu-im", "tests", "xtask"] {
        copy_tree(&root.join(part), &copy.join(part));
    }
    fs::write(copy.join("spec/im/v2/biz_entity_tag_relation.yaml"), TAG_RELATIONS).unwrap();

    let changed = feishu_im_codegen::sync(
        &copy.join("spec"),
        &copy.join("feishu-im/src/generated"),
        Mode::Write,
    )
    .unwrap_or_else(|e| panic!("the extended spec is refused:\n{e}"));
    assert!(
        changed.iter().any(|c| c.to_string().contains("biz_entity_tag_relation.rs")),
        "a module for the new resource: {changed:?}"
    );

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&copy)
        .env("CARGO_TARGET_DIR", root.join("target/generated-crates/target"))
        .env_remove("RUSTFLAGS")
        .args(["test", "--offline", "--quiet", "-p", "feishu-im-tests", "--test", "agreement"])
        .args(["--", "--nocapture", "every_endpoint_succeeds"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the agreement test fails:\n{stdout}\n{stderr}");
    for operation in [
        "biz_entity_tag_relation.create",
        "biz_entity_tag_relation.update",
        "biz_entity_tag_relation.get",
    ] {
        assert!(stderr.contains(&format!("agreed: {operation}")), "{operation} ran:\n{stderr}");
    }
}
