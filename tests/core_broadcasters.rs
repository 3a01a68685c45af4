//! laravel-echo's other broadcaster names in the core: `null` (`Options::never_connect`)
//! opens nothing, ever; `ably` is the Pusher URL on the given host (native only).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use echo_wasm::connection::ConnectionState as S;
use echo_wasm::engine::Output;
use echo_wasm::options::Options;
use support::sim::{options, Sim};

#[test]
fn the_null_broadcaster_never_opens_a_socket() {
    // No key and no host: the null broadcaster needs neither.
    let mut o = Options::new("");
    o.never_connect = true;
    let mut sim = Sim::with(o, 7);
    assert_eq!(sim.engine.connect(sim.now), Ok(()), "connect() is accepted and does nothing");
    sim.engine.subscribe(sim.now, "orders").expect("a valid name");
    sim.engine.subscribe(sim.now, "private-orders").expect("a valid name");
    sim.engine.signin(sim.now);
    // A valid whisper goes nowhere (laravel-echo's null channel); an invalid one is still refused.
    assert_eq!(sim.engine.trigger(sim.now, "private-orders", "client-typing", &serde_json::json!({})), Ok(()));
    assert!(sim.engine.trigger(sim.now, "orders", "client-typing", &serde_json::json!({})).is_err(), "public channel");
    sim.engine.handle_online(sim.now);
    sim.engine.handle_wake(sim.now);
    sim.drain();
    for _ in 0..10 {
        sim.advance(60_000);
        assert_eq!(sim.engine.connect(sim.now), Ok(()));
        sim.drain();
    }
    assert!(sim.urls.is_empty(), "no socket opened: {:?}", sim.urls);
    assert!(sim.socket.is_none());
    assert!(sim.sent.is_empty() && sim.auth_requests.is_empty() && sim.user_auth_requests.is_empty());
    assert!(!sim.events.iter().any(|e| matches!(e, Output::OpenSocket { .. })));
    assert_eq!(sim.state(), S::Initialized, "never connecting");
    assert_eq!(sim.engine.poll_timeout(), None, "no timer armed");

    // Control: the same steps without the gate open a socket.
    let mut sim = Sim::with(options(), 7);
    sim.engine.connect(sim.now).expect("valid options");
    sim.drain();
    assert_eq!(sim.urls.len(), 1);
}

#[test]
fn the_ably_endpoint_options_give_the_pusher_url_on_its_host() {
    // The engine's side of `broadcaster: 'ably'` (options as src/api/options.rs builds them for
    // `key, wsHost: 'realtime-pusher.ably.io'`; clearing `cluster` and the host check are
    // src/api/options.rs's, tested in the browser by tests/js/broadcasters.test.mjs).
    let mut o = Options::new("appid.keyid");
    o.hosts = vec!["realtime-pusher.ably.io".into()];
    let mut sim = Sim::with(o, 7);
    sim.engine.connect(sim.now).expect("valid options");
    sim.drain();
    let v = env!("CARGO_PKG_VERSION");
    assert_eq!(sim.urls, [format!("wss://realtime-pusher.ably.io:443/app/appid.keyid?protocol=7&client=echo-wasm&version={v}&flash=false")]);
}
