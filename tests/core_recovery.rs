//! Recovery after a reconnect (issue #16), on the simulated clock: the `resumed` report on
//! every server, and on Sockudo's protocol 2 the positions, the resume, the hold buffer and
//! duplicate suppression (native only).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use echo_wasm::connection::ConnectionState as S;
use echo_wasm::engine::{Output, Resumed, MAX_HELD, RESUME_TIMEOUT_MS};
use echo_wasm::error::{ConnectionError, Diagnostic};
use echo_wasm::protocol::FrameError;
use serde_json::{json, Value};
use support::sim::{options, Sim};

/// A simulated client with `connectionRecovery: true`, not connected yet.
fn recovering() -> Sim {
    let mut o = options();
    o.connection_recovery = true;
    Sim::with(o, 7)
}

/// The protocol 2 handshake (Sockudo answers `?protocol=2` with `sockudo:` names).
fn establish_v2(sim: &mut Sim, socket_id: &str) {
    sim.open();
    sim.server(json!({"event":"sockudo:connection_established","data": json!({"socket_id": socket_id, "activity_timeout": 30}).to_string()}));
    assert_eq!(sim.state(), S::Connected);
}

/// Sockudo's protocol 2 subscribe reply, with the channel's position.
fn ack_v2(sim: &mut Sim, channel: &str, serial: Option<u64>) {
    let mut frame = json!({"event":"sockudo_internal:subscription_succeeded","channel":channel,"data":"{}"});
    if let Some(serial) = serial {
        frame["serial"] = json!(serial);
        frame["stream_id"] = json!("s1");
    }
    sim.server(frame);
}

/// A protocol 2 delivery of `{n}` at `serial`.
fn event_v2(sim: &mut Sim, channel: &str, serial: u64) {
    sim.server(json!({"event":"update","channel":channel,"data": json!({"n": serial}).to_string(),"serial":serial,"stream_id":"s1","message_id":format!("m{serial}")}));
}

/// The `n` of every event delivered on `channel`, in order.
fn delivered(sim: &Sim, channel: &str) -> Vec<u64> {
    sim.user_events().into_iter().filter(|(c, ..)| c == channel).map(|(_, _, data)| data["n"].as_u64().expect("n")).collect()
}

fn resumed(sim: &Sim) -> Vec<Resumed> {
    sim.events.iter().filter_map(|e| if let Output::Resumed(r) = e { Some(r.clone()) } else { None }).collect()
}

/// A connected protocol 2 client with `news` subscribed at serial 0 and events 1..=3 delivered.
fn v2_with_news() -> Sim {
    let mut sim = recovering();
    sim.connect();
    assert!(sim.urls[0].contains("/app/app-key?protocol=2&"), "{}", sim.urls[0]);
    establish_v2(&mut sim, "1.1");
    sim.engine.subscribe(sim.now, "news").unwrap();
    sim.drain();
    ack_v2(&mut sim, "news", Some(0));
    for serial in 1..=3 {
        event_v2(&mut sim, "news", serial);
    }
    assert_eq!(delivered(&sim, "news"), vec![1, 2, 3]);
    assert!(resumed(&sim).is_empty(), "no resumed on the first subscription");
    sim
}

/// Drops the socket, reconnects on protocol 2 and acknowledges `news` at `ack`.
fn reconnect_v2(sim: &mut Sim, ack: u64) {
    sim.server_close(1006);
    sim.wait_for_attempt();
    establish_v2(sim, "1.2");
    sim.take_sent();
    ack_v2(sim, "news", Some(ack));
}

fn resume_success(sim: &mut Sim, recovered: &[&str], failed: &[(&str, &str)]) {
    let recovered: Vec<Value> = recovered.iter().map(|c| json!({"channel": c, "source": "hot", "replayed": 0})).collect();
    let failed: Vec<Value> = failed.iter().map(|(c, code)| json!({"channel": c, "code": code})).collect();
    sim.server(json!({"event":"sockudo:resume_success","data": json!({"recovered": recovered, "failed": failed}).to_string()}));
}

