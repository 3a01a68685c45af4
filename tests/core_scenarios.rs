//! Scenario tests of the sans-IO engine on a simulated clock (native only).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use echo_wasm::channels::Subscription;
use echo_wasm::connection::{ConnectionState as S, ConnectionStatus};
use echo_wasm::encryption::SharedSecret;
use echo_wasm::engine::Output;
use echo_wasm::error::{AuthFailure, ChannelError, ClientEventError, ConnectionError, Diagnostic};
use echo_wasm::reconnect::BackoffConfig;
use serde_json::{json, Value};
use support::sim::{options, Sim};

fn errors(sim: &Sim) -> Vec<ConnectionError> {
    sim.events.iter().filter_map(|e| if let Output::Error(err) = e { Some(err.clone()) } else { None }).collect()
}

fn channel_errors(sim: &Sim) -> Vec<ChannelError> {
    sim.events.iter().filter_map(|e| if let Output::ChannelError(err) = e { Some(err.clone()) } else { None }).collect()
}

// --- 1-3: handshake, state machine, liveness -------------------------------------------

#[test]
fn handshake_connects_and_reports_states() {
    let mut sim = Sim::new();
    assert_eq!(sim.state(), S::Initialized);
    assert_eq!(sim.engine.status(), ConnectionStatus::Disconnected);
    sim.connect();
    assert_eq!(sim.urls, vec![format!("ws://127.0.0.1:6001/app/app-key?protocol=7&client=echo-wasm&version={}&flash=false", env!("CARGO_PKG_VERSION"))]);
    assert_eq!(sim.state(), S::Connecting);
    assert_eq!(sim.engine.status(), ConnectionStatus::Connecting);
    sim.establish("123.456");
    assert_eq!(sim.state(), S::Connected);
    assert_eq!(sim.engine.socket_id(), Some("123.456"));
    assert_eq!(sim.states, vec![S::Connecting, S::Connected]);
    assert_eq!(sim.engine.stats().server_activity_timeout_s, Some(30));
}

#[test]
fn invalid_socket_id_is_refused_and_retried() {
    let mut sim = Sim::new();
    sim.connect();
    sim.open();
    sim.server(json!({"event":"pusher:connection_established","data":{"socket_id":"12a.4","activity_timeout":30}}));
    assert_ne!(sim.state(), S::Connected);
    assert!(matches!(errors(&sim)[..], [ConnectionError::InvalidSocketId(ref id)] if id == "12a.4"));
    assert_eq!(sim.closed_by_client.len(), 1);
    sim.advance(1_000);
    assert_eq!(sim.urls.len(), 2, "a new attempt within the first backoff bound");
}

#[test]
fn pings_after_inactivity_and_pong_keeps_the_connection() {
    let mut sim = Sim::connected("1.1");
    // activity timeout = min(120 s client, 30 s server)
    sim.advance(29_999);
    assert!(sim.sent_events("pusher:ping").is_empty());
    sim.advance(1);
    assert_eq!(sim.sent_events("pusher:ping").len(), 1);
    sim.advance(10_000);
    sim.server(json!({"event":"pusher:pong","data":{}}));
    sim.advance(29_000);
    assert_eq!(sim.state(), S::Connected);
    assert_eq!(sim.sent_events("pusher:ping").len(), 1, "activity timer restarts from the pong");
    sim.advance(1_000);
    assert_eq!(sim.sent_events("pusher:ping").len(), 2);
    assert_eq!(sim.urls.len(), 1);
}

#[test]
fn inbound_traffic_postpones_the_ping_without_rearming_per_message() {
    let mut sim = Sim::connected("1.1");
    let _ = sim.engine.take_deadline_change();
    for _ in 0..10 {
        sim.advance(20_000);
        sim.server(json!({"event":"x","channel":"c","data":"{}"}));
        assert_eq!(sim.engine.take_deadline_change(), None, "an inbound frame must not move the timer");
    }
    assert!(sim.sent_events("pusher:ping").is_empty(), "traffic every 20 s keeps the link quiet");
}

#[test]
fn pong_timeout_reconnects_at_once() {
    let mut sim = Sim::connected("1.1");
    sim.advance(30_000);
    assert_eq!(sim.sent_events("pusher:ping").len(), 1);
    sim.advance(30_000);
    assert!(errors(&sim).contains(&ConnectionError::PongTimeout));
    assert_eq!(sim.closed_by_client, vec![(4201, "pong timeout")]);
    assert_eq!(sim.urls.len(), 2, "reconnected immediately");
    assert_eq!(sim.state(), S::Connecting);
    assert_eq!(sim.engine.status(), ConnectionStatus::Reconnecting);
    sim.establish("2.2");
    assert_eq!(sim.engine.socket_id(), Some("2.2"));
    assert_eq!(sim.engine.stats().reconnects, 1);
}

