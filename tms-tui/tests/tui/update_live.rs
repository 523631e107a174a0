//! The live queue through the pure update function: the event stream follows the session,
//! ticket events update, add or remove rows in place and mark them, the counts are read once
//! per burst, a resync reads again what is shown, and the open ticket changes in place.

use crate::fixtures::*;
use crossterm::event::KeyCode;
use tms_core::api::{Comment, TicketListItem, TicketUpdate};
use tms_core::{Priority, Status};
use tms_tui::api::events::{Change, CommentEvent, News, ServerEvent, TicketEvent};
use tms_tui::app::live::Link;
use tms_tui::app::overlay::Overlay;
use tms_tui::app::{self, Action, Effect, ListSlot, Reply, Request, State};
use tms_tui::screens::Screen;
use tms_tui::theme::text;

/// What the stream of the session in front says.
fn news(s: &mut State, news: News) -> Vec<Effect> {
    let stream = s.live.stream;
    app::update(s, Action::Live { stream, news })
}

fn event(s: &mut State, e: ServerEvent) -> Vec<Effect> {
    news(s, News::Event(Box::new(e)))
}

/// John on ticket 3, the stream up.
fn john_on_ticket_3() -> State {
    let mut s = john_live();
    let fx = app::command::run(&mut s, "3");
    answer_all(&mut s, fx, &server);
    s
}

/// John on his queue with the stream up (and nothing missed).
fn john_live() -> State {
    let mut s = signed_in(john());
    let fx = news(&mut s, News::Connected { resumed: true });
    assert!(fx.is_empty(), "{fx:?}");
    s
}

fn ticket_event(change: Change, item: TicketListItem) -> ServerEvent {
    ServerEvent::Ticket(TicketEvent {
        ticket_id: item.ticket.id,
        change,
        ticket: Some(Box::new(item)),
    })
}

/// Ticket `id` of the fixtures, changed by `f` (and one version on).
fn changed(id: i64, f: impl FnOnce(&mut TicketListItem)) -> TicketListItem {
    let mut item = tickets().into_iter().find(|t| t.ticket.id == id).unwrap();
    f(&mut item);
    item.ticket.version += 1;
    item
}

fn ids(s: &State) -> Vec<i64> {
    queue(s).items().iter().map(|i| i.ticket.id).collect()
}

fn wakes(fx: &[Effect]) -> usize {
    fx.iter().filter(|e| matches!(e, Effect::Wake(..))).count()
}

#[test]
fn the_stream_opens_with_the_session_and_closes_with_it() {
    let mut s = fresh(app::Mode::Embedded);
    let token = tms_core::api::TokenResponse {
        access_token: "t".into(),
        token_type: "bearer".into(),
        expires_at: now(),
        user: john(),
    };
    let fx = reply(&mut s, Request::Login(login_body()), session(token, None));
    let set = fx
        .iter()
        .position(|e| matches!(e, Effect::SetToken(Some(_))));
    let listen = fx.iter().position(|e| matches!(e, Effect::Listen { .. }));
    assert!(
        set < listen && set.is_some(),
        "opened with the new token: {fx:?}"
    );
    assert_eq!(s.live.link, Link::Connecting);

    // Up, and (it started afresh) what is shown is read again.
    let fx = news(&mut s, News::Connected { resumed: false });
    assert_eq!(s.live.link, Link::Up);
    assert!(
        requests(&fx).contains(&Request::Views),
        "the queue read again: {fx:?}"
    );
    let view = crate::snapshots::render(&s, 80, 24);
    assert!(view.contains(text::LIVE), "{view}");

    news(&mut s, News::Lost("connection reset".into()));
    assert_eq!(s.live.link, Link::Reconnecting);
    let view = crate::snapshots::render(&s, 80, 24);
    assert!(view.contains(text::RECONNECTING), "{view}");
    assert!(
        s.flash.as_ref().is_none_or(|f| !f.error),
        "no error for a lost stream: {:?}",
        s.flash
    );
    // Resumed after the last event: nothing to read again.
    assert!(news(&mut s, News::Connected { resumed: true }).is_empty());

    // Logging out closes it, with no word about it; news of the old stream is dropped.
    let old = s.live.stream;
    ch(&mut s, ':');
    typing(&mut s, "logout");
    let fx = press(&mut s, KeyCode::Enter);
    assert!(fx.contains(&Effect::StopListening), "{fx:?}");
    assert_eq!(s.live.link, Link::Off);
    let fx = app::update(
        &mut s,
        Action::Live {
            stream: old,
            news: News::SessionEnded,
        },
    );
    assert!(fx.is_empty(), "{fx:?}");
    let Screen::Login(l) = &s.screen else {
        panic!("{:?}", s.screen)
    };
    assert_eq!(l.message.as_deref(), Some("Logged out."));
}

