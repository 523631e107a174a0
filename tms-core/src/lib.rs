//! tms-core: the helpdesk's domain, free of I/O. The server and the terminal client share these
//! types and rules, so a wire string or a permission changed here changes everywhere.

pub mod api;
pub mod demo;
pub mod domain;
pub mod rules;
pub mod sla;
pub mod timefmt;
pub mod validate;

pub use domain::{ActivityType, HistoryKind, Priority, Role, SlaState, Status};
pub use rules::{Actor, Denied};
pub use validate::ValidationError;