#[test]
fn answers_server_pings() {
    let mut sim = Sim::connected("1.1");
    sim.server(json!({"event":"pusher:ping","data":{}}));
    assert_eq!(sim.sent_events("pusher:pong").len(), 1);
}

#[test]
fn unavailable_after_ten_seconds_of_connecting_then_connected() {
    let mut sim = Sim::new();
    let start = sim.now;
    sim.connect();
    // Three failed attempts take at most 0.25 + 1 + 2 s of backoff.
    for _ in 0..3 {
        sim.server_close(1006);
        sim.wait_for_attempt();
    }
    assert!(sim.now <= start + 3_250);
    assert_eq!(sim.state(), S::Connecting);
    sim.server_close(1006);
    sim.advance(start + 9_999 - sim.now);
    assert_eq!(sim.state(), S::Connecting, "9.999 s is still connecting");
    sim.advance(1);
    assert_eq!(sim.state(), S::Unavailable);
    assert_eq!(sim.engine.status(), ConnectionStatus::Failed, "Echo maps a never-connected unavailable to failed");
    if sim.socket.is_none() {
        sim.wait_for_attempt();
    }
    sim.establish("5.5");
    assert_eq!(sim.state(), S::Connected);
    assert_eq!(sim.states, vec![S::Connecting, S::Unavailable, S::Connected]);
}

#[test]
fn connect_timeout_and_handshake_timeout_retry() {
    let mut sim = Sim::new();
    sim.connect();
    sim.advance(10_000);
    assert!(matches!(errors(&sim)[..], [ConnectionError::Unreachable { .. }]));
    assert_eq!(sim.closed_by_client.len(), 1);
    sim.advance(1_000);
    sim.open();
    sim.advance(10_000);
    assert!(matches!(errors(&sim).last(), Some(ConnectionError::HandshakeTimeout { .. })));
    assert_eq!(errors(&sim).last().unwrap().code(), "handshake_invalid");
}

// --- 4: close codes --------------------------------------------------------------------

#[test]
fn close_4000_switches_to_tls_at_once() {
    let mut sim = Sim::connected("1.1");
    sim.server_close(4000);
    assert!(sim.urls[1].starts_with("wss://127.0.0.1:443/"), "{}", sim.urls[1]);
    assert!(errors(&sim).contains(&ConnectionError::TlsRequired));
}

#[test]
fn refusal_codes_fail_without_reconnecting() {
    for code in [4001u16, 4003, 4004, 4009, 4099, 4300, 4500] {
        let mut sim = Sim::connected("1.1");
        sim.server_close(code);
        assert_eq!(sim.state(), S::Failed, "code {code}");
        sim.advance(600_000);
        assert_eq!(sim.urls.len(), 1, "no reconnect after {code}");
        assert!(matches!(errors(&sim)[..], [ConnectionError::Refused { code: c, .. }] if c == code));
        // connect() tries again
        sim.connect();
        assert_eq!(sim.urls.len(), 2);
    }
}

#[test]
fn refusal_announced_during_handshake_counts_even_with_a_generic_close() {
    let mut sim = Sim::new();
    sim.connect();
    sim.open();
    sim.server(json!({"event":"pusher:error","data":{"code":4001,"message":"App key app-key not found"}}));
    sim.server_close(1006);
    assert_eq!(sim.state(), S::Failed);
    let errs = errors(&sim);
    assert_eq!(errs.last().unwrap().code(), "app_key_unknown");
    assert!(errs.last().unwrap().message().contains("VITE_REVERB_APP_KEY"));
}

#[test]
fn backoff_codes_wait_at_least_the_base() {
    for code in [4100u16, 4199, 1002, 1003, 1004] {
        let mut sim = Sim::connected("1.1");
        sim.server_close(code);
        assert_eq!(sim.urls.len(), 1);
        sim.advance(999);
        assert_eq!(sim.urls.len(), 1, "code {code} reconnected before the base delay");
        sim.advance(1_001);
        assert_eq!(sim.urls.len(), 2, "code {code}");
    }
}

#[test]
fn reconnect_now_codes_are_immediate() {
    for code in [4200u16, 4201, 4202, 4299] {
        let mut sim = Sim::connected("1.1");
        sim.server_close(code);
        assert_eq!(sim.urls.len(), 2, "code {code}");
    }
}

#[test]
fn normal_closes_use_the_backoff_policy() {
    let mut sim = Sim::connected("1.1");
    sim.server_close(1006);
    assert_eq!(sim.urls.len(), 1);
    sim.advance(1_000);
    assert_eq!(sim.urls.len(), 2, "first retry within 1 s");
}

#[test]
fn pusher_error_after_handshake_does_not_change_state() {
    let mut sim = Sim::connected("1.1");
    sim.server(json!({"event":"pusher:error","data":{"code":4000,"message":"Malformed frame"}}));
    sim.server(json!({"event":"pusher:error","data":"{\"code\":4301,\"message\":\"Client event rejected\"}"}));
    assert_eq!(sim.state(), S::Connected);
    let errs = errors(&sim);
    assert_eq!(errs[0], ConnectionError::Server { code: Some(4000), message: "Malformed frame".into() });
    assert_eq!(errs[1].code(), "client_event_rejected");
}

