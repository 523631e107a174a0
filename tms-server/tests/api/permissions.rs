//! The permission matrix (docs/API.md, "Who may do what"), row by row, for all three roles,
//! on the caller's own and on someone else's resources. A refused request changes nothing.

use reqwest::Method;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::*;

/// Whose ticket: the caller's own, or one filed by another requester (invisible to a
/// Requester caller).
#[derive(Debug, Clone, Copy)]
enum T {
    Own,
    Others,
}

/// Which comment.
#[derive(Debug, Clone, Copy)]
enum C {
    /// The caller's comment on the caller's own ticket.
    Mine,
    /// The caller's comment on someone else's ticket (staff only).
    MineOnOthers,
    /// Another agent's comment on the caller's own ticket.
    OthersOnMine,
    /// A requester's comment on their own ticket (invisible to another requester).
    OthersOnTheirs,
}

#[derive(Debug, Clone, Copy)]
enum Act {
    CreateTicket,
    CreateForOther,
    CreatePreassigned,
    CreateInProgress,
    ListTickets,
    ReadTicket(T),
    EditText(T),
    ChangeStatus(T),
    ChangeAssignee(T),
    ChangeResolutionDate(T),
    ResendCurrent(T),
    DeleteTicket(T),
    Comment(T),
    EditComment(C),
    DeleteComment(C),
    OwnQueue,
    OtherQueue,
    ListUsers,
    CreateUser,
    ReadUser,
    ReadSelfAsAdmin,
    UpdateUser,
    DeactivateUser,
    ReadLogs,
    ReadUserLogs,
    ClearLogs,
    ClearUserLogs,
}

/// The resources one caller acts on, created fresh for that caller.
struct Fx {
    caller: Who,
    own_t: i64,
    other_t: i64,
    mine_c: i64,
    mine_on_others_c: Option<i64>,
    others_on_mine_c: i64,
    others_on_theirs_c: i64,
}

async fn fixture(s: &Srv, caller: &Who, staff: bool) -> Fx {
    let own_t = s.ticket(caller.t(), "caller's own").await;
    let other_t = s.ticket(s.bob.t(), "bob's").await;
    let mine_c = s.comment(caller.t(), own_t, "caller on own").await;
    let mine_on_others_c = if staff {
        Some(s.comment(caller.t(), other_t, "caller on bob's").await)
    } else {
        None
    };
    let others_on_mine_c = s.comment(s.agent2.t(), own_t, "agent2 on caller's").await;
    let others_on_theirs_c = s.comment(s.bob.t(), other_t, "bob on bob's").await;
    // Created a minute ago: a resolution date can then be moved back by whole seconds, as
    // replies show them.
    for t in [own_t, other_t] {
        s.backdate_ticket(t, time::Duration::minutes(1)).await;
    }
    Fx {
        caller: caller.clone(),
        own_t,
        other_t,
        mine_c,
        mine_on_others_c,
        others_on_mine_c,
        others_on_theirs_c,
    }
}

impl Fx {
    fn ticket(&self, t: T) -> i64 {
        match t {
            T::Own => self.own_t,
            T::Others => self.other_t,
        }
    }

    fn comment(&self, c: C) -> Option<i64> {
        match c {
            C::Mine => Some(self.mine_c),
            C::MineOnOthers => self.mine_on_others_c,
            C::OthersOnMine => Some(self.others_on_mine_c),
            C::OthersOnTheirs => Some(self.others_on_theirs_c),
        }
    }
}

