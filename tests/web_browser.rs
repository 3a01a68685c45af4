//! Browser tests of the page signals (`src/web/browser.rs`): `online`, `offline`, `pageshow`,
//! `visibilitychange` and `resume`, dispatched on the page, wake a client that is waiting out
//! a long backoff (the scripted server sees the new socket at once) or make a connected one
//! check its connection (the server sees a ping). A destroyed client listens to none of them.
#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

mod web_support;
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A client closed with 4100 and now waiting 20 s to reconnect.
async fn waiting_client(tag: &str) -> Guard {
    let echo = Guard(client_scripted(tag, "close-4100", &[("reconnect", backoff(20_000, 20_000, 20_000))]));
    wait_ws(tag, 1, "close", None, 5_000).await;
    wait_until("waiting to reconnect", 2_000, || status(&echo.0) == "connecting" || status(&echo.0) == "reconnecting").await;
    echo
}

/// Overrides `document.visibilityState` (an own property shadowing the prototype's getter).
fn set_visibility(state: &str) {
    let document: JsValue = web_sys::window().expect("window").document().expect("document").into();
    let descriptor = Object::new();
    set(&descriptor, "value", state.into());
    set(&descriptor, "configurable", true.into());
    Reflect::define_property(&document.into(), &"visibilityState".into(), &descriptor).expect("defineProperty");
}

/// Removes the override: the browser's own `visibilityState` shows again.
fn restore_visibility() {
    let document: JsValue = web_sys::window().expect("window").document().expect("document").into();
    Reflect::delete_property(&document.into(), &"visibilityState".into()).expect("delete");
}

async fn wakes_on(tag: &str, on_document: bool, event: &str) {
    let _echo = waiting_client(tag).await;
    dispatch(on_document, event);
    let log = wait_ws(tag, 2, "open", None, 3_000).await;
    assert_eq!(count(&log, "open", None), 2, "{event} reconnected at once instead of after 20 s");
}

#[wasm_bindgen_test]
async fn online_reconnects_at_once_instead_of_waiting_the_backoff() {
    wakes_on(&unique("page.online"), false, "online").await;
}

#[wasm_bindgen_test]
async fn offline_wakes_a_waiting_client_too() {
    // `offline` is a wake-up (the network changed): a waiting client tries now.
    wakes_on(&unique("page.offline"), false, "offline").await;
}

#[wasm_bindgen_test]
async fn pageshow_reconnects_a_waiting_client() {
    wakes_on(&unique("page.pageshow"), false, "pageshow").await;
}

#[wasm_bindgen_test]
async fn resume_on_the_document_reconnects_a_waiting_client() {
    wakes_on(&unique("page.resume"), true, "resume").await;
}

#[wasm_bindgen_test]
async fn visibilitychange_to_visible_reconnects_but_to_hidden_does_not() {
    let tag = unique("page.visibility");
    let _echo = waiting_client(&tag).await;
    set_visibility("hidden");
    dispatch(true, "visibilitychange");
    sleep(500).await;
    let hidden_opens = count(&ws_log(&tag).await, "open", None);
    set_visibility("visible");
    dispatch(true, "visibilitychange");
    let log = wait_ws(&tag, 2, "open", None, 3_000).await;
    restore_visibility();
    assert_eq!(hidden_opens, 1, "becoming hidden is no reason to reconnect");
    assert_eq!(count(&log, "open", None), 2, "becoming visible reconnected at once");
}

#[wasm_bindgen_test]
async fn online_while_connected_sends_a_liveness_ping() {
    let tag = unique("page.ping");
    let echo = Guard(client_scripted(&tag, "live-120", &[]));
    wait_until("connected", 5_000, || status(&echo.0) == "connected").await;
    dispatch(false, "online");
    let log = wait_ws(&tag, 1, "frame", Some("pusher:ping"), 3_000).await;
    assert_eq!(count(&log, "open", None), 1, "the connection is checked, not replaced");
    assert_eq!(status(&echo.0), "connected");
}

#[wasm_bindgen_test]
async fn a_destroyed_client_ignores_page_signals() {
    let tag = unique("page.destroyed");
    let echo = waiting_client(&tag).await;
    call(&echo.0, "destroy", &[]);
    for (on_document, event) in [(false, "online"), (false, "pageshow"), (true, "resume")] {
        dispatch(on_document, event);
    }
    sleep(500).await;
    assert_eq!(count(&ws_log(&tag).await, "open", None), 1, "no socket after destroy()");
}
