//! The SLA policy (docs/API.md, "SLA policy"): the default, a SysAdmin's change checked whole
//! and logged, every invalid part named in one 422 that changes nothing.

use serde_json::{Value, json};

use crate::helpers::*;

const PATH: &str = "/api/v1/admin/sla";

fn office() -> Value {
    let day = json!([["09:00", "17:00"]]);
    json!({
        "enabled": true,
        "time_zone": "Europe/Berlin",
        "business_hours": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day,
                           "sat": [], "sun": []},
        "holidays": ["2026-12-25", "2026-12-26"],
        "targets": {
            "High": {"first_response_minutes": 30, "resolution_minutes": 240},
            "Medium": {"first_response_minutes": 120, "resolution_minutes": 960},
            "Low": {"first_response_minutes": 480, "resolution_minutes": 2400}
        }
    })
}

#[tokio::test]
async fn the_default_is_around_the_clock_with_the_usual_targets() {
    let s = start().await;
    let p = s.get(s.admin.t(), PATH).await.expect(200).clone();
    assert_eq!(p["enabled"], true);
    assert_eq!(p["time_zone"], "UTC");
    assert_eq!(p["business_hours"]["sun"], json!([["00:00", "24:00"]]));
    assert_eq!(p["holidays"], json!([]));
    let minutes = |prio: &str| {
        (
            p["targets"][prio]["first_response_minutes"]
                .as_u64()
                .unwrap(),
            p["targets"][prio]["resolution_minutes"].as_u64().unwrap(),
        )
    };
    assert_eq!(minutes("High"), (60, 480));
    assert_eq!(minutes("Medium"), (240, 1440));
    assert_eq!(minutes("Low"), (480, 4320));
    for who in [&s.agent, &s.alice] {
        s.get(who.t(), PATH).await.expect_detail(403);
        s.put(who.t(), PATH, office()).await.expect_detail(403);
    }
}

#[tokio::test]
async fn a_sysadmin_sets_office_hours_and_holidays_logged() {
    let s = start().await;
    let b4 = s.log().await;
    let got = s.put(s.admin.t(), PATH, office()).await.expect(200).clone();
    assert_eq!(got, office());
    assert_eq!(s.get(s.admin.t(), PATH).await.expect(200).clone(), office());
    let logged = s.log_since(&b4).await;
    assert_eq!(logged.len(), 1);
    assert_eq!(
        logged[0].details,
        "changed the SLA policy: on, Europe/Berlin"
    );
    // The same again: nothing to log.
    s.put(s.admin.t(), PATH, office()).await.expect(200);
    assert_eq!(s.log_since(&b4).await.len(), 1);
}

#[tokio::test]
async fn every_invalid_part_is_named_and_nothing_changes() {
    let s = start().await;
    let mut bad = office();
    bad["time_zone"] = json!("Mars/Olympus");
    bad["holidays"] = json!(["2026-13-01", "25.12.2026"]);
    bad["business_hours"]["mon"] = json!([["17:00", "09:00"]]);
    bad["business_hours"]["tue"] = json!([["09:00", "12:00"], ["11:00", "13:00"]]);
    bad["business_hours"]["caturday"] = json!([]);
    bad["targets"]["High"]["first_response_minutes"] = json!(0);
    bad["targets"].as_object_mut().unwrap().remove("Low");
    let locs = s.put(s.admin.t(), PATH, bad).await.expect_422();
    for field in ["time_zone", "holidays", "business_hours", "targets"] {
        assert!(
            locs.contains(&vec!["body".to_string(), field.to_string()]),
            "{field} named: {locs:?}"
        );
    }
    assert_eq!(
        s.get(s.admin.t(), PATH).await.expect(200)["time_zone"],
        "UTC"
    );

    // Malformed bodies: unknown fields, wrong types, a missing part.
    let mut extra = office();
    extra["sla_for_vips"] = json!(true);
    let mut clock = office();
    clock["business_hours"]["wed"] = json!([["9am", "5pm"]]);
    let mut missing = office();
    missing.as_object_mut().unwrap().remove("targets");
    for body in [extra, clock, missing, json!({"enabled": "yes"})] {
        s.put(s.admin.t(), PATH, body).await.expect_422();
    }
}

