//! The permission matrix and the status/resolution rules of the helpdesk, as pure functions.
//! The server enforces them; the client calls the same functions to offer only allowed keys.

use crate::domain::{Role, Status};
use crate::timefmt::{Timestamp, whole_seconds};
use crate::validate::ValidationError;

/// Who is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: i64,
    pub role: Role,
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The caller may not even know the resource exists: answer as if it did not (404).
    #[error("not found")]
    NotVisible,
    /// The caller sees the resource but may not do this (403).
    #[error("{0}")]
    Forbidden(&'static str),
}

/// The facts about a ticket that the rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketFacts {
    pub requester_id: i64,
    pub status: Status,
    pub assigned_agent_id: Option<i64>,
    pub resolution_date: Option<Timestamp>,
    pub creation_date: Timestamp,
}

/// What a ticket update asks to change (only the fields the rules care about).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TicketChange {
    pub status: Option<Status>,
    /// Outer `None`: not sent; `Some(None)`: unassign.
    pub assigned_agent_id: Option<Option<i64>>,
    /// Outer `None`: not sent (or null).
    pub resolution_date: Option<Option<Timestamp>>,
}

/// A Requester sees only their own tickets; staff see all.
pub fn can_see_ticket(actor: Actor, requester_id: i64) -> bool {
    actor.role.is_staff() || actor.id == requester_id
}

/// Visibility as a rule result: an invisible ticket is [`Denied::NotVisible`].
pub fn check_see_ticket(actor: Actor, requester_id: i64) -> Result<(), Denied> {
    if can_see_ticket(actor, requester_id) {
        Ok(())
    } else {
        Err(Denied::NotVisible)
    }
}

/// The requester a ticket list is limited to: a Requester sees only their own tickets, staff
/// see every ticket.
pub fn list_scope(actor: Actor) -> Option<i64> {
    (!actor.role.is_staff()).then_some(actor.id)
}

/// The resolution date of a ticket filed with `status`: one filed Resolved was resolved when
/// it was filed.
pub fn resolution_on_create(status: Status, now: Timestamp) -> Option<Timestamp> {
    (status == Status::Resolved).then_some(now)
}

/// Who may create an account of `role` by signing up. A SysAdmin may create any role; so may
/// the first user of a server that allows first-run setup (`first_run`). Anyone else may sign
/// up only as a Requester, and only while public signup is open.
pub fn check_signup(
    caller: Option<Role>,
    role: Role,
    signup_open: bool,
    first_run: bool,
) -> Result<(), Denied> {
    if caller == Some(Role::Admin) || first_run {
        return Ok(());
    }
    if !signup_open {
        return Err(Denied::Forbidden(
            "Signup is disabled; ask an administrator for an account",
        ));
    }
    if role != Role::Requester {
        return Err(Denied::Forbidden(
            "Only a SysAdmin can create accounts with this role",
        ));
    }
    Ok(())
}

/// Whether changing a user from `(role, active)` `before` to `after` would leave no active
/// SysAdmin, `active_admins` being how many there are now. Such a change is refused.
pub fn removes_last_admin(before: (Role, bool), after: (Role, bool), active_admins: u64) -> bool {
    let is_admin = |(role, active): (Role, bool)| role == Role::Admin && active;
    is_admin(before) && !is_admin(after) && active_admins <= 1
}

/// Anyone may file a ticket for themselves, Open and unassigned; only staff may file on behalf
/// of someone else, pre-assign, or choose another status.
pub fn check_create_ticket(
    actor: Actor,
    requester_id: Option<i64>,
    status: Option<Status>,
    assigned_agent_id: Option<i64>,
) -> Result<(), Denied> {
    if actor.role.is_staff() {
        return Ok(());
    }
    if requester_id.is_some_and(|id| id != actor.id) {
        return Err(Denied::Forbidden(
            "Requesters can only file tickets for themselves",
        ));
    }
    if status.is_some_and(|s| s != Status::Open) {
        return Err(Denied::Forbidden("Requesters can only file Open tickets"));
    }
    if assigned_agent_id.is_some() {
        return Err(Denied::Forbidden("Requesters cannot assign tickets"));
    }
    Ok(())
}

/// Whether the role may change status, assignee and resolution date at all.
pub fn can_triage(role: Role) -> bool {
    role.is_staff()
}

