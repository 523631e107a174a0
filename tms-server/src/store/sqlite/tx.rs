//! The storage interface on SQLite: [`Tx`] answers `store::Read` and `store::Write` with the
//! queries of this module's per-table files, on whichever thread holds the connection (the
//! writer thread for writes, a reader or search thread for reads).

use crate::store::ViewFields;
use rusqlite::Connection;
use tms_core::api::{
    Comment, CommentWithUser, HistoryEntry, LogEntry, LogQuery, SortKey, Ticket, TicketListItem,
    TicketQuery, User, UserQuery, View,
};
use tms_core::timefmt::{Timestamp, from_micros, to_micros};
use tms_core::{ActivityType, Role};

use super::{
    DbError, comments, history, keys, logs, sessions, settings, stats, tickets, users, views,
};
use crate::store::counts::CountCache;
use crate::store::{
    AgentLoad, Field, LastChange, ListPage, NewTicket, Read, SessionUser, StatsCounts, StatsWindow,
    StoreError, StoreResult, TicketState, UserChanges, Write,
};

/// One connection inside a transaction (or a read snapshot), with the remembered totals.
pub struct Tx<'a> {
    conn: &'a Connection,
    counts: &'a CountCache,
}

impl<'a> Tx<'a> {
    pub fn new(conn: &'a Connection, counts: &'a CountCache) -> Self {
        Self { conn, counts }
    }

    /// The connection, for the parts of the interface kept in files of their own.
    pub(super) fn conn(&self) -> &'a Connection {
        self.conn
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if super::is_interrupted(&e) {
            return Self::Interrupted;
        }
        if let rusqlite::Error::SqliteFailure(f, msg) = &e
            && f.code == rusqlite::ErrorCode::ConstraintViolation
        {
            let msg = msg.as_deref().unwrap_or("");
            if msg.contains("users.email") {
                return Self::Unique("users.email");
            }
            if msg.contains("users.username") {
                return Self::Unique("users.username");
            }
            if msg.contains("views.user_id, views.name") {
                return Self::Unique("views.name");
            }
            if msg.contains("FOREIGN KEY") {
                return Self::ForeignKey;
            }
        }
        Self::Other(format!("database error: {e}"))
    }
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Sqlite(e) => Self::from(e),
            DbError::Closed => Self::Closed,
            other => Self::Other(other.to_string()),
        }
    }
}

