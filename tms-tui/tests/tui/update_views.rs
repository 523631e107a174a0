//! Saved views as queue tabs: listed after the built-in tabs with their counts, opened with
//! their own filters and sort, saved from the tab in front (a refusal shown where the name is
//! typed), and deleted after a question.

use crate::fixtures::*;
use crossterm::event::KeyCode;
use tms_core::api::{NewView, SortField, View};
use tms_core::{Priority, Status};
use tms_tui::api::ApiError;
use tms_tui::app::overlay::{ConfirmFor, Overlay};
use tms_tui::app::{self, Action, ListSlot, Reply, Request, State};
use tms_tui::theme::text;

/// "Escalations" (John's) and "Shared triage" (the admin's, shared).
fn two_views() -> Vec<View> {
    let mut shared = view(8, "Shared triage", "unassigned=true&sort=-priority");
    shared.user_id = admin().id;
    shared.shared = true;
    shared.count = 7;
    vec![
        view(
            4,
            "Escalations",
            "status=Open&status=In+Progress&priority=High&sort=-priority",
        ),
        shared,
    ]
}

/// The fixtures' server, listing [`two_views`].
fn views_server(r: &Request) -> Option<Reply> {
    match r {
        Request::Views => Some(Reply::Views(two_views())),
        r => server(r),
    }
}

/// `who` on the queue, the server listing `views`.
fn with_views(who: tms_core::api::User, views: Vec<View>) -> State {
    let mut s = signed_in(who);
    reply(&mut s, Request::Views, Reply::Views(views));
    s
}

/// `who` on tab `key` (`5`, `6`: a view's) of [`two_views`].
fn on_tab(who: tms_core::api::User, key: char) -> State {
    let mut s = with_views(who, two_views());
    let fx = ch(&mut s, key);
    answer_all(&mut s, fx, &views_server);
    s
}

/// The request for the rows among `fx`.
fn rows_query(fx: &[tms_tui::app::Effect]) -> tms_core::api::TicketQuery {
    requests(fx)
        .into_iter()
        .find_map(|r| match r {
            Request::Tickets {
                slot: ListSlot::Rows,
                query,
            } => Some(query),
            _ => None,
        })
        .expect("the rows are read")
}

#[test]
fn views_are_tabs_after_the_built_in_ones_with_their_counts() {
    let mut s = with_views(john(), two_views());
    let q = queue(&s);
    assert_eq!(q.tab_count(), 6);
    let view = crate::snapshots::render(&s, 120, 24);
    assert!(view.contains("5 Escalations (2)"), "{view}");
    assert!(view.contains("6 Shared triage (7)"), "{view}");
    insta::assert_snapshot!("queue_view_tabs", crate::snapshots::render(&s, 100, 16));

    // `5` opens the first view: its own filters and sort.
    let fx = ch(&mut s, '5');
    let query = rows_query(&fx);
    assert_eq!(query.status, [Status::Open, Status::InProgress]);
    assert_eq!(query.priority, [Priority::High]);
    assert_eq!(query.sort.field, SortField::Priority);
    assert!(query.sort.descending);
    answer_all(&mut s, fx, &views_server);
    let view = crate::snapshots::render(&s, 100, 16);
    assert!(
        view.contains(
            "view “Escalations”: status Open/In Progress, priority High, sort: Priority, high first"
        ),
        "{view}"
    );
    insta::assert_snapshot!("queue_on_a_view_tab", view);

    // Tab goes round every tab, views included; a built-in tab drops the view's sort.
    ch(&mut s, '6');
    press(&mut s, KeyCode::Tab);
    assert_eq!(queue(&s).tab, 0);
    assert_eq!(queue(&s).sort, Default::default());

    // The views' counts are read with the others.
    let fx = ch(&mut s, 'r');
    assert!(requests(&fx).contains(&Request::Views), "{fx:?}");
    reply(
        &mut s,
        Request::Views,
        Reply::Views(vec![View {
            count: 5,
            ..two_views()[0].clone()
        }]),
    );
    let view = crate::snapshots::render(&s, 120, 24);
    assert!(view.contains("5 Escalations (5)"), "{view}");
    assert!(!view.contains("Shared triage"), "{view}");
}

#[test]
fn a_view_deleted_elsewhere_takes_its_tab_away() {
    let mut s = on_tab(john(), '6');
    let fx = reply(
        &mut s,
        Request::Views,
        Reply::Views(two_views()[..1].to_vec()),
    );
    assert_eq!(queue(&s).tab, 0);
    assert!(rows_query(&fx).unassigned, "the first tab's rows");
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("The view “Shared triage” was deleted.")
    );
}