// ---- The clocks on tickets (docs/API.md, "SLA clocks") ----

/// A wire time as seconds since the epoch.
fn secs(v: &Value) -> i64 {
    let s = v.as_str().unwrap_or_else(|| panic!("not a time: {v}"));
    tms_core::timefmt::parse(s).unwrap().unix_timestamp()
}

const HOUR: i64 = 3600;
const NO_DUE: &str = "9223372036854775807";

/// Moves ticket `id`'s creation and clocks `by` into the past, as if that much time had gone
/// by, then changes its title through the API: a real write, so that what servers remember
/// about the data moves on.
pub(crate) async fn age(s: &Srv, id: i64, by: time::Duration) {
    let us = by.whole_microseconds();
    let mut sets = vec![
        format!("creation_date = creation_date - {us}"),
        format!("updated_at = updated_at - {us}"),
        format!(
            "sla_next_due = CASE WHEN sla_next_due = {NO_DUE} THEN sla_next_due ELSE sla_next_due - {us} END"
        ),
    ];
    for c in [
        "sla_first_response_due",
        "sla_first_response_risk",
        "sla_resolution_due",
        "sla_resolution_risk",
        "sla_first_responded_at",
        "sla_paused_at",
        "sla_next_risk",
    ] {
        sets.push(format!("{c} = {c} - {us}"));
    }
    s.sql(&format!(
        "UPDATE tickets SET {} WHERE id = {id}",
        sets.join(", ")
    ))
    .await;
    let title = format!("aged {}", by.whole_minutes());
    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{id}"),
        json!({"title": title}),
    )
    .await
    .expect(200);
}

/// A High ticket first answered 10 minutes after its due time, then resolved: breached for
/// good. Its id.
pub(crate) async fn answered_late_and_resolved(s: &Srv) -> i64 {
    let late = staff_ticket(s, "High").await["id"].as_i64().unwrap();
    age(s, late, time::Duration::minutes(70)).await;
    s.comment(s.agent.t(), late, "Sorry for the wait").await;
    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{late}"),
        json!({"status": "Resolved"}),
    )
    .await
    .expect(200);
    late
}

pub(crate) async fn staff_ticket(s: &Srv, priority: &str) -> Value {
    s.ticket_with(
        s.agent.t(),
        json!({"title": "Clocked", "description": "Is it due?", "priority": priority}),
    )
    .await
}

