//! A one-line text field: the editing keys of a shell prompt. The cursor moves over whole
//! grapheme clusters (a letter with its accents is one step) and is drawn at its display column
//! (wide characters take two).

use super::width;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use unicode_segmentation::UnicodeSegmentation;

/// A single-line input. `masked` fields (passwords) render as dots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    text: String,
    /// Cursor position: a byte offset on a grapheme boundary.
    cursor: usize,
    pub masked: bool,
}

impl TextInput {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_string(),
            cursor: text.len(),
            masked: false,
        }
    }

    pub fn masked() -> Self {
        Self {
            masked: true,
            ..Self::default()
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The display column of the cursor in [`display`](Self::display).
    pub fn cursor(&self) -> usize {
        self.shown_width(&self.text[..self.cursor])
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn set(&mut self, text: &str) {
        self.text = text.replace(['\n', '\r'], " ");
        self.cursor = self.text.len();
    }

    /// What to draw: the text, or one bullet per character when masked.
    pub fn display(&self) -> String {
        if self.masked {
            "•".repeat(self.text.graphemes(true).count())
        } else {
            self.text.clone()
        }
    }

    fn shown_width(&self, s: &str) -> usize {
        if self.masked {
            s.graphemes(true).count()
        } else {
            width(s)
        }
    }

    /// Where the grapheme before the cursor starts.
    fn prev(&self) -> usize {
        self.text[..self.cursor]
            .grapheme_indices(true)
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    /// Where the grapheme after the cursor ends.
    fn next(&self) -> usize {
        self.text[self.cursor..]
            .graphemes(true)
            .next()
            .map_or(self.cursor, |g| self.cursor + g.len())
    }

    pub fn insert(&mut self, c: char) {
        if c.is_control() {
            return;
        }
        self.text.insert(self.cursor, c);
        self.cursor += c.len_utf8();
    }

    pub fn insert_str(&mut self, s: &str) {
        for c in super::text_area::unix_newlines(s).chars() {
            self.insert(if c == '\n' || c == '\t' { ' ' } else { c });
        }
    }

    fn backspace(&mut self) {
        let from = self.prev();
        self.text.replace_range(from..self.cursor, "");
        self.cursor = from;
    }

    fn delete(&mut self) {
        let to = self.next();
        self.text.replace_range(self.cursor..to, "");
    }

    fn delete_word(&mut self) {
        let before = &self.text[..self.cursor];
        let trimmed = before.trim_end_matches(' ');
        let start = trimmed.rfind(' ').map_or(0, |i| i + 1);
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Applies an editing key; returns whether the key was one.
    pub fn handle(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let len = self.text.len();
        match key.code {
            KeyCode::Char('u') if ctrl => {
                self.text.clear();
                self.cursor = 0;
            }
            KeyCode::Char('w') if ctrl => self.delete_word(),
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = len,
            KeyCode::Char(_) if ctrl || key.modifiers.contains(KeyModifiers::ALT) => return false,
            KeyCode::Char(c) => self.insert(c),
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete => self.delete(),
            KeyCode::Left => self.cursor = self.prev(),
            KeyCode::Right => self.cursor = self.next(),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn edits_in_the_middle_of_unicode() {
        let mut t = TextInput::new("héllo");
        t.handle(key(KeyCode::Left));
        t.handle(key(KeyCode::Left));
        t.handle(key(KeyCode::Char('X')));
        assert_eq!(t.text(), "hélXlo");
        t.handle(key(KeyCode::Backspace));
        t.handle(key(KeyCode::Backspace));
        assert_eq!(t.text(), "hélo");
        t.handle(key(KeyCode::Home));
        t.handle(key(KeyCode::Delete));
        assert_eq!(t.text(), "élo");
    }

    #[test]
    fn ctrl_w_deletes_a_word_and_paste_flattens_lines() {
        let mut t = TextInput::new("printer on fire");
        t.handle(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(t.text(), "printer on ");
        t.insert_str("a\nb\rc\r\nd");
        assert_eq!(t.text(), "printer on a b c d");
        let m = TextInput {
            masked: true,
            ..TextInput::new("abc")
        };
        assert_eq!(m.display(), "•••");
    }

    #[test]
    fn wide_and_combining_characters_move_and_measure_whole() {
        let mut t = TextInput::new("日本e\u{301}");
        assert_eq!(t.cursor(), 5, "two wide characters and one accented letter");
        t.handle(key(KeyCode::Left));
        assert_eq!(t.cursor(), 4);
        t.handle(key(KeyCode::Left));
        assert_eq!(t.cursor(), 2);
        t.handle(key(KeyCode::Delete));
        assert_eq!(t.text(), "日e\u{301}");
        t.handle(key(KeyCode::End));
        t.handle(key(KeyCode::Backspace));
        assert_eq!(t.text(), "日", "the accent goes with its letter");
    }
}
