//! Records the events of a transaction as its script writes (`crate::events`): every engine's
//! writes pass through here, so every change of a ticket or comment is told, whichever use
//! case made it.

use crate::store::{AgentLoad, StatsCounts, StatsWindow, ViewFields};
use std::cell::{Cell, RefCell};

use tms_core::api::{
    Comment, CommentWithUser, HistoryEntry, LogEntry, LogQuery, SortKey, Ticket, TicketListItem,
    TicketQuery, User, UserQuery, View,
};
use tms_core::timefmt::Timestamp;
use tms_core::{ActivityType, Role};

use super::{
    Field, LastChange, ListPage, NewTicket, Read, SessionUser, StoreResult, TicketState,
    UserChanges, Write,
};
use crate::events::{Change, Event};

/// A transaction's [`Write`], recording the events of what it changes.
pub struct Recorder<'a> {
    inner: &'a dyn Write,
    events: RefCell<Vec<Event>>,
    people: Cell<bool>,
}

/// What a transaction changed that others must hear of.
#[derive(Debug, Default)]
pub struct Changes {
    /// The events, in the order of the writes.
    pub events: Vec<Event>,
    /// An account changed (its name, email or role may be shown with tickets): no event, but
    /// the data generation moves on (`Hub::touch`).
    pub people: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && !self.people
    }
}

impl<'a> Recorder<'a> {
    pub fn new(inner: &'a dyn Write) -> Self {
        Self {
            inner,
            events: RefCell::new(Vec::new()),
            people: Cell::new(false),
        }
    }

    fn record(&self, e: Event) {
        self.events.borrow_mut().push(e);
    }

    /// What was recorded.
    pub fn into_changes(self) -> Changes {
        Changes {
            events: self.events.into_inner(),
            people: self.people.get(),
        }
    }
}

impl Read for Recorder<'_> {
    fn user(&self, id: i64) -> StoreResult<Option<User>> {
        self.inner.user(id)
    }

    fn user_by_email(&self, email: &str) -> StoreResult<Option<(User, String)>> {
        self.inner.user_by_email(email)
    }

    fn password_hash(&self, user_id: i64) -> StoreResult<Option<String>> {
        self.inner.password_hash(user_id)
    }

    fn users(&self, q: &UserQuery, limit: Option<u64>) -> StoreResult<Vec<User>> {
        self.inner.users(q, limit)
    }

    fn count_users(&self) -> StoreResult<i64> {
        self.inner.count_users()
    }

    fn count_active_admins(&self) -> StoreResult<i64> {
        self.inner.count_active_admins()
    }

    fn email_taken(&self, email: &str, except: Option<i64>) -> StoreResult<bool> {
        self.inner.email_taken(email, except)
    }

    fn username_taken(&self, username: &str, except: Option<i64>) -> StoreResult<bool> {
        self.inner.username_taken(username, except)
    }

    fn session(
        &self,
        token_hash: &[u8],
        now: Timestamp,
        idle_micros: i64,
    ) -> StoreResult<Option<SessionUser>> {
        self.inner.session(token_hash, now, idle_micros)
    }

    fn ticket(&self, id: i64) -> StoreResult<Option<Ticket>> {
        self.inner.ticket(id)
    }

    fn ticket_item(&self, id: i64) -> StoreResult<Option<TicketListItem>> {
        self.inner.ticket_item(id)
    }

    fn comments_of(&self, ticket_id: i64) -> StoreResult<Vec<CommentWithUser>> {
        self.inner.comments_of(ticket_id)
    }

    fn ticket_thread(
        &self,
        id: i64,
    ) -> StoreResult<Option<(TicketListItem, Vec<CommentWithUser>)>> {
        self.inner.ticket_thread(id)
    }

    fn comment_with_requester(&self, id: i64) -> StoreResult<Option<(Comment, i64)>> {
        self.inner.comment_with_requester(id)
    }

    fn tickets(
        &self,
        q: &TicketQuery,
        sort: SortKey,
        only_requester: Option<i64>,
    ) -> StoreResult<ListPage> {
        self.inner.tickets(q, sort, only_requester)
    }

    fn history(&self, t: &Ticket) -> StoreResult<Vec<HistoryEntry>> {
        self.inner.history(t)
    }

    fn tag_counts(&self) -> StoreResult<Vec<(String, u64)>> {
        self.inner.tag_counts()
    }

    fn last_change(&self, ticket_id: i64, field: Field) -> StoreResult<Option<LastChange>> {
        self.inner.last_change(ticket_id, field)
    }

    fn log(&self, q: &LogQuery) -> StoreResult<Vec<LogEntry>> {
        self.inner.log(q)
    }

    fn views(&self, user_id: i64, shared: bool) -> StoreResult<Vec<View>> {
        self.inner.views(user_id, shared)
    }

    fn view(&self, id: i64) -> StoreResult<Option<View>> {
        self.inner.view(id)
    }

    fn setting(&self, name: &str) -> StoreResult<Option<String>> {
        self.inner.setting(name)
    }

    fn agent_loads(&self) -> StoreResult<Vec<AgentLoad>> {
        self.inner.agent_loads()
    }

    fn notify_read(&self) -> &dyn super::notify::NotifyRead {
        self.inner.notify_read()
    }

    fn stats(&self, w: StatsWindow) -> StoreResult<StatsCounts> {
        self.inner.stats(w)
    }
}

