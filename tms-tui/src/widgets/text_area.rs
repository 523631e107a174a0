//! A multi-line text editor for descriptions and comments: lines of text and a (row, byte)
//! cursor that moves over whole grapheme clusters; the view soft-wraps it by display width
//! (see [`super::wrap`]).

use super::wrap::grapheme_width;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use unicode_segmentation::UnicodeSegmentation;

/// A small multi-line editor. Enter breaks the line; the owner decides what submits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextArea {
    lines: Vec<String>,
    row: usize,
    /// A byte offset into the line, on a grapheme boundary.
    col: usize,
    /// The last key was Enter (a CR): a line feed right after it ends the same line.
    after_cr: bool,
}

impl Default for TextArea {
    fn default() -> Self {
        Self {
            lines: vec![String::new()],
            row: 0,
            col: 0,
            after_cr: false,
        }
    }
}

/// Text with CRLF and lone CR line endings (as terminals paste) turned into LF.
pub fn unix_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Display columns of `s`, tabs counted as one.
fn columns(s: &str) -> usize {
    s.graphemes(true).map(grapheme_width).sum()
}

/// The byte offset in `s` of the grapheme at display column `col` (or the end).
fn at_column(s: &str, col: usize) -> usize {
    let mut used = 0;
    for (i, g) in s.grapheme_indices(true) {
        if used >= col {
            return i;
        }
        used += grapheme_width(g);
    }
    s.len()
}

