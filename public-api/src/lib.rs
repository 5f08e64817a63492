//! The public API of each published crate, one link per item, as `cargo xtask codegen` lists
//! it from the sources. `cargo doc` with `-D warnings` resolves every link, so a listed
//! item that the compiler does not know fails the build.
//!
//! # `feishu-im-runtime`
//!
#![doc = include_str!("../feishu_im_runtime.md")]
//!
//! # `feishu-im`
//!
#![doc = include_str!("../feishu_im.md")]