impl Read for Tx<'_> {
    fn user(&self, id: i64) -> StoreResult<Option<User>> {
        Ok(users::get(self.conn, id)?)
    }

    fn user_by_email(&self, email: &str) -> StoreResult<Option<(User, String)>> {
        Ok(users::get_by_email_with_hash(self.conn, email)?)
    }

    fn password_hash(&self, user_id: i64) -> StoreResult<Option<String>> {
        Ok(users::password_hash(self.conn, user_id)?)
    }

    fn users(&self, q: &UserQuery, limit: Option<u64>) -> StoreResult<Vec<User>> {
        Ok(users::list_at_most(self.conn, q, limit)?)
    }

    fn count_users(&self) -> StoreResult<i64> {
        Ok(users::count(self.conn)?)
    }

    fn count_active_admins(&self) -> StoreResult<i64> {
        Ok(users::count_active_admins(self.conn)?)
    }

    fn email_taken(&self, email: &str, except: Option<i64>) -> StoreResult<bool> {
        Ok(users::email_taken(self.conn, email, except)?)
    }

    fn username_taken(&self, username: &str, except: Option<i64>) -> StoreResult<bool> {
        Ok(users::username_taken(self.conn, username, except)?)
    }

    fn session(
        &self,
        token_hash: &[u8],
        now: Timestamp,
        idle_micros: i64,
    ) -> StoreResult<Option<SessionUser>> {
        Ok(sessions::lookup(self.conn, token_hash, now, idle_micros)?)
    }

    fn ticket(&self, id: i64) -> StoreResult<Option<Ticket>> {
        Ok(tickets::get(self.conn, id)?)
    }

    fn ticket_item(&self, id: i64) -> StoreResult<Option<TicketListItem>> {
        Ok(tickets::get_item(self.conn, id)?)
    }

    fn comments_of(&self, ticket_id: i64) -> StoreResult<Vec<CommentWithUser>> {
        Ok(comments::for_ticket(self.conn, ticket_id)?)
    }

    fn comment_with_requester(&self, id: i64) -> StoreResult<Option<(Comment, i64)>> {
        Ok(comments::get_with_ticket_requester(self.conn, id)?)
    }

    fn tickets(
        &self,
        q: &TicketQuery,
        sort: SortKey,
        only_requester: Option<i64>,
    ) -> StoreResult<ListPage> {
        tickets::list(self.conn, self.counts, q, sort, only_requester).map_err(|e| match e {
            tickets::ListError::Sql(e) => StoreError::from(e),
            tickets::ListError::BadCursor => StoreError::BadCursor,
        })
    }

    fn history(&self, t: &Ticket) -> StoreResult<Vec<HistoryEntry>> {
        Ok(history::of_ticket(self.conn, t)?)
    }

    fn tag_counts(&self) -> StoreResult<Vec<(String, u64)>> {
        Ok(tickets::tag_counts(self.conn)?)
    }

    fn last_change(&self, ticket_id: i64, field: Field) -> StoreResult<Option<LastChange>> {
        Ok(history::last_change(self.conn, ticket_id, field)?)
    }

    fn log(&self, q: &LogQuery) -> StoreResult<Vec<LogEntry>> {
        Ok(logs::list(self.conn, q)?)
    }

    fn views(&self, user_id: i64, shared: bool) -> StoreResult<Vec<View>> {
        Ok(views::list(self.conn, user_id, shared)?)
    }

    fn view(&self, id: i64) -> StoreResult<Option<View>> {
        Ok(views::get(self.conn, id)?)
    }

    fn setting(&self, name: &str) -> StoreResult<Option<String>> {
        Ok(settings::get(self.conn, name)?)
    }

    fn agent_loads(&self) -> StoreResult<Vec<AgentLoad>> {
        Ok(settings::agent_loads(self.conn)?)
    }

    fn notify_read(&self) -> &dyn crate::store::notify::NotifyRead {
        self
    }

    fn stats(&self, w: StatsWindow) -> StoreResult<StatsCounts> {
        Ok(stats::stats(self.conn, self.counts, w)?)
    }
}

