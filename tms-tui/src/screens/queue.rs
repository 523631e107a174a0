//! The ticket queue: tabs with live counts for staff, the requester's own tickets otherwise;
//! filters, sort, search, paging, and ticket actions straight from the list.

use super::{Out, Screen, TicketState, move_cursor, reason};
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::overlay::{self, DraftKey, Overlay, Prompt, PromptFor};
use crate::app::{ListSlot, Reply, Request, State};
use crate::screens::NewTicketState;
use tms_core::api::{Page, SortKey, TicketDetail, TicketListItem, TicketQuery, TicketUpdate};
use tms_core::{Priority, Status};

/// Whose queue this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueKind {
    /// Agents and admins: four tabs.
    Staff,
    /// Requesters: their own tickets.
    Requester,
}

pub const TABS: [&str; 4] = ["Unassigned", "Mine", "All open", "All"];
const UNRESOLVED: [Status; 3] = [Status::Open, Status::InProgress, Status::Waiting];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueState {
    pub kind: QueueKind,
    /// The signed-in user (for "Mine" and "take").
    pub me: i64,
    pub tab: usize,
    pub counts: [Option<u64>; 4],
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub sort: SortKey,
    pub search: Option<String>,
    /// Tickets carrying every one of these tags (staff).
    pub tags: Vec<String>,
    pub page: u64,
    pub rows: Option<Page<TicketListItem>>,
    pub loading: bool,
    pub error: Option<String>,
    pub selected: usize,
    /// Tickets marked for a change of them all, in the order marked.
    pub marked: Vec<i64>,
}

impl QueueState {
    pub fn new(kind: QueueKind, me: i64) -> Self {
        Self {
            kind,
            me,
            tab: 0,
            counts: [None; 4],
            status: None,
            priority: None,
            sort: SortKey::default(),
            search: None,
            tags: Vec::new(),
            page: 1,
            rows: None,
            loading: false,
            error: None,
            selected: 0,
            marked: Vec::new(),
        }
    }

    /// The marked tickets, in the order marked.
    pub fn marked_ids(&self) -> Vec<i64> {
        self.marked.clone()
    }

    pub fn is_marked(&self, id: i64) -> bool {
        self.marked.contains(&id)
    }

    /// Marks or unmarks the highlighted row.
    fn toggle_mark(&mut self) -> Vec<Out> {
        let Some(id) = self.selected_item().map(|i| i.ticket.id) else {
            return Vec::new();
        };
        match self.marked.iter().position(|m| *m == id) {
            Some(i) => {
                self.marked.remove(i);
            }
            None => self.marked.push(id),
        }
        Vec::new()
    }

    /// Marks every row between the last one marked on this page and the highlighted one.
    fn mark_range(&mut self) -> Vec<Out> {
        let items: Vec<i64> = self.items().iter().map(|i| i.ticket.id).collect();
        let from = self
            .marked
            .iter()
            .rev()
            .find_map(|m| items.iter().position(|id| id == m))
            .unwrap_or(self.selected);
        let (lo, hi) = (from.min(self.selected), from.max(self.selected));
        for id in items.get(lo..=hi).unwrap_or_default() {
            if !self.marked.contains(id) {
                self.marked.push(*id);
            }
        }
        Vec::new()
    }

    /// The query behind tab `tab`, without the user's filters.
    pub fn tab_query(&self, tab: usize) -> TicketQuery {
        let mut q = TicketQuery::default();
        if self.kind == QueueKind::Requester {
            return q;
        }
        match tab {
            0 => {
                q.unassigned = true;
                q.status = UNRESOLVED.to_vec();
            }
            1 => {
                q.assigned_agent_id = Some(self.me);
                q.status = UNRESOLVED.to_vec();
            }
            2 => q.status = UNRESOLVED.to_vec(),
            _ => {}
        }
        q
    }

    /// The query of the table: the tab, the filters, the sort, the page.
    pub fn query(&self) -> TicketQuery {
        let mut q = self.tab_query(self.tab);
        if let Some(s) = self.status {
            q.status = vec![s];
        }
        q.priority = self.priority.into_iter().collect();
        q.q.clone_from(&self.search);
        q.tag.clone_from(&self.tags);
        q.sort = self.sort;
        q.page = self.page;
        q
    }

    pub fn refresh(&mut self) -> Vec<Request> {
        self.loading = true;
        let mut reqs = vec![Request::Tickets {
            slot: ListSlot::Rows,
            query: self.query(),
        }];
        if self.kind == QueueKind::Staff {
            for tab in 0..TABS.len() {
                let mut query = self.tab_query(tab);
                query.size = 1;
                reqs.push(Request::Tickets {
                    slot: ListSlot::Count(tab),
                    query,
                });
            }
        }
        reqs
    }

    fn reload(&mut self) -> Vec<Out> {
        self.refresh().into_iter().map(Out::Req).collect()
    }

    pub fn items(&self) -> &[TicketListItem] {
        self.rows.as_ref().map_or(&[], |p| p.items.as_slice())
    }

