//! Random input on every screen and overlay, for every role, never panics and leaves the state
//! consistent. Each start below leads to one screen or overlay; from there proptest sends
//! random keys and pastes, lets the clock run, answers the client's requests in any order
//! with successes, refusals or a vanished server, and has the event stream say what others
//! changed, drawing the screen after every step.

use crate::fixtures::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::collections::BTreeSet;
use tms_core::Priority;
use tms_core::api::{Comment, Health, TokenResponse, User};
use tms_tui::api::ApiError;
use tms_tui::api::events::{Change, CommentEvent, News, ServerEvent, TicketEvent};
use tms_tui::app::keymap::Ctx;
use tms_tui::app::live::Link;
use tms_tui::app::{self, Action, Effect, Mode, Reply, Request, Setup, State};
use tms_tui::screens::Screen;
use tms_tui::theme::Theme;

/// Who is at the keyboard when a sequence starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// Still connecting: no answer yet.
    Boot,
    /// On the login screen of a demo server.
    LoggedOut,
    /// On the first-run screen of an empty embedded server.
    FirstRun,
    Requester,
    Agent,
    Admin,
}

const ROLES: [Who; 3] = [Who::Requester, Who::Agent, Who::Admin];

/// How to reach a screen or overlay: `:cmd` lines and keys, in order. `"\n"` is Enter.
type Script = &'static [&'static str];

/// Screens and overlays reached by every signed-in role.
const EVERY_ROLE: &[(&str, Script)] = &[
    ("home", &[]),
    ("help", &["?"]),
    ("command line", &[":"]),
    ("command line, typed", &[":", "lo"]),
    ("search prompt", &["/"]),
    ("status filter", &["f"]),
    ("priority filter", &["F"]),
    ("sort picker", &["o"]),
    ("priority picker", &["p"]),
    ("comment from the list", &["c"]),
    ("new ticket", &[":new"]),
    ("new ticket, description", &[":new", "Title\t\t"]),
    ("new ticket help", &[":new", "?"]),
    ("own password", &[":password"]),
    ("my settings", &[":settings"]),
    ("ticket", &[":3"]),
    ("missing ticket", &[":99"]),
    ("ticket comment", &[":3", "c"]),
    ("ticket edit description", &[":3", "e"]),
    ("ticket edit own comment", &[":3", "jje"]),
    ("ticket delete comment", &[":3", "jd"]),
    ("ticket delete own comment", &[":3", "jjd"]),
    ("ticket title prompt", &[":3", "T"]),
    ("ticket priority", &[":3", "p"]),
    ("ticket help", &[":3", "?"]),
];

/// Screens and overlays of staff.
const STAFF: &[(&str, Script)] = &[
    ("assign picker", &["a"]),
    ("status picker", &["s"]),
    ("tab Mine", &["2"]),
    ("ticket assign", &[":3", "a"]),
    ("ticket status", &[":3", "s"]),
    ("ticket delete", &[":3", "D"]),
];

/// Screens and overlays of admins.
const ADMIN: &[(&str, Script)] = &[
    ("users", &[":users"]),
    ("users search", &[":users", "/"]),
    ("user form, new", &[":users", "n"]),
    ("user form, edit", &[":users", "je"]),
    ("user role picker", &[":users", "jR"]),
    ("user password prompt", &[":users", "jP"]),
    ("user deactivate", &[":users", "jd"]),
    ("log", &[":log"]),
    ("log user filter", &[":log", "u"]),
    ("log type filter", &[":log", "y"]),
    ("log ticket prompt", &[":log", "#"]),
    ("log clear", &[":log", "C"]),
    ("log help", &[":log", "?"]),
    ("sla policy", &[":sla"]),
    ("sla policy, a day", &[":sla", "\t\t\t"]),
    ("sla policy help", &[":sla", "?"]),
    ("webhooks", &[":webhooks"]),
    ("webhook form", &[":webhooks", "n"]),
    ("webhook form, events", &[":webhooks", "n", "\t\t"]),
    ("webhook delete", &[":webhooks", "jd"]),
];

/// Every start: who, what it is called, and the script leading there.
fn starts() -> Vec<(Who, &'static str, Script)> {
    let mut all: Vec<(Who, &'static str, Script)> = vec![
        (Who::Boot, "boot", &[]),
        (Who::LoggedOut, "login", &[]),
        (Who::LoggedOut, "login, password", &["x@example.com\t"]),
        (Who::FirstRun, "first run", &[]),
    ];
    for who in ROLES {
        all.extend(EVERY_ROLE.iter().map(|(n, s)| (who, *n, *s)));
        if who != Who::Requester {
            all.extend(STAFF.iter().map(|(n, s)| (who, *n, *s)));
        }
        if who == Who::Admin {
            all.extend(ADMIN.iter().map(|(n, s)| (who, *n, *s)));
        }
    }
    all
}

