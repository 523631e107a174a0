//! Auto-assignment (docs/API.md, "Auto-assignment"): the mode (SysAdmin), staff away, new
//! tickets shared out in turn or to the least loaded, logged as assignments; on two servers
//! sharing one PostgreSQL database, fairly.

use serde_json::{Value, json};
use tms_core::Role;

use crate::helpers::*;

async fn set_mode(s: &Srv, mode: &str) -> Value {
    s.put(
        s.admin.t(),
        "/api/v1/admin/assignment",
        json!({ "mode": mode }),
    )
    .await
    .expect(200)
    .clone()
}

/// Files a ticket as Alice; returns whom it went to.
async fn filed(s: &Srv) -> Option<i64> {
    let id = s.ticket(s.alice.t(), "help").await;
    s.ticket_detail(id).await["assigned_agent_id"].as_i64()
}

#[tokio::test]
async fn the_mode_is_the_admins_and_off_by_default() {
    let s = start().await;
    let got = s
        .get(s.admin.t(), "/api/v1/admin/assignment")
        .await
        .expect(200)
        .clone();
    assert_eq!(got["mode"], "off");
    let agents: Vec<i64> = got["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        agents,
        [s.agent.id, s.agent2.id],
        "active helpdesk agents only"
    );
    assert_eq!(filed(&s).await, None, "off: nobody is assigned");

    for who in [&s.agent, &s.alice] {
        s.get(who.t(), "/api/v1/admin/assignment")
            .await
            .expect_detail(403);
        s.put(
            who.t(),
            "/api/v1/admin/assignment",
            json!({"mode": "round_robin"}),
        )
        .await
        .expect_detail(403);
    }
    for bad in [
        json!({"mode": "random"}),
        json!({}),
        json!({"mode": "off", "x": 1}),
    ] {
        s.put(s.admin.t(), "/api/v1/admin/assignment", bad)
            .await
            .expect_422();
    }
    assert_eq!(
        s.get(s.admin.t(), "/api/v1/admin/assignment")
            .await
            .expect(200)["mode"],
        "off",
        "refused changes change nothing"
    );

    let b4 = s.log().await;
    let got = set_mode(&s, "least_loaded").await;
    assert_eq!(got["mode"], "least_loaded");
    let logged = s.log_since(&b4).await;
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].details, "set auto-assignment to least loaded");
    set_mode(&s, "least_loaded").await;
    assert_eq!(s.log_since(&b4).await.len(), 1, "no change, nothing logged");
}

#[tokio::test]
async fn round_robin_takes_turns_logs_it_and_skips_the_away_and_inactive() {
    let s = start().await;
    set_mode(&s, "round_robin").await;
    let b4 = s.log().await;
    let first = filed(&s).await;
    assert_eq!(first, Some(s.agent.id));
    let logged = s.log_since(&b4).await;
    let kinds: Vec<&str> = logged.iter().map(|l| l.details.as_str()).collect();
    assert!(
        kinds.iter().any(|d| d.ends_with(&format!(
            "assignee nobody → {} (auto-assignment, round robin)",
            s.agent.username
        ))),
        "{kinds:?}"
    );
    let id = logged[0].ticket_id.unwrap();
    let history = s
        .get(s.alice.t(), &format!("/api/v1/tickets/{id}/history"))
        .await
        .expect(200)
        .clone();
    let assignee = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "assignee")
        .expect("the assignment is in the history");
    assert_eq!(assignee["to"], s.agent.username.as_str());

    assert_eq!(filed(&s).await, Some(s.agent2.id));
    assert_eq!(filed(&s).await, Some(s.agent.id));

    // Away: skipped, and the flag shows on the account.
    let me = s
        .put(s.agent.t(), "/users/me/away", json!({"away": true}))
        .await
        .expect(200)
        .clone();
    assert_eq!(me["is_away"], true);
    assert_eq!(
        s.get(s.agent.t(), "/users/me").await.expect(200)["is_away"],
        true
    );
    assert_eq!(filed(&s).await, Some(s.agent2.id));
    assert_eq!(filed(&s).await, Some(s.agent2.id));

    // Requesters take no tickets, so they cannot be away.
    s.put(s.alice.t(), "/users/me/away", json!({"away": true}))
        .await
        .expect_detail(403);
    s.put(s.agent.t(), "/users/me/away", json!({"away": "yes"}))
        .await
        .expect_422();
    s.put(
        s.admin.t(),
        &format!("/api/v1/admin/users/{}", s.alice.id),
        json!({"is_away": true}),
    )
    .await
    .expect_422();

    // An admin marks the other agent away: nobody is left, the ticket stays unassigned.
    s.put(
        s.admin.t(),
        &format!("/api/v1/admin/users/{}", s.agent2.id),
        json!({"is_away": true}),
    )
    .await
    .expect(200);
    assert_eq!(filed(&s).await, None);

    // Back; a deactivated agent is skipped as well.
    s.put(s.agent.t(), "/users/me/away", json!({"away": false}))
        .await
        .expect(200);
    let carol = s.add_user("carol", Role::Agent).await;
    s.put(
        s.admin.t(),
        &format!("/api/v1/admin/users/{}", s.agent2.id),
        json!({"is_away": false}),
    )
    .await
    .expect(200);
    s.delete(s.admin.t(), &format!("/api/v1/admin/users/{}", s.agent2.id))
        .await
        .expect(200);
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(filed(&s).await.unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, [s.agent.id, s.agent.id, carol.id, carol.id]);
}

