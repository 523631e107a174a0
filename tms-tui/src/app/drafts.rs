//! Unsent text: comment and description drafts and the half-written new ticket. They are kept
//! per server and user between runs (the driver stores what [`persist`] hands it), and leaving
//! with any of them asks first.

use super::overlay::{DraftKey, Overlay};
use super::{Effect, State};
use crate::screens::{NewTicketState, Screen};
use crate::widgets::{TextArea, TextInput};
use serde::{Deserialize, Serialize};
use tms_core::Priority;
use tms_core::api::UserSummary;

/// What is kept on disk for one user of one server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedDrafts {
    /// Editor texts, in key order.
    #[serde(default)]
    pub texts: Vec<(DraftKey, String)>,
    #[serde(default)]
    pub ticket: Option<SavedTicket>,
}

impl SavedDrafts {
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty() && self.ticket.is_none()
    }
}

/// A new ticket left half-written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTicket {
    pub title: String,
    pub priority: Priority,
    pub description: String,
    #[serde(default)]
    pub requester: Option<UserSummary>,
}

impl SavedTicket {
    pub fn of(form: &NewTicketState) -> Self {
        Self {
            title: form.title.text().to_string(),
            priority: form.priority,
            description: form.description.text(),
            requester: form.requester.clone(),
        }
    }

    pub fn form(&self) -> NewTicketState {
        NewTicketState {
            title: TextInput::new(&self.title),
            priority: self.priority,
            description: TextArea::new(&self.description),
            requester: self.requester.clone(),
            ..NewTicketState::default()
        }
    }
}

/// The drafts as they would be stored now.
pub fn snapshot(state: &State) -> SavedDrafts {
    let mut texts: Vec<(DraftKey, String)> =
        state.drafts.iter().map(|(k, t)| (*k, t.clone())).collect();
    texts.sort();
    SavedDrafts {
        texts,
        ticket: state.ticket_draft.as_ref().map(SavedTicket::of),
    }
}

/// Drafts read back for the signed-in user: added to what this run already has.
pub fn restore(state: &mut State, user_id: i64, saved: SavedDrafts) {
    if state.user.as_ref().map(|u| u.id) != Some(user_id) {
        return;
    }
    state.persisted = Some(saved.clone());
    for (key, text) in saved.texts {
        state.drafts.entry(key).or_insert(text);
    }
    if state.ticket_draft.is_none() {
        state.ticket_draft = saved.ticket.map(|t| t.form());
    }
}

/// The effect that stores the drafts, when they changed since last stored. Nothing is stored
/// before the user's drafts were read back, so an empty start never overwrites them.
pub fn persist(state: &mut State) -> Option<Effect> {
    let user_id = state.user.as_ref()?.id;
    let now = snapshot(state);
    if state.persisted.as_ref()? == &now {
        return None;
    }
    state.persisted = Some(now.clone());
    Some(Effect::SaveDrafts {
        user_id,
        drafts: now,
    })
}

/// Moves text still open in an editor into the drafts: the composer's (which closes) and the
/// new-ticket form's.
pub fn stash_open_editors(state: &mut State) {
    if let Some(Overlay::Compose(c)) = &state.overlay {
        let text = c.area.text();
        if !c.area.is_blank() && text != c.original {
            state.drafts.insert(c.key, text);
        }
        state.overlay = None;
    }
    let forms = std::iter::once(&state.screen).chain(state.stack.iter());
    let form = forms
        .filter_map(|s| match s {
            Screen::NewTicket(f) if f.has_content() => Some(f.clone()),
            _ => None,
        })
        .next();
    if form.is_some() {
        state.ticket_draft = form;
    }
}

/// How many pieces of unsent text there are.
pub fn unsent(state: &State) -> usize {
    state.drafts.len() + usize::from(state.ticket_draft.is_some())
}