// --- 5: reconnect policy ---------------------------------------------------------------

/// Delays between attempts when every attempt fails at once.
fn failing_delays(seed: u64, config: BackoffConfig, attempts: usize) -> Vec<u64> {
    let mut o = options();
    o.reconnect = config;
    let mut sim = Sim::with(o, seed);
    sim.connect();
    let mut delays = vec![];
    for _ in 0..attempts {
        sim.server_close(1006);
        let closed_at = sim.now;
        let before = sim.urls.len();
        while sim.urls.len() == before {
            sim.advance(1);
        }
        delays.push(sim.now - closed_at);
    }
    delays
}

#[test]
fn backoff_is_jittered_doubling_and_capped() {
    let config = BackoffConfig::default();
    let delays = failing_delays(3, config.clone(), 12);
    for (n, d) in delays.iter().enumerate() {
        assert!(*d <= config.bound(n as u32), "attempt {n}: {d} > {}", config.bound(n as u32));
    }
    assert!(delays.iter().all(|d| *d <= 30_000), "capped at 30 s: {delays:?}");
    assert!(delays[6..].iter().any(|d| *d > 8_000), "later delays grow: {delays:?}");
    let other_seed = failing_delays(4, config.clone(), 12);
    assert_ne!(delays, other_seed, "jitter depends on the random source");
    assert_eq!(delays, failing_delays(3, config, 12), "same seed, same delays");
}

#[test]
fn backoff_is_configurable() {
    let config = BackoffConfig { first_ms: 50, base_ms: 100, max_ms: 400, stable_after_ms: 1_000 };
    let delays = failing_delays(9, config, 10);
    assert!(delays.iter().all(|d| *d <= 400), "{delays:?}");
    assert!(delays[0] <= 100);
}

#[test]
fn never_gives_up_and_stable_connections_reset_the_counter() {
    let mut sim = Sim::new();
    sim.connect();
    for _ in 0..50 {
        sim.server_close(1006);
        sim.wait_for_attempt();
    }
    assert_eq!(sim.urls.len(), 51, "still trying after 50 failures");
    assert_eq!(sim.engine.attempts(), 50);
    sim.establish("1.1");
    sim.advance(29_000);
    sim.server(json!({"event":"pusher:pong","data":{}}));
    sim.advance(1_000);
    sim.server_close(1006);
    assert_eq!(sim.engine.attempts(), 1, "a connection up for 30 s resets the counter");
    sim.advance(1_000);
    assert_eq!(sim.urls.len(), 52, "so the next retry is within the first bound");
}

#[test]
fn online_and_wake_retry_at_once_or_ping() {
    let mut sim = Sim::new();
    sim.connect();
    for _ in 0..6 {
        sim.server_close(1006);
        sim.wait_for_attempt();
    }
    sim.server_close(1006);
    assert!(sim.socket.is_none(), "waiting for a backoff delay");
    let before = sim.urls.len();
    sim.engine.handle_online(sim.now);
    sim.drain();
    assert_eq!(sim.urls.len(), before + 1, "online retries immediately");
    sim.establish("1.1");
    sim.advance(5_000);
    sim.engine.handle_wake(sim.now);
    sim.drain();
    assert_eq!(sim.sent_events("pusher:ping").len(), 1, "wake checks liveness with a ping");
    sim.advance(30_000);
    assert_eq!(sim.urls.len(), before + 2, "no pong after wake: zombie socket replaced");
}

#[test]
fn failover_rotates_through_hosts() {
    let mut o = options();
    o.hosts = vec!["node1".into(), "node2".into()];
    let mut sim = Sim::with(o, 1);
    sim.connect();
    sim.establish("1.1");
    sim.server_close(1006);
    sim.advance(1_000);
    assert!(sim.urls[0].contains("//node1:"));
    assert!(sim.urls[1].contains("//node2:"), "{:?}", sim.urls);
}

#[test]
fn disconnect_stops_and_connect_resubscribes() {
    let mut sim = Sim::connected("1.1");
    sim.subscribe_public("news");
    sim.engine.disconnect(sim.now);
    sim.drain();
    assert_eq!(sim.state(), S::Disconnected);
    assert_eq!(sim.closed_by_client, vec![(1000, "disconnect")]);
    sim.advance(600_000);
    assert_eq!(sim.urls.len(), 1);
    sim.take_sent();
    sim.connect();
    sim.establish("2.2");
    assert_eq!(sim.sent_events("pusher:subscribe")[0]["data"]["channel"], "news");
}

// --- 6: channels -----------------------------------------------------------------------

