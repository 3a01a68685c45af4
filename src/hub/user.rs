//! The hub's user: the one user its socket belongs to (learned from the first presence
//! `channel_data.user_id` or sign-in `user_data.id`), the socket's one `pusher:signin` and
//! its cached `pusher:signin_success`, the tabs that signed in, and the watchlist statuses
//! the server reported (Sockudo sends a user's initial statuses once per socket, before its
//! `signin_success`: a tab that signs in later gets them from here).

use crate::protocol;

/// What to do with a tab's `pusher:signin`.
#[derive(Debug, PartialEq, Eq)]
pub enum Signin {
    /// The socket's first sign-in: forward it.
    Forward,
    /// One is pending: the tab gets the server's answer with the others.
    Wait,
    /// Already signed in: give the tab this `pusher:signin_success` at once.
    Reply(String),
}

#[derive(Debug)]
enum State<T> {
    None,
    Pending(Vec<T>),
    Done(String),
}

/// The socket's user and sign-in.
#[derive(Debug)]
pub struct User<T> {
    id: Option<String>,
    signin: State<T>,
    signed: Vec<T>,
    /// Watched user ids and whether they are online, as last reported.
    watch: Vec<(String, bool)>,
}

impl<T> Default for User<T> {
    fn default() -> Self {
        User { id: None, signin: State::None, signed: Vec::new(), watch: Vec::new() }
    }
}

impl<T: Clone + PartialEq> User<T> {
    /// The group's user (learned on the first call); false when `id` is another user.
    pub fn admits(&mut self, id: &str) -> bool {
        match &self.id {
            Some(known) => known == id,
            None => {
                self.id = Some(id.to_owned());
                true
            }
        }
    }

    /// The group's user, once known.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// `tab` signs in.
    pub fn signin(&mut self, tab: &T) -> Signin {
        match &mut self.signin {
            State::None => {
                self.signin = State::Pending(vec![tab.clone()]);
                Signin::Forward
            }
            State::Pending(waiting) => {
                if !waiting.contains(tab) {
                    waiting.push(tab.clone());
                }
                Signin::Wait
            }
            State::Done(frame) => {
                if !self.signed.contains(tab) {
                    self.signed.push(tab.clone());
                }
                Signin::Reply(frame.clone())
            }
        }
    }

    /// The server confirmed the sign-in: returns the tabs that waited for it.
    pub fn succeeded(&mut self, frame: &str) -> Vec<T> {
        let waiting = match std::mem::replace(&mut self.signin, State::Done(frame.to_owned())) {
            State::Pending(waiting) => waiting,
            _ => Vec::new(),
        };
        for tab in &waiting {
            if !self.signed.contains(tab) {
                self.signed.push(tab.clone());
            }
        }
        waiting
    }

    /// A channel-less `pusher:error` 4009 while a sign-in is pending: it failed; returns the
    /// tabs that waited (the next sign-in is forwarded).
    pub fn error(&mut self) -> Vec<T> {
        match std::mem::replace(&mut self.signin, State::None) {
            State::Pending(waiting) => waiting,
            other => {
                self.signin = other;
                Vec::new()
            }
        }
    }

    /// The tabs that signed in or are signing in (they get server-to-user and watchlist
    /// frames: Sockudo sends the initial watchlist statuses before `signin_success`).
    pub fn signed(&self) -> Vec<T> {
        let mut tabs = self.signed.clone();
        if let State::Pending(waiting) = &self.signin {
            tabs.extend(waiting.iter().filter(|t| !self.signed.contains(t)).cloned());
        }
        tabs
    }

    /// A watchlist change: `name` is `online` or `offline` (others are ignored).
    pub fn watched(&mut self, name: &str, ids: &[String]) {
        let online = match name {
            "online" => true,
            "offline" => false,
            _ => return,
        };
        for id in ids {
            match self.watch.iter_mut().find(|(known, _)| known == id) {
                Some(entry) => entry.1 = online,
                None => self.watch.push((id.clone(), online)),
            }
        }
    }

    /// The statuses so far as Sockudo's frames (`online`, then `offline`; none when empty),
    /// for a tab that signs in after the socket did.
    pub fn status_frames(&self) -> Vec<String> {
        [("online", true), ("offline", false)]
            .into_iter()
            .filter_map(|(name, online)| {
                let ids: Vec<&String> = self.watch.iter().filter(|(_, o)| *o == online).map(|(id, _)| id).collect();
                if ids.is_empty() {
                    return None;
                }
                let mut frame = format!("{{\"event\":\"{name}\",\"data\":{{\"user_ids\":[");
                for (i, id) in ids.iter().enumerate() {
                    if i > 0 {
                        frame.push(',');
                    }
                    protocol::push_json_string(&mut frame, id);
                }
                frame.push_str("]}}");
                Some(frame)
            })
            .collect()
    }

    /// `tab` is gone.
    pub fn release(&mut self, tab: &T) {
        self.signed.retain(|t| t != tab);
        if let State::Pending(waiting) = &mut self.signin {
            waiting.retain(|t| t != tab);
        }
    }
}
