//! Walking a paged endpoint page by page or item by item.

use std::collections::VecDeque;

use futures_util::Stream;

use crate::operation::Paged;
use crate::{Caller, Error};

/// The error of a paged call, with the codes of its endpoint.
type PageError<O> = Error<<O as crate::operation::Operation>::Errors>;

/// Pages through a paged endpoint. It stops when the server says `has_more` is false, or
/// sends an empty or repeated page token (which would otherwise loop forever).
pub struct Pager<'a, O: Paged> {
    caller: Caller<'a>,
    next: Option<O>,
    last_token: Option<String>,
    buffer: VecDeque<O::Item>,
}

impl<O: Paged> std::fmt::Debug for Pager<'_, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pager")
            .field("operation", &O::META.operation)
            .field("done", &self.next.is_none())
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl<'a, O: Paged> Pager<'a, O> {
    pub(crate) fn new(caller: Caller<'a>, request: O) -> Self {
        Pager { caller, next: Some(request), last_token: None, buffer: VecDeque::new() }
    }

    /// The next page, or `None` after the last one. After an error, calling again retries
    /// the same page.
    pub async fn next_page(&mut self) -> Result<Option<O::Response>, PageError<O>> {
        let Some(mut request) = self.next.take() else { return Ok(None) };
        let page = match self.caller.send(&request).await {
            Ok(page) => page,
            Err(error) => {
                self.next = Some(request);
                return Err(error);
            }
        };
        let token = O::next_page_token(&page).filter(|t| !t.is_empty());
        if let Some(token) = token.filter(|t| self.last_token.as_deref() != Some(*t)) {
            self.last_token = Some(token.to_owned());
            request.set_page_token(token.to_owned());
            self.next = Some(request);
        }
        Ok(Some(page))
    }

    /// The next item, fetching pages as needed; `None` after the last one.
    pub async fn next(&mut self) -> Result<Option<O::Item>, PageError<O>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Ok(Some(item));
            }
            match self.next_page().await? {
                Some(page) => self.buffer.extend(O::into_items(page)),
                None => return Ok(None),
            }
        }
    }

    /// Every remaining item, collected.
    pub async fn collect_all(mut self) -> Result<Vec<O::Item>, PageError<O>> {
        let mut items = Vec::new();
        while let Some(item) = self.next().await? {
            items.push(item);
        }
        Ok(items)
    }

    /// The items as a [`Stream`].
    pub fn into_stream(self) -> impl Stream<Item = Result<O::Item, PageError<O>>> + 'a
    where
        O: 'a,
    {
        futures_util::stream::try_unfold(self, |mut pager| async move {
            Ok(pager.next().await?.map(|item| (item, pager)))
        })
    }
}
