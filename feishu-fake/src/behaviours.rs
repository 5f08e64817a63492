//! The behaviour of each operation the fake models over its state, registered by operation,
//! one line each. An operation without one is answered from the spec: every response field at
//! its example or a zero value.

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
use feishu_im::v1;

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

fn register(b: &mut Behaviours) {
    b.on::<v1::chat_members::MeJoinRequest>(members::me_join);
    b.on::<v1::chat_members::IsInChatRequest>(|s, who, r| members::is_in_chat(s, who, r));
    b.on::<v1::chat_members::CreateRequest>(members::create);
    b.on::<v1::chat_members::DeleteRequest>(members::delete);
    b.on::<v1::chat_members::GetRequest>(|s, who, r| members::list(s, who, r));
    b.on::<v1::chats::CreateRequest>(chats::create);
    b.on::<v1::chats::GetRequest>(|s, who, r| chats::get(s, who, r));
    b.on::<v1::chats::UpdateRequest>(chats::update);
    b.on::<v1::chats::DeleteRequest>(chats::delete);
    b.on::<v1::chats::ListRequest>(|s, who, r| chats::list(s, who, r));
    b.on::<v1::chats::SearchRequest>(|s, who, r| chats::search(s, who, r));
    b.on::<v1::chats::LinkRequest>(|s, who, r| chats::link(s, who, r));
    b.on::<v1::chat_managers::AddManagersRequest>(chats::add_managers);
    b.on::<v1::chat_managers::DeleteManagersRequest>(chats::delete_managers);
    b.on::<v1::chat_moderation::GetRequest>(|s, who, r| chats::moderation(s, who, r));
    b.on::<v1::chat_moderation::UpdateRequest>(chats::moderate);
    b.on::<v1::chat_tabs::CreateRequest>(widgets::create_tabs);
    b.on::<v1::chat_tabs::DeleteTabsRequest>(widgets::delete_tabs);
    b.on::<v1::chat_tabs::UpdateTabsRequest>(widgets::update_tabs);
    b.on::<v1::chat_tabs::SortTabsRequest>(widgets::sort_tabs);
    b.on::<v1::chat_tabs::ListTabsRequest>(|s, who, r| widgets::list_tabs(s, who, r));
    b.on::<v1::chat_menu_tree::CreateRequest>(widgets::create_menus);
    b.on::<v1::chat_menu_tree::DeleteRequest>(widgets::delete_menus);
    b.on::<v1::chat_menu_tree::SortRequest>(widgets::sort_menus);
    b.on::<v1::chat_menu_tree::GetRequest>(|s, who, r| widgets::get_menus(s, who, r));
    b.on::<v1::chat_menu_item::PatchRequest>(widgets::patch_menu);
    b.on::<v1::chat_announcement::GetRequest>(|s, who, r| widgets::get_announcement(s, who, r));
    b.on::<v1::chat_announcement::PatchRequest>(widgets::patch_announcement);
    b.on::<v1::chat_top_notice::PutTopNoticeRequest>(widgets::put_top_notice);
    b.on::<v1::chat_top_notice::DeleteTopNoticeRequest>(widgets::delete_top_notice);
    b.on::<v1::messages::CreateRequest>(messages::create);
    b.on::<v1::messages::ReplyRequest>(messages::reply);
    b.on::<v1::messages::GetRequest>(|s, who, r| messages::get(s, who, r));
    b.on::<v1::messages::ListRequest>(|s, who, r| messages::list(s, who, r));
    b.on::<v1::messages::DeleteRequest>(messages::delete);
    b.on::<v1::messages::UpdateRequest>(messages::update);
    b.on::<v1::messages::PatchRequest>(messages::patch);
    b.on::<v1::messages::ForwardRequest>(messages::forward);
    b.on::<v1::messages::MergeForwardRequest>(messages::merge_forward);
    b.on::<v1::threads::ForwardRequest>(messages::forward_thread);
    b.on::<v1::cards::DelayUpdateRequest>(|s, _, r| events::delay_update(s, r));
    b.on::<v1::message_reactions::CreateRequest>(reactions::create);
    b.on::<v1::message_reactions::DeleteRequest>(reactions::delete);
    b.on::<v1::message_reactions::ListRequest>(|s, who, r| reactions::list(s, who, r));
    b.on::<v1::pins::CreateRequest>(pins::create);
    b.on::<v1::pins::DeleteRequest>(pins::delete);
    b.on::<v1::pins::ListRequest>(|s, who, r| pins::list(s, who, r));
    b.on_file::<v1::images::CreateRequest>(files::create_image);
    b.on_file::<v1::files::CreateRequest>(files::create_file);
    b.on_download::<v1::images::GetRequest>(|s, who, input| {
        files::download(s, who, input, "image_key")
    });
    b.on_download::<v1::files::GetRequest>(|s, who, input| {
        files::download(s, who, input, "file_key")
    });
    b.on_reply::<v1::message_resources::GetRequest>(files::message_resource);
}

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
