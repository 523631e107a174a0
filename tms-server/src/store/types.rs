//! The values that cross the storage interface, the same for every engine.

use tms_core::HistoryKind;
use tms_core::api::{HistoryActor, HistoryEntry, Ticket, TicketListItem, User};
use tms_core::sla::{Deadline, TicketClock, derive_state};
use tms_core::timefmt::{Timestamp, from_micros, to_micros};
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
    /// Its SLA clocks, started when it was filed while the SLA was on.
    pub sla: Option<TicketClock>,
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

/// The SLA columns a ticket is read with, after its others, on every engine (migrations
/// sqlite/0014, postgres/0007); a macro so that each engine's column list stays a constant.
macro_rules! sla_columns {
    () => {
        "t.sla_first_response_due, t.sla_resolution_due, t.sla_first_responded_at, \
         t.sla_breached, t.sla_paused_at, t.sla_next_due, t.sla_next_risk"
    };
}
/// [`sla_columns`] without the alias, for `RETURNING`.
macro_rules! sla_returning {
    () => {
        "sla_first_response_due, sla_resolution_due, sla_first_responded_at, sla_breached, \
         sla_paused_at, sla_next_due, sla_next_risk"
    };
}
pub(crate) use {sla_columns, sla_returning};
/// How many [`sla_columns`] there are.
pub const SLA_NCOLS: usize = 7;
/// Every column of a ticket's clocks, in the order [`StoredClock`] binds and reads them.
pub const CLOCK_COLUMNS: [&str; 10] = [
    "sla_first_response_due",
    "sla_first_response_risk",
    "sla_resolution_due",
    "sla_resolution_risk",
    "sla_first_responded_at",
    "sla_paused_at",
    "sla_paused_us",
    "sla_breached",
    "sla_next_due",
    "sla_next_risk",
];
/// `sla_next_due` when no clock runs: after every real instant, so such tickets sort last.
pub const NO_DUE: i64 = i64::MAX;

/// What a ticket shows of its SLA, as [`sla_columns`] hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaColumns {
    pub first_response_due: Option<i64>,
    pub resolution_due: Option<i64>,
    pub first_responded_at: Option<i64>,
    pub breached: bool,
    pub paused_at: Option<i64>,
    pub next_due: i64,
    pub next_risk: Option<i64>,
}

impl SlaColumns {
    /// The columns of a ticket in `status` with no clocks.
    pub const NONE: Self = Self {
        first_response_due: None,
        resolution_due: None,
        first_responded_at: None,
        breached: false,
        paused_at: None,
        next_due: NO_DUE,
        next_risk: None,
    };

    /// Sets `t`'s SLA fields as they stand at `now` (µs): its state is derived here, at
    /// read time, from what is stored (`tms_core::sla::derive_state`).
    pub fn show(&self, t: &mut Ticket, now: i64) {
        let Some(resolution_due) = self.resolution_due else {
            t.first_response_due = None;
            t.resolution_due = None;
            t.first_responded_at = None;
            t.sla_next_due = None;
            t.sla_state = None;
            return;
        };
        let next = (self.next_due != NO_DUE).then_some(Deadline {
            due: self.next_due,
            risk: self.next_risk.unwrap_or(self.next_due),
        });
        t.first_response_due = self.first_response_due.map(from_micros);
        t.resolution_due = Some(from_micros(resolution_due));
        t.first_responded_at = self.first_responded_at.map(from_micros);
        t.sla_next_due = next.map(|d| from_micros(d.due));
        t.sla_state = Some(derive_state(
            self.breached,
            self.paused_at.is_some(),
            next,
            now,
        ));
    }
}

/// A ticket's clocks as [`CLOCK_COLUMNS`] store them, with the running deadline for a ticket
/// in a given status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredClock {
    pub clock: TicketClock,
    pub next: Option<Deadline>,
}

impl StoredClock {
    pub fn new(clock: TicketClock, status: Status) -> Self {
        Self {
            clock,
            next: clock.running(status),
        }
    }

    /// The values of [`CLOCK_COLUMNS`], in order (the flag as 0 or 1).
    pub fn values(&self) -> [Option<i64>; 10] {
        let c = &self.clock;
        [
            Some(c.first_response.due),
            Some(c.first_response.risk),
            Some(c.resolution.due),
            Some(c.resolution.risk),
            c.first_responded_at,
            c.paused_at,
            Some(c.paused_us),
            Some(i64::from(c.breached)),
            Some(self.next.map_or(NO_DUE, |d| d.due)),
            self.next.map(|d| d.risk),
        ]
    }