fn health(setup_required: bool) -> Reply {
    Reply::Health(Health {
        status: "ok".into(),
        version: "1".into(),
        setup_required,
    })
}

fn begin(who: Who) -> State {
    let user = |u: User| signed_in(u);
    match who {
        Who::Boot | Who::FirstRun => {
            let setup = Setup {
                mode: Mode::Embedded,
                server: "embedded".into(),
                has_token: false,
            };
            let mut s = State::new(setup, Theme::dark(), now());
            app::start(&mut s);
            if who == Who::FirstRun {
                reply(&mut s, Request::Health, health(true));
            }
            s
        }
        Who::LoggedOut => fresh(Mode::Demo),
        Who::Requester => user(jane()),
        Who::Agent => user(john()),
        Who::Admin => user(admin()),
    }
}

/// Follows a script, answering every request from the fixtures.
fn follow(s: &mut State, script: Script) {
    for step in script {
        let fx = match step.strip_prefix(':') {
            Some(cmd) if !cmd.is_empty() => app::command::run(s, cmd),
            _ => step
                .chars()
                .flat_map(|c| app::update(s, key(code(c))))
                .collect(),
        };
        answer_all(s, fx, &plausible);
    }
}

fn code(c: char) -> KeyCode {
    match c {
        '\n' => KeyCode::Enter,
        '\t' => KeyCode::Tab,
        c => KeyCode::Char(c),
    }
}

/// What a working server would answer to anything, from the fixtures.
fn plausible(r: &Request) -> Option<Reply> {
    if let Some(reply) = server(r) {
        return Some(reply);
    }
    let saved = |id: i64| Reply::TicketSaved(Box::new(tickets()[0].ticket.clone().with_id(id)));
    Some(match r {
        Request::Health => health(false),
        Request::Login(_) | Request::Signup(_) => session(
            TokenResponse {
                access_token: "t".into(),
                token_type: "bearer".into(),
                expires_at: now(),
                user: john(),
            },
            Some("v1.device.token"),
        ),
        Request::Logout => Reply::LoggedOut,
        Request::Me => Reply::Me(john()),
        Request::FindUsers(_) => Reply::Users(vec![admin(), jane(), john(), sophia()]),
        Request::FindPeople(_) => Reply::People(staff()),
        Request::Tags => Reply::Tags(vec![tms_core::api::TagCount {
            name: "vpn".into(),
            count: 2,
        }]),
        Request::Ticket(_) | Request::Tickets { .. } | Request::Users(_) | Request::Staff => {
            return None;
        }
        Request::Stats => Reply::Stats(Box::new(stats())),
        Request::CreateTicket(_) => saved(12),
        Request::UpdateTicket(id, ..) | Request::Recheck { id, .. } => {
            let mut d = detail();
            d.ticket.id = *id;
            Reply::Ticket(Box::new(d))
        }
        Request::CreateComment(_) | Request::UpdateComment { .. } => {
            Reply::CommentSaved(detail().comments[0].comment.clone())
        }
        Request::Bulk(b) => Reply::Bulk(
            tickets()
                .into_iter()
                .filter(|t| b.ids.contains(&t.ticket.id))
                .collect(),
        ),
        Request::CreateUser(_) | Request::UpdateUser(..) => Reply::UserSaved(sophia()),
        Request::DeleteTicket(_)
        | Request::ChangePassword(_)
        | Request::DeleteComment { .. }
        | Request::DeleteUser(_)
        | Request::ClearLogs => Reply::Done,
        Request::Logs(_) => Reply::Logs(log_entries()),
        Request::History(_) => Reply::History(history()),
        Request::Views | Request::Assignment => return None,
        Request::SetAssignment(mode) => Reply::Assignment(assignment(*mode)),
        Request::SetAway(away) => Reply::Me(tms_core::api::User {
            is_away: *away,
            ..john()
        }),
        Request::CreateView(_) | Request::DeleteView(_) => {
            Reply::View(view(9, "Mine, high", "priority=High"))
        }
        Request::SlaPolicy
        | Request::Notifications
        | Request::Webhooks
        | Request::Deliveries(_) => {
            return None;
        }
        Request::SetSlaPolicy(p) => Reply::SlaPolicy(p.clone()),
        Request::SetNotifications(n) => Reply::Notifications(*n),
        Request::CreateWebhook(_) | Request::DeleteWebhook(_) => {
            Reply::Webhook(webhooks()[1].clone())
        }
    })
}

trait WithId {
    fn with_id(self, id: i64) -> Self;
}

impl WithId for tms_core::api::Ticket {
    fn with_id(mut self, id: i64) -> Self {
        self.id = id;
        self
    }
}

