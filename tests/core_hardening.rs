//! Scenario tests for the hardening items of issue 12 that live in the sans-IO engine
//! (native only): encrypted channels deliver only what was opened (3), key refreshes survive
//! a failure (4), sign-in retries transient failures (5), oversized timeouts are refused and
//! deadlines never overflow (8), close code 4000 on TLS backs off (9), Sockudo's watchlist
//! frames (11).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use echo_wasm::encryption::SharedSecret;
use echo_wasm::engine::Output;
use echo_wasm::error::{AuthFailure, ChannelError, Diagnostic};
use echo_wasm::UserAuthOutcome;
use serde_json::{json, Value};
use support::sim::{options, Sim};

const CH: &str = "private-encrypted-tenant.1.payroll";

fn channel_errors(sim: &Sim) -> Vec<ChannelError> {
    sim.events.iter().filter_map(|e| if let Output::ChannelError(err) = e { Some(err.clone()) } else { None }).collect()
}

fn sealed(key: &SharedSecret, nonce: u8, plain: &str) -> String {
    let (n, c) = key.seal([nonce; 24], plain);
    json!({"nonce": n, "ciphertext": c}).to_string()
}

fn encrypted_sim(key: &SharedSecret) -> Sim {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, CH).unwrap();
    sim.drain();
    sim.grant(CH, None, Some(&key.to_base64()));
    sim.succeed(CH, json!({}));
    sim
}

/// Advances the clock in small steps until `done` holds; false after `limit_ms`.
fn advance_until(sim: &mut Sim, limit_ms: u64, done: impl Fn(&Sim) -> bool) -> bool {
    let limit = sim.now + limit_ms;
    while !done(sim) {
        if sim.now >= limit {
            return false;
        }
        sim.advance(10);
    }
    true
}

/// Payloads delivered on `CH`, in order.
fn delivered(sim: &Sim) -> Vec<(String, Value)> {
    sim.user_events().into_iter().filter(|(c, _, _)| c == CH).map(|(_, e, d)| (e, d)).collect()
}

// --- 3: only protocol events bypass the key ---------------------------------------------

#[test]
fn encrypted_channel_never_delivers_plaintext_whatever_the_event_name() {
    let key = SharedSecret::from_bytes([3; 32]);
    let mut sim = encrypted_sim(&key);
    // A hostile server sends plaintext under names that once skipped decryption.
    let names = ["client-typing", "pusherish", "pusher", "pusher-x", "client-", "Pusher:fake", "evt", "pusher:foo", "pusher_internal:foo"];
    for (i, name) in names.iter().enumerate() {
        sim.server(json!({"event": name, "channel": CH, "data": json!({"plain": i}).to_string()}));
    }
    assert_eq!(delivered(&sim), vec![], "no plaintext reaches listen/listenToAll/listenForWhisper");
    let decrypt_errors = channel_errors(&sim).iter().filter(|e| e.code() == "decrypt_failed").count();
    assert_eq!(decrypt_errors, names.len(), "each plaintext event is dropped with decrypt_failed: {:?}", channel_errors(&sim));
    // A sealed client- event opens and is delivered (positive control).
    sim.server(json!({"event":"client-typing","channel":CH,"data": sealed(&key, 1, "{\"who\":\"ada\"}")}));
    assert_eq!(delivered(&sim), vec![("client-typing".to_string(), json!({"who":"ada"}))]);
    // Protocol events the engine knows still pass unopened.
    sim.server(json!({"event":"pusher_internal:subscription_count","channel":CH,"data":"{\"subscription_count\":2}"}));
    assert_eq!(sim.engine.subscription_count(CH), Some(2));
    sim.server(json!({"event":"pusher_internal:member_added","channel":CH,"data":"{\"user_id\":\"9\"}"}));
    sim.server(json!({"event":"pusher:subscription_error","channel":CH,"data":{"status":403}}));
    assert!(channel_errors(&sim).iter().any(|e| e.code() != "decrypt_failed"), "the refusal is reported as such");
}

