//! The ticket screen: title and metadata on top, then the description and the comment thread,
//! scrolled so the selected item is in view (or, when shown, the ticket's history).

use super::{fmt_time, notice};
use crate::app::State;
use crate::app::keymap::{self, Cmd, Ctx};
use crate::screens::TicketState;
use crate::theme::{Theme, text};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use tms_core::api::TicketDetail;
use tms_core::timefmt::age;

/// Word-wraps `text` to `width` display columns, keeping blank lines and breaking words too
/// long to fit.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.split('\n') {
        let para = para.replace('\t', "    ");
        for seg in crate::widgets::wrap::wrap_line(&para, width) {
            out.push(para[seg].trim_end_matches(' ').to_string());
        }
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, s: &TicketState) {
    let t = &state.theme;
    let Some(d) = &s.detail else {
        let (msg, style) = match &s.error {
            Some(e) => (e.clone(), t.error),
            None => (text::LOADING.to_string(), t.muted),
        };
        notice(f, area, &msg, style);
        return;
    };
    // Staff work to the clocks; requesters are not shown them.
    let staff = state.user.as_ref().is_some_and(|u| u.role.is_staff());
    let sla = super::sla::line(&d.ticket, state.now).filter(|_| staff);
    let height = if sla.is_some() { 5 } else { 4 };
    let [meta, thread] =
        Layout::vertical([Constraint::Length(height), Constraint::Min(1)]).areas(area);
    let mut lines = meta_lines(state, d);
    if let Some((text, st)) = sla {
        lines.push(Line::styled(text, t.sla(st)));
    }
    f.render_widget(
        Paragraph::new(lines).block(Block::new().borders(Borders::BOTTOM).border_style(t.border)),
        meta,
    );
    if s.history.shown {
        super::history::draw(f, thread, state, &s.history);
        return;
    }
    let (lines, spans) = thread_lines(
        state,
        d,
        s.selected,
        thread.width.saturating_sub(1) as usize,
    );
    let height = thread.height as usize;
    let (start, end) = spans.get(s.selected).copied().unwrap_or((0, 0));
    let max_offset = lines.len().saturating_sub(height);
    let offset = if end + s.scroll as usize <= height {
        0
    } else {
        (start + s.scroll as usize).min(max_offset)
    };
    let visible: Vec<Line> = lines.into_iter().skip(offset).take(height).collect();
    f.render_widget(Paragraph::new(visible), thread);
}

fn meta_lines<'a>(state: &State, d: &'a TicketDetail) -> Vec<Line<'a>> {
    let t = &state.theme;
    let tk = &d.ticket;
    let assignee = d
        .assigned_agent
        .as_ref()
        .map_or("nobody".to_string(), |a| a.username.clone());
    let resolved = tk
        .resolution_date
        .map_or(String::new(), |r| format!(" · resolved {}", fmt_time(r)));
    vec![
        Line::from(vec![
            Span::styled(format!("#{} ", tk.id), t.muted),
            Span::styled(tk.title.as_str(), t.title),
        ]),
        Line::from(vec![
            Span::styled(tk.status.as_str(), t.status(tk.status)),
            Span::styled(" · ", t.muted),
            Span::styled(format!("{} priority", tk.priority), t.priority(tk.priority)),
            Span::styled(" · requester ", t.muted),
            Span::raw(d.requester.username.clone()),
            Span::styled(" · assignee ", t.muted),
            Span::raw(assignee),
            Span::styled(
                match tk.tags.as_deref() {
                    Some([]) | None => String::new(),
                    Some(tags) => format!(" · tags {}", tags.join(" ")),
                },
                t.key,
            ),
        ]),
        Line::styled(
            format!(
                "opened {} ({} ago) · updated {} ago{resolved}",
                fmt_time(tk.creation_date),
                age(tk.creation_date, state.now),
                age(tk.updated_at, state.now)
            ),
            t.muted,
        ),
    ]
}

/// Every line of the description and the comments, and each item's (first, end) line.
fn thread_lines(
    state: &State,
    d: &TicketDetail,
    selected: usize,
    width: usize,
) -> (Vec<Line<'static>>, Vec<(usize, usize)>) {
    let t = &state.theme;
    let mut lines = Vec::new();
    let mut spans = Vec::new();
    let mut push_item =
        |lines: &mut Vec<Line<'static>>, head: Vec<Span<'static>>, body: &str, sel: bool| {
            let start = lines.len();
            let marker = if sel {
                Span::styled("▶ ", t.key)
            } else {
                Span::raw("  ")
            };
            let mut head_spans = vec![marker];
            head_spans.extend(head);
            lines.push(Line::from(head_spans).style(if sel { t.selected } else { Style::new() }));
            for l in wrap(body, width.saturating_sub(2)) {
                lines.push(Line::raw(format!("  {l}")));
            }
            lines.push(Line::raw(""));
            spans.push((start, lines.len()));
        };
    let head = vec![Span::styled("Description", t.title)];
    push_item(&mut lines, head, &d.ticket.description, selected == 0);
    if d.comments.is_empty() {
        lines.push(Line::styled(
            format!(
                "  No comments yet — press {} to write one.",
                keymap::key_for(Ctx::Ticket, Cmd::Comment)
            ),
            t.muted,
        ));
    }
    for (i, c) in d.comments.iter().enumerate() {
        let edited = if c.comment.updated_at > c.comment.creation_date {
            " · edited"
        } else {
            ""
        };
        let mut head = comment_head(
            t,
            &c.user.username,
            c.user.role,
            &age(c.comment.creation_date, state.now),
            edited,
        );
        if c.comment.is_internal {
            // Said in words as well as colour, so it reads under NO_COLOR too.
            head.insert(0, Span::styled("[internal note] ", t.banner));
        }
        push_item(&mut lines, head, &c.comment.description, selected == i + 1);
    }
    (lines, spans)
}

fn comment_head(
    t: &Theme,
    name: &str,
    role: tms_core::Role,
    ago: &str,
    edited: &str,
) -> Vec<Span<'static>> {
    vec![
        Span::styled(name.to_string(), t.role(role).add_modifier(Modifier::BOLD)),
        Span::styled(format!(" · {role} · {ago} ago{edited}"), t.muted),
    ]
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_words_and_keeps_paragraphs() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("a\n\nb", 10), vec!["a", "", "b"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("日本語 テキスト", 6), vec!["日本語", "テキス", "ト"]);
    }
}
