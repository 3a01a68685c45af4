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

/// A JS function from source (test code only).
pub fn js(args: &str, body: &str) -> Function {
    Function::new_with_args(args, body)
}

/// Parses JSON written in a test.
pub fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or_else(|e| panic!("bad test JSON {text}: {e:?}"))
}

/// A name unique to this page load and call, e.g. `unique("web.socket")` = `web.socket.k3x9a2`.
pub fn unique(prefix: &str) -> String {
    thread_local!(static COUNTER: std::cell::Cell<u32> = const { std::cell::Cell::new(0) });
    let n = COUNTER.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let salt = (js_sys::Math::random() * 1e9) as u64;
    format!("{prefix}.r{salt}n{n}")
}

/// A client as JS sees it (a `JsValue` whose methods are called by name), with `options(extra)`.
pub fn client(extra: &[(&str, JsValue)]) -> JsValue {
    echo_wasm::api::Echo::new(options(extra)).expect("valid options").into()
}

/// GETs a JSON answer from the backend (expects 200).
pub async fn get_json(path: &str) -> JsValue {
    let window = web_sys::window().expect("window");
    let fetch: Function = Reflect::get(&window, &"fetch".into()).expect("fetch").unchecked_into();
    let promise: Promise = fetch.call1(&window, &format!("{}{path}", backend()).into()).expect("fetch call").unchecked_into();
    let response = JsFuture::from(promise).await.expect("fetch");
    assert_eq!(field(&response, "status").as_f64(), Some(200.0), "GET {path} failed");
    let text: Promise = call(&response, "json", &[]).unchecked_into();
    JsFuture::from(text).await.expect("json body")
}

/// A JS array as a Vec.
pub fn items(array: &JsValue) -> Vec<JsValue> {
    if Array::is_array(array) {
        Array::from(array).to_vec()
    } else {
        Vec::new()
    }
}

/// What the backend received at `/broadcasting/auth` (and user-auth) for `channel`, oldest first.
pub async fn auth_log(channel: &str) -> Vec<JsValue> {
    items(&get_json("/test/auth-log").await).into_iter().filter(|e| field(e, "channel").as_string().as_deref() == Some(channel)).collect()
}

/// Sets a backend auth fault on `channel` for `times` requests (`ms` for `slow`).
pub async fn fault(channel: &str, fault: &str, times: u32, ms: Option<u32>) {
    let ms = ms.map(|ms| format!(r#","ms":{ms}"#)).unwrap_or_default();
    post("/test/fault", &format!(r#"{{"channel":"{channel}","fault":"{fault}","times":{times}{ms}}}"#)).await;
}

/// Removes any backend auth fault on `channel`.
pub async fn clear_fault(channel: &str) {
    post("/test/fault", &format!(r#"{{"channel":"{channel}","fault":"none"}}"#)).await;
}

/// Sockudo's view of one channel (`{occupied, ...}`), through the backend.
pub async fn channel_info(name: &str) -> JsValue {
    get_json(&format!("/test/channel/{name}")).await
}

/// Polls the async `cond` every 50 ms for up to `ms`; panics with `what` on timeout.
pub async fn poll<F, Fut>(what: &str, ms: i32, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut waited = 0;
    while !cond().await {
        assert!(waited < ms, "timed out after {ms} ms waiting for {what}");
        sleep(50).await;
        waited += 50;
    }
}

/// Options pointing at the backend's scripted WebSocket endpoint (`/test/ws/<tag>/<script>`,
/// see www/server/server.mjs); `extra` entries override.
pub fn scripted(tag: &str, script: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let port: u16 = backend().rsplit(':').next().and_then(|p| p.trim_end_matches('/').parse().ok()).expect("backend port");
    let mut all: Vec<(&str, JsValue)> = vec![("wsPort", port.into())];
    let path = format!("/test/ws/{tag}/{script}");
    all.push(("wsPath", path.into()));
    all.extend(extra.iter().cloned());
    options(&all)
}

/// The scripted endpoint's log for `tag`: `{at, conn, type: 'open'|'frame'|'close', event, code}`.
pub async fn ws_log(tag: &str) -> Vec<JsValue> {
    items(&get_json(&format!("/test/ws-log?tag={tag}")).await)
}

/// How many entries of `log` have `type == kind` (and `event == event` when given).
pub fn count(log: &[JsValue], kind: &str, event: Option<&str>) -> usize {
    log.iter()
        .filter(|e| field(e, "type").as_string().as_deref() == Some(kind))
        .filter(|e| event.is_none() || field(e, "event").as_string().as_deref() == event)
        .count()
}

/// Waits until the scripted endpoint has logged at least `n` entries of `kind` (`event`) for `tag`.
pub async fn wait_ws(tag: &str, n: usize, kind: &str, event: Option<&str>, ms: i32) -> Vec<JsValue> {
    let what = format!("{n} x {kind} {event:?} at the scripted server ({tag})");
    let mut waited = 0;
    loop {
        let last = ws_log(tag).await;
        if count(&last, kind, event) >= n {
            return last;
        }
        assert!(waited < ms, "timed out after {ms} ms waiting for {what}; log: {:?}", last.iter().map(|e| js_sys::JSON::stringify(e).ok()).collect::<Vec<_>>());
        sleep(50).await;
        waited += 50;
    }
}

/// The `reconnect` option `{firstMs, baseMs, maxMs}`.
pub fn backoff(first: u32, base: u32, max: u32) -> JsValue {
    json(&format!(r#"{{"firstMs":{first},"baseMs":{base},"maxMs":{max}}}"#))
}

/// Codes of the connection errors the recorder of `connector.onError` saw.
pub fn codes(log: &Rc<RefCell<Vec<JsValue>>>) -> Vec<String> {
    log.borrow().iter().filter_map(|e| field(e, "code").as_string()).collect()
}

/// Codes in `diagnose().lastErrors`.
pub fn diagnosed_codes(echo: &JsValue) -> Vec<String> {
    items(&field(&call(echo, "diagnose", &[]), "lastErrors")).iter().filter_map(|e| field(e, "code").as_string()).collect()
}

/// Awaits a promise returned by the client.
pub async fn settle(promise: JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(Promise::resolve(&promise)).await
}

/// Dispatches a plain `Event` named `name` on `window` (or `document`).
pub fn dispatch(on_document: bool, name: &str) {
    let window = web_sys::window().expect("window");
    let event = web_sys::Event::new(name).expect("event");
    if on_document {
        window.document().expect("document").dispatch_event(&event).expect("dispatch");
    } else {
        window.dispatch_event(&event).expect("dispatch");
    }
}

/// A client of the scripted endpoint (see [`scripted`]), as JS sees it.
pub fn client_scripted(tag: &str, script: &str, extra: &[(&str, JsValue)]) -> JsValue {
    echo_wasm::api::Echo::new(scripted(tag, script, extra)).expect("valid options").into()
}

/// Destroys the client when the test ends (pass or fail), so it stops reconnecting.
pub struct Guard(pub JsValue);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = try_call(&self.0, "destroy", &[]);
    }
}

/// `echo.connectionStatus()`.
pub fn status(echo: &JsValue) -> String {
    call(echo, "connectionStatus", &[]).as_string().unwrap_or_default()
}

/// Records `connector.onError` on `echo`; keep the closure alive.
pub fn errors_of(echo: &JsValue) -> (Rc<RefCell<Vec<JsValue>>>, Closure<dyn FnMut(JsValue)>) {
    let (on_error, errors, keep) = recorder_value();
    call(&field(echo, "connector"), "onError", &[on_error]);
    (errors, keep)
}
