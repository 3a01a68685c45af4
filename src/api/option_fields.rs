//! One option field at a time: turning a lenient field of `new Echo(options)` into its
//! value, or into a `config` refusal whose message names the option's path and what to pass.

use js_sys::Function;
use wasm_bindgen::JsValue;

use crate::error::{code, ConfigError};
use crate::web::lenient::{Entries, Lenient, Number, Scalar, Section};
use crate::web::payload::js_string;

/// A configuration problem, as `(code, message)` for the thrown error.
pub type OptionError = (&'static str, String);

/// A `config` refusal.
pub(super) fn refuse(message: String) -> OptionError {
    (code::CONFIG, message)
}

pub(super) fn text(field: Lenient<String>, path: &str) -> Result<Option<String>, OptionError> {
    field.or_refuse(|_| refuse(format!("Option `{path}` must be a string.")))
}

pub(super) fn flag(field: Lenient<bool>, path: &str) -> Result<Option<bool>, OptionError> {
    field.or_refuse(|_| refuse(format!("Option `{path}` must be true or false.")))
}

pub(super) fn function(field: Lenient<Function>, path: &str) -> Result<Option<Function>, OptionError> {
    field.or_refuse(|_| refuse(format!("Option `{path}` must be a function.")))
}

pub(super) fn number(field: Lenient<Number>, path: &str) -> Result<Option<f64>, OptionError> {
    let bad = |v: &JsValue| refuse(format!("Option `{path}` must be a non-negative number (got '{}').", js_string(v)));
    match field {
        Lenient::Valid(Number(n)) if !(n.is_finite() && n >= 0.0) => Err(bad(&n.into())),
        other => Ok(other.or_refuse(bad)?.map(|Number(n)| n)),
    }
}

pub(super) fn ms(field: Lenient<Number>, path: &str, into: &mut u64) -> Result<(), OptionError> {
    if let Some(ms) = number(field, path)? {
        *into = ms as u64;
    }
    Ok(())
}

pub(super) fn port(field: Lenient<Number>, path: &str, into: &mut u16) -> Result<(), OptionError> {
    match number(field, path)? {
        None => {}
        Some(p) if (1.0..=65535.0).contains(&p) && p.fract() == 0.0 => *into = p as u16,
        Some(p) => return Err(refuse(format!("Option `{path}` must be a port number between 1 and 65535 (got {}).", js_string(&p.into())))),
    }
    Ok(())
}

/// String entries of an object option (`auth.headers`, `auth.params`).
pub(super) fn string_map(field: Lenient<Entries<Scalar>>, path: &str) -> Result<Vec<(String, String)>, OptionError> {
    let Some(Entries(entries)) = field.or_refuse(|_| refuse(format!("Option `{path}` must be an object.")))? else { return Ok(Vec::new()) };
    entries
        .into_iter()
        .map(|(key, value)| match value {
            Lenient::Valid(Scalar(value)) => Ok((key, value)),
            _ => Err(refuse(format!("`{path}.{key}` must be a string."))),
        })
        .collect()
}

pub(super) fn section<T: Default>(field: Lenient<Section<T>>, path: &str) -> Result<T, OptionError> {
    Ok(field.or_refuse(|_| refuse(format!("Option `{path}` must be an object.")))?.map_or_else(T::default, |Section(t)| t))
}

pub(super) fn config_error(error: ConfigError) -> OptionError {
    use crate::error::Diagnostic;
    (error.code(), error.message())
}
