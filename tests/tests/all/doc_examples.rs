//! The documentation's own examples (`tests/doc_examples/`, each with its page) decode into the
//! generated types and write back without losing a field: every response example through the
//! real client against a server that answers with it, every event payload, and every message
//! content of the sent and received content pages.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use feishu_fake::{SampleCall, samples};
use feishu_im::events::Event;
use feishu_im::{
    Client, Credentials, MessageContent, ReceivedContent, RetryPolicy, UserAccessToken,
};
use feishu_im_tests::{Reply, TestServer, token_reply};
use serde_json::Value;

fn folder(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("doc_examples").join(kind)
}

/// Every example file of a folder, sorted, as (file name, JSON).
fn examples(kind: &str) -> Vec<(String, Value)> {
    let mut files: Vec<_> = std::fs::read_dir(folder(kind))
        .unwrap_or_else(|e| panic!("{kind}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let json: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                json["source"].as_str().is_some_and(|s| s.starts_with("https://")),
                "{} names its page",
                path.display()
            );
            (path.file_name().unwrap().to_string_lossy().into_owned(), json)
        })
        .collect()
}

/// What of `original` is missing or different in `written`, by path. A `null`, an empty list
/// or an empty object reads the same as an absent field.
fn lost(original: &Value, written: &Value, path: &str, out: &mut Vec<String>) {
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        _ => false,
    };
    match (original, written) {
        (original, _) if empty(original) => {}
        (Value::Object(fields), Value::Object(back)) => {
            for (key, value) in fields {
                match back.get(key) {
                    Some(again) => lost(value, again, &format!("{path}.{key}"), out),
                    None if empty(value) => {}
                    None => out.push(format!("{path}.{key}: {value} is lost")),
                }
            }
        }
        (Value::Array(items), Value::Array(back)) if items.len() == back.len() => {
            for (n, (item, again)) in items.iter().zip(back).enumerate() {
                lost(item, again, &format!("{path}[{n}]"), out);
            }
        }
        (original, written) if original == written => {}
        (original, written) => out.push(format!("{path}: {original} came back as {written}")),
    }
}

fn check(what: &str, original: &Value, written: &Value, failures: &mut Vec<String>) {
    let mut out = Vec::new();
    lost(original, written, "", &mut out);
    failures.extend(out.into_iter().map(|problem| format!("{what}: {problem}")));
}

/// Fails with every problem found, of how many examples.
fn all_passed(failures: &[String], examples: usize) {
    assert!(failures.is_empty(), "{} of {examples}:\n{}", failures.len(), failures.join("\n"));
}

fn sample(operation: &str) -> Option<&'static SampleCall> {
    samples().iter().find(|s| s.meta().operation == operation)
}

#[tokio::test]
async fn every_documented_response_decodes_and_writes_back_whole() {
    let answer = Arc::new(Mutex::new(Value::Null));
    let current = answer.clone();
    let server = TestServer::start(move |request| {
        if request.path().starts_with("/open-apis/auth/") {
            token_reply("t-doc-examples", 7200)
        } else {
            Reply::json(200, current.lock().unwrap().clone())
        }
    })
    .await;
    let client = Client::builder(Credentials::custom_app("cli_doc", "secret"))
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::default().with_max_attempts(1))
        .build()
        .unwrap();
    let user = UserAccessToken::new("u-doc-examples");
    let examples = examples("responses");
    let mut failures = Vec::new();
    for (file, json) in &examples {
        let operation = json["operation"].as_str().unwrap();
        assert_eq!(format!("{operation}.json"), *file);
        let sample = sample(operation).unwrap_or_else(|| panic!("{file}: no such operation"));
        *answer.lock().unwrap() = json["example"].clone();
        let caller =
            if sample.takes_tenant_token() { client.caller() } else { client.as_user(&user) };
        match sample.call_for_data(caller).await {
            Ok(Some(written)) => {
                let data = json["example"].get("data").cloned().unwrap_or(Value::Null);
                check(operation, &data, &written, &mut failures);
            }
            Ok(None) => failures.push(format!("{operation}: answers a file")),
            Err(error) => failures.push(format!("{operation}: {error}")),
        }
    }
    all_passed(&failures, examples.len());
    eprintln!("{} documented responses decode and write back whole", examples.len());
}

