//! Browser tests of the auth request (`src/web/auth.rs`): what the backend's
//! `/broadcasting/auth` receives (its auth log, `/test/auth-log`) for each way an app passes
//! credentials, and what a failed, slow or refused answer does to the channel. Credentials
//! appear in the log only as `sha256:` + 16 hex digits; the tests hash theirs the same way.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

mod web_support;
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The backend's redaction: `sha256:` + the first 16 hex digits of SHA-256.
async fn redacted(value: &str) -> String {
    let digest = js(
        "s",
        "return crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)).then((d) =>
           'sha256:' + [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('').slice(0, 16));",
    )
    .call1(&JsValue::NULL, &value.into())
    .expect("digest");
    settle(digest).await.expect("digest").as_string().expect("hex")
}

/// Subscribes `private-{name}` and waits for the backend to have logged `n` requests for it.
async fn subscribe(echo: &JsValue, name: &str, n: usize) -> (JsValue, Vec<JsValue>) {
    let channel = call(echo, "private", &[name.into()]);
    let full = format!("private-{name}");
    let mut log = Vec::new();
    let mut waited = 0;
    while log.len() < n {
        assert!(waited < 5_000, "the backend logged {} of {n} auth requests for {full}", log.len());
        sleep(50).await;
        waited += 50;
        log = auth_log(&full).await;
    }
    (channel, log)
}

fn header(entry: &JsValue, name: &str) -> Option<String> {
    field(&field(entry, "headers"), name).as_string()
}

fn with_bearer(extra: &[(&str, JsValue)]) -> JsValue {
    let mut all = vec![("bearerToken", JsValue::from("token-user-1"))];
    all.extend(extra.iter().cloned());
    client(&all)
}

/// `channel.error(cb)` recorded.
fn channel_errors(channel: &JsValue) -> (std::rc::Rc<std::cell::RefCell<Vec<JsValue>>>, Closure<dyn FnMut(JsValue)>) {
    let (cb, log, keep) = recorder_value();
    call(channel, "error", &[cb]);
    (log, keep)
}

#[wasm_bindgen_test]
async fn posts_a_form_body_with_the_socket_id_and_channel_name() {
    let echo = Guard(with_bearer(&[]));
    wait_until("connected", 10_000, || status(&echo.0) == "connected").await;
    let name = unique("tenant.1.auth-form");
    let (channel, log) = subscribe(&echo.0, &name, 1).await;
    wait_until("subscribed", 5_000, || state(&channel) == "subscribed").await;
    let entry = &log[0];
    assert_eq!(field(entry, "socket_id").as_string(), call(&echo.0, "socketId", &[]).as_string(), "socket_id in the form");
    assert_eq!(field(entry, "status").as_f64(), Some(200.0));
    assert_eq!(field(entry, "kind").as_string().as_deref(), Some("channel"));
    assert_eq!(header(entry, "content-type").as_deref(), Some("application/x-www-form-urlencoded"));
    assert_eq!(header(entry, "accept").as_deref(), Some("application/json"));
    assert_eq!(header(entry, "x-requested-with").as_deref(), Some("XMLHttpRequest"));
    assert_eq!(log.len(), 1, "one request");
}

#[wasm_bindgen_test]
async fn a_bearer_token_is_sent_as_authorization() {
    let echo = Guard(with_bearer(&[]));
    let (channel, log) = subscribe(&echo.0, &unique("tenant.1.auth-bearer"), 1).await;
    assert_eq!(header(&log[0], "authorization"), Some(format!("Bearer {}", redacted("token-user-1").await)));
    assert_eq!(field(&log[0], "auth_style").as_string().as_deref(), Some("bearer"));
    wait_until("subscribed", 5_000, || state(&channel) == "subscribed").await;
}

#[wasm_bindgen_test]
async fn the_csrf_token_option_is_sent_as_x_csrf_token() {
    let echo = Guard(with_bearer(&[("csrfToken", "csrf-from-option".into())]));
    let (_channel, log) = subscribe(&echo.0, &unique("tenant.1.auth-csrf-option"), 1).await;
    assert_eq!(header(&log[0], "x-csrf-token"), Some(redacted("csrf-from-option").await));
}

