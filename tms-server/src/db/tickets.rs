//! Queries on `tickets` and the full-text index `ticket_search`.

use rusqlite::{Connection, OptionalExtension, Row, params};
use tms_core::api::{SortField, Ticket, TicketListItem, TicketQuery};
use tms_core::timefmt::{Timestamp, to_micros};
use tms_core::{Priority, Status};

use super::users::{summary_at, summary_opt_at};
use super::{ts, ts_opt};

const COLUMNS: &str = "t.id, t.title, t.description, t.status, t.priority, t.creation_date, \
     t.updated_at, t.resolution_date, t.requester_id, t.assigned_agent_id";
const NCOLS: usize = 10;
/// `COLUMNS` without the alias, for `RETURNING` (which cannot name one).
const RETURNING: &str = "id, title, description, status, priority, creation_date, updated_at, \
     resolution_date, requester_id, assigned_agent_id";
/// Requester and assignee summaries after the ticket columns.
const PEOPLE: &str = "r.id, r.username, r.email, r.role, a.id, a.username, a.email, a.role";
const JOIN_PEOPLE: &str =
    "JOIN users r ON r.id = t.requester_id LEFT JOIN users a ON a.id = t.assigned_agent_id";

pub(crate) fn status_rank(s: Status) -> i64 {
    i64::from(s.rank())
}

pub(crate) fn priority_rank(p: Priority) -> i64 {
    i64::from(p.rank())
}

fn rank_to<T: Copy>(all: &[T], idx: usize, row: &Row<'_>) -> rusqlite::Result<T> {
    let n: i64 = row.get(idx)?;
    usize::try_from(n)
        .ok()
        .and_then(|i| all.get(i).copied())
        .ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, n))
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Ticket> {
    Ok(Ticket {
        id: row.get(0)?,
        title: row.get(1)?,
        description: row.get(2)?,
        status: rank_to(Status::ALL, 3, row)?,
        priority: rank_to(Priority::ALL, 4, row)?,
        creation_date: ts(row, 5)?,
        updated_at: ts(row, 6)?,
        resolution_date: ts_opt(row, 7)?,
        requester_id: row.get(8)?,
        assigned_agent_id: row.get(9)?,
    })
}

fn item_from_row(row: &Row<'_>) -> rusqlite::Result<TicketListItem> {
    Ok(TicketListItem {
        ticket: from_row(row)?,
        requester: summary_at(row, NCOLS)?,
        assigned_agent: summary_opt_at(row, NCOLS + 4)?,
    })
}

/// A ticket to insert, already validated and permitted.
pub struct NewTicket<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub status: Status,
    pub priority: Priority,
    pub requester_id: i64,
    pub assigned_agent_id: Option<i64>,
    pub resolution_date: Option<Timestamp>,
    pub creation_date: Timestamp,
}

pub fn insert(conn: &Connection, t: &NewTicket<'_>) -> rusqlite::Result<Ticket> {
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT INTO tickets (title, description, status, priority, creation_date, updated_at,
                              resolution_date, requester_id, assigned_agent_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8) RETURNING {RETURNING}"
    ))?;
    stmt.query_row(
        params![
            t.title,
            t.description,
            status_rank(t.status),
            priority_rank(t.priority),
            to_micros(t.creation_date),
            t.resolution_date.map(to_micros),
            t.requester_id,
            t.assigned_agent_id
        ],
        from_row,
    )
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Ticket>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM tickets t WHERE t.id = ?1"))?;
    stmt.query_row([id], from_row).optional()
}

/// A ticket with its requester and assignee.
pub fn get_item(conn: &Connection, id: i64) -> rusqlite::Result<Option<TicketListItem>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, {PEOPLE} FROM tickets t {JOIN_PEOPLE} WHERE t.id = ?1"
    ))?;
    stmt.query_row([id], item_from_row).optional()
}

/// The full new state of a ticket after an update.
pub struct TicketState<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub status: Status,
    pub priority: Priority,
    pub resolution_date: Option<Timestamp>,
    pub assigned_agent_id: Option<i64>,
    pub updated_at: Timestamp,
}

pub fn update(conn: &Connection, id: i64, s: &TicketState<'_>) -> rusqlite::Result<Ticket> {
    let mut stmt = conn.prepare_cached(&format!(
        "UPDATE tickets SET title = ?2, description = ?3, status = ?4, priority = ?5,
                resolution_date = ?6, assigned_agent_id = ?7, updated_at = ?8
         WHERE id = ?1 RETURNING {RETURNING}"
    ))?;
    stmt.query_row(
        params![
            id,
            s.title,
            s.description,
            status_rank(s.status),
            priority_rank(s.priority),
            s.resolution_date.map(to_micros),
            s.assigned_agent_id,
            to_micros(s.updated_at)
        ],
        from_row,
    )
}

/// Marks a ticket as changed now (a comment was added, edited or removed).
pub fn touch(conn: &Connection, id: i64, now: Timestamp) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE tickets SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, to_micros(now)])?;
    Ok(())
}

pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM tickets WHERE id = ?1")?
        .execute([id])
}

