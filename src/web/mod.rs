//! The browser edge (wasm32 only): everything that touches the browser.
//!
//! Imports go one way: `api/` uses `web/`, `web/` uses the core, never back; within `web/`
//! no two modules import each other (`scripts/layers.mjs` checks paths). `event_loop`,
//! `effects`, `dispatch` and `desktop` are `impl Client` blocks over `client.rs`'s state, one
//! concern each: their methods call one another (the loop performs outputs, which dispatch,
//! which may show a notification), so they are split by concern, not by owned state.
//!
//! - [`client`]: the client ([`client::Client`]): the engine, the browser resources that
//!   feed it ([`client::Runtime`]), listeners, commands, shutdown.
//! - [`event_loop`]: the one loop (apply inputs, perform outputs) and its timer.
//! - [`effects`]: performing the engine's outputs (socket, auth requests, reports).
//! - [`dispatch`]: calling JS listeners, listen-to-all naming, listeners that throw.
//! - [`desktop`]: the desktop-notification hook of a dispatch.
//! - [`diagnostics`]: the error history for `diagnose()` and once-per-cycle console warnings.
//! - [`input`]: what happens at the edge ([`input::Input`]) and the sink that takes it.
//! - [`clock`]: the engine's monotonic clock, `now()`.
//! - [`handles`]: the `WeakRef` cache of channel handles.
//! - [`error_object`]: the plain error objects callbacks receive.
//! - [`js`]: small JS helpers (`set`, the console, `spawn`: the one way to run a future).
//! - [`thrown`]: describing what app code threw, without trusting it.
//! - [`socket`]: the WebSocket and its owned handlers.
//! - [`share`]: `shareConnection`: this Echo's part in the group (locks, its link to the hub;
//!   the protocol between tabs is written down there); [`share_hub`]: the leader's hub host;
//!   [`share_js`]: Web Locks, BroadcastChannel and `crypto.subtle`, bound by hand;
//!   [`sharing`]: an Echo's sharing setup (off, solo and why, on) and the sharing key;
//!   [`share_inbox`]: a participant's handling of the hubs' messages; [`share_lead`]: its
//!   leadership, the takeover of a frozen leader, its page (visibility, `pagehide`,
//!   back/forward cache); [`share_doubt`]: the hub's beat and its check after a freeze;
//!   [`share_timing`]: the takeover's timings and their reasons.
//! - [`auth`]: **the auth request** (`/broadcasting/auth`, custom authorizers).
//! - [`auth_reply`]: what the backend's auth answers mean (their JSON shapes, classified).
//! - [`browser`]: page signals (online, visibility, resume) as inputs.
//! - [`notify`]: desktop notifications through the Notification API.
//! - [`notify_spec`]: what a notification shows (the app's or the default mapping).
//! - [`payload`]: `JsValue` as the core's payload type.
//! - [`boundary`]: serde at the JS boundary: app values in (plain-data snapshots, read with
//!   [`js_de`]), plain objects out (`diagnose()`, members, with serde-wasm-bindgen).
//! - [`js_de`]: our own serde `Deserializer` over JS values (no float formatting linked).
//! - [`lenient`]: the field types those reads use (any value accepted; the caller refuses).
//! - [`callback`]: undo functions and the authorizer callback (callable any number of times).

pub mod auth;
pub mod auth_reply;
pub mod boundary;
pub mod browser;
pub mod callback;
pub mod client;
pub mod clock;
pub mod desktop;
pub mod diagnostics;
pub mod dispatch;
pub mod effects;
pub mod error_object;
pub mod event_loop;
pub mod handles;
pub mod input;
pub mod js;
pub mod js_de;
pub mod lenient;
pub mod notify;
pub mod notify_spec;
pub mod payload;
pub mod share;
pub mod share_hub;
pub mod share_doubt;
pub mod share_inbox;
pub mod share_js;
pub mod share_lead;
pub mod share_link;
pub mod share_timing;
pub mod sharing;
pub mod socket;
pub mod thrown;
