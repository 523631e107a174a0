//! Notifications on PostgreSQL (`store::notify`): webhooks, email choices and the outbox,
//! which the delivery workers of every server on the database take rows from. A claim locks
//! the due rows it takes with `FOR UPDATE SKIP LOCKED` (two servers claiming at once take
//! different rows, neither waits) and moves them to the end of a lease in the same statement,
//! so that no other server takes them while they are being delivered, and a server that died
//! delivering leaves them due again when the lease ends.

use tms_core::timefmt::{Timestamp, from_micros, to_micros};
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Row};

use super::PgTx;
use crate::store::StoreResult;
use crate::store::notify::{
    DeliveryRow, Destination, Job, NotifyRead, NotifyWrite, Outcome, WEBHOOK_COLUMNS, WebhookRow,
};

fn webhook(r: &Row) -> StoreResult<WebhookRow> {
    Ok(WebhookRow {
        id: r.try_get(0)?,
        url: r.try_get(1)?,
        events: r.try_get(2)?,
        secret: r.try_get(3)?,
        created_by: r.try_get(4)?,
        created_at: from_micros(r.try_get(5)?),
    })
}

fn job(r: &Row) -> StoreResult<Job> {
    let channel: String = r.try_get(1)?;
    let to = match channel.as_str() {
        "email" => Destination::Email {
            recipient: r.try_get(2)?,
            subject: r.try_get(3)?,
        },
        _ => Destination::Webhook {
            url: r.try_get(4)?,
            secret: r.try_get(5)?,
        },
    };
    Ok(Job {
        id: r.try_get(0)?,
        to,
        event: r.try_get(6)?,
        ticket_id: r.try_get(7)?,
        body: r.try_get(8)?,
        attempts: r.try_get(9)?,
        created_at: from_micros(r.try_get(10)?),
        lease: r.try_get(11)?,
    })
}

