//! Chat widgets against the fake: tabs, menus, the announcement and the top notice, each
//! through a round trip, its limits and refusals, and the rule that a chat can let only its
//! owner and managers change them.

use std::fmt::Debug;

use feishu_fake::{ChatSeed, FakeFeishu};
use feishu_im::Resources;
use feishu_im::v1::chat_top_notice::{DeleteTopNoticeRequest, PutTopNoticeRequest, TopNotice};
use feishu_im::v1::{chat_announcement, chat_managers, chat_menu_item, chat_menu_tree, chat_tabs};
use feishu_im::v1::{chats, images, messages};
use feishu_im::{
    ChatMenuActionType, ChatMenuI18nNames, ChatMenuRedirectLink, ChatMenuSecondLevel,
    ChatMenuTopLevel, ChatMenuUpdateField, ChatMode, ChatPermission, ChatTab, ChatTabConfig,
    ChatTabContent, ChatTabType, Client, Error, ErrorCode, FileUpload, ImageType, MemberIdType,
    MenuItem, MenuTree, MessageContent, ReceiveIdType, TopNoticeActionType, UserAccessToken,
    UserIdType,
};

/// A chat the bot owns, with alice as a manager and bob as a plain member.
struct Team {
    fake: FakeFeishu,
    bot: Client,
    chat: String,
    alice: String,
    bob: String,
    as_alice: UserAccessToken,
    as_bob: UserAccessToken,
}

async fn team() -> Team {
    let fake = FakeFeishu::start().await;
    let bot = fake.client();
    let (alice, bob) = (fake.add_user("alice", "Alice"), fake.add_user("bob", "Bob"));
    let create = chats::CreateRequest::new().name("Widgets").user_id_list([&alice, &bob]);
    let chat = bot.chats().create(&create).await.unwrap().chat_id;
    let promote = chat_managers::AddManagersRequest::new(&chat).manager_ids([alice.as_str()]);
    bot.chat_managers().add_managers(&promote).await.unwrap();
    let (as_alice, as_bob) = (fake.user_token(&alice), fake.user_token(&bob));
    Team { fake, bot, chat, alice, bob, as_alice, as_bob }
}

/// The code of a call that must fail.
fn code<T: Debug>(result: Result<T, Error>) -> Option<ErrorCode> {
    result.expect_err("refused").code()
}

fn doc_tab(name: &str, link: &str) -> ChatTab {
    ChatTab::new(ChatTabType::Doc).tab_name(name).tab_content(ChatTabContent::new().doc(link))
}

fn url_tab(name: &str, link: &str) -> ChatTab {
    ChatTab::new(ChatTabType::Url).tab_name(name).tab_content(ChatTabContent::new().url(link))
}

/// Each tab as (type, name).
fn shape(tabs: &[ChatTab]) -> Vec<(ChatTabType, Option<&str>)> {
    tabs.iter().map(|t| (t.tab_type.clone(), t.tab_name.as_deref())).collect()
}

fn id(tab: &ChatTab) -> String {
    tab.tab_id.clone().expect("every tab has an id")
}

async fn image(bot: &Client) -> String {
    let upload = FileUpload::from_bytes("icon.png", b"\x89PNG\r\n\x1a\nicon".to_vec());
    let request = images::CreateRequest::new(ImageType::Message, upload);
    bot.images().create(&request).await.unwrap().image_key
}

#[tokio::test]
async fn tabs_are_added_changed_sorted_and_deleted_with_the_message_tab_first() {
    let Team { fake: _fake, bot, chat, .. } = team().await;
    let tabs = bot.chat_tabs();

    let listed = tabs.list_tabs(&chat_tabs::ListTabsRequest::new(&chat)).await.unwrap();
    assert_eq!(shape(&listed.chat_tabs), [(ChatTabType::Message, None)]);
    let message = id(&listed.chat_tabs[0]);

    let icon = image(&bot).await;
    let wiki = "https://example.feishu.cn/wiki/wikcnRoadmap";
    let site = url_tab("Site", "https://www.feishu.cn")
        .tab_config(ChatTabConfig::new().icon_key(&icon).is_built_in(true));
    // A doc tab keeps only its document link.
    let doc = doc_tab("Roadmap", wiki)
        .tab_content(ChatTabContent::new().doc(wiki).url("https://ignored.example"));
    let created = tabs.create(&chat_tabs::CreateRequest::new(&chat, vec![doc, site])).await;
    let created = created.unwrap().chat_tabs;
    assert_eq!(
        shape(&created),
        [
            (ChatTabType::Message, None),
            (ChatTabType::Doc, Some("Roadmap")),
            (ChatTabType::Url, Some("Site"))
        ]
    );
    assert_eq!(id(&created[0]), message);
    let (roadmap, site) = (id(&created[1]), id(&created[2]));
    assert_ne!(roadmap, site);
    assert_ne!(roadmap, message);
    assert_eq!(created[1].tab_content, Some(ChatTabContent::new().doc(wiki)));
    let config = created[2].tab_config.as_ref().unwrap();
    assert_eq!((config.icon_key.as_deref(), config.is_built_in), (Some(icon.as_str()), Some(true)));
    let listed = tabs.list_tabs(&chat_tabs::ListTabsRequest::new(&chat)).await.unwrap();
    assert_eq!(listed.chat_tabs, created);

    // A rename keeps the content; a doc tab can become a url tab with a new link.
    let changes = vec![
        ChatTab::new(ChatTabType::Doc).tab_id(&roadmap).tab_name("Roadmap 2027"),
        url_tab("Handbook", "https://handbook.example").tab_id(&site),
    ];
    let update = chat_tabs::UpdateTabsRequest::new(&chat).chat_tabs(changes);
    let updated = tabs.update_tabs(&update).await.unwrap().chat_tabs;
    assert_eq!(
        shape(&updated),
        [
            (ChatTabType::Message, None),
            (ChatTabType::Doc, Some("Roadmap 2027")),
            (ChatTabType::Url, Some("Handbook"))
        ]
    );
    assert_eq!(updated[1].tab_content, Some(ChatTabContent::new().doc(wiki)));
    assert_eq!(updated[2].tab_content, Some(ChatTabContent::new().url("https://handbook.example")));
    let retyped = vec![url_tab("Roadmap site", "https://roadmap.example").tab_id(&roadmap)];
    let update = chat_tabs::UpdateTabsRequest::new(&chat).chat_tabs(retyped);
    let updated = tabs.update_tabs(&update).await.unwrap().chat_tabs;
    assert_eq!(updated[1].tab_type, ChatTabType::Url);
    assert_eq!(updated[1].tab_content, Some(ChatTabContent::new().url("https://roadmap.example")));

    // The message tab stays first wherever it is listed.
    let sort = chat_tabs::SortTabsRequest::new(&chat).tab_ids([&site, &message, &roadmap]);
    let sorted = tabs.sort_tabs(&sort).await.unwrap().chat_tabs;
    let order: Vec<String> = sorted.iter().map(id).collect();
    assert_eq!(order, [message.clone(), site.clone(), roadmap.clone()]);

    let delete = chat_tabs::DeleteTabsRequest::new(&chat, [&site]);
    let left = tabs.delete_tabs(&delete).await.unwrap().chat_tabs;
    assert_eq!(left.iter().map(id).collect::<Vec<_>>(), [message, roadmap]);
    let listed = tabs.list_tabs(&chat_tabs::ListTabsRequest::new(&chat)).await.unwrap();
    assert_eq!(listed.chat_tabs, left);
}

