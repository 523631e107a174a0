//! The impure half of the Elm loop: reads the terminal, runs effects as background tasks,
//! feeds their results back as actions, and draws after every change.

use crate::api::ApiClient;
use crate::api::dispatch::dispatch;
use crate::api::events;
use crate::app::drafts::SavedDrafts;
use crate::app::{self, Action, Effect, State};
use crate::config::{DraftStore, SessionStore};
use crate::{editor, terminal, ui};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use std::time::Duration;
use tokio::sync::mpsc;

/// Where the session token and the device tokens are remembered between runs (not in demo
/// mode).
pub struct TokenSink {
    pub store: Option<SessionStore>,
    pub key: String,
}

impl TokenSink {
    fn save(&self, token: Option<&str>) {
        if let Some(store) = &self.store
            && let Err(e) = store.set(&self.key, token)
        {
            tracing::warn!("could not save the session: {e}");
        }
    }

    /// Hands `client` the device tokens kept for this server.
    pub fn load_devices(&self, client: &mut ApiClient) {
        let kept = self.store.as_ref().map(|s| s.devices(&self.key));
        for (account, token) in kept.unwrap_or_default() {
            client.set_device(&account, token);
        }
    }

    /// Uses the device token a login returned for `account` from now on, and keeps it.
    pub fn keep_device(&self, client: &mut ApiClient, account: &str, token: String) {
        if let Some(store) = &self.store
            && let Err(e) = store.set_device(&self.key, account, &token)
        {
            tracing::warn!("could not keep the device token: {e}");
        }
        client.set_device(account, token);
    }
}

/// Where unsent drafts are kept between runs, per server and user (not in demo mode).
pub struct DraftSink {
    pub store: Option<DraftStore>,
    /// The server part of the key (the session key).
    pub server: String,
}

impl DraftSink {
    fn key(&self, user_id: i64) -> String {
        format!("{}#{user_id}", self.server)
    }

    fn load(&self, user_id: i64) -> SavedDrafts {
        self.store
            .as_ref()
            .map(|s| s.get(&self.key(user_id)))
            .unwrap_or_default()
    }

    fn save(&self, user_id: i64, drafts: &SavedDrafts) {
        let kept = (!drafts.is_empty()).then_some(drafts);
        if let Some(store) = &self.store
            && let Err(e) = store.set(&self.key(user_id), kept)
        {
            tracing::warn!("could not keep the drafts: {e}");
        }
    }
}

/// What the loop needs from the terminal: a place to draw frames, its keys and pastes, and a
/// way to lend it to `$EDITOR`. [`Tty`] is the real one; the client benchmark
/// (`benches/client`) drives the same loop with one that times keys and frames.
pub trait Frontend {
    /// Draws `state` as one frame.
    fn draw(&mut self, state: &State) -> std::io::Result<()>;
    /// The next terminal event; `None` when input has ended.
    fn next_event(&mut self) -> impl Future<Output = Option<std::io::Result<Event>>> + Send;
    /// Hands the terminal to `$EDITOR` with `text` and takes it back: the editor's result.
    fn edit(&mut self, text: &str) -> std::io::Result<Result<String, String>>;
    /// Sees every action just before it is applied (the benchmark counts them).
    fn observe(&mut self, _action: &Action) {}
}

/// The user's terminal (crossterm).
pub struct Tty {
    term: DefaultTerminal,
    events: Option<EventStream>,
}

impl Tty {
    pub fn new(term: DefaultTerminal) -> Self {
        Self {
            term,
            events: Some(EventStream::new()),
        }
    }
}

impl Frontend for Tty {
    fn draw(&mut self, state: &State) -> std::io::Result<()> {
        self.term.draw(|f| ui::view(f, state)).map(|_| ())
    }

    async fn next_event(&mut self) -> Option<std::io::Result<Event>> {
        match &mut self.events {
            Some(events) => events.next().await,
            None => std::future::pending().await,
        }
    }

    fn edit(&mut self, text: &str) -> std::io::Result<Result<String, String>> {
        // Nothing may read the terminal while the editor has it.
        self.events = None;
        terminal::leave();
        let result = editor::edit(text);
        self.term = terminal::enter();
        self.term.clear()?;
        self.events = Some(EventStream::new());
        Ok(result)
    }
}

/// Runs the client until the user quits.
pub async fn run(
    term: DefaultTerminal,
    client: ApiClient,
    state: State,
    sinks: (TokenSink, DraftSink),
) -> std::io::Result<()> {
    run_on(&mut Tty::new(term), client, state, sinks).await
}

/// Runs the client on `front` until the user quits.
pub async fn run_on(
    front: &mut impl Frontend,
    mut client: ApiClient,
    mut state: State,
    sinks: (TokenSink, DraftSink),
) -> std::io::Result<()> {
    let (tokens, drafts) = sinks;
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let first = app::start(&mut state);
    let mut pending = first;
    // The session's event stream, while one is open; aborting it closes its connection.
    let mut stream: Option<tokio::task::JoinHandle<()>> = None;
    loop {
        for effect in std::mem::take(&mut pending) {
            match effect {
                Effect::Request(request) => {
                    let c = client.clone();
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let result = dispatch(&c, &request).await;
                        let _ = tx.send(Action::Response { request, result });
                    });
                }
                Effect::SetToken(token) => {
                    tokens.save(token.as_deref());
                    client.set_token(token);
                }
                Effect::KeepDevice { account, token } => {
                    tokens.keep_device(&mut client, &account, token);
                }
                Effect::OpenEditor(text) => {
                    let result = front.edit(&text)?;
                    let _ = tx.send(Action::EditorDone(result));
                }
                Effect::LoadDrafts { user_id } => {
                    let _ = tx.send(Action::DraftsLoaded {
                        user_id,
                        drafts: drafts.load(user_id),
                    });
                }
                Effect::SaveDrafts { user_id, drafts: d } => drafts.save(user_id, &d),
                Effect::Listen { stream: number } => {
                    let tx = tx.clone();
                    let task = events::listen(client.clone(), move |news| {
                        tx.send(Action::Live {
                            stream: number,
                            news,
                        })
                        .is_ok()
                    });
                    if let Some(old) = stream.replace(tokio::spawn(task)) {
                        old.abort();
                    }
                }
                Effect::StopListening => {
                    if let Some(old) = stream.take() {
                        old.abort();
                    }
                }
                Effect::Wake(after, alarm) => {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(after).await;
                        let _ = tx.send(Action::Wake(alarm));
                    });
                }
                Effect::Quit => return Ok(()),
            }
        }
        if state.quit {
            return Ok(());
        }
        front.draw(&state)?;
        let action = tokio::select! {
            ev = front.next_event() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => Action::Key(k),
                Some(Ok(Event::Paste(s))) => Action::Paste(s),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            Some(a) = rx.recv() => a,
            _ = tick.tick() => Action::Tick(tms_core::timefmt::now()),
        };
        front.observe(&action);
        pending = app::update(&mut state, action);
    }
}
