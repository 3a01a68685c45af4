//! Every failure the SDK can report, as typed values with a code, a cause and a remedy.
//!
//! Errors are values (events and `Result`s), never panics. Each variant documents its cause
//! and what to change; [`Diagnostic::code`] and [`Diagnostic::message`] give the stable
//! code and a sentence a Laravel developer can act on. The code table [`CODES`] is the single
//! source for the README's Troubleshooting section.

use crate::encryption::DecryptError;
use crate::protocol::FrameError;

/// Something that can be shown to a developer: a stable code and an actionable message.
pub trait Diagnostic {
    /// A stable code, e.g. `auth_forbidden`.
    fn code(&self) -> &'static str;
    /// One or two sentences: what happened and what to change.
    fn message(&self) -> String;
}

/// One row of the troubleshooting table.
#[derive(Clone, Copy, Debug)]
pub struct CodeInfo {
    /// The stable code.
    pub code: &'static str,
    /// When it happens.
    pub cause: &'static str,
    /// What to change.
    pub remedy: &'static str,
}

macro_rules! codes {
    ($($name:ident = $code:literal : $cause:literal => $remedy:literal;)*) => {
        /// Stable error codes.
        pub mod code {
            $(#[doc = $cause] pub const $name: &str = $code;)*
        }
        /// Every error code with its cause and remedy.
        pub const CODES: &[CodeInfo] = &[$(CodeInfo { code: $code, cause: $cause, remedy: $remedy },)*];
    };
}

codes! {
    CONFIG = "config": "The options passed to `new Echo(...)` are incomplete or invalid."
        => "Pass `key` and either `wsHost` or `cluster`; check the VITE_REVERB_* / VITE_PUSHER_* variables reached the build.";
    UNREACHABLE = "server_unreachable": "The WebSocket could not be opened (connection refused, DNS failure, TLS failure or timeout)."
        => "Check that the WebSocket server (`php artisan reverb:start`, Sockudo, Soketi) is running at the host and port shown, and that no firewall or proxy blocks it.";
    TLS_REQUIRED = "tls_required": "The server closed with 4000: it only accepts TLS connections."
        => "Set `forceTLS: true` (VITE_REVERB_SCHEME=https) or serve the page over https. echo-wasm retries over TLS by itself.";
    APP_KEY_UNKNOWN = "app_key_unknown": "The server closed with 4001: it does not know this app key."
        => "REVERB_APP_KEY on the server and VITE_REVERB_APP_KEY in the front-end build must be the same; rebuild the front end after changing .env.";
    APP_DISABLED = "app_disabled": "The server closed with 4003: the app is disabled."
        => "Enable the app in the WebSocket server's app configuration.";
    OVER_QUOTA = "over_quota": "The server closed with 4004: the app is over its connection quota."
        => "Raise the app's connection limit (e.g. `max_connections` / SOCKUDO_DEFAULT_APP_MAX_CONNECTIONS) or close idle tabs.";
    REFUSED = "connection_refused": "The server refused the connection with a 4000-4099 or >= 4300 close code."
        => "Read the code and reason; the client does not reconnect after a refusal. Fix the configuration and call `connect()`.";
    SIGNATURE_REJECTED = "signature_rejected": "The server rejected a subscription's signature (4009)."
        => "The backend signs with a different app secret than the WebSocket server knows: make REVERB_APP_SECRET (PUSHER_APP_SECRET) identical on both.";
    HANDSHAKE_CLOSED = "handshake_closed": "The server accepted the WebSocket but closed it before the Pusher handshake. Sockudo and Soketi do this for an unknown app key or a disabled app."
        => "Check that the app key is known to the server: REVERB_APP_KEY (server) and VITE_REVERB_APP_KEY (front-end build) must match, and the app must be enabled. echo-wasm keeps retrying with backoff.";
    HANDSHAKE = "handshake_invalid": "The server did not complete the Pusher handshake in time, or sent an invalid socket id."
        => "Check that the URL points at a Pusher protocol 7 server (wsHost, wsPort, wsPath) and not at a plain web server.";
    PONG_TIMEOUT = "pong_timeout": "The server stopped answering pings: the connection was dead and has been replaced."
        => "Nothing to do: echo-wasm reconnects and resubscribes by itself. If it recurs, check proxies with short idle timeouts.";
    SERVER_ERROR = "server_error": "The server sent a `pusher:error` (for example a malformed frame or a rate limit)."
        => "Read the server's code and message; the connection stays open.";
    CLIENT_EVENT_REJECTED = "client_event_rejected": "The server refused a client event (4301): client events are disabled or rate-limited."
        => "Enable client messages for the app (REVERB_APP_ACCEPT_CLIENT_EVENTS_FROM / enable_client_messages) and send at most 10 whispers a second.";
    BAD_FRAME = "bad_frame": "A frame could not be decoded (not JSON, no event, binary)."
        => "Make sure nothing but a Pusher protocol 7 server answers on this URL.";
    AUTH_UNAUTHENTICATED = "auth_unauthenticated": "The authorization endpoint answered 401: nobody is logged in, or the token expired."
        => "Log in again or refresh the bearer token; with `headersProvider` echo-wasm fetches fresh headers and retries once.";
    AUTH_FORBIDDEN = "auth_forbidden": "The authorization endpoint answered 403: the user may not join this channel."
        => "Check the channel's rule in routes/channels.php for this user.";
    AUTH_NOT_FOUND = "auth_not_found": "The authorization endpoint answered 404."
        => "Set `authEndpoint` to your app's route (default /broadcasting/auth) and make sure BroadcastServiceProvider / `withBroadcasting()` registers it.";
    AUTH_CSRF = "auth_csrf": "The authorization endpoint answered 419: the CSRF token is missing or stale."
        => "Put `<meta name=\"csrf-token\" content=\"{{ csrf_token() }}\">` in the page, or pass `csrfToken`, or use bearer tokens; reload after the session expires.";
    AUTH_SERVER_ERROR = "auth_server_error": "The authorization endpoint answered with a 5xx status."
        => "The Laravel app failed: see storage/logs/laravel.log.";
    AUTH_HTTP = "auth_http": "The authorization endpoint answered with an unexpected HTTP status."
        => "Check the endpoint with the browser's network panel.";
    AUTH_INVALID_RESPONSE = "auth_invalid_response": "The authorization endpoint answered 200 without a JSON body with `auth` (e.g. an HTML login page)."
        => "Make sure the route returns the broadcaster's JSON (`Broadcast::auth`) and is not redirected to a login page.";
    AUTH_NETWORK = "auth_network": "The authorization request did not reach the backend (network error or CORS)."
        => "Check the backend is up and, for another origin, that CORS allows credentials and these headers.";
    AUTH_TIMEOUT = "auth_timeout": "The authorization endpoint did not answer in time."
        => "Check the backend's health and latency; raise `authTimeout` if the endpoint is legitimately slow.";
    SUBSCRIPTION_REJECTED = "subscription_rejected": "The server rejected a subscription."
        => "Read the server's message; for private channels check the app secret is the same on the backend and the server.";
    DECRYPT_FAILED = "decrypt_failed": "An encrypted event could not be opened, even with a fresh key; it was dropped."
        => "The backend's encryption master key changed or differs between processes: keep PUSHER_APP_ENCRYPTION_MASTER_KEY the same everywhere.";
    INVALID_CHANNEL = "invalid_channel": "A channel name has characters outside [A-Za-z0-9_-=@,.;] or is too long."
        => "Use only the allowed characters and at most 164 characters (hosted Pusher); Sockudo apps configured from environment variables accept 100 (set `maxChannelNameLength: 100`).";
    CLIENT_EVENT_INVALID = "client_event_invalid": "A whisper/client event was refused before sending."
        => "Whisper only on subscribed private or presence channels (not encrypted), keep payloads under 10 KB and at most 10 per second.";
    SIGNIN_FAILED = "signin_failed": "User sign-in (`signin()`) failed."
        => "Check `userAuthentication.endpoint` (default /broadcasting/user-auth) and that the server supports user authentication (Reverb does not).";
    NOTIFICATIONS_DENIED = "notifications_denied": "Desktop notifications are blocked for this site."
        => "The user must re-enable notifications in the browser's site settings; the page cannot ask again.";
    NOTIFICATIONS_UNSUPPORTED = "notifications_unsupported": "This browser or context has no Notification API (or the page is not a secure context)."
        => "Serve the app over HTTPS (localhost is exempt); desktop notifications are skipped, events are still delivered.";
    NOTIFICATION_FAILED = "notification_failed": "Showing a desktop notification threw."
        => "Some browsers only allow notifications from a service worker or after a user gesture; events are still delivered.";
    LISTENER_THREW = "listener_threw": "An event listener threw an exception; other listeners still ran."
        => "Fix the listener; the exception is attached to this error.";
    DESTROYED = "echo_destroyed": "A method was called on an Echo after `destroy()` (or `configureEcho()` again), or on a channel, connector or notifications handle of that Echo."
        => "Create a new Echo (or call `configureEcho()` again) and take channels from it.";
    WASM_LOAD_FAILED = "wasm_load_failed": "The WebAssembly module (`dist/echo_wasm_bg.wasm`) could not be loaded: an HTTP error such as 404, a network error, bytes that are not that module, or a Content Security Policy that forbids compiling WebAssembly. Nothing connects; `ready` rejects and every other call does nothing."
        => "Serve the package's `dist/echo_wasm_bg.wasm` with the app's built assets at the URL in the message, with `Content-Type: application/wasm`, and allow `'wasm-unsafe-eval'` in the page's `script-src` Content Security Policy.";
}

/// Problems with the options, found before connecting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// No app key. Remedy: pass `key` (VITE_REVERB_APP_KEY).
    MissingKey,
    /// The key has characters a Pusher key never has.
    InvalidKey(String),
    /// Neither `wsHost` nor `cluster`. Remedy: pass `wsHost` (VITE_REVERB_HOST).
    MissingHost,
    /// A host that looks like a URL or has spaces. Remedy: pass a bare host name.
    InvalidHost(String),
    /// A zero or negative timeout.
    InvalidTimeout,
    /// A timeout (or backoff delay) above [`crate::time::MAX_TIMEOUT_MS`]: browser timers
    /// cannot hold it. Names the option.
    TimeoutTooLarge {
        /// The option's JS name (e.g. `authTimeout`, `reconnect.maxMs`).
        option: &'static str,
        /// The value given, in ms.
        ms: u64,
    },
}

