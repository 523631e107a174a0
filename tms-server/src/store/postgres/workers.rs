//! The threads that run use cases on PostgreSQL: each owns one connection and drives it
//! itself (`docs/ARCHITECTURE.md`, "Storage"; measured in `BENCHMARKS.md`).
//!
//! A use case is a synchronous script that waits for each statement's reply
//! (`store::Write`). Run on a blocking thread over a pooled connection whose I/O another
//! runtime's thread drives, every statement crosses threads twice (the request out, the reply
//! back), and the script reaches that thread once more per use case. Here the thread that runs
//! the script also reads and writes the connection's socket (a single-threaded runtime of its
//! own, entered for each statement), so a statement costs one round trip to the database and
//! no hand-off between threads; a use case costs two (its job in, its result out), as on the
//! SQLite engine's reader threads.
//!
//! A job goes to the worker that became idle last (or waits for the next), so that a lightly
//! loaded server keeps using the same few connections. A worker connects when it first needs
//! to, and again after its connection broke (found before a job starts, or failing that job).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, mpsc};

use tokio::runtime::Runtime;
use tokio_postgres::{Client, Config, NoTls, Statement};

use crate::store::StoreError;

/// One worker's connection and the statements prepared on it.
pub struct Conn {
    pub(super) client: Client,
    pub(super) statements: Statements,
    /// Set by a job that left the connection in a state it cannot be reused in (a
    /// transaction neither committed nor rolled back).
    pub(super) broken: bool,
    /// The task driving the connection, on the worker's runtime.
    driver: tokio::task::JoinHandle<()>,
}

impl Conn {
    /// Closes the connection now: the database ends the session at once, with whatever
    /// transaction and locks it held, instead of when the worker next runs its runtime.
    fn close(self, rt: &Runtime) {
        let Conn { client, driver, .. } = self;
        drop(client);
        let _ = rt.block_on(tokio::time::timeout(CLOSE_WITHIN, driver));
    }
}

/// How long closing a connection may take before the worker moves on.
const CLOSE_WITHIN: std::time::Duration = std::time::Duration::from_secs(1);

/// A job for a worker: its connection (or why there is none) and the runtime that drives it.
pub(super) type Job = Box<dyn FnOnce(Result<&mut Conn, StoreError>, &Runtime) + Send>;

/// Statements prepared on one connection, by text: a worker's, or one that requests share
/// (`pipelined`), hence the lock (uncontended on a worker).
#[derive(Default)]
pub struct Statements(Mutex<HashMap<String, Statement>>);

impl Statements {
    /// The statement for `sql`, prepared on `c`'s connection the first time.
    pub(super) async fn get<C: tokio_postgres::GenericClient>(
        &self,
        c: &C,
        sql: &str,
    ) -> Result<Statement, tokio_postgres::Error> {
        if let Some(st) = self.0.lock().ok().and_then(|m| m.get(sql).cloned()) {
            return Ok(st);
        }
        let st = c.prepare(sql).await?;
        if let Ok(mut m) = self.0.lock() {
            m.insert(sql.to_string(), st.clone());
        }
        Ok(st)
    }
}

/// Hands jobs to the worker threads: to the one that became idle last, so that under light
/// load the same few connections serve everything and the others are never opened.
pub(super) struct Workers {
    dispatch: Arc<Mutex<Dispatch>>,
}

#[derive(Default)]
struct Dispatch {
    /// Idle workers, the most recently idle last.
    idle: Vec<mpsc::SyncSender<Job>>,
    /// Jobs waiting for a worker, oldest first.
    waiting: VecDeque<Job>,
    closed: bool,
}

impl Workers {
    /// Starts `n` workers connecting with `config`.
    pub(super) fn start(config: &Config, n: usize) -> Result<Self, StoreError> {
        let workers = Self {
            dispatch: Arc::new(Mutex::new(Dispatch::default())),
        };
        for i in 0..n.max(1) {
            let theirs = Arc::clone(&workers.dispatch);
            let config = config.clone();
            std::thread::Builder::new()
                .name(format!("tms-pg-{i}"))
                .spawn(move || work(&config, &theirs))
                // Dropping `workers` ends the ones started so far.
                .map_err(|e| StoreError::Other(format!("cannot start a database thread: {e}")))?;
        }
        Ok(workers)
    }

    /// Runs `job` on the worker that became idle last, or queues it for the next one.
    pub(super) fn submit(&self, job: Job) -> Result<(), StoreError> {
        let mut d = self.dispatch.lock().map_err(|_| StoreError::Closed)?;
        if d.closed {
            return Err(StoreError::Closed);
        }
        let mut job = job;
        while let Some(worker) = d.idle.pop() {
            match worker.send(job) {
                Ok(()) => return Ok(()),
                // A worker that has gone: try the next.
                Err(mpsc::SendError(back)) => job = back,
            }
        }
        d.waiting.push_back(job);
        Ok(())
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        if let Ok(mut d) = self.dispatch.lock() {
            d.closed = true;
            // Idle workers see their channel close and end.
            d.idle.clear();
        }
    }
}

/// The next job for a worker: one waiting, or the next handed to it once it is idle. `None`
/// once the engine has gone.
fn next_job(dispatch: &Mutex<Dispatch>) -> Option<Job> {
    let inbox = {
        let mut d = dispatch.lock().ok()?;
        if let Some(job) = d.waiting.pop_front() {
            return Some(job);
        }
        if d.closed {
            return None;
        }
        // Only the dispatcher holds the sending side: dropping it (on close) wakes the worker.
        let (me, inbox) = mpsc::sync_channel::<Job>(1);
        d.idle.push(me);
        inbox
    };
    inbox.recv().ok()
}

fn work(config: &Config, dispatch: &Mutex<Dispatch>) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "a database thread cannot start its runtime");
            return;
        }
    };
    let mut conn: Option<Conn> = None;
    loop {
        let Some(job) = next_job(dispatch) else {
            return;
        };
        if conn.as_ref().is_some_and(|c| {
            // Lets the connection's task read what arrived while it was idle (the server
            // closing it, say) before a script relies on it: the first yield polls the
            // socket, the second lets the task run on what it found.
            rt.block_on(async {
                tokio::task::yield_now().await;
                tokio::task::yield_now().await;
            });
            c.client.is_closed()
        }) {
            conn = None;
        }
        if conn.is_none() {
            match rt.block_on(config.connect(NoTls)) {
                Ok((client, connection)) => {
                    let driver = rt.spawn(async move {
                        if let Err(e) = connection.await {
                            tracing::warn!(error = %e, "a database connection ended");
                        }
                    });
                    conn = Some(Conn {
                        client,
                        statements: Statements::default(),
                        broken: false,
                        driver,
                    });
                }
                Err(e) => {
                    job(
                        Err(StoreError::Other(format!("no database connection: {e}"))),
                        &rt,
                    );
                    continue;
                }
            }
        }
        // A script that panics fails its own request (its caller sees the job dropped), not
        // the worker; its connection, in whatever state it was left, is not reused.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match conn.as_mut() {
            Some(c) => job(Ok(c), &rt),
            None => job(Err(StoreError::Closed), &rt),
        }));
        if (ran.is_err() || conn.as_ref().is_some_and(|c| c.broken))
            && let Some(c) = conn.take()
        {
            c.close(&rt);
        }
    }
}
