//! Overlays drawn over a screen: help, the command line, pickers, confirmations, one-line
//! prompts and the comment/description composer. Each is plain data; `handle` gives the keys
//! meaning.

mod handle;
pub mod people;

pub use handle::{on_editor_done, on_key, on_sent};
pub use people::{
    assign_picker, assigning, log_user_picker, people_found, requester_picker, staff_changed,
    users_found,
};

use super::State;
use super::command::CommandLine;
use super::keymap::Ctx;
use crate::screens::queue::SlaFilter;
use crate::widgets::{TextArea, TextInput};
use tms_core::api::{SortField, SortKey, UserSummary};
use tms_core::{ActivityType, Priority, Role, Status};

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help { scroll: usize },
    Command(CommandLine),
    Picker(Picker),
    Confirm(Confirm),
    Prompt(Prompt),
    Compose(Compose),
}

impl Overlay {
    pub fn ctx(&self) -> Ctx {
        match self {
            Overlay::Help { .. } => Ctx::Help,
            Overlay::Command(_) => Ctx::Command,
            Overlay::Picker(p) if p.search.is_some() => Ctx::Finder,
            Overlay::Picker(_) => Ctx::Picker,
            Overlay::Confirm(_) => Ctx::Confirm,
            Overlay::Prompt(_) => Ctx::Prompt,
            Overlay::Compose(_) => Ctx::Compose,
        }
    }
}

/// A value a picker can hand back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Status(Option<Status>),
    Priority(Option<Priority>),
    Agent(Option<i64>),
    Sort(SortKey),
    Role(Role),
    Activity(Option<ActivityType>),
    User(Option<i64>),
    /// On whose behalf a new ticket is filed; `None` is oneself.
    Requester(Option<i64>),
    /// Whether a new view is shared with every staff member.
    Shared(bool),
    /// The queue's SLA filter; `None` is any.
    Sla(Option<SlaFilter>),
}

/// What the picked value is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickFor {
    TicketStatus(i64),
    TicketPriority(i64),
    Assign(i64),
    FilterStatus,
    FilterPriority,
    FilterSla,
    Sort,
    UserRole(i64),
    LogType,
    LogUser,
    /// The requester field of the new-ticket form.
    Requester,
    /// A field of the tickets marked in the queue.
    Bulk(BulkField),
    /// Whom the view of the queue's tab about to be saved is for.
    SaveView,
}

/// Which field a change of the marked tickets sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkField {
    Status,
    Priority,
    Assignee,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub title: String,
    pub items: Vec<(String, Pick)>,
    pub selected: usize,
    pub purpose: PickFor,
    /// What was typed to narrow a picker of people; `None` for fixed lists.
    pub search: Option<TextInput>,
    /// The people behind the items, as last listed.
    pub people: Vec<UserSummary>,
}

impl Picker {
    fn new(title: &str, items: Vec<(String, Pick)>, current: Pick, purpose: PickFor) -> Self {
        let selected = items.iter().position(|(_, p)| *p == current).unwrap_or(0);
        Picker {
            title: title.to_string(),
            items,
            selected,
            purpose,
            search: None,
            people: Vec::new(),
        }
    }

    fn open(title: &str, items: Vec<(String, Pick)>, current: Pick, purpose: PickFor) -> Overlay {
        Overlay::Picker(Self::new(title, items, current, purpose))
    }

