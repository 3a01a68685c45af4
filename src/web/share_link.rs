//! A participant's link (`web/share.rs` writes the protocol between tabs down): the engine's
//! socket, virtual. It attaches to whichever hub answers (`attach`, with what the hub needs
//! to know of this tab's page), sends the engine's frames, detaches (naming the hub it was
//! open to), and moves (closed as 4200 and reopened at once, `Engine::handle_moved`) or
//! closes for the engine.

use wasm_bindgen::JsValue;

use super::clock::now;
use super::input::Input;
use super::share::{Link, Participant};
use super::share_js;
use crate::engine::SocketHandle;

impl Participant {
    pub(super) fn send_attach(&self) {
        let url = {
            let state = self.state.borrow();
            match &state.link {
                Some(link) if link.hub.is_none() && state.tab_locked => link.url.clone(),
                _ => return,
            }
        };
        {
            // The takeover watch counts an unanswered attach from here.
            let mut state = self.state.borrow_mut();
            state.heard = now();
            state.probe = None;
        }
        self.report_page("attach", Some(url));
    }

    /// Tells the hub about this tab's page (`attach` with the link's `url`, or `vis`): its
    /// id, whether it is visible, whether this Echo shows desktop notifications.
    pub(super) fn report_page(&self, kind: &str, url: Option<String>) {
        let (page, visible, desktop) =
            (JsValue::from_str(&share_js::page_id()), JsValue::from_bool(share_js::page_visible()), JsValue::from_bool(self.desktop));
        let mut pairs: Vec<(&str, JsValue)> = vec![("t", kind.into()), ("page", page), ("visible", visible), ("desktop", desktop)];
        if let Some(url) = url {
            pairs.push(("url", url.into()));
        }
        let pairs: Vec<(&str, &JsValue)> = pairs.iter().map(|(k, v)| (*k, v)).collect();
        self.post(&pairs);
    }

    /// The engine opens a socket: a link to the hub.
    pub fn link(&self, handle: SocketHandle, url: &str) {
        let old = self.state.borrow_mut().link.replace(Link { handle, url: url.to_owned(), hub: None });
        if let Some(old) = old {
            self.post_detach(&old);
        }
        self.send_attach();
    }

    /// The engine sends a frame on its link.
    pub fn send(&self, text: &str) {
        let open = self.state.borrow().link.as_ref().is_some_and(|l| l.hub.is_some());
        if open {
            self.post(&[("t", &"frame".into()), ("text", &text.into())]);
        }
    }

    /// The engine closes link `handle`.
    pub fn unlink(&self, handle: SocketHandle) {
        let matches = self.state.borrow().link.as_ref().is_some_and(|l| l.handle == handle);
        if matches {
            self.detach();
        }
    }

    pub(super) fn detach(&self) {
        let link = self.state.borrow_mut().link.take();
        if let Some(link) = link {
            self.post_detach(&link);
        }
    }

    /// Tells the hub `link` is open to (`at`; every hub while it attaches) that it is gone.
    fn post_detach(&self, link: &Link) {
        match &link.hub {
            Some(hub) => self.post(&[("t", &"detach".into()), ("at", &hub.as_str().into())]),
            None => self.post(&[("t", &"detach".into())]),
        }
    }

    /// Moves the link (if any) to the next hub: closed as 4200, reopened at once. The old hub
    /// is told (`detach`) in case it still runs: a tab it still counted as attached would
    /// have its next attach ignored.
    pub(super) fn move_link(&self, reason: &str) {
        let link = self.state.borrow_mut().link.take();
        if let Some(link) = &link {
            self.post_detach(link);
        }
        self.moved(link.map(|l| l.handle), reason);
    }

    /// Tells the engine its link `handle` moved (closed as 4200, reopened at once).
    pub(super) fn moved(&self, handle: Option<SocketHandle>, reason: &str) {
        if let (Some(handle), Some(sink)) = (handle, self.sink.upgrade()) {
            sink.input(Input::Moved(handle, reason.to_owned()));
        }
    }

    /// Closes the link (if any) for the engine, with `code` and `reason`.
    pub(super) fn close_link(&self, code: u16, reason: &str) {
        let link = self.state.borrow_mut().link.take();
        if let (Some(link), Some(sink)) = (link, self.sink.upgrade()) {
            sink.input(Input::Close(link.handle, code, reason.to_owned()));
        }
    }
}
