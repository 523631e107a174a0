//! Writes against a list that may be stale: taking or assigning a ticket a colleague holds
//! asks first, checked against the server's copy; an accepted change is shown from what the
//! server answered, without reading it again.

use crate::fixtures::*;
use tms_core::api::TicketUpdate;
use tms_core::{Priority, Status};
use tms_tui::app::overlay::{ConfirmFor, Overlay};
use tms_tui::app::{ListSlot, Reply, Request};
use tms_tui::screens::Screen;

fn taken_by(holder: &tms_core::api::User, id: i64) -> Box<tms_core::api::TicketDetail> {
    let mut d = detail_of(id).unwrap();
    d.ticket.assigned_agent_id = Some(holder.id);
    d.assigned_agent = Some(holder.summary());
    Box::new(d)
}

#[test]
fn taking_a_ticket_a_colleague_took_meanwhile_asks_first() {
    let mut s = signed_in(john());
    let fx = ch(&mut s, 't');
    let recheck = one(&fx);
    assert_eq!(
        recheck,
        Request::Recheck {
            id: 1,
            assignee: Some(3)
        }
    );
    // The row said unassigned; the server says Sophia has it now.
    let fx = reply(
        &mut s,
        recheck.clone(),
        Reply::Ticket(taken_by(&sophia(), 1)),
    );
    assert!(requests(&fx).is_empty(), "nothing overridden unasked");
    let Some(Overlay::Confirm(c)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert!(c.message.contains("assigned to Sophia"), "{}", c.message);
    assert_eq!(
        c.action,
        ConfirmFor::Override {
            id: 1,
            assignee: Some(3),
            version: 1,
        }
    );
    assert!(ch(&mut s, 'n').is_empty());
    ch(&mut s, 't');
    reply(&mut s, recheck, Reply::Ticket(taken_by(&sophia(), 1)));
    let fx = ch(&mut s, 'y');
    let take = TicketUpdate {
        assigned_agent_id: Some(Some(3)),
        ..Default::default()
    };
    assert_eq!(requests(&fx), vec![Request::UpdateTicket(1, take, Some(1))]);
}

#[test]
fn assigning_away_from_a_colleague_asks_too_but_not_when_it_is_mine() {
    let mut s = signed_in(john());
    let recheck = Request::Recheck {
        id: 1,
        assignee: Some(4),
    };
    reply(&mut s, recheck, Reply::Ticket(taken_by(&admin(), 1)));
    let Some(Overlay::Confirm(c)) = &s.overlay else {
        panic!()
    };
    assert!(
        c.message.contains("Reassign it to Sophia?"),
        "{}",
        c.message
    );
    s.overlay = None;
    let recheck = Request::Recheck {
        id: 1,
        assignee: Some(4),
    };
    let fx = reply(&mut s, recheck, Reply::Ticket(taken_by(&john(), 1)));
    assert!(s.overlay.is_none(), "my own ticket: no question");
    assert!(matches!(
        &requests(&fx)[..],
        [Request::UpdateTicket(1, _, Some(1))]
    ));
}

#[test]
fn a_change_is_shown_from_the_servers_answer_without_reading_again() {
    let mut s = signed_in(john());
    // Priority: the row changes in place; no list, no counts.
    let change = TicketUpdate {
        priority: Some(Priority::High),
        ..Default::default()
    };
    let mut d = detail_of(1).unwrap();
    d.ticket.priority = Priority::High;
    let fx = reply(
        &mut s,
        Request::UpdateTicket(1, change, Some(1)),
        Reply::Ticket(Box::new(d)),
    );
    assert!(requests(&fx).is_empty(), "{fx:?}");
    assert_eq!(queue(&s).items()[0].ticket.priority, Priority::High);

    // Taken from Unassigned: the row leaves the tab; only the counts are asked for.
    let change = TicketUpdate {
        assigned_agent_id: Some(Some(3)),
        ..Default::default()
    };
    let fx = reply(
        &mut s,
        Request::UpdateTicket(1, change, Some(1)),
        Reply::Ticket(taken_by(&john(), 1)),
    );
    let reqs = requests(&fx);
    assert_eq!(reqs.len(), 5, "{reqs:?}");
    assert!(reqs.iter().all(|r| matches!(
        r,
        Request::Tickets {
            slot: ListSlot::Count(_),
            ..
        } | Request::Views
    )));
    assert!(queue(&s).items().iter().all(|i| i.ticket.id != 1));

    // On the ticket screen: the answer is the new detail.
    let fx = tms_tui::app::command::run(&mut s, "3");
    answer_all(&mut s, fx, &server);
    let change = TicketUpdate {
        status: Some(Status::Resolved),
        ..Default::default()
    };
    let mut d = detail();
    d.ticket.status = Status::Resolved;
    let fx = reply(
        &mut s,
        Request::UpdateTicket(3, change, Some(1)),
        Reply::Ticket(Box::new(d)),
    );
    assert!(requests(&fx).is_empty(), "no second GET: {fx:?}");
    let Screen::Ticket(t) = &s.screen else {
        panic!()
    };
    assert_eq!(t.detail.as_ref().unwrap().ticket.status, Status::Resolved);
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("Ticket 3 is now Resolved.")
    );
}

#[test]
fn a_change_refused_because_someone_changed_the_ticket_says_what_and_offers_to_reapply() {
    let mut s = signed_in(john());
    let fx = tms_tui::app::command::run(&mut s, "3");
    answer_all(&mut s, fx, &server);
    // John sets Resolved on what he sees (version 1); meanwhile Sophia took the ticket and
    // raised its priority.
    let change = TicketUpdate {
        status: Some(Status::Resolved),
        ..Default::default()
    };
    let mut now = detail();
    now.ticket.version = 2;
    now.ticket.priority = Priority::Low;
    now.ticket.assigned_agent_id = Some(sophia().id);
    now.assigned_agent = Some(sophia().summary());
    let fx = tms_tui::app::update(
        &mut s,
        tms_tui::app::Action::Response {
            request: Request::UpdateTicket(3, change.clone(), Some(1)),
            result: Err(tms_tui::api::ApiError::Stale(Box::new(now.clone()))),
        },
    );
    assert!(requests(&fx).is_empty(), "nothing sent unasked: {fx:?}");
    // The screen shows the ticket as it is now.
    let Screen::Ticket(t) = &s.screen else {
        panic!()
    };
    let shown = &t.detail.as_ref().unwrap().ticket;
    assert_eq!((shown.priority, shown.version), (Priority::Low, 2));
    assert_eq!(
        shown.status, now.ticket.status,
        "not resolved behind the user's back"
    );
    let Some(Overlay::Confirm(c)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert!(c.message.contains("priority"), "{}", c.message);
    assert!(c.message.contains("assigned to Sophia"), "{}", c.message);
    assert!(c.message.contains("status → Resolved"), "{}", c.message);
    // Drop it: nothing is sent.
    assert!(ch(&mut s, 'n').is_empty());
    assert!(s.overlay.is_none());

    // Again, and this time apply it: sent against the version now shown.
    tms_tui::app::update(
        &mut s,
        tms_tui::app::Action::Response {
            request: Request::UpdateTicket(3, change.clone(), Some(1)),
            result: Err(tms_tui::api::ApiError::Stale(Box::new(now))),
        },
    );
    let fx = ch(&mut s, 'y');
    assert_eq!(
        requests(&fx),
        vec![Request::UpdateTicket(3, change, Some(2))]
    );
}
