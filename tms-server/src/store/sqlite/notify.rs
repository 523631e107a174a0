//! Notifications on SQLite (`store::notify`): webhooks, email choices and the outbox. One
//! server serves a SQLite file, and its writes run one at a time on the writer thread, so a
//! claim needs no row lock: the lease alone marks what is being delivered.

use rusqlite::{OptionalExtension, Row, params};
use tms_core::timefmt::{Timestamp, from_micros, to_micros};

use super::Tx;
use crate::store::StoreResult;
use crate::store::notify::{
    DeliveryRow, Destination, Job, NotifyRead, NotifyWrite, Outcome, WEBHOOK_COLUMNS, WebhookRow,
};

fn webhook(r: &Row<'_>) -> rusqlite::Result<WebhookRow> {
    Ok(WebhookRow {
        id: r.get(0)?,
        url: r.get(1)?,
        events: r.get(2)?,
        secret: r.get(3)?,
        created_by: r.get(4)?,
        created_at: from_micros(r.get(5)?),
    })
}

/// A claimed row with its webhook's address and secret.
const JOB: &str = "SELECT o.id, o.channel, o.recipient, o.subject, w.url, w.secret, o.event,
                          o.ticket_id, o.body, o.attempts, o.created_at, o.leased_until
                   FROM outbox o LEFT JOIN webhooks w ON w.id = o.webhook_id
                   WHERE o.id = ?1";

