//! Backup of a live database and restore of a backup, both through SQLite's online backup.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

use super::connection::{create_new_private, open_reader, open_writer, restrict_permissions};
use super::{Db, DbError, DbResult, lock};

impl Db {
    /// A consistent copy of the live database at `dest` (SQLite online backup), safe while
    /// the server writes.
    /// `dest` must not exist: a backup never overwrites a file (which could belong to someone
    /// else, who could then read the copy), and is created owner-only.
    pub fn backup_to(&self, dest: &Path) -> DbResult<()> {
        let src = open_reader(&self.inner.path)?;
        create_new_private(dest)?;
        let mut dst = Connection::open(dest)?;
        {
            let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
            backup.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
        }
        drop(dst);
        restrict_permissions(dest);
        Ok(())
    }
}

/// Replaces the database at `live` with the backup at `src`, through SQLite rather than by
/// copying files: a write-ahead log left next to `live` by the stopped server belongs to the
/// old database, and would be replayed over a copied-in file and corrupt it. The server must
/// be stopped. A damaged backup is refused before anything is touched. Every session ends.
pub fn restore(live: &Path, src: &Path) -> DbResult<()> {
    // Held until the restore is done: no server can start on the database meanwhile.
    let _serving = lock::lock(live)?;
    let source = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let check: String = source.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(DbError::Task(format!(
            "{} is not a sound database: {check}",
            src.display()
        )));
    }
    // A sound SQLite file need not be a tms database: check before anything is overwritten.
    let version: i64 = source.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let has_sessions: bool = source.query_row(
        "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'sessions'",
        [],
        |r| r.get(0),
    )?;
    if !(1..=super::migrate::latest()).contains(&version) || !has_sessions {
        return Err(DbError::Task(format!(
            "{} is not a tms database this tms-server can restore (schema version {version})",
            src.display()
        )));
    }
    let mut dst = open_writer(live)?;
    {
        let backup = rusqlite::backup::Backup::new(&source, &mut dst)?;
        backup.run_to_completion(1024, std::time::Duration::ZERO, None)?;
    }
    // Sessions in the copy may have ended since (logout, password change): none survive.
    dst.execute_batch("DELETE FROM sessions; PRAGMA wal_checkpoint(TRUNCATE);")?;
    drop(dst);
    restrict_permissions(live);
    Ok(())
}
