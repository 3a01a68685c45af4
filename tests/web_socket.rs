//! Browser tests of the socket owner (`src/web/socket.rs` and the client's socket effects in `src/web/effects.rs`):
//! open, frames both ways, what each close code leads to, and that a dropped or destroyed
//! client is detached. Against the backend's scripted WebSocket endpoint (close codes and odd
//! frames Sockudo does not produce on demand; its log is what the server saw) and the real
//! Sockudo (channel occupancy through the backend).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

mod web_support;
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);

fn at(entry: &JsValue) -> f64 {
    field(entry, "at").as_f64().unwrap_or_default()
}

/// The log entries of `kind` in order.
fn of(log: &[JsValue], kind: &str) -> Vec<JsValue> {
    log.iter().filter(|e| field(e, "type").as_string().as_deref() == Some(kind)).cloned().collect()
}

#[wasm_bindgen_test]
async fn opens_one_socket_whose_handshake_gives_the_socket_id() {
    let tag = unique("sock.open");
    let echo = Guard(client_scripted(&tag, "live-120", &[]));
    wait_until("connected", 5_000, || status(&echo.0) == "connected").await;
    let log = wait_ws(&tag, 1, "open", None, 3_000).await;
    assert_eq!(count(&log, "open", None), 1, "one socket");
    let conn = field(&log[0], "conn").as_f64().expect("conn") as u64;
    assert_eq!(call(&echo.0, "socketId", &[]).as_string(), Some(format!("{conn}.{conn}")), "the id the server handed out");
    let url = field(&call(&echo.0, "diagnose", &[]), "url").as_string().unwrap_or_default();
    assert!(url.starts_with("ws://127.0.0.1:") && url.contains(&format!("/test/ws/{tag}/live-120/app/{}", key())) && url.contains("protocol=7"), "{url}");
}

#[wasm_bindgen_test]
async fn answers_a_server_ping_with_a_pong_the_server_receives() {
    let tag = unique("sock.ping");
    let echo = Guard(client_scripted(&tag, "ping", &[]));
    let log = wait_ws(&tag, 1, "frame", Some("pusher:pong"), 5_000).await;
    assert_eq!(count(&log, "open", None), 1);
    assert_eq!(status(&echo.0), "connected");
}

#[wasm_bindgen_test]
async fn close_4200_reconnects_at_once_without_waiting_the_backoff() {
    let tag = unique("sock.4200");
    let _echo = Guard(client_scripted(&tag, "close-4200", &[("reconnect", backoff(20_000, 20_000, 20_000))]));
    let log = wait_ws(&tag, 2, "open", None, 5_000).await;
    let (closes, opens) = (of(&log, "close"), of(&log, "open"));
    assert_eq!(field(&closes[0], "code").as_f64(), Some(4200.0));
    let gap = at(&opens[1]) - at(&closes[0]);
    assert!(gap < 2_000.0, "4200 asked for an immediate reconnect, the server waited {gap} ms (backoff is 20 s)");
}

#[wasm_bindgen_test]
async fn close_4100_backs_off_at_least_the_base_delay() {
    let tag = unique("sock.4100");
    let _echo = Guard(client_scripted(&tag, "close-4100", &[("reconnect", backoff(10, 800, 800))]));
    let log = wait_ws(&tag, 2, "open", None, 6_000).await;
    let gap = at(&of(&log, "open")[1]) - at(&of(&log, "close")[0]);
    assert!(gap >= 700.0, "4100 means back off at least baseMs (800), the server saw the retry after {gap} ms");
}

#[wasm_bindgen_test]
async fn close_4001_is_a_refusal_and_is_not_retried() {
    let tag = unique("sock.4001");
    let echo = Guard(client_scripted(&tag, "close-4001", &[("reconnect", backoff(10, 10, 10))]));
    let connector = field(&echo.0, "connector");
    let (on_error, errors, _keep) = recorder_value();
    call(&connector, "onError", &[on_error]);
    wait_until("status failed", 5_000, || status(&echo.0) == "failed").await;
    assert_eq!(codes(&errors), ["app_key_unknown"]);
    // A retry would come within ~10 ms (the backoff): give it 50 times that.
    sleep(500).await;
    let log = ws_log(&tag).await;
    assert_eq!(count(&log, "open", None), 1, "no reconnect after a refusal");
    assert_eq!(status(&echo.0), "failed");
    // connect() is the way out, and the server sees it.
    call(&echo.0, "connect", &[]);
    wait_ws(&tag, 2, "open", None, 3_000).await;
}