    /// The clock the first eight of [`CLOCK_COLUMNS`] hold; `None` for a ticket without one.
    pub fn clock_from(v: [Option<i64>; 8]) -> Option<TicketClock> {
        Some(TicketClock {
            first_response: Deadline {
                due: v[0]?,
                risk: v[1]?,
            },
            resolution: Deadline {
                due: v[2]?,
                risk: v[3]?,
            },
            first_responded_at: v[4],
            paused_at: v[5],
            paused_us: v[6].unwrap_or(0),
            breached: v[7].unwrap_or(0) != 0,
        })
    }

    /// What the ticket then shows.
    pub fn columns(&self) -> SlaColumns {
        let c = &self.clock;
        SlaColumns {
            first_response_due: Some(c.first_response.due),
            resolution_due: Some(c.resolution.due),
            first_responded_at: c.first_responded_at,
            breached: c.breached,
            paused_at: c.paused_at,
            next_due: self.next.map_or(NO_DUE, |d| d.due),
            next_risk: self.next.map(|d| d.risk),
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
    /// Its SLA clocks, if it has them.
    pub sla: Option<TicketClock>,
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

/// The instants a dashboard is counted over (`Read::stats`), in µs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsWindow {
    /// The start of the first day counted per day (inclusive).
    pub from: i64,
    /// The end of the last day counted per day (exclusive).
    pub to: i64,
    /// The instant SLA states are derived at.
    pub now: i64,
}

/// Microseconds in a day: per-day counts bucket stored instants by `µs / DAY_US` (UTC days).
pub const DAY_US: i64 = 86_400_000_000;

/// What a dashboard is made of (`Read::stats`), the same on every engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsCounts {
    pub by_status: tms_core::api::StatusCounts,
    pub by_priority: tms_core::api::PriorityCounts,
    /// (UTC day since the epoch, tickets created that day), days with none left out.
    pub created: Vec<(i64, u64)>,
    /// (UTC day since the epoch, Resolved tickets with that resolution day).
    pub resolved: Vec<(i64, u64)>,
    /// Assignees with Open or In Progress tickets, most first, then by id.
    pub open_per_agent: Vec<tms_core::api::AgentOpen>,
    /// The 5 oldest Open or In Progress tickets, oldest first (then by id).
    pub oldest_open: Vec<tms_core::api::TicketBrief>,
    /// The SLA states at `now` (the service leaves them out while the policy is off).
    pub sla: Option<tms_core::api::SlaCounts>,
}

impl StatsCounts {
    /// Adds `n` tickets of the stored ranks `status` and `priority` (a `ticket_counts` row).
    pub fn add_bucket(&mut self, status: i64, priority: i64, n: u64) {
        if let Some(s) = Status::ALL.iter().find(|s| i64::from(s.rank()) == status) {
            *self.by_status.get_mut(*s) += n;
        }
        if let Some(p) = Priority::ALL
            .iter()
            .find(|p| i64::from(p.rank()) == priority)
        {
            *self.by_priority.get_mut(*p) += n;
        }
    }

    /// Orders the agents most first, then by id.
    pub fn sort_agents(&mut self) {
        self.open_per_agent
            .sort_by(|a, b| b.open.cmp(&a.open).then(a.agent.id.cmp(&b.agent.id)));
    }

    /// Keeps the 5 oldest of the candidates gathered per status.
    pub fn keep_oldest(&mut self) {
        self.oldest_open.sort_by(|a, b| {
            (to_micros(a.creation_date), a.id).cmp(&(to_micros(b.creation_date), b.id))
        });
        self.oldest_open.truncate(OLDEST_OPEN);
    }
}

/// How many of the oldest open tickets a dashboard shows.
pub const OLDEST_OPEN: usize = 5;

/// The status of a stored rank.
pub fn status_of_rank(rank: i64) -> Option<Status> {
    Status::ALL
        .iter()
        .copied()
        .find(|s| i64::from(s.rank()) == rank)
}

/// The priority of a stored rank.
pub fn priority_of_rank(rank: i64) -> Option<Priority> {
    Priority::ALL
        .iter()
        .copied()
        .find(|p| i64::from(p.rank()) == rank)
}