#[test]
fn encrypted_channel_protocol_events_carry_nothing_of_the_servers_own() {
    let key = SharedSecret::from_bytes([3; 32]);
    let mut sim = encrypted_sim(&key);
    // The two protocol events that reach listeners: a hostile server adds fields to them.
    let count = json!({"subscription_count": 2, "msg": "plaintext from the server"}).to_string();
    sim.server(json!({"event": "pusher_internal:subscription_count", "channel": CH, "data": count}));
    sim.server(json!({"event": "pusher:cache_miss", "channel": CH, "data": json!({"msg": "plaintext"}).to_string()}));
    assert_eq!(
        delivered(&sim),
        vec![("pusher:subscription_count".to_string(), json!({"subscription_count": 2})), ("pusher:cache_miss".to_string(), Value::Null)],
        "only the count, rebuilt by the client, and an empty cache miss"
    );
}

// --- 4: a failed key refresh keeps the working key --------------------------------------

#[test]
fn failed_key_refresh_keeps_the_key_and_retries_with_backoff() {
    let key = SharedSecret::from_bytes([3; 32]);
    let rotated = SharedSecret::from_bytes([5; 32]);
    let mut sim = encrypted_sim(&key);
    // An event sealed with a key we do not have yet: a refresh, which fails transiently.
    sim.server(json!({"event":"e1","channel":CH,"data": sealed(&rotated, 1, "{\"n\":1}")}));
    sim.deny(CH, AuthFailure::Http { status: 500, body: String::new() });
    assert!(sim.auth_requests.is_empty(), "no retry storm: the retry waits for its backoff");
    // The refresh is tried again by itself, within the backoff bounds.
    assert!(advance_until(&mut sim, 3_000, |s| !s.auth_requests.is_empty()), "the key refresh is retried after a transient failure");
    sim.grant(CH, None, Some(&rotated.to_base64()));
    assert_eq!(delivered(&sim), vec![("e1".to_string(), json!({"n":1}))], "the queued event opens with the fresh key");
    // Both keys open now: the old one for events sealed before the rotation reached everyone.
    sim.server(json!({"event":"late","channel":CH,"data": sealed(&key, 2, "{\"n\":2}")}));
    sim.server(json!({"event":"new","channel":CH,"data": sealed(&rotated, 3, "{\"n\":3}")}));
    let names: Vec<String> = delivered(&sim).into_iter().map(|(e, _)| e).collect();
    assert_eq!(names, vec!["e1", "late", "new"]);
    assert!(sim.auth_requests.is_empty(), "no further refresh");
}

#[test]
fn key_refresh_that_keeps_failing_still_leaves_the_working_key() {
    let key = SharedSecret::from_bytes([3; 32]);
    let mut sim = encrypted_sim(&key);
    sim.server(json!({"event":"e","channel":CH,"data": sealed(&SharedSecret::from_bytes([5; 32]), 1, "{}")}));
    // Every refresh try fails (network), until the engine gives up on the queued event.
    for _ in 0..20 {
        if !advance_until(&mut sim, 20_000, |s| !s.auth_requests.is_empty()) {
            break;
        }
        sim.deny(CH, AuthFailure::Network("offline".into()));
    }
    assert!(sim.auth_requests.is_empty(), "gives up on the queued event after a few tries");
    assert!(channel_errors(&sim).iter().any(|e| e.code() == "decrypt_failed"), "the unopenable event is reported");
    // An event sealed with the working key still opens: the channel is not broken.
    sim.server(json!({"event":"later","channel":CH,"data": sealed(&key, 2, "{\"ok\":true}")}));
    assert_eq!(delivered(&sim), vec![("later".to_string(), json!({"ok":true}))]);
}

#[test]
fn refused_key_refresh_keeps_the_working_key() {
    let key = SharedSecret::from_bytes([3; 32]);
    let mut sim = encrypted_sim(&key);
    sim.server(json!({"event":"e","channel":CH,"data": sealed(&SharedSecret::from_bytes([5; 32]), 1, "{}")}));
    sim.deny(CH, AuthFailure::Http { status: 403, body: String::new() });
    sim.advance(20_000);
    assert!(sim.auth_requests.is_empty(), "a refusal is not retried");
    sim.server(json!({"event":"later","channel":CH,"data": sealed(&key, 2, "{}")}));
    assert_eq!(delivered(&sim).len(), 1, "events sealed with the working key still open");
}

