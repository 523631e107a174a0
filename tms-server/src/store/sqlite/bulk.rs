//! Bulk loading for the data generator: many rows per transaction, with the search triggers
//! set aside inside each transaction and the full-text rows written directly (one per ticket,
//! comments included). The triggers (migration 0005) would only note each ticket in
//! `search_pending` for the writer thread to index after the batch; writing the index rows here
//! gives the same index without the notes, at a fraction of the cost. Each batch is atomic,
//! triggers included. The tag triggers stay on: `ticket_tags` is kept from `tickets.tags` as
//! for any insert.

use rusqlite::{Connection, Transaction, params};
use tms_core::timefmt::to_micros;

use crate::store::list::{priority_rank, status_rank};
use crate::store::{BulkTicket, StoredClock};

/// The `CREATE TRIGGER` statements that maintain `ticket_search`.
pub fn search_triggers(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%search%' ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Inserts `batch` in one transaction.
pub fn insert_batch(
    conn: &mut Connection,
    triggers: &[(String, String)],
    batch: &[BulkTicket],
) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for (name, _) in triggers {
        tx.execute_batch(&format!("DROP TRIGGER {name}"))?;
    }
    insert_rows(&tx, batch)?;
    for (_, sql) in triggers {
        tx.execute_batch(sql)?;
    }
    tx.commit()
}

fn insert_rows(tx: &Transaction<'_>, batch: &[BulkTicket]) -> rusqlite::Result<()> {
    let mut ticket = tx.prepare_cached(
        "INSERT INTO tickets (title, description, status, priority, creation_date, updated_at,
                              resolution_date, requester_id, assigned_agent_id, tags)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut comment = tx.prepare_cached(
        "INSERT INTO comments (ticket_id, commented_by_id, description, creation_date, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?;
    let mut search = tx.prepare_cached(
        "INSERT INTO ticket_search (rowid, title, description, comments) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut log = tx.prepare_cached(
        "INSERT INTO activity_log (user_id, activity_type, details, activity_date, ticket_id)
         VALUES (?1, 'Create', ?2, ?3, ?4)",
    )?;
    for t in batch {
        ticket.execute(params![
            t.title,
            t.description,
            status_rank(t.status),
            priority_rank(t.priority),
            to_micros(t.creation_date),
            to_micros(t.updated_at),
            t.resolution_date.map(to_micros),
            t.requester_id,
            t.assigned_agent_id,
            serde_json::to_string(&t.tags).unwrap_or_else(|_| "[]".into())
        ])?;
        let id = tx.last_insert_rowid();
        if let Some(clock) = t.sla {
            super::tickets::save_sla(tx, id, &StoredClock::new(clock, t.status))?;
        }
        log.execute(params![
            t.requester_id,
            format!("created ticket {id}"),
            to_micros(t.creation_date),
            id
        ])?;
        let mut thread = Vec::with_capacity(t.comments.len());
        for (author, text, at) in &t.comments {
            comment.execute(params![id, author, text, to_micros(*at)])?;
            thread.push(text.as_str());
        }
        search.execute(params![id, t.title, t.description, thread.join("\n")])?;
    }
    Ok(())
}

/// After a bulk load: merges the full-text index into one segment (searches then walk one
/// doclist per term) and runs `ANALYZE` so the planner knows the new sizes (keeping the
/// per-index statistics, not the value samples: see `migrate::forget_value_samples`).
pub fn finish(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("INSERT INTO ticket_search (ticket_search) VALUES ('optimize'); ANALYZE;")?;
    super::migrate::forget_value_samples(conn).map(|_| ())
}
