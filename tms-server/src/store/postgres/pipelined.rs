//! The reads every request makes — who is calling — and the commonest single reads (a ticket
//! with its thread), sent over a few connections that all requests share at once (`docs/ARCHITECTURE.md`, "Storage"; measured in `BENCHMARKS.md`).
//!
//! With several servers on one database a session ended through one server must be refused by
//! the others on the very next request, so each request reads its session from the database.
//! On a worker (`workers`) that read would cost a job of its own: two hand-offs between threads
//! and a wake-up of one database process per request. Here concurrent requests' lookups go out
//! together on a shared connection of the async driver, which pipelines them: one write and one
//! read carry many lookups, and one database process answers them back to back.
//!
//! A connection is opened when first needed, and again once it is found closed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::RwLock;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row};

use super::tx::{SESSION, THREAD, TICKET_ITEM, comment_with_user, session_user, ticket_item};
use super::workers::Statements;
use tms_core::api::{CommentWithUser, SortKey, TicketListItem, TicketQuery};

use crate::store::{ListPage, SessionUser, StoreResult};

/// Connections shared by the requests: one per core (each is answered by one database
/// process), at least two and at most eight.
fn connections() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

/// One shared connection and the statements prepared on it.
pub(super) struct Shared {
    client: Client,
    statements: Statements,
}

impl Shared {
    /// The rows of `sql` (prepared once) with `params`.
    pub(super) async fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<Vec<Row>> {
        let st = self.statements.get(&self.client, sql).await?;
        Ok(self.client.query(&st, params).await?)
    }

    async fn query_opt(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<Option<Row>> {
        let st = self.statements.get(&self.client, sql).await?;
        Ok(self.client.query_opt(&st, params).await?)
    }
}

pub(super) struct Pipelined {
    config: Config,
    slots: Vec<RwLock<Option<Arc<Shared>>>>,
    next: AtomicUsize,
}

impl Pipelined {
    pub(super) fn new(config: Config) -> Self {
        Self {
            config,
            slots: (0..connections()).map(|_| RwLock::new(None)).collect(),
            next: AtomicUsize::new(0),
        }
    }

    /// The live session of `token_hash` (see `store::Read::session`).
    pub(super) async fn session(
        &self,
        token_hash: &[u8],
        now_micros: i64,
        idle_micros: i64,
    ) -> StoreResult<Option<SessionUser>> {
        self.connection()
            .await?
            .query_opt(&SESSION, &[&token_hash, &now_micros, &idle_micros])
            .await?
            .map(|r| session_user(&r))
            .transpose()
    }

    /// A ticket with its people and its thread (see `store::Read::ticket_thread`), both
    /// statements sent at once.
    pub(super) async fn ticket_thread(
        &self,
        id: i64,
    ) -> StoreResult<Option<(TicketListItem, Vec<CommentWithUser>)>> {
        let shared = self.connection().await?;
        let params: [&(dyn ToSql + Sync); 1] = [&id];
        let (item, thread) = tokio::try_join!(
            shared.query_opt(&TICKET_ITEM, &params),
            shared.query(&THREAD, &params)
        )?;
        let Some(item) = item else {
            return Ok(None);
        };
        let thread = thread
            .iter()
            .map(comment_with_user)
            .collect::<StoreResult<_>>()?;
        Ok(Some((ticket_item(&item)?, thread)))
    }

    /// A page of a list without search (see `store::Read::tickets`).
    pub(super) async fn tickets(
        &self,
        q: &TicketQuery,
        sort: SortKey,
        only_requester: Option<i64>,
    ) -> StoreResult<ListPage> {
        let shared = self.connection().await?;
        super::list::unsearched(&shared, q, sort, only_requester).await
    }

    /// The next shared connection, opened if it is not open.
    async fn connection(&self) -> StoreResult<Arc<Shared>> {
        let slot = &self.slots[self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len()];
        if let Some(shared) = slot.read().await.as_ref()
            && !shared.client.is_closed()
        {
            return Ok(Arc::clone(shared));
        }
        let mut open = slot.write().await;
        if let Some(shared) = open.as_ref()
            && !shared.client.is_closed()
        {
            return Ok(Arc::clone(shared));
        }
        // Driven by the runtime of the request that opens it (the server's), so that a
        // request's statements and their replies cross no other thread.
        let (client, connection) = self.config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "a shared database connection closed");
            }
        });
        let shared = Arc::new(Shared {
            client,
            statements: Default::default(),
        });
        *open = Some(Arc::clone(&shared));
        Ok(shared)
    }
}
