//! Echo's event-name formatting: what `listen('OrderShipped')` actually binds to.
//!
//! A name starting with `.` or `\` is taken verbatim (without that character). Otherwise the
//! namespace (default `App.Events`) is prepended with a `.`, and every `.` becomes `\`:
//! `OrderShipped` -> `App\Events\OrderShipped`, `.inventory.update` -> `inventory.update`.

/// Formats `event` the way laravel-echo's `EventFormatter` does.
pub fn format_event_name(namespace: Option<&str>, event: &str) -> String {
    if let Some(rest) = event.strip_prefix('.').or_else(|| event.strip_prefix('\\')) {
        return rest.to_owned();
    }
    let full = match namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}.{event}"),
        _ => event.to_owned(),
    };
    full.replace('.', "\\")
}

/// The event Laravel broadcasts for database/broadcast notifications.
pub const NOTIFICATION_EVENT: &str = "Illuminate\\Notifications\\Events\\BroadcastNotificationCreated";

#[cfg(test)]
mod tests {
    use super::format_event_name as f;

    #[test]
    fn echo_formatter_rules() {
        assert_eq!(f(Some("App.Events"), "OrderShipped"), "App\\Events\\OrderShipped");
        assert_eq!(f(Some("App.Events"), ".inventory.update"), "inventory.update");
        assert_eq!(f(Some("App.Events"), "\\Foo\\Bar"), "Foo\\Bar");
        assert_eq!(f(Some("App.Events"), "Orders.Shipped"), "App\\Events\\Orders\\Shipped");
        assert_eq!(f(None, "stock.low"), "stock\\low");
        assert_eq!(f(Some(""), "OrderShipped"), "OrderShipped");
        assert_eq!(f(None, "."), "");
    }
}