#[test]
fn the_tab_its_filters_and_sort_are_saved_as_a_view_and_a_taken_name_is_said_where_it_is_typed() {
    let mut s = with_views(john(), Vec::new());
    // Unassigned, High priority only.
    ch(&mut s, 'F');
    press(&mut s, KeyCode::Down);
    let fx = press(&mut s, KeyCode::Enter);
    answer_all(&mut s, fx, &server);

    // An agent may not share: the name is asked at once.
    ch(&mut s, 'v');
    let Some(Overlay::Prompt(p)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert!(p.title.starts_with("Name of the view"), "{}", p.title);
    let fx = press(&mut s, KeyCode::Enter);
    assert!(requests(&fx).is_empty(), "an empty name is not sent");
    typing(&mut s, "Urgent");
    let fx = press(&mut s, KeyCode::Enter);
    let sent = one(&fx);
    let expected = NewView {
        name: "Urgent".into(),
        query: "status=Open&status=In+Progress&status=Waiting&priority=High&unassigned=true".into(),
        shared: false,
    };
    assert_eq!(sent, Request::CreateView(expected.clone()));

    // The name is taken: said in the prompt, which stays open to change it.
    fail(&mut s, sent, 409, "You already have a view of this name");
    let Some(Overlay::Prompt(p)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert_eq!(
        p.error.as_deref(),
        Some("You already have a view of this name")
    );
    let screen = crate::snapshots::render(&s, 80, 24);
    assert!(
        screen.contains("You already have a view of this name"),
        "{screen}"
    );

    // A bad query (422) is said the same way, field named.
    typing(&mut s, " 2");
    let fx = press(&mut s, KeyCode::Enter);
    let sent = one(&fx);
    app::update(
        &mut s,
        Action::Response {
            request: sent.clone(),
            result: Err(tms_tui::api::error::from_status(
                reqwest::StatusCode::UNPROCESSABLE_ENTITY,
                None,
                r#"{"detail":[{"loc":["body","query"],"msg":"size: must be an integer from 1 to 100","type":"value_error.query"}]}"#,
            )),
        },
    );
    let Some(Overlay::Prompt(p)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert_eq!(
        p.error.as_deref(),
        Some("query: size: must be an integer from 1 to 100")
    );

    // Sent again, and saved: its tab comes to the front, holding the filters (none of the
    // user's left over).
    let fx = press(&mut s, KeyCode::Enter);
    let sent = one(&fx);
    let saved = view(11, "Urgent 2", &expected.query);
    let fx = reply(&mut s, sent, Reply::View(saved));
    assert!(s.overlay.is_none());
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("View “Urgent 2” saved as tab 5.")
    );
    let q = queue(&s);
    assert_eq!(q.tab, 4);
    assert_eq!(q.priority, None);
    assert_eq!(rows_query(&fx).priority, [Priority::High]);
}

#[test]
fn a_sysadmin_chooses_whether_a_new_view_is_shared() {
    let mut s = with_views(admin(), Vec::new());
    ch(&mut s, 'v');
    let Some(Overlay::Picker(p)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert_eq!(p.items.len(), 2);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Enter);
    let Some(Overlay::Prompt(p)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert!(p.title.contains("shared"), "{}", p.title);
    typing(&mut s, "Team triage");
    let fx = press(&mut s, KeyCode::Enter);
    let Request::CreateView(v) = one(&fx) else {
        panic!("{fx:?}")
    };
    assert!(v.shared);
    assert_eq!(v.name, "Team triage");
}

#[test]
fn a_view_tab_is_deleted_after_a_question_and_only_by_who_may() {
    let mut s = with_views(john(), two_views());
    // A built-in tab cannot be deleted.
    let fx = ch(&mut s, 'D');
    assert!(requests(&fx).is_empty() && s.overlay.is_none());
    assert!(
        s.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("built in"))
    );

    // A shared view of the admin's is not John's to delete.
    let fx = ch(&mut s, '6');
    answer_all(&mut s, fx, &views_server);
    ch(&mut s, 'D');
    assert!(s.overlay.is_none());
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some(text::NOT_ALLOWED)
    );

    // His own: asked, then deleted; the tab before it comes to the front.
    let fx = ch(&mut s, '5');
    answer_all(&mut s, fx, &views_server);
    let fx = ch(&mut s, 'D');
    assert!(requests(&fx).is_empty());
    let Some(Overlay::Confirm(c)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert_eq!(c.message, "Delete the view “Escalations”?");
    assert_eq!(c.action, ConfirmFor::DeleteView(4));
    let fx = ch(&mut s, 'y');
    assert_eq!(requests(&fx), [Request::DeleteView(4)]);
    let fx = reply(
        &mut s,
        Request::DeleteView(4),
        Reply::View(two_views()[0].clone()),
    );
    let q = queue(&s);
    assert_eq!(q.tab, 3, "All, the tab before it");
    assert_eq!(q.views.len(), 1);
    assert!(rows_query(&fx).status.is_empty());
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("View “Escalations” deleted.")
    );

    // `:delete-view` asks the same, from the command line.
    let mut admin_s = on_tab(admin(), '6');
    app::command::run(&mut admin_s, "delete-view");
    let Some(Overlay::Confirm(c)) = &admin_s.overlay else {
        panic!("{:?}", admin_s.overlay)
    };
    assert!(
        c.message.contains("shared view “Shared triage”"),
        "{}",
        c.message
    );
}

#[test]
fn a_failed_view_deletion_is_said() {
    let mut s = on_tab(john(), '5');
    app::update(
        &mut s,
        Action::Response {
            request: Request::DeleteView(4),
            result: Err(ApiError::Status {
                status: 404,
                detail: "view id 4 doesn't exist".into(),
                retry_after: None,
            }),
        },
    );
    let flash = s.flash.as_ref().expect("said");
    assert!(flash.error);
    assert_eq!(flash.text, "view id 4 doesn't exist");
}

#[test]
fn the_tab_in_front_is_shown_however_many_tabs_there_are() {
    let s = on_tab(john(), '6');
    let screen = crate::snapshots::render(&s, 60, 8);
    let tabs = screen.lines().nth(1).unwrap_or_default();
    assert!(tabs.contains("6 Shared triage (7)"), "{tabs}");
    assert!(tabs.starts_with('…'), "those left out are said: {tabs}");
    assert!(!tabs.contains("1 Unassigned"), "{tabs}");
}