#[tokio::test]
async fn tabs_refuse_what_feishu_refuses() {
    let Team { fake: _fake, bot, chat, alice, .. } = team().await;
    let tabs = bot.chat_tabs();
    let create = |tabs: Vec<ChatTab>| chat_tabs::CreateRequest::new(&chat, tabs);
    let list = || chat_tabs::ListTabsRequest::new(&chat);

    let pin = ChatTab::new(ChatTabType::Pin).tab_name("Pins");
    assert_eq!(
        code(tabs.create(&create(vec![pin])).await),
        Some(ErrorCode::InvalidRequestParameter)
    );
    // Names count characters, not bytes: 60 is the most.
    let long = "文".repeat(61);
    let refused = tabs.create(&create(vec![doc_tab(&long, "https://a.example")])).await;
    assert_eq!(code(refused), Some(ErrorCode::TabNameTooLong));
    let ftp = url_tab("Files", "ftp://files.example");
    assert_eq!(code(tabs.create(&create(vec![ftp])).await), Some(ErrorCode::ChatTabContentInvalid));
    let doc_without_doc =
        ChatTab::new(ChatTabType::Doc).tab_content(ChatTabContent::new().url("https://a.example"));
    let refused = tabs.create(&create(vec![doc_without_doc])).await;
    assert_eq!(code(refused), Some(ErrorCode::ChatTabContentInvalid));
    // An icon must be an image the bot uploaded.
    let someone_elses = url_tab("Site", "https://a.example")
        .tab_config(ChatTabConfig::new().icon_key("img_v2_not_ours"));
    let refused = tabs.create(&create(vec![someone_elses])).await;
    assert_eq!(code(refused), Some(ErrorCode::ImageNotOwnedByOperator));
    // A refused call adds nothing.
    assert_eq!(tabs.list_tabs(&list()).await.unwrap().chat_tabs.len(), 1);

    // At most 20 custom tabs; the message tab does not count.
    let twenty: Vec<ChatTab> =
        (0..20).map(|n| doc_tab(&"文".repeat(60), &format!("https://d.example/{n}"))).collect();
    let all = tabs.create(&create(twenty)).await.unwrap().chat_tabs;
    assert_eq!(all.len(), 21);
    let refused = tabs.create(&create(vec![doc_tab("One more", "https://more.example")])).await;
    assert_eq!(code(refused), Some(ErrorCode::ChatTabLimitReached));

    // Built-in tabs are neither changed nor deleted; unknown ids are refused.
    let message = id(&all[0]);
    let refused = tabs.delete_tabs(&chat_tabs::DeleteTabsRequest::new(&chat, [&message])).await;
    assert_eq!(code(refused), Some(ErrorCode::ChatTabTypeNotEditable));
    let rename = vec![ChatTab::new(ChatTabType::Message).tab_id(&message).tab_name("Chat")];
    let update = chat_tabs::UpdateTabsRequest::new(&chat).chat_tabs(rename);
    assert_eq!(code(tabs.update_tabs(&update).await), Some(ErrorCode::ChatTabTypeNotEditable));
    let to_pin = vec![ChatTab::new(ChatTabType::Pin).tab_id(id(&all[1]))];
    let update = chat_tabs::UpdateTabsRequest::new(&chat).chat_tabs(to_pin);
    assert_eq!(code(tabs.update_tabs(&update).await), Some(ErrorCode::ChatTabTypeNotEditable));
    let unknown = vec![doc_tab("Ghost", "https://ghost.example").tab_id("7000000000000000001")];
    let update = chat_tabs::UpdateTabsRequest::new(&chat).chat_tabs(unknown);
    assert_eq!(code(tabs.update_tabs(&update).await), Some(ErrorCode::InvalidRequestParameter));
    let too_long =
        vec![ChatTab::new(ChatTabType::Doc).tab_id(id(&all[1])).tab_name("x".repeat(61))];
    let update = chat_tabs::UpdateTabsRequest::new(&chat).chat_tabs(too_long);
    assert_eq!(code(tabs.update_tabs(&update).await), Some(ErrorCode::TabNameTooLong));
    // A doc tab turned into a url tab needs its url.
    let retype = vec![ChatTab::new(ChatTabType::Url).tab_id(id(&all[1]))];
    let update = chat_tabs::UpdateTabsRequest::new(&chat).chat_tabs(retype);
    assert_eq!(code(tabs.update_tabs(&update).await), Some(ErrorCode::ChatTabContentInvalid));
    let refused =
        tabs.delete_tabs(&chat_tabs::DeleteTabsRequest::new(&chat, ["7000000000000000001"])).await;
    assert_eq!(code(refused), Some(ErrorCode::InvalidRequestParameter));

    // A sort names every tab once.
    let ids: Vec<String> = all.iter().map(id).collect();
    let sort = chat_tabs::SortTabsRequest::new(&chat).tab_ids(&ids[1..]);
    assert_eq!(code(tabs.sort_tabs(&sort).await), Some(ErrorCode::InvalidRequestParameter));
    let twice = ids.iter().chain([&ids[1]]);
    let sort = chat_tabs::SortTabsRequest::new(&chat).tab_ids(twice);
    assert_eq!(code(tabs.sort_tabs(&sort).await), Some(ErrorCode::InvalidRequestParameter));
    assert_eq!(tabs.list_tabs(&list()).await.unwrap().chat_tabs, all, "nothing changed");

    // Topic chats have no tabs; one-to-one chats have.
    let topic = chats::CreateRequest::new().name("Topics").chat_mode(ChatMode::Topic);
    let topic = bot.chats().create(&topic).await.unwrap().chat_id;
    let refused = tabs.list_tabs(&chat_tabs::ListTabsRequest::new(&topic)).await;
    assert_eq!(code(refused), Some(ErrorCode::ChatTabUnsupportedChatType));
    let p2p = p2p_chat(&bot, &alice).await;
    let listed = tabs.list_tabs(&chat_tabs::ListTabsRequest::new(&p2p)).await.unwrap();
    assert_eq!(shape(&listed.chat_tabs), [(ChatTabType::Message, None)]);
}

