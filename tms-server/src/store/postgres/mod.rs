//! The PostgreSQL engine: for several servers on one database (`docs/ARCHITECTURE.md`,
//! "Service layer and storage interface").
//!
//! Use cases run on worker threads that each own a tokio-postgres connection and drive it
//! themselves (`workers`), so that the synchronous transaction scripts of the service layer run
//! the same way from the server and from the command line, each statement one `block_on`. A
//! write is one `READ COMMITTED` transaction whose scripts lock what their decisions rest on
//! (`Write::ticket_for_update`, `Write::lock_accounts`); a read is a statement or two on a
//! worker's connection; a search is a read-only transaction under a `statement_timeout` of
//! its budget. A small deadpool pool serves tools and upkeep; `relay` carries events between
//! servers.

pub(crate) mod bulk;
mod list;
mod migrate;
mod notify;
mod pipelined;
mod relay;
mod stats;
mod tx;
mod workers;

use std::cell::Cell;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::runtime::{Handle, Runtime};

use pipelined::Pipelined;
pub use tx::PgTx;
use workers::{Conn, Workers};

use super::counts::CountCache;
use super::{Read, StoreError, Write};
use crate::events::Event;

/// How often the ticket counts' slots are folded together.
const FOLD_EVERY: Duration = Duration::from_secs(60);

/// The engine's own runtime: shut down in the background when the engine goes, so that
/// dropping the engine inside async code (a test's end) does not block.
struct EngineRuntime(Option<tokio::runtime::Runtime>);

impl Drop for EngineRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

struct Inner {
    pool: Pool,
    /// The threads that run use cases, one connection each.
    workers: Workers,
    /// Connections shared by every request's session lookup.
    pipelined: Pipelined,
    /// How to connect, for the connections outside the pool (`relay`).
    config: tokio_postgres::Config,
    /// Remembered search totals (`store::counts`).
    counts: Arc<CountCache>,
    /// This server's committed events, on their way to the other servers (`relay`).
    outbox: OnceLock<tokio::sync::mpsc::UnboundedSender<(Vec<Event>, bool)>>,
    // Declared after the pool: dropped after it.
    rt: EngineRuntime,
    /// The URL without its password, for messages.
    shown: String,
}

/// A handle to a PostgreSQL database; cheap to clone.
#[derive(Clone)]
pub struct Pg {
    inner: Arc<Inner>,
}

/// Why a database URL cannot be used.
fn bad_url(e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("invalid database URL: {e}"))
}

/// `url` without its password.
pub fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(unparsable URL)".into(),
    }
}

