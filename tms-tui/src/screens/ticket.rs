//! One ticket: metadata, description and the comment thread, or instead its history. A cursor
//! walks the description and the comments; the selected one can be edited, deleted or
//! scrolled.

use super::history::HistoryState;
use super::{Out, move_cursor};
use crate::api::ApiError;
use crate::api::events::{Change, CommentEvent, ServerEvent, TicketEvent};
use crate::app::gate;
use crate::app::keymap::Cmd;
use crate::app::overlay::{self, Confirm, ConfirmFor, DraftKey, Overlay, Prompt, PromptFor};
use crate::app::{Effect, Reply, Request, State};
use tms_core::api::{CommentWithUser, TicketDetail, UserSummary};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketState {
    pub id: i64,
    pub detail: Option<Box<TicketDetail>>,
    pub loading: bool,
    pub error: Option<String>,
    /// 0 is the description, `n` the n-th comment.
    pub selected: usize,
    /// Lines scrolled inside the selected item.
    pub scroll: u16,
    pub history: HistoryState,
}

impl TicketState {
    pub fn new(id: i64) -> Self {
        Self {
            id,
            detail: None,
            loading: false,
            error: None,
            selected: 0,
            scroll: 0,
            history: HistoryState::default(),
        }
    }

    /// Reads the ticket again, and its history if shown (a hidden one is forgotten).
    pub fn refresh(&mut self) -> Vec<Request> {
        self.loading = true;
        let mut r = vec![Request::Ticket(self.id)];
        r.extend(self.history.stale(self.id));
        r
    }

    /// The comment under the cursor, if the cursor is on a comment.
    pub fn selected_comment(&self) -> Option<&CommentWithUser> {
        let d = self.detail.as_ref()?;
        self.selected.checked_sub(1).and_then(|i| d.comments.get(i))
    }

    fn items(&self) -> usize {
        self.detail.as_ref().map_or(1, |d| d.comments.len() + 1)
    }

    fn edit(&self, state: &State, external: bool) -> Vec<Out> {
        let Some(d) = &self.detail else {
            return Vec::new();
        };
        let (key, text) = match self.selected_comment() {
            Some(c) => (
                DraftKey::EditComment {
                    ticket_id: self.id,
                    comment_id: c.comment.id,
                },
                c.comment.description.as_str(),
            ),
            None => (
                DraftKey::Description(self.id),
                d.ticket.description.as_str(),
            ),
        };
        let mut compose = overlay::compose(state, key, text);
        if let (Overlay::Compose(c), DraftKey::Description(_)) = (&mut compose, key) {
            c.version = Some(d.ticket.version);
        }
        let mut out = Vec::new();
        if external {
            let current = match &compose {
                Overlay::Compose(c) => c.area.text(),
                _ => text.to_string(),
            };
            out.push(Out::Fx(Effect::OpenEditor(current)));
        }
        out.insert(0, Out::Show(compose));
        out
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>, state: &State) -> Vec<Out> {
        let Some(cmd) = cmd else { return Vec::new() };
        if cmd == Cmd::History {
            return self
                .history
                .toggle(self.id)
                .into_iter()
                .map(Out::Req)
                .collect();
        }
        if self.history.on_cmd(cmd) {
            return Vec::new();
        }
        if cmd == Cmd::PageDown || cmd == Cmd::PageUp {
            self.scroll = if cmd == Cmd::PageDown {
                self.scroll.saturating_add(10)
            } else {
                self.scroll.saturating_sub(10)
            };
            return Vec::new();
        }
        let len = self.items();
        if move_cursor(&mut self.selected, len, cmd) {
            self.scroll = 0;
            return Vec::new();
        }
        match cmd {
            Cmd::Back => vec![Out::Back],
            Cmd::Refresh => self.refresh().into_iter().map(Out::Req).collect(),
            _ => self.on_ticket_cmd(cmd, state),
        }
    }

