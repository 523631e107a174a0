//! Leaving: Esc never quits, quitting with unsent text asks first, and drafts are kept per
//! user between runs (through the effects the driver stores and answers).

use crate::fixtures::*;
use crossterm::event::KeyCode;
use tms_core::api::{NewCommentRequest, TokenResponse};
use tms_tui::app::drafts::{SavedDrafts, SavedTicket};
use tms_tui::app::overlay::{ConfirmFor, DraftKey, Overlay};
use tms_tui::app::{self, Effect, Mode, Reply, Request};
use tms_tui::screens::Screen;

fn saved(fx: &[Effect]) -> Option<SavedDrafts> {
    fx.iter().rev().find_map(|e| match e {
        Effect::SaveDrafts { drafts, .. } => Some(drafts.clone()),
        _ => None,
    })
}

fn asks_to_quit(s: &tms_tui::app::State) -> bool {
    matches!(&s.overlay, Some(Overlay::Confirm(c)) if c.action == ConfirmFor::Quit)
}

#[test]
fn esc_never_quits() {
    let mut s = signed_in(john());
    for _ in 0..3 {
        assert!(!press(&mut s, KeyCode::Esc).contains(&Effect::Quit));
    }
    assert!(!s.quit && matches!(s.screen, Screen::Queue(_)));
    ch(&mut s, 'n');
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Esc);
    assert!(!s.quit && matches!(s.screen, Screen::Queue(_)));
    let mut login = fresh(Mode::Remote);
    assert!(!press(&mut login, KeyCode::Esc).contains(&Effect::Quit));
    assert!(!login.quit && matches!(login.screen, Screen::Login(_)));
}

#[test]
fn esc_clears_an_active_search_first() {
    let mut s = signed_in(john());
    ch(&mut s, '/');
    typing(&mut s, "printer");
    press(&mut s, KeyCode::Enter);
    assert_eq!(queue(&s).search.as_deref(), Some("printer"));
    let fx = press(&mut s, KeyCode::Esc);
    assert_eq!(queue(&s).search, None);
    let Request::Tickets { query, .. } = &requests(&fx)[0] else {
        panic!("{fx:?}")
    };
    assert_eq!(query.q, None);
    assert!(!s.quit);
}

#[test]
fn q_quits_at_once_when_nothing_is_unsent() {
    let mut s = signed_in(john());
    assert_eq!(ch(&mut s, 'q'), vec![Effect::Quit]);
}

#[test]
fn leaving_with_unsent_text_asks_first() {
    let mut s = signed_in(john());
    ch(&mut s, 'c');
    typing(&mut s, "half a thought");
    let fx = app::update(&mut s, ctrl('c'));
    assert!(!fx.contains(&Effect::Quit) && asks_to_quit(&s));
    assert_eq!(
        s.drafts.get(&DraftKey::Comment(1)).map(String::as_str),
        Some("half a thought"),
        "the open text became a draft"
    );
    assert!(saved(&fx).is_some(), "and is stored before anything else");
    assert!(ch(&mut s, 'n').is_empty());
    assert!(!s.quit);
    ch(&mut s, 'q');
    assert!(asks_to_quit(&s), "q asks too");
    assert_eq!(ch(&mut s, 'y'), vec![Effect::Quit]);

    let mut s = signed_in(john());
    ch(&mut s, 'n');
    typing(&mut s, "Printer on fire");
    app::update(&mut s, ctrl('c'));
    assert!(asks_to_quit(&s));
    assert_eq!(
        app::update(&mut s, ctrl('c')),
        vec![Effect::Quit],
        "twice quits"
    );

    let mut s = signed_in(john());
    s.drafts.insert(DraftKey::Comment(5), "kept".into());
    ch(&mut s, ':');
    typing(&mut s, "quit");
    assert!(!press(&mut s, KeyCode::Enter).contains(&Effect::Quit));
    assert!(asks_to_quit(&s), ":quit asks too");
}

#[test]
fn the_quit_question_says_whether_drafts_outlive_this_run() {
    for (mode, said, unsaid) in [
        (Mode::Embedded, "for next time", "lost"),
        (
            Mode::Demo,
            "the demo keeps no drafts, so it will be lost",
            "next time",
        ),
    ] {
        let mut s = signed_in(john());
        s.setup.mode = mode;
        ch(&mut s, 'c');
        typing(&mut s, "half a thought");
        app::update(&mut s, ctrl('c'));
        let Some(Overlay::Confirm(c)) = &s.overlay else {
            panic!("{:?}", s.overlay)
        };
        assert!(c.message.contains(said), "{mode:?}: {}", c.message);
        assert!(!c.message.contains(unsaid), "{mode:?}: {}", c.message);
    }
}

#[test]
fn drafts_are_stored_per_user_and_read_back() {
    let mut s = signed_in(john());
    ch(&mut s, 'c');
    typing(&mut s, "On my way");
    let fx = press(&mut s, KeyCode::Esc);
    let kept = saved(&fx).expect("stored when the editor closed");
    assert_eq!(
        kept.texts,
        vec![(DraftKey::Comment(1), "On my way".to_string())]
    );
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::SaveDrafts { user_id: 3, .. }))
    );
    ch(&mut s, 'n');
    typing(&mut s, "Half a title");
    let fx = press(&mut s, KeyCode::Esc);
    let kept = saved(&fx).expect("stored when the form closed");
    assert_eq!(
        kept.ticket.as_ref().map(|t| t.title.as_str()),
        Some("Half a title")
    );

    // The next run: signing in asks for the drafts and shows them.
    let mut s = fresh(Mode::Embedded);
    let token = TokenResponse {
        access_token: "t".into(),
        token_type: "bearer".into(),
        expires_at: now(),
        user: john(),
    };
    let fx = reply(&mut s, Request::Login(login_body()), session(token, None));
    assert!(fx.contains(&Effect::LoadDrafts { user_id: 3 }));
    let fx = answer_all(&mut s, fx, &server);
    load_drafts(&mut s, fx, kept);
    ch(&mut s, 'c');
    let Some(Overlay::Compose(c)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert_eq!(c.area.text(), "On my way");
    app::update(&mut s, ctrl('s'));
    let sent = Request::CreateComment(NewCommentRequest {
        ticket_id: 1,
        description: "On my way".into(),
        is_internal: false,
    });
    let fx = reply(&mut s, sent, Reply::Done);
    let kept = saved(&fx).expect("stored again once sent");
    assert!(kept.texts.is_empty(), "sent text is no longer kept");
    assert_eq!(
        kept.ticket,
        Some(SavedTicket {
            title: "Half a title".into(),
            priority: tms_core::Priority::Medium,
            description: String::new(),
            requester: None,
        })
    );
}

#[test]
fn logging_out_forgets_drafts_here_but_not_on_disk() {
    let mut s = signed_in(john());
    ch(&mut s, 'c');
    typing(&mut s, "later");
    press(&mut s, KeyCode::Esc);
    ch(&mut s, ':');
    typing(&mut s, "logout");
    let fx = press(&mut s, KeyCode::Enter);
    assert!(fx.contains(&Effect::Request(Request::Logout)));
    assert!(saved(&fx).is_none(), "nothing stored over the kept drafts");
    assert!(s.drafts.is_empty() && s.persisted.is_none());
}
