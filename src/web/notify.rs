//! Desktop notifications through the browser's Notification API.
//!
//! Laravel notifications (`channel.notification(cb)`) and events the app marks with
//! `listen(event, cb, { desktop: true })` become `new Notification(title, {body, icon, tag,
//! data})` when the `desktopNotifications` option enables it. Only plain strings are passed
//! on (the API renders text, never HTML). Clicking focuses the window, calls `onClick` and
//! closes the notification. Nothing here ever throws into the app: a missing API, an insecure
//! context, a denied permission or a throwing constructor becomes a [`Skip`] the client
//! records as a diagnostic, and the event still reaches its listeners.
//!
//! Page APIs are read through getters imported with `catch`, so that a browser without
//! `Notification` (or a page that replaced it) cannot trap; what a notification shows is
//! [`super::notify_spec`]'s.
//! The checks, `map`, the constructor and `onClick` are all JS (a page may replace
//! `Notification`): they run through free functions the client calls with no borrow held;
//! [`Desktop`] only keeps the config and the shown notifications.

use std::collections::VecDeque;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::notify_spec::Spec;
use crate::error::code;

/// How many shown notifications keep their click handler (older ones lose it).
const KEEP_CLICK_HANDLERS: usize = 32;

/// The `desktopNotifications` option.
#[derive(Clone, Debug, Default)]
pub struct DesktopConfig {
    /// Show desktop notifications at all.
    pub enabled: bool,
    /// Only while the page is hidden (`when: 'hidden'`, the default) or always.
    pub only_when_hidden: bool,
    /// `map(payload, {channel, event}) -> {title, body, icon, tag, data} | null`.
    pub map: Option<Function>,
    /// `onClick(payload)`.
    pub on_click: Option<Function>,
}

/// Why a notification was not shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    /// The page is visible and `when` is `hidden`.
    Visible,
    /// `map` returned null.
    Unmapped,
    /// Permission is `default` or `denied` (code `notifications_denied` for denied).
    NoPermission(&'static str),
    /// No Notification API or not a secure context.
    Unsupported(&'static str),
    /// `map` or the constructor threw.
    Failed(String),
}

impl Skip {
    /// The diagnostic (code, message) worth recording, if any.
    pub fn diagnostic(&self) -> Option<(&'static str, String)> {
        match self {
            Skip::Visible | Skip::Unmapped => None,
            Skip::NoPermission("denied") => Some((
                code::NOTIFICATIONS_DENIED,
                "Desktop notifications are blocked for this site; the user must re-enable them in the browser's site settings.".into(),
            )),
            Skip::NoPermission(_) => Some((
                code::NOTIFICATIONS_DENIED,
                "Desktop notification permission was not granted yet: call echo.notifications.requestPermission() from a click (e.g. the bell).".into(),
            )),
            Skip::Unsupported(why) => Some((code::NOTIFICATIONS_UNSUPPORTED, format!("Desktop notifications are unavailable: {why}. Events are still delivered."))),
            Skip::Failed(why) => Some((code::NOTIFICATION_FAILED, format!("Showing a desktop notification failed: {why}. Events are still delivered."))),
        }
    }
}

#[wasm_bindgen]
extern "C" {
    /// The global object, for the page APIs read here (a page may replace or remove them, or
    /// define them as throwing getters: every getter is imported with `catch`).
    type Global;
    #[wasm_bindgen(method, getter, structural, js_name = Notification, catch)]
    fn notification(this: &Global) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, js_name = isSecureContext, catch)]
    fn is_secure_context(this: &Global) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn navigator(this: &Global) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn document(this: &Global) -> Result<JsValue, JsValue>;
    /// `navigator`, `navigator.userActivation`, `document` or the `Notification` constructor:
    /// the one field read from each.
    type PageObject;
    #[wasm_bindgen(method, getter, structural, js_name = userActivation, catch)]
    fn user_activation(this: &PageObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, js_name = isActive, catch)]
    fn is_active(this: &PageObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, js_name = visibilityState, catch)]
    fn visibility_state(this: &PageObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn permission(this: &PageObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, js_name = requestPermission, catch)]
    fn request_permission(this: &PageObject) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn close(this: &PageObject) -> Result<JsValue, JsValue>;
}

fn global() -> Global {
    js_sys::global().unchecked_into()
}

/// `getter(target)` when `target` is an object or function, else `undefined`.
fn read(target: &JsValue, getter: fn(&PageObject) -> Result<JsValue, JsValue>) -> JsValue {
    if !target.is_object() && !target.is_function() {
        return JsValue::UNDEFINED;
    }
    getter(target.unchecked_ref()).unwrap_or(JsValue::UNDEFINED)
}

/// The `Notification` constructor, or why there is none.
fn constructor() -> Result<Function, &'static str> {
    let ctor = global().notification().unwrap_or(JsValue::UNDEFINED);
    let Some(ctor) = ctor.dyn_ref::<Function>() else {
        return Err("this browser has no Notification API");
    };
    if global().is_secure_context().ok().and_then(|v| v.as_bool()) == Some(false) {
        return Err("the page is not a secure context (HTTPS is needed in production; localhost is exempt)");
    }
    Ok(ctor.clone())
}

