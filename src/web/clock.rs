//! The clock the engine runs on: [`now`], monotonic milliseconds.
//!
//! A leaf: it imports only the core's time unit.

use std::cell::Cell;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use crate::time::Millis;

#[wasm_bindgen]
extern "C" {
    type Performance;
    #[wasm_bindgen(method, catch)]
    fn now(this: &Performance) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, getter, js_name = timeOrigin)]
    fn time_origin(this: &Performance) -> JsValue;
}

thread_local! {
    static LAST_NOW: Cell<Millis> = const { Cell::new(0) };
    /// `performance` and its `timeOrigin`, when the platform has `performance.now()`.
    static MONOTONIC: Option<(Performance, f64)> = monotonic_source();
}

fn monotonic_source() -> Option<(Performance, f64)> {
    let performance = Reflect::get(&js_sys::global(), &"performance".into()).ok()?;
    if !performance.is_object() || !Reflect::get(&performance, &"now".into()).is_ok_and(|f| f.is_function()) {
        return None;
    }
    let performance: Performance = performance.unchecked_into();
    let origin = performance.time_origin().as_f64().filter(|o| o.is_finite() && *o > 0.0).unwrap_or_else(js_sys::Date::now);
    Some((performance, origin))
}

/// Monotonic milliseconds, `performance.timeOrigin + performance.now()` (so the values have
/// `Date.now()`'s scale), never going back. Not the wall clock: a clock set back (NTP, the
/// user, a VM resume) would hold engine time still for as long, and no deadline (ping,
/// reconnect, auth timeout) would arrive meanwhile. Where there is no `performance.now()`
/// (or it throws), `Date.now()` clamped monotonic. Cost: one call into JS per reading,
/// ~0.1 µs more than `Date.now()` in Chromium; the clock is read once per input (frame), see
/// BENCHMARKS.md's CPU section.
pub fn now() -> Millis {
    let reading = MONOTONIC.with(|source| match source {
        Some((performance, origin)) => performance.now().ok().map(|t| origin + t),
        None => None,
    });
    let reading = reading.filter(|t| t.is_finite()).unwrap_or_else(js_sys::Date::now).max(0.0) as Millis;
    LAST_NOW.with(|last| {
        let now = reading.max(last.get());
        last.set(now);
        now
    })
}
