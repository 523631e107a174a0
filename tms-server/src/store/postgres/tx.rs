//! The storage interface on PostgreSQL: [`PgTx`] answers `store::Read` and `store::Write`
//! over a worker's connection or a transaction on it, one statement per `block_on`.

use crate::store::ViewFields;
use std::cell::Cell;
use std::sync::LazyLock;
use std::task::Poll;

use tms_core::api::{
    Comment, CommentWithUser, HistoryActor, HistoryEntry, LogEntry, LogQuery, SortKey, Ticket,
    TicketListItem, TicketQuery, User, UserQuery, UserSummary, View,
};
use tms_core::timefmt::{Timestamp, from_micros, to_micros};
use tms_core::{ActivityType, Priority, Role, Status};
use tokio::runtime::Runtime;
use tokio_postgres::GenericClient;

use super::workers::Statements;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};

use crate::store::counts::CountCache;
use crate::store::list::{priority_rank, status_rank};
use crate::store::{
    AgentLoad, CLOCK_COLUMNS, Field, LastChange, ListPage, NO_DUE, NewTicket, Read, SLA_NCOLS,
    SessionUser, SlaColumns, StatsCounts, StatsWindow, StoreError, StoreResult, StoredClock,
    TicketState, Timeline, UserChanges, Write, field_changes, shown_value, sla_columns,
    sla_returning,
};

/// Statement parameters.
pub(super) type Params<'a> = [&'a (dyn ToSql + Sync)];

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        let Some(db) = e.as_db_error() else {
            return Self::Other(format!("database error: {e}"));
        };
        let described = || {
            let detail = db.detail().map(|d| format!(" ({d})")).unwrap_or_default();
            Self::Other(format!("database error: {}{detail}", db.message()))
        };
        let code = db.code();
        if *code == SqlState::UNIQUE_VIOLATION {
            match db.constraint() {
                Some("users_email_key") => return Self::Unique("users.email"),
                Some("users_username_key") => return Self::Unique("users.username"),
                Some("views_user_name_key") => return Self::Unique("views.name"),
                _ => {}
            }
        } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
            return Self::ForeignKey;
        } else if *code == SqlState::QUERY_CANCELED {
            return Self::Interrupted;
        } else if *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::T_R_SERIALIZATION_FAILURE
        {
            return Self::Contended;
        }
        described()
    }
}

/// A stored value the schema should not allow.
fn corrupt(what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored {what} {value} is not valid"))
}

/// A wire string stored in a TEXT column.
fn wire<T: std::str::FromStr>(row: &Row, idx: usize) -> StoreResult<T> {
    let s: String = row.try_get(idx)?;
    s.parse().map_err(|_| corrupt("value", s))
}

fn ts(row: &Row, idx: usize) -> StoreResult<Timestamp> {
    Ok(from_micros(row.try_get::<_, i64>(idx)?))
}

fn ts_opt(row: &Row, idx: usize) -> StoreResult<Option<Timestamp>> {
    Ok(row.try_get::<_, Option<i64>>(idx)?.map(from_micros))
}

fn rank<T: Copy>(all: &[T], row: &Row, idx: usize) -> StoreResult<T> {
    let n: i64 = row.try_get(idx)?;
    usize::try_from(n)
        .ok()
        .and_then(|i| all.get(i).copied())
        .ok_or_else(|| corrupt("rank", n))
}

pub(super) const USER_COLUMNS: &str = "id, username, email, role, is_active, created_at, is_away";

fn user(row: &Row, at: usize) -> StoreResult<User> {
    Ok(User {
        id: row.try_get(at)?,
        username: row.try_get(at + 1)?,
        email: row.try_get(at + 2)?,
        role: wire(row, at + 3)?,
        is_active: row.try_get(at + 4)?,
        created_at: ts(row, at + 5)?,
        is_away: row.try_get(at + 6)?,
    })
}

/// The live session of a token hash (`$1`) at `$2` (microseconds), idle for less than `$3`.
pub(super) static SESSION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT s.id, s.last_seen_at, s.expires_at, {}
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $2 - $3
           AND u.is_active",
        USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
});

/// A row of [`SESSION`].
pub(super) fn session_user(r: &Row) -> StoreResult<SessionUser> {
    Ok(SessionUser {
        session_id: r.try_get(0)?,
        last_seen_at: ts(r, 1)?,
        expires_at: ts(r, 2)?,
        user: user(r, 3)?,
    })
}

const VIEW_COLUMNS: &str = "id, user_id, name, query, shared, created_at, updated_at";

fn view(r: &Row) -> StoreResult<View> {
    Ok(View {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        name: r.try_get(2)?,
        query: r.try_get(3)?,
        shared: r.try_get(4)?,
        created_at: ts(r, 5)?,
        updated_at: ts(r, 6)?,
        count: 0,
    })
}

/// A summary from the 4 columns `id, username, email, role` starting at `at`.
pub(super) fn summary(row: &Row, at: usize) -> StoreResult<UserSummary> {
    Ok(UserSummary {
        id: row.try_get(at)?,
        username: row.try_get(at + 1)?,
        email: row.try_get(at + 2)?,
        role: wire(row, at + 3)?,
    })
}

