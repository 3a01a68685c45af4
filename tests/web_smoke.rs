//! Browser smoke tests against the harness (Sockudo + www/server), independent of the crate's
//! own client: they prove the harness, CORS and the browser toolchain work end to end.
//! Run with `scripts/test` (or `scripts/harness run -- wasm-pack test --headless --chrome`):
//! the ECHO_TEST_* addresses are read at compile time.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{CloseEvent, MessageEvent, Response, WebSocket};

wasm_bindgen_test_configure!(run_in_browser);

const TIMEOUT_MS: i32 = 10_000;

/// Harness addresses baked in at compile time (see scripts/harness and target/harness.env).
struct Env {
    ws_host: &'static str,
    ws_port: &'static str,
    backend: &'static str,
    key: &'static str,
}

fn env() -> Env {
    const MISSING: &str = "ECHO_TEST_* env vars were not set at compile time: run the browser \
                           tests through scripts/test or `scripts/harness run -- wasm-pack test ...`";
    Env {
        ws_host: option_env!("ECHO_TEST_WS_HOST").expect(MISSING),
        ws_port: option_env!("ECHO_TEST_WS_PORT").expect(MISSING),
        backend: option_env!("ECHO_TEST_BACKEND_URL").expect(MISSING),
        key: option_env!("ECHO_TEST_APP_KEY").expect(MISSING),
    }
}

/// A promise resolving to `value` after `ms` milliseconds (the page's own `setTimeout`: no
/// Rust closure to own or leak).
fn delay(ms: i32, value: JsValue) -> Promise {
    Function::new_with_args("ms, value", "return new Promise((resolve) => setTimeout(() => resolve(value), ms));")
        .call2(&JsValue::NULL, &ms.into(), &value)
        .expect("setTimeout")
        .unchecked_into()
}

