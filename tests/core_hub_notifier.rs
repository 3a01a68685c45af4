//! Which tab of a shared connection shows a desktop notification (`Hub::notifier`, issue
//! #15): among the holders whose Echo shows desktop notifications (all when none does), a
//! visible one, else one in the leader's page, else the first; a tab that detached or went
//! solo no longer counts (native only).
#![cfg(not(target_arch = "wasm32"))]

use echo_wasm::hub::notifier::Seen;
use echo_wasm::hub::Hub;
use echo_wasm::options::Options;
use serde_json::Value;

const URL: &str = "ws://127.0.0.1:6001/app/key?protocol=7";

fn hub(tabs: &[u32]) -> Hub<Value, u32> {
    let mut h = Hub::new(&Options::new("key"));
    for &t in tabs {
        h.attach(0, t, URL);
    }
    h
}

const HIDDEN: Seen = Seen { visible: false, local: false, desktop: true };
const VISIBLE: Seen = Seen { visible: true, local: false, desktop: true };
const LEADER_PAGE: Seen = Seen { visible: false, local: true, desktop: true };
/// Visible, in the leader's page, but its Echo shows no desktop notifications.
const NO_DESKTOP: Seen = Seen { visible: true, local: true, desktop: false };

#[test]
fn a_visible_holder_wins_over_the_leader_page_and_order() {
    let mut h = hub(&[1, 2, 3]);
    h.report(1, LEADER_PAGE);
    h.report(2, HIDDEN);
    h.report(3, VISIBLE);
    assert_eq!(h.notifier(&[1, 2, 3]), Some(&3));
    assert_eq!(h.notifier(&[2, 1]), Some(&1), "no visible holder: the one in the leader's page");
    assert_eq!(h.notifier(&[2]), Some(&2), "neither: the first holder");
    assert_eq!(h.notifier(&[]), None);
}

#[test]
fn visibility_changes_move_the_choice() {
    let mut h = hub(&[1, 2]);
    h.report(1, HIDDEN);
    h.report(2, VISIBLE);
    assert_eq!(h.notifier(&[1, 2]), Some(&2));
    h.report(2, HIDDEN);
    h.report(1, VISIBLE);
    assert_eq!(h.notifier(&[1, 2]), Some(&1));
}

#[test]
fn a_detached_tab_no_longer_counts() {
    let mut h = hub(&[1, 2]);
    h.report(1, HIDDEN);
    h.report(2, Seen { visible: true, local: true, desktop: true });
    h.detach(&2);
    assert_eq!(h.notifier(&[1, 2]), Some(&1), "tab 2's report is forgotten: the first holder");
    h.attach(0, 2, URL);
    assert_eq!(h.notifier(&[1, 2]), Some(&1), "until it reports again");
    h.report(2, VISIBLE);
    assert_eq!(h.notifier(&[1, 2]), Some(&2));
}

#[test]
fn only_a_tab_whose_echo_shows_desktop_notifications_is_named() {
    let mut h = hub(&[1, 2, 3]);
    h.report(1, NO_DESKTOP);
    h.report(2, HIDDEN);
    h.report(3, LEADER_PAGE);
    assert_eq!(h.notifier(&[1, 2, 3]), Some(&3), "tab 1 is visible but shows none: the leader page's tab with them on");
    assert_eq!(h.notifier(&[1, 2]), Some(&2), "else the first holder with them on");
    h.report(2, VISIBLE);
    assert_eq!(h.notifier(&[1, 3, 2]), Some(&2), "a visible one with them on first");
    assert_eq!(h.notifier(&[1]), Some(&1), "no holder shows any: the rule among all (nothing is shown)");
    h.report(4, NO_DESKTOP);
    h.report(5, Seen { visible: false, local: true, desktop: false });
    assert_eq!(h.notifier(&[5, 4]), Some(&4), "none with them on: a visible one as before");
}
