//! A file to upload in a multipart body: its name, content type and bytes, from memory, from a
//! path or from an async reader. A path or a reader is streamed, never read whole; a path is
//! reopened for each attempt, and a reader can be sent once.

use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use reqwest::multipart::Part;
use tokio::io::{AsyncRead, AsyncReadExt};

/// A file to upload (`images.create`, `files.create`).
///
/// The part carries the file name and a content type (given, or guessed from the name's
/// extension). Empty files and files over the endpoint's documented limit are refused before
/// anything is sent.
#[derive(Clone, Default)]
pub struct FileUpload {
    name: String,
    content_type: Option<String>,
    source: Source,
}

/// A reader, until the attempt that sends it takes it.
type ReaderSlot = Arc<Mutex<Option<Pin<Box<dyn AsyncRead + Send>>>>>;

#[derive(Clone)]
enum Source {
    Bytes(Bytes),
    Path(PathBuf),
    /// A reader of `len` bytes.
    Reader(ReaderSlot, u64),
}

impl Default for Source {
    fn default() -> Self {
        Source::Bytes(Bytes::new())
    }
}

impl FileUpload {
    /// A file held in memory.
    pub fn from_bytes(name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        FileUpload { name: name.into(), content_type: None, source: Source::Bytes(bytes.into()) }
    }

    /// A file on disk, streamed when sent; its name is the path's last component.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        FileUpload { name, content_type: None, source: Source::Path(path) }
    }

    /// `len` bytes read from `reader` while the body is sent (a socket, a decoder, a file
    /// opened elsewhere). The length is needed up front: Feishu's size limits are checked
    /// before anything is sent, and at most `len` bytes are read.
    ///
    /// A reader is consumed by the attempt that sends it, so an upload from a reader is not
    /// sent again: if Feishu asks for a retry, the call fails with
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest). Upload from bytes or a path
    /// where retries matter.
    pub fn from_reader(
        name: impl Into<String>,
        reader: impl AsyncRead + Send + 'static,
        len: u64,
    ) -> Self {
        let slot: ReaderSlot = Arc::new(Mutex::new(Some(Box::pin(reader))));
        FileUpload { name: name.into(), content_type: None, source: Source::Reader(slot, len) }
    }

    /// With this content type instead of one guessed from the name.
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// With this file name.
    #[must_use]
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The file name the part carries.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The size in bytes (for a path, as the file is now; for a reader, as given).
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub async fn len(&self) -> std::io::Result<u64> {
        match &self.source {
            Source::Bytes(bytes) => Ok(bytes.len() as u64),
            Source::Path(path) => Ok(tokio::fs::metadata(path).await?.len()),
            Source::Reader(_, len) => Ok(*len),
        }
    }

    /// The size, after the checks Feishu makes: not empty, and at most `max_bytes`.
    pub(crate) async fn checked_len(&self, max_bytes: Option<u64>) -> Result<u64, String> {
        let len = self.len().await.map_err(|e| format!("cannot read `{}`: {e}", self.name))?;
        if len == 0 {
            return Err(format!("the file `{}` is empty; Feishu refuses empty files", self.name));
        }
        if let Some(max) = max_bytes.filter(|max| len > *max) {
            return Err(format!(
                "the file `{}` has {len} bytes; this endpoint takes at most {max}",
                self.name
            ));
        }
        Ok(len)
    }

    /// The multipart part, after the size checks; a path is opened and streamed.
    pub(crate) async fn part(&self, max_bytes: Option<u64>) -> Result<Part, String> {
        let len = self.checked_len(max_bytes).await?;
        let part = match &self.source {
            Source::Bytes(bytes) => Part::stream_with_length(bytes.clone(), len),
            Source::Path(path) => {
                let file = tokio::fs::File::open(path)
                    .await
                    .map_err(|e| format!("cannot open `{}`: {e}", path.display()))?;
                let stream = tokio_util::io::ReaderStream::new(file);
                Part::stream_with_length(reqwest::Body::wrap_stream(stream), len)
            }
            Source::Reader(slot, _) => {
                let taken = slot.lock().map(|mut reader| reader.take()).ok().flatten();
                let Some(reader) = taken else {
                    return Err(format!(
                        "the reader of `{}` was consumed by an earlier attempt; upload from bytes or a path to retry",
                        self.name
                    ));
                };
                let stream = tokio_util::io::ReaderStream::new(reader.take(len));
                Part::stream_with_length(reqwest::Body::wrap_stream(stream), len)
            }
        };
        let content_type = match &self.content_type {
            Some(given) => given.clone(),
            None => mime_guess::from_path(&self.name).first_or_octet_stream().to_string(),
        };
        part.file_name(self.name.clone())
            .mime_str(&content_type)
            .map_err(|_| format!("`{content_type}` is not a content type"))
    }
}

impl fmt::Debug for FileUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("FileUpload");
        out.field("name", &self.name).field("content_type", &self.content_type);
        match &self.source {
            Source::Bytes(bytes) => out.field("bytes", &bytes.len()),
            Source::Path(path) => out.field("path", path),
            Source::Reader(_, len) => out.field("reader_bytes", len),
        };
        out.finish()
    }
}

impl PartialEq for FileUpload {
    /// The same name, type and source (the same path, the same bytes, or the same reader).
    fn eq(&self, other: &Self) -> bool {
        let same_source = match (&self.source, &other.source) {
            (Source::Bytes(a), Source::Bytes(b)) => a == b,
            (Source::Path(a), Source::Path(b)) => a == b,
            (Source::Reader(a, _), Source::Reader(b, _)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        self.name == other.name && self.content_type == other.content_type && same_source
    }
}
