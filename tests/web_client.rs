//! Browser tests of the client (`src/web/client.rs` and its loop) through the Rust facade, against the harness's real Sockudo
//! and test backend (Chromium and Firefox via `wasm-pack test`; run by scripts/test, which
//! bakes the ECHO_TEST_* addresses in at compile time).
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use echo_wasm::api::Echo;
use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod web_support;
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);


#[wasm_bindgen_test]
async fn connects_receives_and_survives_a_throwing_listener() {
    let echo = Echo::new(options(&[])).expect("valid options");
    wait_until("connected", 10_000, || echo.connection_status() == "connected").await;
    let id = echo.socket_id().expect("socket id");
    assert!(id.split_once('.').is_some_and(|(a, b)| a.parse::<u64>().is_ok() && b.parse::<u64>().is_ok()), "{id}");

    let thrower = Function::new_no_args("throw new Error('listener bug')");
    let (cb, log, _keep) = recorder();
    let (on_error, errors, _keep2) = recorder();
    let _off = echo.connector().on_error(on_error);
    let channel = echo.channel("client.events").expect("channel");
    call(&channel, "listen", &[".ping".into(), thrower.into()]);
    call(&channel, "listen", &[".ping".into(), cb.into()]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    post("/test/trigger", r#"{"channel":"client.events","event":"ping","data":{"n":1}}"#).await;
    wait_until("event", 10_000, || log.borrow().len() == 1).await;
    assert_eq!(field(&log.borrow()[0], "n").as_f64(), Some(1.0));
    assert_eq!(errors.borrow().len(), 1, "the throwing listener is reported");
    assert_eq!(field(&errors.borrow()[0], "code").as_string().as_deref(), Some("listener_threw"));
    echo.destroy();
}

#[wasm_bindgen_test]
async fn a_listener_may_leave_the_channel_while_being_dispatched() {
    let echo = Rc::new(Echo::new(options(&[])).expect("valid options"));
    let calls = Rc::new(RefCell::new(0));
    let (echo2, calls2) = (echo.clone(), calls.clone());
    let leave = Closure::<dyn FnMut(JsValue)>::new(move |_| {
        *calls2.borrow_mut() += 1;
        echo2.leave("client.reentrant");
    });
    let channel = echo.channel("client.reentrant").expect("channel");
    call(&channel, "listen", &[".go".into(), leave.as_ref().clone()]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    post("/test/trigger", r#"{"channel":"client.reentrant","event":"go","data":{}}"#).await;
    wait_until("callback", 10_000, || *calls.borrow() == 1).await;
    assert_eq!(state(&channel), "unsubscribed");
    post("/test/trigger", r#"{"channel":"client.reentrant","event":"go","data":{}}"#).await;
    sleep(300).await;
    assert_eq!(*calls.borrow(), 1, "nothing after leaving");
    echo.destroy();
}

#[wasm_bindgen_test]
async fn disconnect_stops_and_connect_resubscribes() {
    let echo = Echo::new(options(&[])).expect("valid options");
    let (status_cb, statuses, _keep) = recorder();
    let off = echo.connector().on_connection_change(status_cb).expect("onConnectionChange");
    let (cb, log, _keep2) = recorder();
    let channel = echo.channel("client.resub").expect("channel");
    call(&channel, "listen", &[".tick".into(), cb.into()]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    echo.disconnect();
    assert_eq!(echo.connection_status(), "disconnected");
    assert_eq!(echo.socket_id(), None);
    sleep(1_500).await;
    assert_eq!(echo.connection_status(), "disconnected", "no reconnect after disconnect()");
    echo.connect().expect("connect");
    wait_until("resubscribed", 10_000, || state(&channel) == "subscribed").await;
    post("/test/trigger", r#"{"channel":"client.resub","event":"tick","data":{}}"#).await;
    wait_until("event after reconnect", 10_000, || log.borrow().len() == 1).await;
    let seen: Vec<String> = statuses.borrow().iter().filter_map(|s| s.as_string()).collect();
    assert_eq!(seen, ["connected", "disconnected", "connecting", "connected"].map(String::from).to_vec(), "an explicit connect() is not a reconnect");
    off.dyn_ref::<Function>().expect("undo function").call0(&JsValue::NULL).expect("undo");
    echo.disconnect();
    assert_eq!(statuses.borrow().len(), 4, "the undo function removed the listener");
    echo.destroy();
}

#[wasm_bindgen_test]
async fn an_unknown_app_key_is_diagnosed_with_the_fix() {
    // Sockudo accepts the WebSocket for an unknown key, then drops it before the handshake.
    // Chromium reports the open, then the close (`handshake_closed`); Firefox reports only a
    // failed connection (`server_unreachable`), whose message names the key check too.
    let echo = Echo::new(options(&[("key", "no-such-key".into()), ("unavailableTimeout", 1_000.into())])).expect("valid options");
    let (on_error, errors, _keep) = recorder();
    let _off = echo.connector().on_error(on_error);
    wait_until("an error", 10_000, || !errors.borrow().is_empty()).await;
    let error = errors.borrow()[0].clone();
    let code = field(&error, "code").as_string().unwrap_or_default();
    assert!(code == "handshake_closed" || code == "server_unreachable", "{code}");
    let message = field(&error, "message").as_string().unwrap_or_default();
    assert!(message.contains("no-such-key") && message.contains("VITE_REVERB_APP_KEY"), "{message}");
    wait_until("status failed (never connected, unavailable)", 10_000, || echo.connection_status() == "failed").await;
    echo.destroy();
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_reported_and_retried() {
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    let echo = Echo::new(options(&[("wsPort", 9.into()), ("reconnect", js_sys::JSON::parse(r#"{"baseMs":100,"maxMs":200}"#).expect("json"))])).expect("valid options");
    let (on_error, errors, _keep) = recorder();
    let _off = echo.connector().on_error(on_error);
    wait_until("two failed attempts", 10_000, || errors.borrow().len() >= 2).await;
    let error = errors.borrow()[0].clone();
    assert_eq!(field(&error, "code").as_string().as_deref(), Some("server_unreachable"));
    assert!(field(&error, "message").as_string().unwrap_or_default().contains("127.0.0.1:9"));
    assert_eq!(echo.connection_status(), "connecting");
    echo.destroy();
}