/// Like [`summary`], `None` when the id column is NULL.
pub(super) fn summary_opt(row: &Row, at: usize) -> StoreResult<Option<UserSummary>> {
    match row.try_get::<_, Option<i64>>(at)? {
        None => Ok(None),
        Some(_) => summary(row, at).map(Some),
    }
}

/// A ticket's columns, then its SLA columns.
pub(super) const TICKET_COLUMNS: &str = concat!(
    "t.id, t.title, t.description, t.status, t.priority, t.creation_date, t.updated_at, \
     t.resolution_date, t.requester_id, t.assigned_agent_id, t.version, t.tags, ",
    sla_columns!()
);
pub(super) const TICKET_NCOLS: usize = 12 + SLA_NCOLS;
const TICKET_RETURNING: &str = concat!(
    "id, title, description, status, priority, creation_date, updated_at, resolution_date, \
     requester_id, assigned_agent_id, version, tags, ",
    sla_returning!()
);
/// Requester and assignee summaries after the ticket columns.
pub(super) const PEOPLE: &str =
    "r.id, r.username, r.email, r.role, a.id, a.username, a.email, a.role";
pub(super) const JOIN_PEOPLE: &str =
    "JOIN users r ON r.id = t.requester_id LEFT JOIN users a ON a.id = t.assigned_agent_id";

pub(super) fn ticket(row: &Row) -> StoreResult<Ticket> {
    let mut t = Ticket {
        id: row.try_get(0)?,
        title: row.try_get(1)?,
        description: row.try_get(2)?,
        status: rank(Status::ALL, row, 3)?,
        priority: rank(Priority::ALL, row, 4)?,
        creation_date: ts(row, 5)?,
        updated_at: ts(row, 6)?,
        resolution_date: ts_opt(row, 7)?,
        requester_id: row.try_get(8)?,
        assigned_agent_id: row.try_get(9)?,
        version: row.try_get(10)?,
        tags: Some(row.try_get(11)?),
        first_response_due: None,
        resolution_due: None,
        first_responded_at: None,
        sla_next_due: None,
        sla_state: None,
    };
    let sla = SlaColumns {
        first_response_due: row.try_get(12)?,
        resolution_due: row.try_get(13)?,
        first_responded_at: row.try_get(14)?,
        breached: row.try_get(15)?,
        paused_at: row.try_get(16)?,
        next_due: row.try_get(17)?,
        next_risk: row.try_get(18)?,
    };
    sla.show(&mut t, to_micros(tms_core::timefmt::now()));
    Ok(t)
}

/// The values of [`CLOCK_COLUMNS`] for PostgreSQL (the flag a boolean).
fn clock_params(clock: Option<&StoredClock>) -> Vec<Box<dyn ToSql + Sync + Send>> {
    let values = clock.map(StoredClock::values);
    CLOCK_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| -> Box<dyn ToSql + Sync + Send> {
            let v = values.map(|v| v[i]);
            match (*c, v) {
                ("sla_breached", v) => Box::new(v.flatten().is_some_and(|b| b != 0)),
                ("sla_paused_us", v) => Box::new(v.flatten().unwrap_or(0)),
                ("sla_next_due", v) => Box::new(v.flatten().unwrap_or(NO_DUE)),
                (_, v) => Box::new(v.flatten()),
            }
        })
        .collect()
}

pub(super) fn ticket_item(row: &Row) -> StoreResult<TicketListItem> {
    Ok(TicketListItem {
        ticket: ticket(row)?,
        requester: summary(row, TICKET_NCOLS)?,
        assigned_agent: summary_opt(row, TICKET_NCOLS + 4)?,
    })
}

const COMMENT_COLUMNS: &str = "c.id, c.ticket_id, c.commented_by_id, c.description, \
     c.creation_date, c.updated_at, c.is_internal";
const COMMENT_RETURNING: &str =
    "id, ticket_id, commented_by_id, description, creation_date, updated_at, is_internal";
/// Columns before the author's, after [`COMMENT_COLUMNS`].
const COMMENT_NCOLS: usize = 7;

/// A ticket with its people, by id.
pub(super) static TICKET_ITEM: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {TICKET_COLUMNS}, {PEOPLE} FROM tickets t {JOIN_PEOPLE} WHERE t.id = $1")
});

/// A ticket's thread with its authors, oldest first.
pub(super) static THREAD: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COMMENT_COLUMNS}, u.id, u.username, u.email, u.role
         FROM comments c JOIN users u ON u.id = c.commented_by_id
         WHERE c.ticket_id = $1 ORDER BY c.id"
    )
});

pub(super) fn comment_with_user(row: &Row) -> StoreResult<CommentWithUser> {
    Ok(CommentWithUser {
        comment: comment(row)?,
        user: summary(row, COMMENT_NCOLS)?,
    })
}

fn comment(row: &Row) -> StoreResult<Comment> {
    Ok(Comment {
        id: row.try_get(0)?,
        ticket_id: row.try_get(1)?,
        commented_by_id: row.try_get(2)?,
        description: row.try_get(3)?,
        creation_date: ts(row, 4)?,
        updated_at: ts(row, 5)?,
        is_internal: row.try_get(6)?,
    })
}

