//! The client against a real server: a demo helpdesk served on `127.0.0.1:0` by the embedded
//! server, and the pure update function driven as the driver drives it — every request it asks
//! for is sent through the HTTP client and the answer fed back. Covers the staff directory
//! behind the requester picker, the device token kept beside the session, and a ticket's
//! history after changes made from the ticket screen.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::VecDeque;
use std::path::Path;
use tms_core::api::{HistoryEntry, LoginRequest};
use tms_core::{HistoryKind, demo};
use tms_tui::api::dispatch::dispatch;
use tms_tui::api::{ApiClient, ApiError};
use tms_tui::app::overlay::Overlay;
use tms_tui::app::{self, Action, Effect, Mode, Reply, Request, Setup, State};
use tms_tui::config::SessionStore;
use tms_tui::driver::TokenSink;
use tms_tui::embedded::{Db, Embedded};
use tms_tui::screens::Screen;
use tms_tui::theme::Theme;

/// One run of `tms` on `base`: its HTTP client, its state, and where it keeps tokens.
struct Tms {
    client: ApiClient,
    state: State,
    tokens: TokenSink,
}

impl Tms {
    /// Starts as `tms` does: the device tokens kept in `config` (if any) handed to the client.
    async fn start(base: &str, config: Option<&Path>) -> Self {
        let mut client = ApiClient::new(base).unwrap();
        let tokens = TokenSink {
            store: config.map(SessionStore::new),
            key: base.to_string(),
        };
        tokens.load_devices(&mut client);
        let setup = Setup {
            mode: Mode::Remote,
            server: base.to_string(),
            has_token: false,
        };
        let state = State::new(setup, Theme::dark(), tms_core::timefmt::now());
        let mut tms = Self {
            client,
            state,
            tokens,
        };
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
                Effect::KeepDevice { account, token } => {
                    self.tokens.keep_device(&mut self.client, &account, token);
                    continue;
                }
                Effect::LoadDrafts { user_id } => Action::DraftsLoaded {
                    user_id,
                    drafts: Default::default(),
                },
                Effect::OpenEditor(_)
                | Effect::SaveDrafts { .. }
                | Effect::Listen { .. }
                | Effect::StopListening
                | Effect::Wake(..)
                | Effect::Quit => continue,
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

    /// Opens ticket `id` as `:id` does.
    async fn open_ticket(&mut self, id: i64) {
        let fx = app::command::run(&mut self.state, &id.to_string());
        self.run(fx).await;
    }

    /// The history the ticket screen holds.
    fn history(&self) -> Vec<HistoryEntry> {
        match &self.state.screen {
            Screen::Ticket(t) => t.history.entries.clone().expect("the history loaded"),
            other => panic!("not on a ticket: {other:?}"),
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

fn status(result: &Result<impl std::fmt::Debug, ApiError>) -> Option<u16> {
    match result {
        Err(ApiError::Status { status, .. }) => Some(*status),
        _ => None,
    }
}

#[test]
fn agents_and_admins_file_for_a_requester_the_server_finds_as_they_type() {
    let (rt, server) = demo_server();
    rt.block_on(async {
        for email in ["john.smith@example.com", "admin@example.com"] {
            let mut tms = Tms::start(&server.base_url(), None).await;
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

#[test]
fn a_kept_device_token_still_logs_in_after_others_guessed_the_password() {
    let (rt, server) = demo_server();
    let config = tempfile::tempdir().unwrap();
    let base = server.base_url();
    let account = "john.smith@example.com";
    rt.block_on(async {
        let mut tms = Tms::start(&base, Some(config.path())).await;
        tms.log_in(" John.Smith@example.com", demo::PASSWORD)
            .await
            .unwrap();
        let first = SessionStore::new(config.path()).devices(&base)[account].clone();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = std::fs::metadata(config.path().join("sessions.toml")).unwrap();
            assert_eq!(file.permissions().mode() & 0o777, 0o600);
        }

        let guesser = ApiClient::new(&base).unwrap();
        let guess = LoginRequest {
            email: account.into(),
            password: "not-the-password".into(),
        };
        for _ in 0..5 {
            assert_eq!(status(&guesser.login(&guess).await), Some(401));
        }
        let right = LoginRequest {
            email: account.into(),
            password: demo::PASSWORD.into(),
        };
        let stranger = ApiClient::new(&base).unwrap();
        assert_eq!(
            status(&stranger.login(&right).await),
            Some(429),
            "without a device token the account is slowed"
        );

        let mut again = Tms::start(&base, Some(config.path())).await;
        let logged_in = again.log_in(account, demo::PASSWORD).await;
        assert!(logged_in.is_ok(), "{logged_in:?}");
        assert!(matches!(again.state.screen, Screen::Queue(_)));
        let now = SessionStore::new(config.path()).devices(&base)[account].clone();
        assert_ne!(now, first, "the new device token replaces the old one");
    });
}

#[test]
fn changes_made_on_the_ticket_screen_are_listed_in_its_history_in_order_for_every_role() {
    let (rt, server) = demo_server();
    rt.block_on(async {
        let mut john = Tms::start(&server.base_url(), None).await;
        john.log_in("john.smith@example.com", demo::PASSWORD)
            .await
            .unwrap();
        // Jane's "Login Issue": Open, Medium, assigned to Sophia, four comments.
        john.open_ticket(2).await;
        john.press(KeyCode::Char('h')).await;
        let before = john.history();
        assert_eq!(before[0].kind, HistoryKind::Created);
        assert_eq!(before[0].to.as_deref(), Some("Login Issue"));
        assert_eq!(before[0].actor.username, "Jane");

        john.press(KeyCode::Char('s')).await;
        john.press(KeyCode::Down).await;
        john.press(KeyCode::Enter).await;
        john.press(KeyCode::Char('p')).await;
        john.press(KeyCode::Up).await;
        john.press(KeyCode::Enter).await;
        john.press(KeyCode::Char('t')).await;
        assert!(matches!(john.state.overlay, Some(Overlay::Confirm(_))));
        john.press(KeyCode::Char('y')).await;
        john.press(KeyCode::Char('c')).await;
        john.type_text("Please log out everywhere and in again.")
            .await;
        john.key(KeyCode::Char('s'), KeyModifiers::CONTROL).await;

        let after = john.history();
        let added: Vec<_> = after[before.len()..]
            .iter()
            .map(|e| {
                let name = e.actor.username.as_str();
                (name, e.kind, e.from.as_deref(), e.to.as_deref())
            })
            .collect();
        let comment = "Please log out everywhere and in again.";
        assert_eq!(
            added,
            [
                (
                    "John",
                    HistoryKind::Status,
                    Some("Open"),
                    Some("In Progress")
                ),
                ("John", HistoryKind::Priority, Some("Medium"), Some("High")),
                ("John", HistoryKind::Assignee, Some("Sophia"), Some("John")),
                ("John", HistoryKind::Comment, None, Some(comment)),
            ]
        );
        let Screen::Ticket(t) = &john.state.screen else {
            panic!()
        };
        assert!(t.history.shown);
        assert_eq!(t.history.selected, after.len() - 1, "on the newest change");

        let view = crate::snapshots::render(&john.state, 80, 24);
        let row = |needle: &str| {
            view.lines()
                .position(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("{needle:?} not shown:\n{view}"))
        };
        let rows = [
            row("\"Login Issue\""),
            row("Open → In Progress"),
            row("Medium → High"),
            row("Sophia → John"),
            row("\"Please log out everywhere"),
        ];
        assert!(
            rows.is_sorted() && rows[0] < rows[1],
            "oldest first: {rows:?}\n{view}"
        );

        let mut jane = Tms::start(&server.base_url(), None).await;
        jane.log_in("jane.doe@example.com", demo::PASSWORD)
            .await
            .unwrap();
        jane.open_ticket(2).await;
        jane.press(KeyCode::Char('h')).await;
        let mut public = after.clone();
        public.retain(|e| !matches!(e.kind, HistoryKind::InternalNote | HistoryKind::Tags));
        assert!(
            public.len() < after.len(),
            "the demo ticket has an internal note"
        );
        assert_eq!(
            jane.history(),
            public,
            "the requester sees the same history but internal notes and tags"
        );
    });
}

#[test]
fn a_change_made_on_a_ticket_a_colleague_changed_meanwhile_is_asked_about_then_applied() {
    let (rt, server) = demo_server();
    rt.block_on(async {
        let base = server.base_url();
        let mut john = Tms::start(&base, None).await;
        john.log_in("john.smith@example.com", demo::PASSWORD)
            .await
            .unwrap();
        let mut sophia = Tms::start(&base, None).await;
        sophia
            .log_in("sophia.martinez@example.com", demo::PASSWORD)
            .await
            .unwrap();
        // Both open Jane's "Login Issue" (Open, Medium).
        john.open_ticket(2).await;
        sophia.open_ticket(2).await;
        // Sophia raises its priority first.
        sophia.press(KeyCode::Char('p')).await;
        sophia.press(KeyCode::Up).await;
        sophia.press(KeyCode::Enter).await;
        // John, still looking at Medium, sets In Progress: refused, shown, asked.
        john.press(KeyCode::Char('s')).await;
        john.press(KeyCode::Down).await;
        john.press(KeyCode::Enter).await;
        let shown = |t: &Tms| match &t.state.screen {
            Screen::Ticket(t) => t.detail.as_ref().unwrap().ticket.clone(),
            other => panic!("not on a ticket: {other:?}"),
        };
        assert_eq!(shown(&john).priority, tms_core::Priority::High, "refreshed");
        assert_eq!(
            shown(&john).status,
            tms_core::Status::Open,
            "not applied unasked"
        );
        let Some(Overlay::Confirm(c)) = &john.state.overlay else {
            panic!("{:?}", john.state.overlay)
        };
        assert!(
            c.message.contains("priority Medium → High"),
            "{}",
            c.message
        );
        let view = crate::snapshots::render(&john.state, 80, 24);
        assert!(view.contains("changed while you were on it"), "{view}");
        // Applied against the new version: both changes stand.
        john.press(KeyCode::Char('y')).await;
        let now = shown(&john);
        assert_eq!(
            (now.status, now.priority),
            (tms_core::Status::InProgress, tms_core::Priority::High)
        );
        assert!(john.state.overlay.is_none());
    });
}

#[test]
fn marked_tickets_change_together_on_the_server() {
    let (rt, server) = demo_server();
    rt.block_on(async {
        let mut john = Tms::start(&server.base_url(), None).await;
        john.log_in("john.smith@example.com", demo::PASSWORD)
            .await
            .unwrap();
        john.press(KeyCode::Char('4')).await;
        let Screen::Queue(q) = &john.state.screen else {
            panic!()
        };
        let first_two: Vec<i64> = q.items()[..2].iter().map(|i| i.ticket.id).collect();
        john.press(KeyCode::Char(' ')).await;
        john.press(KeyCode::Down).await;
        john.press(KeyCode::Char(' ')).await;
        john.press(KeyCode::Char('p')).await;
        // High is listed first.
        john.press(KeyCode::Enter).await;
        john.press(KeyCode::Char('y')).await;
        assert_eq!(
            john.state.flash.as_ref().map(|f| f.text.as_str()),
            Some("2 tickets changed.")
        );
        for id in first_two {
            let t = john.client.get_ticket(id).await.unwrap();
            assert_eq!(t.ticket.priority, tms_core::Priority::High, "ticket {id}");
        }
    });
}

/// The next event of `stream` about ticket `id`, with its id, within a few seconds.
async fn next_about(
    stream: &mut (impl futures_util::Stream<Item = tms_tui::api::events::Block> + Unpin),
    id: i64,
) -> (tms_core::api::Ticket, String) {
    use futures_util::StreamExt;
    use tms_tui::api::events::ServerEvent;
    let wait = std::time::Duration::from_secs(10);
    loop {
        let block = tokio::time::timeout(wait, stream.next())
            .await
            .expect("an event in time")
            .expect("the stream goes on")
            .unwrap();
        let (Some(name), Some(data)) = (block.event.as_deref(), block.data.as_deref()) else {
            continue;
        };
        if let Some(ServerEvent::Ticket(e)) = ServerEvent::parse(name, data)
            && e.ticket_id == id
        {
            return (e.ticket.expect("not deleted").ticket, block.id.unwrap());
        }
    }
}

#[test]
fn the_event_stream_resumes_after_the_last_event_seen() {
    let (rt, server) = demo_server();
    rt.block_on(async {
        let base = server.base_url();
        let john = crate::e2e::client_as(&base, "john.smith@example.com").await;
        let sophia = crate::e2e::client_as(&base, "sophia.martinez@example.com").await;
        let change = |status| tms_core::api::TicketUpdate {
            status: Some(status),
            ..Default::default()
        };
        let mut first = Box::pin(john.events(None).await.unwrap());
        sophia
            .update_ticket(2, &change(tms_core::Status::InProgress), None)
            .await
            .unwrap();
        let (seen, last) = next_about(&mut first, 2).await;
        assert_eq!(seen.status, tms_core::Status::InProgress);
        drop(first);
        // While John is away, Sophia resolves it; back from where he left, he is told.
        sophia
            .update_ticket(2, &change(tms_core::Status::Resolved), None)
            .await
            .unwrap();
        let mut again = Box::pin(john.events(Some(&last)).await.unwrap());
        let (missed, _) = next_about(&mut again, 2).await;
        assert_eq!(missed.status, tms_core::Status::Resolved);
    });
}

#[test]
fn the_listening_task_stops_when_the_session_ends() {
    use tms_tui::api::events::{News, listen};
    let (rt, server) = demo_server();
    rt.block_on(async {
        let john = crate::e2e::client_as(&server.base_url(), "john.smith@example.com").await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(listen(john.clone(), move |news| tx.send(news).is_ok()));
        let wait = std::time::Duration::from_secs(15);
        let first = tokio::time::timeout(wait, rx.recv()).await.unwrap();
        assert_eq!(first, Some(News::Connected { resumed: false }));
        john.logout().await.unwrap();
        let mut told = Vec::new();
        while let Ok(Some(news)) = tokio::time::timeout(wait, rx.recv()).await {
            told.push(news);
            if told.last() == Some(&News::SessionEnded) {
                break;
            }
        }
        assert_eq!(told.last(), Some(&News::SessionEnded), "{told:?}");
        tokio::time::timeout(wait, task)
            .await
            .expect("the task ends")
            .unwrap();
    });
}
