//! Connection options and the socket URL, built exactly as pusher-js 8 builds it.
//!
//! `ws[s]://{host}:{port}{wsPath}/app/{key}?protocol=7&client=..&version=..&flash=false`
//! (`protocol=2&echo_messages=false`, Sockudo's own, with `connectionRecovery`: on protocol 2
//! Sockudo sends a client's own client events back to it unless `echo_messages=false`),
//! host = `wsHosts` (ours, for failover), else `wsHost`, else `ws-{cluster}.pusher.com`;
//! port = `wssPort` (443) with TLS, `wsPort` (80) without. TLS is on unless `forceTLS` is
//! `false` and the page is not https (pusher-js' rule).
//!
//! laravel-echo's `ably` broadcaster is its Pusher connector with `cluster: ''`: the host
//! must be given (`wsHost`). Its `null` broadcaster is [`Options::never_connect`].

use crate::error::ConfigError;
use crate::time::MAX_TIMEOUT_MS;

/// Everything the core needs to know to connect and to keep the connection alive.
#[derive(Clone, Debug)]
pub struct Options {
    /// The app key (`VITE_REVERB_APP_KEY` / `VITE_PUSHER_APP_KEY`).
    pub key: String,
    /// Hosted Pusher cluster, used when no host is given.
    pub cluster: Option<String>,
    /// WebSocket hosts, tried in turn after a failure (first one first). An entry may carry
    /// its own port (`node2.example.com:6002`), which then wins over `ws_port`/`wss_port`.
    /// Empty: derive from `cluster`.
    pub hosts: Vec<String>,
    /// Port without TLS (default 80).
    pub ws_port: u16,
    /// Port with TLS (default 443).
    pub wss_port: u16,
    /// Path prefix before `/app/{key}` (default empty).
    pub ws_path: String,
    /// `forceTLS`: `Some(false)` allows plain `ws://` on an http page.
    pub force_tls: Option<bool>,
    /// True when the page itself is served over https (TLS is then always used).
    pub page_is_https: bool,
    /// Client-side inactivity limit before a ping (pusher-js default 120 s).
    pub activity_timeout_ms: u64,
    /// How long to wait for any frame after a ping (pusher-js default 30 s).
    pub pong_timeout_ms: u64,
    /// How long `connecting` lasts before the state becomes `unavailable` (10 s).
    pub unavailable_timeout_ms: u64,
    /// How long one attempt may take from opening the socket to `connection_established`.
    pub connect_timeout_ms: u64,
    /// How long an authorization request may take before it counts as failed.
    pub auth_timeout_ms: u64,
    /// Reconnect backoff settings.
    pub reconnect: crate::reconnect::BackoffConfig,
    /// Largest client event (whisper) payload, in bytes of JSON (Pusher and Reverb: 10 KB).
    pub max_client_event_bytes: usize,
    /// Most client events per second per connection (Pusher: 10).
    pub max_client_events_per_second: u32,
    /// Longest channel name accepted (Pusher: 164; Sockudo accepts up to 200).
    pub max_channel_name_len: usize,
    /// laravel-echo's `null` broadcaster (tests, SSR): [`crate::Engine::connect`] never opens
    /// a socket and the options need no key or host.
    pub never_connect: bool,
    /// `connectionRecovery`: ask for Sockudo's protocol 2 (`?protocol=2`) and resume
    /// channels after a reconnect; a server that answers in protocol 7 is spoken to in 7.
    pub connection_recovery: bool,
    /// Client name reported in the URL.
    pub client_name: String,
    /// Client version reported in the URL.
    pub client_version: String,
}

impl Options {
    /// Options with the pusher-js defaults for `key`.
    pub fn new(key: impl Into<String>) -> Self {
        Options {
            key: key.into(),
            cluster: None,
            hosts: Vec::new(),
            ws_port: 80,
            wss_port: 443,
            ws_path: String::new(),
            force_tls: None,
            page_is_https: false,
            activity_timeout_ms: 120_000,
            pong_timeout_ms: 30_000,
            unavailable_timeout_ms: 10_000,
            connect_timeout_ms: 10_000,
            auth_timeout_ms: 10_000,
            reconnect: Default::default(),
            max_client_event_bytes: 10 * 1024,
            max_client_events_per_second: 10,
            max_channel_name_len: 164,
            never_connect: false,
            connection_recovery: false,
            client_name: "echo-wasm".into(),
            client_version: env!("CARGO_PKG_VERSION").into(),
        }
    }