impl Diagnostic for ConfigError {
    fn code(&self) -> &'static str {
        code::CONFIG
    }
    fn message(&self) -> String {
        match self {
            ConfigError::MissingKey => "No app key: pass `key` (VITE_REVERB_APP_KEY) to new Echo().".into(),
            ConfigError::InvalidKey(key) => format!("App key '{key}' is not a valid Pusher key: check VITE_REVERB_APP_KEY."),
            ConfigError::MissingHost => "No server: pass `wsHost` (VITE_REVERB_HOST) or `cluster` to new Echo().".into(),
            ConfigError::InvalidHost(host) => format!("wsHost '{host}' must be a bare host name (no scheme, path or spaces)."),
            ConfigError::InvalidTimeout => "Timeouts must be positive numbers of milliseconds.".into(),
            ConfigError::TimeoutTooLarge { option, ms } => {
                format!("Option `{option}` is {ms} ms: at most {} ms (about 24.8 days) is allowed.", crate::time::MAX_TIMEOUT_MS)
            }
        }
    }
}

/// Connection-level errors, reported to `onError` listeners and kept in diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectionError {
    /// The socket closed before it opened. Cause: no server at the URL, DNS, TLS or a
    /// firewall. echo-wasm keeps retrying with backoff.
    Unreachable {
        /// The URL tried.
        url: String,
        /// The app key used (some browsers report an unknown key like an unreachable server).
        key: String,
    },
    /// Close code 4000: the server requires TLS; echo-wasm switches to `wss` and retries.
    TlsRequired,
    /// A refusal close code (4001-4099, >= 4300): no more reconnects.
    Refused {
        /// The close code.
        code: u16,
        /// The server's reason text.
        reason: String,
        /// The app key used.
        key: String,
    },
    /// The socket opened, then closed before `pusher:connection_established` without a
    /// Pusher close code. Cause: usually an app key the server does not know.
    HandshakeClosed {
        /// The URL tried.
        url: String,
        /// The app key used.
        key: String,
        /// The close code seen.
        code: u16,
    },
    /// No `pusher:connection_established` within the connect timeout.
    HandshakeTimeout {
        /// The URL tried.
        url: String,
    },
    /// `connection_established` carried a socket id that is not `digits.digits`.
    InvalidSocketId(String),
    /// No answer to a ping within `pongTimeout`: the socket was dead.
    PongTimeout,
    /// A `pusher:error` frame without a channel.
    Server {
        /// The server's code, when given.
        code: Option<u16>,
        /// The server's message.
        message: String,
    },
    /// A frame that could not be decoded.
    Frame(FrameError),
}

