//! Behaviour of every screen through the pure update function: keys in, state and effects out.

use crate::fixtures::*;
use crossterm::event::KeyCode;
use tms_core::api::{NewCommentRequest, TicketUpdate, TokenResponse};
use tms_core::{Priority, Role, Status};
use tms_tui::api::ApiError;
use tms_tui::app::overlay::Overlay;
use tms_tui::app::{self, Action, ListSlot, Mode, Reply, Request};
use tms_tui::screens::{QueueKind, Screen};
use tms_tui::theme::text;

// ---- queue

#[test]
fn agent_queue_has_tabs_with_counts() {
    let s = signed_in(john());
    let q = queue(&s);
    assert_eq!(q.kind, QueueKind::Staff);
    assert_eq!(q.counts, [Some(2), Some(1), Some(3), Some(4)]);
    assert_eq!(q.items().len(), 2);
    assert!(!q.loading);
    assert_eq!(
        s.staff.keys().copied().collect::<Vec<_>>(),
        vec![1, 3, 4],
        "the assignable staff, from the server"
    );
}

#[test]
fn switching_tab_loads_mine() {
    let mut s = signed_in(john());
    let fx = press(&mut s, KeyCode::Tab);
    let reqs = requests(&fx);
    let Request::Tickets {
        slot: ListSlot::Rows,
        query,
    } = &reqs[0]
    else {
        panic!("{reqs:?}")
    };
    assert_eq!(query.assigned_agent_id, Some(3));
    assert_eq!(queue(&s).tab, 1);
    assert_eq!(reqs.len(), 6, "rows, the four counts and the views");
}

#[test]
fn take_assigns_the_highlighted_ticket_to_me() {
    let mut s = signed_in(john());
    let fx = ch(&mut s, 't');
    let recheck = Request::Recheck {
        id: 1,
        assignee: Some(3),
    };
    assert_eq!(requests(&fx), vec![recheck.clone()], "read again first");
    let fx = answer_all(&mut s, fx, &server);
    let update = TicketUpdate {
        assigned_agent_id: Some(Some(3)),
        ..Default::default()
    };
    assert_eq!(
        requests(&fx),
        vec![Request::UpdateTicket(1, update.clone(), Some(1))],
        "nobody holds it: taken at once"
    );
    let fx = reply(
        &mut s,
        Request::UpdateTicket(1, update, Some(1)),
        Reply::Done,
    );
    assert!(
        requests(&fx)
            .iter()
            .any(|r| matches!(r, Request::Tickets { .. })),
        "list refreshed"
    );
    assert_eq!(s.flash.as_ref().unwrap().text, "Ticket 1 assigned to you.");
}

#[test]
fn status_and_assign_pickers_send_updates() {
    let mut s = signed_in(john());
    ch(&mut s, 's');
    assert!(matches!(s.overlay, Some(Overlay::Picker(_))));
    ch(&mut s, 'j');
    let fx = press(&mut s, KeyCode::Enter);
    let update = TicketUpdate {
        status: Some(Status::InProgress),
        ..Default::default()
    };
    assert_eq!(
        requests(&fx),
        vec![Request::UpdateTicket(1, update, Some(1))]
    );
    assert!(s.overlay.is_none());
    ch(&mut s, 'a');
    let Some(Overlay::Picker(p)) = &s.overlay else {
        panic!()
    };
    assert_eq!(p.items[1].0, "John (me) · Helpdesk Agent", "me first");
    assert_eq!(p.items[2].0, "Admin · SysAdmin", "then the others by name");
    for _ in 0..3 {
        press(&mut s, KeyCode::Down);
    }
    let fx = press(&mut s, KeyCode::Enter);
    assert_eq!(
        requests(&fx),
        vec![Request::Recheck {
            id: 1,
            assignee: Some(4)
        }]
    );
}

