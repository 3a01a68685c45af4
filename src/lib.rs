//! echo-wasm: a Laravel Echo compatible real-time client for Pusher protocol 7, written in
//! Rust and compiled to WebAssembly.
//!
//! # Layout
//!
//! The crate is a sans-IO core wrapped by a thin browser edge (see `../shared/DESIGN.md`).
//!
//! **Core** (pure Rust: no browser, no socket, no clock; tested natively):
//! - [`engine`]: the protocol engine. Inputs carry the time, commands come from the app,
//!   outputs are drained by the edge. It holds four parts, each owning its state with its
//!   own tests: the link (`engine/link.rs`: socket life, handshake, liveness, reconnects,
//!   connection state), the subscriptions (`engine/subscriptions.rs`: channels, their
//!   authorizations, presence, encrypted channels, channel retries), the user
//!   (`engine/user.rs`: sign-in, watchlist, client events) and recovery
//!   (`engine/recovery.rs`: the `resumed` report, Sockudo protocol 2 positions, resume, hold
//!   buffer, duplicates). `engine/router.rs` is the one
//!   inbound-frame router; `engine/output.rs` the boundary types the parts share.
//! - [`hub`]: **the connection hub** of `shareConnection`: one real socket multiplexed for
//!   several tabs' engines (`hub/table.rs` channels held by tabs, `hub/user.rs` the socket's
//!   user and sign-in, `hub/roster.rs` presence for late tabs, `hub/route.rs` reading frames).
//! - [`reconnect`]: **the reconnect policy** (backoff with full jitter, close-code classes).
//! - [`connection`]: connection states and Echo's status mapping.
//! - [`channels`]: channel kinds, name validation, the subscription-state enum.
//! - [`presence`]: presence members.
//! - [`encryption`]: encrypted channels (NaCl secretbox).
//! - [`protocol`]: frame decoding and encoding; [`position`]: Sockudo protocol 2 stream positions.
//! - [`options`]: options and the socket URL.
//! - [`event_name`]: Echo's event-name formatter.
//! - [`listeners`]: **the listener registry**, by typed place: channel topics (events,
//!   lifecycle callbacks, listen-to-all), connection and user tables.
//! - [`error`]: every error with its code, cause and remedy.
//! - [`payload`]: the JSON-value trait that keeps JSON parsing out of the core.
//! - [`time`]: `Millis`, the engine's time unit (a leaf: it imports nothing).
//!
//! **Edge** (wasm32 only, `web/`): `web/client.rs` is the client (the engine and the
//! browser resources that feed it, listeners, commands); `web/event_loop.rs` runs the one
//! loop and its timer, `web/effects.rs` performs the engine's outputs, `web/dispatch.rs`
//! calls JS listeners (`web/desktop.rs` the desktop hook), `web/diagnostics.rs` keeps the
//! error history. `web/socket.rs` owns the WebSocket, `web/auth.rs` is **the auth request**
//! (`/broadcasting/auth`; `web/auth_reply.rs` reads the answers), `web/browser.rs` turns
//! page signals into inputs, `web/share.rs` is `shareConnection`'s participant (election,
//! the engine's socket as a link to the hub; the protocol between tabs; `web/share_hub.rs`
//! the leader's hub host, `web/share_js.rs` Web Locks and BroadcastChannel), `web/notify.rs` shows desktop notifications
//! (`web/notify_spec.rs` says what they show), `web/boundary.rs` is serde at the JS
//! boundary (values in read with our own deserializer, `web/js_de.rs`; values out with
//! serde-wasm-bindgen; `web/lenient.rs` the field types). Leaves: `web/input.rs` (inputs and the sink socket and page
//! signals feed), `web/clock.rs`, `web/js.rs`, `web/thrown.rs`, `web/handles.rs`,
//! `web/error_object.rs`, `web/payload.rs`, `web/callback.rs`.
//!
//! **Facade** (wasm32 only, `api/`): the Echo-compatible JS API: `Echo` (`api/mod.rs`),
//! `api/channel.rs` (the JS `Channel`), `api/connector.rs`, `api/notifications.rs`,
//! `api/options.rs` (reading `new Echo(options)` with serde; `api/option_fields.rs` one field
//! at a time), `api/diagnose.rs`, `api/members.rs`, `api/errors.rs`, `api/alive.rs` (is a
//! handle's client still usable), `api/interceptor.rs` (the axios `X-Socket-ID` header).
//!
//! Imports go api -> web -> core, never up, and no module imports one that imports it back:
//! `scripts/layers.mjs` checks it in `scripts/test`.

#![warn(missing_docs)]

pub mod channels;
pub mod connection;
pub mod encryption;
pub mod engine;
pub mod error;
pub mod event_name;
pub mod hub;
pub(crate) mod fast_map;
pub mod listeners;
pub mod options;
pub mod payload;
pub mod position;
pub mod presence;
pub mod protocol;
pub mod reconnect;
pub mod time;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod web;

/// The allocator: talc, smaller than std's dlmalloc and as fast (BENCHMARKS.md, "Issue 11:
/// size levers").
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();


pub use engine::{AuthOutcome, Authorization, Engine, Output, SocketHandle, UserAuthOutcome};
pub use payload::Payload;
