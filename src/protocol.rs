//! Pusher protocol 7 frames: decoding inbound frames and encoding outbound ones.
//!
//! Inbound frames are `{event, channel?, data?, user_id?}`. Servers usually double-encode
//! `data` as a JSON string, but Sockudo and Soketi send some of it as an object; both are
//! accepted, and a string that is not JSON stays a string. Outbound frames are written by
//! hand with [`push_json_string`], so no JSON serializer is needed for protocol frames.

use crate::payload::Payload;
pub use crate::position::{decode_position, Position, MAX_SERIAL};

/// A decoded inbound frame.
#[derive(Clone, Debug)]
pub struct InboundFrame<P> {
    /// The event name, e.g. `pusher:connection_established` or `.inventory.update`.
    pub event: String,
    /// The channel the event belongs to, if any.
    pub channel: Option<String>,
    /// The payload: the inner JSON when `data` was a JSON string, else `data` itself,
    /// `null` when absent.
    pub data: P,
    /// The sender's user id on presence client events.
    pub user_id: Option<String>,
    /// Sockudo protocol 2: the event's place in its channel's stream (top-level `serial`,
    /// `stream_id`, `message_id`); `None` on protocol 7, or when not read.
    pub position: Option<Position>,
}

/// Why an inbound frame could not be decoded. The frame is dropped and reported; the
/// connection is unaffected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The text frame is not JSON. Cause: a server or proxy that is not speaking Pusher
    /// protocol 7 on this URL. Remedy: check `wsHost`, `wsPort` and `wsPath`.
    NotJson,
    /// The frame is JSON but not an object with a string `event`. Cause: a non-Pusher peer.
    MissingEvent,
    /// `channel` or `user_id` has the wrong JSON type.
    WrongType(&'static str),
    /// A binary frame arrived; Pusher protocol 7 is text only. It is ignored.
    Binary,
}

impl FrameError {
    /// A one-line description for error reports.
    pub fn describe(&self) -> String {
        match self {
            FrameError::NotJson => "received a frame that is not JSON".into(),
            FrameError::MissingEvent => "received a JSON frame without a string `event`".into(),
            FrameError::WrongType(field) => format!("received a frame whose `{field}` has the wrong type"),
            FrameError::Binary => "received a binary frame; Pusher protocol 7 uses text frames only".into(),
        }
    }
}

/// Decodes JSON text into a frame (native callers and tests; the browser edge parses with
/// `JSON.parse` and calls [`decode_frame`]).
pub fn decode_text<P: Payload>(text: &str) -> Result<InboundFrame<P>, FrameError> {
    let value = P::parse_json(text).ok_or(FrameError::NotJson)?;
    decode_frame(&value)
}

/// Decodes an already-parsed frame value.
pub fn decode_frame<P: Payload>(frame: &P) -> Result<InboundFrame<P>, FrameError> {
    if !frame.is_object() {
        return Err(FrameError::MissingEvent);
    }
    let mut decoded = decode_fields(frame.get("event"), frame.get("channel"), frame.get("data"), frame.get("user_id"))?;
    decoded.position = decode_position(frame.get("serial"), frame.get("stream_id"), frame.get("message_id"));
    Ok(decoded)
}

/// Decodes a frame from its four fields (`None` when absent). The one place where the
/// frame rules live; [`decode_frame`] and the browser's fast path both end here.
pub fn decode_fields<P: Payload>(event: Option<P>, channel: Option<P>, data: Option<P>, user_id: Option<P>) -> Result<InboundFrame<P>, FrameError> {
    let event = event.and_then(|v| v.as_text()).ok_or(FrameError::MissingEvent)?;
    let channel = match channel {
        None => None,
        Some(value) => match value.as_text() {
            Some(name) => Some(name),
            None if is_null(&value) => None,
            None => return Err(FrameError::WrongType("channel")),
        },
    };
    let user_id = match user_id {
        None => None,
        Some(value) => match value.as_id() {
            Some(id) => Some(id),
            None if is_null(&value) => None,
            None => return Err(FrameError::WrongType("user_id")),
        },
    };
    // A string `data` is parsed once more; a string that is not JSON stays as it is.
    let data = match data {
        None => P::null(),
        Some(value) if value.is_string() => value.parse_string().unwrap_or(value),
        Some(value) => value,
    };
    Ok(InboundFrame { event, channel, data, user_id, position: None })
}

