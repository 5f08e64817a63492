//! Where requests go: Feishu, Lark, or a custom base URL.

use std::net::IpAddr;

use reqwest::Url;

/// The platform hosts. Apps and tokens belong to one platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Platform {
    /// Feishu, `https://open.feishu.cn`.
    #[default]
    Feishu,
    /// Lark, `https://open.larksuite.com`.
    Lark,
}

impl Platform {
    /// The platform's base URL.
    pub const fn base_url(self) -> &'static str {
        match self {
            Platform::Feishu => "https://open.feishu.cn",
            Platform::Lark => "https://open.larksuite.com",
        }
    }
}

/// Checks a base URL: HTTPS, or plain HTTP to a loopback host (tests and local fakes).
/// Returns it without a trailing slash.
pub(crate) fn check_base_url(url: &str) -> Result<String, String> {
    let parsed = Url::parse(url).map_err(|e| format!("invalid base URL `{url}`: {e}"))?;
    if parsed.query().is_some() || parsed.fragment().is_some() || !parsed.username().is_empty() {
        return Err(format!("base URL `{url}` must not carry credentials, a query or a fragment"));
    }
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        "http" => {
            return Err(format!(
                "base URL `{url}` must use https (plain http is allowed only for loopback hosts)"
            ));
        }
        other => return Err(format!("base URL `{url}` has unsupported scheme `{other}`")),
    }
    Ok(url.trim_end_matches('/').to_owned())
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::check_base_url;

    #[test]
    fn https_or_loopback_http() {
        assert_eq!(check_base_url("https://open.feishu.cn/").unwrap(), "https://open.feishu.cn");
        assert!(check_base_url("http://127.0.0.1:8080").is_ok());
        assert!(check_base_url("http://[::1]:8080").is_ok());
        assert!(check_base_url("http://localhost:1").is_ok());
        assert!(check_base_url("http://open.feishu.cn").is_err());
        assert!(check_base_url("http://127.0.0.1.evil.com").is_err());
        assert!(check_base_url("ftp://127.0.0.1").is_err());
    }
}
