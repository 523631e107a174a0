//! Fixed data, a fixed clock and helpers to drive the pure update function.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tms_core::api::{
    AssignmentAgent, AssignmentMode, AssignmentSettings, Comment, CommentWithUser, HistoryActor,
    HistoryEntry, LogEntry, Page, Ticket, TicketDetail, TicketListItem, TokenResponse, User,
    UserSummary,
};
use tms_core::api::{DeliveryStatus, NotificationSettings, Webhook, WebhookDelivery, WebhookEvent};
use tms_core::timefmt::{Timestamp, parse};
use tms_core::{ActivityType, HistoryKind, Priority, Role, Status};
use tms_tui::api::ApiError;
use tms_tui::app::drafts::SavedDrafts;
use tms_tui::app::{self, Action, Effect, Mode, Reply, Request, Setup, State};
use tms_tui::screens::Screen;
use tms_tui::theme::Theme;

pub fn now() -> Timestamp {
    parse("2026-11-29T12:00:00Z").unwrap()
}

fn ago(hours: i64) -> Timestamp {
    now() - time::Duration::hours(hours)
}

pub fn user(id: i64, name: &str, role: Role) -> User {
    User {
        id,
        username: name.into(),
        email: format!("{}@example.com", name.to_lowercase()),
        role,
        is_active: true,
        is_away: false,
        created_at: ago(24 * 30),
    }
}

pub fn admin() -> User {
    user(1, "Admin", Role::Admin)
}
pub fn jane() -> User {
    user(2, "Jane", Role::Requester)
}
pub fn john() -> User {
    user(3, "John", Role::Agent)
}
pub fn sophia() -> User {
    user(4, "Sophia", Role::Agent)
}

pub fn ticket(
    id: i64,
    title: &str,
    status: Status,
    priority: Priority,
    agent: Option<&User>,
) -> TicketListItem {
    TicketListItem {
        ticket: Ticket {
            id,
            title: title.into(),
            description: format!("Description of {title}."),
            status,
            priority,
            creation_date: ago(id * 5),
            updated_at: ago(id),
            resolution_date: (status == Status::Resolved).then(|| ago(1)),
            requester_id: 2,
            assigned_agent_id: agent.map(|a| a.id),
            version: 1,
            tags: Some(Vec::new()),
            first_response_due: None,
            resolution_due: None,
            first_responded_at: None,
            sla_next_due: None,
            sla_state: None,
        },
        requester: jane().summary(),
        assigned_agent: agent.map(User::summary),
    }
}

pub fn page(items: Vec<TicketListItem>) -> Page<TicketListItem> {
    let n = items.len() as u64;
    Page::new(items, n, 1, 50)
}

/// `item` with SLA clocks in `state`, its next due time `due_in` minutes from [`now`].
pub fn with_sla(
    mut item: TicketListItem,
    state: tms_core::SlaState,
    due_in: Option<i64>,
) -> TicketListItem {
    let t = &mut item.ticket;
    t.sla_state = Some(state);
    t.sla_next_due = due_in.map(|m| now() + time::Duration::minutes(m));
    match t.sla_next_due {
        // The first response is what falls due next; the resolution six hours later.
        Some(due) => {
            t.first_response_due = Some(due);
            t.resolution_due = Some(due + time::Duration::hours(6));
        }
        // Answered and resolved in time.
        None => {
            t.first_response_due = Some(t.creation_date + time::Duration::hours(1));
            t.first_responded_at = Some(t.creation_date + time::Duration::minutes(30));
            t.resolution_due = Some(t.creation_date + time::Duration::hours(8));
        }
    }
    item
}

pub fn tickets() -> Vec<TicketListItem> {
    vec![
        ticket(1, "Password reset", Status::Open, Priority::Medium, None),
        ticket(
            3,
            "Email sync problem",
            Status::InProgress,
            Priority::High,
            Some(&john()),
        ),
        ticket(5, "Printer not working", Status::Open, Priority::Low, None),
        ticket(
            7,
            "VPN drops every hour",
            Status::Resolved,
            Priority::High,
            Some(&sophia()),
        ),
    ]
}

pub fn comment(id: i64, by: &User, text: &str, hours: i64) -> CommentWithUser {
    CommentWithUser {
        comment: Comment {
            id,
            ticket_id: 3,
            commented_by_id: by.id,
            description: text.into(),
            creation_date: ago(hours),
            updated_at: ago(hours),
            is_internal: false,
        },
        user: by.summary(),
    }
}

