//! Crash safety: concurrent ticket and comment creation against the real binary, SIGKILL at a
//! random moment, restart. Every acknowledged write must be there, intact, in a database that
//! passes `integrity_check`, and nothing half-written may be (each write and its activity-log
//! entry commit together).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use serde_json::{Value, json};
use tms_core::Role;

use crate::process::*;

const ROUNDS: usize = 4;
const WORKERS: usize = 12;

#[derive(Debug, Clone)]
struct AckTicket {
    id: i64,
    title: String,
    description: String,
    requester: i64,
}

#[derive(Debug, Clone)]
struct AckComment {
    id: i64,
    ticket: i64,
    text: String,
    author: i64,
}

#[derive(Default)]
struct Acks {
    tickets: Vec<AckTicket>,
    comments: Vec<AckComment>,
    /// Replies that were neither 2xx nor a broken connection.
    refused: Vec<String>,
}

/// One writer: files tickets and comments on them until the server dies or `stop` is set.
async fn writer(
    http: reqwest::Client,
    base: String,
    who: (i64, String),
    tag: String,
    acks: Arc<Mutex<Acks>>,
    stop: Arc<AtomicBool>,
) {
    let (user, token) = who;
    let mut mine: Vec<i64> = Vec::new();
    let mut n = 0usize;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let comment_on = n.is_multiple_of(3).then(|| mine.last().copied()).flatten();
        let (path, body) = match comment_on {
            Some(ticket) => (
                "/api/v1/comments/",
                json!({"ticket_id": ticket, "description": format!("comment {tag}-{n}")}),
            ),
            None => (
                "/api/v1/tickets/",
                json!({"title": format!("crash {tag}-{n}"),
                       // Never ending in a space: the server trims text, and the stored
                       // description is compared with what was sent.
                       "description": format!("body {tag}-{n} {}.", "x".repeat(n % 700))}),
            ),
        };
        let sent = http
            .post(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await;
        let Ok(r) = sent else { return };
        let status = r.status().as_u16();
        let Ok(reply) = r.json::<Value>().await else {
            return;
        };
        if status != 201 {
            acks.lock()
                .unwrap()
                .refused
                .push(format!("{status} {reply}"));
            continue;
        }
        let id = reply["id"].as_i64().unwrap();
        let mut a = acks.lock().unwrap();
        match comment_on {
            Some(ticket) => a.comments.push(AckComment {
                id,
                ticket,
                text: body["description"].as_str().unwrap().to_string(),
                author: user,
            }),
            None => {
                mine.push(id);
                a.tickets.push(AckTicket {
                    id,
                    title: body["title"].as_str().unwrap().to_string(),
                    description: body["description"].as_str().unwrap().to_string(),
                    requester: user,
                });
            }
        }
    }
}

/// Opens the killed server's database directly and checks every acknowledged write.
fn verify(db: &std::path::Path, acks: &Acks) {
    let conn = open(db);
    assert_integrity(&conn);
    let mut ticket = conn
        .prepare("SELECT title, description, requester_id FROM tickets WHERE id = ?1")
        .unwrap();
    for t in &acks.tickets {
        let stored: (String, String, i64) = ticket
            .query_row([t.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap_or_else(|e| panic!("acknowledged ticket {} is missing: {e}", t.id));
        assert_eq!(
            stored,
            (t.title.clone(), t.description.clone(), t.requester),
            "ticket {}",
            t.id
        );
    }
    let mut comment = conn
        .prepare("SELECT ticket_id, description, commented_by_id FROM comments WHERE id = ?1")
        .unwrap();
    for c in &acks.comments {
        let stored: (i64, String, i64) = comment
            .query_row([c.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap_or_else(|e| panic!("acknowledged comment {} is missing: {e}", c.id));
        assert_eq!(
            stored,
            (c.ticket, c.text.clone(), c.author),
            "comment {}",
            c.id
        );
    }
    // Nothing half-written: every stored ticket and comment has its log entry, and the
    // counters the list reads agree with the rows.
    let orphans = count(
        &conn,
        "SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM activity_log l
         WHERE l.ticket_id = t.id AND l.details = 'created ticket ' || t.id)",
    );
    assert_eq!(orphans, 0, "tickets without their log entry");
    assert_eq!(
        count(&conn, "SELECT count(*) FROM comments"),
        count(
            &conn,
            "SELECT count(*) FROM activity_log WHERE details LIKE 'created a comment on ticket %'"
        ),
        "comments and their log entries"
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM tickets"),
        count(&conn, "SELECT coalesce(sum(n), 0) FROM ticket_counts"),
        "ticket counters"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tms.db");
    prepare_db(
        &db,
        &[("alice", Role::Requester), ("agent", Role::Agent)],
        false,
    );
    let http = client();
    let acks = Arc::new(Mutex::new(Acks::default()));
    for round in 0..ROUNDS {
        let mut server = Server::start(&db, &[], &[]);
        // One login per user per round: logins are deliberately slow.
        let alice = login(&http, &server.base, "alice", PW).await;
        let agent = login(&http, &server.base, "agent", PW).await;
        let before = {
            let a = acks.lock().unwrap();
            (a.tickets.len(), a.comments.len())
        };
        let stop = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let who = if w % 2 == 0 { &alice } else { &agent };
                tokio::spawn(writer(
                    http.clone(),
                    server.base.clone(),
                    who.clone(),
                    format!("r{round}w{w}"),
                    Arc::clone(&acks),
                    Arc::clone(&stop),
                ))
            })
            .collect();
        let after_ms = rand::thread_rng().gen_range(300..1500);
        tokio::time::sleep(Duration::from_millis(after_ms)).await;
        server.kill();
        stop.store(true, Ordering::Relaxed);
        for w in workers {
            w.await.unwrap();
        }
        let a = acks.lock().unwrap();
        assert!(a.refused.is_empty(), "refused writes: {:?}", a.refused);
        assert!(
            a.tickets.len() > before.0 && a.comments.len() > before.1,
            "round {round}: writes were acknowledged before the kill"
        );
        verify(&db, &a);
    }

    // The restarted server serves every acknowledged write.
    let server = Server::start(&db, &[], &[]);
    let (_, token) = login(&http, &server.base, "agent", PW).await;
    let acks = acks.lock().unwrap().clone_all();
    let page: Value = get_json(&http, server.url("/api/v1/tickets/?size=1"), &token).await;
    assert!(page["total"].as_i64().unwrap() >= acks.tickets.len() as i64);
    let mut by_ticket = std::collections::HashMap::<i64, Vec<&AckComment>>::new();
    for c in &acks.comments {
        by_ticket.entry(c.ticket).or_default().push(c);
    }
    for t in acks.tickets.iter().step_by(7) {
        let detail: Value = get_json(
            &http,
            server.url(&format!("/api/v1/tickets/{}", t.id)),
            &token,
        )
        .await;
        assert_eq!(detail["title"], t.title.as_str());
        assert_eq!(detail["description"], t.description.as_str());
        let served: Vec<i64> = detail["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        for c in by_ticket.get(&t.id).into_iter().flatten() {
            assert!(
                served.contains(&c.id),
                "comment {} of ticket {}",
                c.id,
                t.id
            );
        }
    }
}

impl Acks {
    fn clone_all(&self) -> Acks {
        Acks {
            tickets: self.tickets.clone(),
            comments: self.comments.clone(),
            refused: self.refused.clone(),
        }
    }
}