#[test]
fn every_documented_event_decodes_into_its_type_and_writes_back_whole() {
    let examples = examples("events");
    let mut failures = Vec::new();
    for (file, json) in &examples {
        let envelope = &json["example"];
        let event_type = json["event_type"].as_str().unwrap();
        // An old-style card callback has no envelope: its body is the payload.
        let payload = match envelope.get("header") {
            Some(header) => {
                assert_eq!(header["event_type"], event_type, "{file}");
                &envelope["event"]
            }
            None => envelope,
        };
        match Event::decode(event_type, &payload.to_string()) {
            Ok(Event::Unknown(_)) => failures.push(format!("{event_type}: not in the spec")),
            Ok(event) => {
                let written = serde_json::to_value(&event).unwrap();
                check(event_type, payload, &written, &mut failures);
            }
            Err(error) => failures.push(format!("{event_type}: {error}")),
        }
    }
    all_passed(&failures, examples.len());
}

/// The content's text as the crate writes it, and what the page shows, as JSON when they are.
fn compare_content(what: &str, original: &str, written: &str, failures: &mut Vec<String>) {
    match (serde_json::from_str::<Value>(original), serde_json::from_str::<Value>(written)) {
        (Ok(original), Ok(written)) => check(what, &original, &written, failures),
        _ if original == written => {}
        _ => failures.push(format!("{what}: {original:?} came back as {written:?}")),
    }
}

/// What reading a content kind gave: its kind and JSON text back, or `None` for a kind the spec
/// does not describe.
type Read = Result<Option<(String, String)>, serde_json::Error>;

/// Reads each content example of `folder` with `read`, and compares what it writes back.
fn contents(folder: &str, read: fn(&str, &str) -> Read, failures: &mut Vec<String>) -> usize {
    let examples = examples(folder);
    for (file, json) in &examples {
        let (kind, text) = (json["kind"].as_str().unwrap(), json["content"].as_str().unwrap());
        let what = format!("{folder}/{file}");
        match read(kind, text) {
            Ok(None) => failures.push(format!("{what}: `{kind}` is not in the spec")),
            Ok(Some((read_kind, written))) => {
                assert_eq!(read_kind, kind, "{what}");
                compare_content(&what, text, &written, failures);
            }
            Err(error) => failures.push(format!("{what}: {error}")),
        }
    }
    examples.len()
}

#[test]
fn every_documented_content_decodes_into_its_kind_and_writes_back_whole() {
    let mut failures = Vec::new();
    let sent = contents(
        "contents/sent",
        |kind, text| match MessageContent::from_json(kind, text)? {
            MessageContent::Unknown(_) => Ok(None),
            content => Ok(Some((content.kind().to_owned(), content.to_json()?))),
        },
        &mut failures,
    );
    let received = contents(
        "contents/received",
        |kind, text| match ReceivedContent::from_json(kind, text)? {
            ReceivedContent::Unknown(_) => Ok(None),
            content => Ok(Some((content.kind().to_owned(), content.to_json()?))),
        },
        &mut failures,
    );
    let total = sent + received;
    all_passed(&failures, total);
}

/// A message as the documentation's answers carry it reads its content: merge-forward content
/// is bare text there.
#[test]
fn the_content_of_every_documented_message_reads() {
    let mut failures = Vec::new();
    let mut read = 0;
    for (file, json) in examples("responses") {
        let data = &json["example"]["data"];
        let mut messages: Vec<&Value> = data
            .get("items")
            .and_then(Value::as_array)
            .map(|items| items.iter().collect())
            .unwrap_or_default();
        if data.get("message_id").is_some() && data.get("body").is_some() {
            messages.push(data);
        }
        if let Some(message) = data.get("message") {
            messages.push(message);
        }
        let messages = messages.into_iter().filter(|m| m["body"]["content"].is_string());
        for message in messages {
            let typed: feishu_im::Message = match serde_json::from_value(message.clone()) {
                Ok(typed) => typed,
                Err(error) => {
                    failures.push(format!("{file}: a message: {error}"));
                    continue;
                }
            };
            read += 1;
            if let Err(error) = typed.content() {
                failures.push(format!("{file}: a {:?} message: {error}", message["msg_type"]));
            }
        }
    }
    assert!(read > 5, "only {read} messages");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
