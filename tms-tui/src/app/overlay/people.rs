//! Pickers of people that narrow as you type: assignees (the agents the server listed,
//! narrowed here), users for the log filter (the admin's user list) and the requester of a new
//! ticket (the staff directory), the last two searched on the server as you type; all in
//! natural order.

use super::{Overlay, Pick, PickFor, Picker};
use crate::api::DirectoryQuery;
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

/// Who to assign `n` marked tickets to.
pub fn bulk_assign_picker(state: &State, n: usize) -> Overlay {
    let mut p = Picker::new(
        &format!("Assign {n} marked tickets to"),
        assignees(state, None),
        Pick::Agent(None),
        PickFor::Bulk(super::BulkField::Assignee),
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
        PickFor::Requester => vec![Effect::Request(Request::FindPeople(requester_query(
            p.typed(),
        )))],
        _ => Vec::new(),
    }
}

/// Users the server found: an open log-user picker still showing that search lists them.
pub fn users_found(state: &mut State, query: &UserQuery, users: &[User]) {
    let people = users.iter().map(User::summary).collect();
    found(state, PickFor::LogUser, query.q.as_deref(), people);
}

/// People the directory found: an open requester picker still showing that search lists them.
pub fn people_found(state: &mut State, query: &DirectoryQuery, people: &[UserSummary]) {
    found(
        state,
        PickFor::Requester,
        query.q.as_deref(),
        people.to_vec(),
    );
}

fn found(state: &mut State, purpose: PickFor, typed: Option<&str>, mut people: Vec<UserSummary>) {
    let Some(Overlay::Picker(p)) = &mut state.overlay else {
        return;
    };
    if p.purpose != purpose || p.search.is_none() || p.typed().as_deref() != typed {
        return;
    }
    by_name(&mut people);
    let requester = purpose == PickFor::Requester;
    let mut items = Vec::new();
    match (requester, typed.is_none()) {
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

fn requester_query(typed: Option<String>) -> DirectoryQuery {
    DirectoryQuery {
        q: typed,
        role: None,
        limit: Some(tms_core::api::DIRECTORY_MAX),
    }
}

/// The new-ticket form's requester: oneself, or someone the staff directory finds as you type.
pub fn requester_picker(current: Option<i64>) -> (Overlay, Request) {
    let mut p = Picker::new(
        "File the ticket for",
        vec![(MYSELF.to_string(), Pick::Requester(None))],
        Pick::Requester(current),
        PickFor::Requester,
    );
    p.search = Some(TextInput::default());
    (
        Overlay::Picker(p),
        Request::FindPeople(requester_query(None)),
    )
}
