//! Queries on `sessions`: only token hashes are ever stored or looked up.

use rusqlite::{Connection, OptionalExtension, params};
use tms_core::api::User;
use tms_core::timefmt::{Timestamp, to_micros};

use super::{ts, wire};
use crate::store::SessionUser;

pub fn insert(
    conn: &Connection,
    user_id: i64,
    token_hash: &[u8],
    now: Timestamp,
    expires_at: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at)
         VALUES (?1, ?2, ?3, ?3, ?4)",
    )?
    .execute(params![
        user_id,
        token_hash,
        to_micros(now),
        to_micros(expires_at)
    ])?;
    Ok(())
}

/// The session of a token hash if it is unexpired (absolute and idle) and its user active.
pub fn lookup(
    conn: &Connection,
    token_hash: &[u8],
    now: Timestamp,
    idle_micros: i64,
) -> rusqlite::Result<Option<SessionUser>> {
    conn.prepare_cached(
        "SELECT s.id, s.last_seen_at, s.expires_at, u.id, u.username, u.email, u.role, u.is_active, u.created_at,
                u.is_away
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND s.last_seen_at > ?2 - ?3
           AND u.is_active = 1",
    )?
    .query_row(params![token_hash, to_micros(now), idle_micros], |r| {
        Ok(SessionUser {
            session_id: r.get(0)?,
            last_seen_at: ts(r, 1)?,
            expires_at: ts(r, 2)?,
            user: User {
                id: r.get(3)?,
                username: r.get(4)?,
                email: r.get(5)?,
                role: wire(r, 6)?,
                is_active: r.get(7)?,
                created_at: ts(r, 8)?,
                is_away: r.get(9)?,
            },
        })
    })
    .optional()
}

pub fn touch(conn: &Connection, session_id: i64, now: Timestamp) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1")?
        .execute(params![session_id, to_micros(now)])?;
    Ok(())
}

pub fn delete(conn: &Connection, session_id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM sessions WHERE id = ?1")?
        .execute([session_id])?;
    Ok(())
}

/// Ends every session of a user except `keep`.
pub fn delete_for_user(
    conn: &Connection,
    user_id: i64,
    keep: Option<i64>,
) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND id IS NOT ?2")?
        .execute(params![user_id, keep])
}

/// Removes sessions past their absolute expiry.
pub fn purge_expired(conn: &Connection, now: Timestamp) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM sessions WHERE expires_at <= ?1")?
        .execute([to_micros(now)])
}
