//! Replies from the server: session changes, connection state, then the screen and overlay
//! that were waiting for them.

use super::overlay;
use super::route::{self, with_screen};
use super::{Effect, Mode, Offline, Reply, Request, State, unsent};
use crate::api::ApiError;
use crate::screens::{LoginState, Screen, SetupState};

pub fn on_response(
    state: &mut State,
    request: Request,
    result: Result<Reply, ApiError>,
) -> Vec<Effect> {
    let mut fx = track_connection(state, &result);
    if let Err(e) = &result
        && e.is_unauthorized()
        && ends_session(state, &request)
    {
        fx.extend(route::session_ended(state));
        return fx;
    }
    match (&request, &result) {
        (Request::Health, Ok(Reply::Health(h))) => {
            state.server_version = Some(h.version.clone());
            if matches!(state.screen, Screen::Boot) && !state.setup.has_token {
                state.screen = if h.setup_required && state.setup.mode != Mode::Remote {
                    Screen::Setup(SetupState::default())
                } else {
                    let hint = h.setup_required.then(|| {
                        "This server has no users yet: create the first admin with `tms-server user add`.".to_string()
                    });
                    Screen::Login(LoginState::new(hint))
                };
            }
        }
        (Request::Login(_) | Request::Signup(_), Ok(Reply::Session(session))) => {
            let t = &session.reply;
            fx.push(Effect::SetToken(Some(t.access_token.clone())));
            if let (Request::Login(body), Some(device)) = (&request, &session.device) {
                fx.push(Effect::KeepDevice {
                    account: crate::api::account_key(&body.email),
                    token: device.clone(),
                });
            }
            fx.extend(signed_in(state, t.user.clone()));
            state.info(format!("Welcome, {}.", t.user.username));
        }
        (Request::Me, Ok(Reply::Me(user))) => fx.extend(signed_in(state, user.clone())),
        (Request::SetAway(_), Ok(Reply::Me(user))) => {
            state.info(if user.is_away {
                "You are away: new tickets go to others (:away again when back)."
            } else {
                "Welcome back: new tickets may come to you again."
            });
            state.user = Some(user.clone());
        }
        (Request::Me, Err(e)) if !e.is_unreachable() => {
            state.setup.has_token = false;
            route::to_login(state, Some(e.to_string()));
        }
        (Request::Staff, Ok(Reply::Staff(users))) => {
            state.set_staff(users);
            overlay::staff_changed(state);
        }
        (Request::Tags, Ok(Reply::Tags(tags))) => state.tags.clone_from(tags),
        (Request::Recheck { id, assignee }, Ok(Reply::Ticket(d))) => {
            fx.extend(recheck(state, *id, *assignee, d));
        }
        (Request::UpdateTicket(id, change, _), Err(ApiError::Stale(current))) => {
            fx.extend(stale(state, *id, change, current));
        }
        (Request::FindUsers(q), Ok(Reply::Users(users))) => overlay::users_found(state, q, users),
        (Request::FindPeople(q), Ok(Reply::People(people))) => {
            overlay::people_found(state, q, people);
        }
        (Request::FindUsers(_) | Request::FindPeople(_), Err(e)) => {
            if matches!(state.overlay, Some(overlay::Overlay::Picker(_))) && !e.is_unreachable() {
                state.error(format!("Could not search the users: {e}"));
            }
        }
        (Request::Staff, Err(e)) => {
            // Loaded in the background; worth a word only to someone choosing an assignee.
            if overlay::assigning(state) && !e.is_unreachable() {
                state.error(format!("Could not list the agents: {e}"));
            }
        }
        _ => fx.extend(to_screen(state, &request, &result)),
    }
    fx
}

/// A 401 ends the session, except where it means "wrong password".
fn ends_session(state: &State, request: &Request) -> bool {
    let asks_credentials = matches!(
        request,
        Request::Login(_) | Request::Signup(_) | Request::Logout
    );
    !asks_credentials && (state.user.is_some() || matches!(request, Request::Me))
}

/// Shows or clears the offline banner; coming back reloads the screen in front.
fn track_connection(state: &mut State, result: &Result<Reply, ApiError>) -> Vec<Effect> {
    match result {
        Err(ApiError::Unreachable(why)) => {
            if state.offline.is_none() {
                state.offline = Some(Offline {
                    reason: why.clone(),
                    since: state.now,
                    last_try: state.now,
                });
            }
            Vec::new()
        }
        _ if state.offline.is_some() => {
            state.offline = None;
            state.info("Connection restored.");
            route::refresh_current(state)
        }
        _ => Vec::new(),
    }
}

fn signed_in(state: &mut State, user: tms_core::api::User) -> Vec<Effect> {
    let staff = user.role.is_staff();
    let user_id = user.id;
    state.user = Some(user);
    let mut fx = vec![Effect::LoadDrafts { user_id }];
    fx.extend(route::go_home(state));
    if staff {
        fx.push(Effect::Request(Request::Staff));
    }
    fx
}