/// One random thing that happens to the client.
#[derive(Debug, Clone)]
enum Event {
    Key(KeyEvent),
    Paste(String),
    /// The clock moves on by this many seconds.
    Tick(u8),
    /// The `n`-th waiting request is answered this way.
    Answer(usize, Outcome),
    /// `$EDITOR` closes with this text, or fails.
    Editor(Result<String, String>),
    /// The event stream says this.
    Live(News),
    /// A pause asked for is over (the queue's, or the `n`th reread of the deliveries).
    Wake(Option<u64>),
}

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Ok,
    Unreachable,
    Status(u16),
}

fn any_key() -> impl Strategy<Value = KeyEvent> {
    let codes = prop_oneof![
        any::<char>().prop_map(KeyCode::Char),
        prop::sample::select(
            "jkqtaspcedniou:?/y][GRPDTCAu#xfF1234 lEgr"
                .chars()
                .collect::<Vec<_>>()
        )
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
            KeyCode::F(1),
        ]),
    ];
    let mods = prop::sample::select(vec![
        KeyModifiers::NONE,
        KeyModifiers::NONE,
        KeyModifiers::SHIFT,
        KeyModifiers::CONTROL,
        KeyModifiers::ALT,
    ]);
    (codes, mods).prop_map(|(c, m)| {
        // Ctrl-C quits, which would end the sequence early.
        let m = if matches!(c, KeyCode::Char('c' | 'C')) && m == KeyModifiers::CONTROL {
            KeyModifiers::NONE
        } else {
            m
        };
        KeyEvent::new(c, m)
    })
}

/// What the event stream may say: a fixture ticket changed, added or deleted, a comment on
/// ticket 3, a resync, the connection's ups and downs, the session's end.
fn any_news() -> impl Strategy<Value = News> {
    let ticket = (0usize..4, 0u8..3, 1i64..4).prop_map(|(i, change, version)| {
        let mut item = tickets()[i].clone();
        item.ticket.version = version;
        item.ticket.priority = Priority::ALL[usize::from(change)];
        let (change, ticket) = match change {
            0 => (Change::TicketCreated, Some(item)),
            1 => (Change::TicketUpdated, Some(item)),
            _ => (Change::TicketDeleted, None),
        };
        ServerEvent::Ticket(TicketEvent {
            ticket_id: tickets()[i].ticket.id,
            change,
            ticket: ticket.map(Box::new),
        })
    });
    let comment = (10i64..14, any::<bool>()).prop_map(|(id, deleted)| {
        let c = detail().comments[0].comment.clone();
        ServerEvent::Comment(CommentEvent {
            ticket_id: 3,
            comment_id: Some(id),
            change: if deleted {
                Change::CommentDeleted
            } else {
                Change::CommentCreated
            },
            comment: (!deleted).then_some(Comment { id, ..c }),
        })
    });
    prop_oneof![
        6 => prop_oneof![ticket, comment, Just(ServerEvent::Resync)]
            .prop_map(|e| News::Event(Box::new(e))),
        1 => any::<bool>().prop_map(|resumed| News::Connected { resumed }),
        1 => Just(News::Lost("reset".into())),
        1 => Just(News::SessionEnded),
    ]
}

fn any_event() -> impl Strategy<Value = Event> {
    let outcome = prop_oneof![
        6 => Just(Outcome::Ok),
        1 => Just(Outcome::Unreachable),
        1 => prop::sample::select(vec![400u16, 401, 403, 404, 409, 422, 429, 500])
            .prop_map(Outcome::Status),
    ];
    prop_oneof![
        12 => any_key().prop_map(Event::Key),
        1 => "(?s).{0,40}".prop_map(Event::Paste),
        1 => (0u8..8).prop_map(Event::Tick),
        4 => (0usize..8, outcome).prop_map(|(n, o)| Event::Answer(n, o)),
        1 => prop_oneof![
            "(?s).{0,30}".prop_map(Ok),
            Just(Err("no editor".to_string())),
        ]
        .prop_map(Event::Editor),
        2 => any_news().prop_map(Event::Live),
        1 => proptest::option::of(0..4u64).prop_map(Event::Wake),
    ]
}

fn respond(s: &mut State, request: Request, outcome: Outcome) -> Vec<Effect> {
    let result = match outcome {
        Outcome::Ok => match plausible(&request) {
            Some(r) => Ok(r),
            None => Err(ApiError::Status {
                status: 404,
                detail: "Not Found".into(),
                retry_after: None,
            }),
        },
        Outcome::Unreachable => Err(ApiError::Unreachable("connection refused".into())),
        Outcome::Status(status) => Err(ApiError::Status {
            status,
            detail: "refused".into(),
            retry_after: (status == 429).then_some(2),
        }),
    };
    app::update(s, Action::Response { request, result })
}

