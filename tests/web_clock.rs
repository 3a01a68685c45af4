//! The engine's clock (issue 12, item 7): a wall clock set back must not freeze the client's
//! deadlines. Its own test binary (and page), since it replaces `Date.now`.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use echo_wasm::api::Echo;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

mod web_support;
use web_support::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn reconnect_deadlines_still_arrive_after_the_wall_clock_steps_back_an_hour() {
    // Nothing listens on port 9: every attempt fails and the next one is scheduled 100-200 ms
    // later by the engine's timer, so failures keep coming as long as deadlines arrive.
    let options: JsValue = Object::new().into();
    for (k, v) in [("broadcaster", "reverb"), ("key", "clock-test"), ("wsHost", "127.0.0.1")] {
        set(&options, k, v.into());
    }
    set(&options, "wsPort", 9.into());
    set(&options, "forceTLS", false.into());
    set(&options, "reconnect", js_sys::JSON::parse(r#"{"baseMs":100,"maxMs":200}"#).expect("json"));
    let echo = Echo::new(options).expect("valid options");
    let errors: Rc<RefCell<u32>> = Rc::default();
    let sink = errors.clone();
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_| *sink.borrow_mut() += 1);
    let _off = echo.connector().on_error(on_error.as_ref().clone().into());
    wait_until("a first failed attempt", 10_000, || *errors.borrow() >= 1).await;

    // The wall clock steps back one hour (NTP, the user, a VM restore).
    let date: JsValue = js_sys::global().get_date_ctor();
    let real_now = Reflect::get(&date, &"now".into()).expect("Date.now");
    let stepped = Function::new_with_args("real", "return () => real() - 3600000;").call1(&JsValue::NULL, &real_now.clone()).expect("stepped clock");
    set(&date, "now", Function::new_with_args("real", "return real.bind(Date);").call1(&JsValue::NULL, &stepped).expect("bind"));
    let before = *errors.borrow();
    let result = {
        let mut waited = 0;
        while *errors.borrow() < before + 3 && waited < 5_000 {
            sleep(20).await;
            waited += 20;
        }
        *errors.borrow()
    };
    set(&date, "now", real_now);
    echo.destroy();
    assert!(result >= before + 3, "only {} more attempts in 5 s after the clock stepped back (about 25 expected): deadlines froze", result - before);
}

trait DateCtor {
    fn get_date_ctor(&self) -> JsValue;
}

impl DateCtor for js_sys::Object {
    fn get_date_ctor(&self) -> JsValue {
        Reflect::get(self, &"Date".into()).expect("Date")
    }
}
