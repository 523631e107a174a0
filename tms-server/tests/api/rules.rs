//! Status, resolution and assignment rules (docs/API.md, "Rules"), through the API.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::helpers::*;

/// A timestamp of a reply: UTC, no offset, whole seconds.
fn ts(v: &Value) -> OffsetDateTime {
    tms_core::timefmt::parse(v.as_str().unwrap()).unwrap()
}

fn fmt(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

#[tokio::test]
async fn resolving_stamps_now_and_reopening_clears() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "to resolve").await;
    let path = format!("/api/v1/tickets/{t}");
    let start = OffsetDateTime::now_utc();
    let r = s
        .patch(s.agent.t(), &path, json!({"status": "Resolved"}))
        .await
        .expect(200)
        .clone();
    let end = OffsetDateTime::now_utc();
    assert_eq!(r["status"], "Resolved");
    let stamped = ts(&r["resolution_date"]);
    assert!(stamped >= start - time::Duration::seconds(1) && stamped <= end);
    assert_wire_time(&r["resolution_date"]);
    // Staying resolved keeps the date, even across other edits.
    let r = s
        .patch(
            s.agent.t(),
            &path,
            json!({"priority": "High", "status": "Resolved"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(ts(&r["resolution_date"]), stamped);
    // Any status to any other.
    for status in [
        "In Progress",
        "Open",
        "Resolved",
        "Open",
        "In Progress",
        "Resolved",
    ] {
        let r = s
            .patch(s.agent.t(), &path, json!({"status": status}))
            .await
            .expect(200)
            .clone();
        assert_eq!(r["status"], status);
        assert_eq!(
            r["resolution_date"].is_null(),
            status != "Resolved",
            "{status}"
        );
    }
    let r = s
        .patch(s.agent.t(), &path, json!({"status": "Open"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(r["resolution_date"], json!(null));
}

#[tokio::test]
async fn a_given_resolution_date_must_lie_between_creation_and_now() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "dated").await;
    let path = format!("/api/v1/tickets/{t}");
    // Replies show whole seconds: dates a few seconds apart.
    s.backdate_ticket(t, time::Duration::seconds(30)).await;
    let created = ts(&s.ticket_detail(t).await["creation_date"]);
    let before = s.snapshot().await;
    for bad in [
        fmt(created - time::Duration::seconds(5)),
        fmt(OffsetDateTime::now_utc() + time::Duration::hours(1)),
        "2000-01-01T00:00:00".to_string(),
    ] {
        let locs = s
            .patch(
                s.agent.t(),
                &path,
                json!({"status": "Resolved", "resolution_date": bad}),
            )
            .await
            .expect_422();
        assert_eq!(locs[0], ["body", "resolution_date"], "{bad}");
    }
    for garbage in [json!("yesterday"), json!(5), json!("2026-13-45T99:00:00Z")] {
        s.patch(
            s.agent.t(),
            &path,
            json!({"status": "Resolved", "resolution_date": garbage}),
        )
        .await
        .expect_422();
    }
    assert_eq!(s.snapshot().await, before, "refused updates change nothing");
    let inside = created + time::Duration::seconds(10);
    let r = s
        .patch(
            s.agent.t(),
            &path,
            json!({"status": "Resolved", "resolution_date": fmt(inside)}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(ts(&r["resolution_date"]), inside);
    // Changing the date of a resolved ticket, alone.
    let later = created + time::Duration::seconds(20);
    let r = s
        .patch(s.admin.t(), &path, json!({"resolution_date": fmt(later)}))
        .await
        .expect(200)
        .clone();
    assert_eq!(ts(&r["resolution_date"]), later);
    // An offset-less time is taken as UTC.
    let naive = OffsetDateTime::now_utc() - time::Duration::minutes(0);
    let naive_text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        naive.year(),
        u8::from(naive.month()),
        naive.day(),
        naive.hour(),
        naive.minute(),
        naive.second()
    );
    if ts(&json!(format!("{naive_text}Z"))) >= created {
        let r = s
            .patch(s.admin.t(), &path, json!({"resolution_date": naive_text}))
            .await
            .expect(200)
            .clone();
        assert_eq!(r["resolution_date"], json!(naive_text));
    }
}

#[tokio::test]
async fn echoing_the_stored_date_is_a_no_op_and_other_dates_on_unresolved_are_422() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "echo").await;
    let path = format!("/api/v1/tickets/{t}");
    let r = s
        .patch(s.agent.t(), &path, json!({"status": "Resolved"}))
        .await
        .expect(200)
        .clone();
    let stored = r["resolution_date"].clone();
    let log = s.log().await;
    // Echo while staying resolved: no change at all.
    let same = s
        .put(
            s.agent.t(),
            &path,
            json!({"status": "Resolved", "resolution_date": stored}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(same, r);
    assert_eq!(s.log().await, log);
    // Reopen while echoing it: accepted, date cleared.
    let reopened = s
        .put(
            s.agent.t(),
            &path,
            json!({"status": "In Progress", "resolution_date": stored}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(reopened["resolution_date"], json!(null));
    // null resolution date on an open ticket: fine.
    s.patch(s.agent.t(), &path, json!({"resolution_date": null}))
        .await
        .expect(200);
    // Any date on a ticket that ends up not Resolved: 422.
    let before = s.snapshot().await;
    let created = ts(&s.ticket_detail(t).await["creation_date"]);
    for body in [
        json!({"resolution_date": stored}),
        json!({"resolution_date": fmt(created)}),
        json!({"status": "Open", "resolution_date": fmt(created)}),
    ] {
        let locs = s.patch(s.agent.t(), &path, body.clone()).await.expect_422();
        assert_eq!(locs[0], ["body", "resolution_date"], "{body}");
    }
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn assignment_rules() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "assign me").await;
    let path = format!("/api/v1/tickets/{t}");
    // Take.
    let r = s
        .patch(s.agent.t(), &path, json!({"assigned_agent_id": s.agent.id}))
        .await
        .expect(200)
        .clone();
    assert_eq!(r["assigned_agent_id"], s.agent.id);
    assert_eq!(r["assigned_agent"]["username"], "agent");
    // Hand to another agent, and to an admin.
    let r = s
        .patch(
            s.agent.t(),
            &path,
            json!({"assigned_agent_id": s.agent2.id}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(r["assigned_agent_id"], s.agent2.id);
    let r = s
        .put(s.agent.t(), &path, json!({"assigned_agent_id": s.admin.id}))
        .await
        .expect(200)
        .clone();
    assert_eq!(r["assigned_agent_id"], s.admin.id);
    // Omitted: stays.
    let r = s
        .patch(s.agent.t(), &path, json!({"priority": "Low"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(r["assigned_agent_id"], s.admin.id);
    // null: release.
    let r = s
        .patch(s.agent2.t(), &path, json!({"assigned_agent_id": null}))
        .await
        .expect(200)
        .clone();
    assert_eq!(r["assigned_agent_id"], json!(null));
    assert_eq!(r["assigned_agent"], json!(null));
    // Not an active agent or admin: 422, nothing changes.
    let inactive = s.add_user("gone", tms_core::Role::Agent).await;
    s.delete(s.admin.t(), &format!("/api/v1/admin/users/{}", inactive.id))
        .await
        .expect(200);
    let before = s.snapshot().await;
    for bad in [
        json!(s.alice.id),
        json!(inactive.id),
        json!(424242),
        json!(-1),
        json!(0),
        json!(i64::MAX),
    ] {
        let locs = s
            .patch(s.admin.t(), &path, json!({"assigned_agent_id": bad}))
            .await
            .expect_422();
        assert_eq!(locs[0], ["body", "assigned_agent_id"], "{bad}");
    }
    // An integer-valued string is an integer (as the seed's framework took it); others are not.
    for wrong_type in [
        json!("2x"),
        json!(" 2"),
        json!(1.5),
        json!(true),
        json!([2]),
    ] {
        s.patch(s.admin.t(), &path, json!({"assigned_agent_id": wrong_type}))
            .await
            .expect_422();
    }
    assert_eq!(s.snapshot().await, before);
}
