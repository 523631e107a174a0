//! Changing one's own password: the current one, the new one twice; checked with the server's
//! rules before sending, and the server's refusals (wrong current password, too many attempts)
//! said plainly.

use super::Out;
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::{Reply, Request, State};
use crate::theme::text;
use crate::widgets::TextInput;
use crossterm::event::{KeyCode, KeyEvent};
use tms_core::api::PasswordChange;
use tms_core::validate::Password;

pub const FIELDS: [&str; 3] = ["Current password", "New password", "Repeat new password"];
pub const CURRENT: usize = 0;
pub const NEW: usize = 1;
pub const AGAIN: usize = 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordState {
    pub inputs: [TextInput; 3],
    pub focus: usize,
    pub errors: [Option<String>; 3],
    /// The server's answer to the last attempt.
    pub message: Option<String>,
    pub sending: bool,
}

impl Default for PasswordState {
    fn default() -> Self {
        Self {
            inputs: [
                TextInput::masked(),
                TextInput::masked(),
                TextInput::masked(),
            ],
            focus: CURRENT,
            errors: Default::default(),
            message: None,
            sending: false,
        }
    }
}

impl PasswordState {
    pub fn on_paste(&mut self, text: &str) {
        self.inputs[self.focus].insert_str(text.trim_end_matches(['\n', '\r']));
    }

    fn validate(&mut self, state: &State) -> Option<PasswordChange> {
        let (name, email) = state
            .user
            .as_ref()
            .map_or(("", ""), |u| (u.username.as_str(), u.email.as_str()));
        let [current, new, again] = &self.inputs;
        let parsed = Password::parse("new_password", new.text(), name, email);
        self.errors = [
            current
                .is_empty()
                .then(|| "enter your current password".to_string()),
            parsed.as_ref().err().map(|e| e.msg.clone()),
            (new.text() != again.text()).then(|| "does not match".to_string()),
        ];
        match parsed {
            Ok(p) if self.errors.iter().all(Option::is_none) => Some(PasswordChange {
                current_password: current.text().to_string(),
                new_password: p.into_inner(),
            }),
            _ => None,
        }
    }

    fn submit(&mut self, state: &State) -> Vec<Out> {
        if self.sending {
            return Vec::new();
        }
        match self.validate(state) {
            Some(change) => {
                self.sending = true;
                self.message = None;
                vec![Out::Req(Request::ChangePassword(change))]
            }
            None => {
                if let Some(i) = self.errors.iter().position(Option::is_some) {
                    self.focus = i;
                }
                Vec::new()
            }
        }
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>, key: KeyEvent, state: &State) -> Vec<Out> {
        let n = FIELDS.len();
        match cmd {
            Some(Cmd::Back) => return vec![Out::Back],
            Some(Cmd::Submit) if key.code == KeyCode::Enter && self.focus + 1 < n => {
                self.focus += 1;
            }
            Some(Cmd::Submit) => return self.submit(state),
            Some(Cmd::NextField) => self.focus = (self.focus + 1) % n,
            Some(Cmd::PrevField) => self.focus = (self.focus + n - 1) % n,
            _ => {
                if self.inputs[self.focus].handle(key) {
                    self.errors[self.focus] = None;
                }
            }
        }
        Vec::new()
    }

    pub fn on_response(&mut self, request: &Request, result: &Result<Reply, ApiError>) -> Vec<Out> {
        if !matches!(request, Request::ChangePassword(_)) {
            return Vec::new();
        }
        self.sending = false;
        let Err(e) = result else {
            return vec![Out::Info(text::PASSWORD_CHANGED.into()), Out::Back];
        };
        self.message = Some(match e {
            ApiError::Status { status: 403, .. } => {
                self.inputs[CURRENT].set("");
                self.focus = CURRENT;
                text::WRONG_CURRENT_PASSWORD.to_string()
            }
            ApiError::Status {
                status: 429,
                retry_after,
                ..
            } => text::locked_out(*retry_after),
            ApiError::Status {
                status: 422,
                detail,
                ..
            } => {
                self.focus = NEW;
                format!("The server refused the new password: {detail}")
            }
            other => other.to_string(),
        });
        Vec::new()
    }
}
