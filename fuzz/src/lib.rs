//! Fuzzing harness of echo-wasm's sans-IO engine and frame codec (issue #8).
//!
//! [`run_program`] reads the fuzz input as a program: each step is one engine input or app
//! command (connect, disconnect, subscribe/unsubscribe a known or fuzz-made channel name,
//! whisper, sign in, advance the clock, socket open/close/text/binary for the live socket or a
//! stale one, a templated or raw server frame, an authorization answer (granted with right or
//! wrong keys, malformed, refused, for a live or unknown request), online, wake, retry). After
//! every step it drains the engine's outputs the way the browser edge would and asserts:
//!
//! - no panic (anywhere in the engine);
//! - never two sockets open; only the live socket is closed; frames (but a pong to a server
//!   ping) are sent only on a socket whose Pusher handshake completed with a valid socket id,
//!   which never changes for that socket;
//! - every state change is legal (`ConnectionState::can_become`), continues from the previous
//!   one, and the engine's `state()` matches the last change;
//! - every `pusher:subscribe` is for a channel the app currently wants (or its own
//!   `#server-to-user-{id}` after sign-in); authorized ones carry exactly the signature issued
//!   for that channel *and the live socket id*; `Authorize` requests name the live socket id;
//! - events, `subscribed` and presence callbacks only for channels the app currently wants;
//!   `subscribed` only after a subscribe frame on the live socket;
//! - an encrypted channel never dispatches anything but a plaintext that was really sealed
//!   (events sealed with a wrong key or sent unencrypted are never delivered as data);
//! - refused commands (bad channel names, refused whispers) emit nothing; accepted whispers
//!   emit exactly one frame within the size limit and at most 10 in any second on one socket;
//! - the timer makes progress (no storm of timeouts at one instant).
//!
//! The resume handling has its own program and invariants: [`recovery`].
//!
//! Shared by the libFuzzer targets (`fuzz_targets/`), the deterministic driver
//! (`examples/fuzz_engine.rs`) and `tests/fuzz_regressions.rs` (which includes this file).

use std::collections::{HashMap, HashSet};

#[path = "recovery.rs"]
pub mod recovery;
pub use recovery::run_recovery_program;

use echo_wasm::channels::{validate_channel_name, ChannelKind};
use echo_wasm::connection::ConnectionState;
use echo_wasm::encryption::SharedSecret;
use echo_wasm::engine::{AuthOutcome, Authorization, Engine, Output, SocketHandle, UserAuthOutcome};
use echo_wasm::error::AuthFailure;
use echo_wasm::options::Options;
use echo_wasm::protocol;
use echo_wasm::reconnect::SeededRandom;
use serde_json::{json, Value};

/// Channel names the programs use most (index 0..), valid and invalid.
pub const CHANNELS: &[&str] = &[
    "news",
    "private-a",
    "presence-room",
    "private-encrypted-pay",
    "cache-x",
    "private-cache-y",
    "presence-cache-z",
    "private-encrypted-b",
    "bad name!",
    "",
    "#server-to-user-1",
    "tenant.1.inventory",
];

const MAX_NAME: usize = 164;
const KEY_RIGHT: [u8; 32] = [2; 32];
const KEY_WRONG: [u8; 32] = [9; 32];

/// Reads the fuzz bytes; reads past the end give zeros (the program stops there).
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }
    pub fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
    pub fn u16(&mut self) -> u16 {
        u16::from(self.u8()) << 8 | u16::from(self.u8())
    }
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        let end = (self.pos + n).min(self.data.len());
        self.pos += n;
        &self.data[start..end]
    }
    pub fn text(&mut self) -> String {
        let n = self.u8() as usize;
        String::from_utf8_lossy(self.take(n)).into_owned()
    }
}

/// The oracle's name check: `[A-Za-z0-9_\-=@,.;]`, 1 to `max` characters.
pub fn name_is_valid(name: &str, max: usize) -> bool {
    !name.is_empty() && name.chars().count() <= max && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-=@,.;".contains(c))
}

