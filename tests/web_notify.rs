//! Browser tests of desktop notifications (`src/web/notify.rs`, `src/api/notifications.rs`):
//! each test replaces `window.Notification` with a recording stub class in a given permission
//! state (restored at the end), so it sees what would be shown, or that nothing is and
//! `diagnose()` says why. Events come from the real Sockudo through the backend.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

mod web_support;
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The page's `Notification` replaced by a stub; `restore()` puts the original back.
struct Stub {
    shown: Array,
    class: JsValue,
    original: JsValue,
}

impl Stub {
    /// A stub class with `permission`; constructed notifications are pushed to `shown`.
    /// `requestPermission()` counts calls in `N.requests` and resolves `answer`.
    fn install(permission: &str, answer: &str) -> Stub {
        let shown = Array::new();
        let class = js(
            "shown, permission, answer",
            "class N { constructor(title, options) { this.title = title; this.options = options; this.closed = false; this.onclick = null; shown.push(this); }
                       close() { this.closed = true; } }
             N.permission = permission; N.requests = 0;
             N.requestPermission = () => { N.requests += 1; N.permission = answer; return Promise.resolve(answer); };
             return N;",
        )
        .call3(&JsValue::NULL, &shown, &permission.into(), &answer.into())
        .expect("stub class");
        let window: JsValue = web_sys::window().expect("window").into();
        let original = field(&window, "Notification");
        set(&window, "Notification", class.clone());
        Stub { shown, class, original }
    }

    fn restore(self) {
        set(&web_sys::window().expect("window"), "Notification", self.original);
    }
}

/// A client signed in as user 1 with `desktopNotifications` = `desktop`.
fn desktop_client(desktop: JsValue) -> Guard {
    Guard(client(&[("bearerToken", "token-user-1".into()), ("desktopNotifications", desktop)]))
}

