//! The activity log: one entry per successful change, none for refused requests, newest
//! first, filters and paging, clearing, and read auditing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// Asserts the request wrote exactly one entry and returns it.
async fn one_entry(s: &Srv, before: &[LogRow]) -> LogRow {
    let new = s.log_since(before).await;
    assert_eq!(new.len(), 1, "exactly one entry: {new:#?}");
    new.into_iter().next().unwrap()
}

#[tokio::test]
async fn every_successful_change_writes_exactly_one_entry() {
    let s = start().await;
    let admin = s.admin.t();

    let b = s.log().await;
    let t = s.ticket(s.alice.t(), "logged").await;
    let e = one_entry(&s, &b).await;
    assert_eq!(
        (e.kind.as_str(), e.user_id, e.ticket_id),
        ("Create", s.alice.id, Some(t))
    );
    assert_eq!(e.details, format!("created ticket {t}"));

    let b = s.log().await;
    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{t}"),
        json!({"status": "In Progress"}),
    )
    .await
    .expect(200);
    let e = one_entry(&s, &b).await;
    assert_eq!(
        (e.kind.as_str(), e.user_id, e.ticket_id),
        ("Update", s.agent.id, Some(t))
    );
    assert!(
        e.details.starts_with(&format!("updated ticket {t}")),
        "{}",
        e.details
    );
    assert!(
        e.details.contains("status Open → In Progress"),
        "{}",
        e.details
    );

    let b = s.log().await;
    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{t}"),
        json!({"status": "Resolved", "assigned_agent_id": s.agent.id}),
    )
    .await
    .expect(200);
    let e = one_entry(&s, &b).await;
    assert_eq!((e.kind.as_str(), e.ticket_id), ("Update", Some(t)));
    assert!(
        e.details
            .starts_with(&format!("ticket {t} has been resolved")),
        "{}",
        e.details
    );
    assert!(
        e.details.contains("assignee nobody → agent"),
        "{}",
        e.details
    );

    let b = s.log().await;
    let c = s.comment(s.agent.t(), t, "a note").await;
    let e = one_entry(&s, &b).await;
    assert_eq!(
        (e.kind.as_str(), e.user_id, e.ticket_id),
        ("Create", s.agent.id, Some(t))
    );
    assert_eq!(e.details, format!("created a comment on ticket {t}"));

    let b = s.log().await;
    s.put(
        s.agent.t(),
        &format!("/api/v1/comments/{c}"),
        json!({"description": "edited"}),
    )
    .await
    .expect(200);
    let e = one_entry(&s, &b).await;
    assert_eq!((e.kind.as_str(), e.ticket_id), ("Update", Some(t)));

    let b = s.log().await;
    s.delete(s.agent.t(), &format!("/api/v1/comments/{c}"))
        .await
        .expect(200);
    let e = one_entry(&s, &b).await;
    assert_eq!((e.kind.as_str(), e.ticket_id), ("Delete", Some(t)));
    assert_eq!(e.details, format!("deleted comment {c}"));

    let b = s.log().await;
    s.delete(admin, &format!("/api/v1/tickets/{t}"))
        .await
        .expect(200);
    let e = one_entry(&s, &b).await;
    assert_eq!(
        (e.kind.as_str(), e.user_id, e.ticket_id),
        ("Delete", s.admin.id, Some(t))
    );
    assert_eq!(e.details, format!("deleted ticket {t}"));

    let b = s.log().await;
    let u = s
        .post(
            admin,
            "/api/v1/admin/users/",
            json!({"username": "newbie", "email": "newbie@example.com", "password": PW,
                   "role": "Requester"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let e = one_entry(&s, &b).await;
    assert_eq!(
        (e.kind.as_str(), e.user_id, e.ticket_id),
        ("Create", s.admin.id, None)
    );

    let b = s.log().await;
    s.put(
        admin,
        &format!("/api/v1/admin/users/{u}"),
        json!({"role": "Helpdesk Agent"}),
    )
    .await
    .expect(200);
    let e = one_entry(&s, &b).await;
    assert_eq!((e.kind.as_str(), e.ticket_id), ("Update", None));
    assert!(
        e.details.contains("role Requester → Helpdesk Agent"),
        "{}",
        e.details
    );

    let b = s.log().await;
    s.delete(admin, &format!("/api/v1/admin/users/{u}"))
        .await
        .expect(200);
    let e = one_entry(&s, &b).await;
    assert_eq!(e.kind, "Delete");

    let b = s.log().await;
    let again = s.relogin(&s.bob).await;
    let e = one_entry(&s, &b).await;
    assert_eq!((e.kind.as_str(), e.user_id), ("Auth", s.bob.id));

    let b = s.log().await;
    s.login(&s.bob.email, "wrong password").await.expect(401);
    let e = one_entry(&s, &b).await;
    assert_eq!((e.kind.as_str(), e.user_id), ("Auth", s.bob.id));
    assert!(e.details.contains("fail"), "{}", e.details);

    let b = s.log().await;
    s.put(
        again.t(),
        "/users/me/password",
        json!({"current_password": PW, "new_password": "another good one"}),
    )
    .await
    .expect(204);
    let e = one_entry(&s, &b).await;
    assert_eq!((e.kind.as_str(), e.user_id), ("Auth", s.bob.id));

    let b = s.log().await;
    s.post(again.t(), "/logout", json!({})).await.expect(204);
    let e = one_entry(&s, &b).await;
    assert_eq!((e.kind.as_str(), e.user_id), ("Auth", s.bob.id));
    assert_eq!(e.details, "logged out");

    // An unknown email has no user to log against.
    let b = s.log().await;
    s.login("ghost@example.com", "whatever1").await.expect(401);
    assert!(s.log_since(&b).await.is_empty());
}

#[tokio::test]
async fn refused_requests_write_nothing() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "mine").await;
    let c = s.comment(s.agent.t(), t, "agent's").await;
    let b = s.log().await;
    let refused: Vec<(Method, &str, String, Option<Value>)> = vec![
        (
            Method::PATCH,
            s.alice.t(),
            format!("/api/v1/tickets/{t}"),
            Some(json!({"status": "Resolved"})),
        ),
        (
            Method::PATCH,
            s.bob.t(),
            format!("/api/v1/tickets/{t}"),
            Some(json!({"title": "x"})),
        ),
        (
            Method::PATCH,
            s.agent.t(),
            format!("/api/v1/tickets/{t}"),
            Some(json!({"title": ""})),
        ),
        (
            Method::PATCH,
            s.agent.t(),
            format!("/api/v1/tickets/{t}"),
            Some(json!({"assigned_agent_id": s.bob.id})),
        ),
        (
            Method::DELETE,
            s.agent.t(),
            format!("/api/v1/tickets/{t}"),
            None,
        ),
        (
            Method::POST,
            s.bob.t(),
            "/api/v1/comments/".into(),
            Some(json!({"ticket_id": t, "description": "x"})),
        ),
        (
            Method::PUT,
            s.alice.t(),
            format!("/api/v1/comments/{c}"),
            Some(json!({"description": "x"})),
        ),
        (
            Method::DELETE,
            s.alice.t(),
            format!("/api/v1/comments/{c}"),
            None,
        ),
        (
            Method::POST,
            s.alice.t(),
            "/api/v1/tickets/".into(),
            Some(json!({"title": "x", "description": "y", "status": "Resolved"})),
        ),
        (
            Method::POST,
            s.agent.t(),
            "/api/v1/admin/users/".into(),
            Some(
                json!({"username": "zz", "email": "zz@example.com", "password": PW, "role": "SysAdmin"}),
            ),
        ),
        (
            Method::DELETE,
            s.admin.t(),
            format!("/api/v1/admin/users/{}", s.admin.id),
            None,
        ),
        (Method::DELETE, s.agent.t(), "/api/v1/logs/".into(), None),
        (
            Method::PUT,
            s.alice.t(),
            "/users/me/password".into(),
            Some(json!({"current_password": PW, "new_password": "short"})),
        ),
        (
            Method::POST,
            "",
            "/signup".into(),
            Some(json!({"username": "alice", "email": "alice@example.com", "password": PW})),
        ),
    ];
    for (method, token, path, body) in refused {
        let r = s.call(method.clone(), token, &path, body).await;
        assert!(
            (400..500).contains(&r.status),
            "{method} {path}: {}",
            r.text
        );
    }
    assert!(s.log_since(&b).await.is_empty());
}

