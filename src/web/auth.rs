//! The auth request: `POST /broadcasting/auth` (and `/broadcasting/user-auth`) the Laravel
//! way, or through a custom `authorizer`.
//!
//! Form-encoded `socket_id` and `channel_name` (+ `auth.params`); headers `X-CSRF-TOKEN`
//! (option, else `window.Laravel.csrfToken`, else `<meta name="csrf-token">`),
//! `Authorization: Bearer`, `auth.headers`, then whatever `headersProvider()` resolves to;
//! `credentials: 'same-origin'`. A 401 or 419 asks `headersProvider` (and the CSRF sources)
//! again and retries once. The request is aborted after the auth timeout. The answer is
//! classified into an [`AuthOutcome`] the core understands; the core owns the timeout's
//! consequences and ignores late answers.
//!
//! The app's code here (`authorizer`, its callback, `headersProvider`, a replaced `fetch`)
//! may throw anything, answer twice or never: throws become [`AuthFailure`]s, the
//! authorizer's callback settles once (later calls are ignored, see [`super::callback`]),
//! and a promise that never settles is given up after the auth timeout, so the task ends.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestCredentials, RequestInit, Response};

use super::boundary;
use super::lenient::{Entries, FromJs, Lenient, Scalar};
use super::callback;
use super::auth_reply::{error_message, parse_channel_auth, parse_user_auth};
use super::payload::json_parse;
use super::thrown::{describe, is_abort};
use serde::Deserialize;
use crate::engine::{AuthOutcome, UserAuthOutcome};
use crate::error::AuthFailure;

/// Where and how to authorize.
#[derive(Clone, Debug, Default)]
pub struct AuthConfig {
    /// Channel authorization endpoint (`authEndpoint`, default `/broadcasting/auth`).
    pub endpoint: String,
    /// Extra form fields (`auth.params`).
    pub params: Vec<(String, String)>,
    /// Extra headers (`auth.headers`).
    pub headers: Vec<(String, String)>,
    /// User authentication endpoint (`userAuthentication.endpoint`).
    pub user_endpoint: String,
    /// Extra headers for user authentication (`userAuthentication.headers`).
    pub user_headers: Vec<(String, String)>,
    /// `csrfToken` option.
    pub csrf_token: Option<String>,
    /// `bearerToken` option.
    pub bearer_token: Option<String>,
    /// `headersProvider: async () => headers`.
    pub headers_provider: Option<Function>,
    /// Echo's custom `authorizer(channel, options) -> {authorize(socketId, cb)}`.
    pub authorizer: Option<Function>,
    /// The options object, passed to a custom authorizer as Echo does.
    pub options_object: JsValue,
    /// Abort the request after this long.
    pub timeout_ms: u32,
}

/// Authorizes `socket_id` for `channel`.
pub async fn authorize(config: &AuthConfig, socket_id: &str, channel: &str) -> AuthOutcome {
    if let Some(authorizer) = &config.authorizer {
        return match custom_authorize(authorizer, &config.options_object, socket_id, channel, config.timeout_ms).await {
            Ok(value) => parse_channel_auth(200, &value),
            Err(failure) => AuthOutcome::Failed(failure),
        };
    }
    let mut body = form(&[("socket_id", socket_id), ("channel_name", channel)]);
    for (key, value) in &config.params {
        body.push('&');
        body.push_str(&form(&[(key, value)]));
    }
    match post_with_retry(config, &config.endpoint, &config.headers, &body).await {
        Ok((status, value)) => parse_channel_auth(status, &value),
        Err(failure) => AuthOutcome::Failed(failure),
    }
}

/// Authenticates the user for `pusher:signin`.
pub async fn authenticate_user(config: &AuthConfig, socket_id: &str) -> UserAuthOutcome {
    let body = form(&[("socket_id", socket_id)]);
    match post_with_retry(config, &config.user_endpoint, &config.user_headers, &body).await {
        Ok((status, value)) => parse_user_auth(status, &value),
        Err(failure) => UserAuthOutcome::Failed(failure),
    }
}

/// `k=v&k=v`, percent-encoded.
fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", String::from(js_sys::encode_uri_component(k)), String::from(js_sys::encode_uri_component(v))))
        .collect::<Vec<_>>()
        .join("&")
}