#[test]
fn channel_names_come_in_name_order() {
    // Byte order, as `pkg/queue.js`'s `.sort()` gives before ready: `diagnose()` lists the
    // channels in this order without sorting them again.
    let mut sim = Sim::connected("1.1");
    for name in ["tenant.2.inventory", "App.Models.User.7", "tenant.10.inventory", "b.orders", "a.stock"] {
        sim.subscribe_public(name);
    }
    let names: Vec<&str> = sim.engine.channel_names().collect();
    assert_eq!(names, ["App.Models.User.7", "a.stock", "b.orders", "tenant.10.inventory", "tenant.2.inventory"]);
}

#[test]
fn subscribing_before_connecting_waits() {
    let mut sim = Sim::new();
    sim.engine.subscribe(sim.now, "news").unwrap();
    sim.engine.subscribe(sim.now, "private-a").unwrap();
    sim.drain();
    assert!(sim.sent.is_empty() && sim.auth_requests.is_empty());
    assert_eq!(sim.engine.subscription("news"), Some(&Subscription::Waiting));
    sim.connect();
    sim.establish("1.1");
    assert_eq!(sim.sent_events("pusher:subscribe")[0], json!({"event":"pusher:subscribe","data":{"channel":"news","auth":""}}));
    assert_eq!(sim.auth_requests[0].1, "1.1");
}

#[test]
fn resubscribes_after_reconnect_with_new_socket_id_and_fresh_auth() {
    let mut sim = Sim::connected("1.1");
    sim.subscribe_private("private-tenant.1.inventory");
    sim.subscribe_public("tenant.1.public");
    assert_eq!(sim.engine.subscription("private-tenant.1.inventory"), Some(&Subscription::Subscribed));
    sim.take_sent();
    sim.server_close(1006);
    assert_eq!(sim.engine.subscription("private-tenant.1.inventory"), Some(&Subscription::Waiting));
    sim.advance(1_000);
    sim.establish("2.2");
    let socket_id = sim.grant("private-tenant.1.inventory", None, None);
    assert_eq!(socket_id, "2.2", "re-authorized for the new socket id");
    let subs = sim.sent_events("pusher:subscribe");
    assert_eq!(subs.len(), 2);
    let private = subs.iter().find(|f| f["data"]["channel"] == "private-tenant.1.inventory").unwrap();
    assert_eq!(private["data"]["auth"], "app-key:sig-2.2-private-tenant.1.inventory");
}

#[test]
fn unsubscribe_while_authorizing_ends_unsubscribed() {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "private-a").unwrap();
    sim.drain();
    sim.engine.unsubscribe(sim.now, "private-a");
    sim.drain();
    sim.grant("private-a", None, None);
    assert!(sim.sent_events("pusher:subscribe").is_empty(), "a late authorization is ignored");
    assert_eq!(sim.engine.subscription("private-a"), None);
}

#[test]
fn unsubscribe_while_pending_ends_unsubscribed() {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "news").unwrap();
    sim.drain();
    sim.engine.unsubscribe(sim.now, "news");
    sim.drain();
    assert_eq!(sim.sent_events("pusher:unsubscribe"), vec![json!({"event":"pusher:unsubscribe","data":{"channel":"news"}})]);
    sim.succeed("news", json!({}));
    sim.server(json!({"event":"x","channel":"news","data":"{}"}));
    assert_eq!(sim.engine.subscription("news"), None);
    assert!(sim.user_events().is_empty());
    assert!(!sim.events.iter().any(|e| matches!(e, Output::Subscribed { .. })));
}

#[test]
fn one_channels_auth_failure_leaves_others_subscribed() {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "private-tenant.2.inventory").unwrap();
    sim.drain();
    sim.subscribe_private("private-tenant.1.inventory");
    sim.deny("private-tenant.2.inventory", AuthFailure::Http { status: 403, body: "This action is unauthorized.".into() });
    let errs = channel_errors(&sim);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].channel(), "private-tenant.2.inventory");
    assert_eq!(errs[0].status(), Some(403));
    assert_eq!(errs[0].kind(), "AuthError");
    assert!(matches!(sim.engine.subscription("private-tenant.2.inventory"), Some(Subscription::Failed { retry_at: None, .. })));
    sim.server(json!({"event":"inventory.update","channel":"private-tenant.1.inventory","data":"{\"sku\":\"A\"}"}));
    assert_eq!(sim.user_events(), vec![("private-tenant.1.inventory".into(), "inventory.update".into(), json!({"sku":"A"}))]);
    assert_eq!(sim.state(), S::Connected);
}

#[test]
fn transient_auth_failures_retry_by_themselves() {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "private-a").unwrap();
    sim.drain();
    sim.deny("private-a", AuthFailure::Http { status: 500, body: String::new() });
    assert!(matches!(sim.engine.subscription("private-a"), Some(Subscription::Failed { retry_at: Some(_), .. })));
    sim.advance(1_000);
    let (_, socket_id) = sim.auth_request("private-a");
    assert_eq!(socket_id, "1.1");
}

