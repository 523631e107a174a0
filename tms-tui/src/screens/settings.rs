//! My settings (everyone): whether I am sent email about my tickets
//! (`/api/v1/users/me/notifications`) and, for staff, whether I am away from auto-assignment
//! (`PUT /users/me/away`). Space or Enter turns the highlighted one over; it is saved at once.

use super::{Out, move_cursor, reason};
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::{Reply, Request, State};
use tms_core::api::NotificationSettings;

/// The rows: email for everyone, away for staff.
pub const EMAIL: usize = 0;
pub const AWAY: usize = 1;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SettingsState {
    /// Whether the server sends me email; `None` until read.
    pub email: Option<bool>,
    pub loading: bool,
    pub sending: bool,
    pub error: Option<String>,
    pub selected: usize,
}

/// How many rows `state`'s user has.
pub fn rows(state: &State) -> usize {
    if state.user.as_ref().is_some_and(|u| u.role.is_staff()) {
        2
    } else {
        1
    }
}

impl SettingsState {
    pub fn refresh(&mut self) -> Vec<Request> {
        self.loading = true;
        vec![Request::Notifications]
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>, state: &State) -> Vec<Out> {
        let Some(cmd) = cmd else { return Vec::new() };
        if move_cursor(&mut self.selected, rows(state), cmd) {
            return Vec::new();
        }
        match cmd {
            Cmd::Back => vec![Out::Back],
            Cmd::Refresh => self.refresh().into_iter().map(Out::Req).collect(),
            Cmd::Submit => match (self.selected, self.email) {
                (EMAIL, _) if self.sending => Vec::new(),
                (EMAIL, Some(email)) => {
                    self.sending = true;
                    vec![Out::Req(Request::SetNotifications(NotificationSettings {
                        email: !email,
                    }))]
                }
                (EMAIL, None) => vec![Out::Info("Your settings are not loaded yet.".into())],
                _ => {
                    let away = state.user.as_ref().is_some_and(|u| u.is_away);
                    vec![Out::Req(Request::SetAway(!away))]
                }
            },
            _ => Vec::new(),
        }
    }

    pub fn on_response(&mut self, request: &Request, result: &Result<Reply, ApiError>) -> Vec<Out> {
        let set = match request {
            Request::Notifications => false,
            Request::SetNotifications(_) => true,
            _ => return Vec::new(),
        };
        self.loading = false;
        if set {
            self.sending = false;
        }
        self.error = reason(result);
        match result {
            Ok(Reply::Notifications(n)) => {
                self.email = Some(n.email);
                if !set {
                    return Vec::new();
                }
                vec![Out::Info(
                    if n.email {
                        "Email is on: you are told about your tickets."
                    } else {
                        "Email is off: you are sent no email about tickets."
                    }
                    .into(),
                )]
            }
            _ => Vec::new(),
        }
    }
}
