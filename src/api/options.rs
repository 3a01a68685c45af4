//! Reading `new Echo(options)`: laravel-echo's options plus ours, deserialized with serde
//! ([`EchoOptions`], through [`crate::web::boundary`]) and validated into the engine's
//! [`Options`] and the edge's [`AuthConfig`].
//!
//! Every field is [`Lenient`]: serde never refuses a value, this module does, with a
//! `config` error that names the option path and says what to pass. Unknown keys are
//! ignored (laravel-echo passes its whole options object around).

use js_sys::{Array, Function};
use serde::Deserialize;
use wasm_bindgen::JsValue;

use crate::options::Options;
use crate::web::auth::AuthConfig;
use crate::web::boundary;
use crate::web::lenient::{self, Entries, Lenient, Number, Scalar, Section};
use crate::web::notify::DesktopConfig;

/// Everything `new Echo(options)` configures.
pub struct EchoConfig {
    /// Connection options for the engine.
    pub engine: Options,
    /// Authorization settings for the edge.
    pub auth: AuthConfig,
    /// Event namespace (`App.Events`), `None` when `namespace: false`.
    pub namespace: Option<String>,
    /// Skip the axios `X-Socket-ID` interceptor.
    pub without_interceptors: bool,
    /// Desktop notifications.
    pub desktop: DesktopConfig,
    /// Log protocol traffic.
    pub debug: bool,
    /// `shareConnection`: share one socket with the browser's other tabs.
    pub share_connection: bool,
}

pub use super::option_fields::OptionError;
use super::option_fields::{config_error, flag, function, ms, number, port, refuse, section, string_map, text};

/// `new Echo(options)` as serde reads it (camelCase keys; missing ones default to absent).
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct EchoOptions {
    broadcaster: Lenient<String>,
    key: Lenient<String>,
    cluster: Lenient<String>,
    ws_host: Lenient<String>,
    ws_hosts: Lenient<Array>,
    ws_port: Lenient<Number>,
    wss_port: Lenient<Number>,
    ws_path: Lenient<String>,
    #[serde(rename = "forceTLS")]
    force_tls: Lenient<bool>,
    enabled_transports: Lenient<Array>,
    activity_timeout: Lenient<Number>,
    pong_timeout: Lenient<Number>,
    unavailable_timeout: Lenient<Number>,
    auth_timeout: Lenient<Number>,
    reconnect: Lenient<Section<ReconnectOptions>>,
    max_channel_name_length: Lenient<Number>,
    connection_recovery: Lenient<bool>,
    share_connection: Lenient<bool>,
    auth_endpoint: Lenient<String>,
    auth: Lenient<Section<AuthOptions>>,
    user_authentication: Lenient<Section<UserAuthOptions>>,
    csrf_token: Lenient<String>,
    bearer_token: Lenient<String>,
    headers_provider: Lenient<Function>,
    authorizer: Lenient<Function>,
    namespace: Lenient<Namespace>,
    desktop_notifications: Lenient<Desktop>,
    without_interceptors: Lenient<bool>,
    debug: Lenient<bool>,
}

/// `reconnect: {firstMs, baseMs, maxMs}`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ReconnectOptions {
    first_ms: Lenient<Number>,
    base_ms: Lenient<Number>,
    max_ms: Lenient<Number>,
}

/// `auth: {headers, params}`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuthOptions {
    headers: Lenient<Entries<Scalar>>,
    params: Lenient<Entries<Scalar>>,
}

/// `userAuthentication: {endpoint, headers}`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UserAuthOptions {
    endpoint: Lenient<String>,
    headers: Lenient<Entries<Scalar>>,
}

/// `desktopNotifications: {enabled, when, map, onClick}`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct DesktopOptions {
    enabled: Lenient<bool>,
    when: Lenient<String>,
    map: Lenient<Function>,
    on_click: Lenient<Function>,
}

/// `namespace`: a string, or `false` for none.
enum Namespace {
    Off,
    Name(String),
}

