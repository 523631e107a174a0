//! The application state and the pure `update` function at the heart of the Elm loop.

pub mod command;
pub mod drafts;
pub mod gate;
pub mod keymap;
pub mod live;
pub mod msg;
pub mod overlay;
mod respond;
mod route;
pub mod unsent;

pub use msg::{Action, Alarm, EditorResult, Effect, ListSlot, Reply, Request};

use crate::screens::{Screen, TicketDraft};
use crate::theme::Theme;
use overlay::{DraftKey, Overlay};
use std::collections::{BTreeMap, HashMap};
use tms_core::api::{TagCount, User, UserSummary};
use tms_core::timefmt::Timestamp;

/// How the client reached its server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Server in-process on the user's database.
    Embedded,
    /// Server in-process on a fresh demo database.
    Demo,
    /// A shared `tms-server`.
    Remote,
}

/// Facts fixed at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    pub mode: Mode,
    /// Shown on the login screen and in the header.
    pub server: String,
    /// A saved token is being tried.
    pub has_token: bool,
}

/// A short message under the screen, cleared after a few seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub at: Timestamp,
}

/// The server stopped answering; the client retries until it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offline {
    pub reason: String,
    pub since: Timestamp,
    pub last_try: Timestamp,
}

/// Everything the client knows and shows.
#[derive(Debug, Clone)]
pub struct State {
    pub setup: Setup,
    pub theme: Theme,
    pub now: Timestamp,
    pub user: Option<User>,
    pub screen: Screen,
    /// Screens to go back to, innermost last.
    pub stack: Vec<Screen>,
    pub overlay: Option<Overlay>,
    pub offline: Option<Offline>,
    pub flash: Option<Flash>,
    /// Requests sent and not yet answered.
    pub in_flight: usize,
    /// Actions that found no server, to send again on request.
    pub unsent: Vec<Request>,
    /// Who tickets may be assigned to, as the server last listed them (`GET /api/v1/agents/`).
    pub staff: BTreeMap<i64, UserSummary>,
    /// The tags in use as the server last listed them, most used first (for completion).
    pub tags: Vec<TagCount>,
    /// Text typed into an editor that was closed before it was sent.
    pub drafts: HashMap<DraftKey, String>,
    /// A new ticket left half-written.
    pub ticket_draft: Option<TicketDraft>,
    /// The drafts as last stored; `None` until the signed-in user's drafts were read back.
    pub persisted: Option<drafts::SavedDrafts>,
    pub server_version: Option<String>,
    /// The event stream that keeps what is shown up to date.
    pub live: live::Live,
    pub quit: bool,
}

/// Seconds a flash message stays up.
const FLASH_SECS: i64 = 6;
/// Seconds between reconnection attempts.
const RETRY_SECS: i64 = 3;

impl State {
    pub fn new(setup: Setup, theme: Theme, now: Timestamp) -> Self {
        Self {
            setup,
            theme,
            now,
            user: None,
            screen: Screen::Boot,
            stack: Vec::new(),
            overlay: None,
            offline: None,
            flash: None,
            in_flight: 0,
            unsent: Vec::new(),
            staff: BTreeMap::new(),
            tags: Vec::new(),
            drafts: HashMap::new(),
            ticket_draft: None,
            persisted: None,
            server_version: None,
            live: live::Live::default(),
            quit: false,
        }
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            error: false,
            at: self.now,
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            error: true,
            at: self.now,
        });
    }

    /// The keyboard context in focus: the overlay's, else the screen's.
    pub fn ctx(&self) -> keymap::Ctx {
        match &self.overlay {
            Some(o) => o.ctx(),
            None => self.screen.ctx(),
        }
    }

    /// Replaces who can be assigned tickets with the server's list.
    pub fn set_staff(&mut self, users: &[UserSummary]) {
        self.staff = users
            .iter()
            .filter(|u| u.role.is_staff())
            .map(|u| (u.id, u.clone()))
            .collect();
    }
}

/// The first effects: check the server and, with a saved token, who we are.
pub fn start(state: &mut State) -> Vec<Effect> {
    let mut fx = vec![Effect::Request(Request::Health)];
    if state.setup.has_token {
        fx.push(Effect::Request(Request::Me));
    }
    count(state, fx)
}

/// The pure heart of the client: applies one action, returns the work to do.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let (place, flash) = (place(state), state.flash.clone());
    let session = state.user.as_ref().map(|u| u.id);
    let fx = match action {
        Action::Key(key) => route::on_key(state, key),
        Action::Paste(text) => route::on_paste(state, &text),
        Action::Tick(now) => on_tick(state, now),
        Action::Response { request, result } => {
            state.in_flight = state.in_flight.saturating_sub(1);
            respond::on_response(state, request, result)
        }
        Action::EditorDone(result) => overlay::on_editor_done(state, result),
        Action::DraftsLoaded { user_id, drafts } => {
            drafts::restore(state, user_id, drafts);
            Vec::new()
        }
        Action::Live { stream, news } => live::on_news(state, stream, news),
        Action::Wake(alarm) => route::with_screen(state, |s, _| s.on_wake(alarm)),
    };
    if place != self::place(state) && state.flash == flash {
        // A message about the screen left behind is not about the one in front.
        state.flash = None;
    }
    let mut fx = count(state, fx);
    // After the token changes in `fx`, so a new stream opens with the new session's token.
    fx.extend(live::follow_session(state, session));
    if let Some(save) = drafts::persist(state) {
        // Stored before anything else, so a quit in the same batch keeps them.
        fx.insert(0, save);
    }
    fx
}

/// Which screen is in front, to tell when it changes.
fn place(state: &State) -> (keymap::Ctx, usize) {
    (state.screen.ctx(), state.stack.len())
}

fn count(state: &mut State, fx: Vec<Effect>) -> Vec<Effect> {
    state.in_flight += fx
        .iter()
        .filter(|e| matches!(e, Effect::Request(_)))
        .count();
    if fx.contains(&Effect::Quit) {
        state.quit = true;
    }
    fx
}

fn on_tick(state: &mut State, now: Timestamp) -> Vec<Effect> {
    state.now = now;
    if state
        .flash
        .as_ref()
        .is_some_and(|f| (now - f.at).whole_seconds() >= FLASH_SECS)
    {
        state.flash = None;
    }
    match &mut state.offline {
        Some(off) if (now - off.last_try).whole_seconds() >= RETRY_SECS => {
            off.last_try = now;
            vec![Effect::Request(Request::Health)]
        }
        _ => Vec::new(),
    }
}
