//! Table column widths fitted to the data and the terminal: numbers and short labels (ids,
//! priority, status, age) keep their full width; free text (titles, names) gives up room first.

/// How one column is sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// Exactly this wide, never shortened: numbers and short labels.
    Fixed(u16),
    /// Text that wants `want` columns and may shrink to `min` (and vanish when even that does
    /// not fit).
    Free { want: u16, min: u16 },
    /// Text that takes whatever room is left, at least `min` while the room lasts.
    Fill { min: u16 },
}

/// A table's header row: each name cut to its column's width.
pub fn header<'a>(
    names: &[&str],
    widths: &[u16],
    style: ratatui::style::Style,
) -> ratatui::widgets::Row<'a> {
    ratatui::widgets::Row::new(
        names.iter().zip(widths).map(|(h, n)| {
            ratatui::widgets::Cell::from(super::clip(h, usize::from(*n))).style(style)
        }),
    )
}

/// The width of a column holding `header` and `cells`: the widest of them.
pub fn widest<S: AsRef<str>>(header: &str, cells: impl IntoIterator<Item = S>) -> u16 {
    let w = cells
        .into_iter()
        .map(|c| crate::widgets::width(c.as_ref()))
        .chain(std::iter::once(crate::widgets::width(header)))
        .max()
        .unwrap_or(0);
    u16::try_from(w).unwrap_or(u16::MAX)
}

/// Widths for `cols` in `width` terminal columns with `spacing` between neighbours. Fixed
/// columns are never cut. Free columns shrink first (evenly, down to their `min`), then the
/// fill column, then free columns disappear; spare room goes to the fill column.
pub fn fit(width: u16, spacing: u16, cols: &[Col]) -> Vec<u16> {
    let gaps = spacing.saturating_mul(u16::try_from(cols.len().saturating_sub(1)).unwrap_or(0));
    let room = width.saturating_sub(gaps);
    let mut w: Vec<u16> = cols
        .iter()
        .map(|c| match *c {
            Col::Fixed(n) => n,
            Col::Free { want, .. } => want,
            Col::Fill { min } => min,
        })
        .collect();
    let total = |w: &[u16]| w.iter().map(|n| u32::from(*n)).sum::<u32>();
    let floor = |c: &Col| match *c {
        Col::Free { min, .. } => min,
        _ => 0,
    };
    // Free columns, evenly, down to their minimum.
    while total(&w) > u32::from(room) {
        let mut shrunk = false;
        for (i, c) in cols.iter().enumerate() {
            if total(&w) > u32::from(room) && matches!(c, Col::Free { .. }) && w[i] > floor(c) {
                w[i] -= 1;
                shrunk = true;
            }
        }
        if !shrunk {
            break;
        }
    }
    // Then the fill column, then whole free columns, last first.
    for (i, c) in cols.iter().enumerate() {
        if matches!(c, Col::Fill { .. }) {
            let over = total(&w).saturating_sub(u32::from(room));
            w[i] = w[i].saturating_sub(u16::try_from(over).unwrap_or(u16::MAX));
        }
    }
    for (i, c) in cols.iter().enumerate().rev() {
        if total(&w) > u32::from(room) && matches!(c, Col::Free { .. }) {
            w[i] = 0;
        }
    }
    let spare = u32::from(room).saturating_sub(total(&w));
    if let Some(i) = cols.iter().position(|c| matches!(c, Col::Fill { .. })) {
        w[i] = w[i].saturating_add(u16::try_from(spare).unwrap_or(u16::MAX));
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUEUE: [Col; 7] = [
        Col::Fixed(5),
        Col::Fixed(6),
        Col::Fixed(11),
        Col::Fill { min: 12 },
        Col::Free { want: 10, min: 6 },
        Col::Free { want: 10, min: 6 },
        Col::Fixed(3),
    ];

    #[test]
    fn wide_terminals_give_the_title_the_rest() {
        assert_eq!(fit(100, 1, &QUEUE), vec![5, 6, 11, 49, 10, 10, 3]);
    }

    #[test]
    fn narrow_terminals_shrink_names_before_the_title_and_never_fixed_columns() {
        let w = fit(60, 1, &QUEUE);
        assert_eq!(&w[..3], &[5, 6, 11]);
        assert_eq!(w[6], 3);
        assert_eq!(w[3], 12, "the title keeps its minimum");
        assert_eq!(w.iter().sum::<u16>() + 6, 60);
        assert!(w[4] < 10 && w[5] < 10, "names gave up room: {w:?}");
    }

    #[test]
    fn very_narrow_terminals_drop_names_but_keep_numbers() {
        let w = fit(40, 1, &QUEUE);
        assert_eq!((w[0], w[1], w[2], w[6]), (5, 6, 11, 3));
        assert!(w.iter().sum::<u16>() <= 40, "{w:?}");
    }

    #[test]
    fn widest_counts_display_columns() {
        assert_eq!(widest("#", ["7", "50243", "12"]), 5);
        assert_eq!(widest("Title", ["日本"]), 5);
        assert_eq!(widest("T", ["日本"]), 4);
    }
}
