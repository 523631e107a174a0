//! One's own account and small courtesies: changing the password, messages that do not follow
//! you to the next screen, and the login's hints.

use crate::fixtures::*;
use crate::snapshots::render;
use crossterm::event::KeyCode;
use tms_core::api::PasswordChange;
use tms_tui::api::ApiError;
use tms_tui::app::{self, Action, Mode, Reply, Request, State};
use tms_tui::screens::Screen;
use tms_tui::theme::text;

fn password_screen() -> State {
    let mut s = signed_in(jane());
    let fx = app::command::run(&mut s, "password");
    assert!(fx.is_empty());
    assert!(matches!(s.screen, Screen::Password(_)));
    s
}

fn answer(s: &mut State, request: Request, status: u16, retry_after: Option<u64>) {
    app::update(
        s,
        Action::Response {
            request,
            result: Err(ApiError::Status {
                status,
                detail: "new_password: is too common".into(),
                retry_after,
            }),
        },
    );
}

fn message(s: &State) -> String {
    match &s.screen {
        Screen::Password(p) => p.message.clone().unwrap_or_default(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn users_change_their_own_password() {
    let mut s = password_screen();
    typing(&mut s, "Hello123.");
    press(&mut s, KeyCode::Enter);
    typing(&mut s, "short");
    press(&mut s, KeyCode::Enter);
    typing(&mut s, "short");
    assert!(
        requests(&app::update(&mut s, ctrl('s'))).is_empty(),
        "checked first"
    );
    let Screen::Password(p) = &s.screen else {
        panic!()
    };
    assert_eq!(p.focus, 1);
    assert!(p.errors[1].is_some());
    app::update(&mut s, ctrl('u'));
    typing(&mut s, "a much longer one");
    press(&mut s, KeyCode::Tab);
    app::update(&mut s, ctrl('u'));
    typing(&mut s, "a much longer one");
    let fx = press(&mut s, KeyCode::Enter);
    let sent = Request::ChangePassword(PasswordChange {
        current_password: "Hello123.".into(),
        new_password: "a much longer one".into(),
    });
    assert_eq!(requests(&fx), vec![sent.clone()]);

    answer(&mut s, sent.clone(), 403, None);
    assert_eq!(message(&s), text::WRONG_CURRENT_PASSWORD);
    let Screen::Password(p) = &s.screen else {
        panic!()
    };
    assert!(p.inputs[0].is_empty() && p.focus == 0, "typed again");
    insta::assert_snapshot!("own_password_wrong_current", render(&s, 80, 24));
    answer(&mut s, sent.clone(), 429, Some(30));
    assert_eq!(message(&s), "Too many failed attempts. Try again in 30 s.");
    answer(&mut s, sent.clone(), 422, None);
    assert!(message(&s).contains("is too common"), "{}", message(&s));
    assert!(s.user.is_some(), "none of these end the session");

    reply(&mut s, sent, Reply::Done);
    assert!(matches!(s.screen, Screen::Queue(_)));
    assert_eq!(s.flash.as_ref().unwrap().text, text::PASSWORD_CHANGED);
}

#[test]
fn a_refused_action_message_does_not_follow_to_the_next_screen() {
    let mut s = signed_in(jane());
    ch(&mut s, 't');
    assert_eq!(s.flash.as_ref().unwrap().text, text::NOT_ALLOWED);
    press(&mut s, KeyCode::Enter);
    assert!(matches!(s.screen, Screen::Ticket(_)));
    assert!(s.flash.is_none());
    // A message the move itself makes stays.
    ch(&mut s, 'q');
    ch(&mut s, 'n');
    typing(&mut s, "Half");
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.flash.as_ref().unwrap().text, text::DRAFT_KEPT);
}

#[test]
fn only_the_demo_login_offers_demo_accounts() {
    let remote = render(&fresh(Mode::Remote), 100, 24);
    assert!(!remote.contains("demo account"), "{remote}");
    let demo = render(&fresh(Mode::Demo), 100, 24);
    assert!(demo.contains("pick a demo account"), "{demo}");
}
