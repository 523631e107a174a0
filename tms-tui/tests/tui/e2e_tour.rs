//! The real `tms` in tmux where the terminal matters: Esc, unsent drafts across a restart,
//! pasted line breaks. Each runs embedded on a seeded demo database of its own, with its own
//! configuration directory. Skipped, with a notice, where tmux is missing.

use crate::e2e::{client_as, first_ticket_id, server_url};
use crate::tmux::{Tmux, have_tmux};
use clap::Parser;
use std::path::{Path, PathBuf};

/// A seeded demo database and a configuration directory in `dir`.
fn seeded(dir: &Path) -> (PathBuf, PathBuf) {
    let db = dir.join("tms.db");
    let seed = ["tms-server", "seed-demo", "--db", db.to_str().unwrap()];
    tms_server::cli::run(tms_server::cli::Cli::parse_from(seed)).unwrap();
    (db, dir.join("config"))
}

/// `tms --db DB` with its configuration in `config`; "EXITED" is printed when it ends, and the
/// pane stays open so the screen can still be read.
fn start(label: &str, db: &Path, config: &Path) -> Tmux {
    let cmd = format!(
        "sh -c 'env TMS_CONFIG_DIR={} NO_COLOR=1 EDITOR=true {} --db {}; echo EXITED; sleep 60'",
        config.display(),
        env!("CARGO_BIN_EXE_tms"),
        db.display()
    );
    Tmux::start(label, &cmd)
}

/// Logs in on the login screen; returns the embedded server's address shown there.
fn log_in(tui: &Tmux, email: &str) -> String {
    let base = server_url(&tui.wait_for("Log in to tms"));
    tui.type_text(email);
    tui.keys(&["Tab"]);
    tui.type_text("Hello123.");
    tui.keys(&["Enter"]);
    tui.wait_for(" Pri ");
    base
}

#[test]
fn esc_never_quits_and_unsent_drafts_survive_a_restart() {
    if !have_tmux() {
        println!("NOTICE: tmux is not installed; skipping the drafts end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (db, config) = seeded(dir.path());
    let tui = start("drafts", &db, &config);
    tui.keys(&["Escape", "Escape"]);
    assert!(!tui.screen().contains("EXITED"), "Esc on the login quit");
    log_in(&tui, "john.smith@example.com");
    tui.keys(&["Escape", "Escape", "Escape"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let screen = tui.screen();
    assert!(
        !screen.contains("EXITED") && screen.contains(" Pri "),
        "{screen}"
    );
    tui.keys(&["c"]);
    tui.type_text("Kept across runs.");
    tui.keys(&["Escape"]);
    tui.wait_for("Draft kept");
    tui.keys(&["q"]);
    tui.wait_for("Quit anyway?");
    tui.keys(&["y"]);
    tui.wait_for("EXITED");
    let file = config.join("drafts.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    drop(tui);

    // The next run is already logged in and has the draft back.
    let tui = start("drafts2", &db, &config);
    tui.wait_for(" Pri ");
    tui.keys(&["c"]);
    tui.wait_for("Kept across runs.");
    tui.keys(&["C-s"]);
    tui.wait_for("Comment added");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while file.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(!file.exists(), "a sent draft is no longer kept");
    tui.keys(&["q"]);
    tui.wait_for("EXITED");
}

#[test]
fn pasted_line_breaks_arrive_whole() {
    if !have_tmux() {
        println!("NOTICE: tmux is not installed; skipping the paste end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (db, config) = seeded(dir.path());
    let tui = start("paste", &db, &config);
    let url = log_in(&tui, "john.smith@example.com");
    let id = first_ticket_id(&tui.screen());
    tui.keys(&["c"]);
    tui.wait_for("Reply on ticket");
    tui.paste("Bracketed one\nBracketed two\n\nafter a blank line", true);
    tui.keys(&["C-s"]);
    tui.wait_for("Comment added");
    tui.keys(&["c"]);
    tui.wait_for("Reply on ticket");
    tui.paste("Raw one\nRaw two", false);
    tui.keys(&["C-s"]);
    tui.wait_for("Comment added");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let john = client_as(&url, "john.smith@example.com").await;
        let t = john.get_ticket(id).await.unwrap();
        let texts: Vec<&str> = t
            .comments
            .iter()
            .map(|c| c.comment.description.as_str())
            .collect();
        assert!(
            texts.contains(&"Bracketed one\nBracketed two\n\nafter a blank line"),
            "{texts:?}"
        );
        assert!(texts.contains(&"Raw one\nRaw two"), "{texts:?}");
    });
    tui.keys(&["q"]);
    tui.wait_for("EXITED");
}
