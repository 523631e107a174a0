//! The live event stream (`GET /api/v1/events`, docs/API.md "Live events"): the events the
//! server sends, and [`listen`], the task that keeps one stream open for a session — it
//! reconnects with a growing pause, resuming after the last event seen (`Last-Event-ID`), and
//! stops for good when the session has ended.

use super::ApiClient;
use futures_util::StreamExt;
use serde::Deserialize;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};
use tms_core::api::{Comment, TicketListItem};

/// One block of the stream as decoded, or why the connection broke.
pub type Block = Result<sse_stream::Sse, sse_stream::Error>;

/// What changed, as the server names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    TicketCreated,
    TicketUpdated,
    TicketDeleted,
    CommentCreated,
    CommentUpdated,
    CommentDeleted,
    /// A change this client does not know (a newer server).
    #[serde(other)]
    Other,
}

/// A `ticket` event: the ticket as a list shows it to this user, absent for a deletion.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TicketEvent {
    pub ticket_id: i64,
    pub change: Change,
    /// Boxed: a ticket is several times the size of the stream's other events.
    #[serde(default)]
    pub ticket: Option<Box<TicketListItem>>,
}

/// A `comment` event: the comment as it is now, absent for a deletion.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CommentEvent {
    pub ticket_id: i64,
    #[serde(default)]
    pub comment_id: Option<i64>,
    pub change: Change,
    #[serde(default)]
    pub comment: Option<Comment>,
}

/// One event of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    Ticket(TicketEvent),
    Comment(CommentEvent),
    /// Events may have been missed: whatever is shown must be read again.
    Resync,
}

impl ServerEvent {
    /// The event named `name` with `data`; `None` for a name this client does not know. An
    /// event it knows but cannot read is a [`ServerEvent::Resync`]: reading again is always
    /// right.
    pub fn parse(name: &str, data: &str) -> Option<Self> {
        let event = match name {
            "ticket" => serde_json::from_str(data).map(ServerEvent::Ticket),
            "comment" => serde_json::from_str(data).map(ServerEvent::Comment),
            "resync" => return Some(ServerEvent::Resync),
            _ => return None,
        };
        Some(event.unwrap_or(ServerEvent::Resync))
    }
}

/// What the stream tells the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    /// Events flow. `resumed`: from the last event seen, so nothing was missed meanwhile (or
    /// the server will say `resync`).
    Connected {
        resumed: bool,
    },
    Event(Box<ServerEvent>),
    /// The connection broke or could not be made (why); it is tried again shortly.
    Lost(String),
    /// The server refused the session: it has ended. The stream stops.
    SessionEnded,
    /// This server has no event stream. The stream stops.
    Unsupported,
}

/// The first pause before connecting again, doubled after each failure up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const MAX_PAUSE: Duration = Duration::from_secs(10);
/// A connection up this long was a working one: once it breaks, the pauses start over from
/// the shortest (one dropped at once keeps them growing).
const STABLE: Duration = Duration::from_secs(3);

/// The pauses between attempts to connect: growing, and spread by ±25 % so that clients that
/// lost the same server do not all come back at the same instant.
#[derive(Debug)]
struct Backoff {
    next: Duration,
}

impl Backoff {
    fn new() -> Self {
        Self { next: FIRST_PAUSE }
    }

    fn pause(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(MAX_PAUSE);
        let spread = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
            % 501;
        base * (750 + u32::try_from(spread).unwrap_or(0)) / 1000
    }
}

/// Keeps the event stream of `client`'s session open, telling `tell` what happens, until
/// `tell` returns false (nobody listens any more) or the session has ended.
pub async fn listen(client: ApiClient, mut tell: impl FnMut(News) -> bool) {
    let mut last: Option<String> = None;
    let mut backoff = Backoff::new();
    loop {
        let lost = match client.events(last.as_deref()).await {
            Ok(stream) => {
                if !tell(News::Connected {
                    resumed: last.is_some(),
                }) {
                    return;
                }
                let since = Instant::now();
                let lost = follow(stream, &mut last, &mut tell).await;
                if since.elapsed() >= STABLE {
                    backoff = Backoff::new();
                }
                match lost {
                    Some(why) => why,
                    None => return,
                }
            }
            Err(e) if e.is_unauthorized() => {
                tell(News::SessionEnded);
                return;
            }
            Err(e) if matches!(e.status(), Some(404 | 405)) => {
                tell(News::Unsupported);
                return;
            }
            Err(e) => e.to_string(),
        };
        if !tell(News::Lost(lost)) {
            return;
        }
        tokio::time::sleep(backoff.pause()).await;
    }
}

/// Hands on the events of one connection, keeping the id of the last one; returns why the
/// connection ended, or `None` when nobody listens any more.
async fn follow(
    stream: impl futures_util::Stream<Item = Block>,
    last: &mut Option<String>,
    tell: &mut impl FnMut(News) -> bool,
) -> Option<String> {
    let mut stream = std::pin::pin!(stream);
    while let Some(block) = stream.next().await {
        let sse = match block {
            Ok(sse) => sse,
            Err(e) => return Some(e.to_string()),
        };
        // Only an id that can be sent back as a header is a resume point.
        if let Some(id) = sse
            .id
            .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_graphic()))
        {
            *last = Some(id);
        }
        let (Some(name), data) = (sse.event, sse.data.unwrap_or_default()) else {
            continue;
        };
        if let Some(event) = ServerEvent::parse(&name, &data)
            && !tell(News::Event(Box::new(event)))
        {
            return None;
        }
    }
    Some("the server closed the event stream".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_as_the_server_writes_them() {
        let data = r#"{"ticket_id":4,"change":"ticket_deleted"}"#;
        assert_eq!(
            ServerEvent::parse("ticket", data),
            Some(ServerEvent::Ticket(TicketEvent {
                ticket_id: 4,
                change: Change::TicketDeleted,
                ticket: None,
            }))
        );
        let data = r#"{"ticket_id":4,"comment_id":9,"change":"comment_deleted"}"#;
        let Some(ServerEvent::Comment(c)) = ServerEvent::parse("comment", data) else {
            panic!("not a comment event")
        };
        assert_eq!((c.comment_id, c.change), (Some(9), Change::CommentDeleted));
        let data = r#"{"ticket_id":4,"change":"ticket_archived"}"#;
        let Some(ServerEvent::Ticket(t)) = ServerEvent::parse("ticket", data) else {
            panic!("not a ticket event")
        };
        assert_eq!(t.change, Change::Other, "a newer server's change is kept");
    }

    #[test]
    fn an_unknown_event_is_skipped_and_an_unreadable_one_reads_again() {
        assert_eq!(ServerEvent::parse("presence", "{}"), None);
        assert_eq!(
            ServerEvent::parse("resync", r#"{"reason":"fell behind"}"#),
            Some(ServerEvent::Resync)
        );
        assert_eq!(
            ServerEvent::parse("ticket", "{not json"),
            Some(ServerEvent::Resync)
        );
    }

    #[test]
    fn pauses_grow_to_a_cap_and_are_spread() {
        let mut b = Backoff::new();
        let pauses: Vec<Duration> = (0..10).map(|_| b.pause()).collect();
        assert!(pauses[0] >= FIRST_PAUSE * 3 / 4 && pauses[0] <= FIRST_PAUSE * 5 / 4);
        assert!(pauses[3] > pauses[0] * 4, "{pauses:?}");
        assert!(pauses.iter().all(|p| *p <= MAX_PAUSE * 5 / 4), "{pauses:?}");
        assert!(pauses[9] >= MAX_PAUSE * 3 / 4, "{pauses:?}");
    }
}