/// POSTs, retrying once after a 401/419 with fresh headers.
async fn post_with_retry(config: &AuthConfig, endpoint: &str, extra: &[(String, String)], body: &str) -> Result<(u16, JsValue), AuthFailure> {
    let first = post(config, endpoint, extra, body).await;
    let retry = matches!(&first, Err(AuthFailure::Http { status: 401 | 419, .. })) && config.headers_provider.is_some();
    if retry {
        post(config, endpoint, extra, body).await
    } else {
        first
    }
}

async fn post(config: &AuthConfig, endpoint: &str, extra: &[(String, String)], body: &str) -> Result<(u16, JsValue), AuthFailure> {
    let window = web_sys::window().ok_or_else(|| AuthFailure::Network("no window".into()))?;
    let headers = Headers::new().map_err(|e| AuthFailure::Network(describe(&e)))?;
    let set = |name: &str, value: &str| headers.set(name, value).map_err(|e| AuthFailure::Network(format!("header {name}: {}", describe(&e))));
    set("Content-Type", "application/x-www-form-urlencoded")?;
    set("Accept", "application/json")?;
    set("X-Requested-With", "XMLHttpRequest")?;
    if let Some(token) = csrf_token(config) {
        set("X-CSRF-TOKEN", &token)?;
    }
    if let Some(token) = &config.bearer_token {
        set("Authorization", &format!("Bearer {token}"))?;
    }
    for (name, value) in extra {
        set(name, value)?;
    }
    if let Some(provider) = &config.headers_provider {
        for (name, value) in provided_headers(provider, config.timeout_ms).await? {
            set(&name, &value)?;
        }
    }
    let controller = AbortController::new().ok();
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    init.set_headers(&headers);
    init.set_credentials(RequestCredentials::SameOrigin);
    if let Some(controller) = &controller {
        init.set_signal(Some(&controller.signal()));
    }
    let abort = controller.map(|c| gloo_timers::callback::Timeout::new(config.timeout_ms, move || c.abort()));
    // `fetch` read from the page and called with `catch`: apps and tools wrap it.
    let page: &Page = window.unchecked_ref();
    let fetch = page.fetch().ok().and_then(|f| f.dyn_into::<Function>().ok());
    let Some(fetch) = fetch else { return Err(AuthFailure::Network("there is no fetch()".into())) };
    let request = fetch.call2(&window, &JsValue::from_str(endpoint), &init).map_err(|e| AuthFailure::Network(describe(&e)))?;
    let result = JsFuture::from(callback::within(&request, config.timeout_ms.saturating_add(1_000))).await;
    let response: Response = match result {
        Ok(r) if r.is_instance_of::<Response>() => r.unchecked_into(),
        Ok(_) => return Err(AuthFailure::Network("fetch() did not resolve to a Response".into())),
        Err(e) if callback::is_deadline_marker(&e) => return Err(AuthFailure::Timeout),
        Err(e) => {
            return Err(if abort.is_none() { AuthFailure::Network(describe(&e)) } else if is_abort(&e) { AuthFailure::Timeout } else { AuthFailure::Network(describe(&e)) })
        }
    };
    let status = response.status();
    let text = match response.text() {
        Ok(p) => JsFuture::from(p).await.map_err(|e| if is_abort(&e) { AuthFailure::Timeout } else { AuthFailure::Network(describe(&e)) })?,
        Err(e) => return Err(AuthFailure::Network(describe(&e))),
    };
    drop(abort);
    let parsed = json_parse(&text).ok();
    if !(200..300).contains(&status) {
        let message = parsed.as_ref().and_then(error_message);
        let body = message.unwrap_or_else(|| text.as_string().unwrap_or_default().chars().take(200).collect());
        return Err(AuthFailure::Http { status, body });
    }
    match parsed {
        Some(value) if value.is_object() => Ok((status, value)),
        _ => {
            let start: String = text.as_string().unwrap_or_default().trim_start().chars().take(40).collect();
            Err(AuthFailure::InvalidResponse { status, detail: format!("the body is not JSON (it starts with '{start}')") })
        }
    }
}