fn job(r: &Row<'_>) -> rusqlite::Result<Job> {
    let channel: String = r.get(1)?;
    let to = match channel.as_str() {
        "email" => Destination::Email {
            recipient: r.get(2)?,
            subject: r.get(3)?,
        },
        _ => Destination::Webhook {
            url: r.get(4)?,
            secret: r.get(5)?,
        },
    };
    Ok(Job {
        id: r.get(0)?,
        to,
        event: r.get(6)?,
        ticket_id: r.get(7)?,
        body: r.get(8)?,
        attempts: r.get(9)?,
        created_at: from_micros(r.get(10)?),
        lease: r.get(11)?,
    })
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl NotifyRead for Tx<'_> {
    fn webhooks(&self) -> StoreResult<Vec<WebhookRow>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY id"
        ))?;
        let rows = stmt.query_map([], webhook)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn webhook(&self, id: i64) -> StoreResult<Option<WebhookRow>> {
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?1"
            ))?
            .query_row([id], webhook)
            .optional()?)
    }

    fn deliveries(&self, webhook_id: i64, limit: u32) -> StoreResult<Vec<DeliveryRow>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, event, ticket_id, status, attempts, next_attempt_at, last_status,
                    last_error, created_at, updated_at
             FROM outbox WHERE webhook_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![webhook_id, limit], |r| {
            Ok(DeliveryRow {
                id: r.get(0)?,
                event: r.get(1)?,
                ticket_id: r.get(2)?,
                status: r.get(3)?,
                attempts: r.get(4)?,
                next_attempt_at: from_micros(r.get(5)?),
                last_status: r.get(6)?,
                last_error: r.get(7)?,
                created_at: from_micros(r.get(8)?),
                updated_at: from_micros(r.get(9)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn email_enabled(&self, user_id: i64) -> StoreResult<bool> {
        Ok(self
            .conn()
            .prepare_cached("SELECT email FROM notify_settings WHERE user_id = ?1")?
            .query_row([user_id], |r| r.get::<_, bool>(0))
            .optional()?
            .unwrap_or(true))
    }

    fn next_due(&self) -> StoreResult<Option<Timestamp>> {
        let due: Option<i64> = self
            .conn()
            .prepare_cached("SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'")?
            .query_row([], |r| r.get(0))?;
        Ok(due.map(from_micros))
    }

    fn pending(&self) -> StoreResult<u64> {
        let n: i64 = self
            .conn()
            .prepare_cached("SELECT count(*) FROM outbox WHERE status = 'pending'")?
            .query_row([], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

impl NotifyWrite for Tx<'_> {
    fn insert_webhook(
        &self,
        url: &str,
        events: &str,
        secret: &str,
        created_by: i64,
        now: Timestamp,
    ) -> StoreResult<WebhookRow> {
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "INSERT INTO webhooks (url, events, secret, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING {WEBHOOK_COLUMNS}"
            ))?
            .query_row(
                params![url, events, secret, created_by, to_micros(now)],
                webhook,
            )?)
    }

    fn delete_webhook(&self, id: i64) -> StoreResult<bool> {
        let n = self
            .conn()
            .prepare_cached("DELETE FROM webhooks WHERE id = ?1")?
            .execute([id])?;
        Ok(n > 0)
    }

    fn set_email_enabled(&self, user_id: i64, on: bool) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO notify_settings (user_id, email) VALUES (?1, ?2)
                 ON CONFLICT (user_id) DO UPDATE SET email = excluded.email",
            )?
            .execute(params![user_id, on])?;
        Ok(())
    }

    fn queue_webhooks(
        &self,
        event: &str,
        ticket_id: i64,
        body: &dyn Fn() -> StoreResult<String>,
        now: Timestamp,
    ) -> StoreResult<()> {
        // Most helpdesks have no webhook for most events: then the body is never written
        // (BENCHMARKS.md, "What a creation pays for SLA and notifications").
        let taken: bool = self
            .conn()
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM webhooks w
                 WHERE EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value = ?1))",
            )?
            .query_row([event], |r| r.get(0))?;
        if !taken {
            return Ok(());
        }
        let body = body()?;
        self.conn()
            .prepare_cached(
                "INSERT INTO outbox (channel, webhook_id, event, ticket_id, body,
                                     next_attempt_at, created_at, updated_at)
                 SELECT 'webhook', w.id, ?1, ?2, ?3, ?4, ?4, ?4 FROM webhooks w
                 WHERE EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value = ?1)
                 ORDER BY w.id",
            )?
            .execute(params![event, ticket_id, body, to_micros(now)])?;
        Ok(())
    }

    fn queue_email(
        &self,
        user_id: i64,
        event: &str,
        ticket_id: i64,
        subject: &str,
        body: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO outbox (channel, recipient, event, ticket_id, subject, body,
                                     next_attempt_at, created_at, updated_at)
                 SELECT 'email', u.email, ?2, ?3, ?4, ?5, ?6, ?6, ?6 FROM users u
                 WHERE u.id = ?1 AND u.is_active = 1
                   AND coalesce((SELECT s.email FROM notify_settings s
                                 WHERE s.user_id = u.id), 1) = 1",
            )?
            .execute(params![
                user_id,
                event,
                ticket_id,
                subject,
                body,
                to_micros(now)
            ])?;
        Ok(())
    }

    fn claim(&self, now: Timestamp, lease: Timestamp, limit: u32) -> StoreResult<Vec<Job>> {
        let ids: Vec<i64> = self
            .conn()
            .prepare_cached(
                "UPDATE outbox SET next_attempt_at = ?2, leased_until = ?2,
                                   attempts = attempts + 1, updated_at = ?1
                 WHERE id IN (SELECT id FROM outbox
                              WHERE status = 'pending' AND next_attempt_at <= ?1
                              ORDER BY next_attempt_at, id LIMIT ?3)
                 RETURNING id",
            )?
            .query_map(params![to_micros(now), to_micros(lease), limit], |r| {
                r.get(0)
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn().prepare_cached(JOB)?;
        let mut jobs = ids
            .iter()
            .map(|id| stmt.query_row([id], job))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    fn finish(&self, id: i64, lease: i64, outcome: &Outcome, now: Timestamp) -> StoreResult<bool> {
        let (status, next, code, error) = match outcome {
            Outcome::Sent { status } => ("sent", None, *status, None),
            Outcome::Retry { at, status, error } => (
                "pending",
                Some(to_micros(*at)),
                *status,
                Some(error.as_str()),
            ),
            Outcome::Failed { status, error } => ("failed", None, *status, Some(error.as_str())),
        };
        let n = self
            .conn()
            .prepare_cached(
                "UPDATE outbox SET status = ?3, next_attempt_at = coalesce(?4, next_attempt_at),
                                   leased_until = NULL, last_status = ?5, last_error = ?6,
                                   updated_at = ?7
                 WHERE id = ?1 AND leased_until = ?2 AND status = 'pending'",
            )?
            .execute(params![
                id,
                lease,
                status,
                next,
                code,
                error,
                to_micros(now)
            ])?;
        Ok(n > 0)
    }

    fn release(&self, held: &[(i64, i64)], now: Timestamp) -> StoreResult<()> {
        let mut stmt = self.conn().prepare_cached(
            "UPDATE outbox SET next_attempt_at = ?3, leased_until = NULL
             WHERE id = ?1 AND leased_until = ?2 AND status = 'pending'",
        )?;
        for (id, lease) in held {
            stmt.execute(params![id, lease, to_micros(now)])?;
        }
        Ok(())
    }

    fn release_all(&self, now: Timestamp) -> StoreResult<u64> {
        let n = self
            .conn()
            .prepare_cached(
                "UPDATE outbox SET next_attempt_at = min(next_attempt_at, ?1), leased_until = NULL
                 WHERE status = 'pending' AND leased_until IS NOT NULL",
            )?
            .execute([to_micros(now)])?;
        Ok(count(n))
    }

    fn prune(&self, before: Timestamp, limit: u32) -> StoreResult<u64> {
        let n = self
            .conn()
            .prepare_cached(
                "DELETE FROM outbox WHERE id IN (
                     SELECT id FROM outbox WHERE status <> 'pending' AND updated_at < ?1
                     LIMIT ?2)",
            )?
            .execute(params![to_micros(before), limit])?;
        Ok(count(n))
    }
}
