//! Browser tests of the JS-facing API (`src/api/`): options read from `new Echo(options)`,
//! channel handles (leave, stopListening, namespaces, presence, whisper, encrypted channels),
//! `echo.connector` and `diagnose()`, against the real Sockudo and backend; Sockudo's own view
//! (occupancy, presence users, through the backend) is checked where it has one.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

mod web_support;
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);

fn as_user(id: u32, extra: &[(&str, JsValue)]) -> Guard {
    let mut all = vec![("bearerToken", JsValue::from(format!("token-user-{id}")))];
    all.extend(extra.iter().cloned());
    Guard(client(&all))
}

async fn occupied(name: &str) -> Option<bool> {
    field(&channel_info(name).await, "occupied").as_bool()
}

#[wasm_bindgen_test]
async fn invalid_options_throw_a_config_error_that_names_the_option() {
    let error = echo_wasm::api::Echo::new(options(&[("wsPort", 70_000.into())])).err().expect("refused");
    assert_eq!(field(&error, "name").as_string().as_deref(), Some("EchoError"));
    assert_eq!(field(&error, "code").as_string().as_deref(), Some("config"));
    assert!(field(&error, "message").as_string().unwrap_or_default().contains("wsPort"));
    let error = echo_wasm::api::Echo::new(options(&[("broadcaster", "socket.io".into())])).err().expect("refused");
    assert_eq!(field(&error, "code").as_string().as_deref(), Some("config"));
    // A throwing getter on an option is refused with that option's name...
    let throwing = options(&[]);
    js("o", "Object.defineProperty(o, 'authEndpoint', { get() { throw new Error('nope'); }, enumerable: true })").call1(&JsValue::NULL, &throwing).expect("define");
    let error = echo_wasm::api::Echo::new(throwing).err().expect("refused");
    assert_eq!(field(&error, "code").as_string().as_deref(), Some("config"));
    assert!(field(&error, "message").as_string().unwrap_or_default().contains("`authEndpoint`"), "{:?}", field(&error, "message"));
    // ...and one on a key that is no option is never read (laravel-echo passes app objects along).
    let unrelated = options(&[]);
    js("o", "Object.defineProperty(o, 'appState', { get() { throw new Error('not an option'); }, enumerable: true })").call1(&JsValue::NULL, &unrelated).expect("define");
    let echo = Guard(echo_wasm::api::Echo::new(unrelated).map(JsValue::from).expect("an unrelated throwing key is not read"));
    drop(echo);
    // Vite hands ports over as strings: accepted, and the client connects with it.
    let echo = Guard(client(&[("wsPort", ws_port().to_string().into())]));
    wait_until("connected with a string port", 10_000, || status(&echo.0) == "connected").await;
}