impl Diagnostic for ConnectionError {
    fn code(&self) -> &'static str {
        match self {
            ConnectionError::Unreachable { .. } => code::UNREACHABLE,
            ConnectionError::TlsRequired => code::TLS_REQUIRED,
            ConnectionError::Refused { code: 4001, .. } => code::APP_KEY_UNKNOWN,
            ConnectionError::Refused { code: 4003, .. } => code::APP_DISABLED,
            ConnectionError::Refused { code: 4004, .. } => code::OVER_QUOTA,
            ConnectionError::Refused { code: 4009, .. } => code::SIGNATURE_REJECTED,
            ConnectionError::Refused { .. } => code::REFUSED,
            ConnectionError::HandshakeClosed { .. } => code::HANDSHAKE_CLOSED,
            ConnectionError::HandshakeTimeout { .. } | ConnectionError::InvalidSocketId(_) => code::HANDSHAKE,
            ConnectionError::PongTimeout => code::PONG_TIMEOUT,
            ConnectionError::Server { code: Some(4301), .. } => code::CLIENT_EVENT_REJECTED,
            ConnectionError::Server { code: Some(4009), .. } => code::SIGNATURE_REJECTED,
            ConnectionError::Server { .. } => code::SERVER_ERROR,
            ConnectionError::Frame(_) => code::BAD_FRAME,
        }
    }
    fn message(&self) -> String {
        match self {
            ConnectionError::Unreachable { url, key } => format!(
                "Cannot connect to the WebSocket server at {}: check that it is running there and that no firewall blocks it. If it is running, check that it knows app key '{key}' (REVERB_APP_KEY and VITE_REVERB_APP_KEY must match). Retrying with backoff.",
                origin_of(url)
            ),
            ConnectionError::TlsRequired => "The server requires TLS (4000): set forceTLS: true / VITE_REVERB_SCHEME=https. Retrying over wss.".into(),
            ConnectionError::Refused { code: 4001, reason, key } => format!(
                "App key '{key}' was refused by the server (4001 {reason}): REVERB_APP_KEY and VITE_REVERB_APP_KEY must match."
            ),
            ConnectionError::Refused { code: 4003, reason, .. } => format!("The app is disabled on the server (4003 {reason})."),
            ConnectionError::Refused { code: 4004, reason, .. } => format!("The app is over its connection quota (4004 {reason}): raise the limit or close connections."),
            ConnectionError::Refused { code, reason, .. } => format!("The server refused the connection ({code} {reason}); not reconnecting. Fix the cause and call connect()."),
            ConnectionError::HandshakeClosed { url, key, code } => format!(
                "{} closed the connection before the Pusher handshake ({code}): the server most likely does not know app key '{key}'. REVERB_APP_KEY and VITE_REVERB_APP_KEY must match (rebuild the front end after changing .env). Retrying with backoff.",
                origin_of(url)
            ),
            ConnectionError::HandshakeTimeout { url } => format!(
                "{} opened but never completed the Pusher handshake: is it a Pusher protocol 7 server (check wsHost, wsPort, wsPath)?",
                origin_of(url)
            ),
            ConnectionError::InvalidSocketId(id) => format!("The server sent an invalid socket id '{id}'; reconnecting."),
            ConnectionError::PongTimeout => "The server stopped answering pings; the dead connection was replaced.".into(),
            ConnectionError::Server { code: Some(4301), message } => format!(
                "The server refused a client event (4301 {message}): enable client events for the app or send fewer whispers."
            ),
            ConnectionError::Server { code: Some(4009), message } => format!(
                "The server rejected a signature (4009 {message}): the app secret differs between the Laravel backend and the WebSocket server."
            ),
            ConnectionError::Server { code, message } => match code {
                Some(code) => format!("The server reported error {code}: {message}"),
                None => format!("The server reported an error: {message}"),
            },
            ConnectionError::Frame(e) => format!("Ignored a bad frame: {}.", e.describe()),
        }
    }
}

