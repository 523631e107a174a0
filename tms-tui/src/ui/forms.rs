//! Forms: the new ticket (title, priority, multi-line description) and the user form, each
//! field with its problem shown right under it.

use super::login::input_row;
use crate::app::State;
use crate::app::keymap::{self, Cmd, Ctx};
use crate::screens::new_ticket::{DESCRIPTION, PRIORITY, REQUESTER, TITLE};
use crate::screens::user_form::{EMAIL, PASSWORD, ROLE, USERNAME};
use crate::screens::{NewTicketState, PasswordState, UserFormState};
use crate::theme::{Theme, text};
use crate::widgets::TextArea;
use crate::widgets::wrap::wrap_line;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

/// Draws a multi-line editor soft-wrapped to the area's width (in display columns), scrolled
/// so the cursor is visible, and places the cursor.
pub fn text_area(f: &mut Frame, area: Rect, ta: &TextArea, focused: bool, t: &Theme) {
    let (row, col) = ta.cursor();
    let h = area.height as usize;
    let w = area.width as usize;
    let mut rows: Vec<String> = Vec::new();
    let mut at = (0, 0);
    for (i, line) in ta.lines().iter().enumerate() {
        let segments = wrap_line(line, w);
        let last = segments.len() - 1;
        for (k, seg) in segments.into_iter().enumerate() {
            if i == row && col >= seg.start && (col < seg.end || k == last) {
                at = (
                    rows.len(),
                    crate::widgets::width(&line[seg.start..col].replace('\t', " ")),
                );
            }
            rows.push(line[seg].replace('\t', " "));
        }
    }
    let top = at.0.saturating_sub(h.saturating_sub(1));
    let lines: Vec<Line> = rows.into_iter().skip(top).take(h).map(Line::raw).collect();
    f.render_widget(
        Paragraph::new(lines).style(if focused { t.base } else { t.muted }),
        area,
    );
    if focused && area.width > 0 && area.height > 0 {
        let x = area.x + u16::try_from(at.1).unwrap_or(0).min(area.width - 1);
        let y = area.y + u16::try_from(at.0 - top).unwrap_or(0).min(area.height - 1);
        f.set_cursor_position((x, y));
    }
}

/// Where a field's value starts: after the marker, the label and a choice's `◀ `, so typed
/// values and choices line up.
const VALUE_COL: u16 = 14;
const INDENT: usize = VALUE_COL as usize;

pub(super) fn error_row(f: &mut Frame, area: Rect, indent: usize, err: Option<String>, t: &Theme) {
    if let Some(e) = err {
        f.render_widget(
            Paragraph::new(Line::styled(format!("{:indent$}{e}", ""), t.error)),
            area,
        );
    }
}

pub(super) fn choice_line<'a>(
    label: &str,
    value: &str,
    focused: bool,
    style: Style,
    t: &Theme,
) -> Line<'a> {
    let marker = if focused { "› " } else { "  " };
    let arrows = if focused {
        ("◀ ", " ▶")
    } else {
        ("  ", "  ")
    };
    Line::from(vec![
        Span::styled(
            format!("{marker}{label:<10}"),
            if focused { t.title } else { t.muted },
        ),
        Span::styled(arrows.0, t.key),
        Span::styled(value.to_string(), style),
        Span::styled(arrows.1, t.key),
    ])
}

