//! The presence members view (`channel.members`): `{count, me, members: [{id, info}]}`,
//! serialized with serde ([`MembersView`]); each member's `info` stays the JS value the
//! server's frame was parsed into.

use std::rc::Rc;

use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::web::boundary;
use crate::web::client::Client;

/// `channel.members` (`Members` in `pkg/index.d.ts`); `me` is `null` when unknown.
#[derive(Serialize, Default)]
struct MembersView {
    count: u32,
    me: Option<String>,
    members: Vec<Member>,
}

/// One member.
#[derive(Serialize)]
struct Member {
    id: String,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    info: JsValue,
}

/// The members of `channel` (`{count: 0, me: null, members: []}` for a channel with none
/// or no client). Copied out of the engine first: serializing sets properties on new JS
/// objects (a page may have put setters on `Object.prototype`), so no borrow is held then.
pub fn view(client: Option<Rc<Client>>, channel: &str) -> JsValue {
    let view = client
        .as_deref()
        .and_then(|client| {
            let runtime = client.runtime.borrow();
            let members = runtime.engine.members(channel)?;
            Some(MembersView {
                count: members.count() as u32,
                me: members.me().map(str::to_owned),
                members: members.iter().map(|(id, info)| Member { id: id.to_owned(), info: info.clone() }).collect(),
            })
        })
        .unwrap_or_default();
    // The client is released first too: a throw out of `write` would leak what is still held.
    drop(client);
    boundary::write(&view)
}
