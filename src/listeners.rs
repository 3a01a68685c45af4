//! The listener registry: who is listening to which event on which channel.
//!
//! Generic over the listener type `L` (a `js_sys::Function` in the browser, a closure or a
//! tag in native tests). Lookup goes channel -> event -> listeners: a hash map of channels,
//! then per channel a short vector of events (a map once a channel has more than eight), so
//! the cost of dispatching one frame does not grow with the number of channels or of
//! listeners on other events. Every registration returns a [`ListenerId`] that undoes it;
//! the Echo-style removals (`stopListening(event, cb?)`, `stopListeningToAll(cb?)`) take a
//! predicate that recognises the listener.
//!
//! Besides event listeners a channel has listeners for everything (`listenToAll`), and the
//! facade keeps the channel's lifecycle callbacks (`subscribed`, `error`, `here`,
//! `joining`, `leaving`) under reserved event names, so one mechanism serves all of them.

use crate::fast_map::FastMap;

/// The handle of one registration; [`Registry::remove`] with its channel undoes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ListenerId(pub u64);

type List<L> = Vec<(ListenerId, L)>;

/// How many events a channel keeps in a plain vector before switching to a hash map.
const FEW_EVENTS: usize = 8;

/// One channel's listeners per event: a short vector while the channel has few events (the
/// usual case, and much smaller than a hash table), a hash map beyond that, so a lookup never
/// costs more than a few comparisons whatever the number of events.
enum EventTable<L> {
    Few(Vec<(String, List<L>)>),
    Many(FastMap<String, List<L>>),
}

impl<L> EventTable<L> {
    fn get(&self, event: &str) -> Option<&List<L>> {
        match self {
            EventTable::Few(v) => v.iter().find(|(e, _)| e == event).map(|(_, l)| l),
            EventTable::Many(m) => m.get(event),
        }
    }

    fn get_mut(&mut self, event: &str) -> Option<&mut List<L>> {
        match self {
            EventTable::Few(v) => v.iter_mut().find(|(e, _)| e == event).map(|(_, l)| l),
            EventTable::Many(m) => m.get_mut(event),
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
            EventTable::Many(m) => m.entry(event.to_owned()).or_insert_with(|| Vec::with_capacity(1)),
        }
    }

    /// Drops `event`'s list when it is empty.
    fn prune(&mut self, event: &str) {
        match self {
            EventTable::Few(v) => v.retain(|(e, l)| e != event || !l.is_empty()),
            EventTable::Many(m) => {
                if m.get(event).is_some_and(Vec::is_empty) {
                    m.remove(event);
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            EventTable::Few(v) => v.is_empty(),
            EventTable::Many(m) => m.is_empty(),
        }
    }

    fn lists_mut(&mut self) -> Box<dyn Iterator<Item = (&String, &mut List<L>)> + '_> {
        match self {
            EventTable::Few(v) => Box::new(v.iter_mut().map(|(e, l)| (&*e, l))),
            EventTable::Many(m) => Box::new(m.iter_mut()),
        }
    }

    fn total(&self) -> usize {
        match self {
            EventTable::Few(v) => v.iter().map(|(_, l)| l.len()).sum(),
            EventTable::Many(m) => m.values().map(Vec::len).sum(),
        }
    }
}

struct ChannelListeners<L> {
    events: EventTable<L>,
    all: List<L>,
}

impl<L> Default for ChannelListeners<L> {
    fn default() -> Self {
        ChannelListeners { events: EventTable::Few(Vec::new()), all: Vec::new() }
    }
}

impl<L> ChannelListeners<L> {
    fn is_empty(&self) -> bool {
        self.events.is_empty() && self.all.is_empty()
    }
}

/// Listeners per channel and event.
pub struct Registry<L> {
    /// Boxed per channel so the map's buckets stay small while it grows.
    channels: FastMap<String, Box<ChannelListeners<L>>>,
    count: usize,
    next_id: u64,
    /// Bumped by every removal, so dispatch can tell cheaply whether a listener it collected
    /// may have been removed meanwhile.
    removals: u64,
}

impl<L> Default for Registry<L> {
    fn default() -> Self {
        Registry { channels: FastMap::default(), count: 0, next_id: 1, removals: 0 }
    }
}

impl<L: Clone> Registry<L> {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn issue_id(&mut self) -> ListenerId {
        let id = ListenerId(self.next_id);
        self.next_id += 1;
        self.count += 1;
        id
    }

