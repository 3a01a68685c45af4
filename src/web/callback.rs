//! JS functions the SDK hands out (undo functions, the custom authorizer's callback) that can
//! be called any number of times, from anywhere, for as long as the page keeps them.
//!
//! Each is `dispatcher.bind(null, ...small ids)`: one long-lived `Fn` closure per kind of
//! callback (a module-wide singleton, created on first use, never dropped), bound with
//! `Function.prototype.bind` to the ids of what it acts on. So there is no Rust allocation per
//! handed-out function (nothing to leak when the app never calls it, nothing freed under it
//! when it calls twice), no `eval` (CSP-safe), and no forgotten or one-shot closures.
//! A call after its target is gone (a removed listener, a dropped client, a settled promise)
//! does nothing.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::listeners::{ListenerId, Table};

#[wasm_bindgen]
extern "C" {
    /// A function, seen only for `bind`.
    #[wasm_bindgen(js_name = Function)]
    type Bindable;
    /// `f.bind(this, a, b, c)`.
    #[wasm_bindgen(method, js_name = bind)]
    fn bind3(this: &Bindable, context: &JsValue, a: &JsValue, b: &JsValue, c: &JsValue) -> Function;
    /// `f.bind(this, a, b)`.
    #[wasm_bindgen(method, js_name = bind)]
    fn bind2(this: &Bindable, context: &JsValue, a: &JsValue, b: &JsValue) -> Function;
    /// `Promise.race(values)`.
    #[wasm_bindgen(js_namespace = Promise, js_name = race, catch)]
    fn promise_race(values: &Array) -> Result<Promise, JsValue>;
}

thread_local! {
    /// Live clients by instance number (weak: a client is not kept alive by its undo functions).
    /// A short list (an app has one or two clients), smaller in wasm than a hash map.
    static INSTANCES: RefCell<Vec<(u32, Weak<dyn ListenerOwner>)>> = const { RefCell::new(Vec::new()) };
    static NEXT_INSTANCE: Cell<u32> = const { Cell::new(1) };
    /// `undo(instance, table, id)`: removes listener `id` of table `table` of client `instance`.
    static UNDO: (Closure<dyn Fn(JsValue, JsValue, JsValue)>, Function) = {
        let closure = Closure::<dyn Fn(JsValue, JsValue, JsValue)>::new(|instance: JsValue, table: JsValue, id: JsValue| {
            let (Some(instance), Some(table), Some(id)) = (instance.as_f64(), table.as_f64(), id.as_f64()) else { return };
            let Some(table) = Table::from_index(table as u32) else { return };
            if let Some(owner) = instance_of(instance as u32) {
                owner.remove_listener(table, ListenerId(id as u64));
            }
        });
        let function = closure.as_ref().clone().unchecked_into();
        (closure, function)
    };
    /// `settle(resolve, reject, error, data)`: the Pusher authorizer callback convention.
    static SETTLE: (Closure<dyn Fn(JsValue, JsValue, JsValue, JsValue)>, Function) = {
        let closure = Closure::<dyn Fn(JsValue, JsValue, JsValue, JsValue)>::new(|resolve: JsValue, reject: JsValue, error: JsValue, data: JsValue| {
            let ok = error.is_null() || error.is_undefined() || error == JsValue::FALSE;
            let target = if ok { resolve } else { reject };
            if let Some(target) = target.dyn_ref::<Function>() {
                // A settled promise ignores further calls: a second callback call is a no-op.
                let _ = target.call1(&JsValue::UNDEFINED, if ok { &data } else { &error });
            }
        });
        let function = closure.as_ref().clone().unchecked_into();
        (closure, function)
    };
}

/// What undo functions act on: a client's listener tables.
pub trait ListenerOwner {
    /// Removes listener `id` of `table` (nothing when it is gone already).
    fn remove_listener(&self, table: Table, id: ListenerId);
}

/// Registers a client; the number goes into its undo functions.
pub fn register_instance(owner: Weak<dyn ListenerOwner>) -> u32 {
    let number = NEXT_INSTANCE.with(|n| {
        let number = n.get();
        n.set(number.wrapping_add(1).max(1));
        number
    });
    INSTANCES.with(|m| m.borrow_mut().push((number, owner)));
    number
}

/// Forgets a client (its undo functions become no-ops).
pub fn unregister_instance(number: u32) {
    INSTANCES.with(|m| m.borrow_mut().retain(|(n, _)| *n != number));
}

fn instance_of(number: u32) -> Option<Rc<dyn ListenerOwner>> {
    INSTANCES.with(|m| m.borrow().iter().find(|(n, _)| *n == number).and_then(|(_, w)| w.upgrade()))
}

/// A function that removes listener `id` of `table` of client `instance` when called; any
/// further call does nothing. It holds three numbers, no Rust memory.
pub fn undo_function(instance: u32, table: Table, id: ListenerId) -> JsValue {
    UNDO.with(|(_, f)| f.unchecked_ref::<Bindable>().bind3(&JsValue::NULL, &instance.into(), &table.index().into(), &(id.0 as f64).into())).into()
}

/// The `(error, data)` callback of a custom authorizer: settles `resolve`/`reject` once;
/// later calls are ignored.
pub fn settle_function(resolve: &Function, reject: &Function) -> Function {
    SETTLE.with(|(_, f)| f.unchecked_ref::<Bindable>().bind2(&JsValue::NULL, resolve, reject))
}

/// The marker a [`deadline`] promise rejects with.
pub fn is_deadline_marker(value: &JsValue) -> bool {
    Reflect::get(value, &"echoWasmDeadline".into()).ok().and_then(|v| v.as_bool()) == Some(true)
}

/// `Promise.race([value, a promise rejected after ms])`: an app promise that never settles
/// (a `headersProvider` or an authorizer that never answers) cannot keep a task, and what it
/// holds, alive for ever. `Promise.race` also turns a throwing `then` getter into a rejection.
pub fn within(value: &JsValue, ms: u32) -> Promise {
    // Browsers fire a longer delay than 2^31-1 ms at once: the option check allows up to
    // that, and callers may add a margin.
    let ms = ms.min(i32::MAX as u32);
    let marker = js_sys::Object::new();
    let _ = Reflect::set(&marker, &"echoWasmDeadline".into(), &JsValue::TRUE);
    let timer = Promise::new(&mut |_resolve: Function, reject: Function| {
        let global = js_sys::global();
        if let Ok(set_timeout) = Reflect::get(&global, &"setTimeout".into()) {
            if let Some(set_timeout) = set_timeout.dyn_ref::<Function>() {
                let args = Array::of3(&reject, &ms.into(), &marker);
                let _ = set_timeout.apply(&global, &args);
            }
        }
    });
    promise_race(&Array::of2(value, &timer)).unwrap_or(timer)
}