/// Unassigns the not-yet-resolved tickets of a deactivated agent; returns their ids.
pub fn unassign_open(
    conn: &Connection,
    agent_id: i64,
    now: Timestamp,
) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "UPDATE tickets SET assigned_agent_id = NULL, updated_at = ?2
         WHERE assigned_agent_id = ?1 AND status <> 2 RETURNING id",
    )?;
    let ids = stmt.query_map(params![agent_id, to_micros(now)], |r| r.get(0))?;
    ids.collect()
}

/// Turns what a user typed into a safe FTS5 query: every word becomes a quoted term (so no
/// FTS5 syntax can be injected), all must match; a trailing `*` keeps a prefix search.
/// `None` when nothing searchable is left.
pub fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split_whitespace()
        .filter_map(|word| {
            let prefix = word.ends_with('*');
            let word = word.trim_end_matches('*').replace('"', "");
            if !word.chars().any(char::is_alphanumeric) {
                return None;
            }
            Some(format!("\"{word}\"{}", if prefix { "*" } else { "" }))
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// The `WHERE` clause and arguments of a list query. `only_requester` restricts a
/// Requester to their own tickets; `agent` is the queue route's agent.
fn filters(
    q: &TicketQuery,
    only_requester: Option<i64>,
    fts: Option<&str>,
) -> (String, Vec<rusqlite::types::Value>) {
    let mut sql = String::from(" WHERE 1 = 1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let mut in_list = |sql: &mut String, col: &str, vals: Vec<i64>| {
        let marks = vec!["?"; vals.len()].join(", ");
        sql.push_str(&format!(" AND {col} IN ({marks})"));
        args.extend(vals.into_iter().map(Into::into));
    };
    if !q.status.is_empty() {
        in_list(
            &mut sql,
            "t.status",
            q.status.iter().map(|s| status_rank(*s)).collect(),
        );
    }
    if !q.priority.is_empty() {
        in_list(
            &mut sql,
            "t.priority",
            q.priority.iter().map(|p| priority_rank(*p)).collect(),
        );
    }
    if let Some(id) = only_requester {
        sql.push_str(" AND t.requester_id = ?");
        args.push(id.into());
    }
    if let Some(id) = q.requester_id {
        sql.push_str(" AND t.requester_id = ?");
        args.push(id.into());
    }
    if q.unassigned {
        sql.push_str(" AND t.assigned_agent_id IS NULL");
    } else if let Some(id) = q.assigned_agent_id {
        sql.push_str(" AND t.assigned_agent_id = ?");
        args.push(id.into());
    }
    if let Some(m) = fts {
        sql.push_str(" AND t.id IN (SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?)");
        args.push(m.to_string().into());
    }
    (sql, args)
}

fn order_by(q: &TicketQuery) -> String {
    let dir = if q.sort.descending { "DESC" } else { "ASC" };
    match q.sort.field {
        SortField::Id => format!(" ORDER BY t.id {dir}"),
        SortField::CreationDate => format!(" ORDER BY t.creation_date {dir}, t.id {dir}"),
        SortField::UpdatedAt => format!(" ORDER BY t.updated_at {dir}, t.id {dir}"),
        SortField::Priority => {
            format!(" ORDER BY t.priority {dir}, t.creation_date {dir}, t.id {dir}")
        }
        SortField::Status => format!(" ORDER BY t.status {dir}, t.creation_date {dir}, t.id {dir}"),
    }
}

/// One page of tickets and the total matching the filters.
pub fn list(
    conn: &Connection,
    q: &TicketQuery,
    only_requester: Option<i64>,
) -> rusqlite::Result<(Vec<TicketListItem>, u64)> {
    let fts = match &q.q {
        Some(text) => match fts_query(text) {
            Some(m) => Some(m),
            None => return Ok((Vec::new(), 0)),
        },
        None => None,
    };
    let (where_sql, args) = filters(q, only_requester, fts.as_deref());
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM tickets t{where_sql}"))?
        .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
    let offset = (q.page.saturating_sub(1)).saturating_mul(q.size);
    if offset >= u64::try_from(total).unwrap_or(0) {
        return Ok((Vec::new(), u64::try_from(total).unwrap_or(0)));
    }
    let sql = format!(
        "SELECT {COLUMNS}, {PEOPLE} FROM tickets t {JOIN_PEOPLE}{where_sql}{} LIMIT ? OFFSET ?",
        order_by(q)
    );
    let mut args = args;
    args.push(i64::try_from(q.size).unwrap_or(100).into());
    args.push(i64::try_from(offset).unwrap_or(i64::MAX).into());
    let mut stmt = conn.prepare_cached(&sql)?;
    let items = stmt
        .query_map(rusqlite::params_from_iter(args), item_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((items, u64::try_from(total).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn fts_queries_are_quoted_terms() {
        assert_eq!(
            fts_query("printer jam").as_deref(),
            Some("\"printer\" \"jam\"")
        );
        assert_eq!(fts_query("vpn*").as_deref(), Some("\"vpn\"*"));
        assert_eq!(fts_query("a\" OR 1=1 --").as_deref(), Some("\"a\" \"1=1\""));
        assert_eq!(
            fts_query("NEAR(x y) AND"),
            Some("\"NEAR(x\" \"y)\" \"AND\"".to_string())
        );
        assert_eq!(fts_query(" -- ** "), None);
    }
}
