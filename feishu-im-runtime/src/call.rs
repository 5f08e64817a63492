//! The future an endpoint method returns.

use std::future::Future;

use crate::{Code, CodeInfo, Error};

/// An endpoint call in flight: `.await` it for the endpoint's `data`, or its [`Error`], whose
/// codes are `C` (the spec's generated `ErrorCode`).
///
/// Every endpoint method returns `impl Call<Response, ErrorCode>`. It is any future with that
/// output, named so that signatures stay one line; it is `Send` whenever the request is.
pub trait Call<T, C: CodeInfo = Code>: Future<Output = Result<T, Error<C>>> {}

impl<T, C: CodeInfo, F: Future<Output = Result<T, Error<C>>>> Call<T, C> for F {}
