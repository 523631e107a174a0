//! Webhooks (SysAdmin) and each user's choice about email (docs/API.md, "Webhooks" and
//! "Notifications"). What is sent, and when, is `service::notify`'s; the sending is
//! `crate::notify`'s.

use tms_core::api::{
    DeliveryStatus, NewWebhook, NotificationSettings, WEBHOOK_SECRET_MAX, WEBHOOK_SECRET_MIN,
    WEBHOOK_URL_MAX, Webhook, WebhookDelivery, WebhookEvent,
};
use tms_core::{ActivityType, Actor, ValidationError, rules, timefmt};

use super::ServiceError;
use crate::notify::ssrf;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::notify::{DeliveryRow, WebhookRow};

/// The most webhooks a server keeps: every change is one delivery per webhook.
pub const MAX_WEBHOOKS: usize = 20;
/// Deliveries listed by default, and at most.
pub const DELIVERIES_DEFAULT: u32 = 50;
pub const DELIVERIES_MAX: u32 = 500;

fn not_found(id: i64) -> ServiceError {
    ServiceError::NotFound(format!("webhook {id} doesn't exist"))
}

fn corrupt(what: &str) -> ServiceError {
    ServiceError::from(StoreError::Other(format!("a stored {what} is not valid")))
}

/// A stored webhook as the API shows it: never its secret.
fn shown(w: WebhookRow) -> Result<Webhook, ServiceError> {
    let events: Vec<WebhookEvent> =
        serde_json::from_str(&w.events).map_err(|_| corrupt("webhook's list of events"))?;
    Ok(Webhook {
        id: w.id,
        url: w.url,
        events,
        secret_set: true,
        created_by: w.created_by,
        created_at: w.created_at,
    })
}

fn delivery(d: DeliveryRow) -> Result<WebhookDelivery, ServiceError> {
    let event = WebhookEvent::parse(&d.event).ok_or_else(|| corrupt("delivery's event"))?;
    let status = DeliveryStatus::parse(&d.status).ok_or_else(|| corrupt("delivery's status"))?;
    Ok(WebhookDelivery {
        id: d.id,
        event,
        ticket_id: d.ticket_id,
        status,
        attempts: u32::try_from(d.attempts).unwrap_or(u32::MAX),
        last_status: d.last_status.and_then(|s| u16::try_from(s).ok()),
        last_error: d.last_error,
        next_attempt_at: (status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
        created_at: d.created_at,
        updated_at: d.updated_at,
    })
}

/// A new webhook checked whole: its URL as stored (normalised), its events (each once, in
/// the API's order), or every problem at once.
pub fn check(
    req: &NewWebhook,
    allow_private: bool,
) -> Result<(String, Vec<WebhookEvent>), Vec<ValidationError>> {
    let mut problems = Vec::new();
    let url = check_url(&req.url, allow_private).unwrap_or_else(|e| {
        problems.push(e);
        String::new()
    });
    let mut unknown = Vec::new();
    let mut events: Vec<WebhookEvent> = req
        .events
        .iter()
        .filter_map(|e| {
            let found = WebhookEvent::parse(e);
            if found.is_none() {
                unknown.push(format!("{e:?}"));
            }
            found
        })
        .collect();
    events.sort_unstable();
    events.dedup();
    let known = || {
        WebhookEvent::ALL
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !unknown.is_empty() {
        problems.push(ValidationError::new(
            "events",
            "value_error.event",
            format!("unknown event {}; known: {}", unknown.join(", "), known()),
        ));
    } else if events.is_empty() {
        problems.push(ValidationError::new(
            "events",
            "value_error.too_short",
            format!("name at least one event: {}", known()),
        ));
    }
    let length = req.secret.chars().count();
    if !(WEBHOOK_SECRET_MIN..=WEBHOOK_SECRET_MAX).contains(&length) {
        problems.push(ValidationError::new(
            "secret",
            "value_error.length",
            format!("must be {WEBHOOK_SECRET_MIN} to {WEBHOOK_SECRET_MAX} characters"),
        ));
    } else if req.secret.chars().any(char::is_control) {
        problems.push(ValidationError::new(
            "secret",
            "value_error.control",
            "must not contain control characters",
        ));
    }
    if problems.is_empty() {
        Ok((url, events))
    } else {
        Err(problems)
    }
}

fn check_url(raw: &str, allow_private: bool) -> Result<String, ValidationError> {
    let bad = |kind: &'static str, msg: String| ValidationError::new("url", kind, msg);
    if raw.is_empty() || raw.chars().count() > WEBHOOK_URL_MAX {
        return Err(bad(
            "value_error.length",
            format!("must be 1 to {WEBHOOK_URL_MAX} characters"),
        ));
    }
    if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad(
            "value_error.url",
            "must not contain spaces or control characters".into(),
        ));
    }
    let url =
        url::Url::parse(raw).map_err(|e| bad("value_error.url", format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(
            "value_error.url_scheme",
            "must be an http:// or https:// URL".into(),
        ));
    }
    let Some(host) = url.host() else {
        return Err(bad("value_error.url", "has no host".into()));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "value_error.url",
            "must not hold credentials (user:password@): deliveries are authenticated by their signature".into(),
        ));
    }
    if url.fragment().is_some() {
        return Err(bad("value_error.url", "must not have a #fragment".into()));
    }
    if !allow_private && let Some(refused) = ssrf::literal(&host) {
        return Err(bad("value_error.url_private", refused.to_string()));
    }
    if url.as_str().chars().count() > WEBHOOK_URL_MAX {
        return Err(bad(
            "value_error.length",
            format!("must be 1 to {WEBHOOK_URL_MAX} characters"),
        ));
    }
    Ok(url.into())
}