    /// The typed search, trimmed; `None` when nothing is typed.
    pub fn typed(&self) -> Option<String> {
        self.search
            .as_ref()
            .map(|s| s.text().trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// Replaces the items, keeping the highlight on the same choice where it is still listed.
    pub fn set_items(&mut self, items: Vec<(String, Pick)>) {
        let highlighted = self.items.get(self.selected).map(|(_, pick)| *pick);
        self.selected = items
            .iter()
            .position(|(_, pick)| Some(*pick) == highlighted)
            .unwrap_or(0);
        self.items = items;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmFor {
    /// Leave tms although text is unsent (it is kept as drafts).
    Quit,
    /// Assign a ticket a colleague holds to someone else (`None`: unassign it).
    Override {
        id: i64,
        assignee: Option<i64>,
        /// The version the question was asked about.
        version: i64,
    },
    /// Send one change to the marked tickets.
    Bulk(Box<tms_core::api::BulkChangeRequest>),
    /// Send a change again against the ticket's new `version`, after the server refused it
    /// because someone changed the ticket meanwhile.
    Reapply {
        id: i64,
        change: Box<tms_core::api::TicketUpdate>,
        version: i64,
    },
    DeleteTicket(i64),
    DeleteComment {
        ticket_id: i64,
        comment_id: i64,
    },
    DeactivateUser(i64),
    ClearLog,
    DeleteView(i64),
    /// Leave the form in front without saving its changes.
    Discard,
    DeleteWebhook(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub message: String,
    pub action: ConfirmFor,
}

impl Confirm {
    pub fn new(message: String, action: ConfirmFor) -> Self {
        Self { message, action }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptFor {
    Search,
    UserSearch,
    LogTicket,
    /// Ticket `id`'s title, made against the `version` of it shown when the prompt opened.
    Title {
        id: i64,
        version: Option<i64>,
    },
    /// The name of a view of the queue's tab, its filters and sort.
    ViewName {
        shared: bool,
    },
    /// The tags of ticket `id`, replaced by the words typed, made against the `version` of
    /// it shown when the prompt opened.
    Tags {
        id: i64,
        version: Option<i64>,
    },
    /// Tags added (`word`, `+word`) to and taken off (`-word`) the marked tickets.
    BulkTags(Vec<i64>),
    /// The queue's tag filter: tickets carrying every tag typed.
    FilterTags,
    Password {
        user_id: i64,
        username: String,
        email: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub title: String,
    pub input: TextInput,
    pub purpose: PromptFor,
    pub error: Option<String>,
    pub sending: bool,
    /// Known tags that complete the word being typed (tag prompts), most used first.
    pub suggestions: Vec<String>,
}

impl Prompt {
    pub fn new(title: &str, text: &str, purpose: PromptFor) -> Self {
        Self {
            title: title.to_string(),
            input: TextInput::new(text),
            purpose,
            error: None,
            sending: false,
            suggestions: Vec::new(),
        }
    }
}

/// A prompt for tags (`purpose` one of the tag prompts), completing from the tags the server
/// last listed; pair it with a `Request::Tags` to bring those up to date.
pub fn tags_prompt(state: &State, title: &str, text: &str, purpose: PromptFor) -> Overlay {
    let mut p = Prompt::new(title, text, purpose);
    p.suggestions = handle::tag_suggestions(state, text);
    Overlay::Prompt(p)
}

/// Which text a composer edits; also the key its draft is kept under.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum DraftKey {
    Comment(i64),
    /// An internal note on a ticket: staff only, never shown to its requester.
    Note(i64),
    EditComment {
        ticket_id: i64,
        comment_id: i64,
    },
    Description(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compose {
    pub key: DraftKey,
    pub title: String,
    pub area: TextArea,
    /// The text before editing, to tell whether anything would be lost.
    pub original: String,
    /// The version of the ticket whose description this is, as shown when editing began (set
    /// by the ticket screen): the change is made against it, so a description changed
    /// meanwhile by someone else is not overwritten unasked (the screen below may show the
    /// newer one by then).
    pub version: Option<i64>,
    pub error: Option<String>,
    pub sending: bool,
}

/// A composer for `key`, holding its kept draft if there is one, else `original`.
pub fn compose(state: &State, key: DraftKey, original: &str) -> Overlay {
    let title = match key {
        DraftKey::Comment(id) => format!("Reply on ticket {id}"),
        DraftKey::Note(id) => format!("Internal note on ticket {id} (staff only)"),
        DraftKey::EditComment { comment_id, .. } => format!("Edit comment {comment_id}"),
        DraftKey::Description(id) => format!("Description of ticket {id}"),
    };
    let text = state.drafts.get(&key).map_or(original, String::as_str);
    Overlay::Compose(Compose {
        key,
        title,
        area: TextArea::new(text),
        original: original.to_string(),
        version: None,
        error: None,
        sending: false,
    })
}

/// Saving the queue's tab as a view: whom it is for first (SysAdmins may share it), then its
/// name.
pub fn save_view(state: &State) -> Overlay {
    let may_share =
        super::gate::actor(state).is_some_and(|a| tms_core::rules::check_share_view(a).is_ok());
    if !may_share {
        return view_name_prompt(false);
    }
    let items = vec![
        ("For me only".to_string(), Pick::Shared(false)),
        (
            "Shared with every staff member".to_string(),
            Pick::Shared(true),
        ),
    ];
    Picker::open(
        "Save this tab as a view",
        items,
        Pick::Shared(false),
        PickFor::SaveView,
    )
}

/// The name of a view of the queue's tab to save.
pub fn view_name_prompt(shared: bool) -> Overlay {
    let title = if shared {
        "Name of the shared view (this tab, its filters and sort)"
    } else {
        "Name of the view (this tab, its filters and sort)"
    };
    Overlay::Prompt(Prompt::new(title, "", PromptFor::ViewName { shared }))
}

/// Every status, in workflow order, as picker items.
fn status_items() -> impl Iterator<Item = (String, Pick)> {
    Status::ALL
        .iter()
        .map(|s| (s.to_string(), Pick::Status(Some(*s))))
}

/// Every priority, most urgent first, as picker items.
fn priority_items() -> impl Iterator<Item = (String, Pick)> {
    Priority::ALL
        .iter()
        .rev()
        .map(|p| (p.to_string(), Pick::Priority(Some(*p))))
}

pub fn status_picker(id: i64, current: Status) -> Overlay {
    let items = status_items().collect();
    Picker::open(
        &format!("Status of ticket {id}"),
        items,
        Pick::Status(Some(current)),
        PickFor::TicketStatus(id),
    )
}

/// The question before `changes` go to the tickets `ids`; `None` when there is nothing to ask.
pub fn bulk_confirm(
    state: &State,
    ids: Vec<i64>,
    changes: tms_core::api::BulkChanges,
) -> Option<Overlay> {
    if ids.is_empty() {
        return None;
    }
    let me = state.user.as_ref().map(|u| u.id);
    let signed = |tags: &Option<Vec<String>>, sign: char| {
        tags.iter()
            .flatten()
            .map(move |t| format!("{sign}{t}"))
            .collect::<Vec<_>>()
    };
    let mut tagging = signed(&changes.add_tags, '+');
    tagging.extend(signed(&changes.remove_tags, '-'));
    let what = match (
        &changes.status,
        &changes.priority,
        &changes.assigned_agent_id,
    ) {
        (Some(s), ..) => format!("Set status {s} on"),
        (_, Some(p), _) => format!("Set priority {p} on"),
        (_, _, Some(None)) => "Unassign".to_string(),
        (_, _, Some(Some(a))) if Some(*a) == me => "Take".to_string(),
        (_, _, Some(Some(a))) => format!(
            "Assign to {}",
            state
                .staff
                .get(a)
                .map_or_else(|| format!("user {a}"), |u| u.username.clone())
        ),
        _ if !tagging.is_empty() => format!("Tag ({})", tagging.join(" ")),
        _ => return None,
    };
    let n = ids.len();
    let plural = if n == 1 { "" } else { "s" };
    Some(Overlay::Confirm(Confirm::new(
        format!("{what} {n} marked ticket{plural}? All of them change, or none."),
        ConfirmFor::Bulk(Box::new(tms_core::api::BulkChangeRequest { ids, changes })),
    )))
}

/// The status, priority or assignee to set on `n` marked tickets.
pub fn bulk_picker(state: &State, field: BulkField, n: usize) -> Overlay {
    let (title, items, current) = match field {
        BulkField::Status => (
            format!("Status of {n} marked tickets"),
            status_items().collect(),
            Pick::Status(None),
        ),
        BulkField::Priority => (
            format!("Priority of {n} marked tickets"),
            priority_items().collect(),
            Pick::Priority(None),
        ),
        BulkField::Assignee => {
            return people::bulk_assign_picker(state, n);
        }
    };
    Picker::open(&title, items, current, PickFor::Bulk(field))
}

pub fn priority_picker(id: i64, current: Priority) -> Overlay {
    let items = priority_items().collect();
    Picker::open(
        &format!("Priority of ticket {id}"),
        items,
        Pick::Priority(Some(current)),
        PickFor::TicketPriority(id),
    )
}

/// The status filter; `tabs` says "any" means the queue tab's own statuses.
pub fn status_filter(current: Option<Status>, tabs: bool) -> Overlay {
    let any = if tabs {
        "Any status (as the tab shows)"
    } else {
        "Any status"
    };
    let mut items = vec![(any.to_string(), Pick::Status(None))];
    items.extend(status_items());
    Picker::open(
        "Show status",
        items,
        Pick::Status(current),
        PickFor::FilterStatus,
    )
}

pub fn priority_filter(current: Option<Priority>) -> Overlay {
    let mut items = vec![("Any priority".to_string(), Pick::Priority(None))];
    items.extend(priority_items());
    Picker::open(
        "Show priority",
        items,
        Pick::Priority(current),
        PickFor::FilterPriority,
    )
}

pub fn sla_filter(current: Option<SlaFilter>) -> Overlay {
    let mut items = vec![("Any SLA state".to_string(), Pick::Sla(None))];
    items.extend(
        SlaFilter::ALL
            .iter()
            .map(|f| (f.label().to_string(), Pick::Sla(Some(*f)))),
    );
    Picker::open("Show SLA", items, Pick::Sla(current), PickFor::FilterSla)
}

/// The sort orders offered, with their labels.
pub const SORTS: [(&str, SortField, bool); 9] = [
    ("Newest first", SortField::CreationDate, true),
    ("Oldest first", SortField::CreationDate, false),
    ("Recently updated", SortField::UpdatedAt, true),
    ("Least recently updated", SortField::UpdatedAt, false),
    ("Priority, high first", SortField::Priority, true),
    ("Priority, low first", SortField::Priority, false),
    ("Status", SortField::Status, false),
    ("Number", SortField::Id, false),
    ("SLA: due soonest", SortField::Due, false),
];

pub fn sort_label(key: SortKey) -> String {
    SORTS
        .iter()
        .find(|(_, f, d)| *f == key.field && *d == key.descending)
        .map_or_else(|| key.to_string(), |(l, _, _)| (*l).to_string())
}

pub fn sort_picker(current: SortKey) -> Overlay {
    let items = SORTS
        .iter()
        .map(|(l, field, descending)| {
            (
                (*l).to_string(),
                Pick::Sort(SortKey {
                    field: *field,
                    descending: *descending,
                }),
            )
        })
        .collect();
    Picker::open("Sort by", items, Pick::Sort(current), PickFor::Sort)
}

pub fn role_picker(user_id: i64, current: Role) -> Overlay {
    let items = Role::ALL
        .iter()
        .map(|r| (r.to_string(), Pick::Role(*r)))
        .collect();
    Picker::open(
        "Role",
        items,
        Pick::Role(current),
        PickFor::UserRole(user_id),
    )
}

pub fn activity_picker(current: Option<ActivityType>) -> Overlay {
    let mut items = vec![("Any type".to_string(), Pick::Activity(None))];
    items.extend(
        ActivityType::ALL
            .iter()
            .map(|a| (a.to_string(), Pick::Activity(Some(*a)))),
    );
    Picker::open(
        "Show activity type",
        items,
        Pick::Activity(current),
        PickFor::LogType,
    )
}
