//! Comments: create (the author is the caller), edit text only, delete.

use serde_json::json;

use crate::helpers::*;

const COMMENT_KEYS: [&str; 7] = [
    "commented_by_id",
    "creation_date",
    "description",
    "id",
    "is_internal",
    "ticket_id",
    "updated_at",
];

#[tokio::test]
async fn create_ignores_a_sent_author_and_touches_the_ticket() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "thread").await;
    let touched_before = s.stored_micros("tickets", "updated_at", t).await;
    let c = s
        .post(
            s.alice.t(),
            "/api/v1/comments/",
            json!({"ticket_id": t, "description": "  hello\r\nthere  ", "commented_by_id": s.admin.id}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(keys(&c), COMMENT_KEYS);
    assert_eq!(c["commented_by_id"], s.alice.id);
    assert_eq!(c["ticket_id"], t);
    assert_eq!(c["description"], "hello\nthere");
    assert_eq!(c["creation_date"], c["updated_at"]);
    let after = s.ticket_detail(t).await;
    assert!(s.stored_micros("tickets", "updated_at", t).await > touched_before);
    assert_eq!(after["comments"][0]["id"], c["id"]);
    assert_eq!(after["comments"][0]["user"]["username"], "alice");
}

#[tokio::test]
async fn create_refusals() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "thread").await;
    let before = s.snapshot().await;
    s.post(
        s.alice.t(),
        "/api/v1/comments/",
        json!({"ticket_id": 999, "description": "x"}),
    )
    .await
    .expect_detail(404);
    s.post(
        s.bob.t(),
        "/api/v1/comments/",
        json!({"ticket_id": t, "description": "x"}),
    )
    .await
    .expect_detail(404);
    for (body, field) in [
        (
            json!({"ticket_id": t, "description": ""}),
            Some("description"),
        ),
        (
            json!({"ticket_id": t, "description": " \n\t "}),
            Some("description"),
        ),
        (
            json!({"ticket_id": t, "description": "x".repeat(20_001)}),
            Some("description"),
        ),
        (
            json!({"ticket_id": t, "description": "bell\u{7}"}),
            Some("description"),
        ),
        (json!({"ticket_id": t}), None),
        (json!({"description": "x"}), None),
        (json!({"ticket_id": "one", "description": "x"}), None),
    ] {
        let locs = s
            .post(s.alice.t(), "/api/v1/comments/", body.clone())
            .await
            .expect_422();
        if let Some(f) = field {
            assert_eq!(locs[0], ["body", f], "{body}");
        }
    }
    assert_eq!(s.snapshot().await, before);
    // Exactly 20,000 characters is fine.
    s.post(
        s.alice.t(),
        "/api/v1/comments/",
        json!({"ticket_id": t, "description": "é".repeat(20_000)}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn edit_changes_text_only_and_never_moves_the_comment() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "thread").await;
    let other = s.ticket(s.alice.t(), "other").await;
    let c = s.comment(s.alice.t(), t, "first words").await;
    let path = format!("/api/v1/comments/{c}");
    let r = s
        .put(s.alice.t(), &path, json!({"description": "better words"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(keys(&r), COMMENT_KEYS);
    assert_eq!(r["description"], "better words");
    let id = r["id"].as_i64().unwrap();
    assert!(
        s.stored_micros("comments", "updated_at", id).await
            > s.stored_micros("comments", "creation_date", id).await
    );
    // Echoing the ticket id is fine; another one is refused.
    s.put(
        s.alice.t(),
        &path,
        json!({"description": "again", "ticket_id": t}),
    )
    .await
    .expect(200);
    let before = s.snapshot().await;
    let locs = s
        .put(
            s.alice.t(),
            &path,
            json!({"description": "moved?", "ticket_id": other}),
        )
        .await
        .expect_422();
    assert_eq!(locs[0], ["body", "ticket_id"]);
    let locs = s
        .put(s.alice.t(), &path, json!({"description": ""}))
        .await
        .expect_422();
    assert_eq!(locs[0], ["body", "description"]);
    assert_eq!(s.snapshot().await, before);
    let d = s.ticket_detail(t).await;
    assert_eq!(d["comments"][0]["description"], "again");
    assert_eq!(s.ticket_detail(other).await["comments"], json!([]));
    // Unchanged text: no-op, no log entry.
    let log = s.log().await;
    s.put(s.alice.t(), &path, json!({"description": "again"}))
        .await
        .expect(200);
    s.put(s.alice.t(), &path, json!({})).await.expect(200);
    assert_eq!(s.log().await, log);
}

#[tokio::test]
async fn delete_returns_the_comment() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "thread").await;
    let c = s.comment(s.alice.t(), t, "going away").await;
    let r = s
        .delete(s.alice.t(), &format!("/api/v1/comments/{c}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(keys(&r), COMMENT_KEYS);
    assert_eq!(r["description"], "going away");
    assert_eq!(s.ticket_detail(t).await["comments"], json!([]));
    s.delete(s.alice.t(), &format!("/api/v1/comments/{c}"))
        .await
        .expect_detail(404);
}
