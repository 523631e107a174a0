//! Behaviour of every screen through the pure update function: keys in, state and effects out.

use crate::fixtures::*;
use crossterm::event::KeyCode;
use tms_core::api::{CommentUpdate, NewCommentRequest, TicketUpdate, UserUpdate};
use tms_core::{ActivityType, Priority, Role, Status};
use tms_tui::api::ApiError;
use tms_tui::app::overlay::Overlay;
use tms_tui::app::{self, Action, Effect, ListSlot, Mode, Reply, Request, State};
use tms_tui::screens::{QueueKind, Screen};
use tms_tui::theme::text;

fn press(s: &mut State, code: KeyCode) -> Vec<Effect> {
    app::update(s, key(code))
}

fn ch(s: &mut State, c: char) -> Vec<Effect> {
    press(s, KeyCode::Char(c))
}

fn fail(s: &mut State, request: Request, status: u16, detail: &str) -> Vec<Effect> {
    let err = ApiError::Status {
        status,
        detail: detail.into(),
        retry_after: None,
    };
    app::update(
        s,
        Action::Response {
            request,
            result: Err(err),
        },
    )
}

fn queue(s: &State) -> &tms_tui::screens::QueueState {
    match &s.screen {
        Screen::Queue(q) => q,
        other => panic!("not on the queue: {other:?}"),
    }
}

// ---- login and first run

#[test]
fn login_sends_the_typed_credentials() {
    let mut s = fresh(Mode::Remote);
    assert!(matches!(s.screen, Screen::Login(_)));
    typing(&mut s, "john.smith@example.com");
    press(&mut s, KeyCode::Enter);
    typing(&mut s, "Hello123.");
    let fx = press(&mut s, KeyCode::Enter);
    let want = tms_core::api::LoginRequest {
        email: "john.smith@example.com".into(),
        password: "Hello123.".into(),
    };
    assert_eq!(requests(&fx), vec![Request::Login(want)]);
    assert_eq!(s.in_flight, 1);
}

#[test]
fn login_failures_are_explained() {
    let mut s = fresh(Mode::Remote);
    fail(
        &mut s,
        Request::Login(login_body()),
        401,
        "Incorrect email or password",
    );
    let Screen::Login(l) = &s.screen else {
        panic!()
    };
    assert_eq!(l.message.as_deref(), Some(text::WRONG_LOGIN));
    assert_eq!(l.focus, 1);
    let err = ApiError::Status {
        status: 429,
        detail: "slow down".into(),
        retry_after: Some(60),
    };
    app::update(
        &mut s,
        Action::Response {
            request: Request::Login(login_body()),
            result: Err(err),
        },
    );
    let Screen::Login(l) = &s.screen else {
        panic!()
    };
    assert_eq!(
        l.message.as_deref(),
        Some("Too many failed attempts. Try again in 60 s.")
    );
    let err = ApiError::Unreachable("connection refused".into());
    app::update(
        &mut s,
        Action::Response {
            request: Request::Login(login_body()),
            result: Err(err),
        },
    );
    let Screen::Login(l) = &s.screen else {
        panic!()
    };
    assert!(
        l.message
            .as_deref()
            .unwrap()
            .contains("Cannot reach the server at http://tms.test:8000")
    );
    assert!(s.offline.is_some(), "the banner shows");
}

#[test]
fn demo_login_picks_accounts_with_arrows() {
    let mut s = fresh(Mode::Demo);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    let Screen::Login(l) = &s.screen else {
        panic!()
    };
    assert_eq!(l.email.text(), "john.smith@example.com");
    assert_eq!(l.password.text(), "Hello123.");
    press(&mut s, KeyCode::Up);
    let Screen::Login(l) = &s.screen else {
        panic!()
    };
    assert_eq!(l.email.text(), "admin@example.com");
}

