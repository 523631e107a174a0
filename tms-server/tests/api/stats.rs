//! The dashboard's statistics (docs/API.md, "Statistics"): counts by status, priority and
//! assignee, per day over the last 30 days, the oldest open tickets and the SLA states, for
//! staff only.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::sla::{age, answered_late_and_resolved, staff_ticket};

const PATH: &str = "/api/v1/stats";

async fn stats(s: &Srv) -> Value {
    s.get(s.agent.t(), PATH).await.expect(200).clone()
}

/// `YYYY-MM-DD` of the UTC day `days_ago` before today.
fn day(days_ago: i64) -> String {
    let d = (time::OffsetDateTime::now_utc() - time::Duration::days(days_ago)).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The count of `date` in a per-day list, checking the list's shape on the way.
fn on(per_day: &Value, date: &str) -> u64 {
    let days = per_day.as_array().unwrap();
    assert_eq!(days.len(), 30, "{per_day}");
    assert_eq!(days[29]["date"], day(0), "today last");
    assert_eq!(days[0]["date"], day(29), "oldest first");
    days.iter()
        .find(|d| d["date"] == date)
        .map_or(0, |d| d["count"].as_u64().unwrap())
}

fn total(per_day: &Value) -> u64 {
    per_day
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["count"].as_u64().unwrap())
        .sum()
}

#[tokio::test]
async fn staff_only() {
    let s = start().await;
    s.get("", PATH).await.expect(401);
    assert!(
        s.get(s.alice.t(), PATH)
            .await
            .expect_detail(403)
            .contains("statistics")
    );
    s.get(s.admin.t(), PATH).await.expect(200);
    let empty = stats(&s).await;
    assert_eq!(
        empty["by_status"],
        json!({"Open": 0, "In Progress": 0, "Waiting": 0, "Resolved": 0})
    );
    assert_eq!(
        empty["by_priority"],
        json!({"Low": 0, "Medium": 0, "High": 0})
    );
    assert_eq!(total(&empty["created_per_day"]), 0);
    assert_eq!(on(&empty["resolved_per_day"], &day(0)), 0);
    assert_eq!(empty["open_per_agent"], json!([]));
    assert_eq!(empty["oldest_open"], json!([]));
    assert_eq!(empty["sla"], json!({"at_risk": 0, "breached": 0}));
    assert_eq!(
        keys(&empty),
        [
            "by_priority",
            "by_status",
            "created_per_day",
            "oldest_open",
            "open_per_agent",
            "resolved_per_day",
            "sla"
        ]
    );
}

