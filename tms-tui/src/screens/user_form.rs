//! Creating or editing a user account (admins): username, email, role, and on creation the
//! initial password; each field checked with the server's rules.

use super::{Out, reason};
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::{Reply, Request};
use crate::widgets::TextInput;
use crossterm::event::KeyEvent;
use tms_core::Role;
use tms_core::api::{NewUserRequest, User, UserUpdate};
use tms_core::validate::{Email, Password, Username};

pub const USERNAME: usize = 0;
pub const EMAIL: usize = 1;
pub const ROLE: usize = 2;
pub const PASSWORD: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFormState {
    /// The user being edited; `None` creates one.
    pub editing: Option<User>,
    pub username: TextInput,
    pub email: TextInput,
    pub role: Role,
    pub password: TextInput,
    pub focus: usize,
    pub errors: [Option<String>; 4],
    pub sending: bool,
    pub error: Option<String>,
}

impl UserFormState {
    pub fn create() -> Self {
        Self {
            editing: None,
            username: TextInput::default(),
            email: TextInput::default(),
            role: Role::Requester,
            password: TextInput::masked(),
            focus: USERNAME,
            errors: Default::default(),
            sending: false,
            error: None,
        }
    }

    pub fn edit(user: &User) -> Self {
        Self {
            editing: Some(user.clone()),
            username: TextInput::new(&user.username),
            email: TextInput::new(&user.email),
            role: user.role,
            ..Self::create()
        }
    }

    /// Fields in order; editing has no password field (reset it from the list).
    pub fn field_count(&self) -> usize {
        if self.editing.is_some() { 3 } else { 4 }
    }

    fn input(&mut self) -> Option<&mut TextInput> {
        match self.focus {
            USERNAME => Some(&mut self.username),
            EMAIL => Some(&mut self.email),
            PASSWORD => Some(&mut self.password),
            _ => None,
        }
    }

    pub fn on_paste(&mut self, text: &str) {
        if let Some(i) = self.input() {
            i.insert_str(text.trim());
        }
    }

    fn validate(&mut self) -> Option<Request> {
        let u = Username::parse(self.username.text());
        let e = Email::parse(self.email.text());
        let p = match self.editing {
            Some(_) => Ok(None),
            None => Password::parse(
                "password",
                self.password.text(),
                self.username.text(),
                self.email.text(),
            )
            .map(Some),
        };
        self.errors = [
            u.as_ref().err().map(|e| e.msg.clone()),
            e.as_ref().err().map(|e| e.msg.clone()),
            None,
            p.as_ref().err().map(|e| e.msg.clone()),
        ];
        let (Ok(u), Ok(e), Ok(p)) = (u, e, p) else {
            return None;
        };
        match (&self.editing, p) {
            (Some(old), _) => {
                let update = UserUpdate {
                    username: (u.as_str() != old.username).then(|| u.into_inner()),
                    email: (e.as_str() != old.email).then(|| e.into_inner()),
                    role: (self.role != old.role).then_some(self.role),
                    ..Default::default()
                };
                Some(Request::UpdateUser(old.id, update))
            }
            (None, Some(p)) => Some(Request::CreateUser(NewUserRequest {
                username: u.into_inner(),
                email: e.into_inner(),
                password: p.into_inner(),
                role: self.role,
            })),
            (None, None) => None,
        }
    }

    fn submit(&mut self) -> Vec<Out> {
        if self.sending {
            return Vec::new();
        }
        match self.validate() {
            Some(req) => {
                self.sending = true;
                self.error = None;
                vec![Out::Req(req)]
            }
            None => {
                if let Some(i) = self.errors.iter().position(Option::is_some) {
                    self.focus = i;
                }
                Vec::new()
            }
        }
    }

    fn cycle_role(&mut self, forward: bool) {
        let all = Role::ALL;
        let i = all.iter().position(|r| *r == self.role).unwrap_or(0);
        let n = all.len();
        self.role = all[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>, key: KeyEvent) -> Vec<Out> {
        let n = self.field_count();
        match cmd {
            Some(Cmd::Back) => return vec![Out::Back],
            Some(Cmd::Submit)
                if key.code == crossterm::event::KeyCode::Enter && self.focus + 1 < n =>
            {
                self.focus += 1;
            }
            Some(Cmd::Submit) => return self.submit(),
            Some(Cmd::NextField) => self.focus = (self.focus + 1) % n,
            Some(Cmd::PrevField) => self.focus = (self.focus + n - 1) % n,
            Some(Cmd::ChoicePrev | Cmd::ChoiceNext) if self.focus == ROLE => {
                self.cycle_role(cmd == Some(Cmd::ChoiceNext));
            }
            _ => {
                if let Some(i) = self.input() {
                    i.handle(key);
                }
            }
        }
        Vec::new()
    }

    pub fn on_response(&mut self, request: &Request, result: &Result<Reply, ApiError>) -> Vec<Out> {
        let mine = match (request, &self.editing) {
            (Request::CreateUser(_), None) => true,
            (Request::UpdateUser(id, _), Some(u)) => *id == u.id,
            _ => false,
        };
        if !mine {
            return Vec::new();
        }
        self.sending = false;
        self.error = reason(result);
        match result {
            Ok(Reply::UserSaved(u)) => {
                vec![Out::Info(format!("User {} saved.", u.username)), Out::Back]
            }
            _ => Vec::new(),
        }
    }
}
