//! Text as people type it: wide and combining characters take the columns they take on
//! screen, and the description editor wraps its lines to the box.

use crate::fixtures::*;
use crate::snapshots::render;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::{Backend, TestBackend};
use tms_tui::app::State;

/// The screen and where the terminal cursor was put.
fn draw(state: &State, w: u16, h: u16) -> (Terminal<TestBackend>, (u16, u16)) {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| tms_tui::ui::view(f, state)).unwrap();
    let at = term.backend_mut().get_cursor_position().unwrap();
    (term, (at.x, at.y))
}

fn find(term: &Terminal<TestBackend>, symbol: &str) -> (u16, u16) {
    let buf = term.backend().buffer();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            if buf[(x, y)].symbol() == symbol {
                return (x, y);
            }
        }
    }
    panic!("{symbol} not on screen");
}

#[test]
fn the_cursor_follows_wide_characters() {
    let mut s = signed_in(jane());
    ch(&mut s, 'n');
    typing(&mut s, "日本 ok");
    let (term, cursor) = draw(&s, 80, 24);
    let (x, y) = find(&term, "日");
    assert_eq!(
        cursor,
        (x + 7, y),
        "two wide characters, a space and two letters"
    );
    press(&mut s, KeyCode::Home);
    press(&mut s, KeyCode::Right);
    let (_, cursor) = draw(&s, 80, 24);
    assert_eq!(cursor, (x + 2, y));
}

#[test]
fn the_description_editor_wraps_long_lines() {
    let mut s = signed_in(jane());
    ch(&mut s, 'n');
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    let words = "every word of this rather long sentence stays visible in the box once it wraps";
    typing(&mut s, words);
    let screen = render(&s, 40, 20);
    for w in words.split(' ') {
        assert!(screen.contains(w), "{w} cut off:\n{screen}");
    }
    let (_, cursor) = draw(&s, 40, 20);
    let last_row = screen.lines().position(|l| l.contains("wraps")).unwrap();
    assert_eq!(
        usize::from(cursor.1),
        last_row,
        "the cursor is on the last wrapped row"
    );
    insta::assert_snapshot!("description_wraps", screen);
}
