//! Notifications survive a crash: the real binary is killed (SIGKILL) while it delivers a
//! webhook (the receiver holds the request open) or an email (the relay never greets), and
//! started again on the same database, which then delivers — the webhook with the same
//! `X-Tms-Delivery` and body, the email with the Message-ID of the same outbox row. At least
//! once, recognisably; nothing lost.

use std::time::Duration;

use serde_json::{Value, json};
use tms_core::Role;

use crate::process::*;
use crate::receivers::{Receiver, Reply, Sink};

/// The database, with an admin and a requester, and their tokens on `server`.
fn prepared() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tms.db");
    prepare_db(
        &db,
        &[("admin", Role::Admin), ("alice", Role::Requester)],
        false,
    );
    (dir, db)
}

async fn post(http: &reqwest::Client, url: String, token: &str, body: Value) -> Value {
    let r = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    r.json().await.unwrap()
}

/// One outbox row of the database: `(id, status, attempts)`.
fn outbox(db: &std::path::Path) -> Vec<(i64, String, i64)> {
    let conn = open(db);
    let mut stmt = conn
        .prepare("SELECT id, status, attempts FROM outbox ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Waits until every outbox row is sent (within 20 s).
async fn all_sent(db: &std::path::Path) -> Vec<(i64, String, i64)> {
    let start = std::time::Instant::now();
    loop {
        let rows = outbox(db);
        if !rows.is_empty() && rows.iter().all(|(_, status, _)| status == "sent") {
            return rows;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_interrupted_by_a_kill_is_delivered_after_the_restart_with_the_same_id() {
    // The first request is held open; later ones are answered at once.
    let r = Receiver::start(|n| {
        if n == 0 {
            Reply::Hold(Duration::from_secs(300))
        } else {
            Reply::Status(200)
        }
    })
    .await;
    let (_dir, db) = prepared();
    let flags = ["--webhook-allow-private"];
    let mut server = Server::start(&db, &flags, &[]);
    let http = client();
    let (_, admin) = login(&http, &server.base, "admin", PW).await;
    let (_, alice) = login(&http, &server.base, "alice", PW).await;
    post(
        &http,
        server.url("/api/v1/admin/webhooks"),
        &admin,
        json!({"url": r.url, "events": ["ticket.created"], "secret": "sixteen chars at least"}),
    )
    .await;
    let t = post(
        &http,
        server.url("/api/v1/tickets/"),
        &alice,
        json!({"title": "mid-flight", "description": "killed while telling"}),
    )
    .await;
    let first = r.wait_count(1).await[0].clone();
    assert_eq!(first.json()["ticket"]["id"], t["id"]);
    // Mid-delivery: the request is out, its answer is not.
    server.kill();
    let rows = outbox(&db);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].1, "pending",
        "not marked sent: it was never answered"
    );

    let server = Server::start(&db, &flags, &[]);
    let hits = r.wait_count(2).await;
    assert_eq!(hits.len(), 2, "delivered again once");
    assert_eq!(
        hits[1].delivery(),
        first.delivery(),
        "the same X-Tms-Delivery"
    );
    assert_eq!(hits[1].body, first.body, "the same body");
    assert_eq!(
        hits[1].header("x-tms-signature"),
        first.header("x-tms-signature")
    );
    let rows = all_sent(&db).await;
    assert_eq!(rows, [(first.delivery(), "sent".to_string(), 2)]);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_interrupted_by_a_kill_is_sent_after_the_restart_under_its_row_s_message_id() {
    let Some(sink) = Sink::start(None) else {
        return;
    };
    // A relay that takes the connection and never says a word.
    let mute = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mute_url = format!("smtp://{}", mute.local_addr().unwrap());
    let (tx, connected) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in mute.incoming().flatten() {
            held.push(conn);
            let _ = tx.send(());
        }
    });
    let (_dir, db) = prepared();
    let from = "--mail-from=Helpdesk <helpdesk@example.com>";
    let mut server = Server::start(&db, &["--smtp-url", &mute_url, from], &[]);
    let http = client();
    let (_, alice) = login(&http, &server.base, "alice", PW).await;
    post(
        &http,
        server.url("/api/v1/tickets/"),
        &alice,
        json!({"title": "mail in flight", "description": "killed while mailing"}),
    )
    .await;
    connected
        .recv_timeout(Duration::from_secs(20))
        .expect("the server connects to the relay");
    server.kill();
    let rows = outbox(&db);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, "pending");

    let server = Server::start(&db, &["--smtp-url", &sink.url, from], &[]);
    let rows = all_sent(&db).await;
    let mail = sink.wait_count(1).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to(), ["alice@example.com"]);
    let id = mail[0].header("message-id");
    assert!(
        id.starts_with(&format!("<tms-{}-", rows[0].0)),
        "{id} names the outbox row"
    );
    assert_eq!(rows[0].2, 2, "the interrupted attempt, then this one");
    drop(server);
}
