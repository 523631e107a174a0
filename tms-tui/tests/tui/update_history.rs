//! A ticket's history on the ticket screen, through the pure update function: shown and
//! hidden with one key, loaded once, failures shown in place, loaded again after a change.

use crate::fixtures::*;
use tms_core::api::{HistoryActor, HistoryEntry, NewCommentRequest};
use tms_core::{HistoryKind, Status};
use tms_tui::app::{Reply, Request, State};
use tms_tui::screens::Screen;
use tms_tui::screens::history::HistoryState;

fn open_ticket(who: tms_core::api::User) -> State {
    let mut s = signed_in(who);
    let fx = tms_tui::app::command::run(&mut s, "3");
    assert!(answer_all(&mut s, fx, &server).is_empty());
    s
}

fn hist(s: &State) -> &HistoryState {
    match &s.screen {
        Screen::Ticket(t) => &t.history,
        other => panic!("not on a ticket: {other:?}"),
    }
}

/// Ticket 3 with its history shown and loaded.
fn shown(who: tms_core::api::User) -> State {
    let mut s = open_ticket(who);
    let fx = ch(&mut s, 'h');
    assert_eq!(requests(&fx), vec![Request::History(3)]);
    reply(&mut s, Request::History(3), Reply::History(history()));
    s
}

#[test]
fn every_role_shows_the_history_with_one_key_and_it_loads_once() {
    for who in [jane(), john(), admin()] {
        let mut s = open_ticket(who.clone());
        assert!(!hist(&s).shown);
        let fx = ch(&mut s, 'h');
        assert_eq!(requests(&fx), vec![Request::History(3)], "{}", who.username);
        assert!(hist(&s).shown && hist(&s).loading);
        reply(&mut s, Request::History(3), Reply::History(history()));
        let h = hist(&s);
        assert!(!h.loading);
        assert_eq!(h.entries.as_deref(), Some(&history()[..]));
        assert_eq!(
            h.selected,
            history().len() - 1,
            "the newest is under the cursor"
        );
        assert!(ch(&mut s, 'h').is_empty());
        assert!(!hist(&s).shown, "the same key hides it");
        assert!(ch(&mut s, 'h').is_empty(), "shown again without loading");
        assert!(hist(&s).shown && hist(&s).entries.is_some());
    }
}

#[test]
fn list_keys_move_through_the_history_while_it_is_shown() {
    let mut s = shown(john());
    ch(&mut s, 'k');
    assert_eq!(hist(&s).selected, 6);
    ch(&mut s, 'g');
    assert_eq!(hist(&s).selected, 0);
    let Screen::Ticket(t) = &s.screen else {
        panic!()
    };
    assert_eq!(t.selected, 0, "the thread's cursor stays where it was");
    ch(&mut s, 'h');
    ch(&mut s, 'j');
    let Screen::Ticket(t) = &s.screen else {
        panic!()
    };
    assert_eq!(t.selected, 1, "hidden, the keys walk the thread again");
    assert_eq!(t.history.selected, 0);
}

#[test]
fn a_failed_load_is_shown_in_place_and_the_next_showing_tries_again() {
    let mut s = open_ticket(jane());
    ch(&mut s, 'h');
    fail(&mut s, Request::History(3), 500, "database is locked");
    let h = hist(&s);
    assert!(!h.loading && h.entries.is_none());
    let err = h.error.as_deref().unwrap_or_default();
    assert!(err.contains("Could not load the history"), "{err}");
    assert!(s.flash.is_none(), "said once, in the view");
    let text = crate::snapshots::render(&s, 80, 24);
    assert!(text.contains("Could not load the history"), "{text}");
    ch(&mut s, 'h');
    let fx = ch(&mut s, 'h');
    assert_eq!(requests(&fx), vec![Request::History(3)]);
    fail(&mut s, Request::History(3), 404, "Not found");
    let err = hist(&s).error.clone().unwrap_or_default();
    assert_eq!(err, "Ticket 3 does not exist or is not yours to see.");
}

