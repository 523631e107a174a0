//! The queue table: tabs with counts, the active filters, and one row per ticket.

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
use tms_core::api::SortKey;
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
        for (i, name) in TABS.iter().enumerate() {
            let n = q.counts[i].map_or_else(|| "…".to_string(), |c| c.to_string());
            let style = if i == q.tab { t.tab_active } else { t.tab };
            spans.push(Span::styled(format!(" {} {name} ({n}) ", i + 1), style));
            spans.push(Span::raw(" "));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn filter_line(f: &mut Frame, area: Rect, state: &State, q: &QueueState) {
    let t = &state.theme;
    let mut parts = Vec::new();
    if let Some(s) = q.status {
        parts.push(format!("status {s}"));
    }
    if let Some(p) = q.priority {
        parts.push(format!("priority {p}"));
    }
    if let Some(s) = &q.search {
        parts.push(format!("search “{s}”"));
    }
    if !q.tags.is_empty() {
        parts.push(format!("tags {}", q.tags.join(" ")));
    }
    if q.sort != SortKey::default() {
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
            " no filters · {} status · {} priority · {} sort · {} search",
            key(Cmd::FilterStatus),
            key(Cmd::FilterPriority),
            key(Cmd::Sort),
            key(Cmd::Search)
        )
    } else {
        format!(" {} · {} clears", parts.join(" · "), key(Cmd::ClearFilters))
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
    // A marked row's number is starred (readable without colour).
    let ids: Vec<String> = items
        .iter()
        .map(|i| {
            let id = i.ticket.id;
            if q.is_marked(id) {
                format!("*{id}")
            } else {
                id.to_string()
            }
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
    head.push("Age");
    cols.push(Col::Fixed(widest("Age", &ages)));
    let w = fit(area.width, 1, &cols);
    let widths: Vec<Constraint> = w.iter().map(|n| Constraint::Length(*n)).collect();
    let header = Row::new(
        head.iter()
            .zip(&w)
            .map(|(h, n)| Cell::from(clip(h, usize::from(*n))).style(t.title)),
    );
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
        cells.push(Cell::from(ages[row].clone()).style(t.muted));
        Row::new(cells)
    });
    let table = Table::new(body, widths)
        .header(header)
        .row_highlight_style(t.selected)
        .column_spacing(1);
    let mut ts = TableState::default().with_selected(Some(q.selected));
    f.render_stateful_widget(table.style(Style::new()), area, &mut ts);
}
