//! Filing a ticket: title, priority and a multi-line description, checked as you type with
//! the same rules as the server.

use super::{Out, Screen, TicketState, reason};
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::overlay;
use crate::app::{Effect, Reply, Request, State};
use crate::widgets::{TextArea, TextInput};
use crossterm::event::KeyEvent;
use tms_core::Priority;
use tms_core::api::{NewTicketRequest, UserSummary};
use tms_core::validate::{Body, TicketTitle};

/// A half-written ticket kept when the form is left.
pub type TicketDraft = NewTicketState;

/// Which field has the cursor.
pub const TITLE: usize = 0;
pub const PRIORITY: usize = 1;
pub const DESCRIPTION: usize = 2;
/// Staff only: on whose behalf the ticket is filed.
pub const REQUESTER: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicketState {
    pub title: TextInput,
    pub priority: Priority,
    pub description: TextArea,
    /// Filed for this user (staff only); `None` files it for oneself.
    pub requester: Option<UserSummary>,
    /// The form offers the requester field.
    pub staff: bool,
    pub focus: usize,
    /// Show every field's problem (after the first submit); before that only edited fields'.
    pub show_errors: bool,
    pub touched: [bool; 4],
    pub sending: bool,
    pub error: Option<String>,
}

impl Default for NewTicketState {
    fn default() -> Self {
        Self {
            title: TextInput::default(),
            priority: Priority::Medium,
            description: TextArea::default(),
            requester: None,
            staff: false,
            focus: TITLE,
            show_errors: false,
            touched: [false; 4],
            sending: false,
            error: None,
        }
    }
}

impl NewTicketState {
    /// A fresh form, or the draft left last time.
    pub fn from_draft(state: &State) -> Self {
        let staff = state.user.as_ref().is_some_and(|u| u.role.is_staff());
        let mut form = state.ticket_draft.clone().unwrap_or_default();
        form.sending = false;
        form.staff = staff;
        if !staff {
            form.requester = None;
        }
        form
    }

    /// The fields in the order Tab walks them.
    fn order(&self) -> &'static [usize] {
        if self.staff {
            &[TITLE, REQUESTER, PRIORITY, DESCRIPTION]
        } else {
            &[TITLE, PRIORITY, DESCRIPTION]
        }
    }

    fn step(&mut self, forward: bool) {
        let order = self.order();
        let i = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = order.len();
        self.focus = order[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    /// Whether leaving the form would lose typing.
    pub fn has_content(&self) -> bool {
        !self.title.is_empty() || !self.description.is_blank()
    }

    pub fn title_error(&self) -> Option<String> {
        TicketTitle::parse(self.title.text()).err().map(|e| e.msg)
    }

    pub fn description_error(&self) -> Option<String> {
        Body::parse("description", &self.description.text())
            .err()
            .map(|e| e.msg)
    }

    /// The problem to show under field `i`, if any.
    pub fn field_error(&self, i: usize) -> Option<String> {
        if !(self.show_errors || self.touched[i]) {
            return None;
        }
        match i {
            TITLE => self.title_error(),
            DESCRIPTION => self.description_error(),
            _ => None,
        }
    }

    pub fn on_paste(&mut self, text: &str) {
        match self.focus {
            TITLE => self.title.insert_str(text),
            DESCRIPTION => self.description.insert_str(text),
            _ => {}
        }
        self.touched[self.focus] = true;
    }

    /// Text back from `$EDITOR` replaces the description.
    pub fn set_description(&mut self, text: &str) {
        self.description = TextArea::new(text.trim_end_matches('\n'));
        self.touched[DESCRIPTION] = true;
    }

    fn submit(&mut self) -> Vec<Out> {
        self.show_errors = true;
        if self.sending {
            return Vec::new();
        }
        match (
            TicketTitle::parse(self.title.text()),
            Body::parse("description", &self.description.text()),
        ) {
            (Ok(title), Ok(body)) => {
                self.sending = true;
                self.error = None;
                vec![Out::Req(Request::CreateTicket(NewTicketRequest {
                    title: title.into_inner(),
                    description: body.into_inner(),
                    priority: Some(self.priority),
                    status: None,
                    requester_id: self.requester.as_ref().map(|u| u.id),
                    assigned_agent_id: None,
                    tags: None,
                }))]
            }
            (Err(_), _) => {
                self.focus = TITLE;
                Vec::new()
            }
            (_, Err(_)) => {
                self.focus = DESCRIPTION;
                Vec::new()
            }
        }
    }

    fn cycle_priority(&mut self, up: bool) {
        let all = Priority::ALL;
        let i = all.iter().position(|p| *p == self.priority).unwrap_or(1);
        let j = if up {
            (i + 1).min(all.len() - 1)
        } else {
            i.saturating_sub(1)
        };
        self.priority = all[j];
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>, key: KeyEvent) -> Vec<Out> {
        match cmd {
            Some(Cmd::Back) => return vec![Out::Back],
            Some(Cmd::Submit) => return self.submit(),
            Some(Cmd::NextField) => {
                self.touched[self.focus] = true;
                self.step(true);
            }
            Some(Cmd::PrevField) => self.step(false),
            Some(Cmd::Open) if self.focus == REQUESTER => {
                let current = self.requester.as_ref().map(|u| u.id);
                let (picker, search) = overlay::requester_picker(current);
                return vec![Out::Show(picker), Out::Req(search)];
            }
            Some(Cmd::ExternalEditor) => {
                self.focus = DESCRIPTION;
                return vec![Out::Fx(Effect::OpenEditor(self.description.text()))];
            }
            Some(Cmd::ChoicePrev | Cmd::ChoiceNext) if self.focus == PRIORITY => {
                self.cycle_priority(cmd == Some(Cmd::ChoiceNext));
            }
            _ => self.type_key(key),
        }
        Vec::new()
    }

    fn type_key(&mut self, key: KeyEvent) {
        match self.focus {
            TITLE if key.code == crossterm::event::KeyCode::Enter => self.step(true),
            TITLE if self.title.handle(key) => self.touched[TITLE] = true,
            DESCRIPTION if self.description.handle(key) => self.touched[DESCRIPTION] = true,
            PRIORITY if key.code == crossterm::event::KeyCode::Enter => self.step(true),
            _ => {}
        }
    }

    pub fn on_response(&mut self, request: &Request, result: &Result<Reply, ApiError>) -> Vec<Out> {
        if !matches!(request, Request::CreateTicket(_)) {
            return Vec::new();
        }
        self.sending = false;
        self.error = reason(result);
        match result {
            Ok(Reply::TicketSaved(t)) => vec![
                Out::Info(format!("Ticket {} filed.", t.id)),
                Out::Replace(Screen::Ticket(TicketState::new(t.id))),
            ],
            _ => Vec::new(),
        }
    }
}