    /// Checks the options before the first connection attempt.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.key.is_empty() {
            return Err(ConfigError::MissingKey);
        }
        if !self.key.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c)) {
            return Err(ConfigError::InvalidKey(self.key.clone()));
        }
        if self.hosts.is_empty() && self.cluster.as_deref().map_or(true, str::is_empty) {
            return Err(ConfigError::MissingHost);
        }
        for host in &self.hosts {
            let (name, port) = split_port(host);
            let port_ok = port.map_or(true, |p| p.parse::<u16>().is_ok_and(|p| p > 0));
            if name.is_empty() || !port_ok || host.contains(['/', ' ', '?', '#', '@']) {
                return Err(ConfigError::InvalidHost(host.clone()));
            }
        }
        if self.pong_timeout_ms == 0 || self.activity_timeout_ms == 0 {
            return Err(ConfigError::InvalidTimeout);
        }
        let r = &self.reconnect;
        let limits = [
            ("activityTimeout", self.activity_timeout_ms),
            ("pongTimeout", self.pong_timeout_ms),
            ("unavailableTimeout", self.unavailable_timeout_ms),
            ("connectTimeout", self.connect_timeout_ms),
            ("authTimeout", self.auth_timeout_ms),
            ("reconnect.firstMs", r.first_ms),
            ("reconnect.baseMs", r.base_ms),
            ("reconnect.maxMs", r.max_ms),
            ("reconnect.stableAfterMs", r.stable_after_ms),
        ];
        if let Some((option, ms)) = limits.into_iter().find(|(_, ms)| *ms > MAX_TIMEOUT_MS) {
            return Err(ConfigError::TimeoutTooLarge { option, ms });
        }
        Ok(())
    }

    /// Whether the first attempt uses TLS (pusher-js' `shouldUseTLS`).
    pub fn use_tls(&self) -> bool {
        self.page_is_https || self.force_tls != Some(false)
    }

    /// The number of hosts to rotate through (at least one).
    pub fn host_count(&self) -> usize {
        self.hosts.len().max(1)
    }

    /// The socket URL for host number `host_index` (modulo the host list).
    pub fn url(&self, tls: bool, host_index: usize) -> String {
        let cluster_host;
        let (host, own_port) = if self.hosts.is_empty() {
            cluster_host = format!("ws-{}.pusher.com", self.cluster.as_deref().unwrap_or(""));
            (cluster_host.as_str(), None)
        } else {
            split_port(&self.hosts[host_index % self.hosts.len()])
        };
        let (scheme, default_port) = if tls { ("wss", self.wss_port) } else { ("ws", self.ws_port) };
        let port = own_port.and_then(|p| p.parse::<u16>().ok()).unwrap_or(default_port);
        format!(
            "{scheme}://{host}:{port}{path}/app/{key}?protocol={protocol}&client={client}&version={version}&flash=false{echo}",
            // Strings, not numbers: an integer here would pull integer formatting into the wasm.
            protocol = if self.connection_recovery { "2" } else { "7" },
            // Protocol 2 echoes a sender's whispers back unless told not to (protocol 7 never does).
            echo = if self.connection_recovery { "&echo_messages=false" } else { "" },
            path = self.ws_path,
            key = self.key,
            client = self.client_name,
            version = self.client_version,
        )
    }
}

/// `host:port` -> (`host`, Some(`port`)); a bare host -> (`host`, None).
fn split_port(host: &str) -> (&str, Option<&str>) {
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => (name, Some(port)),
        _ => (host, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_like_pusher_js() {
        let mut o = Options::new("abc");
        o.cluster = Some("mt1".into());
        let v = env!("CARGO_PKG_VERSION");
        assert_eq!(o.url(o.use_tls(), 0), format!("wss://ws-mt1.pusher.com:443/app/abc?protocol=7&client=echo-wasm&version={v}&flash=false"));
        o.hosts = vec!["127.0.0.1".into()];
        o.ws_port = 8080;
        o.ws_path = "/ws".into();
        o.force_tls = Some(false);
        assert!(!o.use_tls());
        assert_eq!(o.url(false, 0), format!("ws://127.0.0.1:8080/ws/app/abc?protocol=7&client=echo-wasm&version={v}&flash=false"));
        o.page_is_https = true;
        assert!(o.use_tls(), "an https page always uses TLS");
        o.hosts = vec!["node1:6001".into(), "node2".into()];
        assert!(o.url(false, 0).starts_with("ws://node1:6001/ws/app/abc?"));
        assert!(o.url(true, 1).starts_with("wss://node2:443/ws/app/abc?"));
        o.connection_recovery = true;
        assert!(o.url(false, 0).starts_with("ws://node1:6001/ws/app/abc?protocol=2&client=echo-wasm&"), "Sockudo's protocol 2");
        assert!(o.url(false, 0).ends_with("&flash=false&echo_messages=false"), "no echo of the sender's own whispers: {}", o.url(false, 0));
        o.connection_recovery = false;
        assert!(o.url(false, 0).ends_with("&flash=false"), "protocol 7 URLs unchanged");
    }

    #[test]
    fn validation() {
        assert_eq!(Options::new("").validate(), Err(ConfigError::MissingKey));
        assert_eq!(Options::new("k").validate(), Err(ConfigError::MissingHost));
        let mut o = Options::new("k e y");
        o.hosts = vec!["h".into()];
        assert_eq!(o.validate(), Err(ConfigError::InvalidKey("k e y".into())));
        o.key = "key".into();
        assert_eq!(o.validate(), Ok(()));
        o.hosts = vec!["http://h".into()];
        assert_eq!(o.validate(), Err(ConfigError::InvalidHost("http://h".into())));
        o.hosts = vec!["h:99999".into()];
        assert_eq!(o.validate(), Err(ConfigError::InvalidHost("h:99999".into())));
        o.hosts = vec!["node1:6001".into(), "node2".into()];
        assert_eq!(o.validate(), Ok(()));
        o.auth_timeout_ms = MAX_TIMEOUT_MS;
        assert_eq!(o.validate(), Ok(()));
        o.auth_timeout_ms = MAX_TIMEOUT_MS + 1;
        assert_eq!(o.validate(), Err(ConfigError::TimeoutTooLarge { option: "authTimeout", ms: MAX_TIMEOUT_MS + 1 }));
    }
}
