//! The storage interface: what the service layer asks of a database, and the engines that
//! answer it. See `docs/ARCHITECTURE.md`, "Service layer and storage interface".
//!
//! A use case is one synchronous transaction script over [`Write`] (or a read over [`Read`]),
//! written once in `crate::service`. [`Store::write`] runs it as one transaction on whichever
//! engine the server was started with:
//!
//! - `sqlite`: on the writer thread, inside a group commit, with no await between statements —
//!   which is why the interface is synchronous: an interface with an await per statement would
//!   hold SQLite's single writer across every round trip and lose the group commit;
//! - `postgres`: on a worker thread that owns a connection of the async driver, one
//!   `block_on` per statement; several servers may share the database.
//!
//! Neither the traits nor [`Store`] mention a driver type; no route or command-line code sees
//! one.

pub mod copy;
pub mod counts;
pub mod list;
pub mod notify;
pub mod postgres;
mod recorder;
pub mod sqlite;
pub mod transfer;
mod types;

use std::sync::Arc;
use std::time::Duration;

use recorder::{Changes, Recorder};

use crate::events::Hub;

pub use types::{
    AgentLoad, BulkTicket, CLOCK_COLUMNS, DAY_US, Field, LastChange, ListPage, NO_DUE, NewTicket,
    OLDEST_OPEN, SLA_NCOLS, SessionUser, SlaColumns, StatsCounts, StatsWindow, StoredClock,
    TicketState, Timeline, UserChanges, ViewFields, field_changes, priority_of_rank, shown_value,
    status_of_rank, value_of,
};
pub(crate) use types::{sla_columns, sla_returning};

use tms_core::api::{
    Comment, CommentWithUser, HistoryEntry, LogEntry, LogQuery, SortKey, Ticket, TicketListItem,
    TicketQuery, User, UserQuery, View,
};
use tms_core::timefmt::Timestamp;
use tms_core::{ActivityType, Role};

/// How a storage operation failed, in terms every engine shares.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; names what was duplicated (`users.email`, …).
    #[error("duplicate {0}")]
    Unique(&'static str),
    /// A row the write refers to no longer exists.
    #[error("a referenced record no longer exists")]
    ForeignKey,
    /// A statement was stopped at its deadline.
    #[error("the statement was stopped at its deadline")]
    Interrupted,
    /// The database gave this transaction up for another's sake (a deadlock, or a
    /// serialization failure): nothing was written, and trying again may succeed.
    #[error("the transaction lost a race with another; try again")]
    Contended,
    /// A list's `after` cursor does not belong to its sort order.
    #[error("the cursor does not belong to this sort order")]
    BadCursor,
    /// The engine is shutting down.
    #[error("the database is shutting down")]
    Closed,
    /// Anything else: a bug, a broken connection, a full disk.
    #[error("{0}")]
    Other(String),
}

/// A result from the storage layer.
pub type StoreResult<T> = Result<T, StoreError>;

