//! Fuzzing of the resume handling (issue #16): [`run_recovery_program`] reads the input as a
//! program against an engine with `connectionRecovery` on a Sockudo protocol 2 connection:
//! channel events with positions (one stream at a time; a stream reset moves to a new one),
//! events without, subscribe replies with and without a position, `resume_success` /
//! `resume_failed` with fuzz-made lists, codes and types, raw frames, error 4301, drops and
//! reconnects (protocol 2 or 7), disconnect/connect, subscribe/unsubscribe and the clock. After
//! every step it drains the outputs and asserts:
//!
//! - no panic;
//! - no event (channel, stream, serial) is delivered twice while the app holds the channel;
//! - nothing is lost: an event with a serial above every serial the channel saw before (fed or
//!   acknowledged) that arrives while the channel is subscribed is delivered, at the latest
//!   once the resume timeout has passed (checked at the end of the program);
//! - `resumed` only for channels the app holds, `recovered` exactly when `reason` is null, and
//!   `replayed` is 0 unless recovered;
//! - recovered means nothing is missing: events published while the socket was down (a drop
//!   can publish some) that an honest server replays (the program's own resume answer: every
//!   logged event above the position the client asked from, then `resume_success`) are all
//!   delivered when `resumed` says `recovered: true` (a `recovered: false` forgives them);
//! - the timer makes progress.

use std::collections::{HashMap, HashSet};

use echo_wasm::channels::Subscription;
use echo_wasm::engine::{Engine, Output, SocketHandle, RESUME_TIMEOUT_MS};
use echo_wasm::options::Options;
use echo_wasm::reconnect::SeededRandom;
use serde_json::{json, Value};

const CHANNELS: [&str; 3] = ["news", "cache-x", "tenant.1.inventory"];
const CODES: [&str; 6] = ["stream_reset", "position_expired", "continuity_unverifiable", "persistence_unavailable", "", "x\"y"];

struct Run {
    engine: Engine<Value>,
    now: u64,
    socket: Option<SocketHandle>,
    /// The live connection speaks protocol 2 (protocol 7 servers send no positions).
    v2: bool,
    wanted: HashSet<String>,
    stream: u32,
    /// Highest serial seen per channel (fed or acknowledged), in the current stream.
    high: HashMap<String, u64>,
    /// Delivered (channel, stream, serial).
    delivered: HashSet<(String, String, u64)>,
    /// Fresh events fed while subscribed, not yet delivered.
    owed: HashSet<(String, String, u64)>,
    /// Serials published per channel in the current stream (what an honest server replays).
    log: HashMap<String, Vec<u64>>,
    /// Events published while the socket was down, not yet delivered nor forgiven.
    missed: HashSet<(String, String, u64)>,
    /// Channels fed a positioned event before their acknowledgement (a server Sockudo is not):
    /// their position may pass a gap, so `recovered` is not checked for them.
    tainted: HashSet<String>,
    /// The positions of the client's `sockudo:resume` frames on this connection.
    resumes: Vec<(String, u64, String)>,
    /// Inside the program's honest resume answer.
    honest: bool,
    /// Channels acknowledged since the app asked for them.
    acked: HashSet<String>,
}

impl Run {
    fn stream_id(&self) -> String {
        format!("s{}", self.stream)
    }

    fn drain(&mut self) {
        let mut fired = 0;
        while let Some(out) = self.engine.poll_output() {
            match out {
                Output::OpenSocket { socket, .. } => self.socket = Some(socket),
                Output::CloseSocket { .. } => self.socket = None,
                Output::Event { channel, data, .. } => {
                    let (Some(serial), Some(stream)) = (data["serial"].as_u64(), data["stream"].as_str()) else { continue };
                    let key = (channel.clone(), stream.to_owned(), serial);
                    assert!(self.wanted.contains(&channel), "event for {channel} the app does not hold");
                    assert!(self.delivered.insert(key.clone()), "delivered twice: {key:?}");
                    self.owed.remove(&key);
                    self.missed.remove(&key);
                }
                Output::Resumed(r) => {
                    assert!(self.wanted.contains(&r.channel), "resumed for {} the app does not hold", r.channel);
                    assert_eq!(r.recovered, r.reason.is_none(), "{r:?}");
                    assert!(r.recovered || r.replayed == 0, "{r:?}");
                    if r.recovered && self.honest && !self.tainted.contains(&r.channel) {
                        let missing: Vec<_> = self.missed.iter().filter(|(c, ..)| *c == r.channel).collect();
                        assert!(missing.is_empty(), "recovered, but missing {missing:?}: {r:?}");
                    }
                    if !r.recovered {
                        self.missed.retain(|(c, ..)| *c != r.channel);
                        self.tainted.remove(&r.channel);
                    }
                }
                Output::Send(text) => {
                    let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                    if frame["event"] == "sockudo:resume" {
                        let Some(positions) = frame["data"]["channel_positions"].as_object() else { continue };
                        for (channel, p) in positions {
                            let (Some(serial), Some(stream)) = (p["serial"].as_u64(), p["stream_id"].as_str()) else { continue };
                            self.resumes.push((channel.clone(), serial, stream.to_owned()));
                        }
                    }
                }
                _ => {}
            }
            fired += 1;
            assert!(fired < 100_000, "output storm");
        }
    }