/// Editing title, description and priority is open to anyone who sees the ticket; status,
/// assignee and resolution date to staff only — but a Requester resending the current value
/// is a no-op, not an error.
pub fn check_update_ticket(
    actor: Actor,
    ticket: &TicketFacts,
    change: &TicketChange,
) -> Result<(), Denied> {
    check_see_ticket(actor, ticket.requester_id)?;
    if can_triage(actor.role) {
        return Ok(());
    }
    if change.status.is_some_and(|s| s != ticket.status) {
        return Err(Denied::Forbidden(
            "Requesters cannot change a ticket's status",
        ));
    }
    if change
        .assigned_agent_id
        .is_some_and(|a| a != ticket.assigned_agent_id)
    {
        return Err(Denied::Forbidden(
            "Requesters cannot change a ticket's assignee",
        ));
    }
    if let Some(Some(d)) = change.resolution_date
        && !is_echo(ticket.resolution_date, d)
    {
        return Err(Denied::Forbidden(
            "Requesters cannot change a ticket's resolution date",
        ));
    }
    Ok(())
}

/// Only a SysAdmin deletes tickets.
pub fn check_delete_ticket(actor: Actor, requester_id: i64) -> Result<(), Denied> {
    check_see_ticket(actor, requester_id)?;
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(Denied::Forbidden("Only a SysAdmin can delete tickets"))
    }
}

/// Anyone who sees a ticket may comment on it.
pub fn check_comment(actor: Actor, ticket_requester_id: i64) -> Result<(), Denied> {
    check_see_ticket(actor, ticket_requester_id)
}

/// Internal notes are staff talking among themselves: only staff write them.
pub fn check_internal_note(actor: Actor) -> Result<(), Denied> {
    if actor.role.is_staff() {
        Ok(())
    } else {
        Err(Denied::Forbidden(
            "Only helpdesk agents and admins can write internal notes",
        ))
    }
}

/// Whether `actor` may see a comment: an internal note only staff ever see.
pub fn can_see_comment(actor: Actor, is_internal: bool) -> bool {
    !is_internal || actor.role.is_staff()
}

/// Tags are the staff's way to slice the queue: only staff see and set them.
pub fn check_set_tags(actor: Actor) -> Result<(), Denied> {
    if actor.role.is_staff() {
        Ok(())
    } else {
        Err(Denied::Forbidden(
            "Only helpdesk agents and admins can tag tickets",
        ))
    }
}

/// The status a ticket moves to when `actor` comments on it publicly: a Requester's reply to a
/// ticket Waiting on them, or to a Resolved one, reopens it. Staff comments move nothing.
pub fn status_after_comment(actor: Actor, status: Status, is_internal: bool) -> Option<Status> {
    let reopens = !actor.role.is_staff()
        && !is_internal
        && matches!(status, Status::Waiting | Status::Resolved);
    reopens.then_some(Status::Open)
}

/// Requesters edit their own comments on their own tickets, agents their own comments,
/// admins any comment.
pub fn check_edit_comment(
    actor: Actor,
    comment_author_id: i64,
    ticket_requester_id: i64,
) -> Result<(), Denied> {
    check_see_ticket(actor, ticket_requester_id)?;
    if actor.role == Role::Admin || actor.id == comment_author_id {
        Ok(())
    } else {
        Err(Denied::Forbidden("You can only change your own comments"))
    }
}

/// The queue of one agent is for staff.
pub fn check_view_queue(actor: Actor) -> Result<(), Denied> {
    if actor.role.is_staff() {
        Ok(())
    } else {
        Err(Denied::Forbidden(
            "Only helpdesk agents and admins can view agent queues",
        ))
    }
}

/// Changing many tickets at once is for staff.
pub fn check_bulk_change(actor: Actor) -> Result<(), Denied> {
    if actor.role.is_staff() {
        Ok(())
    } else {
        Err(Denied::Forbidden(
            "Only helpdesk agents and admins can change tickets in bulk",
        ))
    }
}

/// The dashboard's statistics are for staff.
pub fn check_view_stats(actor: Actor) -> Result<(), Denied> {
    if actor.role.is_staff() {
        Ok(())
    } else {
        Err(Denied::Forbidden(
            "Only helpdesk agents and admins can view the statistics",
        ))
    }
}

/// Sharing a saved view with every staff member is for SysAdmins.
pub fn check_share_view(actor: Actor) -> Result<(), Denied> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(Denied::Forbidden("Only a SysAdmin can share a view"))
    }
}

/// A saved view is its owner's to see and change; a shared one is every staff member's to
/// see, and a SysAdmin's to change.
pub fn check_view_access(
    actor: Actor,
    owner: i64,
    shared: bool,
    change: bool,
) -> Result<(), Denied> {
    if actor.id == owner || (shared && actor.role == Role::Admin) {
        Ok(())
    } else if shared && actor.role.is_staff() {
        if change {
            Err(Denied::Forbidden(
                "Only its owner or a SysAdmin can change a shared view",
            ))
        } else {
            Ok(())
        }
    } else {
        Err(Denied::NotVisible)
    }
}

