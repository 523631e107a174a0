//! Opening connections: the PRAGMAs every connection gets, the writer's and the readers'
//! connections, and the owner-only files and directories a database lives in.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

use super::{DbError, DbResult, migrate};

pub(super) fn configure(conn: &Connection, cache_kib: u32) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Page cache per connection, in KiB (negative). The writer's is the larger: it walks
    // every index a change touches. Resident memory is what bounds these (see BENCHMARKS.md).
    conn.pragma_update(None, "cache_size", -i64::from(cache_kib))?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

pub(super) fn open_writer(path: &Path) -> DbResult<Connection> {
    create_private(path);
    let conn = Connection::open(path)?;
    restrict_permissions(path);
    conn.pragma_update(None, "journal_mode", "WAL")?;
    configure(&conn, 16 * 1024)?;
    Ok(conn)
}

pub(super) fn open_reader(path: &Path) -> DbResult<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    configure(&conn, 8 * 1024)?;
    conn.pragma_update(None, "query_only", "ON")?;
    Ok(conn)
}

/// Creates `path` empty and owner-only if it does not exist yet, so that a new database is
/// never readable by others, not even before [`restrict_permissions`] runs. SQLite gives the
/// `-wal` and `-shm` files the permissions of the database file.
pub(super) fn create_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let _ = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
    }
}

/// Creates `path` empty and owner-only; refuses if anything is there already.
pub(super) fn create_new_private(path: &Path) -> DbResult<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(DbError::Task(format!(
            "{} already exists; a backup never overwrites a file: choose a new name",
            path.display()
        ))),
        Err(e) => Err(DbError::Task(format!("{}: {e}", path.display()))),
    }
}

/// The database and its WAL files hold password hashes: owner-only.
pub(super) fn restrict_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
        }
    }
}

/// One migrated write connection outside the writer thread, for offline bulk loading (the
/// data generator) while no server uses the database.
pub fn open_direct(path: &Path) -> DbResult<Connection> {
    let mut conn = open_writer(path)?;
    migrate::apply(&mut conn, path)?;
    Ok(conn)
}

/// Creates the directory of a new database owner-only: it will hold the database's
/// write-ahead log and shared-memory files, and backups are often written beside it.
pub(crate) fn create_dir_private(dir: &Path) -> DbResult<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| DbError::Task(format!("{}: {e}", dir.display())))
}