fn newer(mut h: Vec<HistoryEntry>, kind: HistoryKind, from: &str, to: &str) -> Vec<HistoryEntry> {
    h.push(HistoryEntry {
        at: now(),
        actor: HistoryActor {
            id: 3,
            username: "John".into(),
            role: tms_core::Role::Agent,
        },
        kind,
        from: Some(from.into()),
        to: Some(to.into()),
    });
    h
}

#[test]
fn a_change_made_here_loads_a_shown_history_again() {
    let mut s = shown(john());
    ch(&mut s, 's');
    for _ in 0..2 {
        let fx = press(&mut s, crossterm::event::KeyCode::Down);
        assert!(fx.is_empty());
    }
    let fx = press(&mut s, crossterm::event::KeyCode::Enter);
    let change = one(&fx);
    let Request::UpdateTicket(3, update, _) = &change else {
        panic!("{change:?}")
    };
    assert_eq!(update.status, Some(Status::Resolved), "after Waiting");
    let fx = reply(&mut s, change, Reply::Ticket(Box::new(detail())));
    assert_eq!(requests(&fx), vec![Request::History(3)]);
    assert_eq!(
        hist(&s).entries.as_ref().map(Vec::len),
        Some(8),
        "kept meanwhile"
    );
    let later = newer(history(), HistoryKind::Status, "In Progress", "Resolved");
    reply(&mut s, Request::History(3), Reply::History(later.clone()));
    let h = hist(&s);
    assert_eq!(h.entries.as_deref(), Some(&later[..]));
    assert_eq!(h.selected, 8, "the cursor follows the newest change");
}

#[test]
fn a_comment_added_here_loads_it_again_and_a_scrolled_cursor_stays() {
    let mut s = shown(jane());
    ch(&mut s, 'g');
    let body = NewCommentRequest {
        ticket_id: 3,
        description: "Still failing.".into(),
        is_internal: false,
    };
    let comment = detail().comments[1].comment.clone();
    let fx = reply(
        &mut s,
        Request::CreateComment(body),
        Reply::CommentSaved(comment),
    );
    assert_eq!(requests(&fx), vec![Request::Ticket(3), Request::History(3)]);
    let later = newer(history(), HistoryKind::Comment, "", "Still failing.");
    reply(&mut s, Request::History(3), Reply::History(later));
    assert_eq!(hist(&s).selected, 0, "read from the top, it stays there");
    let fx = ch(&mut s, 'r');
    assert_eq!(requests(&fx), vec![Request::Ticket(3), Request::History(3)]);
}

#[test]
fn a_change_while_hidden_forgets_the_history_until_it_is_shown_again() {
    let mut s = shown(john());
    ch(&mut s, 'h');
    let update = tms_core::api::TicketUpdate {
        priority: Some(tms_core::Priority::Low),
        ..Default::default()
    };
    let fx = reply(
        &mut s,
        Request::UpdateTicket(3, update, Some(1)),
        Reply::Ticket(Box::new(detail())),
    );
    assert!(requests(&fx).is_empty(), "nothing loaded while hidden");
    assert!(hist(&s).entries.is_none());
    let fx = ch(&mut s, 'h');
    assert_eq!(requests(&fx), vec![Request::History(3)]);
}

#[test]
fn an_answer_that_comes_after_hiding_is_not_kept() {
    let mut s = open_ticket(john());
    ch(&mut s, 'h');
    ch(&mut s, 'h');
    reply(&mut s, Request::History(3), Reply::History(history()));
    assert!(hist(&s).entries.is_none() && !hist(&s).loading);
    let fx = ch(&mut s, 'h');
    assert_eq!(requests(&fx), vec![Request::History(3)]);
}

#[test]
fn nothing_hidden_behind_the_history_is_edited_or_deleted() {
    let mut s = shown(admin());
    for key in ['e', 'E', 'd'] {
        let fx = ch(&mut s, key);
        assert!(
            requests(&fx).is_empty() && fx.len() <= 1 && s.overlay.is_none(),
            "{key} acted on the hidden thread: {fx:?}"
        );
        assert!(
            matches!(s.screen, Screen::Ticket(_)),
            "{key} left the ticket"
        );
    }
    ch(&mut s, 'h');
    assert!(!hist(&s).shown);
}
