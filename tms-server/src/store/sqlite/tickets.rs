//! Queries on `tickets` and the full-text index `ticket_search`.

use rusqlite::{Connection, OptionalExtension, Row, params};
use tms_core::api::{SortField, SortKey, Ticket, TicketListItem, TicketQuery};
use tms_core::timefmt::{Timestamp, to_micros};
use tms_core::{Priority, Status};

use super::users::{summary_at, summary_opt_at};
use super::{ts, ts_opt};
use crate::store::counts::CountCache;
use crate::store::list::{
    cursor_values, in_order, keyset, priority_rank, sla_condition, sla_states_are_few,
    sort_columns, status_rank,
};
use crate::store::{
    CLOCK_COLUMNS, ListPage, NO_DUE, NewTicket, SLA_NCOLS, SlaColumns, StoredClock, TicketState,
    sla_columns, sla_returning,
};
use std::sync::LazyLock;
use tms_core::sla::TicketClock;

/// The ticket's columns, then its SLA columns.
const COLUMNS: &str = concat!(
    "t.id, t.title, t.description, t.status, t.priority, t.creation_date, t.updated_at, \
     t.resolution_date, t.requester_id, t.assigned_agent_id, t.version, t.tags, ",
    sla_columns!()
);
const NCOLS: usize = 12 + SLA_NCOLS;
/// `COLUMNS` without the alias, for `RETURNING` (which cannot name one).
const RETURNING: &str = concat!(
    "id, title, description, status, priority, creation_date, updated_at, resolution_date, \
     requester_id, assigned_agent_id, version, tags, ",
    sla_returning!()
);
/// Requester and assignee summaries after the ticket columns.
const PEOPLE: &str = "r.id, r.username, r.email, r.role, a.id, a.username, a.email, a.role";
const JOIN_PEOPLE: &str =
    "JOIN users r ON r.id = t.requester_id LEFT JOIN users a ON a.id = t.assigned_agent_id";

fn rank_to<T: Copy>(all: &[T], idx: usize, row: &Row<'_>) -> rusqlite::Result<T> {
    let n: i64 = row.get(idx)?;
    usize::try_from(n)
        .ok()
        .and_then(|i| all.get(i).copied())
        .ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, n))
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Ticket> {
    let mut t = Ticket {
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
        version: row.get(10)?,
        tags: Some(tags_from(row, 11)?),
        first_response_due: None,
        resolution_due: None,
        first_responded_at: None,
        sla_next_due: None,
        sla_state: None,
    };
    let sla = SlaColumns {
        first_response_due: row.get(12)?,
        resolution_due: row.get(13)?,
        first_responded_at: row.get(14)?,
        breached: row.get(15)?,
        paused_at: row.get(16)?,
        next_due: row.get(17)?,
        next_risk: row.get(18)?,
    };
    sla.show(&mut t, to_micros(tms_core::timefmt::now()));
    Ok(t)
}

/// The tags column: a JSON array of names (migration 0012).
fn tags_from(row: &Row<'_>, idx: usize) -> rusqlite::Result<Vec<String>> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Tags as the tags column stores them.
fn tags_json(tags: &[String]) -> String {
    serde_json::Value::from(tags).to_string()
}

fn item_from_row(row: &Row<'_>) -> rusqlite::Result<TicketListItem> {
    Ok(TicketListItem {
        ticket: from_row(row)?,
        requester: summary_at(row, NCOLS)?,
        assigned_agent: summary_opt_at(row, NCOLS + 4)?,
    })
}

pub fn insert(conn: &Connection, t: &NewTicket<'_>) -> rusqlite::Result<Ticket> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "INSERT INTO tickets (title, description, status, priority, creation_date, updated_at,
                                  resolution_date, requester_id, assigned_agent_id, tags, {})
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, {}) RETURNING {}",
            CLOCK_COLUMNS.join(", "),
            (10..10 + CLOCK_COLUMNS.len())
                .map(|i| format!("coalesce(?{i}, {})", clock_default(i - 10)))
                .collect::<Vec<_>>()
                .join(", "),
            RETURNING
        )
    });
    let clock = t.sla.map(|c| StoredClock::new(c, t.status).values());
    let clock = clock.unwrap_or_default();
    let mut stmt = conn.prepare_cached(&SQL)?;
    let head = params![
        t.title,
        t.description,
        status_rank(t.status),
        priority_rank(t.priority),
        to_micros(t.creation_date),
        t.resolution_date.map(to_micros),
        t.requester_id,
        t.assigned_agent_id,
        tags_json(t.tags)
    ];
    let all: Vec<&dyn rusqlite::ToSql> = head
        .iter()
        .copied()
        .chain(clock.iter().map(|v| v as &dyn rusqlite::ToSql))
        .collect();
    stmt.query_row(all.as_slice(), from_row)
}

