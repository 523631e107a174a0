//! The SQLite engine: every SQLite statement of the server lives under this module, and
//! [`Tx`] answers the storage interface (`crate::store`) with them.
//!
//! One writer thread owns the only write connection and runs each write as a `BEGIN IMMEDIATE`
//! transaction, so concurrent writers queue instead of failing with `SQLITE_BUSY`. Reads run on
//! a few reader threads, each with its own read-only connection; WAL lets them proceed while a
//! write is in flight. Nothing here ever runs on the async worker threads.
//!
//! By responsibility: `connection` (opening, PRAGMAs, private files), `writer` (the writer
//! thread, group commit, search-index upkeep), `readers` (reader and search threads,
//! deadlines), `search` (query building), `counts` (remembered totals), `backup` (backup and
//! restore), `lock` (one server per file), `migrate`; and one module of queries per table.

pub mod bulk;
pub mod comments;
pub use super::counts;
pub mod history;
pub mod keys;
pub mod lock;
pub mod logs;
pub mod migrate;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod stats;
pub mod tickets;
pub mod users;
pub mod views;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    #[error(
        "the database at {} is in use by a running tms-server; stop it first",
        .0.display()
    )]
    InUse(PathBuf),
    #[error("a database task failed: {0}")]
    Task(String),
}

/// A result from the storage layer.
pub type DbResult<T> = Result<T, DbError>;

mod backup;
mod connection;
mod notify;
mod readers;
mod tx;
mod writer;

pub use backup::restore;
pub(crate) use connection::create_dir_private;
pub use connection::open_direct;
pub use readers::is_interrupted;
pub use tx::Tx;
pub(crate) use writer::index_pending;

use connection::{open_writer, restrict_permissions};
use readers::{ReadJob, spawn_readers};
use writer::{Job, writer_loop};

struct Inner {
    path: PathBuf,
    writer: Mutex<mpsc::Sender<Job>>,
    readers: Mutex<mpsc::Sender<ReadJob>>,
    /// Full-text searches run on threads of their own, so that costly searches queue behind
    /// each other and never in front of other reads.
    searchers: Mutex<mpsc::Sender<ReadJob>>,
    /// No read statement runs past this long after it was asked for (the request deadline).
    read_deadline: Duration,
    counts: Arc<counts::CountCache>,
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

impl Db {
    /// Opens (creating if needed) and migrates the database at `path`, with reads stopped 30
    /// seconds after they were asked for.
    pub fn open(path: &Path, readers: usize) -> DbResult<Self> {
        Self::open_with_deadline(path, readers, Duration::from_secs(30))
    }

    /// [`Db::open`] with reads stopped `read_deadline` after they were asked for.
    pub fn open_with_deadline(
        path: &Path,
        readers: usize,
        read_deadline: Duration,
    ) -> DbResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_dir_private(dir)?;
        }
        let mut conn = open_writer(path)?;
        migrate::apply(&mut conn, path)?;
        if migrate::forget_value_samples(&conn)? {
            // This connection loaded the samples with the schema; a new one will not.
            conn = open_writer(path)?;
        }
        // Writes made without the writer thread (command-line tools) left their tickets noted.
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let indexed = index_pending(&conn).and_then(|()| conn.execute_batch("COMMIT"));
        if let Err(e) = indexed {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e.into());
        }
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
        restrict_permissions(path);
        let read_tx = spawn_readers(path, readers, "tms-db-reader")?;
        let search_tx = spawn_readers(path, readers.div_ceil(2), "tms-db-search")?;
        let (tx, rx) = mpsc::channel::<Job>();
        let counts = Arc::new(counts::CountCache::default());
        let writer_counts = Arc::clone(&counts);
        std::thread::Builder::new()
            .name("tms-db-writer".into())
            .spawn(move || writer_loop(conn, rx, writer_counts))
            .map_err(|e| DbError::Task(e.to_string()))?;
        let db = Self {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(tx),
                readers: Mutex::new(read_tx),
                searchers: Mutex::new(search_tx),
                read_deadline,
                counts,
            }),
        };
        db.start_checkpointer()?;
        Ok(db)
    }

    /// Moves committed pages from the WAL into the database file on a thread of its own, so
    /// the fsyncs of checkpointing never sit on the write path. The writer keeps SQLite's
    /// automatic checkpoint only as a backstop for a WAL that grows past ~40 MB.
    fn start_checkpointer(&self) -> DbResult<()> {
        let conn = open_writer(&self.inner.path)?;
        let inner = Arc::downgrade(&self.inner);
        std::thread::Builder::new()
            .name("tms-db-checkpoint".into())
            .spawn(move || {
                while inner.upgrade().is_some() {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(error = %e, "background checkpoint failed");
                    }
                }
            })
            .map_err(|e| DbError::Task(e.to_string()))?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The remembered search totals, kept valid by the writer thread.
    pub fn counts(&self) -> Arc<counts::CountCache> {
        Arc::clone(&self.inner.counts)
    }
}

