//! The real client against the fake Feishu: every endpoint of the spec through success and
//! each of its documented codes, and the fake's platform rules.

use std::time::Duration;

use feishu_fake::{ChatSeed, FakeFeishu, Fault, SampleCall, samples};
use feishu_im::Resources;
use feishu_im::operation::{Operation, OperationMeta};
use feishu_im::v1::chat_members::{
    CreateRequest, DeleteRequest, GetRequest, IsInChatRequest, MeJoinRequest,
};
use feishu_im::{
    AuthErrorKind, Client, Credentials, Error, ErrorCode, MemberIdType, RetryClass, RetryPolicy,
    SucceedType, UserIdType,
};

/// A fake with a public chat `oc_team` owned by alice, with the bot and bob as members.
async fn team() -> FakeFeishu {
    let fake = FakeFeishu::start().await;
    let alice = fake.add_user("alice", "Alice");
    let bob = fake.add_user("bob", "Bob");
    fake.add_user("carol", "Carol");
    fake.seed_chat(
        ChatSeed::public("oc_team").owner(alice).members([bob.as_str(), FakeFeishu::APP_ID]),
    );
    fake
}

fn meta(operation: &str) -> &'static OperationMeta {
    samples().iter().map(SampleCall::meta).find(|m| m.operation == operation).unwrap()
}

/// Sends an operation's sample request with a token it accepts.
async fn call(fake: &FakeFeishu, client: &Client, sample: &SampleCall) -> Result<(), Error> {
    if sample.takes_tenant_token() {
        sample.call(client.caller()).await
    } else {
        let token = fake.user_token(&fake.add_user("sample_caller", "Sample Caller"));
        sample.call(client.as_user(&token)).await
    }
}

/// Every operation of the spec, through its generated sample request: success against the
/// fake, then each documented code. Nothing here names an endpoint, so an endpoint added to the
/// spec is covered as it is.
#[tokio::test]
async fn every_endpoint_succeeds_and_returns_each_documented_code() {
    assert!(!samples().is_empty());
    for sample in samples() {
        let meta = sample.meta();
        let fake = team().await;
        fake.seed_examples();
        let client = fake.client();
        call(&fake, &client, sample).await.unwrap_or_else(|e| panic!("{}: {e}", meta.operation));
        for &code in meta.errors {
            fake.inject(meta.operation, Fault::Code(code));
            let before = fake.calls(meta.operation);
            let result = call(&fake, &client, sample).await;
            if code.retry_class() == RetryClass::RateLimit {
                assert!(result.is_ok(), "{}: {code:?} is retried: {result:?}", meta.operation);
                assert_eq!(fake.calls(meta.operation) - before, 2);
                continue;
            }
            let error = result.expect_err(meta.operation);
            let Error::Api(api) = &error else { panic!("{}: {error}", meta.operation) };
            assert_eq!(api.code, code, "{}", meta.operation);
            assert_eq!(Some(api.msg.as_str()), meta.message_of(code), "{}", meta.operation);
            assert_eq!(Some(api.http_status), code.http_status());
            assert!(api.log_id.as_deref().is_some_and(|id| id.contains("fake")));
            assert!(api.detail.troubleshooter.is_some());
        }
        eprintln!("agreed: {} ({} codes)", meta.operation, meta.errors.len());
    }
}