    /// Registers `listener` for `event` on `channel`.
    pub fn add(&mut self, channel: &str, event: &str, listener: L) -> ListenerId {
        let id = self.issue_id();
        let entry = self.channels.entry(channel.to_owned()).or_default();
        entry.events.list_for(event).push((id, listener));
        id
    }

    /// Registers `listener` for every event on `channel`.
    pub fn add_all(&mut self, channel: &str, listener: L) -> ListenerId {
        let id = self.issue_id();
        self.channels.entry(channel.to_owned()).or_default().all.push((id, listener));
        id
    }

    /// Removes one registration of `channel`. Returns false when it was already gone.
    pub fn remove(&mut self, channel: &str, id: ListenerId) -> bool {
        let Some(entry) = self.channels.get_mut(channel) else { return false };
        let mut found = false;
        if let Some(at) = entry.all.iter().position(|(i, _)| *i == id) {
            entry.all.remove(at);
            found = true;
        } else {
            let mut emptied = None;
            for (event, list) in entry.events.lists_mut() {
                if let Some(at) = list.iter().position(|(i, _)| *i == id) {
                    list.remove(at);
                    found = true;
                    if list.is_empty() {
                        emptied = Some(event.clone());
                    }
                    break;
                }
            }
            if let Some(event) = emptied {
                entry.events.prune(&event);
            }
        }
        if entry.is_empty() {
            self.channels.remove(channel);
        }
        if found {
            self.count -= 1;
            self.removals += 1;
        }
        found
    }

    /// Removes the listeners of `event` on `channel` that `matches` accepts (all of them
    /// with `|_| true`). Returns how many were removed.
    pub fn remove_event(&mut self, channel: &str, event: &str, matches: impl Fn(&L) -> bool) -> usize {
        let Some(entry) = self.channels.get_mut(channel) else { return 0 };
        let Some(list) = entry.events.get_mut(event) else { return 0 };
        let before = list.len();
        list.retain(|(_, l)| !matches(l));
        let removed = before - list.len();
        entry.events.prune(event);
        if entry.is_empty() {
            self.channels.remove(channel);
        }
        self.count -= removed;
        self.removals += removed as u64;
        removed
    }

    /// Removes the listen-to-all listeners of `channel` that `matches` accepts.
    pub fn remove_all_listeners(&mut self, channel: &str, matches: impl Fn(&L) -> bool) -> usize {
        let Some(entry) = self.channels.get_mut(channel) else { return 0 };
        let before = entry.all.len();
        entry.all.retain(|(_, l)| !matches(l));
        let removed = before - entry.all.len();
        if entry.is_empty() {
            self.channels.remove(channel);
        }
        self.count -= removed;
        self.removals += removed as u64;
        removed
    }

    /// Removes every listener of `channel` (on leave).
    pub fn clear_channel(&mut self, channel: &str) -> usize {
        let Some(entry) = self.channels.remove(channel) else { return 0 };
        let removed = entry.all.len() + entry.events.total();
        self.count -= removed;
        self.removals += removed as u64;
        removed
    }

    /// True when anything listens to `event` on `channel` (specifically or to all).
    pub fn has_listeners(&self, channel: &str, event: &str) -> bool {
        self.channels.get(channel).is_some_and(|c| !c.all.is_empty() || c.events.get(event).is_some())
    }

    /// True when `event` on `channel` has listeners of its own (listen-to-all ones aside).
    pub fn has_event_listeners(&self, channel: &str, event: &str) -> bool {
        self.channels.get(channel).is_some_and(|c| c.events.get(event).is_some())
    }

    /// Copies the listeners for `event` on `channel` into `out` (specific ones first, then
    /// listen-to-all ones), so that dispatch can call them while they change the registry.
    pub fn collect(&self, channel: &str, event: &str, out: &mut Vec<L>) {
        if let Some(entry) = self.channels.get(channel) {
            if let Some(list) = entry.events.get(event) {
                out.extend(list.iter().map(|(_, l)| l.clone()));
            }
        }
    }

    /// Copies the listen-to-all listeners of `channel` into `out`.
    pub fn collect_all(&self, channel: &str, out: &mut Vec<L>) {
        if let Some(entry) = self.channels.get(channel) {
            out.extend(entry.all.iter().map(|(_, l)| l.clone()));
        }
    }

