//! Pickers of people that narrow as you type: assignees (the agents the server listed,
//! narrowed here), users for the log filter and the requester of a new ticket (searched on the
//! server as you type by admins; agents choose among people seen on tickets), in natural order.

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
        PickFor::Requester if searches_server(state) => {
            vec![Effect::Request(Request::FindUsers(requester_query(
                p.typed(),
            )))]
        }
        PickFor::Requester => {
            let items = known_requesters(state, p.typed().as_deref());
            p.set_items(items);
            Vec::new()
        }
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
    let requester = p.purpose == PickFor::Requester;
    match (requester, query.q.is_none()) {
        (false, true) => items.push(("Anyone".to_string(), Pick::User(None))),
        (true, true) => items.push((MYSELF.to_string(), Pick::Requester(None))),
        _ => {}
    }
    items.extend(people.iter().map(|u| {
        let pick = if requester {
            Pick::Requester(Some(u.id))
        } else {
            Pick::User(Some(u.id))
        };
        (person(u), pick)
    }));
    p.set_items(items);
    p.people = people;
}

const MYSELF: &str = "— myself";

fn person(u: &UserSummary) -> String {
    format!("{} <{}>", u.username, u.email)
}

/// Admins search every user on the server; agents, who may not list users, choose among the
/// people this client has seen on tickets.
fn searches_server(state: &State) -> bool {
    state
        .user
        .as_ref()
        .is_some_and(|u| u.role == tms_core::Role::Admin)
}

fn requester_query(typed: Option<String>) -> UserQuery {
    UserQuery {
        q: typed,
        role: None,
        include_inactive: false,
    }
}

fn known_requesters(state: &State, typed: Option<&str>) -> Vec<(String, Pick)> {
    let lower = typed.map(str::to_lowercase);
    let mut people: Vec<UserSummary> = state
        .people
        .values()
        .filter(|u| matches(lower.as_deref(), u))
        .cloned()
        .collect();
    by_name(&mut people);
    let mut items = Vec::new();
    if typed.is_none() {
        items.push((MYSELF.to_string(), Pick::Requester(None)));
    }
    items.extend(
        people
            .iter()
            .map(|u| (person(u), Pick::Requester(Some(u.id)))),
    );
    items
}

/// The new-ticket form's requester: oneself, or a user found as you type.
pub fn requester_picker(state: &State, current: Option<i64>) -> (Overlay, Option<Request>) {
    let server = searches_server(state);
    let items = if server {
        vec![(MYSELF.to_string(), Pick::Requester(None))]
    } else {
        known_requesters(state, None)
    };
    let mut p = Picker::new(
        "File the ticket for",
        items,
        Pick::Requester(current),
        PickFor::Requester,
    );
    p.search = Some(TextInput::default());
    if !server {
        p.people = state.people.values().cloned().collect();
    }
    let search = server.then(|| Request::FindUsers(requester_query(None)));
    (Overlay::Picker(p), search)
}
