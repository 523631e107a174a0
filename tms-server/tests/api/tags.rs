//! Tags (docs/API.md, "Tags"): staff set them on create, PUT and PATCH and in bulk; Requesters
//! neither see nor set them; `tag=` filters (all of them); `GET /api/v1/tags/` counts them.

use serde_json::{Value, json};

use crate::helpers::*;

async fn tagged(s: &Srv, title: &str, tags: Value) -> i64 {
    let t = s
        .ticket_with(
            s.agent.t(),
            json!({"title": title, "description": "d", "requester_id": s.alice.id, "tags": tags}),
        )
        .await;
    t["id"].as_i64().unwrap()
}

fn listed(page: &Value) -> Vec<i64> {
    let mut out = ids(page);
    out.sort_unstable();
    out
}

#[tokio::test]
async fn staff_tag_tickets_filter_by_every_tag_and_count_them() {
    let s = start().await;
    let a = tagged(&s, "a", json!(["VPN", "network", "vpn"])).await;
    let b = tagged(&s, "b", json!(["vpn"])).await;
    let c = s.ticket(s.alice.t(), "c").await;
    let path = |id: i64| format!("/api/v1/tickets/{id}");
    let got = s.get(s.agent.t(), &path(a)).await.expect(200).clone();
    assert_eq!(
        got["tags"],
        json!(["network", "vpn"]),
        "lower-cased, merged, sorted"
    );
    assert_eq!(
        s.get(s.agent.t(), &path(c)).await.expect(200)["tags"],
        json!([])
    );

    let list = |q: &'static str| {
        let s = &s;
        async move {
            s.get(s.agent.t(), &format!("/api/v1/tickets/?{q}"))
                .await
                .expect(200)
                .clone()
        }
    };
    assert_eq!(listed(&list("tag=vpn").await), [a, b]);
    assert_eq!(listed(&list("tag=vpn&tag=network").await), [a]);
    assert_eq!(list("tag=vpn&tag=network").await["total"], 1);
    assert_eq!(list("tag=printer").await["total"], 0);
    let locs = s
        .get(s.agent.t(), "/api/v1/tickets/?tag=not%20a%20tag")
        .await
        .expect_422();
    assert_eq!(locs[0], ["query", "tag"]);

    // PATCH replaces the set, and the change is in the history and the log.
    let b4 = s.log().await;
    let r = s
        .patch(s.agent.t(), &path(b), json!({"tags": ["printer"]}))
        .await
        .expect(200)
        .clone();
    assert_eq!(r["tags"], json!(["printer"]));
    let logged = s.log_since(&b4).await;
    assert!(
        logged[0].details.contains("tags vpn → printer"),
        "{logged:?}"
    );
    let h = s
        .get(s.agent.t(), &format!("{}/history", path(b)))
        .await
        .expect(200)
        .clone();
    let change = h
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "tags")
        .unwrap()
        .clone();
    assert_eq!(
        (change["from"].clone(), change["to"].clone()),
        (json!("vpn"), json!("printer"))
    );
    let hers = s
        .get(s.alice.t(), &format!("{}/history", path(b)))
        .await
        .expect(200)
        .clone();
    assert!(hers.as_array().unwrap().iter().all(|e| e["kind"] != "tags"));

    let counts = s
        .get(s.agent.t(), "/api/v1/tags/")
        .await
        .expect(200)
        .clone();
    assert_eq!(
        counts,
        json!([{"name": "network", "count": 1}, {"name": "printer", "count": 1}, {"name": "vpn", "count": 1}])
    );
    s.patch(s.admin.t(), &path(c), json!({"tags": ["vpn"]}))
        .await
        .expect(200);
    let counts = s
        .get(s.agent.t(), "/api/v1/tags/")
        .await
        .expect(200)
        .clone();
    assert_eq!(
        counts[0],
        json!({"name": "vpn", "count": 2}),
        "most used first"
    );
    // Deleting a ticket takes its tags with it.
    s.delete(s.admin.t(), &path(c)).await.expect(200);
    let counts = s
        .get(s.agent.t(), "/api/v1/tags/")
        .await
        .expect(200)
        .clone();
    assert_eq!(counts.as_array().unwrap().len(), 3);
    assert_eq!(counts[2], json!({"name": "vpn", "count": 1}));
}

#[tokio::test]
async fn requesters_neither_see_nor_set_tags() {
    let s = start().await;
    let a = tagged(&s, "a", json!(["vpn"])).await;
    let path = format!("/api/v1/tickets/{a}");
    let mine = s.get(s.alice.t(), &path).await.expect(200).clone();
    assert!(mine.get("tags").is_none(), "{mine}");
    let page = s
        .get(s.alice.t(), "/api/v1/tickets/")
        .await
        .expect(200)
        .clone();
    assert!(page["items"][0].get("tags").is_none());
    assert_eq!(
        s.get(s.alice.t(), "/api/v1/tags/")
            .await
            .expect(200)
            .clone(),
        json!([])
    );
    let filtered = s
        .get(s.alice.t(), "/api/v1/tickets/?tag=vpn")
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (filtered["total"].clone(), filtered["items"].clone()),
        (json!(0), json!([])),
        "a tag filter tells her nothing of which of her tickets carry it"
    );
    let before = s.snapshot().await;
    for (method, body) in [
        ("patch", json!({"tags": ["mine"]})),
        ("put", json!({"tags": []})),
    ] {
        let r = if method == "patch" {
            s.patch(s.alice.t(), &path, body).await
        } else {
            s.put(s.alice.t(), &path, body).await
        };
        assert!(r.expect_detail(403).contains("tag"), "{method}");
    }
    let r = s
        .post(
            s.alice.t(),
            "/api/v1/tickets/",
            json!({"title": "t", "description": "d", "tags": ["x"]}),
        )
        .await;
    r.expect(403);
    assert_eq!(s.snapshot().await, before, "refused changes change nothing");
}

