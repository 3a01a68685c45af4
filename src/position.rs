//! Stream positions of Sockudo's protocol 2, a leaf: where a delivery sits in its channel's
//! stream (top-level `serial`, `stream_id`, `message_id` on every delivery; protocol 7
//! strips them) and how they are read from a frame, refusing serials a JSON number cannot
//! carry exactly.

use crate::payload::Payload;

/// Where a delivery sits in its channel's stream (Sockudo protocol 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// Monotonic per channel stream.
    pub serial: u64,
    /// The stream the serial counts in (a new stream restarts the serials).
    pub stream_id: Option<String>,
    /// The delivery's id.
    pub message_id: Option<String>,
}

/// Largest serial accepted: every integer up to it is exact in an f64 (JSON numbers).
pub const MAX_SERIAL: u64 = (1 << 53) - 1;

/// A non-negative integer no larger than [`MAX_SERIAL`], from a JSON number.
pub fn serial_of<P: Payload>(value: &P) -> Option<u64> {
    let n = value.as_number()?;
    (n >= 0.0 && n <= MAX_SERIAL as f64 && n.fract() == 0.0).then_some(n as u64)
}

/// The position fields of a frame (`serial`, `stream_id`, `message_id`), each passed as
/// present (`None` when absent). No `serial`, or one that is not a JSON integer in range:
/// no position (the event itself is still delivered).
pub fn decode_position<P: Payload>(serial: Option<P>, stream_id: Option<P>, message_id: Option<P>) -> Option<Position> {
    let serial = serial_of(&serial?)?;
    Some(Position { serial, stream_id: stream_id.and_then(|s| s.as_text()), message_id: message_id.and_then(|m| m.as_text()) })
}