#[tokio::test]
async fn me_join_reaches_each_documented_outcome_for_its_reason() {
    let fake = team().await;
    fake.seed_chat(ChatSeed::public("oc_gone").dissolved(true));
    fake.seed_chat(ChatSeed::public("oc_abroad").tenant("tenant_other"));
    fake.seed_chat(ChatSeed::private("oc_private"));
    fake.seed_chat(ChatSeed::public("oc_gated").join_approval(true));
    fake.seed_chat(ChatSeed::public("oc_full").member_cap(1).members(["ou_alice"]));
    fake.seed_chat(ChatSeed::public("oc_open"));
    let client = fake.client();
    let join = |chat: &'static str| {
        let client = client.clone();
        async move {
            client
                .chat_members()
                .me_join(&MeJoinRequest::new(chat))
                .await
                .err()
                .and_then(|e| e.code())
        }
    };
    assert_eq!(join("oc_missing").await, Some(ErrorCode::InvalidChatId));
    assert_eq!(join("oc_gone").await, Some(ErrorCode::ChatDissolved));
    assert_eq!(join("oc_abroad").await, Some(ErrorCode::CrossTenantOperation));
    assert_eq!(join("oc_private").await, Some(ErrorCode::ChatTypeNotSupported));
    assert_eq!(join("oc_gated").await, Some(ErrorCode::JoinRequiresApproval));
    assert_eq!(join("oc_full").await, Some(ErrorCode::ChatMemberLimitReached));

    let in_chat = |chat: &'static str| {
        let client = client.clone();
        async move {
            let answer = client.chat_members().is_in_chat(&IsInChatRequest::new(chat)).await;
            answer.unwrap().is_in_chat == Some(true)
        }
    };
    assert!(!in_chat("oc_open").await);
    assert_eq!(join("oc_open").await, None);
    assert!(in_chat("oc_open").await, "is_in_chat reflects the join");
    assert_eq!(fake.members("oc_open"), [FakeFeishu::APP_ID]);

    fake.set_bot_enabled(false);
    assert_eq!(join("oc_open").await, Some(ErrorCode::BotAbilityNotActivated));
    fake.set_bot_enabled(true);
    fake.set_app_installed(false);
    assert_eq!(join("oc_open").await, Some(ErrorCode::AppUnavailable));
}

#[tokio::test]
async fn users_join_with_their_own_token() {
    let fake = team().await;
    fake.seed_chat(ChatSeed::public("oc_open"));
    let dave = fake.add_user("dave", "Dave");
    let token = fake.user_token(&dave);
    let client = fake.client();
    let as_dave = client.as_user(&token);
    as_dave.chat_members().me_join(&MeJoinRequest::new("oc_open")).await.unwrap();
    assert!(
        as_dave
            .chat_members()
            .is_in_chat(&IsInChatRequest::new("oc_open"))
            .await
            .unwrap()
            .is_in_chat
            == Some(true)
    );
    assert_eq!(fake.members("oc_open"), [dave]);
}

#[tokio::test]
async fn create_and_delete_change_membership_and_report_ids() {
    let fake = team().await;
    let client = fake.client();
    let members = client.chat_members();

    let added = members
        .create(
            &CreateRequest::new("oc_team", ["ou_carol", "ou_nobody"])
                .succeed_type(SucceedType::Partial),
        )
        .await
        .unwrap();
    assert_eq!(added.not_existed_id_list, ["ou_nobody"]);
    assert!(fake.members("oc_team").contains(&"ou_carol".to_owned()));

    let error = members.create(&CreateRequest::new("oc_team", ["ou_nobody"])).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::OpenIdNotFound));
    let error = members
        .create(&CreateRequest::new("oc_team", ["nobody"]).member_id_type(MemberIdType::UserId))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::UserIdNotFound));
    let error = members
        .create(&CreateRequest::new("oc_team", ["ou_nobody"]).succeed_type(SucceedType::Strict))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::UnavailableIds));

    let removed =
        members.delete(&DeleteRequest::new("oc_team", ["ou_carol", "ou_stranger"])).await.unwrap();
    assert_eq!(removed.invalid_id_list, ["ou_stranger"]);
    assert!(!fake.members("oc_team").contains(&"ou_carol".to_owned()));
    let error = members.delete(&DeleteRequest::new("oc_team", ["ou_alice"])).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::CannotRemoveOwner));

    // An operator outside the chat cannot add members.
    fake.seed_chat(ChatSeed::public("oc_elsewhere"));
    let error = members.create(&CreateRequest::new("oc_elsewhere", ["ou_bob"])).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::OperatorNotInChat));
}

