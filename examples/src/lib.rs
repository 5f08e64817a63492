//! What the examples of `feishu-im` share: logging, and how they report usage problems and
//! failed calls.

use std::process::ExitCode;

use feishu_im::{ClientBuilder, Error};
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Logs to stderr at the levels `RUST_LOG` names (`RUST_LOG=debug` shows every attempt),
/// warnings only by default.
pub fn log_to_stderr() {
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(Level::WARN));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(Level::TRACE)
        .finish()
        .with(filter)
        .init();
}

/// Prints a usage or configuration problem and the usage; exit code 2.
pub fn usage_error(message: &str, usage: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{usage}");
    ExitCode::from(2)
}

/// Prints what failed with its code, msg, log id and hints; exit code 1, or 2 for a request the
/// client refused before sending.
pub fn report(what: &str, error: &Error, usage: &str) -> ExitCode {
    if let Error::InvalidRequest(invalid) = error {
        return usage_error(&invalid.to_string(), usage);
    }
    eprintln!("{what}");
    if let Some(code) = error.code() {
        eprintln!("  code:   {code}");
    }
    if let Error::Api(api) = error {
        eprintln!("  msg:    {}", api.msg);
    }
    eprintln!("  log id: {}", error.log_id().unwrap_or("-"));
    if let Some(code) = error.code() {
        if let Some(hint) = code.hint() {
            eprintln!("  hint:   {hint}");
        }
        if let Some(hint) = code.hint_zh() {
            eprintln!("  排查建议: {hint}");
        }
    }
    eprintln!("  error:  {error}");
    ExitCode::from(1)
}

/// With `FEISHU_REDIS_URL` set, shares tokens and rate limits with every other instance given
/// the same Redis; an error message when the URL is unusable.
pub fn shared_state(builder: ClientBuilder) -> Result<ClientBuilder, String> {
    let Some(url) = std::env::var("FEISHU_REDIS_URL").ok().filter(|v| !v.is_empty()) else {
        return Ok(builder);
    };
    let store = feishu_im::RedisStore::new(&url).map_err(|e| e.to_string())?;
    Ok(builder.shared_state(store))
}