/// `'default' | 'granted' | 'denied' | 'unsupported'`.
pub fn permission() -> &'static str {
    match constructor() {
        Err(_) => "unsupported",
        Ok(ctor) => match read(&ctor, PageObject::permission).as_string().as_deref() {
            Some("granted") => "granted",
            Some("denied") => "denied",
            Some(_) => "default",
            None => "unsupported",
        },
    }
}

/// Why notifications cannot be used here, if they cannot.
pub fn unsupported_reason() -> Option<&'static str> {
    constructor().err()
}

/// Whether the page currently has a user gesture (`navigator.userActivation.isActive`);
/// `None` where the browser does not say.
pub fn has_user_gesture() -> Option<bool> {
    let navigator = global().navigator().unwrap_or(JsValue::UNDEFINED);
    read(&read(&navigator, PageObject::user_activation), PageObject::is_active).as_bool()
}

/// `Notification.requestPermission()`'s promise.
pub fn request_permission() -> Result<js_sys::Promise, String> {
    let ctor = constructor().map_err(str::to_owned)?;
    let request = read(&ctor, PageObject::request_permission);
    let request = request.dyn_ref::<Function>().ok_or("Notification.requestPermission is missing")?;
    let result = request.call0(&ctor).map_err(|e| super::thrown::describe(&e))?;
    Ok(js_sys::Promise::resolve(&result))
}

/// A shown notification and its click handler (detached when this drops).
pub struct Shown {
    notification: JsValue,
    _on_click: Closure<dyn Fn()>,
}

impl Drop for Shown {
    fn drop(&mut self) {
        let _ = Reflect::set(&self.notification, &"onclick".into(), &JsValue::NULL);
    }
}

/// Shows desktop notifications for one Echo instance.
pub struct Desktop {
    config: DesktopConfig,
    shown: VecDeque<Shown>,
}

impl Desktop {
    /// A notifier with `config`.
    pub fn new(config: DesktopConfig) -> Self {
        Desktop { config, shown: VecDeque::new() }
    }

    /// Whether desktop notifications are on.
    pub fn enabled(&self) -> bool {
        self.config.enabled
    }

    /// A copy of the config (the client uses it with no borrow held).
    pub fn config(&self) -> DesktopConfig {
        self.config.clone()
    }

    /// Every kept notification (to drop after the borrow ends: their click handlers detach).
    pub fn take_shown(&mut self) -> VecDeque<Shown> {
        std::mem::take(&mut self.shown)
    }

    /// Keeps `shown` (its click handler lives as long); returns the oldest one when
    /// [`KEEP_CLICK_HANDLERS`] are kept already, for the caller to drop after its borrow.
    pub fn keep(&mut self, shown: Shown) -> Option<Shown> {
        let evicted = if self.shown.len() >= KEEP_CLICK_HANDLERS { self.shown.pop_front() } else { None };
        self.shown.push_back(shown);
        evicted
    }
}

/// Checks everything but the mapping: visibility, API, permission.
pub fn precheck(config: &DesktopConfig) -> Result<Function, Skip> {
    if config.only_when_hidden {
        let document = global().document().unwrap_or(JsValue::UNDEFINED);
        let state = read(&document, PageObject::visibility_state);
        if state.as_string().as_deref() == Some("visible") {
            return Err(Skip::Visible);
        }
    }
    let ctor = constructor().map_err(Skip::Unsupported)?;
    match read(&ctor, PageObject::permission).as_string().as_deref() {
        Some("granted") => Ok(ctor),
        Some("denied") => Err(Skip::NoPermission("denied")),
        _ => Err(Skip::NoPermission("default")),
    }
}

/// Shows `spec` for `payload` with constructor `ctor`.
/// A click calls `on_click(payload)`; what it throws goes to `on_click_threw`.
pub fn show(ctor: &Function, spec: &Spec, payload: &JsValue, on_click: Option<Function>, on_click_threw: impl Fn(&JsValue) + 'static) -> Result<Shown, Skip> {
    let (title, options) = spec.constructor_args();
    let notification = Reflect::construct(ctor, &Array::of2(&title, &options)).map_err(|e| Skip::Failed(super::thrown::describe(&e)))?;
    let target = notification.clone();
    let payload = payload.clone();
    // `Fn`, not `FnMut`: `onClick` may click the notification again (re-entrant call).
    let handler = Closure::<dyn Fn()>::new(move || {
        if let Some(window) = web_sys::window() {
            let _ = window.focus();
        }
        if let Some(on_click) = &on_click {
            if let Err(thrown) = on_click.call1(&JsValue::UNDEFINED, &payload) {
                on_click_threw(&thrown);
            }
        }
        if let Some(close) = read(&target, PageObject::close).dyn_ref::<Function>() {
            let _ = close.call0(&target);
        }
    });
    let _ = Reflect::set(&notification, &"onclick".into(), handler.as_ref());
    Ok(Shown { notification, _on_click: handler })
}
