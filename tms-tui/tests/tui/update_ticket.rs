//! Behaviour of the ticket and new-ticket screens through the pure update function.

use crate::fixtures::*;
use crossterm::event::KeyCode;
use tms_core::Priority;
use tms_core::api::{CommentUpdate, TicketUpdate};
use tms_tui::app::overlay::Overlay;
use tms_tui::app::{self, Effect, Reply, Request, State};
use tms_tui::screens::Screen;
use tms_tui::theme::text;

// ---- ticket

fn open_ticket(who: tms_core::api::User) -> State {
    let mut s = signed_in(who);
    let fx = tms_tui::app::command::run(&mut s, "3");
    let rest = answer_all(&mut s, fx, &server);
    assert!(rest.is_empty());
    assert!(matches!(&s.screen, Screen::Ticket(t) if t.detail.is_some()));
    s
}

#[test]
fn own_comment_can_be_edited_and_deleted() {
    let mut s = open_ticket(john());
    ch(&mut s, 'j');
    ch(&mut s, 'e');
    let Some(Overlay::Compose(c)) = &s.overlay else {
        panic!()
    };
    assert_eq!(
        c.area.text(),
        "Could you try removing and re-adding the account?"
    );
    typing(&mut s, " Thanks.");
    let fx = app::update(&mut s, ctrl('s'));
    let update = CommentUpdate {
        description: Some("Could you try removing and re-adding the account? Thanks.".into()),
        ticket_id: None,
    };
    assert_eq!(
        requests(&fx),
        vec![Request::UpdateComment {
            ticket_id: 3,
            comment_id: 10,
            update
        }]
    );
    s.overlay = None;
    ch(&mut s, 'd');
    let fx = ch(&mut s, 'y');
    assert_eq!(
        requests(&fx),
        vec![Request::DeleteComment {
            ticket_id: 3,
            comment_id: 10
        }]
    );
}

#[test]
fn others_comments_are_not_editable() {
    let mut s = open_ticket(john());
    ch(&mut s, 'G');
    assert!(ch(&mut s, 'e').is_empty());
    assert!(s.overlay.is_none());
    assert!(ch(&mut s, 'd').is_empty());
    assert!(ch(&mut s, 'D').is_empty(), "agents do not delete tickets");
    assert!(s.overlay.is_none());
}

#[test]
fn admin_deletes_a_ticket_after_confirming() {
    let mut s = open_ticket(admin());
    ch(&mut s, 'D');
    assert!(matches!(s.overlay, Some(Overlay::Confirm(_))));
    assert!(ch(&mut s, 'n').is_empty());
    ch(&mut s, 'D');
    let fx = ch(&mut s, 'y');
    assert_eq!(requests(&fx), vec![Request::DeleteTicket(3)]);
    reply(&mut s, Request::DeleteTicket(3), Reply::Done);
    assert!(matches!(s.screen, Screen::Queue(_)), "back to the list");
}

#[test]
fn title_edit_is_validated_inline() {
    let mut s = open_ticket(jane());
    ch(&mut s, 'T');
    app::update(&mut s, ctrl('u'));
    let fx = press(&mut s, KeyCode::Enter);
    assert!(fx.is_empty());
    let Some(Overlay::Prompt(p)) = &s.overlay else {
        panic!()
    };
    assert_eq!(p.error.as_deref(), Some("must not be empty"));
    typing(&mut s, "Mail broken");
    let fx = press(&mut s, KeyCode::Enter);
    let update = TicketUpdate {
        title: Some("Mail broken".into()),
        ..Default::default()
    };
    assert_eq!(
        requests(&fx),
        vec![Request::UpdateTicket(3, update.clone(), Some(1))]
    );
    fail(
        &mut s,
        Request::UpdateTicket(3, update, Some(1)),
        403,
        "Not yours",
    );
    let Some(Overlay::Prompt(p)) = &s.overlay else {
        panic!("prompt kept")
    };
    assert_eq!(p.error.as_deref(), Some("Not yours"));
}

#[test]
fn an_ended_session_returns_to_login() {
    let mut s = open_ticket(john());
    let fx = fail(&mut s, Request::Ticket(3), 401, "Session expired");
    assert!(fx.contains(&Effect::SetToken(None)));
    assert!(s.user.is_none() && s.stack.is_empty());
    let Screen::Login(l) = &s.screen else {
        panic!()
    };
    assert_eq!(l.message.as_deref(), Some(text::SESSION_ENDED));
}

// ---- new ticket

#[test]
fn new_ticket_validates_then_files_and_opens_it() {
    let mut s = signed_in(jane());
    ch(&mut s, 'n');
    assert!(app::update(&mut s, ctrl('s')).is_empty());
    let Screen::NewTicket(n) = &s.screen else {
        panic!()
    };
    assert_eq!(n.field_error(0).as_deref(), Some("must not be empty"));
    typing(&mut s, "Monitor flickers");
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Right);
    press(&mut s, KeyCode::Tab);
    typing(&mut s, "It flickers.");
    press(&mut s, KeyCode::Enter);
    typing(&mut s, "Since Monday.");
    let fx = app::update(&mut s, ctrl('s'));
    let Request::CreateTicket(body) = one(&fx) else {
        panic!("{fx:?}")
    };
    assert_eq!(body.title, "Monitor flickers");
    assert_eq!(body.priority, Some(Priority::High));
    assert_eq!(body.description, "It flickers.\nSince Monday.");
    let created = tickets()[0].ticket.clone();
    let fx = reply(
        &mut s,
        Request::CreateTicket(body),
        Reply::TicketSaved(Box::new(tms_core::api::Ticket { id: 12, ..created })),
    );
    assert_eq!(requests(&fx), vec![Request::Ticket(12)]);
    assert!(matches!(&s.screen, Screen::Ticket(t) if t.id == 12));
    assert!(s.ticket_draft.is_none());
}

