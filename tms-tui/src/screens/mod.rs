//! The screens of the terminal client (docs/ARCHITECTURE.md, "The terminal client"). Each owns its
//! state, turns commands and replies into [`Out`]s, and never touches another screen: the app
//! applies what they return.

pub mod dash;
pub mod history;
pub mod log;
pub mod login;
pub mod new_ticket;
pub mod password;
pub mod queue;
pub mod settings;
pub mod setup;
pub mod sla_policy;
pub mod ticket;
pub mod user_form;
pub mod users;
pub mod webhook_form;
pub mod webhooks;

pub use dash::DashState;
pub use log::LogState;
pub use login::LoginState;
pub use new_ticket::{NewTicketState, TicketDraft};
pub use password::PasswordState;
pub use queue::{QueueKind, QueueState};
pub use settings::SettingsState;
pub use setup::SetupState;
pub use sla_policy::SlaPolicyState;
pub use ticket::TicketState;
pub use user_form::UserFormState;
pub use users::{UsersState, mode_name};
pub use webhook_form::WebhookFormState;
pub use webhooks::WebhooksState;

use crate::api::ApiError;
use crate::api::events::ServerEvent;
use crate::app::keymap::{Cmd, Ctx};
use crate::app::overlay::Overlay;
use crate::app::{Effect, Reply, Request, State};
use crossterm::event::KeyEvent;
use tms_core::api::{Ticket, TicketUpdate, UserSummary};

/// What a screen asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Req(Request),
    Fx(Effect),
    /// Open a screen on top of this one.
    Push(Screen),
    /// Swap this screen for another (e.g. a filed ticket replaces the form).
    Replace(Screen),
    Back,
    Show(Overlay),
    Info(String),
    Error(String),
}

/// The screen in front.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Connecting and checking a saved session.
    Boot,
    Login(LoginState),
    Setup(SetupState),
    Queue(QueueState),
    Ticket(TicketState),
    NewTicket(NewTicketState),
    Users(UsersState),
    UserForm(UserFormState),
    Log(LogState),
    /// The dashboard (staff).
    Dash(DashState),
    /// Changing one's own password.
    Password(PasswordState),
    /// The SLA policy (SysAdmin).
    SlaPolicy(Box<SlaPolicyState>),
    /// The webhooks and their deliveries (SysAdmin).
    Webhooks(WebhooksState),
    WebhookForm(WebhookFormState),
    /// My email and away settings.
    Settings(SettingsState),
}

impl Screen {
    pub fn ctx(&self) -> Ctx {
        match self {
            Screen::Boot => Ctx::Boot,
            Screen::Login(_) => Ctx::Login,
            Screen::Setup(_) => Ctx::Setup,
            Screen::Queue(_) => Ctx::Queue,
            Screen::Ticket(_) => Ctx::Ticket,
            Screen::NewTicket(_) => Ctx::NewTicket,
            Screen::Users(_) => Ctx::Users,
            Screen::UserForm(_) => Ctx::UserForm,
            Screen::Log(_) => Ctx::Log,
            Screen::Dash(_) => Ctx::Dash,
            Screen::Password(_) => Ctx::Password,
            Screen::SlaPolicy(_) => Ctx::SlaPolicy,
            Screen::Webhooks(_) => Ctx::Webhooks,
            Screen::WebhookForm(_) => Ctx::WebhookForm,
            Screen::Settings(_) => Ctx::Settings,
        }
    }

    /// The requests that (re)load this screen's data.
    pub fn refresh(&mut self, state: &State) -> Vec<Request> {
        match self {
            Screen::Boot => {
                let mut r = vec![Request::Health];
                if state.setup.has_token {
                    r.push(Request::Me);
                }
                r
            }
            Screen::Queue(q) => q.reread(),
            Screen::Ticket(t) => t.refresh(),
            Screen::Users(u) => u.refresh(),
            Screen::Log(l) => l.refresh(),
            Screen::Dash(d) => d.refresh(),
            Screen::SlaPolicy(p) => p.refresh(),
            Screen::Webhooks(w) => w.refresh(),
            Screen::Settings(s) => s.refresh(),
            Screen::Login(_)
            | Screen::Setup(_)
            | Screen::NewTicket(_)
            | Screen::UserForm(_)
            | Screen::WebhookForm(_)
            | Screen::Password(_) => Vec::new(),
        }
    }

    /// A key (with the command the keymap found for it, if any).
    pub fn on_key(&mut self, cmd: Option<Cmd>, key: KeyEvent, state: &State) -> Vec<Out> {
        match self {
            Screen::Boot => match cmd {
                Some(Cmd::Refresh) => self.refresh(state).into_iter().map(Out::Req).collect(),
                Some(Cmd::Back) => vec![Out::Back],
                _ => Vec::new(),
            },
            Screen::Login(s) => s.on_key(cmd, key, state),
            Screen::Setup(s) => s.on_key(cmd, key),
            Screen::Queue(s) => s.on_key(cmd, state),
            Screen::Ticket(s) => s.on_key(cmd, state),
            Screen::NewTicket(s) => s.on_key(cmd, key),
            Screen::Users(s) => s.on_key(cmd, state),
            Screen::UserForm(s) => s.on_key(cmd, key),
            Screen::Log(s) => s.on_key(cmd, state),
            Screen::Dash(s) => s.on_key(cmd),
            Screen::Password(s) => s.on_key(cmd, key, state),
            Screen::SlaPolicy(s) => s.on_key(cmd, key),
            Screen::Webhooks(s) => s.on_key(cmd),
            Screen::WebhookForm(s) => s.on_key(cmd, key),
            Screen::Settings(s) => s.on_key(cmd, state),
        }
    }

