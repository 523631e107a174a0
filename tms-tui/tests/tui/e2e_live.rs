//! The live queue in the real `tms` binary (tmux, embedded demo server): while John looks at
//! his queue without pressing a key, Sophia renames a ticket, files one and takes one through
//! the HTTP API, and each change shows on John's screen within about a second — the row
//! changed in place and marked, the new one added, the taken one gone, the counts following.
//! Logging out then ends the stream without a word. Skipped, with a notice, where tmux is
//! missing.

use crate::e2e::{client_as, first_ticket_id, server_url};
use crate::tmux::{Tmux, have_tmux};
use std::time::{Duration, Instant};
use tms_core::api::{NewTicketRequest, TicketUpdate};
use tms_tui::theme::text;

/// How soon a change made elsewhere must show.
const SOON: Duration = Duration::from_secs(2);

/// Waits until the screen shows `what`; fails unless it did within [`SOON`]. Returns the
/// screen and how long it took.
fn shows_soon(tui: &Tmux, what: &str, since: Instant) -> (String, Duration) {
    loop {
        let screen = tui.screen();
        if screen.contains(what) {
            let took = since.elapsed();
            assert!(took <= SOON, "{what:?} took {took:?}:\n{screen}");
            return (screen, took);
        }
        assert!(
            since.elapsed() < Duration::from_secs(10),
            "never saw {what:?}:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The count on the Unassigned tab, as the screen shows it.
fn unassigned(screen: &str) -> u64 {
    let after = screen
        .split("Unassigned (")
        .nth(1)
        .expect("the Unassigned tab");
    after
        .split(')')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count on the tab:\n{screen}"))
}

#[test]
fn changes_made_by_a_colleague_show_in_the_queue_without_a_key_pressed() {
    if !have_tmux() {
        println!("NOTICE: tmux is not installed; skipping the live queue test of the tms binary");
        return;
    }
    let config = tempfile::tempdir().unwrap();
    let tui = Tmux::demo("live", config.path());
    let base = server_url(&tui.wait_for("Log in to tms"));
    tui.login_demo(2, "Unassigned (");
    let screen = tui.wait_for(text::LIVE);
    let id = first_ticket_id(&screen);
    let before = unassigned(&tui.wait_for(" Pri "));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sophia = rt.block_on(client_as(&base, "sophia.martinez@example.com"));

    // Renamed: the row changes in place, marked.
    let since = Instant::now();
    let rename = TicketUpdate {
        title: Some("Renamed by Sophia just now".into()),
        ..Default::default()
    };
    rt.block_on(sophia.update_ticket(id, &rename, None))
        .unwrap();
    let (screen, took) = shows_soon(&tui, "Renamed by Sophia just now", since);
    println!("a renamed row showed after {took:?}");
    assert!(
        screen.contains(&format!("{}{id} ", text::FRESH_SIGN)),
        "marked:\n{screen}"
    );

    // Filed: the new ticket comes first, and the tab's count follows.
    let since = Instant::now();
    let filed = rt
        .block_on(sophia.create_ticket(&NewTicketRequest {
            title: "Filed by Sophia just now".into(),
            description: "Seen live?".into(),
            priority: None,
            status: None,
            requester_id: None,
            assigned_agent_id: None,
            tags: None,
        }))
        .unwrap();
    let (screen, took) = shows_soon(&tui, "Filed by Sophia just now", since);
    println!("a new row showed after {took:?}");
    assert_eq!(
        first_ticket_id(&screen.replace(text::FRESH_SIGN, "")),
        filed.id,
        "newest first:\n{screen}"
    );
    let (screen, took) = shows_soon(&tui, &format!("Unassigned ({})", before + 1), since);
    println!("the count followed after {took:?}");
    assert_eq!(unassigned(&screen), before + 1);

    // Taken by Sophia: it leaves Unassigned.
    let since = Instant::now();
    let take = TicketUpdate {
        assigned_agent_id: Some(Some(rt.block_on(sophia.me()).unwrap().id)),
        ..Default::default()
    };
    rt.block_on(sophia.update_ticket(filed.id, &take, None))
        .unwrap();
    let (screen, _) = shows_soon(&tui, &format!("Unassigned ({before})"), since);
    assert!(!screen.contains("Filed by Sophia just now"), "{screen}");

    // Logging out ends the stream without a word.
    tui.command("logout");
    let screen = tui.wait_for("Logged out.");
    std::thread::sleep(Duration::from_millis(500));
    let screen_later = tui.screen();
    for s in [&screen, &screen_later] {
        assert!(
            !s.contains(text::LIVE) && !s.contains(text::RECONNECTING),
            "{s}"
        );
        assert!(!s.contains("session has ended"), "{s}");
    }
    tui.command("quit");
}