/// A worker's connection or a transaction on it, and the runtime that drives it
/// (`super::workers`).
pub struct PgTx<'a, C: GenericClient> {
    pub(super) c: &'a C,
    statements: &'a Statements,
    rt: &'a Runtime,
    /// Where search totals are remembered, for reads (a write's own transaction sees its
    /// uncommitted changes: nothing it counts may be remembered).
    pub(super) counts: Option<&'a CountCache>,
    /// For a write: whether its transaction is still to begin, which its first statement
    /// then does (`BEGIN` sent with it, in one round trip).
    begin: Option<&'a Cell<bool>>,
    /// For a write: statements sent whose replies the script does not wait for
    /// ([`PgTx::exec_later`]); awaited with the `COMMIT` (`super::write_on`).
    later: Option<Later<'a>>,
}

/// A statement sent and not yet answered: see [`PgTx::exec_later`].
pub(super) type Pending<'a> =
    std::pin::Pin<Box<dyn Future<Output = Result<u64, tokio_postgres::Error>> + 'a>>;

/// A write's statements sent and not yet answered.
pub(super) type Later<'a> = std::cell::RefCell<Vec<Pending<'a>>>;

/// An owned parameter of a statement sent for later ([`PgTx::exec_later`]).
type Owned = Box<dyn ToSql + Sync + Send>;

impl<'a, C: GenericClient + Sync> PgTx<'a, C> {
    pub fn new(c: &'a C, statements: &'a Statements, rt: &'a Runtime) -> Self {
        Self {
            c,
            statements,
            rt,
            counts: None,
            begin: None,
            later: None,
        }
    }

    /// Lets the write's statements that return nothing go out without waiting for their
    /// replies ([`PgTx::take_later`]).
    pub(super) fn deferring(mut self) -> Self {
        self.later = Some(Later::default());
        self
    }

