//! Tags in the client: `#` edits a ticket's tags (or adds and removes tags on the marked rows),
//! completing from `GET /api/v1/tags/` with Tab; `T` filters the queue by tags; requesters
//! have neither.

use crate::fixtures::*;
use crossterm::event::KeyCode;
use tms_core::api::{BulkChangeRequest, BulkChanges, TagCount, TicketUpdate};
use tms_tui::app::overlay::{ConfirmFor, Overlay, PromptFor};
use tms_tui::app::{self, Reply, Request, State};

fn known() -> Reply {
    let tag = |name: &str, count| TagCount {
        name: name.into(),
        count,
    };
    Reply::Tags(vec![
        tag("vpn", 12),
        tag("vpn-gateway", 3),
        tag("network", 2),
    ])
}

fn prompt_text(s: &State) -> (String, Vec<String>, Option<String>) {
    let Some(Overlay::Prompt(p)) = &s.overlay else {
        panic!("no prompt: {:?}", s.overlay)
    };
    (
        p.input.text().to_string(),
        p.suggestions.clone(),
        p.error.clone(),
    )
}

#[test]
fn a_tickets_tags_are_edited_with_completion_from_the_tags_in_use() {
    let mut s = signed_in(john());
    let fx = app::command::run(&mut s, "3");
    assert!(answer_all(&mut s, fx, &server).is_empty());
    let fx = ch(&mut s, '#');
    assert_eq!(requests(&fx), vec![Request::Tags]);
    let Some(Overlay::Prompt(p)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert!(
        matches!(
            p.purpose,
            PromptFor::Tags {
                id: 3,
                version: Some(_)
            }
        ),
        "{:?}",
        p.purpose
    );
    reply(&mut s, Request::Tags, known());
    typing(&mut s, "v");
    assert_eq!(prompt_text(&s).1, ["vpn", "vpn-gateway"], "most used first");
    press(&mut s, KeyCode::Tab);
    assert_eq!(prompt_text(&s).0, "vpn ");
    typing(&mut s, "bad!");
    let fx = press(&mut s, KeyCode::Enter);
    assert!(requests(&fx).is_empty(), "an invalid tag is not sent");
    assert!(prompt_text(&s).2.is_some_and(|e| e.contains("not a tag")));
    for _ in 0..4 {
        press(&mut s, KeyCode::Backspace);
    }
    typing(&mut s, "Network");
    let fx = press(&mut s, KeyCode::Enter);
    let [Request::UpdateTicket(3, update, _)] = &requests(&fx)[..] else {
        panic!("{:?}", requests(&fx))
    };
    assert_eq!(
        *update,
        TicketUpdate {
            tags: Some(vec!["network".into(), "vpn".into()]),
            ..Default::default()
        },
        "lower-cased and in order, as the server keeps them"
    );
}

#[test]
fn marked_rows_get_tags_added_and_removed_after_a_question() {
    let mut s = signed_in(john());
    let fx = ch(&mut s, '4');
    answer_all(&mut s, fx, &server);
    let rows: Vec<i64> = queue(&s).items().iter().map(|i| i.ticket.id).collect();
    ch(&mut s, ' ');
    press(&mut s, KeyCode::Down);
    ch(&mut s, ' ');
    let fx = ch(&mut s, '#');
    assert_eq!(requests(&fx), vec![Request::Tags]);
    typing(&mut s, "urgent +vpn -old");
    let fx = press(&mut s, KeyCode::Enter);
    assert!(requests(&fx).is_empty(), "nothing sent unasked");
    let Some(Overlay::Confirm(c)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert!(
        c.message
            .contains("Tag (+urgent +vpn -old) 2 marked tickets"),
        "{}",
        c.message
    );
    let expected = BulkChangeRequest {
        ids: rows[..2].to_vec(),
        changes: BulkChanges {
            add_tags: Some(vec!["urgent".into(), "vpn".into()]),
            remove_tags: Some(vec!["old".into()]),
            ..Default::default()
        },
    };
    assert_eq!(c.action, ConfirmFor::Bulk(Box::new(expected.clone())));
    let fx = ch(&mut s, 'y');
    assert_eq!(requests(&fx), vec![Request::Bulk(expected)]);
}

#[test]
fn the_queue_filters_by_every_tag_typed() {
    let mut s = signed_in(john());
    ch(&mut s, 'T');
    typing(&mut s, "vpn network");
    let fx = press(&mut s, KeyCode::Enter);
    let lists: Vec<_> = requests(&fx)
        .into_iter()
        .filter_map(|r| match r {
            Request::Tickets {
                slot: tms_tui::app::ListSlot::Rows,
                query,
            } => Some(query.tag),
            _ => None,
        })
        .collect();
    assert_eq!(lists, [vec!["network".to_string(), "vpn".to_string()]]);
    let view = crate::snapshots::render(&s, 100, 24);
    assert!(view.contains("tags network vpn"), "{view}");
}

#[test]
fn requesters_neither_edit_nor_filter_tags() {
    let mut s = signed_in(jane());
    for key in ['#', 'T'] {
        let fx = ch(&mut s, key);
        assert!(requests(&fx).is_empty(), "{key}");
        assert!(s.overlay.is_none(), "{key}: {:?}", s.overlay);
    }
}
