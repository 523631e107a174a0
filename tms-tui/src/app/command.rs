//! The `:` command line, as in vim or k9s: `:42` opens ticket 42, `:mine`, `:unassigned`,
//! `:users`, `:log`, `:new`, `:logout`, `:quit`; Tab completes.

use super::keymap::Cmd;
use super::overlay::Overlay;
use super::{Effect, State, route};
use crate::screens::{LogState, NewTicketState, Screen, TicketState, UsersState};
use crate::widgets::TextInput;
use crossterm::event::KeyEvent;
use tms_core::Role;

/// Who may run a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anyone,
    Staff,
    Admin,
}

/// The commands, their help, and who may run them.
const COMMANDS: [(&str, &str, Who); 10] = [
    (
        "mine",
        "tickets assigned to me (requesters: my tickets)",
        Who::Anyone,
    ),
    ("unassigned", "the unassigned queue", Who::Staff),
    ("open", "all open tickets", Who::Staff),
    ("all", "every ticket", Who::Staff),
    ("new", "file a new ticket", Who::Anyone),
    ("users", "manage users", Who::Admin),
    ("log", "the activity log", Who::Admin),
    ("password", "change my password", Who::Anyone),
    ("logout", "log out and forget the session", Who::Anyone),
    ("quit", "leave tms", Who::Anyone),
];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandLine {
    pub input: TextInput,
    /// The highlighted suggestion.
    pub selected: usize,
}

fn may(role: Option<Role>, who: Who) -> bool {
    match who {
        Who::Anyone => true,
        Who::Staff => role.is_some_and(Role::is_staff),
        Who::Admin => role == Some(Role::Admin),
    }
}

/// The commands starting with what was typed that this user may run, with their help.
pub fn suggestions(state: &State, typed: &str) -> Vec<(&'static str, &'static str)> {
    let role = state.user.as_ref().map(|u| u.role);
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
        .filter(|(name, _, who)| name.starts_with(&typed) && may(role, *who))
        .map(|(name, help, _)| (*name, *help))
        .collect()
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
                Some((name, _)) if !typed.is_empty() && !COMMANDS.iter().any(|c| c.0 == typed) => {
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
    let role = state.user.as_ref().map(|u| u.role);
    let Some((name, _, who)) = COMMANDS
        .iter()
        .find(|(n, _, _)| *n == text || (text == "q" && *n == "quit"))
    else {
        let tab = super::keymap::key_for(super::keymap::Ctx::Command, Cmd::Complete);
        state.error(format!(
            "Unknown command :{text} — press {tab} for the list."
        ));
        return Vec::new();
    };
    if !may(role, *who) {
        state.error(crate::theme::text::NOT_ALLOWED);
        return Vec::new();
    }
    match *name {
        "quit" => route::request_quit(state),
        "logout" => route::logout(state),
        "mine" => route::home_tab(state, 1),
        "unassigned" => route::home_tab(state, 0),
        "open" => route::home_tab(state, 2),
        "all" => route::home_tab(state, 3),
        "new" => {
            let form = NewTicketState::from_draft(state);
            route::open_on_top(state, Screen::NewTicket(form), false)
        }
        "password" => route::open_on_top(
            state,
            Screen::Password(crate::screens::PasswordState::default()),
            false,
        ),
        "users" => route::open_on_top(state, Screen::Users(UsersState::default()), true),
        "log" => route::open_on_top(state, Screen::Log(LogState::default()), true),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_limit_the_commands() {
        assert!(may(Some(Role::Admin), Who::Admin));
        assert!(!may(Some(Role::Agent), Who::Admin));
        assert!(may(Some(Role::Agent), Who::Staff));
        assert!(!may(Some(Role::Requester), Who::Staff));
    }
}
