//! The browser primitives of `shareConnection`, bound by hand: Web Locks
//! (`navigator.locks.request`; web-sys has it only behind `web_sys_unstable_apis`),
//! `crypto.subtle.digest` for the sharing key, a `BroadcastChannel` with its owned `message`
//! listener, and reading and writing the plain message objects tabs exchange.
//!
//! A leaf of the edge: it imports nothing from the crate but `web/js.rs`. Every binding is
//! imported with `catch`: a page without the API (or one that replaced it) gets an error
//! value, never a throw through the wasm.

use gloo_events::EventListener;
use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::BroadcastChannel;

use super::js;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["navigator", "locks"], js_name = request, catch)]
    fn locks_request(name: &str, options: &JsValue, callback: &Function) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["navigator", "locks"], js_name = query, catch)]
    fn locks_query() -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = digest, catch)]
    fn subtle_digest(algorithm: &str, data: &Uint8Array) -> Result<Promise, JsValue>;
}

fn global(key: &str) -> JsValue {
    Reflect::get(&js_sys::global(), &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Why sharing cannot work in this page (`None` when Web Locks, BroadcastChannel and
/// `crypto.subtle` are all there).
pub fn missing_api() -> Option<&'static str> {
    let navigator = global("navigator");
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).unwrap_or(JsValue::UNDEFINED);
    let subtle = Reflect::get(&global("crypto"), &JsValue::from_str("subtle")).unwrap_or(JsValue::UNDEFINED);
    if !locks.is_object() {
        Some("this browser has no Web Locks (navigator.locks; it needs a secure context): this Echo connects on its own")
    } else if !global("BroadcastChannel").is_function() {
        Some("this browser has no BroadcastChannel: this Echo connects on its own")
    } else if !subtle.is_object() {
        Some("this browser has no crypto.subtle (it needs a secure context): this Echo connects on its own")
    } else {
        None
    }
}

/// SHA-256 of `text`, in hex.
pub async fn sha256_hex(text: &str) -> Result<String, JsValue> {
    let bytes = Uint8Array::from(text.as_bytes());
    let digest = JsFuture::from(subtle_digest("SHA-256", &bytes)?).await?;
    let digest = Uint8Array::new(&digest).to_vec();
    let mut hex = String::with_capacity(64);
    for byte in digest {
        for nibble in [byte >> 4, byte & 15] {
            hex.push(char::from_digit(nibble as u32, 16).unwrap_or('0'));
        }
    }
    Ok(hex)
}

/// A random id for a participant or a hub (not a secret: it names locks and messages).
pub fn random_id() -> String {
    let mut id = String::with_capacity(16);
    for _ in 0..16 {
        let digit = (js_sys::Math::random() * 36.0) as u32;
        id.push(char::from_digit(digit.min(35), 36).unwrap_or('0'));
    }
    id
}

/// A held (or requested) Web Lock: released when this value is released or dropped.
pub struct HeldLock {
    release: Option<Function>,
    abort: Option<web_sys::AbortController>,
    /// Set once we release it (a rejection after that is not a loss).
    released: std::rc::Rc<std::cell::Cell<bool>>,
    _callback: Closure<dyn FnMut(JsValue) -> JsValue>,
}

/// How a lock is requested.
#[derive(Clone, Copy, Default)]
pub struct Ask {
    /// `steal: true`: take it from its holder at once (whose request then rejects).
    pub steal: bool,
    /// `ifAvailable: true`: only if nobody holds it (else `granted(false)` at once).
    pub if_available: bool,
}

impl HeldLock {
    /// Requests lock `name` (queued behind its holder); `granted` runs once it is held, and
    /// it is held until [`HeldLock::release`] or drop. `Err` when the API refused the call.
    pub fn request(name: &str, mut granted: impl FnMut() + 'static) -> Result<HeldLock, JsValue> {
        HeldLock::ask(name, Ask::default(), move |_| {
            granted();
            true
        }, || {})
    }

    /// Requests lock `name` as `ask` says. `granted(true)` runs once it is held (with
    /// `ifAvailable`, `granted(false)` when it is not); it is kept while `granted` returns
    /// true. `lost` runs if it was held and then taken away (stolen) without our release.
    pub fn ask(name: &str, ask: Ask, mut granted: impl FnMut(bool) -> bool + 'static, lost: impl FnOnce() + 'static) -> Result<HeldLock, JsValue> {
        let mut resolve_slot: Option<Function> = None;
        let held = Promise::new(&mut |resolve, _| resolve_slot = Some(resolve));
        let was_held = std::rc::Rc::new(std::cell::Cell::new(false));
        let flag = was_held.clone();
        let callback = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |lock: JsValue| {
            let got = !lock.is_null();
            if granted(got) && got {
                flag.set(true);
                held.clone().into()
            } else {
                JsValue::UNDEFINED
            }
        });
        let abort = web_sys::AbortController::new().ok();
        let options = Object::new();
        // The API refuses `signal` with `steal` or `ifAvailable` (neither request is queued).
        if ask.steal {
            js::set(&options, "steal", &JsValue::TRUE);
        } else if ask.if_available {
            js::set(&options, "ifAvailable", &JsValue::TRUE);
        } else if let Some(abort) = &abort {
            js::set(&options, "signal", &abort.signal());
        }
        let request = locks_request(name, &options, callback.as_ref().unchecked_ref())?;
        let released = std::rc::Rc::new(std::cell::Cell::new(false));
        let ours = released.clone();
        // An aborted request rejects (nothing to handle); a held one that rejects was stolen.
        js::spawn(Box::pin(async move {
            if JsFuture::from(request).await.is_err() && was_held.get() && !ours.get() {
                lost();
            }
        }));
        Ok(HeldLock { release: resolve_slot, abort, released, _callback: callback })
    }

    /// Releases the lock (or gives up the request while queued).
    pub fn release(&mut self) {
        self.released.set(true);
        if let Some(abort) = self.abort.take() {
            abort.abort();
        }
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
    }
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        self.release();
    }
}