#[wasm_bindgen_test]
async fn the_csrf_token_comes_from_window_laravel_without_the_option() {
    let window: JsValue = web_sys::window().expect("window").into();
    let before = field(&window, "Laravel");
    let laravel = Object::new();
    set(&laravel, "csrfToken", "csrf-from-window-laravel".into());
    set(&window, "Laravel", laravel.into());
    let echo = Guard(with_bearer(&[]));
    let (_channel, log) = subscribe(&echo.0, &unique("tenant.1.auth-csrf-laravel"), 1).await;
    set(&window, "Laravel", before);
    assert_eq!(header(&log[0], "x-csrf-token"), Some(redacted("csrf-from-window-laravel").await));
}

#[wasm_bindgen_test]
async fn the_csrf_token_comes_from_the_meta_tag_read_on_every_request() {
    let document = web_sys::window().expect("window").document().expect("document");
    let meta = document.create_element("meta").expect("meta");
    meta.set_attribute("name", "csrf-token").expect("name");
    meta.set_attribute("content", "csrf-from-meta-1").expect("content");
    document.query_selector("head").expect("query").expect("head").append_child(&meta).expect("append");
    let echo = Guard(with_bearer(&[]));
    let (_first, first) = subscribe(&echo.0, &unique("tenant.1.auth-csrf-meta"), 1).await;
    meta.set_attribute("content", "csrf-from-meta-2").expect("content");
    let (_second, second) = subscribe(&echo.0, &unique("tenant.1.auth-csrf-meta"), 1).await;
    meta.remove();
    assert_eq!(header(&first[0], "x-csrf-token"), Some(redacted("csrf-from-meta-1").await));
    assert_eq!(header(&second[0], "x-csrf-token"), Some(redacted("csrf-from-meta-2").await), "a refreshed tag is picked up");
}

#[wasm_bindgen_test]
async fn the_csrf_option_wins_over_window_laravel_which_wins_over_the_meta_tag() {
    let window: JsValue = web_sys::window().expect("window").into();
    let document = web_sys::window().expect("window").document().expect("document");
    let before = field(&window, "Laravel");
    let laravel = Object::new();
    set(&laravel, "csrfToken", "csrf-laravel".into());
    set(&window, "Laravel", laravel.into());
    let meta = document.create_element("meta").expect("meta");
    meta.set_attribute("name", "csrf-token").expect("name");
    meta.set_attribute("content", "csrf-meta").expect("content");
    document.query_selector("head").expect("query").expect("head").append_child(&meta).expect("append");
    let with_option = Guard(with_bearer(&[("csrfToken", "csrf-option".into())]));
    let without = Guard(with_bearer(&[]));
    let (_a, a) = subscribe(&with_option.0, &unique("tenant.1.auth-csrf-order"), 1).await;
    let (_b, b) = subscribe(&without.0, &unique("tenant.1.auth-csrf-order"), 1).await;
    set(&window, "Laravel", before);
    let (_c, c) = subscribe(&without.0, &unique("tenant.1.auth-csrf-order"), 1).await;
    meta.remove();
    assert_eq!(header(&a[0], "x-csrf-token"), Some(redacted("csrf-option").await));
    assert_eq!(header(&b[0], "x-csrf-token"), Some(redacted("csrf-laravel").await));
    assert_eq!(header(&c[0], "x-csrf-token"), Some(redacted("csrf-meta").await));
}

