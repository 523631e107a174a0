//! Marking rows of the queue and changing them all at once (`POST /api/v1/tickets/bulk`):
//! space marks, `V` marks a range, `s` `p` `a` `t` act on every marked row after a
//! confirmation, a refusal names each ticket and keeps the marks.

use crate::fixtures::*;
use crossterm::event::KeyCode;
use tms_core::Status;
use tms_core::api::{BulkChangeRequest, BulkChanges};
use tms_tui::api::ApiError;
use tms_tui::app::overlay::{ConfirmFor, Overlay};
use tms_tui::app::{Action, Reply, Request};

/// John's queue on "All" (tickets 1, 3, 5, 7), marks cleared.
fn all_tab() -> tms_tui::app::State {
    let mut s = signed_in(john());
    let fx = ch(&mut s, '4');
    answer_all(&mut s, fx, &server);
    let ids: Vec<i64> = queue(&s).items().iter().map(|i| i.ticket.id).collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
    s
}

fn ids(s: &tms_tui::app::State) -> Vec<i64> {
    queue(s).items().iter().map(|i| i.ticket.id).collect()
}

#[test]
fn marked_rows_take_one_status_change_together_after_a_question() {
    let mut s = all_tab();
    let rows = ids(&s);
    ch(&mut s, ' ');
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    ch(&mut s, ' ');
    assert_eq!(queue(&s).marked, [rows[0], rows[2]]);
    let view = crate::snapshots::render(&s, 80, 24);
    assert!(view.contains("2 marked"), "{view}");
    assert!(view.contains(&format!("*{}", rows[0])), "{view}");

    // `s` picks a status for them all, then asks.
    let fx = ch(&mut s, 's');
    assert!(requests(&fx).is_empty());
    let Some(Overlay::Picker(p)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert!(p.title.contains("2 marked"), "{}", p.title);
    press(&mut s, KeyCode::Down);
    let fx = press(&mut s, KeyCode::Enter);
    assert!(requests(&fx).is_empty(), "nothing sent unasked");
    let Some(Overlay::Confirm(c)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert!(
        c.message
            .contains("Set status In Progress on 2 marked tickets"),
        "{}",
        c.message
    );
    let expected = BulkChangeRequest {
        ids: vec![rows[0], rows[2]],
        changes: BulkChanges {
            status: Some(Status::InProgress),
            ..Default::default()
        },
    };
    assert_eq!(c.action, ConfirmFor::Bulk(Box::new(expected.clone())));
    let fx = ch(&mut s, 'y');
    assert_eq!(requests(&fx), vec![Request::Bulk(expected.clone())]);

    // The answer updates the rows in place, clears the marks and recounts the tabs.
    let changed: Vec<_> = [rows[0], rows[2]]
        .iter()
        .map(|id| {
            let mut item = queue(&s)
                .items()
                .iter()
                .find(|i| i.ticket.id == *id)
                .unwrap()
                .clone();
            item.ticket.status = Status::InProgress;
            item
        })
        .collect();
    let fx = reply(&mut s, Request::Bulk(expected), Reply::Bulk(changed));
    assert!(queue(&s).marked.is_empty());
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("2 tickets changed.")
    );
    assert_eq!(
        requests(&fx).len(),
        5,
        "the four tab counts and the views with theirs: {fx:?}"
    );
    for id in [rows[0], rows[2]] {
        let item = queue(&s)
            .items()
            .iter()
            .find(|i| i.ticket.id == id)
            .unwrap();
        assert_eq!(item.ticket.status, Status::InProgress);
    }
}

#[test]
fn a_refused_bulk_change_names_each_ticket_and_keeps_the_marks() {
    let mut s = all_tab();
    let rows = ids(&s);
    ch(&mut s, ' ');
    press(&mut s, KeyCode::Down);
    ch(&mut s, ' ');
    let fx = ch(&mut s, 't');
    assert!(requests(&fx).is_empty());
    let Some(Overlay::Confirm(c)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert!(
        c.message.starts_with("Take 2 marked tickets"),
        "{}",
        c.message
    );
    let fx = ch(&mut s, 'y');
    let sent = one(&fx);
    let Request::Bulk(req) = &sent else {
        panic!("{sent:?}")
    };
    assert_eq!(req.changes.assigned_agent_id, Some(Some(john().id)));
    let refusal = ApiError::Status {
        status: 422,
        detail: format!("ticket {}: ticket id {} doesn't exist", rows[1], rows[1]),
        retry_after: None,
    };
    tms_tui::app::update(
        &mut s,
        Action::Response {
            request: sent,
            result: Err(refusal),
        },
    );
    let flash = s.flash.as_ref().expect("an error shown");
    assert!(flash.error);
    assert!(
        flash.text.starts_with("Nothing changed: ticket"),
        "{}",
        flash.text
    );
    assert_eq!(queue(&s).marked, [rows[0], rows[1]], "marks kept");
    // Esc clears the marks (and only them).
    press(&mut s, KeyCode::Esc);
    assert!(queue(&s).marked.is_empty());
}

#[test]
fn v_marks_a_range_and_space_unmarks() {
    let mut s = all_tab();
    let rows = ids(&s);
    ch(&mut s, ' ');
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    ch(&mut s, 'V');
    assert_eq!(queue(&s).marked.len(), 4);
    ch(&mut s, ' ');
    assert_eq!(queue(&s).marked, rows[..3].to_vec());
    // A requester's list has no marks.
    let mut jane = signed_in(jane());
    ch(&mut jane, ' ');
    assert!(queue(&jane).marked.is_empty());
}