#[test]
fn first_run_creates_the_admin_after_validation() {
    let setup = app::Setup {
        mode: Mode::Embedded,
        server: "x".into(),
        has_token: false,
    };
    let mut s = State::new(setup, tms_tui::theme::Theme::dark(), now());
    app::start(&mut s);
    let health = tms_tui::api::HealthReply {
        status: "ok".into(),
        version: "1".into(),
        setup_required: true,
    };
    reply(&mut s, Request::Health, Reply::Health(health));
    assert!(matches!(s.screen, Screen::Setup(_)));
    typing(&mut s, "ad");
    for _ in 0..3 {
        press(&mut s, KeyCode::Enter);
    }
    assert!(
        requests(&press(&mut s, KeyCode::Enter)).is_empty(),
        "invalid: nothing sent"
    );
    let Screen::Setup(st) = &s.screen else {
        panic!()
    };
    assert!(st.errors[0].is_some() && st.errors[1].is_some());
    assert_eq!(st.focus, 0, "cursor goes to the first problem");
    typing(&mut s, "min");
    press(&mut s, KeyCode::Tab);
    typing(&mut s, "root@example.com");
    press(&mut s, KeyCode::Tab);
    typing(&mut s, "correct horse");
    press(&mut s, KeyCode::Tab);
    typing(&mut s, "correct horse");
    let fx = press(&mut s, KeyCode::Enter);
    let Request::Signup(body) = one(&fx) else {
        panic!("{fx:?}")
    };
    assert_eq!(
        (body.username.as_str(), body.role),
        ("admin", Some(Role::Admin))
    );
}

#[test]
fn remote_server_without_users_explains_itself() {
    let setup = app::Setup {
        mode: Mode::Remote,
        server: "x".into(),
        has_token: false,
    };
    let mut s = State::new(setup, tms_tui::theme::Theme::dark(), now());
    let health = tms_tui::api::HealthReply {
        status: "ok".into(),
        version: "1".into(),
        setup_required: true,
    };
    reply(&mut s, Request::Health, Reply::Health(health));
    let Screen::Login(l) = &s.screen else {
        panic!()
    };
    assert!(
        l.message
            .as_deref()
            .unwrap()
            .contains("tms-server user add")
    );
}

#[test]
fn a_saved_token_skips_the_login_or_explains_why_not() {
    let setup = app::Setup {
        mode: Mode::Remote,
        server: "x".into(),
        has_token: true,
    };
    let mut s = State::new(setup, tms_tui::theme::Theme::dark(), now());
    assert_eq!(
        requests(&app::start(&mut s)),
        vec![Request::Health, Request::Me]
    );
    let fx = fail(&mut s, Request::Me, 401, "Invalid token");
    assert!(fx.contains(&Effect::SetToken(None)));
    let Screen::Login(l) = &s.screen else {
        panic!()
    };
    assert_eq!(l.message.as_deref(), Some(text::SESSION_ENDED));
}

// ---- queue

#[test]
fn agent_queue_has_tabs_with_counts() {
    let s = signed_in(john());
    let q = queue(&s);
    assert_eq!(q.kind, QueueKind::Staff);
    assert_eq!(q.counts, [Some(2), Some(1), Some(3), Some(4)]);
    assert_eq!(q.items().len(), 2);
    assert!(!q.loading);
    assert!(
        s.staff.contains_key(&3) && s.staff.contains_key(&4),
        "agents learnt from the lists"
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
    assert_eq!(reqs.len(), 5, "rows and the four counts");
}

#[test]
fn take_assigns_the_highlighted_ticket_to_me() {
    let mut s = signed_in(john());
    let fx = ch(&mut s, 't');
    let update = TicketUpdate {
        assigned_agent_id: Some(Some(3)),
        ..Default::default()
    };
    assert_eq!(
        requests(&fx),
        vec![Request::UpdateTicket(1, update.clone())]
    );
    let fx = reply(&mut s, Request::UpdateTicket(1, update), Reply::Done);
    assert!(
        requests(&fx)
            .iter()
            .any(|r| matches!(r, Request::Tickets { .. })),
        "list refreshed"
    );
    assert_eq!(s.flash.as_ref().unwrap().text, "Ticket 1 updated.");
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
    assert_eq!(requests(&fx), vec![Request::UpdateTicket(1, update)]);
    assert!(s.overlay.is_none());
    ch(&mut s, 'a');
    let Some(Overlay::Picker(p)) = &s.overlay else {
        panic!()
    };
    assert_eq!(p.items[1].0, "John (me) · Helpdesk Agent", "me first");
    ch(&mut s, 'j');
    ch(&mut s, 'j');
    let fx = press(&mut s, KeyCode::Enter);
    let update = TicketUpdate {
        assigned_agent_id: Some(Some(4)),
        ..Default::default()
    };
    assert_eq!(requests(&fx), vec![Request::UpdateTicket(1, update)]);
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
        vec![Request::UpdateTicket(3, update.clone())]
    );
    fail(&mut s, Request::UpdateTicket(3, update), 403, "Not yours");
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
    assert!(matches!(requests(&fx)[..], [Request::Users(_)]));
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
    let health = tms_tui::api::HealthReply {
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