#[test]
fn the_assign_picker_lists_every_agent_the_server_knows() {
    let mut s = signed_in(john());
    s.staff.clear();
    let fx = ch(&mut s, 'a');
    assert_eq!(requests(&fx), vec![Request::Staff], "the list is refreshed");
    let Some(Overlay::Picker(p)) = &s.overlay else {
        panic!()
    };
    assert_eq!(p.items.len(), 2, "nobody and me until the list arrives");
    press(&mut s, KeyCode::Down);
    let alex = user(9, "Alex", Role::Agent).summary();
    let mut listed = staff();
    listed.push(alex);
    reply(&mut s, Request::Staff, Reply::Staff(listed));
    let Some(Overlay::Picker(p)) = &s.overlay else {
        panic!()
    };
    let names: Vec<&str> = p.items.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        names,
        [
            "— nobody (unassign)",
            "John (me) · Helpdesk Agent",
            "Admin · SysAdmin",
            "Alex · Helpdesk Agent",
            "Sophia · Helpdesk Agent"
        ]
    );
    assert_eq!(p.selected, 1, "the highlight stays on the same person");
}

#[test]
fn requesters_never_ask_for_the_agents() {
    let mut s = fresh(Mode::Demo);
    let token = TokenResponse {
        access_token: "t".into(),
        token_type: "bearer".into(),
        expires_at: now(),
        user: jane(),
    };
    let fx = reply(&mut s, Request::Login(login_body()), session(token, None));
    assert!(!requests(&fx).contains(&Request::Staff));
    assert!(s.staff.is_empty());
}

#[test]
fn comment_from_the_list_keeps_text_until_the_server_has_it() {
    let mut s = signed_in(john());
    ch(&mut s, 'c');
    typing(&mut s, "On it");
    let fx = app::update(&mut s, ctrl('s'));
    let sent = Request::CreateComment(NewCommentRequest {
        ticket_id: 1,
        description: "On it".into(),
        is_internal: false,
    });
    assert_eq!(requests(&fx), vec![sent.clone()]);
    app::update(
        &mut s,
        Action::Response {
            request: sent.clone(),
            result: Err(ApiError::Unreachable("timed out".into())),
        },
    );
    let Some(Overlay::Compose(c)) = &s.overlay else {
        panic!("composer closed on error")
    };
    assert_eq!(c.area.text(), "On it");
    assert!(c.error.is_some() && !c.sending);
    press(&mut s, KeyCode::Esc);
    assert!(s.overlay.is_none());
    ch(&mut s, 'c');
    let Some(Overlay::Compose(c)) = &s.overlay else {
        panic!()
    };
    assert_eq!(c.area.text(), "On it", "draft restored");
    app::update(&mut s, ctrl('s'));
    reply(&mut s, sent, Reply::Done);
    assert!(s.overlay.is_none());
    assert!(s.drafts.is_empty());
}

#[test]
fn search_filter_and_sort_shape_the_query() {
    let mut s = signed_in(admin());
    ch(&mut s, '/');
    typing(&mut s, "printer");
    let fx = press(&mut s, KeyCode::Enter);
    let Request::Tickets { query, .. } = &requests(&fx)[0] else {
        panic!()
    };
    assert_eq!(query.q.as_deref(), Some("printer"));
    ch(&mut s, 'F');
    ch(&mut s, 'j');
    let fx = press(&mut s, KeyCode::Enter);
    let Request::Tickets { query, .. } = &requests(&fx)[0] else {
        panic!()
    };
    assert_eq!(query.priority, vec![Priority::High]);
    ch(&mut s, 'o');
    press(&mut s, KeyCode::Down);
    let fx = press(&mut s, KeyCode::Enter);
    let Request::Tickets { query, .. } = &requests(&fx)[0] else {
        panic!()
    };
    assert_eq!(query.sort.to_string(), "creation_date");
    let fx = ch(&mut s, 'x');
    let Request::Tickets { query, .. } = &requests(&fx)[0] else {
        panic!()
    };
    assert_eq!((query.q.clone(), query.priority.len()), (None, 0));
    assert_eq!(query.sort, Default::default(), "x clears the sort too");
    assert_eq!(queue(&s).sort, Default::default());
}

#[test]
fn requesters_are_not_offered_triage() {
    let mut s = signed_in(jane());
    assert_eq!(queue(&s).kind, QueueKind::Requester);
    assert!(ch(&mut s, 't').is_empty());
    assert_eq!(s.flash.as_ref().unwrap().text, text::NOT_ALLOWED);
    assert!(ch(&mut s, 's').is_empty());
    assert!(s.overlay.is_none());
    assert!(press(&mut s, KeyCode::Tab).is_empty(), "no tabs");
    ch(&mut s, 'n');
    assert!(matches!(s.screen, Screen::NewTicket(_)));
}

