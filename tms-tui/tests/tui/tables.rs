//! Tables sized from their data and the terminal: no number is ever cut, whatever its length
//! or the width of the terminal; free text gives up room first.

use crate::fixtures::*;
use crate::snapshots::render;
use tms_core::api::{LogEntry, Page};
use tms_core::{Priority, Status};
use tms_tui::app::{self, ListSlot, Reply, Request, State};
use tms_tui::screens::Screen;

/// John's queue showing tickets numbered up to six digits.
fn long_ids() -> State {
    let mut s = signed_in(john());
    let mut items = vec![
        ticket(50243, "Laptop fan", Status::Open, Priority::High, None),
        ticket(
            5024,
            "Monitor",
            Status::InProgress,
            Priority::Low,
            Some(&sophia()),
        ),
        ticket(7, "Password reset", Status::Open, Priority::Medium, None),
        ticket(
            123456,
            "VPN",
            Status::Resolved,
            Priority::Medium,
            Some(&john()),
        ),
    ];
    for i in &mut items {
        i.ticket.creation_date = now() - time::Duration::hours(3);
    }
    let query = queue(&s).query();
    let page = Page::new(items, 4, 1, 50);
    reply(
        &mut s,
        Request::Tickets {
            slot: ListSlot::Rows,
            query,
        },
        Reply::Tickets(page),
    );
    s
}

/// The first word of every table row under the header line that starts with `#`.
fn first_column(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip_while(|l| !l.starts_with('#'))
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
        .collect()
}

#[test]
fn queue_ids_of_any_length_are_shown_whole() {
    let s = long_ids();
    for width in [100, 80, 60, 44] {
        let screen = render(&s, width, 12);
        assert_eq!(
            first_column(&screen),
            ["50243", "5024", "7", "123456"],
            "at {width} columns:\n{screen}"
        );
    }
    insta::assert_snapshot!("queue_long_ids", render(&s, 80, 12));
}

#[test]
fn at_sixty_columns_priority_and_status_stay_whole_and_names_shrink() {
    let s = long_ids();
    let screen = render(&s, 60, 12);
    for word in ["In Progress", "Resolved", "Medium", "High"] {
        assert!(screen.contains(word), "{word} clipped:\n{screen}");
    }
    insta::assert_snapshot!("queue_60_columns", screen);
}

#[test]
fn the_highlighted_long_id_is_the_one_opened() {
    let mut s = long_ids();
    let fx = app::update(&mut s, key(crossterm::event::KeyCode::Enter));
    assert_eq!(requests(&fx), vec![Request::Ticket(50243)]);
    let mut s = long_ids();
    let fx = app::command::run(&mut s, "50243");
    assert_eq!(requests(&fx), vec![Request::Ticket(50243)]);
    assert!(matches!(&s.screen, Screen::Ticket(t) if t.id == 50243));
}

#[test]
fn log_ids_and_ticket_numbers_are_shown_whole() {
    let mut s = signed_in(admin());
    let fx = app::command::run(&mut s, "log");
    let query = match &requests(&fx)[..] {
        [Request::Logs(q)] => q.clone(),
        other => panic!("{other:?}"),
    };
    let mut entries: Vec<LogEntry> = log_entries();
    entries[0].id = 1_234_567;
    entries[0].ticket_id = Some(50243);
    entries[1].ticket_id = Some(123_456);
    reply(&mut s, Request::Logs(query), Reply::Logs(entries));
    for width in [80, 60] {
        let screen = render(&s, width, 10);
        for n in ["1234567", "#50243", "#123456"] {
            assert!(screen.contains(n), "{n} cut at {width}:\n{screen}");
        }
    }
    insta::assert_snapshot!("log_long_ids", render(&s, 80, 10));
}
