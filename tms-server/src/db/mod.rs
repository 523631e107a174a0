//! The storage layer: every SQL statement of the server lives under this module.
//!
//! One writer thread owns the only write connection and runs each write as a `BEGIN IMMEDIATE`
//! transaction, so concurrent writers queue instead of failing with `SQLITE_BUSY`. Reads run on
//! a few reader threads, each with its own read-only connection; WAL lets them proceed while a
//! write is in flight. Nothing here ever runs on the async worker threads.

pub mod bulk;
pub mod comments;
pub mod counts;
pub mod history;
pub mod keys;
pub mod lock;
pub mod logs;
pub mod migrate;
pub mod search;
pub mod sessions;
pub mod tickets;
pub mod users;

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

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

/// A write: runs inside a savepoint of the writer's current transaction and returns what to
/// do once that transaction has committed (`None`) or failed (`Some(error)`).
type Job = Box<dyn FnOnce(&Connection) -> Completion + Send>;
type Completion = Box<dyn FnOnce(Option<DbError>) + Send>;

/// Most writes committed together in one transaction (group commit).
const MAX_BATCH: usize = 64;

type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

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

/// How many SQLite virtual-machine steps pass between two checks of a read's deadline.
const PROGRESS_STEPS: std::os::raw::c_int = 1000;

/// Whether a statement was stopped at its deadline by the progress handler.
pub fn is_interrupted(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OperationInterrupted)
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

fn configure(conn: &Connection, cache_kib: u32) -> rusqlite::Result<()> {
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

fn open_writer(path: &Path) -> DbResult<Connection> {
    create_private(path);
    let conn = Connection::open(path)?;
    restrict_permissions(path);
    conn.pragma_update(None, "journal_mode", "WAL")?;
    configure(&conn, 16 * 1024)?;
    Ok(conn)
}

fn open_reader(path: &Path) -> DbResult<Connection> {
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
fn create_private(path: &Path) {
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
fn create_new_private(path: &Path) -> DbResult<()> {
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

/// The writer thread. Writes that queued up while the previous batch committed go into one
/// transaction, each in its own savepoint (a failed write rolls back only itself); nobody is
/// answered before the commit, so an acknowledged write is a committed one.
///
/// Once a batch that touched tickets or comments has committed (or failed), the remembered
/// search totals are stale. Such a batch also leaves a small segment in the full-text index;
/// when no write has been waiting for [`IDLE`], the writer merges segments a step at a time
/// ([`merge_search_index`]) until there is nothing left to merge.
fn writer_loop(conn: Connection, jobs: mpsc::Receiver<Job>, counts: Arc<counts::CountCache>) {
    // What the batch's writes touched, as the update hook saw them (it fires for rows that
    // triggers change too): tickets or comments, and tickets noted for the search index.
    let touched = Arc::new(AtomicBool::new(false));
    let queued = Arc::new(AtomicBool::new(false));
    let (touched_flag, queued_flag) = (Arc::clone(&touched), Arc::clone(&queued));
    conn.update_hook(Some(
        move |_: rusqlite::hooks::Action, _: &str, table: &str, _: i64| match table {
            "tickets" | "comments" => touched_flag.store(true, Ordering::Relaxed),
            "search_pending" => queued_flag.store(true, Ordering::Relaxed),
            _ => {}
        },
    ));
    let mut index_to_merge = true;
    loop {
        // Idle with nothing to merge: sleep until the next write.
        let next = if index_to_merge {
            jobs.recv_timeout(IDLE)
        } else {
            jobs.recv()
                .map_err(|_| mpsc::RecvTimeoutError::Disconnected)
        };
        let first = match next {
            Ok(job) => job,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                index_to_merge = merge_search_index(&conn);
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            // Dropping the jobs answers their callers with `DbError::Closed`.
            tracing::error!(error = %e, writes = batch.len(), "cannot begin a write transaction");
            continue;
        }
        let done: Vec<Completion> = batch.into_iter().map(|job| job(&conn)).collect();
        // Sessions, logins and log entries queue nothing: no index work for their batches.
        let indexed = if queued.swap(false, Ordering::Relaxed) {
            index_pending(&conn)
        } else {
            Ok(())
        };
        let outcome = indexed
            .and_then(|()| conn.execute_batch("COMMIT"))
            .map_err(DbError::from);
        if outcome.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        if touched.swap(false, Ordering::Relaxed) {
            counts.invalidate();
            index_to_merge = true;
        }
        for finish in done {
            finish(outcome.as_ref().err().map(|e| DbError::Task(e.to_string())));
        }
    }
}

/// Indexes the tickets the search triggers noted (migration 0005) and clears the note: once per
/// batch, after its writes and before its commit, outside any write's savepoint.
fn index_pending(conn: &Connection) -> rusqlite::Result<()> {
    // One by one: with `rowid IN (subquery)` the full-text table is scanned whole.
    let changed: Vec<i64> = conn
        .prepare_cached("SELECT ticket_id FROM search_pending WHERE is_new = 0")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut unindex = conn.prepare_cached("DELETE FROM ticket_search WHERE rowid = ?1")?;
    for id in changed {
        unindex.execute([id])?;
    }
    conn.prepare_cached(
        "INSERT INTO ticket_search (rowid, title, description, comments)
         SELECT t.id, t.title, t.description,
                coalesce((SELECT group_concat(c.description, char(10))
                          FROM comments c WHERE c.ticket_id = t.id), '')
         FROM search_pending p CROSS JOIN tickets t ON t.id = p.ticket_id",
    )?
    .execute([])?;
    conn.prepare_cached("DELETE FROM search_pending")?
        .execute([])?;
    Ok(())
}

/// How long the writer waits without a write before it does maintenance.
const IDLE: std::time::Duration = std::time::Duration::from_millis(50);

/// Pages of the full-text index one maintenance step may rewrite (~1 MB; a few milliseconds).
const MERGE_PAGES: i64 = 256;

/// One bounded step of merging the full-text index's segments (those sharing a level, as
/// migration 0004 configures). Returns whether it found work, i.e. whether to step again.
fn merge_search_index(conn: &Connection) -> bool {
    let before = conn.total_changes();
    let merged = conn.execute(
        "INSERT INTO ticket_search (ticket_search, rank) VALUES ('merge', ?1)",
        [MERGE_PAGES],
    );
    match merged {
        Ok(_) => conn.total_changes() - before > 1,
        Err(e) => {
            tracing::warn!(error = %e, "merging the search index failed");
            false
        }
    }
}

/// Runs one write inside a savepoint, undoing only it on failure or panic.
fn in_savepoint<T, E: From<DbError>>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    conn.execute_batch("SAVEPOINT w").map_err(DbError::from)?;
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)))
        .unwrap_or_else(|_| Err(E::from(DbError::Task("write panicked".into()))));
    let end = if out.is_ok() {
        "RELEASE w"
    } else {
        "ROLLBACK TO w; RELEASE w"
    };
    conn.execute_batch(end).map_err(DbError::from)?;
    out
}