#[wasm_bindgen_test]
async fn close_4000_switches_to_tls() {
    let tag = unique("sock.4000");
    let echo = Guard(client_scripted(&tag, "close-4000", &[("reconnect", backoff(10, 10, 10))]));
    let connector = field(&echo.0, "connector");
    let (on_error, errors, _keep) = recorder_value();
    call(&connector, "onError", &[on_error]);
    wait_until("tls_required reported", 5_000, || codes(&errors).iter().any(|c| c == "tls_required")).await;
    wait_until("the next attempt is wss", 5_000, || field(&call(&echo.0, "diagnose", &[]), "url").as_string().unwrap_or_default().starts_with("wss://")).await;
    assert_eq!(count(&ws_log(&tag).await, "open", None), 1, "the plain-ws endpoint saw one socket");
}

#[wasm_bindgen_test]
async fn a_binary_frame_is_reported_and_the_socket_stays_open() {
    let tag = unique("sock.binary");
    let echo = Guard(client_scripted(&tag, "binary", &[]));
    let connector = field(&echo.0, "connector");
    let (on_error, errors, _keep) = recorder_value();
    call(&connector, "onError", &[on_error]);
    wait_until("bad_frame", 5_000, || codes(&errors).iter().any(|c| c == "bad_frame")).await;
    let log = ws_log(&tag).await;
    assert_eq!((count(&log, "open", None), count(&log, "close", None)), (1, 0), "same socket, still open");
    assert_eq!(status(&echo.0), "connected");
}

#[wasm_bindgen_test]
async fn a_frame_that_is_not_json_is_reported_and_the_socket_stays_open() {
    let tag = unique("sock.garbage");
    let echo = Guard(client_scripted(&tag, "garbage", &[]));
    wait_until("bad_frame in diagnose", 5_000, || diagnosed_codes(&echo.0).iter().any(|c| c == "bad_frame")).await;
    let log = ws_log(&tag).await;
    assert_eq!((count(&log, "open", None), count(&log, "close", None)), (1, 0));
    assert_eq!(status(&echo.0), "connected");
}

#[wasm_bindgen_test]
async fn destroy_closes_the_socket_and_no_new_connection_follows() {
    let tag = unique("sock.destroy");
    let echo = client_scripted(&tag, "live-120", &[("reconnect", backoff(10, 10, 10))]);
    wait_until("connected", 5_000, || status(&echo) == "connected").await;
    call(&echo, "destroy", &[]);
    let log = wait_ws(&tag, 1, "close", None, 3_000).await;
    assert_eq!(status(&echo), "disconnected");
    sleep(500).await;
    assert_eq!(count(&ws_log(&tag).await, "open", None), 1, "a destroyed client opens nothing (its retry would take 10 ms)");
    assert_eq!(count(&log, "open", None), 1);
}

#[wasm_bindgen_test]
async fn destroy_detaches_the_client_from_sockudo_and_later_events_reach_no_listener() {
    let name = unique("sock.detach");
    let echo = client(&[]);
    let channel = call(&echo, "channel", &[name.as_str().into()]);
    let (cb, got, _keep) = recorder_value();
    call(&channel, "listen", &[".ping".into(), cb]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    poll("Sockudo sees the channel occupied", 5_000, || async { field(&channel_info(&name).await, "occupied").as_bool() == Some(true) }).await;
    call(&echo, "destroy", &[]);
    poll("Sockudo sees the channel empty", 5_000, || async { field(&channel_info(&name).await, "occupied").as_bool() == Some(false) }).await;
    // Control: a live client on the same channel does get the event.
    let control = Guard(client(&[]));
    let control_channel = call(&control.0, "channel", &[name.as_str().into()]);
    let (control_cb, control_got, _keep_control) = recorder_value();
    call(&control_channel, "listen", &[".ping".into(), control_cb]);
    wait_until("the control subscribed", 10_000, || state(&control_channel) == "subscribed").await;
    trigger(&name, "ping").await;
    wait_until("the control got the event", 5_000, || control_got.borrow().len() == 1).await;
    assert!(got.borrow().is_empty(), "no listener after destroy()");
    assert_eq!(state(&channel), "unsubscribed");
}
