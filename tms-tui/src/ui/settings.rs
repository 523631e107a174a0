//! Settings screens: the SLA policy form and the webhooks with their deliveries (SysAdmin), the
//! webhook form, and my own settings. Every state is a word (on/off, sent/pending/failed), so
//! they read the same without colour.

use super::columns::{Col, fit, widest};
use super::forms::{choice_line, error_row};
use super::login::input_row;
use super::{clip, notice};
use crate::app::State;
use crate::app::keymap::{self, Cmd, Ctx};
use crate::screens::settings::{AWAY, EMAIL, rows};
use crate::screens::sla_policy::{
    DAY_NAMES, ENABLED, FIRST_DAY, FIRST_TARGET, HOLIDAYS, PRIORITIES, TIME_ZONE,
};
use crate::screens::webhook_form::{FIRST_EVENT, SECRET, URL};
use crate::screens::{SettingsState, SlaPolicyState, WebhookFormState, WebhooksState};
use crate::theme::{Theme, text};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Paragraph, Row, Table, TableState};
use tms_core::api::{DeliveryStatus, WebhookDelivery, WebhookEvent};
use tms_core::timefmt::{Timestamp, age};

/// Where the policy's values start.
const VALUE_COL: u16 = 14;
/// The width of one target field.
const TARGET_W: u16 = 14;

/// One line of the screen, `i` rows below the top of `area`.
fn line_at(area: Rect, i: u16) -> Rect {
    Rect {
        x: area.x,
        y: area.y.saturating_add(i),
        width: area.width,
        height: u16::from(i < area.height),
    }
}

/// A field's label, marked when the field has a problem (so it shows without colour too).
fn label(name: &str, s: &SlaPolicyState, field: usize) -> String {
    if s.errors.contains_key(&field) {
        format!("{name} !")
    } else {
        name.to_string()
    }
}

fn muted_line(f: &mut Frame, area: Rect, text: String, t: &Theme) {
    f.render_widget(Paragraph::new(Line::styled(text, t.muted)), area);
}