/// What a clock column holds for a ticket without clocks (the schema's default).
fn clock_default(i: usize) -> &'static str {
    match CLOCK_COLUMNS[i] {
        "sla_paused_us" | "sla_breached" => "0",
        "sla_next_due" => "9223372036854775807",
        _ => "NULL",
    }
}

/// Ticket `id`'s SLA clocks; `None` without (or no such ticket).
pub fn sla_clock(conn: &Connection, id: i64) -> rusqlite::Result<Option<TicketClock>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {} FROM tickets WHERE id = ?1",
            CLOCK_COLUMNS[..8].join(", ")
        )
    });
    let row = conn
        .prepare_cached(&SQL)?
        .query_row([id], |r| {
            let mut v = [None; 8];
            for (i, slot) in v.iter_mut().enumerate() {
                *slot = r.get(i)?;
            }
            Ok(v)
        })
        .optional()?;
    Ok(row.and_then(StoredClock::clock_from))
}

/// Stores ticket `id`'s clocks.
pub fn save_sla(conn: &Connection, id: i64, clock: &StoredClock) -> rusqlite::Result<()> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        let sets: Vec<String> = CLOCK_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ?{}", i + 2))
            .collect();
        format!("UPDATE tickets SET {} WHERE id = ?1", sets.join(", "))
    });
    let values = clock.values();
    let mut args: Vec<&dyn rusqlite::ToSql> = vec![&id];
    args.extend(values.iter().map(|v| v as &dyn rusqlite::ToSql));
    conn.prepare_cached(&SQL)?.execute(args.as_slice())?;
    Ok(())
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

pub fn update(conn: &Connection, id: i64, s: &TicketState<'_>) -> rusqlite::Result<Ticket> {
    let mut stmt = conn.prepare_cached(&format!(
        "UPDATE tickets SET title = ?2, description = ?3, status = ?4, priority = ?5,
                resolution_date = ?6, assigned_agent_id = ?7, updated_at = ?8, tags = ?9,
                version = version + 1
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
            to_micros(s.updated_at),
            tags_json(s.tags)
        ],
        from_row,
    )
}

/// Marks a ticket as changed now (a comment was added, edited or removed).
pub fn touch(conn: &Connection, id: i64, now: Timestamp) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE tickets SET updated_at = ?2, version = version + 1 WHERE id = ?1")?
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
    let unresolved: Vec<String> = Status::ALL
        .iter()
        .filter(|s| s.is_unresolved())
        .map(|s| status_rank(*s).to_string())
        .collect();
    let mut stmt = conn.prepare_cached(&format!(
        "UPDATE tickets SET assigned_agent_id = NULL, updated_at = ?2, version = version + 1
         WHERE assigned_agent_id = ?1 AND status IN ({}) RETURNING id",
        unresolved.join(", ")
    ))?;
    let ids = stmt.query_map(params![agent_id, to_micros(now)], |r| r.get(0))?;
    ids.collect()
}

type Args = Vec<rusqlite::types::Value>;

/// The `WHERE` conditions (each starting with ` AND`) of a list's filters other than search.
/// `only_requester` restricts a Requester to their own tickets; their search (`fts`) matches
/// a ticket with internal notes by the text they may read only (migration 0012).
/// `now` (µs) is the instant the SLA states are derived at.
fn filters(
    q: &TicketQuery,
    only_requester: Option<i64>,
    fts: Option<&str>,
    now: i64,
) -> (String, Args) {
    let mut sql = String::new();
    let mut args: Args = Vec::new();
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
    for id in [only_requester, q.requester_id].into_iter().flatten() {
        sql.push_str(" AND t.requester_id = ?");
        args.push(id.into());
    }
    if q.unassigned {
        sql.push_str(" AND t.assigned_agent_id IS NULL");
    } else if let Some(id) = q.assigned_agent_id {
        sql.push_str(" AND t.assigned_agent_id = ?");
        args.push(id.into());
    }
    for tag in &q.tag {
        sql.push_str(" AND t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag = ?)");
        args.push(tag.clone().into());
    }
    if !q.sla.is_empty() {
        let cond = sla_condition(&q.sla, "?", "t.sla_breached = 1", "t.sla_breached = 0");
        // The instant, once for every place it is used.
        args.extend(std::iter::repeat_n(now.into(), cond.matches('?').count()));
        sql.push_str(&format!(" AND {cond}"));
    }
    if let (Some(_), Some(m)) = (only_requester, fts) {
        sql.push_str(
            " AND (NOT EXISTS (SELECT 1 FROM comments n WHERE n.ticket_id = t.id AND n.is_internal = 1)
                   OR t.id IN (SELECT rowid FROM public_search WHERE public_search MATCH ?))",
        );
        args.push(m.to_string().into());
    }
    (sql, args)
}