#[test]
fn leaving_a_half_written_ticket_keeps_a_draft() {
    let mut s = signed_in(jane());
    ch(&mut s, 'n');
    typing(&mut s, "Half");
    press(&mut s, KeyCode::Esc);
    assert!(matches!(s.screen, Screen::Queue(_)));
    ch(&mut s, 'n');
    let Screen::NewTicket(n) = &s.screen else {
        panic!()
    };
    assert_eq!(n.title.text(), "Half");
}

#[test]
fn accepted_changes_are_told_in_words() {
    let mut s = open_ticket(john());
    let said = |s: &mut State, change: TicketUpdate| {
        reply(s, Request::UpdateTicket(3, change, Some(1)), Reply::Done);
        s.flash.take().map(|f| f.text).unwrap_or_default()
    };
    let assign = |a| TicketUpdate {
        assigned_agent_id: Some(a),
        ..Default::default()
    };
    assert_eq!(
        said(&mut s, assign(Some(4))),
        "Ticket 3 assigned to Sophia."
    );
    assert_eq!(said(&mut s, assign(Some(3))), "Ticket 3 assigned to you.");
    assert_eq!(said(&mut s, assign(None)), "Ticket 3 unassigned.");
    let status = TicketUpdate {
        status: Some(tms_core::Status::Resolved),
        ..Default::default()
    };
    assert_eq!(said(&mut s, status), "Ticket 3 is now Resolved.");
    let edit = CommentUpdate {
        description: Some("x".into()),
        ticket_id: None,
    };
    let request = Request::UpdateComment {
        ticket_id: 3,
        comment_id: 10,
        update: edit,
    };
    reply(&mut s, request, Reply::Done);
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("Comment saved.")
    );
}

#[test]
fn a_ticket_that_cannot_be_shown_offers_no_ticket_keys() {
    let mut s = signed_in(jane());
    let fx = tms_tui::app::command::run(&mut s, "42");
    fail(&mut s, one(&fx), 404, "Not Found");
    let screen = crate::snapshots::render(&s, 80, 24);
    let footer = screen.lines().last().unwrap_or_default();
    assert!(screen.contains("Ticket 42 does not exist"), "{screen}");
    assert!(
        !footer.contains("comment") && !footer.contains("edit"),
        "{footer}"
    );
    assert!(footer.contains("back"), "{footer}");
}

#[test]
fn staff_file_tickets_for_a_requester_the_directory_finds_as_they_type() {
    for who in [john(), admin()] {
        let mut s = signed_in(who.clone());
        ch(&mut s, 'n');
        typing(&mut s, "Badge does not open the door");
        press(&mut s, KeyCode::Tab);
        let fx = press(&mut s, KeyCode::Enter);
        let Request::FindPeople(q) = one(&fx) else {
            panic!("{fx:?}")
        };
        assert_eq!((q.q.as_deref(), q.limit), (None, Some(50)), "{}", who.role);
        answer_all(&mut s, fx, &server);
        let Some(Overlay::Picker(p)) = &s.overlay else {
            panic!("{:?}", s.overlay)
        };
        let names: Vec<&str> = p.items.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            names,
            [
                "— myself",
                "Admin <admin@example.com>",
                "Jane <jane@example.com>",
                "John <john@example.com>",
                "Sophia <sophia@example.com>"
            ],
            "in natural order"
        );
        let fx = typing(&mut s, "ja");
        let searched: Vec<Option<String>> = requests(&fx)
            .into_iter()
            .map(|r| match r {
                Request::FindPeople(q) => q.q,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(searched, [Some("j".to_string()), Some("ja".to_string())]);
        answer_all(&mut s, fx, &server);
        press(&mut s, KeyCode::Enter);
        assert!(s.overlay.is_none());
        press(&mut s, KeyCode::Tab);
        press(&mut s, KeyCode::Tab);
        typing(&mut s, "Since Monday.");
        let fx = app::update(&mut s, ctrl('s'));
        let Request::CreateTicket(body) = one(&fx) else {
            panic!("{fx:?}")
        };
        assert_eq!(body.requester_id, Some(2), "Jane, for a {}", who.role);
        assert_eq!(body.description, "Since Monday.");
    }
}

#[test]
fn an_older_search_does_not_replace_the_latest_and_requesters_have_no_such_field() {
    let mut s = signed_in(john());
    ch(&mut s, 'n');
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Enter);
    let fx = typing(&mut s, "jo");
    let [older, latest] = &requests(&fx)[..] else {
        panic!("{fx:?}")
    };
    reply(&mut s, latest.clone(), server(latest).unwrap());
    reply(&mut s, older.clone(), server(older).unwrap());
    let Some(Overlay::Picker(p)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    let names: Vec<&str> = p.items.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        names,
        ["John <john@example.com>"],
        "the answer to `j` came last"
    );
    press(&mut s, KeyCode::Enter);
    let Screen::NewTicket(form) = &s.screen else {
        panic!()
    };
    assert_eq!(form.requester.as_ref().map(|u| u.id), Some(3));

    let mut s = signed_in(jane());
    ch(&mut s, 'n');
    typing(&mut s, "Mine");
    press(&mut s, KeyCode::Tab);
    let Screen::NewTicket(form) = &s.screen else {
        panic!()
    };
    assert_eq!(form.focus, tms_tui::screens::new_ticket::PRIORITY);
    assert!(!form.staff);
}
