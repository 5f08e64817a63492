//! Joins a public chat as the app's bot or as a user.
//!
//! ```sh
//! FEISHU_APP_ID=cli_… FEISHU_APP_SECRET=… cargo run -p feishu-im-examples --example me_join -- oc_…
//! FEISHU_USER_TOKEN=u-… cargo run -p feishu-im-examples --example me_join -- oc_…
//! ```
//!
//! `FEISHU_BASE_URL` is optional (default Feishu; plain http only for loopback hosts).
//! `FEISHU_REDIS_URL` (`redis://127.0.0.1:6379`) shares the token and
//! the rate limits with every other instance given the same Redis.
//! Exit codes: 0 joined, 1 API or network error, 2 usage or configuration error.

use feishu_im_examples as support;

use std::process::ExitCode;

use feishu_im::Resources;
use feishu_im::v1::chat_members::MeJoinRequest;
use feishu_im::{Client, Credentials, UserAccessToken};

const USAGE: &str = "usage: me_join <chat_id>
credentials: FEISHU_APP_ID and FEISHU_APP_SECRET (custom app), or FEISHU_USER_TOKEN
optional: FEISHU_BASE_URL (default https://open.feishu.cn),
  FEISHU_REDIS_URL (share tokens and rate limits with other instances)";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    support::log_to_stderr();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [chat_id] = &args[..] else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let user = env("FEISHU_USER_TOKEN").map(UserAccessToken::new);
    let credentials = match (env("FEISHU_APP_ID"), env("FEISHU_APP_SECRET"), &user) {
        (Some(id), Some(secret), _) => Credentials::custom_app(id, secret),
        (None, None, Some(_)) => Credentials::None,
        (Some(_), None, _) => return usage_error("FEISHU_APP_SECRET is missing"),
        (None, Some(_), _) => return usage_error("FEISHU_APP_ID is missing"),
        (None, None, None) => {
            return usage_error("set FEISHU_APP_ID and FEISHU_APP_SECRET, or FEISHU_USER_TOKEN");
        }
    };
    let mut builder = Client::builder(credentials);
    if let Some(url) = env("FEISHU_BASE_URL") {
        builder = builder.base_url(url);
    }
    let builder = match support::shared_state(builder) {
        Ok(builder) => builder,
        Err(problem) => return support::usage_error(&problem, USAGE),
    };
    let client = match builder.build() {
        Ok(client) => client,
        Err(error) => return usage_error(&error.to_string()),
    };
    let caller = match &user {
        Some(token) if env("FEISHU_APP_ID").is_none() => client.as_user(token),
        _ => client.caller(),
    };
    let request = MeJoinRequest::new(chat_id.as_str());
    match caller.chat_members().me_join(&request).await {
        Ok(_) => {
            println!("joined chat {chat_id}");
            ExitCode::SUCCESS
        }
        Err(error) => support::report(&format!("could not join chat {chat_id}"), &error, USAGE),
    }
}

fn usage_error(message: &str) -> ExitCode {
    support::usage_error(message, USAGE)
}
