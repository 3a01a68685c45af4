//! The listener registry: who is listening to what, typed by [`Place`].
//!
//! Generic over the listener type `L` (a `js_sys::Function` in the browser, a closure or a
//! tag in native tests). Three tables:
//! - per channel: its events, its lifecycle callbacks ([`Lifecycle`]: `subscribed`, `error`,
//!   `here`, `joining`, `leaving`, `resumed`) and its listen-to-all listeners;
//! - the connection-level listeners, one list per [`ConnectionEvent`];
//! - the server-to-user events (`listenToUser`).
//!
//! Lookup of a channel event goes channel -> event -> listeners: a hash map of channels, then
//! per channel a short vector of events (a map once a channel has more than eight), so the
//! cost of dispatching one frame does not grow with the number of channels or of listeners
//! on other events. Each [`Listener`] carries its own `desktop` flag (`listen(event, cb,
//! {desktop: true})`), so dispatch learns it from the listeners it collected anyway. Every
//! registration returns a [`ListenerId`]; the Echo-style removals (`stopListening(event,
//! cb?)`, `stopListeningToAll(cb?)`, `off(kind, cb?)`) take a predicate that recognises the
//! listener.

use crate::fast_map::FastMap;

/// The handle of one registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ListenerId(pub u64);

/// One registration: its id, the listener, and whether it also wants desktop notifications.
#[derive(Clone, Debug, PartialEq)]
pub struct Listener<L> {
    /// What undoes it.
    pub id: ListenerId,
    /// The listener itself.
    pub f: L,
    /// Registered with `{desktop: true}`: the event also raises a desktop notification.
    pub desktop: bool,
}

/// A channel's lifecycle callbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    /// `channel.subscribed(cb)`.
    Subscribed,
    /// `channel.error(cb)`.
    Error,
    /// `presence.here(cb)`.
    Here,
    /// `presence.joining(cb)`.
    Joining,
    /// `presence.leaving(cb)`.
    Leaving,
    /// `channel.resumed(cb)`.
    Resumed,
}

impl Lifecycle {
    /// Every kind, in table order.
    pub const ALL: [Lifecycle; 6] = [Lifecycle::Subscribed, Lifecycle::Error, Lifecycle::Here, Lifecycle::Joining, Lifecycle::Leaving, Lifecycle::Resumed];

    /// The JS method's name (`'here'`), as `off(kind)` takes it and messages show it.
    pub fn name(self) -> &'static str {
        match self {
            Lifecycle::Subscribed => "subscribed",
            Lifecycle::Error => "error",
            Lifecycle::Here => "here",
            Lifecycle::Joining => "joining",
            Lifecycle::Leaving => "leaving",
            Lifecycle::Resumed => "resumed",
        }
    }

    /// The kind named `name` (`off('here')`).
    pub fn from_name(name: &str) -> Option<Lifecycle> {
        Lifecycle::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// The connection-level events (`echo.connector.on*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionEvent {
    /// Echo's connection status changed (`onConnectionChange`).
    Status,
    /// A pusher-js style `{previous, current}` state change (`onStateChange`).
    StateChange,
    /// A connection-level error (`onError`).
    Error,
    /// `pusher:signin_success` (`onSignin`).
    SignedIn,
    /// A watchlist event (`onWatchlist`).
    Watchlist,
}

impl ConnectionEvent {
    /// The name messages show (`state_change`).
    pub fn name(self) -> &'static str {
        match self {
            ConnectionEvent::Status => "status",
            ConnectionEvent::StateChange => "state_change",
            ConnectionEvent::Error => "error",
            ConnectionEvent::SignedIn => "signin",
            ConnectionEvent::Watchlist => "watchlist",
        }
    }
}

/// What a channel listener listens to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic<'a> {
    /// An event, by its full name (`App\\Events\\OrderShipped`, `client-typing`).
    Event(&'a str),
    /// A lifecycle callback.
    Lifecycle(Lifecycle),
}