/// A reader thread: owns one read-only connection and serves jobs from the shared queue.
fn reader_loop(conn: Connection, jobs: Arc<Mutex<mpsc::Receiver<ReadJob>>>) {
    loop {
        let job = match jobs.lock() {
            Ok(q) => q.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(&conn),
            Err(_) => return,
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

/// Spawns `n` reader threads serving one queue.
fn spawn_readers(path: &Path, n: usize, name: &str) -> DbResult<mpsc::Sender<ReadJob>> {
    let (read_tx, read_rx) = mpsc::channel::<ReadJob>();
    let read_rx = Arc::new(Mutex::new(read_rx));
    for i in 0..n.max(1) {
        let reader = open_reader(path)?;
        let queue = Arc::clone(&read_rx);
        std::thread::Builder::new()
            .name(format!("{name}-{i}"))
            .spawn(move || reader_loop(reader, queue))
            .map_err(|e| DbError::Task(e.to_string()))?;
    }
    Ok(read_tx)
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

    fn submit<T, E, F>(&self, f: F) -> oneshot::Receiver<Result<T, E>>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |conn: &Connection| {
            let outcome = in_savepoint(conn, f);
            Box::new(move |commit_error: Option<DbError>| {
                let outcome = match commit_error {
                    Some(e) => Err(E::from(e)),
                    None => outcome,
                };
                let _ = done.send(outcome);
            })
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

    /// Runs `f` on the writer thread as one atomic unit: everything it did is committed if it
    /// returns `Ok` (before this returns), and undone otherwise. Writes are serialised, never
    /// refused as busy.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
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
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.submit(f)
            .blocking_recv()
            .unwrap_or_else(|_| Err(E::from(DbError::Closed)))
    }

    /// Runs `f` on one of the reader threads' read-only connections. A fixed set of threads
    /// bounds both concurrency and memory; WAL lets them read while the writer writes. A
    /// statement still running at the read deadline is interrupted.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let deadline = Instant::now() + self.inner.read_deadline;
        self.read_on(&self.inner.readers, f, move |_| deadline)
            .await
    }

    /// Runs a full-text search `f` on the search threads; a statement still running `budget`
    /// after the search started (or at the read deadline) is interrupted.
    pub async fn search<T, E, F>(&self, budget: Duration, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let deadline = Instant::now() + self.inner.read_deadline;
        self.read_on(&self.inner.searchers, f, move |started| {
            (started + budget).min(deadline)
        })
        .await
    }

    async fn read_on<T, E, F>(
        &self,
        queue: &Mutex<mpsc::Sender<ReadJob>>,
        f: F,
        deadline: impl FnOnce(Instant) -> Instant + Send + 'static,
    ) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let job: ReadJob = Box::new(move |conn: &Connection| {
            // The request went away (client gone, timed out) while this waited: skip it.
            if done.is_closed() {
                return;
            }
            let deadline = deadline(Instant::now());
            conn.progress_handler(PROGRESS_STEPS, Some(move || Instant::now() >= deadline));
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)))
                .unwrap_or_else(|_| Err(E::from(DbError::Task("read panicked".into()))));
            conn.progress_handler(0, None::<fn() -> bool>);
            let _ = done.send(outcome);
        });
        let sent = queue.lock().map(|r| r.send(job).is_ok()).unwrap_or(false);
        if !sent {
            return Err(E::from(DbError::Closed));
        }
        result
            .await
            .unwrap_or_else(|_| Err(E::from(DbError::Closed)))
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
    use super::*;

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
                let t = tickets::NewTicket {
                    title: &format!("Ticket {i}"),
                    description: "the printer jams",
                    status: tms_core::Status::Open,
                    priority: tms_core::Priority::Low,
                    requester_id: 1,
                    assigned_agent_id: None,
                    resolution_date: None,
                    creation_date: tms_core::timefmt::now(),
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
