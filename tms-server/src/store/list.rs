//! What both engines share about ticket lists: the stored ranks of statuses and priorities,
//! the columns of each sort order, and the keyset cursors (`docs/API.md`, "Paging").

use tms_core::api::{SortField, SortKey, Ticket, TicketListItem};
use tms_core::sla::SlaState;
use tms_core::timefmt::to_micros;
use tms_core::{Priority, Status};

use super::NO_DUE;

/// How a status is stored: its rank (Open 0, In Progress 1, Resolved 2).
pub fn status_rank(s: Status) -> i64 {
    i64::from(s.rank())
}

/// How a priority is stored: its rank (Low 0, Medium 1, High 2).
pub fn priority_rank(p: Priority) -> i64 {
    i64::from(p.rank())
}

/// The sort columns, in order, for a sort field.
pub fn sort_columns(field: SortField) -> &'static [&'static str] {
    match field {
        SortField::Id => &["t.id"],
        SortField::CreationDate => &["t.creation_date", "t.id"],
        SortField::UpdatedAt => &["t.updated_at", "t.id"],
        SortField::Priority => &["t.priority", "t.creation_date", "t.id"],
        SortField::Status => &["t.status", "t.creation_date", "t.id"],
        SortField::Due => &["t.sla_next_due", "t.id"],
    }
}

/// The stored `sla_next_due` of `t`: its earliest running due time, else [`NO_DUE`].
fn next_due(t: &Ticket) -> i64 {
    t.sla_next_due.map_or(NO_DUE, to_micros)
}

/// Whether every state of an `sla=` filter is one of running clocks not yet due (`ok`,
/// `at_risk`): few tickets at any time, found through the `sla_next_due` index.
pub fn sla_states_are_few(states: &[SlaState]) -> bool {
    !states.is_empty()
        && states
            .iter()
            .all(|s| matches!(s, SlaState::Ok | SlaState::AtRisk))
}

/// The condition (in parentheses) that a ticket's SLA state at the instant bound at `now` is
/// one of `states`, on the columns of migration sqlite/0014 (postgres/0007): the state is
/// derived there exactly as `tms_core::sla::derive_state` derives it. `breached` and
/// `not_breached` test the engine's flag column.
pub fn sla_condition(states: &[SlaState], now: &str, breached: &str, not_breached: &str) -> String {
    let one = |s: &SlaState| match s {
        SlaState::Breached => format!("{breached} OR t.sla_next_due <= {now}"),
        // Both bounded on `sla_next_due` (running clocks not yet due: few), so that they are
        // a short range of its index rather than a walk over every ticket.
        SlaState::AtRisk => format!(
            "{not_breached} AND t.sla_next_due > {now} AND t.sla_next_due < {NO_DUE} \
             AND t.sla_next_risk <= {now}"
        ),
        SlaState::Ok => format!(
            "{not_breached} AND t.sla_next_due > {now} AND t.sla_next_due < {NO_DUE} \
             AND t.sla_next_risk > {now}"
        ),
        SlaState::Paused => format!("{not_breached} AND t.sla_paused_at IS NOT NULL"),
        SlaState::Met => format!(
            "{not_breached} AND t.sla_paused_at IS NULL AND t.sla_next_due = {NO_DUE} \
             AND t.sla_resolution_due IS NOT NULL"
        ),
    };
    let parts: Vec<String> = states.iter().map(|s| format!("({})", one(s))).collect();
    format!("({})", parts.join(" OR "))
}

fn cursor_tag(field: SortField) -> &'static str {
    match field {
        SortField::Id => "i",
        SortField::Due => "d",
        SortField::CreationDate => "c",
        SortField::UpdatedAt => "u",
        SortField::Priority => "p",
        SortField::Status => "s",
    }
}

/// How `a` and `b` compare in `sort` order: the columns of [`sort_columns`], in Rust.
pub fn in_order(sort: SortKey, a: &Ticket, b: &Ticket) -> std::cmp::Ordering {
    let key = |t: &Ticket| -> (i64, i64, i64) {
        let created = to_micros(t.creation_date);
        match sort.field {
            SortField::Id => (t.id, 0, 0),
            SortField::CreationDate => (created, t.id, 0),
            SortField::UpdatedAt => (to_micros(t.updated_at), t.id, 0),
            SortField::Priority => (priority_rank(t.priority), created, t.id),
            SortField::Status => (status_rank(t.status), created, t.id),
            SortField::Due => (next_due(t), t.id, 0),
        }
    };
    let ascending = key(a).cmp(&key(b));
    if sort.descending {
        ascending.reverse()
    } else {
        ascending
    }
}

/// The cursor after `t` in `sort` order: the values of the sort columns, dot-separated.
pub fn cursor_of(sort: SortKey, t: &Ticket) -> String {
    let created = to_micros(t.creation_date);
    let vals: Vec<i64> = match sort.field {
        SortField::Id => vec![t.id],
        SortField::CreationDate => vec![created, t.id],
        SortField::UpdatedAt => vec![to_micros(t.updated_at), t.id],
        SortField::Priority => vec![priority_rank(t.priority), created, t.id],
        SortField::Status => vec![status_rank(t.status), created, t.id],
        SortField::Due => vec![next_due(t), t.id],
    };
    cursor_from(sort, &vals)
}

/// The cursor after the row whose stored values of the [`sort_columns`] are `vals`.
pub fn cursor_from(sort: SortKey, vals: &[i64]) -> String {
    let dir = if sort.descending { "d" } else { "a" };
    let vals: Vec<String> = vals.iter().map(i64::to_string).collect();
    format!("{}{dir}.{}", cursor_tag(sort.field), vals.join("."))
}

/// The sort-column values a cursor names, or `None` if it was not made for this sort.
pub fn cursor_values(sort: SortKey, cursor: &str) -> Option<Vec<i64>> {
    let mut parts = cursor.split('.');
    let dir = if sort.descending { "d" } else { "a" };
    if parts.next()? != format!("{}{dir}", cursor_tag(sort.field)) {
        return None;
    }
    let vals: Vec<i64> = parts.map(|p| p.parse().ok()).collect::<Option<_>>()?;
    (vals.len() == sort_columns(sort.field).len()).then_some(vals)
}

/// The keyset condition (` AND (columns) < (values)`, or `>` ascending) of a cursor whose
/// values are bound at `marks`, one per sort column.
pub fn keyset(sort: SortKey, marks: &[String]) -> String {
    let op = if sort.descending { "<" } else { ">" };
    format!(
        " AND ({}) {op} ({})",
        sort_columns(sort.field).join(", "),
        marks.join(", ")
    )
}

impl super::ListPage {
    /// A page with no rows.
    pub fn empty(total: u64) -> Self {
        Self {
            items: Vec::new(),
            total,
            next_cursor: None,
        }
    }

    /// A page of `items` in `sort` order; a full page (`size` rows) carries the cursor of the
    /// next one.
    /// A page whose next cursor was made from the rows that chose it.
    pub fn with_cursor(
        items: Vec<TicketListItem>,
        total: u64,
        next_cursor: Option<String>,
    ) -> Self {
        Self {
            items,
            total,
            next_cursor,
        }
    }

    pub fn of(items: Vec<TicketListItem>, total: u64, sort: SortKey, size: u64) -> Self {
        let next_cursor = (items.len() as u64 == size)
            .then(|| items.last().map(|i| cursor_of(sort, &i.ticket)))
            .flatten();
        Self {
            items,
            total,
            next_cursor,
        }
    }
}
