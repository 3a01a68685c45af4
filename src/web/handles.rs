//! The client's cache of channel handles: one JS object per channel (as in Echo), each held
//! weakly through a `WeakRef`.
//!
//! A leaf of the edge. The handles themselves (the facade's channel objects) hold the client
//! strongly, so the app's handles keep the client alive and this cache does not.

use wasm_bindgen::prelude::*;

use crate::fast_map::FastMap;

#[wasm_bindgen]
extern "C" {
    /// `WeakRef`, bound with `catch`: missing (an old browser) or replaced by the page, it
    /// throws into a `Result` instead of through the wasm.
    #[wasm_bindgen(js_name = WeakRef)]
    #[derive(Clone)]
    type JsWeakRef;
    #[wasm_bindgen(catch, constructor, js_class = "WeakRef")]
    fn new(target: &JsValue) -> Result<JsWeakRef, JsValue>;
    #[wasm_bindgen(catch, method, js_class = "WeakRef", js_name = deref)]
    fn deref(this: &JsWeakRef) -> Result<JsValue, JsValue>;
}

/// The handle of each joined channel, by name. The key stays until the channel is left.
pub type ChannelHandles = FastMap<String, HandleRef>;

/// How the cache holds a channel's JS handle: weakly where the browser has `WeakRef` (so the
/// cache keeps neither the handle nor, through it, the client alive), else strongly (that
/// client then lives until `destroy()`).
#[derive(Clone)]
pub struct HandleRef(Hold);

#[derive(Clone)]
enum Hold {
    Weak(JsWeakRef),
    Strong(JsValue),
}

impl HandleRef {
    /// Holds `handle`.
    pub fn new(handle: &JsValue) -> HandleRef {
        match JsWeakRef::new(handle) {
            Ok(weak) => HandleRef(Hold::Weak(weak)),
            Err(_) => HandleRef(Hold::Strong(handle.clone())),
        }
    }

    /// The handle, or `None` once it was collected. Calls into JS (`deref`): hold no borrow.
    pub fn get(&self) -> Option<JsValue> {
        match &self.0 {
            Hold::Weak(weak) => weak.deref().ok().filter(|h| h.is_object()),
            Hold::Strong(handle) => Some(handle.clone()),
        }
    }
}