    /// Like [`Registry::collect`], with each listener's id.
    pub fn collect_with_ids(&self, channel: &str, event: &str, out: &mut Vec<(ListenerId, L)>) {
        if let Some(list) = self.channels.get(channel).and_then(|entry| entry.events.get(event)) {
            out.extend(list.iter().cloned());
        }
    }

    /// Like [`Registry::collect_all`], with each listener's id.
    pub fn collect_all_with_ids(&self, channel: &str, out: &mut Vec<(ListenerId, L)>) {
        if let Some(entry) = self.channels.get(channel) {
            out.extend(entry.all.iter().cloned());
        }
    }

    /// A counter that changes with every removal.
    pub fn removals(&self) -> u64 {
        self.removals
    }

    /// Whether registration `id` is still there: for `event` on `channel`, or among the
    /// listen-to-all listeners when `event` is `None`.
    pub fn contains(&self, channel: &str, event: Option<&str>, id: ListenerId) -> bool {
        let Some(entry) = self.channels.get(channel) else { return false };
        let list = match event {
            Some(event) => entry.events.get(event),
            None => Some(&entry.all),
        };
        list.is_some_and(|list| list.iter().any(|(i, _)| *i == id))
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

    fn got(r: &Registry<&'static str>, c: &str, e: &str) -> Vec<&'static str> {
        let mut v = Vec::new();
        r.collect(c, e, &mut v);
        r.collect_all(c, &mut v);
        v
    }

    #[test]
    fn listen_stop_one_stop_event_and_all() {
        let mut r = Registry::new();
        let a = r.add("ch", "e", "a");
        r.add("ch", "e", "b");
        r.add("ch", "f", "c");
        r.add("other", "e", "d");
        let all = r.add_all("ch", "star");
        assert_eq!(got(&r, "ch", "e"), vec!["a", "b", "star"]);
        assert_eq!(got(&r, "ch", "zzz"), vec!["star"]);
        assert!(r.remove("ch", a));
        assert!(!r.remove("ch", a), "second removal is a no-op");
        assert_eq!(got(&r, "ch", "e"), vec!["b", "star"]);
        assert_eq!(r.remove_event("ch", "e", |l| *l == "b"), 1);
        assert_eq!(got(&r, "ch", "e"), vec!["star"]);
        assert!(!r.remove("other", all), "ids are per channel");
        assert!(r.remove("ch", all));
        assert_eq!(got(&r, "ch", "f"), vec!["c"]);
        let before = r.removals();
        let c = {
            let mut v = Vec::new();
            r.collect_with_ids("ch", "f", &mut v);
            v[0].0
        };
        assert!(r.contains("ch", Some("f"), c) && !r.contains("ch", None, c));
        assert_eq!(r.remove_event("ch", "f", |_| true), 1);
        assert!(!r.has_listeners("ch", "f"));
        assert!(!r.contains("ch", Some("f"), c) && r.removals() == before + 1, "removals are counted");
        assert_eq!(got(&r, "other", "e"), vec!["d"]);
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn many_events_on_one_channel_switch_to_a_map_and_keep_working() {
        let mut r = Registry::new();
        let ids: Vec<ListenerId> = (0..20).map(|i| r.add("ch", &format!("e{i}"), i)).collect();
        for i in 0..20 {
            assert_eq!(got_n(&r, "ch", &format!("e{i}")), vec![i]);
        }
        assert!(r.remove("ch", ids[7]));
        assert!(got_n(&r, "ch", "e7").is_empty());
        assert_eq!(r.remove_event("ch", "e3", |_| true), 1);
        assert_eq!(r.len(), 18);
        assert_eq!(r.clear_channel("ch"), 18);
        assert!(r.is_empty());
    }

    fn got_n(r: &Registry<i32>, c: &str, e: &str) -> Vec<i32> {
        let mut v = Vec::new();
        r.collect(c, e, &mut v);
        v
    }

    #[test]
    fn clear_channel_forgets_ids() {
        let mut r = Registry::new();
        let a = r.add("ch", "e", 1);
        r.add_all("ch", 2);
        r.add_all("ch", 3);
        assert_eq!(r.remove_all_listeners("ch", |l| *l == 2), 1);
        assert_eq!(r.clear_channel("ch"), 2);
        assert!(!r.remove("ch", a));
        assert!(r.is_empty());
        // re-adding after a clear yields exactly one delivery, no duplicates
        r.add("ch", "e", 9);
        let mut v = Vec::new();
        r.collect("ch", "e", &mut v);
        assert_eq!(v, vec![9]);
    }
}