#[tokio::test]
async fn bad_tags_are_refused_with_the_field_named() {
    let s = start().await;
    let a = tagged(&s, "a", json!([])).await;
    let before = s.snapshot().await;
    let path = format!("/api/v1/tickets/{a}");
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    for tags in [
        json!(["-leading"]),
        json!(["has space"]),
        json!([&"x".repeat(33)]),
        json!(many),
    ] {
        let locs = s
            .patch(s.agent.t(), &path, json!({ "tags": tags }))
            .await
            .expect_422();
        assert_eq!(locs[0], ["body", "tags"], "{tags}");
    }
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn bulk_adds_and_removes_tags_all_or_nothing() {
    let s = start().await;
    let a = tagged(&s, "a", json!(["old", "vpn"])).await;
    let b = tagged(&s, "b", json!([])).await;
    let full: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
    let c = tagged(&s, "c", json!(full)).await;
    let r = s
        .post(
            s.agent.t(),
            "/api/v1/tickets/bulk",
            json!({"ids": [a, b], "changes": {"add_tags": ["urgent"], "remove_tags": ["old"]}}),
        )
        .await
        .expect(200)
        .clone();
    let tags: Vec<Value> = r["updated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tags"].clone())
        .collect();
    assert_eq!(tags, [json!(["urgent", "vpn"]), json!(["urgent"])]);
    // A ticket that would carry more than 20 tags refuses the whole change.
    let before = s.snapshot().await;
    let r = s
        .post(
            s.agent.t(),
            "/api/v1/tickets/bulk",
            json!({"ids": [a, c], "changes": {"add_tags": ["more"]}}),
        )
        .await;
    let body = r.expect(422).clone();
    assert_eq!(body["detail"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(
        body["detail"][0]["loc"],
        json!(["body", "ids", c.to_string()])
    );
    assert_eq!(s.snapshot().await, before);
    let locs = s
        .post(
            s.agent.t(),
            "/api/v1/tickets/bulk",
            json!({"ids": [a], "changes": {"add_tags": ["Not Valid"]}}),
        )
        .await
        .expect_422();
    assert_eq!(locs[0], ["body", "add_tags"]);
}

#[tokio::test]
async fn tag_filters_views_and_bulk_edges() {
    let s = start().await;
    let a = tagged(&s, "a", json!(["vpn"])).await;
    // More tags than a ticket can carry: refused, not a server error.
    let many: String = (0..21).map(|i| format!("tag=t{i}&")).collect();
    let locs = s
        .get(s.agent.t(), &format!("/api/v1/tickets/?{many}"))
        .await
        .expect_422();
    assert_eq!(locs[0], ["query", "tag"]);
    let huge: String = (0..800).map(|i| format!("tag=t{i}&")).collect();
    s.get(s.agent.t(), &format!("/api/v1/tickets/?{huge}"))
        .await
        .expect(422);

    // A view keeps a tag filter, and counts by it.
    let v = s
        .post(
            s.agent.t(),
            "/api/v1/views/",
            json!({"name": "VPN", "query": "tag=vpn&sort=-priority"}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(v["count"], 1);

    // An empty list of tags to add is no change; any number may be taken off.
    let locs = s
        .post(
            s.agent.t(),
            "/api/v1/tickets/bulk",
            json!({"ids": [a], "changes": {"add_tags": []}}),
        )
        .await
        .expect_422();
    assert_eq!(locs[0], ["body", "changes"]);
    let off: Vec<String> = (0..25)
        .map(|i| format!("x{i}"))
        .chain(["vpn".into()])
        .collect();
    let r = s
        .post(
            s.agent.t(),
            "/api/v1/tickets/bulk",
            json!({"ids": [a], "changes": {"remove_tags": off}}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(r["updated"][0]["tags"], json!([]));

    // A Requester sending tags for a ticket she cannot see learns nothing of it: 404.
    let bobs = s.ticket(s.bob.t(), "bob's").await;
    s.patch(
        s.alice.t(),
        &format!("/api/v1/tickets/{bobs}"),
        json!({"tags": ["x"]}),
    )
    .await
    .expect(404);
    let r = s
        .post(
            s.alice.t(),
            "/api/v1/comments/",
            json!({"ticket_id": bobs, "description": "psst", "is_internal": true}),
        )
        .await;
    r.expect(404);
}

#[tokio::test]
async fn a_full_object_put_keeps_a_colleagues_later_tag_change() {
    let s = start().await;
    let t = tagged(&s, "a", json!(["vpn"])).await;
    let path = format!("/api/v1/tickets/{t}");
    let read = s.get(s.agent.t(), &path).await.expect(200).clone();
    s.patch(s.admin.t(), &path, json!({"tags": ["urgent", "vpn"]}))
        .await
        .expect(200);
    // The web form sends back every field it read, tags included, with a new title.
    let mut form = read.clone();
    form["title"] = json!("renamed");
    let r = s.put(s.agent.t(), &path, form).await.expect(200).clone();
    assert_eq!(r["title"], "renamed");
    assert_eq!(
        r["tags"],
        json!(["urgent", "vpn"]),
        "the colleague's tag stays"
    );
}
