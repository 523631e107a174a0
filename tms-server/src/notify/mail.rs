//! Email over SMTP (docs/API.md, "Notifications"), by `lettre` on tokio with rustls.
//!
//! `--smtp-url` takes lettre's forms: `smtps://user:pass@host[:465]` (TLS from the start),
//! `smtp://user:pass@host[:587]?tls=required` (STARTTLS, refused if the relay does not offer
//! it), and plain `smtp://host[:25]` without TLS, for a relay on the same machine or network.
//! Credentials are never sent without TLS except to a loopback relay.
//!
//! Every message carries `Message-ID: <tms-{row id}-{digest}@{host}>`: the outbox row it
//! was made from, a digest of this database's key (two helpdesks' row 1 differ) and the
//! sender's domain — the same on every attempt, so that a duplicate sent after a crash
//! between sending and marking it sent can be recognised.

use std::net::IpAddr;
use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Tokio1Executor};

/// The URL without its password, for messages and logs.
pub fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "(not a URL)".into(),
    }
}

/// How a send went.
#[derive(Debug)]
pub enum Sent {
    /// Accepted by the relay, with its reply code.
    Accepted(u16),
    /// Refused for good (a 5xx reply): not worth another attempt.
    Permanent(Option<u16>, String),
    /// Refused for now or not reached: try again.
    Transient(Option<u16>, String),
}

/// The SMTP relay and the sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain of the Message-IDs: the sender's.
    domain: String,
}

impl Mailer {
    /// Checks and prepares `--smtp-url` and `--mail-from`.
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Self, String> {
        let shown = without_password(url);
        let parsed =
            url::Url::parse(url).map_err(|e| format!("--smtp-url {shown} is not a URL: {e}"))?;
        let tls = parsed
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let encrypted = match (parsed.scheme(), tls.as_deref()) {
            ("smtps", _) | ("smtp", Some("required")) => true,
            ("smtp", None | Some("opportunistic")) => false,
            _ => {
                return Err(format!(
                    "--smtp-url {shown}: use smtps://host (TLS), smtp://host?tls=required (STARTTLS) or smtp://host (no TLS, for a local relay)"
                ));
            }
        };
        let loopback = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            // An address in a URL of a scheme the URL standard does not know is a name.
            Some(url::Host::Domain(d)) => {
                d.eq_ignore_ascii_case("localhost")
                    || d.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
            }
            None => false,
        };
        if !encrypted && !parsed.username().is_empty() && !loopback {
            return Err(format!(
                "--smtp-url {shown} would send the password without TLS: use smtps:// or add ?tls=required"
            ));
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("--smtp-url {shown}: {e}"))?
            .timeout(Some(timeout))
            .build();
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("--mail-from {from:?} is not an email address: {e}"))?;
        let domain = from.email.domain().to_string();
        Ok(Self {
            transport,
            from,
            domain,
        })
    }

    /// The Message-ID of outbox row `id`; `digest` tells this database from others.
    pub fn message_id(&self, id: i64, digest: &str) -> String {
        format!("<tms-{id}-{digest}@{}>", self.domain)
    }

    /// Builds the message of outbox row `id` (the same headers on every attempt).
    pub fn message(
        &self,
        id: i64,
        digest: &str,
        to: &str,
        subject: &str,
        body: &str,
    ) -> Result<Message, String> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("the recipient {to:?} is not an email address: {e}"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(self.message_id(id, digest)))
            // RFC 3834: machine-made, so that out-of-office replies are not sent back.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ))
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| format!("the message cannot be built: {e}"))
    }

    /// Hands `message` to the relay.
    pub async fn send(&self, message: Message) -> Sent {
        match self.transport.send(message).await {
            Ok(reply) => Sent::Accepted(u16::from(reply.code())),
            Err(e) => {
                let code = e.status().map(u16::from);
                let why = super::webhook::chain(&e);
                if e.is_permanent() {
                    Sent::Permanent(code, why)
                } else {
                    Sent::Transient(code, why)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Duration = Duration::from_secs(5);

    #[test]
    fn urls_are_checked_and_passwords_kept_out_of_messages() {
        let from = "Helpdesk <help@example.com>";
        assert!(Mailer::new("smtp://127.0.0.1:2525", from, WAIT).is_ok());
        assert!(Mailer::new("smtp://u:p@localhost:2525", from, WAIT).is_ok());
        assert!(Mailer::new("smtp://u:p@127.0.0.1:2525", from, WAIT).is_ok());
        assert!(Mailer::new("smtp://u:p@[::1]:2525", from, WAIT).is_ok());
        assert!(Mailer::new("smtp://u:p@10.0.0.1:2525", from, WAIT).is_err());
        assert!(Mailer::new("smtps://u:p@mail.example.com", from, WAIT).is_ok());
        assert!(Mailer::new("smtp://u:p@mail.example.com?tls=required", from, WAIT).is_ok());
        let plain = Mailer::new("smtp://u:secret@mail.example.com", from, WAIT)
            .err()
            .unwrap();
        assert!(plain.contains("without TLS"), "{plain}");
        assert!(!plain.contains("secret"), "{plain}");
        for bad in [
            "http://mail.example.com",
            "smtp://x?tls=sometimes",
            "mail.example.com",
        ] {
            assert!(Mailer::new(bad, from, WAIT).is_err(), "{bad}");
        }
        let bad_from = Mailer::new("smtp://127.0.0.1:25", "not an address", WAIT)
            .err()
            .unwrap();
        assert!(bad_from.contains("--mail-from"), "{bad_from}");
        assert_eq!(
            without_password("smtps://u:secret@mail.example.com:465"),
            "smtps://u:***@mail.example.com:465"
        );
    }

    #[test]
    fn the_message_id_names_the_row_the_database_and_the_sender_domain() {
        let m = Mailer::new("smtp://127.0.0.1:25", "Desk <desk@help.example.org>", WAIT).unwrap();
        assert_eq!(
            m.message_id(42, "0a1b2c"),
            "<tms-42-0a1b2c@help.example.org>"
        );
        let msg = m
            .message(42, "0a1b2c", "alice@example.com", "[Ticket #1] Hi", "Hello")
            .unwrap();
        let raw = String::from_utf8(msg.formatted()).unwrap();
        assert!(
            raw.contains("Message-ID: <tms-42-0a1b2c@help.example.org>"),
            "{raw}"
        );
        assert!(raw.contains("Auto-Submitted: auto-generated"), "{raw}");
        assert!(raw.contains("To: alice@example.com"), "{raw}");
    }
}
