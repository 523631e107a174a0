//! The start screens: connecting, logging in (with the demo accounts), and the first run.

use super::{centered, clip, notice};
use crate::app::keymap::{self, Cmd, Ctx};
use crate::app::{Mode, State};
use crate::screens::login::demo_accounts;
use crate::screens::setup::FIELDS;
use crate::screens::{LoginState, SetupState};
use crate::theme::{Theme, text};
use crate::widgets::TextInput;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

pub fn boot(f: &mut Frame, area: Rect, state: &State) {
    let msg = match &state.offline {
        Some(off) => text::unreachable(&state.setup.server, &off.reason),
        None => format!("Connecting to {}…", state.setup.server),
    };
    notice(f, area, &msg, state.theme.muted);
}

/// One labelled input on one row; the terminal cursor goes where typing will land.
pub fn input_row(
    f: &mut Frame,
    row: Rect,
    label: &str,
    label_w: u16,
    input: &TextInput,
    focused: bool,
    t: &Theme,
) {
    if row.is_empty() {
        return;
    }
    let label_style = if focused { t.title } else { t.muted };
    let marker = if focused { "› " } else { "  " };
    f.render_widget(
        Paragraph::new(Line::styled(format!("{marker}{label}"), label_style)),
        row,
    );
    let x = row.x + label_w.min(row.width);
    let width = row.width.saturating_sub(label_w);
    if width == 0 {
        return;
    }
    let (visible, cursor) = window(&input.display(), input.cursor(), width as usize);
    let pad = (width as usize).saturating_sub(crate::widgets::width(&visible));
    let field = Rect {
        x,
        y: row.y,
        width,
        height: 1,
    };
    let line = Line::from(vec![Span::raw(visible), Span::raw(" ".repeat(pad))]);
    f.render_widget(Paragraph::new(line).style(t.input), field);
    if focused {
        let cx = x + u16::try_from(cursor).unwrap_or(0).min(width - 1);
        f.set_cursor_position((cx, row.y));
    }
}

/// The part of `shown` that fits `width` columns with the cursor (a display column) in view,
/// and the cursor's column within it. Grapheme clusters are never cut.
fn window(shown: &str, cursor: usize, width: usize) -> (String, usize) {
    use crate::widgets::wrap::grapheme_width;
    use unicode_segmentation::UnicodeSegmentation;
    let skip = cursor.saturating_sub(width.saturating_sub(1));
    let (mut skipped, mut used) = (0, 0);
    let mut visible = String::new();
    for g in shown.graphemes(true) {
        let w = grapheme_width(g);
        if skipped < skip {
            skipped += w;
            continue;
        }
        if used + w > width {
            break;
        }
        used += w;
        visible.push_str(g);
    }
    (visible, cursor.saturating_sub(skipped))
}

/// Row `i` of `area` (indented by one), empty when the area is too small to have it.
pub fn row(area: Rect, i: u16) -> Rect {
    let r = Rect {
        x: area.x + 1,
        y: area.y.saturating_add(i),
        width: area.width.saturating_sub(2),
        height: 1,
    };
    r.intersection(area)
}

fn boxed<'a>(title: &'a str, t: &Theme) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.focus_border)
        .title(Span::styled(title, t.title))
}

pub fn login(f: &mut Frame, area: Rect, state: &State, s: &LoginState) {
    let t = &state.theme;
    let demo = state.setup.mode == Mode::Demo;
    // The demo list starts on the eighth row inside the border.
    let height = if demo {
        10 + demo_accounts().len() as u16
    } else {
        9
    };
    let r = centered(area, 64, height);
    let block = boxed(" Log in to tms ", t);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let server = Line::from(vec![
        Span::styled("  Server   ", t.muted),
        Span::raw(clip(&state.setup.server, 48)),
    ]);
    f.render_widget(Paragraph::new(server), row(inner, 0));
    input_row(f, row(inner, 2), "Email", 11, &s.email, s.focus == 0, t);
    input_row(
        f,
        row(inner, 3),
        "Password",
        11,
        &s.password,
        s.focus == 1,
        t,
    );
    let (msg, style) = match (&s.message, s.sending) {
        (_, true) => (text::SENDING.to_string(), t.muted),
        (Some(m), false) => (m.clone(), t.error),
        (None, false) => (
            keymap::hint(Ctx::Login, &[Cmd::Submit, Cmd::NextField, Cmd::Quit]),
            t.muted,
        ),
    };
    let msg_row = Rect {
        height: 2,
        ..row(inner, 5)
    }
    .intersection(inner);
    f.render_widget(
        Paragraph::new(msg)
            .style(style)
            .wrap(ratatui::widgets::Wrap { trim: true }),
        msg_row,
    );
    if demo {
        demo_list(f, inner, s, t);
    }
}

fn demo_list(f: &mut Frame, inner: Rect, s: &LoginState, t: &Theme) {
    let head = format!(
        "Demo accounts — {} picks one; password {}",
        keymap::key_for(Ctx::Login, Cmd::ChoiceNext),
        tms_core::demo::PASSWORD
    );
    f.render_widget(Paragraph::new(Line::styled(head, t.title)), row(inner, 7));
    for (i, a) in demo_accounts().iter().enumerate() {
        let style = if s.demo_pick == Some(i) {
            t.selected
        } else {
            Style::new()
        };
        let line = Line::from(vec![
            Span::styled(format!("  {:<30}", a.email), style),
            Span::styled(format!(" {}", a.role), t.muted.patch(style)),
        ]);
        f.render_widget(Paragraph::new(line), row(inner, 8 + i as u16));
    }
}

pub fn setup(f: &mut Frame, area: Rect, state: &State, s: &SetupState) {
    let t = &state.theme;
    let r = centered(area, 70, 16);
    let block = boxed(" Welcome to tms — first run ", t);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let intro = "This helpdesk has no users yet. Create the administrator account:";
    f.render_widget(Paragraph::new(intro).style(t.muted), row(inner, 0));
    for (i, label) in FIELDS.iter().enumerate() {
        let y = 2 + 2 * i as u16;
        input_row(f, row(inner, y), label, 19, &s.inputs[i], s.focus == i, t);
        if let Some(e) = &s.errors[i] {
            let line = Line::styled(format!("{:19}{e}", ""), t.error);
            f.render_widget(Paragraph::new(line), row(inner, y + 1));
        }
    }
    let (msg, style) = match (&s.message, s.sending) {
        (_, true) => (text::SENDING.to_string(), t.muted),
        (Some(m), false) => (m.clone(), t.error),
        (None, false) => (
            format!(
                "{} moves on; on the last field it creates the admin and logs in.",
                keymap::key_for(Ctx::Setup, Cmd::Submit)
            ),
            t.muted,
        ),
    };
    f.render_widget(Paragraph::new(msg).style(style), row(inner, 11));
}
