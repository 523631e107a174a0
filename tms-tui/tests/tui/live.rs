//! The client against a real server: a demo helpdesk served on `127.0.0.1:0` by the embedded
//! server, and the pure update function driven as the driver drives it — every request it asks
//! for is sent through the HTTP client and the answer fed back. Covers the staff directory
//! behind the requester picker.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::VecDeque;
use tms_core::demo;
use tms_tui::api::dispatch::dispatch;
use tms_tui::api::{ApiClient, ApiError};
use tms_tui::app::overlay::Overlay;
use tms_tui::app::{self, Action, Effect, Mode, Reply, Request, Setup, State};
use tms_tui::embedded::{Db, Embedded};
use tms_tui::screens::Screen;
use tms_tui::theme::Theme;

/// One run of `tms` on `base`: its HTTP client and its state.
struct Tms {
    client: ApiClient,
    state: State,
}

impl Tms {
    /// Starts as `tms` does, on its login screen.
    async fn start(base: &str) -> Self {
        let client = ApiClient::new(base).unwrap();
        let setup = Setup {
            mode: Mode::Remote,
            server: base.to_string(),
            has_token: false,
        };
        let state = State::new(setup, Theme::dark(), tms_core::timefmt::now());
        let mut tms = Self { client, state };
        let fx = app::start(&mut tms.state);
        tms.run(fx).await;
        tms
    }

    /// Carries out `fx` and everything the answers lead to, as the driver would.
    async fn run(&mut self, fx: Vec<Effect>) -> Vec<(Request, Result<Reply, ApiError>)> {
        let mut answered = Vec::new();
        let mut queue: VecDeque<Effect> = fx.into();
        while let Some(effect) = queue.pop_front() {
            let action = match effect {
                Effect::Request(request) => {
                    let result = dispatch(&self.client, &request).await;
                    answered.push((request.clone(), result.clone()));
                    Action::Response { request, result }
                }
                Effect::SetToken(token) => {
                    self.client.set_token(token);
                    continue;
                }
                Effect::LoadDrafts { user_id } => Action::DraftsLoaded {
                    user_id,
                    drafts: Default::default(),
                },
                Effect::OpenEditor(_) | Effect::SaveDrafts { .. } | Effect::Quit => continue,
            };
            queue.extend(app::update(&mut self.state, action));
        }
        answered
    }

    async fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        let fx = app::update(&mut self.state, Action::Key(KeyEvent::new(code, modifiers)));
        self.run(fx).await;
    }

    async fn press(&mut self, code: KeyCode) {
        self.key(code, KeyModifiers::NONE).await;
    }

    async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c)).await;
        }
    }

    /// Logs in on the login screen; returns the login's answer.
    async fn log_in(&mut self, email: &str, password: &str) -> Result<Reply, ApiError> {
        assert!(matches!(self.state.screen, Screen::Login(_)));
        self.type_text(email).await;
        self.press(KeyCode::Tab).await;
        self.type_text(password).await;
        let fx = app::update(&mut self.state, Action::Key(KeyEvent::from(KeyCode::Enter)));
        let answered = self.run(fx).await;
        let login = answered
            .into_iter()
            .find(|(r, _)| matches!(r, Request::Login(_)));
        login.expect("a login was sent").1
    }
}

fn demo_server() -> (tokio::runtime::Runtime, Embedded) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(Embedded::start(Db::Demo)).unwrap();
    (rt, server)
}

#[test]
fn agents_and_admins_file_for_a_requester_the_server_finds_as_they_type() {
    let (rt, server) = demo_server();
    rt.block_on(async {
        for email in ["john.smith@example.com", "admin@example.com"] {
            let mut tms = Tms::start(&server.base_url()).await;
            tms.log_in(email, demo::PASSWORD).await.unwrap();
            tms.press(KeyCode::Char('n')).await;
            tms.type_text("Badge does not open the door").await;
            tms.press(KeyCode::Tab).await;
            tms.press(KeyCode::Enter).await;
            tms.type_text("isa").await;
            let Some(Overlay::Picker(p)) = &tms.state.overlay else {
                panic!("{:?}", tms.state.overlay)
            };
            let names: Vec<&str> = p.items.iter().map(|(l, _)| l.as_str()).collect();
            assert_eq!(names, ["Isabella <isabella.thomas@example.com>"], "{email}");
            tms.press(KeyCode::Enter).await;
            tms.press(KeyCode::Tab).await;
            tms.press(KeyCode::Tab).await;
            tms.type_text("Since Monday.").await;
            tms.key(KeyCode::Char('s'), KeyModifiers::CONTROL).await;
            let Screen::Ticket(t) = &tms.state.screen else {
                panic!("{email}: {:?}", tms.state.flash)
            };
            let filed = t.detail.as_ref().expect("the new ticket loaded");
            assert_eq!(filed.ticket.title, "Badge does not open the door");
            assert_eq!(filed.requester.username, "Isabella", "{email}");
        }
    });
}
