//! The WebSocket, owned: its four event closures live and die with it.
//!
//! Callbacks only hand an input to an [`InputSink`] (the client). Dropping a [`Socket`] detaches the handlers
//! and closes the socket, so a replaced or abandoned socket can never feed the engine.

use std::rc::Weak;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use super::input::{Input, InputSink};
use crate::engine::SocketHandle;

/// One open (or opening) WebSocket and its handlers.
pub struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Socket {
    /// Opens `url`; events are reported as inputs tagged with `handle`.
    pub fn open<S: InputSink + 'static>(url: &str, handle: SocketHandle, sink: Weak<S>) -> Result<Socket, JsValue> {
        let ws = WebSocket::new(url)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let weak = sink.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || {
            if let Some(sink) = weak.upgrade() {
                sink.input(Input::Open(handle));
            }
        });
        let weak = sink.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(sink) = weak.upgrade() {
                let data = event.data();
                if data.is_string() {
                    sink.input(Input::Frame(handle, data));
                } else {
                    sink.input(Input::Binary(handle));
                }
            }
        });
        let weak = sink;
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            if let Some(sink) = weak.upgrade() {
                sink.input(Input::Close(handle, event.code(), event.reason()));
            }
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket { ws, _on_open: on_open, _on_message: on_message, _on_close: on_close })
    }

    /// The socket itself (a cheap JS reference), to send or read on it with no client
    /// borrow held.
    pub fn web_socket(&self) -> WebSocket {
        self.ws.clone()
    }

    /// Closes with `code` (1000 or 3000-4999) and `reason`; the socket is then dropped.
    pub fn close(self, code: u16, reason: &str) {
        let _ = self.ws.close_with_code_and_reason(code, reason);
    }

}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        if self.ws.ready_state() < WebSocket::CLOSING {
            let _ = self.ws.close();
        }
    }
}
