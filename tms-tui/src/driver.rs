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

/// Runs the client until the user quits.
pub async fn run(
    mut term: DefaultTerminal,
    mut client: ApiClient,
    mut state: State,
    sinks: (TokenSink, DraftSink),
) -> std::io::Result<()> {
    let (tokens, drafts) = sinks;
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let mut events = EventStream::new();
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
                    drop(events);
                    terminal::leave();
                    let result = editor::edit(&text);
                    term = terminal::enter();
                    term.clear()?;
                    events = EventStream::new();
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
                Effect::Wake(after) => {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(after).await;
                        let _ = tx.send(Action::Wake);
                    });
                }
                Effect::Quit => return Ok(()),
            }
        }
        if state.quit {
            return Ok(());
        }
        term.draw(|f| ui::view(f, &state))?;
        let action = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => Action::Key(k),
                Some(Ok(Event::Paste(s))) => Action::Paste(s),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            Some(a) = rx.recv() => a,
            _ = tick.tick() => Action::Tick(tms_core::timefmt::now()),
        };
        pending = app::update(&mut state, action);
    }
}