/// The one-to-one chat of the bot and `user`, made by a message.
async fn p2p_chat(bot: &Client, user: &str) -> String {
    let hello =
        messages::CreateRequest::new(ReceiveIdType::OpenId, user, MessageContent::text("hi"));
    bot.messages().create(&hello).await.unwrap().chat_id.unwrap()
}

#[tokio::test]
async fn only_the_owner_and_managers_change_tabs_when_the_chat_says_so() {
    let Team { fake, bot, chat, as_alice, as_bob, .. } = team().await;
    let (alice, bob) = (bot.as_user(&as_alice), bot.as_user(&as_bob));

    // By default every member manages tabs.
    let create = chat_tabs::CreateRequest::new(&chat, vec![doc_tab("Bob's", "https://b.example")]);
    let tabs = bob.chat_tabs().create(&create).await.unwrap().chat_tabs;
    let bobs = id(&tabs[1]);

    fake.set_widget_permission(&chat, ChatPermission::OnlyOwner);
    let restricted = Some(ErrorCode::ChatWidgetManageRestricted);
    assert_eq!(code(bob.chat_tabs().create(&create).await), restricted);
    let delete = chat_tabs::DeleteTabsRequest::new(&chat, [&bobs]);
    assert_eq!(code(bob.chat_tabs().delete_tabs(&delete).await), restricted);
    let rename = vec![ChatTab::new(ChatTabType::Doc).tab_id(&bobs).tab_name("Mine")];
    let update = chat_tabs::UpdateTabsRequest::new(&chat).chat_tabs(rename);
    assert_eq!(code(bob.chat_tabs().update_tabs(&update).await), restricted);
    let sort = chat_tabs::SortTabsRequest::new(&chat).tab_ids(tabs.iter().map(id));
    assert_eq!(code(bob.chat_tabs().sort_tabs(&sort).await), restricted);
    // Members still see them.
    let listed = bob.chat_tabs().list_tabs(&chat_tabs::ListTabsRequest::new(&chat)).await;
    assert_eq!(listed.unwrap().chat_tabs, tabs);

    // A manager and the owner still manage them.
    let renamed = alice.chat_tabs().update_tabs(&update).await.unwrap().chat_tabs;
    assert_eq!(renamed[1].tab_name.as_deref(), Some("Mine"));
    let left = bot.chat_tabs().delete_tabs(&delete).await.unwrap().chat_tabs;
    assert_eq!(shape(&left), [(ChatTabType::Message, None)]);
}

fn named(action: ChatMenuActionType, name: &str) -> MenuItem {
    MenuItem::new().action_type(action).name(name)
}

fn link(url: &str) -> MenuItem {
    named(ChatMenuActionType::REDIRECTLINK, "Open")
        .redirect_link(ChatMenuRedirectLink::new().common_url(url))
}

fn top(item: MenuItem, children: Vec<MenuItem>) -> ChatMenuTopLevel {
    let children = children.into_iter().map(|c| ChatMenuSecondLevel::new().chat_menu_item(c));
    ChatMenuTopLevel::new().chat_menu_item(item).children(children.collect())
}

fn menu_create(chat: &str, tops: Vec<ChatMenuTopLevel>) -> chat_menu_tree::CreateRequest {
    chat_menu_tree::CreateRequest::new(chat, MenuTree::new().chat_menu_top_levels(tops))
}

