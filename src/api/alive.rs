//! Whether a handle's client is still usable, and the `echo_destroyed` error when it is not.

use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::errors;
use crate::web::client::Client;

/// The `EchoError` thrown by any use of a destroyed instance.
pub(crate) fn destroyed() -> JsValue {
    errors::throwable_parts(
        crate::error::code::DESTROYED,
        "This Echo was destroyed (destroy() or configureEcho() again): create a new Echo and take channels from it.",
    )
}

/// The client behind a handle (a clone), or `None` after `destroy()`.
pub(crate) fn usable(client: Option<&Rc<Client>>) -> Option<Rc<Client>> {
    client.filter(|c| !c.destroyed.get()).cloned()
}