#[tokio::test]
async fn get_pages_through_members_with_real_page_tokens() {
    let fake = team().await;
    let mut users: Vec<String> =
        (0..7).map(|i| fake.add_user(&format!("u{i}"), &format!("User {i}"))).collect();
    users.insert(0, "ou_alice".into());
    let mut seeded = users.clone();
    seeded.push(FakeFeishu::APP_ID.into());
    fake.seed_chat(ChatSeed::public("oc_big").members(seeded));
    let client = fake.client();

    let first = client.chat_members().get(&GetRequest::new("oc_big").page_size(3)).await.unwrap();
    assert_eq!(first.has_more, Some(true));
    assert_eq!(first.member_total, Some(8), "bots are not listed");
    assert!(first.page_token.as_deref().is_some_and(|t| !t.is_empty()));

    let request = GetRequest::new("oc_big").page_size(3).member_id_type(UserIdType::UnionId);
    let all = client.chat_members().get_pager(request).collect_all().await.unwrap();
    let ids: Vec<String> = all.iter().map(|m| m.member_id.clone()).collect();
    let expected: Vec<String> = users.iter().map(|u| u.replace("ou_", "on_")).collect();
    assert_eq!(ids, expected);
    assert_eq!(all[0].name.as_deref(), Some("Alice"));
    assert_eq!(fake.calls("chat_members.get"), 1 + 3);

    let error = client
        .chat_members()
        .get(&GetRequest::new("oc_big").page_token("forged"))
        .await
        .unwrap_err();
    let Error::Api(api) = &error else { panic!("{error}") };
    assert_eq!(api.code, ErrorCode::InvalidRequestParameter);
    assert_eq!(api.detail.field_violations[0].field.as_deref(), Some("page_token"));
}

#[tokio::test]
async fn requests_are_validated_against_the_spec() {
    let fake = team().await;
    let client = fake.client();
    let error = client
        .chat_members()
        .create(&CreateRequest::new("oc_team", Vec::<String>::new()))
        .await
        .unwrap_err();
    let Error::Api(api) = &error else { panic!("{error}") };
    assert_eq!(api.code, ErrorCode::InvalidRequestParameter);
    assert_eq!(api.detail.field_violations[0].field.as_deref(), Some("id_list"));

    let error =
        client.chat_members().get(&GetRequest::new("oc_team").page_size(500)).await.unwrap_err();
    let Error::Api(api) = &error else { panic!("{error}") };
    assert_eq!(api.detail.field_violations[0].field.as_deref(), Some("page_size"));
    assert_eq!(api.detail.field_violations[0].value.as_deref(), Some("500"));
}

#[tokio::test]
async fn token_rules_follow_the_platform() {
    let fake = team().await;
    let url = format!("{}/open-apis/im/v1/chats/oc_team/members/is_in_chat", fake.base_url());
    let http = reqwest::Client::new();
    let body = |response: reqwest::Response| async move {
        serde_json::from_slice::<serde_json::Value>(&response.bytes().await.unwrap()).unwrap()
    };
    let missing = body(http.get(&url).send().await.unwrap()).await;
    assert_eq!(missing["code"], ErrorCode::TokenMissing.code());
    let unknown = body(http.get(&url).bearer_auth("t-made-up").send().await.unwrap()).await;
    assert_eq!(unknown["code"], ErrorCode::TenantTokenInvalid.code());

    // An expired token is refreshed by the client and the call retried once.
    let client = fake.client();
    client.chat_members().is_in_chat(&IsInChatRequest::new("oc_team")).await.unwrap();
    fake.expire_tokens();
    client.chat_members().is_in_chat(&IsInChatRequest::new("oc_team")).await.unwrap();
    assert_eq!(fake.token_requests(), 2);
    assert_eq!(
        fake.calls("chat_members.is_in_chat"),
        2 + 1 + 2,
        "two tokenless, one, then stale and retried"
    );

    // Wrong credentials: a typed auth error with Feishu's code.
    let wrong =
        fake.client_builder(Credentials::custom_app(FakeFeishu::APP_ID, "wrong")).build().unwrap();
    let error =
        wrong.chat_members().is_in_chat(&IsInChatRequest::new("oc_team")).await.unwrap_err();
    assert!(
        matches!(&error, Error::Auth(a) if a.code == Some(ErrorCode::AppCredentialsInvalid)),
        "{error}"
    );
}

