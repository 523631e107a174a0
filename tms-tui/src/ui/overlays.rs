//! Overlays over the screen: help (generated from the keymap), command line, pickers,
//! confirmations, prompts and the composer.

use super::forms::text_area;
use super::login::input_row;
use super::{centered, offered};
use crate::app::State;
use crate::app::command::{self, suggestions};
use crate::app::keymap::{self, Cmd, Ctx};
use crate::app::overlay::{Compose, Overlay, Picker, Prompt};
use crate::theme::{Theme, text};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, List, ListItem, ListState, Paragraph, Wrap};

fn frame(f: &mut Frame, r: Rect, title: String, t: &Theme) -> Rect {
    f.render_widget(Clear, r);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.focus_border)
        .title(Span::styled(format!(" {title} "), t.title));
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}

pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    let t = &state.theme;
    match &state.overlay {
        None => {}
        Some(Overlay::Help { scroll }) => help(f, area, state, *scroll),
        Some(Overlay::Command(c)) => {
            let list = suggestions(state, c.input.text());
            let h = (list.len() as u16 + 3).min(area.height);
            let r = Rect {
                y: area.y + area.height.saturating_sub(h),
                height: h,
                ..area
            };
            let inner = frame(f, r, "Command".into(), t);
            input_row(
                f,
                Rect { height: 1, ..inner }.intersection(inner),
                ":",
                2,
                &c.input,
                true,
                t,
            );
            for (i, (name, about)) in list.iter().enumerate() {
                let style = if i == c.selected { t.selected } else { t.base };
                let line = Line::from(vec![
                    Span::styled(format!("  {name:<12}"), t.key.patch(style)),
                    Span::styled(*about, style),
                ]);
                let row = Rect {
                    y: inner.y + 1 + i as u16,
                    height: 1,
                    ..inner
                };
                f.render_widget(Paragraph::new(line), row.intersection(inner));
            }
        }
        Some(Overlay::Picker(p)) => picker(f, area, p, t),
        Some(Overlay::Confirm(c)) => {
            let r = centered(area, 60, 7);
            let inner = frame(f, r, "Confirm".into(), t);
            let body = vec![
                Line::raw(c.message.clone()),
                Line::raw(""),
                Line::styled(keymap::hint(Ctx::Confirm, &[Cmd::Yes, Cmd::No]), t.key),
            ];
            f.render_widget(Paragraph::new(body).wrap(Wrap { trim: true }), inner);
        }
        Some(Overlay::Prompt(p)) => prompt(f, area, p, t),
        Some(Overlay::Compose(c)) => compose(f, area, c, t),
    }
}

fn help(f: &mut Frame, area: Rect, state: &State, scroll: usize) {
    let t = &state.theme;
    let ctx = state.screen.ctx();
    let rows: Vec<Line> = keymap::bindings_for(ctx)
        .iter()
        .filter(|b| {
            offered(state, ctx, b.cmd)
                && !(ctx.is_text() && b.ctx == Ctx::Global && b.cmd != keymap::Cmd::Quit)
        })
        .map(|b| {
            let about = if b.cmd == keymap::Cmd::CommandLine {
                command::help(state)
            } else {
                b.help.to_string()
            };
            Line::from(vec![
                Span::styled(format!("{:>14}  ", keymap::keys_label(b)), t.key),
                Span::raw(about),
            ])
        })
        .collect();
    let r = centered(area, 70, rows.len() as u16 + 2);
    let more = if rows.len() + 2 > area.height as usize {
        &format!(
            " ({} scroll)",
            keymap::key_for(Ctx::Help, keymap::Cmd::Down)
        )
    } else {
        ""
    };
    let inner = frame(
        f,
        r,
        format!("Keys — {}{more}", super::screen_title(state)),
        t,
    );
    let scroll = scroll.min(rows.len().saturating_sub(inner.height as usize));
    f.render_widget(
        Paragraph::new(rows).scroll((u16::try_from(scroll).unwrap_or(0), 0)),
        inner,
    );
}