/// Where listeners are registered: what an addition, a lookup or a removal names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place<'a> {
    /// A topic of one channel.
    Channel(&'a str, Topic<'a>),
    /// The listen-to-all listeners of `channel`; `event` is the one being dispatched, for
    /// messages only (these listeners get every event): the registry ignores it, and adding
    /// or removing passes `""`.
    All {
        /// The channel.
        channel: &'a str,
        /// The event being dispatched (ignored by the registry).
        event: &'a str,
    },
    /// A connection-level event.
    Connection(ConnectionEvent),
    /// A server-to-user event.
    User(&'a str),
}

impl Place<'_> {
    /// `(callback, owner)` as messages name them: `("subscribed", "private-orders")`,
    /// `("status", "connection")`, `("OrderShipped", "user")`.
    pub fn describe(&self) -> (&str, &str) {
        match *self {
            Place::Channel(channel, Topic::Event(event)) => (event, channel),
            Place::Channel(channel, Topic::Lifecycle(kind)) => (kind.name(), channel),
            Place::All { channel, event } => (event, channel),
            Place::Connection(event) => (event.name(), "connection"),
            Place::User(event) => (event, "user"),
        }
    }
}

/// The tables whose listeners can be removed by id alone (what an undo function names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// The connection-level listeners.
    Connection,
    /// The server-to-user event listeners.
    User,
}

impl Table {
    /// A small number for the table (what an undo function carries).
    pub fn index(self) -> u32 {
        self as u32
    }

    /// The table numbered `index`.
    pub fn from_index(index: u32) -> Option<Table> {
        [Table::Connection, Table::User].into_iter().find(|t| t.index() == index)
    }
}

type List<L> = Vec<Listener<L>>;

/// How many events a table keeps in a plain vector before switching to a sorted map.
const FEW_EVENTS: usize = 8;

/// Listeners per event name: a short vector while there are few events (the usual case, and
/// found by a linear scan), a key-sorted map beyond that (binary search), so a lookup never
/// costs more than a few comparisons per doubling of the number of events.
enum EventTable<L> {
    Few(Vec<(String, List<L>)>),
    Many(FastMap<String, List<L>>),
}

impl<L> Default for EventTable<L> {
    fn default() -> Self {
        EventTable::Few(Vec::new())
    }
}

impl<L> EventTable<L> {
    fn get(&self, event: &str) -> Option<&List<L>> {
        match self {
            EventTable::Few(v) => v.iter().find(|(e, _)| e == event).map(|(_, l)| l),
            EventTable::Many(m) => m.get(event),
        }
    }

    fn list_for(&mut self, event: &str) -> &mut List<L> {
        if let EventTable::Few(v) = self {
            if v.len() >= FEW_EVENTS && !v.iter().any(|(e, _)| e == event) {
                *self = EventTable::Many(std::mem::take(v).into_iter().collect());
            }
        }
        match self {
            EventTable::Few(v) => {
                let at = match v.iter().position(|(e, _)| e == event) {
                    Some(at) => at,
                    None => {
                        v.push((event.to_owned(), Vec::with_capacity(1)));
                        v.len() - 1
                    }
                };
                &mut v[at].1
            }
            EventTable::Many(m) => m.get_or_insert_with(event.to_owned(), || Vec::with_capacity(1)),
        }
    }

    /// Removes the listeners of `event` that `matches` accepts; drops the emptied list.
    fn remove_matching(&mut self, event: &str, matches: impl Fn(&L) -> bool) -> usize {
        match self {
            EventTable::Few(v) => {
                let Some(at) = v.iter().position(|(e, _)| e == event) else { return 0 };
                let removed = retain_unmatched(&mut v[at].1, matches);
                if v[at].1.is_empty() {
                    v.remove(at);
                }
                removed
            }
            EventTable::Many(m) => {
                let Some(list) = m.get_mut(event) else { return 0 };
                let removed = retain_unmatched(list, matches);
                if list.is_empty() {
                    m.remove(event);
                }
                removed
            }
        }
    }

