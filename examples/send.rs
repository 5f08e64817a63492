//! Sends one message to a chat or a user, as the app's bot, and prints its id.
//!
//! ```sh
//! FEISHU_APP_ID=cli_… FEISHU_APP_SECRET=… cargo run -p feishu-im-examples --example send -- --chat oc_… --text "hello"
//! FEISHU_APP_ID=cli_… FEISHU_APP_SECRET=… cargo run -p feishu-im-examples --example send -- --user ou_… --post post.json
//! FEISHU_APP_ID=cli_… FEISHU_APP_SECRET=… cargo run -p feishu-im-examples --example send -- --chat oc_… --image photo.png
//! FEISHU_APP_ID=cli_… FEISHU_APP_SECRET=… cargo run -p feishu-im-examples --example send -- --chat oc_… --file report.pdf
//! ```
//!
//! `--post FILE` holds the post as Feishu defines it (`{"zh_cn":{"title":…,"content":[[…]]}}`).
//! `--image` and `--file` upload first (streamed from disk, with the file's name and type), then
//! send the key; `--file` picks `file_type` by extension (`pdf`, `doc`, `xls`, `ppt`, `mp4`,
//! `opus`, otherwise `stream`).
//! `FEISHU_BASE_URL` is optional (default Feishu; plain http only for loopback hosts).
//! `FEISHU_REDIS_URL` (`redis://127.0.0.1:6379`) shares the token and
//! the rate limits with every other instance given the same Redis.
//! Each call sends one `uuid`, kept across retries, so a retried send posts once.
//! Exit codes: 0 sent, 1 API or network error, 2 usage or configuration error.

use feishu_im_examples as support;

use std::process::ExitCode;

use std::path::Path;

use feishu_im::Resources;
use feishu_im::v1::messages::CreateRequest;
use feishu_im::v1::{files, images};
use feishu_im::{
    Client, Credentials, Error, FileType, FileUpload, ImageType, MessageContent, ReceiveIdType,
};

const USAGE: &str = "usage: send (--chat <oc_…> | --user <ou_…>) (--text <text> | --post <file> | --image <file> | --file <file>)
credentials: FEISHU_APP_ID and FEISHU_APP_SECRET (custom app)
optional: FEISHU_BASE_URL (default https://open.feishu.cn),
  FEISHU_REDIS_URL (share tokens and rate limits with other instances)";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    support::log_to_stderr();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (to, content) = match parse(&args) {
        Ok(parsed) => parsed,
        Err(problem) => return support::usage_error(&problem, USAGE),
    };
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(id), Some(secret)) = (env("FEISHU_APP_ID"), env("FEISHU_APP_SECRET")) else {
        return support::usage_error("set FEISHU_APP_ID and FEISHU_APP_SECRET", USAGE);
    };
    let mut builder = Client::builder(Credentials::custom_app(id, secret));
    if let Some(url) = env("FEISHU_BASE_URL") {
        builder = builder.base_url(url);
    }
    let builder = match support::shared_state(builder) {
        Ok(builder) => builder,
        Err(problem) => return support::usage_error(&problem, USAGE),
    };
    let client = match builder.build() {
        Ok(client) => client,
        Err(error) => return support::usage_error(&error.to_string(), USAGE),
    };
    let (kind, receive_id) = to;
    let content = match upload(&client, content).await {
        Ok(content) => content,
        Err(error) => return support::report("could not upload the file", &error, USAGE),
    };
    let request = CreateRequest::new(kind, receive_id, content);
    match client.messages().create(&request).await {
        Ok(sent) => {
            println!("{}", sent.message_id);
            ExitCode::SUCCESS
        }
        Err(error) => support::report("could not send the message", &error, USAGE),
    }
}

/// What to send: content as it is, or a file to upload first.
enum What {
    Content(MessageContent),
    Image(String),
    File(String),
}

/// The content to send, uploading an image or file first.
async fn upload(client: &Client, what: What) -> Result<MessageContent, Error> {
    match what {
        What::Content(content) => Ok(content),
        What::Image(path) => {
            let request =
                images::CreateRequest::new(ImageType::Message, FileUpload::from_path(path));
            let key = client.images().create(&request).await?.image_key;
            Ok(MessageContent::image(key))
        }
        What::File(path) => {
            let file_type = file_type(&path);
            let name = Path::new(&path).file_name().map(|n| n.to_string_lossy().into_owned());
            let request = files::CreateRequest::new(
                file_type.clone(),
                name.unwrap_or_default(),
                FileUpload::from_path(&path),
            );
            let key = client.files().create(&request).await?.file_key;
            Ok(match file_type {
                FileType::Opus => MessageContent::audio(key),
                FileType::Mp4 => MessageContent::media(key),
                _ => MessageContent::file(key),
            })
        }
    }
}

/// The `file_type` of a path, by its extension.
fn file_type(path: &str) -> FileType {
    let extension = Path::new(path).extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("pdf") => FileType::Pdf,
        Some("doc" | "docx") => FileType::Doc,
        Some("xls" | "xlsx") => FileType::Xls,
        Some("ppt" | "pptx") => FileType::Ppt,
        Some("mp4") => FileType::Mp4,
        Some("opus") => FileType::Opus,
        _ => FileType::Stream,
    }
}

/// The recipient and what to send, from the command line.
fn parse(args: &[String]) -> Result<((ReceiveIdType, String), What), String> {
    let mut to = None;
    let mut content = None;
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--chat" => to = Some((ReceiveIdType::ChatId, value.clone())),
            "--user" => to = Some((ReceiveIdType::OpenId, value.clone())),
            "--text" => content = Some(What::Content(MessageContent::text(value.as_str()))),
            "--image" => content = Some(What::Image(value.clone())),
            "--file" => content = Some(What::File(value.clone())),
            "--post" => {
                let text = std::fs::read_to_string(value).map_err(|e| format!("{value}: {e}"))?;
                let post = MessageContent::from_json("post", &text)
                    .map_err(|e| format!("{value} is not a post: {e}"))?;
                content = Some(What::Content(post));
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    match (to, content) {
        (Some(to), Some(content)) => Ok((to, content)),
        (None, _) => Err("say where: --chat or --user".into()),
        (_, None) => Err("say what: --text, --post, --image or --file".into()),
    }
}
