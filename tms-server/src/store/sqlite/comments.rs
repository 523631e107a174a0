//! Queries on `comments`.

use rusqlite::{Connection, OptionalExtension, Row, params};
use tms_core::api::{Comment, CommentWithUser};
use tms_core::timefmt::{Timestamp, to_micros};

use super::ts;
use super::users::summary_at;

const COLUMNS: &str = "c.id, c.ticket_id, c.commented_by_id, c.description, c.creation_date, c.updated_at, \
     c.is_internal";

/// `COLUMNS` without the alias, for `RETURNING`.
const RETURNING: &str =
    "id, ticket_id, commented_by_id, description, creation_date, updated_at, is_internal";
/// Columns before the author's, after [`COLUMNS`].
const NCOLS: usize = 7;

fn from_row(row: &Row<'_>) -> rusqlite::Result<Comment> {
    Ok(Comment {
        id: row.get(0)?,
        ticket_id: row.get(1)?,
        commented_by_id: row.get(2)?,
        description: row.get(3)?,
        creation_date: ts(row, 4)?,
        updated_at: ts(row, 5)?,
        is_internal: row.get(6)?,
    })
}

pub fn insert(
    conn: &Connection,
    ticket_id: i64,
    author_id: i64,
    text: &str,
    is_internal: bool,
    now: Timestamp,
) -> rusqlite::Result<Comment> {
    conn.prepare_cached(&format!(
        "INSERT INTO comments (ticket_id, commented_by_id, description, creation_date, updated_at,
                               is_internal)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5) RETURNING {RETURNING}"
    ))?
    .query_row(
        params![ticket_id, author_id, text, to_micros(now), is_internal],
        from_row,
    )
}

/// A comment and the requester of its ticket (for the ownership rules).
pub fn get_with_ticket_requester(
    conn: &Connection,
    id: i64,
) -> rusqlite::Result<Option<(Comment, i64)>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, t.requester_id FROM comments c JOIN tickets t ON t.id = c.ticket_id
         WHERE c.id = ?1"
    ))?
    .query_row([id], |r| Ok((from_row(r)?, r.get(NCOLS)?)))
    .optional()
}

pub fn update(conn: &Connection, id: i64, text: &str, now: Timestamp) -> rusqlite::Result<Comment> {
    conn.prepare_cached(&format!(
        "UPDATE comments SET description = ?2, updated_at = ?3 WHERE id = ?1 RETURNING {RETURNING}"
    ))?
    .query_row(params![id, text, to_micros(now)], from_row)
}

/// Deletes a comment; returns it, `None` when there was no such comment.
pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<Option<Comment>> {
    conn.prepare_cached(&format!(
        "DELETE FROM comments WHERE id = ?1 RETURNING {RETURNING}"
    ))?
    .query_row([id], from_row)
    .optional()
}

/// A ticket's thread, oldest first, each with its author.
pub fn for_ticket(conn: &Connection, ticket_id: i64) -> rusqlite::Result<Vec<CommentWithUser>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, u.id, u.username, u.email, u.role
         FROM comments c JOIN users u ON u.id = c.commented_by_id
         WHERE c.ticket_id = ?1 ORDER BY c.id"
    ))?;
    let rows = stmt.query_map([ticket_id], |r| {
        Ok(CommentWithUser {
            comment: from_row(r)?,
            user: summary_at(r, NCOLS)?,
        })
    })?;
    rows.collect()
}