/// Runs one sequence; fails on a broken invariant (a panic fails it anyway).
fn run(mut s: State, events: Vec<Event>) -> Result<(), TestCaseError> {
    let mut waiting: Vec<Request> = Vec::new();
    for event in events {
        let fx = match event {
            Event::Key(k) => app::update(&mut s, Action::Key(k)),
            Event::Paste(text) => app::update(&mut s, Action::Paste(text)),
            Event::Tick(secs) => {
                let at = s.now + time::Duration::seconds(i64::from(secs));
                app::update(&mut s, Action::Tick(at))
            }
            Event::Answer(n, outcome) if !waiting.is_empty() => {
                let request = waiting.remove(n % waiting.len());
                respond(&mut s, request, outcome)
            }
            Event::Answer(..) => Vec::new(),
            Event::Editor(result) => app::update(&mut s, Action::EditorDone(result)),
            Event::Live(news) => {
                let stream = s.live.stream;
                app::update(&mut s, Action::Live { stream, news })
            }
            Event::Wake(n) => {
                let alarm = n.map_or(app::Alarm::Burst, app::Alarm::Deliveries);
                app::update(&mut s, Action::Wake(alarm))
            }
        };
        waiting.extend(fx.into_iter().filter_map(|e| match e {
            Effect::Request(r) => Some(r),
            _ => None,
        }));
        if s.quit {
            return Ok(());
        }
        check(&s)?;
        let _ = crate::snapshots::render(&s, 80, 24);
    }
    let _ = crate::snapshots::render(&s, 120, 40);
    let _ = crate::snapshots::render(&s, 30, 8);
    Ok(())
}

fn check(s: &State) -> Result<(), TestCaseError> {
    let signed_out = matches!(s.screen, Screen::Boot | Screen::Login(_) | Screen::Setup(_));
    prop_assert_eq!(
        s.user.is_none(),
        signed_out,
        "signed in exactly when past the login: {:?}",
        s.screen.ctx()
    );
    prop_assert!(
        s.user.is_some() || s.stack.is_empty(),
        "no screens kept for nobody"
    );
    prop_assert_eq!(
        s.live.link == Link::Off,
        s.user.is_none(),
        "the event stream open exactly while signed in"
    );
    if let Screen::Queue(q) = &s.screen {
        prop_assert!(
            q.selected < q.items().len().max(1),
            "the cursor on a row: {} of {}",
            q.selected,
            q.items().len()
        );
    }
    Ok(())
}

#[test]
fn random_input_on_every_screen_and_overlay_never_panics() {
    let cases = std::env::var("TMS_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    for (who, name, script) in starts() {
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let events = prop::collection::vec(any_event(), 1..50);
        let result = runner.run(&events, |events| {
            let mut s = begin(who);
            follow(&mut s, script);
            run(s, events)
        });
        if let Err(e) = result {
            panic!("{who:?} on {name:?}: {e}");
        }
    }
}

/// The starts really lead where they say: together they cover every screen and overlay of
/// each role.
#[test]
fn the_starts_cover_every_screen_and_overlay() {
    let mut reached: Vec<(Who, BTreeSet<String>)> = Vec::new();
    for (who, name, script) in starts() {
        let mut s = begin(who);
        follow(&mut s, script);
        assert!(!s.quit, "{who:?} {name}: quit");
        let ctx = format!("{:?}", s.ctx());
        match reached.iter_mut().find(|(w, _)| *w == who) {
            Some((_, set)) => {
                set.insert(ctx);
            }
            None => reached.push((who, BTreeSet::from([ctx]))),
        }
    }
    let names =
        |list: &[Ctx]| -> BTreeSet<String> { list.iter().map(|c| format!("{c:?}")).collect() };
    let common = [
        Ctx::Queue,
        Ctx::Ticket,
        Ctx::NewTicket,
        Ctx::Password,
        Ctx::Help,
        Ctx::Command,
        Ctx::Prompt,
        Ctx::Picker,
        Ctx::Compose,
        Ctx::Confirm,
        Ctx::Settings,
    ];
    let mut staff = common.to_vec();
    staff.push(Ctx::Finder);
    let mut admin = staff.clone();
    admin.extend([
        Ctx::Users,
        Ctx::UserForm,
        Ctx::Log,
        Ctx::SlaPolicy,
        Ctx::Webhooks,
        Ctx::WebhookForm,
    ]);
    let want = [
        (Who::Boot, names(&[Ctx::Boot])),
        (Who::LoggedOut, names(&[Ctx::Login])),
        (Who::FirstRun, names(&[Ctx::Setup])),
        (Who::Requester, names(&common)),
        (Who::Agent, names(&staff)),
        (Who::Admin, names(&admin)),
    ];
    for (who, set) in want {
        let got = reached
            .iter()
            .find(|(w, _)| *w == who)
            .map(|(_, s)| s.clone())
            .unwrap_or_default();
        assert_eq!(got, set, "{who:?}");
    }
}