pub fn detail() -> TicketDetail {
    let item = ticket(
        3,
        "Email sync problem",
        Status::InProgress,
        Priority::High,
        Some(&john()),
    );
    TicketDetail {
        ticket: Ticket {
            description:
                "My phone stopped syncing mail this morning.\n\nIt says the password is wrong."
                    .into(),
            ..item.ticket
        },
        requester: item.requester,
        assigned_agent: item.assigned_agent,
        comments: vec![
            comment(
                10,
                &john(),
                "Could you try removing and re-adding the account?",
                5,
            ),
            comment(11, &jane(), "Done, still failing.", 3),
        ],
    }
}

pub fn log_entries() -> Vec<LogEntry> {
    let e =
        |id: i64, who: &User, kind: ActivityType, details: &str, ticket: Option<i64>| LogEntry {
            id,
            user_id: who.id,
            activity_type: kind,
            details: details.into(),
            activity_date: ago(60 - id),
            ticket_id: ticket,
            user: UserSummary { ..who.summary() },
        };
    vec![
        e(
            42,
            &john(),
            ActivityType::Update,
            "updated ticket 3: status Open → In Progress",
            Some(3),
        ),
        e(
            41,
            &jane(),
            ActivityType::Create,
            "created a comment on ticket 3",
            Some(3),
        ),
        e(40, &admin(), ActivityType::Auth, "logged in", None),
    ]
}

/// Ticket 3's history as `GET /api/v1/tickets/3/history` gives it, oldest first.
pub fn history() -> Vec<HistoryEntry> {
    let e = |hours: i64, who: &User, kind: HistoryKind, from: Option<&str>, to: Option<&str>| {
        HistoryEntry {
            at: ago(hours),
            actor: HistoryActor {
                id: who.id,
                username: who.username.clone(),
                role: who.role,
            },
            kind,
            from: from.map(str::to_string),
            to: to.map(str::to_string),
        }
    };
    vec![
        e(
            15,
            &jane(),
            HistoryKind::Created,
            None,
            Some("Email sync issue"),
        ),
        e(
            14,
            &jane(),
            HistoryKind::Title,
            Some("Email sync issue"),
            Some("Email sync problem"),
        ),
        e(12, &john(), HistoryKind::Assignee, None, Some("John")),
        e(
            12,
            &john(),
            HistoryKind::Status,
            Some("Open"),
            Some("In Progress"),
        ),
        e(
            8,
            &jane(),
            HistoryKind::Description,
            Some("My phone."),
            Some("My phone stopped syncing mail this morning."),
        ),
        e(
            6,
            &john(),
            HistoryKind::Priority,
            Some("Medium"),
            Some("High"),
        ),
        e(
            5,
            &john(),
            HistoryKind::Comment,
            None,
            Some("Could you try removing and re-adding the account?"),
        ),
        e(
            3,
            &jane(),
            HistoryKind::Comment,
            None,
            Some("Done, still failing."),
        ),
    ]
}

/// Who `GET /api/v1/agents/` lists: the active agents and admins.
pub fn staff() -> Vec<UserSummary> {
    vec![admin().summary(), john().summary(), sophia().summary()]
}

/// A client that has just connected (login screen after the health check).
pub fn fresh(mode: Mode) -> State {
    let setup = Setup {
        mode,
        server: "http://tms.test:8000".into(),
        has_token: false,
    };
    let mut s = State::new(setup, Theme::dark(), now());
    let fx = app::start(&mut s);
    assert_eq!(fx, vec![Effect::Request(Request::Health)]);
    let health = tms_core::api::Health {
        status: "ok".into(),
        version: "0.1.0".into(),
        setup_required: false,
    };
    reply(&mut s, Request::Health, Reply::Health(health));
    s
}

/// Answers a request as the server would.
pub fn reply(s: &mut State, request: Request, reply: Reply) -> Vec<Effect> {
    app::update(
        s,
        Action::Response {
            request,
            result: Ok(reply),
        },
    )
}

/// Answers every request in `fx` with `answer(request)`, if it gives one.
pub fn answer_all(
    s: &mut State,
    fx: Vec<Effect>,
    answer: &dyn Fn(&Request) -> Option<Reply>,
) -> Vec<Effect> {
    let mut rest = Vec::new();
    for e in fx {
        match e {
            Effect::Request(r) => match answer(&r) {
                Some(rep) => rest.extend(reply(s, r, rep)),
                None => rest.push(Effect::Request(r)),
            },
            other => rest.push(other),
        }
    }
    rest
}

