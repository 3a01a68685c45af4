//! The connection hub of `shareConnection` (issue #14), on scripted frames: reference
//! counting, late presence joiners, one user per socket, client-event fan-out, pings and
//! keep-alive, server close, detach release and hostile frames (native only).
#![cfg(not(target_arch = "wasm32"))]

use echo_wasm::hub::{Hub, HubOutput as O};
use echo_wasm::options::Options;
use serde_json::{json, Value};

const URL: &str = "ws://127.0.0.1:6001/app/key?protocol=7";
const HANDSHAKE: &str = r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"1.2\",\"activity_timeout\":30}"}"#;

fn hub() -> Hub<Value, u32> {
    Hub::new(&Options::new("key"))
}

fn drain(hub: &mut Hub<Value, u32>) -> Vec<O<u32>> {
    std::iter::from_fn(|| hub.poll_output()).collect()
}

/// A hub with `tabs` attached and the handshake done; outputs drained.
fn connected(tabs: &[u32]) -> Hub<Value, u32> {
    let mut h = hub();
    for &t in tabs {
        h.attach(0, t, URL);
    }
    h.server_open(0);
    h.server_frame(0, HANDSHAKE);
    drain(&mut h);
    h
}

fn sub(channel: &str) -> String {
    json!({"event":"pusher:subscribe","data":{"auth":"","channel":channel}}).to_string()
}

fn presence_sub(channel: &str, user: &str) -> String {
    let data = json!({"user_id": user, "user_info": {"name": user}}).to_string();
    json!({"event":"pusher:subscribe","data":{"auth":"k:sig","channel_data":data,"channel":channel}}).to_string()
}

fn succeeded(channel: &str, data: Value) -> String {
    json!({"event":"pusher_internal:subscription_succeeded","channel":channel,"data":data.to_string()}).to_string()
}

fn sent(out: &[O<u32>]) -> Vec<String> {
    out.iter().filter_map(|o| if let O::SendServer(t) = o { Some(t.clone()) } else { None }).collect()
}

#[test]
fn the_socket_opens_with_the_first_tab_and_each_tab_gets_the_handshake() {
    let mut h = hub();
    h.attach(0, 1, URL);
    assert_eq!(drain(&mut h), vec![O::OpenServer(URL.into())]);
    h.attach(0, 2, URL);
    assert_eq!(drain(&mut h), vec![], "a tab attaching while connecting waits");
    h.server_open(5);
    assert_eq!(drain(&mut h), vec![O::OpenTab(1), O::OpenTab(2)], "the links open with the real socket");
    h.server_frame(5, HANDSHAKE);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1, 2], HANDSHAKE.into())], "and the handshake follows");
    h.attach(9, 3, URL);
    assert_eq!(drain(&mut h), vec![O::OpenTab(3), O::ToTabs(vec![3], HANDSHAKE.into())], "a late tab gets the cached handshake at once");
    assert_eq!(h.tab_count(), 3);
    h.detach(&1);
    h.detach(&2);
    assert_eq!(drain(&mut h), vec![]);
    h.detach(&3);
    assert_eq!(drain(&mut h), vec![O::CloseServer(1000, "no tab left".into())], "the last tab's leaving closes the socket");
    h.attach(20, 4, URL);
    assert_eq!(drain(&mut h), vec![O::OpenServer(URL.into())], "and a new tab opens a new one");
}

