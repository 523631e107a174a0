//! Webhook deliveries (docs/API.md, "Webhooks"): a JSON POST of `{"event", "delivery_id",
//! "occurred_at", "ticket", "comment"}`, signed with `X-Tms-Signature: sha256=<hex HMAC-SHA256
//! of the exact body, keyed with the webhook's secret>`, named by `X-Tms-Delivery: <id>` (the
//! outbox row, the same on every attempt) so that a receiver can drop a duplicate.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::Sha256;
use tms_core::timefmt::{self, Timestamp};

use super::ssrf;

/// The header naming a delivery (its outbox row id).
pub const DELIVERY_HEADER: &str = "x-tms-delivery";
/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-tms-signature";
/// The header naming the event.
pub const EVENT_HEADER: &str = "x-tms-event";

/// The body of a delivery: the same bytes on every attempt (built from the stored row).
pub fn body(
    event: &str,
    id: i64,
    occurred_at: Timestamp,
    objects: &str,
) -> Result<String, serde_json::Error> {
    #[derive(Deserialize)]
    struct Objects<'a> {
        #[serde(borrow)]
        ticket: Option<&'a RawValue>,
        #[serde(borrow)]
        comment: Option<&'a RawValue>,
    }
    #[derive(Serialize)]
    struct Body<'a> {
        event: &'a str,
        delivery_id: i64,
        occurred_at: String,
        ticket: Option<&'a RawValue>,
        comment: Option<&'a RawValue>,
    }
    let o: Objects<'_> = serde_json::from_str(objects)?;
    serde_json::to_string(&Body {
        event,
        delivery_id: id,
        occurred_at: timefmt::format(occurred_at),
        ticket: o.ticket,
        comment: o.comment,
    })
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` keyed with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any size");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// How an attempt went.
#[derive(Debug)]
pub enum Attempt {
    /// The receiver answered 2xx.
    Delivered(u16),
    /// The receiver answered something else: try again.
    Answered(u16),
    /// No answer (connection refused, timed out, TLS, DNS): try again.
    Unreachable(String),
    /// The address is not public: never sent, and it will not be.
    Refused(String),
}

/// Sends webhook deliveries: one HTTP client (connections kept between deliveries), no
/// proxy from the environment, no redirects followed, every lookup checked (`ssrf`) unless
/// private addresses are allowed.
#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
    allow_private: bool,
    timeout: Duration,
}

impl Sender {
    pub fn new(allow_private: bool, timeout: Duration) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("tms-webhooks/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(ssrf::GuardedResolver));
        }
        let http = builder.build().map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            allow_private,
            timeout,
        })
    }

    /// One attempt of delivery `id` of `event` with `body` to `url`.
    pub async fn send(
        &self,
        url: &str,
        secret: &str,
        id: i64,
        event: &str,
        body: String,
    ) -> Attempt {
        let parsed = match url::Url::parse(url) {
            Ok(u) => u,
            Err(e) => return Attempt::Refused(format!("the URL is not valid: {e}")),
        };
        if !self.allow_private
            && let Some(refused) = parsed.host().as_ref().and_then(ssrf::literal)
        {
            return Attempt::Refused(refused.to_string());
        }
        let sent = self
            .http
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(DELIVERY_HEADER, id.to_string())
            .header(EVENT_HEADER, event)
            .header(SIGNATURE_HEADER, signature(secret, body.as_bytes()))
            .body(body)
            .send()
            .await;
        match sent {
            Ok(reply) => {
                let status = reply.status().as_u16();
                if reply.status().is_success() {
                    Attempt::Delivered(status)
                } else {
                    Attempt::Answered(status)
                }
            }
            Err(e) => {
                if let Some(refused) = ssrf::refused_in(&e) {
                    Attempt::Refused(refused.to_string())
                } else if e.is_timeout() {
                    Attempt::Unreachable(format!(
                        "no answer within {} s",
                        self.timeout.as_secs_f64()
                    ))
                } else {
                    Attempt::Unreachable(chain(&e))
                }
            }
        }
    }
}

/// An error and its causes, as one line.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_the_stored_objects_verbatim() {
        let at = timefmt::parse("2026-03-01T10:11:12").unwrap();
        let objects = r#"{"ticket":{"id":3,"title":"a \"b\""},"comment":null}"#;
        let b = body("ticket.created", 41, at, objects).unwrap();
        assert_eq!(
            b,
            r#"{"event":"ticket.created","delivery_id":41,"occurred_at":"2026-03-01T10:11:12","ticket":{"id":3,"title":"a \"b\""},"comment":null}"#
        );
        // The same row gives the same bytes, hence the same signature, on every attempt.
        assert_eq!(b, body("ticket.created", 41, at, objects).unwrap());
    }

    #[test]
    fn the_signature_is_the_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
