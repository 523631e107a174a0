//! Saved views as queue tabs (docs/API.md, "Saved views"): a view's query read back, the tab
//! in front saved with its filters and sort as a new view, a view's tab deleted.

use super::{QueueState, TABS};
use crate::app::Request;
use crate::app::overlay::{Confirm, ConfirmFor, Overlay};
use crate::screens::Out;
use tms_core::api::{NewView, TicketQuery, View};

/// The longest name of a view.
const NAME_MAX: usize = 64;

/// A view's query as the list takes it (the server checked it when the view was saved).
pub fn query_of(view: &View) -> TicketQuery {
    let raw = view.query.trim().trim_start_matches('?');
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect();
    TicketQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap_or_default()
}

/// A view's name as the server takes it: trimmed, 1–64 characters on one line.
fn view_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    let n = name.chars().count();
    if n == 0 || n > NAME_MAX || name.chars().any(char::is_control) {
        return Err(format!("a name is 1 to {NAME_MAX} characters on one line"));
    }
    Ok(name.to_string())
}

impl QueueState {
    /// The request that saves the tab in front, with its filters and sort, as view `name`.
    pub fn new_view(&self, name: &str, shared: bool) -> Result<Request, String> {
        let mut q = self.query();
        // A view keeps filters and a sort, not a position in the list.
        q.page = 1;
        q.after = None;
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(q.to_pairs())
            .finish();
        Ok(Request::CreateView(NewView {
            name: view_name(name)?,
            query,
            shared,
        }))
    }

    /// Asks before deleting the view of the tab in front.
    pub(super) fn ask_to_delete(&self) -> Vec<Out> {
        let Some(v) = self.current_view() else {
            return vec![Out::Info(
                "This tab is built in: only a saved view's tab can be deleted.".into(),
            )];
        };
        let question = if v.shared {
            format!(
                "Delete the shared view “{}”? Every staff member loses its tab.",
                v.name
            )
        } else {
            format!("Delete the view “{}”?", v.name)
        };
        vec![Out::Show(Overlay::Confirm(Confirm::new(
            question,
            ConfirmFor::DeleteView(v.id),
        )))]
    }

    /// The views as the server lists them now. The tab in front stays on its view (read again
    /// if it was changed elsewhere), or goes to the first tab if the view is gone.
    pub(super) fn set_views(&mut self, views: Vec<View>) -> Vec<Out> {
        let before = self.current_view().cloned();
        self.views = views;
        let Some(before) = before else {
            return Vec::new();
        };
        match self.views.iter().position(|v| v.id == before.id) {
            Some(i) => {
                self.tab = TABS.len() + i;
                if self.views[i].query == before.query {
                    Vec::new()
                } else {
                    self.open_tab(self.tab)
                }
            }
            None => {
                let mut out = vec![Out::Info(format!(
                    "The view “{}” was deleted.",
                    before.name
                ))];
                out.extend(self.open_tab(0));
                out
            }
        }
    }

    /// A view just saved: its tab in front, showing what it keeps.
    pub(super) fn saved(&mut self, view: View) -> Vec<Out> {
        self.views.retain(|v| v.id != view.id);
        let at = self.views.partition_point(|v| v.name <= view.name);
        let said = format!("View “{}” saved as tab {}.", view.name, TABS.len() + at + 1);
        self.views.insert(at, view);
        let mut out = vec![Out::Info(said)];
        out.extend(self.open_tab(TABS.len() + at));
        out
    }

    /// A view deleted: its tab goes; if it was in front, the tab before it comes.
    pub(super) fn deleted(&mut self, view: &View) -> Vec<Out> {
        let mut out = vec![Out::Info(format!("View “{}” deleted.", view.name))];
        let gone = self.current_view().is_some_and(|v| v.id == view.id);
        let rest = self.views.iter().filter(|v| v.id != view.id).cloned();
        if gone {
            self.views = rest.collect();
            out.extend(self.open_tab(self.tab.saturating_sub(1)));
        } else {
            out.extend(self.set_views(rest.collect()));
        }
        out
    }
}
