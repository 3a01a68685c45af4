//! Presence channel members: who is here, who am I, and idempotent joins and leaves.

/// The members of one presence channel, in the order the server listed or added them.
#[derive(Clone, Debug)]
pub struct Members<P> {
    list: Vec<(String, P)>,
    me: Option<String>,
}

impl<P: Clone> Default for Members<P> {
    fn default() -> Self {
        Members { list: Vec::new(), me: None }
    }
}

impl<P: Clone> Members<P> {
    /// Replaces everything with the subscription's member list.
    pub fn reset(&mut self, members: Vec<(String, P)>, me: Option<String>) {
        self.list.clear();
        for (id, info) in members {
            self.add(id, info);
        }
        self.me = me;
    }

    /// Forgets everyone (on disconnect; the next subscription brings a fresh list).
    pub fn clear(&mut self) {
        self.list.clear();
    }

    /// Adds or updates a member. Returns true when the member is new.
    pub fn add(&mut self, id: String, info: P) -> bool {
        match self.list.iter_mut().find(|(i, _)| *i == id) {
            Some(slot) => {
                slot.1 = info;
                false
            }
            None => {
                self.list.push((id, info));
                true
            }
        }
    }

    /// Removes a member, returning its info when it was present.
    pub fn remove(&mut self, id: &str) -> Option<P> {
        let at = self.list.iter().position(|(i, _)| i == id)?;
        Some(self.list.remove(at).1)
    }

    /// How many members.
    pub fn count(&self) -> usize {
        self.list.len()
    }

    /// The local user's id (`channel_data.user_id`).
    pub fn me(&self) -> Option<&str> {
        self.me.as_deref()
    }

    /// A member's info.
    pub fn get(&self, id: &str) -> Option<&P> {
        self.list.iter().find(|(i, _)| i == id).map(|(_, info)| info)
    }

    /// All members as (id, info).
    pub fn iter(&self) -> impl Iterator<Item = &(String, P)> {
        self.list.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_leaves_are_idempotent() {
        let mut m = Members::default();
        m.reset(vec![("1".into(), "ada"), ("2".into(), "grace")], Some("1".into()));
        assert_eq!(m.count(), 2);
        assert!(!m.add("2".into(), "grace"));
        assert!(m.add("3".into(), "linus"));
        assert_eq!(m.count(), 3);
        assert_eq!(m.remove("3"), Some("linus"));
        assert_eq!(m.remove("3"), None);
        assert_eq!(m.count(), 2);
        assert_eq!(m.me(), Some("1"));
        m.clear();
        assert_eq!(m.count(), 0);
    }
}
