//! Saved views (docs/API.md, "Saved views"): per user, validated when saved, shared by a
//! SysAdmin with every staff member, each listed with the number of tickets it shows now.

use serde_json::{Value, json};

use crate::helpers::*;

async fn views(s: &Srv, token: &str) -> Vec<Value> {
    s.get(token, "/api/v1/views")
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .clone()
}

fn named<'a>(views: &'a [Value], name: &str) -> Option<&'a Value> {
    views.iter().find(|v| v["name"] == name)
}

#[tokio::test]
async fn a_view_is_saved_checked_and_counted_for_its_owner() {
    let s = start().await;
    for (title, priority) in [("A", "High"), ("B", "High"), ("C", "Low")] {
        s.ticket_with(
            s.alice.t(),
            json!({"title": title, "description": "x", "priority": priority}),
        )
        .await;
    }
    let r = s
        .post(
            s.agent.t(),
            "/api/v1/views",
            json!({"name": " Urgent open ", "query": "status=Open&priority=High&sort=-priority"}),
        )
        .await;
    let v = r.expect(201).clone();
    assert_eq!(v["name"], "Urgent open");
    assert_eq!(v["shared"], false);
    assert_eq!(v["user_id"], s.agent.id);
    assert_eq!(v["count"], 2);
    s.ticket_with(
        s.bob.t(),
        json!({"title": "D", "description": "x", "priority": "High"}),
    )
    .await;
    let listed = views(&s, s.agent.t()).await;
    assert_eq!(
        named(&listed, "Urgent open").unwrap()["count"],
        3,
        "counted now"
    );
    // Nobody else sees it.
    assert!(views(&s, s.agent2.t()).await.is_empty());
    let id = v["id"].as_i64().unwrap();
    let path = format!("/api/v1/views/{id}");
    s.put(s.agent2.t(), &path, json!({"name": "Mine"}))
        .await
        .expect_detail(404);
    s.delete(s.agent2.t(), &path).await.expect_detail(404);
    // Its owner renames and narrows it.
    let r = s
        .put(
            s.agent.t(),
            &path,
            json!({"name": "Low ones", "query": "priority=Low"}),
        )
        .await;
    assert_eq!(
        (r.expect(200)["name"].clone(), r.body["count"].clone()),
        (json!("Low ones"), json!(1))
    );
    // A second view of the same name is a conflict.
    s.post(
        s.agent.t(),
        "/api/v1/views",
        json!({"name": "Low ones", "query": ""}),
    )
    .await
    .expect_detail(409);
    let deleted = s.delete(s.agent.t(), &path).await;
    assert_eq!(deleted.expect(200)["name"], "Low ones");
    assert!(views(&s, s.agent.t()).await.is_empty());
}

#[tokio::test]
async fn a_bad_query_is_refused_naming_the_parameter() {
    let s = start().await;
    for (query, param) in [
        ("status=Bogus", "status"),
        ("priority=High&sort=-colour", "sort"),
        ("size=0", "size"),
        ("page=2", "page"),
        ("tag=Not%20a%20tag", "tag"),
        ("colour=red", "colour"),
        ("assigned_agent_id=me", "assigned_agent_id"),
    ] {
        let r = s
            .post(
                s.agent.t(),
                "/api/v1/views",
                json!({"name": "V", "query": query}),
            )
            .await;
        let locs = r.expect_422();
        assert_eq!(
            locs,
            [vec!["body".to_string(), "query".to_string()]],
            "{query}"
        );
        assert!(r.text.contains(param), "{query}: {}", r.text);
    }
    for name in ["", "   ", &"x".repeat(65), "two\nlines"] {
        let r = s
            .post(
                s.agent.t(),
                "/api/v1/views",
                json!({"name": name, "query": ""}),
            )
            .await;
        assert_eq!(r.status, 422, "{name:?}");
    }
    assert!(views(&s, s.agent.t()).await.is_empty(), "nothing saved");
}

#[tokio::test]
async fn a_shared_view_is_a_sysadmins_to_make_and_every_staff_members_to_see() {
    let s = start().await;
    s.ticket(s.alice.t(), "Mine").await;
    s.ticket(s.bob.t(), "Bob's").await;
    s.post(
        s.agent.t(),
        "/api/v1/views",
        json!({"name": "Everything", "query": "", "shared": true}),
    )
    .await
    .expect_detail(403);
    let shared = s
        .post(
            s.admin.t(),
            "/api/v1/views",
            json!({"name": "Everything", "query": "sort=-creation_date", "shared": true}),
        )
        .await
        .expect(201)
        .clone();
    let id = shared["id"].as_i64().unwrap();
    let seen = views(&s, s.agent.t()).await;
    assert_eq!(named(&seen, "Everything").unwrap()["count"], 2);
    // Staff may not change it; the owner (or another SysAdmin) may.
    s.put(
        s.agent.t(),
        &format!("/api/v1/views/{id}"),
        json!({"name": "Hijacked"}),
    )
    .await
    .expect_detail(403);
    s.delete(s.agent.t(), &format!("/api/v1/views/{id}"))
        .await
        .expect_detail(403);
    // A requester sees no shared view, and counts only their own tickets in theirs.
    assert!(views(&s, s.alice.t()).await.is_empty());
    let own = s
        .post(
            s.alice.t(),
            "/api/v1/views",
            json!({"name": "All", "query": ""}),
        )
        .await;
    assert_eq!(own.expect(201)["count"], 1);
    s.put(
        s.alice.t(),
        &format!("/api/v1/views/{}", own.body["id"]),
        json!({"shared": true}),
    )
    .await
    .expect_detail(403);
    // Unsharing makes it its owner's alone again.
    s.put(
        s.admin.t(),
        &format!("/api/v1/views/{id}"),
        json!({"shared": false}),
    )
    .await
    .expect(200);
    assert!(named(&views(&s, s.agent.t()).await, "Everything").is_none());
}
