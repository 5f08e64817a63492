//! Runs with no account and no network: starts the fake Feishu, seeds a public chat, joins it,
//! checks membership, lists the members, sends a text and a rich-text message, reacts to and
//! pins a message, replies in a thread, uploads an image, sends it and downloads it back, lists
//! the chat's messages, then shows a documented failure.
//!
//! ```sh
//! cargo run -p feishu-im-examples --example quickstart
//! ```

use feishu_im_examples as support;

use feishu_fake::{ChatSeed, FakeFeishu};
use feishu_im::Resources;
use feishu_im::v1::chat_members::{CreateRequest, GetRequest, IsInChatRequest, MeJoinRequest};
use feishu_im::v1::message_reactions::{self, Emoji};
use feishu_im::v1::{images, messages, pins};
use feishu_im::{
    ContainerIdType, Error, ErrorCode, FileUpload, ImageType, MessageContent, MessageText,
    PostBody, PostElement, PostMessageContent, PostTag, ReceiveIdType, ReceivedContent,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    support::log_to_stderr();
    let fake = FakeFeishu::start().await;
    println!("fake Feishu listening on {}", fake.base_url());
    let alice = fake.add_user("alice", "Alice");
    let bob = fake.add_user("bob", "Bob");
    fake.seed_chat(ChatSeed::public("oc_quickstart").owner(alice.as_str()));
    fake.seed_chat(ChatSeed::public("oc_dissolved").dissolved(true));

    // The fake's custom app; its tenant token is fetched and cached by the client.
    let client = fake.client();
    let members = client.chat_members();

    members.me_join(&MeJoinRequest::new("oc_quickstart")).await?;
    println!("the bot joined oc_quickstart");

    let joined = members.is_in_chat(&IsInChatRequest::new("oc_quickstart")).await?;
    println!("is_in_chat: {}", joined.is_in_chat.unwrap_or(false));

    members.create(&CreateRequest::new("oc_quickstart", [bob.as_str()])).await?;
    let mut pager = members.get_pager(GetRequest::new("oc_quickstart").page_size(1));
    println!("members (one per page):");
    while let Some(member) = pager.next().await? {
        let id = &member.member_id;
        println!("  {id} {}", member.name.as_deref().unwrap_or(""));
    }

    // Messages: content is typed; the client writes `msg_type`, the JSON text and a `uuid`.
    let to_chat = |content: MessageContent| {
        messages::CreateRequest::new(ReceiveIdType::ChatId, "oc_quickstart", content)
    };
    let hello =
        MessageText::new().push("Hello, team! ").mention(&alice, "Alice").push(" is on call.");
    let hello = client.messages().create(&to_chat(MessageContent::text(hello))).await?;
    let post = PostMessageContent::new().en_us(
        PostBody::new(vec![vec![
            PostElement::new(PostTag::Text).text("Welcome, "),
            PostElement::new(PostTag::At).user_id(bob.as_str()),
        ]])
        .title("Release notes"),
    );
    client.messages().create(&to_chat(post.into())).await?;
    let question = fake.user_says("oc_quickstart", &alice, "Who is on call?");
    let reply =
        messages::ReplyRequest::new(&question, MessageContent::text("I am")).reply_in_thread(true);
    client.messages().reply(&reply).await?;
    let hello_id = hello.message_id;
    let thumbs = message_reactions::CreateRequest::new(&hello_id, Emoji::new("THUMBSUP"));
    client.message_reactions().create(&thumbs).await?;
    client.pins().create(&pins::CreateRequest::new(&hello_id)).await?;
    println!("sent {hello_id}, a post and a reply in a thread; reacted to and pinned {hello_id}");
    // An image: uploaded from bytes, sent by key, downloaded back unchanged.
    let png = b"\x89PNG\r\n\x1a\n a tiny picture".to_vec();
    let upload = FileUpload::from_bytes("picture.png", png.clone());
    let image = images::CreateRequest::new(ImageType::Message, upload);
    let key = client.images().create(&image).await?.image_key;
    client.messages().create(&to_chat(MessageContent::image(&key))).await?;
    let back = client.images().get(&images::GetRequest::new(&key)).await?.bytes().await?;
    println!(
        "uploaded, sent and downloaded {key}: {} bytes, unchanged: {}",
        back.len(),
        back == png
    );

    let list = messages::ListRequest::new(ContainerIdType::Chat, "oc_quickstart");
    let mut pager = client.messages().list_pager(list);
    println!("messages in oc_quickstart:");
    while let Some(message) = pager.next().await? {
        let said = match message.content() {
            // Mentions read `@_user_N` (`mentions` says who), replaced last first: `@_user_1`
            // is a prefix of `@_user_10`.
            Ok(ReceivedContent::Text(text)) => message
                .mentions
                .iter()
                .fold(text.text, |text, m| text.replace(&m.key, &format!("@{}", m.name))),
            Ok(ReceivedContent::Post(post)) => format!("post {:?}", post.title.unwrap_or_default()),
            Ok(ReceivedContent::Image(image)) => format!("image {}", image.image_key),
            Ok(other) => other.kind().to_owned(),
            Err(error) => format!("unreadable content: {error}"),
        };
        println!("  {said}");
    }

    match members.me_join(&MeJoinRequest::new("oc_dissolved")).await {
        Err(Error::Api(error)) if error.code == ErrorCode::ChatDissolved => {
            println!("joining a dissolved chat fails, as documented:");
            println!("  code:   {}", error.code.code());
            println!("  msg:    {}", error.msg);
            println!("  log id: {}", error.log_id.as_deref().unwrap_or("-"));
            println!("  hint:   {}", error.code.hint().unwrap_or("-"));
            println!("  排查建议: {}", error.code.hint_zh().unwrap_or("-"));
            Ok(())
        }
        Err(other) => Err(other),
        Ok(_) => panic!("a dissolved chat cannot be joined"),
    }
}