/// Every webhook (SysAdmin), by id.
pub async fn list(app: &AppState, actor: Actor) -> Result<Vec<Webhook>, ServiceError> {
    rules::check_admin(actor)?;
    app.store
        .read(|r| r.notify_read().webhooks()?.into_iter().map(shown).collect())
        .await
}

/// Registers a webhook (SysAdmin), logged.
pub async fn create(
    app: &AppState,
    actor: Actor,
    req: NewWebhook,
) -> Result<Webhook, ServiceError> {
    rules::check_admin(actor)?;
    let (url, events) = check(&req, app.config.notify.webhook_allow_private)
        .map_err(|e| ServiceError::invalid_at("body", e))?;
    let names =
        serde_json::to_string(&events).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let secret = req.secret;
    let now = timefmt::now();
    app.store
        .write(move |tx| {
            // A bound on the work each change makes, not a count to keep exactly: two
            // SysAdmins creating the last one at once through two servers may pass it by one.
            if tx.notify().webhooks()?.len() >= MAX_WEBHOOKS {
                return Err(ServiceError::Conflict(format!(
                    "there are already {MAX_WEBHOOKS} webhooks, the most a server keeps; delete one first"
                )));
            }
            let w = tx.notify().insert_webhook(&url, &names, &secret, actor.id, now)?;
            let listed: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
            let details = format!("created webhook {} ({}: {})", w.id, w.url, listed.join(", "));
            tx.insert_log(actor.id, ActivityType::Create, &details, None, now)?;
            shown(w)
        })
        .await
}

/// Deletes a webhook and its deliveries, sent or not (SysAdmin), logged; returns it.
pub async fn delete(app: &AppState, actor: Actor, id: i64) -> Result<Webhook, ServiceError> {
    rules::check_admin(actor)?;
    let now = timefmt::now();
    app.store
        .write(move |tx| {
            let w = tx.notify().webhook(id)?.ok_or_else(|| not_found(id))?;
            if !tx.notify().delete_webhook(id)? {
                return Err(not_found(id));
            }
            let details = format!("deleted webhook {id} ({})", w.url);
            tx.insert_log(actor.id, ActivityType::Delete, &details, None, now)?;
            shown(w)
        })
        .await
}

