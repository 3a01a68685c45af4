//! An Echo's sharing setup (`shareConnection`): off, on but solo from the start (and why:
//! `connectionRecovery`, the `null` broadcaster, a browser without the APIs), or on with its
//! [`Participant`] (`web/share.rs`, where the protocol between tabs is written down); and the
//! sharing key's text, hashed by the participant.

use std::rc::{Rc, Weak};

use super::auth::AuthConfig;
use super::input::InputSink;
use super::share::{Participant, View};
use super::share_js;
use crate::fast_map::FastMap;
use crate::options::Options;

/// The text the sharing key hashes (it holds the bearer token: never shown, only hashed).
pub fn sharing_text(options: &Options, auth: &AuthConfig) -> String {
    let tls = options.use_tls();
    let mut parts: Vec<String> = (0..options.host_count().max(1)).map(|i| options.url(tls, i)).collect();
    parts.push(auth.endpoint.clone());
    parts.push(auth.user_endpoint.clone());
    parts.push(auth.bearer_token.clone().unwrap_or_default());
    for headers in [&auth.headers, &auth.user_headers] {
        // In name, then value, order, whatever order the app listed them in: a `FastMap` used
        // as a sorted set of pairs. Not a sort: the crate's two `sort_unstable` calls linked
        // 8,084 B of wasm (3,309 B gzip) between them (BENCHMARKS.md, "Issue 11: size levers").
        let mut pairs: FastMap<(&str, &str), ()> = FastMap::default();
        for (k, v) in headers {
            pairs.insert((k.as_str(), v.as_str()), ());
        }
        parts.push(pairs.keys().map(|(k, v)| format!("{k}:{v}")).collect::<Vec<_>>().join("\n"));
    }
    parts.join("\n\u{1}\n")
}

/// An Echo's sharing: off, on but solo from the start (why), or a participant.
#[derive(Default)]
pub enum Sharing {
    /// `shareConnection` is off.
    #[default]
    Off,
    /// On, but this Echo connects on its own (the reason `diagnose()` shows).
    Fallback(String),
    /// On: this Echo's participant.
    On(Rc<Participant>),
}

impl Sharing {
    /// Sharing for an Echo with `shareConnection: true` (`desktop`: its desktop
    /// notifications are on).
    pub fn start(options: &Options, auth: &AuthConfig, desktop: bool, sink: Weak<dyn InputSink>) -> Sharing {
        if options.connection_recovery {
            return Sharing::Fallback("connectionRecovery is not resumed through a shared connection: this Echo connects on its own".into());
        }
        if options.never_connect {
            return Sharing::Fallback("broadcaster 'null' never connects".into());
        }
        if let Some(missing) = share_js::missing_api() {
            return Sharing::Fallback(missing.into());
        }
        Sharing::On(Participant::start(sharing_text(options, auth), options.clone(), desktop, sink))
    }

    /// The participant while it shares (its engine's sockets are links).
    pub fn linking(&self) -> Option<Rc<Participant>> {
        match self {
            Sharing::On(p) if p.is_shared() => Some(p.clone()),
            _ => None,
        }
    }

    /// `diagnose().sharing`: enabled, role, tabs, reason.
    pub fn view(&self) -> (bool, View) {
        match self {
            Sharing::Off => (false, View { role: "solo", tabs: 1, reason: None }),
            Sharing::Fallback(reason) => (true, View { role: "solo", tabs: 1, reason: Some(reason.clone()) }),
            Sharing::On(p) => (true, p.view()),
        }
    }
}
