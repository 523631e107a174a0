//! Actions that could not reach the server (take, status, priority, assign, deletions, user
//! changes): each is said out loud, kept, and sent again on request — as comments already are
//! through their drafts.

use super::keymap::{self, Cmd, Ctx};
use super::{Effect, Request, State};

/// Whether a request that found no server is kept to be sent again. Comments and
/// descriptions are kept as drafts instead, and forms keep their own fields.
pub fn retriable(request: &Request) -> bool {
    match request {
        Request::UpdateTicket(_, change, _) => change.description.is_none(),
        Request::Recheck { .. }
        | Request::DeleteTicket(_)
        | Request::DeleteComment { .. }
        | Request::UpdateUser(..)
        | Request::DeleteUser(_)
        | Request::ClearLogs => true,
        _ => false,
    }
}

/// What the request would have done, in a few words.
pub fn describe(request: &Request) -> String {
    match request {
        Request::UpdateTicket(id, ..) | Request::Recheck { id, .. } => {
            format!("the change to ticket {id}")
        }
        Request::DeleteTicket(id) => format!("deleting ticket {id}"),
        Request::DeleteComment { comment_id, .. } => format!("deleting comment {comment_id}"),
        Request::UpdateUser(id, _) => format!("the change to user {id}"),
        Request::DeleteUser(id) => format!("deactivating user {id}"),
        Request::ClearLogs => "clearing the activity log".into(),
        _ => "the request".into(),
    }
}

/// The key that sends kept actions again, as the keymap writes it.
pub fn retry_key() -> String {
    keymap::key_for(Ctx::Global, Cmd::Retry)
}

/// Keeps a request that found no server, and says so.
pub fn keep(state: &mut State, request: &Request) {
    if !state.unsent.contains(request) {
        state.unsent.push(request.clone());
    }
    state.error(format!(
        "Not sent, the server is unreachable: {}. {} sends it again.",
        describe(request),
        retry_key()
    ));
}

/// Sends every kept action again (each is kept anew if it fails the same way).
pub fn retry(state: &mut State) -> Vec<Effect> {
    if state.unsent.is_empty() {
        state.info("Nothing is waiting to be sent.");
        return Vec::new();
    }
    std::mem::take(&mut state.unsent)
        .into_iter()
        .map(Effect::Request)
        .collect()
}
