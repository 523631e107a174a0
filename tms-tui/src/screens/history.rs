//! A ticket's history as the ticket screen shows it: hidden or shown, loaded the first time it
//! is shown, loaded again after the ticket changed, with a cursor that starts on the newest
//! change.

use super::move_cursor;
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::{Reply, Request};
use tms_core::api::HistoryEntry;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryState {
    /// Shown instead of the description and comments.
    pub shown: bool,
    /// The changes, oldest first; `None` until loaded, and again once they may be out of date.
    pub entries: Option<Vec<HistoryEntry>>,
    pub loading: bool,
    pub error: Option<String>,
    /// The entry under the cursor.
    pub selected: usize,
}

impl HistoryState {
    /// Shows or hides the history; the first showing (or the first since it went out of date)
    /// loads it.
    pub fn toggle(&mut self, ticket: i64) -> Vec<Request> {
        self.shown = !self.shown;
        if self.shown && self.entries.is_none() && !self.loading {
            return self.load(ticket);
        }
        Vec::new()
    }

    fn load(&mut self, ticket: i64) -> Vec<Request> {
        self.loading = true;
        vec![Request::History(ticket)]
    }

    /// The ticket changed or is being read again: a shown history is loaded again, a hidden
    /// one forgotten so the next showing loads it.
    pub fn stale(&mut self, ticket: i64) -> Vec<Request> {
        if self.shown {
            return self.load(ticket);
        }
        self.entries = None;
        self.error = None;
        Vec::new()
    }

    /// Moves the cursor, if shown and `cmd` is a movement; returns whether it was taken.
    pub fn on_cmd(&mut self, cmd: Cmd) -> bool {
        let len = self.entries.as_ref().map_or(0, Vec::len);
        self.shown && move_cursor(&mut self.selected, len, cmd)
    }

    /// The answer to [`Request::History`]. A cursor on the newest change stays on the newest.
    pub fn on_reply(&mut self, result: &Result<Reply, ApiError>, ticket: i64) {
        self.loading = false;
        match result {
            Ok(Reply::History(entries)) => {
                if !self.shown {
                    // Hidden since it was asked for: it may miss a change made meanwhile.
                    self.entries = None;
                    return;
                }
                let old = self.entries.as_ref().map_or(0, Vec::len);
                let last = entries.len().saturating_sub(1);
                self.selected = if self.selected + 1 >= old {
                    last
                } else {
                    self.selected.min(last)
                };
                self.entries = Some(entries.clone());
                self.error = None;
            }
            Ok(_) => {}
            Err(e) => {
                self.error = Some(match e.status() {
                    Some(404) => {
                        format!("Ticket {ticket} does not exist or is not yours to see.")
                    }
                    _ => format!("Could not load the history: {e}"),
                });
            }
        }
    }
}
