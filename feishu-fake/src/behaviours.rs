//! The behaviour of each operation the fake models over its state, registered by operation,
//! one line each in `modelled.rs`. An operation without one is answered from the spec: every
//! response field at its example or a zero value. A line whose operation the spec lacks is
//! left out of the build (`build.rs`).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::access::Identity;
use crate::answer::{Outcome, decode, run};
use crate::http::FormPart;
use crate::spec::OperationSpec;
use crate::state::State;
use crate::{chat_widgets as widgets, chats, events, files, members, messages, pins, reactions};
use feishu_im::operation::Operation;

/// What a behaviour is given: the state, the caller, the request as validated JSON (path,
/// query and body together) and the file part of a multipart body.
type Behaviour =
    Box<dyn Fn(&mut State, &Identity, Value, Option<&FormPart>) -> Option<Outcome> + Send + Sync>;

/// Every registered behaviour, by operation.
#[derive(Default)]
pub(crate) struct Behaviours {
    by_operation: HashMap<&'static str, Behaviour>,
}

/// The behaviours, registered once.
pub(crate) fn behaviours() -> &'static Behaviours {
    static BEHAVIOURS: OnceLock<Behaviours> = OnceLock::new();
    BEHAVIOURS.get_or_init(|| {
        let mut b = Behaviours::default();
        register(&mut b);
        b
    })
}

/// Registers each line of `modelled.rs` whose operation the spec has.
macro_rules! behaviours {
    ($($operation:literal => $how:ident($($request:ident)::+, $behaviour:expr)),* $(,)?) => {
        fn register(b: &mut Behaviours) {
            $(
                #[cfg(operation = $operation)]
                {
                    type Request = feishu_im::$($request)::+;
                    debug_assert_eq!(<Request as Operation>::META.operation, $operation);
                    b.$how::<Request>($behaviour);
                }
            )*
        }
    };
}

include!("modelled.rs");

impl Behaviours {
    /// The behaviour of `meta`'s operation, if one is registered.
    pub(crate) fn behave(
        &self,
        state: &mut State,
        who: &Identity,
        meta: &OperationSpec,
        input: Value,
        upload: Option<&FormPart>,
    ) -> Option<Outcome> {
        (self.by_operation.get(meta.operation)?)(state, who, input, upload)
    }

    fn insert<R: Operation>(&mut self, behaviour: Behaviour) {
        self.by_operation.insert(R::META.operation, behaviour);
    }

    /// A behaviour that takes the typed request and gives the typed response.
    fn on<R>(
        &mut self,
        behaviour: impl Fn(&mut State, &Identity, R) -> Result<R::Response, Outcome>
        + Send
        + Sync
        + 'static,
    ) where
        R: Operation + DeserializeOwned,
        R::Response: Serialize,
    {
        self.insert::<R>(Box::new(move |state, who, input, _| {
            Some(run(input, |request| behaviour(state, who, request)))
        }));
    }

    /// An upload: the typed request and the file part, which validation made sure is there.
    fn on_file<R>(
        &mut self,
        behaviour: impl Fn(&mut State, &Identity, R, &FormPart) -> Result<R::Response, Outcome>
        + Send
        + Sync
        + 'static,
    ) where
        R: Operation + DeserializeOwned,
        R::Response: Serialize,
    {
        self.insert::<R>(Box::new(move |state, who, input, upload| {
            let part = upload?;
            Some(run(input, |request| behaviour(state, who, request, part)))
        }));
    }

    /// A download: the answer is the file, from the request's JSON.
    fn on_download<R: Operation>(
        &mut self,
        behaviour: impl Fn(&State, &Identity, &Value) -> Option<Outcome> + Send + Sync + 'static,
    ) {
        self.insert::<R>(Box::new(move |state, who, input, _| behaviour(state, who, &input)));
    }

    /// A behaviour that takes the typed request and answers as it sees fit (a file or an
    /// error).
    fn on_reply<R: Operation + DeserializeOwned>(
        &mut self,
        behaviour: impl Fn(&State, &Identity, R) -> Outcome + Send + Sync + 'static,
    ) {
        self.insert::<R>(Box::new(move |state, who, input, _| {
            Some(decode(input).map_or_else(|outcome| outcome, |r| behaviour(state, who, r)))
        }));
    }
}
