//! The service layer: what the server does, apart from how it is asked (HTTP, the command
//! line) — see `docs/ARCHITECTURE.md`, "Service layer and storage interface". One module per
//! resource; each use case checks its input and the rules (`tms_core::rules`) and runs one
//! transaction script over the storage interface (`crate::store`), the same on every engine.
//! Its errors are its own ([`ServiceError`]); the HTTP edge maps them to statuses.

pub mod assignment;
pub mod auth;
pub mod comments;
mod error;
pub mod events;
pub mod logs;
pub mod notify;
pub mod pages;
pub mod sessions;
pub mod sla;
pub mod stats;
pub mod tickets;
pub mod users;
pub mod views;
pub mod webhooks;

pub use error::ServiceError;

/// A query string's pairs as the core's query parsers read them.
fn pairs(raw: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    raw.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}