impl TextArea {
    /// An editor holding `text`, cursor at its end.
    pub fn new(text: &str) -> Self {
        let mut lines: Vec<String> = unix_newlines(text)
            .split('\n')
            .map(str::to_string)
            .collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        let row = lines.len() - 1;
        let col = lines[row].len();
        Self {
            lines,
            row,
            col,
            after_cr: false,
        }
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// (row, byte offset in that line) of the cursor.
    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.col)
    }

    pub fn is_blank(&self) -> bool {
        self.lines.iter().all(|l| l.trim().is_empty())
    }

    fn line(&mut self) -> &mut String {
        &mut self.lines[self.row]
    }

    pub fn insert(&mut self, c: char) {
        if c == '\n' {
            self.newline();
            return;
        }
        if c.is_control() && c != '\t' {
            return;
        }
        let col = self.col;
        self.line().insert(col, c);
        self.col += c.len_utf8();
    }

    pub fn insert_str(&mut self, s: &str) {
        for c in unix_newlines(s).chars() {
            self.insert(c);
        }
    }

    fn newline(&mut self) {
        let col = self.col;
        let rest = self.line().split_off(col);
        self.lines.insert(self.row + 1, rest);
        self.row += 1;
        self.col = 0;
    }

    /// Where the grapheme before the cursor starts, in this line.
    fn prev(&self) -> usize {
        self.lines[self.row][..self.col]
            .grapheme_indices(true)
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    /// Where the grapheme after the cursor ends, in this line.
    fn next(&self) -> usize {
        let line = &self.lines[self.row];
        line[self.col..]
            .graphemes(true)
            .next()
            .map_or(self.col, |g| self.col + g.len())
    }

    fn backspace(&mut self) {
        if self.col > 0 {
            let from = self.prev();
            let to = self.col;
            self.line().replace_range(from..to, "");
            self.col = from;
        } else if self.row > 0 {
            let cur = self.lines.remove(self.row);
            self.row -= 1;
            self.col = self.lines[self.row].len();
            self.lines[self.row].push_str(&cur);
        }
    }

    fn delete(&mut self) {
        if self.col < self.lines[self.row].len() {
            let (from, to) = (self.col, self.next());
            self.line().replace_range(from..to, "");
        } else if self.row + 1 < self.lines.len() {
            let next = self.lines.remove(self.row + 1);
            self.line().push_str(&next);
        }
    }

    fn move_vert(&mut self, down: bool) {
        let col = columns(&self.lines[self.row][..self.col]);
        if down && self.row + 1 < self.lines.len() {
            self.row += 1;
        } else if !down && self.row > 0 {
            self.row -= 1;
        }
        self.col = at_column(&self.lines[self.row], col);
    }

    fn move_horiz(&mut self, right: bool) {
        let len = self.lines[self.row].len();
        if right {
            if self.col < len {
                self.col = self.next();
            } else if self.row + 1 < self.lines.len() {
                self.row += 1;
                self.col = 0;
            }
        } else if self.col > 0 {
            self.col = self.prev();
        } else if self.row > 0 {
            self.row -= 1;
            self.col = self.lines[self.row].len();
        }
    }

    /// Applies an editing key; returns whether the key was one.
    pub fn handle(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let after_cr = std::mem::replace(&mut self.after_cr, key.code == KeyCode::Enter);
        match key.code {
            // A raw (unbracketed) paste: CR arrives as Enter, LF as Ctrl-J, CRLF as both.
            KeyCode::Char('j') if ctrl && after_cr => {}
            KeyCode::Char('j') if ctrl => self.newline(),
            KeyCode::Char('u') if ctrl => {
                self.line().clear();
                self.col = 0;
            }
            KeyCode::Char(_) if ctrl || key.modifiers.contains(KeyModifiers::ALT) => return false,
            KeyCode::Char(c) => self.insert(c),
            KeyCode::Tab => self.insert('\t'),
            KeyCode::Enter => self.newline(),
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete => self.delete(),
            KeyCode::Up => self.move_vert(false),
            KeyCode::Down => self.move_vert(true),
            KeyCode::Left => self.move_horiz(false),
            KeyCode::Right => self.move_horiz(true),
            KeyCode::Home => self.col = 0,
            KeyCode::End => self.col = self.lines[self.row].len(),
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn enter_splits_and_backspace_joins() {
        let mut t = TextArea::new("hello world");
        for _ in 0..6 {
            t.handle(k(KeyCode::Left));
        }
        t.handle(k(KeyCode::Enter));
        assert_eq!(t.text(), "hello\n world");
        assert_eq!(t.cursor(), (1, 0));
        t.handle(k(KeyCode::Backspace));
        assert_eq!(t.text(), "hello world");
        assert_eq!(t.cursor(), (0, 5));
    }

    #[test]
    fn every_line_ending_is_one_line_break() {
        let mut t = TextArea::default();
        t.insert_str("a\rb\r\nc\nd");
        assert_eq!(t.text(), "a\nb\nc\nd");
        let ctrl_j = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL);
        let mut raw = TextArea::default();
        for key in [
            k(KeyCode::Char('x')),
            k(KeyCode::Enter),
            ctrl_j,
            k(KeyCode::Char('y')),
            ctrl_j,
            k(KeyCode::Char('z')),
            k(KeyCode::Enter),
            k(KeyCode::Char('w')),
        ] {
            raw.handle(key);
        }
        assert_eq!(raw.text(), "x\ny\nz\nw", "CRLF, LF and CR each break once");
    }

    #[test]
    fn clusters_move_whole_and_columns_are_kept_by_display_width() {
        let mut t = TextArea::new("日本語\nabcdef");
        t.handle(k(KeyCode::Home));
        for _ in 0..2 {
            t.handle(k(KeyCode::Right));
        }
        t.handle(k(KeyCode::Up));
        assert_eq!(
            t.cursor(),
            (0, "日".len()),
            "column 2 is after the first wide character"
        );
        let mut t = TextArea::new("cafe\u{301}");
        t.handle(k(KeyCode::Backspace));
        assert_eq!(t.text(), "caf");
    }

    #[test]
    fn vertical_moves_clamp_the_column() {
        let mut t = TextArea::new("a long line\nab");
        t.handle(k(KeyCode::Up));
        assert_eq!(t.cursor(), (0, 2));
        t.handle(k(KeyCode::End));
        t.handle(k(KeyCode::Down));
        assert_eq!(t.cursor(), (1, 2));
        t.handle(k(KeyCode::Delete));
        t.handle(k(KeyCode::Right));
        assert_eq!(t.cursor(), (1, 2));
        assert!(!t.is_blank());
        assert!(TextArea::new(" \n\t").is_blank());
    }
}