fn picker(f: &mut Frame, area: Rect, p: &Picker, t: &Theme) {
    let search = u16::from(p.search.is_some());
    let widest = p
        .items
        .iter()
        .map(|(l, _)| crate::widgets::width(l))
        .max()
        .unwrap_or(10)
        .max(crate::widgets::width(&p.title));
    let w = u16::try_from(widest).unwrap_or(u16::MAX).saturating_add(6);
    let w = if search == 1 { w.max(44) } else { w };
    let rows = u16::try_from(p.items.len().max(1)).unwrap_or(u16::MAX);
    let r = centered(area, w, rows.saturating_add(2 + search));
    let mut inner = frame(f, r, p.title.clone(), t);
    if let Some(input) = &p.search {
        let row = Rect { height: 1, ..inner }.intersection(inner);
        input_row(f, row, "Find", 8, input, true, t);
        inner.y = inner.y.saturating_add(1);
        inner.height = inner.height.saturating_sub(1);
        if p.items.is_empty() {
            f.render_widget(
                Paragraph::new(Line::styled(" nobody matches", t.muted)),
                inner,
            );
            return;
        }
    }
    let items: Vec<ListItem> = p
        .items
        .iter()
        .map(|(l, _)| ListItem::new(format!(" {l}")))
        .collect();
    let list = List::new(items)
        .highlight_style(t.selected)
        .highlight_symbol("▶");
    let mut ls = ListState::default().with_selected(Some(p.selected));
    f.render_stateful_widget(list, inner, &mut ls);
}

fn prompt(f: &mut Frame, area: Rect, p: &Prompt, t: &Theme) {
    let r = centered(area, 64, 5);
    let inner = frame(f, r, p.title.clone(), t);
    input_row(
        f,
        Rect { height: 1, ..inner }.intersection(inner),
        "",
        1,
        &p.input,
        true,
        t,
    );
    if !p.suggestions.is_empty() {
        let row = Rect {
            y: inner.y + 1,
            height: 1,
            ..inner
        }
        .intersection(inner);
        let line = format!(" Tab: {}", p.suggestions.join(" · "));
        f.render_widget(Paragraph::new(Line::styled(line, t.key)), row);
    }
    let (msg, style) = match (&p.error, p.sending) {
        (_, true) => (text::SENDING.to_string(), t.muted),
        (Some(e), false) => (e.clone(), t.error),
        (None, false) => (
            keymap::hint(Ctx::Prompt, &[Cmd::Submit, Cmd::Back]),
            t.muted,
        ),
    };
    let row = Rect {
        y: inner.y + 2,
        height: 1,
        ..inner
    }
    .intersection(inner);
    f.render_widget(Paragraph::new(Line::styled(msg, style)), row);
}

fn compose(f: &mut Frame, area: Rect, c: &Compose, t: &Theme) {
    let h = (area.height * 2 / 3).max(8).min(area.height);
    let r = Rect {
        y: area.y + area.height - h,
        height: h,
        ..area
    };
    let inner = frame(f, r, c.title.clone(), t);
    let editor = Rect {
        height: inner.height.saturating_sub(1),
        ..inner
    };
    text_area(f, editor, &c.area, !c.sending, t);
    let (msg, style) = match (&c.error, c.sending) {
        (_, true) => (text::SENDING.to_string(), t.muted),
        (Some(e), false) => (format!("Not sent: {e} — your text is kept."), t.error),
        (None, false) => (
            keymap::hint(Ctx::Compose, &[Cmd::Submit, Cmd::ExternalEditor, Cmd::Back]),
            t.muted,
        ),
    };
    let row = Rect {
        y: inner.y + inner.height.saturating_sub(1),
        height: 1,
        ..inner
    }
    .intersection(inner);
    f.render_widget(Paragraph::new(Line::styled(msg, style)), row);
}