#[test]
fn the_resume_names_the_last_delivered_position_after_the_resubscription() {
    let mut sim = v2_with_news();
    sim.server_close(1006);
    sim.wait_for_attempt();
    establish_v2(&mut sim, "1.2");
    assert!(sim.sent_events("sockudo:resume").is_empty(), "nothing before the resubscription is acknowledged");
    ack_v2(&mut sim, "news", Some(9));
    let resumes = sim.sent_events("sockudo:resume");
    assert_eq!(resumes.len(), 1);
    assert_eq!(resumes[0]["data"], json!({"channel_positions": {"news": {"serial": 3, "stream_id": "s1", "last_message_id": "m3"}}}));
}

#[test]
fn the_replay_is_delivered_in_order_before_held_live_events_then_resumed() {
    let mut sim = v2_with_news();
    reconnect_v2(&mut sim, 6);
    sim.take_events();
    // A live event between the acknowledgement and the replay: held.
    event_v2(&mut sim, "news", 7);
    assert_eq!(delivered(&sim, "news"), Vec::<u64>::new(), "held until the outcome");
    for serial in [4, 5, 6, 7] {
        event_v2(&mut sim, "news", serial); // the replay (7 again: a duplicate)
    }
    sim.now += 40;
    resume_success(&mut sim, &["news"], &[]);
    assert_eq!(delivered(&sim, "news"), vec![4, 5, 6, 7], "in serial order, exactly once");
    let last = sim.events.iter().rposition(|e| matches!(e, Output::Event { .. })).unwrap();
    assert!(matches!(&sim.events[last + 1..], [Output::Resumed(_)]), "resumed comes after the replayed events");
    let report = &resumed(&sim)[0];
    // `replayed` counts the missed events (at or below the acknowledged 6), not the held live 7.
    assert_eq!((report.channel.as_str(), report.recovered, report.replayed, report.reason.as_deref()), ("news", true, 3, None));
    // Live again: delivered at once, duplicates dropped.
    event_v2(&mut sim, "news", 8);
    event_v2(&mut sim, "news", 8);
    event_v2(&mut sim, "news", 2);
    assert_eq!(delivered(&sim, "news"), vec![4, 5, 6, 7, 8]);
}

#[test]
fn duplicates_at_or_below_the_last_serial_are_dropped_and_nothing_else() {
    let mut sim = v2_with_news();
    for serial in [3, 2, 4, 4, 6, 5] {
        event_v2(&mut sim, "news", serial);
    }
    // 5 arrives after 6: below the last serial, so taken for a duplicate (the server sends in order).
    assert_eq!(delivered(&sim, "news"), vec![1, 2, 3, 4, 6]);
    // Events without a position (whispers, protocol events) always pass.
    sim.server(json!({"event":"client-typing","channel":"news","data":"{\"n\":100}"}));
    sim.server(json!({"event":"client-typing","channel":"news","data":"{\"n\":100}"}));
    assert_eq!(delivered(&sim, "news"), vec![1, 2, 3, 4, 6, 100, 100]);
}

#[test]
fn a_failed_resume_reports_the_servers_code_and_delivers_what_was_held() {
    let mut sim = v2_with_news();
    reconnect_v2(&mut sim, 50);
    sim.take_events();
    event_v2(&mut sim, "news", 51);
    sim.server(json!({"event":"sockudo:resume_failed","channel":"news","data": json!({"code":"position_expired","reason":"recovery_window_exceeded"}).to_string()}));
    assert_eq!(delivered(&sim, "news"), vec![51]);
    let report = &resumed(&sim)[0];
    assert_eq!((report.recovered, report.replayed, report.reason.as_deref()), (false, 0, Some("position_expired")));
    // The channel goes on from the acknowledged position; the late summary changes nothing.
    resume_success(&mut sim, &[], &[("news", "position_expired")]);
    event_v2(&mut sim, "news", 52);
    assert_eq!(delivered(&sim, "news"), vec![51, 52]);
    assert_eq!(resumed(&sim).len(), 1);
}

#[test]
fn a_failure_named_only_in_resume_success_and_an_unknown_code_pass_through() {
    let mut sim = v2_with_news();
    reconnect_v2(&mut sim, 3);
    sim.take_events();
    resume_success(&mut sim, &[], &[("news", "shard_moved")]);
    assert_eq!(resumed(&sim)[0].reason.as_deref(), Some("shard_moved"));
}

