//! Reading `new Echo(options)`: laravel-echo's options plus ours, validated into the
//! engine's [`Options`] and the edge's [`AuthConfig`].

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{code, ConfigError};
use crate::options::Options;
use crate::web::auth::AuthConfig;
use crate::web::payload::{js_number, js_string};
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
}

/// A configuration problem, as `(code, message)` for the thrown error.
pub type OptionError = (&'static str, String);

fn get(object: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(object, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

fn text(object: &JsValue, key: &str) -> Result<Option<String>, OptionError> {
    match get(object, key) {
        None => Ok(None),
        Some(v) => match v.as_string() {
            Some(s) => Ok(Some(s)),
            None => match v.as_f64() {
                Some(_) => Ok(Some(js_string(&v))),
                None => Err((code::CONFIG, format!("Option `{key}` must be a string."))),
            },
        },
    }
}

fn number(object: &JsValue, key: &str) -> Result<Option<f64>, OptionError> {
    match get(object, key) {
        None => Ok(None),
        Some(v) => {
            let n = if v.as_f64().is_some() || v.as_string().is_some_and(|s| !s.trim().is_empty()) { js_number(&v) } else { f64::NAN };
            if n.is_finite() && n >= 0.0 {
                Ok(Some(n))
            } else {
                Err((code::CONFIG, format!("Option `{key}` must be a non-negative number (got '{}').", js_string(&v))))
            }
        }
    }
}

fn port(object: &JsValue, key: &str) -> Result<Option<u16>, OptionError> {
    match number(object, key)? {
        None => Ok(None),
        Some(p) if p >= 1.0 && p <= 65535.0 && p.fract() == 0.0 => Ok(Some(p as u16)),
        Some(p) => Err((code::CONFIG, format!("Option `{key}` must be a port number between 1 and 65535 (got {}).", js_string(&p.into())))),
    }
}

fn boolean(object: &JsValue, key: &str) -> Result<Option<bool>, OptionError> {
    match get(object, key) {
        None => Ok(None),
        Some(v) => match (v.as_bool(), v.as_string().as_deref()) {
            (Some(b), _) => Ok(Some(b)),
            (_, Some("true")) => Ok(Some(true)),
            (_, Some("false")) => Ok(Some(false)),
            _ => Err((code::CONFIG, format!("Option `{key}` must be true or false."))),
        },
    }
}

fn function(object: &JsValue, key: &str) -> Result<Option<Function>, OptionError> {
    match get(object, key) {
        None => Ok(None),
        Some(v) => v.dyn_into::<Function>().map(Some).map_err(|_| (code::CONFIG, format!("Option `{key}` must be a function."))),
    }
}

/// String entries of an object option (`auth.headers`, `auth.params`).
fn string_map(object: Option<JsValue>, what: &str) -> Result<Vec<(String, String)>, OptionError> {
    let Some(object) = object else { return Ok(Vec::new()) };
    if !object.is_object() {
        return Err((code::CONFIG, format!("Option `{what}` must be an object.")));
    }
    let mut out = Vec::new();
    let entries = crate::web::payload::object_entries(&object).ok_or_else(|| (code::CONFIG, format!("Option `{what}` cannot be read (a getter or Proxy threw).")))?;
    for pair in entries.iter() {
        let pair: js_sys::Array = pair.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let value = pair.get(1);
        let value = if value.as_string().is_some() || value.as_f64().is_some() || value.as_bool().is_some() { Some(js_string(&value)) } else { None };
        match value {
            Some(value) => out.push((key, value)),
            None => return Err((code::CONFIG, format!("`{what}.{key}` must be a string."))),
        }
    }
    Ok(out)
}

fn config_error(error: ConfigError) -> OptionError {
    use crate::error::Diagnostic;
    (error.code(), error.message())
}

/// Reads and validates the options object.
pub fn read(options: &JsValue, page_is_https: bool) -> Result<EchoConfig, OptionError> {
    if !options.is_object() {
        return Err((code::CONFIG, "new Echo(options) needs an options object with at least `broadcaster` and `key`.".into()));
    }
    match text(options, "broadcaster")?.as_deref() {
        None | Some("reverb") | Some("pusher") => {}
        Some(other) => {
            return Err((code::CONFIG, format!("Broadcaster '{other}' is not supported by echo-wasm: use 'reverb' or 'pusher' (any Pusher protocol 7 server).")))
        }
    }
    let mut engine = Options::new(text(options, "key")?.unwrap_or_default());
    engine.cluster = text(options, "cluster")?.filter(|c| !c.is_empty());
    engine.page_is_https = page_is_https;
    let hosts = match get(options, "wsHosts") {
        Some(list) if js_sys::Array::is_array(&list) => {
            let list: js_sys::Array = list.unchecked_into();
            list.iter().map(|h| h.as_string().ok_or((code::CONFIG, "`wsHosts` must be an array of host names.".to_string()))).collect::<Result<Vec<_>, _>>()?
        }
        Some(_) => return Err((code::CONFIG, "`wsHosts` must be an array of host names.".into())),
        None => Vec::new(),
    };
    engine.hosts = if hosts.is_empty() { text(options, "wsHost")?.filter(|h| !h.is_empty()).into_iter().collect() } else { hosts };
    if let Some(p) = port(options, "wsPort")? {
        engine.ws_port = p;
    }
    if let Some(p) = port(options, "wssPort")? {
        engine.wss_port = p;
    }
    engine.ws_path = text(options, "wsPath")?.unwrap_or_default();
    engine.force_tls = boolean(options, "forceTLS")?;
    if let Some(list) = get(options, "enabledTransports") {
        let ok = js_sys::Array::is_array(&list) && js_sys::Array::from(&list).iter().any(|t| matches!(t.as_string().as_deref(), Some("ws") | Some("wss")));
        if !ok {
            return Err((code::CONFIG, "`enabledTransports` must include 'ws' or 'wss': echo-wasm connects over WebSocket only.".into()));
        }
    }
    if let Some(ms) = number(options, "activityTimeout")? {
        engine.activity_timeout_ms = ms as u64;
    }
    if let Some(ms) = number(options, "pongTimeout")? {
        engine.pong_timeout_ms = ms as u64;
    }
    if let Some(ms) = number(options, "unavailableTimeout")? {
        engine.unavailable_timeout_ms = ms as u64;
    }
    if let Some(ms) = number(options, "authTimeout")? {
        engine.auth_timeout_ms = ms as u64;
    }
    if let Some(reconnect) = get(options, "reconnect") {
        if let Some(ms) = number(&reconnect, "firstMs")? {
            engine.reconnect.first_ms = ms as u64;
        }
        if let Some(ms) = number(&reconnect, "baseMs")? {
            engine.reconnect.base_ms = ms as u64;
        }
        if let Some(ms) = number(&reconnect, "maxMs")? {
            engine.reconnect.max_ms = ms as u64;
        }
        if engine.reconnect.max_ms < engine.reconnect.base_ms {
            return Err((code::CONFIG, "`reconnect.maxMs` must be at least `reconnect.baseMs`.".into()));
        }
    }
    if let Some(n) = number(options, "maxChannelNameLength")? {
        engine.max_channel_name_len = n as usize;
    }
    engine.validate().map_err(config_error)?;

    let auth_option = get(options, "auth");
    let user_option = get(options, "userAuthentication");
    let auth = AuthConfig {
        endpoint: text(options, "authEndpoint")?.unwrap_or_else(|| "/broadcasting/auth".into()),
        params: string_map(auth_option.as_ref().and_then(|a| get(a, "params")), "auth.params")?,
        headers: string_map(auth_option.as_ref().and_then(|a| get(a, "headers")), "auth.headers")?,
        user_endpoint: user_option.as_ref().map(|u| text(u, "endpoint")).transpose()?.flatten().unwrap_or_else(|| "/broadcasting/user-auth".into()),
        user_headers: string_map(user_option.as_ref().and_then(|u| get(u, "headers")), "userAuthentication.headers")?,
        csrf_token: text(options, "csrfToken")?,
        bearer_token: text(options, "bearerToken")?,
        headers_provider: function(options, "headersProvider")?,
        authorizer: function(options, "authorizer")?,
        options_object: options.clone(),
        timeout_ms: engine.auth_timeout_ms.min(u32::MAX as u64) as u32,
    };
    let namespace = match get(options, "namespace") {
        None => Some("App.Events".to_owned()),
        Some(v) if v.as_bool() == Some(false) => None,
        Some(v) => match v.as_string() {
            Some(s) if s.is_empty() => None,
            Some(s) => Some(s),
            None => return Err((code::CONFIG, "`namespace` must be a string or false.".into())),
        },
    };
    let desktop = match get(options, "desktopNotifications") {
        None => DesktopConfig::default(),
        Some(v) if v.as_bool().is_some() => DesktopConfig { enabled: v.as_bool() == Some(true), only_when_hidden: true, ..Default::default() },
        Some(v) if v.is_object() => DesktopConfig {
            enabled: boolean(&v, "enabled")?.unwrap_or(true),
            only_when_hidden: match text(&v, "when")?.as_deref() {
                None | Some("hidden") => true,
                Some("always") => false,
                Some(other) => return Err((code::CONFIG, format!("`desktopNotifications.when` must be 'hidden' or 'always' (got '{other}')."))),
            },
            map: function(&v, "map")?,
            on_click: function(&v, "onClick")?,
        },
        Some(_) => return Err((code::CONFIG, "`desktopNotifications` must be an object or a boolean.".into())),
    };
    Ok(EchoConfig {
        engine,
        desktop,
        auth,
        namespace,
        without_interceptors: boolean(options, "withoutInterceptors")?.unwrap_or(false),
        debug: boolean(options, "debug")?.unwrap_or(false),
    })
}