/// The latest deliveries of a webhook, newest first (SysAdmin): `limit` from the query.
pub async fn deliveries(
    app: &AppState,
    actor: Actor,
    id: i64,
    pairs: &[(String, String)],
) -> Result<Vec<WebhookDelivery>, ServiceError> {
    rules::check_admin(actor)?;
    let mut limit = DELIVERIES_DEFAULT;
    for (k, v) in pairs {
        if k == "limit" {
            limit = v
                .parse::<u32>()
                .ok()
                .filter(|n| {
                    (1..=DELIVERIES_MAX).contains(n) && v.bytes().all(|b| b.is_ascii_digit())
                })
                .ok_or_else(|| {
                    ServiceError::invalid_at(
                        "query",
                        vec![ValidationError::new(
                            "limit",
                            "value_error.number",
                            format!("must be a whole number from 1 to {DELIVERIES_MAX}"),
                        )],
                    )
                })?;
        }
    }
    app.store
        .read(move |r| {
            r.notify_read().webhook(id)?.ok_or_else(|| not_found(id))?;
            r.notify_read()
                .deliveries(id, limit)?
                .into_iter()
                .map(delivery)
                .collect()
        })
        .await
}

/// The caller's choice about email.
pub async fn settings(app: &AppState, actor: Actor) -> Result<NotificationSettings, ServiceError> {
    let email = app
        .store
        .read(move |r| Ok::<_, ServiceError>(r.notify_read().email_enabled(actor.id)?))
        .await?;
    Ok(NotificationSettings { email })
}

/// Sets the caller's choice about email.
pub async fn set_settings(
    app: &AppState,
    actor: Actor,
    s: NotificationSettings,
) -> Result<NotificationSettings, ServiceError> {
    app.store
        .write(move |tx| Ok::<_, ServiceError>(tx.notify().set_email_enabled(actor.id, s.email)?))
        .await?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(url: &str, events: &[&str], secret: &str) -> NewWebhook {
        NewWebhook {
            url: url.into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            secret: secret.into(),
        }
    }

    const SECRET: &str = "0123456789abcdef";

    fn fields(r: Result<(String, Vec<WebhookEvent>), Vec<ValidationError>>) -> Vec<&'static str> {
        r.err().unwrap().iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_webhook_is_normalised() {
        let (url, events) = check(
            &req(
                "HTTPS://Hooks.Example.com",
                &["comment.created", "ticket.created", "comment.created"],
                SECRET,
            ),
            false,
        )
        .unwrap();
        assert_eq!(url, "https://hooks.example.com/");
        assert_eq!(
            events,
            [WebhookEvent::TicketCreated, WebhookEvent::CommentCreated]
        );
    }

    #[test]
    fn every_problem_is_named_at_once() {
        assert_eq!(
            fields(check(&req("ftp://x.example", &[], "short"), false)),
            ["url", "events", "secret"]
        );
        assert_eq!(
            fields(check(
                &req("https://x.example", &["ticket.exploded"], SECRET),
                false
            )),
            ["events"]
        );
        for bad in [
            "",
            "not a url",
            "https://user:pw@x.example/",
            "https://x.example/#frag",
            "https://x.exa mple/",
            "https://x.example/\n",
            "javascript:alert(1)",
            "file:///etc/passwd",
        ] {
            assert_eq!(
                fields(check(&req(bad, &["ticket.created"], SECRET), false)),
                ["url"],
                "{bad}"
            );
        }
        let long = format!("{}\u{7}", "s".repeat(20));
        assert_eq!(
            fields(check(
                &req("https://x.example", &["ticket.created"], &long),
                false
            )),
            ["secret"]
        );
        let huge = "s".repeat(257);
        assert_eq!(
            fields(check(
                &req("https://x.example", &["ticket.created"], &huge),
                false
            )),
            ["secret"]
        );
    }

    #[test]
    fn private_addresses_need_the_flag() {
        for url in [
            "http://127.0.0.1:9/x",
            "http://[::1]/",
            "http://10.0.0.1/",
            "http://localhost/",
        ] {
            let r = check(&req(url, &["ticket.created"], SECRET), false);
            let e = r.err().unwrap();
            assert_eq!(e[0].kind, "value_error.url_private", "{url}");
            assert!(e[0].msg.contains("--webhook-allow-private"), "{url}");
            assert!(
                check(&req(url, &["ticket.created"], SECRET), true).is_ok(),
                "{url}"
            );
        }
    }
}