/// User management and the activity log are for SysAdmins.
pub fn check_admin(actor: Actor) -> Result<(), Denied> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(Denied::Forbidden("Only a SysAdmin can do this"))
    }
}

/// Whether a user can be assigned tickets.
pub fn can_be_assigned(role: Role, is_active: bool) -> bool {
    is_active && role.is_staff()
}

/// Whether `sent` is the stored resolution date sent back. Replies carry whole seconds, so a
/// client returning the date it read (the web client sends every field) sends the stored one
/// to the second.
fn is_echo(stored: Option<Timestamp>, sent: Timestamp) -> bool {
    stored.is_some_and(|r| whole_seconds(r) == whole_seconds(sent))
}

/// The resolution date after an update, or a 422 reason.
///
/// Moving to Resolved stamps `now` unless a date is given, which must lie between
/// `creation_date` and `now` (to the second). Staying Resolved keeps the date unless a new one
/// is given. Leaving Resolved clears it. The stored date sent back is always a no-op; any other
/// date for a ticket that ends up not Resolved is refused.
pub fn next_resolution_date(
    ticket: &TicketFacts,
    new_status: Option<Status>,
    sent: Option<Option<Timestamp>>,
    now: Timestamp,
) -> Result<Option<Timestamp>, ValidationError> {
    let status = new_status.unwrap_or(ticket.status);
    let sent = sent.flatten();
    let echoed = |d: Timestamp| is_echo(ticket.resolution_date, d);
    if status != Status::Resolved {
        return match sent {
            Some(d) if !echoed(d) => Err(ValidationError::new(
                "resolution_date",
                "value_error.resolution_date",
                "a resolution date can only be set on a Resolved ticket",
            )),
            _ => Ok(None),
        };
    }
    match sent {
        Some(d) if echoed(d) => Ok(ticket.resolution_date),
        Some(d) if d < whole_seconds(ticket.creation_date) || d > now => Err(ValidationError::new(
            "resolution_date",
            "value_error.resolution_date",
            "must lie between the ticket's creation date and now",
        )),
        Some(d) => Ok(Some(d)),
        None => Ok(ticket
            .resolution_date
            .filter(|_| ticket.status == Status::Resolved)
            .or(Some(now))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timefmt::parse;
    use rstest::rstest;

    #[test]
    fn a_requester_reply_reopens_waiting_and_resolved_tickets_and_staff_replies_do_not() {
        let agent = Actor {
            id: 9,
            role: Role::Agent,
        };
        for s in [Status::Waiting, Status::Resolved] {
            assert_eq!(status_after_comment(REQ, s, false), Some(Status::Open));
            assert_eq!(status_after_comment(agent, s, false), None);
            assert_eq!(status_after_comment(agent, s, true), None);
        }
        for s in [Status::Open, Status::InProgress] {
            assert_eq!(status_after_comment(REQ, s, false), None);
        }
        assert!(check_internal_note(REQ).is_err() && check_internal_note(agent).is_ok());
        assert!(check_set_tags(REQ).is_err() && check_set_tags(agent).is_ok());
        assert!(!can_see_comment(REQ, true) && can_see_comment(REQ, false));
        assert!(can_see_comment(agent, true));
    }

    #[test]
    fn scope_signup_and_last_admin() {
        assert_eq!(list_scope(REQ), Some(REQ.id));
        assert_eq!(
            list_scope(Actor {
                id: 9,
                role: Role::Agent
            }),
            None
        );
        let now = parse("2026-01-01T00:00:00Z").unwrap();
        assert_eq!(resolution_on_create(Status::Resolved, now), Some(now));
        assert_eq!(resolution_on_create(Status::Open, now), None);
        assert!(check_signup(None, Role::Requester, true, false).is_ok());
        assert!(check_signup(None, Role::Requester, false, false).is_err());
        assert!(check_signup(None, Role::Admin, true, false).is_err());
        assert!(check_signup(Some(Role::Agent), Role::Agent, true, false).is_err());
        assert!(check_signup(Some(Role::Admin), Role::Admin, false, false).is_ok());
        assert!(check_signup(None, Role::Admin, false, true).is_ok());
        let admin = (Role::Admin, true);
        assert!(removes_last_admin(admin, (Role::Agent, true), 1));
        assert!(removes_last_admin(admin, (Role::Admin, false), 1));
        assert!(!removes_last_admin(admin, (Role::Agent, true), 2));
        assert!(!removes_last_admin(admin, admin, 1));
        assert!(!removes_last_admin(
            (Role::Admin, false),
            (Role::Agent, false),
            1
        ));
    }

    const REQ: Actor = Actor {
        id: 2,
        role: Role::Requester,
    };
    const OTHER: Actor = Actor {
        id: 9,
        role: Role::Requester,
    };
    const AGENT: Actor = Actor {
        id: 3,
        role: Role::Agent,
    };
    const ADMIN: Actor = Actor {
        id: 1,
        role: Role::Admin,
    };

    fn ticket(status: Status) -> TicketFacts {
        let created = parse("2026-01-01T00:00:00Z").unwrap();
        TicketFacts {
            requester_id: 2,
            status,
            assigned_agent_id: None,
            resolution_date: (status == Status::Resolved)
                .then(|| parse("2026-01-02T00:00:00Z").unwrap()),
            creation_date: created,
        }
    }

    #[rstest]
    #[case(REQ, true)]
    #[case(OTHER, false)]
    #[case(AGENT, true)]
    #[case(ADMIN, true)]
    fn visibility(#[case] a: Actor, #[case] visible: bool) {
        assert_eq!(can_see_ticket(a, 2), visible);
    }

    #[test]
    fn requester_may_resend_current_values() {
        let t = ticket(Status::Open);
        let same = TicketChange {
            status: Some(Status::Open),
            assigned_agent_id: Some(None),
            resolution_date: Some(None),
        };
        assert_eq!(check_update_ticket(REQ, &t, &same), Ok(()));
        let change = TicketChange {
            status: Some(Status::Resolved),
            ..Default::default()
        };
        assert!(matches!(
            check_update_ticket(REQ, &t, &change),
            Err(Denied::Forbidden(_))
        ));
        assert_eq!(
            check_update_ticket(OTHER, &t, &same),
            Err(Denied::NotVisible)
        );
        assert_eq!(check_update_ticket(AGENT, &t, &change), Ok(()));
    }

    #[test]
    fn comment_ownership() {
        assert_eq!(check_edit_comment(REQ, 2, 2), Ok(()));
        assert!(matches!(
            check_edit_comment(REQ, 3, 2),
            Err(Denied::Forbidden(_))
        ));
        assert_eq!(check_edit_comment(OTHER, 9, 2), Err(Denied::NotVisible));
        assert_eq!(check_edit_comment(AGENT, 3, 2), Ok(()));
        assert!(check_edit_comment(AGENT, 2, 2).is_err());
        assert_eq!(check_edit_comment(ADMIN, 3, 2), Ok(()));
    }

    #[test]
    fn resolution_dates() {
        let now = parse("2026-02-01T00:00:00Z").unwrap();
        let open = ticket(Status::Open);
        let resolved = ticket(Status::Resolved);
        // Resolving stamps now.
        assert_eq!(
            next_resolution_date(&open, Some(Status::Resolved), None, now),
            Ok(Some(now))
        );
        // A given date in range is kept; out of range is refused.
        let d = parse("2026-01-15T00:00:00Z").unwrap();
        assert_eq!(
            next_resolution_date(&open, Some(Status::Resolved), Some(Some(d)), now),
            Ok(Some(d))
        );
        let future = parse("2027-01-01T00:00:00Z").unwrap();
        assert!(
            next_resolution_date(&open, Some(Status::Resolved), Some(Some(future)), now).is_err()
        );
        // Staying resolved keeps the date.
        assert_eq!(
            next_resolution_date(&resolved, None, None, now),
            Ok(resolved.resolution_date)
        );
        // Reopening clears it, with or without the old date echoed back.
        assert_eq!(
            next_resolution_date(&resolved, Some(Status::Open), None, now),
            Ok(None)
        );
        assert_eq!(
            next_resolution_date(
                &resolved,
                Some(Status::Open),
                Some(resolved.resolution_date),
                now
            ),
            Ok(None)
        );
        // Any other date on a non-resolved ticket is refused.
        assert!(next_resolution_date(&open, Some(Status::InProgress), Some(Some(d)), now).is_err());
    }

    #[test]
    fn create_rules() {
        assert_eq!(check_create_ticket(REQ, None, None, None), Ok(()));
        assert_eq!(
            check_create_ticket(REQ, Some(2), Some(Status::Open), None),
            Ok(())
        );
        assert!(check_create_ticket(REQ, Some(9), None, None).is_err());
        assert!(check_create_ticket(REQ, None, Some(Status::Resolved), None).is_err());
        assert!(check_create_ticket(REQ, None, None, Some(3)).is_err());
        assert_eq!(
            check_create_ticket(AGENT, Some(9), Some(Status::Resolved), Some(3)),
            Ok(())
        );
    }
}