#[tokio::test]
async fn store_apps_get_tenant_tokens_with_their_ticket() {
    let fake = team().await;
    let client = fake
        .client_builder(Credentials::store_app(
            FakeFeishu::STORE_APP_ID,
            FakeFeishu::STORE_APP_SECRET,
        ))
        .build()
        .unwrap();
    let tenant = client.for_tenant(FakeFeishu::TENANT_KEY);
    let error =
        tenant.chat_members().is_in_chat(&IsInChatRequest::new("oc_team")).await.unwrap_err();
    assert!(matches!(&error, Error::Auth(a) if a.kind == AuthErrorKind::MissingAppTicket));
    client.resend_app_ticket().await.unwrap();
    assert_eq!(fake.ticket_resends(), 1);
    client.set_app_ticket(fake.push_app_ticket());
    let data = tenant.chat_members().is_in_chat(&IsInChatRequest::new("oc_team")).await.unwrap();
    assert_eq!(data.is_in_chat, Some(false), "the store app's bot is not in the chat");
}

#[tokio::test]
async fn rate_limits_of_the_spec_are_enforced_by_the_fake_and_kept_by_the_client() {
    let fake = team().await;
    let per_second = meta(IsInChatRequest::META.operation).rate_limit.per_second as usize;
    let builder = || {
        fake.client_builder(Credentials::custom_app(FakeFeishu::APP_ID, FakeFeishu::APP_SECRET))
            .retry_policy(RetryPolicy::disabled())
    };
    // A client that does not limit itself draws the fake's 429.
    let unlimited = builder().rate_limiting(false).build().unwrap();
    let mut limited = None;
    for _ in 0..per_second * 2 {
        let request = IsInChatRequest::new("oc_team");
        if let Err(error) = unlimited.chat_members().is_in_chat(&request).await {
            limited = Some(error);
            break;
        }
    }
    let error = limited.expect("the burst hits the per-second limit");
    assert!(error.is_rate_limited(), "{error}");
    assert_eq!(error.code(), Some(ErrorCode::RequestRateLimited));
    assert_eq!(error.http_status(), Some(429));
    assert!(error.retry_after().is_some_and(|d| d <= Duration::from_secs(60)));

    // The same burst from a limiting client waits for slots and never draws one.
    let fake = team().await;
    let client = fake
        .client_builder(Credentials::custom_app(FakeFeishu::APP_ID, FakeFeishu::APP_SECRET))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    for _ in 0..per_second * 2 {
        client.chat_members().is_in_chat(&IsInChatRequest::new("oc_team")).await.unwrap();
    }
}

#[tokio::test]
async fn fault_injection_covers_transport_faults() {
    let fake = team().await;
    let client = fake
        .client_builder(Credentials::custom_app(FakeFeishu::APP_ID, FakeFeishu::APP_SECRET))
        .retry_policy(RetryPolicy::disabled())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let request = IsInChatRequest::new("oc_team");
    let is_in = || client.chat_members().is_in_chat(&request);
    let op = IsInChatRequest::META.operation;

    fake.inject(op, Fault::Status(502));
    assert!(matches!(is_in().await, Err(Error::Decode(d)) if d.http_status == 502));
    fake.inject(op, Fault::Malformed);
    assert!(matches!(is_in().await, Err(Error::Decode(d)) if d.http_status == 200));
    fake.inject(op, Fault::Drop);
    assert!(matches!(is_in().await, Err(Error::Transport(_))));
    fake.inject(op, Fault::Delay(Duration::from_secs(2)));
    assert!(matches!(is_in().await, Err(Error::Timeout(_))));
    fake.inject(op, Fault::CodeAt(ErrorCode::TenantTokenInvalid, 200));
    assert!(is_in().await.is_ok(), "a stale token at HTTP 200 is refreshed and retried once");
    assert!(is_in().await.is_ok());
}