/// `scheme://host:port` of a socket URL (the part worth showing; the path holds the key).
/// Searched as bytes: `str::find` with a `&str` pattern links core's two-way `StrSearcher`
/// (about 1.5 KB of wasm) for this one call.
fn origin_of(url: &str) -> &str {
    let bytes = url.as_bytes();
    let after_scheme = bytes.windows(3).position(|w| w == b"://").map_or(0, |i| i + 3);
    let path = bytes.iter().skip(after_scheme).position(|&b| b == b'/');
    path.and_then(|i| url.get(..after_scheme + i)).unwrap_or(url)
}

/// How an authorization request failed, as reported by the edge that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthFailure {
    /// A non-2xx HTTP status, with the start of the body.
    Http {
        /// The status code.
        status: u16,
        /// The response body's `message` or first characters.
        body: String,
    },
    /// 2xx, but the body is not JSON or has no string `auth`.
    InvalidResponse {
        /// The status code.
        status: u16,
        /// What was wrong.
        detail: String,
    },
    /// The request did not complete (network error, CORS, aborted).
    Network(String),
    /// No answer within the auth timeout.
    Timeout,
    /// A custom `authorizer` reported an error.
    Custom(String),
}

impl AuthFailure {
    /// A short description (no HTTP status formatting).
    pub fn describe(&self) -> String {
        match self {
            AuthFailure::Http { body, .. } => body.clone(),
            AuthFailure::InvalidResponse { detail, .. } => detail.clone(),
            AuthFailure::Network(detail) | AuthFailure::Custom(detail) => detail.clone(),
            AuthFailure::Timeout => "no answer in time".into(),
        }
    }

