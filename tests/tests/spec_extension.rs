//! Extending the client by editing YAML only: endpoints added to a copy of the workspace's spec
//! generate code that builds, and the agreement test (client against fake) passes for them,
//! with no Rust written for them.

use std::fs;
use std::path::Path;
use std::process::Command;

use feishu_im_codegen::Mode;
use feishu_im_tests::generated_crates::workspace_root;

/// Three endpoints of a new `chat_menu_tree` resource: a GET answering nested objects with an
/// enum, a POST with a list body, and a DELETE with a JSON body. Fields as in the official SDK
/// typings (`larksuite/node-sdk`, `code-gen/projects/im.ts`, `chatMenuTree`).
const MENU_TREE: &str = r#"enums:
  menu_action_type:
    doc: What tapping a menu item does.
    type: string
    values:
      - {value: NONE, name: none, doc: Nothing; the item opens its children.}
      - {value: REDIRECT_LINK, name: redirect_link, doc: Opens a link.}
resource:
  name: chat_menu_tree
  service: im
  version: v1
  doc: The menu at the bottom of a group chat.
  endpoints:
    get:
      summary: Gets a chat's menu.
      docs: https://open.feishu.cn/document/server-docs/group/chat-menu_tree/get
      method: GET
      path: /open-apis/im/v1/chats/:chat_id/menu_tree
      tokens: [tenant]
      app_types: [custom, isv]
      scopes: [im:chat, im:chat:readonly]
      rate_limit: standard_1000_50
      path_params:
        chat_id: {type: string, example: oc_a0553eda9014c201e6969b478895c230, doc: The chat.}
      response:
        menu_tree:
          type: object
          name: menu_tree
          doc: The menu.
          fields:
            chat_menu_top_levels:
              type: array
              doc: The top-level items.
              items:
                type: object
                name: chat_menu_top_level
                doc: A top-level item and its children.
                fields:
                  chat_menu_top_level_id: {type: string, doc: The item's id.}
                  chat_menu_item:
                    type: object
                    name: menu_item
                    doc: What an item shows and does.
                    fields:
                      action_type: {type: menu_action_type, doc: What tapping it does.}
                      image_key: {type: string, doc: Its icon.}
                      name: {type: string, doc: Its name.}
                      redirect_link:
                        type: object
                        name: redirect_link
                        doc: Where it leads, per platform.
                        fields:
                          common_url: {type: string, doc: For every platform.}
                          ios_url: {type: string, doc: On iOS.}
                          android_url: {type: string, doc: On Android.}
                          pc_url: {type: string, doc: On desktop.}
                          web_url: {type: string, doc: On the web.}
    sort:
      summary: Reorders a chat's top-level menu items.
      docs: https://open.feishu.cn/document/server-docs/group/chat-menu_tree/sort
      method: POST
      path: /open-apis/im/v1/chats/:chat_id/menu_tree/sort
      tokens: [tenant]
      app_types: [custom, isv]
      scopes: [im:chat]
      rate_limit: standard_1000_50
      path_params:
        chat_id: {type: string, example: oc_a0553eda9014c201e6969b478895c230, doc: The chat.}
      body:
        chat_menu_top_level_ids: {type: array, items: string, required: true, doc: The items in their new order.}
      response:
        menu_tree: {type: menu_tree, doc: The menu after sorting.}
    delete:
      summary: Removes top-level items from a chat's menu.
      docs: https://open.feishu.cn/document/server-docs/group/chat-menu_tree/delete
      method: DELETE
      path: /open-apis/im/v1/chats/:chat_id/menu_tree
      tokens: [tenant]
      app_types: [custom, isv]
      scopes: [im:chat]
      rate_limit: standard_1000_50
      path_params:
        chat_id: {type: string, example: oc_a0553eda9014c201e6969b478895c230, doc: The chat.}
      body:
        chat_menu_top_level_ids: {type: array, items: string, required: true, doc: The items to remove.}
      response:
        menu_tree: {type: menu_tree, doc: The menu after removing them.}
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
    fs::write(copy.join("spec/im/v1/chat_menu_tree.yaml"), MENU_TREE).unwrap();

    let changed = feishu_im_codegen::sync(
        &copy.join("spec"),
        &copy.join("feishu-im/src/generated"),
        Mode::Write,
    )
    .unwrap_or_else(|e| panic!("the extended spec is refused:\n{e}"));
    assert!(
        changed.iter().any(|c| c.to_string().contains("chat_menu_tree.rs")),
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
    for operation in ["chat_menu_tree.get", "chat_menu_tree.sort", "chat_menu_tree.delete"] {
        assert!(stderr.contains(&format!("agreed: {operation}")), "{operation} ran:\n{stderr}");
    }
}
