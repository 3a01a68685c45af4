//! Connection states: pusher-js' names, Echo's status mapping, and the legal transitions.

/// The connection state, with the names pusher-js users know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// Created, `connect()` not called yet.
    Initialized,
    /// Opening a socket, waiting for the handshake, or waiting to retry.
    Connecting,
    /// Handshake done; events flow.
    Connected,
    /// Still not connected after `unavailableTimeout` (10 s) of trying; retries continue.
    Unavailable,
    /// Refused by the server (or invalid options); no automatic retries until `connect()`.
    Failed,
    /// Closed on request (`disconnect()`).
    Disconnected,
}

impl ConnectionState {
    /// The pusher-js name (`connecting`, `unavailable`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Initialized => "initialized",
            ConnectionState::Connecting => "connecting",
            ConnectionState::Connected => "connected",
            ConnectionState::Unavailable => "unavailable",
            ConnectionState::Failed => "failed",
            ConnectionState::Disconnected => "disconnected",
        }
    }

    /// Whether `self -> next` is a transition the engine may make.
    pub fn can_become(self, next: ConnectionState) -> bool {
        use ConnectionState::*;
        if self == next {
            return false;
        }
        match self {
            Initialized => matches!(next, Connecting | Failed | Disconnected),
            Connecting => matches!(next, Connected | Unavailable | Failed | Disconnected),
            Unavailable => matches!(next, Connected | Failed | Disconnected),
            Connected => matches!(next, Connecting | Failed | Disconnected),
            Failed => matches!(next, Connecting | Disconnected),
            Disconnected => matches!(next, Connecting),
        }
    }
}

/// Echo's `connectionStatus()` values, plus `reconnecting`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConnectionStatus {
    /// Connected.
    Connected,
    /// Connecting for the first time.
    Connecting,
    /// Connecting again after having been connected (a drop, a sleep, a server restart).
    Reconnecting,
    /// Refused, or never connected after `unavailableTimeout` (Echo maps `unavailable` to
    /// `failed`; retries continue underneath).
    Failed,
    /// Not connected and not trying (`initialized` or `disconnected`).
    Disconnected,
}

impl ConnectionStatus {
    /// Maps a state; `ever_connected` tells connecting from reconnecting.
    pub fn of(state: ConnectionState, ever_connected: bool) -> Self {
        match state {
            ConnectionState::Connected => ConnectionStatus::Connected,
            ConnectionState::Connecting | ConnectionState::Unavailable if ever_connected => ConnectionStatus::Reconnecting,
            ConnectionState::Connecting => ConnectionStatus::Connecting,
            ConnectionState::Unavailable | ConnectionState::Failed => ConnectionStatus::Failed,
            ConnectionState::Initialized | ConnectionState::Disconnected => ConnectionStatus::Disconnected,
        }
    }

    /// The string seen from JS.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Connected => "connected",
            ConnectionStatus::Connecting => "connecting",
            ConnectionStatus::Reconnecting => "reconnecting",
            ConnectionStatus::Failed => "failed",
            ConnectionStatus::Disconnected => "disconnected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_mapping() {
        use ConnectionState as S;
        use ConnectionStatus as T;
        assert_eq!(T::of(S::Connecting, false), T::Connecting);
        assert_eq!(T::of(S::Connecting, true), T::Reconnecting);
        assert_eq!(T::of(S::Unavailable, true), T::Reconnecting);
        assert_eq!(T::of(S::Unavailable, false), T::Failed);
        assert_eq!(T::of(S::Failed, true), T::Failed);
        assert_eq!(T::of(S::Initialized, false), T::Disconnected);
        assert_eq!(T::of(S::Connected, false).as_str(), "connected");
    }
}