    /// The statements sent by [`PgTx::exec_later`] and not yet answered.
    pub(super) fn take_later(&self) -> Vec<Pending<'a>> {
        self.later.as_ref().map(|l| l.take()).unwrap_or_default()
    }

    /// Sends a statement of a write whose reply the script does not need (an activity log
    /// entry, a history row) without waiting for it: it goes out with the next statement or
    /// the `COMMIT`, a round trip saved. Its failure aborts the transaction, and is the
    /// write's error when it ends (`super::write_on`). Outside a write, or as a transaction's
    /// first statement, it runs at once.
    pub(super) fn exec_later(&self, sql: &str, params: Vec<Owned>) -> StoreResult<()> {
        let (Some(later), false) = (&self.later, self.begin.is_none_or(Cell::get)) else {
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
            return self.exec(sql, &refs).map(|_| ());
        };
        let st = self.rt.block_on(self.statements.get(self.c, sql))?;
        let c = self.c;
        let mut reply: Pending<'a> = Box::pin(async move {
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
            c.execute(&st, &refs).await
        });
        // The first poll hands the request to the connection, ahead of anything sent next.
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match reply.as_mut().poll(&mut cx) {
            Poll::Ready(r) => r.map(|_| ()).map_err(StoreError::from),
            Poll::Pending => {
                later.borrow_mut().push(reply);
                Ok(())
            }
        }
    }

    /// Statements of a transaction that begins with the first of them, marked in `begin`
    /// (true until then).
    pub(super) fn beginning(mut self, begin: &'a Cell<bool>) -> Self {
        self.begin = Some(begin);
        self
    }

    /// Runs one statement's `reply`, after the `BEGIN` of a transaction still to begin, sent
    /// ahead of it in the same round trip.
    async fn begun<T>(
        &self,
        reply: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> StoreResult<T> {
        if !self.begin.is_some_and(|b| b.replace(false)) {
            return Ok(reply.await?);
        }
        let begin = self.c.batch_execute("BEGIN");
        tokio::pin!(begin, reply);
        // The first poll queues the BEGIN, before the statement is queued.
        let begun = match futures_util::poll!(begin.as_mut()) {
            Poll::Ready(r) => Some(r),
            Poll::Pending => None,
        };
        let out = reply.await;
        match begun {
            Some(r) => r?,
            None => begin.await?,
        }
        Ok(out?)
    }

    /// Reads that remember search totals in `counts`.
    pub(super) fn remembering(mut self, counts: &'a CountCache) -> Self {
        self.counts = Some(counts);
        self
    }

    /// The rows of one statement (prepared once per connection).
    pub(super) fn rows(&self, sql: &str, params: &Params<'_>) -> StoreResult<Vec<Row>> {
        self.rt.block_on(async {
            let st = self.statements.get(self.c, sql).await?;
            self.begun(self.c.query(&st, params)).await
        })
    }

    /// The rows of a statement sent without preparing it first (`query_typed`: one round
    /// trip, planned for the values sent).
    pub(super) fn unprepared(
        &self,
        sql: &str,
        params: &[(&(dyn ToSql + Sync), Type)],
    ) -> StoreResult<Vec<Row>> {
        self.rt
            .block_on(self.begun(self.c.query_typed(sql, params)))
    }

    /// The rows of two statements sent together: one round trip to the server instead of two.
    pub(super) fn rows_pair(
        &self,
        (a, a_params): (&str, &Params<'_>),
        (b, b_params): (&str, &Params<'_>),
    ) -> StoreResult<(Vec<Row>, Vec<Row>)> {
        self.rt.block_on(async {
            let sa = self.statements.get(self.c, a).await?;
            let sb = self.statements.get(self.c, b).await?;
            self.begun(async {
                tokio::try_join!(self.c.query(&sa, a_params), self.c.query(&sb, b_params))
            })
            .await
        })
    }

    pub(super) fn opt(&self, sql: &str, params: &Params<'_>) -> StoreResult<Option<Row>> {
        self.rt.block_on(async {
            let st = self.statements.get(self.c, sql).await?;
            self.begun(self.c.query_opt(&st, params)).await
        })
    }

    pub(super) fn one(&self, sql: &str, params: &Params<'_>) -> StoreResult<Row> {
        self.opt(sql, params)?
            .ok_or_else(|| StoreError::Other("a statement returned no row".into()))
    }

    pub(super) fn exec(&self, sql: &str, params: &Params<'_>) -> StoreResult<u64> {
        self.rt.block_on(async {
            let st = self.statements.get(self.c, sql).await?;
            self.begun(self.c.execute(&st, params)).await
        })
    }

    fn history_actor(&self, row: &Row, at: usize) -> StoreResult<HistoryActor> {
        Ok(HistoryActor {
            id: row.try_get(at)?,
            username: row.try_get(at + 1)?,
            role: wire(row, at + 2)?,
        })
    }

    /// A stored history value as the API shows it: an assignee by username, a resolution
    /// date in the wire form, anything else as stored.
    fn shown(&self, kind: &str, value: Option<String>) -> StoreResult<Option<String>> {
        let Some(v) = value else { return Ok(None) };
        if let Some(shown) = shown_value(kind, &v) {
            return Ok(Some(shown));
        }
        let id: i64 = v.parse().unwrap_or_default();
        Ok(Some(
            self.opt("SELECT username FROM users WHERE id = $1", &[&id])?
                .map(|r| r.try_get::<_, String>(0))
                .transpose()?
                .unwrap_or(v),
        ))
    }
}

impl<C: GenericClient + Sync> Read for PgTx<'_, C> {
    fn user(&self, id: i64) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        self.opt(&sql, &[&id])?.map(|r| user(&r, 0)).transpose()
    }

    fn user_by_email(&self, email: &str) -> StoreResult<Option<(User, String)>> {
        if email.contains('\0') {
            // No stored email holds a NUL, and PostgreSQL text cannot.
            return Ok(None);
        }
        let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1");
        self.opt(&sql, &[&email])?
            .map(|r| Ok((user(&r, 0)?, r.try_get(7)?)))
            .transpose()
    }

    fn password_hash(&self, user_id: i64) -> StoreResult<Option<String>> {
        self.opt("SELECT password_hash FROM users WHERE id = $1", &[&user_id])?
            .map(|r| Ok(r.try_get(0)?))
            .transpose()
    }

    fn users(&self, q: &UserQuery, limit: Option<u64>) -> StoreResult<Vec<User>> {
        let needle = q.q.as_ref().map(|t| t.to_lowercase());
        if needle.as_ref().is_some_and(|n| n.contains('\0')) {
            // No stored name or email holds a NUL, and PostgreSQL text cannot.
            return Ok(Vec::new());
        }
        let role = q.role.map(Role::as_str);
        let limit = limit.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users
             WHERE ($1 OR is_active)
               AND ($2::TEXT IS NULL OR role = $2)
               AND ($3::TEXT IS NULL OR strpos(lower(username), $3) > 0 OR strpos(email, $3) > 0)
             ORDER BY id LIMIT $4"
        );
        self.rows(&sql, &[&q.include_inactive, &role, &needle, &limit])?
            .iter()
            .map(|r| user(r, 0))
            .collect()
    }

    fn count_users(&self) -> StoreResult<i64> {
        Ok(self.one("SELECT count(*) FROM users", &[])?.try_get(0)?)
    }

    fn count_active_admins(&self) -> StoreResult<i64> {
        let sql = "SELECT count(*) FROM users WHERE role = 'SysAdmin' AND is_active";
        Ok(self.one(sql, &[])?.try_get(0)?)
    }

    fn email_taken(&self, email: &str, except: Option<i64>) -> StoreResult<bool> {
        let sql = "SELECT EXISTS (SELECT 1 FROM users WHERE email = $1 AND id IS DISTINCT FROM $2)";
        Ok(self.one(sql, &[&email, &except])?.try_get(0)?)
    }

    fn username_taken(&self, username: &str, except: Option<i64>) -> StoreResult<bool> {
        let sql = "SELECT EXISTS (SELECT 1 FROM users
                   WHERE lower(username) = lower($1) AND id IS DISTINCT FROM $2)";
        Ok(self.one(sql, &[&username, &except])?.try_get(0)?)
    }

    fn session(
        &self,
        token_hash: &[u8],
        now: Timestamp,
        idle_micros: i64,
    ) -> StoreResult<Option<SessionUser>> {
        let now = to_micros(now);
        self.opt(&SESSION, &[&token_hash, &now, &idle_micros])?
            .map(|r| session_user(&r))
            .transpose()
    }

    fn ticket(&self, id: i64) -> StoreResult<Option<Ticket>> {
        let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = $1");
        self.opt(&sql, &[&id])?.map(|r| ticket(&r)).transpose()
    }

    fn ticket_item(&self, id: i64) -> StoreResult<Option<TicketListItem>> {
        self.opt(&TICKET_ITEM, &[&id])?
            .map(|r| ticket_item(&r))
            .transpose()
    }

    fn comments_of(&self, ticket_id: i64) -> StoreResult<Vec<CommentWithUser>> {
        self.rows(&THREAD, &[&ticket_id])?
            .iter()
            .map(comment_with_user)
            .collect()
    }

    fn ticket_thread(
        &self,
        id: i64,
    ) -> StoreResult<Option<(TicketListItem, Vec<CommentWithUser>)>> {
        // One round trip for both.
        let (item, thread) = self.rows_pair((&TICKET_ITEM, &[&id]), (&THREAD, &[&id]))?;
        let Some(item) = item.first() else {
            return Ok(None);
        };
        let thread = thread
            .iter()
            .map(comment_with_user)
            .collect::<StoreResult<_>>()?;
        Ok(Some((ticket_item(item)?, thread)))
    }

    fn comment_with_requester(&self, id: i64) -> StoreResult<Option<(Comment, i64)>> {
        let sql = format!(
            "SELECT {COMMENT_COLUMNS}, t.requester_id FROM comments c
             JOIN tickets t ON t.id = c.ticket_id WHERE c.id = $1"
        );
        self.opt(&sql, &[&id])?
            .map(|r| Ok((comment(&r)?, r.try_get(COMMENT_NCOLS)?)))
            .transpose()
    }

    fn tickets(
        &self,
        q: &TicketQuery,
        sort: SortKey,
        only_requester: Option<i64>,
    ) -> StoreResult<ListPage> {
        super::list::tickets(self, q, sort, only_requester)
    }

    fn history(&self, t: &Ticket) -> StoreResult<Vec<HistoryEntry>> {
        let filer: i64 = self
            .opt(
                "SELECT user_id FROM activity_log
                 WHERE ticket_id = $1 AND activity_type = 'Create' AND details = $2
                 ORDER BY id LIMIT 1",
                &[&t.id, &format!("created ticket {}", t.id)],
            )?
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or(t.requester_id);
        let filed_title: String = self
            .opt(
                "SELECT old_value FROM ticket_history WHERE ticket_id = $1 AND kind = 'title'
                 ORDER BY id LIMIT 1",
                &[&t.id],
            )?
            .map(|r| r.try_get::<_, Option<String>>(0))
            .transpose()?
            .flatten()
            .unwrap_or_else(|| t.title.clone());
        let row = self.one(
            "SELECT id, username, role FROM users WHERE id = $1",
            &[&filer],
        )?;
        let created_by = self.history_actor(&row, 0)?;
        let mut timeline = Timeline::new(t, created_by, filed_title);
        let changes = self.rows(
            "SELECT h.at, h.kind, h.old_value, h.new_value, u.id, u.username, u.role, h.id
             FROM ticket_history h JOIN users u ON u.id = h.actor_id
             WHERE h.ticket_id = $1 ORDER BY h.id",
            &[&t.id],
        )?;
        for r in &changes {
            let kind: String = r.try_get(1)?;
            let from = self.shown(&kind, r.try_get(2)?)?;
            let to = self.shown(&kind, r.try_get(3)?)?;
            let actor = self.history_actor(r, 4)?;
            timeline.change(r.try_get(7)?, ts(r, 0)?, &kind, from, to, actor);
        }
        let comments = self.rows(
            "SELECT c.creation_date, c.description, u.id, u.username, u.role, c.id, c.is_internal
             FROM comments c JOIN users u ON u.id = c.commented_by_id
             WHERE c.ticket_id = $1 ORDER BY c.id",
            &[&t.id],
        )?;
        for r in &comments {
            let actor = self.history_actor(r, 2)?;
            let internal = r.try_get(6)?;
            timeline.comment(r.try_get(5)?, ts(r, 0)?, r.try_get(1)?, internal, actor);
        }
        Ok(timeline.into_entries())
    }

    fn setting(&self, name: &str) -> StoreResult<Option<String>> {
        self.opt("SELECT value FROM settings WHERE name = $1", &[&name])?
            .map(|r| Ok(r.try_get(0)?))
            .transpose()
    }

    fn stats(&self, w: StatsWindow) -> StoreResult<StatsCounts> {
        super::stats::stats(self, w)
    }

    fn agent_loads(&self) -> StoreResult<Vec<AgentLoad>> {
        let (open, in_progress) = (status_rank(Status::Open), status_rank(Status::InProgress));
        self.rows(
            "SELECT u.id, u.username, u.is_away,
                    (SELECT coalesce(sum(c.n), 0)::bigint FROM ticket_counts c
                     WHERE c.assigned_agent_id = u.id AND c.status IN ($2, $3))
             FROM users u WHERE u.role = $1 AND u.is_active ORDER BY u.id",
            &[&Role::Agent.as_str(), &open, &in_progress],
        )?
        .iter()
        .map(|r| {
            let open: i64 = r.try_get(3)?;
            Ok(AgentLoad {
                id: r.try_get(0)?,
                username: r.try_get(1)?,
                is_away: r.try_get(2)?,
                open: u64::try_from(open).unwrap_or(0),
            })
        })
        .collect()
    }

    fn tag_counts(&self) -> StoreResult<Vec<(String, u64)>> {
        self.rows(
            "SELECT tag, count(*) AS n FROM ticket_tags GROUP BY tag ORDER BY n DESC, tag",
            &[],
        )?
        .iter()
        .map(|r| {
            let n: i64 = r.try_get(1)?;
            Ok((r.try_get(0)?, u64::try_from(n).unwrap_or(0)))
        })
        .collect()
    }

    fn last_change(&self, ticket_id: i64, field: Field) -> StoreResult<Option<LastChange>> {
        self.opt(
            "SELECT actor_id, old_value FROM ticket_history
             WHERE ticket_id = $1 AND kind = $2 ORDER BY id DESC LIMIT 1",
            &[&ticket_id, &field.as_str()],
        )?
        .map(|r| {
            Ok(LastChange {
                actor_id: r.try_get(0)?,
                old_value: r.try_get(1)?,
            })
        })
        .transpose()
    }

    fn log(&self, q: &LogQuery) -> StoreResult<Vec<LogEntry>> {
        let kind = q.activity_type.map(ActivityType::as_str);
        let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
        let rows = self.rows(
            "SELECT l.id, l.user_id, l.activity_type, l.details, l.activity_date, l.ticket_id,
                    u.id, u.username, u.email, u.role
             FROM activity_log l JOIN users u ON u.id = l.user_id
             WHERE ($1::BIGINT IS NULL OR l.user_id = $1)
               AND ($2::TEXT IS NULL OR l.activity_type = $2)
               AND ($3::BIGINT IS NULL OR l.ticket_id = $3)
               AND ($4::BIGINT IS NULL OR l.id < $4)
             ORDER BY l.id DESC LIMIT $5",
            &[&q.user_id, &kind, &q.ticket_id, &q.before_id, &limit],
        )?;
        rows.iter()
            .map(|r| {
                Ok(LogEntry {
                    id: r.try_get(0)?,
                    user_id: r.try_get(1)?,
                    activity_type: wire(r, 2)?,
                    details: r.try_get(3)?,
                    activity_date: ts(r, 4)?,
                    ticket_id: r.try_get(5)?,
                    user: summary(r, 6)?,
                })
            })
            .collect()
    }

    fn views(&self, user_id: i64, shared: bool) -> StoreResult<Vec<View>> {
        self.rows(
            &format!(
                "SELECT {VIEW_COLUMNS} FROM views WHERE user_id = $1 OR ($2 AND shared)
                 ORDER BY name COLLATE \"C\", id"
            ),
            &[&user_id, &shared],
        )?
        .iter()
        .map(view)
        .collect()
    }

    fn view(&self, id: i64) -> StoreResult<Option<View>> {
        self.opt(
            &format!("SELECT {VIEW_COLUMNS} FROM views WHERE id = $1"),
            &[&id],
        )?
        .map(|r| view(&r))
        .transpose()
    }

    fn notify_read(&self) -> &dyn crate::store::notify::NotifyRead {
        self
    }
}

