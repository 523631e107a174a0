//! Schema migrations: the numbered files of `migrations/`, embedded at build time, applied in
//! one transaction and tracked in `PRAGMA user_version`.

use super::{DbError, DbResult};
use rusqlite::Connection;
use std::path::Path;

/// Every migration, in order; index + 1 is the schema version it produces.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../../../migrations/sqlite/0001_init.sql"),
    include_str!("../../../../migrations/sqlite/0002_ticket_counts.sql"),
    include_str!("../../../../migrations/sqlite/0003_search_detail_none.sql"),
    include_str!("../../../../migrations/sqlite/0004_search_merge.sql"),
    include_str!("../../../../migrations/sqlite/0005_search_queue.sql"),
    include_str!("../../../../migrations/sqlite/0006_server_keys.sql"),
    include_str!("../../../../migrations/sqlite/0007_search_vocabulary.sql"),
    include_str!("../../../../migrations/sqlite/0008_ticket_history.sql"),
    include_str!("../../../../migrations/sqlite/0009_login_failures.sql"),
    include_str!("../../../../migrations/sqlite/0010_ticket_version.sql"),
    include_str!("../../../../migrations/sqlite/0011_views.sql"),
    include_str!("../../../../migrations/sqlite/0012_waiting_tags_notes.sql"),
    include_str!("../../../../migrations/sqlite/0013_assignment.sql"),
    include_str!("../../../../migrations/sqlite/0014_sla.sql"),
    include_str!("../../../../migrations/sqlite/0015_bcrypt_hashes.sql"),
    include_str!("../../../../migrations/sqlite/0016_notifications.sql"),
    include_str!("../../../../migrations/sqlite/0017_dashboard.sql"),
];

/// The schema version this binary writes.
pub fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the database up to [`latest`]; refuses one that is newer.
pub fn apply(conn: &mut Connection, path: &Path) -> DbResult<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > latest() {
        return Err(DbError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: latest(),
        });
    }
    if found == latest() {
        return Ok(());
    }
    // Foreign keys off while migrating, as SQLite's procedure for rebuilding a table asks
    // (dropping a parent table would otherwise delete its children through ON DELETE
    // CASCADE), and checked before committing. The setting cannot change inside a
    // transaction, so it changes around it, and is restored whatever happens.
    let enforced: bool = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
    let analysed = has_statistics(conn)?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let outcome = migrate(conn, found);
    conn.pragma_update(None, "foreign_keys", enforced)?;
    outcome?;
    if analysed && found < REBUILT_TICKETS {
        // A rebuilt table loses its planner statistics with the old one; the list and search
        // plans were chosen with them (`bulk::finish` gathers them after a bulk load).
        conn.execute_batch("ANALYZE tickets; ANALYZE ticket_history;")?;
    }
    Ok(())
}

/// The migration that rebuilt `tickets` and `ticket_history` (0012).
const REBUILT_TICKETS: i64 = 12;

/// Whether `ANALYZE` has gathered statistics on the tickets.
fn has_statistics(conn: &Connection) -> rusqlite::Result<bool> {
    let has_table: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(false);
    }
    conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_stat1 WHERE tbl = 'tickets'",
        [],
        |r| r.get(0),
    )
}

fn migrate(conn: &mut Connection, found: i64) -> DbResult<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
    for sql in &MIGRATIONS[usize::try_from(found).unwrap_or(0)..] {
        tx.execute_batch(sql)?;
    }
    let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    if broken > 0 {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
            Some(format!("{broken} rows break a foreign key after migrating")),
        )
        .into());
    }
    tx.pragma_update(None, "user_version", latest())?;
    tx.commit()?;
    Ok(())
}

/// Deletes the value samples `ANALYZE` keeps (`sqlite_stat4`) when there are any, keeping the
/// per-index statistics (`sqlite_stat1`). With samples, SQLite recompiles a statement whenever
/// a value bound to a constrained column changes, so every list, search and thread query was
/// parsed and planned again on every request; their plans do not depend on the values.
/// Returns whether anything was deleted: connections opened before then still hold the samples.
pub fn forget_value_samples(conn: &Connection) -> rusqlite::Result<bool> {
    let has_table: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat4'",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(false);
    }
    Ok(conn.execute("DELETE FROM sqlite_stat4", [])? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_to_an_empty_database_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        apply(&mut conn, &path).unwrap();
        apply(&mut conn, &path).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, latest());
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%_search_%' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            tables,
            [
                "activity_log",
                "comments",
                "login_failures",
                "notify_settings",
                "outbox",
                "public_search",
                "search_pending",
                "server_keys",
                "sessions",
                "settings",
                "ticket_counts",
                "ticket_history",
                "ticket_search",
                "ticket_tags",
                "tickets",
                "users",
                "views",
                "webhooks"
            ]
        );
    }

    #[test]
    fn the_waiting_migration_keeps_every_row_and_renumbers_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        for sql in &MIGRATIONS[..11] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 11).unwrap();
        conn.execute_batch(
            "INSERT INTO users VALUES (1, 'ann', 'ann@example.com', 'Requester', 1, '$argon2id$x', 0, 0);
             INSERT INTO tickets (id, title, description, status, priority, creation_date,
                                  updated_at, resolution_date, requester_id)
             VALUES (1, 'open', 'd', 0, 1, 0, 0, NULL, 1), (2, 'done', 'd', 2, 1, 0, 0, 5, 1),
                    (3, 'gone', 'd', 0, 1, 0, 0, NULL, 1);
             INSERT INTO comments (ticket_id, commented_by_id, description, creation_date, updated_at)
             VALUES (2, 1, 'thanks', 0, 0);
             INSERT INTO ticket_history (ticket_id, at, actor_id, kind, old_value, new_value)
             VALUES (2, 0, 1, 'status', 'Open', 'Resolved');
             DELETE FROM tickets WHERE id = 3;
             ANALYZE;",
        )
        .unwrap();
        apply(&mut conn, &path).unwrap();
        let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            one("SELECT status FROM tickets WHERE id = 2"),
            3,
            "Resolved is 3"
        );
        assert_eq!(one("SELECT status FROM tickets WHERE id = 1"), 0);
        assert_eq!(
            one("SELECT count(*) FROM comments"),
            1,
            "no cascade on the rebuild"
        );
        assert_eq!(one("SELECT count(*) FROM ticket_history"), 1);
        assert_eq!(one("SELECT n FROM ticket_counts WHERE status = 3"), 1);
        assert_eq!(one("PRAGMA foreign_keys"), 1, "enforced again");
        assert!(
            one("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'tickets'") > 0,
            "the rebuilt table's statistics gathered again"
        );
        conn.execute(
            "INSERT INTO tickets (title, description, status, priority, creation_date, updated_at,
                                  requester_id, tags)
             VALUES ('new', 'd', 2, 0, 0, 0, 1, '[\"vpn\"]')",
            [],
        )
        .unwrap();
        assert_eq!(
            one("SELECT max(id) FROM tickets"),
            4,
            "number 3 is never given again"
        );
        assert_eq!(one("SELECT count(*) FROM ticket_tags WHERE tag = 'vpn'"), 1);
        assert_eq!(
            one("SELECT n FROM ticket_counts WHERE status = 2"),
            1,
            "Waiting counted"
        );
    }

    #[test]
    fn refuses_a_newer_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", latest() + 1)
            .unwrap();
        let err = apply(&mut conn, &path).unwrap_err();
        assert!(matches!(err, DbError::TooNew { .. }));
        assert!(
            err.to_string()
                .contains("newer than this tms-server supports")
        );
    }
}