#[test]
fn a_channel_is_subscribed_once_and_reference_counted() {
    let mut h = connected(&[1, 2, 3]);
    h.tab_frame(0, &1, &sub("orders"));
    assert_eq!(sent(&drain(&mut h)), vec![sub("orders")]);
    h.tab_frame(0, &2, &sub("orders"));
    assert_eq!(drain(&mut h), vec![], "pending: the second holder waits");
    let ok = succeeded("orders", json!({}));
    h.server_frame(0, &ok);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1, 2], ok.clone())]);
    h.tab_frame(0, &3, &sub("orders"));
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![3], ok.clone())], "a late holder gets the success at once, not forwarded");
    let event = json!({"event":"shipped","channel":"orders","data":"{\"n\":1}"}).to_string();
    h.server_frame(0, &event);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1, 2, 3], event.clone())], "one copy per holder");
    let unsub = json!({"event":"pusher:unsubscribe","data":{"channel":"orders"}}).to_string();
    h.tab_frame(0, &1, &unsub);
    h.tab_frame(0, &2, &unsub);
    assert_eq!(drain(&mut h), vec![], "holders left: nothing forwarded");
    h.server_frame(0, &event);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![3], event.clone())]);
    h.tab_frame(0, &3, &unsub);
    assert_eq!(sent(&drain(&mut h)), vec![unsub], "the last holder's unsubscribe is forwarded");
    h.server_frame(0, &event);
    assert_eq!(drain(&mut h), vec![]);
}

#[test]
fn a_subscription_error_goes_to_the_waiting_tabs_and_forgets_the_channel() {
    let mut h = connected(&[1, 2]);
    h.tab_frame(0, &1, &sub("private-x"));
    h.tab_frame(0, &2, &sub("private-x"));
    drain(&mut h);
    let error = json!({"event":"pusher:subscription_error","channel":"private-x","data":{"type":"AuthError","status":403}}).to_string();
    h.server_frame(0, &error);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1, 2], error)]);
    assert_eq!(h.channel_count(), 0);
    h.tab_frame(0, &2, &sub("private-x"));
    assert_eq!(sent(&drain(&mut h)), vec![sub("private-x")], "the next subscribe is forwarded again");
}

#[test]
fn a_late_presence_joiner_gets_the_roster_as_it_is_now() {
    let mut h = connected(&[1, 2]);
    h.tab_frame(0, &1, &presence_sub("presence-room", "7"));
    assert_eq!(sent(&drain(&mut h)).len(), 1);
    let roster = json!({"presence":{"ids":["7","8"],"hash":{"7":{"name":"7"},"8":{"name":"8"}},"count":2}});
    h.server_frame(0, &succeeded("presence-room", roster));
    drain(&mut h);
    let added = json!({"event":"pusher_internal:member_added","channel":"presence-room","data":json!({"user_id":9,"user_info":{"name":"nine"}}).to_string()}).to_string();
    let removed = json!({"event":"pusher_internal:member_removed","channel":"presence-room","data":json!({"user_id":"8"}).to_string()}).to_string();
    h.server_frame(0, &added);
    h.server_frame(0, &removed);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1], added), O::ToTabs(vec![1], removed)]);
    h.tab_frame(0, &2, &presence_sub("presence-room", "7"));
    let out = drain(&mut h);
    assert!(sent(&out).is_empty(), "the server sees one subscription");
    let [O::ToTabs(to, frame)] = &out[..] else { panic!("expected one reply, got {out:?}") };
    assert_eq!(to, &vec![2]);
    let frame: Value = serde_json::from_str(frame).unwrap();
    assert_eq!(frame["event"], "pusher_internal:subscription_succeeded");
    assert_eq!(frame["channel"], "presence-room");
    let data: Value = serde_json::from_str(frame["data"].as_str().unwrap()).unwrap();
    assert_eq!(data, json!({"presence":{"ids":["7","9"],"hash":{"7":{"name":"7"},"9":{"name":"nine"}},"count":2}}));
}

#[test]
fn a_tab_naming_another_user_goes_solo_and_nothing_of_it_is_forwarded() {
    let mut h = connected(&[1, 2, 3]);
    h.tab_frame(0, &1, &presence_sub("presence-room", "7"));
    drain(&mut h);
    h.tab_frame(0, &2, &presence_sub("presence-other", "8"));
    let out = drain(&mut h);
    assert!(sent(&out).is_empty());
    assert!(matches!(&out[..], [O::Solo(2, reason)] if reason.contains("another user")), "{out:?}");
    assert!(!h.is_attached(&2));
    let signin = json!({"event":"pusher:signin","data":{"auth":"k:s","user_data":json!({"id":"9"}).to_string()}}).to_string();
    h.tab_frame(0, &3, &signin);
    assert!(matches!(&drain(&mut h)[..], [O::Solo(3, _)]), "a sign-in as another user too");
    let same = json!({"event":"pusher:signin","data":{"auth":"k:s","user_data":json!({"id":7}).to_string()}}).to_string();
    h.tab_frame(0, &1, &same);
    assert_eq!(sent(&drain(&mut h)), vec![same], "the group's own user signs in");
}

