//! What crosses the engine's boundary, a leaf the parts share: the [`Output`]s the edge
//! performs, in order, the [`Outputs`] queue the parts push them to (it also mints request
//! ids), the [`SocketHandle`] outputs and inputs name sockets by, and the authorization answers the edge feeds back ([`AuthOutcome`],
//! [`UserAuthOutcome`]).

use std::collections::VecDeque;

use crate::connection::ConnectionState;
use crate::error::{AuthFailure, ChannelError, ConnectionError, SigninError};

/// Identifies one socket the engine asked the edge to open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SocketHandle(pub u32);

/// What the edge must do, or tell the app, in the order it happened.
#[derive(Clone, Debug)]
pub enum Output<P> {
    /// Open a WebSocket to `url`; report its events with `socket`.
    OpenSocket {
        /// The handle to report this socket's events with.
        socket: SocketHandle,
        /// The URL.
        url: String,
    },
    /// Close a socket (it is forgotten at once: its later events are ignored).
    CloseSocket {
        /// Which socket.
        socket: SocketHandle,
        /// A client close code (1000 or 4000-4999... browsers allow 1000 and 3000-4999).
        code: u16,
        /// A short reason.
        reason: &'static str,
    },
    /// Send a text frame on the open socket.
    Send(String),
    /// Ask the backend to authorize `socket_id` for `channel`; answer with `handle_auth`.
    Authorize {
        /// Request id to answer with.
        request: u64,
        /// The socket id the signature is for.
        socket_id: String,
        /// The channel.
        channel: String,
    },
    /// Ask the backend to authenticate the user (sign-in); answer with `handle_user_auth`.
    AuthenticateUser {
        /// Request id to answer with.
        request: u64,
        /// The socket id.
        socket_id: String,
    },
    /// The connection state changed.
    StateChanged {
        /// Before.
        previous: ConnectionState,
        /// Now.
        current: ConnectionState,
    },
    /// An event for the channel's listeners.
    Event {
        /// The channel.
        channel: String,
        /// The event name as sent (e.g. `inventory.update`, `client-typing`).
        event: String,
        /// The payload (decrypted for encrypted channels).
        data: P,
        /// The sender, on presence client events.
        user_id: Option<String>,
    },
    /// The channel is subscribed (`subscription_succeeded`; again after every reconnect).
    Subscribed {
        /// The channel.
        channel: String,
    },
    /// A channel that was subscribed is subscribed again on a new connection: what it may
    /// have missed (after the replayed events, when recovered).
    Resumed(Resumed),
    /// Presence: the members present right after subscribing (user infos, in order).
    Here {
        /// The channel.
        channel: String,
        /// Each member's user info.
        members: Vec<P>,
    },
    /// Presence: a member joined.
    Joining {
        /// The channel.
        channel: String,
        /// The member's id.
        user_id: String,
        /// The member's info.
        info: P,
    },
    /// Presence: a member left.
    Leaving {
        /// The channel.
        channel: String,
        /// The member's id.
        user_id: String,
        /// The member's info.
        info: P,
    },
    /// A channel-level error (authorization, refusal, decryption).
    ChannelError(ChannelError),
    /// A connection-level error.
    Error(ConnectionError),
    /// The user is signed in (`pusher:signin_success`), with its `user_data`.
    SignedIn {
        /// The user data the backend signed.
        user_data: P,
    },
    /// Sign-in failed.
    SigninFailed(SigninError),
    /// An event sent to the signed-in user (`sendToUser`).
    UserEvent {
        /// The event name.
        event: String,
        /// The payload.
        data: P,
    },
    /// Watchlist events for the signed-in user (`online` / `offline` user ids).
    Watchlist {
        /// `online` or `offline`.
        name: String,
        /// The user ids.
        user_ids: Vec<String>,
    },
}

/// The `resumed` report of one channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resumed {
    /// The channel.
    pub channel: String,
    /// Every event published while away was delivered (Sockudo protocol 2 replay).
    pub recovered: bool,
    /// From the last inbound frame on the old socket to the resubscription's acknowledgement.
    pub downtime_ms: u64,
    /// Events delivered from the server's replay (0 unless recovered).
    pub replayed: u32,
    /// Why not recovered (`None` when recovered): `unsupported`, `timeout`,
    /// `recovery_disabled`, `no_position`, `mixed_streams`, `overflow`, or the server's code as sent.
    pub reason: Option<String>,
}

/// A successful channel authorization from the backend.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Authorization {
    /// `key:signature`.
    pub auth: String,
    /// Presence channels: the JSON string with `user_id` and `user_info`.
    pub channel_data: Option<String>,
    /// Encrypted channels: the base64 key.
    pub shared_secret: Option<String>,
}

/// The answer to an [`Output::Authorize`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthOutcome {
    /// Authorized.
    Granted(Authorization),
    /// Refused or broken.
    Failed(AuthFailure),
}

/// The answer to an [`Output::AuthenticateUser`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserAuthOutcome {
    /// Authenticated: `auth` and the `user_data` JSON string.
    Granted {
        /// `key:signature`.
        auth: String,
        /// JSON with at least `id`.
        user_data: String,
    },
    /// Refused or broken.
    Failed(AuthFailure),
}

/// The outputs queue the parts push to, in order, and the request ids they mint.
pub(super) struct Outputs<P> {
    queue: VecDeque<Output<P>>,
    next_request: u64,
}

impl<P> Outputs<P> {
    pub(super) fn new() -> Self {
        Outputs { queue: VecDeque::new(), next_request: 1 }
    }

    /// Queues `output` for the edge.
    #[inline]
    pub(super) fn push(&mut self, output: Output<P>) {
        self.queue.push_back(output);
    }

    /// The next output, in order. A burst (e.g. resubscribing thousands of channels) does
    /// not pin its peak capacity.
    pub(super) fn pop(&mut self) -> Option<Output<P>> {
        let output = self.queue.pop_front();
        if output.is_none() && self.queue.capacity() > 256 {
            self.queue.shrink_to(16);
        }
        output
    }

    /// A fresh id for an authorization request.
    pub(super) fn new_request(&mut self) -> u64 {
        let id = self.next_request;
        self.next_request += 1;
        id
    }
}

