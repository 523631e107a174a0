//! The dashboard: bar charts of tickets by status and priority, sparklines of tickets filed and
//! resolved per day with their totals, the open tickets per assignee as bars, the oldest open
//! tickets and the SLA counts. Every number is written out, so it reads without colour.

use super::{clip, notice};
use crate::app::State;
use crate::screens::DashState;
use crate::theme::text;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph, Sparkline};
use tms_core::api::{DayCount, Stats};
use tms_core::timefmt::age;
use tms_core::{Priority, Status};

pub fn draw(f: &mut Frame, area: Rect, state: &State, s: &DashState) {
    let t = &state.theme;
    let Some(stats) = &s.stats else {
        let (msg, style) = match &s.error {
            Some(e) => (e.clone(), t.error),
            None => (text::LOADING.to_string(), t.muted),
        };
        notice(f, area, &msg, style);
        return;
    };
    let [charts, trends, sla, lists] = Layout::vertical([
        Constraint::Length(8),
        Constraint::Length(4),
        Constraint::Length(1),
        Constraint::Min(3),
    ])
    .areas(area);
    let [by_status, by_priority] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(charts);
    let statuses: Vec<(String, u64, Style)> = Status::ALL
        .iter()
        .map(|&st| {
            (
                short_status(st).to_string(),
                stats.by_status.get(st),
                t.status(st),
            )
        })
        .collect();
    bars(f, by_status, state, "By status", &statuses);
    let priorities: Vec<(String, u64, Style)> = Priority::ALL
        .iter()
        .map(|&p| {
            (
                p.as_str().to_string(),
                stats.by_priority.get(p),
                t.priority(p),
            )
        })
        .collect();
    bars(f, by_priority, state, "By priority", &priorities);
    let [filed, resolved] =
        Layout::vertical([Constraint::Length(2), Constraint::Length(2)]).areas(trends);
    trend(f, filed, state, "Filed", &stats.created_per_day);
    trend(f, resolved, state, "Resolved", &stats.resolved_per_day);
    sla_line(f, sla, state, stats);
    let [agents, oldest] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(lists);
    per_agent(f, agents, state, stats);
    oldest_open(f, oldest, state, s, stats);
}

/// A status's name where space is short.
fn short_status(s: Status) -> &'static str {
    match s {
        Status::InProgress => "In Prog",
        other => other.as_str(),
    }
}

fn block<'a>(state: &State, title: &'a str) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border)
        .title(Span::styled(format!(" {title} "), state.theme.title))
}

/// A bar chart of named counts, with the counts written in a line under it.
fn bars(f: &mut Frame, area: Rect, state: &State, title: &str, data: &[(String, u64, Style)]) {
    let b = block(state, title);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let [chart, legend] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let n = u16::try_from(data.len()).unwrap_or(1).max(1);
    let width = (inner.width.saturating_sub(n - 1) / n).clamp(1, 9);
    let group: Vec<Bar> = data
        .iter()
        .map(|(label, n, style)| {
            Bar::default()
                .value(*n)
                .label(Line::from(label.clone()))
                .style(*style)
        })
        .collect();
    f.render_widget(
        BarChart::default()
            .data(BarGroup::default().bars(&group))
            .bar_width(width)
            .bar_gap(1)
            .bar_style(state.theme.base),
        chart,
    );
    let said: Vec<String> = data.iter().map(|(l, n, _)| format!("{l} {n}")).collect();
    f.render_widget(
        Paragraph::new(clip(&said.join("  "), legend.width as usize)),
        legend,
    );
}

/// One line of counts per day: its name and total beside a sparkline, oldest day first.
fn trend(f: &mut Frame, area: Rect, state: &State, name: &str, days: &[DayCount]) {
    let t = &state.theme;
    let total: u64 = days.iter().map(|d| d.count).sum();
    let today = days.last().map_or(0, |d| d.count);
    let [label, spark] =
        Layout::horizontal([Constraint::Length(30), Constraint::Min(1)]).areas(area);
    let lines = vec![
        Line::from(vec![
            Span::styled(format!(" {name:<9}"), t.title),
            Span::raw(format!("{total} in {} days", days.len())),
        ]),
        Line::styled(format!(" {:<9}{today} today", ""), t.muted),
    ];
    f.render_widget(Paragraph::new(lines), label);
    let data: Vec<u64> = days.iter().map(|d| d.count).collect();
    f.render_widget(Sparkline::default().data(&data).style(t.info), spark);
}

fn sla_line(f: &mut Frame, area: Rect, state: &State, stats: &Stats) {
    let t = &state.theme;
    let line = match &stats.sla {
        Some(c) => Line::from(vec![
            Span::styled(" SLA      ", t.title),
            Span::styled(
                format!("{} at risk", c.at_risk),
                t.sla(tms_core::SlaState::AtRisk),
            ),
            Span::raw(" · "),
            Span::styled(
                format!("{} breached", c.breached),
                t.sla(tms_core::SlaState::Breached),
            ),
        ]),
        None => Line::from(vec![
            Span::styled(" SLA      ", t.title),
            Span::styled("off", t.muted),
        ]),
    };
    f.render_widget(Paragraph::new(line), area);
}

/// Open and In Progress tickets per assignee, most first, as bars of `█` with the count.
fn per_agent(f: &mut Frame, area: Rect, state: &State, stats: &Stats) {
    let b = block(state, "Open per agent");
    let inner = b.inner(area);
    f.render_widget(b, area);
    if stats.open_per_agent.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled("Nobody has open tickets.", state.theme.muted)),
            inner,
        );
        return;
    }
    let most = stats.open_per_agent.first().map_or(1, |a| a.open).max(1);
    let name_w = 10usize;
    let count_w = stats
        .open_per_agent
        .iter()
        .map(|a| a.open.to_string().len())
        .max()
        .unwrap_or(1);
    let room = (inner.width as usize).saturating_sub(name_w + count_w + 2);
    let shown = inner.height as usize;
    let lines: Vec<Line> = stats
        .open_per_agent
        .iter()
        .take(shown)
        .map(|a| {
            let len = usize::try_from(a.open.saturating_mul(room as u64) / most)
                .unwrap_or(room)
                .max(usize::from(a.open > 0));
            Line::from(vec![
                Span::raw(format!("{:<name_w$} ", clip(&a.agent.username, name_w))),
                Span::styled("█".repeat(len), state.theme.info),
                Span::raw(format!(" {}", a.open)),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// The oldest open tickets, the highlighted one marked.
fn oldest_open(f: &mut Frame, area: Rect, state: &State, s: &DashState, stats: &Stats) {
    let t = &state.theme;
    let b = block(state, "Oldest open");
    let inner = b.inner(area);
    f.render_widget(b, area);
    if stats.oldest_open.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled("No open tickets.", t.muted)),
            inner,
        );
        return;
    }
    let width = inner.width as usize;
    let lines: Vec<Line> = stats
        .oldest_open
        .iter()
        .enumerate()
        .map(|(i, tk)| {
            let chosen = i == s.selected;
            let head = format!(
                "{}#{:<5} {:>4} {:<6} ",
                if chosen { "›" } else { " " },
                tk.id,
                age(tk.creation_date, state.now),
                tk.priority.as_str(),
            );
            let rest = clip(
                &tk.title,
                width.saturating_sub(crate::widgets::width(&head)),
            );
            let style = if chosen { t.selected } else { t.base };
            Line::styled(format!("{head}{rest}"), style)
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