#[test]
fn a_search_the_server_would_refuse_is_refused_in_place() {
    let mut s = signed_in(john());
    ch(&mut s, '/');
    typing(&mut s, &"x".repeat(201));
    let fx = press(&mut s, KeyCode::Enter);
    assert!(requests(&fx).is_empty());
    let Some(Overlay::Prompt(p)) = &s.overlay else {
        panic!("the prompt stays open")
    };
    assert_eq!(p.error.as_deref(), Some("must be at most 200 characters"));
}

#[test]
fn pasted_cr_line_endings_become_line_breaks() {
    let mut s = signed_in(john());
    ch(&mut s, 'c');
    app::update(&mut s, Action::Paste("one\rtwo\r\nthree\nfour".into()));
    let Some(Overlay::Compose(c)) = &s.overlay else {
        panic!()
    };
    assert_eq!(c.area.text(), "one\ntwo\nthree\nfour");
    s.overlay = None;
    ch(&mut s, '/');
    app::update(&mut s, Action::Paste("printer\rjam".into()));
    let Some(Overlay::Prompt(p)) = &s.overlay else {
        panic!()
    };
    assert_eq!(p.input.text(), "printer jam", "one-line fields get a space");
}

#[test]
fn the_assign_picker_narrows_as_you_type_in_natural_order() {
    let mut s = signed_in(john());
    let mut listed = staff();
    for (id, name) in [(11, "user11"), (12, "user2"), (13, "user1"), (14, "User12")] {
        listed.push(user(id, name, Role::Agent).summary());
    }
    s.set_staff(&listed);
    ch(&mut s, 'a');
    typing(&mut s, "user");
    let Some(Overlay::Picker(p)) = &s.overlay else {
        panic!()
    };
    let names: Vec<&str> = p.items.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        names,
        [
            "user1 · Helpdesk Agent",
            "user2 · Helpdesk Agent",
            "user11 · Helpdesk Agent",
            "User12 · Helpdesk Agent"
        ]
    );
    typing(&mut s, "1");
    press(&mut s, KeyCode::Down);
    let fx = press(&mut s, KeyCode::Enter);
    assert_eq!(
        requests(&fx),
        vec![Request::Recheck {
            id: 1,
            assignee: Some(11)
        }]
    );
}

#[test]
fn prefix_searches_go_to_the_server_as_typed() {
    let mut s = signed_in(john());
    for typed in ["pass", "passw*", "pass* reset"] {
        ch(&mut s, '/');
        let Some(Overlay::Prompt(p)) = &s.overlay else {
            panic!()
        };
        assert!(p.title.contains("prefixes"), "{}", p.title);
        press(&mut s, KeyCode::End);
        app::update(&mut s, ctrl('u'));
        typing(&mut s, typed);
        let fx = press(&mut s, KeyCode::Enter);
        let Request::Tickets { query, .. } = &requests(&fx)[0] else {
            panic!("{fx:?}")
        };
        assert_eq!(query.q.as_deref(), Some(typed));
    }
}

#[test]
fn staff_filter_by_sla_and_sort_by_due() {
    let mut s = signed_in(admin());
    ch(&mut s, '!');
    ch(&mut s, 'j');
    let fx = press(&mut s, KeyCode::Enter);
    let Request::Tickets { query, .. } = &requests(&fx)[0] else {
        panic!()
    };
    use tms_core::SlaState;
    assert_eq!(query.sla, vec![SlaState::AtRisk, SlaState::Breached]);
    ch(&mut s, 'o');
    for _ in 0..8 {
        press(&mut s, KeyCode::Down);
    }
    let fx = press(&mut s, KeyCode::Enter);
    let Request::Tickets { query, .. } = &requests(&fx)[0] else {
        panic!()
    };
    assert_eq!(query.sort.to_string(), "due");
    assert_eq!(query.sla.len(), 2, "the filter stays");
    let fx = ch(&mut s, 'x');
    let Request::Tickets { query, .. } = &requests(&fx)[0] else {
        panic!()
    };
    assert!(query.sla.is_empty(), "x clears it");
    // Requesters have no SLA filter.
    let mut r = signed_in(jane());
    assert!(ch(&mut r, '!').is_empty());
    assert!(r.overlay.is_none());
}
