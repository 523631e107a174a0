//! The human sentences of the activity log for updates: what changed, in the seed's wording.

use tms_core::Status;
use tms_core::api::Ticket;

use crate::db::{tickets::TicketState, users};
use crate::error::AppError;

fn name(conn: &rusqlite::Connection, id: Option<i64>) -> Result<String, AppError> {
    Ok(match id {
        None => "nobody".into(),
        Some(id) => users::get(conn, id)?.map_or_else(|| format!("user {id}"), |u| u.username),
    })
}

/// `None` if nothing changes; otherwise e.g. "updated ticket 12: status Open → In Progress,
/// assignee nobody → John", or "ticket 12 has been resolved" when it moves to Resolved.
pub fn describe_ticket_changes(
    conn: &rusqlite::Connection,
    old: &Ticket,
    new: &TicketState<'_>,
) -> Result<Option<String>, AppError> {
    let mut parts = Vec::new();
    if old.title != new.title {
        parts.push(format!("title \"{}\" → \"{}\"", old.title, new.title));
    }
    if old.description != new.description {
        parts.push("description edited".to_string());
    }
    if old.status != new.status {
        parts.push(format!("status {} → {}", old.status, new.status));
    }
    if old.priority != new.priority {
        parts.push(format!("priority {} → {}", old.priority, new.priority));
    }
    if old.assigned_agent_id != new.assigned_agent_id {
        parts.push(format!(
            "assignee {} → {}",
            name(conn, old.assigned_agent_id)?,
            name(conn, new.assigned_agent_id)?
        ));
    }
    if old.resolution_date != new.resolution_date && old.status == new.status {
        parts.push("resolution date changed".to_string());
    }
    if parts.is_empty() {
        return Ok(None);
    }
    let id = old.id;
    let head = if new.status == Status::Resolved && old.status != Status::Resolved {
        format!("ticket {id} has been resolved")
    } else {
        format!("updated ticket {id}")
    };
    Ok(Some(format!("{head}: {}", parts.join(", "))))
}