    /// The HTTP status, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            AuthFailure::Http { status, .. } | AuthFailure::InvalidResponse { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Why a channel is not subscribed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelError {
    /// The authorization request failed.
    Auth {
        /// The channel.
        channel: String,
        /// How it failed.
        failure: AuthFailure,
    },
    /// The server refused the subscription (`pusher:subscription_error`, or `pusher:error`
    /// 4009 during a pending subscribe).
    Rejected {
        /// The channel.
        channel: String,
        /// HTTP-like status or Pusher code from the server, if any.
        status: Option<u16>,
        /// The server's message.
        message: String,
    },
    /// An encrypted event could not be opened (after one key refresh) and was dropped.
    Decrypt {
        /// The channel.
        channel: String,
        /// The event name.
        event: String,
        /// Why.
        reason: DecryptError,
    },
    /// An encrypted event arrived before the channel had a key; it was dropped.
    NoKeyYet {
        /// The channel.
        channel: String,
        /// The event name.
        event: String,
    },
}

impl ChannelError {
    /// The channel concerned.
    pub fn channel(&self) -> &str {
        match self {
            ChannelError::Auth { channel, .. }
            | ChannelError::Rejected { channel, .. }
            | ChannelError::Decrypt { channel, .. }
            | ChannelError::NoKeyYet { channel, .. } => channel,
        }
    }

    /// The HTTP status (auth) or server code (rejection), if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            ChannelError::Auth { failure, .. } => failure.status(),
            ChannelError::Rejected { status, .. } => *status,
            _ => None,
        }
    }

    /// `AuthError`, `SubscriptionError` or `DecryptError`: the `type` field seen from JS.
    pub fn kind(&self) -> &'static str {
        match self {
            ChannelError::Auth { .. } => "AuthError",
            ChannelError::Rejected { .. } => "SubscriptionError",
            ChannelError::Decrypt { .. } | ChannelError::NoKeyYet { .. } => "DecryptError",
        }
    }
}

