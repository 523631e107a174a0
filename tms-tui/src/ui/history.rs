//! A ticket's history in place of its thread: one line per change, oldest first, in columns
//! sized by display width (when, who, what, the change), the cursor kept in view.

use super::columns::{Col, fit, widest};
use super::{clip, fmt_minute, notice};
use crate::app::State;
use crate::app::keymap::{self, Cmd, Ctx};
use crate::screens::history::HistoryState;
use crate::theme::text;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use tms_core::HistoryKind;
use tms_core::api::HistoryEntry;

pub fn draw(f: &mut Frame, area: Rect, state: &State, h: &HistoryState) {
    let t = &state.theme;
    let [info, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let toggle = keymap::key_for(Ctx::Ticket, Cmd::History);
    let summary = text::history_summary(h.entries.as_ref().map(Vec::len), &toggle);
    let (summary, style) = match (&h.error, &h.entries) {
        (Some(err), Some(_)) => (format!(" {err}"), t.error),
        _ => (format!(" {summary}"), t.muted),
    };
    f.render_widget(Paragraph::new(Line::styled(summary, style)), info);
    let Some(entries) = &h.entries else {
        let (msg, style) = match &h.error {
            Some(e) => (e.clone(), t.error),
            None => (text::LOADING.to_string(), t.muted),
        };
        notice(f, table, &msg, style);
        return;
    };
    if entries.is_empty() {
        notice(f, table, text::NO_HISTORY, t.muted);
        return;
    }
    let times: Vec<String> = entries.iter().map(|e| fmt_minute(e.at)).collect();
    let whats: Vec<&str> = entries.iter().map(|e| text::history_what(e.kind)).collect();
    let cols = [
        Col::Fixed(widest(text::HISTORY_WHEN, &times)),
        Col::Free {
            want: widest("Who", entries.iter().map(|e| e.actor.username.as_str())).min(16),
            min: 6,
        },
        Col::Fixed(widest("What", &whats)),
        Col::Fill { min: 12 },
    ];
    let w = fit(table.width, 2, &cols);
    let header =
        super::columns::header(&[text::HISTORY_WHEN, "Who", "What", "Change"], &w, t.title);
    let rows = entries.iter().enumerate().map(|(i, e)| {
        Row::new(vec![
            Cell::from(times[i].clone()).style(t.muted),
            Cell::from(clip(&e.actor.username, usize::from(w[1]))).style(t.role(e.actor.role)),
            Cell::from(whats[i]),
            Cell::from(change(e, usize::from(w[3]))),
        ])
    });
    let widths: Vec<Constraint> = w.iter().map(|n| Constraint::Length(*n)).collect();
    let table_w = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(t.selected)
        .column_spacing(2);
    let mut ts = TableState::default().with_selected(Some(h.selected));
    f.render_stateful_widget(table_w, table, &mut ts);
}

/// What one entry changed, in at most `width` display columns: `Open → In Progress`, a quoted
/// title or comment cut with an ellipsis, never a whole description.
pub fn change(e: &HistoryEntry, width: usize) -> String {
    let value = |v: &Option<String>, none: &str| match v {
        Some(s) if e.kind == HistoryKind::ResolutionDate => {
            tms_core::timefmt::parse(s).map_or_else(|| s.clone(), fmt_minute)
        }
        Some(s) => s.clone(),
        None => none.to_string(),
    };
    let quoted = |v: &Option<String>, room: usize| {
        let flat = one_line(v.as_deref().unwrap_or(""));
        format!("\"{}\"", clip(&flat, room.saturating_sub(2)))
    };
    let text = match e.kind {
        HistoryKind::Description => text::HISTORY_DESCRIPTION.to_string(),
        HistoryKind::Created | HistoryKind::Comment | HistoryKind::InternalNote => {
            quoted(&e.to, width)
        }
        HistoryKind::Title => {
            // Each title gets half of the room the arrow leaves.
            let half = width.saturating_sub(3) / 2;
            format!("{} → {}", quoted(&e.from, half), quoted(&e.to, half))
        }
        HistoryKind::Assignee => {
            format!("{} → {}", value(&e.from, "nobody"), value(&e.to, "nobody"))
        }
        HistoryKind::Status
        | HistoryKind::Priority
        | HistoryKind::Tags
        | HistoryKind::ResolutionDate => {
            format!("{} → {}", value(&e.from, "none"), value(&e.to, "none"))
        }
    };
    clip(&text, width)
}

/// Text on one line: every run of whitespace, line breaks included, becomes one space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tms_core::Role;
    use tms_core::api::HistoryActor;

    fn entry(kind: HistoryKind, from: Option<&str>, to: Option<&str>) -> HistoryEntry {
        HistoryEntry {
            at: tms_core::timefmt::now(),
            actor: HistoryActor {
                id: 1,
                username: "alice".into(),
                role: Role::Agent,
            },
            kind,
            from: from.map(str::to_string),
            to: to.map(str::to_string),
        }
    }

    #[test]
    fn changes_read_as_before_and_after() {
        let e = entry(HistoryKind::Status, Some("Open"), Some("In Progress"));
        assert_eq!(change(&e, 40), "Open → In Progress");
        let e = entry(HistoryKind::Assignee, None, Some("john.smith"));
        assert_eq!(change(&e, 40), "nobody → john.smith");
        let e = entry(
            HistoryKind::ResolutionDate,
            None,
            Some("2026-11-29T06:12:01"),
        );
        assert_eq!(change(&e, 40), "none → 2026-11-29 06:12");
        let e = entry(HistoryKind::Description, Some("old"), Some("new text"));
        assert_eq!(change(&e, 40), "the description");
    }

    #[test]
    fn long_texts_are_cut_by_display_columns_inside_their_quotes() {
        let e = entry(HistoryKind::Comment, None, Some("still\ndropping  calls"));
        assert_eq!(change(&e, 40), "\"still dropping calls\"");
        assert_eq!(change(&e, 10), "\"still d…\"");
        let e = entry(HistoryKind::Comment, None, Some("日本語のテキスト"));
        let cut = change(&e, 9);
        assert_eq!(cut, "\"日本語…\"");
        assert!(crate::widgets::width(&cut) <= 9);
        let e = entry(
            HistoryKind::Title,
            Some("Printer jams"),
            Some("Printer jams daily"),
        );
        let cut = change(&e, 25);
        assert!(crate::widgets::width(&cut) <= 25, "{cut}");
        assert!(cut.contains(" → "), "{cut}");
    }
}
