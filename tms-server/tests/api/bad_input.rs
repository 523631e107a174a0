//! Bad input never yields a 5xx and never changes stored data: control characters, huge
//! fields, wrong types, wrong enum strings, negative and huge ids, huge page sizes.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

fn bad_texts() -> Vec<Value> {
    vec![
        json!(""),
        json!("   "),
        // Looks empty: zero-width characters only.
        json!("\u{200B}\u{200D}\u{FEFF}"),
        json!(" \u{2060}\n\u{00AD} "),
        json!("x".repeat(20_001)),
        json!("x".repeat(100_000)),
        json!("nul\u{0}byte"),
        json!("escape\u{1b}[31m"),
        json!("bell\u{7}"),
        json!("del\u{7f}"),
        json!(5),
        json!(true),
        json!(["a"]),
        json!({"a": 1}),
    ]
}

fn bad_ids() -> Vec<Value> {
    vec![
        json!(-1),
        json!(0),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(1e300),
        json!(18446744073709551616u128.to_string().parse::<f64>().unwrap()),
        // Integer-valued strings are integers ("1" is accepted, as the seed's framework did);
        // anything else in a string is not.
        json!("1x"),
        json!("-1"),
        json!(" 1"),
        json!("99999999999999999999"),
        json!(1.5),
        json!(true),
        json!([1]),
    ]
}

/// Sends each body; every reply must be a 4xx with a JSON error, and nothing may change.
async fn refuse_all(s: &Srv, method: Method, token: &str, path: &str, bodies: Vec<Value>) {
    let before = s.snapshot().await;
    for body in bodies {
        let r = s
            .call(method.clone(), token, path, Some(body.clone()))
            .await;
        assert!(
            (400..500).contains(&r.status),
            "{method} {path} {}: {} {}",
            truncate(&body),
            r.status,
            r.text
        );
        assert!(r.body["detail"].is_string() || r.body["detail"].is_array());
    }
    assert_eq!(s.snapshot().await, before, "{method} {path} changed data");
}

fn truncate(v: &Value) -> String {
    let t = v.to_string();
    t.chars().take(120).collect()
}

fn variants(base: Value, field: &str, values: Vec<Value>) -> Vec<Value> {
    values
        .into_iter()
        .map(|v| {
            let mut b = base.clone();
            b[field] = v;
            b
        })
        .collect()
}

#[tokio::test]
async fn ticket_create_refuses_bad_fields() {
    let s = start().await;
    let base = json!({"title": "ok", "description": "ok"});
    let mut bodies = vec![json!({"title": "invoice \u{202E}fdp.exe", "description": "ok"})];
    let mut titles = bad_texts();
    titles.push(json!("x".repeat(201)));
    titles.push(json!("x".repeat(10_001)));
    titles.push(json!("two\nlines"));
    titles.push(json!("tab\there"));
    bodies.extend(variants(base.clone(), "title", titles));
    bodies.extend(variants(base.clone(), "description", bad_texts()));
    bodies.extend(variants(
        base.clone(),
        "priority",
        vec![json!("Urgent"), json!("high"), json!(""), json!(2)],
    ));
    bodies.extend(variants(
        base.clone(),
        "status",
        vec![
            json!("Closed"),
            json!("open"),
            json!("InProgress"),
            json!(1),
        ],
    ));
    bodies.extend(variants(base.clone(), "assigned_agent_id", bad_ids()));
    bodies.extend(variants(base.clone(), "requester_id", bad_ids()));
    bodies.push(json!({"title": "only a title"}));
    bodies.push(json!({"description": "only a description"}));
    bodies.push(json!({}));
    refuse_all(&s, Method::POST, s.admin.t(), "/api/v1/tickets/", bodies).await;
}

#[tokio::test]
async fn ticket_update_refuses_bad_fields() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "target").await;
    let path = format!("/api/v1/tickets/{t}");
    let mut bodies = Vec::new();
    let mut titles: Vec<Value> = bad_texts().into_iter().filter(|v| !v.is_null()).collect();
    titles.push(json!("x".repeat(201)));
    bodies.extend(variants(json!({}), "title", titles));
    bodies.extend(variants(json!({}), "description", bad_texts()));
    bodies.extend(variants(
        json!({}),
        "priority",
        vec![json!("Urgent"), json!(""), json!(0)],
    ));
    bodies.extend(variants(
        json!({}),
        "status",
        vec![json!("Closed"), json!("resolved"), json!(2)],
    ));
    bodies.extend(variants(json!({}), "assigned_agent_id", bad_ids()));
    bodies.extend(variants(
        json!({"status": "Resolved"}),
        "resolution_date",
        vec![
            json!("not a date"),
            json!("1999-01-01T00:00:00Z"),
            json!("9999-12-31T23:59:59Z"),
            json!(12345),
            json!(""),
        ],
    ));
    for method in [Method::PUT, Method::PATCH] {
        refuse_all(&s, method, s.admin.t(), &path, bodies.clone()).await;
    }
    // Updates of tickets that cannot exist.
    let before = s.snapshot().await;
    for id in [
        "-1",
        "0",
        "9223372036854775807",
        "99999999999999999999",
        "1e3",
        "%00",
    ] {
        let r = s
            .patch(
                s.admin.t(),
                &format!("/api/v1/tickets/{id}"),
                json!({"title": "x"}),
            )
            .await;
        assert!(
            r.status == 404 || r.status == 422 || r.status == 400,
            "{id}: {}",
            r.text
        );
    }
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn comment_routes_refuse_bad_fields() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "target").await;
    let c = s.comment(s.alice.t(), t, "existing").await;
    let mut bodies = variants(json!({"ticket_id": t}), "description", bad_texts());
    bodies.extend(variants(
        json!({"description": "ok"}),
        "ticket_id",
        bad_ids(),
    ));
    refuse_all(&s, Method::POST, s.admin.t(), "/api/v1/comments/", bodies).await;
    let mut bodies = variants(json!({}), "description", bad_texts());
    bodies.extend(variants(
        json!({"description": "ok"}),
        "ticket_id",
        bad_ids(),
    ));
    refuse_all(
        &s,
        Method::PUT,
        s.admin.t(),
        &format!("/api/v1/comments/{c}"),
        bodies,
    )
    .await;
}

