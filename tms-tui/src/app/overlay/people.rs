//! Pickers of people that narrow as you type: assignees (the agents the server listed,
//! narrowed here) and users (searched on the server as you type; admins), in natural order.

use super::{Overlay, Pick, PickFor, Picker};
use crate::app::{Effect, Request, State};
use crate::sort::natural_cmp;
use crate::widgets::TextInput;
use tms_core::api::{User, UserQuery, UserSummary};

/// Whether `typed` (lower case) is part of the person's name or email.
fn matches(typed: Option<&str>, u: &UserSummary) -> bool {
    typed
        .is_none_or(|t| u.username.to_lowercase().contains(t) || u.email.to_lowercase().contains(t))
}

fn by_name(people: &mut [UserSummary]) {
    people.sort_by(|a, b| natural_cmp(&a.username, &b.username));
}

/// Assignees: nobody, then the signed-in agent, then every other agent or admin the server
/// listed (the list is refreshed each time the picker opens; see [`staff_changed`]), narrowed
/// to what was typed.
pub fn assign_picker(state: &State, id: i64, current: Option<i64>) -> Overlay {
    let mut p = Picker::new(
        &format!("Assign ticket {id} to"),
        assignees(state, None),
        Pick::Agent(current),
        PickFor::Assign(id),
    );
    p.search = Some(TextInput::default());
    Overlay::Picker(p)
}

fn assignees(state: &State, typed: Option<&str>) -> Vec<(String, Pick)> {
    let typed = typed.map(str::to_lowercase);
    let typed = typed.as_deref();
    let me = state.user.as_ref().filter(|u| u.role.is_staff());
    let mut items = Vec::new();
    if typed.is_none() {
        items.push(("— nobody (unassign)".to_string(), Pick::Agent(None)));
    }
    if let Some(u) = me.filter(|u| matches(typed, &u.summary())) {
        items.push((
            format!("{} (me) · {}", u.username, u.role),
            Pick::Agent(Some(u.id)),
        ));
    }
    let mut others: Vec<UserSummary> = state
        .staff
        .values()
        .filter(|u| Some(u.id) != me.map(|m| m.id) && matches(typed, u))
        .cloned()
        .collect();
    by_name(&mut others);
    items.extend(others.into_iter().map(|u| {
        (
            format!("{} · {}", u.username, u.role),
            Pick::Agent(Some(u.id)),
        )
    }));
    items
}

/// Whether an "assign to…" picker is open.
pub fn assigning(state: &State) -> bool {
    matches!(&state.overlay, Some(Overlay::Picker(p)) if matches!(p.purpose, PickFor::Assign(_)))
}

/// The list of agents arrived: an open "assign to…" picker shows it, keeping its highlight.
pub fn staff_changed(state: &mut State) {
    let typed = match &state.overlay {
        Some(Overlay::Picker(p)) if matches!(p.purpose, PickFor::Assign(_)) => p.typed(),
        _ => return,
    };
    let items = assignees(state, typed.as_deref());
    if let Some(Overlay::Picker(p)) = &mut state.overlay {
        p.set_items(items);
    }
}

/// The query a user picker sends for what was typed.
fn user_query(typed: Option<String>) -> UserQuery {
    UserQuery {
        q: typed,
        role: None,
        include_inactive: true,
    }
}

/// The activity log's user filter: every user the server finds for what is typed (anyone
/// who ever acted, so deactivated users too).
pub fn log_user_picker(current: Option<i64>) -> (Overlay, Request) {
    let mut p = Picker::new(
        "Show activity of",
        vec![("Anyone".to_string(), Pick::User(None))],
        Pick::User(current),
        PickFor::LogUser,
    );
    p.search = Some(TextInput::default());
    (Overlay::Picker(p), Request::FindUsers(user_query(None)))
}

/// The search text of an open picker changed: narrow it here, or ask the server.
pub fn on_typed(state: &State, p: &mut Picker) -> Vec<Effect> {
    match p.purpose {
        PickFor::Assign(_) => {
            let items = assignees(state, p.typed().as_deref());
            p.set_items(items);
            Vec::new()
        }
        PickFor::LogUser => vec![Effect::Request(Request::FindUsers(user_query(p.typed())))],
        _ => Vec::new(),
    }
}

/// Users the server found: an open user picker still showing that search lists them.
pub fn users_found(state: &mut State, query: &UserQuery, users: &[User]) {
    let Some(Overlay::Picker(p)) = &mut state.overlay else {
        return;
    };
    if p.search.is_none() || p.typed() != query.q {
        return;
    }
    let mut people: Vec<UserSummary> = users.iter().map(User::summary).collect();
    by_name(&mut people);
    let mut items = Vec::new();
    if p.purpose == PickFor::LogUser && query.q.is_none() {
        items.push(("Anyone".to_string(), Pick::User(None)));
    }
    items.extend(people.iter().map(|u| {
        (
            format!("{} <{}>", u.username, u.email),
            Pick::User(Some(u.id)),
        )
    }));
    p.set_items(items);
    p.people = people;
}
