//! The order people expect for names: runs of digits compared as numbers (`user2` before
//! `user11`), letters without regard to case.

use std::cmp::Ordering;

/// Compares `a` and `b` naturally; ties of that order are broken by the plain text, so the
/// order is total.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let m = digits(&mut x);
                let n = digits(&mut y);
                let by_value = m
                    .trim_start_matches('0')
                    .len()
                    .cmp(&n.trim_start_matches('0').len())
                    .then_with(|| m.trim_start_matches('0').cmp(n.trim_start_matches('0')));
                if by_value != Ordering::Equal {
                    return by_value;
                }
            }
            (Some(c), Some(d)) => {
                let order = c.to_lowercase().cmp(d.to_lowercase());
                if order != Ordering::Equal {
                    return order;
                }
                x.next();
                y.next();
            }
        }
    }
}

fn digits(it: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut s = String::new();
    while let Some(c) = it.next_if(char::is_ascii_digit) {
        s.push(c);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::natural_cmp;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| (*s).to_string()).collect();
        v.sort_by(|a, b| natural_cmp(a, b));
        v
    }

    #[test]
    fn numbers_compare_as_numbers() {
        assert_eq!(
            sorted(&["user11", "user2", "user1", "user12", "user10"]),
            ["user1", "user2", "user10", "user11", "user12"]
        );
        assert_eq!(sorted(&["a007", "a7", "a06"]), ["a06", "a007", "a7"]);
        assert_eq!(
            sorted(&["99999999999999999999999", "100000000000000000000000", "9"]),
            ["9", "99999999999999999999999", "100000000000000000000000"]
        );
    }

    #[test]
    fn letters_ignore_case_and_prefixes_come_first() {
        assert_eq!(
            sorted(&["bob", "Alice", "alex", "al", "Bob"]),
            ["al", "alex", "Alice", "Bob", "bob"]
        );
    }
}
