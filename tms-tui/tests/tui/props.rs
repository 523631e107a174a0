//! Random key sequences on every screen never panic, and the state stays consistent.

use crate::fixtures::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;
use tms_tui::app::{self, Action, Mode, State};

fn any_key() -> impl Strategy<Value = KeyEvent> {
    let codes = prop_oneof![
        any::<char>().prop_map(KeyCode::Char),
        prop::sample::select(vec![
            'j', 'k', 'q', 't', 'a', 's', 'p', 'c', 'e', 'd', 'n', ':', '?', '/', 'y', ']', '[',
            'G', 'R', 'P', 'D', 'T', 'C', 'u', '#', 'x', 'o', 'f', 'F', '1', '4'
        ])
        .prop_map(KeyCode::Char),
        prop::sample::select(vec![
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Backspace,
            KeyCode::Delete,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::PageUp,
            KeyCode::PageDown,
        ]),
    ];
    let mods = prop::sample::select(vec![
        KeyModifiers::NONE,
        KeyModifiers::SHIFT,
        KeyModifiers::CONTROL,
    ]);
    (codes, mods).prop_map(|(c, m)| {
        // Ctrl-C quits, which would end the sequence early.
        let m = if c == KeyCode::Char('c') && m == KeyModifiers::CONTROL {
            KeyModifiers::NONE
        } else {
            m
        };
        KeyEvent::new(c, m)
    })
}

fn start(which: u8) -> State {
    match which {
        0 => fresh(Mode::Demo),
        1 => signed_in(jane()),
        2 => signed_in(john()),
        _ => signed_in(admin()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_keys_never_panic(which in 0u8..4, keys in prop::collection::vec(any_key(), 1..60)) {
        let mut s = start(which);
        for k in keys {
            let fx = app::update(&mut s, Action::Key(k));
            // Answer what the fixtures can, so the screens see data arrive mid-sequence.
            answer_all(&mut s, fx, &server);
            if s.quit {
                break;
            }
            let _ = crate::snapshots::render(&s, 80, 24);
        }
        let _ = crate::snapshots::render(&s, 40, 10);
    }
}
