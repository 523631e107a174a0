//! The queue table: tabs with counts (the built-in ones, then the saved views), the active
//! filters, and one row per ticket, those just changed by someone marked.

use super::columns::{Col, fit, widest};
use super::{clip, notice};
use crate::app::State;
use crate::app::keymap::{self, Cmd, Ctx};
use crate::app::overlay::sort_label;
use crate::screens::queue::TABS;
use crate::screens::{QueueKind, QueueState};
use crate::theme::text;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use tms_core::api::TicketQuery;
use tms_core::timefmt::age;

/// Names (requester, assignee) are shown up to this wide, and shrink to this before vanishing.
const NAME_MAX: u16 = 16;
const NAME_MIN: u16 = 6;
/// The tags column's widest.
const TAGS_MAX: u16 = 24;
/// The title keeps this much room while names shrink.
const TITLE_MIN: u16 = 12;

pub fn draw(f: &mut Frame, area: Rect, state: &State, q: &QueueState) {
    let [tabs, filters, table] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    tab_line(f, tabs, state, q);
    filter_line(f, filters, state, q);
    rows(f, table, state, q);
}

fn tab_line(f: &mut Frame, area: Rect, state: &State, q: &QueueState) {
    let t = &state.theme;
    let mut spans = vec![Span::raw(" ")];
    if q.kind == QueueKind::Requester {
        let n = q
            .rows
            .as_ref()
            .map_or_else(|| "…".to_string(), |p| p.total.to_string());
        spans.push(Span::styled(format!(" My tickets ({n}) "), t.tab_active));
        let new = keymap::key_for(Ctx::Queue, Cmd::New);
        spans.push(Span::styled(format!("  {new} files a new one"), t.muted));
    } else {
        let count = |c: Option<u64>| c.map_or_else(|| "…".to_string(), |c| c.to_string());
        let names = TABS
            .iter()
            .zip(q.counts)
            .map(|(name, c)| (name.to_string(), count(c)))
            .chain(
                q.views
                    .iter()
                    .map(|v| (v.name.clone(), v.count.to_string())),
            );
        let tabs: Vec<String> = names
            .enumerate()
            .map(|(i, (name, n))| match i {
                // The keys 1 to 9 go to the first nine tabs.
                0..9 => format!(" {} {name} ({n}) ", i + 1),
                _ => format!(" {name} ({n}) "),
            })
            .collect();
        // Only whole tabs are shown; those that do not fit are left out before the one in
        // front (so it is always shown), then after it, an ellipsis standing for them.
        let widths: Vec<usize> = tabs.iter().map(|l| crate::widgets::width(l) + 1).collect();
        // The line is a space, then the tabs; the last one's two trailing spaces may be cut.
        let room = if widths.iter().sum::<usize>() <= usize::from(area.width) + 1 {
            usize::MAX
        } else {
            usize::from(area.width).saturating_sub(3)
        };
        let last = q.tab.min(tabs.len().saturating_sub(1));
        let mut first = 0;
        while first < last && widths[first..=last].iter().sum::<usize>() > room {
            first += 1;
        }
        if first > 0 {
            spans = vec![Span::styled("…", t.muted)];
        }
        let mut used = 0;
        for (i, label) in tabs.into_iter().enumerate().skip(first) {
            used += widths[i];
            if used > room && i > last {
                spans.push(Span::styled("…", t.muted));
                break;
            }
            let style = if i == q.tab { t.tab_active } else { t.tab };
            spans.push(Span::styled(label, style));
            spans.push(Span::raw(" "));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A view's filters and sort, in words: `status Open · priority High · sort: …`.
fn describe(query: &TicketQuery, state: &State) -> Vec<String> {
    let join = |words: Vec<&str>| words.join("/");
    let mut parts = Vec::new();
    if !query.status.is_empty() {
        parts.push(format!(
            "status {}",
            join(query.status.iter().map(|s| s.as_str()).collect())
        ));
    }
    if !query.priority.is_empty() {
        let p = query.priority.iter().map(|p| p.as_str()).collect();
        parts.push(format!("priority {}", join(p)));
    }
    if query.unassigned {
        parts.push("unassigned".into());
    } else if let Some(a) = query.assigned_agent_id {
        let name = state
            .staff
            .get(&a)
            .map_or_else(|| format!("user {a}"), |u| u.username.clone());
        parts.push(format!("assigned to {name}"));
    }
    if let Some(r) = query.requester_id {
        parts.push(format!("requester user {r}"));
    }
    if let Some(s) = &query.q {
        parts.push(format!("search “{s}”"));
    }
    if query.sort != Default::default() {
        parts.push(format!("sort: {}", sort_label(query.sort)));
    }
    parts
}

fn filter_line(f: &mut Frame, area: Rect, state: &State, q: &QueueState) {
    let t = &state.theme;
    let mut parts = Vec::new();
    let own = q.tab_query(q.tab);
    // What a view's tab shows before any filter of the user's.
    let view = q.current_view().map(|v| {
        let keeps = describe(&own, state);
        let keeps = if keeps.is_empty() {
            "every ticket".to_string()
        } else {
            keeps.join(", ")
        };
        format!("view “{}”: {keeps}", v.name)
    });
    if let Some(s) = q.status {
        parts.push(format!("status {s}"));
    }
    if let Some(p) = q.priority {
        parts.push(format!("priority {p}"));
    }
    if let Some(s) = q.sla {
        parts.push(format!("SLA {}", s.label()));
    }
    if let Some(s) = &q.search {
        parts.push(format!("search “{s}”"));
    }
    if !q.tags.is_empty() {
        parts.push(format!("tags {}", q.tags.join(" ")));
    }
    if q.sort != own.sort {
        parts.push(format!("sort: {}", sort_label(q.sort)));
    }
    let pages = q.rows.as_ref().map_or(1, |p| p.pages.max(1));
    if pages > 1 {
        parts.push(format!("page {}/{pages}", q.page));
    }
    let key = |cmd| keymap::key_for(Ctx::Queue, cmd);
    if !q.marked.is_empty() {
        let text = format!(
            " {} marked · {} {} {} {} {} act on all of them · {} marks more · Esc clears",
            q.marked.len(),
            key(Cmd::SetStatus),
            key(Cmd::SetPriority),
            key(Cmd::Assign),
            key(Cmd::Take),
            key(Cmd::Tags),
            key(Cmd::Mark),
        );
        f.render_widget(Paragraph::new(Line::styled(text, t.key)), area);
        return;
    }
    let text = if parts.is_empty() {
        format!(
            " {} · {} status · {} priority · {} sort · {} search",
            view.as_deref().unwrap_or("no filters"),
            key(Cmd::FilterStatus),
            key(Cmd::FilterPriority),
            key(Cmd::Sort),
            key(Cmd::Search)
        )
    } else {
        let all: Vec<String> = view.into_iter().chain(parts).collect();
        format!(" {} · {} clears", all.join(" · "), key(Cmd::ClearFilters))
    };
    f.render_widget(Paragraph::new(Line::styled(text, t.muted)), area);
}

fn rows(f: &mut Frame, area: Rect, state: &State, q: &QueueState) {
    let t = &state.theme;
    let items = q.items();
    if items.is_empty() {
        let (msg, style) = match (&q.error, q.loading || q.rows.is_none()) {
            (Some(e), _) => (e.clone(), t.error),
            (None, true) => (text::LOADING.to_string(), t.muted),
            (None, false) => (text::NO_TICKETS.to_string(), t.muted),
        };
        notice(f, area, &msg, style);
        return;
    }
    let staff = q.kind == QueueKind::Staff;
    // A marked row's number is starred, one just changed by someone has a dot (readable
    // without colour).
    let ids: Vec<String> = items
        .iter()
        .map(|i| {
            let id = i.ticket.id;
            let mark = if q.is_marked(id) { "*" } else { "" };
            let fresh = if q.is_fresh(id, state.now) {
                text::FRESH_SIGN
            } else {
                ""
            };
            format!("{mark}{fresh}{id}")
        })
        .collect();
    let ages: Vec<String> = items
        .iter()
        .map(|i| age(i.ticket.creation_date, state.now))
        .collect();
    let assignees: Vec<&str> = items
        .iter()
        .map(|i| {
            i.assigned_agent
                .as_ref()
                .map_or("—", |a| a.username.as_str())
        })
        .collect();
    let name_col = |header: &str, names: &[&str]| Col::Free {
        want: widest(header, names).min(NAME_MAX),
        min: NAME_MIN,
    };
    let mut head = vec!["#", "Pri", "Status", "Title"];
    let mut cols = vec![
        Col::Fixed(widest("#", &ids)),
        Col::Fixed(widest(
            "Pri",
            items.iter().map(|i| i.ticket.priority.as_str()),
        )),
        Col::Fixed(widest(
            "Status",
            items.iter().map(|i| i.ticket.status.as_str()),
        )),
        Col::Fill { min: TITLE_MIN },
    ];
    if staff {
        let requesters: Vec<&str> = items
            .iter()
            .map(|i| i.requester.username.as_str())
            .collect();
        head.push("Requester");
        cols.push(name_col("Requester", &requesters));
    }
    head.push("Assignee");
    cols.push(name_col("Assignee", &assignees));
    // Staff see tags; the column is there when a row has some, and gives way first.
    let tags: Vec<String> = items
        .iter()
        .map(|i| i.ticket.tags.as_deref().unwrap_or_default().join(" "))
        .collect();
    let show_tags = staff && tags.iter().any(|t| !t.is_empty());
    if show_tags {
        head.push("Tags");
        cols.push(Col::Free {
            want: widest("Tags", &tags).min(TAGS_MAX),
            min: NAME_MIN,
        });
    }
    // Staff see the SLA clocks when a row has some: time to the next due time, or overdue.
    let slas: Vec<Option<(String, tms_core::SlaState)>> = items
        .iter()
        .map(|i| super::sla::cell(&i.ticket, state.now))
        .collect();
    let show_sla = staff && slas.iter().any(Option::is_some);
    if show_sla {
        head.push("SLA");
        cols.push(Col::Fixed(widest(
            "SLA",
            slas.iter()
                .map(|c| c.as_ref().map_or("", |(s, _)| s.as_str())),
        )));
    }
    head.push("Age");
    cols.push(Col::Fixed(widest("Age", &ages)));
    let w = fit(area.width, 1, &cols);
    let widths: Vec<Constraint> = w.iter().map(|n| Constraint::Length(*n)).collect();
    let header = super::columns::header(&head, &w, t.title);
    let body = items.iter().enumerate().map(|(row, i)| {
        let tk = &i.ticket;
        let fit_to = |col: usize, text: &str| clip(text, usize::from(w[col]));
        let mut cells = vec![
            Cell::from(ids[row].clone()).style(if q.is_marked(tk.id) {
                t.key
            } else {
                Style::new()
            }),
            Cell::from(tk.priority.as_str()).style(t.priority(tk.priority)),
            Cell::from(tk.status.as_str()).style(t.status(tk.status)),
            Cell::from(fit_to(3, &tk.title)),
        ];
        let mut col = 4;
        if staff {
            cells.push(Cell::from(fit_to(col, &i.requester.username)));
            col += 1;
        }
        cells.push(Cell::from(fit_to(col, assignees[row])));
        if show_tags {
            col += 1;
            cells.push(Cell::from(fit_to(col, &tags[row])).style(t.muted));
        }
        if show_sla {
            cells.push(match &slas[row] {
                Some((text, st)) => Cell::from(text.clone()).style(t.sla(*st)),
                None => Cell::from(""),
            });
        }
        cells.push(Cell::from(ages[row].clone()).style(t.muted));
        if q.is_fresh(tk.id, state.now) {
            Row::new(cells).style(t.fresh)
        } else {
            Row::new(cells)
        }
    });
    let table = Table::new(body, widths)
        .header(header)
        .row_highlight_style(t.selected)
        .column_spacing(1);
    let mut ts = TableState::default().with_selected(Some(q.selected));
    f.render_stateful_widget(table.style(Style::new()), area, &mut ts);
}
