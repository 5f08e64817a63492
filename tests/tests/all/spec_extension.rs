//! Changing the spec by editing YAML only, in a copy of the workspace: endpoints added to it
//! generate code that builds, and the agreement test (client against fake) passes for them,
//! with no Rust written for them; resources and operations taken out of it leave the fake
//! building, without the behaviours of what is gone.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use feishu_im_tests::generated_crates::workspace_root;

/// A new API version of another service: two endpoints of `contact/v3` users, a POST with lists
/// and a flag in the body answering nested objects, and a GET with a path parameter, a new enum
/// in the query and an existing one. Fields as in the official SDK typings (`larksuite/node-sdk`,
/// `code-gen/projects/contact.ts`, `v3.user.batchGetId` and `v3.user.get`), a subset of the
/// user's.
const CONTACT_USERS: &str = r#"enums:
  department_id_type:
    doc: The kind of department ids in a request and its answer.
    type: string
    values:
      - {value: department_id, doc: The tenant's own department id.}
      - {value: open_department_id, doc: The department's id for this app.}
resource:
  name: users
  service: contact
  version: v3
  doc: The tenant's users.
  endpoints:
    batch_get_id:
      summary: Gets users' ids by their mobile numbers or emails.
      docs: https://open.feishu.cn/document/server-docs/contact-v3/user/batch_get_id
      method: POST
      path: /open-apis/contact/v3/users/batch_get_id
      tokens: [tenant]
      app_types: [custom, isv]
      scopes: [contact:user.id:readonly]
      rate_limit: standard_1000_50
      query:
        user_id_type: {type: user_id_type, example: open_id, doc: The kind of ids answered.}
      body:
        emails: {type: array, items: string, max_items: 50, example: zhangsan@z.com, doc: The emails.}
        mobiles: {type: array, items: string, max_items: 50, example: "13812345678", doc: The mobile numbers.}
        include_resigned: {type: boolean, doc: Whether users who left are answered too.}
      response:
        user_list:
          type: array
          doc: One entry per email or mobile number.
          items:
            type: object
            name: user_contact_info
            doc: A user's id and status.
            fields:
              user_id: {type: string, example: ou_979112345678741d29069abcdef089d4, doc: The user's id.}
              mobile: {type: string, doc: The mobile number asked for.}
              email: {type: string, doc: The email asked for.}
              status:
                type: object
                name: user_status
                doc: The user's status.
                fields:
                  is_frozen: {type: boolean, doc: Whether the user is frozen.}
                  is_resigned: {type: boolean, doc: Whether the user left.}
                  is_activated: {type: boolean, doc: Whether the user is activated.}
    get:
      summary: Gets a user.
      docs: https://open.feishu.cn/document/server-docs/contact-v3/user/get
      method: GET
      path: /open-apis/contact/v3/users/:user_id
      tokens: [tenant, user]
      app_types: [custom, isv]
      scopes: [contact:user.base:readonly]
      rate_limit: standard_1000_50
      path_params:
        user_id: {type: string, example: ou_7dab8a3d3cdcc9da365777c7ad535d62, doc: The user.}
      query:
        user_id_type: {type: user_id_type, example: open_id, doc: The kind of `user_id`.}
        department_id_type: {type: department_id_type, example: open_department_id, doc: The kind of department ids answered.}
      response:
        user:
          type: object
          name: user
          doc: The user.
          fields:
            open_id: {type: string, example: ou_7dab8a3d3cdcc9da365777c7ad535d62, doc: The user's open id.}
            name: {type: string, example: 张三, doc: The user's name.}
            en_name: {type: string, doc: The user's English name.}
            department_ids: {type: array, items: string, doc: The user's departments.}
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

/// A copy of the workspace's sources under `target/spec-extension/<name>`.
fn copy_workspace(name: &str) -> PathBuf {
    let root = workspace_root();
    let copy = root.join("target/spec-extension").join(name);
    let _ = fs::remove_dir_all(&copy);
    for part in ["Cargo.toml", "Cargo.lock", "rustfmt.toml", "README.md"] {
        fs::create_dir_all(&copy).unwrap();
        fs::copy(root.join(part), copy.join(part)).unwrap();
    }
    for part in [
        "spec",
        "catalog",
        "codegen",
        "examples",
        "feishu-fake",
        "feishu-im",
        "feishu-im-runtime",
        "generated-crates",
        "public-api",
        "tests",
        "xtask",
    ] {
        copy_tree(&root.join(part), &copy.join(part));
    }
    copy
}

/// What a user runs after editing the spec: the generator rewrites the modules, features and
/// listings, after which `--check` finds nothing stale.
fn codegen(copy: &Path) -> String {
    let xtask = ["run", "--offline", "--quiet", "-p", "xtask", "--", "codegen"];
    let generate = cargo(copy, &xtask);
    assert!(generate.status.success(), "the changed spec is refused:\n{}", show(&generate));
    let check = cargo(copy, &[&xtask[..], &["--check"]].concat());
    assert!(check.status.success(), "codegen is not idempotent:\n{}", show(&check));
    String::from_utf8_lossy(&generate.stdout).into_owned()
}

#[test]
fn endpoints_added_by_yaml_alone_pass_the_agreement_test() {
    let copy = copy_workspace("workspace");
    fs::create_dir_all(copy.join("spec/contact/v3")).unwrap();
    fs::write(copy.join("spec/contact/v3/users.yaml"), CONTACT_USERS).unwrap();

    let printed = codegen(&copy);
    assert!(printed.contains("created feishu-im/src/generated/v3/users.rs"), "{printed}");
    let manifest = fs::read_to_string(copy.join("feishu-im/Cargo.toml")).unwrap();
    assert!(manifest.contains("\nv3-users = []\n"), "a feature for the new resource:\n{manifest}");

    let output = cargo(
        &copy,
        &[
            "test",
            "--offline",
            "--quiet",
            "-p",
            "feishu-im-tests",
            "--test",
            "agreement",
            "--",
            "--nocapture",
            "every_endpoint_succeeds",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the agreement test fails:\n{}", show(&output));
    for operation in ["users.batch_get_id", "users.get"] {
        assert!(stderr.contains(&format!("agreed: {operation}")), "{operation} ran:\n{stderr}");
    }
}

/// Takes the endpoint `name` out of the resource file at `path`: its block under `endpoints:`.
fn remove_endpoint(path: &Path, name: &str) {
    let text = fs::read_to_string(path).unwrap();
    let mut kept = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        if indent == 4 && !line.trim().is_empty() {
            skipping = line.trim() == format!("{name}:");
        } else if indent < 4 && !line.trim().is_empty() {
            skipping = false;
        }
        if !skipping {
            kept.push(line);
        }
    }
    assert!(kept.len() < text.lines().count(), "`{name}` is in {}", path.display());
    fs::write(path, kept.join("\n") + "\n").unwrap();
}

#[test]
fn the_fake_builds_without_resources_and_operations_taken_out_of_the_spec() {
    let copy = copy_workspace("reduced");
    let v1 = copy.join("spec/im/v1");
    // Every resource the fake models but three: whole modules of behaviours are left out.
    fs::remove_file(copy.join("spec/interactive/v1/cards.yaml")).unwrap();
    for resource in [
        "chat_announcement",
        "chat_managers",
        "chat_members",
        "chat_menu_item",
        "chat_menu_tree",
        "chat_moderation",
        "chat_tabs",
        "chats",
        "files",
        "images",
        "message_reactions",
        "message_resources",
        "threads",
    ] {
        fs::remove_file(v1.join(format!("{resource}.yaml"))).unwrap();
    }
    // One operation of each of the three: single behaviours, and what only they need.
    remove_endpoint(&v1.join("pins.yaml"), "list");
    remove_endpoint(&v1.join("messages.yaml"), "merge_forward");
    remove_endpoint(&v1.join("chat_top_notice.yaml"), "put_top_notice");
    let printed = codegen(&copy);
    assert!(printed.contains("removed feishu-im/src/generated/v1/chats.rs"), "{printed}");

    let output = cargo(&copy, &["build", "--offline", "--quiet", "-p", "feishu-fake"]);
    assert!(output.status.success(), "the fake does not build:\n{}", show(&output));
    let warnings = String::from_utf8_lossy(&output.stderr);
    assert!(!warnings.contains("warning"), "the fake builds with warnings:\n{warnings}");
}

/// Runs cargo in the copy, sharing the target directory of the generated-crate checks.
fn cargo(copy: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(copy).env_remove("RUSTFLAGS").args(args);
    command.env("CARGO_TARGET_DIR", workspace_root().join("target/generated-crates/target"));
    command.output().unwrap()
}

fn show(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