impl Db {
    /// Runs literal SQL (several statements: the rows of the last) on the writer thread and
    /// returns every value as text. For tests and diagnostics.
    #[doc(hidden)]
    pub fn raw_query(&self, sql: &str) -> DbResult<Vec<Vec<Option<String>>>> {
        use rusqlite::types::ValueRef;
        let sql = sql.to_string();
        self.write_blocking(move |c| {
            let mut statements: Vec<&str> =
                sql.split(';').filter(|s| !s.trim().is_empty()).collect();
            let last = statements.pop().unwrap_or("SELECT 1 WHERE 0");
            for s in statements {
                c.execute_batch(s)?;
            }
            let mut stmt = c.prepare(last)?;
            let n = stmt.column_count();
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let mut values = Vec::with_capacity(n);
                for i in 0..n {
                    values.push(match row.get_ref(i)? {
                        ValueRef::Null => None,
                        ValueRef::Integer(v) => Some(v.to_string()),
                        ValueRef::Real(v) => Some(v.to_string()),
                        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                        ValueRef::Blob(b) => Some(format!("\\x{}", hex::encode(b))),
                    });
                }
                out.push(values);
            }
            Ok(out)
        })
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

#[cfg(test)]
mod tests {
    use super::writer::IDLE;
    use super::*;
    use rusqlite::Connection;
    use std::time::Instant;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_failed_write_undoes_only_itself_within_a_group_commit() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db"), 2).unwrap();
        db.write(|c| {
            c.execute_batch("CREATE TABLE t (n INTEGER NOT NULL)")
                .map_err(DbError::from)
        })
        .await
        .unwrap();
        let writes = (0..200).map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                db.write(move |c| {
                    c.execute("INSERT INTO t (n) VALUES (?1)", [i])?;
                    if i % 3 == 0 {
                        return Err(DbError::Task("refused".into()));
                    }
                    Ok(())
                })
                .await
                .is_ok()
            })
        });
        let mut acknowledged = 0;
        for w in writes {
            acknowledged += i64::from(w.await.unwrap());
        }
        let stored: i64 = db
            .read(|c| {
                c.query_row("SELECT count(*) FROM t WHERE n % 3 <> 0", [], |r| r.get(0))
                    .map_err(DbError::from)
            })
            .await
            .unwrap();
        let refused: i64 = db
            .read(|c| {
                c.query_row("SELECT count(*) FROM t WHERE n % 3 = 0", [], |r| r.get(0))
                    .map_err(DbError::from)
            })
            .await
            .unwrap();
        assert_eq!(acknowledged, 133);
        assert_eq!(stored, 133);
        assert_eq!(refused, 0);
    }

    /// The one user the storage tests file tickets as.
    const TESTER: &str =
        "INSERT INTO users (username, email, role, password_hash, created_at, updated_at)
         VALUES ('tester', 't@example.com', 'Requester', '$argon2id$x', 0, 0)";

    /// Segments of the full-text index.
    fn search_segments(c: &Connection) -> Result<i64, DbError> {
        Ok(c.query_row(
            "SELECT count(DISTINCT segid) FROM ticket_search_idx",
            [],
            |r| r.get(0),
        )?)
    }

    #[tokio::test]
    async fn the_search_index_is_merged_while_no_write_waits() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db"), 1).unwrap();
        db.write(|c| c.execute_batch(TESTER).map_err(DbError::from))
            .await
            .unwrap();
        // One transaction per ticket, each leaving a segment, faster than the idle pause.
        for i in 0..40 {
            db.write(move |c| {
                let t = crate::store::NewTicket {
                    title: &format!("Ticket {i}"),
                    description: "the printer jams",
                    status: tms_core::Status::Open,
                    priority: tms_core::Priority::Low,
                    requester_id: 1,
                    assigned_agent_id: None,
                    resolution_date: None,
                    creation_date: tms_core::timefmt::now(),
                    tags: &[],
                    sla: None,
                };
                tickets::insert(c, &t).map(|_| ()).map_err(DbError::from)
            })
            .await
            .unwrap();
        }
        let before = db.read(search_segments).await.unwrap();
        tokio::time::sleep(IDLE * 10).await;
        let after = db.read(search_segments).await.unwrap();
        assert!(before >= 4, "{before} segments before");
        assert!(after <= 2, "{after} segments after the writer was idle");
        let found: i64 = db
            .read(|c| {
                c.query_row(
                    "SELECT count(*) FROM ticket_search WHERE ticket_search MATCH 'printer'",
                    [],
                    |r| r.get(0),
                )
                .map_err(DbError::from)
            })
            .await
            .unwrap();
        assert_eq!(found, 40);
    }

    #[tokio::test]
    async fn opening_keeps_index_statistics_but_not_value_samples() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = open_direct(&path).unwrap();
        conn.execute_batch(TESTER).unwrap();
        conn.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
             INSERT INTO tickets (title, description, status, priority, creation_date,
                                  updated_at, requester_id)
             SELECT 'Ticket ' || i, 'text', i % 3, i % 3, i, i, 1 FROM n
             WHERE i % 3 <> 2;
             ANALYZE;",
        )
        .unwrap();
        let count = |c: &Connection, table: &str| -> i64 {
            c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap()
        };
        assert!(count(&conn, "sqlite_stat4") > 0, "ANALYZE took samples");
        drop(conn);
        let db = Db::open(&path, 1).unwrap();
        let (samples, stats) = db
            .read(move |c| Ok::<_, DbError>((count(c, "sqlite_stat4"), count(c, "sqlite_stat1"))))
            .await
            .unwrap();
        assert_eq!(samples, 0);
        assert!(stats > 0, "per-index statistics are kept");
    }

    #[test]
    fn only_a_changed_title_or_description_is_indexed_again() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_direct(&dir.path().join("t.db")).unwrap();
        conn.execute_batch(TESTER).unwrap();
        conn.execute_batch(
            "INSERT INTO tickets (title, description, status, priority, creation_date,
                                  updated_at, requester_id)
             VALUES ('Scanner', 'offline', 0, 0, 1, 1, 1);
             DELETE FROM search_pending;",
        )
        .unwrap();
        let pending = |c: &Connection| -> i64 {
            c.query_row("SELECT count(*) FROM search_pending", [], |r| r.get(0))
                .unwrap()
        };
        // Every column set, as `tickets::update` does; only the status differs.
        conn.execute(
            "UPDATE tickets SET title = 'Scanner', description = 'offline', status = 1 WHERE id = 1",
            [],
        )
        .unwrap();
        assert_eq!(pending(&conn), 0);
        conn.execute("UPDATE tickets SET title = 'Scanner jams' WHERE id = 1", [])
            .unwrap();
        assert_eq!(pending(&conn), 1);
    }

    #[tokio::test]
    async fn tickets_written_without_the_writer_are_indexed_when_it_starts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = open_direct(&path).unwrap();
        conn.execute_batch(TESTER).unwrap();
        conn.execute_batch(
            "INSERT INTO tickets (title, description, status, priority, creation_date,
                                  updated_at, requester_id)
             VALUES ('Scanner', 'the scanner is offline', 0, 0, 1, 1, 1);",
        )
        .unwrap();
        drop(conn);
        let db = Db::open(&path, 1).unwrap();
        let (found, pending) = db
            .read(|c| {
                let found: i64 = c.query_row(
                    "SELECT count(*) FROM ticket_search WHERE ticket_search MATCH 'scanner'",
                    [],
                    |r| r.get(0),
                )?;
                let pending: i64 =
                    c.query_row("SELECT count(*) FROM search_pending", [], |r| r.get(0))?;
                Ok::<_, DbError>((found, pending))
            })
            .await
            .unwrap();
        assert_eq!((found, pending), (1, 0));
    }

    /// A query that would never end: counting an endless recursive sequence.
    fn endless(c: &Connection) -> DbResult<i64> {
        Ok(c.query_row(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
            [],
            |r| r.get(0),
        )?)
    }

    fn interrupted(e: &DbError) -> bool {
        matches!(e, DbError::Sqlite(e) if is_interrupted(e))
    }

    #[tokio::test]
    async fn statements_are_interrupted_at_their_deadline_and_the_reader_lives_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_with_deadline(&dir.path().join("t.db"), 1, Duration::from_millis(200))
            .unwrap();
        let started = Instant::now();
        let err = db.read(endless).await.unwrap_err();
        assert!(interrupted(&err), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let err = db
            .search(Duration::from_millis(20), endless)
            .await
            .unwrap_err();
        assert!(interrupted(&err), "{err}");
        // The same connections serve the next reads normally.
        let v: i64 = db
            .read(|c| Ok::<_, DbError>(c.query_row("SELECT 41 + 1", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(v, 42);
    }

    #[tokio::test]
    async fn a_panicking_write_is_an_error_and_the_writer_lives_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db"), 1).unwrap();
        let r: Result<(), DbError> = db.write(|_| panic!("boom")).await;
        assert!(matches!(r, Err(DbError::Task(_))));
        let v: i64 = db
            .write(|c| {
                c.query_row("SELECT 41 + 1", [], |r| r.get(0))
                    .map_err(DbError::from)
            })
            .await
            .unwrap();
        assert_eq!(v, 42);
    }
}
