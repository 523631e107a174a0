//! `GET /api/v1/events` (docs/API.md, "Live events"): the changes a caller may see, as they
//! commit, with the object as the caller would read it; resumable with `Last-Event-ID`; ended
//! with the session.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct Sent {
    pub id: Option<String>,
    pub event: String,
    pub data: Value,
}

/// A client of an event stream.
pub struct Stream {
    resp: reqwest::Response,
    buf: String,
}

impl Stream {
    pub async fn open(s: &Srv, token: &str, last_event_id: Option<&str>) -> Self {
        let mut rb = s.request(reqwest::Method::GET, token, "/api/v1/events");
        if let Some(id) = last_event_id {
            rb = rb.header("last-event-id", id);
        }
        let resp = rb.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Self {
            resp,
            buf: String::new(),
        }
    }

    /// The next event within `wait`; `None` if none came, or the stream ended.
    pub async fn next(&mut self, wait: Duration) -> Option<Sent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, None, String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                // A heartbeat is a comment: no event.
                if let Some(event) = event {
                    let data = serde_json::from_str(&data).unwrap_or(Value::String(data));
                    return Some(Sent { id, event, data });
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk())
                .await
                .ok()?
                .ok()??;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Whether the server ended the stream within `wait`.
    pub async fn ended_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.resp.chunk()).await {
                Err(_) => return false,
                Ok(Ok(Some(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(_) => return true,
            }
        }
    }
}

const SOON: Duration = Duration::from_secs(2);

#[tokio::test]
async fn a_change_reaches_every_stream_that_may_see_it_at_once() {
    let s = start().await;
    let mut agent = Stream::open(&s, s.agent.t(), None).await;
    let mut bob = Stream::open(&s, s.bob.t(), None).await;
    let id = s.ticket(s.alice.t(), "Monitor flickers").await;
    let e = agent.next(SOON).await.expect("the agent hears of it");
    assert_eq!(e.event, "ticket");
    assert_eq!(e.data["ticket_id"], id);
    assert_eq!(e.data["change"], "ticket_created");
    assert_eq!(e.data["ticket"]["title"], "Monitor flickers");
    assert_eq!(e.data["ticket"]["requester"]["username"], "alice");
    assert!(e.id.is_some());
    // Bob hears nothing of Alice's ticket, but of his own.
    let his = s.ticket(s.bob.t(), "Keyboard sticks").await;
    let e = bob.next(SOON).await.expect("bob hears of his own");
    assert_eq!(e.data["ticket_id"], his);

    let comment = s.comment(s.agent.t(), id, "Try another cable").await;
    let e = agent.next(SOON).await.unwrap();
    // (Bob's ticket first.)
    assert_eq!(e.data["ticket_id"], his);
    let e = agent.next(SOON).await.unwrap();
    assert_eq!(e.event, "comment");
    assert_eq!(
        (e.data["comment_id"].clone(), e.data["change"].clone()),
        (json!(comment), json!("comment_created"))
    );
    assert_eq!(e.data["comment"]["description"], "Try another cable");
    let e = agent.next(SOON).await.unwrap();
    assert_eq!(
        (e.data["ticket_id"].clone(), e.data["change"].clone()),
        (json!(id), json!("ticket_updated")),
        "the thread changed the ticket"
    );
    assert!(bob.next(Duration::from_millis(300)).await.is_none());

    s.delete(s.admin.t(), &format!("/api/v1/tickets/{id}"))
        .await
        .expect(200);
    let e = agent.next(SOON).await.unwrap();
    assert_eq!(e.data["change"], "ticket_deleted");
    assert!(e.data.get("ticket").is_none());
}