/// The oracle's socket-id check: `^\d+\.\d+$`.
pub fn socket_id_is_valid(id: &str) -> bool {
    let mut parts = id.split('.');
    let ok = |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// Frame codec properties on arbitrary bytes: decoding never panics and keeps what it reads;
/// every encoder writes JSON that reads back to the same strings; the validators agree with
/// the oracles.
pub fn decode_any(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match protocol::decode_text::<Value>(&text) {
        Ok(frame) => {
            let v: Value = serde_json::from_str(&text).expect("decoded text is JSON");
            assert_eq!(v["event"].as_str(), Some(frame.event.as_str()), "event kept");
            if let Some(channel) = &frame.channel {
                assert_eq!(v["channel"].as_str(), Some(channel.as_str()), "channel kept");
            }
        }
        Err(_) => {}
    }
    let mut parts = text.split('\u{1}');
    let (a, b, c) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let sub: Value = serde_json::from_str(&protocol::subscribe_frame(a, Some(b), Some(c))).expect("subscribe frame is JSON");
    assert_eq!(sub["event"], "pusher:subscribe");
    assert_eq!(sub["data"]["channel"], a);
    assert_eq!(sub["data"]["auth"], b);
    assert_eq!(sub["data"]["channel_data"], c);
    let unsub: Value = serde_json::from_str(&protocol::unsubscribe_frame(a)).expect("unsubscribe frame is JSON");
    assert_eq!(unsub["data"]["channel"], a);
    let signin: Value = serde_json::from_str(&protocol::signin_frame(a, b)).expect("signin frame is JSON");
    assert_eq!(signin["data"]["auth"], a);
    assert_eq!(signin["data"]["user_data"], b);
    let client: Value = serde_json::from_str(&protocol::client_event_frame(a, b, "{\"k\":[1,\"x\"]}")).expect("client event frame is JSON");
    assert_eq!(client["channel"], a);
    assert_eq!(client["event"], b);
    assert_eq!(client["data"], json!({"k":[1,"x"]}));
    assert_eq!(protocol::is_valid_socket_id(&text), socket_id_is_valid(&text), "socket id check of {text:?}");
    assert_eq!(validate_channel_name(&text, MAX_NAME).is_ok(), name_is_valid(&text, MAX_NAME), "name check of {text:?}");
}

/// The oracle's view of the world around the engine.
struct World {
    engine: Engine<Value>,
    now: u64,
    /// The live socket: handle, and the socket id once the handshake completed.
    live: Option<(SocketHandle, Option<String>)>,
    stale: Vec<SocketHandle>,
    wanted: HashSet<String>,
    /// Channels with a subscribe frame on the live socket.
    subscribe_sent: HashSet<String>,
    /// Channel auth handed out: request -> (socket id, channel, auth).
    auth_requests: Vec<(u64, String, String)>,
    issued: HashMap<(String, String), String>,
    user_auth_requests: Vec<(u64, String)>,
    last_state: ConnectionState,
    sealed: HashSet<u64>,
    seal_counter: u64,
    whisper_times: Vec<u64>,
    max_request: u64,
}

fn options() -> Options {
    let mut o = Options::new("app-key");
    o.hosts = vec!["127.0.0.1".into(), "127.0.0.2:7001".into()];
    o.ws_port = 6001;
    o.force_tls = Some(false);
    o
}

impl World {
    fn new(seed: u64) -> Self {
        let engine = Engine::new(options(), Box::new(SeededRandom::new(seed)));
        let last_state = engine.state();
        World {
            engine,
            now: 1_000,
            live: None,
            stale: vec![],
            wanted: HashSet::new(),
            subscribe_sent: HashSet::new(),
            auth_requests: vec![],
            issued: HashMap::new(),
            user_auth_requests: vec![],
            last_state,
            sealed: HashSet::new(),
            seal_counter: 0,
            whisper_times: vec![],
            max_request: 0,
        }
    }

    fn live_socket(&self) -> Option<SocketHandle> {
        self.live.as_ref().map(|(s, _)| *s)
    }

    fn forget_live(&mut self) {
        if let Some((s, _)) = self.live.take() {
            self.stale.push(s);
        }
        self.subscribe_sent.clear();
        self.auth_requests.clear();
        self.user_auth_requests.clear();
        self.whisper_times.clear(); // the server's client-event budget is per connection
    }

    /// Performs every output as the edge would, checking the invariants. Returns the frames sent.
    fn drain(&mut self) -> Vec<String> {
        let mut sent = vec![];
        // The handshake may come from any frame: learn the live socket id once it completed;
        // it must never change for the same socket.
        if let (Some((_, known)), Some(id)) = (self.live.as_mut(), self.engine.socket_id()) {
            match known {
                None => {
                    assert!(socket_id_is_valid(id), "accepted socket id {id:?}");
                    *known = Some(id.to_owned());
                }
                Some(k) => assert_eq!(k.as_str(), id, "the socket id changed on the same socket"),
            }
        }
        while let Some(out) = self.engine.poll_output() {
            match out {
                Output::OpenSocket { socket, url } => {
                    assert!(self.live.is_none(), "a second socket opened while {:?} is open", self.live);
                    assert!(url.starts_with("ws://") || url.starts_with("wss://"), "socket url {url}");
                    assert!(url.contains("/app/app-key?protocol=7"), "socket url {url}");
                    self.live = Some((socket, None));
                    self.subscribe_sent.clear();
                }
                Output::CloseSocket { socket, code, .. } => {
                    assert_eq!(Some(socket), self.live_socket(), "closing a socket that is not the live one");
                    assert!(code == 1000 || (3000..5000).contains(&code), "browsers refuse close code {code}");
                    self.forget_live();
                }
                Output::Send(text) => {
                    // Only a pong may answer a (premature) server ping before the handshake.
                    let socket_id = match &self.live {
                        Some((_, Some(id))) => id.clone(),
                        Some((_, None)) if text == protocol::pong_frame() => String::new(),
                        Some((_, None)) => panic!("sent {text} before the handshake"),
                        None => panic!("sent {text} without a socket"),
                    };
                    let frame: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("client frame is not JSON ({e}): {text}"));
                    let event = frame["event"].as_str().unwrap_or_else(|| panic!("client frame without event: {text}"));
                    if event == "pusher:subscribe" {
                        let channel = frame["data"]["channel"].as_str().expect("subscribe names a channel").to_owned();
                        // The user's own channel after a `pusher:signin_success` (the server names the id).
                        let own = channel.starts_with("#server-to-user-");
                        assert!(self.wanted.contains(&channel) || own, "subscribed {channel} nobody asked for");
                        let auth = frame["data"]["auth"].as_str().unwrap_or("");
                        if ChannelKind::of(&channel).needs_auth() {
                            let issued = self.issued.get(&(socket_id.clone(), channel.clone()));
                            assert_eq!(Some(auth), issued.map(String::as_str), "subscribe of {channel} with an auth not issued for socket {socket_id}");
                        }
                        self.subscribe_sent.insert(channel);
                    }
                    sent.push(text);
                }
                Output::Authorize { request, socket_id, channel } => {
                    let live_id = self.live.as_ref().and_then(|(_, id)| id.clone());
                    assert_eq!(Some(&socket_id), live_id.as_ref(), "authorization for {channel} names a socket id that is not live");
                    assert!(self.wanted.contains(&channel), "authorization for {channel} nobody asked for");
                    assert!(ChannelKind::of(&channel).needs_auth(), "authorization for public {channel}");
                    self.max_request = self.max_request.max(request);
                    self.auth_requests.push((request, socket_id, channel));
                }
                Output::AuthenticateUser { request, socket_id } => {
                    let live_id = self.live.as_ref().and_then(|(_, id)| id.clone());
                    assert_eq!(Some(&socket_id), live_id.as_ref(), "user authentication names a socket id that is not live");
                    self.max_request = self.max_request.max(request);
                    self.user_auth_requests.push((request, socket_id));
                }
                Output::StateChanged { previous, current } => {
                    assert_eq!(previous, self.last_state, "state change does not continue from the last one");
                    assert!(previous.can_become(current), "illegal {previous:?} -> {current:?}");
                    self.last_state = current;
                }
                Output::Event { channel, event, data, .. } => {
                    let own = channel.starts_with("#server-to-user-");
                    assert!(self.wanted.contains(&channel) || own, "event {event} on {channel} the app does not want");
                    let kind = ChannelKind::of(&channel);
                    // Only the protocol events with their own meaning pass unopened (issue 12
                    // item 3: `client-*`, `pusherish`, unknown `pusher:*` are opened too).
                    if kind == ChannelKind::Encrypted && !matches!(event.as_str(), "pusher:subscription_count" | "pusher:cache_miss") {
                        let n = data.get("sealed").and_then(Value::as_u64);
                        let genuine = n.is_some_and(|n| self.sealed.contains(&n)) && data.as_object().is_some_and(|o| o.len() == 1);
                        assert!(genuine, "encrypted channel {channel} dispatched something never sealed: {data}");
                    }
                }
                Output::Subscribed { channel } => {
                    let own = channel.starts_with("#server-to-user-"); // after sign-in, by the engine itself
                    assert!(self.wanted.contains(&channel) || own, "subscribed callback for {channel} the app does not want");
                    assert!(self.subscribe_sent.contains(&channel), "{channel} subscribed without a subscribe frame on this socket");
                }
                Output::Here { channel, .. } | Output::Joining { channel, .. } | Output::Leaving { channel, .. } => {
                    assert!(self.wanted.contains(&channel), "presence callback for {channel} the app does not want");
                    assert_eq!(ChannelKind::of(&channel), ChannelKind::Presence, "presence callback on {channel}");
                }
                Output::Resumed(resumed) => {
                    assert!(self.wanted.contains(&resumed.channel), "resumed callback for {} the app does not want", resumed.channel);
                    assert_eq!(resumed.recovered, resumed.reason.is_none(), "recovered iff no reason: {resumed:?}");
                }
                Output::ChannelError(_) | Output::Error(_) | Output::SignedIn { .. } | Output::SigninFailed(_) | Output::UserEvent { .. } | Output::Watchlist { .. } => {}
            }
        }
        assert_eq!(self.engine.state(), self.last_state, "state() differs from the last state change");
        sent
    }

    /// Advances the clock by `ms`, firing every deadline on the way.
    fn advance(&mut self, ms: u64) {
        let target = self.now + ms;
        let mut fired_at_same_instant = 0;
        let mut last = None;
        while let Some(t) = self.engine.poll_timeout() {
            if t > target {
                break;
            }
            let at = self.now.max(t);
            if last == Some(at) {
                fired_at_same_instant += 1;
                assert!(fired_at_same_instant < 1000, "timer storm: the deadline does not move past {at}");
            } else {
                fired_at_same_instant = 0;
            }
            last = Some(at);
            self.now = at;
            self.engine.handle_timeout(self.now);
            self.drain();
        }
        self.now = target;
    }

    fn seal(&mut self, key: &SharedSecret, nonce: u8) -> String {
        self.seal_counter += 1;
        let n = self.seal_counter;
        // Genuine either way: a key refresh may legitimately hand out the other key.
        self.sealed.insert(n);
        let (nonce, ciphertext) = key.seal([nonce; 24], &json!({ "sealed": n }).to_string());
        json!({ "nonce": nonce, "ciphertext": ciphertext }).to_string()
    }

    fn channel(&self, b: &mut Bytes) -> String {
        let i = b.u8() as usize;
        if i < 240 {
            CHANNELS[i % CHANNELS.len()].to_owned()
        } else {
            // A fuzz-made name (often invalid), or a long one near the limit.
            match i {
                240..=247 => format!("private-{}", "x".repeat(MAX_NAME - 8 - 3 + (i - 240))),
                _ => b.text(),
            }
        }
    }

    fn frame(&mut self, b: &mut Bytes) -> String {
        let kind = b.u8();
        let channel = self.channel(b);
        let key_byte = b.u8();
        let f: Value = match kind % 24 {
            0 => json!({"event":"pusher_internal:subscription_succeeded","channel":channel,"data":"{\"presence\":{\"ids\":[\"1\",\"2\"],\"hash\":{\"1\":{},\"2\":{}},\"count\":2}}"}),
            1 => json!({"event":"pusher_internal:subscription_succeeded","channel":channel,"data":"{}"}),
            2 => json!({"event":"pusher:subscription_error","channel":channel,"data":{"status": key_byte as u64 * 2, "error": "no"}}),
            3 => json!({"event":"pusher:error","data":{"code":4009,"message":"Authentication error"}}),
            4 => json!({"event":"pusher_internal:member_added","channel":channel,"data": json!({"user_id": (key_byte % 5).to_string(), "user_info": {"n": key_byte}}).to_string()}),
            5 => json!({"event":"pusher_internal:member_removed","channel":channel,"data": json!({"user_id": (key_byte % 5).to_string()}).to_string()}),
            6 => json!({"event":"thing.happened","channel":channel,"data":"{\"a\":1}"}),
            7 => {
                let key = SharedSecret::from_bytes(if key_byte % 3 == 0 { KEY_WRONG } else { KEY_RIGHT });
                json!({"event":"thing.happened","channel":channel,"data": self.seal(&key, key_byte)})
            }
            8 => json!({"event":"pusher:ping","data":{}}),
            9 => json!({"event":"pusher:pong","data":{}}),
            10 => json!({"event":"pusher:signin_success","data":{"user_data": json!({"id": (key_byte % 3).to_string()}).to_string()}}),
            11 => json!({"event":"pusher:connection_established","data": json!({"socket_id": format!("{}.{}", key_byte, 7), "activity_timeout": key_byte % 4}).to_string()}),
            12 => return "{not json".into(),
            13 => json!({"event": 7, "channel": channel}),
            14 => json!({"event":"pusher_internal:subscription_count","channel":channel,"data":{"subscription_count": key_byte}}),
            15 => json!({"event": if key_byte % 4 == 1 { "pusherish" } else { "client-x" },"channel":channel,"user_id": if key_byte % 2 == 0 { json!({"bad":1}) } else { json!("2") },"data":null}),
            16 => json!({"event":"pusher:error","channel":channel,"data":{"code":null,"message":5}}),
            17 => json!({"event":"pusher:error","data":{"code": 4000 + key_byte as u64,"message":"x"}}),
            18 => json!({"event":"thing.happened","channel":channel,"data": json!({"nonce": "AAAA", "ciphertext": "%%%"}).to_string()}),
            19 => json!({"event":"pusher_internal:watchlist_events","data":{"events":[{"name":"online","user_ids":["1", 2]}]}}),
            20 => json!({"event":"thing.happened","channel": format!("#server-to-user-{}", key_byte % 3),"data":"{}"}),
            21 => json!({"event":"pusher:cache_miss","channel":channel}),
            22 => json!({"event":"pusher_internal:subscription_succeeded","channel":channel,"data": json!({"presence": {"ids": [key_byte], "hash": [], "count": "x"}})}),
            _ => json!({"event":"pusher:signin_success","data":{"user_data":"not json"}}),
        };
        f.to_string()
    }

    fn step(&mut self, b: &mut Bytes) {
        let op = b.u8() % 28;
        let mut refused_command = false;
        match op {
            0 => {
                let _ = self.engine.connect(self.now);
            }
            1 => self.engine.disconnect(self.now),
            2 | 3 => {
                let name = self.channel(b);
                let result = self.engine.subscribe(self.now, &name);
                assert_eq!(result.is_ok(), name_is_valid(&name, MAX_NAME), "subscribe({name:?}) -> {result:?}");
                match result {
                    Ok(()) => {
                        self.wanted.insert(name);
                    }
                    Err(_) => refused_command = true,
                }
            }
            4 => {
                let name = self.channel(b);
                self.wanted.remove(&name);
                self.engine.unsubscribe(self.now, &name);
            }
            5 => {
                let name = self.channel(b);
                let event = match b.u8() % 6 {
                    0 => "client-typing".to_owned(),
                    1 => "typing".to_owned(),
                    2 => "client-".to_owned(),
                    3 => format!("client-{}", "e".repeat(200)),
                    4 => "client-a\u{7}".to_owned(),
                    _ => format!("client-{}", b.text()),
                };
                let size = match b.u8() % 4 {
                    0 => 10,
                    1 => 9_950,
                    2 => 10_300,
                    _ => 100,
                };
                let data = json!({ "pad": "p".repeat(size) });
                match self.engine.trigger(self.now, &name, &event, &data) {
                    Ok(()) => {
                        let sent = self.drain();
                        assert_eq!(sent.len(), 1, "an accepted whisper sends one frame: {sent:?}");
                        assert!(sent[0].len() <= 10 * 1024, "whisper frame of {} bytes", sent[0].len());
                        let kind = ChannelKind::of(&name);
                        assert!(kind.allows_client_events(), "whisper accepted on {name}");
                        assert!(self.subscribe_sent.contains(&name), "whisper on {name} before subscribing");
                        self.whisper_times.retain(|t| self.now - *t < 1000);
                        self.whisper_times.push(self.now);
                        assert!(self.whisper_times.len() <= 10, "more than 10 whispers within a second");
                    }
                    Err(_) => refused_command = true,
                }
            }
            6 => self.engine.signin(self.now),
            7 => self.advance(u64::from(b.u8())),
            8 => self.advance(u64::from(b.u16())),
            9 => self.advance(u64::from(b.u16()) * 40),
            10 | 11 => {
                if let Some(s) = self.live_socket() {
                    self.engine.handle_open(self.now, s);
                }
            }
            12 => {
                // The handshake: valid or invalid socket id.
                if let Some(s) = self.live_socket() {
                    let k = b.u8();
                    let id = match k % 5 {
                        0 => "abc".to_owned(),
                        1 => "1.".to_owned(),
                        _ => format!("{}.{}", 1000 + u32::from(k), self.stale.len()),
                    };
                    let text = json!({"event":"pusher:connection_established","data": json!({"socket_id": id, "activity_timeout": 30}).to_string()}).to_string();
                    let before = self.engine.socket_id().map(str::to_owned);
                    self.engine.handle_text(self.now, s, &text);
                    let after = self.engine.socket_id().map(str::to_owned);
                    if let Some(id) = &after {
                        assert!(socket_id_is_valid(id), "accepted socket id {id:?}");
                    }
                    if after.is_some() && after != before {
                        if let Some(live) = self.live.as_mut() {
                            live.1 = after;
                        }
                    }
                }
            }
            13 => {
                self.drain();
                let code = match b.u8() % 12 {
                    0 => 1000,
                    1 => 1002,
                    2 => 1006,
                    3 => 4000,
                    4 => 4001,
                    5 => 4009,
                    6 => 4100,
                    7 => 4200,
                    8 => 4201,
                    9 => 4300,
                    10 => 1005,
                    _ => b.u16(),
                };
                if let Some((s, _)) = self.live {
                    self.forget_live();
                    self.engine.handle_close(self.now, s, code, "bye");
                }
            }
            14 | 15 | 16 => {
                if let Some(s) = self.live_socket() {
                    let text = self.frame(b);
                    self.engine.handle_text(self.now, s, &text);
                }
            }
            17 => {
                if let Some(s) = self.live_socket() {
                    let text = b.text();
                    self.engine.handle_text(self.now, s, &text);
                }
            }
            18 => {
                if let Some(s) = self.live_socket() {
                    self.engine.handle_frame(self.now, s, Err(protocol::FrameError::Binary));
                }
            }
            19 | 20 => {
                // Answer an outstanding authorization: granted (right key, wrong key, bad secret,
                // presence data with or without user_id), or refused.
                if self.auth_requests.is_empty() {
                    return;
                }
                let at = b.u8() as usize % self.auth_requests.len();
                let (request, socket_id, channel) = self.auth_requests.remove(at);
                let how = b.u8();
                let outcome = match how % 10 {
                    0 => AuthOutcome::Failed(AuthFailure::Http { status: [401, 403, 419, 500, 503, 404][how as usize / 10 % 6], body: String::new() }),
                    1 => AuthOutcome::Failed(if how & 16 == 0 { AuthFailure::Network("down".into()) } else { AuthFailure::Timeout }),
                    2 => AuthOutcome::Failed(AuthFailure::InvalidResponse { status: 200, detail: "html".into() }),
                    _ => {
                        let auth = format!("app-key:sig:{socket_id}:{channel}");
                        let channel_data = channel.starts_with("presence-").then(|| if how % 10 == 3 { "{}".to_owned() } else { "{\"user_id\":\"1\",\"user_info\":{}}".to_owned() });
                        let shared_secret = channel.starts_with("private-encrypted-").then(|| match how % 10 {
                            4 => SharedSecret::from_bytes(KEY_WRONG).to_base64(),
                            5 => "not base64!".to_owned(),
                            _ => SharedSecret::from_bytes(KEY_RIGHT).to_base64(),
                        });
                        self.issued.insert((socket_id, channel), auth.clone());
                        AuthOutcome::Granted(Authorization { auth, channel_data, shared_secret })
                    }
                };
                self.engine.handle_auth(self.now, request, outcome);
            }
            21 => {
                // An answer to a request that is unknown (never made, or already answered).
                let request = self.max_request + 1 + u64::from(b.u8() % 3);
                let auth = "app-key:forged".to_owned();
                self.engine.handle_auth(self.now, request, AuthOutcome::Granted(Authorization { auth, channel_data: None, shared_secret: None }));
            }
            22 => {
                if let Some((request, _)) = self.user_auth_requests.pop() {
                    let outcome = if b.u8() % 3 == 0 {
                        UserAuthOutcome::Failed(AuthFailure::Http { status: 403, body: String::new() })
                    } else {
                        UserAuthOutcome::Granted { auth: "app-key:usersig".into(), user_data: "{\"id\":\"1\"}".into() }
                    };
                    self.engine.handle_user_auth(self.now, request, outcome);
                }
            }
            23 => self.engine.handle_online(self.now),
            24 => self.engine.handle_wake(self.now),
            25 => {
                let name = self.channel(b);
                self.engine.retry_subscription(self.now, &name);
            }
            26 => {
                // Events of a socket that is already gone must be ignored.
                if let Some(&s) = self.stale.last() {
                    let which = b.u8() % 3;
                    match which {
                        0 => self.engine.handle_open(self.now, s),
                        1 => self.engine.handle_close(self.now, s, 1006, ""),
                        _ => {
                            let text = self.frame(b);
                            self.engine.handle_text(self.now, s, &text);
                        }
                    }
                }
            }
            _ => {
                // A socket the engine never opened.
                let s = SocketHandle(u32::from(b.u8()) + 10_000);
                self.engine.handle_text(self.now, s, "{\"event\":\"pusher:connection_established\",\"data\":\"{\\\"socket_id\\\":\\\"1.1\\\"}\"}");
            }
        }
        let sent = self.drain();
        if refused_command {
            assert!(sent.is_empty(), "a refused command still sent {sent:?}");
        }
    }
}

/// Runs one fuzz program (see the module docs). Panics on any broken invariant.
pub fn run_program(data: &[u8]) {
    let mut b = Bytes::new(data);
    let seed = u64::from(b.u8());
    let mut world = World::new(seed);
    let mut steps = 0;
    while !b.done() && steps < 400 {
        world.step(&mut b);
        steps += 1;
    }
}