impl<C: GenericClient + Sync> NotifyRead for PgTx<'_, C> {
    fn webhooks(&self) -> StoreResult<Vec<WebhookRow>> {
        self.rows(
            &format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY id"),
            &[],
        )?
        .iter()
        .map(webhook)
        .collect()
    }

    fn webhook(&self, id: i64) -> StoreResult<Option<WebhookRow>> {
        self.opt(
            &format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"),
            &[&id],
        )?
        .map(|r| webhook(&r))
        .transpose()
    }

    fn deliveries(&self, webhook_id: i64, limit: u32) -> StoreResult<Vec<DeliveryRow>> {
        let limit = i64::from(limit);
        self.rows(
            "SELECT id, event, ticket_id, status, attempts, next_attempt_at, last_status,
                    last_error, created_at, updated_at
             FROM outbox WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
            &[&webhook_id, &limit],
        )?
        .iter()
        .map(|r| {
            Ok(DeliveryRow {
                id: r.try_get(0)?,
                event: r.try_get(1)?,
                ticket_id: r.try_get(2)?,
                status: r.try_get(3)?,
                attempts: r.try_get(4)?,
                next_attempt_at: from_micros(r.try_get(5)?),
                last_status: r.try_get(6)?,
                last_error: r.try_get(7)?,
                created_at: from_micros(r.try_get(8)?),
                updated_at: from_micros(r.try_get(9)?),
            })
        })
        .collect()
    }

    fn email_enabled(&self, user_id: i64) -> StoreResult<bool> {
        Ok(self
            .opt(
                "SELECT email FROM notify_settings WHERE user_id = $1",
                &[&user_id],
            )?
            .map(|r| r.try_get::<_, bool>(0))
            .transpose()?
            .unwrap_or(true))
    }

    fn next_due(&self) -> StoreResult<Option<Timestamp>> {
        let due: Option<i64> = self
            .one(
                "SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'",
                &[],
            )?
            .try_get(0)?;
        Ok(due.map(from_micros))
    }

    fn pending(&self) -> StoreResult<u64> {
        let n: i64 = self
            .one("SELECT count(*) FROM outbox WHERE status = 'pending'", &[])?
            .try_get(0)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

impl<C: GenericClient + Sync> NotifyWrite for PgTx<'_, C> {
    fn insert_webhook(
        &self,
        url: &str,
        events: &str,
        secret: &str,
        created_by: i64,
        now: Timestamp,
    ) -> StoreResult<WebhookRow> {
        let now = to_micros(now);
        webhook(&self.one(
            &format!(
                "INSERT INTO webhooks (url, events, secret, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING {WEBHOOK_COLUMNS}"
            ),
            &[&url, &events, &secret, &created_by, &now],
        )?)
    }

    fn delete_webhook(&self, id: i64) -> StoreResult<bool> {
        Ok(self.exec("DELETE FROM webhooks WHERE id = $1", &[&id])? > 0)
    }

    fn set_email_enabled(&self, user_id: i64, on: bool) -> StoreResult<()> {
        self.exec(
            "INSERT INTO notify_settings (user_id, email) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email",
            &[&user_id, &on],
        )?;
        Ok(())
    }

    fn queue_webhooks(
        &self,
        event: &str,
        ticket_id: i64,
        body: &dyn Fn() -> StoreResult<String>,
        now: Timestamp,
    ) -> StoreResult<()> {
        // Sent without waiting: answered with the COMMIT (no round trip of its own, whether
        // or not any webhook takes the event).
        let params: Vec<Box<dyn ToSql + Sync + Send>> = vec![
            Box::new(event.to_string()),
            Box::new(ticket_id),
            Box::new(body()?),
            Box::new(to_micros(now)),
        ];
        self.exec_later(
            "INSERT INTO outbox (channel, webhook_id, event, ticket_id, body,
                                 next_attempt_at, created_at, updated_at)
             SELECT 'webhook', w.id, $1, $2, $3, $4, $4, $4 FROM webhooks w
             WHERE w.events::jsonb ? $1 ORDER BY w.id",
            params,
        )
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
        let params: Vec<Box<dyn ToSql + Sync + Send>> = vec![
            Box::new(user_id),
            Box::new(event.to_string()),
            Box::new(ticket_id),
            Box::new(subject.to_string()),
            Box::new(body.to_string()),
            Box::new(to_micros(now)),
        ];
        self.exec_later(
            "INSERT INTO outbox (channel, recipient, event, ticket_id, subject, body,
                                 next_attempt_at, created_at, updated_at)
             SELECT 'email', u.email, $2, $3, $4, $5, $6, $6, $6 FROM users u
             WHERE u.id = $1 AND u.is_active
               AND coalesce((SELECT s.email FROM notify_settings s WHERE s.user_id = u.id),
                            TRUE)",
            params,
        )
    }

    fn claim(&self, now: Timestamp, lease: Timestamp, limit: u32) -> StoreResult<Vec<Job>> {
        let (now, lease, limit) = (to_micros(now), to_micros(lease), i64::from(limit));
        self.rows(
            "WITH claimed AS (
                 UPDATE outbox SET next_attempt_at = $2, leased_until = $2,
                                   attempts = attempts + 1, updated_at = $1
                 WHERE id IN (SELECT id FROM outbox
                              WHERE status = 'pending' AND next_attempt_at <= $1
                              ORDER BY next_attempt_at, id LIMIT $3
                              FOR UPDATE SKIP LOCKED)
                 RETURNING id, channel, recipient, subject, webhook_id, event, ticket_id, body,
                           attempts, created_at, leased_until)
             SELECT c.id, c.channel, c.recipient, c.subject, w.url, w.secret, c.event,
                    c.ticket_id, c.body, c.attempts, c.created_at, c.leased_until
             FROM claimed c LEFT JOIN webhooks w ON w.id = c.webhook_id ORDER BY c.id",
            &[&now, &lease, &limit],
        )?
        .iter()
        .map(job)
        .collect()
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
        let now = to_micros(now);
        let n = self.exec(
            "UPDATE outbox SET status = $3, next_attempt_at = coalesce($4, next_attempt_at),
                               leased_until = NULL, last_status = $5, last_error = $6,
                               updated_at = $7
             WHERE id = $1 AND leased_until = $2 AND status = 'pending'",
            &[&id, &lease, &status, &next, &code, &error, &now],
        )?;
        Ok(n > 0)
    }

    fn release(&self, held: &[(i64, i64)], now: Timestamp) -> StoreResult<()> {
        let ids: Vec<i64> = held.iter().map(|(id, _)| *id).collect();
        let leases: Vec<i64> = held.iter().map(|(_, lease)| *lease).collect();
        let now = to_micros(now);
        self.exec(
            "UPDATE outbox o SET next_attempt_at = $3, leased_until = NULL
             FROM UNNEST($1::BIGINT[], $2::BIGINT[]) AS h (id, lease)
             WHERE o.id = h.id AND o.leased_until = h.lease AND o.status = 'pending'",
            &[&ids, &leases, &now],
        )?;
        Ok(())
    }

    fn release_all(&self, now: Timestamp) -> StoreResult<u64> {
        let now = to_micros(now);
        self.exec(
            "UPDATE outbox SET next_attempt_at = least(next_attempt_at, $1), leased_until = NULL
             WHERE status = 'pending' AND leased_until IS NOT NULL",
            &[&now],
        )
    }

    fn prune(&self, before: Timestamp, limit: u32) -> StoreResult<u64> {
        let (before, limit) = (to_micros(before), i64::from(limit));
        self.exec(
            "DELETE FROM outbox WHERE id IN (
                 SELECT id FROM outbox WHERE status <> 'pending' AND updated_at < $1
                 LIMIT $2 FOR UPDATE SKIP LOCKED)",
            &[&before, &limit],
        )
    }
}