impl Pg {
    /// Connects to the database at `url` (`postgres://user:pass@host:port/db`), runs use
    /// cases on `pool_size` workers (one connection each, opened as needed; two more for tools
    /// and upkeep, and two for events once relaying), every statement stopped after
    /// `statement_timeout`, and migrates it. Blocking.
    pub fn open(
        url: &str,
        pool_size: usize,
        statement_timeout: Duration,
    ) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = url.parse().map_err(bad_url)?;
        config.application_name("tms-server");
        // A database that vanishes (a failover, a dropped network) fails requests within
        // seconds instead of holding connections until the kernel gives up.
        config.connect_timeout(Duration::from_secs(5));
        config.keepalives_idle(Duration::from_secs(30));
        config.tcp_user_timeout(Duration::from_secs(30));
        config.options(format!(
            "-c statement_timeout={} -c TimeZone=UTC -c client_min_messages=warning",
            statement_timeout.as_millis()
        ));
        let manager = Manager::from_config(
            config.clone(),
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tms-pg")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let workers = Workers::start(&config, pool_size)?;
        let pipelined = Pipelined::new(config.clone());
        // For tools and upkeep (bulk loads, copies, migrations, folding counts): requests
        // run on the workers.
        let pool = Pool::builder(manager)
            .max_size(2)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(statement_timeout))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let pg = Self {
            inner: Arc::new(Inner {
                pool,
                workers,
                pipelined,
                config,
                counts: Arc::new(CountCache::default()),
                outbox: OnceLock::new(),
                rt: EngineRuntime(Some(rt)),
                shown: without_password(url),
            }),
        };
        pg.migrate()?;
        pg.fold_counts_every(FOLD_EVERY);
        pg.forget_counts_every(relay::FORGET_EVERY);
        Ok(pg)
    }

    /// Forgets the remembered search totals every `period`, for as long as the engine lives:
    /// a change another server made whose notification was lost is then counted again.
    fn forget_counts_every(&self, period: Duration) {
        let counts = Arc::downgrade(&self.inner.counts);
        self.handle().spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.tick().await;
            loop {
                tick.tick().await;
                match counts.upgrade() {
                    Some(c) => c.invalidate(),
                    None => return,
                }
            }
        });
    }

    /// Folds the ticket counts' slots together every `period` (migration 0002), in the
    /// background, for as long as the engine lives. A fold that would wait on a writer's row
    /// gives way at once and runs again a period later.
    fn fold_counts_every(&self, period: Duration) {
        let pool = Arc::downgrade(&self.inner);
        self.handle().spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(inner) = pool.upgrade() else { return };
                let pool = inner.pool.clone();
                drop(inner);
                let folded = async {
                    let mut client = pool
                        .get()
                        .await
                        .map_err(|e| StoreError::Other(e.to_string()))?;
                    let tx = client.transaction().await?;
                    tx.batch_execute(
                        "SET LOCAL lock_timeout = '50ms'; SELECT ticket_counts_fold()",
                    )
                    .await?;
                    tx.commit().await?;
                    Ok::<_, StoreError>(())
                };
                if let Err(e) = folded.await {
                    tracing::debug!(error = %e, "ticket counts not folded this time");
                }
            }
        });
    }

    pub(in crate::store) fn handle(&self) -> Handle {
        // Present until `Inner` drops.
        self.inner
            .rt
            .0
            .as_ref()
            .map(|rt| rt.handle().clone())
            .expect("the engine's runtime lives as long as the engine")
    }

    /// Where the data lives, without the password.
    pub fn describe(&self) -> &str {
        &self.inner.shown
    }

    pub(in crate::store) fn client(
        &self,
        rt: &Handle,
    ) -> Result<deadpool_postgres::Client, StoreError> {
        rt.block_on(self.inner.pool.get())
            .map_err(|e| StoreError::Other(format!("no database connection: {e}")))
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let rt = self.handle();
        let mut client = self.client(&rt)?;
        rt.block_on(migrate::apply(&mut client, &self.inner.shown))
    }

    /// Runs `job` on a worker's connection and waits for its result. Blocking: never from
    /// async code.
    fn on_worker_blocking<T, E, J>(&self, job: J) -> Result<T, E>
    where
        J: FnOnce(&mut Conn, &Runtime) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.inner.workers.submit(Box::new(move |conn, rt| {
            let _ = tx.send(conn.map_err(E::from).and_then(|c| job(c, rt)));
        }))?;
        rx.recv()
            .unwrap_or_else(|_| Err(E::from(StoreError::Closed)))
    }

    /// Runs `job` on a worker's connection; not at all if this future is dropped before a
    /// worker takes it up (its request has gone: past its deadline, or hung up).
    async fn on_worker<T, E, J>(&self, job: J) -> Result<T, E>
    where
        J: FnOnce(&mut Conn, &Runtime) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.inner.workers.submit(Box::new(move |conn, rt| {
            if tx.is_closed() {
                return;
            }
            let _ = tx.send(conn.map_err(E::from).and_then(|c| job(c, rt)));
        }))?;
        rx.await
            .unwrap_or_else(|_| Err(E::from(StoreError::Closed)))
    }

    /// Runs `f` in one transaction, committed if it returns `Ok`; `after` runs on the worker
    /// once it committed, whether or not the caller still waits.
    pub async fn write_then<T, E, F, A>(&self, f: F, after: A) -> Result<T, E>
    where
        F: FnOnce(&dyn Write) -> Result<T, E> + Send + 'static,
        A: FnOnce(&mut T) + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.on_worker(move |c, rt| write_on(c, rt, f, after)).await
    }

    /// [`Pg::write_then`], blocking.
    pub fn write_blocking_then<T, E, F, A>(&self, f: F, after: A) -> Result<T, E>
    where
        F: FnOnce(&dyn Write) -> Result<T, E> + Send + 'static,
        A: FnOnce(&mut T) + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.on_worker_blocking(move |c, rt| write_on(c, rt, f, after))
    }

    /// [`Pg::write_blocking_then`] with nothing after the commit.
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&dyn Write) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.write_blocking_then(f, |_| {})
    }

    /// The live session of `token_hash` (`Read::session`), over a connection that
    /// concurrent requests share (`pipelined`).
    pub async fn session(
        &self,
        token_hash: &[u8],
        now: tms_core::timefmt::Timestamp,
        idle_micros: i64,
    ) -> Result<Option<super::SessionUser>, StoreError> {
        let now = tms_core::timefmt::to_micros(now);
        self.inner
            .pipelined
            .session(token_hash, now, idle_micros)
            .await
    }

    /// A ticket with its people and its thread (`Read::ticket_thread`), over a shared
    /// connection (`pipelined`).
    pub async fn ticket_thread(
        &self,
        id: i64,
    ) -> Result<
        Option<(
            tms_core::api::TicketListItem,
            Vec<tms_core::api::CommentWithUser>,
        )>,
        StoreError,
    > {
        self.inner.pipelined.ticket_thread(id).await
    }

    /// A page of a list without search (`Read::tickets`), over a shared connection
    /// (`pipelined`).
    pub async fn tickets(
        &self,
        q: &tms_core::api::TicketQuery,
        sort: tms_core::api::SortKey,
        only_requester: Option<i64>,
    ) -> Result<super::ListPage, StoreError> {
        self.inner.pipelined.tickets(q, sort, only_requester).await
    }

    /// Runs `f` over a worker's connection, statement by statement.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&dyn Read) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let counts = Arc::clone(&self.inner.counts);
        self.on_worker(
            move |c, rt| f(&PgTx::new(&c.client, &c.statements, rt).remembering(&counts)),
        )
        .await
    }

    /// [`Pg::read`], blocking.
    pub fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&dyn Read) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let counts = Arc::clone(&self.inner.counts);
        self.on_worker_blocking(move |c, rt| {
            f(&PgTx::new(&c.client, &c.statements, rt).remembering(&counts))
        })
    }

    /// Runs `f` in a read-only transaction whose statements stop after `budget`.
    pub async fn search<T, E, F>(&self, budget: Duration, f: F) -> Result<T, E>
    where
        F: FnOnce(&dyn Read) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let counts = Arc::clone(&self.inner.counts);
        self.on_worker(move |c, rt| {
            // One snapshot for the search's statements (its total, its page and their rows).
            let tx = rt
                .block_on(
                    c.client
                        .build_transaction()
                        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                        .read_only(true)
                        .start(),
                )
                .map_err(StoreError::from)?;
            // (Its statements are planned for the words searched: `list::Sql::rows`.)
            let limit = format!("SET LOCAL statement_timeout = {}", budget.as_millis());
            rt.block_on(tx.batch_execute(&limit))
                .map_err(StoreError::from)?;
            let out = f(&PgTx::new(&tx, &c.statements, rt).remembering(&counts));
            if rt.block_on(tx.rollback()).is_err() {
                c.broken = true;
            }
            out
        })
        .await
    }

    /// Runs `job` (a tool's, over the engine's pool) on a blocking thread of the caller's
    /// runtime.
    pub async fn blocking<T, E, J>(&self, job: J) -> Result<T, E>
    where
        J: FnOnce(Pg) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let me = self.clone();
        tokio::task::spawn_blocking(move || job(me))
            .await
            .unwrap_or_else(|e| {
                Err(E::from(StoreError::Other(format!(
                    "a database task failed: {e}"
                ))))
            })
    }
}

