//! The engine's timer deadline in steady state: inbound event frames never ask the edge to
//! re-arm its timer, and the armed timer still catches a quiet link.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::json;
use support::sim::Sim;

#[test]
fn a_thousand_event_frames_report_no_deadline_change() {
    let mut sim = Sim::connected("1.1");
    sim.engine.subscribe(sim.now, "tenant.1.inventory").unwrap();
    sim.drain();
    sim.server(json!({"event":"pusher_internal:subscription_succeeded","channel":"tenant.1.inventory","data":"{}"}));
    let armed = sim.engine.take_deadline_change().expect("the first report arms the timer").expect("a ping deadline");
    for i in 0..1000 {
        sim.now += 10;
        sim.server(json!({"event":"inventory.update","channel":"tenant.1.inventory","data": format!("{{\"n\":{i}}}")}));
        assert_eq!(sim.engine.take_deadline_change(), None, "frame {i} moved the timer");
    }
    let delivered = sim.events.iter().filter(|e| matches!(e, echo_wasm::Output::Event { event, .. } if event == "inventory.update")).count();
    assert_eq!(delivered, 1000);
    // The armed timer fires at the old deadline: no ping is due yet, and the next deadline
    // (the real one, from the last activity) is reported.
    let last_activity = sim.now;
    sim.now = armed;
    sim.engine.handle_timeout(armed);
    sim.drain();
    assert!(sim.sent_events("pusher:ping").is_empty());
    let next = sim.engine.take_deadline_change().expect("re-armed after firing").expect("a deadline");
    assert!(next > armed && next >= last_activity, "next {next}, armed {armed}");
}
