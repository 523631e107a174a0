//! Actions taken while the server is unreachable are said out loud, kept, and sent again on
//! request.

use crate::fixtures::*;
use crate::snapshots::render;
use crossterm::event::KeyCode;
use tms_tui::api::ApiError;
use tms_tui::app::{self, Action, Reply, Request, State};

fn unreachable(s: &mut State, request: Request) {
    app::update(
        s,
        Action::Response {
            request,
            result: Err(ApiError::Unreachable("connection refused".into())),
        },
    );
}

#[test]
fn actions_that_found_no_server_are_said_kept_and_sent_again() {
    let mut s = signed_in(john());
    let take = one(&ch(&mut s, 't'));
    unreachable(&mut s, take.clone());
    let said = s.flash.clone().unwrap();
    assert!(said.error, "{said:?}");
    assert!(
        said.text.contains("Not sent")
            && said.text.contains("ticket 1")
            && said.text.contains("^R"),
        "{}",
        said.text
    );
    assert_eq!(s.unsent, vec![take.clone()]);

    ch(&mut s, 's');
    ch(&mut s, 'j');
    let status = one(&press(&mut s, KeyCode::Enter));
    unreachable(&mut s, status.clone());
    assert_eq!(s.unsent.len(), 2);

    // The flash goes; the reminder stays until they are sent.
    app::update(&mut s, Action::Tick(now() + time::Duration::seconds(30)));
    let screen = render(&s, 80, 24);
    assert!(
        screen.contains("2 actions were not sent — ^R sends again"),
        "{screen}"
    );
    assert!(
        screen.lines().last().unwrap().contains("^R"),
        "offered in the footer"
    );

    let fx = app::update(&mut s, ctrl('r'));
    assert_eq!(requests(&fx), vec![take.clone(), status.clone()]);
    assert!(s.unsent.is_empty());
    unreachable(&mut s, status.clone());
    assert_eq!(
        s.unsent,
        vec![status.clone()],
        "kept again when it fails again"
    );
    let fx = app::update(&mut s, ctrl('r'));
    reply(&mut s, one(&fx), Reply::Done);
    assert!(s.unsent.is_empty());
    assert!(!render(&s, 80, 24).contains("not sent"));
}

#[test]
fn nothing_to_send_again_is_said_too() {
    let mut s = signed_in(john());
    assert!(app::update(&mut s, ctrl('r')).is_empty());
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("Nothing is waiting to be sent.")
    );
}
