//! Authentication: password hashing, session tokens, device tokens and attempt slowing.

pub mod cache;
pub mod device;
pub mod limiter;
pub mod password;
pub mod slowing;
pub mod token;
