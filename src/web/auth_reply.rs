//! What the backend's authorization answers mean: the JSON shapes of `/broadcasting/auth`,
//! `/broadcasting/user-auth` and Laravel's error replies, read with serde, and their
//! classification into the outcomes the core understands.

use serde::Deserialize;
use wasm_bindgen::JsValue;

use super::boundary;
use super::lenient::{JsonText, Lenient};
use crate::engine::{AuthOutcome, Authorization, UserAuthOutcome};
use crate::error::AuthFailure;

/// How deep [`boundary::read_struct`] copies a reply: its own fields only (`channel_data` as an
/// object is kept and stringified).
const REPLY_DEPTH: u8 = 1;

/// `/broadcasting/auth`'s JSON, or what a custom authorizer's callback passed.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ChannelAuthReply {
    auth: Lenient<String>,
    channel_data: Lenient<JsonText>,
    shared_secret: Lenient<String>,
}

/// `/broadcasting/user-auth`'s JSON.
#[derive(Deserialize, Default)]
#[serde(default)]
struct UserAuthReply {
    auth: Lenient<String>,
    user_data: Lenient<JsonText>,
}

/// Laravel's error JSON (`{"message": ...}`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorReply {
    message: Lenient<String>,
}


/// Classifies a channel authorization reply (or what a custom authorizer's callback passed).
pub fn parse_channel_auth(status: u16, value: &JsValue) -> AuthOutcome {
    let reply: ChannelAuthReply = boundary::read(value, REPLY_DEPTH).unwrap_or_default();
    let Some(auth) = reply.auth.ok().filter(|a| !a.is_empty()) else {
        return AuthOutcome::Failed(AuthFailure::InvalidResponse { status, detail: "no `auth` in the JSON response".into() });
    };
    let channel_data = reply.channel_data.ok().map(|JsonText(text)| text);
    AuthOutcome::Granted(Authorization { auth, channel_data, shared_secret: reply.shared_secret.ok() })
}

/// Classifies a user authentication reply.
pub fn parse_user_auth(status: u16, value: &JsValue) -> UserAuthOutcome {
    let reply: UserAuthReply = boundary::read(value, REPLY_DEPTH).unwrap_or_default();
    match (reply.auth.ok(), reply.user_data.ok()) {
        (Some(auth), Some(JsonText(user_data))) => UserAuthOutcome::Granted { auth, user_data },
        _ => UserAuthOutcome::Failed(AuthFailure::InvalidResponse { status, detail: "expected JSON with `auth` and `user_data`".into() }),
    }
}

/// The `message` of Laravel's error JSON, if the reply is one.
pub fn error_message(value: &JsValue) -> Option<String> {
    boundary::read::<ErrorReply>(value, REPLY_DEPTH).and_then(|r| r.message.ok())
}