pub fn sla_policy(f: &mut Frame, area: Rect, state: &State, s: &SlaPolicyState) {
    let t = &state.theme;
    if s.saved.is_none() {
        let (msg, style) = match &s.error {
            Some(e) => (e.clone(), t.error),
            None => (text::LOADING.to_string(), t.muted),
        };
        notice(f, area, &msg, style);
        return;
    }
    let area = Rect {
        width: area.width.min(78),
        ..area
    };
    let row = |i: u16| line_at(area, i);
    muted_line(
        f,
        row(0),
        " SLA policy · a saved policy applies to tickets filed from then on".into(),
        t,
    );
    let on = if s.enabled { "on" } else { "off" };
    let enabled = choice_line(
        &label("Enabled", s, ENABLED),
        on,
        s.focus == ENABLED,
        if s.enabled { t.info } else { t.muted },
        t,
    );
    f.render_widget(Paragraph::new(enabled), row(1));
    let field = |f: &mut Frame, y: u16, name: &str, i: usize| {
        let r = Rect {
            width: row(y).width.min(VALUE_COL + 50),
            ..row(y)
        };
        input_row(
            f,
            r,
            &label(name, s, i),
            VALUE_COL,
            &s.inputs[i - 1],
            s.focus == i,
            t,
        );
    };
    field(f, 2, "Time zone", TIME_ZONE);
    muted_line(
        f,
        row(3),
        "  Business hours: HH:MM-HH:MM, a comma between spans; empty when closed".into(),
        t,
    );
    for (i, day) in DAY_NAMES.iter().enumerate() {
        let y = 4 + i as u16;
        field(f, y, day, FIRST_DAY + i);
        if s.inputs[FIRST_DAY + i - 1].is_empty() && s.focus != FIRST_DAY + i {
            let r = Rect {
                x: row(y).x + VALUE_COL,
                width: 6,
                ..row(y)
            };
            f.render_widget(Paragraph::new(Line::styled("closed", t.muted)), r);
        }
    }
    field(f, 11, "Holidays", HOLIDAYS);
    muted_line(
        f,
        row(12),
        format!(
            "{:w$}{:t$}Resolution  (business time: 45m, 8h, 1h 30m)",
            "  Targets",
            "First response",
            w = usize::from(VALUE_COL),
            t = usize::from(TARGET_W + 2)
        ),
        t,
    );
    for (i, p) in PRIORITIES.iter().enumerate() {
        let y = 13 + i as u16;
        let first = FIRST_TARGET + 2 * i;
        let r = row(y);
        let left = Rect {
            width: (VALUE_COL + TARGET_W).min(r.width),
            ..r
        };
        input_row(
            f,
            left,
            &label(p.as_str(), s, first),
            VALUE_COL,
            &s.inputs[first - 1],
            s.focus == first,
            t,
        );
        let x = r.x + VALUE_COL + TARGET_W;
        let right = Rect {
            x: x.min(r.x + r.width),
            width: (TARGET_W + 2).min((r.x + r.width).saturating_sub(x)),
            ..r
        };
        let name = if s.errors.contains_key(&(first + 1)) {
            "!"
        } else {
            ""
        };
        input_row(f, right, name, 2, &s.inputs[first], s.focus == first + 1, t);
    }
    // The focused field's problem, else the first one; then the server's word or the keys.
    let problem = s.errors.get(&s.focus).or_else(|| s.errors.values().next());
    error_row(f, row(17), 2, problem.cloned(), t);
    let (msg, style) = match (&s.error, s.sending) {
        (_, true) => (text::SENDING.to_string(), t.muted),
        (Some(e), false) => (e.clone(), t.error),
        (None, false) if s.is_changed() => (
            format!(
                "  changed, not saved · {}",
                keymap::hint(Ctx::SlaPolicy, &[Cmd::Submit, Cmd::Refresh])
            ),
            t.info,
        ),
        (None, false) => (format!("  saved · {}", field_hint(s.focus)), t.muted),
    };
    f.render_widget(Paragraph::new(Line::styled(msg, style)), row(18));
}

/// What the focused field of the policy takes.
fn field_hint(field: usize) -> &'static str {
    match field {
        ENABLED => "Space turns SLA on or off",
        TIME_ZONE => "an IANA name, e.g. Europe/Berlin or America/New_York",
        HOLIDAYS => "dates as YYYY-MM-DD, commas between them",
        f if f < HOLIDAYS => "e.g. 09:00-12:00, 13:00-17:00; 00:00-24:00 is all day",
        f if (f - FIRST_TARGET).is_multiple_of(2) => "business time to the first public reply",
        _ => "business time to resolution",
    }
}

