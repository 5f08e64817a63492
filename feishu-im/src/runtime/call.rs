//! The future an endpoint method returns.

use std::future::Future;

use crate::Error;

/// An endpoint call in flight: `.await` it for the endpoint's `data`, or its [`Error`].
///
/// Every endpoint method returns `impl Call<Response>`. It is any future with that output,
/// named so that signatures stay one line; it is `Send` whenever the request is.
pub trait Call<T>: Future<Output = Result<T, Error>> {}

impl<T, F: Future<Output = Result<T, Error>>> Call<T> for F {}
