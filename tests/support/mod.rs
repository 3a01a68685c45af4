//! Shared native test support.
pub mod sim;
