//! From what a user typed to a full-text query.
//!
//! Every word of two or more characters matches as a prefix (`docs/API.md`, "Search"). FTS5
//! answers a prefix term by merging the doclists of every word it begins into one list before
//! the first row comes out: a common word at a million tickets costs a walk over all of its
//! matches even for a first page of 50. A list of the words themselves, OR-ed, is read lazily in
//! the index's order instead. So an ASCII prefix is expanded into the index's words that it
//! begins (from the `ticket_search_vocab` table of migration 0007, remembered per data
//! generation like search totals). Words FTS5 folds differently from plain lower-casing
//! (non-ASCII) and prefixes that begin more than 32 words stay prefix terms: those are merged
//! whole, within the search's time budget.

use std::sync::Arc;

use rusqlite::Connection;
use tms_core::api::search_terms;

use crate::store::counts::CountCache;

/// Most words a prefix is expanded into; beyond, it stays a prefix term.
const MAX_EXPANSION: usize = 32;

/// A word as a quoted single-token FTS5 term: nothing the user typed can be FTS5 syntax.
fn quoted(word: &str) -> String {
    format!("\"{word}\"")
}

/// The index's words that `prefix` (lower-case ASCII) begins: at most `MAX_EXPANSION + 1`.
fn expansion(
    conn: &Connection,
    counts: &CountCache,
    prefix: &str,
) -> rusqlite::Result<Arc<[String]>> {
    let generation = counts.generation();
    if let Some(words) = counts.expansion(prefix, generation) {
        return Ok(words);
    }
    let words: Vec<String> = conn
        .prepare_cached(
            "SELECT term FROM ticket_search_vocab WHERE term >= ?1 AND term < ?2 LIMIT ?3",
        )?
        .query_map(
            rusqlite::params![
                prefix,
                format!("{prefix}\u{10FFFF}"),
                i64::try_from(MAX_EXPANSION + 1).unwrap_or(i64::MAX)
            ],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let words: Arc<[String]> = words.into();
    counts.put_expansion(prefix.to_string(), generation, Arc::clone(&words));
    Ok(words)
}

/// The FTS5 query for `input`: its words (`tms_core::api::search_terms`), all of which must
/// match. `None` when nothing can match: no searchable word, or a prefix no word begins.
pub fn fts_query(
    conn: &Connection,
    counts: &CountCache,
    input: &str,
) -> rusqlite::Result<Option<String>> {
    let mut parts = Vec::new();
    for term in search_terms(input) {
        let lower = term.text.to_lowercase();
        if !term.prefix {
            parts.push(quoted(term.text));
        } else if !lower.is_ascii() {
            parts.push(format!("{}*", quoted(term.text)));
        } else {
            let words = expansion(conn, counts, &lower)?;
            match words.len() {
                0 => return Ok(None),
                n if n > MAX_EXPANSION => parts.push(format!("{}*", quoted(&lower))),
                _ => {
                    let any: Vec<String> = words.iter().map(|w| quoted(w)).collect();
                    parts.push(format!("({})", any.join(" OR ")));
                }
            }
        }
    }
    Ok((!parts.is_empty()).then(|| parts.join(" AND ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(texts: &[&str]) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE ticket_search USING fts5 (
                 title, description, comments,
                 content = '', contentless_delete = 1, detail = none,
                 tokenize = 'unicode61 remove_diacritics 2');
             CREATE VIRTUAL TABLE ticket_search_vocab USING fts5vocab(ticket_search, row);",
        )
        .unwrap();
        for (i, t) in texts.iter().enumerate() {
            conn.execute(
                "INSERT INTO ticket_search (rowid, title, description, comments) VALUES (?1, ?2, '', '')",
                rusqlite::params![i as i64 + 1, t],
            )
            .unwrap();
        }
        conn
    }

    fn matches(conn: &Connection, input: &str) -> Vec<i64> {
        let counts = CountCache::default();
        let Some(q) = fts_query(conn, &counts, input).unwrap() else {
            return Vec::new();
        };
        conn.prepare("SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?1 ORDER BY rowid")
            .unwrap()
            .query_map([q], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn every_word_is_a_prefix_whatever_its_length() {
        let conn = index(&[
            "printer jams",
            "printers offline",
            "password reset",
            "Pächter café",
            "a b c",
        ]);
        assert_eq!(matches(&conn, "printer"), [1, 2]);
        assert_eq!(matches(&conn, "PRINT jam"), [1]);
        assert_eq!(matches(&conn, "pass"), [3]);
        assert_eq!(matches(&conn, "pas"), [3]);
        assert_eq!(matches(&conn, "pa"), [3, 4], "Pächter folds to pachter");
        assert_eq!(matches(&conn, "pach"), [4], "diacritics fold");
        assert_eq!(matches(&conn, "pä caf"), [4]);
        assert_eq!(matches(&conn, "b"), [5], "one character is a whole word");
        assert!(matches(&conn, "printerz").is_empty());
        assert!(matches(&conn, "a\" OR 1=1 --").is_empty());
        assert!(matches(&conn, "NEAR(x y)").is_empty());
    }

    #[test]
    fn queries_are_quoted_terms_and_expansions() {
        let conn = index(&["printer printers printing"]);
        let counts = CountCache::default();
        let q = |s: &str| fts_query(&conn, &counts, s).unwrap();
        assert_eq!(
            q("printer").as_deref(),
            Some("(\"printer\" OR \"printers\")")
        );
        assert_eq!(
            q("pri x").as_deref(),
            Some("(\"printer\" OR \"printers\" OR \"printing\") AND \"x\"")
        );
        assert_eq!(q("pä").as_deref(), Some("\"pä\"*"));
        assert_eq!(q("-- **"), None);
        assert_eq!(q("zzzz"), None);
    }
}