    /// Removes registration `id` wherever it is; drops the emptied list.
    fn remove_id(&mut self, id: ListenerId) -> bool {
        let emptied = match self {
            EventTable::Few(v) => v.iter_mut().find_map(|(e, l)| remove_id(l, id).then(|| (e.clone(), l.is_empty()))),
            EventTable::Many(m) => m.iter_mut().find_map(|(e, l)| remove_id(l, id).then(|| (e.clone(), l.is_empty()))),
        };
        let Some((event, empty)) = emptied else { return false };
        if empty {
            match self {
                EventTable::Few(v) => v.retain(|(e, _)| *e != event),
                EventTable::Many(m) => {
                    m.remove(&event);
                }
            }
        }
        true
    }

    fn is_empty(&self) -> bool {
        match self {
            EventTable::Few(v) => v.is_empty(),
            EventTable::Many(m) => m.is_empty(),
        }
    }

    fn total(&self) -> usize {
        match self {
            EventTable::Few(v) => v.iter().map(|(_, l)| l.len()).sum(),
            EventTable::Many(m) => m.values().map(Vec::len).sum(),
        }
    }
}

fn retain_unmatched<L>(list: &mut List<L>, matches: impl Fn(&L) -> bool) -> usize {
    let before = list.len();
    list.retain(|l| !matches(&l.f));
    before - list.len()
}

fn remove_id<L>(list: &mut List<L>, id: ListenerId) -> bool {
    let Some(at) = list.iter().position(|l| l.id == id) else { return false };
    list.remove(at);
    true
}

fn lifecycle_index(kind: Lifecycle) -> usize {
    kind as usize
}

struct ChannelListeners<L> {
    events: EventTable<L>,
    lifecycle: [List<L>; 6],
    all: List<L>,
}

impl<L> Default for ChannelListeners<L> {
    fn default() -> Self {
        ChannelListeners { events: EventTable::default(), lifecycle: Default::default(), all: Vec::new() }
    }
}

impl<L> ChannelListeners<L> {
    fn is_empty(&self) -> bool {
        self.events.is_empty() && self.all.is_empty() && self.lifecycle.iter().all(Vec::is_empty)
    }

    fn total(&self) -> usize {
        self.events.total() + self.all.len() + self.lifecycle.iter().map(Vec::len).sum::<usize>()
    }
}

/// Every listener of one client: per channel, per connection event, per user event.
pub struct Registry<L> {
    /// Boxed per channel so the map's buckets stay small while it grows.
    channels: FastMap<String, Box<ChannelListeners<L>>>,
    connection: [List<L>; 5],
    user: EventTable<L>,
    count: usize,
    next_id: u64,
    /// Bumped by every removal, so dispatch can tell cheaply whether a listener it collected
    /// may have been removed meanwhile.
    removals: u64,
}

impl<L> Default for Registry<L> {
    fn default() -> Self {
        Registry { channels: FastMap::default(), connection: Default::default(), user: EventTable::default(), count: 0, next_id: 1, removals: 0 }
    }
}

impl<L: Clone> Registry<L> {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The list of `place`, if there is one (a lookup: creates nothing).
    fn list(&self, place: Place) -> Option<&List<L>> {
        match place {
            Place::Channel(channel, topic) => {
                let entry = self.channels.get(channel)?;
                match topic {
                    Topic::Event(event) => entry.events.get(event),
                    Topic::Lifecycle(kind) => Some(&entry.lifecycle[lifecycle_index(kind)]),
                }
            }
            Place::All { channel, .. } => self.channels.get(channel).map(|entry| &entry.all),
            Place::Connection(event) => Some(&self.connection[event as usize]),
            Place::User(event) => self.user.get(event),
        }
    }