#[wasm_bindgen_test]
async fn auth_headers_and_params_reach_the_backend() {
    let auth = json(r#"{"headers":{"X-Echo-Test":"from-auth-headers"},"params":{"team":"blue","n":3}}"#);
    let echo = Guard(with_bearer(&[("auth", auth)]));
    let (channel, log) = subscribe(&echo.0, &unique("tenant.1.auth-extra"), 1).await;
    assert_eq!(header(&log[0], "x-echo-test").as_deref(), Some("from-auth-headers"));
    let params = field(&log[0], "params");
    assert_eq!(field(&params, "team").as_string().as_deref(), Some("blue"));
    assert_eq!(field(&params, "n").as_string().as_deref(), Some("3"));
    wait_until("subscribed", 5_000, || state(&channel) == "subscribed").await;
}

#[wasm_bindgen_test]
async fn headers_provider_values_may_be_numbers_as_in_auth_headers() {
    // A numeric tenant id, as an ERP hands it over; an object value is left out.
    let provider = js("", "return () => ({ Authorization: 'Bearer token-user-1', 'X-Echo-Test': 7, 'X-Ignored': { no: 1 } });").call0(&JsValue::NULL).expect("provider");
    let echo = Guard(client(&[("headersProvider", provider)]));
    let (channel, log) = subscribe(&echo.0, &unique("tenant.1.auth-numeric-header"), 1).await;
    assert_eq!(header(&log[0], "x-echo-test").as_deref(), Some("7"));
    wait_until("subscribed", 5_000, || state(&channel) == "subscribed").await;
}

#[wasm_bindgen_test]
async fn a_401_asks_headers_provider_again_and_retries_once() {
    // The first call hands out an unknown token (the backend answers 401), the second a good one.
    let calls = Array::new();
    let provider = js("calls", "return () => { calls.push(1); return Promise.resolve({ Authorization: calls.length === 1 ? 'Bearer token-user-999' : 'Bearer token-user-1' }); }")
        .call1(&JsValue::NULL, &calls)
        .expect("provider");
    let echo = Guard(client(&[("headersProvider", provider)]));
    let (channel, log) = subscribe(&echo.0, &unique("tenant.1.auth-401"), 2).await;
    wait_until("subscribed after the retry", 5_000, || state(&channel) == "subscribed").await;
    let statuses: Vec<Option<f64>> = log.iter().map(|e| field(e, "status").as_f64()).collect();
    assert_eq!(statuses, [Some(401.0), Some(200.0)]);
    assert_eq!(header(&log[0], "authorization"), Some(format!("Bearer {}", redacted("token-user-999").await)));
    assert_eq!(header(&log[1], "authorization"), Some(format!("Bearer {}", redacted("token-user-1").await)));
    assert_eq!(calls.length(), 2, "headersProvider was asked again");
}

#[wasm_bindgen_test]
async fn a_419_retries_once_through_headers_provider() {
    let name = unique("tenant.1.auth-419");
    fault(&format!("private-{name}"), "419", 1, None).await;
    let provider = js("", "return () => ({ Authorization: 'Bearer token-user-1' })").call0(&JsValue::NULL).expect("provider");
    let echo = Guard(client(&[("headersProvider", provider)]));
    let (channel, log) = subscribe(&echo.0, &name, 2).await;
    clear_fault(&format!("private-{name}")).await;
    let seen: Vec<(Option<f64>, Option<String>)> = log.iter().map(|e| (field(e, "status").as_f64(), field(e, "fault").as_string())).collect();
    assert_eq!(seen, [(Some(419.0), Some("419".to_owned())), (Some(200.0), None)], "{:?}", log.iter().map(|e| js_sys::JSON::stringify(e).ok()).collect::<Vec<_>>());
    wait_until("subscribed after the retry", 5_000, || state(&channel) == "subscribed").await;
}

#[wasm_bindgen_test]
async fn without_headers_provider_a_401_is_final_and_reported() {
    let echo = Guard(client(&[]));
    let name = unique("tenant.1.auth-guest");
    let channel = call(&echo.0, "private", &[name.as_str().into()]);
    let (errors, _keep) = channel_errors(&channel);
    wait_until("the channel error", 5_000, || !errors.borrow().is_empty()).await;
    let error = errors.borrow()[0].clone();
    assert_eq!(field(&error, "code").as_string().as_deref(), Some("auth_unauthenticated"));
    assert_eq!(field(&error, "status").as_f64(), Some(401.0));
    let log = auth_log(&format!("private-{name}")).await;
    assert_eq!(log.len(), 1, "no retry without headersProvider");
    assert_eq!(field(&log[0], "auth_style").as_string().as_deref(), Some("none"));
    assert_eq!(state(&channel), "failed");
}

#[wasm_bindgen_test]
async fn the_auth_timeout_aborts_a_slow_request_and_a_retry_subscribes() {
    let name = unique("tenant.1.auth-slow");
    let full = format!("private-{name}");
    fault(&full, "slow", 1, Some(1_500)).await;
    // The page's fetch, wrapped to see the request's abort signal fire.
    let window: JsValue = web_sys::window().expect("window").into();
    let original = field(&window, "fetch");
    let aborted = js_sys::Array::new();
    let wrap = js("f, seen", "return (input, init) => { init?.signal?.addEventListener('abort', () => seen.push(String(input))); return f(input, init); }");
    set(&window, "fetch", wrap.call2(&JsValue::NULL, &original, &aborted).expect("wrap"));
    let echo = Guard(with_bearer(&[("authTimeout", 300.into())]));
    let channel = call(&echo.0, "private", &[name.as_str().into()]);
    let (errors, _keep) = channel_errors(&channel);
    wait_until("auth_timeout, long before the slow answer", 1_400, || !errors.borrow().is_empty()).await;
    assert_eq!(field(&errors.borrow()[0], "code").as_string().as_deref(), Some("auth_timeout"));
    // (The wrapper only records: left in place if this fails, it changes nothing else.)
    wait_until("the timed-out request's abort signal", 1_000, || aborted.length() >= 1).await;
    set(&window, "fetch", original);
    wait_until("subscribed through a retry", 10_000, || state(&channel) == "subscribed").await;
    poll("the backend's late answer to the aborted request", 5_000, || {
        let full = full.clone();
        async move { auth_log(&full).await.iter().any(|e| field(e, "fault").as_string().as_deref() == Some("slow")) }
    })
    .await;
    clear_fault(&full).await;
    let log = auth_log(&full).await;
    assert!(log.len() >= 2, "the aborted request and its retry both reached the backend");
    assert_eq!(field(&log[0], "fault").as_string(), None, "the retry was answered first, the slow one 1.5 s later");
}

#[wasm_bindgen_test]
async fn a_403_fails_the_channel_with_auth_forbidden() {
    let echo = Guard(with_bearer(&[]));
    let name = unique("tenant.2.auth-forbidden");
    let channel = call(&echo.0, "private", &[name.as_str().into()]);
    let (errors, _keep) = channel_errors(&channel);
    wait_until("the channel error", 5_000, || !errors.borrow().is_empty()).await;
    assert_eq!(field(&errors.borrow()[0], "code").as_string().as_deref(), Some("auth_forbidden"));
    let log = auth_log(&format!("private-{name}")).await;
    assert_eq!(log.iter().map(|e| field(e, "status").as_f64()).collect::<Vec<_>>(), [Some(403.0)]);
}

#[wasm_bindgen_test]
async fn an_html_login_page_is_an_invalid_response() {
    let name = unique("tenant.1.auth-html");
    let full = format!("private-{name}");
    fault(&full, "html", 1, None).await;
    let echo = Guard(with_bearer(&[]));
    let channel = call(&echo.0, "private", &[name.as_str().into()]);
    let (errors, _keep) = channel_errors(&channel);
    wait_until("the channel error", 5_000, || !errors.borrow().is_empty()).await;
    clear_fault(&full).await;
    assert_eq!(field(&errors.borrow()[0], "code").as_string().as_deref(), Some("auth_invalid_response"));
    assert_eq!(field(&auth_log(&full).await[0], "fault").as_string().as_deref(), Some("html"));
}

#[wasm_bindgen_test]
async fn signin_posts_the_socket_id_to_user_auth() {
    let echo = Guard(with_bearer(&[("userAuthentication", json(&format!(r#"{{"endpoint":"{}/broadcasting/user-auth"}}"#, backend())))]));
    let connector = field(&echo.0, "connector");
    let (on_signin, signed, _keep) = recorder_value();
    call(&connector, "onSignin", &[on_signin]);
    wait_until("connected", 10_000, || status(&echo.0) == "connected").await;
    call(&connector, "signin", &[]);
    wait_until("signed in", 5_000, || !signed.borrow().is_empty()).await;
    let socket_id = call(&echo.0, "socketId", &[]).as_string();
    let log = auth_log("#user-auth").await;
    let mine: Vec<&JsValue> = log.iter().filter(|e| field(e, "socket_id").as_string() == socket_id).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(field(mine[0], "kind").as_string().as_deref(), Some("user"));
    assert_eq!(field(&call(&echo.0, "diagnose", &[]), "signedInUser").as_string().as_deref(), Some("1"));
}