/// Creates the empty database `name` in the cluster of `admin_url` (a database the user may
/// create databases from) and returns its URL. For tests and tools.
#[doc(hidden)]
pub async fn create_database(admin_url: &str, name: &str) -> Result<String, StoreError> {
    create_database_from(admin_url, name, None).await
}

/// A new, empty database named `{prefix}{process id}_{n}` for one test; the first call of a
/// process for a prefix drops what earlier runs left under it. For tests.
#[doc(hidden)]
pub async fn test_database(admin_url: &str, prefix: &str) -> Result<String, StoreError> {
    static SWEPT: tokio::sync::Mutex<Vec<String>> = tokio::sync::Mutex::const_new(Vec::new());
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let mine = format!("{prefix}{}_", std::process::id());
    {
        let mut swept = SWEPT.lock().await;
        if !swept.iter().any(|p| p == prefix) {
            drop_databases(admin_url, prefix, &mine).await?;
            swept.push(prefix.to_string());
        }
    }
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    create_database(admin_url, &format!("{mine}{n}")).await
}

/// Drops every database whose name starts with `prefix` but not with `keep`: what earlier
/// test runs left behind (each test gets a database of its own). For tests.
#[doc(hidden)]
pub async fn drop_databases(admin_url: &str, prefix: &str, keep: &str) -> Result<(), StoreError> {
    let (client, connection) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls).await?;
    let driver = tokio::spawn(connection);
    let names: Vec<String> = client
        .query(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1)
               AND NOT starts_with(datname, $2)",
            &[&prefix, &keep],
        )
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    for name in names {
        // Quoted: names come from the catalog, not from input.
        let quoted = name.replace('"', "\"\"");
        client
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{quoted}\" WITH (FORCE)"
            ))
            .await?;
    }
    drop(client);
    let _ = driver.await;
    Ok(())
}

