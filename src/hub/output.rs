//! What the hub asks its edge to do ([`HubOutput`]): a leaf of the hub, the boundary type its
//! parts share.

/// One output of the hub, drained with `Hub::poll_output`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HubOutput<T> {
    /// Open the real socket at this URL (the URL the first attaching tab's engine asked for).
    OpenServer(String),
    /// Send this text frame on the real socket.
    SendServer(String),
    /// Close the real socket with this code and reason (the hub already counts it closed).
    CloseServer(u16, String),
    /// Give one text frame to each of these tabs, in this order (one copy each).
    ToTabs(Vec<T>, String),
    /// The tab's link is open: its engine may now read the handshake frame that follows.
    OpenTab(T),
    /// Close the tab's link with this code and reason; the tab is no longer attached.
    CloseTab(T, u16, String),
    /// The tab must leave the group and connect on its own (it names another user); it is no
    /// longer attached and nothing of what it sent was forwarded.
    Solo(T, String),
}
