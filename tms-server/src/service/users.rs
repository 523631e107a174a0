//! Accounts: the checks every way of creating or renaming one shares.

use rusqlite::Connection;

use super::ServiceError;
use crate::db::users;

/// 409 if another account (not `except`) has this email or username.
pub fn check_unique(
    conn: &Connection,
    username: &str,
    email: &str,
    except: Option<i64>,
) -> Result<(), ServiceError> {
    if users::email_taken(conn, email, except)? {
        return Err(ServiceError::Conflict("Account already exists".into()));
    }
    if users::username_taken(conn, username, except)? {
        return Err(ServiceError::Conflict("Username already taken".into()));
    }
    Ok(())
}