fn order_by(sort: SortKey) -> String {
    let dir = if sort.descending { "DESC" } else { "ASC" };
    let cols: Vec<String> = sort_columns(sort.field)
        .iter()
        .map(|c| format!("{c} {dir}"))
        .collect();
    format!(" ORDER BY {}", cols.join(", "))
}

/// The list's total. Without search, requester, tag or SLA filters it is a sum over
/// `ticket_counts`. A search's total walks every match, so it is remembered in `counts` until
/// the data changes; a total with SLA filters also until a state could change
/// ([`sla_stable_until`]).
fn total(
    conn: &Connection,
    counts: &CountCache,
    q: &TicketQuery,
    only_requester: Option<i64>,
    fts: Option<&str>,
    now: i64,
) -> rusqlite::Result<u64> {
    let count = |sql: &str, args: Args| count_of(conn, sql, args);
    if let Some(m) = fts {
        let (where_sql, mut args) = filters(q, only_requester, Some(m), now);
        args.insert(0, m.to_string().into());
        let sql = if where_sql.is_empty() {
            "SELECT count(*) FROM ticket_search WHERE ticket_search MATCH ?".to_string()
        } else {
            format!(
                "SELECT count(*) FROM ticket_search s JOIN tickets t ON t.id = s.rowid WHERE ticket_search MATCH ?{where_sql}"
            )
        };
        if !q.sla.is_empty() {
            return timed_count(conn, counts, q, only_requester, fts, now, &sql, args);
        }
        let key = format!("{sql}\u{0}{args:?}");
        // Before the count starts its snapshot: see `counts`.
        let generation = counts.generation();
        if let Some(n) = counts.get(&key, generation) {
            return Ok(n);
        }
        let n = count(&sql, args)?;
        counts.put(key, generation, n);
        Ok(n)
    } else if only_requester.is_none()
        && q.requester_id.is_none()
        && q.tag.is_empty()
        && q.sla.is_empty()
    {
        let mut sql = String::from("SELECT coalesce(sum(n), 0) FROM ticket_counts WHERE 1 = 1");
        let mut args: Args = Vec::new();
        let mut in_list = |col: &str, vals: Vec<i64>| {
            if !vals.is_empty() {
                sql.push_str(&format!(
                    " AND {col} IN ({})",
                    vec!["?"; vals.len()].join(", ")
                ));
                args.extend(vals.into_iter().map(Into::into));
            }
        };
        in_list("status", q.status.iter().map(|s| status_rank(*s)).collect());
        in_list(
            "priority",
            q.priority.iter().map(|p| priority_rank(*p)).collect(),
        );
        if q.unassigned {
            sql.push_str(" AND assigned_agent_id = 0");
        } else if let Some(id) = q.assigned_agent_id {
            sql.push_str(" AND assigned_agent_id = ?");
            args.push(id.into());
        }
        count(&sql, args)
    } else {
        let (where_sql, args) = filters(q, only_requester, None, now);
        let sql = format!(
            "SELECT count(*) FROM tickets t{} WHERE 1 = 1{where_sql}",
            few_hint(q)
        );
        if q.sla.is_empty() {
            count(&sql, args)
        } else {
            timed_count(conn, counts, q, only_requester, None, now, &sql, args)
        }
    }
}

/// For SLA filters of running clocks not yet due only (`ok`, `at_risk`): walk the
/// `sla_next_due` index, a short range, whatever the sort. The planner cannot tell how few
/// such tickets there are and would walk the sort's index past every other ticket to fill a
/// page (`BENCHMARKS.md`, "SLA filters").
fn few_hint(q: &TicketQuery) -> &'static str {
    if sla_states_are_few(&q.sla) {
        " INDEXED BY tickets_sla_due"
    } else {
        ""
    }
}

/// The count of `sql` (with SLA filters, at `now`), remembered until the data changes or
/// the first instant after `now` at which a ticket's state could change.
#[allow(clippy::too_many_arguments)]
fn timed_count(
    conn: &Connection,
    counts: &CountCache,
    q: &TicketQuery,
    only_requester: Option<i64>,
    fts: Option<&str>,
    now: i64,
    sql: &str,
    args: Args,
) -> rusqlite::Result<u64> {
    // The key names the filters, not the instant they were applied at.
    let key = format!(
        "{sql}\u{0}{fts:?}\u{0}{:?}",
        filters(q, only_requester, fts, 0).1
    );
    counts.count_until(&key, now, || {
        Ok((count_of(conn, sql, args)?, sla_stable_until(conn, now)?))
    })
}

