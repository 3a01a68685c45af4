//! A scripted server and a simulated clock around the engine: advance time, feed frames,
//! collect outputs. Shared by the native scenario and property tests.
#![allow(dead_code)]

use echo_wasm::connection::ConnectionState;
use echo_wasm::engine::{AuthOutcome, Authorization, Engine, Output, SocketHandle, UserAuthOutcome};
use echo_wasm::error::AuthFailure;
use echo_wasm::options::Options;
use echo_wasm::reconnect::SeededRandom;
use serde_json::{json, Value};

pub struct Sim {
    pub engine: Engine<Value>,
    pub now: u64,
    /// The socket the edge has open (or opening).
    pub socket: Option<SocketHandle>,
    pub urls: Vec<String>,
    /// Frames the client sent, parsed.
    pub sent: Vec<Value>,
    /// Everything else the engine emitted.
    pub events: Vec<Output<Value>>,
    /// Sockets the engine closed itself: (code, reason).
    pub closed_by_client: Vec<(u16, &'static str)>,
    pub states: Vec<ConnectionState>,
    /// Outstanding authorization requests: (request, socket id, channel).
    pub auth_requests: Vec<(u64, String, String)>,
    pub user_auth_requests: Vec<(u64, String)>,
}

pub fn options() -> Options {
    let mut o = Options::new("app-key");
    o.hosts = vec!["127.0.0.1".into()];
    o.ws_port = 6001;
    o.force_tls = Some(false);
    o
}

impl Sim {
    pub fn new() -> Self {
        Self::with(options(), 7)
    }

    pub fn with(options: Options, seed: u64) -> Self {
        Sim {
            engine: Engine::new(options, Box::new(SeededRandom::new(seed))),
            now: 1_000,
            socket: None,
            urls: vec![],
            sent: vec![],
            events: vec![],
            closed_by_client: vec![],
            states: vec![],
            auth_requests: vec![],
            user_auth_requests: vec![],
        }
    }

    /// Performs every output, as an edge would.
    pub fn drain(&mut self) {
        while let Some(out) = self.engine.poll_output() {
            match out {
                Output::OpenSocket { socket, url } => {
                    assert!(self.socket.is_none(), "a second socket opened while {:?} is open", self.socket);
                    self.socket = Some(socket);
                    self.urls.push(url);
                }
                Output::CloseSocket { socket, code, reason } => {
                    assert_eq!(Some(socket), self.socket, "closing a socket that is not open");
                    self.socket = None;
                    self.closed_by_client.push((code, reason));
                }
                Output::Send(text) => {
                    assert!(self.socket.is_some(), "sent a frame without a socket");
                    self.sent.push(serde_json::from_str(&text).expect("client frames are JSON"));
                }
                Output::Authorize { request, socket_id, channel } => self.auth_requests.push((request, socket_id, channel)),
                Output::AuthenticateUser { request, socket_id } => self.user_auth_requests.push((request, socket_id)),
                Output::StateChanged { previous, current } => {
                    assert!(previous.can_become(current), "illegal {previous:?} -> {current:?}");
                    self.states.push(current);
                    self.events.push(Output::StateChanged { previous, current });
                }
                other => self.events.push(other),
            }
        }
    }

    pub fn connect(&mut self) {
        self.engine.connect(self.now).expect("valid options");
        self.drain();
    }

    /// Advances the clock to `now + ms`, firing every deadline on the way.
    pub fn advance(&mut self, ms: u64) {
        let target = self.now + ms;
        loop {
            match self.engine.poll_timeout() {
                Some(t) if t <= target => {
                    self.now = self.now.max(t);
                    self.engine.handle_timeout(self.now);
                    self.drain();
                }
                _ => break,
            }
        }
        self.now = target;
    }

    pub fn open(&mut self) {
        let socket = self.socket.expect("no socket to open");
        self.engine.handle_open(self.now, socket);
        self.drain();
    }

    pub fn server(&mut self, frame: Value) {
        let socket = self.socket.expect("no socket");
        self.engine.handle_text(self.now, socket, &frame.to_string());
        self.drain();
    }