    fn on_ticket_cmd(&mut self, cmd: Cmd, state: &State) -> Vec<Out> {
        let Some(d) = &self.detail else {
            return Vec::new();
        };
        let t = &d.ticket;
        match cmd {
            Cmd::Comment => vec![Out::Show(overlay::compose(
                state,
                DraftKey::Comment(t.id),
                "",
            ))],
            Cmd::Note => vec![Out::Show(overlay::compose(state, DraftKey::Note(t.id), ""))],
            Cmd::Tags => super::edit_tags(state, t),
            Cmd::Edit => self.edit(state, false),
            Cmd::EditExternal => self.edit(state, true),
            Cmd::EditTitle => vec![Out::Show(Overlay::Prompt(Prompt::new(
                "Title",
                &t.title,
                PromptFor::Title {
                    id: t.id,
                    version: Some(t.version),
                },
            )))],
            Cmd::Take
                if t.assigned_agent_id.is_some() && t.assigned_agent_id == gate::me(state) =>
            {
                vec![Out::Info(format!("Ticket {} is already yours.", t.id))]
            }
            Cmd::Take => vec![Out::Req(Request::Recheck {
                id: t.id,
                assignee: gate::me(state),
            })],
            Cmd::Assign => vec![
                Out::Show(overlay::assign_picker(state, t.id, t.assigned_agent_id)),
                Out::Req(Request::Staff),
            ],
            Cmd::SetStatus => vec![Out::Show(overlay::status_picker(t.id, t.status))],
            Cmd::SetPriority => vec![Out::Show(overlay::priority_picker(t.id, t.priority))],
            Cmd::Delete => match self.selected_comment() {
                Some(c) => vec![Out::Show(Overlay::Confirm(Confirm::new(
                    format!("Delete this comment by {}?", c.user.username),
                    ConfirmFor::DeleteComment {
                        ticket_id: t.id,
                        comment_id: c.comment.id,
                    },
                )))],
                None => vec![Out::Info(format!(
                    "Select a comment first ({}).",
                    crate::app::keymap::key_for(crate::app::keymap::Ctx::Ticket, Cmd::Down)
                ))],
            },
            Cmd::DeleteTicket => vec![Out::Show(Overlay::Confirm(Confirm::new(
                format!(
                    "Delete ticket {} \"{}\" and all its comments?",
                    t.id, t.title
                ),
                ConfirmFor::DeleteTicket(t.id),
            )))],
            _ => Vec::new(),
        }
    }

    fn concerns_me(&self, request: &Request) -> bool {
        match request {
            Request::UpdateTicket(id, ..)
            | Request::Ticket(id)
            | Request::History(id)
            | Request::DeleteTicket(id) => *id == self.id,
            Request::CreateComment(c) => c.ticket_id == self.id,
            Request::UpdateComment { ticket_id, .. } | Request::DeleteComment { ticket_id, .. } => {
                *ticket_id == self.id
            }
            _ => false,
        }
    }

    pub fn on_response(
        &mut self,
        request: &Request,
        result: &Result<Reply, ApiError>,
        state: &State,
    ) -> Vec<Out> {
        if !self.concerns_me(request) {
            return Vec::new();
        }
        match (request, result) {
            (Request::Ticket(_), Ok(Reply::Ticket(d))) => {
                self.loading = false;
                self.error = None;
                self.selected = self.selected.min(d.comments.len());
                self.detail = Some(d.clone());
                Vec::new()
            }
            (Request::Ticket(_), Err(e)) => {
                self.loading = false;
                self.error = Some(match e.status() {
                    Some(404) => {
                        format!("Ticket {} does not exist or is not yours to see.", self.id)
                    }
                    _ => e.to_string(),
                });
                Vec::new()
            }
            (Request::History(_), _) => {
                self.history.on_reply(result, self.id);
                Vec::new()
            }
            (Request::DeleteTicket(id), Ok(_)) => {
                vec![Out::Info(format!("Ticket {id} deleted.")), Out::Back]
            }
            (Request::CreateComment(c), Ok(_)) => {
                self.selected = self.items();
                let what = if c.is_internal {
                    "Internal note"
                } else {
                    "Comment"
                };
                self.reload_with(format!("{what} added to ticket {}.", self.id))
            }
            (Request::DeleteComment { .. }, Ok(_)) => self.reload_with("Comment deleted.".into()),
            (Request::UpdateTicket(id, change, _), Ok(reply)) => {
                let said = super::ticket_changed(*id, change, state);
                match reply {
                    Reply::Ticket(d) => {
                        self.selected = self.selected.min(d.comments.len());
                        self.detail = Some(d.clone());
                        let mut out = vec![Out::Info(said)];
                        out.extend(self.history.stale(self.id).into_iter().map(Out::Req));
                        out
                    }
                    _ => self.reload_with(said),
                }
            }
            (Request::UpdateComment { .. }, Ok(_)) => self.reload_with("Comment saved.".into()),
            _ => Vec::new(),
        }
    }

