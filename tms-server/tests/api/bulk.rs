//! `POST /api/v1/tickets/bulk`: one change for many tickets, all or nothing; each ticket's
//! change logged as if made alone.

use serde_json::{Value, json};

use crate::helpers::*;

/// `(loc, type)` of every entry of a 422's list.
fn refusals(r: &Resp) -> Vec<(Vec<String>, String)> {
    r.expect(422)["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let loc = f["loc"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap().to_string())
                .collect();
            (loc, f["type"].as_str().unwrap().to_string())
        })
        .collect()
}

fn at(id: i64) -> Vec<String> {
    vec!["body".into(), "ids".into(), id.to_string()]
}

async fn statuses(s: &Srv, ids: &[i64]) -> Vec<Value> {
    let mut out = Vec::new();
    for id in ids {
        let t = s.get(s.agent.t(), &format!("/api/v1/tickets/{id}")).await;
        out.push(t.expect(200)["status"].clone());
    }
    out
}

#[tokio::test]
async fn every_ticket_takes_the_change_and_each_is_logged_as_if_made_alone() {
    let s = start().await;
    let a = s.ticket(s.alice.t(), "Printer jams").await;
    let b = s.ticket(s.bob.t(), "Scanner offline").await;
    let c = s.ticket(s.alice.t(), "Toner low").await;
    let r = s
        .post(
            s.agent.t(),
            "/api/v1/tickets/bulk",
            json!({"ids": [c, a, b], "changes": {"status": "In Progress", "assigned_agent_id": s.agent2.id}}),
        )
        .await;
    let updated = r.expect(200)["updated"].as_array().unwrap().clone();
    let order: Vec<i64> = updated.iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(order, [c, a, b], "in the order asked");
    for t in &updated {
        assert_eq!(t["status"], "In Progress");
        assert_eq!(t["assigned_agent"]["id"], s.agent2.id);
        assert_eq!(t["version"], 2);
    }
    for id in [a, b, c] {
        let history = s
            .get(s.agent.t(), &format!("/api/v1/tickets/{id}/history"))
            .await;
        let kinds: Vec<&str> = history.expect(200).as_array().unwrap()[1..]
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["status", "assignee"], "ticket {id}");
    }
    let log = s
        .get(s.admin.t(), "/api/v1/logs/?activity_type=Update")
        .await;
    let mut logged: Vec<String> = log
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["details"].as_str().unwrap().to_string())
        .collect();
    logged.sort();
    let mut expected: Vec<String> = [a, b, c]
        .iter()
        .map(|id| {
            format!("updated ticket {id}: status Open → In Progress, assignee nobody → agent2")
        })
        .collect();
    expected.sort();
    assert_eq!(logged, expected);
    // Unassigning in bulk, by an admin.
    let r = s
        .post(
            s.admin.t(),
            "/api/v1/tickets/bulk",
            json!({"ids": [a, b], "changes": {"assigned_agent_id": null, "priority": "High"}}),
        )
        .await;
    for t in r.expect(200)["updated"].as_array().unwrap() {
        assert!(t["assigned_agent"].is_null());
        assert_eq!(t["priority"], "High");
    }
}

#[tokio::test]
async fn when_any_ticket_cannot_take_it_nothing_changes_and_every_failure_is_named() {
    let s = start().await;
    let a = s.ticket(s.alice.t(), "Printer jams").await;
    let b = s.ticket(s.bob.t(), "Scanner offline").await;
    let log_before = s
        .get(s.admin.t(), "/api/v1/logs/")
        .await
        .expect(200)
        .clone();
    let mut events = s.state.store.events().subscribe();

    // A ticket that does not exist, among two that do.
    let r = s
        .post(
            s.agent.t(),
            "/api/v1/tickets/bulk",
            json!({"ids": [a, 999_999, b], "changes": {"status": "Resolved"}}),
        )
        .await;
    assert_eq!(refusals(&r), [(at(999_999), "not_found".to_string())]);
    assert!(r.text.contains("ticket 999999"), "{}", r.text);
    assert_eq!(statuses(&s, &[a, b]).await, [json!("Open"), json!("Open")]);

    // An assignee no ticket may have: every ticket named.
    let r = s
        .post(
            s.agent.t(),
            "/api/v1/tickets/bulk",
            json!({"ids": [a, b], "changes": {"status": "In Progress", "assigned_agent_id": s.alice.id}}),
        )
        .await;
    assert_eq!(
        refusals(&r),
        [
            (at(a), "value_error".to_string()),
            (at(b), "value_error".to_string())
        ]
    );
    assert_eq!(statuses(&s, &[a, b]).await, [json!("Open"), json!("Open")]);
    let log_after = s
        .get(s.admin.t(), "/api/v1/logs/")
        .await
        .expect(200)
        .clone();
    assert_eq!(log_after, log_before, "nothing logged");
    assert!(events.try_recv().is_err(), "nothing published");
}

#[tokio::test]
async fn bulk_changes_are_for_staff_and_well_formed_requests() {
    let s = start().await;
    let a = s.ticket(s.alice.t(), "Printer jams").await;
    s.post(
        s.alice.t(),
        "/api/v1/tickets/bulk",
        json!({"ids": [a], "changes": {"priority": "High"}}),
    )
    .await
    .expect_detail(403);
    let bad = [
        json!({"ids": [], "changes": {"priority": "High"}}),
        json!({"ids": (1..=501).collect::<Vec<i64>>(), "changes": {"priority": "High"}}),
        json!({"ids": [a, a], "changes": {"priority": "High"}}),
        json!({"ids": [a], "changes": {}}),
        json!({"ids": [a], "changes": {"priority": "Urgent"}}),
        json!({"ids": [a], "changes": {"title": "Not in bulk"}}),
        json!({"ids": [a]}),
        json!({"ids": "1,2", "changes": {"priority": "High"}}),
    ];
    for body in bad {
        let r = s
            .post(s.agent.t(), "/api/v1/tickets/bulk", body.clone())
            .await;
        assert_eq!(r.status, 422, "{body}: {r:?}");
    }
    let t = s.get(s.agent.t(), &format!("/api/v1/tickets/{a}")).await;
    assert_eq!(t.expect(200)["priority"], "Medium");
}

#[tokio::test]
async fn a_requester_never_learns_of_others_tickets_through_a_bulk_change() {
    let s = start().await;
    // Staff only: a requester is refused before any ticket is looked at.
    let theirs = s.ticket(s.bob.t(), "Payroll question").await;
    let r = s
        .post(
            s.alice.t(),
            "/api/v1/tickets/bulk",
            json!({"ids": [theirs], "changes": {"priority": "Low"}}),
        )
        .await;
    r.expect_detail(403);
    assert!(!r.text.contains("Payroll"));
}
