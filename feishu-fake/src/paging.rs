//! Page tokens of the fake's lists: an offset behind a prefix of the list's own, so a token of
//! one list is refused by another.

use crate::answer::{Outcome, invalid_as};
use feishu_im::{ErrorCode, FieldViolation};

/// One page of a list: where it starts and how many items it holds.
pub(super) struct Paging {
    prefix: &'static str,
    start: usize,
    size: usize,
}

impl Paging {
    /// Reads `token` (none: the first page); a token this list did not issue is refused with
    /// `code`, the endpoint's code for an invalid parameter.
    pub(super) fn new(
        prefix: &'static str,
        token: Option<&str>,
        size: Option<i64>,
        code: ErrorCode,
    ) -> Result<Self, Outcome> {
        let start = match token {
            None => 0,
            Some(token) => token
                .strip_prefix(prefix)
                .and_then(|n| usize::from_str_radix(n, 16).ok())
                .ok_or_else(|| {
                    let violation =
                        FieldViolation::new("page_token", "is not a page token of this list");
                    invalid_as(code, vec![violation.with_value(token)])
                })?,
        };
        let size = size.and_then(|s| usize::try_from(s).ok()).unwrap_or(20).max(1);
        Ok(Paging { prefix, start, size })
    }

    /// The page's items, whether more follow, and the next page's token.
    pub(super) fn page<T>(
        &self,
        items: impl IntoIterator<Item = T>,
    ) -> (Vec<T>, bool, Option<String>) {
        let all: Vec<T> = items.into_iter().collect();
        let total = all.len();
        let page: Vec<T> = all.into_iter().skip(self.start).take(self.size).collect();
        let next = self.start + self.size;
        let more = next < total;
        (page, more, more.then(|| format!("{}{next:x}", self.prefix)))
    }
}
