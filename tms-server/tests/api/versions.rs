//! Ticket versions and conditional requests (docs/API.md, "Versions and conditional
//! requests"): `version` and `ETag` on ticket replies, `If-Match` refusing a change made against
//! an older version with 412, `If-None-Match` answered 304 while nothing shown changed.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

/// A `GET` of `path` sent with `If-None-Match: tag`.
async fn get_if_none(s: &Srv, token: &str, path: &str, tag: &str) -> Resp {
    let rb = s
        .request(Method::GET, token, path)
        .header("if-none-match", tag);
    s.send(rb).await
}

fn etag(r: &Resp) -> String {
    r.header("etag").expect("an ETag header").to_string()
}

#[tokio::test]
async fn the_version_grows_with_every_change_of_the_ticket_or_its_thread() {
    let s = start().await;
    let created = s
        .post(
            s.alice.t(),
            "/api/v1/tickets",
            json!({"title": "Monitor flickers", "description": "Since the update"}),
        )
        .await;
    let id = created.expect(201)["id"].as_i64().unwrap();
    assert_eq!(created.body["version"], 1);
    assert!(etag(&created).starts_with("\"1-"), "{}", etag(&created));
    let path = format!("/api/v1/tickets/{id}");

    let r = s
        .patch(s.agent.t(), &path, json!({"status": "In Progress"}))
        .await;
    assert_eq!(r.expect(200)["version"], 2);
    assert!(etag(&r).starts_with("\"2-"));
    // Nothing changed: the same version.
    let r = s
        .patch(s.agent.t(), &path, json!({"status": "In Progress"}))
        .await;
    assert_eq!(r.expect(200)["version"], 2);
    // A comment changes what the ticket shows.
    let comment = s.comment(s.alice.t(), id, "It flickers more now").await;
    let r = s.get(s.alice.t(), &path).await;
    assert_eq!(r.expect(200)["version"], 3);
    s.put(
        s.alice.t(),
        &format!("/api/v1/comments/{comment}"),
        json!({"description": "It flickers less now"}),
    )
    .await
    .expect(200);
    s.delete(s.alice.t(), &format!("/api/v1/comments/{comment}"))
        .await
        .expect(200);
    assert_eq!(s.get(s.alice.t(), &path).await.expect(200)["version"], 5);
    // Lists show it too.
    let list = s.get(s.agent.t(), "/api/v1/tickets").await;
    let item = list.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .cloned()
        .unwrap();
    assert_eq!(item["version"], 5);
}

#[tokio::test]
async fn a_change_made_against_an_older_version_is_refused_with_the_current_ticket() {
    let s = start().await;
    let id = s.ticket(s.alice.t(), "VPN drops").await;
    let path = format!("/api/v1/tickets/{id}");
    let read = s.get(s.agent.t(), &path).await;
    let tag = etag(&read);
    // A colleague changes it first.
    s.patch(s.agent2.t(), &path, json!({"priority": "High"}))
        .await
        .expect(200);

    let r = s
        .patch_if(s.agent.t(), id, &tag, json!({"status": "Resolved"}))
        .await;
    assert_eq!(r.status, 412, "{r:?}");
    assert!(
        r.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("changed")),
        "{r:?}"
    );
    assert_eq!(
        r.body["priority"], "High",
        "the body is the ticket as it is now"
    );
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["title"], "VPN drops");
    assert!(r.body["comments"].is_array());
    assert!(etag(&r).starts_with("\"2-"));
    let now = s.get(s.agent.t(), &path).await;
    assert_eq!(now.expect(200)["status"], "Open", "nothing changed");

    // Against the current version (its tag, or the bare version), it goes through.
    let current = etag(&r);
    let r = s
        .patch_if(s.agent.t(), id, &current, json!({"status": "In Progress"}))
        .await;
    assert_eq!(r.expect(200)["status"], "In Progress");
    let r = s
        .patch_if(s.agent.t(), id, "\"3\"", json!({"priority": "Low"}))
        .await;
    assert_eq!(r.expect(200)["version"], 4);
    // Any of several tags; `*`; or no header at all, as older clients send.
    let r = s
        .patch_if(
            s.agent.t(),
            id,
            "\"1-x\", \"4-y\"",
            json!({"priority": "Medium"}),
        )
        .await;
    r.expect(200);
    s.patch_if(s.agent.t(), id, "*", json!({"priority": "High"}))
        .await
        .expect(200);
    s.patch(s.agent.t(), &path, json!({"priority": "Low"}))
        .await
        .expect(200);
    // A tag that names no version matches none.
    let r = s
        .patch_if(
            s.agent.t(),
            id,
            "\"yesterday\"",
            json!({"priority": "High"}),
        )
        .await;
    assert_eq!(r.status, 412, "{r:?}");
    // PUT too.
    let rb = s
        .request(Method::PUT, s.agent.t(), &path)
        .header("if-match", "\"1\"")
        .json(&json!({"status": "Resolved"}));
    assert_eq!(s.send(rb).await.status, 412);
}

