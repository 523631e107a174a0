//! Internal notes on the ticket screen: `c` replies, `i` writes a note (staff only); notes are
//! drawn marked as such.

use crate::fixtures::*;
use crate::snapshots::render;
use tms_core::api::NewCommentRequest;
use tms_tui::app::overlay::{DraftKey, Overlay};
use tms_tui::app::{self, Reply, Request, State};

fn on_ticket(who: tms_core::api::User) -> State {
    let mut s = signed_in(who);
    let fx = app::command::run(&mut s, "3");
    assert!(answer_all(&mut s, fx, &server).is_empty());
    s
}

#[test]
fn staff_write_internal_notes_with_i_and_they_are_sent_as_notes() {
    let mut s = on_ticket(john());
    ch(&mut s, 'i');
    let Some(Overlay::Compose(c)) = &s.overlay else {
        panic!("no composer: {:?}", s.overlay)
    };
    assert_eq!(c.key, DraftKey::Note(3));
    assert!(c.title.contains("Internal note"), "{}", c.title);
    typing(&mut s, "Warranty ends in March");
    let fx = app::update(&mut s, ctrl('s'));
    let sent = Request::CreateComment(NewCommentRequest {
        ticket_id: 3,
        description: "Warranty ends in March".into(),
        is_internal: true,
    });
    assert_eq!(requests(&fx), vec![sent.clone()]);
    reply(&mut s, sent, Reply::Done);
    assert!(s.overlay.is_none() && s.drafts.is_empty());

    // `c` stays a reply, with a draft of its own.
    ch(&mut s, 'c');
    let Some(Overlay::Compose(c)) = &s.overlay else {
        panic!()
    };
    assert_eq!(c.key, DraftKey::Comment(3));
}

#[test]
fn requesters_cannot_write_internal_notes() {
    let mut s = on_ticket(jane());
    let fx = ch(&mut s, 'i');
    assert!(requests(&fx).is_empty());
    assert!(
        !matches!(s.overlay, Some(Overlay::Compose(_))),
        "{:?}",
        s.overlay
    );
}

#[test]
fn internal_notes_are_drawn_marked() {
    let mut s = signed_in(john());
    let mut d = detail();
    d.comments[1].comment.is_internal = true;
    let note = d.comments[1].comment.description.clone();
    let fx = app::command::run(&mut s, "3");
    let answer = move |r: &Request| match r {
        Request::Ticket(3) => Some(Reply::Ticket(Box::new(d.clone()))),
        other => server(other),
    };
    assert!(answer_all(&mut s, fx, &answer).is_empty());
    let screen = render(&s, 100, 40);
    let marked = screen
        .lines()
        .position(|l| l.contains("[internal note]"))
        .expect("a note is marked");
    let text = screen
        .lines()
        .position(|l| l.contains(note.lines().next().unwrap()))
        .unwrap();
    assert!(marked < text && text - marked <= 2, "{screen}");
    assert_eq!(screen.matches("[internal note]").count(), 1, "{screen}");
}