    /// Pasted text goes to the focused field, if any.
    pub fn on_paste(&mut self, text: &str) {
        match self {
            Screen::Login(s) => s.on_paste(text),
            Screen::Setup(s) => s.on_paste(text),
            Screen::NewTicket(s) => s.on_paste(text),
            Screen::UserForm(s) => s.on_paste(text),
            Screen::Password(s) => s.on_paste(text),
            Screen::SlaPolicy(s) => s.on_paste(text),
            Screen::WebhookForm(s) => s.on_paste(text),
            _ => {}
        }
    }

    /// A reply to a request this screen may be waiting for.
    pub fn on_response(
        &mut self,
        request: &Request,
        result: &Result<Reply, ApiError>,
        state: &State,
    ) -> Vec<Out> {
        match self {
            Screen::Boot => Vec::new(),
            Screen::Login(s) => s.on_response(request, result, state),
            Screen::Setup(s) => s.on_response(request, result),
            Screen::Queue(s) => s.on_response(request, result, state),
            Screen::Ticket(s) => s.on_response(request, result, state),
            Screen::NewTicket(s) => s.on_response(request, result),
            Screen::Users(s) => s.on_response(request, result),
            Screen::UserForm(s) => s.on_response(request, result),
            Screen::Log(s) => s.on_response(request, result),
            Screen::Dash(s) => s.on_response(request, result),
            Screen::Password(s) => s.on_response(request, result),
            Screen::SlaPolicy(s) => s.on_response(request, result),
            Screen::Webhooks(s) => s.on_response(request, result),
            Screen::WebhookForm(s) => s.on_response(request, result),
            Screen::Settings(s) => s.on_response(request, result),
        }
    }
}

/// Opens the tag editor of ticket `t` (the queue's highlighted row, or the ticket shown),
/// holding its tags, and asks for the tags in use to complete from.
pub fn edit_tags(state: &State, t: &tms_core::api::Ticket) -> Vec<Out> {
    let now = t.tags.as_deref().unwrap_or_default().join(" ");
    let title = format!("Tags of ticket {} (space between them)", t.id);
    let purpose = crate::app::overlay::PromptFor::Tags {
        id: t.id,
        version: Some(t.version),
    };
    vec![
        Out::Show(crate::app::overlay::tags_prompt(
            state, &title, &now, purpose,
        )),
        Out::Req(Request::Tags),
    ]
}

impl Screen {
    /// A change someone made, from the event stream.
    pub fn on_event(&mut self, event: &ServerEvent, state: &State) -> Vec<Out> {
        match self {
            Screen::Queue(q) => q.on_event(event, state.now),
            Screen::Ticket(t) => t.on_event(event, state),
            _ => Vec::new(),
        }
    }

    /// The pause a screen asked for ([`Effect::Wake`]) is over.
    pub fn on_wake(&mut self, alarm: crate::app::Alarm) -> Vec<Out> {
        match (self, alarm) {
            (Screen::Queue(q), crate::app::Alarm::Burst) => q.on_wake(),
            (Screen::Webhooks(w), crate::app::Alarm::Deliveries(n)) => w.on_wake(n),
            _ => Vec::new(),
        }
    }
}

/// Moves a list cursor by a command; returns whether the command was a movement.
pub fn move_cursor(sel: &mut usize, len: usize, cmd: Cmd) -> bool {
    let last = len.saturating_sub(1);
    *sel = match cmd {
        Cmd::Up => sel.saturating_sub(1),
        Cmd::Down => (*sel + 1).min(last),
        Cmd::PageUp => sel.saturating_sub(10),
        Cmd::PageDown => (*sel + 10).min(last),
        Cmd::Top => 0,
        Cmd::Bottom => last,
        _ => return false,
    };
    true
}

/// What an accepted ticket change did, in a few words: "Ticket 3 assigned to Sophia."
pub fn ticket_changed(id: i64, change: &TicketUpdate, state: &State) -> String {
    let name = |agent: i64| {
        if state.user.as_ref().is_some_and(|u| u.id == agent) {
            "you".to_string()
        } else {
            state
                .staff
                .get(&agent)
                .map_or_else(|| format!("user {agent}"), |u| u.username.clone())
        }
    };
    if let Some(agent) = change.assigned_agent_id {
        return match agent {
            Some(a) => format!("Ticket {id} assigned to {}.", name(a)),
            None => format!("Ticket {id} unassigned."),
        };
    }
    if let Some(status) = change.status {
        return format!("Ticket {id} is now {status}.");
    }
    if let Some(priority) = change.priority {
        return format!("Ticket {id} is now {priority} priority.");
    }
    if change.title.is_some() {
        return format!("Ticket {id} renamed.");
    }
    if change.description.is_some() {
        return format!("Description of ticket {id} saved.");
    }
    format!("Ticket {id} updated.")
}

/// The fields that differ between two copies of a ticket, in a few words each (`now` assigned
/// to `assignee`).
pub fn what_changed(before: &Ticket, now: &Ticket, assignee: Option<&UserSummary>) -> Vec<String> {
    let mut said = Vec::new();
    if before.status != now.status {
        said.push(format!("status {} → {}", before.status, now.status));
    }
    if before.priority != now.priority {
        said.push(format!("priority {} → {}", before.priority, now.priority));
    }
    if before.assigned_agent_id != now.assigned_agent_id {
        said.push(match assignee {
            Some(a) => format!("assigned to {}", a.username),
            None => "unassigned".into(),
        });
    }
    if before.title != now.title {
        said.push(format!("title now \"{}\"", now.title));
    }
    if before.description != now.description {
        said.push("description edited".into());
    }
    said
}

/// The server's reason, for a reply that failed.
pub fn reason(result: &Result<Reply, ApiError>) -> Option<String> {
    result.as_ref().err().map(ToString::to_string)
}