#[test]
fn no_outcome_in_time_delivers_the_held_events_in_order_and_reports_timeout() {
    let mut sim = v2_with_news();
    reconnect_v2(&mut sim, 6);
    sim.take_events();
    event_v2(&mut sim, "news", 7);
    event_v2(&mut sim, "news", 5);
    sim.advance(RESUME_TIMEOUT_MS - 1);
    assert!(resumed(&sim).is_empty());
    sim.advance(1);
    assert_eq!(delivered(&sim, "news"), vec![5, 7]);
    let report = &resumed(&sim)[0];
    assert_eq!((report.recovered, report.reason.as_deref()), (false, Some("timeout")));
    // A replay that comes late is delivered once (out of order), never taken for a duplicate.
    for serial in [4, 5, 6, 7] {
        event_v2(&mut sim, "news", serial);
    }
    assert_eq!(delivered(&sim, "news"), vec![5, 7, 4, 6]);
}

#[test]
fn a_full_hold_buffer_flushes_in_order_instead_of_dropping() {
    let mut sim = v2_with_news();
    reconnect_v2(&mut sim, 3);
    sim.take_events();
    for serial in (4..=(MAX_HELD as u64 + 4)).rev() {
        event_v2(&mut sim, "news", serial);
    }
    let got = delivered(&sim, "news");
    assert_eq!(got, (4..=(MAX_HELD as u64 + 4)).collect::<Vec<_>>(), "all {} delivered, in serial order", MAX_HELD + 1);
    assert_eq!(resumed(&sim)[0].reason.as_deref(), Some("overflow"));
}

#[test]
fn a_protocol_7_server_answering_a_protocol_2_request_works_as_without_the_option() {
    let mut sim = recovering();
    sim.connect();
    sim.establish("1.1"); // `pusher:connection_established`: Reverb, Pusher, Soketi ignore ?protocol=2
    sim.subscribe_public("news");
    sim.server(json!({"event":"update","channel":"news","data":"{\"n\":1}"}));
    sim.server(json!({"event":"update","channel":"news","data":"{\"n\":1}"}));
    assert_eq!(delivered(&sim, "news"), vec![1, 1], "no positions on protocol 7: nothing is a duplicate");
    sim.server_close(1006);
    sim.wait_for_attempt();
    sim.establish("1.2");
    sim.succeed("news", json!({}));
    assert!(sim.sent_events("sockudo:resume").is_empty());
    let report = &resumed(&sim)[0];
    assert_eq!((report.recovered, report.replayed, report.reason.as_deref()), (false, 0, Some("unsupported")));
}

#[test]
fn downtime_runs_from_the_last_inbound_frame_to_the_acknowledgement() {
    let mut sim = Sim::connected("1.1");
    sim.subscribe_private("private-orders");
    sim.advance(1_000);
    sim.server(json!({"event":"update","channel":"private-orders","data":"{}"}));
    let last_frame = sim.now;
    sim.advance(2_000); // silence, then the drop
    sim.server_close(1006);
    sim.wait_for_attempt();
    sim.establish("1.2");
    sim.advance(300); // the authorization takes a while
    sim.grant("private-orders", None, None);
    sim.succeed("private-orders", json!({}));
    let report = &resumed(&sim)[0];
    assert_eq!(report.downtime_ms, sim.now - last_frame);
    assert_eq!((report.channel.as_str(), report.reason.as_deref()), ("private-orders", Some("unsupported")));
}

#[test]
fn disconnect_and_connect_by_the_app_fire_resumed_once_per_channel() {
    let mut sim = Sim::connected("1.1");
    sim.subscribe_public("news");
    sim.subscribe_private("private-a");
    sim.engine.disconnect(sim.now);
    sim.drain();
    sim.advance(5_000);
    sim.connect();
    sim.establish("1.2");
    sim.succeed("news", json!({}));
    sim.grant("private-a", None, None);
    sim.succeed("private-a", json!({}));
    sim.succeed("news", json!({})); // a stray second reply changes nothing
    let reports = resumed(&sim);
    let names: Vec<&str> = reports.iter().map(|r| r.channel.as_str()).collect();
    assert_eq!(names, vec!["news", "private-a"]);
    assert!(reports.iter().all(|r| r.downtime_ms >= 5_000));
}