#[tokio::test]
async fn log_api_shape_order_filters_and_paging() {
    let s = start().await;
    let t1 = s.ticket(s.alice.t(), "one").await;
    let t2 = s.ticket(s.bob.t(), "two").await;
    s.comment(s.agent.t(), t1, "hi").await;
    let a = s.admin.t();
    let all = s.get(a, "/api/v1/logs/").await.expect(200).clone();
    let all = all.as_array().unwrap().clone();
    let db = s.log().await;
    assert_eq!(all.len(), db.len());
    let api_ids: Vec<i64> = all.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(
        api_ids,
        db.iter().map(|r| r.id).collect::<Vec<_>>(),
        "newest first"
    );
    for e in &all {
        assert_eq!(
            keys(e),
            [
                "activity_date",
                "activity_type",
                "details",
                "id",
                "ticket_id",
                "user",
                "user_id"
            ]
        );
        assert_eq!(keys(&e["user"]), ["email", "id", "role", "username"]);
        assert_eq!(e["user"]["id"], e["user_id"]);
        assert_wire_time(&e["activity_date"]);
    }
    assert_eq!(
        all[0]["details"],
        format!("created a comment on ticket {t1}")
    );

    let list = |q: String| {
        let s = &s;
        async move {
            let v = s.get(a, &q).await.expect(200).clone();
            v.as_array().unwrap().clone()
        }
    };
    let by_user = list(format!("/api/v1/logs/?user_id={}", s.alice.id)).await;
    assert!(!by_user.is_empty());
    assert!(by_user.iter().all(|e| e["user_id"] == s.alice.id));
    let by_path = list(format!("/api/v1/logs/{}", s.alice.id)).await;
    assert_eq!(by_path, by_user);
    let creates = list("/api/v1/logs/?activity_type=Create".into()).await;
    assert_eq!(
        creates.len(),
        db.iter().filter(|r| r.kind == "Create").count()
    );
    assert!(creates.len() >= 3);
    assert!(creates.iter().all(|e| e["activity_type"] == "Create"));
    let auth = list("/api/v1/logs/?activity_type=Auth".into()).await;
    assert_eq!(auth.len(), 5, "the five logins of the harness");
    let on_t1 = list(format!("/api/v1/logs/?ticket_id={t1}")).await;
    assert_eq!(on_t1.len(), 2);
    assert!(on_t1.iter().all(|e| e["ticket_id"] == t1));
    let on_t2 = list(format!("/api/v1/logs/?ticket_id={t2}&user_id={}", s.bob.id)).await;
    assert_eq!(on_t2.len(), 1);
    let combined = list(format!(
        "/api/v1/logs/{}?activity_type=Create&ticket_id={t1}",
        s.agent.id
    ))
    .await;
    assert_eq!(combined.len(), 1);

    // Paging back with limit and before_id.
    let first = list("/api/v1/logs/?limit=3".into()).await;
    assert_eq!(first, all[..3]);
    let last_id = first[2]["id"].as_i64().unwrap();
    let next = list(format!("/api/v1/logs/?limit=3&before_id={last_id}")).await;
    assert_eq!(next, all[3..6]);
    let rest = list(format!(
        "/api/v1/logs/?before_id={}",
        next[2]["id"].as_i64().unwrap()
    ))
    .await;
    assert_eq!(rest, all[6..]);
    let none = list("/api/v1/logs/?before_id=1".into()).await;
    assert!(none.is_empty());
    let max = list("/api/v1/logs/?limit=1000".into()).await;
    assert_eq!(max, all);
    for bad in [
        "limit=0",
        "limit=1001",
        "limit=-5",
        "limit=abc",
        "before_id=x",
        "user_id=abc",
        "activity_type=Login",
        "ticket_id=1.5",
    ] {
        let locs = s.get(a, &format!("/api/v1/logs/?{bad}")).await.expect_422();
        assert_eq!(locs[0][0], "query", "{bad}");
    }
}