#[test]
fn auth_timeout_fails_the_channel() {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "private-a").unwrap();
    sim.drain();
    sim.advance(10_000);
    let errs = channel_errors(&sim);
    assert!(matches!(&errs[..], [ChannelError::Auth { failure: AuthFailure::Timeout, .. }]), "{errs:?}");
    assert_eq!(errs[0].code(), "auth_timeout");
}

#[test]
fn server_subscription_error_is_attributed_to_its_channel() {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "private-a").unwrap();
    sim.engine.subscribe(sim.now, "private-b").unwrap();
    sim.drain();
    sim.grant("private-a", None, None);
    sim.grant("private-b", None, None);
    sim.server(json!({"event":"pusher:subscription_error","channel":"private-b","data":{"type":"AuthError","error":"Invalid signature","status":401}}));
    let errs = channel_errors(&sim);
    assert_eq!(errs, vec![ChannelError::Rejected { channel: "private-b".into(), status: Some(401), message: "Invalid signature".into() }]);
    assert_eq!(sim.engine.subscription("private-a"), Some(&Subscription::Pending));
}

#[test]
fn channelless_4009_is_attributed_to_the_pending_private_subscription() {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "news").unwrap();
    sim.engine.subscribe(sim.now, "private-b").unwrap();
    sim.drain();
    sim.grant("private-b", None, None);
    sim.server(json!({"event":"pusher:error","data":{"code":4009,"message":"Connection not authorized"}}));
    let errs = channel_errors(&sim);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].channel(), "private-b");
    assert_eq!(errs[0].code(), "signature_rejected");
    assert!(errs[0].message().contains("app secret"));
    assert_eq!(sim.engine.subscription("news"), Some(&Subscription::Pending));
    assert!(errors(&sim).is_empty(), "not a connection error");
}

#[test]
fn a_failed_channel_is_retried_on_request_not_on_access() {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "private-a").unwrap();
    sim.drain();
    sim.deny("private-a", AuthFailure::Http { status: 401, body: String::new() });
    sim.engine.subscribe(sim.now, "private-a").unwrap();
    sim.drain();
    assert!(sim.auth_requests.is_empty(), "accessing the channel again does not hammer the backend");
    assert!(sim.engine.retry_subscription(sim.now, "private-a"));
    assert!(!sim.engine.retry_subscription(sim.now, "private-a"), "only a failed channel is retried");
    sim.drain();
    sim.grant("private-a", None, None);
    sim.succeed("private-a", json!({}));
    assert_eq!(sim.engine.subscription("private-a"), Some(&Subscription::Subscribed));
}

#[test]
fn invalid_channel_names_are_refused() {
    let mut sim = Sim::connected("1.1");
    assert!(sim.engine.subscribe(sim.now, "bad name").is_err());
    assert!(sim.engine.subscribe(sim.now, &"x".repeat(165)).is_err());
    assert!(sim.engine.subscribe(sim.now, "").is_err());
    sim.drain();
    assert!(sim.sent.is_empty());
}

// --- 7: presence -----------------------------------------------------------------------

#[test]
fn presence_members_here_joining_leaving() {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "presence-tenant.1.online").unwrap();
    sim.drain();
    let cd = json!({"user_id":"1","user_info":{"id":1,"name":"Ada"}}).to_string();
    sim.grant("presence-tenant.1.online", Some(&cd), None);
    assert_eq!(sim.sent_events("pusher:subscribe")[0]["data"]["channel_data"], cd);
    sim.succeed(
        "presence-tenant.1.online",
        json!({"presence":{"ids":["1","2"],"hash":{"1":{"id":1,"name":"Ada"},"2":{"id":2,"name":"Grace"}},"count":2}}),
    );
    let here: Vec<_> = sim.events.iter().filter_map(|e| if let Output::Here { members, .. } = e { Some(members.clone()) } else { None }).collect();
    assert_eq!(here, vec![vec![json!({"id":1,"name":"Ada"}), json!({"id":2,"name":"Grace"})]]);
    let members = sim.engine.members("presence-tenant.1.online").unwrap();
    assert_eq!((members.count(), members.me()), (2, Some("1")));

    let add = json!({"event":"pusher_internal:member_added","channel":"presence-tenant.1.online","data":"{\"user_id\":\"3\",\"user_info\":{\"id\":3,\"name\":\"Linus\"}}"});
    sim.server(add.clone());
    sim.server(add);
    let rm = json!({"event":"pusher_internal:member_removed","channel":"presence-tenant.1.online","data":"{\"user_id\":\"2\"}"});
    sim.server(rm.clone());
    sim.server(rm);
    let joins = sim.events.iter().filter(|e| matches!(e, Output::Joining { .. })).count();
    let leaves: Vec<_> = sim.events.iter().filter_map(|e| if let Output::Leaving { info, .. } = e { Some(info.clone()) } else { None }).collect();
    assert_eq!(joins, 1, "member_added is idempotent");
    assert_eq!(leaves, vec![json!({"id":2,"name":"Grace"})], "member_removed is idempotent and carries the info");
    assert_eq!(sim.engine.members("presence-tenant.1.online").unwrap().count(), 2);

    sim.server_close(1006);
    assert_eq!(sim.engine.members("presence-tenant.1.online").unwrap().count(), 0, "reset on disconnect");
}

