//! The admin screens: the user list and the activity log.

use super::columns::{Col, fit, widest};
use super::{clip, notice};
use crate::app::State;
use crate::app::keymap::{self, Cmd, Ctx};
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
    let toggle = keymap::key_for(Ctx::Users, Cmd::ToggleInactive);
    parts.push(if s.query.include_inactive {
        format!("inactive shown ({toggle} hides)")
    } else {
        format!("active only ({toggle} shows inactive)")
    });
    if let Some(q) = &s.query.q {
        parts.push(format!("search “{q}”"));
    }
    if let Some(a) = &s.assignment {
        let key = keymap::key_for(Ctx::Users, Cmd::AssignmentMode);
        parts.push(format!(
            "auto-assign: {} ({key})",
            crate::screens::mode_name(a.mode)
        ));
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
    let ids: Vec<String> = s.users.iter().map(|u| u.id.to_string()).collect();
    let ages: Vec<String> = s
        .users
        .iter()
        .map(|u| age(u.created_at, state.now))
        .collect();
    let cols = [
        Col::Fixed(widest("#", &ids)),
        Col::Free {
            want: widest("Username", s.users.iter().map(|u| u.username.as_str())).min(20),
            min: 8,
        },
        Col::Fill { min: 16 },
        Col::Fixed(widest("Role", s.users.iter().map(|u| u.role.as_str()))),
        Col::Fixed(widest("Active", ["yes", "away", "no"])),
        Col::Fixed(widest("Since", &ages)),
    ];
    let w = fit(table.width, 1, &cols);
    let header = super::columns::header(
        &["#", "Username", "Email", "Role", "Active", "Since"],
        &w,
        t.title,
    );
    let rows = s.users.iter().enumerate().map(|(i, u)| {
        Row::new(vec![
            Cell::from(ids[i].clone()),
            Cell::from(clip(&u.username, usize::from(w[1]))),
            Cell::from(clip(&u.email, usize::from(w[2]))),
            Cell::from(u.role.as_str()).style(t.role(u.role)),
            match (u.is_active, u.is_away) {
                (false, _) => Cell::from("no").style(t.error),
                (true, true) => Cell::from("away").style(t.muted),
                (true, false) => Cell::from("yes").style(t.info),
            },
            Cell::from(ages[i].clone()).style(t.muted),
        ])
    });
    let widths: Vec<Constraint> = w.iter().map(|n| Constraint::Length(*n)).collect();
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
    let ids: Vec<String> = s.entries.iter().map(|e| e.id.to_string()).collect();
    let ages: Vec<String> = s
        .entries
        .iter()
        .map(|e| age(e.activity_date, state.now))
        .collect();
    let tickets: Vec<String> = s
        .entries
        .iter()
        .map(|e| e.ticket_id.map_or(String::new(), |i| format!("#{i}")))
        .collect();
    let cols = [
        Col::Fixed(widest("#", &ids)),
        Col::Fixed(widest("When", &ages)),
        Col::Free {
            want: widest("User", s.entries.iter().map(|e| e.user.username.as_str())).min(16),
            min: 6,
        },
        Col::Fixed(widest(
            "Type",
            s.entries.iter().map(|e| e.activity_type.as_str()),
        )),
        Col::Fixed(widest("Ticket", &tickets)),
        Col::Fill { min: 20 },
    ];
    let w = fit(table.width, 1, &cols);
    let header = super::columns::header(
        &["#", "When", "User", "Type", "Ticket", "Details"],
        &w,
        t.title,
    );
    let rows = s.entries.iter().enumerate().map(|(i, e)| {
        Row::new(vec![
            Cell::from(ids[i].clone()),
            Cell::from(ages[i].clone()).style(t.muted),
            Cell::from(clip(&e.user.username, usize::from(w[2]))),
            Cell::from(e.activity_type.as_str()).style(t.activity(e.activity_type)),
            Cell::from(tickets[i].clone()),
            Cell::from(e.details.clone()),
        ])
    });
    let widths: Vec<Constraint> = w.iter().map(|n| Constraint::Length(*n)).collect();
    let table_w = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(t.selected)
        .column_spacing(1);
    let mut ts = TableState::default().with_selected(Some(s.selected));
    f.render_stateful_widget(table_w, table, &mut ts);
}