#[tokio::test]
async fn user_routes_refuse_bad_fields() {
    let s = start().await;
    let long = "a".repeat(10_000);
    let base = json!({"username": "carol", "email": "carol@example.com", "password": PW,
                      "role": "Requester"});
    let names = vec![
        json!(""),
        json!("ab"),
        json!("has space"),
        json!("tab\tname"),
        json!("nul\u{0}x"),
        json!("ünïcode"),
        json!(long.clone()),
        json!(12345),
    ];
    let emails = vec![
        json!(""),
        json!("plain"),
        json!("@example.com"),
        json!("a@b"),
        json!("a b@example.com"),
        json!("a@exa mple.com"),
        json!(format!("{long}@example.com")),
        json!("ctl\u{1}@example.com"),
        json!(["a@example.com"]),
    ];
    let passwords = vec![
        json!("short"),
        json!("x".repeat(129)),
        json!(long.clone()),
        json!("carol@example.com"),
        json!(12345678),
    ];
    let roles = vec![
        json!("Admin"),
        json!("sysadmin"),
        json!("Agent"),
        json!(""),
        json!(1),
    ];
    let mut bodies = variants(base.clone(), "username", names.clone());
    bodies.extend(variants(base.clone(), "email", emails.clone()));
    bodies.extend(variants(base.clone(), "password", passwords.clone()));
    bodies.extend(variants(base.clone(), "role", roles.clone()));
    refuse_all(
        &s,
        Method::POST,
        s.admin.t(),
        "/api/v1/admin/users/",
        bodies.clone(),
    )
    .await;
    refuse_all(&s, Method::POST, ANON, "/signup", bodies).await;

    let mut bodies = variants(json!({}), "username", names);
    bodies.extend(variants(json!({}), "email", emails));
    let passwords: Vec<Value> = passwords
        .into_iter()
        .map(|p| {
            if p == "carol@example.com" {
                json!("BOB@example.com")
            } else {
                p
            }
        })
        .collect();
    bodies.extend(variants(json!({}), "password", passwords));
    bodies.extend(variants(json!({}), "role", roles));
    bodies.extend(variants(
        json!({}),
        "is_active",
        vec![json!("false"), json!(0), json!("yes")],
    ));
    refuse_all(
        &s,
        Method::PUT,
        s.admin.t(),
        &format!("/api/v1/admin/users/{}", s.bob.id),
        bodies,
    )
    .await;
}

#[tokio::test]
async fn login_with_absurd_input_is_a_plain_refusal() {
    let s = start().await;
    let long = "a".repeat(100_000);
    let before_users = s
        .get(s.admin.t(), "/api/v1/admin/users/")
        .await
        .expect(200)
        .clone();
    for body in [
        json!({"email": long, "password": PW}),
        json!({"email": "alice@example.com", "password": long}),
        json!({"email": "alice\u{0}@example.com", "password": PW}),
        json!({"email": "", "password": ""}),
    ] {
        let r = s.post(ANON, "/login", body).await;
        assert!((400..500).contains(&r.status), "{}", r.text);
    }
    for body in [
        json!({"email": ["x"], "password": PW}),
        json!({"email": null, "password": PW}),
    ] {
        s.post(ANON, "/login", body).await.expect_422();
    }
    let after_users = s
        .get(s.admin.t(), "/api/v1/admin/users/")
        .await
        .expect(200)
        .clone();
    assert_eq!(before_users, after_users);
}

#[tokio::test]
async fn query_strings_never_5xx() {
    let s = start().await;
    s.ticket(s.alice.t(), "one").await;
    let before = s.snapshot().await;
    let a = s.admin.t();
    for q in [
        "size=100000000000000000000000000",
        "size=-1",
        "page=18446744073709551616",
        "page=1000000000&size=100",
        "assigned_agent_id=9223372036854775808",
        "requester_id=99999999999999999999",
        "status=%00",
        "priority=%FF",
        "q=%00",
        "q=%FF%FE",
        "sort=",
        "sort=-",
        "unassigned=",
        "status=",
        "q=",
        "%%%",
        "a=1&&&b",
        "page=1&page=2",
    ] {
        let r = s.get(a, &format!("/api/v1/tickets/?{q}")).await;
        assert!(
            r.status == 200 || (400..500).contains(&r.status),
            "{q}: {}",
            r.text
        );
        let r = s.get(a, &format!("/api/v1/logs/?{q}")).await;
        assert!(
            r.status == 200 || (400..500).contains(&r.status),
            "logs {q}: {}",
            r.text
        );
        let r = s.get(a, &format!("/api/v1/admin/users/?{q}")).await;
        assert!(
            r.status == 200 || (400..500).contains(&r.status),
            "users {q}: {}",
            r.text
        );
    }
    assert_eq!(s.snapshot().await, before);
}