#[tokio::test]
async fn tickets_get_clocks_from_the_policy_and_the_first_public_reply_answers() {
    let s = start().await;
    let t = staff_ticket(&s, "High").await;
    let id = t["id"].as_i64().unwrap();
    let created = secs(&t["creation_date"]);
    assert_eq!(secs(&t["first_response_due"]) - created, HOUR, "{t}");
    assert_eq!(secs(&t["resolution_due"]) - created, 8 * HOUR);
    assert_eq!(t["sla_next_due"], t["first_response_due"]);
    assert_eq!(t["first_responded_at"], json!(null));
    assert_eq!(t["sla_state"], "ok");

    // An internal note is no answer; a public staff comment is, once.
    s.post(
        s.agent.t(),
        "/api/v1/comments/",
        json!({"ticket_id": id, "description": "Checking the logs", "is_internal": true}),
    )
    .await
    .expect(201);
    assert_eq!(s.ticket_detail(id).await["first_responded_at"], json!(null));
    s.comment(s.agent.t(), id, "On it").await;
    let d = s.ticket_detail(id).await;
    assert_wire_time(&d["first_responded_at"]);
    assert_eq!(
        d["sla_next_due"], d["resolution_due"],
        "only the resolution runs"
    );
    assert_eq!(d["sla_state"], "ok");

    // Resolved in time: met, nothing runs.
    let r = s
        .patch(
            s.agent.t(),
            &format!("/api/v1/tickets/{id}"),
            json!({"status": "Resolved"}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(r["sla_state"], "met", "{r}");
    assert_eq!(r["sla_next_due"], json!(null));

    // With the SLA off, new tickets have no clocks; those that have keep theirs.
    let mut off = s.get(s.admin.t(), PATH).await.expect(200).clone();
    off["enabled"] = json!(false);
    s.put(s.admin.t(), PATH, off).await.expect(200);
    let plain = staff_ticket(&s, "High").await;
    for k in [
        "first_response_due",
        "resolution_due",
        "first_responded_at",
        "sla_next_due",
        "sla_state",
    ] {
        assert_eq!(plain[k], json!(null), "{k}: {plain}");
    }
    assert_eq!(s.ticket_detail(id).await["sla_state"], "met");
}

#[tokio::test]
async fn waiting_pauses_the_clocks_and_moves_them_by_the_time_paused() {
    let s = start().await;
    let t = staff_ticket(&s, "Medium").await;
    let id = t["id"].as_i64().unwrap();
    let path = format!("/api/v1/tickets/{id}");
    let w = s
        .patch(s.agent.t(), &path, json!({"status": "Waiting"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(w["sla_state"], "paused");
    assert_eq!(w["sla_next_due"], json!(null), "nothing runs while Waiting");
    // Two hours on Waiting (a paused ticket is never breached meanwhile).
    age(&s, id, time::Duration::hours(2)).await;
    assert_eq!(s.ticket_detail(id).await["sla_state"], "paused");
    let back = s
        .patch(s.agent.t(), &path, json!({"status": "Open"}))
        .await
        .expect(200)
        .clone();
    let created = secs(&back["creation_date"]);
    let moved = secs(&back["resolution_due"]) - created;
    assert!(
        (24 * HOUR + 2 * HOUR - 1..=24 * HOUR + 2 * HOUR + 1).contains(&moved),
        "the resolution moved by the two hours paused: {back}"
    );
    assert_eq!(back["sla_state"], "ok");
}

#[tokio::test]
async fn a_priority_change_retargets_from_the_creation() {
    let s = start().await;
    let t = staff_ticket(&s, "Medium").await;
    let id = t["id"].as_i64().unwrap();
    let path = format!("/api/v1/tickets/{id}");
    age(&s, id, time::Duration::minutes(50)).await;
    let high = s
        .patch(s.agent.t(), &path, json!({"priority": "High"}))
        .await
        .expect(200)
        .clone();
    let created = secs(&high["creation_date"]);
    assert_eq!(secs(&high["first_response_due"]) - created, HOUR);
    assert_eq!(
        high["sla_state"], "at_risk",
        "ten minutes of sixty left: {high}"
    );
    let low = s
        .patch(s.agent.t(), &path, json!({"priority": "Low"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(secs(&low["first_response_due"]) - created, 8 * HOUR);
    assert_eq!(low["sla_state"], "ok");
}

#[tokio::test]
async fn lists_filter_by_state_and_sort_by_the_next_due_time() {
    let s = start().await;
    let id = |t: &Value| t["id"].as_i64().unwrap();
    let ok = id(&staff_ticket(&s, "High").await);
    let at_risk = id(&staff_ticket(&s, "High").await);
    age(&s, at_risk, time::Duration::minutes(50)).await;
    let breached = id(&staff_ticket(&s, "High").await);
    age(&s, breached, time::Duration::minutes(90)).await;
    let paused = id(&staff_ticket(&s, "Low").await);
    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{paused}"),
        json!({"status": "Waiting"}),
    )
    .await
    .expect(200);
    let met = id(&staff_ticket(&s, "Low").await);
    s.comment(s.agent.t(), met, "Done").await;
    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{met}"),
        json!({"status": "Resolved"}),
    )
    .await
    .expect(200);
    let late = answered_late_and_resolved(&s).await;

    let list = |q: String| {
        let s = &s;
        async move {
            s.get(s.agent.t(), &format!("/api/v1/tickets/?{q}"))
                .await
                .expect(200)
                .clone()
        }
    };
    let sorted = |mut v: Vec<i64>| {
        v.sort_unstable();
        v
    };
    for (state, want) in [
        ("ok", vec![ok]),
        ("at_risk", vec![at_risk]),
        ("breached", vec![breached, late]),
        ("paused", vec![paused]),
        ("met", vec![met]),
    ] {
        let page = list(format!("sla={state}&sort=id")).await;
        assert_eq!(ids(&page), want, "sla={state}");
        assert_eq!(page["total"], want.len(), "sla={state}");
        for item in page["items"].as_array().unwrap() {
            assert_eq!(item["sla_state"], state);
        }
    }
    let either = list("sla=at_risk&sla=breached&sort=id".into()).await;
    assert_eq!(ids(&either), sorted(vec![at_risk, breached, late]));

    // Earliest pending due first; then the tickets where nothing runs, by id.
    let by_due = list("sort=due".into()).await;
    let want = vec![breached, at_risk, ok, paused, met, late];
    assert_eq!(ids(&by_due), want, "{by_due}");
    let mut reversed = want.clone();
    reversed.reverse();
    assert_eq!(ids(&list("sort=-due".into()).await), reversed);
    // Paged by cursor, two at a time: the same order.
    let mut walked = Vec::new();
    let mut q = "sort=due&size=2".to_string();
    loop {
        let page = list(q.clone()).await;
        walked.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => q = format!("sort=due&size=2&after={c}"),
            None => break,
        }
    }
    assert_eq!(walked, want);

    let bad = s
        .get(s.agent.t(), "/api/v1/tickets/?sla=late")
        .await
        .expect_422();
    assert_eq!(bad, vec![vec!["query".to_string(), "sla".to_string()]]);
}

#[tokio::test]
async fn a_state_changes_as_time_passes_without_any_write() {
    let s = start().await;
    let t = staff_ticket(&s, "High").await;
    let id = t["id"].as_i64().unwrap();
    // Due two seconds from now.
    age(&s, id, time::Duration::seconds(HOUR - 2)).await;
    let total = |state: &'static str| {
        let s = &s;
        async move {
            s.get(s.agent.t(), &format!("/api/v1/tickets/?sla={state}"))
                .await
                .expect(200)["total"]
                .as_u64()
                .unwrap()
        }
    };
    assert_eq!((total("at_risk").await, total("breached").await), (1, 0));
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!((total("at_risk").await, total("breached").await), (0, 1));
    assert_eq!(s.ticket_detail(id).await["sla_state"], "breached");
}

/// A policy set through one server is the one the other files tickets under, at once, each
/// time it changes (the servers keep no stale copy of it).
#[tokio::test]
async fn a_policy_set_through_one_server_applies_to_the_other_at_once() {
    let Some((a, b)) = start_pair().await else {
        eprintln!("skipped: set TMS_TEST_DATABASE_URL to run the two-server tests");
        return;
    };
    let high_first = |t: &Value| secs(&t["first_response_due"]) - secs(&t["creation_date"]);
    assert_eq!(high_first(&staff_ticket(&b, "High").await), HOUR);
    for minutes in [20, 45, 20] {
        let mut p = a.get(a.admin.t(), PATH).await.expect(200).clone();
        p["targets"]["High"]["first_response_minutes"] = json!(minutes);
        a.put(a.admin.t(), PATH, p).await.expect(200);
        let t = staff_ticket(&b, "High").await;
        assert_eq!(high_first(&t), minutes * 60, "{minutes} min: {t}");
    }
    let mut off = b.get(b.admin.t(), PATH).await.expect(200).clone();
    off["enabled"] = json!(false);
    b.put(b.admin.t(), PATH, off).await.expect(200);
    assert_eq!(staff_ticket(&a, "High").await["sla_state"], json!(null));
}