/// Waits for lock `name` to be free (its holder released it or its page is gone), then runs
/// `gone` and releases it at once. The request is given up when the value drops.
pub struct LockWatch {
    abort: Option<web_sys::AbortController>,
    _callback: Closure<dyn FnMut(JsValue) -> JsValue>,
}

impl LockWatch {
    /// Starts watching `name`.
    pub fn new(name: &str, mut gone: impl FnMut() + 'static) -> Result<LockWatch, JsValue> {
        let callback = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |_lock: JsValue| {
            gone();
            JsValue::UNDEFINED
        });
        let abort = web_sys::AbortController::new().ok();
        let options = Object::new();
        if let Some(abort) = &abort {
            js::set(&options, "signal", &abort.signal());
        }
        let request = locks_request(name, &options, callback.as_ref().unchecked_ref())?;
        js::spawn(Box::pin(async move {
            let _ = JsFuture::from(request).await;
        }));
        Ok(LockWatch { abort, _callback: callback })
    }
}

impl Drop for LockWatch {
    fn drop(&mut self) {
        if let Some(abort) = self.abort.take() {
            abort.abort();
        }
    }
}

/// Whether lock `leader` is held by the same page (client) that holds lock `mine` (a lock
/// only this page holds): `navigator.locks.query()`. `Some(false)` when `leader` is free or
/// held by another client; `None` when it cannot be told (no answer, no `clientId`, `mine`
/// not listed).
pub async fn same_holder(leader: &str, mine: &str) -> Option<bool> {
    let promise = locks_query().ok()?;
    let snapshot = JsFuture::from(promise).await.ok()?;
    let held = field(&snapshot, "held");
    if !js_sys::Array::is_array(&held) {
        return None;
    }
    let entry = |name: &str| js_sys::Array::from(&held).iter().find(|l| text(l, "name").as_deref() == Some(name));
    let me = text(&entry(mine)?, "clientId")?;
    match entry(leader) {
        None => Some(false),
        Some(holder) => Some(text(&holder, "clientId")? == me),
    }
}

thread_local! {
    static PAGE: String = random_id();
}

/// This page's id (the same for every Echo in it): a hub knows the tabs in its own page.
pub fn page_id() -> String {
    PAGE.with(String::clone)
}

/// A `BroadcastChannel` and its `message` listener, closed on drop.
pub struct Channel {
    channel: BroadcastChannel,
    _listener: EventListener,
}

impl Channel {
    /// Opens channel `name`; `on_message` gets each message's `data`.
    pub fn open(name: &str, on_message: impl FnMut(JsValue) + 'static) -> Result<Channel, JsValue> {
        let channel = BroadcastChannel::new(name)?;
        let mut on_message = on_message;
        let listener = EventListener::new(&channel, "message", move |event| {
            let data = Reflect::get(event, &JsValue::from_str("data")).unwrap_or(JsValue::UNDEFINED);
            on_message(data);
        });
        Ok(Channel { channel, _listener: listener })
    }

    /// Posts a message object built from `pairs` (a failure, e.g. a closed channel, is ignored).
    /// What posts on it: a cheap JS reference, to post with no borrow of the channel's
    /// owner held (`postMessage` is a call into JS).
    pub fn poster(&self) -> Poster {
        Poster(self.channel.clone())
    }
}

/// Posts on a [`Channel`] (see [`Channel::poster`]).
pub struct Poster(BroadcastChannel);

impl Poster {
    /// Posts one message: an object of `pairs`.
    pub fn post(&self, pairs: &[(&str, &JsValue)]) {
        let _ = self.0.post_message(&js::object(pairs));
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.channel.close();
    }
}

/// A message's string field.
pub fn text(message: &JsValue, key: &str) -> Option<String> {
    Reflect::get(message, &JsValue::from_str(key)).ok()?.as_string()
}

/// A message's field as it is.
pub fn field(message: &JsValue, key: &str) -> JsValue {
    Reflect::get(message, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Whether this page is visible (`document.visibilityState`; `false` where it cannot be read).
pub fn page_visible() -> bool {
    let document = global("document");
    Reflect::get(&document, &JsValue::from_str("visibilityState")).ok().and_then(|v| v.as_string()).as_deref() == Some("visible")
}
