//! Soft wrapping by display width: a line split into rows that fit a width in terminal
//! columns, breaking after spaces where it can and inside words only when it must; grapheme
//! clusters (a letter and its accents, wide characters) are never split.

use std::ops::Range;
use unicode_segmentation::UnicodeSegmentation;

/// Terminal columns of one grapheme cluster; a tab is drawn as one space.
pub fn grapheme_width(g: &str) -> usize {
    if g == "\t" { 1 } else { super::width(g) }
}

/// The byte ranges of `line` that make its rows at `width` columns. A space that reaches past
/// the edge hangs at the end of its row; an empty line is one empty row.
pub fn wrap_line(line: &str, width: usize) -> Vec<Range<usize>> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let (mut start, mut used) = (0, 0);
    // Where the row may end: just after the last space, and the columns up to there.
    let mut brk: Option<(usize, usize)> = None;
    for (at, g) in line.grapheme_indices(true) {
        let w = grapheme_width(g);
        let space = g == " ";
        if used + w > width && at > start {
            if space {
                rows.push(start..at + g.len());
                (start, used, brk) = (at + g.len(), 0, None);
                continue;
            }
            match brk {
                Some((b, cols)) if b > start => {
                    rows.push(start..b);
                    start = b;
                    used -= cols;
                }
                _ => {
                    rows.push(start..at);
                    (start, used) = (at, 0);
                }
            }
            brk = None;
        }
        used += w;
        if space {
            brk = Some((at + g.len(), used));
        }
    }
    rows.push(start..line.len());
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(line: &str, width: usize) -> Vec<&str> {
        wrap_line(line, width)
            .into_iter()
            .map(|r| &line[r])
            .collect()
    }

    #[test]
    fn breaks_after_spaces_and_inside_long_words() {
        assert_eq!(rows("aa bb cc", 5), ["aa bb ", "cc"]);
        assert_eq!(rows("one two three", 9), ["one two ", "three"]);
        assert_eq!(rows("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(rows("", 4), [""]);
    }

    #[test]
    fn measures_display_columns_and_keeps_clusters_whole() {
        assert_eq!(rows("日本語テキスト", 4), ["日本", "語テ", "キス", "ト"]);
        let accented = "e\u{301}e\u{301}e\u{301}";
        assert_eq!(rows(accented, 2), ["e\u{301}e\u{301}", "e\u{301}"]);
    }
}
