//! Logging in and the first run through the pure update function: the login screen, the demo
//! accounts, first-run setup, a saved token, and the device token a login hands out.

use crate::fixtures::*;
use crossterm::event::KeyCode;
use tms_core::Role;
use tms_tui::api::ApiError;
use tms_tui::app::{self, Action, Effect, Mode, Reply, Request, State};
use tms_tui::screens::Screen;
use tms_tui::theme::text;

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
    let health = tms_core::api::Health {
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
    let health = tms_core::api::Health {
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

#[test]
fn the_demo_login_lists_every_demo_account_of_tms_core_staff_first() {
    let mut s = fresh(Mode::Demo);
    let screen = crate::snapshots::render(&s, 100, 30);
    for a in tms_core::demo::ACCOUNTS {
        assert!(screen.contains(a.email), "{} listed:\n{screen}", a.email);
    }
    let mut picked = Vec::new();
    for _ in tms_core::demo::ACCOUNTS {
        press(&mut s, KeyCode::Down);
        let Screen::Login(l) = &s.screen else {
            panic!()
        };
        assert_eq!(l.password.text(), tms_core::demo::PASSWORD);
        picked.push(l.email.text().to_string());
    }
    let roles: Vec<Role> = picked
        .iter()
        .filter_map(|e| tms_core::demo::ACCOUNTS.iter().find(|a| a.email == e))
        .map(|a| a.role)
        .collect();
    assert_eq!(roles.len(), tms_core::demo::ACCOUNTS.len(), "{picked:?}");
    assert!(
        roles.is_sorted_by_key(|r| std::cmp::Reverse(*r)),
        "admin, agents, requesters: {roles:?}"
    );
    picked.sort();
    picked.dedup();
    assert_eq!(picked.len(), tms_core::demo::ACCOUNTS.len(), "each once");
}

#[test]
fn a_login_keeps_the_device_token_the_server_set_for_the_account_typed() {
    let mut s = fresh(Mode::Remote);
    let token = tms_core::api::TokenResponse {
        access_token: "t".into(),
        token_type: "bearer".into(),
        expires_at: now(),
        user: john(),
    };
    let body = tms_core::api::LoginRequest {
        email: " John@Example.com".into(),
        password: "Hello123.".into(),
    };
    let fx = reply(
        &mut s,
        Request::Login(body),
        session(token.clone(), Some("v1.n.m")),
    );
    assert!(fx.contains(&Effect::SetToken(Some("t".into()))));
    assert!(
        fx.contains(&Effect::KeepDevice {
            account: "john@example.com".into(),
            token: "v1.n.m".into(),
        }),
        "{fx:?}"
    );

    let mut s = fresh(Mode::Remote);
    let fx = reply(&mut s, Request::Login(login_body()), session(token, None));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::KeepDevice { .. })),
        "no cookie, nothing to keep: {fx:?}"
    );
}
