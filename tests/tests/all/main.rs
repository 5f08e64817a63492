//! The workspace's integration tests, one binary: each file is a module of it, so the crates
//! they test are linked once. The agreement test is a binary of its own, which the extension
//! test builds in a copy of the workspace.

mod chat_widgets;
mod chats;
mod client_endpoints;
mod codegen_snapshots;
mod decoding;
mod doc_examples;
mod events;
mod events_fuzz;
mod fake_server;
mod fixtures_compile;
mod generated_is_fresh;
mod hostile_specs;
mod long_connection;
mod message_changes;
mod messages;
mod public_api;
mod random_specs;
mod received_content;
mod reserved_names;
mod runtime;
mod secrets;
mod send_example;
mod shared_state;
mod spec_diagnostics;
mod spec_extension;
mod uploads;
