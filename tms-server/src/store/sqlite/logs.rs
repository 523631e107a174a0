//! Queries on `activity_log`. Entries are written inside the transaction of the change they
//! record, so a rolled-back change leaves no entry.

use rusqlite::{Connection, Row, params};
use tms_core::ActivityType;
use tms_core::api::{LogEntry, LogQuery};
use tms_core::timefmt::{Timestamp, to_micros};

use super::{ts, users::summary_at, wire};

pub fn insert(
    conn: &Connection,
    user_id: i64,
    kind: ActivityType,
    details: &str,
    ticket_id: Option<i64>,
    now: Timestamp,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO activity_log (user_id, activity_type, details, activity_date, ticket_id)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        user_id,
        kind.as_str(),
        details,
        to_micros(now),
        ticket_id
    ])?;
    Ok(())
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<LogEntry> {
    Ok(LogEntry {
        id: row.get(0)?,
        user_id: row.get(1)?,
        activity_type: wire(row, 2)?,
        details: row.get(3)?,
        activity_date: ts(row, 4)?,
        ticket_id: row.get(5)?,
        user: summary_at(row, 6)?,
    })
}

/// Newest first (by id, which follows time), filtered, paged back with `before_id`.
pub fn list(conn: &Connection, q: &LogQuery) -> rusqlite::Result<Vec<LogEntry>> {
    let mut sql = String::from(
        "SELECT l.id, l.user_id, l.activity_type, l.details, l.activity_date, l.ticket_id,
                u.id, u.username, u.email, u.role
         FROM activity_log l JOIN users u ON u.id = l.user_id WHERE 1 = 1",
    );
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(v) = q.user_id {
        sql.push_str(" AND l.user_id = ?");
        args.push(v.into());
    }
    if let Some(v) = q.activity_type {
        sql.push_str(" AND l.activity_type = ?");
        args.push(v.as_str().to_string().into());
    }
    if let Some(v) = q.ticket_id {
        sql.push_str(" AND l.ticket_id = ?");
        args.push(v.into());
    }
    if let Some(v) = q.before_id {
        sql.push_str(" AND l.id < ?");
        args.push(v.into());
    }
    sql.push_str(" ORDER BY l.id DESC LIMIT ?");
    args.push(i64::try_from(q.limit).unwrap_or(i64::MAX).into());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), from_row)?;
    rows.collect()
}

/// Deletes all entries, or one user's; returns how many.
pub fn clear(conn: &Connection, user_id: Option<i64>) -> rusqlite::Result<usize> {
    match user_id {
        Some(id) => conn
            .prepare_cached("DELETE FROM activity_log WHERE user_id = ?1")?
            .execute([id]),
        None => conn.prepare_cached("DELETE FROM activity_log")?.execute([]),
    }
}
