//! A minimal valid call of every operation, generated from the spec, so that tests can drive
//! each endpoint (the spec's own, and any added to it) without code written per endpoint.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use crate::spec::{Call, OperationSpec};
use feishu_im::operation::{Operation, TokenKind};
use feishu_im::{Caller, Error};

/// A request with every required field at the spec's example, or at the smallest value its type
/// and limits allow. Generated for every operation.
pub trait Sample: Operation<Errors = feishu_im::ErrorCode> + Send + 'static {
    /// The sample request.
    fn sample() -> Self;
}

/// One operation's sample call: its description, and a function that sends its sample request
/// and decodes the typed response.
#[derive(Clone, Copy)]
pub struct SampleCall {
    spec: &'static OperationSpec,
}

impl std::fmt::Debug for SampleCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SampleCall").field("operation", &self.spec.operation).finish()
    }
}

/// The sample call of `R`, for the generated description of its operation.
pub(crate) const fn call_of<R: Sample>() -> Call {
    call::<R>
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
    /// The operation, as the spec describes it.
    pub fn meta(&self) -> &'static OperationSpec {
        self.spec
    }

    /// Sends the sample request as `caller`, decoding the typed response.
    ///
    /// # Errors
    ///
    /// Whatever the endpoint answers, as for any call.
    pub async fn call(&self, caller: Caller<'_>) -> Result<(), Error> {
        (self.spec.call)(caller).await.map(drop)
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
        (self.spec.call)(caller).await
    }

    /// Whether the operation takes a tenant token (else it needs a user's).
    pub fn takes_tenant_token(&self) -> bool {
        self.spec.accepts(TokenKind::Tenant)
    }
}

/// The sample call of every operation of the spec, in module order.
pub fn samples() -> &'static [SampleCall] {
    static SAMPLES: OnceLock<Vec<SampleCall>> = OnceLock::new();
    SAMPLES
        .get_or_init(|| crate::spec::operations().iter().map(|&spec| SampleCall { spec }).collect())
}