pub fn new_ticket(f: &mut Frame, area: Rect, state: &State, s: &NewTicketState) {
    let t = &state.theme;
    let [title, title_err, requester, prio, _, desc, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(u16::from(s.staff)),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    input_row(f, title, "Title", VALUE_COL, &s.title, s.focus == TITLE, t);
    error_row(f, title_err, INDENT, s.field_error(TITLE), t);
    if s.staff {
        let who = s.requester.as_ref().map_or_else(
            || "myself".to_string(),
            |u| format!("{} <{}>", u.username, u.email),
        );
        let focused = s.focus == REQUESTER;
        let mut line = choice_line("Requester", &who, focused, t.base, t);
        if focused {
            line.spans[1] = Span::raw("  ");
            let pick = keymap::hint(Ctx::NewTicket, &[Cmd::Open]);
            line.spans[3] = Span::styled(format!("   {pick}"), t.muted);
        }
        f.render_widget(Paragraph::new(line), requester);
    }
    let prio_line = choice_line(
        "Priority",
        s.priority.as_str(),
        s.focus == PRIORITY,
        t.priority(s.priority),
        t,
    );
    f.render_widget(Paragraph::new(prio_line), prio);
    let border = if s.focus == DESCRIPTION {
        t.focus_border
    } else {
        t.border
    };
    let count = s.description.text().trim().chars().count();
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(Span::styled(
            " Description ",
            if s.focus == DESCRIPTION {
                t.title
            } else {
                t.muted
            },
        ))
        .title_bottom(Line::styled(
            format!(
                " {count}/20000 · {} ",
                keymap::hint(Ctx::NewTicket, &[Cmd::ExternalEditor])
            ),
            t.muted,
        ));
    let inner = block.inner(desc);
    f.render_widget(block, desc);
    text_area(f, inner, &s.description, s.focus == DESCRIPTION, t);
    let (msg, style) = match (&s.error, s.field_error(DESCRIPTION), s.sending) {
        (_, _, true) => (text::SENDING.to_string(), t.muted),
        (Some(e), _, _) => (e.clone(), t.error),
        (None, Some(e), _) => (format!("description {e}"), t.error),
        (None, None, false) => (
            keymap::hint(Ctx::NewTicket, &[Cmd::Submit, Cmd::NextField, Cmd::Back]),
            t.muted,
        ),
    };
    f.render_widget(Paragraph::new(Line::styled(msg, style)), status);
}

pub fn user_form(f: &mut Frame, area: Rect, state: &State, s: &UserFormState) {
    let t = &state.theme;
    let r = super::centered(area, 72, 14);
    let title = match &s.editing {
        Some(u) => format!(" Edit user {} ", u.id),
        None => " New user ".to_string(),
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.focus_border)
        .title(Span::styled(title, t.title));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let row = |i: u16| super::login::row(inner, i);
    input_row(
        f,
        row(0),
        "Username",
        VALUE_COL,
        &s.username,
        s.focus == USERNAME,
        t,
    );
    error_row(f, row(1), INDENT, s.errors[USERNAME].clone(), t);
    input_row(f, row(2), "Email", VALUE_COL, &s.email, s.focus == EMAIL, t);
    error_row(f, row(3), INDENT, s.errors[EMAIL].clone(), t);
    f.render_widget(
        Paragraph::new(choice_line(
            "Role",
            s.role.as_str(),
            s.focus == ROLE,
            t.role(s.role),
            t,
        )),
        row(4),
    );
    if s.editing.is_none() {
        input_row(
            f,
            row(6),
            "Password",
            VALUE_COL,
            &s.password,
            s.focus == PASSWORD,
            t,
        );
        error_row(f, row(7), INDENT, s.errors[PASSWORD].clone(), t);
    } else {
        let hint = format!(
            "  To set a new password, use {} on the user list.",
            keymap::key_for(Ctx::Users, Cmd::ResetPassword)
        );
        f.render_widget(Paragraph::new(Line::styled(hint, t.muted)), row(6));
    }
    let (msg, style) = match (&s.error, s.sending) {
        (_, true) => (text::SENDING.to_string(), t.muted),
        (Some(e), false) => (e.clone(), t.error),
        (None, false) => (
            keymap::hint(Ctx::UserForm, &[Cmd::NextField, Cmd::Submit, Cmd::Back]),
            t.muted,
        ),
    };
    f.render_widget(Paragraph::new(Line::styled(msg, style)), row(10));
}

pub fn password(f: &mut Frame, area: Rect, state: &State, s: &PasswordState) {
    let t = &state.theme;
    let r = super::centered(area, 72, 11);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.focus_border)
        .title(Span::styled(" Change your password ", t.title));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let row = |i: u16| super::login::row(inner, i);
    for (i, label) in crate::screens::password::FIELDS.iter().enumerate() {
        let y = 2 * i as u16;
        input_row(f, row(y), label, 22, &s.inputs[i], s.focus == i, t);
        error_row(f, row(y + 1), 22, s.errors[i].clone(), t);
    }
    let (msg, style) = match (&s.message, s.sending) {
        (_, true) => (text::SENDING.to_string(), t.muted),
        (Some(m), false) => (m.clone(), t.error),
        (None, false) => (
            "Your other sessions end once it is changed.".into(),
            t.muted,
        ),
    };
    f.render_widget(Paragraph::new(Line::styled(msg, style)), row(7));
}
