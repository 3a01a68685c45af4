//! Browser signals that matter to a long-lived connection: `online`/`offline`,
//! `visibilitychange`, `resume`/`pageshow` (a frozen or restored page), each turned into an
//! input for an [`InputSink`] (the client). The listeners are removed when this value drops.

use std::rc::Weak;

use gloo_events::EventListener;

use super::input::{Input, InputSink};

/// The page-level listeners of one Echo instance.
pub struct BrowserEvents {
    _listeners: Vec<EventListener>,
}

impl BrowserEvents {
    /// Listens on `window` and `document` when they exist (not during SSR).
    pub fn attach<S: InputSink + 'static>(sink: Weak<S>) -> BrowserEvents {
        let mut listeners = Vec::new();
        let Some(window) = web_sys::window() else { return BrowserEvents { _listeners: listeners } };
        let on = |target: &web_sys::EventTarget, name: &'static str, input: fn() -> Input, sink: Weak<S>| {
            EventListener::new(target, name, move |_| {
                if let Some(sink) = sink.upgrade() {
                    sink.input(input());
                }
            })
        };
        listeners.push(on(&window, "online", || Input::Online, sink.clone()));
        listeners.push(on(&window, "offline", || Input::Wake, sink.clone()));
        listeners.push(on(&window, "pageshow", || Input::Wake, sink.clone()));
        if let Some(document) = window.document() {
            let weak = sink.clone();
            let doc = document.clone();
            listeners.push(EventListener::new(&document, "visibilitychange", move |_| {
                if doc.visibility_state() == web_sys::VisibilityState::Visible {
                    if let Some(sink) = weak.upgrade() {
                        sink.input(Input::Wake);
                    }
                }
            }));
            listeners.push(on(&document, "resume", || Input::Wake, sink));
        }
        BrowserEvents { _listeners: listeners }
    }
}