/// The server of these tests: lists, tickets, users and log entries from the fixtures.
pub fn server(r: &Request) -> Option<Reply> {
    Some(match r {
        Request::Tickets { query, .. } => {
            let items: Vec<_> = tickets()
                .into_iter()
                .filter(|t| query.status.is_empty() || query.status.contains(&t.ticket.status))
                .filter(|t| {
                    query.priority.is_empty() || query.priority.contains(&t.ticket.priority)
                })
                .filter(|t| !query.unassigned || t.ticket.assigned_agent_id.is_none())
                .filter(|t| {
                    query.assigned_agent_id.is_none()
                        || t.ticket.assigned_agent_id == query.assigned_agent_id
                })
                .collect();
            Reply::Tickets(page(items))
        }
        Request::Ticket(3) => Reply::Ticket(Box::new(detail())),
        Request::History(3) => Reply::History(history()),
        Request::Recheck { id, .. } => Reply::Ticket(Box::new(detail_of(*id)?)),
        Request::Users(_) => Reply::Users(vec![
            admin(),
            jane(),
            john(),
            User {
                is_away: true,
                ..sophia()
            },
        ]),
        Request::FindUsers(q) => Reply::Users(
            [admin(), jane(), john(), sophia()]
                .into_iter()
                .filter(|u| {
                    q.q.as_ref()
                        .is_none_or(|t| u.username.to_lowercase().contains(&t.to_lowercase()))
                })
                .collect(),
        ),
        Request::FindPeople(q) => Reply::People(
            [admin(), jane(), john(), sophia()]
                .into_iter()
                .filter(|u| {
                    q.q.as_ref()
                        .is_none_or(|t| u.username.to_lowercase().contains(&t.to_lowercase()))
                })
                .map(|u| u.summary())
                .collect(),
        ),
        Request::Staff => Reply::Staff(staff()),
        Request::Logs(_) => Reply::Logs(log_entries()),
        Request::Stats => Reply::Stats(Box::new(stats())),
        Request::Views => Reply::Views(Vec::new()),
        Request::Assignment => Reply::Assignment(assignment(AssignmentMode::LeastLoaded)),
        Request::SlaPolicy => Reply::SlaPolicy(Box::default()),
        Request::Notifications => Reply::Notifications(NotificationSettings { email: true }),
        Request::Webhooks => Reply::Webhooks(webhooks()),
        Request::Deliveries(id) => Reply::Deliveries(deliveries(*id)),
        _ => return None,
    })
}

/// The auto-assignment settings in `mode`: John has 3 tickets in work, Sophia is away.
pub fn assignment(mode: AssignmentMode) -> AssignmentSettings {
    let agent = |u: User, open, is_away| AssignmentAgent {
        id: u.id,
        username: u.username,
        is_away,
        open,
    };
    AssignmentSettings {
        mode,
        agents: vec![agent(john(), 3, false), agent(sophia(), 0, true)],
    }
}

/// Two webhooks: every event to a chat bridge, ticket creations to a billing system.
pub fn webhooks() -> Vec<Webhook> {
    let hook = |id, url: &str, events: &[WebhookEvent], hours| Webhook {
        id,
        url: url.into(),
        events: events.to_vec(),
        secret_set: true,
        created_by: 1,
        created_at: ago(hours),
    };
    vec![
        hook(
            1,
            "https://chat.example.com/hooks/helpdesk",
            WebhookEvent::ALL,
            72,
        ),
        hook(
            2,
            "https://billing.example.com/tms",
            &[WebhookEvent::TicketCreated],
            5,
        ),
    ]
}

/// The deliveries of webhook `id`, newest first: one pending retry, one sent, one failed.
pub fn deliveries(id: i64) -> Vec<WebhookDelivery> {
    let d = |n: i64, event, ticket, status, attempts, last_status, last_error: Option<&str>| {
        WebhookDelivery {
            id: id * 100 + n,
            event,
            ticket_id: Some(ticket),
            status,
            attempts,
            last_status,
            last_error: last_error.map(str::to_string),
            next_attempt_at: (status == DeliveryStatus::Pending)
                .then(|| now() + time::Duration::minutes(4)),
            created_at: ago(2),
            updated_at: ago(1),
        }
    };
    vec![
        d(
            3,
            WebhookEvent::TicketUpdated,
            3,
            DeliveryStatus::Pending,
            2,
            Some(503),
            None,
        ),
        d(
            2,
            WebhookEvent::CommentCreated,
            3,
            DeliveryStatus::Sent,
            1,
            Some(200),
            None,
        ),
        d(
            1,
            WebhookEvent::TicketCreated,
            2,
            DeliveryStatus::Failed,
            9,
            None,
            Some("connection refused"),
        ),
    ]
}

/// A client signed in as `who`, on its home screen with data loaded.
pub fn signed_in(who: User) -> State {
    let mut s = fresh(Mode::Embedded);
    let token = TokenResponse {
        access_token: "t".into(),
        token_type: "bearer".into(),
        expires_at: now(),
        user: who,
    };
    let fx = reply(&mut s, Request::Login(login_body()), session(token, None));
    let rest = answer_all(&mut s, fx, &server);
    let rest = load_drafts(&mut s, rest, Default::default());
    assert!(
        rest.iter()
            .all(|e| matches!(e, Effect::SetToken(_) | Effect::Listen { .. })),
        "unanswered: {rest:?}"
    );
    s.flash = None;
    s
}

