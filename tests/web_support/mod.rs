//! Shared helpers of the browser test binaries (`tests/web_*.rs`): the harness addresses baked
//! in at compile time by scripts/test, client options pointing at the harness, JS calls as an
//! app makes them, recording callbacks, and polling with a bound.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

const MISSING: &str = "ECHO_TEST_* were not set at compile time: run through scripts/test";

/// Sockudo's port in the harness.
pub fn ws_port() -> u16 {
    option_env!("ECHO_TEST_WS_PORT").expect(MISSING).parse().expect("port")
}

/// The test backend's base URL.
pub fn backend() -> &'static str {
    option_env!("ECHO_TEST_BACKEND_URL").expect(MISSING)
}

/// The harness app key.
pub fn key() -> &'static str {
    option_env!("ECHO_TEST_APP_KEY").expect(MISSING)
}

/// `object[key] = value`.
pub fn set(object: &impl AsRef<JsValue>, key: &str, value: JsValue) {
    Reflect::set(object.as_ref(), &key.into(), &value).expect("set");
}

/// `value[key]`, or `undefined`.
pub fn field(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Options pointing at the harness (public and private channels of user 1); `extra`
/// entries override.
pub fn options(extra: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    set(&o, "broadcaster", "reverb".into());
    set(&o, "key", key().into());
    set(&o, "wsHost", "127.0.0.1".into());
    set(&o, "wsPort", ws_port().into());
    set(&o, "forceTLS", false.into());
    set(&o, "authEndpoint", format!("{}/broadcasting/auth", backend()).into());
    for (k, v) in extra {
        set(&o, k, v.clone());
    }
    o.into()
}

/// Calls `obj.method(...args)` as JS code would; returns what it threw as `Err`.
pub fn try_call(obj: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(obj, &method.into()).expect("method").unchecked_into();
    f.apply(obj, &args.iter().collect::<Array>())
}

/// Calls `obj.method(...args)`; panics with what it threw.
pub fn call(obj: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    try_call(obj, method, args).unwrap_or_else(|e| panic!("{method} threw {e:?}"))
}

/// A channel handle's `subscriptionState`.
pub fn state(channel: &JsValue) -> String {
    field(channel, "subscriptionState").as_string().unwrap_or_default()
}

/// A recording JS callback: every call's first argument is pushed to the returned log. Keep
/// the closure alive while the callback may run.
pub fn recorder() -> (Function, Rc<RefCell<Vec<JsValue>>>, Closure<dyn FnMut(JsValue)>) {
    let log: Rc<RefCell<Vec<JsValue>>> = Rc::default();
    let sink = log.clone();
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| sink.borrow_mut().push(v));
    let function: Function = closure.as_ref().clone().unchecked_into();
    (function, log, closure)
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        web_sys::window().expect("window").set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).expect("timeout");
    });
    JsFuture::from(promise).await.expect("sleep");
}

/// Polls `cond` every 20 ms for up to `ms`; panics with `what` on timeout.
pub async fn wait_until(what: &str, ms: i32, cond: impl Fn() -> bool) {
    let mut waited = 0;
    while !cond() {
        assert!(waited < ms, "timed out after {ms} ms waiting for {what}");
        sleep(20).await;
        waited += 20;
    }
}

/// POSTs a JSON body to the backend's test API and expects 200.
pub async fn post(path: &str, body: &str) {
    let init = Object::new();
    set(&init, "method", "POST".into());
    let headers = Object::new();
    set(&headers, "Content-Type", "application/json".into());
    set(&init, "headers", headers.into());
    set(&init, "body", body.into());
    let window = web_sys::window().expect("window");
    let fetch: Function = Reflect::get(&window, &"fetch".into()).expect("fetch").unchecked_into();
    let promise: Promise = fetch.call2(&window, &format!("{}{path}", backend()).into(), &init).expect("fetch call").unchecked_into();
    let response = JsFuture::from(promise).await.expect("fetch");
    assert_eq!(field(&response, "status").as_f64(), Some(200.0), "POST {path} failed");
}

/// Publishes `event` with `{"n":1}` on `channel` through the backend.
pub async fn trigger(channel: &str, event: &str) {
    post("/test/trigger", &format!(r#"{{"channel":"{channel}","event":"{event}","data":{{"n":1}}}}"#)).await;
}

/// [`recorder`] with the callback as a plain `JsValue` (for argument lists).
pub fn recorder_value() -> (JsValue, Rc<RefCell<Vec<JsValue>>>, Closure<dyn FnMut(JsValue)>) {
    let (function, log, closure) = recorder();
    (function.into(), log, closure)
}