/// The CSRF token: `csrfToken` option, else `window.Laravel.csrfToken`, else the
/// `<meta name="csrf-token">` tag (read on every request, so a refreshed tag is picked up).
fn csrf_token(config: &AuthConfig) -> Option<String> {
    if let Some(token) = &config.csrf_token {
        return Some(token.clone());
    }
    let window = web_sys::window()?;
    let page: &Page = window.unchecked_ref();
    let laravel = page.laravel().ok().filter(JsValue::is_object);
    if let Some(token) = laravel.and_then(|l| boundary::read::<LaravelGlobal>(&l, 1)).and_then(|l| l.csrf_token.ok()) {
        return Some(token);
    }
    let meta = window.document()?.query_selector("meta[name=\"csrf-token\"]").ok()??;
    meta.get_attribute("content")
}

/// Awaits `headersProvider()` and reads its entries.
async fn provided_headers(provider: &Function, timeout_ms: u32) -> Result<Vec<(String, String)>, AuthFailure> {
    let fail = |e: &JsValue| AuthFailure::Custom(format!("headersProvider failed: {}", describe(e)));
    let value = provider.call0(&JsValue::UNDEFINED).map_err(|e| fail(&e))?;
    let value = JsFuture::from(callback::within(&value, timeout_ms)).await.map_err(|e| {
        if callback::is_deadline_marker(&e) {
            AuthFailure::Custom(format!("headersProvider did not settle within {timeout_ms} ms"))
        } else {
            fail(&e)
        }
    })?;
    if !value.is_object() {
        return Ok(Vec::new());
    }
    // Read as `auth.headers` is: strings, numbers and booleans in their text form (a numeric
    // tenant id is a header value); other values are left out.
    let copy = boundary::snapshot(&value, 1).map_err(|_| AuthFailure::Custom("headersProvider resolved to an object whose entries cannot be read".into()))?;
    let Some(Entries(entries)) = Entries::<Scalar>::from_js(&copy) else { return Ok(Vec::new()) };
    Ok(entries.into_iter().filter_map(|(key, value)| value.ok().map(|Scalar(text)| (key, text))).collect())
}

/// Echo's custom authorizer: `authorizer({name}, options).authorize(socketId, (error, data) => ..)`.
async fn custom_authorize(authorizer: &Function, options: &JsValue, socket_id: &str, channel: &str, timeout_ms: u32) -> Result<JsValue, AuthFailure> {
    let fail = |e: &JsValue| AuthFailure::Custom(describe(e));
    // Own data properties, not serialized: a page's `Object.prototype` setter must neither
    // throw through the wasm nor swallow the name.
    let channel_object = super::js::object(&[("name", &JsValue::from_str(channel))]);
    let handle = authorizer.call2(&JsValue::UNDEFINED, &channel_object, options).map_err(|e| fail(&e))?;
    let authorize = if handle.is_object() || handle.is_function() { handle.unchecked_ref::<AuthorizerHandle>().authorize().ok() } else { None };
    let authorize = authorize.and_then(|f| f.dyn_into::<Function>().ok());
    let Some(authorize) = authorize else {
        return Err(AuthFailure::Custom("authorizer() must return an object with authorize(socketId, callback)".into()));
    };
    let socket_id = JsValue::from_str(socket_id);
    let mut call_error = None;
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        // Callable any number of times; the first call settles the promise.
        let callback = callback::settle_function(&resolve, &reject);
        if let Err(e) = authorize.call2(&handle, &socket_id, &callback) {
            call_error = Some(e);
        }
    });
    if let Some(e) = call_error {
        return Err(fail(&e));
    }
    JsFuture::from(callback::within(&promise, timeout_ms)).await.map_err(|e| if callback::is_deadline_marker(&e) { AuthFailure::Timeout } else { fail(&e) })
}

/// `window.Laravel` (`{csrfToken}`), Laravel's classic page global.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct LaravelGlobal {
    csrf_token: Lenient<String>,
}

#[wasm_bindgen]
extern "C" {
    /// The window, for the page globals read here (a page may define them as throwing getters).
    type Page;
    #[wasm_bindgen(method, getter, structural, js_name = Laravel, catch)]
    fn laravel(this: &Page) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn fetch(this: &Page) -> Result<JsValue, JsValue>;
    /// What `authorizer()` returns.
    type AuthorizerHandle;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn authorize(this: &AuthorizerHandle) -> Result<JsValue, JsValue>;
}
