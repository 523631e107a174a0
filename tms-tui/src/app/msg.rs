//! The messages of the Elm loop: [`Action`]s flow into `update`, [`Effect`]s flow out to the
//! driver, which runs each [`Request`] in the background and answers with a [`Reply`].

use super::drafts::SavedDrafts;
use crate::api::events::News;
use crate::api::{ApiError, DirectoryQuery, Session};
use crossterm::event::KeyEvent;
use std::time::Duration;
use tms_core::api::{
    AssignmentMode, AssignmentSettings, BulkChangeRequest, Comment, CommentUpdate, Health,
    HistoryEntry, LogEntry, LogQuery, LoginRequest, NewCommentRequest, NewTicketRequest,
    NewUserRequest, NewView, Page, PasswordChange, SignupRequest, TagCount, Ticket, TicketDetail,
    TicketListItem, TicketQuery, TicketUpdate, User, UserQuery, UserSummary, UserUpdate, View,
};
use tms_core::api::{NewWebhook, NotificationSettings, Webhook, WebhookDelivery};
use tms_core::sla::SlaPolicy;
use tms_core::timefmt::Timestamp;

/// Which list a ticket query fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListSlot {
    /// The rows of the queue table.
    Rows,
    /// Only the total, for the count on tab `n`.
    Count(usize),
}

/// One HTTP call to make in the background.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Health,
    Login(LoginRequest),
    Signup(SignupRequest),
    Logout,
    Me,
    ChangePassword(PasswordChange),
    Tickets {
        slot: ListSlot,
        query: TicketQuery,
    },
    Ticket(i64),
    /// Read the ticket again before changing its assignee, so a colleague's assignment made
    /// since the list was loaded is not overridden unasked.
    Recheck {
        id: i64,
        assignee: Option<i64>,
    },
    /// Every change of a ticket, oldest first.
    History(i64),
    CreateTicket(NewTicketRequest),
    /// A change of ticket `.0`, made against the version `.2` of it that was on screen (sent
    /// as `If-Match`; `None` when none was shown).
    UpdateTicket(i64, TicketUpdate, Option<i64>),
    DeleteTicket(i64),
    /// One change for the marked tickets, all or nothing.
    Bulk(BulkChangeRequest),
    CreateComment(NewCommentRequest),
    UpdateComment {
        ticket_id: i64,
        comment_id: i64,
        update: CommentUpdate,
    },
    DeleteComment {
        ticket_id: i64,
        comment_id: i64,
    },
    Users(UserQuery),
    /// Users for a picker, searched as the user types (admins: every account).
    FindUsers(UserQuery),
    /// Active people for a picker, searched in the staff directory as the user types.
    FindPeople(DirectoryQuery),
    /// Who tickets can be assigned to (agents and admins).
    Staff,
    /// The tags in use, most used first (staff), for completion.
    Tags,
    CreateUser(NewUserRequest),
    UpdateUser(i64, UserUpdate),
    DeleteUser(i64),
    /// The auto-assignment mode and the agents (SysAdmin).
    Assignment,
    SetAssignment(AssignmentMode),
    /// The caller away from auto-assignment (`true`) or back.
    SetAway(bool),
    /// The SLA policy (SysAdmin).
    SlaPolicy,
    SetSlaPolicy(Box<SlaPolicy>),
    /// Whether the caller is sent email.
    Notifications,
    SetNotifications(NotificationSettings),
    /// The webhooks (SysAdmin).
    Webhooks,
    CreateWebhook(NewWebhook),
    DeleteWebhook(i64),
    /// The latest deliveries of webhook `.0`, newest first.
    Deliveries(i64),
    Logs(LogQuery),
    ClearLogs,
    /// The dashboard's statistics (staff).
    Stats,
    /// The saved views, each with its count.
    Views,
    CreateView(NewView),
    DeleteView(i64),
}

/// The useful part of a successful answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Health(Health),
    /// A session opened by a login or signup.
    Session(Box<Session>),
    LoggedOut,
    Me(User),
    Tickets(Page<TicketListItem>),
    /// A ticket as `GET` gives it; also the answer to a change.
    Ticket(Box<TicketDetail>),
    /// A ticket's changes, oldest first.
    History(Vec<HistoryEntry>),
    /// A ticket just filed.
    TicketSaved(Box<Ticket>),
    Done,
    CommentSaved(Comment),
    Users(Vec<User>),
    /// The assignable staff.
    Staff(Vec<UserSummary>),
    /// The tags in use, most used first.
    Tags(Vec<TagCount>),
    /// People found in the staff directory.
    People(Vec<UserSummary>),
    UserSaved(User),
    Assignment(AssignmentSettings),
    SlaPolicy(Box<SlaPolicy>),
    Notifications(NotificationSettings),
    Webhooks(Vec<Webhook>),
    /// A webhook created, or deleted (as it was).
    Webhook(Webhook),
    Deliveries(Vec<WebhookDelivery>),
    Logs(Vec<LogEntry>),
    Stats(Box<tms_core::api::Stats>),
    /// The tickets a bulk change changed, in the order asked.
    Bulk(Vec<TicketListItem>),
    Views(Vec<View>),
    /// A view saved, or deleted (as it was).
    View(View),
}

/// What the text editor launched by [`Effect::OpenEditor`] gave back.
pub type EditorResult = Result<String, String>;

/// Everything that can happen to the application.
// One action is handled per event and then dropped, so its size does not matter; boxing the
// large variant would only add noise to every match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    /// The clock moved (once a second); also drives reconnecting.
    Tick(Timestamp),
    /// A background request finished.
    Response {
        request: Request,
        result: Result<Reply, ApiError>,
    },
    /// `$EDITOR` closed.
    EditorDone(EditorResult),
    /// The drafts kept from an earlier run of this user.
    DraftsLoaded {
        user_id: i64,
        drafts: SavedDrafts,
    },
    /// What the event stream started by [`Effect::Listen`] with this `stream` number says.
    Live {
        stream: u64,
        news: News,
    },
    /// The pause asked for by [`Effect::Wake`] with this alarm is over.
    Wake(Alarm),
}

/// What a pause asked for by [`Effect::Wake`] was for; the screen in front acts only on its
/// own, and only on the last it set (a pause can end while another screen is in front, or
/// after the screen has moved on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alarm {
    /// The queue's burst of live changes is over: read the counts again.
    Burst,
    /// Read the webhook deliveries again (the `n`th reread the webhooks screen set).
    Deliveries(u64),
}

/// Work for the driver: everything impure.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Request(Request),
    /// Use (and, outside demo mode, remember) this session token; `None` forgets it.
    SetToken(Option<String>),
    /// Send this device token with the logins of `account` from now on (and, outside demo
    /// mode, keep it beside the session), replacing the one before.
    KeepDevice {
        account: String,
        token: String,
    },
    /// Suspend the UI and edit `text` in `$EDITOR`.
    OpenEditor(String),
    /// Read this user's kept drafts (answered with [`Action::DraftsLoaded`]).
    LoadDrafts {
        user_id: i64,
    },
    /// Keep these drafts for this user (an empty set removes them).
    SaveDrafts {
        user_id: i64,
        drafts: SavedDrafts,
    },
    /// Keep the session's event stream open (with the token in use), its news numbered
    /// `stream`; replaces any stream open before.
    Listen {
        stream: u64,
    },
    /// Close the event stream.
    StopListening,
    /// Answer with [`Action::Wake`] of this alarm after this pause.
    Wake(Duration, Alarm),
    Quit,
}