// --- 5: sign-in retries transient failures ----------------------------------------------

fn fail_user_auth(sim: &mut Sim, failure: AuthFailure) {
    let (request, _) = sim.user_auth_requests.pop().expect("a user auth request");
    sim.engine.handle_user_auth(sim.now, request, UserAuthOutcome::Failed(failure));
    sim.drain();
}

fn signin_failures(sim: &Sim) -> usize {
    sim.events.iter().filter(|e| matches!(e, Output::SigninFailed(_))).count()
}

#[test]
fn transient_signin_failures_are_retried_with_backoff_and_on_every_connection() {
    let mut sim = Sim::connected("1.1");
    sim.engine.signin(sim.now);
    sim.drain();
    for failure in [AuthFailure::Http { status: 503, body: String::new() }, AuthFailure::Network("reset".into())] {
        fail_user_auth(&mut sim, failure);
        assert!(sim.user_auth_requests.is_empty(), "waits for a backoff before retrying");
        assert!(advance_until(&mut sim, 3_000, |s| !s.user_auth_requests.is_empty()), "retried after a transient failure");
    }
    // A timeout (10 s without an answer) counts as transient too.
    sim.user_auth_requests.clear();
    assert!(advance_until(&mut sim, 15_000, |s| !s.user_auth_requests.is_empty()), "retried after a timeout");
    assert_eq!(signin_failures(&sim), 3);
    assert_eq!(sim.grant_user("{\"id\":\"1\"}"), "1.1");
    sim.server(json!({"event":"pusher:signin_success","data":{"user_data":"{\"id\":\"1\"}"}}));
    assert_eq!(sim.engine.signed_in_user(), Some("1"));
    // After a reconnect: signs in again, and a transient failure there is retried too.
    sim.server_close(1006);
    sim.advance(1_000);
    sim.establish("2.2");
    fail_user_auth(&mut sim, AuthFailure::Timeout);
    assert!(advance_until(&mut sim, 3_000, |s| !s.user_auth_requests.is_empty()), "retried on the new connection");
    assert_eq!(sim.grant_user("{\"id\":\"1\"}"), "2.2");
}

#[test]
fn signin_refused_with_401_or_403_stops_with_an_error() {
    for status in [401u16, 403] {
        let mut sim = Sim::connected("1.1");
        sim.engine.signin(sim.now);
        sim.drain();
        fail_user_auth(&mut sim, AuthFailure::Http { status, body: String::new() });
        assert_eq!(signin_failures(&sim), 1);
        sim.advance(25_000);
        assert!(sim.user_auth_requests.is_empty(), "{status}: not retried");
        sim.server_close(1006);
        sim.advance(1_000);
        sim.establish("2.2");
        assert!(sim.user_auth_requests.is_empty(), "{status}: not retried on the next connection");
    }
}

// --- 8: timeouts that browser timers cannot hold are refused ----------------------------

#[test]
fn oversized_timeouts_are_refused_with_a_config_error_naming_the_option() {
    let too_big = 1u64 << 31;
    type Set = fn(&mut echo_wasm::options::Options, u64);
    let cases: [(&str, Set); 6] = [
        ("authTimeout", |o, v| o.auth_timeout_ms = v),
        ("pongTimeout", |o, v| o.pong_timeout_ms = v),
        ("activityTimeout", |o, v| o.activity_timeout_ms = v),
        ("unavailableTimeout", |o, v| o.unavailable_timeout_ms = v),
        ("reconnect.baseMs", |o, v| o.reconnect.base_ms = v),
        ("reconnect.maxMs", |o, v| o.reconnect.max_ms = v),
    ];
    for (name, set) in cases {
        for value in [too_big, u64::MAX] {
            let mut o = options();
            set(&mut o, value);
            let mut sim = Sim::with(o, 1);
            let error = sim.engine.connect(sim.now).expect_err(&format!("{name} = {value} must be refused"));
            assert_eq!(error.code(), "config");
            assert!(error.message().contains(&format!("`{name}`")), "{name}: {}", error.message());
            sim.drain();
            assert!(sim.urls.is_empty(), "{name}: nothing is opened");
        }
    }
}

