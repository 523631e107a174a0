//! Backup and restore: `tms-server backup` taken while writes pour in yields a sound database
//! with every write acknowledged before it began; restoring it (stop, put it in place, start)
//! brings exactly that data back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tms_core::Role;

use crate::files::assert_owner_only;
use crate::process::*;

type Acked = Arc<Mutex<Vec<(i64, String)>>>;

async fn file_tickets(
    http: reqwest::Client,
    base: String,
    token: String,
    tag: usize,
    acked: Acked,
    stop: Arc<AtomicBool>,
) {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let title = format!("backup w{tag} n{n}");
        let r = http
            .post(format!("{base}/api/v1/tickets/"))
            .bearer_auth(&token)
            .json(&json!({"title": title, "description": "written during a backup"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        acked.lock().unwrap().push((id, title));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_writes_is_sound_complete_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("tms.db");
    let copy = dir.path().join("backup.db");
    prepare_db(&live, &[("alice", Role::Requester)], false);
    let mut server = Server::start(&live, &[], &[]);
    let http = client();
    let (_, token) = login(&http, &server.base, "alice", PW).await;
    let acked: Acked = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            tokio::spawn(file_tickets(
                http.clone(),
                server.base.clone(),
                token.clone(),
                w,
                Arc::clone(&acked),
                Arc::clone(&stop),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before_backup = acked.lock().unwrap().clone();
    let out = tms_server(&["backup", "--db"], &live, &copy).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after_backup = acked.lock().unwrap().len();
    // A backup never writes into an existing file (it could belong to someone else, who could
    // then read the copy), and a restore refuses while a server serves the database.
    let again = tms_server(&["backup", "--db"], &live, &copy).await;
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let busy = tms_server(&["restore", "--db"], &live, &copy).await;
    assert!(!busy.status.success(), "restore ran under a live server");
    let said = String::from_utf8_lossy(&busy.stderr);
    assert!(said.contains("in use by a running tms-server"), "{said}");
    // Nor can a second server serve it.
    let second = std::process::Command::new(env!("CARGO_BIN_EXE_tms-server"))
        .args(["serve", "--bind", "127.0.0.1:0", "--db"])
        .arg(&live)
        .output()
        .unwrap();
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("in use by a running tms-server"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let all = acked.lock().unwrap().clone();
    assert!(
        !before_backup.is_empty() && all.len() > after_backup,
        "writes ran throughout"
    );

    assert_owner_only(&copy);
    let backed_up: Vec<(i64, String)> = {
        let conn = open(&copy);
        assert_integrity(&conn);
        let mut title = conn
            .prepare("SELECT title FROM tickets WHERE id = ?1")
            .unwrap();
        for (id, want) in &before_backup {
            let got: String = title
                .query_row([id], |r| r.get(0))
                .unwrap_or_else(|e| panic!("ticket {id}, acknowledged before the backup: {e}"));
            assert_eq!(&got, want);
        }
        let mut all = conn
            .prepare("SELECT id, title FROM tickets ORDER BY id")
            .unwrap();
        all.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert!(
        backed_up.len() < all.len(),
        "the backup is a point in time, not the end"
    );

    // Restore: stop the server (here the hard way, leaving its write-ahead log behind), put
    // the copy in place, start again.
    server.kill();
    restore(&copy, &live);
    let server = Server::start(&live, &[], &[]);
    let old = http
        .get(server.url("/users/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401, "a restore ends every session");
    let (_, token) = login(&http, &server.base, "alice", PW).await;
    let page: Value = get_json(&http, server.url("/api/v1/tickets/?size=1"), &token).await;
    assert_eq!(
        page["total"],
        backed_up.len(),
        "exactly the backed-up tickets"
    );
    for (id, title) in backed_up.iter().step_by(5) {
        let t: Value = get_json(&http, server.url(&format!("/api/v1/tickets/{id}")), &token).await;
        assert_eq!(t["title"], title.as_str());
    }
    drop(server);
    assert_integrity(&open(&live));
}

/// Runs `tms-server ARGS… DB FILE` to completion.
async fn tms_server(
    args: &[&str],
    db: &std::path::Path,
    file: &std::path::Path,
) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_tms-server"))
        .args(args)
        .arg(db)
        .arg(file)
        .output()
        .await
        .unwrap()
}

/// The documented restore: `tms-server restore --db LIVE COPY` with the server stopped. It
/// must also cope with the write-ahead log a stopped (or crashed) server leaves behind.
fn restore(copy: &std::path::Path, live: &std::path::Path) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tms-server"))
        .args(["restore", "--db"])
        .arg(live)
        .arg(copy)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A sound SQLite file that is not a tms database is refused before the live database is
/// touched.
#[test]
fn restore_refuses_what_is_not_a_tms_database() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("tms.db");
    prepare_db(&live, &[("alice", Role::Requester)], false);
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('hello');")
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tms-server"))
        .args(["restore", "--db"])
        .arg(&live)
        .arg(&other)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("is not a tms database"), "{said}");
    let users = count(&open(&live), "SELECT count(*) FROM users");
    assert_eq!(users, 1, "the live database is untouched");
}
