//! The values that cross the storage interface, the same for every engine.

use tms_core::HistoryKind;
use tms_core::api::{HistoryActor, HistoryEntry, Ticket, TicketListItem, User};
use tms_core::timefmt::{Timestamp, to_micros};
use tms_core::{Priority, Role, Status};

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
    /// Distinct and in order (`tms_core::validate::tag_set`).
    pub tags: &'a [String],
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
    /// Distinct and in order (`tms_core::validate::tag_set`).
    pub tags: &'a [String],
}

impl<'a> TicketState<'a> {
    /// The state `t` is in.
    pub fn of(t: &'a Ticket) -> Self {
        Self {
            title: &t.title,
            description: &t.description,
            status: t.status,
            priority: t.priority,
            resolution_date: t.resolution_date,
            assigned_agent_id: t.assigned_agent_id,
            updated_at: t.updated_at,
            tags: t.tags.as_deref().unwrap_or_default(),
        }
    }
}

/// A helpdesk agent who may be given new tickets (active), with their workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentLoad {
    pub id: i64,
    pub username: String,
    pub is_away: bool,
    /// Tickets assigned to them that are Open or In Progress.
    pub open: u64,
}

/// The changes of an account, already validated; `None` keeps a field.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub username: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    pub is_away: Option<bool>,
    pub password_hash: Option<String>,
}

/// A live session: its id, its user, when it was last used and when it ends.
pub struct SessionUser {
    pub session_id: i64,
    pub user: User,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A page of a list: its rows, the total, and the cursor of the next page.
pub struct ListPage {
    pub items: Vec<TicketListItem>,
    pub total: u64,
    pub next_cursor: Option<String>,
}

/// A field of a ticket whose changes the history keeps (`ticket_history.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Description,
    Status,
    Priority,
    Assignee,
    ResolutionDate,
    Tags,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Description => "description",
            Field::Status => "status",
            Field::Priority => "priority",
            Field::Assignee => "assignee",
            Field::ResolutionDate => "resolution_date",
            Field::Tags => "tags",
        }
    }
}

/// The latest change of a field: who made it and the value it replaced (as stored).
pub struct LastChange {
    pub actor_id: i64,
    pub old_value: Option<String>,
}

/// Each field's value in the text form history stores: tags separated by spaces, `None` for
/// none.
fn values(s: &TicketState<'_>) -> [(Field, Option<String>); 7] {
    [
        (Field::Title, Some(s.title.to_string())),
        (Field::Description, Some(s.description.to_string())),
        (Field::Status, Some(s.status.to_string())),
        (Field::Priority, Some(s.priority.to_string())),
        (Field::Assignee, s.assigned_agent_id.map(|a| a.to_string())),
        (
            Field::ResolutionDate,
            s.resolution_date.map(|t| to_micros(t).to_string()),
        ),
        (Field::Tags, (!s.tags.is_empty()).then(|| s.tags.join(" "))),
    ]
}

/// The stored text of `field`'s value in `t`.
pub fn value_of(t: &Ticket, field: Field) -> Option<String> {
    values(&TicketState::of(t))
        .into_iter()
        .find(|(f, _)| *f == field)
        .and_then(|(_, v)| v)
}

/// Every field that differs between `old` and `new`: (field, old value, new value), as stored.
pub fn field_changes(
    old: &Ticket,
    new: &TicketState<'_>,
) -> Vec<(Field, Option<String>, Option<String>)> {
    values(&TicketState::of(old))
        .into_iter()
        .zip(values(new))
        .filter(|((_, was), (_, is))| was != is)
        .map(|((field, was), (_, is))| (field, was, is))
        .collect()
}

/// A generated ticket with its thread.
pub struct BulkTicket {
    pub title: String,
    pub description: String,
    pub status: Status,
    pub priority: Priority,
    pub requester_id: i64,
    pub assigned_agent_id: Option<i64>,
    pub creation_date: Timestamp,
    pub updated_at: Timestamp,
    pub resolution_date: Option<Timestamp>,
    /// Distinct and sorted, as `tms_core::validate::tag_set` leaves them.
    pub tags: Vec<String>,
    /// `(author, text, at)`
    pub comments: Vec<(i64, String, Timestamp)>,
}

/// A ticket's history being put together from its rows, the same on every engine: its filing,
/// its field changes and its comments, oldest first (ties: filing, then changes and comments
/// in the order they were stored).
pub struct Timeline {
    /// (time, place among equal times, entry)
    all: Vec<(Timestamp, i64, HistoryEntry)>,
}

impl Timeline {
    /// Starts with the ticket's filing by `filer`, under the title it was filed with.
    pub fn new(t: &Ticket, filer: HistoryActor, filed_title: String) -> Self {
        let filed = HistoryEntry {
            at: t.creation_date,
            actor: filer,
            kind: HistoryKind::Created,
            from: None,
            to: Some(filed_title),
        };
        Self {
            all: vec![(t.creation_date, 0, filed)],
        }
    }

    /// The change row `seq` (values as the API shows them); a kind this build does not know
    /// is left out.
    pub fn change(
        &mut self,
        seq: i64,
        at: Timestamp,
        kind: &str,
        from: Option<String>,
        to: Option<String>,
        actor: HistoryActor,
    ) {
        if let Ok(kind) = kind.parse::<HistoryKind>() {
            let entry = HistoryEntry {
                at,
                actor,
                kind,
                from,
                to,
            };
            self.all.push((at, 1 + seq * 2, entry));
        }
    }

    /// Comment `id` (an internal note if `internal`).
    pub fn comment(
        &mut self,
        id: i64,
        at: Timestamp,
        text: String,
        internal: bool,
        actor: HistoryActor,
    ) {
        let entry = HistoryEntry {
            at,
            actor,
            kind: if internal {
                HistoryKind::InternalNote
            } else {
                HistoryKind::Comment
            },
            from: None,
            to: Some(text),
        };
        self.all.push((at, 2 + id * 2, entry));
    }

    pub fn into_entries(mut self) -> Vec<HistoryEntry> {
        self.all.sort_by_key(|(at, order, _)| (*at, *order));
        self.all.into_iter().map(|(_, _, e)| e).collect()
    }
}

/// A stored history value as the API shows it, where no lookup is needed: a resolution date
/// in the wire form; `None` when it names an assignee, whose username the engine looks up.
pub fn shown_value(kind: &str, value: &str) -> Option<String> {
    match kind {
        "assignee" if value.parse::<i64>().is_ok() => None,
        "resolution_date" => Some(match value.parse::<i64>() {
            Ok(us) => tms_core::timefmt::format(tms_core::timefmt::from_micros(us)),
            Err(_) => value.to_string(),
        }),
        _ => Some(value.to_string()),
    }
}

/// A saved view's fields, as stored.
pub struct ViewFields<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub query: &'a str,
    pub shared: bool,
}