#[test]
fn presence_without_user_id_fails_the_channel() {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "presence-x").unwrap();
    sim.drain();
    sim.grant("presence-x", Some("{\"user_info\":{}}"), None);
    assert!(sim.sent_events("pusher:subscribe").is_empty());
    assert_eq!(channel_errors(&sim)[0].code(), "auth_invalid_response");
}

// --- 8: encrypted channels -------------------------------------------------------------

fn sealed(key: &SharedSecret, nonce: u8, plain: &str) -> String {
    let (n, c) = key.seal([nonce; 24], plain);
    json!({"nonce": n, "ciphertext": c}).to_string()
}

fn encrypted_sim(key: &SharedSecret) -> Sim {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "private-encrypted-tenant.1.payroll").unwrap();
    sim.drain();
    sim.grant("private-encrypted-tenant.1.payroll", None, Some(&key.to_base64()));
    sim.succeed("private-encrypted-tenant.1.payroll", json!({}));
    sim
}

#[test]
fn encrypted_events_are_opened() {
    let key = SharedSecret::from_bytes([3; 32]);
    let mut sim = encrypted_sim(&key);
    sim.server(json!({"event":"salary.paid","channel":"private-encrypted-tenant.1.payroll","data": sealed(&key, 1, "{\"amount\":10}")}));
    assert_eq!(sim.user_events(), vec![("private-encrypted-tenant.1.payroll".into(), "salary.paid".into(), json!({"amount":10}))]);
}

#[test]
fn encrypted_with_rotated_key_reauthorizes_once_then_delivers() {
    let old = SharedSecret::from_bytes([3; 32]);
    let new = SharedSecret::from_bytes([4; 32]);
    let mut sim = encrypted_sim(&old);
    sim.server(json!({"event":"e1","channel":"private-encrypted-tenant.1.payroll","data": sealed(&new, 1, "{\"n\":1}")}));
    sim.server(json!({"event":"e2","channel":"private-encrypted-tenant.1.payroll","data": sealed(&new, 2, "{\"n\":2}")}));
    assert!(sim.user_events().is_empty(), "nothing dispatched before the fresh key");
    assert_eq!(sim.auth_requests.len(), 1, "one key refresh for both events");
    sim.grant("private-encrypted-tenant.1.payroll", None, Some(&new.to_base64()));
    let got: Vec<Value> = sim.user_events().into_iter().map(|(_, _, d)| d).collect();
    assert_eq!(got, vec![json!({"n":1}), json!({"n":2})]);
    assert!(sim.sent_events("pusher:subscribe").len() == 1, "a key refresh does not resubscribe");
}

#[test]
fn tampered_events_are_dropped_after_one_refresh_and_never_dispatched() {
    let key = SharedSecret::from_bytes([3; 32]);
    let wrong = SharedSecret::from_bytes([9; 32]);
    let mut sim = encrypted_sim(&key);
    sim.server(json!({"event":"e","channel":"private-encrypted-tenant.1.payroll","data": sealed(&wrong, 1, "{\"evil\":1}")}));
    sim.grant("private-encrypted-tenant.1.payroll", None, Some(&key.to_base64()));
    assert!(sim.user_events().is_empty());
    assert!(matches!(channel_errors(&sim)[..], [ChannelError::Decrypt { .. }]));
    // a second bad event with the refreshed key is dropped without another refresh
    sim.server(json!({"event":"e","channel":"private-encrypted-tenant.1.payroll","data": sealed(&wrong, 2, "{}")}));
    assert!(sim.auth_requests.is_empty());
    assert_eq!(channel_errors(&sim).len(), 2);
    // and good events still flow
    sim.server(json!({"event":"ok","channel":"private-encrypted-tenant.1.payroll","data": sealed(&key, 3, "{\"fine\":true}")}));
    assert_eq!(sim.user_events().len(), 1);
    // malformed data never triggers a refresh
    sim.server(json!({"event":"e","channel":"private-encrypted-tenant.1.payroll","data": "{\"nonce\":1}"}));
    assert!(sim.auth_requests.is_empty());
}

