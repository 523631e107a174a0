//! The storage of notifications (docs/ARCHITECTURE.md, "Notifications"): webhooks, each
//! user's choice about email, and the outbox — the deliveries to make, written in the
//! transaction of the change that causes them and taken by the delivery workers of every
//! server on the database.
//!
//! A part of the storage interface of its own, reached through [`super::Read::notify_read`]
//! and [`super::Write::notify`], so that the engines keep it in files of its own
//! (`sqlite/notify.rs`, `postgres/notify.rs`).

use tms_core::timefmt::Timestamp;

use super::StoreResult;

/// The columns of a [`WebhookRow`], in the order both engines read them.
pub const WEBHOOK_COLUMNS: &str = "id, url, events, secret, created_by, created_at";

/// A webhook as stored (its secret included: the API never shows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    /// A JSON array of event names.
    pub events: String,
    pub secret: String,
    pub created_by: i64,
    pub created_at: Timestamp,
}

/// One outbox row of a webhook, as the deliveries list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: i64,
    pub event: String,
    pub ticket_id: Option<i64>,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Where a claimed delivery goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Email { recipient: String, subject: String },
    Webhook { url: String, secret: String },
}

/// A delivery a worker took: its row, and the lease that is its claim on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub to: Destination,
    pub event: String,
    pub ticket_id: Option<i64>,
    pub body: String,
    /// Attempts begun, this one included.
    pub attempts: i64,
    pub created_at: Timestamp,
    /// The end of the lease (microseconds): the claim, compared when the outcome is stored.
    pub lease: i64,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent {
        status: Option<i64>,
    },
    /// Try again at `at`.
    Retry {
        at: Timestamp,
        status: Option<i64>,
        error: String,
    },
    /// Given up.
    Failed {
        status: Option<i64>,
        error: String,
    },
}

/// The reads of notifications.
pub trait NotifyRead {
    /// Every webhook, by id.
    fn webhooks(&self) -> StoreResult<Vec<WebhookRow>>;
    fn webhook(&self, id: i64) -> StoreResult<Option<WebhookRow>>;
    /// The latest `limit` deliveries of webhook `id`, newest first.
    fn deliveries(&self, webhook_id: i64, limit: u32) -> StoreResult<Vec<DeliveryRow>>;
    /// Whether user `id` wants email (the default).
    fn email_enabled(&self, user_id: i64) -> StoreResult<bool>;
    /// When the earliest pending delivery is due; `None` when none is pending.
    fn next_due(&self) -> StoreResult<Option<Timestamp>>;
    /// How many deliveries are pending.
    fn pending(&self) -> StoreResult<u64>;
}

/// The writes of notifications, inside the transaction `Store::write` opened.
pub trait NotifyWrite: NotifyRead {
    fn insert_webhook(
        &self,
        url: &str,
        events: &str,
        secret: &str,
        created_by: i64,
        now: Timestamp,
    ) -> StoreResult<WebhookRow>;
    /// Deletes webhook `id` with its deliveries; whether there was one.
    fn delete_webhook(&self, id: i64) -> StoreResult<bool>;
    fn set_email_enabled(&self, user_id: i64, on: bool) -> StoreResult<()>;
    /// Queues a delivery of `event` (with the objects it carries, written by `body`) to every
    /// webhook that takes it. SQLite writes the body only when a webhook takes the event;
    /// PostgreSQL always does, and sends the statement with the commit (no round trip of its
    /// own). Returns nothing.
    fn queue_webhooks(
        &self,
        event: &str,
        ticket_id: i64,
        body: &dyn Fn() -> StoreResult<String>,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Queues an email to user `user_id` if they are active and want email (checked by the
    /// statement itself). Returns nothing: on PostgreSQL it goes out with the commit.
    fn queue_email(
        &self,
        user_id: i64,
        event: &str,
        ticket_id: i64,
        subject: &str,
        body: &str,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Takes up to `limit` deliveries due at `now`, none another transaction holds, leased
    /// until `lease` (when they fall due again unless their outcome is stored first).
    fn claim(&self, now: Timestamp, lease: Timestamp, limit: u32) -> StoreResult<Vec<Job>>;
    /// Stores the outcome of the attempt on delivery `id` made under `lease`; false (and
    /// nothing changed) when the lease was lost to another claim meanwhile.
    fn finish(&self, id: i64, lease: i64, outcome: &Outcome, now: Timestamp) -> StoreResult<bool>;
    /// Gives deliveries `(id, lease)` back, due at `now` (a worker stopping).
    fn release(&self, held: &[(i64, i64)], now: Timestamp) -> StoreResult<()>;
    /// Every lease ended, its delivery due at `now`: for an engine that only one server
    /// serves (SQLite), at its start, when no lease can be anyone's.
    fn release_all(&self, now: Timestamp) -> StoreResult<u64>;
    /// Deletes up to `limit` deliveries that ended (sent or failed) before `before`.
    fn prune(&self, before: Timestamp, limit: u32) -> StoreResult<u64>;
}
