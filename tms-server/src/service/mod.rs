//! The service layer: what the server does, apart from how it is asked (HTTP, the command
//! line) — see `docs/ARCHITECTURE.md`, "Planned: service layer and storage interface". Its
//! errors are its own ([`ServiceError`]); the HTTP edge maps them to statuses.

mod error;
pub mod users;

pub use error::ServiceError;