/// Every read a use case makes. Implemented by each engine's transaction and read handles.
pub trait Read {
    fn user(&self, id: i64) -> StoreResult<Option<User>>;
    /// An account by (lower-cased) email, with its password hash.
    fn user_by_email(&self, email: &str) -> StoreResult<Option<(User, String)>>;
    fn password_hash(&self, user_id: i64) -> StoreResult<Option<String>>;
    /// Accounts matching `q`, by id, at most `limit` of them.
    fn users(&self, q: &UserQuery, limit: Option<u64>) -> StoreResult<Vec<User>>;
    fn count_users(&self) -> StoreResult<i64>;
    fn count_active_admins(&self) -> StoreResult<i64>;
    /// Whether another account (not `except`) has this email.
    fn email_taken(&self, email: &str, except: Option<i64>) -> StoreResult<bool>;
    /// Whether another account (not `except`) has this username.
    fn username_taken(&self, username: &str, except: Option<i64>) -> StoreResult<bool>;
    /// The live session of a token hash: unexpired (absolute and idle) and its user active.
    fn session(
        &self,
        token_hash: &[u8],
        now: Timestamp,
        idle_micros: i64,
    ) -> StoreResult<Option<SessionUser>>;
    fn ticket(&self, id: i64) -> StoreResult<Option<Ticket>>;
    /// A ticket with its requester and assignee.
    fn ticket_item(&self, id: i64) -> StoreResult<Option<TicketListItem>>;
    /// A ticket's thread, oldest first.
    fn comments_of(&self, ticket_id: i64) -> StoreResult<Vec<CommentWithUser>>;
    /// A ticket with its people and its thread: [`Read::ticket_item`] and
    /// [`Read::comments_of`], which an engine may read at once.
    fn ticket_thread(
        &self,
        id: i64,
    ) -> StoreResult<Option<(TicketListItem, Vec<CommentWithUser>)>> {
        let Some(item) = self.ticket_item(id)? else {
            return Ok(None);
        };
        Ok(Some((item, self.comments_of(id)?)))
    }
    /// A comment with the requester of its ticket.
    fn comment_with_requester(&self, id: i64) -> StoreResult<Option<(Comment, i64)>>;
    /// One page of tickets: `only_requester` restricts a Requester to their own; search
    /// results (`q.q`) come in `sort` order too.
    fn tickets(
        &self,
        q: &TicketQuery,
        sort: SortKey,
        only_requester: Option<i64>,
    ) -> StoreResult<ListPage>;
    /// Every change of ticket `t`, oldest first.
    fn history(&self, t: &Ticket) -> StoreResult<Vec<HistoryEntry>>;
    /// Every tag in use and how many tickets carry it, most used first, then by name.
    fn tag_counts(&self) -> StoreResult<Vec<(String, u64)>>;
    /// The latest change of one field of a ticket.
    fn last_change(&self, ticket_id: i64, field: Field) -> StoreResult<Option<LastChange>>;
    /// The activity log, newest first, filtered and paged.
    fn log(&self, q: &LogQuery) -> StoreResult<Vec<LogEntry>>;
    /// The saved views of `user_id`, and with `shared` everybody's shared ones, by name
    /// (`count` 0: the service counts).
    fn views(&self, user_id: i64, shared: bool) -> StoreResult<Vec<View>>;
    fn view(&self, id: i64) -> StoreResult<Option<View>>;
    /// The server-wide setting `name` (JSON text), `None` when it was never set.
    fn setting(&self, name: &str) -> StoreResult<Option<String>>;
    /// The active helpdesk agents, by id, each with their Open and In Progress tickets.
    fn agent_loads(&self) -> StoreResult<Vec<AgentLoad>>;
    /// The reads of notifications (`store::notify`).
    fn notify_read(&self) -> &dyn notify::NotifyRead;
    /// The dashboard's counts (`GET /api/v1/stats`) over window `w`: by status and priority
    /// from the kept totals, per day as ranges of the date indexes, remembered until the data
    /// changes; SLA states as ranges of the due indexes, remembered like list totals.
    fn stats(&self, w: StatsWindow) -> StoreResult<StatsCounts>;
}