#[wasm_bindgen_test]
async fn leave_channel_unsubscribes_at_the_server() {
    let echo = Guard(client(&[]));
    let name = unique("api.leave");
    let channel = call(&echo.0, "channel", &[name.as_str().into()]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    poll("Sockudo sees the channel occupied", 5_000, || async { occupied(&name).await == Some(true) }).await;
    call(&echo.0, "leaveChannel", &[name.as_str().into()]);
    assert_eq!(state(&channel), "unsubscribed");
    poll("Sockudo sees the channel empty", 5_000, || async { occupied(&name).await == Some(false) }).await;
    assert!(items(&field(&call(&echo.0, "diagnose", &[]), "channels")).is_empty());
}

#[wasm_bindgen_test]
async fn stop_listening_removes_only_that_listener() {
    let echo = Guard(client(&[]));
    let name = unique("api.stop");
    let channel = call(&echo.0, "channel", &[name.as_str().into()]);
    let (kept, kept_log, _k1) = recorder_value();
    let (removed, removed_log, _k2) = recorder_value();
    call(&channel, "listen", &[".ping".into(), kept]);
    call(&channel, "listen", &[".ping".into(), removed.clone()]);
    call(&channel, "stopListening", &[".ping".into(), removed]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    trigger(&name, "ping").await;
    wait_until("the kept listener", 5_000, || kept_log.borrow().len() == 1).await;
    assert!(removed_log.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn event_names_get_the_namespace_unless_they_start_with_a_dot() {
    // laravel-echo's formatter: `OrderShipped` is `App\Events\OrderShipped` on the wire.
    let echo = Guard(client(&[]));
    let name = unique("api.namespace");
    let channel = call(&echo.0, "channel", &[name.as_str().into()]);
    let (namespaced, namespaced_log, _k1) = recorder_value();
    let (raw, raw_log, _k2) = recorder_value();
    call(&channel, "listen", &["OrderShipped".into(), namespaced]);
    call(&channel, "listen", &[".OrderShipped".into(), raw]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    trigger(&name, r"App\\Events\\OrderShipped").await;
    trigger(&name, "OrderShipped").await;
    wait_until("both events", 5_000, || namespaced_log.borrow().len() == 1 && raw_log.borrow().len() == 1).await;
    sleep(200).await;
    assert_eq!((namespaced_log.borrow().len(), raw_log.borrow().len()), (1, 1), "each listener got only its own event");
}

#[wasm_bindgen_test]
async fn presence_members_join_and_leave_across_two_clients() {
    let room = unique("tenant.1.room");
    let full = format!("presence-{room}");
    let ada = as_user(1, &[]);
    let here_ada = call(&ada.0, "join", &[room.as_str().into()]);
    let (joining, joined, _k1) = recorder_value();
    let (leaving, left, _k2) = recorder_value();
    call(&here_ada, "joining", &[joining]);
    call(&here_ada, "leaving", &[leaving]);
    wait_until("ada subscribed", 10_000, || state(&here_ada) == "subscribed").await;
    let grace = as_user(2, &[]);
    let (here, here_log, _k3) = recorder_value();
    let here_grace = call(&grace.0, "join", &[room.as_str().into()]);
    call(&here_grace, "here", &[here]);
    wait_until("grace's here()", 10_000, || !here_log.borrow().is_empty()).await;
    let ids: Vec<f64> = items(&here_log.borrow()[0]).iter().filter_map(|m| field(m, "id").as_f64()).collect();
    assert_eq!(ids.len(), 2, "here() lists both members: {ids:?}");
    wait_until("ada sees grace join", 5_000, || joined.borrow().len() == 1).await;
    assert_eq!(field(&joined.borrow()[0], "name").as_string().as_deref(), Some("Grace Hopper"));
    let users = get_json(&format!("/test/channel/{full}/users")).await;
    assert_eq!(items(&field(&users, "users")).len(), 2, "Sockudo has both members");
    call(&grace.0, "leave", &[room.as_str().into()]);
    wait_until("ada sees grace leave", 5_000, || left.borrow().len() == 1).await;
    assert_eq!(field(&left.borrow()[0], "id").as_f64(), Some(2.0));
}

#[wasm_bindgen_test]
async fn a_whisper_reaches_another_client_through_the_server() {
    let name = unique("tenant.1.whisper");
    let ada = as_user(1, &[]);
    let grace = as_user(2, &[]);
    let sender = call(&ada.0, "private", &[name.as_str().into()]);
    let receiver = call(&grace.0, "private", &[name.as_str().into()]);
    let (cb, got, _keep) = recorder_value();
    call(&receiver, "listenForWhisper", &["typing".into(), cb]);
    wait_until("both subscribed", 10_000, || state(&sender) == "subscribed" && state(&receiver) == "subscribed").await;
    call(&sender, "whisper", &["typing".into(), json(r#"{"who":"ada"}"#)]);
    wait_until("the whisper", 5_000, || got.borrow().len() == 1).await;
    assert_eq!(field(&got.borrow()[0], "who").as_string().as_deref(), Some("ada"));
}

#[wasm_bindgen_test]
async fn an_encrypted_channel_decrypts_what_the_backend_sent() {
    let name = unique("tenant.1.secret");
    let echo = as_user(1, &[]);
    let channel = call(&echo.0, "encryptedPrivate", &[name.as_str().into()]);
    let (cb, got, _keep) = recorder_value();
    call(&channel, "listen", &[".sealed".into(), cb]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    trigger(&format!("private-encrypted-{name}"), "sealed").await;
    wait_until("the decrypted event", 5_000, || got.borrow().len() == 1).await;
    assert_eq!(field(&got.borrow()[0], "n").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
async fn listen_to_user_receives_what_the_server_sends_to_the_signed_in_user() {
    let echo = as_user(1, &[("userAuthentication", json(&format!(r#"{{"endpoint":"{}/broadcasting/user-auth"}}"#, backend())))]);
    let connector = field(&echo.0, "connector");
    let (cb, got, _keep) = recorder_value();
    let (on_signin, signed, _keep2) = recorder_value();
    call(&connector, "listenToUser", &["direct".into(), cb]);
    call(&connector, "onSignin", &[on_signin]);
    call(&connector, "signin", &[]);
    wait_until("signed in", 10_000, || !signed.borrow().is_empty()).await;
    post("/test/send-to-user", r#"{"user_id":1,"event":"direct","data":{"n":7}}"#).await;
    wait_until("the user event", 5_000, || !got.borrow().is_empty()).await;
    assert_eq!(field(&got.borrow()[0], "n").as_f64(), Some(7.0));
}

#[wasm_bindgen_test]
async fn on_state_change_reports_the_pusher_states_in_order() {
    let echo = Guard(client(&[]));
    let (cb, changes, _keep) = recorder_value();
    call(&field(&echo.0, "connector"), "onStateChange", &[cb]);
    wait_until("connected", 10_000, || status(&echo.0) == "connected").await;
    call(&echo.0, "disconnect", &[]);
    let seen: Vec<String> = changes.borrow().iter().filter_map(|c| field(c, "current").as_string()).collect();
    assert_eq!(seen.last().map(String::as_str), Some("disconnected"));
    assert!(seen.iter().position(|s| s == "connected") < seen.iter().position(|s| s == "disconnected"), "{seen:?}");
    let first = &changes.borrow()[0];
    assert!(field(first, "previous").as_string().is_some(), "each change has a previous state");
}

#[wasm_bindgen_test]
async fn diagnose_describes_the_live_client_and_then_the_destroyed_one() {
    let echo = client(&[]);
    let name = unique("api.diagnose");
    let channel = call(&echo, "channel", &[name.as_str().into()]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    let live = call(&echo, "diagnose", &[]);
    assert_eq!(field(&live, "status").as_string().as_deref(), Some("connected"));
    assert_eq!(field(&live, "socketId").as_string(), call(&echo, "socketId", &[]).as_string());
    assert!(field(&live, "url").as_string().unwrap_or_default().contains(key()));
    let channels = items(&field(&live, "channels"));
    assert_eq!(channels.len(), 1);
    assert_eq!(field(&channels[0], "name").as_string(), Some(name.clone()));
    assert_eq!(field(&channels[0], "state").as_string().as_deref(), Some("subscribed"));
    call(&echo, "destroy", &[]);
    let gone = call(&echo, "diagnose", &[]);
    assert_eq!(field(&gone, "destroyed").as_bool(), Some(true));
    assert_eq!(field(&gone, "status").as_string().as_deref(), Some("disconnected"));
    let error = try_call(&echo, "channel", &["api.after".into()]).expect_err("a destroyed Echo refuses");
    assert_eq!(field(&error, "code").as_string().as_deref(), Some("echo_destroyed"));
}
