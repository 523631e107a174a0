//! The activity log (admins): newest first, filters by user, type and ticket, paging back by
//! `before_id`, and clearing with confirmation.

use super::{Out, Screen, TicketState, move_cursor, reason};
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::overlay::{self, Confirm, ConfirmFor, Overlay, Prompt, PromptFor};
use crate::app::{Reply, Request, State};
use tms_core::api::{LogEntry, LogQuery, UserSummary};

/// Entries per page.
pub const PAGE: u64 = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogState {
    pub entries: Vec<LogEntry>,
    pub query: LogQuery,
    /// `before_id`s of the newer pages, to come back to.
    pub newer: Vec<Option<i64>>,
    pub loading: bool,
    pub error: Option<String>,
    pub selected: usize,
    /// Users seen in the log or picked in its user filter, to name the filter.
    pub users: Vec<UserSummary>,
}

impl Default for LogState {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            query: LogQuery {
                limit: PAGE,
                ..LogQuery::default()
            },
            newer: Vec::new(),
            loading: false,
            error: None,
            selected: 0,
            users: Vec::new(),
        }
    }
}

impl LogState {
    pub fn refresh(&mut self) -> Vec<Request> {
        self.loading = true;
        vec![Request::Logs(self.query.clone())]
    }

    fn reload(&mut self) -> Vec<Out> {
        self.refresh().into_iter().map(Out::Req).collect()
    }

    /// Filters changed: back to the newest page.
    pub fn refilter(&mut self) -> Vec<Request> {
        self.query.before_id = None;
        self.newer.clear();
        self.selected = 0;
        self.refresh()
    }

    /// Page number, 1 for the newest.
    pub fn page(&self) -> usize {
        self.newer.len() + 1
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>, _state: &State) -> Vec<Out> {
        let Some(cmd) = cmd else { return Vec::new() };
        if move_cursor(&mut self.selected, self.entries.len(), cmd) {
            return Vec::new();
        }
        match cmd {
            Cmd::Back => vec![Out::Back],
            Cmd::Refresh => self.reload(),
            Cmd::Open => match self.entries.get(self.selected).and_then(|e| e.ticket_id) {
                Some(id) => vec![Out::Push(Screen::Ticket(TicketState::new(id)))],
                None => vec![Out::Info("This entry is not about a ticket.".into())],
            },
            Cmd::NextPage => match self.entries.last() {
                Some(last) if self.entries.len() as u64 >= self.query.limit => {
                    self.newer.push(self.query.before_id);
                    self.query.before_id = Some(last.id);
                    self.selected = 0;
                    self.reload()
                }
                _ => vec![Out::Info("No older entries.".into())],
            },
            Cmd::PrevPage => match self.newer.pop() {
                Some(before) => {
                    self.query.before_id = before;
                    self.selected = 0;
                    self.reload()
                }
                None => Vec::new(),
            },
            Cmd::FilterType => vec![Out::Show(overlay::activity_picker(
                self.query.activity_type,
            ))],
            Cmd::FilterUser => {
                let (picker, search) = overlay::log_user_picker(self.query.user_id);
                vec![Out::Show(picker), Out::Req(search)]
            }
            Cmd::FilterTicket => {
                let current = self
                    .query
                    .ticket_id
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                vec![Out::Show(Overlay::Prompt(Prompt::new(
                    "Ticket number (empty: any)",
                    &current,
                    PromptFor::LogTicket,
                )))]
            }
            Cmd::ClearFilters => {
                self.query.user_id = None;
                self.query.activity_type = None;
                self.query.ticket_id = None;
                self.refilter().into_iter().map(Out::Req).collect()
            }
            Cmd::ClearLog => vec![Out::Show(Overlay::Confirm(Confirm::new(
                "Clear the whole activity log? One entry will record the clearing.".into(),
                ConfirmFor::ClearLog,
            )))],
            _ => Vec::new(),
        }
    }

    pub fn on_response(&mut self, request: &Request, result: &Result<Reply, ApiError>) -> Vec<Out> {
        match (request, result) {
            (Request::Logs(q), _) if *q == self.query => {
                self.loading = false;
                self.error = reason(result);
                if let Ok(Reply::Logs(entries)) = result {
                    for e in entries {
                        if !self.users.iter().any(|u| u.id == e.user.id) {
                            self.users.push(e.user.clone());
                        }
                    }
                    self.entries = entries.clone();
                    self.selected = self.selected.min(entries.len().saturating_sub(1));
                }
                Vec::new()
            }
            (Request::ClearLogs, Ok(_)) => {
                let mut out = vec![Out::Info("Activity log cleared.".into())];
                out.extend(self.refilter().into_iter().map(Out::Req));
                out
            }
            _ => Vec::new(),
        }
    }
}