#[test]
fn largest_accepted_timeouts_never_overflow_a_deadline() {
    let max = (1u64 << 31) - 1;
    let mut o = options();
    o.activity_timeout_ms = max;
    o.pong_timeout_ms = max;
    o.auth_timeout_ms = max;
    o.unavailable_timeout_ms = max;
    o.reconnect.max_ms = max;
    let mut sim = Sim::with(o, 1);
    sim.now = u64::MAX - 1_000_000; // a clock far out: deadlines saturate, never wrap
    sim.connect();
    sim.establish("1.1");
    sim.engine.subscribe(sim.now, "private-x").unwrap();
    sim.drain();
    let deadline = sim.engine.poll_timeout().expect("a deadline");
    assert!(deadline >= sim.now, "deadline {deadline} is before now {}", sim.now);
    sim.advance(1_000);
    assert_eq!(sim.urls.len(), 1, "no reconnect loop");
    assert!(sim.sent_events("pusher:ping").is_empty(), "no ping loop");
}

// --- 9: close code 4000 on TLS backs off ------------------------------------------------

#[test]
fn close_4000_while_already_on_tls_backs_off() {
    let mut o = options();
    o.force_tls = None; // TLS from the start
    let mut sim = Sim::with(o, 3);
    sim.connect();
    sim.establish("1.1");
    for round in 0..6 {
        let attempts_before = sim.urls.len();
        let socket = sim.socket.take().expect("a socket");
        sim.engine.handle_close(sim.now, socket, 4000, "TLS only");
        sim.drain();
        assert_eq!(sim.urls.len(), attempts_before, "round {round}: no instant reconnect on 4000 while on TLS");
        assert!(sim.socket.is_none());
        let before = sim.now;
        sim.wait_for_attempt();
        assert!(sim.now - before >= 1_000, "round {round}: waited {} ms, at least the base delay", sim.now - before);
        assert!(sim.urls.last().unwrap().starts_with("wss://"));
        sim.establish("1.1");
    }
}

// --- 11: Sockudo's watchlist frames ----------------------------------------------------

#[test]
fn sockudo_channel_less_online_offline_frames_reach_watchlist_listeners() {
    let mut sim = Sim::connected("1.1");
    // Before sign-in, a channel-less `online` means nothing.
    sim.server(json!({"event":"online","data":{"user_ids":["9"]}}));
    sim.engine.signin(sim.now);
    sim.drain();
    sim.grant_user("{\"id\":\"1\",\"watchlist\":[\"2\",\"3\"]}");
    // Sockudo sends the watched users' current status before `signin_success`.
    sim.server(json!({"event":"offline","data":{"user_ids":["2","3"]}}));
    sim.server(json!({"event":"pusher:signin_success","data":{"user_data":"{\"id\":\"1\",\"watchlist\":[\"2\",\"3\"]}"}}));
    // Sockudo 5.2.0: {"event":"online","data":{"user_ids":[..]}} with no channel.
    sim.server(json!({"event":"online","data":{"user_ids":["2"]}}));
    sim.server(json!({"event":"offline","data":"{\"user_ids\":[\"2\",3]}"}));
    // The Pusher form still works.
    sim.server(json!({"event":"pusher_internal:watchlist_events","data":{"events":[{"name":"online","user_ids":["3"]}]}}));
    let got: Vec<(String, Vec<String>)> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            Output::Watchlist { name, user_ids } => Some((name.clone(), user_ids.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("offline".into(), vec!["2".into(), "3".into()]),
            ("online".into(), vec!["2".into()]),
            ("offline".into(), vec!["2".into(), "3".into()]),
            ("online".into(), vec!["3".into()])
        ]
    );
    // A channel event named `online` is an ordinary event, not a watchlist change.
    sim.subscribe_public("news");
    sim.server(json!({"event":"online","channel":"news","data":{"user_ids":["7"]}}));
    assert_eq!(sim.events.iter().filter(|e| matches!(e, Output::Watchlist { .. })).count(), 4);
}