/// Each top-level menu as (name, its children's names).
fn menu_shape(tree: &Option<MenuTree>) -> Vec<(String, Vec<String>)> {
    let name = |item: &Option<MenuItem>| item.as_ref().and_then(|i| i.name.clone()).unwrap();
    let tops = tree.as_ref().map(|t| t.chat_menu_top_levels.clone()).unwrap_or_default();
    tops.iter()
        .map(|t| {
            (name(&t.chat_menu_item), t.children.iter().map(|c| name(&c.chat_menu_item)).collect())
        })
        .collect()
}

fn top_id(tree: &Option<MenuTree>, at: usize) -> String {
    tree.as_ref().unwrap().chat_menu_top_levels[at].chat_menu_top_level_id.clone().unwrap()
}

#[tokio::test]
async fn menus_are_added_patched_sorted_and_deleted() {
    let Team { fake: _fake, bot, chat, .. } = team().await;
    let menus = bot.chat_menu_tree();
    let get = chat_menu_tree::GetRequest::new(&chat);
    assert!(menu_shape(&menus.get(&get).await.unwrap().menu_tree).is_empty());

    let review = top(
        named(ChatMenuActionType::NONE, "Review"),
        vec![
            link("https://sign.example").name("Sign up"),
            link("https://rules.example").name("Rules"),
        ],
    );
    let help = top(link("https://help.example").name("Help"), Vec::new());
    let created = menus.create(&menu_create(&chat, vec![review, help])).await.unwrap().menu_tree;
    let expected = vec![
        ("Review".to_owned(), vec!["Sign up".to_owned(), "Rules".to_owned()]),
        ("Help".to_owned(), Vec::new()),
    ];
    assert_eq!(menu_shape(&created), expected);
    let tops = &created.as_ref().unwrap().chat_menu_top_levels;
    let mut ids: Vec<String> =
        tops.iter().map(|t| t.chat_menu_top_level_id.clone().unwrap()).collect();
    ids.extend(tops[0].children.iter().map(|c| c.chat_menu_second_level_id.clone().unwrap()));
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "fresh ids for every menu: {ids:?}");
    assert_eq!(menus.get(&get).await.unwrap().menu_tree, created);

    // Patch a second-level menu's name and link; what update_fields leaves out stays.
    let sign_up = ids[2].clone();
    let fields = vec![ChatMenuUpdateField::NAME, ChatMenuUpdateField::REDIRECTLINK];
    let new = link("https://signup.example").name("Register").image_key("ignored");
    let patch = chat_menu_item::PatchRequest::new(&chat, &sign_up, fields, new);
    let patched = bot.chat_menu_item().patch(&patch).await.unwrap().chat_menu_item.unwrap();
    assert_eq!(patched.name.as_deref(), Some("Register"));
    assert_eq!(patched.image_key, None);
    assert_eq!(patched.action_type, Some(ChatMenuActionType::REDIRECTLINK));
    let common = patched.redirect_link.as_ref().and_then(|l| l.common_url.as_deref());
    assert_eq!(common, Some("https://signup.example"));
    // A top-level menu's names by language.
    let names = ChatMenuI18nNames::new().zh_cn("评审").en_us("Review");
    let fields = vec![ChatMenuUpdateField::I18NNAME];
    let patch = chat_menu_item::PatchRequest::new(
        &chat,
        &ids[0],
        fields,
        MenuItem::new().i18n_names(names.clone()),
    );
    let patched = bot.chat_menu_item().patch(&patch).await.unwrap().chat_menu_item.unwrap();
    assert_eq!((patched.name.as_deref(), patched.i18n_names), (Some("Review"), Some(names)));
    let tree = menus.get(&get).await.unwrap().menu_tree;
    assert_eq!(menu_shape(&tree)[0].1, ["Register", "Rules"]);

    let sort = chat_menu_tree::SortRequest::new(&chat, [&ids[1], &ids[0]]);
    let sorted = menus.sort(&sort).await.unwrap().menu_tree;
    assert_eq!((top_id(&sorted, 0), top_id(&sorted, 1)), (ids[1].clone(), ids[0].clone()));

    let delete = chat_menu_tree::DeleteRequest::new(&chat, [&ids[0]]);
    let left = menus.delete(&delete).await.unwrap().menu_tree;
    assert_eq!(menu_shape(&left), [("Help".to_owned(), Vec::<String>::new())]);
    assert_eq!(menus.get(&get).await.unwrap().menu_tree, left);
}