#[test]
fn sign_in_is_forwarded_once_and_its_success_cached() {
    let mut h = connected(&[1, 2, 3]);
    let signin = json!({"event":"pusher:signin","data":{"auth":"k:s","user_data":json!({"id":"5"}).to_string()}}).to_string();
    h.tab_frame(0, &1, &signin);
    h.tab_frame(0, &2, &signin);
    assert_eq!(sent(&drain(&mut h)), vec![signin.clone()]);
    let ok = json!({"event":"pusher:signin_success","data":{"user_data":"{\"id\":\"5\"}"}}).to_string();
    h.server_frame(0, &ok);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1, 2], ok.clone())]);
    h.tab_frame(0, &3, &signin);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![3], ok)]);
    let to_user = json!({"event":"invoice.paid","channel":"#server-to-user-5","data":"{}"}).to_string();
    let online = json!({"event":"online","data":{"user_ids":["6"]}}).to_string();
    h.detach(&2);
    h.server_frame(0, &to_user);
    h.server_frame(0, &online);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1, 3], to_user), O::ToTabs(vec![1, 3], online)]);
}

#[test]
fn client_events_reach_the_other_holders_and_go_to_the_server() {
    let mut h = connected(&[1, 2, 3]);
    for tab in [1, 2] {
        h.tab_frame(0, &tab, &presence_sub("presence-room", "7"));
    }
    h.tab_frame(0, &3, &sub("private-chat"));
    h.server_frame(0, &succeeded("presence-room", json!({"presence":{"ids":["7"],"hash":{"7":null},"count":1}})));
    h.server_frame(0, &succeeded("private-chat", json!({})));
    drain(&mut h);
    let whisper = json!({"event":"client-typing","channel":"presence-room","data":{"typing":true}}).to_string();
    h.tab_frame(0, &1, &whisper);
    let out = drain(&mut h);
    assert_eq!(sent(&out), vec![whisper.clone()]);
    let copies: Vec<_> = out.iter().filter_map(|o| if let O::ToTabs(to, t) = o { Some((to.clone(), t.clone())) } else { None }).collect();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].0, vec![2], "the sender gets nothing back");
    let copy: Value = serde_json::from_str(&copies[0].1).unwrap();
    assert_eq!(copy, json!({"event":"client-typing","channel":"presence-room","data":{"typing":true},"user_id":"7"}));
    let private = json!({"event":"client-x","channel":"private-chat","data":{}}).to_string();
    h.tab_frame(0, &3, &private);
    assert_eq!(drain(&mut h), vec![O::SendServer(private)], "nobody else holds it");
    let foreign = json!({"event":"client-x","channel":"private-chat","data":{}}).to_string();
    h.tab_frame(0, &1, &foreign);
    assert_eq!(drain(&mut h), vec![], "a client event on a channel the tab does not hold is dropped");
}