    /// Registers `f` at `place`; `desktop` marks a channel event listener for desktop
    /// notifications (it means nothing elsewhere).
    pub fn add(&mut self, place: Place, f: L, desktop: bool) -> ListenerId {
        let id = ListenerId(self.next_id);
        self.next_id += 1;
        self.count += 1;
        let listener = Listener { id, f, desktop };
        let list = match place {
            Place::Channel(channel, topic) => {
                let entry = self.channels.get_or_insert_with(channel.to_owned(), Default::default);
                match topic {
                    Topic::Event(event) => entry.events.list_for(event),
                    Topic::Lifecycle(kind) => &mut entry.lifecycle[lifecycle_index(kind)],
                }
            }
            Place::All { channel, .. } => &mut self.channels.get_or_insert_with(channel.to_owned(), Default::default).all,
            Place::Connection(event) => &mut self.connection[event as usize],
            Place::User(event) => self.user.list_for(event),
        };
        list.push(listener);
        id
    }

    /// Removes registration `id` from `table`. Returns false when it was already gone.
    pub fn remove_from(&mut self, table: Table, id: ListenerId) -> bool {
        let found = match table {
            Table::Connection => self.connection.iter_mut().any(|list| remove_id(list, id)),
            Table::User => self.user.remove_id(id),
        };
        if found {
            self.count -= 1;
            self.removals += 1;
        }
        found
    }

    /// Removes the listeners at `place` that `matches` accepts (all of them with `|_| true`).
    /// Returns how many were removed.
    pub fn remove_matching(&mut self, place: Place, matches: impl Fn(&L) -> bool) -> usize {
        let removed = match place {
            Place::Channel(channel, topic) => {
                let Some(entry) = self.channels.get_mut(channel) else { return 0 };
                let removed = match topic {
                    Topic::Event(event) => entry.events.remove_matching(event, matches),
                    Topic::Lifecycle(kind) => retain_unmatched(&mut entry.lifecycle[lifecycle_index(kind)], matches),
                };
                if entry.is_empty() {
                    self.channels.remove(channel);
                }
                removed
            }
            Place::All { channel, .. } => {
                let Some(entry) = self.channels.get_mut(channel) else { return 0 };
                let removed = retain_unmatched(&mut entry.all, matches);
                if entry.is_empty() {
                    self.channels.remove(channel);
                }
                removed
            }
            Place::Connection(event) => retain_unmatched(&mut self.connection[event as usize], matches),
            Place::User(event) => self.user.remove_matching(event, matches),
        };
        self.count -= removed;
        self.removals += removed as u64;
        removed
    }

    /// Removes every listener of `channel` (on leave).
    pub fn clear_channel(&mut self, channel: &str) -> usize {
        let Some(entry) = self.channels.remove(channel) else { return 0 };
        let removed = entry.total();
        self.count -= removed;
        self.removals += removed as u64;
        removed
    }

    /// Copies the listeners at `place` into `out`, so that dispatch can call them while they
    /// change the registry.
    pub fn collect(&self, place: Place, out: &mut Vec<Listener<L>>) {
        if let Some(list) = self.list(place) {
            out.extend(list.iter().cloned());
        }
    }

    /// True when `event` on `channel` has a listener marked for desktop notifications.
    pub fn has_desktop(&self, channel: &str, event: &str) -> bool {
        self.list(Place::Channel(channel, Topic::Event(event))).is_some_and(|list| list.iter().any(|l| l.desktop))
    }

    /// True when anything listens at `place`.
    pub fn has(&self, place: Place) -> bool {
        self.list(place).is_some_and(|list| !list.is_empty())
    }

    /// A counter that changes with every removal.
    pub fn removals(&self) -> u64 {
        self.removals
    }

    /// A counter that changes with every addition and every removal.
    pub fn changes(&self) -> u64 {
        self.next_id + self.removals
    }

    /// Whether registration `id` is still at `place`.
    pub fn contains(&self, place: Place, id: ListenerId) -> bool {
        self.list(place).is_some_and(|list| list.iter().any(|l| l.id == id))
    }

    /// Total number of registrations (for diagnostics and leak checks).
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev<'a>(channel: &'a str, event: &'a str) -> Place<'a> {
        Place::Channel(channel, Topic::Event(event))
    }

