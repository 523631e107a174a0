//! The writer thread: the only write connection, group commit with a savepoint per write, the
//! search index brought up to date once per batch, and index merging while idle.

use rusqlite::Connection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use tokio::sync::oneshot;

use super::{Db, DbError, counts};

/// A write: runs inside a savepoint of the writer's current transaction and returns what to
/// do once that transaction has committed (`None`) or failed (`Some(error)`).
pub(super) type Job = Box<dyn FnOnce(&Connection) -> Completion + Send>;
pub(super) type Completion = Box<dyn FnOnce(Option<DbError>) + Send>;

/// Most writes committed together in one transaction (group commit).
const MAX_BATCH: usize = 64;

/// The writer thread. Writes that queued up while the previous batch committed go into one
/// transaction, each in its own savepoint (a failed write rolls back only itself); nobody is
/// answered before the commit, so an acknowledged write is a committed one.
///
/// Once a batch that touched tickets or comments has committed (or failed), the remembered
/// search totals are stale. Such a batch also leaves a small segment in the full-text index;
/// when no write has been waiting for [`IDLE`], the writer merges segments a step at a time
/// ([`merge_search_index`]) until there is nothing left to merge.
pub(super) fn writer_loop(
    conn: Connection,
    jobs: mpsc::Receiver<Job>,
    counts: Arc<counts::CountCache>,
) {
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
        if crate::metrics::enabled() {
            #[allow(clippy::cast_precision_loss)] // a batch is at most MAX_BATCH writes
            let size = batch.len() as f64;
            metrics::gauge!(crate::metrics::WRITER_QUEUE).decrement(size);
            metrics::histogram!(crate::metrics::WRITER_BATCH).record(size);
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
pub(crate) fn index_pending(conn: &Connection) -> rusqlite::Result<()> {
    // One by one: with `rowid IN (subquery)` the full-text table is scanned whole.
    let changed: Vec<i64> = conn
        .prepare_cached("SELECT ticket_id FROM search_pending WHERE is_new = 0")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut unindex = conn.prepare_cached("DELETE FROM ticket_search WHERE rowid = ?1")?;
    let mut unindex_public = conn.prepare_cached("DELETE FROM public_search WHERE rowid = ?1")?;
    for id in changed {
        unindex.execute([id])?;
        unindex_public.execute([id])?;
    }
    // Every comment in `ticket_search`; the text a Requester may read in `public_search`,
    // for the tickets with internal notes only (migration 0012).
    conn.prepare_cached(
        "INSERT INTO ticket_search (rowid, title, description, comments)
         SELECT t.id, t.title, t.description,
                coalesce((SELECT group_concat(c.description, char(10))
                          FROM comments c WHERE c.ticket_id = t.id), '')
         FROM search_pending p CROSS JOIN tickets t ON t.id = p.ticket_id",
    )?
    .execute([])?;
    conn.prepare_cached(
        "INSERT INTO public_search (rowid, title, description, comments)
         SELECT t.id, t.title, t.description,
                coalesce((SELECT group_concat(c.description, char(10))
                          FROM comments c WHERE c.ticket_id = t.id AND c.is_internal = 0), '')
         FROM search_pending p CROSS JOIN tickets t ON t.id = p.ticket_id
         WHERE EXISTS (SELECT 1 FROM comments n WHERE n.ticket_id = t.id AND n.is_internal = 1)",
    )?
    .execute([])?;
    conn.prepare_cached("DELETE FROM search_pending")?
        .execute([])?;
    Ok(())
}

/// How long the writer waits without a write before it does maintenance.
pub(super) const IDLE: std::time::Duration = std::time::Duration::from_millis(50);

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

impl Db {
    /// Queues `f`; `after` runs on the writer thread once `f`'s changes are committed (whether
    /// or not its caller still waits for the result).
    fn submit<T, E, F, A>(&self, f: F, after: A) -> oneshot::Receiver<Result<T, E>>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        A: FnOnce(&mut T) + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |conn: &Connection| {
            let outcome = in_savepoint(conn, f);
            Box::new(move |commit_error: Option<DbError>| {
                let mut outcome = match commit_error {
                    Some(e) => Err(E::from(e)),
                    None => outcome,
                };
                if let Ok(v) = &mut outcome {
                    after(v);
                }
                let _ = done.send(outcome);
            })
        });
        let sent = self
            .inner
            .writer
            .lock()
            .map(|w| w.send(job).is_ok())
            .unwrap_or(false);
        if sent && crate::metrics::enabled() {
            metrics::gauge!(crate::metrics::WRITER_QUEUE).increment(1.0);
        } else if !sent {
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
        self.write_then(f, |_| {}).await
    }

    /// [`Db::write`], running `after` on the writer thread once the write is committed, even
    /// if the caller has stopped waiting.
    pub async fn write_then<T, E, F, A>(&self, f: F, after: A) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        A: FnOnce(&mut T) + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.submit(f, after)
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
        self.write_blocking_then(f, |_| {})
    }

    /// [`Db::write_then`] for synchronous callers.
    pub fn write_blocking_then<T, E, F, A>(&self, f: F, after: A) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        A: FnOnce(&mut T) + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.submit(f, after)
            .blocking_recv()
            .unwrap_or_else(|_| Err(E::from(DbError::Closed)))
    }
}
