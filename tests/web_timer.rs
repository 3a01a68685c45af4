//! Browser tests of the client's timer (`src/web/event_loop.rs`): the engine's next deadline is armed and re-armed on
//! the page's clock (activity pings, pong timeout, reconnect backoff), and cancelled when the
//! client is destroyed or disconnected. The backend's scripted WebSocket endpoint logs what
//! arrives, so the server's view is the assertion.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

mod web_support;
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn the_server_activity_timeout_rearms_pings_and_the_connection_stays_up() {
    // The server says activity_timeout 1 s: the client pings every second it hears nothing
    // else, the server answers, and the same socket stays.
    let tag = unique("timer.live");
    let echo = Guard(client_scripted(&tag, "live-1", &[]));
    wait_until("connected", 5_000, || status(&echo.0) == "connected").await;
    let id = call(&echo.0, "socketId", &[]).as_string();
    let log = wait_ws(&tag, 3, "frame", Some("pusher:ping"), 8_000).await;
    assert_eq!((count(&log, "open", None), count(&log, "close", None)), (1, 0), "one socket, still open");
    assert_eq!(call(&echo.0, "socketId", &[]).as_string(), id);
    assert!(diagnosed_codes(&echo.0).is_empty(), "{:?}", diagnosed_codes(&echo.0));
}

#[wasm_bindgen_test]
async fn a_client_activity_timeout_shorter_than_the_server_one_wins() {
    let tag = unique("timer.client");
    let echo = Guard(client_scripted(&tag, "live-120", &[("activityTimeout", 400.into())]));
    wait_until("connected", 5_000, || status(&echo.0) == "connected").await;
    let log = wait_ws(&tag, 2, "frame", Some("pusher:ping"), 5_000).await;
    let pings: Vec<f64> = log.iter().filter(|e| field(e, "event").as_string().as_deref() == Some("pusher:ping")).filter_map(|e| field(e, "at").as_f64()).collect();
    let gap = pings[1] - pings[0];
    assert!((250.0..3_000.0).contains(&gap), "pings {gap} ms apart, activityTimeout is 400 ms (server: 120 s)");
    assert_eq!(count(&log, "close", None), 0);
}

#[wasm_bindgen_test]
async fn a_silent_server_is_replaced_after_the_pong_timeout() {
    let tag = unique("timer.mute");
    let echo = Guard(client_scripted(&tag, "mute-1", &[("pongTimeout", 300.into())]));
    let (errors, _keep) = errors_of(&echo.0);
    let log = wait_ws(&tag, 2, "open", None, 8_000).await;
    let close = log.iter().find(|e| field(e, "type").as_string().as_deref() == Some("close")).expect("the first socket closed");
    assert_eq!(field(close, "code").as_f64(), Some(4201.0), "the client closed with 4201 (pong not received)");
    assert!(count(&log, "frame", Some("pusher:ping")) >= 1, "it pinged first");
    assert!(codes(&errors).iter().any(|c| c == "pong_timeout"), "{:?}", codes(&errors));
}

#[wasm_bindgen_test]
async fn destroy_cancels_a_pending_reconnect() {
    // 4100: the retry is armed at least 600 ms out; destroy() in between must disarm it.
    let tag = unique("timer.destroy");
    let echo = client_scripted(&tag, "close-4100", &[("reconnect", backoff(10, 600, 600))]);
    wait_ws(&tag, 1, "close", None, 5_000).await;
    wait_until("waiting to reconnect", 2_000, || status(&echo) == "connecting" || status(&echo) == "reconnecting").await;
    call(&echo, "destroy", &[]);
    sleep(1_500).await;
    assert_eq!(count(&ws_log(&tag).await, "open", None), 1, "no reconnect attempt reached the server after destroy()");
}

#[wasm_bindgen_test]
async fn disconnect_cancels_pings_and_reconnects_until_connect() {
    let tag = unique("timer.disconnect");
    let echo = Guard(client_scripted(&tag, "live-1", &[("reconnect", backoff(10, 10, 10))]));
    wait_until("connected", 5_000, || status(&echo.0) == "connected").await;
    call(&echo.0, "disconnect", &[]);
    let closed = wait_ws(&tag, 1, "close", None, 3_000).await;
    let pings_then = count(&closed, "frame", Some("pusher:ping"));
    sleep(1_500).await;
    let log = ws_log(&tag).await;
    assert_eq!(count(&log, "open", None), 1, "no reconnect after disconnect()");
    assert_eq!(count(&log, "frame", Some("pusher:ping")), pings_then, "no ping after disconnect()");
    call(&echo.0, "connect", &[]);
    let log = wait_ws(&tag, 2, "open", None, 3_000).await;
    assert_eq!(count(&log, "open", None), 2);
    wait_ws(&tag, pings_then + 1, "frame", Some("pusher:ping"), 5_000).await;
}
