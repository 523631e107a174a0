//! The dashboard (staff): tickets by status and priority, filed and resolved per day, the open
//! tickets per assignee, the oldest open tickets and the SLA states (`GET /api/v1/stats`).
//! The cursor moves over the oldest open tickets; Enter opens one.

use super::{Out, Screen, TicketState, move_cursor, reason};
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::{Reply, Request};
use tms_core::api::Stats;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DashState {
    pub stats: Option<Stats>,
    pub loading: bool,
    pub error: Option<String>,
    /// The highlighted oldest open ticket.
    pub selected: usize,
}

impl DashState {
    pub fn refresh(&mut self) -> Vec<Request> {
        self.loading = true;
        vec![Request::Stats]
    }

    fn oldest_len(&self) -> usize {
        self.stats.as_ref().map_or(0, |s| s.oldest_open.len())
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>) -> Vec<Out> {
        let Some(cmd) = cmd else { return Vec::new() };
        let len = self.oldest_len();
        if move_cursor(&mut self.selected, len, cmd) {
            return Vec::new();
        }
        match cmd {
            Cmd::Back => vec![Out::Back],
            Cmd::Refresh => self.refresh().into_iter().map(Out::Req).collect(),
            Cmd::Open => match self
                .stats
                .as_ref()
                .and_then(|s| s.oldest_open.get(self.selected))
            {
                Some(t) => vec![Out::Push(Screen::Ticket(TicketState::new(t.id)))],
                None => vec![Out::Info("No open ticket to open.".into())],
            },
            _ => Vec::new(),
        }
    }

    pub fn on_response(&mut self, request: &Request, result: &Result<Reply, ApiError>) -> Vec<Out> {
        if *request != Request::Stats {
            return Vec::new();
        }
        self.loading = false;
        self.error = reason(result);
        if let Ok(Reply::Stats(stats)) = result {
            self.selected = self.selected.min(stats.oldest_open.len().saturating_sub(1));
            self.stats = Some((**stats).clone());
        }
        Vec::new()
    }
}
