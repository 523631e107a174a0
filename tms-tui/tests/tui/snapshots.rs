//! Every screen drawn at 80×24 on a `TestBackend`, for each role. The clock, the server address
//! and the data are fixed, so nothing volatile reaches the snapshots.

use crate::fixtures::*;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tms_core::api::User;
use tms_tui::app::{self, Mode, Reply, Request, State};
use tms_tui::screens::Screen;

/// The screen as text, one line per row.
pub fn render(state: &State, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| tms_tui::ui::view(f, state)).unwrap();
    let buf = term.backend().buffer();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn snap(name: &str, state: &State) {
    insta::assert_snapshot!(name, render(state, 80, 24));
}

fn keys(s: &mut State, codes: &[KeyCode]) {
    for c in codes {
        let fx = app::update(s, key(*c));
        answer_all(s, fx, &server);
    }
}

fn chars(s: &mut State, text: &str) {
    for c in text.chars() {
        keys(s, &[KeyCode::Char(c)]);
    }
}

/// Runs `:command` and answers what it asks, and what the answers ask in turn.
fn go(s: &mut State, command: &str) {
    let mut fx = app::command::run(s, command);
    while fx
        .iter()
        .any(|e| matches!(e, app::Effect::Request(r) if server(r).is_some()))
    {
        fx = answer_all(s, fx, &server);
    }
}

#[test]
fn login_screens() {
    let mut s = fresh(Mode::Remote);
    snap("login_remote", &s);
    chars(&mut s, "john.smith@example.com");
    keys(&mut s, &[KeyCode::Tab]);
    chars(&mut s, "wrong");
    let err = tms_tui::api::ApiError::Status {
        status: 401,
        detail: "x".into(),
        retry_after: None,
    };
    app::update(
        &mut s,
        app::Action::Response {
            request: Request::Login(login_body()),
            result: Err(err),
        },
    );
    snap("login_wrong_password", &s);
    let mut demo = fresh(Mode::Demo);
    keys(&mut demo, &[KeyCode::Down, KeyCode::Down]);
    snap("login_demo", &demo);
}

#[test]
fn first_run_screen() {
    let setup = app::Setup {
        mode: Mode::Embedded,
        server: "embedded".into(),
        has_token: false,
    };
    let mut s = State::new(setup, tms_tui::theme::Theme::dark(), now());
    let health = tms_core::api::Health {
        status: "ok".into(),
        version: "1".into(),
        setup_required: true,
    };
    reply(&mut s, Request::Health, Reply::Health(health));
    chars(&mut s, "x");
    keys(
        &mut s,
        &[
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Enter,
        ],
    );
    snap("first_run", &s);
}