    fn all(channel: &str) -> Place<'_> {
        Place::All { channel, event: "any" }
    }

    fn got<L: Clone>(r: &Registry<L>, place: Place) -> Vec<L> {
        let mut v = Vec::new();
        r.collect(place, &mut v);
        v.into_iter().map(|l| l.f).collect()
    }

    #[test]
    fn listen_stop_one_stop_event_and_all() {
        let mut r = Registry::new();
        let a = r.add(ev("ch", "e"), "a", false);
        r.add(ev("ch", "e"), "b", false);
        r.add(ev("ch", "f"), "c", false);
        r.add(ev("other", "e"), "d", false);
        let star = r.add(all("ch"), "star", false);
        assert_eq!(got(&r, ev("ch", "e")), vec!["a", "b"]);
        assert_eq!(got(&r, all("ch")), vec!["star"]);
        assert!(got(&r, ev("ch", "zzz")).is_empty());
        assert!(r.contains(ev("ch", "e"), a) && !r.contains(ev("ch", "f"), a) && !r.contains(all("ch"), a));
        assert!(r.contains(all("ch"), star) && !r.contains(all("other"), star));
        assert_eq!(r.remove_matching(ev("ch", "e"), |l| *l == "b"), 1);
        assert_eq!(got(&r, ev("ch", "e")), vec!["a"]);
        let before = r.removals();
        assert_eq!(r.remove_matching(ev("ch", "e"), |_| true), 1);
        assert!(!r.has(ev("ch", "e")) && !r.contains(ev("ch", "e"), a));
        assert_eq!(r.removals(), before + 1, "removals are counted");
        assert_eq!(r.remove_matching(all("ch"), |l| *l == "star"), 1);
        assert_eq!(got(&r, ev("ch", "f")), vec!["c"]);
        assert_eq!(got(&r, ev("other", "e")), vec!["d"]);
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn lifecycle_callbacks_are_their_own_topics_never_an_event_of_that_name() {
        let mut r = Registry::new();
        let sub = Place::Channel("ch", Topic::Lifecycle(Lifecycle::Subscribed));
        let here = Place::Channel("ch", Topic::Lifecycle(Lifecycle::Here));
        r.add(sub, 1, false);
        r.add(here, 2, false);
        r.add(ev("ch", "subscribed"), 3, false);
        r.add(ev("ch", "here"), 4, false);
        assert_eq!(got(&r, sub), vec![1]);
        assert_eq!(got(&r, here), vec![2]);
        assert_eq!(got(&r, ev("ch", "here")), vec![4]);
        assert_eq!(r.remove_matching(here, |_| true), 1);
        assert_eq!(got(&r, ev("ch", "here")), vec![4], "off('here') leaves an event named here alone");
        assert!(got(&r, Place::Channel("ch", Topic::Lifecycle(Lifecycle::Leaving))).is_empty());
        assert_eq!(r.clear_channel("ch"), 3, "leaving counts lifecycle callbacks too");
        assert!(r.is_empty());
        for kind in Lifecycle::ALL {
            assert_eq!(Lifecycle::from_name(kind.name()), Some(kind));
        }
        assert_eq!(Lifecycle::from_name("status"), None);
    }

    #[test]
    fn connection_and_user_tables_are_apart_from_channels_and_undo_by_id() {
        let mut r = Registry::new();
        let status = r.add(Place::Connection(ConnectionEvent::Status), "s", false);
        let error = r.add(Place::Connection(ConnectionEvent::Error), "e", false);
        let user = r.add(Place::User("status"), "u", false);
        // A channel literally named "connection" or "user" shares nothing with them.
        r.add(ev("connection", "status"), "c", false);
        r.add(ev("user", "status"), "c2", false);
        assert_eq!(got(&r, Place::Connection(ConnectionEvent::Status)), vec!["s"]);
        assert_eq!(got(&r, Place::User("status")), vec!["u"]);
        assert!(got(&r, Place::Connection(ConnectionEvent::Watchlist)).is_empty());
        assert!(!r.remove_from(Table::User, status), "ids are per table");
        assert!(r.remove_from(Table::Connection, status));
        assert!(!r.remove_from(Table::Connection, status), "second removal is a no-op");
        assert!(r.contains(Place::Connection(ConnectionEvent::Error), error));
        assert!(r.remove_from(Table::User, user));
        assert!(!r.has(Place::User("status")));
        assert_eq!(got(&r, ev("connection", "status")), vec!["c"]);
        assert_eq!(r.len(), 3);
        for table in [Table::Connection, Table::User] {
            assert_eq!(Table::from_index(table.index()), Some(table));
        }
        assert_eq!(Table::from_index(7), None);
    }

    #[test]
    fn the_desktop_flag_travels_with_the_listener() {
        let mut r = Registry::new();
        r.add(ev("ch", "e"), "plain", false);
        assert!(!r.has_desktop("ch", "e"));
        let changes = r.changes();
        r.add(ev("ch", "e"), "desk", true);
        assert!(r.changes() != changes, "additions are counted");
        let mut v = Vec::new();
        r.collect(ev("ch", "e"), &mut v);
        assert_eq!(v.iter().map(|l| (l.f, l.desktop)).collect::<Vec<_>>(), vec![("plain", false), ("desk", true)]);
        assert!(r.has_desktop("ch", "e") && !r.has_desktop("ch", "f") && !r.has_desktop("other", "e"));
        assert_eq!(r.remove_matching(ev("ch", "e"), |l| *l == "desk"), 1, "stopListening(event, cb) removes the mark with it");
        assert!(!r.has_desktop("ch", "e"));
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn describe_names_callback_and_owner_readably() {
        assert_eq!(ev("ch", "App\\Ev").describe(), ("App\\Ev", "ch"));
        assert_eq!(Place::Channel("presence-x", Topic::Lifecycle(Lifecycle::Joining)).describe(), ("joining", "presence-x"));
        assert_eq!(Place::All { channel: "ch", event: ".e" }.describe(), (".e", "ch"));
        assert_eq!(Place::Connection(ConnectionEvent::StateChange).describe(), ("state_change", "connection"));
        assert_eq!(Place::User("Hi").describe(), ("Hi", "user"));
    }

    #[test]
    fn many_events_on_one_channel_switch_to_a_map_and_keep_working() {
        let mut r = Registry::new();
        let names: Vec<String> = (0..20).map(|i| format!("e{i}")).collect();
        for (i, name) in names.iter().enumerate() {
            r.add(ev("ch", name), i, false);
            r.add(Place::User(name), i, false);
        }
        for (i, name) in names.iter().enumerate() {
            assert_eq!(got(&r, ev("ch", name)), vec![i]);
            assert_eq!(got(&r, Place::User(name)), vec![i]);
        }
        assert_eq!(r.remove_matching(ev("ch", "e7"), |_| true), 1);
        assert!(got(&r, ev("ch", "e7")).is_empty());
        assert_eq!(r.remove_matching(Place::User("e3"), |_| true), 1);
        let mut v = Vec::new();
        r.collect(Place::User("e4"), &mut v);
        assert!(r.remove_from(Table::User, v[0].id));
        assert!(!r.has(Place::User("e4")));
        assert_eq!(r.len(), 37);
        assert_eq!(r.clear_channel("ch"), 19);
        assert_eq!(r.len(), 18);
    }

    #[test]
    fn clear_channel_forgets_ids() {
        let mut r = Registry::new();
        let a = r.add(ev("ch", "e"), 1, false);
        r.add(all("ch"), 2, false);
        r.add(all("ch"), 3, false);
        assert_eq!(r.remove_matching(all("ch"), |l| *l == 2), 1);
        assert_eq!(r.clear_channel("ch"), 2);
        assert!(!r.contains(ev("ch", "e"), a));
        assert!(r.is_empty());
        // re-adding after a clear yields exactly one delivery, no duplicates
        r.add(ev("ch", "e"), 9, false);
        assert_eq!(got(&r, ev("ch", "e")), vec![9]);
    }
}