/// Await `p`, failing with `what` if it takes longer than TIMEOUT_MS.
async fn with_timeout(p: Promise, what: &str) -> JsValue {
    let marker = JsValue::from_str("__echo_test_timeout__");
    let raced = Promise::race(&js_sys::Array::of2(&p, &delay(TIMEOUT_MS, marker.clone())));
    let v = JsFuture::from(raced).await.unwrap_or_else(|e| panic!("{what} failed: {e:?}"));
    assert!(v != marker, "timed out after {TIMEOUT_MS} ms: {what}");
    v
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A raw Pusher protocol connection: inbound frames are queued as parsed JS objects, with a
/// double-encoded `data` string decoded in place. A close is queued as `{event: "__close__"}`.
struct Conn {
    ws: WebSocket,
    queue: Rc<RefCell<VecDeque<JsValue>>>,
    wake: Rc<RefCell<Option<Function>>>,
    _handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

impl Conn {
    fn open(url: &str) -> Conn {
        let ws = WebSocket::new(url).unwrap_or_else(|e| panic!("WebSocket::new({url}): {e:?}"));
        let queue: Rc<RefCell<VecDeque<JsValue>>> = Rc::default();
        let wake: Rc<RefCell<Option<Function>>> = Rc::default();
        let push = {
            let (queue, wake) = (queue.clone(), wake.clone());
            move |frame: JsValue| {
                queue.borrow_mut().push_back(frame);
                if let Some(f) = wake.borrow_mut().take() {
                    let _ = f.call0(&JsValue::NULL);
                }
            }
        };
        let on_message = {
            let push = push.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                let text = ev.unchecked_into::<MessageEvent>().data().as_string().unwrap_or_default();
                let frame = JSON::parse(&text).unwrap_or_else(|_| panic!("frame is not JSON: {text}"));
                if let Some(inner) = get(&frame, "data").as_string() {
                    if let Ok(parsed) = JSON::parse(&inner) {
                        Reflect::set(&frame, &"data".into(), &parsed).unwrap();
                    }
                }
                push(frame);
            })
        };
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            let code = ev.unchecked_into::<CloseEvent>().code();
            let frame = Object::new();
            Reflect::set(&frame, &"event".into(), &"__close__".into()).unwrap();
            Reflect::set(&frame, &"code".into(), &code.into()).unwrap();
            push(frame.into());
        });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Conn { ws, queue, wake, _handlers: vec![on_message, on_close] }
    }

    /// Next inbound frame, or a panic after TIMEOUT_MS.
    async fn next(&self, what: &str) -> JsValue {
        if let Some(f) = self.queue.borrow_mut().pop_front() {
            return f;
        }
        let wake = self.wake.clone();
        let arrived = Promise::new(&mut |resolve, _| *wake.borrow_mut() = Some(resolve));
        with_timeout(arrived, what).await;
        self.queue.borrow_mut().pop_front().expect("woken without a frame")
    }

    /// Skip frames until one with `event` in `events` arrives; return it.
    async fn next_event(&self, events: &[&str]) -> JsValue {
        let what = format!("waiting for {events:?}");
        loop {
            let frame = self.next(&what).await;
            let event = get(&frame, "event").as_string().unwrap_or_default();
            assert!(event != "__close__", "socket closed while {what}: {:?}", JSON::stringify(&frame));
            if events.contains(&event.as_str()) {
                return frame;
            }
        }
    }

    /// Connect to Sockudo and return (connection, socket id).
    async fn connect() -> (Conn, String) {
        let e = env();
        let url = format!(
            "ws://{}:{}/app/{}?protocol=7&client=js&version=8.6.0&flash=false",
            e.ws_host, e.ws_port, e.key
        );
        let conn = Conn::open(&url);
        let est = conn.next_event(&["pusher:connection_established"]).await;
        let socket_id = get(&get(&est, "data"), "socket_id").as_string().expect("socket_id string");
        (conn, socket_id)
    }

    fn send(&self, event: &str, data: &JsValue) {
        let frame = Object::new();
        Reflect::set(&frame, &"event".into(), &event.into()).unwrap();
        Reflect::set(&frame, &"data".into(), data).unwrap();
        self.ws.send_with_str(&String::from(JSON::stringify(&frame).unwrap())).unwrap();
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

/// `^\d+\.\d+$` without a regex crate.
fn is_socket_id(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    matches!(s.split_once('.'), Some((a, b)) if digits(a) && digits(b))
}

/// POST form-encoded to the backend like pusher-js does; returns (status, parsed JSON body).
async fn post_form(path: &str, form: &[(&str, &str)], bearer: &str) -> (u16, JsValue) {
    // Encoded by hand: UrlSearchParams is not an enabled web-sys feature.
    let encoded: Vec<String> = form
        .iter()
        .map(|(k, v)| format!("{}={}", js_sys::encode_uri_component(k), js_sys::encode_uri_component(v)))
        .collect();
    let headers = Object::new();
    Reflect::set(&headers, &"Content-Type".into(), &"application/x-www-form-urlencoded".into()).unwrap();
    Reflect::set(&headers, &"Authorization".into(), &format!("Bearer {bearer}").into()).unwrap();
    let init = Object::new();
    Reflect::set(&init, &"method".into(), &"POST".into()).unwrap();
    Reflect::set(&init, &"headers".into(), &headers).unwrap();
    Reflect::set(&init, &"body".into(), &encoded.join("&").into()).unwrap();
    let window = web_sys::window().unwrap();
    let fetch: Function = get(&window, "fetch").unchecked_into();
    let url = format!("{}{}", env().backend, path);
    let promise: Promise = fetch.call2(&window, &url.clone().into(), &init).unwrap().unchecked_into();
    let resp: Response = with_timeout(promise, &format!("POST {url}")).await.unchecked_into();
    let text = with_timeout(resp.text().unwrap(), "reading the response").await;
    let json = JSON::parse(&text.as_string().unwrap_or_default()).unwrap_or(text);
    (resp.status(), json)
}

/// Subscribe data `{channel, auth}` for a pusher:subscribe frame.
fn subscribe_data(channel: &str, auth: &JsValue) -> JsValue {
    let data = Object::new();
    Reflect::set(&data, &"channel".into(), &channel.into()).unwrap();
    Reflect::set(&data, &"auth".into(), auth).unwrap();
    data.into()
}

#[wasm_bindgen_test]
async fn connects_and_gets_a_socket_id() {
    let (_conn, socket_id) = Conn::connect().await;
    assert!(is_socket_id(&socket_id), "bad socket id {socket_id:?}");
    assert!(!is_socket_id("12") && !is_socket_id("1.") && !is_socket_id("a.1") && is_socket_id("12.34"));
}

#[wasm_bindgen_test]
async fn private_channel_auth_is_accepted_and_misuse_refused() {
    let (conn, socket_id) = Conn::connect().await;
    let channel = "private-App.Models.User.1";
    let (status, body) =
        post_form("/broadcasting/auth", &[("socket_id", &socket_id), ("channel_name", channel)], "token-user-1").await;
    assert_eq!(status, 200, "auth response: {:?}", JSON::stringify(&body));
    let auth = get(&body, "auth");
    assert!(auth.as_string().is_some_and(|a| a.starts_with("echo-test-key:")), "auth: {auth:?}");

    conn.send("pusher:subscribe", &subscribe_data(channel, &auth));
    let ok = conn.next_event(&["pusher_internal:subscription_succeeded", "pusher:subscription_error", "pusher:error"]).await;
    assert_eq!(get(&ok, "event").as_string().unwrap(), "pusher_internal:subscription_succeeded");
    assert_eq!(get(&ok, "channel").as_string().unwrap(), channel);

    // User 1's signature replayed for user 2's channel must be refused by Sockudo.
    conn.send("pusher:subscribe", &subscribe_data("private-App.Models.User.2", &auth));
    let refused = conn.next_event(&["pusher_internal:subscription_succeeded", "pusher:subscription_error", "pusher:error"]).await;
    let event = get(&refused, "event").as_string().unwrap();
    assert!(event != "pusher_internal:subscription_succeeded", "forged subscription accepted");

    // And the backend itself refuses user 1 for user 2's channel.
    let (status, _) =
        post_form("/broadcasting/auth", &[("socket_id", &socket_id), ("channel_name", "private-App.Models.User.2")], "token-user-1").await;
    assert_eq!(status, 403);
}
