//! How a use case fails, in terms of the domain: the HTTP edge (`crate::error::AppError`)
//! and the command line each turn it into what their users read.

use tms_core::{Denied, ValidationError};

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Fields that are not valid, each with where it was found (`body`, `query`, `path`).
    #[error("invalid input")]
    Invalid(Vec<(&'static str, ValidationError)>),
    /// No such thing, or not the caller's to see.
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    /// The change clashes with what is stored (a taken email, the last admin).
    #[error("{0}")]
    Conflict(String),
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
}

impl From<Denied> for ServiceError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::NotVisible => Self::NotFound("Not Found".into()),
            Denied::Forbidden(why) => Self::Forbidden(why.to_string()),
        }
    }
}

impl From<DbError> for ServiceError {
    fn from(e: DbError) -> Self {
        if let DbError::Sqlite(rusqlite::Error::SqliteFailure(f, msg)) = &e
            && f.code == rusqlite::ErrorCode::ConstraintViolation
        {
            return constraint(msg.as_deref().unwrap_or(""));
        }
        Self::Internal(e.to_string())
    }
}

impl From<rusqlite::Error> for ServiceError {
    fn from(e: rusqlite::Error) -> Self {
        Self::from(DbError::from(e))
    }
}

/// The one place a constraint violation becomes a client error. Uniqueness is checked before
/// writing, so reaching here means a race lost to a concurrent write: still the caller's 409.
fn constraint(msg: &str) -> ServiceError {
    if msg.contains("users.email") {
        ServiceError::Conflict("Account already exists".into())
    } else if msg.contains("users.username") {
        ServiceError::Conflict("Username already taken".into())
    } else if msg.contains("FOREIGN KEY") {
        ServiceError::Conflict("a referenced record no longer exists".into())
    } else {
        ServiceError::Internal(format!("constraint violated: {msg}"))
    }
}
