//! Queries on `users`.

use rusqlite::{Connection, OptionalExtension, Row, params};
use tms_core::Role;
use tms_core::api::{User, UserQuery, UserSummary};
use tms_core::timefmt::{Timestamp, to_micros};

use super::{ts, wire};
use crate::store::UserChanges;

const COLUMNS: &str = "id, username, email, role, is_active, created_at, is_away";

fn from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        email: row.get(2)?,
        role: wire(row, 3)?,
        is_active: row.get(4)?,
        created_at: ts(row, 5)?,
        is_away: row.get(6)?,
    })
}

/// A summary from the 4 columns `id, username, email, role` starting at `at`.
pub(crate) fn summary_at(row: &Row<'_>, at: usize) -> rusqlite::Result<UserSummary> {
    Ok(UserSummary {
        id: row.get(at)?,
        username: row.get(at + 1)?,
        email: row.get(at + 2)?,
        role: wire(row, at + 3)?,
    })
}

/// Like [`summary_at`], `None` when the id column is NULL (an unassigned ticket).
pub(crate) fn summary_opt_at(row: &Row<'_>, at: usize) -> rusqlite::Result<Option<UserSummary>> {
    match row.get::<_, Option<i64>>(at)? {
        None => Ok(None),
        Some(_) => summary_at(row, at).map(Some),
    }
}

pub fn insert(
    conn: &Connection,
    username: &str,
    email: &str,
    role: Role,
    password_hash: &str,
    now: Timestamp,
) -> rusqlite::Result<User> {
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT INTO users (username, email, role, password_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING {COLUMNS}"
    ))?;
    stmt.query_row(
        params![
            username,
            email,
            role.as_str(),
            password_hash,
            to_micros(now)
        ],
        from_row,
    )
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<User>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE id = ?1"))?;
    stmt.query_row([id], from_row).optional()
}

/// The user with this (lower-case) email and their password hash.
pub fn get_by_email_with_hash(
    conn: &Connection,
    email: &str,
) -> rusqlite::Result<Option<(User, String)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, password_hash FROM users WHERE email = ?1"
    ))?;
    stmt.query_row([email], |r| Ok((from_row(r)?, r.get(7)?)))
        .optional()
}

pub fn password_hash(conn: &Connection, id: i64) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT password_hash FROM users WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

pub fn list(conn: &Connection, q: &UserQuery) -> rusqlite::Result<Vec<User>> {
    list_at_most(conn, q, None)
}

/// [`list`], the first `limit` by id.
pub fn list_at_most(
    conn: &Connection,
    q: &UserQuery,
    limit: Option<u64>,
) -> rusqlite::Result<Vec<User>> {
    let mut sql = format!("SELECT {COLUMNS} FROM users WHERE 1 = 1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if !q.include_inactive {
        sql.push_str(" AND is_active = 1");
    }
    if let Some(role) = q.role {
        sql.push_str(" AND role = ?");
        args.push(role.as_str().to_string().into());
    }
    if let Some(text) = &q.q {
        sql.push_str(" AND (instr(lower(username), ?) > 0 OR instr(email, ?) > 0)");
        let needle = text.to_lowercase();
        args.push(needle.clone().into());
        args.push(needle.into());
    }
    sql.push_str(" ORDER BY id");
    if let Some(n) = limit {
        sql.push_str(" LIMIT ?");
        args.push(i64::try_from(n).unwrap_or(i64::MAX).into());
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), from_row)?;
    rows.collect()
}

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT count(*) FROM users")?
        .query_row([], |r| r.get(0))
}

pub fn count_active_admins(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT count(*) FROM users WHERE role = 'SysAdmin' AND is_active = 1")?
        .query_row([], |r| r.get(0))
}

/// Whether another user (not `except`) has this email.
pub fn email_taken(conn: &Connection, email: &str, except: Option<i64>) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE email = ?1 AND id IS NOT ?2)")?
        .query_row(params![email, except], |r| r.get(0))
}

/// Whether another user (not `except`) has this username, ignoring case.
pub fn username_taken(
    conn: &Connection,
    username: &str,
    except: Option<i64>,
) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1 AND id IS NOT ?2)")?
        .query_row(params![username, except], |r| r.get(0))
}

pub fn update(
    conn: &Connection,
    id: i64,
    c: &UserChanges,
    now: Timestamp,
) -> rusqlite::Result<Option<User>> {
    let mut stmt = conn.prepare_cached(&format!(
        "UPDATE users SET
            username = coalesce(?2, username),
            email = coalesce(?3, email),
            role = coalesce(?4, role),
            is_active = coalesce(?5, is_active),
            password_hash = coalesce(?6, password_hash),
            updated_at = ?7,
            is_away = coalesce(?8, is_away)
         WHERE id = ?1 RETURNING {COLUMNS}"
    ))?;
    stmt.query_row(
        params![
            id,
            c.username,
            c.email,
            c.role.map(Role::as_str),
            c.is_active,
            c.password_hash,
            to_micros(now),
            c.is_away
        ],
        from_row,
    )
    .optional()
}
