//! The reader threads: read-only connections serving reads from a queue, a separate set for
//! full-text searches, and every read statement stopped at its deadline.

use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

use super::connection::open_reader;
use super::{Db, DbError, DbResult};

pub(super) type ReadJob = Box<dyn FnOnce(&Connection, &Deadline) + Send>;

/// How many SQLite virtual-machine steps pass between two checks of a read's deadline.
const PROGRESS_STEPS: std::os::raw::c_int = 1000;

/// A reader thread's current deadline, in microseconds since [`clock_start`]; `u64::MAX` when
/// no read runs. The progress handler is installed once per connection and reads this, so a
/// read only stores a number instead of installing and removing a handler.
type Deadline = AtomicU64;

fn clock_start() -> Instant {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *START.get_or_init(Instant::now)
}

fn micros_since_start(t: Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(clock_start()).as_micros()).unwrap_or(u64::MAX)
}

/// Whether a statement was stopped at its deadline by the progress handler.
pub fn is_interrupted(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OperationInterrupted)
}

/// A reader thread: owns one read-only connection and serves jobs from the shared queue.
fn reader_loop(conn: Connection, jobs: Arc<Mutex<mpsc::Receiver<ReadJob>>>) {
    let deadline = Arc::new(Deadline::new(u64::MAX));
    let watched = Arc::clone(&deadline);
    conn.progress_handler(
        PROGRESS_STEPS,
        Some(move || micros_since_start(Instant::now()) >= watched.load(Ordering::Relaxed)),
    );
    loop {
        let job = match jobs.lock() {
            Ok(q) => q.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => {
                job(&conn, &deadline);
                deadline.store(u64::MAX, Ordering::Relaxed);
            }
            Err(_) => return,
        }
    }
}

/// Spawns `n` reader threads serving one queue.
pub(super) fn spawn_readers(path: &Path, n: usize, name: &str) -> DbResult<mpsc::Sender<ReadJob>> {
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

impl Db {
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
        let job: ReadJob = Box::new(move |conn: &Connection, until: &Deadline| {
            // The request went away (client gone, timed out) while this waited: skip it.
            if done.is_closed() {
                return;
            }
            until.store(
                micros_since_start(deadline(Instant::now())),
                Ordering::Relaxed,
            );
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)))
                .unwrap_or_else(|_| Err(E::from(DbError::Task("read panicked".into()))));
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
}