#[tokio::test]
async fn least_loaded_fills_the_emptiest_queue_ties_in_turn() {
    let s = start().await;
    // The first agent has three tickets in work, one Waiting and one Resolved (not counted).
    for status in ["Open", "In Progress", "Open", "Waiting", "Resolved"] {
        s.ticket_with(
            s.agent.t(),
            json!({"title": "t", "description": "d", "requester_id": s.alice.id,
                   "assigned_agent_id": s.agent.id, "status": status}),
        )
        .await;
    }
    set_mode(&s, "least_loaded").await;
    let loads = s
        .get(s.admin.t(), "/api/v1/admin/assignment")
        .await
        .expect(200)["agents"]
        .clone();
    assert_eq!(loads[0]["open"], 3);
    assert_eq!(loads[1]["open"], 0);
    for _ in 0..3 {
        assert_eq!(filed(&s).await, Some(s.agent2.id));
    }
    // 3 and 3: in turn from here.
    let next = [filed(&s).await.unwrap(), filed(&s).await.unwrap()];
    assert_eq!(next, [s.agent.id, s.agent2.id]);

    // An assignee named, or a ticket filed resolved, is left as sent.
    let t = s
        .ticket_with(
            s.agent.t(),
            json!({"title": "t", "description": "d", "requester_id": s.alice.id,
                   "assigned_agent_id": s.agent.id}),
        )
        .await;
    assert_eq!(t["assigned_agent_id"], s.agent.id);
    let t = s
        .ticket_with(
            s.agent.t(),
            json!({"title": "t", "description": "d", "requester_id": s.alice.id,
                   "status": "Resolved"}),
        )
        .await;
    assert_eq!(t["assigned_agent_id"], Value::Null);
}

#[tokio::test]
async fn two_servers_share_out_fairly_under_concurrent_filing() {
    let Some((a, b)) = start_pair().await else {
        eprintln!("skipped: set TMS_TEST_DATABASE_URL to run the two-server tests");
        return;
    };
    for (mode, n) in [("round_robin", 40), ("least_loaded", 40)] {
        set_mode(&a, mode).await;
        let before = loads(&a).await;
        let mut filing = Vec::new();
        for i in 0..n {
            let srv = if i % 2 == 0 { &a } else { &b };
            filing.push(srv.ticket(srv.alice.t(), "concurrent"));
        }
        futures_util::future::join_all(filing).await;
        let after = loads(&a).await;
        let gained: Vec<i64> = after.iter().zip(&before).map(|(x, y)| x - y).collect();
        assert_eq!(
            gained.iter().sum::<i64>(),
            n,
            "{mode}: every ticket assigned"
        );
        assert_eq!(gained[0], gained[1], "{mode}: shared evenly: {gained:?}");
    }
}

async fn loads(s: &Srv) -> Vec<i64> {
    s.get(s.admin.t(), "/api/v1/admin/assignment")
        .await
        .expect(200)["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["open"].as_i64().unwrap())
        .collect()
}
