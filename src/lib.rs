//! echo-wasm: a Laravel Echo compatible real-time client for Pusher protocol 7, written in
//! Rust and compiled to WebAssembly.
//!
//! # Layout
//!
//! The crate is a sans-IO core wrapped by a thin browser edge (see `../shared/DESIGN.md`).
//!
//! **Core** (pure Rust: no browser, no socket, no clock; tested natively):
//! - [`engine`]: the protocol engine. Inputs carry the time, commands come from the app,
//!   outputs are drained by the edge. Submodules: socket life and reconnects
//!   (`engine/link.rs`), channels and authorization results (`engine/subscriptions.rs`),
//!   sign-in and whispers (`engine/user.rs`).
//! - [`reconnect`]: **the reconnect policy** (backoff with full jitter, close-code classes).
//! - [`connection`]: connection states and Echo's status mapping.
//! - [`channels`]: channel kinds, name validation, the subscription-state enum.
//! - [`presence`]: presence members.
//! - [`encryption`]: encrypted channels (NaCl secretbox).
//! - [`protocol`]: frame decoding and encoding.
//! - [`options`]: options and the socket URL.
//! - [`event_name`]: Echo's event-name formatter.
//! - [`listeners`]: **the listener registry** (channel -> event -> listeners).
//! - [`error`]: every error with its code, cause and remedy.
//! - [`payload`]: the JSON-value trait that keeps JSON parsing out of the core.
//! - [`time`]: `Millis`, the engine's time unit (a leaf: it imports nothing).
//!
//! **Edge** (wasm32 only): `web/driver.rs` runs the one loop between the browser and the
//! engine; `web/socket.rs` owns the WebSocket, `web/auth.rs` is **the auth request**
//! (`/broadcasting/auth`), `web/browser.rs` turns page signals into inputs,
//! `web/notify.rs` shows desktop notifications. `api/` is the Echo-compatible JS facade
//! (`Echo`, `Channel`, `Connector`, options, `diagnose()`).

#![warn(missing_docs)]

pub mod channels;
pub mod connection;
pub mod encryption;
pub mod engine;
pub mod error;
pub mod event_name;
pub(crate) mod fast_map;
pub mod listeners;
pub mod options;
pub mod payload;
pub mod presence;
pub mod protocol;
pub mod reconnect;
pub mod time;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod web;


pub use engine::{AuthOutcome, Authorization, Engine, Output, SocketHandle, UserAuthOutcome};
pub use payload::Payload;
