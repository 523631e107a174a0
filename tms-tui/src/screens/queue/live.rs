//! Changes from the event stream: a ticket's row is updated in place, moved to where the sort
//! puts it, added when the ticket enters the tab or removed when it leaves it, and marked for a
//! moment. Where only the server can tell (a search, a row moving across pages), the page is
//! read again once the burst of changes is over — with the counts, asked for once per burst.

use super::{QueueState, shows};
use crate::api::events::{Change, ServerEvent, TicketEvent};
use crate::app::{Effect, ListSlot, Request};
use crate::screens::Out;
use std::cmp::Ordering;
use std::time::Duration;
use tms_core::api::{Page, SortField, SortKey, Ticket, TicketListItem, TicketQuery};
use tms_core::timefmt::Timestamp;

/// Seconds a row changed through the event stream stays marked.
pub const FRESH_SECS: i64 = 2;
/// How long the changes of one burst are collected before the counts are read again.
const BURST: Duration = Duration::from_millis(300);

/// Where a ticket goes in a page, by the sort.
enum Place {
    At(usize),
    /// Before a page that is not the first: on an earlier page, or first on this one.
    Earlier,
    /// After a full page: on a later page.
    Later,
}

/// What a change did to the page.
#[derive(Default)]
struct Applied {
    /// Its row is shown changed (or added).
    fresh: bool,
    /// Only the server can tell what the page shows now.
    unsure: bool,
}

impl QueueState {
    /// A change someone made — this user too: their own changes come back as well.
    pub fn on_event(&mut self, event: &ServerEvent, now: Timestamp) -> Vec<Out> {
        // A comment changes a row only through its ticket's own event, which comes too.
        let ServerEvent::Ticket(e) = event else {
            return Vec::new();
        };
        let cursor = self.selected_item().map(|i| i.ticket.id);
        let query = self.query();
        let applied = match &mut self.rows {
            // Rows on their way may have been read before this change.
            Some(_) if self.loading => Applied {
                unsure: true,
                ..Applied::default()
            },
            Some(page) => apply(page, &query, e),
            None => Applied {
                unsure: true,
                ..Applied::default()
            },
        };
        self.keep_cursor(cursor);
        if applied.fresh {
            self.fresh
                .retain(|(id, at)| *id != e.ticket_id && (now - *at).whole_seconds() < FRESH_SECS);
            self.fresh.push((e.ticket_id, now));
        }
        self.collect(applied.unsure)
    }

    /// The burst is over: the counts read again, and the page if only the server can tell.
    pub fn on_wake(&mut self) -> Vec<Out> {
        let Some(burst) = self.burst.take() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if burst.rows {
            self.loading = true;
            self.follow = self.selected_item().map(|i| i.ticket.id);
            out.push(Out::Req(Request::Tickets {
                slot: ListSlot::Rows,
                query: self.query(),
            }));
        }
        out.extend(self.counts_again());
        out
    }

    /// Whether ticket `id`'s row was changed through the event stream a moment ago.
    pub fn is_fresh(&self, id: i64, now: Timestamp) -> bool {
        self.fresh
            .iter()
            .any(|(f, at)| *f == id && (now - *at).whole_seconds() < FRESH_SECS)
    }

    /// Adds a change to the burst; the first of a burst asks to be woken when it is over.
    fn collect(&mut self, rows: bool) -> Vec<Out> {
        let first = self.burst.is_none();
        self.burst.get_or_insert_default().rows |= rows;
        if first {
            vec![Out::Fx(Effect::Wake(BURST, crate::app::Alarm::Burst))]
        } else {
            Vec::new()
        }
    }
}

/// Applies a ticket event to `page`, the page of `query`.
fn apply(page: &mut Page<TicketListItem>, query: &TicketQuery, e: &TicketEvent) -> Applied {
    let found = page.items.iter().position(|i| i.ticket.id == e.ticket_id);
    if let (Some(i), Some(new)) = (found, &e.ticket) {
        let old = &page.items[i];
        if *old == **new || old.ticket.version > new.ticket.version {
            // Already shown (a change of this user's, answered first), or older news.
            return Applied::default();
        }
    }
    let was = found.map(|i| page.items.remove(i));
    let Some(item) = e.ticket.as_ref().filter(|i| shows(query, &i.ticket)) else {
        // Deleted, or out of this tab's query now.
        if was.is_some() {
            page.total = page.total.saturating_sub(1);
        }
        return Applied::default();
    };
    if query.q.is_some() && was.is_none() {
        // The words searched may match it now: only the server can tell.
        return Applied {
            fresh: true,
            unsure: true,
        };
    }
    // Or match it no more.
    let searched = query.q.is_some()
        && was.as_ref().is_some_and(|w| {
            w.ticket.title != item.ticket.title || w.ticket.description != item.ticket.description
        });
    let entered = was.is_none();
    // A new ticket, or any ticket of a list that is all on this page, was not counted yet;
    // another one may have been, on another page.
    let counted_now =
        entered && (e.change == Change::TicketCreated || page.total <= page.items.len() as u64);
    if counted_now {
        page.total += 1;
    }
    let unsure = match place(page, query.sort, &item.ticket) {
        Place::At(at) => {
            page.items.insert(at, TicketListItem::clone(item));
            page.items
                .truncate(usize::try_from(page.size).unwrap_or(usize::MAX));
            searched || (entered && !counted_now)
        }
        // Off this page; if it was on it, the page is a row short now.
        Place::Earlier => true,
        Place::Later => !entered,
    };
    Applied {
        fresh: true,
        unsure,
    }
}

/// Where `t` goes in `page` by `sort`.
fn place(page: &Page<TicketListItem>, sort: SortKey, t: &Ticket) -> Place {
    let n = page.items.len();
    let at = page
        .items
        .iter()
        .position(|i| in_order(sort, t, &i.ticket) == Ordering::Less)
        .unwrap_or(n);
    if at == 0 && page.page > 1 {
        Place::Earlier
    } else if at == n && n as u64 >= page.size {
        Place::Later
    } else {
        Place::At(at)
    }
}

/// How `a` and `b` compare in `sort` order, ties broken as the server breaks them
/// (docs/API.md, "Lists").
fn in_order(sort: SortKey, a: &Ticket, b: &Ticket) -> Ordering {
    let by_id = a.id.cmp(&b.id);
    let by_created = a.creation_date.cmp(&b.creation_date).then(by_id);
    let order = match sort.field {
        SortField::Id => by_id,
        SortField::CreationDate => by_created,
        SortField::UpdatedAt => a.updated_at.cmp(&b.updated_at).then(by_id),
        SortField::Priority => a.priority.rank().cmp(&b.priority.rank()).then(by_created),
        SortField::Status => a.status.rank().cmp(&b.status.rank()).then(by_created),
        // Pending due times first, earliest first; tickets where nothing runs after them.
        SortField::Due => {
            let due = |t: &Ticket| (t.sla_next_due.is_none(), t.sla_next_due);
            due(a).cmp(&due(b)).then(by_id)
        }
    };
    if sort.descending {
        order.reverse()
    } else {
        order
    }
}
