//! Property test: random interleavings of inputs and commands never panic, never open two
//! sockets, only subscribe channels the app asked for and has not left since, and only make legal state
//! transitions (native only; 10,000 cases per run).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::collections::HashSet;

use echo_wasm::encryption::SharedSecret;
use echo_wasm::error::AuthFailure;
use echo_wasm::Output;
use proptest::prelude::*;
use serde_json::{json, Value};
use support::sim::Sim;

const CHANNELS: &[&str] = &["news", "private-a", "presence-room", "private-encrypted-pay", "cache-x"];

#[derive(Clone, Debug)]
enum Op {
    Connect,
    Disconnect,
    Subscribe(usize),
    Unsubscribe(usize),
    Whisper(usize),
    Signin,
    Advance(u64),
    Open,
    Establish(bool),
    Close(u16),
    Frame(usize, usize),
    Grant,
    Deny(u16),
    GrantUser,
    Online,
    Wake,
}

fn op() -> impl Strategy<Value = Op> {
    let ch = 0..CHANNELS.len();
    prop_oneof![
        2 => Just(Op::Connect),
        1 => Just(Op::Disconnect),
        3 => ch.clone().prop_map(Op::Subscribe),
        1 => ch.clone().prop_map(Op::Unsubscribe),
        1 => ch.clone().prop_map(Op::Whisper),
        1 => Just(Op::Signin),
        3 => prop_oneof![0u64..2_000, 0u64..70_000].prop_map(Op::Advance),
        3 => Just(Op::Open),
        3 => any::<bool>().prop_map(Op::Establish),
        2 => prop::sample::select(vec![1000u16, 1002, 1006, 4000, 4001, 4009, 4100, 4200, 4201, 4300]).prop_map(Op::Close),
        6 => (0usize..16, ch).prop_map(|(f, c)| Op::Frame(f, c)),
        3 => Just(Op::Grant),
        1 => prop::sample::select(vec![401u16, 403, 419, 500]).prop_map(Op::Deny),
        1 => Just(Op::GrantUser),
        1 => Just(Op::Online),
        1 => Just(Op::Wake),
    ]
}

fn frame(kind: usize, channel: &str, key: &SharedSecret) -> String {
    let sealed = || {
        let (n, c) = key.seal([1; 24], "{\"x\":1}");
        json!({"nonce": n, "ciphertext": c}).to_string()
    };
    let f: Value = match kind {
        0 => json!({"event":"pusher_internal:subscription_succeeded","channel":channel,"data":"{\"presence\":{\"ids\":[\"1\",\"2\"],\"hash\":{\"1\":{},\"2\":{}},\"count\":2}}"}),
        1 => json!({"event":"pusher:subscription_error","channel":channel,"data":{"status":401}}),
        2 => json!({"event":"pusher:error","data":{"code":4009,"message":"no"}}),
        3 => json!({"event":"pusher_internal:member_added","channel":channel,"data":"{\"user_id\":\"3\",\"user_info\":{}}"}),
        4 => json!({"event":"pusher_internal:member_removed","channel":channel,"data":"{\"user_id\":\"2\"}"}),
        5 => json!({"event":"thing.happened","channel":channel,"data":"{\"a\":1}"}),
        6 => json!({"event":"thing.happened","channel":channel,"data": sealed()}),
        7 => json!({"event":"pusher:ping","data":{}}),
        8 => json!({"event":"pusher:pong","data":{}}),
        9 => json!({"event":"pusher:signin_success","data":{"user_data":"{\"id\":\"1\"}"}}),
        10 => json!({"event":"pusher:connection_established","data":"{\"socket_id\":\"3.3\",\"activity_timeout\":1}"}),
        11 => return "{not json".into(),
        12 => json!({"event": 7, "channel": channel}),
        13 => json!({"event":"pusher_internal:subscription_count","channel":channel,"data":{"subscription_count":"x"}}),
        14 => json!({"event":"client-x","channel":channel,"user_id":{"bad":1},"data":null}),
        _ => json!({"event":"pusher:error","channel":channel,"data":{"code":null,"message":5}}),
    };
    f.to_string()
}

