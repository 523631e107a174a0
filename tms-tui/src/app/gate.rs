//! Which keys and `:` commands the signed-in user may run where, decided by tms-core's
//! permission rules — the same functions the server enforces — so what would be refused is not
//! offered.

use super::State;
use super::command::Command;
use super::keymap::Cmd;
use crate::screens::{QueueKind, QueueState, Screen, TicketState};
use tms_core::Actor;
use tms_core::api::Ticket;
use tms_core::rules::{
    TicketChange, TicketFacts, can_triage, check_admin, check_comment, check_create_ticket,
    check_delete_ticket, check_edit_comment, check_internal_note, check_set_tags,
    check_update_ticket, check_view_access, check_view_stats, list_scope,
};

/// The signed-in user's id.
/// The version of ticket `id` on screen (the open ticket, or a row of the queue), which a change
/// of it is made against.
pub fn shown_version(state: &State, id: i64) -> Option<i64> {
    shown_ticket(state, id).map(|t| t.version)
}

/// Ticket `id` as the screen in front shows it.
pub fn shown_ticket(state: &State, id: i64) -> Option<&tms_core::api::Ticket> {
    match &state.screen {
        crate::screens::Screen::Ticket(t) if t.id == id => t.detail.as_ref().map(|d| &d.ticket),
        crate::screens::Screen::Queue(q) => q
            .items()
            .iter()
            .find(|i| i.ticket.id == id)
            .map(|i| &i.ticket),
        _ => None,
    }
}

pub fn me(state: &State) -> Option<i64> {
    state.user.as_ref().map(|u| u.id)
}

pub fn actor(state: &State) -> Option<Actor> {
    state.user.as_ref().map(|u| Actor {
        id: u.id,
        role: u.role,
    })
}

fn facts(t: &Ticket) -> TicketFacts {
    TicketFacts {
        requester_id: t.requester_id,
        status: t.status,
        assigned_agent_id: t.assigned_agent_id,
        resolution_date: t.resolution_date,
        creation_date: t.creation_date,
    }
}

fn may_edit(actor: Actor, t: &Ticket) -> bool {
    check_update_ticket(actor, &facts(t), &TicketChange::default()).is_ok()
}

/// Whether `cmd` is offered on `screen` to the signed-in user.
pub fn allowed(state: &State, screen: &Screen, cmd: Cmd) -> bool {
    if cmd == Cmd::Retry {
        return !state.unsent.is_empty();
    }
    let Some(actor) = actor(state) else {
        return true;
    };
    match screen {
        Screen::Queue(q) => queue_allows(actor, q, cmd),
        Screen::Ticket(t) => ticket_allows(actor, t, cmd),
        Screen::Users(_)
        | Screen::UserForm(_)
        | Screen::Log(_)
        | Screen::SlaPolicy(_)
        | Screen::Webhooks(_)
        | Screen::WebhookForm(_) => {
            check_admin(actor).is_ok() || matches!(cmd, Cmd::Back | Cmd::Open)
        }
        _ => true,
    }
}

/// Whether the signed-in user may run `:command`. Without a session only `:quit` runs.
pub fn may_run(state: &State, command: Command) -> bool {
    let Some(actor) = actor(state) else {
        return command == Command::Quit;
    };
    match command {
        // Lists of every ticket (and their tabs): for those whose ticket list is not limited
        // to their own.
        Command::Unassigned
        | Command::Open
        | Command::All
        | Command::SaveView
        | Command::DeleteView => list_scope(actor).is_none(),
        Command::New => check_create_ticket(actor, None, None, None).is_ok(),
        Command::Users | Command::Log | Command::Sla | Command::Webhooks => {
            check_admin(actor).is_ok()
        }
        Command::Dash => check_view_stats(actor).is_ok(),
        Command::Away => actor.role.is_staff(),
        // My own tickets or queue, my password, my session.
        Command::Mine | Command::Settings | Command::Password | Command::Logout | Command::Quit => {
            true
        }
    }
}

fn queue_allows(actor: Actor, q: &QueueState, cmd: Cmd) -> bool {
    let ticket = q.selected_item().map(|i| &i.ticket);
    match cmd {
        Cmd::Take | Cmd::Assign | Cmd::SetStatus => can_triage(actor.role),
        Cmd::NextTab | Cmd::PrevTab | Cmd::GoTab(_) | Cmd::SaveView => q.kind == QueueKind::Staff,
        Cmd::DeleteView => {
            q.kind == QueueKind::Staff
                && q.current_view()
                    .is_none_or(|v| check_view_access(actor, v.user_id, v.shared, true).is_ok())
        }
        Cmd::SetPriority => ticket.is_none_or(|t| may_edit(actor, t)),
        Cmd::Comment => ticket.is_none_or(|t| check_comment(actor, t.requester_id).is_ok()),
        Cmd::Tags | Cmd::FilterTag => check_set_tags(actor).is_ok(),
        Cmd::FilterSla => q.kind == QueueKind::Staff,
        _ => true,
    }
}

/// Whether `cmd` acts on the ticket on screen, so needs it loaded.
pub fn acts_on_ticket(cmd: Cmd) -> bool {
    matches!(
        cmd,
        Cmd::Take
            | Cmd::Assign
            | Cmd::SetStatus
            | Cmd::SetPriority
            | Cmd::Comment
            | Cmd::Note
            | Cmd::Tags
            | Cmd::Edit
            | Cmd::EditExternal
            | Cmd::EditTitle
            | Cmd::Delete
            | Cmd::DeleteTicket
    )
}

fn ticket_allows(actor: Actor, t: &TicketState, cmd: Cmd) -> bool {
    let ticket = t.detail.as_ref().map(|d| &d.ticket);
    let requester = ticket.map_or(actor.id, |t| t.requester_id);
    let comment = t.selected_comment();
    // While the history is shown, the description and thread are not: nothing selected in
    // them may be edited or deleted unseen.
    if t.history.shown && matches!(cmd, Cmd::Edit | Cmd::EditExternal | Cmd::Delete) {
        return false;
    }
    match cmd {
        Cmd::Take | Cmd::Assign | Cmd::SetStatus => can_triage(actor.role),
        Cmd::DeleteTicket => check_delete_ticket(actor, requester).is_ok(),
        Cmd::SetPriority | Cmd::EditTitle => ticket.is_none_or(|t| may_edit(actor, t)),
        Cmd::Comment => check_comment(actor, requester).is_ok(),
        Cmd::Note => check_internal_note(actor).is_ok(),
        Cmd::Tags => check_set_tags(actor).is_ok(),
        Cmd::Edit | Cmd::EditExternal => match comment {
            Some(c) => check_edit_comment(actor, c.comment.commented_by_id, requester).is_ok(),
            None => ticket.is_none_or(|t| may_edit(actor, t)),
        },
        Cmd::Delete => comment.is_some_and(|c| {
            check_edit_comment(actor, c.comment.commented_by_id, requester).is_ok()
        }),
        _ => true,
    }
}
