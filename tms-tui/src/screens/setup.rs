//! First run of embedded mode: the database has no users, so the first account created here
//! becomes the SysAdmin.

use super::{Out, reason};
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::{Reply, Request};
use crate::widgets::TextInput;
use crossterm::event::KeyEvent;
use tms_core::Role;
use tms_core::api::SignupRequest;
use tms_core::validate::{Email, Password, Username};

pub const FIELDS: [&str; 4] = ["Username", "Email", "Password", "Repeat password"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupState {
    pub inputs: [TextInput; 4],
    pub focus: usize,
    /// Per-field problems, shown once the user tried to submit.
    pub errors: [Option<String>; 4],
    pub message: Option<String>,
    pub sending: bool,
}

impl Default for SetupState {
    fn default() -> Self {
        Self {
            inputs: [
                TextInput::default(),
                TextInput::default(),
                TextInput::masked(),
                TextInput::masked(),
            ],
            focus: 0,
            errors: Default::default(),
            message: None,
            sending: false,
        }
    }
}

impl SetupState {
    pub fn on_paste(&mut self, text: &str) {
        self.inputs[self.focus].insert_str(text.trim());
    }

    /// Checks every field with the same rules as the server; returns the request if all pass.
    pub fn validate(&mut self) -> Option<SignupRequest> {
        let [user, email, pw, again] = &self.inputs;
        let u = Username::parse(user.text());
        let e = Email::parse(email.text());
        let p = Password::parse("password", pw.text(), user.text(), email.text());
        self.errors = [
            u.as_ref().err().map(|e| e.msg.clone()),
            e.as_ref().err().map(|e| e.msg.clone()),
            p.as_ref().err().map(|e| e.msg.clone()),
            (pw.text() != again.text()).then(|| "does not match".to_string()),
        ];
        match (u, e, p) {
            (Ok(u), Ok(e), Ok(p)) if self.errors[3].is_none() => Some(SignupRequest {
                username: u.into_inner(),
                email: e.into_inner(),
                password: p.into_inner(),
                role: Some(Role::Admin),
            }),
            _ => None,
        }
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>, key: KeyEvent) -> Vec<Out> {
        match cmd {
            Some(Cmd::Back) => return vec![Out::Back],
            Some(Cmd::NextField) => self.focus = (self.focus + 1) % FIELDS.len(),
            Some(Cmd::PrevField) => self.focus = (self.focus + FIELDS.len() - 1) % FIELDS.len(),
            Some(Cmd::Submit) if self.focus + 1 < FIELDS.len() => self.focus += 1,
            Some(Cmd::Submit) if !self.sending => {
                if let Some(req) = self.validate() {
                    self.sending = true;
                    self.message = None;
                    return vec![Out::Req(Request::Signup(req))];
                }
                if let Some(i) = self.errors.iter().position(Option::is_some) {
                    self.focus = i;
                }
            }
            _ => {
                self.inputs[self.focus].handle(key);
            }
        }
        Vec::new()
    }

    pub fn on_response(&mut self, request: &Request, result: &Result<Reply, ApiError>) -> Vec<Out> {
        if matches!(request, Request::Signup(_)) {
            self.sending = false;
            self.message = reason(result);
        }
        Vec::new()
    }
}
