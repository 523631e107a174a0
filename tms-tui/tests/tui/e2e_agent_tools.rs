//! The agents' tools in the real `tms` binary, in tmux on an embedded demo server: marking rows
//! and changing them all at once (status, tags), a tag filter, an internal note. Each result is
//! checked through the HTTP API, as the requester and as staff. Skipped, with a notice, where
//! tmux is missing.

use crate::e2e::{client_as, server_url};
use crate::tmux::{Tmux, have_tmux};
use tms_core::Status;
use tms_core::api::TicketQuery;

/// The ids of the queue's rows, top to bottom (a marked one is starred).
fn row_ids(screen: &str) -> Vec<i64> {
    // A row starts with its id, after `*` when marked or `•` while just changed.
    screen
        .lines()
        .skip_while(|l| !(l.starts_with('#') && l.contains(" Pri ")))
        .skip(1)
        .map_while(|l| {
            l.split_whitespace()
                .next()
                .and_then(|w| w.trim_start_matches(['*', '•']).parse().ok())
        })
        .collect()
}

#[test]
fn an_agent_marks_rows_changes_them_together_filters_by_tag_and_writes_a_note() {
    if !have_tmux() {
        println!("NOTICE: tmux is not installed; skipping the agent tools end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "sh -c 'env TMS_CONFIG_DIR={} NO_COLOR=1 {} --demo; echo EXITED; sleep 60'",
        dir.path().join("config").display(),
        env!("CARGO_BIN_EXE_tms"),
    );
    let tui = Tmux::start("tools", &cmd);
    let base = server_url(&tui.wait_for("Log in to tms"));
    tui.login_demo(2, " Pri ");
    tui.keys(&["4"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let rows = row_ids(&tui.screen());
    assert!(rows.len() >= 4, "{}", tui.screen());
    let marked = [rows[0], rows[1], rows[2]];

    // Space, then V to the third row: three marked, counted in the filter line.
    tui.keys(&["Space", "Down", "Down", "V"]);
    tui.wait_for("3 marked");
    tui.keys(&["#"]);
    tui.wait_for("Tags for 3 marked tickets");
    tui.type_text("triage -password");
    tui.keys(&["Enter"]);
    tui.wait_for("Tag (+triage -password) 3 marked tickets?");
    tui.keys(&["y"]);
    tui.wait_for("triage");
    tui.keys(&["Home", "Space", "Down", "Down", "V", "s"]);
    tui.wait_for("Status of 3 marked tickets");
    // Open, In Progress, Waiting: two down from the top.
    tui.keys(&["Home", "Down", "Down", "Enter"]);
    tui.wait_for("Set status Waiting on 3 marked tickets?");
    tui.keys(&["y"]);
    std::thread::sleep(std::time::Duration::from_millis(800));

    // The tag filter shows exactly those three.
    tui.keys(&["T"]);
    tui.type_text("triage");
    tui.keys(&["Enter"]);
    tui.wait_for("tags triage");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let on_screen = row_ids(&tui.screen());
    // Enter (below) opens the top row.
    let opened = *on_screen.first().expect("rows shown");
    let mut shown = on_screen.clone();
    shown.sort_unstable();
    let mut want = marked.to_vec();
    want.sort_unstable();
    assert_eq!(shown, want, "{}", tui.screen());

    // An internal note on the first of them.
    tui.keys(&["Enter"]);
    tui.wait_for("i note");
    tui.keys(&["i"]);
    tui.wait_for("Internal note on ticket");
    tui.type_text("Parked until the vendor answers");
    tui.keys(&["C-s"]);
    tui.wait_for("Internal note added");
    tui.wait_for("[internal note] John");

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let staff = client_as(&base, "john.smith@example.com").await;
        for id in marked {
            let t = staff.get_ticket(id).await.unwrap();
            assert_eq!(t.ticket.status, Status::Waiting, "ticket {id}");
            let tags = t.ticket.tags.unwrap();
            assert!(tags.contains(&"triage".to_string()), "{id}: {tags:?}");
            assert!(!tags.contains(&"password".to_string()), "{id}: {tags:?}");
        }
        let q = TicketQuery {
            tag: vec!["triage".into()],
            ..Default::default()
        };
        assert_eq!(staff.list_tickets(&q).await.unwrap().total, 3);
        let first = opened;
        let noted = staff.get_ticket(first).await.unwrap();
        let note = noted.comments.last().unwrap();
        assert!(note.comment.is_internal && note.comment.description.contains("vendor"));
        // Its requester sees neither the note nor any tag.
        let requester = noted.requester.email.clone();
        let theirs = client_as(&base, &requester).await;
        let seen = theirs.get_ticket(first).await.unwrap();
        assert!(seen.ticket.tags.is_none());
        assert!(seen.comments.iter().all(|c| !c.comment.is_internal));
    });
}