#[test]
fn a_session_the_server_ended_goes_back_to_the_login() {
    let mut s = john_live();
    let fx = news(&mut s, News::SessionEnded);
    assert!(fx.contains(&Effect::SetToken(None)), "{fx:?}");
    assert!(fx.contains(&Effect::StopListening), "{fx:?}");
    let Screen::Login(l) = &s.screen else {
        panic!("{:?}", s.screen)
    };
    assert_eq!(l.message.as_deref(), Some(text::SESSION_ENDED));
}

#[test]
fn an_event_updates_its_row_in_place_and_marks_it_for_a_moment() {
    let mut s = john_live();
    assert_eq!(ids(&s), [1, 5]);
    press(&mut s, KeyCode::Down);
    let raised = changed(5, |t| t.ticket.priority = Priority::High);
    let fx = event(&mut s, ticket_event(Change::TicketUpdated, raised.clone()));
    assert!(requests(&fx).is_empty(), "nothing read: {fx:?}");
    assert_eq!(wakes(&fx), 1, "the counts after the burst: {fx:?}");
    assert_eq!(queue(&s).items()[1], raised);
    assert_eq!(queue(&s).selected, 1, "the cursor stays on its ticket");
    assert!(queue(&s).is_fresh(5, now()));
    assert!(!queue(&s).is_fresh(1, now()));
    let view = crate::snapshots::render(&s, 80, 24);
    assert!(view.contains(&format!("{}5", text::FRESH_SIGN)), "{view}");

    // The same news again (its own change answered first, say) changes nothing.
    let fx = event(&mut s, ticket_event(Change::TicketUpdated, raised));
    assert!(requests(&fx).is_empty());

    // The mark goes after a moment.
    app::update(&mut s, Action::Tick(now() + time::Duration::seconds(3)));
    assert!(!queue(&s).is_fresh(5, s.now));
    let view = crate::snapshots::render(&s, 80, 24);
    assert!(!view.contains(text::FRESH_SIGN), "{view}");
}

