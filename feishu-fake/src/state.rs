//! What the fake remembers: apps, tokens, users, chats, their members and widgets, messages,
//! reactions and pins.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use feishu_im::operation::TokenKind;
#[cfg(operation = "chat_top_notice.put_top_notice")]
use feishu_im::v1::chat_top_notice::TopNotice;
use feishu_im::{ChatMenuTopLevel, ChatMode, ChatPermission, ChatTab, ChatTabType};
use feishu_im::{UnixMillis, UnixSeconds};

use super::Fault;

pub(crate) struct App {
    pub secret: String,
    pub store: bool,
    pub bot_enabled: bool,
    pub installed: bool,
}

pub(crate) struct Issued {
    pub kind: TokenKind,
    pub app_id: String,
    pub tenant_key: String,
    pub user: Option<String>,
    pub expires: Instant,
}

pub(crate) struct User {
    pub name: String,
    pub tenant_key: String,
}

pub(crate) struct Chat {
    pub tenant_key: String,
    pub public: bool,
    pub join_approval: bool,
    pub dissolved: bool,
    pub member_cap: usize,
    pub owner: Option<String>,
    /// Member ids: users by open_id, bots by app_id.
    pub members: Vec<String>,
    pub name: String,
    pub description: String,
    /// Managers besides the owner, by member id.
    pub managers: Vec<String>,
    /// Who may post (`all_members` when `None`), and the members allowed under
    /// `moderator_list`.
    pub moderation: Option<feishu_im::ModerationPermission>,
    pub moderators: Vec<String>,
    /// `group`, `topic` or `p2p`: tabs exist in group and p2p chats, menus in group chats only,
    /// the announcement in all but p2p chats.
    pub mode: ChatMode,
    /// Who may edit the chat's information, the announcement included.
    pub edit_permission: ChatPermission,
    /// Who may manage what is pinned at the top of the chat (its top notice).
    pub pin_manage_setting: ChatPermission,
    pub widgets: Widgets,
}

/// An event waiting to be delivered: its type and its `event` object.
#[derive(Debug)]
pub(crate) struct Emitted {
    pub event_type: String,
    pub event: serde_json::Value,
}

/// What a chat shows besides its messages: tabs, menus, the announcement and the top notice.
pub(crate) struct Widgets {
    /// Who may change tabs and menus: the client's setting 谁可以管理标签页、小组件和会话菜单,
    /// which no endpoint changes (the fake's [`FakeFeishu::set_widget_permission`] does).
    ///
    /// [`FakeFeishu::set_widget_permission`]: super::FakeFeishu::set_widget_permission
    pub permission: ChatPermission,
    /// The tabs, left to right, each with its id; the built-in message tab is first.
    pub tabs: Vec<ChatTab>,
    /// The top-level menus, left to right, with their ids and their second-level menus' ids.
    pub menus: Vec<ChatMenuTopLevel>,
    pub announcement: Announcement,
    /// The message or the announcement pinned at the top.
    #[cfg(operation = "chat_top_notice.put_top_notice")]
    pub top_notice: Option<TopNotice>,
}

impl Widgets {
    /// A new chat's: the message tab (id `message_tab_id`), no menus, an empty announcement
    /// document at revision 0 owned by `owner`, nothing on top.
    pub(crate) fn new(message_tab_id: String, owner: Option<String>) -> Self {
        let now = UnixSeconds::now();
        Widgets {
            permission: ChatPermission::AllMembers,
            tabs: vec![{
                let mut value: ChatTab = ChatTab::new(ChatTabType::Message);
                value.tab_id = Some(message_tab_id);
                value
            }],
            menus: Vec::new(),
            announcement: Announcement {
                title: json!({"elements": []}),
                blocks: Vec::new(),
                revision: 0,
                created: now,
                updated: now,
                modifier: owner.clone(),
                owner,
            },
            #[cfg(operation = "chat_top_notice.put_top_notice")]
            top_notice: None,
        }
    }
}

/// A chat's announcement: an old-version document, a title and body blocks.
pub(crate) struct Announcement {
    pub title: Value,
    pub blocks: Vec<Value>,
    /// Starts at 0, as a new document's; each applied patch adds one.
    pub revision: i64,
    pub created: UnixSeconds,
    pub updated: UnixSeconds,
    /// Member ids of the document's owner and of who changed it last.
    pub owner: Option<String>,
    pub modifier: Option<String>,
}

/// A message as the fake keeps it.
#[derive(Clone)]
pub(crate) struct Stored {
    pub id: String,
    pub chat_id: String,
    /// Member id of the sender: a user's open_id or a bot's app id.
    pub sender: String,
    pub tenant_key: String,
    pub msg_type: String,
    /// The content's JSON text as it is received (a post without its language key).
    pub content: String,
    pub created: UnixMillis,
    pub root_id: Option<String>,
    pub parent_id: Option<String>,
    pub thread_id: Option<String>,
    pub deleted: bool,
    /// The idempotency key it was sent with.
    pub uuid: Option<String>,
    /// Whom it mentions, by key.
    pub mentions: Vec<feishu_im::Mention>,
    /// Edits so far (`update` allows 20) and when the last one was made.
    pub edits: u32,
    pub updated: Option<UnixMillis>,
}

/// A reaction on a message.
#[derive(Clone)]
pub(crate) struct StoredReaction {
    pub id: String,
    pub message_id: String,
    pub emoji: String,
    /// Member id of who reacted.
    pub operator: String,
    pub created: UnixMillis,
}

/// An uploaded image or file.
pub(crate) struct Upload {
    /// Member id of the uploader.
    pub owner: String,
    pub bytes: Vec<u8>,
    pub content_type: String,
    pub file_name: String,
}