#[tokio::test]
async fn the_numbers_are_the_tickets() {
    let s = start().await;
    let filed = |body: Value| {
        let s = &s;
        async move {
            s.ticket_with(s.agent.t(), body).await["id"]
                .as_i64()
                .unwrap()
        }
    };
    let plain = |title: &str, extra: Value| {
        let mut b = json!({"title": title, "description": "as filed"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    // Open, Medium, unassigned, filed by a requester: today.
    let mine = s.ticket(s.alice.t(), "Printer").await;
    // Open, High, the agent's, three days ago.
    let old = filed(plain(
        "Old",
        json!({"priority": "High", "assigned_agent_id": s.agent.id}),
    ))
    .await;
    s.backdate_ticket(old, time::Duration::days(3)).await;
    // In Progress, Low, the agent's: forty days ago (before the window).
    let older = filed(plain(
        "Older",
        json!({"priority": "Low", "status": "In Progress", "assigned_agent_id": s.agent.id}),
    ))
    .await;
    s.backdate_ticket(older, time::Duration::days(40)).await;
    // In Progress, Medium, agent2's, a day ago.
    let second = filed(plain(
        "Second",
        json!({"status": "In Progress", "assigned_agent_id": s.agent2.id}),
    ))
    .await;
    s.backdate_ticket(second, time::Duration::days(1)).await;
    // Waiting (not open), the agent's.
    filed(plain(
        "Waiting",
        json!({"status": "Waiting", "assigned_agent_id": s.agent.id}),
    ))
    .await;
    // Resolved today, and one resolved two days ago (filed five days ago).
    filed(plain(
        "Done",
        json!({"status": "Resolved", "priority": "Low"}),
    ))
    .await;
    let done = filed(plain("Done before", json!({"status": "Resolved"}))).await;
    s.backdate_ticket(done, time::Duration::days(5)).await;
    let two_days = i64::try_from(time::Duration::days(2).whole_microseconds()).unwrap();
    s.sql(&format!(
        "UPDATE tickets SET resolution_date = resolution_date - {two_days} WHERE id = {done}"
    ))
    .await;

    let st = stats(&s).await;
    assert_eq!(
        st["by_status"],
        json!({"Open": 2, "In Progress": 2, "Waiting": 1, "Resolved": 2}),
        "{st}"
    );
    assert_eq!(st["by_priority"], json!({"Low": 2, "Medium": 4, "High": 1}));

    let created = &st["created_per_day"];
    assert_eq!(on(created, &day(0)), 3, "{created}");
    assert_eq!(on(created, &day(1)), 1);
    assert_eq!(on(created, &day(3)), 1);
    assert_eq!(on(created, &day(5)), 1);
    assert_eq!(total(created), 6, "the one filed 40 days ago is left out");
    let resolved = &st["resolved_per_day"];
    assert_eq!(on(resolved, &day(0)), 1, "{resolved}");
    assert_eq!(on(resolved, &day(2)), 1);
    assert_eq!(total(resolved), 2);

    let agents: Vec<(i64, u64)> = st["open_per_agent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["agent"]["id"].as_i64().unwrap(),
                a["open"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        agents,
        [(s.agent.id, 2), (s.agent2.id, 1)],
        "Open and In Progress only, most first"
    );
    assert_eq!(st["open_per_agent"][0]["agent"]["username"], "agent");
    assert_eq!(
        st["open_per_agent"][0]["agent"]["email"],
        "agent@example.com"
    );

    let oldest: Vec<i64> = st["oldest_open"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        oldest,
        [older, old, second, mine],
        "oldest first, open only"
    );
    let first = &st["oldest_open"][0];
    assert_eq!(
        keys(first),
        ["creation_date", "id", "priority", "status", "title"]
    );
    assert_eq!(first["title"], "Older");
    assert_eq!(first["status"], "In Progress");
    assert_eq!(first["priority"], "Low");
    assert_wire_time(&first["creation_date"]);

    // Changes show at once; at most five oldest.
    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{older}"),
        json!({"status": "Resolved"}),
    )
    .await
    .expect(200);
    for i in 0..4 {
        s.ticket(s.bob.t(), &format!("More {i}")).await;
    }
    let st = stats(&s).await;
    assert_eq!(st["by_status"]["Open"], 6);
    assert_eq!(st["by_status"]["Resolved"], 3);
    assert_eq!(on(&st["resolved_per_day"], &day(0)), 2);
    assert_eq!(st["open_per_agent"][0]["open"], 1);
    let oldest = st["oldest_open"].as_array().unwrap();
    assert_eq!(oldest.len(), 5);
    assert_eq!(oldest[0]["id"], old);
}

#[tokio::test]
async fn sla_states_are_counted_and_null_when_the_policy_is_off() {
    let s = start().await;
    let id = |t: &Value| t["id"].as_i64().unwrap();
    id(&staff_ticket(&s, "High").await);
    let at_risk = id(&staff_ticket(&s, "High").await);
    age(&s, at_risk, time::Duration::minutes(50)).await;
    for _ in 0..2 {
        let breached = id(&staff_ticket(&s, "High").await);
        age(&s, breached, time::Duration::minutes(90)).await;
    }
    // Answered late, then resolved: breached for good.
    answered_late_and_resolved(&s).await;

    let st = stats(&s).await;
    assert_eq!(st["sla"], json!({"at_risk": 1, "breached": 3}), "{st}");
    // The same as the lists' totals.
    for state in ["at_risk", "breached"] {
        let page = s
            .get(s.agent.t(), &format!("/api/v1/tickets/?sla={state}"))
            .await
            .expect(200)
            .clone();
        assert_eq!(page["total"], st["sla"][state], "sla={state}");
    }

    let mut off = s
        .get(s.admin.t(), "/api/v1/admin/sla")
        .await
        .expect(200)
        .clone();
    off["enabled"] = json!(false);
    s.put(s.admin.t(), "/api/v1/admin/sla", off)
        .await
        .expect(200);
    let st = stats(&s).await;
    assert_eq!(st["sla"], json!(null), "{st}");
    assert_eq!(st["by_status"]["Open"], 4);
}
