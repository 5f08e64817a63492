//! A file downloaded from an endpoint that answers with bytes (`images.get`, `files.get`):
//! its type, length and name, and the body, read whole up to a cap or streamed to a writer.

use std::fmt;

use reqwest::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::error::Error;
use crate::error::transport;

/// The largest download read: Feishu serves files of at most 100 MB.
pub const MAX_DOWNLOAD_BYTES: u64 = 100 * 1024 * 1024;

/// A successful download. The body is not read until asked for.
pub struct Download {
    operation: &'static str,
    response: reqwest::Response,
    content_type: Option<String>,
    file_name: Option<String>,
}

impl Download {
    pub(crate) fn new(operation: &'static str, response: reqwest::Response) -> Self {
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok());
        let content_type = header(CONTENT_TYPE).map(str::to_owned);
        let file_name = header(CONTENT_DISPOSITION).and_then(file_name);
        Download { operation, response, content_type, file_name }
    }

    /// The `Content-Type` the server sent.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The `Content-Length` the server sent.
    pub fn content_length(&self) -> Option<u64> {
        self.response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }

    /// The file name of `Content-Disposition`, if the server sent one.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// Reads the whole body (at most [`MAX_DOWNLOAD_BYTES`]).
    ///
    /// # Errors
    ///
    /// [`Error::Transport`] or [`Error::Timeout`] when reading fails, [`Error::Decode`] when the
    /// body is longer than the cap.
    pub async fn bytes(mut self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(self.content_length().unwrap_or(0).min(1 << 20) as usize);
        let mut read = 0;
        while let Some(chunk) = self.chunk(&mut read).await? {
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Streams the body to `out` chunk by chunk, never holding it whole; returns the bytes
    /// written (at most [`MAX_DOWNLOAD_BYTES`]).
    ///
    /// # Errors
    ///
    /// An I/O error when writing fails, or wrapping the [`Error`] of reading, as
    /// [`Download::bytes`] gives it.
    pub async fn write_to<W: AsyncWrite + Unpin + ?Sized>(
        mut self,
        out: &mut W,
    ) -> std::io::Result<u64> {
        let mut read = 0;
        while let Some(chunk) = self.chunk(&mut read).await.map_err(std::io::Error::other)? {
            out.write_all(&chunk).await?;
        }
        out.flush().await?;
        Ok(read)
    }

    /// The next chunk of the body, counting the bytes read so far against the cap.
    async fn chunk(&mut self, read: &mut u64) -> Result<Option<bytes::Bytes>, Error> {
        let operation = self.operation;
        let Some(chunk) = self.response.chunk().await.map_err(|e| transport(operation, e))? else {
            return Ok(None);
        };
        *read += chunk.len() as u64;
        if *read > MAX_DOWNLOAD_BYTES {
            let status = self.response.status().as_u16();
            return Err(Error::too_large_download(operation, status, MAX_DOWNLOAD_BYTES));
        }
        Ok(Some(chunk))
    }
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("operation", &self.operation)
            .field("status", &self.response.status().as_u16())
            .field("content_type", &self.content_type)
            .field("file_name", &self.file_name)
            .finish()
    }
}

/// The file name of a `Content-Disposition` value: `filename*=UTF-8''…` (percent-decoded)
/// before `filename="…"`.
fn file_name(value: &str) -> Option<String> {
    let params = value.split(';').map(str::trim);
    let mut plain = None;
    for param in params {
        let Some((key, raw)) = param.split_once('=') else { continue };
        match key.trim().to_ascii_lowercase().as_str() {
            "filename*" => {
                let encoded = raw.trim().split_once("''").map_or(raw, |(_, rest)| rest);
                let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8().ok()?;
                return Some(decoded.into_owned());
            }
            "filename" => plain = Some(raw.trim().trim_matches('"').to_owned()),
            _ => {}
        }
    }
    plain.filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_come_from_either_form_of_content_disposition() {
        assert_eq!(
            super::file_name(r#"attachment; filename="report.pdf""#).as_deref(),
            Some("report.pdf")
        );
        assert_eq!(
            super::file_name("attachment; filename=\"x\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf")
                .as_deref(),
            Some("报告.pdf")
        );
        assert_eq!(super::file_name("inline"), None);
    }
}
