//! Performing the engine's outputs: socket I/O, auth requests, and the deliveries and
//! connection-level reports that go to JS listeners.
//!
//! Errors are recorded for `diagnose()` and given to their listeners; one that nobody
//! listens to is printed once per connection cycle.

use js_sys::Object;
use wasm_bindgen::JsValue;

use super::auth;
use super::thrown;
use super::client::Client;
use super::error_object::{channel_error_object, error_object};
use super::input::{Input, InputSink};
use super::js::{self, set};
use super::socket::Socket;
use crate::connection::ConnectionState;
use crate::engine::Output;
use crate::error::{ConnectionError, Diagnostic};
use crate::listeners::{ConnectionEvent, Lifecycle, Place, Topic};

fn lifecycle(channel: &str, kind: Lifecycle) -> Place<'_> {
    Place::Channel(channel, Topic::Lifecycle(kind))
}

const ERRORS: Place<'static> = Place::Connection(ConnectionEvent::Error);

impl Client {
    pub(super) fn perform(&self, output: Output<JsValue>) {
        match output {
            Output::Event { channel, event, data, user_id } => self.dispatch_event(&channel, &event, &data, user_id),
            Output::Send(text) => {
                if self.runtime.borrow().debug {
                    js::debug("echo-wasm ->", &JsValue::from_str(&text));
                }
                let (ws, link) = {
                    let runtime = self.runtime.borrow();
                    (runtime.socket.as_ref().map(|(_, socket)| socket.web_socket()), runtime.share.linking())
                };
                if let Some(ws) = ws {
                    // A failure needs no handling: the close event follows.
                    let _ = ws.send_with_str(&text);
                } else if let Some(link) = link {
                    link.send(&text);
                }
            }
            Output::OpenSocket { socket, url } => {
                let link = self.runtime.borrow().share.linking();
                if let Some(link) = link {
                    // `shareConnection`: the socket is a link to the hub.
                    return link.link(socket, &url);
                }
                let opened = Socket::open(&url, socket, self.me.clone());
                match opened {
                    Ok(ws) => {
                        let replaced = self.runtime.borrow_mut().socket.replace((socket, ws));
                        drop(replaced);
                    }
                    Err(error) => self.queue.borrow_mut().push_back(Input::Close(socket, 1006, thrown::describe(&error))),
                }
            }
            Output::CloseSocket { socket, code, reason } => {
                let closing = {
                    let mut runtime = self.runtime.borrow_mut();
                    if runtime.socket.as_ref().is_some_and(|(h, _)| *h == socket) { runtime.socket.take() } else { None }
                };
                let link = self.runtime.borrow().share.linking();
                match (closing, link) {
                    (Some((_, ws)), _) => ws.close(code, reason),
                    (None, Some(link)) => link.unlink(socket),
                    (None, None) => {}
                }
            }
            Output::Authorize { request, socket_id, channel } => {
                let config = self.runtime.borrow().auth.clone();
                let me = self.me.clone();
                js::spawn(Box::pin(async move {
                    let outcome = auth::authorize(&config, &socket_id, &channel).await;
                    if let Some(client) = me.upgrade() {
                        client.input(Input::Auth(request, outcome));
                    }
                }));
            }
            Output::AuthenticateUser { request, socket_id } => {
                let config = self.runtime.borrow().auth.clone();
                let me = self.me.clone();
                js::spawn(Box::pin(async move {
                    let outcome = auth::authenticate_user(&config, &socket_id).await;
                    if let Some(client) = me.upgrade() {
                        client.input(Input::UserAuth(request, outcome));
                    }
                }));
            }
            Output::StateChanged { previous, current } => {
                let status = {
                    if current == ConnectionState::Connected {
                        self.diagnostics.borrow_mut().connected();
                    }
                    let mut runtime = self.runtime.borrow_mut();
                    let status = runtime.engine.status();
                    let changed = status != runtime.last_status;
                    runtime.last_status = status;
                    changed.then_some(status)
                };
                let change = Object::new();
                set(&change, "previous", &previous.as_str().into());
                set(&change, "current", &current.as_str().into());
                self.emit(Place::Connection(ConnectionEvent::StateChange), &[&change]);
                if let Some(status) = status {
                    self.emit(Place::Connection(ConnectionEvent::Status), &[&status.as_str().into()]);
                }
            }
            Output::Subscribed { channel } => {
                self.emit(lifecycle(&channel, Lifecycle::Subscribed), &[]);
            }
            Output::Resumed(resumed) => {
                let report = Object::new();
                set(&report, "recovered", &resumed.recovered.into());
                set(&report, "downtimeMs", &(resumed.downtime_ms as f64).into());
                set(&report, "replayed", &resumed.replayed.into());
                set(&report, "reason", &resumed.reason.as_deref().map_or(JsValue::NULL, JsValue::from_str));
                self.emit(lifecycle(&resumed.channel, Lifecycle::Resumed), &[&report]);
            }
            Output::Here { channel, members } => {
                let list = js::array(members);
                self.emit(lifecycle(&channel, Lifecycle::Here), &[&list]);
            }
            Output::Joining { channel, info, .. } => {
                self.emit(lifecycle(&channel, Lifecycle::Joining), &[&info]);
            }
            Output::Leaving { channel, info, .. } => {
                self.emit(lifecycle(&channel, Lifecycle::Leaving), &[&info]);
            }
            Output::ChannelError(error) => {
                let object = channel_error_object(&error);
                self.record(error.code(), error.message(), Some(error.channel().to_owned()));
                if !self.emit(lifecycle(error.channel(), Lifecycle::Error), &[&object]) {
                    self.warn_once(error.code(), &error.message());
                }
            }
            Output::Error(error) => self.report_connection_error(&error),
            Output::SignedIn { user_data } => {
                self.emit(Place::Connection(ConnectionEvent::SignedIn), &[&user_data]);
            }
            Output::SigninFailed(error) => {
                let object = error_object("SigninError", error.code(), &error.message(), None);
                self.record(error.code(), error.message(), None);
                if !self.emit(ERRORS, &[&object]) {
                    self.warn_once(error.code(), &error.message());
                }
            }
            Output::UserEvent { event, data } => {
                self.emit(Place::User(&event), &[&data]);
            }
            Output::Watchlist { name, user_ids } => {
                let ids = js::array(user_ids.iter().map(|id| JsValue::from_str(id)));
                self.emit(Place::Connection(ConnectionEvent::Watchlist), &[&name.into(), &ids]);
            }
        }
    }

    fn report_connection_error(&self, error: &ConnectionError) {
        let object = error_object("ConnectionError", error.code(), &error.message(), None);
        if let ConnectionError::Refused { code, .. } = error {
            set(&object, "status", &(*code).into());
        }
        self.record(error.code(), error.message(), None);
        if !self.emit(ERRORS, &[&object]) {
            self.warn_once(error.code(), &error.message());
        }
    }

}
