//! The client's error history (for `diagnose()`) and its console warnings: every error is
//! recorded, and one nobody listens to is printed once per connection cycle.
//!
//! Owns [`Diagnostics`]; imports only the JS helpers.

use std::collections::VecDeque;

use super::js;

/// How many recent errors `diagnose()` keeps.
const ERROR_HISTORY: usize = 20;

/// A recorded error, for `diagnose()`.
#[derive(Clone, Debug)]
pub struct ErrorRecord {
    /// The stable code.
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// The channel, for channel errors (`connection` or `user` for those listeners).
    pub channel: Option<String>,
    /// Wall-clock time (ms since the epoch).
    pub at: f64,
}

/// Recent errors and the codes already printed.
#[derive(Default)]
pub struct Diagnostics {
    /// Recent errors, newest last (at most `ERROR_HISTORY`).
    pub errors: VecDeque<ErrorRecord>,
    /// Error codes already printed to the console since the last connection.
    warned: Vec<&'static str>,
}

impl Diagnostics {
    /// Keeps an error that happened `at` (wall-clock ms), dropping the oldest beyond
    /// `ERROR_HISTORY`.
    pub fn record(&mut self, code: &'static str, message: String, channel: Option<String>, at: f64) {
        if self.errors.len() == ERROR_HISTORY {
            self.errors.pop_front();
        }
        self.errors.push_back(ErrorRecord { code, message, channel, at });
    }

    /// Whether `code` is printed for the first time this connection cycle (and marks it).
    pub fn first_warning(&mut self, code: &'static str) -> bool {
        let first = !self.warned.contains(&code);
        if first {
            self.warned.push(code);
        }
        first
    }

    /// A new connection cycle: every code may be printed once again.
    pub fn connected(&mut self) {
        self.warned.clear();
    }
}

/// The console line for an unobserved error.
pub fn print_warning(code: &str, message: &str) {
    js::warn(&format!("echo-wasm [{code}] {message}"));
}
