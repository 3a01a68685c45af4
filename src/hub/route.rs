//! Reading frames for the hub: what a tab's frame asks ([`TabFrame`]) and where a server
//! frame goes ([`Route`]). A leaf: frames in, plain values out; nothing here can panic on
//! what a tab or the server sends (an unreadable frame is `None`).

use crate::payload::Payload;
use crate::protocol::{self, InboundFrame};

/// What a tab's frame asks of the hub.
pub enum TabFrame<P> {
    /// `pusher:subscribe`, with the presence user it names.
    Subscribe {
        /// The channel.
        channel: String,
        /// The presence `channel_data.user_id`.
        user: Option<String>,
    },
    /// `pusher:unsubscribe`.
    Unsubscribe(String),
    /// `pusher:ping` (the hub answers) or `pusher:pong` (dropped).
    Ping,
    /// `pusher:pong`.
    Pong,
    /// `pusher:signin`, with the user it names.
    Signin(Option<String>),
    /// A client event on a channel (the frame, to copy for the other holders).
    Client(InboundFrame<P>),
    /// Anything else: forwarded verbatim.
    Other,
}

/// Where a server frame goes.
pub enum Route {
    /// The handshake, with the server's `activity_timeout` in seconds.
    Established(Option<f64>),
    /// The server's ping (the hub answers).
    Ping,
    /// Nothing to do (a pong).
    Drop,
    /// A channel's subscription succeeded (presence: the roster is read from `data`).
    Succeeded(String),
    /// A channel's subscription failed.
    Failed(String),
    /// A presence member arrived (id, `Some(info as JSON)`) or left (id, `None`).
    Member(String, String, Option<String>),
    /// Any other frame of a channel (members without an id included).
    Channel(String),
    /// `pusher:signin_success`.
    SignedIn,
    /// Server-to-user frames: the tabs that signed in (or are signing in).
    User,
    /// Watchlist changes (Sockudo's `online`/`offline`, Pusher's `watchlist_events`), as
    /// (`online` or `offline`, user ids): the same tabs, and the hub keeps the statuses.
    Watch(Vec<(String, Vec<String>)>),
    /// A channel-less `pusher:error`, with its code: the hub finds whose it is.
    Error(Option<f64>),
    /// Any other frame with no channel: every tab.
    All,
}

/// A JSON-string field holding JSON (`channel_data`, `user_data`), read for its user id.
fn user_id_in<P: Payload>(data: &P, field: &str, id: &str) -> Option<String> {
    let value = data.get(field)?;
    let inner = if value.is_string() { value.parse_string()? } else { value };
    inner.get(id)?.as_id()
}

/// A tab's frame; `None` when it cannot be read (it is dropped).
pub fn tab_frame<P: Payload>(text: &str) -> Option<TabFrame<P>> {
    let frame = protocol::decode_text::<P>(text).ok()?;
    let channel = || frame.data.get("channel").and_then(|c| c.as_text());
    Some(match frame.event.as_str() {
        "pusher:subscribe" => {
            let channel = channel()?;
            let user = if channel.starts_with("presence-") { user_id_in(&frame.data, "channel_data", "user_id") } else { None };
            TabFrame::Subscribe { channel, user }
        }
        "pusher:unsubscribe" => TabFrame::Unsubscribe(channel()?),
        "pusher:ping" => TabFrame::Ping,
        "pusher:pong" => TabFrame::Pong,
        "pusher:signin" => TabFrame::Signin(user_id_in(&frame.data, "user_data", "id")),
        event if event.starts_with("client-") && frame.channel.is_some() => TabFrame::Client(frame),
        _ => TabFrame::Other,
    })
}

/// A server frame's route, and its data for roster building; `None` when unreadable.
pub fn server_frame<P: Payload>(text: &str) -> Option<(Route, P)> {
    let frame = protocol::decode_text::<P>(text).ok()?;
    let event = frame.event;
    let data = frame.data;
    let id = |data: &P| data.get("user_id").and_then(|i| i.as_id());
    let ids = |data: &P| data.get("user_ids").and_then(|i| i.items()).unwrap_or_default().iter().filter_map(|i| i.as_id()).collect::<Vec<_>>();
    let route = match (event.as_str(), frame.channel) {
        ("pusher:connection_established", _) => Route::Established(data.get("activity_timeout").and_then(|t| t.as_number()).filter(|t| *t > 0.0)),
        ("pusher:ping", _) => Route::Ping,
        ("pusher:pong", _) => Route::Drop,
        ("pusher_internal:subscription_succeeded", Some(channel)) => Route::Succeeded(channel),
        ("pusher:subscription_error" | "pusher:error", Some(channel)) => Route::Failed(channel),
        ("pusher_internal:member_added", Some(channel)) => match id(&data) {
            Some(user) => {
                let info = data.get("user_info").and_then(|i| i.to_json()).unwrap_or_else(|| "null".into());
                Route::Member(channel, user, Some(info))
            }
            None => Route::Channel(channel),
        },
        ("pusher_internal:member_removed", Some(channel)) => match id(&data) {
            Some(user) => Route::Member(channel, user, None),
            None => Route::Channel(channel),
        },
        ("pusher:signin_success", _) => Route::SignedIn,
        ("online" | "offline", None) => Route::Watch(vec![(event.clone(), ids(&data))]),
        ("pusher_internal:watchlist_events", None) => Route::Watch(
            data.get("events").and_then(|e| e.items()).unwrap_or_default().iter()
                .filter_map(|e| Some((e.get("name")?.as_text()?, ids(e))))
                .collect(),
        ),
        (_, Some(channel)) if channel.starts_with("#server-to-user-") => Route::User,
        (_, Some(channel)) => Route::Channel(channel),
        ("pusher:error", None) => Route::Error(data.get("code").and_then(|c| c.as_number())),
        (_, None) => Route::All,
    };
    Some((route, data))
}

/// The copy of a presence client event other tabs get: with the sender's `user_id`, as the
/// server adds it for other sockets. `None` when its data cannot be written back.
pub fn presence_copy<P: Payload>(frame: &InboundFrame<P>, channel: &str, user: &str) -> Option<String> {
    let mut copy = protocol::client_event_frame(channel, &frame.event, &frame.data.to_json()?);
    copy.pop();
    copy.push_str(",\"user_id\":");
    protocol::push_json_string(&mut copy, user);
    copy.push('}');
    Some(copy)
}
