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