    pub fn server_text(&mut self, text: &str) {
        let socket = self.socket.expect("no socket");
        self.engine.handle_text(self.now, socket, text);
        self.drain();
    }

    pub fn establish(&mut self, socket_id: &str) {
        self.open();
        self.server(json!({"event":"pusher:connection_established","data": json!({"socket_id": socket_id, "activity_timeout": 30}).to_string()}));
    }

    /// The server (or the network) closes the socket.
    pub fn server_close(&mut self, code: u16) {
        self.drain();
        let socket = self.socket.take().expect("no socket");
        self.engine.handle_close(self.now, socket, code, "bye");
        self.drain();
    }

    /// Advances the clock until the engine opens a socket (at most 10 minutes).
    pub fn wait_for_attempt(&mut self) {
        let before = self.urls.len();
        let limit = self.now + 600_000;
        while self.urls.len() == before || self.socket.is_none() {
            assert!(self.now < limit, "no new attempt within 10 minutes");
            self.advance(1);
        }
    }

    pub fn state(&self) -> ConnectionState {
        self.engine.state()
    }

    pub fn take_sent(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.sent)
    }

    pub fn take_events(&mut self) -> Vec<Output<Value>> {
        std::mem::take(&mut self.events)
    }

    /// The latest authorization request for `channel`.
    pub fn auth_request(&mut self, channel: &str) -> (u64, String) {
        let at = self.auth_requests.iter().rposition(|(_, _, c)| c == channel).unwrap_or_else(|| panic!("no auth request for {channel}"));
        let (request, socket_id, _) = self.auth_requests.remove(at);
        (request, socket_id)
    }

    pub fn grant(&mut self, channel: &str, channel_data: Option<&str>, shared_secret: Option<&str>) -> String {
        let (request, socket_id) = self.auth_request(channel);
        let auth = format!("app-key:sig-{socket_id}-{channel}");
        let outcome = AuthOutcome::Granted(Authorization {
            auth: auth.clone(),
            channel_data: channel_data.map(str::to_owned),
            shared_secret: shared_secret.map(str::to_owned),
        });
        self.engine.handle_auth(self.now, request, outcome);
        self.drain();
        socket_id
    }

    pub fn deny(&mut self, channel: &str, failure: AuthFailure) {
        let (request, _) = self.auth_request(channel);
        self.engine.handle_auth(self.now, request, AuthOutcome::Failed(failure));
        self.drain();
    }

    pub fn grant_user(&mut self, user_data: &str) -> String {
        let (request, socket_id) = self.user_auth_requests.pop().expect("no user auth request");
        self.engine.handle_user_auth(self.now, request, UserAuthOutcome::Granted { auth: "app-key:usersig".into(), user_data: user_data.into() });
        self.drain();
        socket_id
    }

    pub fn succeed(&mut self, channel: &str, data: Value) {
        self.server(json!({"event":"pusher_internal:subscription_succeeded","channel":channel,"data":data.to_string()}));
    }

    /// Connects and completes the handshake with `socket_id`.
    pub fn connected(socket_id: &str) -> Self {
        let mut sim = Sim::new();
        sim.connect();
        sim.establish(socket_id);
        assert_eq!(sim.state(), ConnectionState::Connected);
        sim
    }

    /// Subscribes a public channel and confirms it.
    pub fn subscribe_public(&mut self, channel: &str) {
        self.engine.subscribe(self.now, channel).unwrap();
        self.drain();
        self.succeed(channel, json!({}));
    }

    /// Subscribes a private channel through a granted authorization and confirms it.
    pub fn subscribe_private(&mut self, channel: &str) {
        self.engine.subscribe(self.now, channel).unwrap();
        self.drain();
        self.grant(channel, None, None);
        self.succeed(channel, json!({}));
    }

    pub fn user_events(&self) -> Vec<(String, String, Value)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Output::Event { channel, event, data, .. } => Some((channel.clone(), event.clone(), data.clone())),
                _ => None,
            })
            .collect()
    }

    /// Frames sent with this event name.
    pub fn sent_events(&self, name: &str) -> Vec<Value> {
        self.sent.iter().filter(|f| f["event"] == name).cloned().collect()
    }
}
