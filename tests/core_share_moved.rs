//! `shareConnection`'s link moving to another hub (`Engine::handle_moved`): the engine
//! reconnects at once however many hand-offs came before, where a plain 4200 from a server
//! is immediate only on the first attempt (native only).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use echo_wasm::connection::ConnectionState as S;
use support::sim::Sim;

fn moved(sim: &mut Sim) {
    sim.drain();
    let socket = sim.socket.take().expect("no socket");
    sim.engine.handle_moved(sim.now, socket, "the shared connection has a new leader");
    sim.drain();
}

#[test]
fn repeated_hand_offs_reconnect_at_once() {
    let mut sim = Sim::connected("1.1");
    for round in 0..5 {
        sim.advance(2_000);
        let before = sim.urls.len();
        moved(&mut sim);
        assert_eq!(sim.urls.len(), before + 1, "round {round}: a new link opened with no delay");
        assert_eq!(sim.state(), S::Connecting);
        sim.establish("1.1");
        assert_eq!(sim.state(), S::Connected);
    }
}

#[test]
fn a_second_plain_4200_soon_after_is_backed_off_but_a_move_is_not() {
    let mut sim = Sim::connected("1.1");
    sim.advance(2_000);
    sim.server_close(4200);
    assert_eq!(sim.urls.len(), 2, "the first 4200 reconnects at once");
    sim.establish("1.1");
    sim.advance(2_000);
    sim.server_close(4200);
    assert_eq!(sim.urls.len(), 2, "a second 4200 within the stable period waits for the backoff");
    sim.wait_for_attempt();
    sim.establish("1.1");
    sim.advance(2_000);
    moved(&mut sim);
    assert_eq!(sim.urls.len(), 4, "a move reconnects at once even after earlier attempts");
}

#[test]
fn a_move_of_another_socket_is_ignored() {
    let mut sim = Sim::connected("1.1");
    let current = sim.socket.expect("socket");
    let stale = echo_wasm::engine::SocketHandle(current.0.wrapping_add(7));
    sim.engine.handle_moved(sim.now, stale, "old link");
    sim.drain();
    assert_eq!(sim.state(), S::Connected);
    assert_eq!(sim.urls.len(), 1);
}
