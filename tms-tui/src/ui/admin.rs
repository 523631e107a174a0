//! The admin screens: the user list and the activity log.

use super::{clip, notice};
use crate::app::State;
use crate::screens::{LogState, UsersState};
use crate::theme::text;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use tms_core::timefmt::age;

fn empty_or_loading(
    f: &mut Frame,
    area: Rect,
    state: &State,
    error: Option<&String>,
    loading: bool,
    empty: &str,
) {
    let t = &state.theme;
    let (msg, style) = match (error, loading) {
        (Some(e), _) => (e.clone(), t.error),
        (None, true) => (text::LOADING.to_string(), t.muted),
        (None, false) => (empty.to_string(), t.muted),
    };
    notice(f, area, &msg, style);
}

pub fn users(f: &mut Frame, area: Rect, state: &State, s: &UsersState) {
    let t = &state.theme;
    let [info, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let mut parts = vec![format!("{} users", s.users.len())];
    parts.push(if s.query.include_inactive {
        "inactive shown (i hides)".into()
    } else {
        "active only (i shows inactive)".into()
    });
    if let Some(q) = &s.query.q {
        parts.push(format!("search “{q}”"));
    }
    f.render_widget(
        Paragraph::new(Line::styled(format!(" {}", parts.join(" · ")), t.muted)),
        info,
    );
    if s.users.is_empty() {
        empty_or_loading(
            f,
            table,
            state,
            s.error.as_ref(),
            s.loading,
            "No users match.",
        );
        return;
    }
    let header = Row::new(
        ["#", "Username", "Email", "Role", "Active", "Since"].map(|h| Cell::from(h).style(t.title)),
    );
    let rows = s.users.iter().map(|u| {
        Row::new(vec![
            Cell::from(u.id.to_string()),
            Cell::from(clip(&u.username, 16)),
            Cell::from(u.email.clone()),
            Cell::from(u.role.as_str()).style(t.role(u.role)),
            Cell::from(if u.is_active { "yes" } else { "no" }).style(if u.is_active {
                t.info
            } else {
                t.error
            }),
            Cell::from(age(u.created_at, state.now)).style(t.muted),
        ])
    });
    let widths = [
        Constraint::Length(4),
        Constraint::Length(16),
        Constraint::Min(20),
        Constraint::Length(14),
        Constraint::Length(6),
        Constraint::Length(5),
    ];
    let table_w = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(t.selected)
        .column_spacing(1);
    let mut ts = TableState::default().with_selected(Some(s.selected));
    f.render_stateful_widget(table_w, table, &mut ts);
}

pub fn log(f: &mut Frame, area: Rect, state: &State, s: &LogState) {
    let t = &state.theme;
    let [info, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let mut parts = vec![format!("page {} · newest first", s.page())];
    if let Some(id) = s.query.user_id {
        let name = s
            .users
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| format!("user {id}"), |u| u.username.clone());
        parts.push(format!("user {name}"));
    }
    if let Some(a) = s.query.activity_type {
        parts.push(format!("type {a}"));
    }
    if let Some(id) = s.query.ticket_id {
        parts.push(format!("ticket #{id}"));
    }
    f.render_widget(
        Paragraph::new(Line::styled(format!(" {}", parts.join(" · ")), t.muted)),
        info,
    );
    if s.entries.is_empty() {
        empty_or_loading(
            f,
            table,
            state,
            s.error.as_ref(),
            s.loading,
            "No activity matches.",
        );
        return;
    }
    let header = Row::new(
        ["#", "When", "User", "Type", "Ticket", "Details"].map(|h| Cell::from(h).style(t.title)),
    );
    let rows = s.entries.iter().map(|e| {
        Row::new(vec![
            Cell::from(e.id.to_string()),
            Cell::from(age(e.activity_date, state.now)).style(t.muted),
            Cell::from(clip(&e.user.username, 10)),
            Cell::from(e.activity_type.as_str()).style(t.activity(e.activity_type)),
            Cell::from(e.ticket_id.map_or(String::new(), |i| format!("#{i}"))),
            Cell::from(e.details.clone()),
        ])
    });
    let widths = [
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Length(10),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Min(20),
    ];
    let table_w = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(t.selected)
        .column_spacing(1);
    let mut ts = TableState::default().with_selected(Some(s.selected));
    f.render_stateful_widget(table_w, table, &mut ts);
}
