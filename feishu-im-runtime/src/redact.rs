//! Text a server sent is shown to people (an error's `Display` and `Debug`, a log line, an
//! example's output) only after every secret the component holds is taken out of it: a
//! misbehaving proxy or gateway may echo the app secret or a token in its `msg`.

use crate::{Error, Secret};

/// What replaces a secret.
const MASK: &str = "***";

/// The secrets one component holds: the app secret, the `app_ticket`, the tokens in use, the
/// Encrypt Key and the verification token.
#[derive(Default)]
pub(crate) struct Redactor {
    secrets: Vec<Secret>,
}

impl Redactor {
    /// Adds a secret; an empty one is ignored.
    pub(crate) fn add(&mut self, secret: &Secret) -> &mut Self {
        if !secret.expose().is_empty() {
            self.secrets.push(secret.clone());
        }
        self
    }

    /// Adds each secret of `secrets`.
    pub(crate) fn extend<'a>(
        &mut self,
        secrets: impl IntoIterator<Item = &'a Secret>,
    ) -> &mut Self {
        for secret in secrets {
            self.add(secret);
        }
        self
    }

    /// Replaces every occurrence of a secret in `text`, the longest secrets first so that one
    /// that contains another is masked whole.
    pub(crate) fn text(&self, text: &mut String) {
        if !self.secrets.iter().any(|s| text.contains(s.expose())) {
            return;
        }
        let mut secrets: Vec<&str> = self.secrets.iter().map(Secret::expose).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for secret in secrets {
            if text.contains(secret) {
                *text = text.replace(secret, MASK);
            }
        }
    }

    /// [`text`](Self::text), on an optional text.
    pub(crate) fn option(&self, text: &mut Option<String>) {
        if let Some(text) = text {
            self.text(text);
        }
    }

    /// Takes the secrets out of every text of `error` that may have come from a server.
    pub(crate) fn error(&self, mut error: Error) -> Error {
        if self.secrets.is_empty() {
            return error;
        }
        match &mut error {
            Error::Api(e) => {
                self.text(&mut e.msg);
                self.option(&mut e.log_id);
                let detail = &mut e.detail;
                self.option(&mut detail.troubleshooter);
                self.option(&mut detail.message);
                for violation in &mut detail.permission_violations {
                    self.option(&mut violation.kind);
                    self.option(&mut violation.subject);
                    self.option(&mut violation.description);
                }
                for violation in &mut detail.field_violations {
                    self.option(&mut violation.field);
                    self.option(&mut violation.value);
                    self.option(&mut violation.description);
                }
                for help in &mut detail.helps {
                    self.option(&mut help.url);
                    self.option(&mut help.description);
                }
            }
            Error::Auth(e) => {
                self.text(&mut e.msg);
                self.option(&mut e.log_id);
            }
            Error::Decode(e) => {
                self.text(&mut e.reason);
                self.text(&mut e.body_snippet);
                self.option(&mut e.log_id);
            }
            Error::Timeout(e) => self.text(&mut e.source_text),
            Error::InvalidRequest(e) => self.text(&mut e.reason),
            Error::Config(e) => self.text(&mut e.reason),
            // The transport's own text holds the URL and the library's words, no server text.
            Error::Transport(_) => {}
            #[cfg(feature = "long-connection")]
            Error::LongConnection(e) => self.long_connection_texts(e),
        }
        error
    }

    /// Takes the secrets out of the texts of a long connection's failure.
    #[cfg(feature = "long-connection")]
    pub(crate) fn long_connection(
        &self,
        mut error: crate::receive::LongConnectionError,
    ) -> crate::receive::LongConnectionError {
        self.long_connection_texts(&mut error);
        error
    }

    #[cfg(feature = "long-connection")]
    fn long_connection_texts(&self, error: &mut crate::receive::LongConnectionError) {
        self.text(&mut error.msg);
        self.option(&mut error.log_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_goes_the_longest_first() {
        let mut redactor = Redactor::default();
        redactor.add(&Secret::new("abc")).add(&Secret::new("abcdef")).add(&Secret::new(""));
        let mut text = "x abcdef y abc z abcabc".to_owned();
        redactor.text(&mut text);
        assert_eq!(text, "x *** y *** z ******");
        let mut clean = "nothing here".to_owned();
        redactor.text(&mut clean);
        assert_eq!(clean, "nothing here");
    }
}