/// The key of the advisory lock that serialises changes of roles and activity.
const ACCOUNTS_LOCK: i64 = 0x746d_7302;
/// The first half of the advisory lock of each slowing key (the second is its hash).
const ATTEMPTS_LOCK: i32 = 0x746d_7303;

impl<C: GenericClient + Sync> Write for PgTx<'_, C> {
    fn lock_accounts(&self) -> StoreResult<()> {
        self.exec("SELECT pg_advisory_xact_lock($1)", &[&ACCOUNTS_LOCK])?;
        Ok(())
    }

    fn share_accounts(&self) -> StoreResult<()> {
        self.exec("SELECT pg_advisory_xact_lock_shared($1)", &[&ACCOUNTS_LOCK])?;
        Ok(())
    }

    fn ticket_for_update(&self, id: i64) -> StoreResult<Option<Ticket>> {
        let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = $1 FOR UPDATE");
        self.opt(&sql, &[&id])?.map(|r| ticket(&r)).transpose()
    }

    fn insert_user(
        &self,
        username: &str,
        email: &str,
        role: Role,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<User> {
        let sql = format!(
            "INSERT INTO users (username, email, role, password_hash, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING {USER_COLUMNS}"
        );
        let now = to_micros(now);
        let row = self.one(
            &sql,
            &[&username, &email, &role.as_str(), &password_hash, &now],
        )?;
        user(&row, 0)
    }

    fn update_user(&self, id: i64, c: &UserChanges, now: Timestamp) -> StoreResult<Option<User>> {
        let sql = format!(
            "UPDATE users SET
                username = coalesce($2, username),
                email = coalesce($3, email),
                role = coalesce($4, role),
                is_active = coalesce($5, is_active),
                password_hash = coalesce($6, password_hash),
                updated_at = $7,
                is_away = coalesce($8, is_away)
             WHERE id = $1 RETURNING {USER_COLUMNS}"
        );
        let role = c.role.map(Role::as_str);
        let now = to_micros(now);
        self.opt(
            &sql,
            &[
                &id,
                &c.username,
                &c.email,
                &role,
                &c.is_active,
                &c.password_hash,
                &now,
                &c.is_away,
            ],
        )?
        .map(|r| user(&r, 0))
        .transpose()
    }

    fn insert_session(
        &self,
        user_id: i64,
        token_hash: &[u8],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        let (now, expires_at) = (to_micros(now), to_micros(expires_at));
        self.exec(
            "INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at)
             VALUES ($1, $2, $3, $3, $4)",
            &[&user_id, &token_hash, &now, &expires_at],
        )?;
        Ok(())
    }

    fn touch_session(&self, session_id: i64, now: Timestamp) -> StoreResult<()> {
        let now = to_micros(now);
        self.exec(
            "UPDATE sessions SET last_seen_at = $2 WHERE id = $1",
            &[&session_id, &now],
        )?;
        Ok(())
    }

    fn delete_session(&self, session_id: i64) -> StoreResult<()> {
        self.exec("DELETE FROM sessions WHERE id = $1", &[&session_id])?;
        Ok(())
    }

    fn delete_sessions_of(&self, user_id: i64, keep: Option<i64>) -> StoreResult<usize> {
        let n = self.exec(
            "DELETE FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2",
            &[&user_id, &keep],
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn insert_ticket(&self, t: &NewTicket<'_>) -> StoreResult<Ticket> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            let marks: Vec<String> = (10..10 + CLOCK_COLUMNS.len())
                .map(|i| format!("${i}"))
                .collect();
            format!(
                "INSERT INTO tickets (title, description, status, priority, creation_date,
                                      updated_at, resolution_date, requester_id,
                                      assigned_agent_id, tags, {})
                 VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, {}) RETURNING {TICKET_RETURNING}",
                CLOCK_COLUMNS.join(", "),
                marks.join(", ")
            )
        });
        let clock = t.sla.map(|c| StoredClock::new(c, t.status));
        let clock = clock_params(clock.as_ref());
        let (status, priority) = (status_rank(t.status), priority_rank(t.priority));
        let (created, resolved) = (to_micros(t.creation_date), t.resolution_date.map(to_micros));
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![
            &t.title,
            &t.description,
            &status,
            &priority,
            &created,
            &resolved,
            &t.requester_id,
            &t.assigned_agent_id,
            &t.tags,
        ];
        params.extend(clock.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)));
        let row = self.one(&SQL, &params)?;
        ticket(&row)
    }

    fn sla_clock(&self, id: i64) -> StoreResult<Option<tms_core::sla::TicketClock>> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {} FROM tickets WHERE id = $1",
                CLOCK_COLUMNS[..8].join(", ")
            )
        });
        let Some(row) = self.opt(&SQL, &[&id])? else {
            return Ok(None);
        };
        let mut v = [None; 8];
        for (i, slot) in v.iter_mut().enumerate().take(7) {
            *slot = row.try_get(i)?;
        }
        v[7] = Some(i64::from(row.try_get::<_, bool>(7)?));
        Ok(StoredClock::clock_from(v))
    }

    fn save_sla(&self, id: i64, clock: &StoredClock) -> StoreResult<()> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            let sets: Vec<String> = CLOCK_COLUMNS
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c} = ${}", i + 2))
                .collect();
            format!("UPDATE tickets SET {} WHERE id = $1", sets.join(", "))
        });
        let values = clock_params(Some(clock));
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&id];
        params.extend(values.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)));
        self.exec(&SQL, &params)?;
        Ok(())
    }

    fn update_ticket(&self, id: i64, s: &TicketState<'_>) -> StoreResult<Ticket> {
        let sql = format!(
            "UPDATE tickets SET title = $2, description = $3, status = $4, priority = $5,
                    resolution_date = $6, assigned_agent_id = $7, updated_at = $8, tags = $9,
                    version = version + 1
             WHERE id = $1 RETURNING {TICKET_RETURNING}"
        );
        let row = self.one(
            &sql,
            &[
                &id,
                &s.title,
                &s.description,
                &status_rank(s.status),
                &priority_rank(s.priority),
                &s.resolution_date.map(to_micros),
                &s.assigned_agent_id,
                &to_micros(s.updated_at),
                &s.tags,
            ],
        )?;
        ticket(&row)
    }

    fn touch_ticket(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        let now = to_micros(now);
        self.exec_later(
            "UPDATE tickets SET updated_at = $2, version = version + 1 WHERE id = $1",
            vec![Box::new(id), Box::new(now)],
        )
    }

    fn delete_ticket(&self, id: i64) -> StoreResult<usize> {
        let n = self.exec("DELETE FROM tickets WHERE id = $1", &[&id])?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn unassign_open(&self, agent_id: i64, now: Timestamp) -> StoreResult<Vec<i64>> {
        let unresolved: Vec<i64> = Status::ALL
            .iter()
            .filter(|s| s.is_unresolved())
            .map(|s| status_rank(*s))
            .collect();
        let now = to_micros(now);
        self.rows(
            "UPDATE tickets SET assigned_agent_id = NULL, updated_at = $2, version = version + 1
             WHERE assigned_agent_id = $1 AND status = ANY($3) RETURNING id",
            &[&agent_id, &now, &unresolved],
        )?
        .iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect()
    }

    fn record_history(
        &self,
        old: &Ticket,
        new: &TicketState<'_>,
        actor: i64,
        now: Timestamp,
    ) -> StoreResult<()> {
        let now = to_micros(now);
        for (field, was, is) in field_changes(old, new) {
            self.exec_later(
                "INSERT INTO ticket_history (ticket_id, at, actor_id, kind, old_value, new_value)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                vec![
                    Box::new(old.id),
                    Box::new(now),
                    Box::new(actor),
                    Box::new(field.as_str()),
                    Box::new(was),
                    Box::new(is),
                ],
            )?;
        }
        Ok(())
    }

    fn insert_comment(
        &self,
        ticket_id: i64,
        author: i64,
        text: &str,
        is_internal: bool,
        at: Timestamp,
    ) -> StoreResult<Comment> {
        let sql = format!(
            "INSERT INTO comments (ticket_id, commented_by_id, description, creation_date,
                                   updated_at, is_internal)
             VALUES ($1, $2, $3, $4, $4, $5) RETURNING {COMMENT_RETURNING}"
        );
        let at = to_micros(at);
        comment(&self.one(&sql, &[&ticket_id, &author, &text, &at, &is_internal])?)
    }

    fn update_comment(&self, id: i64, text: &str, now: Timestamp) -> StoreResult<Comment> {
        let sql = format!(
            "UPDATE comments SET description = $2, updated_at = $3 WHERE id = $1
             RETURNING {COMMENT_RETURNING}"
        );
        let now = to_micros(now);
        comment(&self.one(&sql, &[&id, &text, &now])?)
    }

    fn delete_comment(&self, id: i64) -> StoreResult<Option<Comment>> {
        let sql = format!("DELETE FROM comments WHERE id = $1 RETURNING {COMMENT_RETURNING}");
        self.opt(&sql, &[&id])?.map(|r| comment(&r)).transpose()
    }

    fn insert_log(
        &self,
        user_id: i64,
        kind: ActivityType,
        details: &str,
        ticket_id: Option<i64>,
        at: Timestamp,
    ) -> StoreResult<()> {
        let at = to_micros(at);
        self.exec_later(
            "INSERT INTO activity_log (user_id, activity_type, details, activity_date, ticket_id)
             VALUES ($1, $2, $3, $4, $5)",
            vec![
                Box::new(user_id),
                Box::new(kind.as_str()),
                Box::new(details.to_string()),
                Box::new(at),
                Box::new(ticket_id),
            ],
        )
    }

    fn clear_log(&self, user_id: Option<i64>) -> StoreResult<usize> {
        let n = self.exec(
            "DELETE FROM activity_log WHERE $1::BIGINT IS NULL OR user_id = $1",
            &[&user_id],
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn save_view(&self, id: Option<i64>, v: &ViewFields<'_>, now: Timestamp) -> StoreResult<View> {
        let now = to_micros(now);
        let row = match id {
            None => self.one(
                &format!(
                    "INSERT INTO views (user_id, name, query, shared, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $5) RETURNING {VIEW_COLUMNS}"
                ),
                &[&v.user_id, &v.name, &v.query, &v.shared, &now],
            )?,
            Some(id) => self.one(
                &format!(
                    "UPDATE views SET name = $2, query = $3, shared = $4, updated_at = $5
                     WHERE id = $1 RETURNING {VIEW_COLUMNS}"
                ),
                &[&id, &v.name, &v.query, &v.shared, &now],
            )?,
        };
        view(&row)
    }

    fn delete_view(&self, id: i64) -> StoreResult<()> {
        self.exec("DELETE FROM views WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn server_key(&self, name: &str, len: usize) -> StoreResult<Vec<u8>> {
        let mut key = vec![0u8; len];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        // Two servers starting at once: the first insert wins and both read its key.
        self.exec(
            "INSERT INTO server_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[&name, &key],
        )?;
        Ok(self
            .one("SELECT value FROM server_keys WHERE name = $1", &[&name])?
            .try_get(0)?)
    }

    fn setting_for_update(&self, name: &str) -> StoreResult<Option<String>> {
        self.opt(
            "SELECT value FROM settings WHERE name = $1 FOR UPDATE",
            &[&name],
        )?
        .map(|r| Ok(r.try_get(0)?))
        .transpose()
    }

    fn put_setting(&self, name: &str, value: &str) -> StoreResult<()> {
        self.exec(
            "INSERT INTO settings (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
            &[&name, &value],
        )?;
        Ok(())
    }

    fn lock_attempts(&self, key: &str) -> StoreResult<()> {
        self.exec(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&ATTEMPTS_LOCK, &key],
        )?;
        Ok(())
    }

    fn failures(&self, key: &str, since: Timestamp) -> StoreResult<Vec<Timestamp>> {
        let since = to_micros(since);
        self.rows(
            "SELECT at FROM login_failures WHERE key = $1 AND at > $2 ORDER BY at",
            &[&key, &since],
        )?
        .iter()
        .map(|r| ts(r, 0))
        .collect()
    }

    fn add_failure(&self, key: &str, at: Timestamp) -> StoreResult<i64> {
        let at = to_micros(at);
        let row = self.one(
            "INSERT INTO login_failures (key, at) VALUES ($1, $2) RETURNING id",
            &[&key, &at],
        )?;
        Ok(row.try_get(0)?)
    }

    fn remove_failures(&self, ids: &[i64]) -> StoreResult<()> {
        self.exec(
            "DELETE FROM login_failures WHERE id = ANY($1)",
            &[&ids.to_vec()],
        )?;
        Ok(())
    }

    fn forget_failures(&self, key: &str) -> StoreResult<()> {
        self.exec("DELETE FROM login_failures WHERE key = $1", &[&key])?;
        Ok(())
    }

    fn expire_failures(&self, before: Timestamp) -> StoreResult<()> {
        let before = to_micros(before);
        self.exec("DELETE FROM login_failures WHERE at <= $1", &[&before])?;
        Ok(())
    }

    fn notify(&self) -> &dyn crate::store::notify::NotifyWrite {
        self
    }
}
