//! The platform's side of what the runtime speaks: signing and encrypting deliveries as
//! Feishu does, and the frames of the long connection. An offline Feishu (a fake, a test
//! server) uses it to talk to clients exactly as the runtime expects.

pub use crate::ids::hex;
pub use crate::receive::crypto::{Signing, encrypt, signature};
#[cfg(feature = "long-connection")]
pub use crate::receive::long_connection::endpoint::{
    OPERATION as ENDPOINT_OPERATION, PATH as ENDPOINT_PATH,
};
#[cfg(feature = "long-connection")]
pub use crate::receive::long_connection::frame;
