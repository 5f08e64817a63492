//! A minimal valid call of every operation, generated from the spec, so that tests can drive
//! each endpoint (the spec's own, and any added to it) without code written per endpoint.

use std::future::Future;
use std::pin::Pin;

use super::OperationSpec;
use crate::operation::{Operation, OperationMeta, TokenKind};
use crate::{Caller, Error};

/// A request with every required field at the spec's example, or at the smallest value its type
/// and limits allow. Generated for every operation.
pub trait Sample: Operation<Errors = crate::ErrorCode> + Send + 'static {
    /// The sample request.
    fn sample() -> Self;
}

type Call = for<'a> fn(
    Caller<'a>,
) -> Pin<
    Box<dyn Future<Output = Result<Option<serde_json::Value>, Error>> + Send + 'a>,
>;

/// One operation's sample call: its description, and a function that sends its sample request
/// and decodes the typed response.
#[derive(Clone, Copy)]
pub struct SampleCall {
    meta: &'static OperationMeta,
    call: Call,
}

impl std::fmt::Debug for SampleCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SampleCall").field("operation", &self.meta.operation).finish()
    }
}

fn call<'a, R: Sample>(
    caller: Caller<'a>,
) -> Pin<Box<dyn Future<Output = Result<Option<serde_json::Value>, Error>> + Send + 'a>> {
    Box::pin(async move {
        let request = R::sample();
        if R::BINARY {
            caller.download(&request).await?.bytes().await?;
            Ok(None)
        } else {
            let response = caller.send(&request).await?;
            let json = serde_json::to_value(&response)
                .map_err(|e| Error::invalid(R::META.operation, e.to_string()))?;
            Ok(Some(json))
        }
    })
}

impl SampleCall {
    #[doc(hidden)]
    pub const fn of<R: Sample>() -> Self {
        SampleCall { meta: R::META, call: call::<R> }
    }

    /// The operation, as the spec describes it.
    pub fn meta(&self) -> &'static OperationSpec {
        super::spec::spec_of(self.meta)
    }

    /// Sends the sample request as `caller`, decoding the typed response.
    ///
    /// # Errors
    ///
    /// Whatever the endpoint answers, as for any call.
    pub async fn call(&self, caller: Caller<'_>) -> Result<(), Error> {
        (self.call)(caller).await.map(drop)
    }

    /// Sends the sample request as `caller`, and gives the typed response written back as
    /// JSON (`None` for a file): what the client kept of the answer.
    ///
    /// # Errors
    ///
    /// Whatever the endpoint answers, as for any call.
    pub async fn call_for_data(
        &self,
        caller: Caller<'_>,
    ) -> Result<Option<serde_json::Value>, Error> {
        (self.call)(caller).await
    }

    /// Whether the operation takes a tenant token (else it needs a user's).
    pub fn takes_tenant_token(&self) -> bool {
        self.meta.accepts(TokenKind::Tenant)
    }
}

/// The sample call of every operation of the spec, in module order.
pub fn samples() -> &'static [SampleCall] {
    crate::SAMPLES
}
