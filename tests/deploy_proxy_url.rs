//! The client options of the README's deployment section (`wsHost` = the proxy, `wssPort: 443`,
//! `forceTLS: true`) in the core: the socket the engine opens is `wss://` on the proxy's host
//! and port 443, whatever `wsPort` says and even on an http page (native only).
//!
//! pusher-js 8.6.0 builds the same string: `hostTLS = wsHost + ':' + wssPort` and
//! `scheme + '://' + host + path` (src/runtimes/isomorphic/default_strategy.ts,
//! src/core/transports/url_schemes.ts), so `wss://host:443/app/KEY?...`; the browser's URL
//! parser drops the default port, and the socket's URL is `wss://host/app/KEY?...`
//! (tests/topology/proxy.test.mjs checks that in Chromium).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use echo_wasm::options::Options;
use support::sim::Sim;

fn proxy_options() -> Options {
    let mut o = Options::new("app-key");
    o.hosts = vec!["ws.example.com".into()]; // wsHost
    o.wss_port = 443;
    o.ws_port = 6001; // a Sockudo node's own port: never used once TLS is forced
    o.force_tls = Some(true);
    o.page_is_https = false;
    o
}

fn opened(o: Options) -> Vec<String> {
    let mut sim = Sim::with(o, 7);
    sim.engine.connect(sim.now).expect("valid options");
    sim.drain();
    sim.urls.clone()
}

#[test]
fn wss_port_443_with_force_tls_opens_wss_on_the_proxy_host() {
    let v = env!("CARGO_PKG_VERSION");
    let o = proxy_options();
    assert!(o.use_tls(), "forceTLS: true uses TLS on an http page");
    assert_eq!(opened(o), [format!("wss://ws.example.com:443/app/app-key?protocol=7&client=echo-wasm&version={v}&flash=false")]);
}

#[test]
fn the_proxy_port_of_a_test_run_replaces_443_and_ws_port_stays_unused() {
    let v = env!("CARGO_PKG_VERSION");
    let mut o = proxy_options();
    o.hosts = vec!["127.0.0.1".into()];
    o.wss_port = 8443;
    assert_eq!(opened(o), [format!("wss://127.0.0.1:8443/app/app-key?protocol=7&client=echo-wasm&version={v}&flash=false")]);
    // Control: without forceTLS on an http page the client would go to wsPort over ws://.
    let mut o = proxy_options();
    o.force_tls = Some(false);
    assert_eq!(opened(o), [format!("ws://ws.example.com:6001/app/app-key?protocol=7&client=echo-wasm&version={v}&flash=false")]);
}
