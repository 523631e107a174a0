//! User administration: the list with role and active flag, and the actions on one user; the
//! auto-assignment mode and who is away.

use super::{Out, Screen, UserFormState, move_cursor, reason};
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::overlay::{self, Confirm, ConfirmFor, Overlay, Prompt, PromptFor};
use crate::app::{Reply, Request, State};
use tms_core::api::{AssignmentMode, AssignmentSettings, User, UserQuery, UserUpdate};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsersState {
    pub users: Vec<User>,
    pub query: UserQuery,
    pub loading: bool,
    pub error: Option<String>,
    pub selected: usize,
    /// The auto-assignment mode and its agents, once read.
    pub assignment: Option<AssignmentSettings>,
}

/// The mode after `mode`, round: off, round robin, least loaded.
pub fn next_mode(mode: AssignmentMode) -> AssignmentMode {
    match mode {
        AssignmentMode::Off => AssignmentMode::RoundRobin,
        AssignmentMode::RoundRobin => AssignmentMode::LeastLoaded,
        AssignmentMode::LeastLoaded => AssignmentMode::Off,
    }
}

/// How the client names a mode.
pub fn mode_name(mode: AssignmentMode) -> &'static str {
    match mode {
        AssignmentMode::Off => "off",
        AssignmentMode::RoundRobin => "round robin",
        AssignmentMode::LeastLoaded => "least loaded",
    }
}

impl UsersState {
    pub fn refresh(&mut self) -> Vec<Request> {
        self.loading = true;
        vec![Request::Users(self.query.clone()), Request::Assignment]
    }

    /// The list again (after a change or a new filter).
    fn reload(&mut self) -> Vec<Out> {
        self.loading = true;
        vec![Out::Req(Request::Users(self.query.clone()))]
    }

    pub fn selected_user(&self) -> Option<&User> {
        self.users.get(self.selected)
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>, _state: &State) -> Vec<Out> {
        let Some(cmd) = cmd else { return Vec::new() };
        if move_cursor(&mut self.selected, self.users.len(), cmd) {
            return Vec::new();
        }
        match cmd {
            Cmd::Back => vec![Out::Back],
            Cmd::Refresh => self.refresh().into_iter().map(Out::Req).collect(),
            Cmd::New => vec![Out::Push(Screen::UserForm(UserFormState::create()))],
            Cmd::ToggleInactive => {
                self.query.include_inactive = !self.query.include_inactive;
                self.reload()
            }
            Cmd::AssignmentMode => match &self.assignment {
                Some(a) => vec![Out::Req(Request::SetAssignment(next_mode(a.mode)))],
                None => vec![Out::Info(
                    "The auto-assignment mode is not loaded yet.".into(),
                )],
            },
            Cmd::Search => vec![Out::Show(Overlay::Prompt(Prompt::new(
                "Search users (name or email)",
                self.query.q.as_deref().unwrap_or(""),
                PromptFor::UserSearch,
            )))],
            _ => self.on_user_cmd(cmd),
        }
    }

    fn on_user_cmd(&mut self, cmd: Cmd) -> Vec<Out> {
        let Some(u) = self.selected_user() else {
            return Vec::new();
        };
        match cmd {
            Cmd::Edit => vec![Out::Push(Screen::UserForm(UserFormState::edit(u)))],
            Cmd::ChangeRole => vec![Out::Show(overlay::role_picker(u.id, u.role))],
            Cmd::ResetPassword => {
                let mut p = Prompt::new(
                    &format!("New password for {}", u.username),
                    "",
                    PromptFor::Password {
                        user_id: u.id,
                        username: u.username.clone(),
                        email: u.email.clone(),
                    },
                );
                p.input.masked = true;
                vec![Out::Show(Overlay::Prompt(p))]
            }
            Cmd::Delete if !u.is_active => {
                vec![Out::Info(format!("{} is already inactive.", u.username))]
            }
            Cmd::Delete => vec![Out::Show(Overlay::Confirm(Confirm::new(
                format!(
                    "Deactivate {} <{}>? They can no longer log in and their open tickets become unassigned.",
                    u.username, u.email
                ),
                ConfirmFor::DeactivateUser(u.id),
            )))],
            Cmd::Reactivate if u.is_active => {
                vec![Out::Info(format!("{} is already active.", u.username))]
            }
            Cmd::ToggleAway if !u.role.is_staff() => vec![Out::Info(format!(
                "{} is a requester: only agents and admins take tickets.",
                u.username
            ))],
            Cmd::ToggleAway => {
                let update = UserUpdate {
                    is_away: Some(!u.is_away),
                    ..Default::default()
                };
                vec![Out::Req(Request::UpdateUser(u.id, update))]
            }
            Cmd::Reactivate => {
                let update = UserUpdate {
                    is_active: Some(true),
                    ..Default::default()
                };
                vec![Out::Req(Request::UpdateUser(u.id, update))]
            }
            _ => Vec::new(),
        }
    }

    pub fn on_response(&mut self, request: &Request, result: &Result<Reply, ApiError>) -> Vec<Out> {
        match (request, result) {
            (Request::Users(q), _) if *q == self.query => {
                self.loading = false;
                self.error = reason(result);
                if let Ok(Reply::Users(users)) = result {
                    self.users = users.clone();
                    self.selected = self.selected.min(users.len().saturating_sub(1));
                }
                Vec::new()
            }
            (Request::Assignment, Ok(Reply::Assignment(a))) => {
                self.assignment = Some(a.clone());
                Vec::new()
            }
            (Request::SetAssignment(_), Ok(Reply::Assignment(a))) => {
                self.assignment = Some(a.clone());
                let how = match a.mode {
                    AssignmentMode::Off => "new tickets stay unassigned".to_string(),
                    mode => format!("new tickets go to available agents, {}", mode_name(mode)),
                };
                vec![Out::Info(format!(
                    "Auto-assignment {}: {how}.",
                    mode_name(a.mode)
                ))]
            }
            (Request::UpdateUser(_, _), Ok(Reply::UserSaved(u))) => {
                let said = match (request, u.is_away) {
                    (Request::UpdateUser(_, c), true) if c.is_away.is_some() => {
                        format!("{} is away: no new tickets go to them.", u.username)
                    }
                    (Request::UpdateUser(_, c), false) if c.is_away.is_some() => {
                        format!("{} is back: new tickets may go to them.", u.username)
                    }
                    _ => format!("{} saved.", u.username),
                };
                let mut out = vec![Out::Info(said)];
                out.extend(self.reload());
                out
            }
            (Request::DeleteUser(id), Ok(_)) => {
                let mut out = vec![Out::Info(format!("User {id} deactivated."))];
                out.extend(self.reload());
                out
            }
            _ => Vec::new(),
        }
    }
}