/// A string `data`: its JSON value when it is JSON, else the string itself.
pub fn decode_data_text<P: Payload>(text: &str) -> P {
    P::parse_json(text).unwrap_or_else(|| P::from_text(text))
}

fn is_null<P: Payload>(value: &P) -> bool {
    value.to_json().as_deref() == Some("null")
}

/// True when `socket_id` has the form `^\d+\.\d+$` required by the protocol.
pub fn is_valid_socket_id(socket_id: &str) -> bool {
    match socket_id.split_once('.') {
        Some((a, b)) => {
            !a.is_empty() && !b.is_empty() && a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Appends `text` as a JSON string literal (quoted and escaped).
pub fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Builds `{"event":..,"data":{k:v,..}}` with string-valued data fields (None fields skipped).
fn frame_with_string_fields(event: &str, fields: &[(&str, Option<&str>)]) -> String {
    let mut out = String::with_capacity(64);
    out.push_str("{\"event\":");
    push_json_string(&mut out, event);
    out.push_str(",\"data\":{");
    let mut first = true;
    for (key, value) in fields {
        if let Some(value) = value {
            if !first {
                out.push(',');
            }
            first = false;
            push_json_string(&mut out, key);
            out.push(':');
            push_json_string(&mut out, value);
        }
    }
    out.push_str("}}");
    out
}

/// `pusher:subscribe` with the channel's authorization (empty for public channels).
pub fn subscribe_frame(channel: &str, auth: Option<&str>, channel_data: Option<&str>) -> String {
    frame_with_string_fields("pusher:subscribe", &[("auth", Some(auth.unwrap_or(""))), ("channel_data", channel_data), ("channel", Some(channel))])
}

/// `pusher:unsubscribe`.
pub fn unsubscribe_frame(channel: &str) -> String {
    frame_with_string_fields("pusher:unsubscribe", &[("channel", Some(channel))])
}

/// `pusher:ping`, sent after a period without inbound traffic.
pub fn ping_frame() -> String {
    "{\"event\":\"pusher:ping\",\"data\":{}}".into()
}

/// `pusher:pong`, the answer to a server ping.
pub fn pong_frame() -> String {
    "{\"event\":\"pusher:pong\",\"data\":{}}".into()
}

/// `pusher:signin` with the user authentication from the backend.
pub fn signin_frame(auth: &str, user_data: &str) -> String {
    frame_with_string_fields("pusher:signin", &[("auth", Some(auth)), ("user_data", Some(user_data))])
}

/// `sockudo:resume` for one channel, from its last delivered position (Sockudo protocol 2).
pub fn resume_frame(channel: &str, position: &Position) -> String {
    let mut out = String::with_capacity(96 + channel.len());
    out.push_str("{\"event\":\"sockudo:resume\",\"data\":{\"channel_positions\":{");
    push_json_string(&mut out, channel);
    out.push_str(":{\"serial\":");
    push_u64(&mut out, position.serial);
    for (key, value) in [("stream_id", &position.stream_id), ("last_message_id", &position.message_id)] {
        if let Some(value) = value {
            out.push_str(",\"");
            out.push_str(key);
            out.push_str("\":");
            push_json_string(&mut out, value);
        }
    }
    out.push_str("}}}}");
    out
}

/// Appends `n` in decimal (no `core::fmt`).
fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(d as char);
    }
}

/// A client event; `data_json` is the already-serialized payload.
pub fn client_event_frame(channel: &str, event: &str, data_json: &str) -> String {
    let mut out = String::with_capacity(40 + channel.len() + event.len() + data_json.len());
    out.push_str("{\"event\":");
    push_json_string(&mut out, event);
    out.push_str(",\"channel\":");
    push_json_string(&mut out, channel);
    out.push_str(",\"data\":");
    out.push_str(data_json);
    out.push('}');
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn data_as_json_string_object_or_plain_string() {
        let f: InboundFrame<Value> = decode_text(r#"{"event":"e","channel":"c","data":"{\"a\":1}"}"#).unwrap();
        assert_eq!(f.data, json!({"a":1}));
        let f: InboundFrame<Value> = decode_text(r#"{"event":"e","data":{"code":4000}}"#).unwrap();
        assert_eq!(f.data, json!({"code":4000}));
        assert_eq!(f.channel, None);
        let f: InboundFrame<Value> = decode_text(r#"{"event":"e","data":"hello"}"#).unwrap();
        assert_eq!(f.data, json!("hello"));
        let f: InboundFrame<Value> = decode_text(r#"{"event":"e","user_id":7}"#).unwrap();
        assert_eq!(f.user_id.as_deref(), Some("7"));
        assert_eq!(f.data, Value::Null);
    }

    #[test]
    fn malformed_frames_are_errors() {
        assert_eq!(decode_text::<Value>("nope").unwrap_err(), FrameError::NotJson);
        assert_eq!(decode_text::<Value>("[1]").unwrap_err(), FrameError::MissingEvent);
        assert_eq!(decode_text::<Value>(r#"{"event":5}"#).unwrap_err(), FrameError::MissingEvent);
        assert_eq!(decode_text::<Value>(r#"{"event":"e","channel":3}"#).unwrap_err(), FrameError::WrongType("channel"));
        assert_eq!(decode_text::<Value>(r#"{"event":"e","user_id":{}}"#).unwrap_err(), FrameError::WrongType("user_id"));
    }

    #[test]
    fn positions_are_read_from_the_top_level_and_bad_serials_ignored() {
        let f: InboundFrame<Value> = decode_text(r#"{"event":"e","channel":"c","data":"{}","serial":7,"stream_id":"s","message_id":"m"}"#).unwrap();
        assert_eq!(f.position, Some(Position { serial: 7, stream_id: Some("s".into()), message_id: Some("m".into()) }));
        for bad in ["-1", "1.5", "\"7\"", "1e300", "9007199254740992", "null", "{}"] {
            let f: InboundFrame<Value> = decode_text(&format!(r#"{{"event":"e","serial":{bad}}}"#)).unwrap();
            assert_eq!(f.position, None, "{bad}");
        }
    }

    #[test]
    fn socket_id_pattern() {
        assert!(is_valid_socket_id("123.456"));
        for bad in ["", "1", "1.", ".1", "1.2.3", "a.1", "1.2x", "１.2"] {
            assert!(!is_valid_socket_id(bad), "{bad}");
        }
    }

    #[test]
    fn outbound_frames_are_valid_json() {
        let f: Value = serde_json::from_str(&subscribe_frame("presence-a", Some("k:s"), Some("{\"user_id\":\"1\"}"))).unwrap();
        assert_eq!(f, json!({"event":"pusher:subscribe","data":{"channel":"presence-a","auth":"k:s","channel_data":"{\"user_id\":\"1\"}"}}));
        let f: Value = serde_json::from_str(&subscribe_frame("x", None, None)).unwrap();
        assert_eq!(f, json!({"event":"pusher:subscribe","data":{"channel":"x","auth":""}}));
        let f: Value = serde_json::from_str(&client_event_frame("private-a", "client-t\"\n\u{7}", "{\"x\":1}")).unwrap();
        assert_eq!(f, json!({"event":"client-t\"\n\u{7}","channel":"private-a","data":{"x":1}}));
        let position = Position { serial: MAX_SERIAL, stream_id: Some("s\"1".into()), message_id: None };
        let f: Value = serde_json::from_str(&resume_frame("private-a", &position)).unwrap();
        assert_eq!(f, json!({"event":"sockudo:resume","data":{"channel_positions":{"private-a":{"serial":MAX_SERIAL,"stream_id":"s\"1"}}}}));
        let f: Value = serde_json::from_str(&resume_frame("c", &Position { serial: 0, stream_id: None, message_id: Some("m".into()) })).unwrap();
        assert_eq!(f["data"]["channel_positions"]["c"], json!({"serial":0,"last_message_id":"m"}));
        let f: Value = serde_json::from_str(&signin_frame("a:b", "{\"id\":\"1\"}")).unwrap();
        assert_eq!(f["data"]["user_data"], json!("{\"id\":\"1\"}"));
    }
}
