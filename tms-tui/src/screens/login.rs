//! Login: email and password, the server in use, the demo accounts in `--demo`, and clear
//! reasons for wrong credentials, lock-outs and an unreachable server.

use super::Out;
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::{Mode, Reply, Request, State};
use crate::theme::text;
use crate::widgets::TextInput;
use crossterm::event::{KeyCode, KeyEvent};
use tms_core::api::LoginRequest;
use tms_core::{Role, demo};

/// The demo accounts as the login screen lists them: the admin, the agents, the requesters.
pub fn demo_accounts() -> Vec<&'static demo::Account> {
    Role::ALL
        .iter()
        .rev()
        .flat_map(|role| demo::ACCOUNTS.iter().filter(move |a| a.role == *role))
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoginState {
    pub email: TextInput,
    pub password: TextInput,
    /// 0 = email, 1 = password.
    pub focus: usize,
    /// Why the last attempt failed, or why we are here (session ended).
    pub message: Option<String>,
    pub sending: bool,
    /// The highlighted demo account.
    pub demo_pick: Option<usize>,
}

impl LoginState {
    pub fn new(message: Option<String>) -> Self {
        Self {
            password: TextInput::masked(),
            message,
            ..Self::default()
        }
    }

    fn field(&mut self) -> &mut TextInput {
        if self.focus == 0 {
            &mut self.email
        } else {
            &mut self.password
        }
    }

    pub fn on_paste(&mut self, text: &str) {
        self.field().insert_str(text.trim());
    }

    fn pick_demo(&mut self, down: bool) {
        let accounts = demo_accounts();
        let n = accounts.len();
        if n == 0 {
            return;
        }
        let next = match (self.demo_pick, down) {
            (None, true) => 0,
            (None, false) => n - 1,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        self.demo_pick = Some(next);
        if let Some(a) = accounts.get(next) {
            self.email.set(a.email);
            self.password.set(demo::PASSWORD);
        }
        self.focus = 1;
    }

    fn submit(&mut self) -> Vec<Out> {
        if self.sending {
            return Vec::new();
        }
        if self.email.text().trim().is_empty() {
            self.focus = 0;
            self.message = Some("Enter your email address.".into());
            return Vec::new();
        }
        if self.password.is_empty() {
            self.focus = 1;
            self.message = Some("Enter your password.".into());
            return Vec::new();
        }
        self.sending = true;
        self.message = None;
        vec![Out::Req(Request::Login(LoginRequest {
            email: self.email.text().trim().to_string(),
            password: self.password.text().to_string(),
        }))]
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>, key: KeyEvent, state: &State) -> Vec<Out> {
        match cmd {
            Some(Cmd::Back) => return vec![Out::Back],
            Some(Cmd::NextField) => self.focus = 1 - self.focus,
            Some(Cmd::ChoiceNext) if state.setup.mode == Mode::Demo => {
                self.pick_demo(key.code == KeyCode::Down);
            }
            Some(Cmd::ChoiceNext) => self.focus = 1 - self.focus,
            Some(Cmd::Submit) if self.focus == 0 && self.password.is_empty() => self.focus = 1,
            Some(Cmd::Submit) => return self.submit(),
            _ => {
                if self.field().handle(key) {
                    self.demo_pick = None;
                }
            }
        }
        Vec::new()
    }

    pub fn on_response(
        &mut self,
        request: &Request,
        result: &Result<Reply, ApiError>,
        state: &State,
    ) -> Vec<Out> {
        let (Request::Login(_), Err(e)) = (request, result) else {
            return Vec::new();
        };
        self.sending = false;
        self.message = Some(match e {
            ApiError::Status { status: 401, .. } => text::WRONG_LOGIN.to_string(),
            ApiError::Status {
                status: 429,
                retry_after,
                ..
            } => text::locked_out(*retry_after),
            ApiError::Unreachable(why) => text::unreachable(&state.setup.server, why),
            other => other.to_string(),
        });
        if matches!(e, ApiError::Status { status: 401, .. }) {
            self.password.set("");
            self.focus = 1;
        }
        Vec::new()
    }
}