#[tokio::test]
async fn menus_refuse_what_feishu_refuses() {
    let Team { fake: _fake, bot, chat, alice, .. } = team().await;
    let menus = bot.chat_menu_tree();
    let menu = |name: &str| top(link("https://a.example").name(name), Vec::new());
    let illegal = Some(ErrorCode::HideMemberCountNotPermitted);

    // What a top-level menu needs, and what makes a menu illegal.
    let nameless = top(MenuItem::new().action_type(ChatMenuActionType::NONE), Vec::new());
    let bad = Some(ErrorCode::InvalidRequestParameter);
    assert_eq!(code(menus.create(&menu_create(&chat, vec![nameless])).await), bad);
    let parent_link =
        top(link("https://a.example").name("Parent"), vec![link("https://b.example")]);
    assert_eq!(code(menus.create(&menu_create(&chat, vec![parent_link])).await), illegal);
    let icon = image(&bot).await;
    let parent_icon = top(
        named(ChatMenuActionType::NONE, "Parent").image_key(&icon),
        vec![link("https://b.example")],
    );
    assert_eq!(code(menus.create(&menu_create(&chat, vec![parent_icon])).await), illegal);
    let no_link = top(named(ChatMenuActionType::REDIRECTLINK, "Nowhere"), Vec::new());
    assert_eq!(code(menus.create(&menu_create(&chat, vec![no_link])).await), illegal);
    let ftp = menu("Files").chat_menu_item(link("ftp://files.example").name("Files"));
    assert_eq!(code(menus.create(&menu_create(&chat, vec![ftp])).await), illegal);
    assert_eq!(
        code(menus.create(&menu_create(&chat, vec![menu(&"x".repeat(121))])).await),
        illegal
    );
    let empty_name = top(named(ChatMenuActionType::NONE, ""), Vec::new());
    assert_eq!(code(menus.create(&menu_create(&chat, vec![empty_name])).await), illegal);
    let foreign = menu("Icon")
        .chat_menu_item(link("https://a.example").name("Icon").image_key("img_v2_not_ours"));
    let refused = menus.create(&menu_create(&chat, vec![foreign])).await;
    assert_eq!(code(refused), Some(ErrorCode::ImageNotOwnedByOperator));
    // The spec caps a request at 3 top-level menus of 5 second-level menus: request validation.
    let six = top(
        named(ChatMenuActionType::NONE, "Six"),
        (0..6).map(|_| link("https://a.example")).collect(),
    );
    assert_eq!(code(menus.create(&menu_create(&chat, vec![six])).await), bad);
    let four = (0..4).map(|n| menu(&n.to_string())).collect();
    assert_eq!(code(menus.create(&menu_create(&chat, four)).await), bad);

    // At most 3 top-level menus in the chat.
    let two =
        menus.create(&menu_create(&chat, vec![menu("A"), menu("B")])).await.unwrap().menu_tree;
    let refused = menus.create(&menu_create(&chat, vec![menu("C"), menu("D")])).await;
    assert_eq!(code(refused), Some(ErrorCode::ChatMenuTopLevelLimitReached));
    let three = menus.create(&menu_create(&chat, vec![menu("C")])).await.unwrap().menu_tree;
    assert_eq!(menu_shape(&three).len(), 3);
    let refused = menus.create(&menu_create(&chat, vec![menu("D")])).await;
    assert_eq!(code(refused), Some(ErrorCode::ChatMenuTopLevelLimitReached));

    // A sort names exactly the chat's top-level menus.
    let (a, b, c) = (top_id(&three, 0), top_id(&three, 1), top_id(&three, 2));
    let mismatch = Some(ErrorCode::ChatMenuSortIdsMismatch);
    assert_eq!(
        code(menus.sort(&chat_menu_tree::SortRequest::new(&chat, [&a, &b])).await),
        mismatch
    );
    let twice = chat_menu_tree::SortRequest::new(&chat, [&a, &a, &b]);
    assert_eq!(code(menus.sort(&twice).await), mismatch);
    let stranger =
        chat_menu_tree::SortRequest::new(&chat, [&a, &b, &"7000000000000000001".to_owned()]);
    assert_eq!(code(menus.sort(&stranger).await), mismatch);
    assert_eq!(top_id(&two, 0), a);
    let unknown =
        chat_menu_tree::DeleteRequest::new(&chat, [&c, &"7000000000000000001".to_owned()]);
    assert_eq!(code(menus.delete(&unknown).await), bad);
    let get = chat_menu_tree::GetRequest::new(&chat);
    assert_eq!(menus.get(&get).await.unwrap().menu_tree, three, "nothing changed");

    // Patches: a known menu, and a legal one after.
    let patch = |id: &str, field: ChatMenuUpdateField, item: MenuItem| {
        chat_menu_item::PatchRequest::new(&chat, id, vec![field], item)
    };
    let items = bot.chat_menu_item();
    let ghost =
        patch("7000000000000000001", ChatMenuUpdateField::NAME, MenuItem::new().name("Ghost"));
    assert_eq!(code(items.patch(&ghost).await), bad);
    assert_eq!(
        code(items.patch(&patch(&a, ChatMenuUpdateField::NAME, MenuItem::new())).await),
        illegal
    );
    let unlinked = patch(&a, ChatMenuUpdateField::REDIRECTLINK, MenuItem::new());
    assert_eq!(code(items.patch(&unlinked).await), illegal, "a REDIRECT_LINK menu keeps a link");
    let parent = top(named(ChatMenuActionType::NONE, "Parent"), vec![link("https://b.example")]);
    let refused = menus.create(&menu_create(&chat, vec![parent])).await;
    assert_eq!(code(refused), Some(ErrorCode::ChatMenuTopLevelLimitReached));
    menus.delete(&chat_menu_tree::DeleteRequest::new(&chat, [&c])).await.unwrap();
    let parent = top(named(ChatMenuActionType::NONE, "Parent"), vec![link("https://b.example")]);
    let tree = menus.create(&menu_create(&chat, vec![parent])).await.unwrap().menu_tree;
    let iconed =
        patch(&top_id(&tree, 2), ChatMenuUpdateField::ICON, MenuItem::new().image_key(&icon));
    assert_eq!(code(items.patch(&iconed).await), illegal, "a menu with children has no icon");
    let iconed = patch(&a, ChatMenuUpdateField::ICON, MenuItem::new().image_key(&icon));
    let patched = items.patch(&iconed).await.unwrap().chat_menu_item.unwrap();
    assert_eq!(patched.image_key, Some(icon));

    // Only group chats have menus: 232008 where the page lists it, else the chat id is
    // an invalid parameter.
    let p2p = p2p_chat(&bot, &alice).await;
    let refused = menus.create(&menu_create(&p2p, vec![menu("A")])).await;
    assert_eq!(code(refused), Some(ErrorCode::ChatTypeNotSupported));
    assert_eq!(code(menus.get(&chat_menu_tree::GetRequest::new(&p2p)).await), bad);
}

