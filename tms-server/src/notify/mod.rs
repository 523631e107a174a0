//! Delivery of notifications (docs/ARCHITECTURE.md, "Notifications"): the worker that every
//! server runs while it serves, which takes the outbox's due rows, sends them by email (SMTP,
//! `mail`) or webhook (a signed HTTP POST, `webhook`, never to a private address unless
//! allowed: `ssrf`), and stores each outcome: sent, a retry later, or failed.
//!
//! What goes into the outbox, and when, is the service's (`service::notify`).

pub mod mail;
pub mod ssrf;
pub mod webhook;
mod worker;

use std::sync::Arc;
use std::time::Duration;

pub use worker::{BACKLOG, Worker, backoff};

/// Runs the delivery worker of a server on `store` until `stop` turns true.
pub async fn run(
    store: crate::store::Store,
    settings: Settings,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    match Worker::new(store, Arc::new(settings)).await {
        Ok(worker) => worker.run(stop).await,
        Err(e) => tracing::error!(error = %e, "the notification worker cannot start"),
    }
}

/// The notification settings of a server (`serve --smtp-url …`).
#[derive(Clone)]
pub struct Settings {
    /// The SMTP relay (`smtp://`, `smtp://…?tls=required`, `smtps://`); no email is queued
    /// without one.
    pub smtp_url: Option<String>,
    /// The sender of every email (`Helpdesk <help@example.com>`); required with `smtp_url`.
    pub mail_from: Option<String>,
    /// Send webhooks to loopback, private and other non-public addresses too.
    pub webhook_allow_private: bool,
    /// How long a webhook receiver has to answer.
    pub webhook_timeout: Duration,
    /// How long one email may take to hand to the relay.
    pub smtp_timeout: Duration,
    /// The first retry's delay; each later one doubles, up to `retry_cap`, with jitter.
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// Webhook deliveries are retried for this long after the change, then failed.
    pub webhook_retry_for: Duration,
    /// Email is tried this many times, then failed.
    pub email_attempts: u32,
    /// How often the worker looks for due deliveries when nothing woke it.
    pub poll: Duration,
    /// Sent and failed deliveries are kept this long, then deleted.
    pub keep: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            mail_from: None,
            webhook_allow_private: false,
            webhook_timeout: Duration::from_secs(10),
            smtp_timeout: Duration::from_secs(30),
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(3600),
            webhook_retry_for: Duration::from_secs(24 * 3600),
            email_attempts: 10,
            poll: Duration::from_secs(2),
            keep: Duration::from_secs(14 * 24 * 3600),
        }
    }
}

impl std::fmt::Debug for Settings {
    /// Without the SMTP password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field(
                "smtp_url",
                &self.smtp_url.as_deref().map(mail::without_password),
            )
            .field("mail_from", &self.mail_from)
            .field("webhook_allow_private", &self.webhook_allow_private)
            .field("webhook_timeout", &self.webhook_timeout)
            .field("smtp_timeout", &self.smtp_timeout)
            .field("retry_base", &self.retry_base)
            .field("retry_cap", &self.retry_cap)
            .field("webhook_retry_for", &self.webhook_retry_for)
            .field("email_attempts", &self.email_attempts)
            .field("poll", &self.poll)
            .field("keep", &self.keep)
            .finish()
    }
}

impl Settings {
    /// How long a worker holds a delivery it took: longer than any attempt may last, so that
    /// no other server takes it meanwhile; a worker that died leaves it due after this.
    pub fn lease(&self) -> Duration {
        self.webhook_timeout.max(self.smtp_timeout) + Duration::from_secs(30)
    }

    /// Checks the settings before the server starts: the SMTP URL and the sender.
    pub fn check(&self) -> Result<(), String> {
        match (&self.smtp_url, &self.mail_from) {
            (None, None) => Ok(()),
            (None, Some(_)) => Err("--mail-from needs --smtp-url (the relay to send by)".into()),
            (Some(_), None) => Err(
                "--smtp-url needs --mail-from, the sender of every email (e.g. \"Helpdesk <help@example.com>\")".into(),
            ),
            (Some(url), Some(from)) => mail::Mailer::new(url, from, self.smtp_timeout).map(|_| ()),
        }
    }
}
