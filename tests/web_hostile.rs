//! Browser tests of callbacks that misbehave (issue 12, items 1 and 2), against the harness's
//! real Sockudo and backend: a thrown value with no string form, app code (`toJSON`, getters,
//! a replaced `Notification`) calling back into the client while it works, a listener removed
//! by an earlier one during the same dispatch, undo functions and the authorizer's callback
//! called twice. Each would stop, trap or throw on the base commit d54155e.
#![cfg(target_arch = "wasm32")]

use echo_wasm::api::Echo;
use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod web_support;
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);


/// A JS function from source (test code only).
fn js(args: &str, body: &str) -> Function {
    Function::new_with_args(args, body)
}

/// The client as JS sees it (methods called through the JS object, as an app does), signed
/// in as user 1 for private channels.
fn client(extra: &[(&str, JsValue)]) -> JsValue {
    let options = options(extra);
    if field(&options, "bearerToken").is_undefined() {
        set(&options, "bearerToken", "token-user-1".into());
    }
    Echo::new(options).expect("valid options").into()
}

/// A fresh public channel gets acknowledged within 5 s (probed with its held handle).
async fn alive(echo: &JsValue, name: &str) {
    let _ = try_call(echo, "connect", &[]);
    let probe = call(echo, "channel", &[name.into()]);
    wait_until(&format!("a fresh channel {name} acknowledged (the client is alive)"), 5_000, || state(&probe) == "subscribed").await;
}