#[test]
fn a_first_subscription_or_one_after_a_leave_is_not_a_resumption() {
    let mut sim = Sim::connected("1.1");
    sim.subscribe_public("news");
    sim.engine.unsubscribe(sim.now, "news");
    sim.server_close(1006);
    sim.wait_for_attempt();
    sim.establish("1.2");
    sim.subscribe_public("news");
    sim.subscribe_public("later");
    assert!(resumed(&sim).is_empty());
}

#[test]
fn a_server_without_recovery_enabled_is_reported_as_recovery_disabled() {
    let mut sim = v2_with_news();
    sim.engine.subscribe(sim.now, "other").unwrap();
    sim.drain();
    ack_v2(&mut sim, "other", Some(0));
    reconnect_v2(&mut sim, 3);
    event_v2(&mut sim, "news", 4);
    sim.server(json!({"event":"sockudo:error","data":{"code":4301,"message":"Connection recovery is not enabled"}}));
    assert_eq!(resumed(&sim)[0].reason.as_deref(), Some("recovery_disabled"));
    assert_eq!(delivered(&sim, "news"), vec![1, 2, 3, 4]);
    // The next channel on this connection does not ask again.
    ack_v2(&mut sim, "other", Some(0));
    assert_eq!(sim.sent_events("sockudo:resume").len(), 1);
    assert_eq!(resumed(&sim)[1].reason.as_deref(), Some("recovery_disabled"));
    assert!(!sim.events.iter().any(|e| matches!(e, Output::Error(_))), "not reported as a client-event refusal");
}

#[test]
fn a_channel_without_a_known_position_reports_no_position() {
    let mut sim = recovering();
    sim.connect();
    establish_v2(&mut sim, "1.1");
    sim.engine.subscribe(sim.now, "news").unwrap();
    sim.drain();
    ack_v2(&mut sim, "news", None);
    sim.server_close(1006);
    sim.wait_for_attempt();
    establish_v2(&mut sim, "1.2");
    ack_v2(&mut sim, "news", Some(2));
    assert!(sim.sent_events("sockudo:resume").is_empty());
    assert_eq!(resumed(&sim)[0].reason.as_deref(), Some("no_position"));
}

#[test]
fn a_drop_while_holding_delivers_the_held_events_and_never_reports_the_gap_recovered() {
    let mut sim = v2_with_news();
    reconnect_v2(&mut sim, 6); // 4..=6 were published while away
    assert_eq!(sim.sent_events("sockudo:resume")[0]["data"]["channel_positions"]["news"]["serial"], json!(3));
    event_v2(&mut sim, "news", 8);
    event_v2(&mut sim, "news", 7);
    sim.server_close(1006); // before the replay
    assert_eq!(delivered(&sim, "news"), vec![1, 2, 3, 7, 8], "held events are not lost with the socket");
    assert!(resumed(&sim).is_empty(), "that connection never got an outcome");
    sim.wait_for_attempt();
    establish_v2(&mut sim, "1.3");
    sim.take_sent();
    sim.take_events();
    ack_v2(&mut sim, "news", Some(8));
    assert!(sim.sent_events("sockudo:resume").is_empty(), "a resume from 8 would skip 4..=6 and report recovered");
    let report = &resumed(&sim)[0];
    assert_eq!((report.recovered, report.reason.as_deref()), (false, Some("no_position")));
    event_v2(&mut sim, "news", 8);
    event_v2(&mut sim, "news", 9);
    assert_eq!(delivered(&sim, "news"), vec![9]);
    // The next drop resumes again, from 9.
    reconnect_v2(&mut sim, 9);
    assert_eq!(sim.sent_events("sockudo:resume")[0]["data"]["channel_positions"]["news"]["serial"], json!(9));
}

#[test]
fn a_drop_while_holding_nothing_resumes_from_the_old_position() {
    let mut sim = v2_with_news();
    reconnect_v2(&mut sim, 6);
    sim.server_close(1006);
    sim.wait_for_attempt();
    establish_v2(&mut sim, "1.3");
    sim.take_sent();
    ack_v2(&mut sim, "news", Some(6));
    assert_eq!(sim.sent_events("sockudo:resume")[0]["data"]["channel_positions"]["news"]["serial"], json!(3));
}