fn run(ops: Vec<Op>) {
    let mut sim = Sim::new();
    let key = SharedSecret::from_bytes([2; 32]);
    let mut requested: HashSet<String> = HashSet::new();
    let mut socket_counter = 0u64;
    for op in ops {
        match op {
            Op::Connect => {
                let _ = sim.engine.connect(sim.now);
            }
            Op::Disconnect => sim.engine.disconnect(sim.now),
            Op::Subscribe(c) => {
                requested.insert(CHANNELS[c].to_owned());
                sim.engine.subscribe(sim.now, CHANNELS[c]).unwrap();
            }
            Op::Unsubscribe(c) => {
                // A left channel is no longer asked for: subscribing it again (after a
                // reconnect, a retry, a late answer) breaks the invariant below.
                requested.remove(CHANNELS[c]);
                sim.engine.unsubscribe(sim.now, CHANNELS[c]);
            }
            Op::Whisper(c) => {
                let _ = sim.engine.trigger(sim.now, CHANNELS[c], "client-typing", &json!({"t":1}));
            }
            Op::Signin => sim.engine.signin(sim.now),
            Op::Advance(ms) => sim.advance(ms),
            Op::Open => {
                if let Some(s) = sim.socket {
                    sim.engine.handle_open(sim.now, s);
                }
            }
            Op::Establish(valid) => {
                if let Some(s) = sim.socket {
                    socket_counter += 1;
                    let id = if valid { format!("{socket_counter}.1") } else { "x.1".into() };
                    let text = json!({"event":"pusher:connection_established","data": json!({"socket_id": id, "activity_timeout": 30}).to_string()});
                    sim.engine.handle_text(sim.now, s, &text.to_string());
                }
            }
            Op::Close(code) => {
                sim.drain();
                if let Some(s) = sim.socket.take() {
                    sim.engine.handle_close(sim.now, s, code, "");
                }
            }
            Op::Frame(kind, c) => {
                if let Some(s) = sim.socket {
                    sim.engine.handle_text(sim.now, s, &frame(kind, CHANNELS[c], &key));
                }
            }
            Op::Grant => {
                if let Some((request, _, channel)) = sim.auth_requests.pop() {
                    let cd = channel.starts_with("presence-").then(|| "{\"user_id\":\"1\"}".to_string());
                    let ss = channel.starts_with("private-encrypted-").then(|| key.to_base64());
                    let outcome = echo_wasm::AuthOutcome::Granted(echo_wasm::Authorization { auth: "k:s".into(), channel_data: cd, shared_secret: ss });
                    sim.engine.handle_auth(sim.now, request, outcome);
                }
            }
            Op::Deny(status) => {
                if let Some((request, _, _)) = sim.auth_requests.pop() {
                    sim.engine.handle_auth(sim.now, request, echo_wasm::AuthOutcome::Failed(AuthFailure::Http { status, body: String::new() }));
                }
            }
            Op::GrantUser => {
                if let Some((request, _)) = sim.user_auth_requests.pop() {
                    sim.engine.handle_user_auth(sim.now, request, echo_wasm::UserAuthOutcome::Granted { auth: "k:s".into(), user_data: "{\"id\":\"1\"}".into() });
                }
            }
            Op::Online => sim.engine.handle_online(sim.now),
            Op::Wake => sim.engine.handle_wake(sim.now),
        }
        // Sim::drain asserts: one socket at a time, frames only on a socket, legal transitions.
        sim.drain();
        for frame in sim.take_sent() {
            if frame["event"] == "pusher:subscribe" {
                let channel = frame["data"]["channel"].as_str().unwrap().to_owned();
                assert!(requested.contains(&channel) || channel.starts_with("#server-to-user-"), "subscribed {channel} nobody asked for");
            }
        }
        if let Some(Output::StateChanged { current, .. }) = sim.events.iter().rev().find(|e| matches!(e, Output::StateChanged { .. })) {
            assert_eq!(*current, sim.engine.state());
        }
        if let Some(deadline) = sim.engine.poll_timeout() {
            assert!(deadline >= sim.now.saturating_sub(70_000), "deadline far in the past: {deadline} at {}", sim.now);
        }
        sim.events.clear();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_inputs_keep_the_invariants(ops in prop::collection::vec(op(), 1..60)) {
        run(ops);
    }
}
