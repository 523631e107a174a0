//! Plain tables: columns two spaces apart, sized to their text. On a terminal the table is
//! made to fit its width by cutting the widest columns (ending them in `…`); written anywhere
//! else nothing is cut, so a pipe or a file always gets every character.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The space between two columns.
const GAP: usize = 2;
/// No column is cut narrower than this (or its own width, if less): below it nothing is
/// readable, and a table that still does not fit wraps instead.
const MIN_WIDTH: usize = 5;

/// A header row and rows of cells, one cell per header.
#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Self {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; control characters (a newline in a name) become spaces so that every row
    /// stays one line.
    pub fn push(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push(cells.iter().map(|c| one_line(c)).collect());
    }

    /// The table as lines, each ending in a newline. With `width` (a terminal's), the widest
    /// columns are cut until it fits; `bold` sets the header row in bold.
    pub fn render(&self, width: Option<usize>, bold: bool) -> String {
        let mut widths = self.natural_widths();
        if let Some(w) = width {
            fit(&mut widths, w);
        }
        let mut out = String::new();
        let header = self.line(&self.headers, &widths);
        if bold {
            out.push_str("\x1b[1m");
            out.push_str(&header);
            out.push_str("\x1b[0m");
        } else {
            out.push_str(&header);
        }
        out.push('\n');
        for row in &self.rows {
            out.push_str(&self.line(row, &widths));
            out.push('\n');
        }
        out
    }

    fn natural_widths(&self) -> Vec<usize> {
        (0..self.headers.len())
            .map(|i| {
                std::iter::once(&self.headers[i])
                    .chain(self.rows.iter().map(|r| &r[i]))
                    .map(|c| c.width())
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// One row padded to `widths`; the last column is not padded (no trailing blanks).
    fn line(&self, cells: &[String], widths: &[usize]) -> String {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, (cell, &w)) in cells.iter().zip(widths).enumerate() {
            let text = cut(cell, w);
            out.push_str(&text);
            if i < last {
                let pad = w.saturating_sub(text.width()) + GAP;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out
    }
}

/// Narrows the widest column, one column at a time (the rightmost of equals, usually the
/// free text), until the columns and their gaps fit `total` or none can be cut further.
fn fit(widths: &mut [usize], total: usize) {
    let gaps = GAP * widths.len().saturating_sub(1);
    while widths.iter().sum::<usize>() + gaps > total {
        // `max_by_key` takes the last of equals: the rightmost.
        let Some((i, &w)) = widths.iter().enumerate().max_by_key(|&(_, w)| *w) else {
            return;
        };
        if w <= MIN_WIDTH {
            return;
        }
        widths[i] = w - 1;
    }
}

/// `text` cut to `width` columns, ending in `…` when anything was cut.
fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(&["ID", "STATUS", "TITLE"]);
        t.push(vec!["1".into(), "Open".into(), "Printer jams".into()]);
        t.push(vec![
            "12".into(),
            "In Progress".into(),
            "The VPN drops every hour on the hour".into(),
        ]);
        t
    }

    #[test]
    fn columns_line_up_without_trailing_blanks() {
        let s = sample().render(None, false);
        assert_eq!(
            s,
            "ID  STATUS       TITLE\n\
             1   Open         Printer jams\n\
             12  In Progress  The VPN drops every hour on the hour\n"
        );
    }

    #[test]
    fn on_a_narrow_terminal_the_widest_column_is_cut_with_an_ellipsis() {
        let s = sample().render(Some(40), false);
        for line in s.lines() {
            assert!(line.width() <= 40, "{line:?}");
        }
        assert!(
            s.contains("12  In Progress  The VPN drops every ho…\n"),
            "{s}"
        );
        // Short cells are left whole.
        assert!(s.contains("1   Open         Printer jams\n"), "{s}");
    }

    #[test]
    fn columns_are_cut_no_narrower_than_readable() {
        let s = sample().render(Some(10), false);
        let first = s.lines().nth(2).unwrap();
        assert!(first.starts_with("12  In P…  The …"), "{first:?}");
    }

    #[test]
    fn wide_characters_count_as_two_columns() {
        let mut t = Table::new(&["A", "B"]);
        t.push(vec!["日本語のタイトル".into(), "x".into()]);
        t.push(vec!["y".into(), "z".into()]);
        let s = t.render(Some(12), false);
        for line in s.lines() {
            assert!(line.width() <= 12, "{line:?}");
        }
        assert!(s.contains("日本語の…"), "{s}");
    }

    #[test]
    fn control_characters_cannot_break_a_row() {
        let mut t = Table::new(&["A"]);
        t.push(vec!["two\nlines\x1b[31m".into()]);
        assert_eq!(t.render(None, false), "A\ntwo lines [31m\n");
    }

    #[test]
    fn the_header_can_be_bold() {
        let s = sample().render(None, true);
        assert!(
            s.starts_with("\x1b[1mID  STATUS       TITLE\x1b[0m\n"),
            "{s}"
        );
    }
}
