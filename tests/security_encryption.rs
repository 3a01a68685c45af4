//! Security of encrypted channels in the engine (issue #8): a wrong `shared_secret`, a
//! tampered ciphertext, a payload that is not encrypted, or a truncated nonce never reaches the
//! app as data; a failed decrypt fetches a fresh key exactly once (for the live socket id), and
//! only a key that really opens the event delivers it, unchanged.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use base64::Engine as _;
use echo_wasm::encryption::SharedSecret;
use echo_wasm::error::ChannelError;
use echo_wasm::Output;
use serde_json::{json, Value};
use support::sim::Sim;

const CH: &str = "private-encrypted-tenant.1.pay";

fn key(byte: u8) -> SharedSecret {
    SharedSecret::from_bytes([byte; 32])
}

/// Connected, `CH` subscribed with `granted` as the channel key.
fn subscribed(granted: &SharedSecret) -> Sim {
    let mut sim = Sim::connected("11.22");
    sim.engine.subscribe(sim.now, CH).unwrap();
    sim.drain();
    sim.grant(CH, None, Some(&granted.to_base64()));
    sim.succeed(CH, json!({}));
    sim.take_events();
    sim
}

fn sealed_frame(with: &SharedSecret, nonce: u8, plaintext: &str) -> Value {
    let (n, c) = with.seal([nonce; 24], plaintext);
    json!({"event": "order.paid", "channel": CH, "data": json!({"nonce": n, "ciphertext": c}).to_string()})
}

fn user_events(sim: &Sim) -> Vec<Value> {
    sim.user_events().into_iter().filter(|(c, e, _)| c == CH && e == "order.paid").map(|(_, _, d)| d).collect()
}

fn decrypt_errors(sim: &Sim) -> usize {
    sim.events.iter().filter(|e| matches!(e, Output::ChannelError(ChannelError::Decrypt { .. }))).count()
}

#[test]
fn a_wrong_key_never_dispatches_and_refreshes_the_key_once() {
    let mut sim = subscribed(&key(1)); // the backend handed out a wrong key
    sim.server(sealed_frame(&key(2), 5, r#"{"amount":100}"#));
    assert!(user_events(&sim).is_empty(), "nothing delivered with a wrong key");
    // One fresh authorization, for the live socket id.
    assert_eq!(sim.auth_requests.len(), 1);
    assert_eq!(sim.auth_requests[0].1, "11.22");
    assert_eq!(sim.auth_requests[0].2, CH);
    // The refresh hands out the same wrong key: the event is dropped with decrypt_failed.
    sim.grant(CH, None, Some(&key(1).to_base64()));
    assert!(user_events(&sim).is_empty(), "still nothing with the same wrong key");
    assert_eq!(decrypt_errors(&sim), 1);
    // No second refresh for the next bad event right away (no auth storm).
    sim.server(sealed_frame(&key(2), 6, r#"{"amount":200}"#));
    assert!(user_events(&sim).is_empty());
    assert!(sim.auth_requests.len() <= 1, "at most one refresh per failure: {:?}", sim.auth_requests);
}

#[test]
fn a_refresh_with_the_right_key_delivers_the_exact_plaintext() {
    let mut sim = subscribed(&key(1));
    sim.server(sealed_frame(&key(2), 7, r#"{"amount":100,"note":"ünïcödé"}"#));
    assert!(user_events(&sim).is_empty());
    sim.grant(CH, None, Some(&key(2).to_base64()));
    assert_eq!(user_events(&sim), vec![json!({"amount": 100, "note": "ünïcödé"})]);
    assert_eq!(decrypt_errors(&sim), 0);
}

#[test]
fn tampered_unencrypted_and_malformed_payloads_never_dispatch() {
    let right = key(3);
    let mut sim = subscribed(&right);
    let (n, c) = right.seal([9; 24], r#"{"amount":1}"#);
    // Flip one bit of the ciphertext (the MAC must catch it).
    let mut raw = base64::engine::general_purpose::STANDARD.decode(&c).unwrap();
    let mid = raw.len() / 2;
    raw[mid] ^= 1;
    let flipped = base64::engine::general_purpose::STANDARD.encode(raw);
    let frames = [
        json!({"nonce": n, "ciphertext": flipped}).to_string(),
        r#"{"amount":1}"#.to_string(),                                     // plaintext on an encrypted channel
        json!({"nonce": "AAAA", "ciphertext": c}).to_string(),             // short nonce
        json!({"nonce": n, "ciphertext": "not base64 !"}).to_string(),     // not base64
        json!({"nonce": n}).to_string(),                                   // no ciphertext
        "\"just a string\"".to_string(),
    ];
    for data in frames {
        sim.server(json!({"event": "order.paid", "channel": CH, "data": data}));
        // Any refresh is answered with the same (right) key: tampering cannot be fixed by a key.
        while let Some((request, _, _)) = sim.auth_requests.pop() {
            let outcome = echo_wasm::AuthOutcome::Granted(echo_wasm::Authorization { auth: "k:s".into(), channel_data: None, shared_secret: Some(right.to_base64()) });
            sim.engine.handle_auth(sim.now, request, outcome);
            sim.drain();
        }
    }
    assert!(user_events(&sim).is_empty(), "delivered: {:?}", user_events(&sim));
    assert_eq!(decrypt_errors(&sim), 6, "each bad payload reported once");
    // And a genuine event still opens.
    sim.server(sealed_frame(&right, 10, r#"{"amount":2}"#));
    assert_eq!(user_events(&sim), vec![json!({"amount": 2})]);
}

#[test]
fn an_invalid_shared_secret_fails_the_subscription_instead_of_using_it() {
    for bad in ["", "not base64 !", "AAAA", &base64::engine::general_purpose::STANDARD.encode([0u8; 31])] {
        let mut sim = Sim::connected("1.2");
        sim.engine.subscribe(sim.now, CH).unwrap();
        sim.drain();
        sim.grant(CH, None, Some(bad));
        assert!(sim.sent_events("pusher:subscribe").is_empty(), "subscribed with shared_secret {bad:?}");
        assert!(sim.events.iter().any(|e| matches!(e, Output::ChannelError(_))), "an error for shared_secret {bad:?}");
    }
}
