//! An endpoint's path template, `/open-apis/im/v1/chats/:chat_id/members`, parsed once: what
//! validation checks, what the client's `write_path` is compiled from, and what the fake routes
//! by.

/// One `/`-separated segment of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Text matched as it is.
    Literal(String),
    /// `:name`: a parameter, one segment of any text.
    Param(String),
}

/// A path template, split into its segments (the empty one before the leading `/` left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    pub segments: Vec<Segment>,
}

impl PathTemplate {
    /// Splits `template` at each `/`; a segment that starts with `:` is a parameter.
    pub fn parse(template: &str) -> PathTemplate {
        let segments = template
            .split('/')
            .skip(1)
            .map(|segment| match segment.strip_prefix(':') {
                Some(name) => Segment::Param(name.to_owned()),
                None => Segment::Literal(segment.to_owned()),
            })
            .collect();
        PathTemplate { segments }
    }

    /// The template with every parameter written `:`: two templates of the same shape route
    /// alike.
    pub fn shape(&self) -> String {
        let segments = self.segments.iter().map(|segment| match segment {
            Segment::Literal(text) => text.as_str(),
            Segment::Param(_) => ":",
        });
        segments.map(|s| format!("/{s}")).collect()
    }

    /// Runs of literal text and the parameters between them, as `write_path` writes them:
    /// `/open-apis/im/v1/chats/`, `chat_id`, `/members`.
    pub fn parts(&self) -> Vec<Part<'_>> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        for segment in &self.segments {
            literal.push('/');
            match segment {
                Segment::Literal(text) => literal.push_str(text),
                Segment::Param(name) => {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                    parts.push(Part::Param(name));
                }
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        parts
    }
}

/// A run of literal text, or a parameter: see [`PathTemplate::parts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<'a> {
    Literal(String),
    Param(&'a str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_runs_surround_the_parameters() {
        let template = PathTemplate::parse("/open-apis/im/v1/chats/:chat_id/members");
        assert_eq!(template.shape(), "/open-apis/im/v1/chats/:/members");
        assert_eq!(
            template.parts(),
            [
                Part::Literal("/open-apis/im/v1/chats/".into()),
                Part::Param("chat_id"),
                Part::Literal("/members".into())
            ]
        );
    }
}