#[tokio::test]
async fn only_the_owner_and_managers_change_menus_when_the_chat_says_so() {
    // Menus take the bot's token only: here the bot is a plain member of alice's chat.
    let fake = FakeFeishu::start().await;
    let bot = fake.client();
    let alice = fake.add_user("alice", "Alice");
    fake.seed_chat(ChatSeed::private("oc_alices").owner(&alice).members([FakeFeishu::APP_ID]));
    let chat = "oc_alices";
    let menus = bot.chat_menu_tree();
    let add = menu_create(chat, vec![top(link("https://a.example").name("A"), Vec::new())]);
    let tree = menus.create(&add).await.unwrap().menu_tree;
    let a = top_id(&tree, 0);

    fake.set_widget_permission(chat, ChatPermission::OnlyOwner);
    let restricted = Some(ErrorCode::ChatWidgetManageRestricted);
    assert_eq!(code(menus.create(&add).await), restricted);
    assert_eq!(code(menus.sort(&chat_menu_tree::SortRequest::new(chat, [&a])).await), restricted);
    let delete = chat_menu_tree::DeleteRequest::new(chat, [&a]);
    assert_eq!(code(menus.delete(&delete).await), restricted);
    let rename = chat_menu_item::PatchRequest::new(
        chat,
        &a,
        vec![ChatMenuUpdateField::NAME],
        MenuItem::new().name("B"),
    );
    assert_eq!(code(bot.chat_menu_item().patch(&rename).await), restricted);
    assert_eq!(menus.get(&chat_menu_tree::GetRequest::new(chat)).await.unwrap().menu_tree, tree);

    // Once alice makes the bot a manager, it manages the menus again.
    let promote = chat_managers::AddManagersRequest::new(chat)
        .manager_ids([FakeFeishu::APP_ID])
        .member_id_type(MemberIdType::AppId);
    bot.as_user(&fake.user_token(&alice)).chat_managers().add_managers(&promote).await.unwrap();
    let renamed = bot.chat_menu_item().patch(&rename).await.unwrap().chat_menu_item.unwrap();
    assert_eq!(renamed.name.as_deref(), Some("B"));
    assert!(menu_shape(&menus.delete(&delete).await.unwrap().menu_tree).is_empty());
}

fn insert_text(text: &str, at_start: bool) -> String {
    let payload = serde_json::json!({"blocks": [{"type": "paragraph", "paragraph": {"elements": [
        {"type": "textRun", "textRun": {"text": text, "style": {}}}
    ], "style": {}}}]});
    let location = if at_start {
        serde_json::json!({"zoneId": "0", "index": 0, "startOfZone": true})
    } else {
        serde_json::json!({"zoneId": "0", "index": 0, "endOfZone": true})
    };
    serde_json::json!({"requestType": "InsertBlocksRequestType", "insertBlocksRequest": {
        "payload": payload.to_string(), "location": location
    }})
    .to_string()
}

fn set_title(text: &str) -> String {
    let payload = serde_json::json!({"elements": [{"type": "textRun", "textRun": {"text": text, "style": {}}}], "style": {}});
    serde_json::json!({"requestType": "UpdateTitleRequestType", "updateTitleRequest": {
        "payload": payload.to_string()
    }})
    .to_string()
}

/// The texts of the announcement's title and body blocks, in order.
fn texts(content: &str) -> (Vec<String>, Vec<String>) {
    let doc: serde_json::Value = serde_json::from_str(content).unwrap();
    let runs = |elements: &serde_json::Value| -> Vec<String> {
        elements
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["textRun"]["text"].as_str().map(str::to_owned))
            .collect()
    };
    let body = doc["body"]["blocks"].as_array().unwrap().iter();
    (
        runs(&doc["title"]["elements"]),
        body.flat_map(|b| runs(&b["paragraph"]["elements"])).collect(),
    )
}

