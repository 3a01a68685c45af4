//! The axios `X-Socket-ID` interceptor (as laravel-echo registers it when `window.axios`
//! exists), ejected when the client goes.

use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::web::client::Client;

/// The axios `X-Socket-ID` interceptor, ejected when the Echo instance is dropped.
pub(super) struct Interceptor {
    axios: JsValue,
    id: JsValue,
    _closure: Closure<dyn FnMut(JsValue) -> JsValue>,
}

impl Drop for Interceptor {
    fn drop(&mut self) {
        let eject = Reflect::get(&self.axios, &"interceptors".into())
            .and_then(|i| Reflect::get(&i, &"request".into()))
            .and_then(|r| Ok((Reflect::get(&r, &"eject".into())?, r)));
        if let Ok((eject, request)) = eject {
            if let Some(eject) = eject.dyn_ref::<Function>() {
                let _ = eject.call1(&request, &self.id);
            }
        }
    }
}

/// `axios.interceptors.request.use(config => add X-Socket-ID)` when `window.axios` exists.
pub(super) fn register(client: &Rc<Client>) -> Option<Interceptor> {
    let window = web_sys::window()?;
    let axios = Reflect::get(&window, &"axios".into()).ok().filter(|a| !a.is_undefined() && !a.is_null())?;
    let request = Reflect::get(&Reflect::get(&axios, &"interceptors".into()).ok()?, &"request".into()).ok()?;
    let use_fn: Function = Reflect::get(&request, &"use".into()).ok()?.dyn_into().ok()?;
    let weak = Rc::downgrade(client);
    let closure = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |config: JsValue| {
        // The id is copied out first: `config.headers` may be a getter (app code).
        let id = weak.upgrade().and_then(|client| client.runtime.borrow().engine.socket_id().map(str::to_owned));
        if let Some(id) = id {
            if let Ok(headers) = Reflect::get(&config, &"headers".into()) {
                if headers.is_object() {
                    let _ = Reflect::set(&headers, &"X-Socket-ID".into(), &JsValue::from_str(&id));
                }
            }
        }
        config
    });
    let id = use_fn.call1(&request, closure.as_ref()).ok()?;
    Some(Interceptor { axios, id, _closure: closure })
}