#[test]
fn tickets_entering_and_leaving_the_tab_are_added_and_removed() {
    let mut s = john_live();
    // A new unassigned ticket: first, the newest.
    let mut new = ticket(9, "Monitor flickers", Status::Open, Priority::Low, None);
    new.ticket.creation_date = now();
    let fx = event(&mut s, ticket_event(Change::TicketCreated, new));
    assert_eq!(ids(&s), [9, 1, 5]);
    assert_eq!(queue(&s).rows.as_ref().unwrap().total, 3);
    assert!(queue(&s).is_fresh(9, now()));
    // Ticket 1 taken by Sophia leaves Unassigned.
    let taken = changed(1, |t| {
        t.ticket.assigned_agent_id = Some(sophia().id);
        t.assigned_agent = Some(sophia().summary());
    });
    let more = event(&mut s, ticket_event(Change::TicketUpdated, taken));
    assert_eq!(ids(&s), [9, 5]);
    assert_eq!(queue(&s).rows.as_ref().unwrap().total, 2);
    // A deletion (staff are told) removes its row.
    let gone = event(
        &mut s,
        ServerEvent::Ticket(TicketEvent {
            ticket_id: 5,
            change: Change::TicketDeleted,
            ticket: None,
        }),
    );
    assert_eq!(ids(&s), [9]);
    let all: Vec<Effect> = fx.into_iter().chain(more).chain(gone).collect();
    assert!(requests(&all).is_empty(), "all told by the events: {all:?}");
    assert_eq!(wakes(&all), 1, "one burst");

    // Where only the server can tell (a search), the page is read again after the burst.
    let mut s = john_live();
    ch(&mut s, '/');
    typing(&mut s, "printer");
    let fx = press(&mut s, KeyCode::Enter);
    answer_all(&mut s, fx, &server);
    let fx = event(
        &mut s,
        ticket_event(
            Change::TicketUpdated,
            changed(1, |t| t.ticket.title = "Printer on fire".into()),
        ),
    );
    assert!(requests(&fx).is_empty());
    let fx = app::update(&mut s, Action::Wake(tms_tui::app::Alarm::Burst));
    let rows: Vec<Request> = requests(&fx)
        .into_iter()
        .filter(|r| {
            matches!(
                r,
                Request::Tickets {
                    slot: ListSlot::Rows,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(rows.len(), 1, "the page read again once: {fx:?}");
}

#[test]
fn the_counts_are_read_once_per_burst_of_changes() {
    let mut s = john_live();
    let mut fx = Vec::new();
    for (id, p) in [(1, Priority::High), (5, Priority::High), (1, Priority::Low)] {
        let item = changed(id, |t| t.ticket.priority = p);
        fx.extend(event(&mut s, ticket_event(Change::TicketUpdated, item)));
    }
    assert!(requests(&fx).is_empty(), "{fx:?}");
    assert_eq!(wakes(&fx), 1, "{fx:?}");
    let fx = app::update(&mut s, Action::Wake(tms_tui::app::Alarm::Burst));
    let reqs = requests(&fx);
    let counts = reqs
        .iter()
        .filter(|r| {
            matches!(
                r,
                Request::Tickets {
                    slot: ListSlot::Count(_),
                    ..
                }
            )
        })
        .count();
    assert_eq!(counts, 4, "{reqs:?}");
    assert_eq!(reqs.iter().filter(|r| **r == Request::Views).count(), 1);
    assert_eq!(reqs.len(), 5, "no page read: {reqs:?}");
    assert!(
        app::update(&mut s, Action::Wake(tms_tui::app::Alarm::Burst)).is_empty(),
        "one wake, one read"
    );
    // A change of John's own while the stream is up: the counts wait for its echo.
    let change = TicketUpdate {
        status: Some(Status::InProgress),
        ..Default::default()
    };
    let mut d = detail_of(1).unwrap();
    d.ticket.status = Status::InProgress;
    d.ticket.version = 3;
    let fx = reply(
        &mut s,
        Request::UpdateTicket(1, change, Some(2)),
        Reply::Ticket(Box::new(d)),
    );
    assert!(requests(&fx).is_empty(), "{fx:?}");
}

#[test]
fn a_resync_reads_again_what_is_shown() {
    let mut s = john_live();
    let fx = event(&mut s, ServerEvent::Resync);
    let reqs = requests(&fx);
    assert!(
        reqs.contains(&Request::Tickets {
            slot: ListSlot::Rows,
            query: queue(&s).query()
        }),
        "{reqs:?}"
    );
    assert_eq!(reqs.len(), 6, "rows, four counts, the views: {reqs:?}");
    let fx = app::command::run(&mut s, "3");
    answer_all(&mut s, fx, &server);
    let fx = event(&mut s, ServerEvent::Resync);
    assert_eq!(requests(&fx), [Request::Ticket(3)]);
}

#[test]
fn the_open_ticket_changes_in_place() {
    let mut s = john_on_ticket_3();
    let shown = |s: &State| match &s.screen {
        Screen::Ticket(t) => t.detail.clone().unwrap(),
        other => panic!("{other:?}"),
    };
    let mut item = TicketListItem {
        ticket: shown(&s).ticket,
        requester: jane().summary(),
        assigned_agent: Some(john().summary()),
    };
    item.ticket.status = Status::Resolved;
    item.ticket.version = 2;
    let fx = event(&mut s, ticket_event(Change::TicketUpdated, item));
    assert!(requests(&fx).is_empty(), "{fx:?}");
    assert_eq!(shown(&s).ticket.status, Status::Resolved);
    assert_eq!(shown(&s).comments.len(), 2, "the thread kept");
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("Ticket 3 changed: status In Progress → Resolved.")
    );

    // Jane comments: the comment joins the thread.
    let comment = |id: i64, by: i64, text: &str| Comment {
        id,
        ticket_id: 3,
        commented_by_id: by,
        description: text.into(),
        creation_date: now(),
        updated_at: now(),
        is_internal: false,
    };
    let said = |change, c: Option<Comment>, id| {
        ServerEvent::Comment(CommentEvent {
            ticket_id: 3,
            comment_id: Some(id),
            change,
            comment: c,
        })
    };
    event(
        &mut s,
        said(
            Change::CommentCreated,
            Some(comment(12, 2, "Works now, thanks!")),
            12,
        ),
    );
    let d = shown(&s);
    assert_eq!(d.comments.len(), 3);
    assert_eq!(d.comments[2].comment.description, "Works now, thanks!");
    assert_eq!(d.comments[2].user.username, "Jane");
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("Jane commented on ticket 3.")
    );
    let view = crate::snapshots::render(&s, 80, 24);
    assert!(view.contains("Works now, thanks!"), "{view}");

    // Deleted: it leaves the thread.
    event(&mut s, said(Change::CommentDeleted, None, 10));
    let left: Vec<i64> = shown(&s).comments.iter().map(|c| c.comment.id).collect();
    assert_eq!(left, [11, 12]);

    // By someone this client knows nothing of: the ticket is read again.
    let fx = event(
        &mut s,
        said(Change::CommentCreated, Some(comment(13, 77, "Hello")), 13),
    );
    assert_eq!(requests(&fx), [Request::Ticket(3)]);
}

#[test]
fn a_description_edited_meanwhile_is_not_overwritten_unasked() {
    let mut s = john_on_ticket_3();
    // John starts editing the description (version 1 shown)…
    ch(&mut s, 'e');
    assert!(matches!(s.overlay, Some(Overlay::Compose(_))));
    // …while Jane rewrites it.
    let Screen::Ticket(t) = &s.screen else {
        panic!()
    };
    let mut item = TicketListItem {
        ticket: t.detail.as_ref().unwrap().ticket.clone(),
        requester: jane().summary(),
        assigned_agent: Some(john().summary()),
    };
    item.ticket.description = "Jane's new words.".into();
    item.ticket.version = 2;
    event(&mut s, ticket_event(Change::TicketUpdated, item));
    typing(&mut s, " More.");
    let fx = app::update(&mut s, ctrl('s'));
    let Request::UpdateTicket(3, change, version) = one(&fx) else {
        panic!("{fx:?}")
    };
    assert!(change.description.is_some());
    assert_eq!(version, Some(1), "made against what John was editing");
}