#[test]
fn the_hub_answers_pings_and_keeps_the_socket_alive() {
    let mut h = connected(&[1]);
    h.server_frame(0, r#"{"event":"pusher:ping","data":{}}"#);
    assert_eq!(drain(&mut h), vec![O::SendServer(r#"{"event":"pusher:ping","data":{}}"#.replace("ping", "pong"))]);
    h.tab_frame(0, &1, r#"{"event":"pusher:ping","data":{}}"#);
    assert!(matches!(&drain(&mut h)[..], [O::ToTabs(to, t)] if to == &vec![1] && t.contains("pusher:pong")), "a tab's ping is answered by the hub");
    // activity_timeout 30 s from the handshake (below the 120 s option).
    assert_eq!(h.poll_timeout(), Some(30_000));
    h.server_frame(10_000, r#"{"event":"x","channel":"c","data":"{}"}"#);
    assert_eq!(h.poll_timeout(), Some(40_000), "inbound frames are activity");
    h.handle_timeout(39_999);
    assert_eq!(drain(&mut h), vec![]);
    h.handle_timeout(40_000);
    assert!(matches!(&drain(&mut h)[..], [O::SendServer(t)] if t.contains("pusher:ping")));
    assert_eq!(h.poll_timeout(), Some(70_000), "the pong timeout (30 s)");
    h.handle_timeout(70_000);
    assert_eq!(drain(&mut h), vec![O::CloseServer(4201, "pong timeout".into()), O::CloseTab(1, 4201, "pong timeout".into())]);
    assert_eq!(h.tab_count(), 0);
    assert_eq!(h.poll_timeout(), None);
}

#[test]
fn a_server_close_closes_every_link_with_its_code_and_forgets_everything() {
    let mut h = connected(&[1, 2]);
    h.tab_frame(0, &1, &presence_sub("presence-room", "7"));
    h.server_frame(0, &succeeded("presence-room", json!({"presence":{"ids":["7"],"hash":{"7":null},"count":1}})));
    drain(&mut h);
    h.server_close(4100, "over capacity");
    assert_eq!(drain(&mut h), vec![O::CloseTab(1, 4100, "over capacity".into()), O::CloseTab(2, 4100, "over capacity".into())]);
    assert_eq!((h.tab_count(), h.channel_count()), (0, 0));
    // A new socket and another user: the old user is forgotten.
    let mut h2 = h;
    h2.attach(0, 3, URL);
    h2.server_open(0);
    h2.server_frame(0, HANDSHAKE);
    drain(&mut h2);
    h2.tab_frame(0, &3, &presence_sub("presence-room", "8"));
    assert_eq!(sent(&drain(&mut h2)).len(), 1);
}

#[test]
fn a_detached_tab_releases_what_it_held() {
    let mut h = connected(&[1, 2]);
    h.tab_frame(0, &1, &sub("a"));
    h.tab_frame(0, &1, &sub("b"));
    h.tab_frame(0, &2, &sub("b"));
    drain(&mut h);
    h.detach(&1);
    let unsub_a = json!({"event":"pusher:unsubscribe","data":{"channel":"a"}});
    let out: Vec<Value> = sent(&drain(&mut h)).iter().map(|t| serde_json::from_str(t).unwrap()).collect();
    assert_eq!(out, vec![unsub_a], "only the channel nobody else holds");
    h.detach(&1);
    assert_eq!(drain(&mut h), vec![], "detaching twice does nothing");
}

#[test]
fn hostile_frames_are_dropped_without_panicking() {
    let mut h = connected(&[1, 2]);
    let junk = ["", "not json", "[]", "null", "{}", r#"{"event":7}"#, r#"{"event":"pusher:subscribe"}"#, r#"{"event":"pusher:subscribe","data":{"channel":5}}"#,
        r#"{"event":"pusher:subscribe","data":{"channel":"presence-x","channel_data":"{not json"}}"#, r#"{"event":"pusher:signin","data":{"user_data":[1]}}"#,
        r#"{"event":"client-x","channel":["a"]}"#, r#"{"event":"pusher:unsubscribe","data":"x"}"#, "\u{0}\u{ffff}"];
    for text in junk {
        h.tab_frame(0, &1, text);
        h.server_frame(0, text);
    }
    for text in [r#"{"event":"pusher_internal:subscription_succeeded","channel":"presence-x","data":"{\"presence\":{\"ids\":[{}],\"hash\":7}}"}"#,
        r#"{"event":"pusher_internal:member_added","channel":"presence-x","data":"{\"user_id\":[]}"}"#] {
        h.server_frame(0, text);
    }
    h.tab_frame(0, &9, &sub("x"));
    let out = drain(&mut h);
    assert!(out.iter().all(|o| matches!(o, O::SendServer(_) | O::ToTabs(..) | O::Solo(..))), "{out:?}");
    // A presence subscribe or sign-in whose user cannot be read could be another user's: the
    // tab goes solo (the server then judges it on its own socket), and nothing is forwarded.
    let solos: Vec<&O<u32>> = out.iter().filter(|o| matches!(o, O::Solo(..))).collect();
    assert_eq!(solos, vec![&O::Solo(1, "presence channel_data names no readable user_id".into())], "{out:?}");
    assert!(!sent(&out).iter().any(|t| t.contains("presence-x") || t.contains("pusher:signin")), "{out:?}");
    assert_eq!(h.tab_count(), 1);
    assert!(h.is_attached(&2));
    h.tab_frame(0, &2, r#"{"event":"pusher:signin","data":{"user_data":"{}"}}"#);
    assert_eq!(drain(&mut h), vec![O::Solo(2, "sign-in user_data names no readable id".into()), O::CloseServer(1000, "no tab left".into())]);
}

#[test]
fn a_channel_error_keeps_a_subscribed_channel() {
    let mut h = connected(&[1, 2]);
    h.tab_frame(0, &1, &sub("orders"));
    drain(&mut h);
    let ok = json!({"event":"pusher_internal:subscription_succeeded","channel":"orders","data":"{}"}).to_string();
    h.server_frame(0, &ok);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1], ok.clone())]);
    h.tab_frame(0, &2, &sub("orders"));
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![2], ok)], "subscribed: the late holder is answered at once");
    let error = json!({"event":"pusher:error","channel":"orders","data":{"code":4301,"message":"rate limited"}}).to_string();
    h.server_frame(0, &error);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1, 2], error)]);
    assert_eq!(h.channel_count(), 1, "an error on a subscribed channel does not end the subscription");
}