    /// A change someone made (this user too: their own come back as well), shown in place.
    pub fn on_event(&mut self, event: &ServerEvent, state: &State) -> Vec<Out> {
        match event {
            ServerEvent::Ticket(e) if e.ticket_id == self.id => self.ticket_event(e),
            ServerEvent::Comment(e) if e.ticket_id == self.id => self.comment_event(e, state),
            _ => Vec::new(),
        }
    }

    fn ticket_event(&mut self, e: &TicketEvent) -> Vec<Out> {
        let Some(item) = &e.ticket else {
            self.detail = None;
            self.error = Some(format!("Ticket {} has been deleted.", self.id));
            return Vec::new();
        };
        let Some(d) = &mut self.detail else {
            // Not shown yet: the ticket being read is read after the change, or answers 404.
            return Vec::new();
        };
        let same = d.ticket == item.ticket
            && d.requester == item.requester
            && d.assigned_agent == item.assigned_agent;
        if same || d.ticket.version > item.ticket.version {
            return Vec::new();
        }
        let said = super::what_changed(&d.ticket, &item.ticket, item.assigned_agent.as_ref());
        d.ticket = item.ticket.clone();
        d.requester = item.requester.clone();
        d.assigned_agent = item.assigned_agent.clone();
        let mut out: Vec<Out> = self
            .history
            .stale(self.id)
            .into_iter()
            .map(Out::Req)
            .collect();
        if !said.is_empty() {
            out.push(Out::Info(format!(
                "Ticket {} changed: {}.",
                self.id,
                said.join(", ")
            )));
        }
        out
    }

    fn comment_event(&mut self, e: &CommentEvent, state: &State) -> Vec<Out> {
        let Some(d) = &mut self.detail else {
            return Vec::new();
        };
        let at = d
            .comments
            .iter()
            .position(|c| Some(c.comment.id) == e.comment_id);
        let Some(comment) = &e.comment else {
            // Deleted; the cursor stays on what it was on (the next one, if it was this one).
            let Some(i) = at else { return Vec::new() };
            d.comments.remove(i);
            if self.selected > i + 1 {
                self.selected -= 1;
            }
            self.selected = self.selected.min(d.comments.len());
            return vec![Out::Info(format!(
                "A comment on ticket {} was deleted.",
                self.id
            ))];
        };
        let Some(user) = author(d, comment.commented_by_id, state) else {
            // Written by someone this client knows nothing of: the thread as the server has it.
            return self.refresh().into_iter().map(Out::Req).collect();
        };
        let mine = gate::me(state) == Some(user.id);
        let said = match e.change {
            Change::CommentCreated => format!("{} commented on ticket {}.", user.username, self.id),
            _ => format!("{} edited a comment on ticket {}.", user.username, self.id),
        };
        let entry = CommentWithUser {
            comment: comment.clone(),
            user,
        };
        match at {
            Some(i) if d.comments[i] == entry => return Vec::new(),
            Some(i) => d.comments[i] = entry,
            None => d.comments.push(entry),
        }
        if mine {
            Vec::new()
        } else {
            vec![Out::Info(said)]
        }
    }

    fn reload_with(&mut self, msg: String) -> Vec<Out> {
        let mut out = vec![Out::Info(msg)];
        out.extend(self.refresh().into_iter().map(Out::Req));
        out
    }
}

/// Who wrote a comment (user `by`) on ticket `d`, among the people this client knows.
fn author(d: &TicketDetail, by: i64, state: &State) -> Option<UserSummary> {
    d.comments
        .iter()
        .map(|c| &c.user)
        .chain([&d.requester])
        .chain(d.assigned_agent.as_ref())
        .find(|u| u.id == by)
        .cloned()
        .or_else(|| state.staff.get(&by).cloned())
        .or_else(|| {
            state
                .user
                .as_ref()
                .filter(|u| u.id == by)
                .map(|u| u.summary())
        })
}
