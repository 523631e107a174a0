//! Keys to the right place, and navigation between screens: the back stack, going home,
//! opening a screen from the command line, leaving a session.

use super::keymap::{self, Cmd};
use super::overlay::{self, Confirm, ConfirmFor, Overlay};
use super::{Effect, State, drafts, gate};
use crate::screens::{LoginState, Out, QueueKind, QueueState, Screen};
use crate::theme::text;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn is_ctrl_c(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char('c' | 'C'))
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if is_ctrl_c(&key) {
        return request_quit(state);
    }
    // A terminal reports Esc quickly followed by a key as Alt+key; outside text it was both.
    let split = key.modifiers == KeyModifiers::ALT && !state.ctx().is_text();
    if let (KeyCode::Char(c), true) = (key.code, split) {
        let mut fx = on_key(state, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        if !state.quit && !fx.contains(&Effect::Quit) {
            fx.extend(on_key(
                state,
                KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
            ));
        }
        return fx;
    }
    if state.overlay.is_some() {
        return overlay::on_key(state, key);
    }
    let cmd = keymap::lookup(state.screen.ctx(), &key);
    match cmd {
        Some(Cmd::Quit) => return request_quit(state),
        Some(Cmd::Leave) if state.stack.is_empty() => return request_quit(state),
        Some(Cmd::Leave) => return back(state),
        Some(Cmd::Retry) => return super::unsent::retry(state),
        Some(Cmd::Help) => {
            state.overlay = Some(Overlay::Help { scroll: 0 });
            return Vec::new();
        }
        Some(Cmd::CommandLine) => {
            if state.user.is_some() {
                state.overlay = Some(Overlay::Command(Default::default()));
            }
            return Vec::new();
        }
        Some(c) if !gate::allowed(state, &state.screen, c) => {
            state.error(text::NOT_ALLOWED);
            return Vec::new();
        }
        _ => {}
    }
    with_screen(state, |s, st| s.on_key(cmd, key, st))
}

/// Pasted text goes to the focused field, with the terminal's CR line endings made LF.
pub fn on_paste(state: &mut State, text: &str) -> Vec<Effect> {
    let text = &crate::widgets::text_area::unix_newlines(text);
    match &mut state.overlay {
        Some(Overlay::Compose(c)) => c.area.insert_str(text),
        Some(Overlay::Prompt(p)) => p.input.insert_str(text),
        Some(Overlay::Command(c)) => c.input.insert_str(text),
        Some(_) => {}
        None => state.screen.on_paste(text),
    }
    Vec::new()
}

/// Lends the screen in front to `f` (which also reads the rest of the state), then applies
/// what it asked for.
pub fn with_screen(
    state: &mut State,
    f: impl FnOnce(&mut Screen, &State) -> Vec<Out>,
) -> Vec<Effect> {
    let mut screen = std::mem::replace(&mut state.screen, Screen::Boot);
    let outs = f(&mut screen, state);
    state.screen = screen;
    apply(state, outs)
}

/// Reads again what the screen in front shows.
pub fn refresh_current(state: &mut State) -> Vec<Effect> {
    let mut screen = std::mem::replace(&mut state.screen, Screen::Boot);
    let reqs = screen.refresh(state);
    state.screen = screen;
    reqs.into_iter().map(Effect::Request).collect()
}

/// Carries out what a screen returned.
pub fn apply(state: &mut State, outs: Vec<Out>) -> Vec<Effect> {
    let mut fx = Vec::new();
    for out in outs {
        match out {
            Out::Req(r) => fx.push(Effect::Request(r)),
            Out::Fx(e) => fx.push(e),
            Out::Push(s) => {
                let old = std::mem::replace(&mut state.screen, s);
                state.stack.push(old);
                fx.extend(refresh_current(state));
            }
            Out::Replace(s) => {
                if matches!(state.screen, Screen::NewTicket(_)) {
                    state.ticket_draft = None;
                }
                state.screen = s;
                fx.extend(refresh_current(state));
            }
            Out::Back => fx.extend(back(state)),
            Out::Show(o) => state.overlay = Some(o),
            Out::Info(t) => state.info(t),
            Out::Error(t) => state.error(t),
        }
    }
    fx
}