/// [`create_database`] as a copy of the database `template` (which nobody may be connected
/// to), when given.
#[doc(hidden)]
pub async fn create_database_from(
    admin_url: &str,
    name: &str,
    template: Option<&str>,
) -> Result<String, StoreError> {
    let plain = |n: &str| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !plain(name) || !template.is_none_or(plain) {
        return Err(StoreError::Other(format!(
            "{name:?} is not a plain database name"
        )));
    }
    let (client, connection) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls).await?;
    let driver = tokio::spawn(connection);
    // Two statements: neither may run in a transaction, which one batch would be.
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await?;
    client
        .batch_execute(&match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
            None => format!("CREATE DATABASE {name}"),
        })
        .await?;
    drop(client);
    let _ = driver.await;
    let mut url = url::Url::parse(admin_url).map_err(bad_url)?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

impl Pg {
    /// Runs literal SQL and returns every value as text. For tests and diagnostics.
    #[doc(hidden)]
    pub fn raw_query(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>, StoreError> {
        let rt = self.handle();
        let client = self.client(&rt)?;
        let messages = rt.block_on(client.simple_query(sql))?;
        Ok(messages
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect())
    }
}

/// Runs `f` in one transaction on `c`, committed if it returns `Ok`, then `after`. The
/// transaction begins with its first statement (in the same round trip); a script that ran
/// none has nothing to commit. The statements it sent without waiting (`PgTx::exec_later`)
/// are answered with the `COMMIT`: if one failed, the database rolled the transaction back,
/// and its error is the write's.
fn write_on<T, E>(
    c: &mut Conn,
    rt: &Runtime,
    f: impl FnOnce(&dyn Write) -> Result<T, E>,
    after: impl FnOnce(&mut T),
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let begin = Cell::new(true);
    let tx = PgTx::new(&c.client, &c.statements, rt)
        .beginning(&begin)
        .deferring();
    let mut out = f(&tx);
    let pending = tx.take_later();
    drop(tx);
    if !begin.get() {
        let end = if out.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let (answered, ended) = rt.block_on(async {
            futures_util::future::join(
                futures_util::future::join_all(pending),
                c.client.batch_execute(end),
            )
            .await
        });
        if let Some(e) = answered.into_iter().find_map(Result::err) {
            out = Err(E::from(StoreError::from(e)));
        }
        if let Err(e) = ended {
            // Whatever state the connection is in, it is not reused.
            c.broken = true;
            if out.is_ok() {
                return Err(E::from(StoreError::from(e)));
            }
        }
    }
    if let Ok(v) = &mut out {
        after(v);
    }
    out
}