#[tokio::test]
async fn clearing_leaves_exactly_one_delete_entry() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "one").await;
    s.comment(s.bob.t(), s.ticket(s.bob.t(), "two").await, "x")
        .await;
    s.comment(s.alice.t(), t, "y").await;
    let a = s.admin.t();
    // One user's entries.
    s.delete(a, &format!("/api/v1/logs/{}", s.alice.id))
        .await
        .expect(200);
    let rows = s.log().await;
    assert!(rows.iter().all(|r| r.user_id != s.alice.id));
    assert!(rows.iter().any(|r| r.user_id == s.bob.id), "others stay");
    assert_eq!(rows[0].kind, "Delete");
    assert_eq!(rows[0].user_id, s.admin.id);
    // Everything.
    s.delete(a, "/api/v1/logs/").await.expect(200);
    let v = s.get(a, "/api/v1/logs/").await.expect(200).clone();
    let entries = v.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{v}");
    assert_eq!(entries[0]["activity_type"], "Delete");
    assert_eq!(entries[0]["user_id"], s.admin.id);
    assert_eq!(entries[0]["ticket_id"], json!(null));
}

#[tokio::test]
async fn reads_are_not_logged_by_default() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "read me").await;
    let b = s.log().await;
    s.get(s.alice.t(), &format!("/api/v1/tickets/{t}"))
        .await
        .expect(200);
    s.get(s.alice.t(), "/api/v1/tickets/").await.expect(200);
    s.get(
        s.agent.t(),
        &format!("/api/v1/tickets/agent/{}", s.agent.id),
    )
    .await
    .expect(200);
    s.get(s.admin.t(), "/api/v1/logs/").await.expect(200);
    assert!(s.log_since(&b).await.is_empty());
}

