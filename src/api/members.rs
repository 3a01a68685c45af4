//! The presence members view a channel handle shows: `{count, me, members: [{id, info}]}`.

use js_sys::{Array, Object};
use wasm_bindgen::JsValue;

use crate::web::client::Client;
use crate::web::js::set;

/// The members of `channel` (empty, with `me: null`, for a channel with none or no client).
pub fn view(client: Option<&Client>, channel: &str) -> JsValue {
    let runtime = client.map(|c| c.runtime.borrow());
    let view = Object::new();
    let list = Array::new();
    let (count, me) = match runtime.as_ref().and_then(|runtime| runtime.engine.members(channel)) {
        Some(members) => {
            for (id, info) in members.iter() {
                let member = Object::new();
                set(&member, "id", &JsValue::from_str(id));
                set(&member, "info", info);
                list.push(&member);
            }
            (members.count(), members.me().map(JsValue::from_str).unwrap_or(JsValue::NULL))
        }
        None => (0, JsValue::NULL),
    };
    set(&view, "count", &(count as u32).into());
    set(&view, "me", &me);
    set(&view, "members", &list);
    view.into()
}