/// The reply goes to the open overlay and the screen in front; an error nobody showed is
/// flashed, so no failure goes unnoticed.
fn to_screen(
    state: &mut State,
    request: &Request,
    result: &Result<Reply, ApiError>,
) -> Vec<Effect> {
    let shown = overlay::on_sent(state, request, result);
    let before = state.flash.clone();
    let fx = with_screen(state, |s, st| s.on_response(request, result, st));
    if let Err(e) = result {
        let flashed = state.flash != before && state.flash.as_ref().is_some_and(|f| f.error);
        if e.is_unreachable() && !shown && unsent::retriable(request) {
            unsent::keep(state, request);
        } else if !shown && !flashed && !e.is_unreachable() && !inline(request) {
            state.error(e.to_string());
        }
    }
    fx
}

/// Requests whose failure the screen shows in place.
fn inline(request: &Request) -> bool {
    matches!(
        request,
        Request::Login(_)
            | Request::Signup(_)
            | Request::Tickets { .. }
            | Request::Ticket(_)
            | Request::History(_)
            | Request::Users(_)
            | Request::Logs(_)
            | Request::Stats
            | Request::CreateTicket(_)
            | Request::CreateUser(_)
            | Request::ChangePassword(_)
            | Request::Health
            | Request::Logout
            | Request::Views
            | Request::SlaPolicy
            | Request::SetSlaPolicy(_)
            | Request::Webhooks
            | Request::Deliveries(_)
            | Request::CreateWebhook(_)
            | Request::Notifications
            | Request::SetNotifications(_)
    )
}

/// A change the server refused because someone changed the ticket since it was read: the
/// screen shows the ticket as it is now, and a question says what changed meanwhile and
/// offers to send the change again against it (or to drop it).
fn stale(
    state: &mut State,
    id: i64,
    change: &tms_core::api::TicketUpdate,
    current: &tms_core::api::TicketDetail,
) -> Vec<Effect> {
    let before = super::gate::shown_ticket(state, id).cloned();
    let meanwhile = before
        .map(|b| {
            let now = &current.ticket;
            let mut said = crate::screens::what_changed(&b, now, current.assigned_agent.as_ref());
            if said.is_empty() && b.version != now.version {
                said.push("its thread changed".into());
            }
            said.join(", ")
        })
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "it was changed".into());
    // Shown as the server has it: as if an empty change had been answered with it.
    let fx = with_screen(state, |s, st| {
        s.on_response(
            &Request::UpdateTicket(id, tms_core::api::TicketUpdate::default(), None),
            &Ok(Reply::Ticket(Box::new(current.clone()))),
            st,
        )
    });
    state.info(format!("Ticket {id} changed while you were on it."));
    state.overlay = Some(overlay::Overlay::Confirm(overlay::Confirm::new(
        format!(
            "Ticket {id} changed while you were on it: {meanwhile}. Apply your change ({}) anyway?",
            describe_change(change)
        ),
        overlay::ConfirmFor::Reapply {
            id,
            change: Box::new(change.clone()),
            version: current.ticket.version,
        },
    )));
    fx
}

/// A change to send, in a few words.
fn describe_change(c: &tms_core::api::TicketUpdate) -> String {
    let mut said = Vec::new();
    if let Some(s) = c.status {
        said.push(format!("status → {s}"));
    }
    if let Some(p) = c.priority {
        said.push(format!("priority → {p}"));
    }
    if let Some(a) = c.assigned_agent_id {
        said.push(if a.is_some() { "assignee" } else { "unassign" }.to_string());
    }
    if c.title.is_some() {
        said.push("title".into());
    }
    if c.description.is_some() {
        said.push("description".into());
    }
    if c.resolution_date.is_some() {
        said.push("resolution date".into());
    }
    said.join(", ")
}

/// The ticket as the server has it now: assign it, or first ask when a colleague holds it.
fn recheck(
    state: &mut State,
    id: i64,
    assignee: Option<i64>,
    d: &tms_core::api::TicketDetail,
) -> Vec<Effect> {
    let me = super::gate::me(state);
    let holder = d
        .assigned_agent
        .as_ref()
        .filter(|h| Some(h.id) != me && Some(h.id) != assignee);
    if d.ticket.assigned_agent_id == assignee {
        state.info(match assignee {
            Some(a) if Some(a) == me => format!("Ticket {id} is already yours."),
            Some(_) => format!("Ticket {id} is already assigned to them."),
            None => format!("Ticket {id} is already unassigned."),
        });
        return Vec::new();
    }
    if let Some(h) = holder {
        let what = match assignee {
            Some(a) if Some(a) == me => "Take it over?".to_string(),
            Some(a) => format!(
                "Reassign it to {}?",
                state
                    .staff
                    .get(&a)
                    .map_or_else(|| format!("user {a}"), |u| u.username.clone())
            ),
            None => "Unassign it?".to_string(),
        };
        state.overlay = Some(overlay::Overlay::Confirm(overlay::Confirm::new(
            format!("Ticket {id} is assigned to {} now. {what}", h.username),
            overlay::ConfirmFor::Override {
                id,
                assignee,
                version: d.ticket.version,
            },
        )));
        return Vec::new();
    }
    let change = tms_core::api::TicketUpdate {
        assigned_agent_id: Some(assignee),
        ..Default::default()
    };
    vec![Effect::Request(Request::UpdateTicket(
        id,
        change,
        Some(d.ticket.version),
    ))]
}