/// The events of a webhook in few words: every one, or the list.
fn events_text(events: &[WebhookEvent]) -> String {
    if events.len() == WebhookEvent::ALL.len() {
        "every event".into()
    } else {
        events
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How a delivery ended, or why it is still trying.
fn result_text(d: &WebhookDelivery) -> String {
    match (d.last_status, &d.last_error) {
        (Some(code), Some(e)) => format!("HTTP {code}: {e}"),
        (Some(code), None) => format!("HTTP {code}"),
        (None, Some(e)) => e.clone(),
        (None, None) => String::new(),
    }
}

/// The end of `text` in `width` columns, `…` in front of what is cut: an error's last cause
/// says most.
fn clip_start(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if crate::widgets::width(text) <= width {
        return text.to_string();
    }
    let mut tail = Vec::new();
    let mut used = 1;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        tail.push(c);
    }
    if width == 0 {
        return String::new();
    }
    std::iter::once('…').chain(tail.into_iter().rev()).collect()
}

/// When: the next attempt of a pending delivery, else how long ago it was settled.
fn when_text(d: &WebhookDelivery, now: Timestamp) -> String {
    match (d.status, d.next_attempt_at) {
        (DeliveryStatus::Pending, Some(next)) if next > now => {
            format!("next in {}", super::sla::span((next - now).whole_seconds()))
        }
        (DeliveryStatus::Pending, _) => "now".into(),
        _ => format!("{} ago", age(d.updated_at, now)),
    }
}

pub fn webhooks(f: &mut Frame, area: Rect, state: &State, s: &WebhooksState) {
    let t = &state.theme;
    if s.hooks.is_empty() {
        let msg = match (&s.error, s.loading) {
            (Some(e), _) => return notice(f, area, e, t.error),
            (None, true) => text::LOADING.to_string(),
            (None, false) => format!(
                "No webhooks yet: {} registers one.",
                keymap::key_for(Ctx::Webhooks, Cmd::New)
            ),
        };
        return notice(f, area, &msg, t.muted);
    }
    let hooks_h = u16::try_from(s.hooks.len() + 1).unwrap_or(u16::MAX).min(8);
    let [info, hooks, _, title, deliveries] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(hooks_h),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    let info_text = format!(
        " {} webhook{} · each delivery is signed: X-Tms-Signature: sha256=HMAC of the body",
        s.hooks.len(),
        if s.hooks.len() == 1 { "" } else { "s" }
    );
    muted_line(f, info, info_text, t);
    let ids: Vec<String> = s.hooks.iter().map(|h| h.id.to_string()).collect();
    let events: Vec<String> = s.hooks.iter().map(|h| events_text(&h.events)).collect();
    let ages: Vec<String> = s
        .hooks
        .iter()
        .map(|h| age(h.created_at, state.now))
        .collect();
    let cols = [
        Col::Fixed(widest("#", &ids)),
        Col::Fill { min: 20 },
        Col::Free {
            want: widest("Events", &events).min(32),
            min: 11,
        },
        Col::Fixed(widest("Since", &ages)),
    ];
    let w = fit(hooks.width, 1, &cols);
    let header = super::columns::header(&["#", "URL", "Events", "Since"], &w, t.title);
    let rows = s.hooks.iter().enumerate().map(|(i, h)| {
        Row::new(vec![
            Cell::from(ids[i].clone()),
            Cell::from(clip(&h.url, usize::from(w[1]))),
            Cell::from(clip(&events[i], usize::from(w[2]))).style(t.muted),
            Cell::from(ages[i].clone()).style(t.muted),
        ])
    });
    let widths: Vec<Constraint> = w.iter().map(|n| Constraint::Length(*n)).collect();
    let table = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(t.selected)
        .column_spacing(1);
    let mut ts = TableState::default().with_selected(Some(s.selected));
    f.render_stateful_widget(table, hooks, &mut ts);

    let Some(hook) = s.selected_hook() else {
        return;
    };
    let heading = format!(" Latest deliveries of webhook {}, newest first", hook.id);
    f.render_widget(Paragraph::new(Line::styled(heading, t.title)), title);
    let Some(list) = s.shown_deliveries() else {
        let (msg, style) = match &s.deliveries_error {
            Some(e) => (e.clone(), t.error),
            None => (text::LOADING.to_string(), t.muted),
        };
        return notice(f, deliveries, &msg, style);
    };
    if list.is_empty() {
        return notice(
            f,
            deliveries,
            "Nothing sent yet: a change of a ticket it listens to sends one.",
            t.muted,
        );
    }
    deliveries_table(f, deliveries, state, list);
}

fn deliveries_table(f: &mut Frame, area: Rect, state: &State, list: &[WebhookDelivery]) {
    let t = &state.theme;
    let ids: Vec<String> = list.iter().map(|d| d.id.to_string()).collect();
    let tickets: Vec<String> = list
        .iter()
        .map(|d| d.ticket_id.map_or_else(String::new, |id| format!("#{id}")))
        .collect();
    let tries: Vec<String> = list.iter().map(|d| d.attempts.to_string()).collect();
    let whens: Vec<String> = list.iter().map(|d| when_text(d, state.now)).collect();
    let cols = [
        Col::Fixed(widest("#", &ids)),
        Col::Fixed(widest("Event", list.iter().map(|d| d.event.as_str()))),
        Col::Fixed(widest("Ticket", &tickets)),
        Col::Fixed(widest("Status", ["pending", "sent", "failed"])),
        Col::Fixed(widest("Tries", &tries)),
        Col::Fill { min: 10 },
        Col::Fixed(widest("When", &whens)),
    ];
    let w = fit(area.width, 1, &cols);
    let header = super::columns::header(
        &["#", "Event", "Ticket", "Status", "Tries", "Result", "When"],
        &w,
        t.title,
    );
    let rows = list.iter().enumerate().map(|(i, d)| {
        let style = match d.status {
            DeliveryStatus::Sent => t.info,
            DeliveryStatus::Failed => t.error,
            DeliveryStatus::Pending => t.muted,
        };
        Row::new(vec![
            Cell::from(ids[i].clone()).style(t.muted),
            Cell::from(d.event.as_str()),
            Cell::from(tickets[i].clone()),
            Cell::from(d.status.as_str()).style(style),
            Cell::from(tries[i].clone()),
            Cell::from(clip_start(&result_text(d), usize::from(w[5]))).style(t.muted),
            Cell::from(whens[i].clone()).style(t.muted),
        ])
    });
    let widths: Vec<Constraint> = w.iter().map(|n| Constraint::Length(*n)).collect();
    f.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}

pub fn webhook_form(f: &mut Frame, area: Rect, state: &State, s: &WebhookFormState) {
    let t = &state.theme;
    let r = super::centered(area, 76, 17);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.focus_border)
        .title(Span::styled(" New webhook ", t.title));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let row = |i: u16| super::login::row(inner, i);
    input_row(f, row(0), "URL", VALUE_COL, &s.url, s.focus == URL, t);
    error_row(f, row(1), usize::from(VALUE_COL), s.errors[0].clone(), t);
    let heading = format!("{:w$}Space ticks or unticks", "  Events", w = 14);
    f.render_widget(Paragraph::new(Line::styled(heading, t.muted)), row(2));
    for (i, e) in WebhookEvent::ALL.iter().enumerate() {
        let focused = s.focus == FIRST_EVENT + i;
        let marker = if focused { "› " } else { "  " };
        let tick = if s.events[i] { "[x]" } else { "[ ]" };
        let line = Line::from(vec![
            Span::styled(format!("{:12}{marker}", ""), t.title),
            Span::styled(tick, if focused { t.title } else { t.key }),
            Span::styled(format!(" {e}"), if focused { t.title } else { t.base }),
        ]);
        f.render_widget(Paragraph::new(line), row(3 + i as u16));
    }
    error_row(f, row(9), usize::from(VALUE_COL), s.errors[1].clone(), t);
    input_row(
        f,
        row(10),
        "Secret",
        VALUE_COL,
        &s.secret,
        s.focus == SECRET,
        t,
    );
    match &s.errors[2] {
        Some(e) => error_row(f, row(11), usize::from(VALUE_COL), Some(e.clone()), t),
        None => muted_line(
            f,
            row(11),
            format!(
                "{:w$}give it to the receiver: it is not shown again",
                "",
                w = usize::from(VALUE_COL)
            ),
            t,
        ),
    }
    let (msg, style) = match (&s.error, s.sending) {
        (_, true) => (text::SENDING.to_string(), t.muted),
        (Some(e), false) => (e.clone(), t.error),
        (None, false) => (
            keymap::hint(Ctx::WebhookForm, &[Cmd::Submit, Cmd::NextField, Cmd::Back]),
            t.muted,
        ),
    };
    let [status] = Layout::vertical([Constraint::Length(1)]).areas(row(13));
    f.render_widget(
        Paragraph::new(Line::styled(clip(&msg, usize::from(status.width)), style)),
        status,
    );
}

