//! The storage layer: every SQL statement of the server lives under this module.
//!
//! One writer thread owns the only write connection and runs each write as a `BEGIN IMMEDIATE`
//! transaction, so concurrent writers queue instead of failing with `SQLITE_BUSY`. Reads run on
//! a small pool of read-only connections on the blocking thread pool; WAL lets them proceed
//! while a write is in flight. Nothing here ever runs on the async worker threads.

pub mod bulk;
pub mod comments;
pub mod logs;
pub mod migrate;
pub mod sessions;
pub mod tickets;
pub mod users;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use tokio::sync::{Semaphore, oneshot};

/// A storage failure. Client input never causes one: it is refused before reaching SQL, or
/// mapped to a 4xx by the caller.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database at {path} has schema version {found}, newer than this tms-server supports ({supported}); upgrade tms-server"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("the database is shutting down")]
    Closed,
    #[error("a database task failed: {0}")]
    Task(String),
}

/// A result from the storage layer.
pub type DbResult<T> = Result<T, DbError>;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

struct Inner {
    path: PathBuf,
    writer: Mutex<mpsc::Sender<Job>>,
    readers: Mutex<Vec<Connection>>,
    read_permits: Semaphore,
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -16_000)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

fn open_writer(path: &Path) -> DbResult<Connection> {
    let conn = Connection::open(path)?;
    restrict_permissions(path);
    conn.pragma_update(None, "journal_mode", "WAL")?;
    configure(&conn)?;
    Ok(conn)
}

fn open_reader(path: &Path) -> DbResult<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    configure(&conn)?;
    conn.pragma_update(None, "query_only", "ON")?;
    Ok(conn)
}

/// The database and its WAL files hold password hashes: owner-only.
fn restrict_permissions(path: &Path) {
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

fn writer_loop(mut conn: Connection, jobs: mpsc::Receiver<Job>) {
    while let Ok(job) = jobs.recv() {
        job(&mut conn);
    }
}

/// One migrated write connection outside the writer thread, for offline bulk loading (the
/// data generator) while no server uses the database.
pub fn open_direct(path: &Path) -> DbResult<Connection> {
    let mut conn = open_writer(path)?;
    migrate::apply(&mut conn, path)?;
    Ok(conn)
}

impl Db {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path, readers: usize) -> DbResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbError::Task(format!("{}: {e}", dir.display())))?;
        }
        let mut conn = open_writer(path)?;
        migrate::apply(&mut conn, path)?;
        restrict_permissions(path);
        let readers = readers.max(1);
        let pool = (0..readers)
            .map(|_| open_reader(path))
            .collect::<DbResult<Vec<_>>>()?;
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("tms-db-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|e| DbError::Task(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(tx),
                readers: Mutex::new(pool),
                read_permits: Semaphore::new(readers),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn submit<T, E, F>(&self, f: F) -> oneshot::Receiver<Result<T, E>>
    where
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |conn: &mut Connection| {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(DbError::from)?;
                let value = f(&tx)?;
                tx.commit().map_err(DbError::from)?;
                Ok(value)
            }));
            let outcome =
                outcome.unwrap_or_else(|_| Err(E::from(DbError::Task("write panicked".into()))));
            let _ = done.send(outcome);
        });
        let sent = self
            .inner
            .writer
            .lock()
            .map(|w| w.send(job).is_ok())
            .unwrap_or(false);
        if !sent {
            tracing::error!("database writer is gone");
        }
        result
    }

    /// Runs `f` inside one write transaction on the writer thread; commits if it returns `Ok`,
    /// rolls back otherwise. Writes are serialised, never refused as busy.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.submit(f)
            .await
            .unwrap_or_else(|_| Err(E::from(DbError::Closed)))
    }

    /// [`Db::write`] for synchronous callers (command-line tools), never from async code.
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.submit(f)
            .blocking_recv()
            .unwrap_or_else(|_| Err(E::from(DbError::Closed)))
    }

    /// Runs `f` on a pooled read-only connection on the blocking thread pool.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let _permit = self
            .inner
            .read_permits
            .acquire()
            .await
            .map_err(|_| E::from(DbError::Closed))?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let conn = inner
                .readers
                .lock()
                .map_err(|_| E::from(DbError::Closed))?
                .pop()
                .ok_or_else(|| E::from(DbError::Closed))?;
            let out = f(&conn);
            if let Ok(mut pool) = inner.readers.lock() {
                pool.push(conn);
            }
            out
        })
        .await
        .unwrap_or_else(|e| Err(E::from(DbError::Task(e.to_string()))))
    }

    /// [`Db::read`] for synchronous callers.
    pub fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E>,
        E: From<DbError>,
    {
        let conn = open_reader(&self.inner.path)?;
        f(&conn)
    }

    /// A consistent copy of the live database at `dest` (SQLite online backup), safe while
    /// the server writes.
    pub fn backup_to(&self, dest: &Path) -> DbResult<()> {
        let src = open_reader(&self.inner.path)?;
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

/// Reads a row's `INTEGER` microseconds column as a timestamp.
pub(crate) fn ts(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<tms_core::timefmt::Timestamp> {
    row.get::<_, i64>(idx).map(tms_core::timefmt::from_micros)
}

/// Like [`ts`] for a nullable column.
pub(crate) fn ts_opt(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<tms_core::timefmt::Timestamp>> {
    Ok(row
        .get::<_, Option<i64>>(idx)?
        .map(tms_core::timefmt::from_micros))
}

/// Parses a wire string stored in a TEXT column (checked by the schema).
pub(crate) fn wire<T: std::str::FromStr>(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let s: String = row.get(idx)?;
    s.parse::<T>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}
