//! Queries on `views`: saved ticket-list queries.

use rusqlite::{Connection, OptionalExtension, Row, params};
use tms_core::api::View;
use tms_core::timefmt::{Timestamp, to_micros};

use super::ts;
use crate::store::ViewFields;

const COLUMNS: &str = "id, user_id, name, query, shared, created_at, updated_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<View> {
    Ok(View {
        id: row.get(0)?,
        user_id: row.get(1)?,
        name: row.get(2)?,
        query: row.get(3)?,
        shared: row.get(4)?,
        created_at: ts(row, 5)?,
        updated_at: ts(row, 6)?,
        count: 0,
    })
}

/// The views of `user_id`, and with `shared` everybody's shared ones, by name.
pub fn list(conn: &Connection, user_id: i64, shared: bool) -> rusqlite::Result<Vec<View>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM views WHERE user_id = ?1 OR (?2 AND shared = 1)
         ORDER BY name, id"
    ))?
    .query_map(params![user_id, shared], from_row)?
    .collect()
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<View>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM views WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// A new view (`id` `None`), or new fields for view `id`.
pub fn save(
    conn: &Connection,
    id: Option<i64>,
    v: &ViewFields<'_>,
    now: Timestamp,
) -> rusqlite::Result<View> {
    let now = to_micros(now);
    match id {
        None => conn
            .prepare_cached(&format!(
                "INSERT INTO views (user_id, name, query, shared, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING {COLUMNS}"
            ))?
            .query_row(params![v.user_id, v.name, v.query, v.shared, now], from_row),
        Some(id) => conn
            .prepare_cached(&format!(
                "UPDATE views SET name = ?2, query = ?3, shared = ?4, updated_at = ?5
                 WHERE id = ?1 RETURNING {COLUMNS}"
            ))?
            .query_row(params![id, v.name, v.query, v.shared, now], from_row),
    }
}

pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM views WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}
