//! The `:` command line, as in vim or k9s: `:42` opens ticket 42, `:mine`, `:unassigned`,
//! `:users`, `:log`, `:dash`, `:sla`, `:webhooks`, `:new`, `:save-view`, `:delete-view`, `:away`,
//! `:settings`, `:logout`, `:quit`; Tab completes.

use super::keymap::Cmd;
use super::overlay::Overlay;
use super::{Effect, State, gate, route};
use crate::screens::{
    DashState, LogState, NewTicketState, Screen, SettingsState, TicketState, UsersState,
    WebhooksState,
};
use crate::widgets::TextInput;
use crossterm::event::KeyEvent;

/// A `:` command; [`gate::may_run`] decides who may run it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Mine,
    Unassigned,
    Open,
    All,
    New,
    Users,
    Log,
    Dash,
    Sla,
    Webhooks,
    SaveView,
    DeleteView,
    Away,
    Settings,
    Password,
    Logout,
    Quit,
}

/// One row of the command list.
struct Entry {
    name: &'static str,
    help: &'static str,
    command: Command,
    /// Named in the `?` help beside the `:` key.
    in_help: bool,
}

const fn entry(name: &'static str, help: &'static str, command: Command, in_help: bool) -> Entry {
    Entry {
        name,
        help,
        command,
        in_help,
    }
}

/// The commands, in the order they are listed, with their help.
const COMMANDS: [Entry; 17] = [
    entry(
        "mine",
        "tickets assigned to me (requesters: my tickets)",
        Command::Mine,
        true,
    ),
    entry(
        "unassigned",
        "the unassigned queue",
        Command::Unassigned,
        false,
    ),
    entry("open", "all open tickets", Command::Open, false),
    entry("all", "every ticket", Command::All, false),
    entry("new", "file a new ticket", Command::New, true),
    entry("users", "manage users", Command::Users, true),
    entry("log", "the activity log", Command::Log, true),
    entry(
        "dash",
        "the dashboard: counts, trends, oldest open tickets",
        Command::Dash,
        true,
    ),
    entry(
        "sla",
        "the SLA policy: business hours, holidays, targets",
        Command::Sla,
        false,
    ),
    entry(
        "webhooks",
        "webhooks and their recent deliveries",
        Command::Webhooks,
        false,
    ),
    entry(
        "save-view",
        "save the queue's tab, filters and sort as a view",
        Command::SaveView,
        false,
    ),
    entry(
        "delete-view",
        "delete the queue's view tab in front",
        Command::DeleteView,
        false,
    ),
    entry(
        "away",
        "away from auto-assignment, or back (agents)",
        Command::Away,
        false,
    ),
    entry(
        "settings",
        "my settings: email about my tickets, away",
        Command::Settings,
        false,
    ),
    entry("password", "change my password", Command::Password, false),
    entry(
        "logout",
        "log out and forget the session",
        Command::Logout,
        false,
    ),
    entry("quit", "leave tms", Command::Quit, true),
];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandLine {
    pub input: TextInput,
    /// The highlighted suggestion.
    pub selected: usize,
}

/// The commands starting with what was typed that this user may run, with their help.
pub fn suggestions(state: &State, typed: &str) -> Vec<(&'static str, &'static str)> {
    let typed = typed.trim().to_lowercase();
    if typed
        .trim_start_matches('#')
        .chars()
        .all(|c| c.is_ascii_digit())
        && !typed.is_empty()
    {
        return Vec::new();
    }
    COMMANDS
        .iter()
        .filter(|e| e.name.starts_with(&typed) && gate::may_run(state, e.command))
        .map(|e| (e.name, e.help))
        .collect()
}

/// What the `?` help says beside the `:` key: a ticket number and the main commands this user
/// may run.
pub fn help(state: &State) -> String {
    let names: Vec<String> = COMMANDS
        .iter()
        .filter(|e| e.in_help && gate::may_run(state, e.command))
        .map(|e| format!(":{}", e.name))
        .collect();
    format!("command line (:42 {})", names.join(" "))
}

pub fn on_key(
    state: &mut State,
    mut line: CommandLine,
    cmd: Option<Cmd>,
    key: KeyEvent,
) -> Vec<Effect> {
    let list = suggestions(state, line.input.text());
    match cmd {
        Some(Cmd::Back) => return Vec::new(),
        Some(Cmd::Submit) => {
            let typed = line.input.text().trim().to_string();
            let chosen = match list.get(line.selected) {
                Some((name, _))
                    if !typed.is_empty() && !COMMANDS.iter().any(|e| e.name == typed) =>
                {
                    name.to_string()
                }
                _ => typed,
            };
            return run(state, &chosen);
        }
        Some(Cmd::Complete) => {
            if let Some((name, _)) = list.get(line.selected) {
                line.input.set(name);
            }
        }
        Some(Cmd::ChoiceNext) if !list.is_empty() => {
            line.selected = (line.selected + 1) % list.len()
        }
        Some(Cmd::ChoicePrev) if !list.is_empty() => {
            line.selected = (line.selected + list.len() - 1) % list.len();
        }
        _ => {
            if line.input.handle(key) {
                line.selected = 0;
            }
        }
    }
    state.overlay = Some(Overlay::Command(line));
    Vec::new()
}

/// Runs a command line's text.
pub fn run(state: &mut State, text: &str) -> Vec<Effect> {
    let text = text.trim().trim_start_matches(':').to_lowercase();
    if text.is_empty() {
        return Vec::new();
    }
    if let Ok(id) = text.trim_start_matches('#').parse::<i64>() {
        return route::open_on_top(state, Screen::Ticket(TicketState::new(id)), false);
    }
    let Some(entry) = COMMANDS
        .iter()
        .find(|e| e.name == text || (text == "q" && e.command == Command::Quit))
    else {
        let tab = super::keymap::key_for(super::keymap::Ctx::Command, Cmd::Complete);
        state.error(format!(
            "Unknown command :{text} — press {tab} for the list."
        ));
        return Vec::new();
    };
    if !gate::may_run(state, entry.command) {
        state.error(crate::theme::text::NOT_ALLOWED);
        return Vec::new();
    }
    match entry.command {
        Command::Quit => route::request_quit(state),
        Command::Logout => route::logout(state),
        Command::Mine => route::home_tab(state, 1),
        Command::Unassigned => route::home_tab(state, 0),
        Command::Open => route::home_tab(state, 2),
        Command::All => route::home_tab(state, 3),
        Command::New => {
            let form = NewTicketState::from_draft(state);
            route::open_on_top(state, Screen::NewTicket(form), false)
        }
        Command::Password => route::open_on_top(
            state,
            Screen::Password(crate::screens::PasswordState::default()),
            false,
        ),
        Command::Users => route::open_on_top(state, Screen::Users(UsersState::default()), true),
        Command::Log => route::open_on_top(state, Screen::Log(LogState::default()), true),
        Command::Dash => route::open_on_top(state, Screen::Dash(DashState::default()), true),
        Command::Sla => route::open_on_top(state, Screen::SlaPolicy(Box::default()), true),
        Command::Webhooks => {
            route::open_on_top(state, Screen::Webhooks(WebhooksState::default()), true)
        }
        Command::Settings => {
            route::open_on_top(state, Screen::Settings(SettingsState::default()), false)
        }
        Command::SaveView => route::queue_command(state, Cmd::SaveView),
        Command::DeleteView => route::queue_command(state, Cmd::DeleteView),
        Command::Away => {
            let away = state.user.as_ref().is_some_and(|u| u.is_away);
            vec![Effect::Request(super::Request::SetAway(!away))]
        }
    }
}
