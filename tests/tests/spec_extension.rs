//! Extending the client by editing YAML only: endpoints added to a copy of the workspace's spec
//! generate code that builds, and the agreement test (client against fake) passes for them,
//! with no Rust written for them.

use std::fs;
use std::path::Path;
use std::process::Command;

use feishu_im_codegen::Mode;
use feishu_im_tests::generated_crates::workspace_root;

/// Three endpoints of a new `chats` resource: a PUT with an all-optional body holding a nested
/// object and enums, a DELETE without a body, and a POST whose enum body field has a default.
/// Fields as in the official SDK model (`service/im/v1/model.go`).
const CHATS: &str = r#"enums:
  validity_period:
    doc: How long a chat's share link stays valid.
    type: string
    values:
      - {value: week, doc: Seven days.}
      - {value: year, doc: One year.}
      - {value: permanently, doc: Without end.}
  add_member_permission:
    doc: Who may add members to a chat.
    type: string
    values:
      - {value: only_owner, doc: The owner and managers.}
      - {value: all_members, doc: Every member.}
resource:
  name: chats
  service: im
  version: v1
  doc: Group chats.
  endpoints:
    update:
      summary: Updates a chat's information.
      docs: https://open.feishu.cn/document/server-docs/group/chat/update-2
      method: PUT
      path: /open-apis/im/v1/chats/:chat_id
      tokens: [tenant, user]
      app_types: [custom, isv]
      scopes: [im:chat, im:chat:update]
      rate_limit: standard_1000_50
      path_params:
        chat_id: {type: string, example: oc_a0553eda9014c201e6969b478895c230, doc: The chat.}
      query:
        user_id_type: {type: user_id_type, default: open_id, doc: Kind of `owner_id`.}
      body:
        name: {type: string, doc: The chat's name.}
        description: {type: string, doc: The chat's description.}
        i18n_names:
          type: object
          name: i18n_names
          doc: The chat's name by language.
          fields:
            zh_cn: {type: string, doc: Chinese.}
            en_us: {type: string, doc: English.}
            ja_jp: {type: string, doc: Japanese.}
        add_member_permission: {type: add_member_permission, doc: Who may add members.}
      errors: [232006, 232009, 232010]
    disband:
      summary: Disbands a chat.
      docs: https://open.feishu.cn/document/server-docs/group/chat/delete
      method: DELETE
      path: /open-apis/im/v1/chats/:chat_id
      tokens: [tenant, user]
      app_types: [custom, isv]
      scopes: [im:chat, im:chat:delete]
      rate_limit: standard_1000_50
      path_params:
        chat_id: {type: string, doc: The chat.}
      errors: [232006, 232009]
    link:
      summary: Gets a chat's share link.
      docs: https://open.feishu.cn/document/server-docs/group/chat/link
      method: POST
      path: /open-apis/im/v1/chats/:chat_id/link
      tokens: [tenant, user]
      app_types: [custom, isv]
      scopes: [im:chat, im:chat:readonly]
      rate_limit: standard_1000_50
      path_params:
        chat_id: {type: string, doc: The chat.}
      body:
        validity_period: {type: validity_period, default: week, doc: How long the link lives.}
      response:
        share_link: {type: string, doc: The link.}
        expire_time: {type: string, doc: "When it expires, in seconds since the epoch."}
        is_permanent: {type: boolean, doc: Whether it never expires.}
      errors: [232006, 232009, 232010]
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
    fs::write(copy.join("spec/im/v1/chats.yaml"), CHATS).unwrap();

    let changed = feishu_im_codegen::sync(
        &copy.join("spec"),
        &copy.join("feishu-im/src/generated"),
        Mode::Write,
    )
    .unwrap_or_else(|e| panic!("the extended spec is refused:\n{e}"));
    assert!(
        changed.iter().any(|c| c.to_string().contains("chats.rs")),
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
    for operation in ["chats.update", "chats.disband", "chats.link"] {
        assert!(stderr.contains(&format!("agreed: {operation}")), "{operation} ran:\n{stderr}");
    }
}