    fn frame(&mut self, frame: Value) {
        if let Some(socket) = self.socket {
            self.engine.handle_text(self.now, socket, &frame.to_string());
            self.drain();
        }
    }

    fn connect_socket(&mut self, v2: bool) {
        for _ in 0..2000 {
            if self.socket.is_some() {
                break;
            }
            self.advance(50);
        }
        let Some(socket) = self.socket else { return };
        self.engine.handle_open(self.now, socket);
        self.v2 = v2;
        let event = if v2 { "sockudo:connection_established" } else { "pusher:connection_established" };
        self.frame(json!({"event": event, "data": "{\"socket_id\":\"1.2\",\"activity_timeout\":30}"}));
    }

    fn advance(&mut self, ms: u64) {
        let target = self.now + ms;
        let mut steps = 0;
        while let Some(t) = self.engine.poll_timeout().filter(|t| *t <= target) {
            self.now = self.now.max(t);
            self.engine.handle_timeout(self.now);
            self.drain();
            steps += 1;
            assert!(steps < 10_000, "timer storm at {}", self.now);
        }
        self.now = target;
    }

    fn event(&mut self, channel: &str, serial: u64) {
        if !self.v2 {
            return self.frame(json!({"event":"update","channel":channel,"data":"{}"}));
        }
        let stream = self.stream_id();
        let high = self.high.entry(channel.to_owned()).or_insert(0);
        let fresh = serial > *high;
        *high = (*high).max(serial);
        let subscribed = self.engine.subscription(channel) == Some(&Subscription::Subscribed);
        if fresh && subscribed && self.socket.is_some() {
            self.owed.insert((channel.to_owned(), stream.clone(), serial));
        }
        if fresh {
            self.log.entry(channel.to_owned()).or_default().push(serial);
        }
        if !subscribed {
            self.tainted.insert(channel.to_owned());
        }
        self.send_event(channel, serial);
    }

    /// Published while the socket is down: only a replay can bring it.
    fn publish_missed(&mut self, channel: &str) {
        let high = self.high.entry(channel.to_owned()).or_insert(0);
        *high += 1;
        let serial = *high;
        self.log.entry(channel.to_owned()).or_default().push(serial);
        // Owed only to a channel acknowledged before (a first subscription starts after it).
        if self.wanted.contains(channel) && self.acked.contains(channel) {
            self.missed.insert((channel.to_owned(), self.stream_id(), serial));
        }
    }

    /// The resume answer of an honest server: each asked channel's logged events above its
    /// position, in order, then `resume_success` naming them recovered.
    fn honest_resume(&mut self) {
        let resumes = std::mem::take(&mut self.resumes);
        if resumes.is_empty() || !self.v2 {
            return;
        }
        let mut recovered = Vec::new();
        for (channel, from, stream) in resumes {
            if stream != self.stream_id() {
                continue;
            }
            let replay: Vec<u64> = self.log.get(&channel).map_or_else(Vec::new, |log| log.iter().copied().filter(|s| *s > from).collect());
            for serial in replay {
                self.send_event(&channel, serial);
            }
            recovered.push(json!({"channel": channel}));
        }
        self.honest = true;
        self.frame(json!({"event":"sockudo:resume_success","data":{"recovered": recovered, "failed": []}}));
        self.honest = false;
    }

    fn send_event(&mut self, channel: &str, serial: u64) {
        let stream = self.stream_id();
        let data = json!({"serial": serial, "stream": stream}).to_string();
        self.frame(json!({"event":"update","channel":channel,"data":data,"serial":serial,"stream_id":stream,"message_id":format!("m{serial}")}));
    }
}

