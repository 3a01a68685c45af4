//! What a participant does with the hubs' messages on its group's channel (`web/share.rs`
//! writes the protocol down): open and close its link, deliver frames to its engine (saying
//! whether this tab shows the frame's desktop notification), move to a new hub, go solo,
//! keep the tab count, and note when its hub was last heard from (the takeover watch of
//! `web/share_lead.rs`). A message from a hub other than the one the link is open to is
//! ignored, but for the announce of a new hub, and its beat while this tab's own hub is silent
//! (probed): both move the link; a link still attaching takes the first `open` to it, the
//! tab count, and counts any hub's beat as heard.

use wasm_bindgen::JsValue;

use super::clock::now;
use super::input::Input;
use super::share::Participant;
use super::share_js;
use crate::engine::SocketHandle;

impl Participant {
    /// A message on the group's channel (the hubs' messages; the tabs' are ignored).
    pub(super) fn message(&self, message: &JsValue) {
        let (Some(kind), Some(hub)) = (share_js::text(message, "t"), share_js::text(message, "hub")) else { return };
        let to_me = share_js::text(message, "to").as_deref() == Some(self.id.as_str());
        let (handle, linked_to) = match self.state.borrow().link.as_ref() {
            Some(link) => (Some(link.handle), Some(link.hub.clone())),
            None => (None, None),
        };
        let on_this_hub = matches!(&linked_to, Some(Some(h)) if *h == hub);
        // A link still attaching hears from any hub: one that beats is alive, so no takeover.
        let attaching_hears = linked_to == Some(None) && matches!(kind.as_str(), "hub" | "beat" | "tabs");
        if on_this_hub || attaching_hears {
            let mut state = self.state.borrow_mut();
            state.heard = now();
            state.probe = None;
        }
        match kind.as_str() {
            "hub" => match linked_to {
                Some(None) => self.send_attach(),
                Some(Some(other)) if other != hub => self.move_link("the shared connection has a new leader"),
                _ => {}
            },
            "bye" if on_this_hub => self.move_link("the shared connection's leader left"),
            // Its hub is silent (probed) while another beats: it missed that hub's announce
            // (a page frozen or busy meanwhile may never get some messages): move, not take over.
            "beat" if matches!(&linked_to, Some(Some(h)) if *h != hub) && self.state.borrow().probe.is_some() => {
                self.move_link("the shared connection's leader went silent and another one leads")
            }
            "open" if to_me && linked_to == Some(None) => {
                {
                    let mut state = self.state.borrow_mut();
                    if let Some(link) = state.link.as_mut() {
                        link.hub = Some(hub);
                    }
                    state.heard = now();
                    state.probe = None;
                }
                self.deliver(handle, |h| Input::Open(h));
            }
            "to" if on_this_hub => {
                let to = share_js::field(message, "to");
                let me = JsValue::from_str(&self.id);
                if js_sys::Array::is_array(&to) && js_sys::Array::from(&to).includes(&me, 0) {
                    let text = share_js::field(message, "text");
                    // Another recipient shows this frame's desktop notification.
                    let quiet = share_js::text(message, "n").is_some_and(|n| n != self.id);
                    self.quiet.set(quiet);
                    self.deliver(handle, |h| Input::Frame(h, text));
                    self.quiet.set(false);
                }
            }
            "close" if to_me && linked_to.is_some() => {
                let code = share_js::field(message, "code").as_f64().unwrap_or(1006.0) as u16;
                let reason = share_js::text(message, "reason").unwrap_or_default();
                self.close_link(code, &reason);
            }
            "solo" if to_me => {
                let reason = share_js::text(message, "reason").unwrap_or_default();
                self.state.borrow_mut().link = None;
                let reason = format!("{reason}: this Echo connects on its own");
                self.go_solo(reason);
                if let Some((h, sink)) = handle.zip(self.sink.upgrade()) {
                    sink.input(Input::Close(h, 4200, "leaving the shared connection: connecting on its own".into()));
                }
            }
            // From its hub, or the one it is attaching to (the count may change before the open).
            "tabs" if on_this_hub || linked_to == Some(None) => {
                if let Some(n) = share_js::field(message, "n").as_f64() {
                    self.state.borrow_mut().tabs = n as u32;
                }
            }
            _ => {}
        }
    }

    pub(super) fn deliver(&self, handle: Option<SocketHandle>, input: impl FnOnce(SocketHandle) -> Input) {
        if let (Some(handle), Some(sink)) = (handle, self.sink.upgrade()) {
            sink.input(input(handle));
        }
    }
}