/// Listens to `.ping` with `{desktop: true}` on a fresh public channel; returns (channel
/// name, event log).
async fn desktop_listener(echo: &JsValue) -> (String, std::rc::Rc<std::cell::RefCell<Vec<JsValue>>>, Closure<dyn FnMut(JsValue)>) {
    let name = unique("notify.events");
    let channel = call(echo, "channel", &[name.as_str().into()]);
    let (cb, got, keep) = recorder_value();
    call(&channel, "listen", &[".ping".into(), cb, json(r#"{"desktop":true}"#)]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    (name, got, keep)
}

fn always() -> JsValue {
    json(r#"{"when":"always"}"#)
}

#[wasm_bindgen_test]
async fn granted_shows_a_laravel_notification_with_the_default_mapping() {
    let stub = Stub::install("granted", "granted");
    let echo = desktop_client(always());
    let channel = call(&echo.0, "private", &["App.Models.User.1".into()]);
    let (cb, got, _keep) = recorder_value();
    call(&channel, "notification", &[cb]);
    wait_until("subscribed", 10_000, || state(&channel) == "subscribed").await;
    let id = unique("n");
    post(
        "/test/trigger",
        &format!(
            r#"{{"channel":"private-App.Models.User.1","event":"Illuminate\\Notifications\\Events\\BroadcastNotificationCreated","data":{{"id":"{id}","type":"App\\Notifications\\InvoicePaid","title":"Invoice paid","message":"Invoice 7 was paid"}}}}"#
        ),
    )
    .await;
    wait_until("the notification callback", 5_000, || got.borrow().len() == 1).await;
    wait_until("a desktop notification", 2_000, || stub.shown.length() == 1).await;
    let shown = stub.shown.get(0);
    assert_eq!(field(&shown, "title").as_string().as_deref(), Some("Invoice paid"));
    let options = field(&shown, "options");
    assert_eq!(field(&options, "body").as_string().as_deref(), Some("Invoice 7 was paid"));
    assert_eq!(field(&options, "tag").as_string(), Some(id));
    stub.restore();
}

#[wasm_bindgen_test]
async fn an_event_marked_desktop_is_shown_and_a_click_calls_on_click_and_closes_it() {
    let stub = Stub::install("granted", "granted");
    let (on_click, clicked, _keep) = recorder_value();
    let desktop = always();
    set(&desktop, "onClick", on_click);
    let echo = desktop_client(desktop);
    let (name, got, _keep2) = desktop_listener(&echo.0).await;
    trigger(&name, "ping").await;
    wait_until("the event", 5_000, || got.borrow().len() == 1).await;
    wait_until("a desktop notification", 2_000, || stub.shown.length() == 1).await;
    let shown = stub.shown.get(0);
    assert_eq!(field(&shown, "title").as_string().as_deref(), Some("ping"), "an event without title is titled by its name");
    let onclick = field(&shown, "onclick");
    js("f", "f()").call1(&JsValue::NULL, &onclick).expect("click");
    assert_eq!(clicked.borrow().len(), 1, "onClick got the payload");
    assert_eq!(field(&clicked.borrow()[0], "n").as_f64(), Some(1.0));
    assert_eq!(field(&shown, "closed").as_bool(), Some(true), "clicking closes it");
    stub.restore();
}

/// With permission `permission`, a marked event still reaches its listener, nothing is shown,
/// and `diagnose()` reports the permission with a message containing `says`.
async fn nothing_shown_without_permission(permission: &str, says: &str) {
    let stub = Stub::install(permission, permission);
    let echo = desktop_client(always());
    let (name, got, _keep) = desktop_listener(&echo.0).await;
    trigger(&name, "ping").await;
    wait_until("the event", 5_000, || got.borrow().len() == 1).await;
    wait_until("the diagnostic", 2_000, || diagnosed_codes(&echo.0).iter().any(|c| c == "notifications_denied")).await;
    let diagnosis = call(&echo.0, "diagnose", &[]);
    assert_eq!(field(&diagnosis, "notificationPermission").as_string().as_deref(), Some(permission));
    let message = items(&field(&diagnosis, "lastErrors")).iter().filter_map(|e| field(e, "message").as_string()).collect::<String>();
    assert!(message.contains(says), "{message}");
    assert_eq!(stub.shown.length(), 0, "nothing shown");
    stub.restore();
}

#[wasm_bindgen_test]
async fn denied_shows_nothing_delivers_the_event_and_diagnose_says_blocked() {
    nothing_shown_without_permission("denied", "blocked").await;
}

#[wasm_bindgen_test]
async fn default_permission_shows_nothing_and_diagnose_says_to_ask() {
    nothing_shown_without_permission("default", "requestPermission").await;
}

#[wasm_bindgen_test]
async fn without_a_notification_api_events_still_arrive_and_diagnose_says_unsupported() {
    let stub = Stub::install("granted", "granted");
    set(&web_sys::window().expect("window"), "Notification", JsValue::UNDEFINED);
    let echo = desktop_client(always());
    assert_eq!(field(&field(&echo.0, "notifications"), "permission").as_string().as_deref(), Some("unsupported"));
    let (name, got, _keep) = desktop_listener(&echo.0).await;
    trigger(&name, "ping").await;
    wait_until("the event", 5_000, || got.borrow().len() == 1).await;
    wait_until("the diagnostic", 2_000, || diagnosed_codes(&echo.0).iter().any(|c| c == "notifications_unsupported")).await;
    assert_eq!(stub.shown.length(), 0);
    stub.restore();
}

#[wasm_bindgen_test]
async fn when_hidden_skips_a_visible_page_and_shows_on_a_hidden_one() {
    let stub = Stub::install("granted", "granted");
    let document: JsValue = web_sys::window().expect("window").document().expect("document").into();
    let visibility = |state: &str| {
        let descriptor = Object::new();
        set(&descriptor, "value", state.into());
        set(&descriptor, "configurable", true.into());
        Reflect::define_property(&document.clone().into(), &"visibilityState".into(), &descriptor).expect("defineProperty");
    };
    let echo = desktop_client(true.into());
    let (name, got, _keep) = desktop_listener(&echo.0).await;
    visibility("visible");
    trigger(&name, "ping").await;
    wait_until("the first event", 5_000, || got.borrow().len() == 1).await;
    let shown_while_visible = stub.shown.length();
    visibility("hidden");
    trigger(&name, "ping").await;
    wait_until("the second event", 5_000, || got.borrow().len() == 2).await;
    wait_until("a notification while hidden", 2_000, || stub.shown.length() == 1).await;
    Reflect::delete_property(&document.into(), &"visibilityState".into()).expect("restore visibilityState");
    assert_eq!(shown_while_visible, 0, "`desktopNotifications: true` means only while hidden");
    stub.restore();
}

#[wasm_bindgen_test]
async fn request_permission_when_granted_resolves_granted_without_prompting() {
    let stub = Stub::install("granted", "denied");
    let echo = desktop_client(always());
    let notifications = field(&echo.0, "notifications");
    assert_eq!(field(&notifications, "permission").as_string().as_deref(), Some("granted"));
    let result = settle(call(&notifications, "requestPermission", &[])).await.expect("never rejects");
    assert_eq!(result.as_string().as_deref(), Some("granted"));
    assert_eq!(field(&stub.class, "requests").as_f64(), Some(0.0), "no prompt when already granted");
    stub.restore();
}

#[wasm_bindgen_test]
async fn request_permission_when_denied_resolves_denied_and_diagnose_says_why() {
    let stub = Stub::install("denied", "granted");
    let echo = desktop_client(always());
    let result = settle(call(&field(&echo.0, "notifications"), "requestPermission", &[])).await.expect("never rejects");
    assert_eq!(result.as_string().as_deref(), Some("denied"));
    assert_eq!(field(&stub.class, "requests").as_f64(), Some(0.0), "the page cannot ask again");
    assert!(diagnosed_codes(&echo.0).iter().any(|c| c == "notifications_denied"));
    stub.restore();
}

#[wasm_bindgen_test]
async fn request_permission_from_default_asks_only_with_a_user_gesture() {
    let stub = Stub::install("default", "granted");
    let echo = desktop_client(always());
    let has_activation_api = !field(&field(&web_sys::window().expect("window").navigator().into(), "userActivation"), "isActive").is_undefined();
    let result = settle(call(&field(&echo.0, "notifications"), "requestPermission", &[])).await.expect("never rejects");
    if has_activation_api {
        // No click in a test: the browser would ignore the prompt, so it is not made.
        assert_eq!(result.as_string().as_deref(), Some("default"));
        assert_eq!(field(&stub.class, "requests").as_f64(), Some(0.0));
        let messages = items(&field(&call(&echo.0, "diagnose", &[]), "lastErrors")).iter().filter_map(|e| field(e, "message").as_string()).collect::<String>();
        assert!(messages.contains("user gesture"), "{messages}");
    } else {
        assert_eq!(result.as_string().as_deref(), Some("granted"));
        assert_eq!(field(&stub.class, "requests").as_f64(), Some(1.0));
    }
    stub.restore();
}

#[wasm_bindgen_test]
async fn throwing_object_prototype_setters_neither_stop_the_loop_nor_lose_a_field() {
    // A page that put throwing setters on Object.prototype for the keys the client writes in
    // its own loop: the Notification options (`tag`, `data`, `icon`) and the custom
    // authorizer's `{name}`. (Not `body`, `title`: the test's own fetch and stub set those.)
    let stub = Stub::install("granted", "granted");
    let keys = ["tag", "data", "icon", "name"];
    let install = js(
        "keys",
        "for (const k of keys) Object.defineProperty(Object.prototype, k, { configurable: true, set() { throw new Error('hostile setter ' + k); } });",
    );
    let uninstall = js("keys", "for (const k of keys) delete Object.prototype[k];");
    let names: Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
    // A custom authorizer that signs through the backend with the channel name it was given.
    let authorizer = js(
        "url",
        "return (channel) => ({ authorize(socketId, cb) {
           fetch(url, { method: 'POST', headers: { Authorization: 'Bearer token-user-1', 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
                        body: 'socket_id=' + encodeURIComponent(socketId) + '&channel_name=' + encodeURIComponent(channel.name) })
             .then((r) => r.json()).then((d) => cb(null, d), (e) => cb(e, null)); } });",
    )
    .call1(&JsValue::NULL, &format!("{}/broadcasting/auth", backend()).into())
    .expect("authorizer");
    let echo = Guard(client(&[("bearerToken", "token-user-1".into()), ("desktopNotifications", always()), ("authorizer", authorizer)]));
    let (name, got, _keep) = desktop_listener(&echo.0).await;
    install.call1(&JsValue::NULL, &names).expect("install");
    trigger(&name, "ping").await;
    wait_until("the first event", 5_000, || got.borrow().len() == 1).await;
    trigger(&name, "ping").await;
    wait_until("the second event: the loop still runs", 5_000, || got.borrow().len() == 2).await;
    let shown = stub.shown.get(0);
    let data = js("o", "return Object.getOwnPropertyDescriptor(o, 'data')?.value;").call1(&JsValue::NULL, &field(&shown, "options")).expect("data");
    assert!(data.is_object(), "the options kept their own `data` despite the setter");
    let private = call(&echo.0, "private", &[unique("tenant.1.hostile-setter").as_str().into()]);
    wait_until("subscribed through the custom authorizer (it got `name`)", 10_000, || state(&private) == "subscribed").await;
    uninstall.call1(&JsValue::NULL, &names).expect("uninstall");
    stub.restore();
}
