//! How a use case fails, in terms of the domain: the HTTP edge (`crate::error::AppError`)
//! and the command line each turn it into what their users read.

use tms_core::{Denied, ValidationError};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Fields that are not valid, each with where it was found (`body`, `query`, `path`).
    #[error("invalid input")]
    Invalid(Vec<(&'static str, ValidationError)>),
    /// No, invalid or expired credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// No such thing, or not the caller's to see.
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    /// The change clashes with what is stored (a taken email, the last admin).
    #[error("{0}")]
    Conflict(String),
    /// A bulk change some of whose tickets cannot take it, each with a kind (`not_found`,
    /// `forbidden`, `value_error`, …) and a sentence; nothing changed.
    #[error("some tickets cannot take this change")]
    BulkRefused(Vec<(i64, &'static str, String)>),
    /// The ticket changed since the version the caller's change was made against: the
    /// ticket as it is now.
    #[error("the ticket changed since the version this change was made against")]
    Stale(Box<tms_core::api::TicketDetail>),
    /// Too many failed attempts: wait this many seconds.
    #[error("too many failed attempts; try again in {0} s")]
    TooManyAttempts(u64),
    /// A bounded queue is full: try again in this many seconds.
    #[error("the server is busy; try again in {0} s")]
    Busy(u64),
    /// A bug or a storage failure; never the caller's doing.
    #[error("{0}")]
    Internal(String),
}

impl ServiceError {
    /// One invalid field of a body.
    pub fn invalid(e: ValidationError) -> Self {
        Self::Invalid(vec![("body", e)])
    }

    /// Invalid fields found at one place (`body`, `query`, `path`).
    pub fn invalid_at(location: &'static str, errors: Vec<ValidationError>) -> Self {
        Self::Invalid(errors.into_iter().map(|e| (location, e)).collect())
    }

    /// A ticket that does not exist or is not the caller's to see.
    pub fn ticket_not_found(id: i64) -> Self {
        Self::NotFound(format!("ticket id {id} doesn't exist"))
    }

    /// A refusal about a resource: an invisible one answers as `not_found` would.
    pub fn denied(denied: Denied, not_found: impl FnOnce() -> Self) -> Self {
        match denied {
            Denied::NotVisible => not_found(),
            Denied::Forbidden(why) => Self::Forbidden(why.to_string()),
        }
    }
}

impl From<Denied> for ServiceError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::NotVisible => Self::NotFound("Not Found".into()),
            Denied::Forbidden(why) => Self::Forbidden(why.to_string()),
        }
    }
}

impl From<StoreError> for ServiceError {
    /// The one place a storage failure becomes a domain error. Uniqueness is checked before
    /// writing, so a violation means a race lost to a concurrent write: still the caller's 409.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unique("users.email") => Self::Conflict("Account already exists".into()),
            StoreError::Unique("users.username") => Self::Conflict("Username already taken".into()),
            StoreError::ForeignKey => Self::Conflict("a referenced record no longer exists".into()),
            // Nothing was written: the client may send it again.
            StoreError::Contended => Self::Busy(1),
            other => Self::Internal(other.to_string()),
        }
    }
}
