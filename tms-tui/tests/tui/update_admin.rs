//! Behaviour of the admin screens, the command line and the connection handling.

use crate::fixtures::*;
use crossterm::event::KeyCode;
use tms_core::api::{AssignmentMode, User, UserUpdate};
use tms_core::{ActivityType, Role};
use tms_tui::api::ApiError;
use tms_tui::app::overlay::Overlay;
use tms_tui::app::{self, Action, Effect, ListSlot, Reply, Request};
use tms_tui::screens::Screen;
use tms_tui::theme::text;

// ---- users

#[test]
fn admin_manages_users() {
    let mut s = signed_in(admin());
    let fx = tms_tui::app::command::run(&mut s, "users");
    answer_all(&mut s, fx, &server);
    let Screen::Users(u) = &s.screen else {
        panic!()
    };
    assert_eq!(u.users.len(), 4);
    ch(&mut s, 'j');
    ch(&mut s, 'd');
    let fx = ch(&mut s, 'y');
    assert_eq!(requests(&fx), vec![Request::DeleteUser(2)]);
    ch(&mut s, 'R');
    ch(&mut s, 'j');
    let fx = press(&mut s, KeyCode::Enter);
    assert_eq!(
        requests(&fx),
        vec![Request::UpdateUser(
            2,
            UserUpdate {
                role: Some(Role::Agent),
                ..Default::default()
            }
        )]
    );
    ch(&mut s, 'P');
    typing(&mut s, "short");
    assert!(press(&mut s, KeyCode::Enter).is_empty());
    typing(&mut s, "-but-long-now");
    let fx = press(&mut s, KeyCode::Enter);
    let pw = UserUpdate {
        password: Some("short-but-long-now".into()),
        ..Default::default()
    };
    assert_eq!(requests(&fx), vec![Request::UpdateUser(2, pw)]);
    s.overlay = None;
    let fx = ch(&mut s, 'i');
    let Request::Users(q) = one(&fx) else {
        panic!()
    };
    assert!(q.include_inactive);
}

#[test]
fn admin_cycles_the_auto_assignment_mode_and_marks_agents_away() {
    let mut s = signed_in(admin());
    let fx = tms_tui::app::command::run(&mut s, "users");
    assert!(requests(&fx).contains(&Request::Assignment));
    answer_all(&mut s, fx, &server);
    let fx = ch(&mut s, 'M');
    assert_eq!(
        requests(&fx),
        vec![Request::SetAssignment(AssignmentMode::Off)],
        "least loaded → off"
    );
    reply(
        &mut s,
        Request::SetAssignment(AssignmentMode::Off),
        Reply::Assignment(assignment(AssignmentMode::Off)),
    );
    assert_eq!(
        s.flash.as_ref().unwrap().text,
        "Auto-assignment off: new tickets stay unassigned."
    );
    let fx = ch(&mut s, 'M');
    assert_eq!(
        requests(&fx),
        vec![Request::SetAssignment(AssignmentMode::RoundRobin)]
    );

    // w on John (an agent, present) marks him away; on Jane (a requester) says why not.
    ch(&mut s, 'j');
    ch(&mut s, 'j');
    let fx = ch(&mut s, 'w');
    let away = UserUpdate {
        is_away: Some(true),
        ..Default::default()
    };
    assert_eq!(requests(&fx), vec![Request::UpdateUser(3, away.clone())]);
    let john_away = User {
        is_away: true,
        ..john()
    };
    reply(
        &mut s,
        Request::UpdateUser(3, away),
        Reply::UserSaved(john_away),
    );
    assert_eq!(
        s.flash.as_ref().unwrap().text,
        "John is away: no new tickets go to them."
    );
    ch(&mut s, 'k');
    assert!(ch(&mut s, 'w').is_empty());
    assert!(
        s.flash
            .as_ref()
            .unwrap()
            .text
            .contains("Jane is a requester")
    );
    // Sophia is away: w brings her back.
    ch(&mut s, 'j');
    ch(&mut s, 'j');
    let fx = ch(&mut s, 'w');
    let back = UserUpdate {
        is_away: Some(false),
        ..Default::default()
    };
    assert_eq!(requests(&fx), vec![Request::UpdateUser(4, back)]);
}

#[test]
fn staff_say_they_are_away_with_a_command() {
    let mut s = signed_in(john());
    let fx = tms_tui::app::command::run(&mut s, "away");
    assert_eq!(requests(&fx), vec![Request::SetAway(true)]);
    let away = User {
        is_away: true,
        ..john()
    };
    reply(&mut s, Request::SetAway(true), Reply::Me(away));
    assert!(s.user.as_ref().unwrap().is_away);
    assert!(s.flash.as_ref().unwrap().text.starts_with("You are away"));
    let fx = tms_tui::app::command::run(&mut s, "away");
    assert_eq!(requests(&fx), vec![Request::SetAway(false)]);

    // Requesters take no tickets: the command is not theirs.
    let mut s = signed_in(jane());
    assert!(tms_tui::app::command::run(&mut s, "away").is_empty());
    assert_eq!(s.flash.as_ref().unwrap().text, text::NOT_ALLOWED);
}

