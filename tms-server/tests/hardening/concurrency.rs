//! Concurrency: 64 clients mixing creates, updates, comments and reads against the real
//! binary for a few seconds. No 5xx, no "database is locked" anywhere, every client reads its
//! own writes, and the stored counts equal the acknowledged writes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{Value, json};
use tms_core::Role;

use crate::process::*;

const CLIENTS: usize = 64;
const RUN_FOR: Duration = Duration::from_secs(3);

#[derive(Default)]
struct Tally {
    creates: i64,
    updates: i64,
    comments: i64,
    reads: i64,
    /// Anything unexpected: 5xx, a lock error, a broken connection, a stale read.
    problems: Vec<String>,
    /// The last acknowledged title of every ticket, by id.
    titles: HashMap<i64, String>,
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    tag: String,
}

impl Client {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, String) {
        let mut rb = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        match rb.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            }
            Err(e) => (0, format!("transport error: {e}")),
        }
    }
}

/// One client's loop: its own tickets, updated and commented only by it, so that what it
/// reads back is exactly what it last wrote.
async fn run(c: Client, is_staff: bool, deadline: Instant, tally: Arc<Mutex<Tally>>) {
    use reqwest::Method;
    let mut mine: Vec<(i64, String)> = Vec::new();
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        let roll = rand::thread_rng().gen_range(0..10);
        let pick = (!mine.is_empty()).then(|| rand::thread_rng().gen_range(0..mine.len()));
        let (expect, (status, text)) = match (roll, pick) {
            (0..=2, _) | (_, None) => {
                let title = format!("load {}-{n}", c.tag);
                let r = c
                    .send(
                        Method::POST,
                        "/api/v1/tickets/",
                        Some(json!({"title": title, "description": "under load"})),
                    )
                    .await;
                if r.0 == 201 {
                    let id = serde_json::from_str::<Value>(&r.1).unwrap()["id"]
                        .as_i64()
                        .unwrap();
                    mine.push((id, title.clone()));
                    let mut t = tally.lock().unwrap();
                    t.creates += 1;
                    t.titles.insert(id, title);
                }
                (201, r)
            }
            (3..=4, Some(i)) => {
                let title = format!("load {}-{n} renamed", c.tag);
                let mut body = json!({"title": title});
                if is_staff {
                    body["status"] = json!(["Open", "In Progress", "Resolved"][n % 3]);
                    body["priority"] = json!(["Low", "Medium", "High"][n % 3]);
                }
                let path = format!("/api/v1/tickets/{}", mine[i].0);
                let r = c.send(Method::PATCH, &path, Some(body)).await;
                if r.0 == 200 {
                    mine[i].1 = title.clone();
                    let mut t = tally.lock().unwrap();
                    t.updates += 1;
                    t.titles.insert(mine[i].0, title);
                }
                (200, r)
            }
            (5..=6, Some(i)) => {
                let body = json!({"ticket_id": mine[i].0, "description": format!("note {n}")});
                let r = c.send(Method::POST, "/api/v1/comments/", Some(body)).await;
                if r.0 == 201 {
                    tally.lock().unwrap().comments += 1;
                }
                (201, r)
            }
            (7, _) => {
                let r = c.send(Method::GET, "/api/v1/tickets/?size=20", None).await;
                if r.0 == 200 {
                    tally.lock().unwrap().reads += 1;
                }
                (200, r)
            }
            (_, Some(i)) => {
                let path = format!("/api/v1/tickets/{}", mine[i].0);
                let r = c.send(Method::GET, &path, None).await;
                if r.0 == 200 {
                    let got = serde_json::from_str::<Value>(&r.1).unwrap();
                    if got["title"] != mine[i].1.as_str() {
                        tally.lock().unwrap().problems.push(format!(
                            "stale read of ticket {}: {} instead of {}",
                            mine[i].0, got["title"], mine[i].1
                        ));
                    }
                    tally.lock().unwrap().reads += 1;
                }
                (200, r)
            }
        };
        let lower = text.to_lowercase();
        if status != expect || lower.contains("locked") || lower.contains("busy") {
            tally
                .lock()
                .unwrap()
                .problems
                .push(format!("{status} (wanted {expect}): {text}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_clients_lose_nothing_and_never_see_a_lock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tms.db");
    let users = [
        ("admin", Role::Admin),
        ("agent1", Role::Agent),
        ("agent2", Role::Agent),
        ("agent3", Role::Agent),
        ("req1", Role::Requester),
        ("req2", Role::Requester),
        ("req3", Role::Requester),
        ("req4", Role::Requester),
    ];
    prepare_db(&db, &users, false);
    let server = Server::start(&db, &[], &[]);
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(CLIENTS)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut tokens = Vec::new();
    for (name, role) in users {
        let (_, token) = login(&http, &server.base, name, PW).await;
        tokens.push((token, role != Role::Requester));
    }
    let tally = Arc::new(Mutex::new(Tally::default()));
    let deadline = Instant::now() + RUN_FOR;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let (token, staff) = tokens[i % tokens.len()].clone();
            let c = Client {
                http: http.clone(),
                base: server.base.clone(),
                token,
                tag: format!("c{i}"),
            };
            tokio::spawn(run(c, staff, deadline, Arc::clone(&tally)))
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    let t = tally.lock().unwrap();
    assert!(
        t.problems.is_empty(),
        "{} problems: {:#?}",
        t.problems.len(),
        &t.problems[..t.problems.len().min(20)]
    );
    assert!(t.creates > 0 && t.updates > 0 && t.comments > 0 && t.reads > 0);
    let log = server.stderr();
    for bad in ["locked", "SQLITE_BUSY", "busy", "ERROR", "panicked"] {
        assert!(!log.contains(bad), "server log mentions {bad:?}: {log}");
    }

    let conn = open(&db);
    assert_eq!(count(&conn, "SELECT count(*) FROM tickets"), t.creates);
    assert_eq!(count(&conn, "SELECT count(*) FROM comments"), t.comments);
    assert_eq!(
        count(&conn, "SELECT count(*) FROM activity_log WHERE activity_type = 'Update'
                 AND (details LIKE 'updated ticket %' OR details LIKE 'ticket % has been resolved:%')"),
        t.updates,
        "one log entry per acknowledged update"
    );
    let mut title = conn
        .prepare("SELECT title FROM tickets WHERE id = ?1")
        .unwrap();
    for (id, want) in &t.titles {
        let got: String = title.query_row([id], |r| r.get(0)).unwrap();
        assert_eq!(&got, want, "ticket {id}");
    }
    assert_integrity(&conn);
}
