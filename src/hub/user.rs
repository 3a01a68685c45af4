//! The hub's user: the one user its socket belongs to (learned from the first presence
//! `channel_data.user_id` or sign-in `user_data.id`), the socket's one `pusher:signin` and
//! its cached `pusher:signin_success`, and the tabs that signed in.

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
}

impl<T> Default for User<T> {
    fn default() -> Self {
        User { id: None, signin: State::None, signed: Vec::new() }
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

    /// A `pusher:error` while a sign-in is pending: it failed, the next one is forwarded.
    pub fn error(&mut self) {
        if matches!(self.signin, State::Pending(_)) {
            self.signin = State::None;
        }
    }

    /// The tabs that signed in (they get server-to-user and watchlist frames).
    pub fn signed(&self) -> Vec<T> {
        self.signed.clone()
    }

    /// `tab` is gone.
    pub fn release(&mut self, tab: &T) {
        self.signed.retain(|t| t != tab);
        if let State::Pending(waiting) = &mut self.signin {
            waiting.retain(|t| t != tab);
        }
    }
}