#[test]
fn user_form_creates_an_agent() {
    let mut s = signed_in(admin());
    let fx = tms_tui::app::command::run(&mut s, "users");
    answer_all(&mut s, fx, &server);
    ch(&mut s, 'n');
    typing(&mut s, "newbie");
    press(&mut s, KeyCode::Enter);
    typing(&mut s, "New@Example.com");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Right);
    press(&mut s, KeyCode::Enter);
    typing(&mut s, "long enough pw");
    let fx = press(&mut s, KeyCode::Enter);
    let Request::CreateUser(body) = one(&fx) else {
        panic!("{fx:?}")
    };
    assert_eq!(
        (body.email.as_str(), body.role),
        ("new@example.com", Role::Agent)
    );
    let fx = reply(&mut s, Request::CreateUser(body), Reply::UserSaved(john()));
    assert!(matches!(s.screen, Screen::Users(_)), "form closes");
    assert!(!requests(&fx).is_empty(), "list reloads");
}

#[test]
fn agents_cannot_reach_admin_screens() {
    let mut s = signed_in(john());
    assert!(tms_tui::app::command::run(&mut s, "users").is_empty());
    assert_eq!(s.flash.as_ref().unwrap().text, text::NOT_ALLOWED);
    assert!(
        tms_tui::app::command::suggestions(&s, "")
            .iter()
            .all(|(n, _)| *n != "log")
    );
}

// ---- activity log

#[test]
fn log_filters_pages_and_clears() {
    let mut s = signed_in(admin());
    let fx = tms_tui::app::command::run(&mut s, "log");
    answer_all(&mut s, fx, &server);
    ch(&mut s, 'y');
    press(&mut s, KeyCode::End);
    press(&mut s, KeyCode::Enter);
    let fx = answer_all(&mut s, Vec::new(), &server);
    assert!(fx.is_empty());
    let Screen::Log(l) = &s.screen else { panic!() };
    assert_eq!(l.query.activity_type, Some(ActivityType::Auth));
    let Screen::Log(l) = &mut s.screen else {
        panic!()
    };
    l.query.limit = 3;
    let q = l.query.clone();
    reply(&mut s, Request::Logs(q), Reply::Logs(log_entries()));
    let fx = ch(&mut s, ']');
    let Request::Logs(older) = one(&fx) else {
        panic!()
    };
    assert_eq!(older.before_id, Some(40));
    let fx = ch(&mut s, '[');
    let Request::Logs(newer) = one(&fx) else {
        panic!()
    };
    assert_eq!(newer.before_id, None);
    ch(&mut s, 'C');
    let fx = ch(&mut s, 'y');
    assert_eq!(requests(&fx), vec![Request::ClearLogs]);
}

// ---- command line, help, connection

#[test]
fn command_line_opens_tickets_and_completes() {
    let mut s = signed_in(admin());
    ch(&mut s, ':');
    typing(&mut s, "42");
    let fx = press(&mut s, KeyCode::Enter);
    assert_eq!(requests(&fx), vec![Request::Ticket(42)]);
    ch(&mut s, ':');
    typing(&mut s, "us");
    press(&mut s, KeyCode::Tab);
    let Some(Overlay::Command(c)) = &s.overlay else {
        panic!()
    };
    assert_eq!(c.input.text(), "users");
    let fx = press(&mut s, KeyCode::Enter);
    assert!(matches!(
        requests(&fx)[..],
        [Request::Users(_), Request::Assignment]
    ));
    ch(&mut s, ':');
    typing(&mut s, "quit");
    assert_eq!(press(&mut s, KeyCode::Enter), vec![Effect::Quit]);
}

#[test]
fn help_lists_only_offered_keys() {
    let mut s = signed_in(jane());
    ch(&mut s, '?');
    assert!(matches!(s.overlay, Some(Overlay::Help { .. })));
    ch(&mut s, '?');
    assert!(s.overlay.is_none());
}

