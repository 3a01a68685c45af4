//! `echo.connector`: sign-in, the socket id, and the connection-level listeners
//! (`onConnectionChange`, `onStateChange`, `onError`, `onSignin`, `onWatchlist`,
//! `listenToUser`), each returning an undo function.

use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::alive::{destroyed, usable};
use crate::listeners::{ConnectionEvent, Place, Table};
use crate::web::client::Client;

/// `echo.connector`: sign-in and connection-level events.
#[wasm_bindgen]
pub struct Connector {
    pub(super) client: Option<Rc<Client>>,
}

impl Connector {
    fn live(&self) -> Option<Rc<Client>> {
        usable(self.client.as_ref())
    }
}

#[wasm_bindgen]
impl Connector {
    /// Signs the user in (`userAuthentication`), now and after every reconnect.
    pub fn signin(&self) {
        if let Some(client) = self.live() {
            client.command(|engine, now| engine.signin(now));
        }
    }

    /// The socket id while connected.
    #[wasm_bindgen(js_name = socketId)]
    pub fn socket_id(&self) -> Option<String> {
        self.live()?.runtime.borrow().engine.socket_id().map(str::to_owned)
    }

    /// Calls `callback(status)` whenever Echo's connection status changes; returns a
    /// function that stops it.
    #[wasm_bindgen(js_name = onConnectionChange)]
    pub fn on_connection_change(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.on(ConnectionEvent::Status, callback)
    }

    /// Calls `callback({previous, current})` on every pusher-js state change (the
    /// `connector.pusher.connection.bind('state_change')` equivalent); returns an undo function.
    #[wasm_bindgen(js_name = onStateChange)]
    pub fn on_state_change(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.on(ConnectionEvent::StateChange, callback)
    }

    /// Calls `callback(error)` for connection-level errors (`{type, code, message}`);
    /// returns an undo function.
    #[wasm_bindgen(js_name = onError)]
    pub fn on_error(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.on(ConnectionEvent::Error, callback)
    }

    /// Calls `callback(userData)` when sign-in succeeds; returns an undo function.
    #[wasm_bindgen(js_name = onSignin)]
    pub fn on_signin(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.on(ConnectionEvent::SignedIn, callback)
    }

    /// Calls `callback(name, userIds)` for watchlist events; returns an undo function.
    #[wasm_bindgen(js_name = onWatchlist)]
    pub fn on_watchlist(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.on(ConnectionEvent::Watchlist, callback)
    }

    /// Listens to an event sent to the signed-in user (`sendToUser`); returns an undo
    /// function.
    #[wasm_bindgen(js_name = listenToUser)]
    pub fn listen_to_user(&self, event: &str, callback: Function) -> Result<JsValue, JsValue> {
        let client = self.live().ok_or_else(destroyed)?;
        let id = client.add_listener(Place::User(event), callback, false);
        Ok(client.remover(Table::User, id))
    }

    fn on(&self, event: ConnectionEvent, callback: Function) -> Result<JsValue, JsValue> {
        let client = self.live().ok_or_else(destroyed)?;
        let id = client.add_listener(Place::Connection(event), callback, false);
        Ok(client.remover(Table::Connection, id))
    }
}
