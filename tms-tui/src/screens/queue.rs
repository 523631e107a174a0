//! The ticket queue: tabs with live counts for staff (the built-in ones, then one per saved
//! view), the requester's own tickets otherwise; filters, sort, search, paging, and ticket
//! actions straight from the list. Kept up to date by the event stream (`live`).

mod live;
mod views;

pub use live::FRESH_SECS;

use super::{Out, Screen, TicketState, move_cursor, reason};
use crate::api::ApiError;
use crate::app::keymap::Cmd;
use crate::app::overlay::{self, DraftKey, Overlay, Prompt, PromptFor};
use crate::app::{ListSlot, Reply, Request, State};
use crate::screens::NewTicketState;
use tms_core::api::{Page, SortKey, Ticket, TicketDetail, TicketListItem, TicketQuery, View};
use tms_core::timefmt::Timestamp;
use tms_core::{Priority, SlaState, Status};

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

/// The queue's SLA filter (staff): which states to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaFilter {
    AtRiskOrBreached,
    AtRisk,
    Breached,
    Paused,
}

impl SlaFilter {
    pub const ALL: [SlaFilter; 4] = [
        SlaFilter::AtRiskOrBreached,
        SlaFilter::AtRisk,
        SlaFilter::Breached,
        SlaFilter::Paused,
    ];

