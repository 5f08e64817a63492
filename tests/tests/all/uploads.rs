//! Images and files: multipart uploads (from memory or a path, checked before sending) and
//! downloads (read whole or streamed), against the fake and against a recording server.

use feishu_fake::{FakeFeishu, Fault};
use feishu_im::Resources;
use feishu_im::v1::{files, images};
use feishu_im::{
    Client, Credentials, Error, ErrorCode, FileType, FileUpload, ImageType, RetryPolicy,
};
use feishu_im_tests::{Reply, TestServer};
use serde_json::json;

/// Bytes that start like a PNG, then count up.
fn image_bytes(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..len.saturating_sub(8)).map(|i| i as u8));
    bytes.truncate(len);
    bytes
}

#[tokio::test]
async fn an_image_goes_up_and_comes_back_the_same() {
    let fake = FakeFeishu::start().await;
    let client = fake.client();
    let bytes = image_bytes(70_000);
    let upload = FileUpload::from_bytes("photo.png", bytes.clone());
    let created = client
        .images()
        .create(&images::CreateRequest::new(ImageType::Message, upload))
        .await
        .unwrap();
    let key = created.image_key;
    let download = client.images().get(&images::GetRequest::new(&key)).await.unwrap();
    assert_eq!(download.content_type(), Some("image/png"), "the type guessed from the name");
    assert_eq!(download.content_length(), Some(bytes.len() as u64));
    assert_eq!(download.bytes().await.unwrap(), bytes);
}

#[tokio::test]
async fn a_file_from_disk_is_streamed_up_and_down_with_its_name() {
    let fake = FakeFeishu::start().await;
    let client = fake.client();
    let dir = std::env::temp_dir().join(format!("feishu-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("季度报告.pdf");
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();

    let request =
        files::CreateRequest::new(FileType::Pdf, "季度报告.pdf", FileUpload::from_path(&path));
    let key = client.files().create(&request).await.unwrap().file_key;
    let download = client.files().get(&files::GetRequest::new(&key)).await.unwrap();
    assert_eq!(download.file_name(), Some("季度报告.pdf"));
    assert_eq!(download.content_type(), Some("application/pdf"));
    let mut written = Vec::new();
    let count = download.write_to(&mut written).await.unwrap();
    assert_eq!((count, written), (bytes.len() as u64, bytes));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn empty_and_oversized_files_are_refused_before_anything_is_sent() {
    let server = TestServer::start(|_| Reply::ok(json!({"image_key": "img_x"}))).await;
    let client = Client::builder(Credentials::tenant_token("t-token"))
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let send = |bytes: Vec<u8>| {
        images::CreateRequest::new(ImageType::Message, FileUpload::from_bytes("a.png", bytes))
    };
    let empty = client.images().create(&send(Vec::new())).await.unwrap_err();
    assert!(
        matches!(&empty, Error::InvalidRequest(e) if e.to_string().contains("empty")),
        "{empty}"
    );
    let big = client.images().create(&send(vec![0; 10 * 1024 * 1024 + 1])).await.unwrap_err();
    assert!(
        matches!(&big, Error::InvalidRequest(e) if e.to_string().contains("10485760")),
        "{big}"
    );
    assert!(server.requests().is_empty(), "nothing was sent");

    // Exactly at the limit is sent, as one well-formed multipart body.
    client.images().create(&send(image_bytes(10 * 1024 * 1024))).await.unwrap();
    let [request] = &server.requests()[..] else { panic!("one request") };
    let content_type = request.header("content-type").unwrap();
    assert!(content_type.starts_with("multipart/form-data; boundary="), "{content_type}");
    let form = request.form.as_ref().expect("a multipart body");
    let names: Vec<_> = form.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["image_type", "image"]);
    assert_eq!(form[0].bytes, b"message");
    assert_eq!(form[1].file_name.as_deref(), Some("a.png"));
    assert_eq!(form[1].content_type.as_deref(), Some("image/png"));
    assert_eq!(form[1].bytes.len(), 10 * 1024 * 1024);
}

#[tokio::test]
async fn a_failed_download_is_a_typed_error() {
    let fake = FakeFeishu::start().await;
    let client = fake.client();
    let error = client.images().get(&images::GetRequest::new("img_missing")).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::ResourceDeleted));
    assert!(error.log_id().is_some());
}

#[tokio::test]
async fn the_fake_refuses_a_form_without_its_file_with_the_endpoints_code() {
    let fake = FakeFeishu::start().await;
    let boundary = "xYzBoundary";
    let body = format!(
        "--{boundary}\r\ncontent-disposition: form-data; name=\"image_type\"\r\n\r\nmessage\r\n--{boundary}--\r\n"
    );
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let answer = feishu_im_tests::post_raw(
        fake.base_url(),
        "/open-apis/im/v1/images",
        &content_type,
        body.into_bytes(),
    )
    .await;
    assert_eq!(answer["code"], 234001, "{answer}");
    assert_eq!(answer["error"]["field_violations"][0]["field"], "image", "{answer}");
}

#[tokio::test]
async fn a_file_from_a_reader_is_streamed_at_its_limit_and_refused_over_it() {
    const LIMIT: usize = 30 * 1024 * 1024;
    let fake = FakeFeishu::start().await;
    let client = fake.client();
    let bytes: Vec<u8> = (0..LIMIT).map(|i| (i % 251) as u8).collect();
    let reader = std::io::Cursor::new(bytes.clone());
    let upload = FileUpload::from_reader("big.bin", reader, LIMIT as u64);
    let request = files::CreateRequest::new(FileType::Stream, "big.bin", upload);
    let key = client.files().create(&request).await.unwrap().file_key;
    let download = client.files().get(&files::GetRequest::new(&key)).await.unwrap();
    let mut back = Vec::new();
    download.write_to(&mut back).await.unwrap();
    assert!(back == bytes, "the same {} bytes", back.len());

    let over =
        FileUpload::from_reader("big.bin", std::io::Cursor::new(Vec::new()), LIMIT as u64 + 1);
    let request = files::CreateRequest::new(FileType::Stream, "big.bin", over);
    let error = client.files().create(&request).await.unwrap_err();
    assert!(
        matches!(&error, Error::InvalidRequest(e) if e.to_string().contains("31457280")),
        "{error}"
    );
    let empty = FileUpload::from_reader("empty.bin", std::io::Cursor::new(Vec::new()), 0);
    let request = files::CreateRequest::new(FileType::Stream, "empty.bin", empty);
    let error = client.files().create(&request).await.unwrap_err();
    assert!(
        matches!(&error, Error::InvalidRequest(e) if e.to_string().contains("empty")),
        "{error}"
    );
    assert_eq!(fake.calls("files.create"), 1, "refused before sending");
}

#[tokio::test]
async fn a_reader_is_sent_once_and_a_retry_says_so() {
    let fake = FakeFeishu::start().await;
    let client = fake.client();
    fake.inject("files.create", Fault::Code(ErrorCode::RequestRateLimited));
    let upload = FileUpload::from_reader("a.txt", &b"hello"[..], 5);
    let request = files::CreateRequest::new(FileType::Stream, "a.txt", upload);
    let error = client.files().create(&request).await.unwrap_err();
    assert!(
        matches!(&error, Error::InvalidRequest(e) if e.to_string().contains("earlier attempt")),
        "{error}"
    );
    assert_eq!(fake.calls("files.create"), 1, "the rate-limited attempt only");
}
