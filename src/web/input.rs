//! What happens at the edge, as the client's loop takes it: [`Input`], and the
//! [`InputSink`] that browser callbacks hand inputs to.
//!
//! A leaf of the edge (it imports only the engine's types), so the socket and the page
//! signals depend on this sink, not on the client that implements it.

use wasm_bindgen::JsValue;

use crate::engine::{AuthOutcome, SocketHandle, UserAuthOutcome};

/// Something that happened at the edge.
pub enum Input {
    /// The socket opened.
    Open(SocketHandle),
    /// A text frame (a JS string).
    Frame(SocketHandle, JsValue),
    /// A binary frame.
    Binary(SocketHandle),
    /// The socket closed.
    Close(SocketHandle, u16, String),
    /// `shareConnection`: the link moved to another hub (closed as 4200, reopened at once).
    Moved(SocketHandle, String),
    /// The timer fired.
    Timer,
    /// A channel authorization finished.
    Auth(u64, AuthOutcome),
    /// A user authentication finished.
    UserAuth(u64, UserAuthOutcome),
    /// The browser is online again.
    Online,
    /// The page woke up (visible again, resumed, or the timer fired far too late).
    Wake,
}

/// Where browser callbacks put inputs: the client queues each and runs its loop.
pub trait InputSink {
    /// Takes one input (and processes it before returning, unless a loop is running).
    fn input(&self, input: Input);
}