#[tokio::test]
async fn the_announcement_is_edited_against_its_revision() {
    let Team { fake: _fake, bot, chat, bob, as_bob, .. } = team().await;
    let get = chat_announcement::GetRequest::new(&chat);
    let fresh = bot.chat_announcement().get(&get).await.unwrap();
    assert_eq!(fresh.revision.as_deref(), Some("0"));
    assert_eq!(texts(fresh.content.as_deref().unwrap()), (Vec::new(), Vec::new()));
    assert_eq!(
        (fresh.owner_id_type.clone(), fresh.owner_id.as_deref()),
        (Some(MemberIdType::AppId), Some(FakeFeishu::APP_ID))
    );
    assert!(fresh.create_time.is_some_and(|t| t.count() > 1_600_000_000));

    let patch = chat_announcement::PatchRequest::new(&chat, "0")
        .requests([set_title("Rules"), insert_text("Be kind.", false)]);
    bot.chat_announcement().patch(&patch).await.unwrap();
    let got = bot.chat_announcement().get(&get).await.unwrap();
    assert_eq!(got.revision.as_deref(), Some("1"));
    assert_eq!(
        texts(got.content.as_deref().unwrap()),
        (vec!["Rules".into()], vec!["Be kind.".into()])
    );
    assert_eq!(got.modifier_id.as_deref(), Some(FakeFeishu::APP_ID));

    // A plain member edits too (the chat lets every member edit its information), against an
    // older revision within 100 of the latest.
    let patch = chat_announcement::PatchRequest::new(&chat, "0")
        .requests([insert_text("Welcome!", true), insert_text("Have fun.", false)]);
    bot.as_user(&as_bob).chat_announcement().patch(&patch).await.unwrap();
    let get_as_user_id = chat_announcement::GetRequest::new(&chat).user_id_type(UserIdType::UserId);
    let got = bot.chat_announcement().get(&get_as_user_id).await.unwrap();
    assert_eq!(got.revision.as_deref(), Some("2"));
    assert_eq!(texts(got.content.as_deref().unwrap()).1, ["Welcome!", "Be kind.", "Have fun."]);
    assert_eq!(
        (got.modifier_id_type, got.modifier_id.as_deref()),
        (Some(MemberIdType::UserId), Some("bob"))
    );
    let got = bot.chat_announcement().get(&get).await.unwrap();
    assert_eq!(got.modifier_id.as_deref(), Some(bob.as_str()));
    assert_eq!(got.owner_id.as_deref(), Some(FakeFeishu::APP_ID), "the owner stays");
    let (created, updated) = (got.create_time.unwrap(), got.update_time.unwrap());
    assert!(updated.count() >= created.count());

    // A revision ahead of the latest, or not a number, is refused; so is an edit the fake
    // cannot read, and then nothing changes.
    let bad = Some(ErrorCode::InvalidRequestParameter);
    let ahead = chat_announcement::PatchRequest::new(&chat, "3").requests([set_title("Ahead")]);
    assert_eq!(code(bot.chat_announcement().patch(&ahead).await), bad);
    let words = chat_announcement::PatchRequest::new(&chat, "two").requests([set_title("Words")]);
    assert_eq!(code(bot.chat_announcement().patch(&words).await), bad);
    let garbled = chat_announcement::PatchRequest::new(&chat, "2")
        .requests([set_title("Fine"), "{\"requestType\":".to_owned()]);
    let refused = bot.chat_announcement().patch(&garbled).await;
    assert_eq!(code(refused), Some(ErrorCode::AnnouncementUpdateFailed));
    let unknown = chat_announcement::PatchRequest::new(&chat, "2")
        .requests([r#"{"requestType":"DeleteTableRowsRequestType","deleteTableRowsRequest":{}}"#]);
    let refused = bot.chat_announcement().patch(&unknown).await;
    assert_eq!(code(refused), Some(ErrorCode::AnnouncementUpdateFailed));
    let got = bot.chat_announcement().get(&get).await.unwrap();
    assert_eq!(got.revision.as_deref(), Some("2"));
    assert_eq!(texts(got.content.as_deref().unwrap()).0, ["Rules"]);
}

#[tokio::test]
async fn the_announcement_keeps_revisions_within_100() {
    let Team { fake: _fake, bot, chat, .. } = team().await;
    let announcement = bot.chat_announcement();
    for n in 0..101 {
        let patch = chat_announcement::PatchRequest::new(&chat, n.to_string())
            .requests([insert_text(&format!("line {n}"), false)]);
        announcement.patch(&patch).await.unwrap();
    }
    let got = announcement.get(&chat_announcement::GetRequest::new(&chat)).await.unwrap();
    assert_eq!(got.revision.as_deref(), Some("101"));
    let stale = chat_announcement::PatchRequest::new(&chat, "0").requests([set_title("Stale")]);
    assert_eq!(code(announcement.patch(&stale).await), Some(ErrorCode::InvalidRequestParameter));
    let oldest = chat_announcement::PatchRequest::new(&chat, "1").requests([set_title("Old")]);
    announcement.patch(&oldest).await.unwrap();
}

#[tokio::test]
async fn only_the_owner_and_managers_edit_the_announcement_when_the_chat_says_so() {
    let Team { fake: _fake, bot, chat, bob, as_alice, as_bob, .. } = team().await;
    let restrict = chats::UpdateRequest::new(&chat).edit_permission(ChatPermission::OnlyOwner);
    bot.chats().update(&restrict).await.unwrap();
    let got = bot.chats().get(&chats::GetRequest::new(&chat)).await.unwrap();
    assert_eq!(got.edit_permission, Some(ChatPermission::OnlyOwner));

    let patch = |revision: &str| {
        chat_announcement::PatchRequest::new(&chat, revision).requests([set_title("Ours")])
    };
    let refused = bot.as_user(&as_bob).chat_announcement().patch(&patch("0")).await;
    assert_eq!(code(refused), Some(ErrorCode::ChatInfoEditRestricted));
    // Bob still reads it; alice, a manager, and the bot, the owner, edit it.
    let get = chat_announcement::GetRequest::new(&chat);
    let got = bot.as_user(&as_bob).chat_announcement().get(&get).await.unwrap();
    assert_eq!(got.revision.as_deref(), Some("0"));
    bot.as_user(&as_alice).chat_announcement().patch(&patch("0")).await.unwrap();
    bot.chat_announcement().patch(&patch("1")).await.unwrap();
    let got = bot.chat_announcement().get(&get).await.unwrap();
    assert_eq!(got.revision.as_deref(), Some("2"));

    // One-to-one chats have no announcement.
    let p2p = p2p_chat(&bot, &bob).await;
    let refused = bot.chat_announcement().get(&chat_announcement::GetRequest::new(&p2p)).await;
    assert_eq!(code(refused), Some(ErrorCode::AnnouncementNotFound));
}

fn say(chat: &str, text: &str) -> messages::CreateRequest {
    messages::CreateRequest::new(ReceiveIdType::ChatId, chat, MessageContent::text(text))
}

fn put(chat: &str, notice: TopNotice) -> PutTopNoticeRequest {
    PutTopNoticeRequest::new(chat, vec![notice])
}

#[tokio::test]
async fn the_top_notice_pins_a_message_of_the_chat_or_the_announcement() {
    let Team { fake, bot, chat, alice, .. } = team().await;
    let notices = bot.chat_top_notice();
    assert_eq!(fake.top_notice(&chat), None);

    let message = bot.messages().create(&say(&chat, "Read me")).await.unwrap().message_id;
    let pin_message =
        TopNotice::new().action_type(TopNoticeActionType::Message).message_id(&message);
    notices.put_top_notice(&put(&chat, pin_message.clone())).await.unwrap();
    assert_eq!(fake.top_notice(&chat), Some(pin_message.clone()));

    // The announcement replaces it; the action type defaults to the announcement.
    notices.put_top_notice(&put(&chat, TopNotice::new())).await.unwrap();
    let announcement = TopNotice::new().action_type(TopNoticeActionType::Announcement);
    assert_eq!(fake.top_notice(&chat), Some(announcement));

    notices.delete_top_notice(&DeleteTopNoticeRequest::new(&chat)).await.unwrap();
    assert_eq!(fake.top_notice(&chat), None);
    notices.delete_top_notice(&DeleteTopNoticeRequest::new(&chat)).await.unwrap();

    // Only a live message of this chat, named, and one notice at a time.
    let bad = Some(ErrorCode::InvalidRequestParameter);
    let p2p = p2p_chat(&bot, &alice).await;
    let elsewhere = bot.messages().create(&say(&p2p, "Elsewhere")).await.unwrap().message_id;
    let other_chat =
        TopNotice::new().action_type(TopNoticeActionType::Message).message_id(&elsewhere);
    assert_eq!(code(notices.put_top_notice(&put(&chat, other_chat)).await), bad);
    let unnamed = TopNotice::new().action_type(TopNoticeActionType::Message);
    assert_eq!(code(notices.put_top_notice(&put(&chat, unnamed)).await), bad);
    let two = PutTopNoticeRequest::new(&chat, vec![pin_message.clone(), TopNotice::new()]);
    assert_eq!(code(notices.put_top_notice(&two).await), bad);
    bot.messages().delete(&messages::DeleteRequest::new(&message)).await.unwrap();
    assert_eq!(code(notices.put_top_notice(&put(&chat, pin_message)).await), bad);
    // A one-to-one chat has no announcement to pin.
    assert_eq!(code(notices.put_top_notice(&put(&p2p, TopNotice::new())).await), bad);
    assert_eq!(fake.top_notice(&chat), None);
}

#[tokio::test]
async fn only_the_owner_and_managers_set_the_top_notice_when_the_chat_says_so() {
    let Team { fake, bot, chat, as_alice, as_bob, .. } = team().await;
    let (alice, bob) = (bot.as_user(&as_alice), bot.as_user(&as_bob));
    // By default every member may.
    bob.chat_top_notice().put_top_notice(&put(&chat, TopNotice::new())).await.unwrap();
    assert!(fake.top_notice(&chat).is_some());

    let restrict = chats::UpdateRequest::new(&chat).pin_manage_setting(ChatPermission::OnlyOwner);
    bot.chats().update(&restrict).await.unwrap();
    let denied = Some(ErrorCode::TokenLacksPermission);
    let delete = DeleteTopNoticeRequest::new(&chat);
    assert_eq!(code(bob.chat_top_notice().delete_top_notice(&delete).await), denied);
    assert!(fake.top_notice(&chat).is_some());
    let message = bot.messages().create(&say(&chat, "Pinned")).await.unwrap().message_id;
    let pin = TopNotice::new().action_type(TopNoticeActionType::Message).message_id(&message);
    assert_eq!(code(bob.chat_top_notice().put_top_notice(&put(&chat, pin.clone())).await), denied);
    alice.chat_top_notice().put_top_notice(&put(&chat, pin.clone())).await.unwrap();
    assert_eq!(fake.top_notice(&chat), Some(pin));
    alice.chat_top_notice().delete_top_notice(&delete).await.unwrap();
    assert_eq!(fake.top_notice(&chat), None);
}

#[tokio::test]
async fn widgets_answer_for_their_chat_with_the_codes_their_pages_list() {
    let fake = FakeFeishu::start().await;
    let bot = fake.client();
    let dave = fake.add_user("dave", "Dave");
    fake.seed_chat(ChatSeed::public("oc_gone").members([FakeFeishu::APP_ID]).dissolved(true));
    let abroad = ChatSeed::public("oc_abroad").members([FakeFeishu::APP_ID]).tenant("tenant_other");
    fake.seed_chat(abroad);
    fake.seed_chat(ChatSeed::public("oc_without_bot").members([dave.as_str()]));
    use ErrorCode::{ChatDissolved as Gone, CrossTenantOperation as Abroad};
    use ErrorCode::{InvalidChatId as Missing, OperatorNotInChat as Out};
    // (chat, adding a tab, listing tabs, menus, announcement, top notice): where a page lists
    // no code of its own for the chat, the caller is not in such a chat.
    let cases = [
        ("oc_missing", Missing, Missing, Out, Out, Out),
        ("oc_gone", Gone, Out, Out, Out, Gone),
        ("oc_abroad", Abroad, Abroad, Out, Abroad, Abroad),
        ("oc_without_bot", Out, Out, Out, Out, Out),
    ];
    for (chat, add_tab, list_tabs, menus, announcement, notice) in cases {
        let add = chat_tabs::CreateRequest::new(chat, vec![doc_tab("D", "https://d.example")]);
        assert_eq!(code(bot.chat_tabs().create(&add).await), Some(add_tab), "{chat}: add a tab");
        let tabs = bot.chat_tabs().list_tabs(&chat_tabs::ListTabsRequest::new(chat)).await;
        assert_eq!(code(tabs), Some(list_tabs), "{chat}: tabs");
        let got = bot.chat_menu_tree().get(&chat_menu_tree::GetRequest::new(chat)).await;
        assert_eq!(code(got), Some(menus), "{chat}: menus");
        let get = chat_announcement::GetRequest::new(chat);
        let got = bot.chat_announcement().get(&get).await;
        assert_eq!(code(got), Some(announcement), "{chat}: announcement");
        let put = bot.chat_top_notice().put_top_notice(&put(chat, TopNotice::new())).await;
        assert_eq!(code(put), Some(notice), "{chat}: top notice");
    }
}
