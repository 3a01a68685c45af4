//! The browser edge (wasm32 only): everything that touches the browser.
//!
//! - [`driver`]: the one loop that feeds the engine and performs its outputs.
//! - [`socket`]: the WebSocket and its owned handlers.
//! - [`auth`]: **the auth request** (`/broadcasting/auth`, custom authorizers).
//! - [`browser`]: page signals (online, visibility, resume) as inputs.
//! - [`notify`]: desktop notifications through the Notification API.
//! - [`payload`]: `JsValue` as the core's payload type.
//! - [`boundary`]: serde at the JS boundary (snapshots of app values, lenient fields, output).
//! - [`callback`]: undo functions and the authorizer callback (callable any number of times).

pub mod auth;
pub mod boundary;
pub mod browser;
pub mod callback;
pub mod driver;
pub mod notify;
pub mod payload;
pub mod socket;