    pub fn selected_item(&self) -> Option<&TicketListItem> {
        self.items().get(self.selected)
    }

    fn go_tab(&mut self, tab: usize) -> Vec<Out> {
        if self.kind == QueueKind::Requester || tab == self.tab {
            return Vec::new();
        }
        self.tab = tab;
        self.page = 1;
        self.selected = 0;
        self.rows = None;
        self.reload()
    }

    fn turn_page(&mut self, forward: bool) -> Vec<Out> {
        let pages = self.rows.as_ref().map_or(1, |p| p.pages.max(1));
        let next = if forward {
            self.page + 1
        } else {
            self.page.saturating_sub(1)
        };
        if next < 1 || next > pages {
            return Vec::new();
        }
        self.page = next;
        self.selected = 0;
        self.reload()
    }

    pub fn on_key(&mut self, cmd: Option<Cmd>, state: &State) -> Vec<Out> {
        let Some(cmd) = cmd else { return Vec::new() };
        let len = self.items().len();
        if move_cursor(&mut self.selected, len, cmd) {
            return Vec::new();
        }
        if self.kind == QueueKind::Staff && !self.marked.is_empty() {
            let n = self.marked.len();
            let bulk = |field| vec![Out::Show(overlay::bulk_picker(state, field, n))];
            match cmd {
                Cmd::SetStatus => return bulk(overlay::BulkField::Status),
                Cmd::SetPriority => return bulk(overlay::BulkField::Priority),
                Cmd::Assign => {
                    let mut out = bulk(overlay::BulkField::Assignee);
                    out.push(Out::Req(Request::Staff));
                    return out;
                }
                Cmd::Take => {
                    let take = tms_core::api::BulkChanges {
                        assigned_agent_id: Some(Some(self.me)),
                        ..Default::default()
                    };
                    return overlay::bulk_confirm(state, self.marked_ids(), take)
                        .map(Out::Show)
                        .into_iter()
                        .collect();
                }
                Cmd::Tags => {
                    let title = format!("Tags for {n} marked tickets: vpn adds, -vpn removes");
                    let purpose = PromptFor::BulkTags(self.marked_ids());
                    return vec![
                        Out::Show(overlay::tags_prompt(state, &title, "", purpose)),
                        Out::Req(Request::Tags),
                    ];
                }
                Cmd::Back => {
                    self.marked.clear();
                    return vec![Out::Info("Marks cleared.".into())];
                }
                _ => {}
            }
        }
        match cmd {
            Cmd::Mark if self.kind == QueueKind::Staff => self.toggle_mark(),
            Cmd::MarkRange if self.kind == QueueKind::Staff => self.mark_range(),
            Cmd::Back if self.search.is_some() => {
                self.search = None;
                self.page = 1;
                self.selected = 0;
                self.reload()
            }
            Cmd::Back => vec![Out::Back],
            Cmd::Refresh => self.reload(),
            Cmd::NextTab => self.go_tab((self.tab + 1) % TABS.len()),
            Cmd::PrevTab => self.go_tab((self.tab + TABS.len() - 1) % TABS.len()),
            Cmd::GoTab(n) => self.go_tab(n),
            Cmd::NextPage => self.turn_page(true),
            Cmd::PrevPage => self.turn_page(false),
            Cmd::New => vec![Out::Push(Screen::NewTicket(NewTicketState::from_draft(
                state,
            )))],
            Cmd::Search => vec![Out::Show(Overlay::Prompt(Prompt::new(
                crate::theme::text::SEARCH_TICKETS,
                self.search.as_deref().unwrap_or(""),
                PromptFor::Search,
            )))],
            Cmd::FilterStatus => vec![Out::Show(overlay::status_filter(
                self.status,
                self.kind == QueueKind::Staff,
            ))],
            Cmd::FilterPriority => vec![Out::Show(overlay::priority_filter(self.priority))],
            Cmd::FilterTag => vec![
                Out::Show(overlay::tags_prompt(
                    state,
                    "Tickets with every one of these tags (empty: any)",
                    &self.tags.join(" "),
                    PromptFor::FilterTags,
                )),
                Out::Req(Request::Tags),
            ],
            Cmd::Sort => vec![Out::Show(overlay::sort_picker(self.sort))],
            Cmd::ClearFilters => {
                self.status = None;
                self.priority = None;
                self.search = None;
                self.tags.clear();
                self.sort = SortKey::default();
                self.page = 1;
                self.reload()
            }
            _ => self.on_ticket_cmd(cmd, state),
        }
    }