/// Leaves the screen in front; at the bottom of the stack there is nowhere to go back to
/// (quitting is `q`, Ctrl-C or `:quit`, never Esc).
fn back(state: &mut State) -> Vec<Effect> {
    let Some(prev) = state.stack.pop() else {
        return Vec::new();
    };
    let old = std::mem::replace(&mut state.screen, prev);
    if let Screen::NewTicket(form) = old {
        if form.has_content() {
            state.ticket_draft = Some(form);
            state.info(text::DRAFT_KEPT);
        } else {
            state.ticket_draft = None;
        }
    }
    refresh_current(state)
}

/// The signed-in user's home: the queue (staff) or their own tickets (requesters).
pub fn go_home(state: &mut State) -> Vec<Effect> {
    home_tab(state, 0)
}

/// Home, on queue tab `tab` (ignored for requesters).
pub fn home_tab(state: &mut State, tab: usize) -> Vec<Effect> {
    let Some(user) = &state.user else {
        return Vec::new();
    };
    let kind = if user.role.is_staff() {
        QueueKind::Staff
    } else {
        QueueKind::Requester
    };
    let mut q = QueueState::new(kind, user.id);
    if kind == QueueKind::Staff {
        q.tab = tab;
    }
    if let Screen::NewTicket(form) = &state.screen
        && form.has_content()
    {
        state.ticket_draft = Some(form.clone());
    }
    state.stack.clear();
    state.overlay = None;
    state.screen = Screen::Queue(q);
    refresh_current(state)
}

/// A command of the queue's (`:save-view`), run as its key would be.
pub fn queue_command(state: &mut State, cmd: Cmd) -> Vec<Effect> {
    if !matches!(state.screen, Screen::Queue(_)) {
        state.error("Views are tabs of the queue: go back to it first.");
        return Vec::new();
    }
    if !gate::allowed(state, &state.screen, cmd) {
        state.error(text::NOT_ALLOWED);
        return Vec::new();
    }
    with_screen(state, |s, st| match s {
        Screen::Queue(q) => q.on_key(Some(cmd), st),
        _ => Vec::new(),
    })
}

/// Opens `screen` over the current one, or (`top_level`) over the home screen.
pub fn open_on_top(state: &mut State, screen: Screen, top_level: bool) -> Vec<Effect> {
    let mut fx = Vec::new();
    if top_level {
        fx.extend(go_home(state));
        fx.clear();
    }
    fx.extend(apply(state, vec![Out::Push(screen)]));
    fx
}

/// Ends the session here and on the server.
pub fn logout(state: &mut State) -> Vec<Effect> {
    let fx = vec![
        Effect::Request(super::Request::Logout),
        Effect::SetToken(None),
    ];
    to_login(state, Some("Logged out.".into()));
    fx
}

/// Leaves tms, unless text is unsent: then asks first (a second Ctrl-C, or `y`, leaves).
/// Text still open in an editor becomes a draft either way, so nothing typed is lost.
pub fn request_quit(state: &mut State) -> Vec<Effect> {
    let asked = matches!(
        &state.overlay,
        Some(Overlay::Confirm(c)) if c.action == ConfirmFor::Quit
    );
    drafts::stash_open_editors(state);
    let n = drafts::unsent(state);
    if asked || n == 0 || state.user.is_none() {
        return quit(state);
    }
    state.overlay = Some(Overlay::Confirm(Confirm::new(
        text::quit_with_drafts(n, state.setup.mode != super::Mode::Demo),
        ConfirmFor::Quit,
    )));
    Vec::new()
}

/// Leaves tms now, keeping what is still open in an editor as drafts.
pub fn quit(state: &mut State) -> Vec<Effect> {
    drafts::stash_open_editors(state);
    vec![Effect::Quit]
}

/// The server ended the session (expired, revoked, deactivated): back to the login screen,
/// and the token forgotten.
pub fn session_ended(state: &mut State) -> Vec<Effect> {
    to_login(state, Some(text::SESSION_ENDED.into()));
    state.setup.has_token = false;
    vec![Effect::SetToken(None)]
}

/// Back to the login screen with a message; forgets the user, their drafts (stored already)
/// and every screen.
pub fn to_login(state: &mut State, message: Option<String>) {
    state.user = None;
    state.unsent.clear();
    state.drafts.clear();
    state.ticket_draft = None;
    state.persisted = None;
    state.stack.clear();
    state.overlay = None;
    state.staff.clear();
    state.screen = Screen::Login(LoginState::new(message));
}