#[test]
fn a_drop_while_holding_then_no_resume_delivers_each_event_once() {
    let mut sim = v2_with_news();
    reconnect_v2(&mut sim, 6);
    event_v2(&mut sim, "news", 7);
    sim.server_close(1006);
    sim.wait_for_attempt();
    establish_v2(&mut sim, "1.3");
    sim.take_events();
    ack_v2(&mut sim, "news", Some(8));
    resume_success(&mut sim, &[], &[("news", "position_expired")]);
    // Live again: 7 was delivered out of the hold, 8 is new.
    event_v2(&mut sim, "news", 7);
    event_v2(&mut sim, "news", 9);
    assert_eq!(delivered(&sim, "news"), vec![9]);
    assert_eq!(resumed(&sim)[0].recovered, false);
}

#[test]
fn a_failed_resume_after_a_partial_replay_delivers_the_replayed_events() {
    let mut sim = v2_with_news();
    reconnect_v2(&mut sim, 6);
    sim.take_events();
    event_v2(&mut sim, "news", 4);
    event_v2(&mut sim, "news", 5);
    event_v2(&mut sim, "news", 7);
    sim.server(json!({"event":"sockudo:resume_failed","channel":"news","data": json!({"code":"continuity_unverifiable"}).to_string()}));
    assert_eq!(delivered(&sim, "news"), vec![4, 5, 7], "nothing below the acknowledgement is taken for a duplicate");
    event_v2(&mut sim, "news", 6);
    event_v2(&mut sim, "news", 8);
    assert_eq!(delivered(&sim, "news"), vec![4, 5, 7, 8]);
}

#[test]
fn an_outcome_ends_the_wait_and_its_deadline() {
    let mut sim = v2_with_news();
    sim.engine.subscribe(sim.now, "other").unwrap();
    sim.drain();
    ack_v2(&mut sim, "other", Some(0));
    reconnect_v2(&mut sim, 3);
    let deadline = sim.now + RESUME_TIMEOUT_MS;
    assert_eq!(sim.engine.poll_timeout(), Some(deadline));
    resume_success(&mut sim, &["news"], &[]);
    assert_ne!(sim.engine.poll_timeout(), Some(deadline), "no timer for a resolved wait");
    // A 4301 after the outcome is not a refusal of recovery: `other` still resumes.
    sim.server(json!({"event":"sockudo:error","data":{"code":4301,"message":"Connection recovery is not enabled"}}));
    ack_v2(&mut sim, "other", Some(0));
    assert_eq!(sim.sent_events("sockudo:resume").len(), 2);
    assert_eq!(resumed(&sim).len(), 1);
}