    /// Commands that act on the highlighted ticket.
    fn on_ticket_cmd(&mut self, cmd: Cmd, state: &State) -> Vec<Out> {
        let Some(item) = self.selected_item() else {
            return Vec::new();
        };
        let t = &item.ticket;
        match cmd {
            Cmd::Open => vec![Out::Push(Screen::Ticket(TicketState::new(t.id)))],
            Cmd::Take if t.assigned_agent_id == Some(self.me) => {
                vec![Out::Info(format!("Ticket {} is already yours.", t.id))]
            }
            Cmd::Take => vec![Out::Req(Request::Recheck {
                id: t.id,
                assignee: Some(self.me),
            })],
            Cmd::Assign => vec![
                Out::Show(overlay::assign_picker(state, t.id, t.assigned_agent_id)),
                Out::Req(Request::Staff),
            ],
            Cmd::SetStatus => vec![Out::Show(overlay::status_picker(t.id, t.status))],
            Cmd::SetPriority => vec![Out::Show(overlay::priority_picker(t.id, t.priority))],
            Cmd::Comment => vec![Out::Show(overlay::compose(
                state,
                DraftKey::Comment(t.id),
                "",
            ))],
            Cmd::Tags => super::edit_tags(state, t),
            _ => Vec::new(),
        }
    }

    /// A change the server accepted, with the ticket as it now is: its row is updated in place
    /// (or leaves a tab it no longer belongs to), and only counts that can have moved are asked
    /// for again.
    fn changed(&mut self, d: &TicketDetail, change: &TicketUpdate) -> Vec<Out> {
        let query = self.query();
        let belongs = (query.status.is_empty() || query.status.contains(&d.ticket.status))
            && (query.priority.is_empty() || query.priority.contains(&d.ticket.priority))
            && (!query.unassigned || d.ticket.assigned_agent_id.is_none())
            && query
                .assigned_agent_id
                .is_none_or(|a| d.ticket.assigned_agent_id == Some(a))
            && query
                .tag
                .iter()
                .all(|t| d.ticket.tags.iter().flatten().any(|has| has == t));
        if let Some(page) = &mut self.rows
            && let Some(i) = page.items.iter().position(|i| i.ticket.id == d.ticket.id)
        {
            if belongs {
                page.items[i] = TicketListItem {
                    ticket: d.ticket.clone(),
                    requester: d.requester.clone(),
                    assigned_agent: d.assigned_agent.clone(),
                };
            } else {
                page.items.remove(i);
                page.total = page.total.saturating_sub(1);
                self.selected = self.selected.min(page.items.len().saturating_sub(1));
            }
        }
        let moves_tabs = change.status.is_some() || change.assigned_agent_id.is_some();
        if !moves_tabs {
            return Vec::new();
        }
        self.counts_again()
    }

    /// The tabs' counts, asked for again (staff).
    fn counts_again(&self) -> Vec<Out> {
        if self.kind != QueueKind::Staff {
            return Vec::new();
        }
        (0..TABS.len())
            .map(|tab| {
                let mut query = self.tab_query(tab);
                query.size = 1;
                Out::Req(Request::Tickets {
                    slot: ListSlot::Count(tab),
                    query,
                })
            })
            .collect()
    }

    pub fn on_response(
        &mut self,
        request: &Request,
        result: &Result<Reply, ApiError>,
        state: &State,
    ) -> Vec<Out> {
        match (request, result) {
            (
                Request::Tickets {
                    slot: ListSlot::Rows,
                    query,
                },
                _,
            ) if *query == self.query() => {
                self.loading = false;
                self.error = reason(result);
                if let Ok(Reply::Tickets(page)) = result {
                    self.selected = self.selected.min(page.items.len().saturating_sub(1));
                    self.rows = Some(page.clone());
                }
                Vec::new()
            }
            (
                Request::Tickets {
                    slot: ListSlot::Count(tab),
                    query,
                },
                Ok(Reply::Tickets(page)),
            ) if *tab < TABS.len()
                && query.assigned_agent_id == self.tab_query(*tab).assigned_agent_id =>
            {
                self.counts[*tab] = Some(page.total);
                Vec::new()
            }
            (Request::UpdateTicket(id, change, _), Ok(reply)) => {
                let mut out = vec![Out::Info(super::ticket_changed(*id, change, state))];
                match reply {
                    Reply::Ticket(d) => out.extend(self.changed(d, change)),
                    _ => out.extend(self.reload()),
                }
                out
            }
            (Request::Bulk(_), Ok(Reply::Bulk(items))) => {
                self.marked.clear();
                for item in items {
                    // Each row in place (or out of a tab it left); the counts once, below.
                    self.changed(
                        &TicketDetail::of(item.clone(), Vec::new()),
                        &TicketUpdate::default(),
                    );
                }
                let n = items.len();
                let plural = if n == 1 { "" } else { "s" };
                let mut out = vec![Out::Info(format!("{n} ticket{plural} changed."))];
                out.extend(self.counts_again());
                out
            }
            (Request::Bulk(_), Err(e)) if !e.is_unreachable() => {
                // The marks stay, to unmark what was refused and try again.
                vec![Out::Error(format!("Nothing changed: {e}"))]
            }
            (Request::CreateComment(c), Ok(_)) => {
                vec![Out::Info(format!(
                    "Comment added to ticket {}.",
                    c.ticket_id
                ))]
            }
            _ => Vec::new(),
        }
    }
}
