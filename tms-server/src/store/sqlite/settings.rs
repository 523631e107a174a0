//! Server-wide settings (a JSON value per name) and the helpdesk agents' workloads, which
//! auto-assignment reads (docs/API.md, "Auto-assignment").

use rusqlite::{Connection, OptionalExtension, params};
use tms_core::Role;
use tms_core::Status;

use crate::store::AgentLoad;
use crate::store::list::status_rank;

pub fn get(conn: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM settings WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()
}

pub fn put(conn: &Connection, name: &str, value: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![name, value])?;
    Ok(())
}

/// The active helpdesk agents with their Open and In Progress tickets, from the totals
/// (`ticket_counts`) rather than the tickets.
pub fn agent_loads(conn: &Connection) -> rusqlite::Result<Vec<AgentLoad>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.username, u.is_away,
                (SELECT coalesce(sum(c.n), 0) FROM ticket_counts c
                 WHERE c.assigned_agent_id = u.id AND c.status IN (?2, ?3))
         FROM users u WHERE u.role = ?1 AND u.is_active = 1 ORDER BY u.id",
    )?;
    let rows = stmt.query_map(
        params![
            Role::Agent.as_str(),
            status_rank(Status::Open),
            status_rank(Status::InProgress)
        ],
        |r| {
            Ok(AgentLoad {
                id: r.get(0)?,
                username: r.get(1)?,
                is_away: r.get(2)?,
                open: r.get::<_, i64>(3)?.try_into().unwrap_or(0),
            })
        },
    )?;
    rows.collect()
}