#[tokio::test]
async fn a_stream_resumes_after_the_last_event_it_got_or_says_to_read_again() {
    let s = start().await;
    let mut first = Stream::open(&s, s.agent.t(), None).await;
    let a = s.ticket(s.alice.t(), "One").await;
    let seen = first.next(SOON).await.unwrap();
    assert_eq!(seen.data["ticket_id"], a);
    drop(first);
    let b = s.ticket(s.alice.t(), "Two").await;
    let c = s.ticket(s.bob.t(), "Three").await;
    let mut again = Stream::open(&s, s.agent.t(), seen.id.as_deref()).await;
    let got: Vec<Value> = vec![
        again.next(SOON).await.unwrap().data["ticket_id"].clone(),
        again.next(SOON).await.unwrap().data["ticket_id"].clone(),
    ];
    assert_eq!(got, [json!(b), json!(c)], "no gap, no repeat");
    assert!(again.next(Duration::from_millis(300)).await.is_none());

    for unknown in ["0000000000000001-5-0", "garbage"] {
        let mut lost = Stream::open(&s, s.agent.t(), Some(unknown)).await;
        let e = lost.next(SOON).await.unwrap();
        assert_eq!(e.event, "resync", "{unknown}");
        assert!(e.data["reason"].is_string());
        // Resuming from the resync's id misses nothing after it.
        let d = s.ticket(s.alice.t(), "Four").await;
        assert_eq!(lost.next(SOON).await.unwrap().data["ticket_id"], d);
    }
}

#[tokio::test]
async fn a_stream_ends_with_its_session_and_needs_one() {
    let s = start().await;
    let bob = s.relogin(&s.bob).await;
    let mut stream = Stream::open(&s, bob.t(), None).await;
    s.post(bob.t(), "/logout", json!({})).await.expect(204);
    assert!(stream.ended_within(Duration::from_secs(8)).await);
    let r = s.get("not-a-session", "/api/v1/events").await;
    r.expect_detail(401);
}

#[tokio::test]
async fn a_server_stops_at_once_although_streams_are_open() {
    let s = start().await;
    let mut stream = Stream::open(&s, s.agent.t(), None).await;
    assert!(s.stopped_within(Duration::from_secs(3)).await);
    assert!(stream.ended_within(Duration::from_secs(1)).await);
}

#[tokio::test]
async fn many_streams_share_one_read_of_a_change_and_each_sees_only_its_part() {
    let s = start().await;
    let alices = s.ticket(s.alice.t(), "Shared read").await;
    let bobs = s.ticket(s.bob.t(), "Bob's own").await;
    let mut streams = Vec::new();
    for i in 0..24 {
        let who = match i % 4 {
            0 => &s.agent,
            1 => &s.admin,
            2 => &s.alice,
            _ => &s.bob,
        };
        streams.push((i % 4, Stream::open(&s, who.t(), None).await));
    }
    let reads = s.state.event_reads.reads();
    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{alices}"),
        json!({"status": "Waiting", "tags": ["vip"]}),
    )
    .await
    .expect(200);
    s.post(
        s.agent.t(),
        "/api/v1/comments/",
        json!({"ticket_id": alices, "description": "staff eyes only", "is_internal": true}),
    )
    .await
    .expect(201);
    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{bobs}"),
        json!({"priority": "High"}),
    )
    .await
    .expect(200);
    for (kind, stream) in &mut streams {
        let mut got = Vec::new();
        while let Some(e) = stream.next(Duration::from_millis(400)).await {
            got.push(e);
        }
        let summary: Vec<(String, i64, String)> = got
            .iter()
            .map(|e| {
                (
                    e.event.clone(),
                    e.data["ticket_id"].as_i64().unwrap(),
                    e.data["change"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let t = |id: i64, c: &str| ("ticket".to_string(), id, c.to_string());
        let c = |id: i64| ("comment".to_string(), id, "comment_created".to_string());
        let expected = match kind {
            // Staff: everything, the note and tags included (an internal note leaves the
            // ticket's version alone: no ticket_updated of its own).
            0 | 1 => vec![
                t(alices, "ticket_updated"),
                c(alices),
                t(bobs, "ticket_updated"),
            ],
            // Alice: her ticket, without the note; Bob: his.
            2 => vec![t(alices, "ticket_updated")],
            _ => vec![t(bobs, "ticket_updated")],
        };
        assert_eq!(summary, expected, "stream kind {kind}");
        let first = &got[0].data["ticket"];
        if *kind < 2 {
            assert_eq!(first["tags"], json!(["vip"]), "{first}");
        } else {
            assert!(first.get("tags").is_none(), "{first}");
        }
        if *kind != 3 {
            assert_eq!(first["status"], "Waiting");
        }
    }
    // Three changes, three reads: not one per stream.
    assert_eq!(s.state.event_reads.reads() - reads, 3);
}