#[test]
fn offline_banner_retries_and_recovers() {
    let mut s = signed_in(john());
    let err = ApiError::Unreachable("connection refused".into());
    let q = queue(&s).query();
    app::update(
        &mut s,
        Action::Response {
            request: Request::Tickets {
                slot: ListSlot::Rows,
                query: q,
            },
            result: Err(err),
        },
    );
    assert!(s.offline.is_some());
    assert!(app::update(&mut s, Action::Tick(now() + time::Duration::seconds(1))).is_empty());
    let fx = app::update(&mut s, Action::Tick(now() + time::Duration::seconds(4)));
    assert_eq!(requests(&fx), vec![Request::Health]);
    let health = tms_core::api::Health {
        status: "ok".into(),
        version: "1".into(),
        setup_required: false,
    };
    let fx = reply(&mut s, Request::Health, Reply::Health(health));
    assert!(s.offline.is_none());
    assert!(
        requests(&fx)
            .iter()
            .any(|r| matches!(r, Request::Tickets { .. })),
        "screen reloads"
    );
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let mut s = signed_in(john());
    ch(&mut s, 'c');
    assert_eq!(app::update(&mut s, ctrl('c')), vec![Effect::Quit]);
    assert!(s.quit);
}

#[test]
fn the_log_user_filter_searches_the_server_as_you_type() {
    let mut s = signed_in(admin());
    let fx = tms_tui::app::command::run(&mut s, "log");
    answer_all(&mut s, fx, &server);
    let fx = ch(&mut s, 'u');
    let Request::FindUsers(q) = one(&fx) else {
        panic!("{fx:?}")
    };
    assert!(
        q.q.is_none() && q.include_inactive,
        "everyone, deactivated too"
    );
    answer_all(&mut s, fx, &server);
    let Some(Overlay::Picker(p)) = &s.overlay else {
        panic!()
    };
    assert_eq!(
        p.items.len(),
        5,
        "anyone and the four users, not only those in the log"
    );
    let fx = typing(&mut s, "so");
    let searched: Vec<Option<String>> = requests(&fx)
        .into_iter()
        .map(|r| match r {
            Request::FindUsers(q) => q.q,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(searched, [Some("s".to_string()), Some("so".to_string())]);
    answer_all(&mut s, fx, &server);
    let Some(Overlay::Picker(p)) = &s.overlay else {
        panic!()
    };
    let names: Vec<&str> = p.items.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        names,
        ["Sophia <sophia@example.com>"],
        "only the latest search shows"
    );
    let fx = press(&mut s, KeyCode::Enter);
    let Request::Logs(q) = one(&fx) else {
        panic!("{fx:?}")
    };
    assert_eq!(q.user_id, Some(4));
    let screen = crate::snapshots::render(&s, 80, 24);
    assert!(screen.contains("user Sophia"), "{screen}");
}

// ---- dashboard

#[test]
fn staff_open_the_dashboard_and_refresh_it() {
    for who in [john(), admin()] {
        let mut s = signed_in(who);
        let fx = tms_tui::app::command::run(&mut s, "dash");
        assert_eq!(requests(&fx), vec![Request::Stats], "sent on :dash");
        let Screen::Dash(d) = &s.screen else { panic!() };
        assert!(d.loading && d.stats.is_none());
        reply(&mut s, Request::Stats, Reply::Stats(Box::new(stats())));
        let Screen::Dash(d) = &s.screen else { panic!() };
        assert!(!d.loading);
        assert_eq!(d.stats.as_ref().unwrap().by_status.open, 12, "reply shown");
        assert_eq!(requests(&ch(&mut s, 'r')), vec![Request::Stats]);
        // Enter on an oldest open ticket opens it; Esc comes back.
        press(&mut s, KeyCode::Down);
        let fx = press(&mut s, KeyCode::Enter);
        assert_eq!(requests(&fx), vec![Request::Ticket(7)]);
        press(&mut s, KeyCode::Esc);
        assert!(matches!(s.screen, Screen::Dash(_)));
        ch(&mut s, 'q');
        assert!(matches!(s.screen, Screen::Queue(_)), "q goes back");
    }
}

#[test]
fn requesters_are_refused_the_dashboard() {
    let mut s = signed_in(jane());
    assert!(tms_tui::app::command::run(&mut s, "dash").is_empty());
    assert_eq!(s.flash.as_ref().unwrap().text, text::NOT_ALLOWED);
    assert!(matches!(s.screen, Screen::Queue(_)));
    assert!(
        tms_tui::app::command::suggestions(&s, "")
            .iter()
            .all(|(n, _)| *n != "dash")
    );
}

#[test]
fn a_failed_dashboard_read_is_shown_in_place() {
    let mut s = signed_in(john());
    tms_tui::app::command::run(&mut s, "dash");
    fail(
        &mut s,
        Request::Stats,
        403,
        "Only helpdesk agents and admins can view the statistics",
    );
    let Screen::Dash(d) = &s.screen else { panic!() };
    assert!(d.error.as_ref().unwrap().contains("statistics"));
    assert!(d.stats.is_none());
}
