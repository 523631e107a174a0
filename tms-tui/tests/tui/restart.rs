//! The client survives its server dying: the real `tms` in tmux talks to a `tms-server serve`
//! in a separate process on a fixed port; the server is killed (SIGKILL) mid-session, the
//! client shows its banner and keeps a comment it could not send, then the server is started
//! again on the same port and database, and the client recovers, sends the comment and takes a
//! ticket — each checked through the API. Skipped, with a notice, where tmux is missing.

use crate::e2e::{client_as, first_ticket_id};
use crate::tmux::{Tmux, have_tmux};
use clap::Parser;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tms_core::api::TicketQuery;

const DB_VAR: &str = "TMS_RESTART_TEST_DB";
const BIND_VAR: &str = "TMS_RESTART_TEST_BIND";
const HELPER: &str = "restart::server_process_for_the_restart_test";

/// Not a test: the body of the server process the test below starts (and kills). It runs the
/// command line of `tms-server serve` through the server's own entry point.
#[test]
#[ignore = "run by the restart test as its server process"]
fn server_process_for_the_restart_test() {
    let (Ok(db), Ok(bind)) = (std::env::var(DB_VAR), std::env::var(BIND_VAR)) else {
        return;
    };
    let cli =
        tms_server::cli::Cli::parse_from(["tms-server", "serve", "--db", &db, "--bind", &bind]);
    if let Err(e) = tms_server::cli::run(cli) {
        panic!("tms-server serve: {e}");
    }
}

/// `tms-server serve --db DB --bind ADDR` in a child process, answering health checks.
fn start_server(db: &Path, addr: &str) -> Child {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                HELPER,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DB_VAR, db)
            .env(BIND_VAR, addr)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        while Instant::now() < deadline {
            if healthy(addr) {
                return child;
            }
            if child.try_wait().unwrap().is_some() {
                break; // the port was not free yet: start it again
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            Instant::now() < deadline,
            "the server never answered on {addr}"
        );
    }
}

fn healthy(addr: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut reply = String::new();
    s.write_all(req.as_bytes()).is_ok()
        && s.read_to_string(&mut reply).is_ok()
        && reply.starts_with("HTTP/1.1 200")
}

/// A port nobody listens on now.
fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

#[test]
fn the_client_survives_the_server_being_killed_and_restarted() {
    if !have_tmux() {
        println!(
            "NOTICE: tmux is not installed; skipping the server restart test of the tms binary"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tms.db");
    let seed = ["tms-server", "seed-demo", "--db", db.to_str().unwrap()];
    tms_server::cli::run(tms_server::cli::Cli::parse_from(seed)).unwrap();
    let addr = free_addr();
    let base = format!("http://{addr}");
    let mut server = start_server(&db, &addr);
    let config = dir.path().join("config");
    let cmd = format!(
        "env TMS_CONFIG_DIR={} NO_COLOR=1 EDITOR=true {} --server {base}",
        config.display(),
        env!("CARGO_BIN_EXE_tms")
    );
    let tui = Tmux::start("restart", &cmd);
    tui.wait_for("Log in to tms");
    tui.type_text("john.smith@example.com");
    tui.keys(&["Tab"]);
    tui.type_text("Hello123.");
    tui.keys(&["Enter"]);
    let id = first_ticket_id(&tui.wait_for(" Pri "));

    // The server dies; the next request finds it gone.
    server.kill().unwrap();
    server.wait().unwrap();
    tui.keys(&["r"]);
    tui.wait_for("Server unreachable");
    tui.keys(&["c"]);
    tui.type_text("Written while the server was down.");
    tui.keys(&["C-s"]);
    let screen = tui.wait_for("Not sent");
    assert!(
        screen.contains("Written while the server was down."),
        "{screen}"
    );

    // Back on the same port and database: the banner goes, the comment goes through.
    let mut server = start_server(&db, &addr);
    tui.wait_for("Connection restored.");
    assert!(!tui.screen().contains("Server unreachable"));
    tui.keys(&["C-s"]);
    tui.wait_for("Comment added");
    tui.keys(&["t"]);
    tui.wait_for(&format!("Ticket {id} assigned to you."));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let john = client_as(&base, "john.smith@example.com").await;
        let me = john.me().await.unwrap();
        let t = john.get_ticket(id).await.unwrap();
        assert_eq!(
            t.ticket.assigned_agent_id,
            Some(me.id),
            "taken after the restart"
        );
        let said = "Written while the server was down.";
        let sent: Vec<_> = t
            .comments
            .iter()
            .filter(|c| c.comment.description == said)
            .collect();
        assert_eq!(sent.len(), 1, "sent once, after the restart");
        let mine = TicketQuery {
            assigned_agent_id: Some(me.id),
            ..TicketQuery::default()
        };
        assert!(
            john.list_tickets(&mine)
                .await
                .unwrap()
                .items
                .iter()
                .any(|i| i.ticket.id == id)
        );
    });
    tui.command("quit");
    let _ = server.kill();
    let _ = server.wait();
}