impl lenient::FromJs for Namespace {
    fn from_js(value: &JsValue) -> Option<Self> {
        match (value.as_bool(), value.as_string()) {
            (Some(false), _) => Some(Namespace::Off),
            (_, Some(name)) if name.is_empty() => Some(Namespace::Off),
            (_, Some(name)) => Some(Namespace::Name(name)),
            _ => None,
        }
    }
}

/// `desktopNotifications`: a boolean or an object.
enum Desktop {
    Switch(bool),
    Settings(DesktopOptions),
}

impl lenient::FromJs for Desktop {
    fn from_js(value: &JsValue) -> Option<Self> {
        match value.as_bool() {
            Some(on) => Some(Desktop::Switch(on)),
            None => Section::from_js(value).map(|Section(settings)| Desktop::Settings(settings)),
        }
    }
}

/// How deep [`boundary::read_struct`] copies the options: options -> `auth` -> `auth.headers`.
const OPTIONS_DEPTH: u8 = 3;

/// Reads and validates the options object.
pub fn read(options: &JsValue, page_is_https: bool) -> Result<EchoConfig, OptionError> {
    if !options.is_object() {
        return Err(refuse("new Echo(options) needs an options object with at least `broadcaster` and `key`.".into()));
    }
    let o: EchoOptions = boundary::read_struct(options, OPTIONS_DEPTH).map_err(|unreadable| match unreadable {
        boundary::Unreadable::Threw(key) => refuse(format!("Option `{key}` cannot be read: its getter (or a Proxy on the options) threw. Pass plain values.")),
        boundary::Unreadable::NotAnObject => refuse("new Echo(options) cannot be read: pass a plain object.".into()),
    })?;
    let broadcaster = text(o.broadcaster, "broadcaster")?;
    let (never_connect, ably) = match broadcaster.as_deref() {
        None | Some("reverb") | Some("pusher") => (false, false),
        Some("ably") => (false, true),
        Some("null") => (true, false),
        Some(other) => {
            return Err(refuse(format!(
                "Broadcaster '{other}' is not supported by echo-wasm: use 'reverb' or 'pusher' (any Pusher protocol 7 server), 'ably' (its Pusher adapter) or 'null' (no connection)."
            )))
        }
    };
    let mut engine = Options::new(text(o.key, "key")?.unwrap_or_default());
    engine.never_connect = never_connect;
    // laravel-echo 2.5.0 runs 'ably' as its Pusher connector with `cluster: ''`.
    let cluster = text(o.cluster, "cluster")?;
    engine.cluster = cluster.filter(|c| !c.is_empty() && !ably);
    engine.page_is_https = page_is_https;
    let bad_hosts = || refuse("`wsHosts` must be an array of host names.".into());
    let hosts = match o.ws_hosts.or_refuse(|_| bad_hosts())? {
        Some(list) => list.iter().map(|h| h.as_string().ok_or_else(bad_hosts)).collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let ws_host = text(o.ws_host, "wsHost")?;
    engine.hosts = if hosts.is_empty() { ws_host.filter(|h| !h.is_empty()).into_iter().collect() } else { hosts };
    port(o.ws_port, "wsPort", &mut engine.ws_port)?;
    port(o.wss_port, "wssPort", &mut engine.wss_port)?;
    engine.ws_path = text(o.ws_path, "wsPath")?.unwrap_or_default();
    engine.force_tls = flag(o.force_tls, "forceTLS")?;
    let no_websocket = || refuse("`enabledTransports` must include 'ws' or 'wss': echo-wasm connects over WebSocket only.".into());
    if let Some(list) = o.enabled_transports.or_refuse(|_| no_websocket())? {
        if !list.iter().any(|t| matches!(t.as_string().as_deref(), Some("ws") | Some("wss"))) {
            return Err(no_websocket());
        }
    }
    ms(o.activity_timeout, "activityTimeout", &mut engine.activity_timeout_ms)?;
    ms(o.pong_timeout, "pongTimeout", &mut engine.pong_timeout_ms)?;
    ms(o.unavailable_timeout, "unavailableTimeout", &mut engine.unavailable_timeout_ms)?;
    ms(o.auth_timeout, "authTimeout", &mut engine.auth_timeout_ms)?;
    if let Some(Section(reconnect)) = o.reconnect.or_refuse(|_| refuse("Option `reconnect` must be an object ({firstMs, baseMs, maxMs}).".into()))? {
        ms(reconnect.first_ms, "reconnect.firstMs", &mut engine.reconnect.first_ms)?;
        ms(reconnect.base_ms, "reconnect.baseMs", &mut engine.reconnect.base_ms)?;
        ms(reconnect.max_ms, "reconnect.maxMs", &mut engine.reconnect.max_ms)?;
        if engine.reconnect.max_ms < engine.reconnect.base_ms {
            return Err(refuse("`reconnect.maxMs` must be at least `reconnect.baseMs`.".into()));
        }
    }
    if let Some(n) = number(o.max_channel_name_length, "maxChannelNameLength")? {
        engine.max_channel_name_len = n as usize;
    }
    engine.connection_recovery = flag(o.connection_recovery, "connectionRecovery")?.unwrap_or(false);
    if ably && engine.hosts.is_empty() {
        return Err(refuse(
            "Broadcaster 'ably' ignores `cluster` (as laravel-echo does): pass `wsHost` (Ably's Pusher adapter, e.g. 'realtime-pusher.ably.io') to new Echo().".into(),
        ));
    }
    if !never_connect {
        engine.validate().map_err(config_error)?;
    }

    let auth_option = section(o.auth, "auth")?;
    let user_option = section(o.user_authentication, "userAuthentication")?;
    let auth = AuthConfig {
        endpoint: text(o.auth_endpoint, "authEndpoint")?.unwrap_or_else(|| "/broadcasting/auth".into()),
        params: string_map(auth_option.params, "auth.params")?,
        headers: string_map(auth_option.headers, "auth.headers")?,
        user_endpoint: text(user_option.endpoint, "userAuthentication.endpoint")?.unwrap_or_else(|| "/broadcasting/user-auth".into()),
        user_headers: string_map(user_option.headers, "userAuthentication.headers")?,
        csrf_token: text(o.csrf_token, "csrfToken")?,
        bearer_token: text(o.bearer_token, "bearerToken")?,
        headers_provider: function(o.headers_provider, "headersProvider")?,
        authorizer: function(o.authorizer, "authorizer")?,
        options_object: options.clone(),
        timeout_ms: engine.auth_timeout_ms.min(u32::MAX as u64) as u32,
    };
    let namespace = match o.namespace.or_refuse(|_| refuse("`namespace` must be a string or false.".into()))? {
        None => Some("App.Events".to_owned()),
        Some(Namespace::Off) => None,
        Some(Namespace::Name(name)) => Some(name),
    };
    let desktop = match o.desktop_notifications.or_refuse(|_| refuse("`desktopNotifications` must be an object or a boolean.".into()))? {
        None => DesktopConfig::default(),
        Some(Desktop::Switch(enabled)) => DesktopConfig { enabled, only_when_hidden: true, ..Default::default() },
        Some(Desktop::Settings(d)) => DesktopConfig {
            enabled: flag(d.enabled, "desktopNotifications.enabled")?.unwrap_or(true),
            only_when_hidden: match text(d.when, "desktopNotifications.when")?.as_deref() {
                None | Some("hidden") => true,
                Some("always") => false,
                Some(other) => return Err(refuse(format!("`desktopNotifications.when` must be 'hidden' or 'always' (got '{other}')."))),
            },
            map: function(d.map, "desktopNotifications.map")?,
            on_click: function(d.on_click, "desktopNotifications.onClick")?,
        },
    };
    Ok(EchoConfig {
        engine,
        desktop,
        auth,
        namespace,
        without_interceptors: flag(o.without_interceptors, "withoutInterceptors")?.unwrap_or(false),
        debug: flag(o.debug, "debug")?.unwrap_or(false),
        share_connection: flag(o.share_connection, "shareConnection")?.unwrap_or(false),
    })
}
