//! The connection hub (issue #15): a tab that attaches again without a detach (its link
//! waits: it missed this hub's open, or its detach named another hub) starts afresh: what it
//! held is released and its link opens again with the handshake (native only).
#![cfg(not(target_arch = "wasm32"))]

use echo_wasm::hub::{Hub, HubOutput as O};
use echo_wasm::options::Options;
use serde_json::{json, Value};

const URL: &str = "ws://127.0.0.1:6001/app/key?protocol=7";
const HANDSHAKE: &str = r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"1.2\",\"activity_timeout\":30}"}"#;

fn drain(hub: &mut Hub<Value, u32>) -> Vec<O<u32>> {
    std::iter::from_fn(|| hub.poll_output()).collect()
}

fn sub(channel: &str) -> String {
    json!({"event":"pusher:subscribe","data":{"auth":"","channel":channel}}).to_string()
}

fn unsub(channel: &str) -> String {
    json!({"event":"pusher:unsubscribe","data":{"channel":channel}}).to_string()
}

#[test]
fn attaching_again_releases_what_the_tab_held_and_opens_its_link_again() {
    let mut h: Hub<Value, u32> = Hub::new(&Options::new("key"));
    h.attach(0, 1, URL);
    h.attach(0, 2, URL);
    h.server_open(0);
    h.server_frame(0, HANDSHAKE);
    h.tab_frame(0, &1, &sub("only-1"));
    h.tab_frame(0, &1, &sub("both"));
    h.tab_frame(0, &2, &sub("both"));
    drain(&mut h);

    h.attach(5, 1, URL);
    let out = drain(&mut h);
    let sent: Vec<Value> = out.iter().filter_map(|o| if let O::SendServer(t) = o { serde_json::from_str(t).ok() } else { None }).collect();
    assert_eq!(sent, vec![serde_json::from_str::<Value>(&unsub("only-1")).unwrap()], "only what tab 1 alone held is left: {out:?}");
    assert!(out.contains(&O::OpenTab(1)), "the link opens again: {out:?}");
    assert!(out.contains(&O::ToTabs(vec![1], HANDSHAKE.into())), "with the handshake: {out:?}");
    assert_eq!(h.tab_count(), 2);

    // Its engine subscribes again: the channel is subscribed on the socket once more.
    h.tab_frame(6, &1, &sub("only-1"));
    let again: Vec<O<u32>> = drain(&mut h);
    assert!(again.contains(&O::SendServer(sub("only-1"))), "{again:?}");
}
