//! The client against a loopback server: what each endpoint sends and how answers decode.

use feishu_im::Resources;
use feishu_im::v1::chat_members::{
    CreateRequest, DeleteRequest, GetRequest, IsInChatRequest, MeJoinRequest,
};
use feishu_im::{
    Client, Credentials, Error, ErrorCode, MemberIdType, RetryPolicy, SucceedType, UserIdType,
};
use feishu_im_tests::{Reply, TestServer};
use serde_json::json;

const TOKEN: &str = "t-fixed-tenant-token";

fn client(server: &TestServer) -> Client {
    Client::builder(Credentials::tenant_token(TOKEN))
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn me_join_sends_patch_with_bearer_token_and_no_body() {
    let server = TestServer::start(|_| Reply::ok(json!({}))).await;
    client(&server).chat_members().me_join(&MeJoinRequest::new("oc_abc")).await.unwrap();
    let [request] = &server.requests()[..] else { panic!("one request expected") };
    assert_eq!(request.method, "PATCH");
    assert_eq!(request.target, "/open-apis/im/v1/chats/oc_abc/members/me_join");
    assert_eq!(request.header("authorization"), Some("Bearer t-fixed-tenant-token"));
    assert!(request.header("user-agent").unwrap().starts_with("feishu-im/"));
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn path_params_are_one_encoded_segment() {
    let server = TestServer::start(|_| Reply::ok(json!({}))).await;
    let members = client(&server);
    members.chat_members().me_join(&MeJoinRequest::new("a/../b?c#d%")).await.unwrap();
    let request = &server.requests()[0];
    assert_eq!(request.target, "/open-apis/im/v1/chats/a%2F..%2Fb%3Fc%23d%25/members/me_join");
    assert_eq!(request.query(), None);

    for bad in ["", ".", ".."] {
        let error = members.chat_members().me_join(&MeJoinRequest::new(bad)).await.unwrap_err();
        assert!(matches!(error, Error::InvalidRequest(_)), "{bad:?}: {error}");
    }
    assert_eq!(server.requests().len(), 1, "invalid requests are never sent");
}

#[tokio::test]
async fn create_sends_query_enums_and_json_body() {
    let server = TestServer::start(|_| {
        Reply::ok(json!({
            "invalid_id_list": ["ou_bad"],
            "not_existed_id_list": [],
            "pending_approval_id_list": ["ou_wait"],
            "field_from_the_future": {"x": 1},
        }))
    })
    .await;
    let request = CreateRequest::new("oc_1", ["ou_a", "cli_bot"])
        .member_id_type(MemberIdType::AppId)
        .succeed_type(SucceedType::Partial);
    let data = client(&server).chat_members().create(&request).await.unwrap();
    assert_eq!(data.invalid_id_list, ["ou_bad"]);
    assert!(data.not_existed_id_list.is_empty());
    assert_eq!(data.pending_approval_id_list, ["ou_wait"]);

    let sent = &server.requests()[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path(), "/open-apis/im/v1/chats/oc_1/members");
    assert_eq!(sent.query(), Some("member_id_type=app_id&succeed_type=1"));
    assert_eq!(sent.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(sent.json(), json!({"id_list": ["ou_a", "cli_bot"]}));
}

#[tokio::test]
async fn create_leaves_out_unset_query_params() {
    let server = TestServer::start(|_| Reply::ok(json!({}))).await;
    client(&server).chat_members().create(&CreateRequest::new("oc_1", ["ou_a"])).await.unwrap();
    assert_eq!(server.requests()[0].query(), None);
}

#[tokio::test]
async fn delete_sends_a_json_body() {
    let server = TestServer::start(|_| Reply::ok(json!({"invalid_id_list": ["ou_x"]}))).await;
    let request = DeleteRequest::new("oc_1", ["ou_x", "ou_y"]).member_id_type(MemberIdType::UserId);
    let data = client(&server).chat_members().delete(&request).await.unwrap();
    assert_eq!(data.invalid_id_list, ["ou_x"]);
    let sent = &server.requests()[0];
    assert_eq!(sent.method, "DELETE");
    assert_eq!(sent.target, "/open-apis/im/v1/chats/oc_1/members?member_id_type=user_id");
    assert_eq!(sent.json(), json!({"id_list": ["ou_x", "ou_y"]}));
}

#[tokio::test]
async fn get_sends_paging_query_and_decodes_unknown_enum_values() {
    let server = TestServer::start(|_| {
        Reply::ok(json!({
            "items": [
                {"member_id_type": "open_id", "member_id": "ou_1", "name": "Ann", "tenant_key": "tk"},
                {"member_id_type": "email", "member_id": "x@y", "name": "Bo", "tenant_key": "tk"}
            ],
            "has_more": false,
            "member_total": 2
        }))
    })
    .await;
    let request = GetRequest::new("oc_1")
        .member_id_type(UserIdType::UnionId)
        .page_size(50)
        .page_token("p 1&");
    let page = client(&server).chat_members().get(&request).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].member_id_type, Some(UserIdType::OpenId));
    let Some(UserIdType::Unknown(unknown)) = &page.items[1].member_id_type else {
        panic!("{:?}", page.items[1].member_id_type)
    };
    assert_eq!(unknown.as_str(), "email");
    assert_eq!(page.member_total, Some(2));
    assert_eq!(page.has_more, Some(false));
    let sent = &server.requests()[0];
    assert_eq!(sent.method, "GET");
    assert_eq!(
        sent.target,
        "/open-apis/im/v1/chats/oc_1/members?member_id_type=union_id&page_size=50&page_token=p%201%26"
    );
}

#[tokio::test]
async fn get_pager_follows_tokens_and_stops_on_has_more_false() {
    let server = TestServer::start(|request| {
        let page = |ids: &[&str], token: &str, more: bool| {
            let items: Vec<_> = ids.iter().map(|id| json!({"member_id": id})).collect();
            Reply::ok(json!({"items": items, "page_token": token, "has_more": more}))
        };
        match request.query() {
            None => page(&["ou_1", "ou_2"], "t2", true),
            Some("page_token=t2") => page(&["ou_3"], "t3", true),
            Some("page_token=t3") => page(&["ou_4"], "t4", false),
            other => panic!("unexpected query {other:?}"),
        }
    })
    .await;
    let client = client(&server);
    let members =
        client.chat_members().get_pager(GetRequest::new("oc_1")).collect_all().await.unwrap();
    let ids: Vec<_> = members.iter().map(|m| m.member_id.as_str()).collect();
    assert_eq!(ids, ["ou_1", "ou_2", "ou_3", "ou_4"]);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn get_pager_stops_on_an_empty_token_even_if_has_more() {
    let server = TestServer::start(|_| {
        Reply::ok(json!({"items": [{"member_id": "ou_1"}], "page_token": "", "has_more": true}))
    })
    .await;
    let client = client(&server);
    let mut pager = client.chat_members().get_pager(GetRequest::new("oc_1"));
    assert!(pager.next_page().await.unwrap().is_some());
    assert!(pager.next_page().await.unwrap().is_none());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn get_pager_is_a_stream() {
    use futures_util::TryStreamExt;
    let server = TestServer::start(|request| match request.query() {
        None => {
            Reply::ok(json!({"items": [{"member_id": "a"}], "page_token": "n", "has_more": true}))
        }
        _ => Reply::ok(json!({"items": [{"member_id": "b"}], "has_more": false})),
    })
    .await;
    let client = client(&server);
    let items: Vec<_> = client
        .chat_members()
        .get_pager(GetRequest::new("oc_1"))
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 2);
}

#[tokio::test]
async fn is_in_chat_decodes_a_boolean() {
    let server = TestServer::start(|_| Reply::ok(json!({"is_in_chat": true}))).await;
    let data =
        client(&server).chat_members().is_in_chat(&IsInChatRequest::new("oc_1")).await.unwrap();
    assert_eq!(data.is_in_chat, Some(true));
    let sent = &server.requests()[0];
    assert_eq!(
        (sent.method.as_str(), sent.target.as_str()),
        ("GET", "/open-apis/im/v1/chats/oc_1/members/is_in_chat")
    );
}

#[tokio::test]
async fn me_join_error_codes_map_to_their_variants() {
    let codes = [
        (232004, ErrorCode::AppNotFound),
        (232006, ErrorCode::InvalidChatId),
        (232008, ErrorCode::ChatTypeNotSupported),
        (232009, ErrorCode::ChatDissolved),
        (232010, ErrorCode::CrossTenantOperation),
        (232013, ErrorCode::ChatMemberLimitReached),
        (232019, ErrorCode::ChatRateLimited),
        (232025, ErrorCode::BotAbilityNotActivated),
        (232027, ErrorCode::NoValidMembers),
        (232034, ErrorCode::AppUnavailable),
        (232075, ErrorCode::JoinRequiresApproval),
    ];
    for (number, variant) in codes {
        let msg = variant.message().unwrap();
        let server = TestServer::start(move |_| Reply::code(400, number, msg)).await;
        let error =
            client(&server).chat_members().me_join(&MeJoinRequest::new("oc_1")).await.unwrap_err();
        let Error::Api(api) = &error else { panic!("{number}: {error}") };
        assert_eq!(api.code, variant);
        assert_eq!(api.code.code(), number);
        assert_eq!(api.msg, msg);
        assert_eq!(api.http_status, 400);
        assert_eq!(error.log_id(), Some("log-test-0001"));
        assert!(api.code.hint_zh().is_some(), "{number} keeps its 排查建议");
        let shown = error.to_string();
        assert!(shown.contains(&number.to_string()) && shown.contains("log-test-0001"), "{shown}");
        assert!(shown.contains(api.code.hint().unwrap()), "{shown}");
    }
    assert_eq!(
        feishu_fake::OperationSpec::of::<feishu_im::v1::chat_members::MeJoinRequest>().errors.len(),
        codes.len()
    );
}

#[tokio::test]
async fn an_html_502_page_is_a_decode_error_with_status_and_log_id() {
    let server = TestServer::start(|_| {
        Reply::raw(502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>")
            .with_header("x-tt-logid", "log-502")
    })
    .await;
    let error =
        client(&server).chat_members().me_join(&MeJoinRequest::new("oc_1")).await.unwrap_err();
    let Error::Decode(decode) = &error else { panic!("{error}") };
    assert_eq!(decode.http_status, 502);
    assert_eq!(decode.log_id.as_deref(), Some("log-502"));
    assert!(decode.body_snippet.contains("502 Bad Gateway"));
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let server = TestServer::start(|_| {
        Reply::raw(200, "application/json", r#"{"code":0,"msg":"ok","data":{"is_in"#)
    })
    .await;
    let error =
        client(&server).chat_members().is_in_chat(&IsInChatRequest::new("oc_1")).await.unwrap_err();
    assert!(matches!(&error, Error::Decode(d) if d.http_status == 200), "{error}");
}

#[tokio::test]
async fn an_unknown_code_is_kept() {
    let server = TestServer::start(|_| Reply::code(400, 239999, "something new")).await;
    let error =
        client(&server).chat_members().me_join(&MeJoinRequest::new("oc_1")).await.unwrap_err();
    assert!(matches!(error.code(), Some(ErrorCode::Other(code)) if code.code() == 239999));
    assert_eq!(error.code().map(ErrorCode::code), Some(239999));
    let Error::Api(api) = &error else { panic!() };
    assert_eq!(api.msg, "something new");
    assert_eq!(api.code.code(), 239999);
    assert!(error.to_string().contains("239999"));
}

#[tokio::test]
async fn error_details_are_decoded() {
    let server = TestServer::start(|_| {
        Reply::json(400, json!({
            "code": 99991672, "msg": "Access denied",
            "error": {
                "log_id": "x", "troubleshooter": "https://open.feishu.cn/search?log_id=x",
                "permission_violations": [{"type": "action_privilege_required", "subject": "im:chat"}],
                "field_violations": [{"field": "chat_id", "description": "bad"}]
            }
        }))
    })
    .await;
    let error =
        client(&server).chat_members().me_join(&MeJoinRequest::new("oc_1")).await.unwrap_err();
    let Error::Api(api) = &error else { panic!() };
    assert_eq!(api.code, ErrorCode::AppScopeMissing);
    assert_eq!(api.detail.permission_violations[0].subject.as_deref(), Some("im:chat"));
    assert_eq!(api.detail.field_violations[0].field.as_deref(), Some("chat_id"));
    assert!(error.to_string().contains("troubleshooter: https://open.feishu.cn/search?log_id=x"));
}

#[tokio::test]
async fn lark_is_selectable_and_plain_http_is_loopback_only() {
    let lark =
        Client::builder(Credentials::None).platform(feishu_im::Platform::Lark).build().unwrap();
    assert_eq!(lark.base_url(), "https://open.larksuite.com");
    let feishu = Client::builder(Credentials::None).build().unwrap();
    assert_eq!(feishu.base_url(), "https://open.feishu.cn");
    let error =
        Client::builder(Credentials::None).base_url("http://open.feishu.cn").build().unwrap_err();
    assert!(error.reason.contains("loopback"), "{error}");
}