#[test]
fn a_close_before_the_handshake_reaches_each_engine_after_its_link_opened() {
    // Sockudo closes an unknown app key's socket before the handshake: each engine must see
    // an open then a close (handshake_closed), not a socket that never opened (unreachable).
    let mut h = hub();
    h.attach(0, 1, URL);
    h.server_open(1);
    h.attach(2, 2, URL);
    assert_eq!(drain(&mut h), vec![O::OpenServer(URL.into()), O::OpenTab(1), O::OpenTab(2)]);
    h.server_close(4001, "App key not found");
    assert_eq!(drain(&mut h), vec![O::CloseTab(1, 4001, "App key not found".into()), O::CloseTab(2, 4001, "App key not found".into())]);
}

#[test]
fn watchlist_statuses_reach_a_tab_signing_in_and_are_replayed_to_a_later_one() {
    let mut h = connected(&[1, 2, 3]);
    let signin = json!({"event":"pusher:signin","data":{"auth":"k:s","user_data":json!({"id":"5","watchlist":["6","7"]}).to_string()}}).to_string();
    h.tab_frame(0, &1, &signin);
    drain(&mut h);
    // Sockudo sends the initial statuses before signin_success.
    let online = json!({"event":"online","data":{"user_ids":["6","7"]}}).to_string();
    let offline = json!({"event":"offline","data":{"user_ids":["7"]}}).to_string();
    h.server_frame(1, &online);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1], online.clone())], "the signing-in tab gets them");
    h.server_frame(1, &offline);
    drain(&mut h);
    let ok = json!({"event":"pusher:signin_success","data":{"user_data":"{\"id\":\"5\"}"}}).to_string();
    h.server_frame(2, &ok);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1], ok.clone())]);
    h.tab_frame(3, &2, &signin);
    let replay = vec![
        O::ToTabs(vec![2], ok.clone()),
        O::ToTabs(vec![2], r#"{"event":"online","data":{"user_ids":["6"]}}"#.into()),
        O::ToTabs(vec![2], r#"{"event":"offline","data":{"user_ids":["7"]}}"#.into()),
    ];
    assert_eq!(drain(&mut h), replay, "a later tab gets the cached success and the statuses as they are now");
    let events = json!({"event":"pusher_internal:watchlist_events","data":{"events":[{"name":"online","user_ids":["7"]}]}}).to_string();
    h.server_frame(4, &events);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1, 2], events)], "later changes go to both signed-in tabs, not to tab 3");
    h.tab_frame(5, &3, &signin);
    let out = drain(&mut h);
    assert_eq!(out.len(), 2, "success and one online frame: {out:?}");
    assert_eq!(out[1], O::ToTabs(vec![3], r#"{"event":"online","data":{"user_ids":["6","7"]}}"#.into()));
}

#[test]
fn a_channel_less_4009_refuses_the_oldest_pending_signed_channel_and_only_its_holders_hear_it() {
    // Sockudo and Reverb refuse a bad signature with a channel-less pusher:error 4009.
    let mut h = connected(&[1, 2, 3]);
    h.tab_frame(0, &3, &sub("news"));
    h.tab_frame(0, &1, &sub("private-a"));
    h.tab_frame(0, &2, &sub("private-a"));
    h.tab_frame(0, &2, &sub("private-b"));
    drain(&mut h);
    let refused = json!({"event":"pusher:error","data":{"code":4009,"message":"Invalid signature"}}).to_string();
    h.server_frame(1, &refused);
    let on_a = r#"{"event":"pusher:error","channel":"private-a","data":{"code":4009,"message":"Invalid signature"}}"#;
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1, 2], on_a.into())], "the error, on its channel, to its holders only");
    h.tab_frame(2, &1, &sub("private-a"));
    assert_eq!(sent(&drain(&mut h)), vec![sub("private-a")], "the refused channel is forgotten: the next subscribe is forwarded, not left waiting");
    h.server_frame(3, &refused);
    let on_b = r#"{"event":"pusher:error","channel":"private-b","data":{"code":4009,"message":"Invalid signature"}}"#;
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![2], on_b.into())], "the next 4009 is the next oldest pending signed channel's");
    let signin = json!({"event":"pusher:signin","data":{"auth":"k:s","user_data":json!({"id":"5"}).to_string()}}).to_string();
    h.tab_frame(4, &3, &signin);
    drain(&mut h);
    h.server_frame(5, &refused);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1], on_a.into())], "private-a is pending again and comes first");
    h.server_frame(5, &refused);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![3], refused.clone())], "then the pending sign-in's tab");
    h.tab_frame(6, &3, &signin);
    assert_eq!(sent(&drain(&mut h)), vec![signin], "the refused sign-in is forgotten: the next one is forwarded");
}

