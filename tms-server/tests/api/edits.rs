//! Concurrent edits: two full-object PUTs built from the same read (the web client's form)
//! must not silently undo each other, while clients that send only what they change are
//! taken at their word.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn a_stale_full_object_put_keeps_a_colleagues_change() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "Printer jams").await;
    let path = format!("/api/v1/tickets/{t}");
    let read: Value = s.get(s.agent.t(), &path).await.expect(200).clone();
    // Both agents' forms are filled from the same read.
    let mut first = read.clone();
    first["status"] = json!("In Progress");
    first["assigned_agent_id"] = json!(s.agent.id);
    s.put(s.agent.t(), &path, first).await.expect(200);
    let mut second = read.clone();
    second["priority"] = json!("High");
    second["description"] = json!("Printer jams on every page");
    let after = s.put(s.agent2.t(), &path, second).await.expect(200).clone();
    assert_eq!(after["priority"], "High", "the second form's own change");
    assert_eq!(after["description"], "Printer jams on every page");
    assert_eq!(
        after["status"], "In Progress",
        "the first form's change stays"
    );
    assert_eq!(after["assigned_agent_id"], s.agent.id);

    // The same user sending a full object changes anything they like (they saw their own
    // change), and a partial update is never second-guessed.
    let mut mine: Value = s.get(s.agent.t(), &path).await.expect(200).clone();
    mine["status"] = json!("Open");
    let r = s.put(s.agent.t(), &path, mine).await.expect(200).clone();
    assert_eq!(r["status"], "Open");
    let r = s
        .patch(s.agent2.t(), &path, json!({"status": "Resolved"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(r["status"], "Resolved");
    // A PATCH is never second-guessed, even when it sends every field.
    let mut full: Value = s.get(s.agent2.t(), &path).await.expect(200).clone();
    full["status"] = json!("Open");
    full["resolution_date"] = json!(null);
    let r = s.patch(s.agent2.t(), &path, full).await.expect(200).clone();
    assert_eq!(r["status"], "Open");
    s.patch(s.agent2.t(), &path, json!({"status": "Resolved"}))
        .await
        .expect(200);
    // A deliberate change to a third value in a full object is applied too.
    let mut third: Value = s.get(s.admin.t(), &path).await.expect(200).clone();
    third["status"] = json!("In Progress");
    third["resolution_date"] = json!(null);
    let r = s.put(s.admin.t(), &path, third).await.expect(200).clone();
    assert_eq!(r["status"], "In Progress");
}

#[tokio::test]
async fn a_stale_full_object_put_keeps_a_colleagues_resolution_date() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "Scanner").await;
    s.backdate_ticket(t, time::Duration::hours(1)).await;
    let path = format!("/api/v1/tickets/{t}");
    s.patch(s.agent.t(), &path, json!({"status": "Resolved"}))
        .await
        .expect(200);
    let read: Value = s.get(s.agent.t(), &path).await.expect(200).clone();
    // A colleague dates the resolution earlier…
    let created = tms_core::timefmt::parse(read["creation_date"].as_str().unwrap()).unwrap();
    let earlier = tms_core::timefmt::format(created + time::Duration::minutes(10));
    s.patch(s.agent2.t(), &path, json!({"resolution_date": earlier}))
        .await
        .expect(200);
    // …and a form filled before that saves a priority change with everything else it read.
    let mut form = read.clone();
    form["priority"] = json!("High");
    let r = s.put(s.agent.t(), &path, form).await.expect(200).clone();
    assert_eq!(r["priority"], "High");
    assert_eq!(
        r["resolution_date"],
        json!(earlier),
        "the colleague's date stays"
    );
}