#[tokio::test]
async fn reads_are_logged_with_audit_reads() {
    let s = start_with(|c| c.audit_reads = true).await;
    let t = s.ticket(s.alice.t(), "read me").await;
    let b = s.log().await;
    s.get(s.alice.t(), &format!("/api/v1/tickets/{t}"))
        .await
        .expect(200);
    let e = one_entry(&s, &b).await;
    assert_eq!(
        (e.kind.as_str(), e.user_id, e.ticket_id),
        ("Read", s.alice.id, Some(t))
    );
    let b = s.log().await;
    s.get(s.agent.t(), "/api/v1/tickets/").await.expect(200);
    let e = one_entry(&s, &b).await;
    assert_eq!((e.kind.as_str(), e.user_id), ("Read", s.agent.id));
    let b = s.log().await;
    s.get(
        s.agent.t(),
        &format!("/api/v1/tickets/agent/{}", s.agent.id),
    )
    .await
    .expect(200);
    assert_eq!(one_entry(&s, &b).await.kind, "Read");
    // A refused read is not logged.
    let b = s.log().await;
    s.get(s.bob.t(), &format!("/api/v1/tickets/{t}"))
        .await
        .expect(404);
    s.get(s.bob.t(), &format!("/api/v1/tickets/agent/{}", s.agent.id))
        .await
        .expect(403);
    assert!(s.log_since(&b).await.is_empty());
}
