//! The presence members view (`channel.members`): `{count, me, members: [{id, info}]}`,
//! serialized with serde ([`MembersView`]); each member's `info` stays the JS value the
//! server's frame was parsed into.

use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::presence::Members;
use crate::web::boundary;

/// `channel.members` (`PresenceMembers` in `pkg/index.d.ts`); `me` is `null` when unknown.
#[derive(Serialize)]
struct MembersView<'a> {
    count: u32,
    me: Option<&'a str>,
    members: Vec<Member<'a>>,
}

/// One member.
#[derive(Serialize)]
struct Member<'a> {
    id: &'a str,
    #[serde(serialize_with = "as_js_value")]
    info: &'a JsValue,
}

/// A JS value passed through unchanged.
fn as_js_value<S: serde::Serializer>(value: &&JsValue, serializer: S) -> Result<S::Ok, S::Error> {
    serde_wasm_bindgen::preserve::serialize(*value, serializer)
}

/// The view of `members` (none yet: `{count: 0, me: null, members: []}`).
pub fn view(members: Option<&Members<JsValue>>) -> JsValue {
    let view = match members {
        Some(members) => MembersView {
            count: members.count() as u32,
            me: members.me(),
            members: members.iter().map(|(id, info)| Member { id, info }).collect(),
        },
        None => MembersView { count: 0, me: None, members: Vec::new() },
    };
    boundary::write(&view)
}