#[wasm_bindgen_test]
async fn a_listener_throwing_a_value_without_string_form_stops_nothing() {
    let echo = client(&[]);
    let connector = field(&echo, "connector");
    let (on_error, errors, _keep) = recorder_value();
    call(&connector, "onError", &[on_error]);
    let channel = call(&echo, "channel", &["hostile.nostring".into()]);
    let (cb, got, _keep2) = recorder_value();
    call(&channel, "listen", &[".ping".into(), js("", "throw Object.create(null)").into()]);
    let trap_all = js("", "throw new Proxy({}, new Proxy({}, { get: () => () => { throw new Error('trap') } }))");
    call(&channel, "listen", &[".ping".into(), trap_all.into()]);
    call(&channel, "listen", &[".ping".into(), cb]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    trigger("hostile.nostring", "ping").await;
    wait_until("the listener after the throwing ones", 5_000, || got.borrow().len() == 1).await;
    let codes: Vec<String> = errors.borrow().iter().filter_map(|e| field(e, "code").as_string()).collect();
    assert_eq!(codes, ["listener_threw", "listener_threw"], "both throws are reported");
    alive(&echo, "hostile.nostring.after").await;
    call(&echo, "destroy", &[]);
}

#[wasm_bindgen_test]
async fn a_listener_removed_by_an_earlier_one_is_not_called_in_the_same_dispatch() {
    let echo = client(&[]);
    let channel = call(&echo, "channel", &["hostile.removed".into()]);
    let (second, got, _keep) = recorder_value();
    let first = js("channel, second", "return () => { channel.stopListening('.ping', second); }").call2(&JsValue::NULL, &channel, &second).expect("make first");
    let (third, got_third, _keep2) = recorder_value();
    call(&channel, "listen", &[".ping".into(), first]);
    call(&channel, "listen", &[".ping".into(), second]);
    call(&channel, "listen", &[".ping".into(), third]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    trigger("hostile.removed", "ping").await;
    wait_until("the third listener", 5_000, || got_third.borrow().len() == 1).await;
    assert_eq!(got.borrow().len(), 0, "the listener removed during the dispatch did not run");
    call(&echo, "destroy", &[]);
}

#[wasm_bindgen_test]
async fn to_json_may_call_back_into_the_client_during_whisper() {
    let echo = client(&[]);
    let channel = call(&echo, "private", &["tenant.1.hostile-whisper".into()]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    let log = Array::new();
    let payload = js("echo, channel, log", "return { toJSON() { log.push(typeof echo.diagnose()); channel.listen('.x', () => {}); echo.leave('hostile.none'); return { n: 1 }; } }")
        .call3(&JsValue::NULL, &echo, &channel, &log)
        .expect("payload");
    let getter = js(
        "echo, log",
        "const o = {}; Object.defineProperty(o, 'n', { enumerable: true, get() { log.push(echo.connectionStatus()); return 2; } }); return o;",
    )
    .call2(&JsValue::NULL, &echo, &log)
    .expect("payload");
    try_call(&channel, "whisper", &["typing".into(), payload]).expect("whisper with a re-entrant toJSON");
    try_call(&channel, "whisper", &["typing".into(), getter]).expect("whisper with a re-entrant getter");
    assert_eq!(log.to_vec().iter().filter_map(JsValue::as_string).collect::<Vec<_>>(), ["object", "connected"], "the app code ran");
    let thrower = js("", "return { toJSON() { throw Object.create(null); } }").call0(&JsValue::NULL).expect("payload");
    let error = try_call(&channel, "whisper", &["typing".into(), thrower]).expect_err("not serializable");
    assert_eq!(field(&error, "name").as_string().as_deref(), Some("EchoError"));
    alive(&echo, "hostile.whisper.after").await;
    call(&echo, "destroy", &[]);
}

#[wasm_bindgen_test]
async fn desktop_map_spec_getters_and_notification_constructor_may_call_back_into_the_client() {
    let window: JsValue = web_sys::window().expect("window").into();
    let real = field(&window, "Notification");
    let shown = Array::new();
    let holder = Object::new();
    let fake = js(
        "shown, holder",
        "class N { constructor(title) { shown.push(title + ':' + typeof holder.echo.diagnose()); this.onclick = null; } close() {} }
         N.permission = 'granted'; N.requestPermission = () => Promise.resolve('granted'); return N;",
    )
    .call2(&JsValue::NULL, &shown, &holder)
    .expect("fake Notification");
    set(&window, "Notification", fake);
    let map = js(
        "holder",
        "return (payload) => { holder.echo.diagnose(); const spec = { body: 'b' };
           Object.defineProperty(spec, 'title', { enumerable: true, get() { holder.echo.diagnose(); return 'T'; } }); return spec; }",
    )
    .call1(&JsValue::NULL, &holder)
    .expect("map");
    let desktop: JsValue = Object::new().into();
    set(&desktop, "when", "always".into());
    set(&desktop, "map", map);
    let echo = client(&[("desktopNotifications", desktop)]);
    set(&holder, "echo", echo.clone());
    let channel = call(&echo, "channel", &["hostile.desktop".into()]);
    let (cb, got, _keep) = recorder_value();
    let opts: JsValue = Object::new().into();
    set(&opts, "desktop", true.into());
    call(&channel, "listen", &[".ping".into(), cb, opts]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    trigger("hostile.desktop", "ping").await;
    wait_until("the event", 5_000, || got.borrow().len() == 1).await;
    wait_until("the notification", 5_000, || shown.length() == 1).await;
    assert_eq!(shown.get(0).as_string().as_deref(), Some("T:object"));
    alive(&echo, "hostile.desktop.after").await;
    call(&echo, "destroy", &[]);
    set(&window, "Notification", real);
}

#[wasm_bindgen_test]
async fn undo_functions_may_be_called_twice_and_after_destroy() {
    let echo = client(&[]);
    let connector = field(&echo, "connector");
    let (cb, _log, _keep) = recorder_value();
    let off_error = call(&connector, "onError", &[cb.clone()]);
    let off_user = call(&connector, "listenToUser", &["ping".into(), cb.clone()]);
    let off_status = call(&connector, "onConnectionChange", &[cb]);
    let listeners = || field(&call(&echo, "diagnose", &[]), "listeners").as_f64();
    assert_eq!(listeners(), Some(3.0));
    for off in [&off_error, &off_user] {
        let off: &Function = off.dyn_ref().expect("an undo function");
        off.call0(&JsValue::NULL).expect("first call");
        off.call0(&JsValue::NULL).expect("a second call is a no-op, not an error");
    }
    assert_eq!(listeners(), Some(1.0), "each undo removed its own listener only");
    call(&echo, "destroy", &[]);
    let off_status: &Function = off_status.dyn_ref().expect("an undo function");
    off_status.call0(&JsValue::NULL).expect("after destroy");
    off_status.call0(&JsValue::NULL).expect("after destroy, again");
}

#[wasm_bindgen_test]
async fn a_custom_authorizer_may_call_its_callback_twice() {
    let report = Object::new();
    let authorizer = js(
        "endpoint, report",
        "return (channel) => ({ authorize(socketId, callback) {
            fetch(endpoint, { method: 'POST', headers: { Authorization: 'Bearer token-user-1', Accept: 'application/json' },
                              body: new URLSearchParams({ socket_id: socketId, channel_name: channel.name }) })
              .then((r) => r.json())
              .then((data) => {
                callback(null, data);
                try { callback(null, data); callback(new Error('late')); report.second = 'ok'; } catch (e) { report.second = String(e); }
              });
        } })",
    )
    .call2(&JsValue::NULL, &format!("{}/broadcasting/auth", backend()).into(), &report)
    .expect("authorizer");
    let echo = client(&[("authorizer", authorizer)]);
    let channel = call(&echo, "private", &["tenant.1.hostile-authorizer".into()]);
    wait_until("subscribed through the custom authorizer", 10_000, || state(&channel) == "subscribed").await;
    wait_until("the second callback call", 5_000, || !field(&report, "second").is_undefined()).await;
    assert_eq!(field(&report, "second").as_string().as_deref(), Some("ok"), "calling the callback again must not throw");
    alive(&echo, "hostile.authorizer.after").await;
    call(&echo, "destroy", &[]);
}