#[test]
fn a_refused_client_event_is_its_senders_and_other_errors_everyones() {
    let mut h = connected(&[1, 2]);
    h.tab_frame(0, &1, &sub("private-chat"));
    h.server_frame(0, &succeeded("private-chat", json!({})));
    h.tab_frame(0, &2, &sub("private-chat"));
    drain(&mut h);
    let whisper = json!({"event":"client-typing","channel":"private-chat","data":{}}).to_string();
    h.tab_frame(1, &2, &whisper);
    drain(&mut h);
    let limited = json!({"event":"pusher:error","data":{"code":4301,"message":"Client event rejected due to rate limit"}}).to_string();
    h.server_frame(2, &limited);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![2], limited)]);
    let other = json!({"event":"pusher:error","data":{"code":4100,"message":"Over capacity"}}).to_string();
    h.server_frame(3, &other);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![1, 2], other)]);
}

#[test]
fn a_subscription_answered_twice_reaches_each_holder_once() {
    let mut h = connected(&[1, 2]);
    h.tab_frame(0, &1, &sub("orders"));
    h.tab_frame(0, &1, &json!({"event":"pusher:unsubscribe","data":{"channel":"orders"}}).to_string());
    h.tab_frame(0, &2, &sub("orders"));
    assert_eq!(sent(&drain(&mut h)).len(), 3, "subscribe, unsubscribe, subscribe again");
    let ok = succeeded("orders", json!({}));
    h.server_frame(1, &ok);
    h.server_frame(1, &ok);
    assert_eq!(drain(&mut h), vec![O::ToTabs(vec![2], ok)], "the second answer is not delivered again");
}