#[test]
fn encrypted_key_refresh_failure_keeps_the_working_key() {
    // Issue 12 item 4: a failed refresh used to leave the channel without a key until the
    // next reconnect (every later event: NoKeyYet). The working key stays.
    let key = SharedSecret::from_bytes([3; 32]);
    let mut sim = encrypted_sim(&key);
    sim.server(json!({"event":"e","channel":"private-encrypted-tenant.1.payroll","data": sealed(&SharedSecret::from_bytes([5; 32]), 1, "{}")}));
    sim.deny("private-encrypted-tenant.1.payroll", AuthFailure::Http { status: 500, body: String::new() });
    sim.server(json!({"event":"later","channel":"private-encrypted-tenant.1.payroll","data": sealed(&key, 2, "{\"ok\":1}")}));
    sim.advance(20_000);
    assert!(channel_errors(&sim).iter().all(|e| !matches!(e, ChannelError::NoKeyYet { .. })), "{:?}", channel_errors(&sim));
    let names: Vec<String> = sim.user_events().into_iter().map(|(_, e, _)| e).collect();
    assert!(names.contains(&"later".to_string()), "the event sealed with the working key opens: {names:?}");
}

#[test]
fn encrypted_channel_without_shared_secret_fails() {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "private-encrypted-x").unwrap();
    sim.drain();
    sim.grant("private-encrypted-x", None, None);
    assert!(sim.sent_events("pusher:subscribe").is_empty());
    assert!(channel_errors(&sim)[0].message().contains("shared_secret"));
}

// --- 9: client events ------------------------------------------------------------------

#[test]
fn client_event_validation_sends_nothing_on_error() {
    let mut sim = Sim::connected("1.1");
    sim.subscribe_private("private-chat");
    sim.subscribe_public("news");
    sim.take_sent();
    let now = sim.now;
    let e = &mut sim.engine;
    assert!(matches!(e.trigger(now, "private-chat", "typing", &json!({})), Err(ClientEventError::NotClientEvent(_))));
    assert!(matches!(e.trigger(now, "private-chat", "client-", &json!({})), Err(ClientEventError::InvalidEventName(_))));
    assert!(matches!(e.trigger(now, "private-chat", &format!("client-{}", "x".repeat(200)), &json!({})), Err(ClientEventError::InvalidEventName(_))));
    assert!(matches!(e.trigger(now, "private-chat", "client-a\nb", &json!({})), Err(ClientEventError::InvalidEventName(_))));
    assert!(matches!(e.trigger(now, "news", "client-typing", &json!({})), Err(ClientEventError::PublicChannel(_))));
    assert!(matches!(e.trigger(now, "private-encrypted-x", "client-typing", &json!({})), Err(ClientEventError::EncryptedChannel(_))));
    assert!(matches!(e.trigger(now, "private-other", "client-typing", &json!({})), Err(ClientEventError::NotSubscribed(_))));
    let big = json!({"text": "x".repeat(10 * 1024)});
    assert!(matches!(e.trigger(now, "private-chat", "client-typing", &big), Err(ClientEventError::TooLarge { .. })));
    sim.drain();
    assert!(sim.sent.is_empty());
    for i in 0..10 {
        sim.engine.trigger(sim.now, "private-chat", "client-typing", &json!({"i": i})).unwrap();
    }
    assert_eq!(sim.engine.trigger(sim.now, "private-chat", "client-typing", &json!({})), Err(ClientEventError::RateLimited { limit: 10 }));
    sim.drain();
    assert_eq!(sim.sent.len(), 10);
    assert_eq!(sim.sent[0], json!({"event":"client-typing","channel":"private-chat","data":{"i":0}}));
    sim.advance(1_000);
    assert!(sim.engine.trigger(sim.now, "private-chat", "client-typing", &json!({})).is_ok());
    sim.server_close(1006);
    assert_eq!(sim.engine.trigger(sim.now, "private-chat", "client-typing", &json!({})), Err(ClientEventError::NotConnected));
}

#[test]
fn inbound_client_events_carry_the_sender() {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "presence-room").unwrap();
    sim.drain();
    sim.grant("presence-room", Some("{\"user_id\":\"1\"}"), None);
    sim.succeed("presence-room", json!({"presence":{"ids":["1"],"hash":{"1":{}},"count":1}}));
    sim.server(json!({"event":"client-typing","channel":"presence-room","user_id":"2","data":{"typing":true}}));
    assert!(sim.events.iter().any(|e| matches!(e, Output::Event { user_id: Some(u), .. } if u == "2")));
}

// --- 10: sign-in and server-side extras ------------------------------------------------

#[test]
fn signin_then_server_to_user_events_and_again_after_reconnect() {
    let mut sim = Sim::connected("1.1");
    sim.engine.signin(sim.now);
    sim.drain();
    assert_eq!(sim.grant_user("{\"id\":\"1\",\"name\":\"Ada\"}"), "1.1");
    let signin = sim.sent_events("pusher:signin");
    assert_eq!(signin[0]["data"], json!({"auth":"app-key:usersig","user_data":"{\"id\":\"1\",\"name\":\"Ada\"}"}));
    sim.server(json!({"event":"pusher:signin_success","data":{"user_data":"{\"id\":\"1\",\"name\":\"Ada\"}"}}));
    assert_eq!(sim.engine.signed_in_user(), Some("1"));
    assert_eq!(sim.sent_events("pusher:subscribe")[0]["data"]["channel"], "#server-to-user-1");
    sim.succeed("#server-to-user-1", json!({}));
    sim.server(json!({"event":"order.ready","channel":"#server-to-user-1","data":"{\"id\":5}"}));
    assert!(sim.events.iter().any(|e| matches!(e, Output::UserEvent { event, data } if event == "order.ready" && data == &json!({"id":5}))));
    assert_eq!(sim.engine.channel_names().count(), 0, "the user channel is internal");
    sim.server_close(1006);
    sim.advance(1_000);
    sim.establish("2.2");
    assert_eq!(sim.grant_user("{\"id\":\"1\"}"), "2.2", "signs in again with the new socket id");
}

