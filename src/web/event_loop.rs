//! The client's loop and its timer: apply queued inputs to the engine, drain and perform the
//! engine's outputs, re-arm the single timer when the deadline moved.
//!
//! Borrows of the engine are short and never held while JS code runs, so a listener may call
//! back into the SDK; a nested [`Client::pump`] returns at once and the outer loop performs
//! the resulting outputs in order.

use std::cell::Cell;

use wasm_bindgen::JsValue;

use super::client::Client;
use super::clock::now;
use super::input::{Input, InputSink};
use super::js;
use super::payload::{decode_js_frame, json_parse};
use crate::protocol::FrameError;

/// Resets the loop flag however the loop is left.
struct LoopGuard<'a>(&'a Cell<bool>);

impl Drop for LoopGuard<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl Client {
    /// The loop: inputs first, then outputs, until both are empty.
    pub fn pump(&self) {
        if self.running.replace(true) {
            return;
        }
        let _running = LoopGuard(&self.running);
        loop {
            let input = self.queue.borrow_mut().pop_front();
            if let Some(input) = input {
                self.apply(input);
                continue;
            }
            let output = self.runtime.borrow_mut().engine.poll_output();
            match output {
                Some(output) => self.perform(output),
                None => break,
            }
        }
        self.rearm_timer();
    }

    fn apply(&self, input: Input) {
        let now = now();
        // Everything that reads JS values runs before the engine is borrowed.
        let (input, frame) = match input {
            Input::Frame(socket, text) => {
                let (debug, positions) = {
                    let runtime = self.runtime.borrow();
                    (runtime.debug, runtime.engine.options().connection_recovery)
                };
                if debug {
                    js::debug("echo-wasm <-", &text);
                }
                let frame = match json_parse(&text) {
                    Ok(value) => decode_js_frame(&value, positions),
                    Err(_) => Err(FrameError::NotJson),
                };
                (Input::Frame(socket, JsValue::UNDEFINED), Some(frame))
            }
            other => (other, None),
        };
        let wall = if matches!(input, Input::Timer) { js_sys::Date::now() } else { 0.0 };
        // What the input retires is dropped after the borrow ends: dropping a socket or a
        // timer calls into the page.
        let mut retired_socket = None;
        let mut retired_timer = None;
        let mut runtime = self.runtime.borrow_mut();
        match input {
            Input::Open(socket) => runtime.engine.handle_open(now, socket),
            Input::Frame(socket, _) => {
                if let Some(frame) = frame {
                    runtime.engine.handle_frame(now, socket, frame);
                }
            }
            Input::Binary(socket) => runtime.engine.handle_frame(now, socket, Err(FrameError::Binary)),
            Input::Close(socket, code, reason) => {
                if runtime.socket.as_ref().is_some_and(|(h, _)| *h == socket) {
                    retired_socket = runtime.socket.take();
                }
                runtime.engine.handle_close(now, socket, code, &reason);
            }
            Input::Moved(socket, reason) => runtime.engine.handle_moved(now, socket, &reason),
            Input::Timer => {
                // Wall clock on purpose: a suspended machine stops the monotonic clock on some
                // systems, and a timer firing far too late by the wall clock means a wake-up.
                let late_by = runtime.timer.as_ref().map_or(0.0, |(_, expected)| wall - expected);
                retired_timer = runtime.timer.take();
                if late_by > 5_000.0 {
                    runtime.engine.handle_wake(now);
                }
                runtime.engine.handle_timeout(now);
            }
            Input::Auth(request, outcome) => runtime.engine.handle_auth(now, request, outcome),
            Input::UserAuth(request, outcome) => runtime.engine.handle_user_auth(now, request, outcome),
            Input::Online => runtime.engine.handle_online(now),
            Input::Wake => runtime.engine.handle_wake(now),
        }
        drop(runtime);
        drop((retired_socket, retired_timer));
    }

    fn rearm_timer(&self) {
        let Some(deadline) = self.runtime.borrow_mut().engine.take_deadline_change() else { return };
        let timer = deadline.map(|deadline| {
            let delay = deadline.saturating_sub(now()).min(i32::MAX as u64) as u32;
            let me = self.me.clone();
            let timeout = gloo_timers::callback::Timeout::new(delay, move || {
                if let Some(client) = me.upgrade() {
                    client.input(Input::Timer);
                }
            });
            (timeout, js_sys::Date::now() + delay as f64)
        });
        let old = std::mem::replace(&mut self.runtime.borrow_mut().timer, timer);
        drop(old);
    }
}
