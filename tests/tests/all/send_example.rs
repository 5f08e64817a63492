//! The `send` example against the fake: it prints the message id and exits 0, and exits 2 on a
//! usage error, as its documentation says.

use feishu_fake::{ChatSeed, FakeFeishu};
use feishu_im::ContainerIdType;
use feishu_im::Resources;
use feishu_im::v1::messages::ListRequest;

/// Runs the `send` example with `args` against `base_url`; its exit code and output.
fn send(args: &[&str], base_url: &str) -> (Option<i32>, String, String) {
    let mut all = vec!["send", "--"];
    all.extend_from_slice(args);
    let env = [
        ("FEISHU_APP_ID", FakeFeishu::APP_ID),
        ("FEISHU_APP_SECRET", FakeFeishu::APP_SECRET),
        ("FEISHU_BASE_URL", base_url),
    ];
    let output = feishu_im_tests::examples::run(&all, &env);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_posts_text_and_a_post_file_and_prints_the_ids() {
    let fake = FakeFeishu::start().await;
    fake.seed_chat(ChatSeed::public("oc_cli").members([FakeFeishu::APP_ID]));
    let base = fake.base_url().to_owned();
    let post = std::env::temp_dir().join(format!("feishu-post-{}.json", std::process::id()));
    std::fs::write(&post, r#"{"zh_cn":{"title":"标题","content":[[{"tag":"text","text":"hi"}]]}}"#)
        .unwrap();
    let post_path = post.to_string_lossy().into_owned();

    let (code, out, err) = {
        let base = base.clone();
        tokio::task::spawn_blocking(move || send(&["--chat", "oc_cli", "--text", "hello"], &base))
            .await
            .unwrap()
    };
    assert_eq!(code, Some(0), "{err}");
    assert!(out.trim().starts_with("om_"), "prints the message id: {out}");
    let (code, out, err) = {
        let base = base.clone();
        tokio::task::spawn_blocking(move || {
            send(&["--chat", "oc_cli", "--post", &post_path], &base)
        })
        .await
        .unwrap()
    };
    assert_eq!(code, Some(0), "{err}");
    assert!(out.trim().starts_with("om_"), "{out}");
    let _ = std::fs::remove_file(&post);

    // An image and a file: uploaded first, then sent by key.
    let dir = std::env::temp_dir().join(format!("feishu-send-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let image = dir.join("photo.png");
    std::fs::write(&image, b"\x89PNG\r\n\x1a\n pixels").unwrap();
    let report = dir.join("report.pdf");
    std::fs::write(&report, b"%PDF-1.7 pages").unwrap();
    for (flag, path) in [("--image", &image), ("--file", &report)] {
        let (base, path) = (base.clone(), path.to_string_lossy().into_owned());
        let (code, out, err) =
            tokio::task::spawn_blocking(move || send(&["--chat", "oc_cli", flag, &path], &base))
                .await
                .unwrap();
        assert_eq!(code, Some(0), "{flag}: {err}");
        assert!(out.trim().starts_with("om_"), "{out}");
    }
    let _ = std::fs::remove_dir_all(&dir);

    let listed = fake
        .client()
        .messages()
        .list(&ListRequest::new(ContainerIdType::Chat, "oc_cli"))
        .await
        .unwrap();
    let kinds: Vec<_> =
        listed.items.iter().filter_map(|m| m.msg_type.as_ref()).map(|k| k.as_str()).collect();
    assert_eq!(kinds, ["text", "post", "image", "file"]);

    let (code, _, err) = {
        let base = base.clone();
        tokio::task::spawn_blocking(move || send(&["--chat", "oc_cli"], &base)).await.unwrap()
    };
    assert_eq!(code, Some(2), "a usage error: {err}");
    let (code, _, err) = tokio::task::spawn_blocking(move || {
        send(&["--chat", "oc_not_a_member", "--text", "hi"], &base)
    })
    .await
    .unwrap();
    assert_eq!(code, Some(1), "an API error: {err}");
    assert!(err.contains("230001") || err.contains("230002"), "{err}");
}