/// A pinned message.
#[derive(Clone)]
pub(crate) struct StoredPin {
    pub message_id: String,
    pub chat_id: String,
    /// Member id of who pinned it.
    pub operator: String,
    pub created: UnixMillis,
}

#[derive(Default)]
pub(crate) struct Window {
    pub second: u64,
    pub in_second: u32,
    pub minute: u64,
    pub in_minute: u32,
}

pub(crate) struct State {
    pub started: Instant,
    pub apps: HashMap<String, App>,
    pub tokens: HashMap<String, Issued>,
    pub token_lifetime: Duration,
    pub issued: u64,
    pub log_seq: u64,
    pub tickets: HashMap<String, String>,
    pub ticket_resends: usize,
    pub users: BTreeMap<String, User>,
    pub chats: BTreeMap<String, Chat>,
    /// Messages in the order they were sent.
    pub messages: Vec<Stored>,
    pub reactions: Vec<StoredReaction>,
    pub pins: Vec<StoredPin>,
    /// Uploads by image or file key.
    pub uploads: HashMap<String, Upload>,
    pub faults: HashMap<String, VecDeque<Fault>>,
    pub windows: HashMap<(String, String, String), Window>,
    pub calls: HashMap<String, usize>,
    pub token_requests: usize,
    /// Answers refusing a call for a rate limit (`99991400` or `230020`).
    pub rate_limited: usize,
    /// Ids handed out to tabs and menus so far.
    pub widget_ids: u64,
    /// Update tokens of card callbacks: when each was issued, and how often it was used.
    pub card_tokens: HashMap<String, (Instant, u8)>,
    /// Where state changes send the events they cause.
    pub outbox: Option<tokio::sync::mpsc::UnboundedSender<Emitted>>,
}

impl State {
    /// Queues an event for delivery to the app's subscription, if it has one.
    pub(crate) fn emit(&self, emitted: Emitted) {
        if let Some(outbox) = &self.outbox {
            // The delivering task ends only with the fake.
            let _ = outbox.send(emitted);
        }
    }

    pub(crate) fn new() -> Self {
        State {
            started: Instant::now(),
            apps: HashMap::new(),
            tokens: HashMap::new(),
            token_lifetime: Duration::from_secs(7200),
            issued: 0,
            log_seq: 0,
            tickets: HashMap::new(),
            ticket_resends: 0,
            users: BTreeMap::new(),
            chats: BTreeMap::new(),
            messages: Vec::new(),
            reactions: Vec::new(),
            pins: Vec::new(),
            uploads: HashMap::new(),
            faults: HashMap::new(),
            windows: HashMap::new(),
            calls: HashMap::new(),
            token_requests: 0,
            rate_limited: 0,
            widget_ids: 0,
            card_tokens: HashMap::new(),
            outbox: None,
        }
    }

    /// A new chat of `mode` in `tenant_key`, every setting at Feishu's default: private, no
    /// approval, 5,000 members at most, no managers, all members may post and edit.
    pub(crate) fn new_chat(
        &mut self,
        tenant_key: String,
        mode: ChatMode,
        owner: Option<String>,
        members: Vec<String>,
    ) -> Chat {
        Chat {
            tenant_key,
            public: false,
            join_approval: false,
            dissolved: false,
            member_cap: 5000,
            widgets: Widgets::new(self.widget_id(), owner.clone()),
            owner,
            members,
            name: String::new(),
            description: String::new(),
            managers: Vec::new(),
            moderation: None,
            moderators: Vec::new(),
            mode,
            edit_permission: ChatPermission::AllMembers,
            pin_manage_setting: ChatPermission::AllMembers,
        }
    }

    /// A fresh id for a tab or a menu, digits as Feishu's are.
    pub(crate) fn widget_id(&mut self) -> String {
        self.widget_ids += 1;
        (7_300_000_000_000_000_000 + self.widget_ids).to_string()
    }

    /// Issues a token of `kind` with the configured lifetime.
    pub(crate) fn issue(
        &mut self,
        kind: TokenKind,
        app_id: &str,
        tenant_key: &str,
        user: Option<&str>,
    ) -> (String, u64) {
        self.issued += 1;
        let prefix = match kind {
            TokenKind::Tenant => "t",
            TokenKind::App => "a",
            TokenKind::User => "u",
        };
        let token = format!("{prefix}-fake{:08x}", self.issued * 2_654_435_761 % 0xffff_ffff);
        self.tokens.insert(
            token.clone(),
            Issued {
                kind,
                app_id: app_id.to_owned(),
                tenant_key: tenant_key.to_owned(),
                user: user.map(str::to_owned),
                expires: Instant::now() + self.token_lifetime,
            },
        );
        (token, self.token_lifetime.as_secs().max(1))
    }

    pub(crate) fn log_id(&mut self) -> String {
        self.log_seq += 1;
        format!("202611290000fake{:08}", self.log_seq)
    }
}

/// Ids of a user in each id space: `ou_<key>`, `on_<key>`, `<key>`.
pub(crate) fn user_id_as(open_id: &str, id_type: &str) -> String {
    let key = open_id.strip_prefix("ou_").unwrap_or(open_id);
    match id_type {
        "union_id" => format!("on_{key}"),
        "user_id" => key.to_owned(),
        _ => open_id.to_owned(),
    }
}

/// The member id (a user's open_id, or a bot's app id) for an id given in `id_type`.
pub(crate) fn member_id_of(id: &str, id_type: &str) -> String {
    match id_type {
        "app_id" => id.to_owned(),
        "union_id" => format!("ou_{}", id.strip_prefix("on_").unwrap_or(id)),
        "user_id" => format!("ou_{id}"),
        _ => id.to_owned(),
    }
}
