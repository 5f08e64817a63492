//! The text of a `text` message, with mentions, built so that its markup is always well
//! formed.

use std::fmt;

/// The text of a `text` message: plain text, line breaks and mentions, in order. It converts
/// into the `String` that a text content's constructor takes, so a message is one line:
/// `MessageContent::text(MessageText::new().mention(id, "Tom").push(" hi"))`.
///
/// ```
/// # use feishu_im_runtime::MessageText;
/// let text = MessageText::new().mention("ou_7d8a6e6df762", "Tom").push(" the build is green");
/// assert_eq!(text.as_str(), r#"<at user_id="ou_7d8a6e6df762">Tom</at> the build is green"#);
/// ```
///
/// Text is sent as written: Feishu reads `**bold**`, `<i>`, `<u>`, `<s>` and `[text](url)` in
/// it. A mention is written as Feishu's `<at user_id="…">name</at>`; the characters that would
/// end its attribute or element early (`"`, `<`, `>`) are left out of the id and the name, so
/// no name or id can close the tag or open another one. The name only stands in until Feishu
/// shows the user's own. The whole text is escaped for JSON when the message is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct MessageText {
    text: String,
}

impl MessageText {
    /// Empty text.
    pub fn new() -> Self {
        MessageText::default()
    }

    /// Appends text as written.
    pub fn push(mut self, text: &str) -> Self {
        self.text.push_str(text);
        self
    }

    /// Appends a line break.
    pub fn line(mut self) -> Self {
        self.text.push('\n');
        self
    }

    /// Mentions a user by open_id, union_id or user_id, shown as `name` until Feishu shows the
    /// user's own name.
    pub fn mention(mut self, user_id: &str, name: &str) -> Self {
        self.text.push_str("<at user_id=\"");
        push_inert(&mut self.text, user_id);
        self.text.push_str("\">");
        push_inert(&mut self.text, name);
        self.text.push_str("</at>");
        self
    }

    /// Mentions everyone in the chat (the chat must allow it).
    pub fn mention_all(mut self) -> Self {
        self.text.push_str("<at user_id=\"all\"></at>");
        self
    }

    /// The text as sent in the message's `text` field.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Appends `text` without the characters that delimit a tag or an attribute.
fn push_inert(out: &mut String, text: &str) {
    out.extend(text.chars().filter(|c| !matches!(c, '"' | '<' | '>')));
}

impl From<MessageText> for String {
    fn from(text: MessageText) -> String {
        text.text
    }
}

impl fmt::Display for MessageText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_well_formed_whatever_the_name() {
        let text = MessageText::new()
            .mention("ou_1", "Tom</at><at user_id=\"all\">")
            .push(" hi")
            .line()
            .mention_all();
        assert_eq!(
            text.as_str(),
            "<at user_id=\"ou_1\">Tom/atat user_id=all</at> hi\n<at user_id=\"all\"></at>"
        );
        let hostile = MessageText::new().mention("ou_1\" onclick=\"x", "");
        assert_eq!(hostile.as_str(), "<at user_id=\"ou_1 onclick=x\"></at>");
    }
}