#[test]
fn presence_and_sign_in_work_on_protocol_2_names() {
    let mut sim = recovering();
    sim.connect();
    establish_v2(&mut sim, "1.1");
    sim.engine.subscribe(sim.now, "presence-room").unwrap();
    sim.drain();
    sim.grant("presence-room", Some(r#"{"user_id":"1"}"#), None);
    let here = json!({"presence":{"ids":["1"],"hash":{"1":{"name":"me"}},"count":1}});
    sim.server(json!({"event":"sockudo_internal:subscription_succeeded","channel":"presence-room","data":here.to_string(),"serial":0,"stream_id":"p"}));
    sim.server(json!({"event":"sockudo_internal:member_added","channel":"presence-room","data":"{\"user_id\":\"2\",\"user_info\":{}}"}));
    assert!(sim.events.iter().any(|e| matches!(e, Output::Subscribed { channel } if channel == "presence-room")));
    assert!(sim.events.iter().any(|e| matches!(e, Output::Joining { user_id, .. } if user_id == "2")));
    sim.server(json!({"event":"sockudo:ping","data":{}}));
    assert_eq!(sim.sent_events("pusher:pong").len(), 1, "the client answers a sockudo:ping with pusher:pong (what it sends is all this checks)");
    // Delta frames are never asked for; one that comes anyway is ignored.
    sim.server(json!({"event":"sockudo:delta","channel":"presence-room","data":"{\"event\":\"x\",\"delta\":\"AA==\"}"}));
    assert!(!sim.events.iter().any(|e| matches!(e, Output::Event { event, .. } if event.contains("delta"))));
}

#[test]
fn hostile_resume_frames_are_typed_errors_and_never_panic() {
    let mut sim = v2_with_news();
    reconnect_v2(&mut sim, 3);
    sim.take_events();
    let hostile = [
        json!({"event":"sockudo:resume_success","data":"not json"}),
        json!({"event":"sockudo:resume_success","data":{"recovered":5}}),
        json!({"event":"sockudo:resume_success","data":{"failed":{"channel":"news"}}}),
        json!({"event":"sockudo:resume_success","data":{"recovered":[5,null,{"channel":7},{"channel":"unknown"}]}}),
        json!({"event":"sockudo:resume_failed","channel":"news","data":{"code":17}}),
        json!({"event":"sockudo:resume_failed","channel":"news"}),
        json!({"event":"sockudo:resume_failed","channel":"nobody","data":{"code":"stream_reset"}}),
        json!({"event":"sockudo:resume_failed","data":{"code":"stream_reset"}}),
        json!({"event":"update","channel":"news","data":"{\"n\":900}","serial":1e300}),
        json!({"event":"update","channel":"news","data":"{\"n\":901}","serial":-4}),
        json!({"event":"update","channel":"news","data":"{\"n\":902}","serial":"9","stream_id":7}),
        json!({"event":"update","channel":"news","data":"{\"n\":903}","serial":18446744073709551615u64}),
    ];
    for frame in hostile {
        sim.server(frame);
    }
    let bad: Vec<FrameError> = sim.events.iter().filter_map(|e| if let Output::Error(ConnectionError::Frame(f)) = e { Some(f.clone()) } else { None }).collect();
    assert_eq!(bad, vec![FrameError::WrongType("recovered"), FrameError::WrongType("failed"), FrameError::WrongType("code"), FrameError::WrongType("code")]);
    assert!(bad.iter().all(|f| ConnectionError::Frame(f.clone()).code() == "bad_frame"));
    // Events with a position out of range pass without one; the resume is still awaited.
    assert_eq!(delivered(&sim, "news"), vec![900, 901, 902, 903]);
    assert!(resumed(&sim).is_empty());
    // The string data form is read as the object form: a real outcome still resolves.
    resume_success(&mut sim, &["news"], &[]);
    assert_eq!(resumed(&sim)[0].recovered, true);
}

#[test]
fn a_protocol_7_connection_in_between_forgets_the_position() {
    let mut sim = v2_with_news();
    sim.server_close(1006);
    sim.wait_for_attempt();
    sim.establish("1.2"); // a protocol 7 server this time (e.g. failover to another host)
    sim.succeed("news", json!({}));
    sim.server(json!({"event":"update","channel":"news","data":"{\"n\":50}"}));
    sim.server_close(1006);
    sim.wait_for_attempt();
    establish_v2(&mut sim, "1.3");
    sim.take_sent();
    ack_v2(&mut sim, "news", Some(60));
    assert!(sim.sent_events("sockudo:resume").is_empty(), "a resume from before the protocol 7 connection would replay what it delivered");
    let reasons: Vec<Option<String>> = resumed(&sim).into_iter().map(|r| r.reason).collect();
    assert_eq!(reasons, vec![Some("unsupported".to_owned()), Some("no_position".to_owned())]);
}

/// A client event at `serial` on protocol 2 (a replayed frame names no sender).
fn whisper_v2(sim: &mut Sim, channel: &str, serial: u64, data: Value) {
    sim.server(json!({"event":"client-typing","channel":channel,"data":data,"serial":serial,"stream_id":"s1","message_id":format!("m{serial}")}));
}

fn whispers(sim: &Sim) -> Vec<Value> {
    sim.user_events().into_iter().filter(|(_, e, _)| e == "client-typing").map(|(_, _, d)| d).collect()
}

#[test]
fn a_replay_does_not_deliver_this_clients_own_whispers_back() {
    let mut sim = recovering();
    sim.connect();
    establish_v2(&mut sim, "1.1");
    sim.engine.subscribe(sim.now, "private-chat").unwrap();
    sim.drain();
    sim.grant("private-chat", None, None);
    ack_v2(&mut sim, "private-chat", Some(0));
    sim.engine.trigger(sim.now, "private-chat", "client-typing", &json!({"who": "a", "n": 1})).unwrap();
    sim.engine.trigger(sim.now, "private-chat", "client-typing", &json!({"who": "a", "n": 1})).unwrap();
    sim.drain();
    sim.server_close(1006);
    sim.wait_for_attempt();
    establish_v2(&mut sim, "1.2");
    sim.take_sent();
    sim.grant("private-chat", None, None);
    ack_v2(&mut sim, "private-chat", Some(4));
    assert_eq!(sim.sent_events("sockudo:resume")[0]["data"]["channel_positions"]["private-chat"]["serial"], json!(0));
    // The replay: both own whispers (keys reordered by the server), another user's, an event.
    whisper_v2(&mut sim, "private-chat", 1, json!({"n": 1, "who": "a"}));
    whisper_v2(&mut sim, "private-chat", 2, json!({"who": "b", "n": 1}));
    whisper_v2(&mut sim, "private-chat", 3, json!({"n": 1, "who": "a"}));
    sim.server(json!({"event":"update","channel":"private-chat","data":"{\"n\":4}","serial":4,"stream_id":"s1"}));
    sim.server(json!({"event":"sockudo:resume_success","data":{"recovered":[{"channel":"private-chat"}],"failed":[]}}));
    assert_eq!(whispers(&sim), vec![json!({"who": "b", "n": 1})], "only the other user's whisper");
    assert_eq!(delivered(&sim, "private-chat"), vec![1, 4]);
    let report = &resumed(&sim)[0];
    assert_eq!((report.recovered, report.replayed), (true, 2), "the own whispers are not counted as delivered");
    // The memory is consumed: the same whisper from someone else later is delivered.
    whisper_v2(&mut sim, "private-chat", 5, json!({"n": 1, "who": "a"}));
    assert_eq!(whispers(&sim).len(), 2);
}

#[test]
fn protocol_2_urls_ask_the_server_not_to_echo_own_whispers() {
    let mut sim = recovering();
    sim.connect();
    assert!(sim.urls[0].contains("echo_messages=false"), "{}", sim.urls[0]);
}

/// A protocol 2 delivery of `{n}` at `serial` in stream `stream`.
fn event_in(sim: &mut Sim, channel: &str, stream: &str, serial: u64, n: u64) {
    sim.server(json!({"event":"update","channel":channel,"data": json!({"n": n}).to_string(),"serial":serial,"stream_id":stream}));
}

#[test]
fn live_events_from_two_streams_are_not_resumed_from_one_of_them() {
    // Published through two Sockudo nodes: each stamps its own stream, and a resume from
    // one would miss what the other buffered.
    let mut sim = v2_with_news();
    event_in(&mut sim, "news", "s2", 7, 4);
    event_in(&mut sim, "news", "s1", 4, 5);
    assert_eq!(delivered(&sim, "news"), vec![1, 2, 3, 4, 5], "every live event is delivered");
    reconnect_v2(&mut sim, 9);
    assert!(sim.sent_events("sockudo:resume").is_empty(), "no resume from one stream of two");
    let reports = resumed(&sim);
    assert_eq!(reports.len(), 1);
    assert!(!reports[0].recovered);
    assert_eq!(reports[0].reason.as_deref(), Some("mixed_streams"));
    // The next connection starts clean: one stream again, resumed from.
    event_v2(&mut sim, "news", 10);
    reconnect_v2(&mut sim, 12);
    assert_eq!(sim.sent_events("sockudo:resume").len(), 1, "resumed again once one stream is seen");
}

#[test]
fn a_new_stream_from_its_first_serial_is_resumed_from() {
    // A channel quiet past Sockudo's TTL gets a new stream that starts at serial 1.
    let mut sim = v2_with_news();
    event_in(&mut sim, "news", "s9", 1, 4);
    reconnect_v2(&mut sim, 1);
    let resumes = sim.sent_events("sockudo:resume");
    assert_eq!(resumes.len(), 1);
    assert_eq!(resumes[0]["data"]["channel_positions"]["news"]["stream_id"], json!("s9"));
}