/// Every write a use case makes, inside the transaction [`Store::write`] opened.
pub trait Write: Read {
    /// Serialises changes of roles and activity (the last-admin rule) with every other such
    /// change, on every server: call before counting admins to decide.
    fn lock_accounts(&self) -> StoreResult<()>;
    /// Holds off changes of roles and activity (taken with [`Write::lock_accounts`]) until
    /// this transaction ends, while it relies on an account staying as it read it (an
    /// assignee active). Taken before any row lock.
    fn share_accounts(&self) -> StoreResult<()>;
    /// The ticket, locked against other transactions' changes until this one ends.
    fn ticket_for_update(&self, id: i64) -> StoreResult<Option<Ticket>>;
    fn insert_user(
        &self,
        username: &str,
        email: &str,
        role: Role,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<User>;
    fn update_user(&self, id: i64, c: &UserChanges, now: Timestamp) -> StoreResult<Option<User>>;
    fn insert_session(
        &self,
        user_id: i64,
        token_hash: &[u8],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()>;
    fn touch_session(&self, session_id: i64, now: Timestamp) -> StoreResult<()>;
    fn delete_session(&self, session_id: i64) -> StoreResult<()>;
    /// Ends every session of a user except `keep`; returns how many ended.
    fn delete_sessions_of(&self, user_id: i64, keep: Option<i64>) -> StoreResult<usize>;
    fn insert_ticket(&self, t: &NewTicket<'_>) -> StoreResult<Ticket>;
    fn update_ticket(&self, id: i64, s: &TicketState<'_>) -> StoreResult<Ticket>;
    /// Ticket `id`'s SLA clocks (read under its row lock); `None` for a ticket without.
    fn sla_clock(&self, id: i64) -> StoreResult<Option<tms_core::sla::TicketClock>>;
    /// Stores ticket `id`'s SLA clocks as they stand for a ticket in `status`. Tells nobody
    /// by itself: the change that moved them does (and moves the version).
    fn save_sla(&self, id: i64, clock: &StoredClock) -> StoreResult<()>;
    /// Marks a ticket as changed now (its thread changed).
    fn touch_ticket(&self, id: i64, now: Timestamp) -> StoreResult<()>;
    fn delete_ticket(&self, id: i64) -> StoreResult<usize>;
    /// Unassigns the unresolved tickets of an agent; returns their ids.
    fn unassign_open(&self, agent_id: i64, now: Timestamp) -> StoreResult<Vec<i64>>;
    /// Records the fields that differ between `old` and `new` in the ticket's history.
    fn record_history(
        &self,
        old: &Ticket,
        new: &TicketState<'_>,
        actor: i64,
        now: Timestamp,
    ) -> StoreResult<()>;
    fn insert_comment(
        &self,
        ticket_id: i64,
        author: i64,
        text: &str,
        is_internal: bool,
        at: Timestamp,
    ) -> StoreResult<Comment>;
    fn update_comment(&self, id: i64, text: &str, now: Timestamp) -> StoreResult<Comment>;
    /// Deletes a comment; returns it, `None` when there was no such comment.
    fn delete_comment(&self, id: i64) -> StoreResult<Option<Comment>>;
    fn insert_log(
        &self,
        user_id: i64,
        kind: ActivityType,
        details: &str,
        ticket_id: Option<i64>,
        at: Timestamp,
    ) -> StoreResult<()>;
    /// Clears the activity log (of one user); returns how many entries went.
    fn clear_log(&self, user_id: Option<i64>) -> StoreResult<usize>;
    /// Stores a saved view: a new one (`id` `None`), or new fields for view `id` (whose
    /// owner stays).
    fn save_view(&self, id: Option<i64>, v: &ViewFields<'_>, now: Timestamp) -> StoreResult<View>;
    fn delete_view(&self, id: i64) -> StoreResult<()>;
    /// The server-wide setting `name` (JSON text), locked against other transactions'
    /// changes (and locks) of it until this one ends, on every server.
    fn setting_for_update(&self, name: &str) -> StoreResult<Option<String>>;
    /// Stores the server-wide setting `name` (JSON text).
    fn put_setting(&self, name: &str, value: &str) -> StoreResult<()>;
    /// The server secret `name`, created with `len` random bytes if there is none yet.
    fn server_key(&self, name: &str, len: usize) -> StoreResult<Vec<u8>>;
    /// Serialises attempts under the slowing key `key` with every other attempt under it, on
    /// every server, until this transaction ends.
    fn lock_attempts(&self, key: &str) -> StoreResult<()>;
    /// The times of the failures under `key` since `since`, oldest first.
    fn failures(&self, key: &str, since: Timestamp) -> StoreResult<Vec<Timestamp>>;
    /// Counts a failure under `key` at `at`; returns its id.
    fn add_failure(&self, key: &str, at: Timestamp) -> StoreResult<i64>;
    /// Takes back the failures `ids` (their attempts succeeded).
    fn remove_failures(&self, ids: &[i64]) -> StoreResult<()>;
    /// Forgets every failure under `key`.
    fn forget_failures(&self, key: &str) -> StoreResult<()>;
    /// Forgets every failure before `before`, under any key.
    fn expire_failures(&self, before: Timestamp) -> StoreResult<()>;
    /// The writes of notifications (`store::notify`): the outbox, webhooks, email choices.
    fn notify(&self) -> &dyn notify::NotifyWrite;
}

/// Where a database is: the command line's `--db PATH` or `--database-url URL`.
#[derive(Debug, Clone)]
pub enum Target {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Target {
    /// Where the data lives, for messages: the file, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Target::Sqlite(path) => path.display().to_string(),
            Target::Postgres(url) => postgres::without_password(url),
        }
    }
}

/// The engine under a [`Store`].
#[derive(Clone)]
pub enum Engine {
    Sqlite(sqlite::Db),
    Postgres(postgres::Pg),
}

/// The database a server runs on, and the events of what its writes change; cheap to clone.
#[derive(Clone)]
pub struct Store {
    engine: Engine,
    events: Arc<Hub>,
}

/// Counts a read, write or search as running on the database while it lives, when metrics
/// are on (every request passes here: nothing is done for them otherwise).
fn in_flight(kind: &'static str) -> Option<crate::metrics::InFlight> {
    crate::metrics::enabled().then(|| {
        crate::metrics::InFlight::new(metrics::gauge!(crate::metrics::DB_IN_FLIGHT, "kind" => kind))
    })
}

/// Runs a use case's script over a [`Recorder`]: its result and what its writes changed.
fn recorded<T, E>(
    tx: &dyn Write,
    f: impl FnOnce(&dyn Write) -> Result<T, E>,
) -> Result<(T, Changes), E> {
    let rec = Recorder::new(tx);
    let out = f(&rec)?;
    Ok((out, rec.into_changes()))
}

/// Carries a caller's error through an engine's own error bound.
struct Carried<E>(E);

impl<E> Carried<E> {
    fn into_inner(self) -> E {
        self.0
    }
}

/// A use case's script as a job for one of the SQLite engine's threads.
fn on_sqlite<T, E, G>(
    db: &sqlite::Db,
    f: G,
) -> impl FnOnce(&rusqlite::Connection) -> Result<T, Carried<E>> + Send + 'static + use<T, E, G>
where
    G: FnOnce(&sqlite::Tx<'_>) -> Result<T, E> + Send + 'static,
{
    let counts = db.counts();
    move |c| f(&sqlite::Tx::new(c, &counts)).map_err(Carried)
}

impl<E: From<StoreError>> From<sqlite::DbError> for Carried<E> {
    fn from(e: sqlite::DbError) -> Self {
        Self(E::from(StoreError::from(e)))
    }
}

impl Store {
    /// A store on `engine`, whose events reach this process's listeners only; see
    /// [`Store::relay_events`].
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            events: Arc::new(Hub::default()),
        }
    }

    /// Tells the other servers on the same database what this one changes, and this one
    /// what they change (on PostgreSQL; SQLite has one server). For servers, not for
    /// one-off commands.
    pub fn relay_events(&self) {
        if let Engine::Postgres(pg) = &self.engine {
            pg.relay(self.events.clone());
        }
    }

    /// The committed changes, as they happen: this server's and (see
    /// [`Store::relay_events`]) the other servers'.
    pub fn events(&self) -> &Arc<Hub> {
        &self.events
    }

    /// What runs once a transaction committed, on the engine's own thread and whether or not
    /// its caller still waits (a request past its deadline): its events published (and the
    /// data generation moved on), and on PostgreSQL the remembered totals forgotten and the
    /// other servers told. It runs before the write is answered, so a client that reads
    /// after its write was answered finds the generation moved on (`service::pages`).
    fn after_commit<T>(&self) -> impl FnOnce(&mut (T, Changes)) + Send + 'static {
        let hub = Arc::clone(&self.events);
        let pg = match &self.engine {
            Engine::Postgres(pg) => Some(pg.clone()),
            Engine::Sqlite(_) => None,
        };
        move |(_, changes)| {
            let changes = std::mem::take(changes);
            if changes.is_empty() {
                return;
            }
            if let Some(pg) = pg {
                pg.changed(&changes.events, changes.people);
            }
            if changes.people {
                hub.touch();
            }
            hub.publish(changes.events);
        }
    }

    /// Runs `f` as one transaction: everything it wrote is committed if it returns `Ok`
    /// (before this returns), and undone otherwise. The events of its changes are published
    /// once it committed, even if this future is dropped meanwhile.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&dyn Write) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let after = self.after_commit();
        let _running = in_flight("write");
        let (out, _published) = match &self.engine {
            Engine::Sqlite(db) => db
                .write_then(on_sqlite(db, move |tx| recorded(tx, f)), after)
                .await
                .map_err(Carried::into_inner)?,
            Engine::Postgres(pg) => pg.write_then(move |tx| recorded(tx, f), after).await?,
        };
        Ok(out)
    }

    /// [`Store::write`] for synchronous callers (command-line tools), never from async code.
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&dyn Write) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let after = self.after_commit();
        let (out, _published) = match &self.engine {
            Engine::Sqlite(db) => db
                .write_blocking_then(on_sqlite(db, move |tx| recorded(tx, f)), after)
                .map_err(Carried::into_inner)?,
            Engine::Postgres(pg) => pg.write_blocking_then(move |tx| recorded(tx, f), after)?,
        };
        Ok(out)
    }

    /// Runs `f` as a read, stopped at the request deadline: on SQLite one snapshot; on
    /// PostgreSQL statements on one connection, each seeing what was committed when it
    /// began (a list's total and its page may straddle a commit).
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&dyn Read) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let _running = in_flight("read");
        match &self.engine {
            Engine::Sqlite(db) => db
                .read(on_sqlite(db, move |tx| f(tx)))
                .await
                .map_err(Carried::into_inner),
            Engine::Postgres(pg) => pg.read(f).await,
        }
    }

    /// The live session of a token hash ([`Read::session`]): the one read every request
    /// makes, which PostgreSQL serves over connections that concurrent requests share.
    pub async fn session(
        &self,
        token_hash: &[u8],
        now: Timestamp,
        idle_micros: i64,
    ) -> StoreResult<Option<SessionUser>> {
        match &self.engine {
            Engine::Sqlite(_) => {
                let key = token_hash.to_vec();
                self.read(move |r| r.session(&key, now, idle_micros)).await
            }
            Engine::Postgres(pg) => pg.session(token_hash, now, idle_micros).await,
        }
    }

    /// A ticket with its people and its thread ([`Read::ticket_thread`]), which PostgreSQL
    /// serves over connections that concurrent requests share.
    pub async fn ticket_thread(
        &self,
        id: i64,
    ) -> StoreResult<Option<(TicketListItem, Vec<CommentWithUser>)>> {
        match &self.engine {
            Engine::Sqlite(_) => self.read(move |r| r.ticket_thread(id)).await,
            Engine::Postgres(pg) => pg.ticket_thread(id).await,
        }
    }

    /// A page of a list without search ([`Read::tickets`] when `q.q` is `None`), which
    /// PostgreSQL serves over connections that concurrent requests share. A search goes
    /// through [`Store::search`].
    pub async fn tickets(
        &self,
        q: TicketQuery,
        sort: SortKey,
        only_requester: Option<i64>,
    ) -> StoreResult<ListPage> {
        match &self.engine {
            // SLA filters need the remembered counts of a worker's connection.
            Engine::Postgres(pg) if q.q.is_none() && q.sla.is_empty() => {
                pg.tickets(&q, sort, only_requester).await
            }
            _ => {
                self.read(move |r| r.tickets(&q, sort, only_requester))
                    .await
            }
        }
    }

    /// [`Store::read`] for synchronous callers.
    pub fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&dyn Read) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        match &self.engine {
            Engine::Sqlite(db) => db
                .read_blocking(on_sqlite(db, move |tx| f(tx)))
                .map_err(Carried::into_inner),
            Engine::Postgres(pg) => pg.read_blocking(f),
        }
    }

    /// A full-text search: like [`Store::read`], on the engine's search capacity, stopped
    /// after `budget` ([`StoreError::Interrupted`]).
    pub async fn search<T, E, F>(&self, budget: Duration, f: F) -> Result<T, E>
    where
        F: FnOnce(&dyn Read) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let _running = in_flight("search");
        match &self.engine {
            Engine::Sqlite(db) => db
                .search(budget, on_sqlite(db, move |tx| f(tx)))
                .await
                .map_err(Carried::into_inner),
            Engine::Postgres(pg) => pg.search(budget, f).await,
        }
    }

    /// The SQLite database underneath, for the tools that only SQLite has (backup, restore,
    /// the serving lock) and for tests that look at stored rows.
    pub fn sqlite(&self) -> Option<&sqlite::Db> {
        match &self.engine {
            Engine::Sqlite(db) => Some(db),
            Engine::Postgres(_) => None,
        }
    }

    /// Runs literal SQL (statements separated by `;`; the rows of the last are returned,
    /// every value as text) in its own transaction. For tests and diagnostics: never with
    /// anything a client sent.
    #[doc(hidden)]
    pub async fn raw_query(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>, StoreError> {
        let sql = sql.to_string();
        match &self.engine {
            Engine::Sqlite(db) => {
                let db = db.clone();
                tokio::task::spawn_blocking(move || db.raw_query(&sql))
                    .await
                    .map_err(|e| StoreError::Other(e.to_string()))?
                    .map_err(StoreError::from)
            }
            Engine::Postgres(pg) => pg.blocking(move |pg| pg.raw_query(&sql)).await,
        }
    }

    /// Whether several servers may share this database: then nothing a server remembers
    /// in memory (sessions, totals) may be trusted without asking the database.
    pub fn shared(&self) -> bool {
        matches!(self.engine, Engine::Postgres(_))
    }

    /// Where the data lives, for messages: a path or a URL without its password.
    pub fn describe(&self) -> String {
        match &self.engine {
            Engine::Sqlite(db) => db.path().display().to_string(),
            Engine::Postgres(pg) => pg.describe().to_string(),
        }
    }
}