#[test]
fn signin_failure_is_reported() {
    let mut sim = Sim::connected("1.1");
    sim.engine.signin(sim.now);
    sim.drain();
    let (request, _) = sim.user_auth_requests.pop().unwrap();
    sim.engine.handle_user_auth(sim.now, request, echo_wasm::UserAuthOutcome::Failed(AuthFailure::Http { status: 401, body: String::new() }));
    sim.drain();
    assert!(sim.events.iter().any(|e| matches!(e, Output::SigninFailed(_))));
}

#[test]
fn watchlist_subscription_count_and_cache_miss() {
    let mut sim = Sim::connected("1.1");
    sim.subscribe_public("cache-prices");
    sim.server(json!({"event":"pusher_internal:watchlist_events","data":{"events":[{"name":"online","user_ids":["2","3"]}]}}));
    sim.server(json!({"event":"pusher_internal:subscription_count","channel":"cache-prices","data":"{\"subscription_count\":4}"}));
    sim.server(json!({"event":"pusher:cache_miss","channel":"cache-prices","data":{}}));
    assert!(sim.events.iter().any(|e| matches!(e, Output::Watchlist { name, user_ids } if name == "online" && *user_ids == vec!["2".to_string(), "3".to_string()])));
    assert_eq!(sim.engine.subscription_count("cache-prices"), Some(4));
    let names: Vec<String> = sim.user_events().into_iter().map(|(_, e, _)| e).collect();
    assert_eq!(names, vec!["pusher:subscription_count", "pusher:cache_miss"]);
}

// --- 12: frames ------------------------------------------------------------------------

#[test]
fn malformed_frames_are_reported_and_never_break_the_connection() {
    let mut sim = Sim::connected("1.1");
    sim.subscribe_public("news");
    for text in ["not json", "[]", "{\"event\":3}", "{\"event\":\"e\",\"channel\":[1]}", "{}", "null", "\"x\""] {
        sim.server_text(text);
    }
    assert_eq!(errors(&sim).len(), 7);
    assert!(errors(&sim).iter().all(|e| e.code() == "bad_frame"));
    sim.server(json!({"event":"e","channel":"news","data":"plain text"}));
    sim.server(json!({"event":"e","channel":"news","data":{"obj":1}}));
    sim.server(json!({"event":"e","channel":"news"}));
    let data: Vec<Value> = sim.user_events().into_iter().map(|(_, _, d)| d).collect();
    assert_eq!(data, vec![json!("plain text"), json!({"obj":1}), Value::Null]);
    assert_eq!(sim.state(), S::Connected);
}

#[test]
fn events_for_unknown_channels_are_ignored() {
    let mut sim = Sim::connected("1.1");
    sim.server(json!({"event":"e","channel":"nobody","data":"{}"}));
    assert!(sim.user_events().is_empty());
}

#[test]
fn stale_socket_events_are_ignored() {
    let mut sim = Sim::connected("1.1");
    let old = sim.socket.unwrap();
    sim.server_close(4200);
    sim.engine.handle_text(sim.now, old, "{\"event\":\"pusher:connection_established\",\"data\":{\"socket_id\":\"9.9\"}}");
    sim.engine.handle_close(sim.now, old, 1006, "");
    sim.drain();
    assert_eq!(sim.engine.socket_id(), None);
    assert_eq!(sim.urls.len(), 2);
}

#[test]
fn a_close_before_the_handshake_is_diagnosed_as_a_likely_unknown_key() {
    let mut sim = Sim::new();
    sim.connect();
    sim.open();
    sim.server_close(1006);
    let errs = errors(&sim);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code(), "handshake_closed");
    assert!(errs[0].message().contains("app-key") && errs[0].message().contains("VITE_REVERB_APP_KEY"));
    assert_eq!(sim.state(), S::Connecting, "still retrying: the cause is only likely");
}

#[test]
fn an_explicit_connect_after_disconnect_is_connecting_not_reconnecting() {
    let mut sim = Sim::connected("1.1");
    sim.engine.disconnect(sim.now);
    sim.drain();
    sim.connect();
    assert_eq!(sim.engine.status(), ConnectionStatus::Connecting);
    sim.establish("2.2");
    sim.server_close(1006);
    assert_eq!(sim.engine.status(), ConnectionStatus::Reconnecting);
}