    /// The states of the list's `sla` filter.
    pub fn states(self) -> Vec<SlaState> {
        match self {
            SlaFilter::AtRiskOrBreached => vec![SlaState::AtRisk, SlaState::Breached],
            SlaFilter::AtRisk => vec![SlaState::AtRisk],
            SlaFilter::Breached => vec![SlaState::Breached],
            SlaFilter::Paused => vec![SlaState::Paused],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SlaFilter::AtRiskOrBreached => "at risk or breached",
            SlaFilter::AtRisk => "at risk",
            SlaFilter::Breached => "breached",
            SlaFilter::Paused => "paused (Waiting)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueState {
    pub kind: QueueKind,
    /// The signed-in user (for "Mine" and "take").
    pub me: i64,
    pub tab: usize,
    pub counts: [Option<u64>; 4],
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    /// Tickets in these SLA states only (staff).
    pub sla: Option<SlaFilter>,
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
    /// The saved views (own, then for staff the shared ones, by name): the tabs after the
    /// built-in ones, each with its count.
    pub views: Vec<View>,
    /// Rows just changed through the event stream, with when: marked for a moment.
    pub fresh: Vec<(i64, Timestamp)>,
    /// Changes heard since the counts were last asked for, collected until the burst is over.
    burst: Option<Burst>,
    /// The ticket to keep the cursor on when the rows being read arrive.
    follow: Option<i64>,
}

/// What to read again once a burst of changes is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Burst {
    /// The page too: a change may have moved rows in a way only the server can tell.
    rows: bool,
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
            sla: None,
            sort: SortKey::default(),
            search: None,
            tags: Vec::new(),
            page: 1,
            rows: None,
            loading: false,
            error: None,
            selected: 0,
            marked: Vec::new(),
            views: Vec::new(),
            fresh: Vec::new(),
            burst: None,
            follow: None,
        }
    }

    /// How many tabs there are: the built-in ones and one per view (staff).
    pub fn tab_count(&self) -> usize {
        match self.kind {
            QueueKind::Staff => TABS.len() + self.views.len(),
            QueueKind::Requester => 1,
        }
    }

    /// The view behind tab `tab`, if it is a view's.
    pub fn view_at(&self, tab: usize) -> Option<&View> {
        tab.checked_sub(TABS.len())
            .and_then(|i| self.views.get(i))
            .filter(|_| self.kind == QueueKind::Staff)
    }

    /// The view of the tab in front, if it is a view's.
    pub fn current_view(&self) -> Option<&View> {
        self.view_at(self.tab)
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

    /// The query behind tab `tab`, without the user's filters: a view's own, for its tab.
    pub fn tab_query(&self, tab: usize) -> TicketQuery {
        let mut q = TicketQuery::default();
        if self.kind == QueueKind::Requester {
            return q;
        }
        if let Some(view) = self.view_at(tab) {
            return views::query_of(view);
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

    /// The query of the table: the tab, the filters (each in place of the tab's own), the
    /// sort, the page.
    pub fn query(&self) -> TicketQuery {
        let mut q = self.tab_query(self.tab);
        if let Some(s) = self.status {
            q.status = vec![s];
        }
        if let Some(p) = self.priority {
            q.priority = vec![p];
        }
        if self.search.is_some() {
            q.q.clone_from(&self.search);
        }
        if !self.tags.is_empty() {
            q.tag.clone_from(&self.tags);
        }
        if let Some(f) = self.sla {
            q.sla = f.states();
        }
        q.sort = self.sort;
        q.page = self.page;
        q
    }

    /// Reads the rows and the counts, the cursor going where the caller put it.
    pub fn refresh(&mut self) -> Vec<Request> {
        self.loading = true;
        self.burst = None;
        let mut reqs = vec![Request::Tickets {
            slot: ListSlot::Rows,
            query: self.query(),
        }];
        reqs.extend(self.count_requests());
        reqs
    }

    /// Reads again what is shown, the cursor staying on its ticket.
    pub fn reread(&mut self) -> Vec<Request> {
        self.follow = self.selected_item().map(|i| i.ticket.id);
        self.refresh()
    }

    fn reload(&mut self) -> Vec<Out> {
        self.refresh().into_iter().map(Out::Req).collect()
    }

    /// The requests for the tabs' counts: each built-in tab's, and the views with theirs.
    fn count_requests(&self) -> Vec<Request> {
        if self.kind != QueueKind::Staff {
            return Vec::new();
        }
        let mut reqs: Vec<Request> = (0..TABS.len())
            .map(|tab| {
                let mut query = self.tab_query(tab);
                query.size = 1;
                Request::Tickets {
                    slot: ListSlot::Count(tab),
                    query,
                }
            })
            .collect();
        reqs.push(Request::Views);
        reqs
    }

    /// The user's filters cleared and the sort back to the tab's own.
    fn reset_filters(&mut self) {
        self.status = None;
        self.priority = None;
        self.sla = None;
        self.search = None;
        self.tags.clear();
        self.sort = self.tab_query(self.tab).sort;
        self.page = 1;
    }

    pub fn items(&self) -> &[TicketListItem] {
        self.rows.as_ref().map_or(&[], |p| p.items.as_slice())
    }

    pub fn selected_item(&self) -> Option<&TicketListItem> {
        self.items().get(self.selected)
    }

    fn go_tab(&mut self, tab: usize) -> Vec<Out> {
        if self.kind == QueueKind::Requester || tab == self.tab || tab >= self.tab_count() {
            return Vec::new();
        }
        // A view is its own filters and sort: none of another tab's go with it.
        if self.current_view().is_some() || self.view_at(tab).is_some() {
            return self.open_tab(tab);
        }
        self.tab = tab;
        self.page = 1;
        self.selected = 0;
        self.rows = None;
        self.reload()
    }

    /// Shows tab `tab` afresh: its first page, its own sort, none of the user's filters.
    fn open_tab(&mut self, tab: usize) -> Vec<Out> {
        self.tab = tab;
        self.reset_filters();
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
            Cmd::Refresh => self.reread().into_iter().map(Out::Req).collect(),
            Cmd::NextTab => self.go_tab((self.tab + 1) % self.tab_count()),
            Cmd::PrevTab => self.go_tab((self.tab + self.tab_count() - 1) % self.tab_count()),
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
            Cmd::FilterSla => vec![Out::Show(overlay::sla_filter(self.sla))],
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
                self.reset_filters();
                self.reload()
            }
            Cmd::SaveView if self.kind == QueueKind::Staff => {
                vec![Out::Show(overlay::save_view(state))]
            }
            Cmd::DeleteView if self.kind == QueueKind::Staff => self.ask_to_delete(),
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
    /// (or leaves a tab it no longer belongs to).
    fn changed(&mut self, d: &TicketDetail) {
        let belongs = shows(&self.query(), &d.ticket);
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
    }

    /// The counts after changes of ours the server accepted: asked for again when they can
    /// have moved — unless the event stream is up, whose echo of the changes asks for them.
    fn recount_after(&self, moves_tabs: bool, state: &State) -> Vec<Out> {
        if moves_tabs && !state.live.is_up() {
            self.counts_again()
        } else {
            Vec::new()
        }
    }

    /// The tabs' counts, asked for again (staff).
    fn counts_again(&self) -> Vec<Out> {
        self.count_requests().into_iter().map(Out::Req).collect()
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
                let follow = self.follow.take();
                if let Ok(Reply::Tickets(page)) = result {
                    self.rows = Some(page.clone());
                    self.keep_cursor(follow);
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
                    Reply::Ticket(d) => {
                        self.changed(d);
                        let moves_tabs =
                            change.status.is_some() || change.assigned_agent_id.is_some();
                        out.extend(self.recount_after(moves_tabs, state));
                    }
                    _ => out.extend(self.reload()),
                }
                out
            }
            (Request::Bulk(_), Ok(Reply::Bulk(items))) => {
                self.marked.clear();
                for item in items {
                    // Each row in place (or out of a tab it left); the counts once, below.
                    self.changed(&TicketDetail::of(item.clone(), Vec::new()));
                }
                let n = items.len();
                let plural = if n == 1 { "" } else { "s" };
                let mut out = vec![Out::Info(format!("{n} ticket{plural} changed."))];
                out.extend(self.recount_after(true, state));
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
            (Request::Views, Ok(Reply::Views(views))) => self.set_views(views.clone()),
            (Request::CreateView(_), Ok(Reply::View(view))) => self.saved(view.clone()),
            (Request::DeleteView(_), Ok(Reply::View(view))) => self.deleted(view),
            _ => Vec::new(),
        }
    }

    /// The cursor on ticket `id` if it is shown, else on the nearest row to where it was.
    fn keep_cursor(&mut self, id: Option<i64>) {
        let items = self.items();
        self.selected = id
            .and_then(|id| items.iter().position(|i| i.ticket.id == id))
            .unwrap_or_else(|| self.selected.min(items.len().saturating_sub(1)));
    }
}

/// Whether a list with `query`'s filters shows ticket `t`, as far as the filters tell (a search
/// needs the server).
fn shows(query: &TicketQuery, t: &Ticket) -> bool {
    (query.status.is_empty() || query.status.contains(&t.status))
        && (query.priority.is_empty() || query.priority.contains(&t.priority))
        && (!query.unassigned || t.assigned_agent_id.is_none())
        && query
            .assigned_agent_id
            .is_none_or(|a| t.assigned_agent_id == Some(a))
        && query.requester_id.is_none_or(|r| t.requester_id == r)
        && query
            .tag
            .iter()
            .all(|tag| t.tags.iter().flatten().any(|has| has == tag))
}
