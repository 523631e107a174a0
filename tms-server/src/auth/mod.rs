//! Authentication: password hashing, session tokens and failed-login slowing.

pub mod cache;
pub mod limiter;
pub mod password;
pub mod token;