impl Diagnostic for ChannelError {
    fn code(&self) -> &'static str {
        match self {
            ChannelError::Auth { failure, .. } => match failure {
                AuthFailure::Http { status: 401, .. } => code::AUTH_UNAUTHENTICATED,
                AuthFailure::Http { status: 403, .. } => code::AUTH_FORBIDDEN,
                AuthFailure::Http { status: 404, .. } => code::AUTH_NOT_FOUND,
                AuthFailure::Http { status: 419, .. } => code::AUTH_CSRF,
                AuthFailure::Http { status: 500..=599, .. } => code::AUTH_SERVER_ERROR,
                AuthFailure::Http { .. } => code::AUTH_HTTP,
                AuthFailure::InvalidResponse { .. } | AuthFailure::Custom(_) => code::AUTH_INVALID_RESPONSE,
                AuthFailure::Network(_) => code::AUTH_NETWORK,
                AuthFailure::Timeout => code::AUTH_TIMEOUT,
            },
            ChannelError::Rejected { status: Some(4009), .. } => code::SIGNATURE_REJECTED,
            ChannelError::Rejected { .. } => code::SUBSCRIPTION_REJECTED,
            ChannelError::Decrypt { .. } | ChannelError::NoKeyYet { .. } => code::DECRYPT_FAILED,
        }
    }

    fn message(&self) -> String {
        match self {
            ChannelError::Auth { channel, failure } => {
                let what = format!("Authorization for {channel} failed");
                match failure {
                    AuthFailure::Http { status: 401, .. } => format!("{what} with HTTP 401: not logged in or the token expired; log in again or refresh the token."),
                    AuthFailure::Http { status: 403, .. } => format!("{what} with HTTP 403: check routes/channels.php for this user."),
                    AuthFailure::Http { status: 404, .. } => format!("{what} with HTTP 404: authEndpoint is wrong or the broadcasting routes are not registered."),
                    AuthFailure::Http { status: 419, .. } => format!("{what} with HTTP 419: CSRF token missing or stale (meta csrf-token, csrfToken option, or reload)."),
                    AuthFailure::Http { status: status @ 500..=599, .. } => format!("{what} with HTTP {status}: server error, see storage/logs/laravel.log."),
                    AuthFailure::Http { status, body } => format!("{what} with HTTP {status}: {body}"),
                    AuthFailure::InvalidResponse { status, detail } => format!(
                        "{what}: HTTP {status} but the body is not the broadcaster's JSON ({detail}); is the route redirected to a login page?"
                    ),
                    AuthFailure::Network(detail) => format!("{what}: the request did not reach the backend ({detail}); check the backend and CORS."),
                    AuthFailure::Timeout => format!("{what}: the endpoint did not answer in time."),
                    AuthFailure::Custom(detail) => format!("{what}: the custom authorizer reported: {detail}"),
                }
            }
            ChannelError::Rejected { channel, status: Some(4009), message } => format!(
                "The server rejected the signature for {channel} (4009 {message}): the app secret differs between the Laravel backend and the WebSocket server."
            ),
            ChannelError::Rejected { channel, status, message } => match status {
                Some(status) => format!("The server rejected the subscription to {channel} ({status}): {message}"),
                None => format!("The server rejected the subscription to {channel}: {message}"),
            },
            ChannelError::Decrypt { channel, event, reason } => format!(
                "Dropped encrypted event {event} on {channel}: {} even with a fresh key; the encryption master key differs between backend processes.",
                reason.describe()
            ),
            ChannelError::NoKeyYet { channel, event } => format!("Dropped encrypted event {event} on {channel}: it arrived before the channel's key."),
        }
    }
}

/// Why a client event (whisper) was refused before anything was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEventError {
    /// The event name does not start with `client-`.
    NotClientEvent(String),
    /// The name after `client-` is empty, longer than 200 characters, or has control characters.
    InvalidEventName(String),
    /// Client events are only allowed on private and presence channels.
    PublicChannel(String),
    /// Encrypted channels do not carry client events.
    EncryptedChannel(String),
    /// The channel is not (yet) subscribed.
    NotSubscribed(String),
    /// The payload cannot be serialized to JSON.
    NotSerializable,
    /// The serialized frame is larger than allowed.
    TooLarge {
        /// Its size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// More client events per second than allowed.
    RateLimited {
        /// The limit per second.
        limit: u32,
    },
    /// Not connected.
    NotConnected,
}

