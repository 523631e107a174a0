//! The queue table: tabs with counts, the active filters, and one row per ticket.

use super::{clip, notice};
use crate::app::State;
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
        spans.push(Span::styled("  n files a new one", t.muted));
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
    if q.sort != SortKey::default() {
        parts.push(format!("sort: {}", sort_label(q.sort)));
    }
    let pages = q.rows.as_ref().map_or(1, |p| p.pages.max(1));
    if pages > 1 {
        parts.push(format!("page {}/{pages}", q.page));
    }
    let text = if parts.is_empty() {
        " no filters · f status · F priority · o sort · / search".to_string()
    } else {
        format!(" {} · x clears", parts.join(" · "))
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
    let widths = if staff {
        vec![
            Constraint::Length(4),
            Constraint::Length(6),
            Constraint::Length(11),
            Constraint::Min(16),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(4),
        ]
    } else {
        vec![
            Constraint::Length(4),
            Constraint::Length(6),
            Constraint::Length(11),
            Constraint::Min(16),
            Constraint::Length(10),
            Constraint::Length(4),
        ]
    };
    let mut head = vec![
        "#",
        "Pri",
        "Status",
        "Title",
        "Requester",
        "Assignee",
        "Age",
    ];
    if !staff {
        head.remove(4);
    }
    let header = Row::new(head.into_iter().map(|h| Cell::from(h).style(t.title)));
    let body = items.iter().map(|i| {
        let tk = &i.ticket;
        let assignee = i
            .assigned_agent
            .as_ref()
            .map_or("—".to_string(), |a| clip(&a.username, 10));
        let mut cells = vec![
            Cell::from(tk.id.to_string()),
            Cell::from(tk.priority.as_str()).style(t.priority(tk.priority)),
            Cell::from(tk.status.as_str()).style(t.status(tk.status)),
            Cell::from(tk.title.clone()),
            Cell::from(clip(&i.requester.username, 10)),
            Cell::from(assignee),
            Cell::from(age(tk.creation_date, state.now)).style(t.muted),
        ];
        if !staff {
            cells.remove(4);
        }
        Row::new(cells)
    });
    let table = Table::new(body, widths)
        .header(header)
        .row_highlight_style(t.selected)
        .column_spacing(1);
    let mut ts = TableState::default().with_selected(Some(q.selected));
    f.render_stateful_widget(table.style(Style::new()), area, &mut ts);
}