impl Write for Tx<'_> {
    /// Writes are serial here: the one writer thread runs one transaction at a time.
    fn lock_accounts(&self) -> StoreResult<()> {
        Ok(())
    }

    /// Writes are serial here: no account changes before this transaction ends.
    fn share_accounts(&self) -> StoreResult<()> {
        Ok(())
    }

    /// Writes are serial here: nothing can change the ticket before this transaction ends.
    fn ticket_for_update(&self, id: i64) -> StoreResult<Option<Ticket>> {
        self.ticket(id)
    }

    fn insert_user(
        &self,
        username: &str,
        email: &str,
        role: Role,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<User> {
        Ok(users::insert(
            self.conn,
            username,
            email,
            role,
            password_hash,
            now,
        )?)
    }

    fn update_user(&self, id: i64, c: &UserChanges, now: Timestamp) -> StoreResult<Option<User>> {
        Ok(users::update(self.conn, id, c, now)?)
    }

    fn insert_session(
        &self,
        user_id: i64,
        token_hash: &[u8],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        Ok(sessions::insert(
            self.conn, user_id, token_hash, now, expires_at,
        )?)
    }

    fn touch_session(&self, session_id: i64, now: Timestamp) -> StoreResult<()> {
        Ok(sessions::touch(self.conn, session_id, now)?)
    }

    fn delete_session(&self, session_id: i64) -> StoreResult<()> {
        Ok(sessions::delete(self.conn, session_id)?)
    }

    fn delete_sessions_of(&self, user_id: i64, keep: Option<i64>) -> StoreResult<usize> {
        Ok(sessions::delete_for_user(self.conn, user_id, keep)?)
    }

    fn insert_ticket(&self, t: &NewTicket<'_>) -> StoreResult<Ticket> {
        Ok(tickets::insert(self.conn, t)?)
    }

    fn update_ticket(&self, id: i64, s: &TicketState<'_>) -> StoreResult<Ticket> {
        Ok(tickets::update(self.conn, id, s)?)
    }

    fn sla_clock(&self, id: i64) -> StoreResult<Option<tms_core::sla::TicketClock>> {
        Ok(tickets::sla_clock(self.conn, id)?)
    }

    fn save_sla(&self, id: i64, clock: &crate::store::StoredClock) -> StoreResult<()> {
        Ok(tickets::save_sla(self.conn, id, clock)?)
    }

    fn touch_ticket(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        Ok(tickets::touch(self.conn, id, now)?)
    }

    fn delete_ticket(&self, id: i64) -> StoreResult<usize> {
        Ok(tickets::delete(self.conn, id)?)
    }

    fn unassign_open(&self, agent_id: i64, now: Timestamp) -> StoreResult<Vec<i64>> {
        Ok(tickets::unassign_open(self.conn, agent_id, now)?)
    }

    fn record_history(
        &self,
        old: &Ticket,
        new: &TicketState<'_>,
        actor: i64,
        now: Timestamp,
    ) -> StoreResult<()> {
        Ok(history::record(self.conn, old, new, actor, now)?)
    }

    fn insert_comment(
        &self,
        ticket_id: i64,
        author: i64,
        text: &str,
        is_internal: bool,
        at: Timestamp,
    ) -> StoreResult<Comment> {
        Ok(comments::insert(
            self.conn,
            ticket_id,
            author,
            text,
            is_internal,
            at,
        )?)
    }

    fn update_comment(&self, id: i64, text: &str, now: Timestamp) -> StoreResult<Comment> {
        Ok(comments::update(self.conn, id, text, now)?)
    }

    fn delete_comment(&self, id: i64) -> StoreResult<Option<Comment>> {
        Ok(comments::delete(self.conn, id)?)
    }

    fn insert_log(
        &self,
        user_id: i64,
        kind: ActivityType,
        details: &str,
        ticket_id: Option<i64>,
        at: Timestamp,
    ) -> StoreResult<()> {
        Ok(logs::insert(
            self.conn, user_id, kind, details, ticket_id, at,
        )?)
    }

    fn clear_log(&self, user_id: Option<i64>) -> StoreResult<usize> {
        Ok(logs::clear(self.conn, user_id)?)
    }

    fn server_key(&self, name: &str, len: usize) -> StoreResult<Vec<u8>> {
        Ok(keys::get_or_create(self.conn, name, len)?)
    }

    /// Writes are serial here: the writer's transaction already excludes every other.
    fn setting_for_update(&self, name: &str) -> StoreResult<Option<String>> {
        Ok(settings::get(self.conn, name)?)
    }

    fn put_setting(&self, name: &str, value: &str) -> StoreResult<()> {
        Ok(settings::put(self.conn, name, value)?)
    }

    fn save_view(&self, id: Option<i64>, v: &ViewFields<'_>, now: Timestamp) -> StoreResult<View> {
        Ok(views::save(self.conn, id, v, now)?)
    }

    fn delete_view(&self, id: i64) -> StoreResult<()> {
        Ok(views::delete(self.conn, id)?)
    }

    /// Writes are serial here: nothing else counts under `key` before this transaction ends.
    fn lock_attempts(&self, _key: &str) -> StoreResult<()> {
        Ok(())
    }

    fn failures(&self, key: &str, since: Timestamp) -> StoreResult<Vec<Timestamp>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT at FROM login_failures WHERE key = ?1 AND at > ?2 ORDER BY at",
        )?;
        let rows = stmt.query_map(rusqlite::params![key, to_micros(since)], |r| {
            r.get::<_, i64>(0).map(from_micros)
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn add_failure(&self, key: &str, at: Timestamp) -> StoreResult<i64> {
        self.conn
            .prepare_cached("INSERT INTO login_failures (key, at) VALUES (?1, ?2)")?
            .execute(rusqlite::params![key, to_micros(at)])?;
        Ok(self.conn.last_insert_rowid())
    }

    fn remove_failures(&self, ids: &[i64]) -> StoreResult<()> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM login_failures WHERE id = ?1")?;
        for id in ids {
            stmt.execute([id])?;
        }
        Ok(())
    }

    fn forget_failures(&self, key: &str) -> StoreResult<()> {
        self.conn
            .prepare_cached("DELETE FROM login_failures WHERE key = ?1")?
            .execute([key])?;
        Ok(())
    }

    fn expire_failures(&self, before: Timestamp) -> StoreResult<()> {
        self.conn
            .prepare_cached("DELETE FROM login_failures WHERE at <= ?1")?
            .execute([to_micros(before)])?;
        Ok(())
    }

    fn notify(&self) -> &dyn crate::store::notify::NotifyWrite {
        self
    }
}