impl Write for Recorder<'_> {
    fn lock_accounts(&self) -> StoreResult<()> {
        self.inner.lock_accounts()
    }

    fn share_accounts(&self) -> StoreResult<()> {
        self.inner.share_accounts()
    }

    fn ticket_for_update(&self, id: i64) -> StoreResult<Option<Ticket>> {
        self.inner.ticket_for_update(id)
    }

    fn insert_user(
        &self,
        username: &str,
        email: &str,
        role: Role,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<User> {
        self.inner
            .insert_user(username, email, role, password_hash, now)
    }

    fn update_user(&self, id: i64, c: &UserChanges, now: Timestamp) -> StoreResult<Option<User>> {
        let out = self.inner.update_user(id, c, now)?;
        let shown = c.username.is_some() || c.email.is_some() || c.role.is_some();
        if out.is_some() && (shown || c.is_active.is_some()) {
            self.people.set(true);
        }
        Ok(out)
    }

    fn insert_session(
        &self,
        user_id: i64,
        token_hash: &[u8],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        self.inner
            .insert_session(user_id, token_hash, now, expires_at)
    }

    fn touch_session(&self, session_id: i64, now: Timestamp) -> StoreResult<()> {
        self.inner.touch_session(session_id, now)
    }

    fn delete_session(&self, session_id: i64) -> StoreResult<()> {
        self.inner.delete_session(session_id)
    }

    fn delete_sessions_of(&self, user_id: i64, keep: Option<i64>) -> StoreResult<usize> {
        self.inner.delete_sessions_of(user_id, keep)
    }

    fn insert_ticket(&self, t: &NewTicket<'_>) -> StoreResult<Ticket> {
        let t = self.inner.insert_ticket(t)?;
        self.record(Event::ticket(Change::TicketCreated, t.id));
        Ok(t)
    }

    fn update_ticket(&self, id: i64, s: &TicketState<'_>) -> StoreResult<Ticket> {
        let t = self.inner.update_ticket(id, s)?;
        self.record(Event::ticket(Change::TicketUpdated, id));
        Ok(t)
    }

    fn sla_clock(&self, id: i64) -> StoreResult<Option<tms_core::sla::TicketClock>> {
        self.inner.sla_clock(id)
    }

    fn save_sla(&self, id: i64, clock: &super::StoredClock) -> StoreResult<()> {
        self.inner.save_sla(id, clock)
    }

    fn touch_ticket(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        self.inner.touch_ticket(id, now)?;
        self.record(Event::ticket(Change::TicketUpdated, id));
        Ok(())
    }

    fn delete_ticket(&self, id: i64) -> StoreResult<usize> {
        let n = self.inner.delete_ticket(id)?;
        if n > 0 {
            self.record(Event::ticket(Change::TicketDeleted, id));
        }
        Ok(n)
    }

    fn unassign_open(&self, agent_id: i64, now: Timestamp) -> StoreResult<Vec<i64>> {
        let ids = self.inner.unassign_open(agent_id, now)?;
        for id in &ids {
            self.record(Event::ticket(Change::TicketUpdated, *id));
        }
        Ok(ids)
    }

    fn record_history(
        &self,
        old: &Ticket,
        new: &TicketState<'_>,
        actor: i64,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.inner.record_history(old, new, actor, now)
    }

    fn insert_comment(
        &self,
        ticket_id: i64,
        author: i64,
        text: &str,
        is_internal: bool,
        at: Timestamp,
    ) -> StoreResult<Comment> {
        let c = self
            .inner
            .insert_comment(ticket_id, author, text, is_internal, at)?;
        self.record(Event::comment(Change::CommentCreated, &c));
        Ok(c)
    }

    fn update_comment(&self, id: i64, text: &str, now: Timestamp) -> StoreResult<Comment> {
        let c = self.inner.update_comment(id, text, now)?;
        self.record(Event::comment(Change::CommentUpdated, &c));
        Ok(c)
    }

    fn delete_comment(&self, id: i64) -> StoreResult<Option<Comment>> {
        let deleted = self.inner.delete_comment(id)?;
        if let Some(c) = &deleted {
            self.record(Event::comment(Change::CommentDeleted, c));
        }
        Ok(deleted)
    }

    fn insert_log(
        &self,
        user_id: i64,
        kind: ActivityType,
        details: &str,
        ticket_id: Option<i64>,
        at: Timestamp,
    ) -> StoreResult<()> {
        self.inner.insert_log(user_id, kind, details, ticket_id, at)
    }

    fn clear_log(&self, user_id: Option<i64>) -> StoreResult<usize> {
        self.inner.clear_log(user_id)
    }

    fn server_key(&self, name: &str, len: usize) -> StoreResult<Vec<u8>> {
        self.inner.server_key(name, len)
    }

    fn setting_for_update(&self, name: &str) -> StoreResult<Option<String>> {
        self.inner.setting_for_update(name)
    }

    fn put_setting(&self, name: &str, value: &str) -> StoreResult<()> {
        self.inner.put_setting(name, value)
    }

    fn save_view(&self, id: Option<i64>, v: &ViewFields<'_>, now: Timestamp) -> StoreResult<View> {
        self.inner.save_view(id, v, now)
    }

    fn delete_view(&self, id: i64) -> StoreResult<()> {
        self.inner.delete_view(id)
    }

    fn lock_attempts(&self, key: &str) -> StoreResult<()> {
        self.inner.lock_attempts(key)
    }

    fn failures(&self, key: &str, since: Timestamp) -> StoreResult<Vec<Timestamp>> {
        self.inner.failures(key, since)
    }

    fn add_failure(&self, key: &str, at: Timestamp) -> StoreResult<i64> {
        self.inner.add_failure(key, at)
    }

    fn remove_failures(&self, ids: &[i64]) -> StoreResult<()> {
        self.inner.remove_failures(ids)
    }

    fn forget_failures(&self, key: &str) -> StoreResult<()> {
        self.inner.forget_failures(key)
    }

    fn expire_failures(&self, before: Timestamp) -> StoreResult<()> {
        self.inner.expire_failures(before)
    }

    /// Outbox rows are no ticket or comment change: nothing to record.
    fn notify(&self) -> &dyn super::notify::NotifyWrite {
        self.inner.notify()
    }
}