/// A session as a login (with the device token the server set, if any) or signup answers.
pub fn session(reply: TokenResponse, device: Option<&str>) -> Reply {
    Reply::Session(Box::new(tms_tui::api::Session {
        reply,
        device: device.map(str::to_string),
    }))
}

pub fn login_body() -> tms_core::api::LoginRequest {
    tms_core::api::LoginRequest {
        email: "x@example.com".into(),
        password: "Hello123.".into(),
    }
}

pub fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Types `text` one character at a time; returns every effect.
pub fn typing(s: &mut State, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| app::update(s, key(KeyCode::Char(c))))
        .collect()
}

/// The requests among `fx`.
pub fn requests(fx: &[Effect]) -> Vec<Request> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Request(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// The one request among `fx`.
pub fn one(fx: &[Effect]) -> Request {
    let mut r = requests(fx);
    assert_eq!(r.len(), 1, "expected one request: {fx:?}");
    r.remove(0)
}

pub fn press(s: &mut State, code: KeyCode) -> Vec<Effect> {
    app::update(s, key(code))
}

pub fn ch(s: &mut State, c: char) -> Vec<Effect> {
    press(s, KeyCode::Char(c))
}

pub fn fail(s: &mut State, request: Request, status: u16, detail: &str) -> Vec<Effect> {
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

pub fn queue(s: &State) -> &tms_tui::screens::QueueState {
    match &s.screen {
        Screen::Queue(q) => q,
        other => panic!("not on the queue: {other:?}"),
    }
}

/// Answers a `LoadDrafts` among `fx` with `drafts`, as the driver does; returns the rest.
pub fn load_drafts(s: &mut State, fx: Vec<Effect>, drafts: SavedDrafts) -> Vec<Effect> {
    let mut rest = Vec::new();
    for e in fx {
        match e {
            Effect::LoadDrafts { user_id } => rest.extend(app::update(
                s,
                Action::DraftsLoaded {
                    user_id,
                    drafts: drafts.clone(),
                },
            )),
            other => rest.push(other),
        }
    }
    rest
}

/// Ticket `id` of the fixtures as `GET /api/v1/tickets/{id}` gives it.
pub fn detail_of(id: i64) -> Option<TicketDetail> {
    if id == 3 {
        return Some(detail());
    }
    let item = tickets().into_iter().find(|t| t.ticket.id == id)?;
    Some(TicketDetail {
        ticket: item.ticket,
        requester: item.requester,
        assigned_agent: item.assigned_agent,
        comments: Vec::new(),
    })
}

/// A view of John's (user 3) keeping `query`, counted 2.
pub fn view(id: i64, name: &str, query: &str) -> tms_core::api::View {
    tms_core::api::View {
        id,
        user_id: john().id,
        name: name.into(),
        query: query.into(),
        shared: false,
        created_at: ago(2),
        updated_at: ago(2),
        count: 2,
    }
}

/// The dashboard's statistics: a month of tickets filed and resolved, John with most open.
pub fn stats() -> tms_core::api::Stats {
    use tms_core::api::{
        AgentOpen, DayCount, PriorityCounts, SlaCounts, Stats, StatusCounts, TicketBrief,
    };
    let day = |i: i64, count: u64| DayCount {
        date: (now() - time::Duration::days(29 - i)).date().to_string(),
        count,
    };
    let brief = |id: i64, title: &str, status, priority, days: i64| TicketBrief {
        id,
        title: title.into(),
        status,
        priority,
        creation_date: ago(24 * days),
    };
    Stats {
        by_status: StatusCounts {
            open: 12,
            in_progress: 5,
            waiting: 2,
            resolved: 131,
        },
        by_priority: PriorityCounts {
            low: 40,
            medium: 88,
            high: 22,
        },
        created_per_day: (0..30).map(|i| day(i, (i as u64 * 7) % 9)).collect(),
        resolved_per_day: (0..30).map(|i| day(i, (i as u64 * 5) % 7)).collect(),
        open_per_agent: vec![
            AgentOpen {
                agent: john().summary(),
                open: 9,
            },
            AgentOpen {
                agent: sophia().summary(),
                open: 4,
            },
            AgentOpen {
                agent: admin().summary(),
                open: 1,
            },
        ],
        oldest_open: vec![
            brief(
                3,
                "Printer on floor 2 jams",
                Status::InProgress,
                Priority::High,
                41,
            ),
            brief(
                7,
                "VPN drops every hour",
                Status::Open,
                Priority::Medium,
                20,
            ),
            brief(
                12,
                "New laptop for the intern",
                Status::Open,
                Priority::Low,
                6,
            ),
        ],
        sla: Some(SlaCounts {
            at_risk: 2,
            breached: 3,
        }),
    }
}
