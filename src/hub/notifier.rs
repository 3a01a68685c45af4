//! Which tab shows a desktop notification (`shareConnection`): one per browser, where a
//! frame routed to several tabs would otherwise show one in each. What each tab reported
//! (desktop notifications on, page visible, in the leader's page) and the rule: among the
//! holders whose Echo shows desktop notifications (all of them when none does), a visible
//! one, else one in the leader's page, else the first. A leaf of the hub: tab ids in, a tab
//! id out.

use crate::fast_map::FastMap;

/// What a tab reported about its page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    /// Its page is visible (`document.visibilityState`).
    pub visible: bool,
    /// It is in the page hosting the hub (the leader's).
    pub local: bool,
    /// Its Echo shows desktop notifications (`desktopNotifications` enabled).
    pub desktop: bool,
}

/// The reports of the attached tabs.
#[derive(Debug)]
pub struct Notifier<T> {
    tabs: FastMap<T, Seen>,
}

impl<T> Default for Notifier<T> {
    fn default() -> Self {
        Notifier { tabs: FastMap::default() }
    }
}

impl<T: Clone + Ord> Notifier<T> {
    /// `tab` reported its page.
    pub fn report(&mut self, tab: T, seen: Seen) {
        self.tabs.insert(tab, seen);
    }

    /// `tab` is gone.
    pub fn forget(&mut self, tab: &T) {
        self.tabs.remove(tab);
    }

    /// The one of `holders` (in routing order) that shows the desktop notification.
    pub fn pick<'a>(&self, holders: &'a [T]) -> Option<&'a T> {
        let seen = |t: &T| self.tabs.get(t).copied().unwrap_or_default();
        let any_desktop = holders.iter().any(|t| seen(t).desktop);
        let mut candidates = holders.iter().filter(|t| !any_desktop || seen(t).desktop);
        let first = candidates.clone().next();
        candidates.clone().find(|t| seen(t).visible).or_else(|| candidates.find(|t| seen(t).local)).or(first)
    }
}
