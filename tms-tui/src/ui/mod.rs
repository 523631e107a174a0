//! `view(&State)`: draws the header, the offline banner, the screen in front, the status line,
//! the footer of keys, and any overlay on top.

mod admin;
pub mod columns;
mod dash;
mod forms;
mod history;
mod login;
mod overlays;
mod queue;
mod settings;
pub mod sla;
mod ticket;

use crate::app::gate;
use crate::app::keymap::{self, Ctx};
use crate::app::live::Link;
use crate::app::{Mode, State};
use crate::screens::Screen;
use crate::theme::text;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tms_core::timefmt::Timestamp;

/// Draws the whole client.
pub fn view(f: &mut Frame, state: &State) {
    let area = f.area();
    let banner = u16::from(state.offline.is_some());
    let [head, ban, body, status, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header(f, head, state);
    if let Some(off) = &state.offline {
        let secs = (state.now - off.since).whole_seconds().max(0);
        let msg = format!(
            " ⚠ {} ({}) — retrying ({secs}s); your typing is safe",
            text::OFFLINE,
            off.reason
        );
        f.render_widget(Paragraph::new(msg).style(state.theme.banner), ban);
    }
    screen(f, body, state);
    status_line(f, status, state);
    footer(f, foot, state);
    overlays::draw(f, body, state);
}

fn screen(f: &mut Frame, area: Rect, state: &State) {
    match &state.screen {
        Screen::Boot => login::boot(f, area, state),
        Screen::Login(s) => login::login(f, area, state, s),
        Screen::Setup(s) => login::setup(f, area, state, s),
        Screen::Queue(s) => queue::draw(f, area, state, s),
        Screen::Ticket(s) => ticket::draw(f, area, state, s),
        Screen::NewTicket(s) => forms::new_ticket(f, area, state, s),
        Screen::Users(s) => admin::users(f, area, state, s),
        Screen::UserForm(s) => forms::user_form(f, area, state, s),
        Screen::Log(s) => admin::log(f, area, state, s),
        Screen::Dash(s) => dash::draw(f, area, state, s),
        Screen::Password(s) => forms::password(f, area, state, s),
        Screen::SlaPolicy(s) => settings::sla_policy(f, area, state, s),
        Screen::Webhooks(s) => settings::webhooks(f, area, state, s),
        Screen::WebhookForm(s) => settings::webhook_form(f, area, state, s),
        Screen::Settings(s) => settings::settings(f, area, state, s),
    }
}

/// The title of the screen in front.
fn screen_title(state: &State) -> String {
    match &state.screen {
        Screen::Boot => "Connecting".into(),
        Screen::Login(_) => "Log in".into(),
        Screen::Setup(_) => "First run".into(),
        Screen::Queue(q) if q.kind == crate::screens::QueueKind::Requester => "My tickets".into(),
        Screen::Queue(_) => "Queue".into(),
        Screen::Ticket(t) => format!("Ticket #{}", t.id),
        Screen::NewTicket(_) => "New ticket".into(),
        Screen::Users(_) => "Users".into(),
        Screen::UserForm(u) => match &u.editing {
            Some(user) => format!("Edit {}", user.username),
            None => "New user".into(),
        },
        Screen::Log(_) => "Activity log".into(),
        Screen::Dash(_) => "Dashboard".into(),
        Screen::Password(_) => "Change password".into(),
        Screen::SlaPolicy(_) => "SLA policy".into(),
        Screen::Webhooks(_) => "Webhooks".into(),
        Screen::WebhookForm(_) => "New webhook".into(),
        Screen::Settings(_) => "My settings".into(),
    }
}

fn header(f: &mut Frame, area: Rect, state: &State) {
    let t = &state.theme;
    let who = match &state.user {
        Some(u) if u.is_away => format!("{} · {} · away", u.username, u.role),
        Some(u) => format!("{} · {}", u.username, u.role),
        None => "not logged in".into(),
    };
    let mode = match state.setup.mode {
        Mode::Demo => " · DEMO",
        Mode::Embedded | Mode::Remote => "",
    };
    let busy = if state.in_flight > 0 {
        " ⟳ working… "
    } else {
        ""
    };
    let left = format!(" {} │ {} │ {who}{mode}", text::APP, screen_title(state));
    let pad = (area.width as usize)
        .saturating_sub(crate::widgets::width(&left) + crate::widgets::width(busy));
    let line = Line::from(vec![
        Span::raw(left),
        Span::raw(" ".repeat(pad)),
        Span::raw(busy),
    ]);
    f.render_widget(Paragraph::new(line).style(t.header), area);
}

fn status_line(f: &mut Frame, area: Rect, state: &State) {
    let t = &state.theme;
    let link = match state.live.link {
        Link::Up => text::LIVE,
        Link::Reconnecting => text::RECONNECTING,
        Link::Off | Link::Connecting => "",
    };
    let [area, right] = Layout::horizontal([
        Constraint::Min(1),
        Constraint::Length(u16::try_from(crate::widgets::width(link) + 1).unwrap_or(0)),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(Line::styled(link, t.muted)), right);
    let line = match &state.flash {
        Some(fl) => Line::styled(
            format!(" {}", fl.text),
            if fl.error { t.error } else { t.info },
        ),
        None if !state.unsent.is_empty() => Line::styled(
            format!(
                " {} ",
                text::unsent(state.unsent.len(), &crate::app::unsent::retry_key())
            ),
            t.error,
        ),
        None => Line::styled(format!(" {}", state.setup.server), t.muted),
    };
    f.render_widget(Paragraph::new(line), area);
}

fn footer(f: &mut Frame, area: Rect, state: &State) {
    let t = &state.theme;
    let ctx = state.ctx();
    let mut spans = Vec::new();
    let mut rows = keymap::bindings_for(ctx);
    // Sending again what found no server comes first while there is any.
    rows.sort_by_key(|b| b.cmd != keymap::Cmd::Retry);
    let help = rows.iter().any(|b| b.cmd == keymap::Cmd::Help);
    // Room is kept for "? help" so the way to every other key is always on screen.
    let mut width = if help { 8 } else { 0 };
    for b in rows
        .iter()
        .filter(|b| b.footer && b.cmd != keymap::Cmd::Help)
    {
        if !offered(state, ctx, b.cmd) {
            continue;
        }
        let keys = keymap::keys_label(b);
        let label = keymap::short_help(b.help);
        let len = crate::widgets::width(&keys) + crate::widgets::width(label) + 3;
        if width + len > area.width as usize {
            break;
        }
        width += len;
        spans.push(Span::styled(format!(" {keys}"), t.key));
        spans.push(Span::styled(format!(" {label} "), t.muted));
    }
    if help {
        spans.push(Span::styled(" ?", t.key));
        spans.push(Span::styled(" help ", t.muted));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Whether a key is offered to this user here (overlays offer all of theirs); a ticket that
/// could not be loaded offers no ticket actions.
pub fn offered(state: &State, ctx: Ctx, cmd: keymap::Cmd) -> bool {
    if ctx == Ctx::Login && cmd == keymap::Cmd::ChoiceNext {
        return state.setup.mode == Mode::Demo;
    }
    if ctx != state.screen.ctx() {
        return true;
    }
    let missing = matches!(&state.screen, Screen::Ticket(t) if t.detail.is_none());
    gate::allowed(state, &state.screen, cmd) && !(missing && gate::acts_on_ticket(cmd))
}

/// A timestamp as `2026-11-29 06:12 UTC`.
pub fn fmt_time(t: Timestamp) -> String {
    format!("{} UTC", fmt_minute(t))
}

/// A timestamp (UTC) to the minute, `2026-11-29 06:12`, where a heading says the zone.
pub fn fmt_minute(t: Timestamp) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `text` cut to `width` terminal columns with an ellipsis.
pub fn clip(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if crate::widgets::width(text) <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut s = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        s.push(c);
    }
    s.push('…');
    s
}

/// A centred rectangle of at most `w`×`h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// A one-line message in the middle of an area (empty lists, loading, errors).
pub fn notice(f: &mut Frame, area: Rect, msg: &str, style: Style) {
    let r = centered(area, area.width, 1);
    f.render_widget(
        Paragraph::new(msg)
            .style(style)
            .alignment(ratatui::layout::Alignment::Center),
        r,
    );
}