fn roles() -> [(&'static str, User); 3] {
    [("requester", jane()), ("agent", john()), ("admin", admin())]
}

#[test]
fn home_screens() {
    for (role, who) in roles() {
        let s = signed_in(who);
        snap(&format!("home_{role}"), &s);
    }
}

#[test]
fn ticket_screens() {
    for (role, who) in roles() {
        let mut s = signed_in(who);
        go(&mut s, "3");
        keys(&mut s, &[KeyCode::Char('j')]);
        snap(&format!("ticket_{role}"), &s);
        keys(&mut s, &[KeyCode::Char('?')]);
        snap(&format!("ticket_help_{role}"), &s);
    }
}

#[test]
fn ticket_history_screens() {
    for (role, who) in roles() {
        let mut s = signed_in(who);
        go(&mut s, "3");
        keys(&mut s, &[KeyCode::Char('h')]);
        snap(&format!("ticket_history_{role}"), &s);
    }
}

#[test]
fn new_ticket_screens() {
    for (role, who) in roles() {
        let mut s = signed_in(who.clone());
        keys(&mut s, &[KeyCode::Char('n')]);
        chars(&mut s, "Monitor flickers");
        if who.role.is_staff() {
            keys(&mut s, &[KeyCode::Tab]);
        }
        keys(&mut s, &[KeyCode::Tab, KeyCode::Right, KeyCode::Tab]);
        chars(&mut s, "It flickers");
        keys(&mut s, &[KeyCode::Enter]);
        chars(&mut s, "every few seconds.");
        snap(&format!("new_ticket_{role}"), &s);
    }
    let mut s = signed_in(jane());
    keys(&mut s, &[KeyCode::Char('n')]);
    app::update(&mut s, ctrl('s'));
    snap("new_ticket_invalid", &s);
}

#[test]
fn queue_overlays() {
    let mut s = signed_in(john());
    keys(&mut s, &[KeyCode::Char('a')]);
    snap("queue_assign_picker", &s);
    s.overlay = None;
    keys(&mut s, &[KeyCode::Char('c')]);
    chars(&mut s, "Looking into it.");
    snap("queue_compose", &s);
    s.overlay = None;
    keys(&mut s, &[KeyCode::Char(':')]);
    chars(&mut s, "u");
    snap("command_line", &s);
    s.overlay = None;
    keys(&mut s, &[KeyCode::Char('/')]);
    chars(&mut s, "printer");
    snap("search_prompt", &s);
}

#[test]
fn admin_screens() {
    let mut s = signed_in(admin());
    go(&mut s, "users");
    snap("users_admin", &s);
    keys(&mut s, &[KeyCode::Char('j'), KeyCode::Char('d')]);
    snap("users_deactivate_confirm", &s);
    s.overlay = None;
    keys(&mut s, &[KeyCode::Char('e')]);
    snap("user_form_edit", &s);
    keys(&mut s, &[KeyCode::Esc, KeyCode::Char('n')]);
    chars(&mut s, "x");
    app::update(&mut s, ctrl('s'));
    snap("user_form_new_invalid", &s);
    go(&mut s, "log");
    snap("log_admin", &s);
}

#[test]
fn offline_banner_and_light_theme() {
    let mut s = signed_in(john());
    let err = tms_tui::api::ApiError::Unreachable("connection refused".into());
    app::update(
        &mut s,
        app::Action::Response {
            request: Request::Health,
            result: Err(err),
        },
    );
    snap("offline_banner", &s);
    assert!(matches!(s.screen, Screen::Queue(_)));
    s.theme = tms_tui::theme::Theme::light();
    let wide = render(&s, 120, 30);
    assert!(
        wide.lines().any(|l| l.chars().count() > 100),
        "uses the width: {wide}"
    );
}

/// The fixture server, its tickets with SLA clocks: 1 ok, 3 at risk, 5 breached, 7 met.
fn sla_server(r: &Request) -> Option<Reply> {
    use tms_core::SlaState::*;
    let clocked = |item: tms_core::api::TicketListItem| match item.ticket.id {
        1 => with_sla(item, Ok, Some(80)),
        3 => with_sla(item, AtRisk, Some(12)),
        5 => with_sla(item, Breached, Some(-35)),
        _ => with_sla(item, Met, None),
    };
    match server(r)? {
        Reply::Tickets(mut page) => {
            page.items = page.items.into_iter().map(clocked).collect();
            Some(Reply::Tickets(page))
        }
        Reply::Ticket(d) => {
            let d = *d;
            let item = clocked(tms_core::api::TicketListItem {
                ticket: d.ticket,
                requester: d.requester,
                assigned_agent: d.assigned_agent,
            });
            Some(Reply::Ticket(Box::new(tms_core::api::TicketDetail::of(
                item, d.comments,
            ))))
        }
        other => Some(other),
    }
}

#[test]
fn sla_clocks_in_the_queue_and_on_the_ticket() {
    for (role, who) in roles() {
        let mut s = signed_in(who);
        let fx = app::update(&mut s, key(KeyCode::Char('r')));
        answer_all(&mut s, fx, &sla_server);
        snap(&format!("queue_sla_{role}"), &s);
        let fx = app::command::run(&mut s, "3");
        answer_all(&mut s, fx, &sla_server);
        snap(&format!("ticket_sla_{role}"), &s);
    }
}

#[test]
fn dashboard_screens() {
    for (role, who) in [("agent", john()), ("admin", admin())] {
        let mut s = signed_in(who);
        go(&mut s, "dash");
        snap(&format!("dash_{role}"), &s);
    }
    let mut s = signed_in(john());
    s.theme = tms_tui::theme::Theme::plain();
    go(&mut s, "dash");
    keys(&mut s, &[KeyCode::Down]);
    if let Screen::Dash(d) = &mut s.screen {
        d.stats.as_mut().unwrap().sla = None;
    }
    snap("dash_plain_sla_off", &s);
}

#[test]
fn settings_screens() {
    let mut s = signed_in(admin());
    go(&mut s, "sla");
    snap("sla_policy", &s);
    keys(&mut s, &[KeyCode::Tab]);
    app::update(&mut s, ctrl('u'));
    chars(&mut s, "Mars/Olympus");
    for _ in 0..4 {
        keys(&mut s, &[KeyCode::Tab]);
    }
    app::update(&mut s, ctrl('u'));
    let fx = app::update(&mut s, ctrl('s'));
    assert!(fx.is_empty());
    snap("sla_policy_problems", &s);

    let mut s = signed_in(admin());
    go(&mut s, "webhooks");
    snap("webhooks", &s);
    s.theme = tms_tui::theme::Theme::plain();
    keys(&mut s, &[KeyCode::Down]);
    snap("webhooks_plain_second", &s);
    keys(&mut s, &[KeyCode::Char('n')]);
    if let Screen::WebhookForm(f) = &mut s.screen {
        f.secret.set("0123456789abcdefGHIJKLMNOPQRSTUV");
    }
    chars(&mut s, "https://hooks.example.com/tms");
    keys(&mut s, &[KeyCode::Tab, KeyCode::Tab, KeyCode::Char(' ')]);
    snap("webhook_form", &s);

    for (role, who) in [("requester", jane()), ("agent", john())] {
        let mut s = signed_in(who);
        go(&mut s, "settings");
        snap(&format!("settings_{role}"), &s);
    }
}