/// Runs one fuzz program; panics when an invariant breaks.
pub fn run_recovery_program(data: &[u8]) {
    let mut options = Options::new("app-key");
    options.hosts = vec!["127.0.0.1".into()];
    options.force_tls = Some(false);
    options.connection_recovery = true;
    let mut run = Run {
        engine: Engine::new(options, Box::new(SeededRandom::new(3))),
        now: 1_000,
        socket: None,
        v2: false,
        wanted: HashSet::new(),
        stream: 1,
        high: HashMap::new(),
        delivered: HashSet::new(),
        owed: HashSet::new(),
        log: HashMap::new(),
        missed: HashSet::new(),
        tainted: HashSet::new(),
        resumes: Vec::new(),
        honest: false,
        acked: HashSet::new(),
    };
    run.engine.connect(run.now).unwrap();
    run.drain();
    run.connect_socket(true);
    let mut bytes = data.iter().copied();
    let mut next = move || bytes.next();
    while let Some(op) = next() {
        let arg = next().unwrap_or(0);
        let channel = CHANNELS[arg as usize % CHANNELS.len()];
        match op % 14 {
            0 | 1 => run.event(channel, u64::from(arg >> 2)),
            2 => run.frame(json!({"event":"client-typing","channel":channel,"data":{}})),
            3 => {
                let serial = u64::from(next().unwrap_or(0));
                // A first acknowledgement: what was published before it is not owed.
                let first = run.socket.is_some() && run.engine.subscription(channel).is_some_and(|s| *s != Subscription::Subscribed) && !run.acked.contains(channel);
                if first {
                    run.missed.retain(|(c, ..)| c != channel);
                }
                let high = run.high.entry(channel.to_owned()).or_insert(0);
                *high = (*high).max(serial);
                let stream = run.stream_id();
                let mut frame = json!({"event":"sockudo_internal:subscription_succeeded","channel":channel,"data":"{}"});
                if arg & 1 == 0 {
                    frame["serial"] = json!(serial);
                    frame["stream_id"] = json!(stream);
                }
                run.frame(frame);
                if run.engine.subscription(channel) == Some(&Subscription::Subscribed) {
                    run.acked.insert(channel.to_owned());
                }
            }
            4 => {
                let code = CODES[arg as usize % CODES.len()];
                let entry = json!({"channel": channel, "code": code});
                let data = match arg % 4 {
                    0 => json!({"recovered": [entry], "failed": []}),
                    1 => json!({"recovered": [], "failed": [entry]}),
                    2 => json!({"recovered": {"channel": channel}, "failed": 7}),
                    _ => json!({"recovered": [null, 3, {"channel": 5}], "failed": [{"channel": channel}]}),
                };
                let data = if arg & 8 == 0 { Value::String(data.to_string()) } else { data };
                run.frame(json!({"event":"sockudo:resume_success","data":data}));
            }
            5 => {
                let code = if arg & 4 == 0 { json!(CODES[arg as usize % CODES.len()]) } else { json!(arg) };
                run.frame(json!({"event":"sockudo:resume_failed","channel":channel,"data":{"code":code}}));
            }
            6 => {
                let len = (arg % 48) as usize;
                let raw: Vec<u8> = (0..len).filter_map(|_| next()).collect();
                if let Some(socket) = run.socket {
                    run.engine.handle_text(run.now, socket, &String::from_utf8_lossy(&raw));
                    run.drain();
                }
            }
            7 => run.frame(json!({"event":"sockudo:error","data":{"code":4301,"message":"Connection recovery is not enabled"}})),
            8 => {
                if let Some(socket) = run.socket.take() {
                    run.engine.handle_close(run.now, socket, 1006, "cut");
                    run.drain();
                }
                run.resumes.clear();
                // Events published while the socket is down.
                for i in 0..(arg >> 1) % 4 {
                    run.publish_missed(CHANNELS[(arg as usize + i as usize) % CHANNELS.len()]);
                }
                run.connect_socket(arg & 1 == 0);
            }
            9 => {
                run.resumes.clear();
                run.engine.disconnect(run.now);
                run.drain();
                run.engine.connect(run.now).unwrap();
                run.drain();
                run.connect_socket(arg & 1 == 0);
            }
            10 => run.advance(u64::from(arg) * 40),
            11 => {
                if run.wanted.remove(channel) {
                    run.engine.unsubscribe(run.now, channel);
                    run.delivered.retain(|(c, ..)| c != channel);
                    run.owed.retain(|(c, ..)| c != channel);
                    run.missed.retain(|(c, ..)| c != channel);
                    run.tainted.remove(channel);
                    run.acked.remove(channel);
                    run.log.remove(channel);
                    run.high.remove(channel);
                } else {
                    run.wanted.insert(channel.to_owned());
                    run.engine.subscribe(run.now, channel).unwrap();
                }
                run.drain();
            }
            12 => {
                // A stream reset: later positions count in a new stream.
                run.stream += 1;
                run.high.clear();
                run.log.clear();
                run.missed.clear();
            }
            _ => run.honest_resume(),
        }
    }
    run.advance(RESUME_TIMEOUT_MS + 1);
    assert!(run.owed.is_empty(), "events lost: {:?}", run.owed);
}