/// Performs `act` as the fixture's caller; returns the reply.
async fn perform(s: &Srv, fx: &Fx, act: Act, tag: &str) -> Resp {
    let tok = fx.caller.t();
    let tpath = |t: T| format!("/api/v1/tickets/{}", fx.ticket(t));
    let new = |extra: Value| {
        let mut b = json!({"title": "new", "description": "new ticket"});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    match act {
        Act::CreateTicket => s.post(tok, "/api/v1/tickets/", new(json!({}))).await,
        Act::CreateForOther => {
            s.post(
                tok,
                "/api/v1/tickets/",
                new(json!({"requester_id": s.bob.id})),
            )
            .await
        }
        Act::CreatePreassigned => {
            s.post(
                tok,
                "/api/v1/tickets/",
                new(json!({"assigned_agent_id": s.agent2.id})),
            )
            .await
        }
        Act::CreateInProgress => {
            s.post(
                tok,
                "/api/v1/tickets/",
                new(json!({"status": "In Progress"})),
            )
            .await
        }
        Act::ListTickets => s.get(tok, "/api/v1/tickets/?size=100").await,
        Act::ReadTicket(t) => s.get(tok, &tpath(t)).await,
        Act::EditText(t) => {
            s.put(
                tok,
                &tpath(t),
                json!({"title": "edited", "description": "edited text", "priority": "High"}),
            )
            .await
        }
        Act::ChangeStatus(t) => {
            s.patch(tok, &tpath(t), json!({"status": "In Progress"}))
                .await
        }
        Act::ChangeAssignee(t) => {
            s.patch(tok, &tpath(t), json!({"assigned_agent_id": s.agent2.id}))
                .await
        }
        Act::ChangeResolutionDate(t) => {
            // Move the (already stamped) date back to the creation time (a minute earlier: see
            // `fixture`).
            let r = s.ticket_detail(fx.ticket(t)).await;
            s.patch(
                tok,
                &tpath(t),
                json!({"resolution_date": r["creation_date"]}),
            )
            .await
        }
        Act::ResendCurrent(t) => {
            s.patch(
                tok,
                &tpath(t),
                json!({"status": "Open", "assigned_agent_id": null, "resolution_date": null}),
            )
            .await
        }
        Act::DeleteTicket(t) => s.delete(tok, &tpath(t)).await,
        Act::Comment(t) => {
            s.post(
                tok,
                "/api/v1/comments/",
                json!({"ticket_id": fx.ticket(t), "description": "a word"}),
            )
            .await
        }
        Act::EditComment(c) => {
            let id = fx.comment(c).unwrap();
            s.put(
                tok,
                &format!("/api/v1/comments/{id}"),
                json!({"description": "rewritten"}),
            )
            .await
        }
        Act::DeleteComment(c) => {
            let id = fx.comment(c).unwrap();
            s.delete(tok, &format!("/api/v1/comments/{id}")).await
        }
        Act::OwnQueue => {
            s.get(tok, &format!("/api/v1/tickets/agent/{}/", fx.caller.id))
                .await
        }
        Act::OtherQueue => {
            s.get(tok, &format!("/api/v1/tickets/agent/{}/", s.agent2.id))
                .await
        }
        Act::ListUsers => s.get(tok, "/api/v1/admin/users/").await,
        Act::CreateUser => {
            s.post(
                tok,
                "/api/v1/admin/users/",
                json!({"username": format!("made_by_{tag}"),
                       "email": format!("made_by_{tag}@example.com"),
                       "password": PW, "role": "Helpdesk Agent"}),
            )
            .await
        }
        Act::ReadUser => {
            s.get(tok, &format!("/api/v1/admin/users/{}", s.bob.id))
                .await
        }
        Act::ReadSelfAsAdmin => {
            s.get(tok, &format!("/api/v1/admin/users/{}", fx.caller.id))
                .await
        }
        Act::UpdateUser => {
            s.put(
                tok,
                &format!("/api/v1/admin/users/{}", s.bob.id),
                json!({"role": "SysAdmin"}),
            )
            .await
        }
        Act::DeactivateUser => {
            s.delete(tok, &format!("/api/v1/admin/users/{}", s.agent2.id))
                .await
        }
        Act::ReadLogs => s.get(tok, "/api/v1/logs/").await,
        Act::ReadUserLogs => s.get(tok, &format!("/api/v1/logs/{}", s.bob.id)).await,
        Act::ClearLogs => s.delete(tok, "/api/v1/logs/").await,
        Act::ClearUserLogs => s.delete(tok, &format!("/api/v1/logs/{}", s.bob.id)).await,
    }
}

/// Expected statuses for `[Requester, Helpdesk Agent, SysAdmin]`; 0 where the case cannot
/// arise for that role.
#[rstest]
// create ticket (self as requester, status Open)
#[case::create_own(Act::CreateTicket, [201, 201, 201])]
// create on behalf / pre-assigned / other status
#[case::create_for_other(Act::CreateForOther, [403, 201, 201])]
#[case::create_preassigned(Act::CreatePreassigned, [403, 201, 201])]
#[case::create_in_progress(Act::CreateInProgress, [403, 201, 201])]
// list / read
#[case::list(Act::ListTickets, [200, 200, 200])]
#[case::read_own(Act::ReadTicket(T::Own), [200, 200, 200])]
#[case::read_others(Act::ReadTicket(T::Others), [404, 200, 200])]
// edit title, description, priority
#[case::edit_own(Act::EditText(T::Own), [200, 200, 200])]
#[case::edit_others(Act::EditText(T::Others), [404, 200, 200])]
// change status, assignee, resolution date
#[case::status_own(Act::ChangeStatus(T::Own), [403, 200, 200])]
#[case::status_others(Act::ChangeStatus(T::Others), [404, 200, 200])]
#[case::assignee_own(Act::ChangeAssignee(T::Own), [403, 200, 200])]
#[case::assignee_others(Act::ChangeAssignee(T::Others), [404, 200, 200])]
#[case::resolution_own(Act::ChangeResolutionDate(T::Own), [403, 200, 200])]
#[case::resolution_others(Act::ChangeResolutionDate(T::Others), [404, 200, 200])]
#[case::resend_current_own(Act::ResendCurrent(T::Own), [200, 200, 200])]
#[case::resend_current_others(Act::ResendCurrent(T::Others), [404, 200, 200])]
// delete ticket
#[case::delete_own(Act::DeleteTicket(T::Own), [403, 403, 200])]
#[case::delete_others(Act::DeleteTicket(T::Others), [404, 403, 200])]
// comment on a ticket
#[case::comment_own(Act::Comment(T::Own), [201, 201, 201])]
#[case::comment_others(Act::Comment(T::Others), [404, 201, 201])]
// edit / delete a comment
#[case::edit_my_comment(Act::EditComment(C::Mine), [200, 200, 200])]
#[case::edit_my_comment_on_others(Act::EditComment(C::MineOnOthers), [0, 200, 200])]
#[case::edit_others_comment_on_mine(Act::EditComment(C::OthersOnMine), [403, 403, 200])]
#[case::edit_others_comment_on_theirs(Act::EditComment(C::OthersOnTheirs), [404, 403, 200])]
#[case::delete_my_comment(Act::DeleteComment(C::Mine), [200, 200, 200])]
#[case::delete_my_comment_on_others(Act::DeleteComment(C::MineOnOthers), [0, 200, 200])]
#[case::delete_others_comment_on_mine(Act::DeleteComment(C::OthersOnMine), [403, 403, 200])]
#[case::delete_others_comment_on_theirs(Act::DeleteComment(C::OthersOnTheirs), [404, 403, 200])]
// agent queue
#[case::own_queue(Act::OwnQueue, [403, 200, 200])]
#[case::other_queue(Act::OtherQueue, [403, 200, 200])]
// manage users, read / clear activity log
#[case::list_users(Act::ListUsers, [403, 403, 200])]
#[case::create_user(Act::CreateUser, [403, 403, 201])]
#[case::read_user(Act::ReadUser, [403, 403, 200])]
#[case::read_self_as_admin(Act::ReadSelfAsAdmin, [403, 403, 200])]
#[case::update_user(Act::UpdateUser, [403, 403, 200])]
#[case::deactivate_user(Act::DeactivateUser, [403, 403, 200])]
#[case::read_logs(Act::ReadLogs, [403, 403, 200])]
#[case::read_user_logs(Act::ReadUserLogs, [403, 403, 200])]
#[case::clear_logs(Act::ClearLogs, [403, 403, 200])]
#[case::clear_user_logs(Act::ClearUserLogs, [403, 403, 200])]
#[tokio::test]
async fn matrix(#[case] act: Act, #[case] expected: [u16; 3]) {
    let s = start().await;
    let callers = [
        ("requester", s.alice.clone(), false),
        ("agent", s.agent.clone(), true),
        ("admin", s.admin.clone(), true),
    ];
    for ((tag, caller, staff), want) in callers.into_iter().zip(expected) {
        if want == 0 {
            continue;
        }
        let fx = fixture(&s, &caller, staff).await;
        if let Act::ChangeResolutionDate(t) = act {
            // Resolved by an admin first: setup, not the request under test.
            s.patch(
                s.admin.t(),
                &format!("/api/v1/tickets/{}", fx.ticket(t)),
                json!({"status": "Resolved"}),
            )
            .await
            .expect(200);
        }
        let before = s.snapshot().await;
        let r = perform(&s, &fx, act, tag).await;
        assert_eq!(r.status, want, "{act:?} as {tag}: {}", r.text);
        if want >= 400 {
            assert_json_error(&r.body);
            assert_eq!(s.snapshot().await, before, "{act:?} as {tag} changed data");
        }
        check_effect(&s, &fx, act, tag, &r, want).await;
    }
}

/// What a permitted request must have done (or, for the no-op, not done).
async fn check_effect(s: &Srv, fx: &Fx, act: Act, tag: &str, r: &Resp, want: u16) {
    if want >= 400 {
        return;
    }
    match act {
        Act::ListTickets => {
            let requesters: Vec<i64> = r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["requester_id"].as_i64().unwrap())
                .collect();
            if tag == "requester" {
                assert!(
                    requesters.iter().all(|id| *id == fx.caller.id),
                    "{requesters:?}"
                );
                assert!(!requesters.is_empty());
            } else {
                assert!(requesters.contains(&s.bob.id) && requesters.contains(&s.alice.id));
            }
        }
        Act::CreateTicket => {
            assert_eq!(r.body["requester_id"], fx.caller.id);
            assert_eq!(r.body["status"], "Open");
        }
        Act::EditText(_) => {
            assert_eq!(r.body["title"], "edited");
            assert_eq!(r.body["priority"], "High");
        }
        Act::ChangeStatus(_) => assert_eq!(r.body["status"], "In Progress"),
        Act::ChangeAssignee(_) => assert_eq!(r.body["assigned_agent_id"], s.agent2.id),
        Act::ChangeResolutionDate(_) => {
            assert_eq!(r.body["resolution_date"], r.body["creation_date"]);
        }
        Act::ResendCurrent(t) => {
            let d = s.ticket_detail(fx.ticket(t)).await;
            assert_eq!(d["status"], "Open");
            assert_eq!(d["assigned_agent_id"], json!(null));
        }
        Act::DeleteTicket(t) => {
            s.get(s.admin.t(), &format!("/api/v1/tickets/{}", fx.ticket(t)))
                .await
                .expect(404);
        }
        Act::Comment(_) => assert_eq!(r.body["commented_by_id"], fx.caller.id),
        Act::EditComment(_) => assert_eq!(r.body["description"], "rewritten"),
        Act::UpdateUser => assert_eq!(r.body["role"], "SysAdmin"),
        Act::DeactivateUser => assert_eq!(r.body["is_active"], false),
        _ => {}
    }
}

/// A Requester resending the current status and assignee writes nothing at all.
#[tokio::test]
async fn requester_resending_current_values_is_a_no_op() {
    let s = start().await;
    let t = s
        .ticket_with(
            s.agent.t(),
            json!({"title": "assigned", "description": "d", "requester_id": s.alice.id,
                   "assigned_agent_id": s.agent.id, "status": "In Progress"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/tickets/{t}");
    let before = s.snapshot().await;
    for method in [Method::PUT, Method::PATCH] {
        s.call(
            method,
            s.alice.t(),
            &path,
            Some(
                json!({"status": "In Progress", "assigned_agent_id": s.agent.id,
                        "resolution_date": null}),
            ),
        )
        .await
        .expect(200);
    }
    assert_eq!(s.snapshot().await, before);
    // Alongside a permitted change, the resent values are still fine.
    let r = s
        .patch(
            s.alice.t(),
            &path,
            json!({"status": "In Progress", "assigned_agent_id": s.agent.id, "priority": "High"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(r["priority"], "High");
    // Unassigning is a change.
    s.patch(s.alice.t(), &path, json!({"assigned_agent_id": null}))
        .await
        .expect_detail(403);
}