#[tokio::test]
async fn a_stale_if_match_on_a_ticket_one_may_not_see_reveals_nothing() {
    let s = start().await;
    let id = s.ticket(s.alice.t(), "Payroll question").await;
    let r = s
        .patch_if(s.bob.t(), id, "\"99\"", json!({"title": "Mine now"}))
        .await;
    r.expect_detail(404);
    assert!(!r.text.contains("Payroll"));
    let r = s
        .patch_if(s.bob.t(), id + 1000, "\"1\"", json!({"title": "x"}))
        .await;
    r.expect_detail(404);
}

#[tokio::test]
async fn of_two_changes_made_against_one_version_exactly_one_is_applied() {
    let s = start().await;
    for round in 0..10 {
        let id = s.ticket(s.alice.t(), &format!("Race {round}")).await;
        let tag = etag(&s.get(s.agent.t(), &format!("/api/v1/tickets/{id}")).await);
        let (a, b) = tokio::join!(
            s.patch_if(s.agent.t(), id, &tag, json!({"priority": "High"})),
            s.patch_if(s.agent2.t(), id, &tag, json!({"priority": "Low"})),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "round {round}: {a:?} {b:?}");
        let won = if a.status == 200 { &a } else { &b };
        let lost = if a.status == 200 { &b } else { &a };
        assert_eq!(lost.body["priority"], won.body["priority"]);
        assert_eq!(lost.body["version"], 2);
    }
}

#[tokio::test]
async fn a_read_is_not_sent_again_while_nothing_it_shows_has_changed() {
    let s = start().await;
    let id = s.ticket(s.alice.t(), "Keyboard sticks").await;
    let path = format!("/api/v1/tickets/{id}");
    let first = s.get(s.alice.t(), &path).await;
    let tag = etag(&first);

    let r = get_if_none(&s, s.alice.t(), &path, &tag).await;
    assert_eq!(r.status, 304);
    assert!(r.text.is_empty());
    assert_eq!(etag(&r), tag);
    assert_eq!(
        get_if_none(&s, s.alice.t(), &path, &format!("W/{tag}"))
            .await
            .status,
        304
    );
    assert_eq!(
        get_if_none(&s, s.alice.t(), &path, "\"other\"")
            .await
            .status,
        200
    );
    // Still checked: a 304 is no way around authentication or visibility.
    get_if_none(&s, s.bob.t(), &path, &tag)
        .await
        .expect_detail(404);
    assert_eq!(get_if_none(&s, "", &path, &tag).await.status, 401);

    s.comment(s.agent.t(), id, "Try another one").await;
    let r = get_if_none(&s, s.alice.t(), &path, &tag).await;
    assert_eq!(r.status, 200);
    assert_ne!(etag(&r), tag);

    // Lists: the same page, the same tag; a new ticket on it, another.
    let list = s.get(s.agent.t(), "/api/v1/tickets?size=5").await;
    let tag = etag(&list);
    assert!(!tag.contains('-'), "a list's tag is a digest: {tag}");
    assert_eq!(
        get_if_none(&s, s.agent.t(), "/api/v1/tickets?size=5", &tag)
            .await
            .status,
        304
    );
    s.ticket(s.alice.t(), "Mouse double-clicks").await;
    assert_eq!(
        get_if_none(&s, s.agent.t(), "/api/v1/tickets?size=5", &tag)
            .await
            .status,
        200
    );
    // A person renamed changes what a ticket shows, not its version.
    let tag = etag(&s.get(s.alice.t(), &path).await);
    s.put(
        s.admin.t(),
        &format!("/api/v1/admin/users/{}", s.alice.id),
        json!({"username": "alice_renamed"}),
    )
    .await
    .expect(200);
    let r = get_if_none(&s, s.alice.t(), &path, &tag).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["requester"]["username"], "alice_renamed");
}
