//! A ticket's history: every change, oldest first, for whoever may see the ticket.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn history_lists_every_change_oldest_first() {
    let s = start().await;
    let t = s
        .ticket_with(
            s.agent.t(),
            json!({"title": "VPN drops", "description": "every hour", "requester_id": s.alice.id}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/tickets/{t}");
    s.patch(
        s.agent.t(),
        &path,
        json!({"status": "In Progress", "assigned_agent_id": s.agent2.id}),
    )
    .await
    .expect(200);
    s.comment(s.alice.t(), t, "still dropping").await;
    s.patch(
        s.alice.t(),
        &path,
        json!({"priority": "High", "title": "VPN drops hourly"}),
    )
    .await
    .expect(200);
    s.patch(s.agent2.t(), &path, json!({"status": "Resolved"}))
        .await
        .expect(200);

    let h: Value = s
        .get(s.alice.t(), &format!("{path}/history"))
        .await
        .expect(200)
        .clone();
    let rows: Vec<(String, String, Value, Value)> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_wire_time(&e["at"]);
            assert_eq!(keys(&e["actor"]), ["id", "role", "username"]);
            (
                e["kind"].as_str().unwrap().to_string(),
                e["actor"]["username"].as_str().unwrap().to_string(),
                e["from"].clone(),
                e["to"].clone(),
            )
        })
        .collect();
    let row = |kind: &str, who: &str, from: Value, to: Value| {
        (kind.to_string(), who.to_string(), from, to)
    };
    assert_eq!(
        rows[..6],
        [
            row("created", "agent", json!(null), json!("VPN drops")),
            row("status", "agent", json!("Open"), json!("In Progress")),
            row("assignee", "agent", json!(null), json!("agent2")),
            row("comment", "alice", json!(null), json!("still dropping")),
            row(
                "title",
                "alice",
                json!("VPN drops"),
                json!("VPN drops hourly")
            ),
            row("priority", "alice", json!("Medium"), json!("High")),
        ]
    );
    assert_eq!(rows[6].0, "status");
    assert_eq!(rows[7].0, "resolution_date");
    assert!(rows[7].3.is_string() && rows[7].2.is_null());
    assert_eq!(rows.len(), 8);
    // Staff see the same; a requester who may not see the ticket gets the 404 of a missing one.
    let staff: Value = s
        .get(s.admin.t(), &format!("{path}/history"))
        .await
        .expect(200)
        .clone();
    assert_eq!(staff, h);
    s.get(s.bob.t(), &format!("{path}/history"))
        .await
        .expect_detail(404);
    s.get(s.bob.t(), "/api/v1/tickets/999999/history")
        .await
        .expect_detail(404);
}