pub fn settings(f: &mut Frame, area: Rect, state: &State, s: &SettingsState) {
    let t = &state.theme;
    let Some(user) = &state.user else {
        return;
    };
    let row = |i: u16| line_at(area, i);
    muted_line(
        f,
        row(0),
        format!(" {} <{}> · {}", user.username, user.email, user.role),
        t,
    );
    let email = match s.email {
        Some(true) => ("on", t.info),
        Some(false) => ("off", t.muted),
        None if s.error.is_some() => ("?", t.error),
        None => ("…", t.muted),
    };
    let mut lines = vec![(EMAIL, "Email about my tickets", email)];
    if rows(state) > AWAY {
        let away = if user.is_away {
            ("away", t.info)
        } else {
            ("available", t.muted)
        };
        lines.push((AWAY, "Auto-assignment", away));
    }
    for (i, name, (value, style)) in lines {
        let focused = s.selected == i;
        let marker = if focused { "› " } else { "  " };
        let line = Line::from(vec![
            Span::styled(
                format!("{marker}{name:<26}"),
                if focused { t.title } else { t.base },
            ),
            Span::styled(value, style),
        ]);
        let y = 2 + i as u16;
        f.render_widget(
            Paragraph::new(line).style(if focused { t.selected } else { t.base }),
            Rect {
                width: row(y).width.min(60),
                ..row(y)
            },
        );
    }
    let staff = user.role.is_staff();
    let about = if staff {
        "Email tells you of tickets assigned to you and of requesters' replies on yours."
    } else {
        "Email tells you a ticket was filed (with its number), of every reply from the helpdesk, and when a ticket waits on you or is resolved."
    };
    let mut y = 5;
    let width = usize::from(area.width.min(90)).saturating_sub(2);
    for r in crate::widgets::wrap::wrap_line(about, width) {
        muted_line(f, row(y), format!("  {}", about[r].trim_end()), t);
        y += 1;
    }
    if staff {
        muted_line(
            f,
            row(y),
            "  Away: new tickets are shared out among the others; your own stay yours.".into(),
            t,
        );
        y += 1;
    }
    muted_line(f, row(y + 1), "  Your password: :password".into(), t);
    if let Some(e) = &s.error {
        error_row(f, row(y + 3), 2, Some(e.clone()), t);
    } else if s.sending {
        muted_line(f, row(y + 3), format!("  {}", text::SENDING), t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn delivery(status: DeliveryStatus) -> WebhookDelivery {
        let now = tms_core::timefmt::now();
        WebhookDelivery {
            id: 7,
            event: WebhookEvent::TicketCreated,
            ticket_id: Some(3),
            status,
            attempts: 2,
            last_status: Some(503),
            last_error: None,
            next_attempt_at: Some(now + Duration::seconds(125)),
            created_at: now - Duration::minutes(5),
            updated_at: now - Duration::minutes(3),
        }
    }

    #[test]
    fn deliveries_say_when_and_how() {
        let d = delivery(DeliveryStatus::Pending);
        let now = d.updated_at + Duration::minutes(3);
        assert_eq!(when_text(&d, now), "next in 2m");
        assert_eq!(result_text(&d), "HTTP 503");
        assert_eq!(clip_start("send: connect: dns error", 10), "…dns error");
        assert_eq!(clip_start("refused", 10), "refused");
        let sent = WebhookDelivery {
            status: DeliveryStatus::Sent,
            ..d.clone()
        };
        assert_eq!(when_text(&sent, now), "3m ago");
        assert_eq!(events_text(WebhookEvent::ALL), "every event");
        assert_eq!(
            events_text(&[WebhookEvent::TicketCreated, WebhookEvent::CommentCreated]),
            "ticket.created, comment.created"
        );
    }
}