impl Diagnostic for ClientEventError {
    fn code(&self) -> &'static str {
        code::CLIENT_EVENT_INVALID
    }
    fn message(&self) -> String {
        match self {
            ClientEventError::NotClientEvent(e) => format!("Client event '{e}' must start with 'client-'."),
            ClientEventError::InvalidEventName(e) => format!("Whisper name '{e}' is invalid: 1 to 200 characters after 'client-', no control characters."),
            ClientEventError::PublicChannel(c) => format!("Cannot whisper on public channel {c}: use a private or presence channel."),
            ClientEventError::EncryptedChannel(c) => format!("Cannot whisper on encrypted channel {c}: encrypted channels do not carry client events."),
            ClientEventError::NotSubscribed(c) => format!("Cannot whisper on {c}: the channel is not subscribed yet (wait for subscribed())."),
            ClientEventError::NotSerializable => "The whisper payload cannot be serialized to JSON.".into(),
            ClientEventError::TooLarge { size, limit } => format!("The whisper is {size} bytes; the limit is {limit} bytes."),
            ClientEventError::RateLimited { limit } => format!("More than {limit} whispers per second; this one was not sent."),
            ClientEventError::NotConnected => "Cannot whisper while disconnected.".into(),
        }
    }
}

/// A channel name that the protocol does not allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelNameError {
    /// Empty name.
    Empty,
    /// Longer than the limit.
    TooLong {
        /// The name's length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A character outside `[A-Za-z0-9_\-=@,.;]`.
    BadCharacter(char),
}

impl Diagnostic for ChannelNameError {
    fn code(&self) -> &'static str {
        code::INVALID_CHANNEL
    }
    fn message(&self) -> String {
        match self {
            ChannelNameError::Empty => "Channel name is empty.".into(),
            ChannelNameError::TooLong { len, limit } => format!("Channel name is {len} characters long; at most {limit} are allowed."),
            ChannelNameError::BadCharacter(c) => format!("Channel name contains '{c}'; only A-Z a-z 0-9 _ - = @ , . ; are allowed."),
        }
    }
}

/// Why `signin()` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigninError {
    /// The user-authentication request failed.
    Auth(AuthFailure),
    /// The response lacked `user_data` or its `id`.
    InvalidUserData(String),
    /// The server answered the sign-in with an error.
    Rejected(String),
}

impl Diagnostic for SigninError {
    fn code(&self) -> &'static str {
        code::SIGNIN_FAILED
    }
    fn message(&self) -> String {
        match self {
            SigninError::Auth(f) => match f.status() {
                Some(status) => format!("User sign-in failed with HTTP {status}: check userAuthentication.endpoint and that the user is logged in."),
                None => format!("User sign-in failed: {}", f.describe()),
            },
            SigninError::InvalidUserData(d) => format!("User sign-in response has invalid user_data: {d}"),
            SigninError::Rejected(m) => format!("The server rejected the user sign-in: {m}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for info in CODES {
            assert!(seen.insert(info.code), "duplicate code {}", info.code);
            assert!(!info.cause.is_empty() && !info.remedy.is_empty());
        }
    }

    #[test]
    fn messages_name_the_fix() {
        let e = ConnectionError::Refused { code: 4001, reason: "App key x not found".into(), key: "x".into() };
        assert_eq!(e.code(), "app_key_unknown");
        assert!(e.message().contains("VITE_REVERB_APP_KEY"));
        let e = ChannelError::Auth { channel: "private-a".into(), failure: AuthFailure::Http { status: 403, body: String::new() } };
        assert!(e.message().contains("routes/channels.php"));
        assert_eq!(e.status(), Some(403));
        assert_eq!(e.code(), "auth_forbidden");
        let e = ConnectionError::Unreachable { url: "ws://127.0.0.1:1/app/k?protocol=7&client=x".into(), key: "k".into() };
        assert!(e.message().contains("ws://127.0.0.1:1:") && !e.message().contains("protocol=7"));
    }
}