/// The count a `SELECT count(*)` statement answers.
fn count_of(conn: &Connection, sql: &str, args: Args) -> rusqlite::Result<u64> {
    let n: i64 = conn
        .prepare_cached(sql)?
        .query_row(rusqlite::params_from_iter(args), |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The first instant after `now` at which a ticket's SLA state changes by time alone (an
/// at-risk or a due time); [`NO_DUE`] when none will.
pub(super) fn sla_stable_until(conn: &Connection, now: i64) -> rusqlite::Result<i64> {
    let next: Option<i64> = conn
        .prepare_cached(
            "SELECT min(x) FROM (
               SELECT min(sla_next_due) AS x FROM tickets WHERE sla_next_due > ?1
               UNION ALL
               SELECT min(sla_next_risk) FROM tickets WHERE sla_next_risk > ?1)",
        )?
        .query_row([now], |r| r.get(0))?;
    Ok(next.unwrap_or(NO_DUE))
}

/// Why a list query cannot run.
pub enum ListError {
    Sql(rusqlite::Error),
    /// The `after` cursor does not belong to this sort.
    BadCursor,
}

impl From<rusqlite::Error> for ListError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sql(e)
    }
}

/// One page of tickets. Search results (`q`) are newest first by id unless `sort` is given;
/// they are walked in the full-text index's own order, so a common term costs no more than a
/// rare one. Other pages select ids on a covering index first and join the rest for those
/// rows only; `after` turns the offset into a keyset seek.
pub fn list(
    conn: &Connection,
    counts: &CountCache,
    q: &TicketQuery,
    sort: SortKey,
    only_requester: Option<i64>,
) -> Result<ListPage, ListError> {
    let fts = match &q.q {
        Some(text) => match super::search::fts_query(conn, counts, text)? {
            Some(m) => Some(m),
            None => return Ok(ListPage::empty(0)),
        },
        None => None,
    };
    let now = to_micros(tms_core::timefmt::now());
    let (mut where_sql, mut args) = filters(q, only_requester, fts.as_deref(), now);
    let offset = match &q.after {
        Some(c) => {
            let vals = cursor_values(sort, c).ok_or(ListError::BadCursor)?;
            where_sql.push_str(&keyset(sort, &vec!["?".to_string(); vals.len()]));
            args.extend(vals.into_iter().map(Into::into));
            0
        }
        None => q.page.saturating_sub(1).saturating_mul(q.size),
    };
    let total = total(conn, counts, q, only_requester, fts.as_deref(), now)?;
    if q.after.is_none() && offset >= total {
        return Ok(ListPage::empty(total));
    }
    let limit: rusqlite::types::Value = i64::try_from(q.size).unwrap_or(100).into();
    let offset: rusqlite::types::Value = i64::try_from(offset).unwrap_or(i64::MAX).into();
    let order = order_by(sort);
    // CROSS JOIN keeps the page of ids as the outer loop: with a bound LIMIT the planner may
    // otherwise walk every ticket and probe the page.
    let sql = match &fts {
        Some(m) if sort.field == SortField::Id => {
            args.insert(0, m.clone().into());
            let dir = if sort.descending { "DESC" } else { "ASC" };
            format!(
                "SELECT {COLUMNS}, {PEOPLE} FROM ticket_search s JOIN tickets t ON t.id = s.rowid {JOIN_PEOPLE}
                 WHERE ticket_search MATCH ?{where_sql} ORDER BY s.rowid {dir} LIMIT ? OFFSET ?"
            )
        }
        Some(m) => {
            args.push(m.clone().into());
            format!(
                "SELECT {COLUMNS}, {PEOPLE} FROM tickets t {JOIN_PEOPLE} WHERE 1 = 1{where_sql}
                 AND t.id IN (SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?){order} LIMIT ? OFFSET ?"
            )
        }
        // The page's rows come in no particular order (sorting ~50 KB of rows in SQL costs
        // more than it should); they are put back in order below.
        None => format!(
            "SELECT {COLUMNS}, {PEOPLE} FROM
               (SELECT t.id AS pid FROM tickets t{} WHERE 1 = 1{where_sql}{order} LIMIT ? OFFSET ?) p
             CROSS JOIN tickets t ON t.id = p.pid {JOIN_PEOPLE}",
            few_hint(q)
        ),
    };
    args.push(limit);
    args.push(offset);
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut items = stmt
        .query_map(rusqlite::params_from_iter(args), item_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if fts.is_none() {
        items.sort_unstable_by(|a, b| in_order(sort, &a.ticket, &b.ticket));
    }
    Ok(ListPage::of(items, total, sort, q.size))
}

/// Every tag in use with how many tickets carry it, most used first (then by name).
pub fn tag_counts(conn: &Connection) -> rusqlite::Result<Vec<(String, u64)>> {
    conn.prepare_cached(
        "SELECT tag, count(*) AS n FROM ticket_tags GROUP BY tag ORDER BY n DESC, tag",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}
