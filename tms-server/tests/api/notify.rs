//! Notifications (docs/API.md, "Notifications" and "Webhooks"): webhooks registered by a
//! SysAdmin and delivered, signed, to a real HTTP receiver, retried when it fails or does not
//! answer, refused for private addresses; email to a real SMTP server (`TMS_TEST_SMTP`) for
//! whom it concerns and no one else; nothing queued by a change rolled back; on two servers
//! sharing one PostgreSQL database, each delivery made once.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};
use tms_server::Config;

use crate::helpers::*;
use crate::receivers::{Mail, Receiver, Reply, Sink};

const SECRET: &str = "a long shared secret 123";
const FROM: &str = "Helpdesk <helpdesk@example.com>";

/// Settings that make delivery quick to watch: retries after 0.1–0.2 s, doubling, looks at the
/// outbox every 0.1 s, and webhooks to this machine (the receivers listen on 127.0.0.1).
fn quick(c: &mut Config) {
    c.notify.webhook_allow_private = true;
    c.notify.poll = Duration::from_millis(100);
    c.notify.retry_base = Duration::from_millis(200);
    c.notify.retry_cap = Duration::from_secs(2);
    c.notify.webhook_timeout = Duration::from_secs(3);
}

/// Registers a webhook to `url` for `events` as the admin; returns it.
async fn webhook(s: &Srv, url: &str, events: &[&str]) -> Value {
    s.post(
        s.admin.t(),
        "/api/v1/admin/webhooks",
        json!({"url": url, "events": events, "secret": SECRET}),
    )
    .await
    .expect(201)
    .clone()
}

async fn deliveries(s: &Srv, id: i64) -> Vec<Value> {
    s.get(
        s.admin.t(),
        &format!("/api/v1/admin/webhooks/{id}/deliveries"),
    )
    .await
    .expect(200)
    .as_array()
    .unwrap()
    .clone()
}

/// The deliveries of webhook `id` once `done` holds of them (within 20 s).
async fn deliveries_when(s: &Srv, id: i64, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let start = std::time::Instant::now();
    loop {
        let d = deliveries(s, id).await;
        if done(&d) {
            return d;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "deliveries did not settle: {d:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn count(s: &Srv, sql: &str) -> i64 {
    s.sql(sql).await[0][0].as_deref().unwrap().parse().unwrap()
}

const ALL_EVENTS: [&str; 6] = [
    "ticket.created",
    "ticket.updated",
    "ticket.deleted",
    "comment.created",
    "comment.updated",
    "comment.deleted",
];

#[tokio::test]
async fn webhooks_are_the_sysadmins_and_checked_whole() {
    let s = start().await;
    let good = json!({"url": "https://hooks.example.com/tms", "events": ["ticket.created"],
                      "secret": SECRET});
    s.get(ANON, "/api/v1/admin/webhooks").await.expect(401);
    s.post(ANON, "/api/v1/admin/webhooks", good.clone())
        .await
        .expect(401);
    s.get(ANON, "/api/v1/admin/webhooks/1/deliveries")
        .await
        .expect(401);
    s.delete(ANON, "/api/v1/admin/webhooks/1").await.expect(401);
    for who in [&s.agent, &s.alice] {
        s.get(who.t(), "/api/v1/admin/webhooks")
            .await
            .expect_detail(403);
        s.post(who.t(), "/api/v1/admin/webhooks", good.clone())
            .await
            .expect_detail(403);
        s.get(who.t(), "/api/v1/admin/webhooks/1/deliveries")
            .await
            .expect_detail(403);
        s.delete(who.t(), "/api/v1/admin/webhooks/1")
            .await
            .expect_detail(403);
    }

    let b4 = s.log().await;
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    for (body, field) in [
        (with("url", json!("ftp://hooks.example.com/")), "url"),
        (with("url", json!("not a url")), "url"),
        (with("url", json!("http://127.0.0.1:8080/hook")), "url"),
        (with("url", json!("http://10.1.2.3/hook")), "url"),
        (with("url", json!("http://169.254.169.254/latest")), "url"),
        (with("url", json!("http://[::1]/")), "url"),
        (with("url", json!("http://[::ffff:192.168.0.1]/")), "url"),
        (with("url", json!("http://localhost:9000/")), "url"),
        (
            with("url", json!("https://me:pw@hooks.example.com/")),
            "url",
        ),
        (with("events", json!([])), "events"),
        (
            with("events", json!(["ticket.created", "ticket.exploded"])),
            "events",
        ),
        (with("secret", json!("too short")), "secret"),
        (with("secret", json!("s".repeat(257))), "secret"),
    ] {
        let locs = s
            .post(s.admin.t(), "/api/v1/admin/webhooks", body.clone())
            .await
            .expect_422();
        assert_eq!(locs, [["body", field]], "{body}");
    }
    let private = s
        .post(
            s.admin.t(),
            "/api/v1/admin/webhooks",
            with("url", json!("http://192.168.1.10/")),
        )
        .await;
    private.expect(422);
    let msg = private.body["detail"][0]["msg"].as_str().unwrap();
    assert!(msg.contains("private address"), "{msg}");
    // Every invalid field at once.
    let locs = s
        .post(
            s.admin.t(),
            "/api/v1/admin/webhooks",
            json!({"url": "gopher://x", "events": [], "secret": ""}),
        )
        .await
        .expect_422();
    assert_eq!(
        locs,
        [["body", "url"], ["body", "events"], ["body", "secret"]]
    );
    for shape in [
        json!({"url": "https://hooks.example.com/", "events": ["ticket.created"]}),
        json!({"url": "https://hooks.example.com/", "events": "ticket.created", "secret": SECRET}),
        with("extra", json!(1)),
        json!([good.clone()]),
    ] {
        assert_eq!(
            s.post(s.admin.t(), "/api/v1/admin/webhooks", shape)
                .await
                .expect_422(),
            [["body"]]
        );
    }
    assert_eq!(
        s.get(s.admin.t(), "/api/v1/admin/webhooks")
            .await
            .expect(200),
        &json!([]),
        "refused: nothing stored"
    );
    assert!(s.log_since(&b4).await.is_empty(), "refused: nothing logged");

    let created = s
        .post(s.admin.t(), "/api/v1/admin/webhooks", good.clone())
        .await;
    created.expect(201);
    assert!(!created.text.contains(SECRET), "the secret is never shown");
    let w = created.body.clone();
    assert_eq!(
        keys(&w),
        [
            "created_at",
            "created_by",
            "events",
            "id",
            "secret_set",
            "url"
        ]
    );
    assert_eq!(w["secret_set"], true);
    assert_eq!(w["created_by"], s.admin.id);
    assert_eq!(w["events"], json!(["ticket.created"]));
    assert_wire_time(&w["created_at"]);
    let id = w["id"].as_i64().unwrap();
    let listed = s.get(s.admin.t(), "/api/v1/admin/webhooks").await;
    assert_eq!(listed.expect(200), &json!([w.clone()]));
    assert!(!listed.text.contains(SECRET));
    let logged = s.log_since(&b4).await;
    assert_eq!(logged.len(), 1);
    assert_eq!(
        logged[0].details,
        format!("created webhook {id} (https://hooks.example.com/tms: ticket.created)")
    );
    assert_eq!(logged[0].kind, "Create");

    let path = format!("/api/v1/admin/webhooks/{id}/deliveries");
    assert_eq!(s.get(s.admin.t(), &path).await.expect(200), &json!([]));
    for bad in ["0", "501", "-1", "ten", "1.5"] {
        assert_eq!(
            s.get(s.admin.t(), &format!("{path}?limit={bad}"))
                .await
                .expect_422(),
            [["query", "limit"]],
            "{bad}"
        );
    }
    s.get(s.admin.t(), &format!("{path}?limit=500"))
        .await
        .expect(200);
    s.get(s.admin.t(), "/api/v1/admin/webhooks/x/deliveries")
        .await
        .expect_422();
    s.delete(s.admin.t(), "/api/v1/admin/webhooks/x")
        .await
        .expect_422();

    let b4 = s.log().await;
    assert_eq!(
        s.delete(s.admin.t(), &format!("/api/v1/admin/webhooks/{id}"))
            .await
            .expect(200),
        &w
    );
    let logged = s.log_since(&b4).await;
    assert_eq!(logged.len(), 1);
    assert_eq!(
        logged[0].details,
        format!("deleted webhook {id} (https://hooks.example.com/tms)")
    );
    assert_eq!(logged[0].kind, "Delete");
    s.delete(s.admin.t(), &format!("/api/v1/admin/webhooks/{id}"))
        .await
        .expect_detail(404);
    s.get(s.admin.t(), &path).await.expect_detail(404);
}

#[tokio::test]
async fn deliveries_are_signed_and_carry_what_staff_see() {
    let r = Receiver::ok().await;
    let only_new = Receiver::ok().await;
    let s = start_with(quick).await;
    let w = webhook(&s, &r.url, &ALL_EVENTS).await;
    webhook(&s, &only_new.url, &["ticket.created"]).await;

    let t = s.ticket(s.alice.t(), "printer on fire").await;
    let c = s.comment(s.agent.t(), t, "on my way").await;
    let note = s
        .post(
            s.agent.t(),
            "/api/v1/comments/",
            json!({"ticket_id": t, "description": "it was the toner", "is_internal": true}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    s.put(
        s.agent.t(),
        &format!("/api/v1/comments/{c}"),
        json!({"description": "on my way, with an extinguisher"}),
    )
    .await
    .expect(200);
    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{t}"),
        json!({"status": "In Progress", "tags": ["fire"]}),
    )
    .await
    .expect(200);
    s.delete(s.agent.t(), &format!("/api/v1/comments/{c}"))
        .await
        .expect(200);
    s.delete(s.admin.t(), &format!("/api/v1/tickets/{t}"))
        .await
        .expect(200);

    let mut hits = r.wait_count(7).await;
    hits.sort_by_key(|h| h.delivery());
    let events: Vec<String> = hits
        .iter()
        .map(|h| h.json()["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        events,
        [
            "ticket.created",
            "comment.created",
            "comment.created",
            "comment.updated",
            "ticket.updated",
            "comment.deleted",
            "ticket.deleted"
        ]
    );
    for h in &hits {
        let body = h.json();
        assert!(h.signed_with(SECRET), "signature of {body}");
        assert!(!h.signed_with("another secret 12345"));
        assert_eq!(h.header("content-type"), "application/json");
        assert_eq!(h.header("x-tms-event"), body["event"]);
        assert_eq!(body["delivery_id"], h.delivery());
        assert!(h.header("user-agent").starts_with("tms-webhooks/"));
        assert_wire_time(&body["occurred_at"]);
        let mut k = keys(&body);
        k.sort();
        assert_eq!(
            k,
            ["comment", "delivery_id", "event", "occurred_at", "ticket"]
        );
    }
    let body = |i: usize| hits[i].json();
    let created = body(0);
    assert_eq!(created["ticket"]["id"], t);
    assert_eq!(created["ticket"]["title"], "printer on fire");
    assert_eq!(created["ticket"]["requester_id"], s.alice.id);
    assert_eq!(created["ticket"]["tags"], json!([]), "as staff see it");
    assert_eq!(created["comment"], Value::Null);
    assert_eq!(body(1)["comment"]["id"], c);
    assert_eq!(body(1)["comment"]["is_internal"], false);
    assert_eq!(body(1)["ticket"], Value::Null);
    assert_eq!(body(2)["comment"]["id"], note);
    assert_eq!(
        body(2)["comment"]["is_internal"],
        true,
        "notes go to webhooks, marked"
    );
    assert_eq!(
        body(3)["comment"]["description"],
        "on my way, with an extinguisher"
    );
    assert_eq!(body(4)["ticket"]["status"], "In Progress");
    assert_eq!(body(4)["ticket"]["tags"], json!(["fire"]));
    assert_eq!(body(5)["comment"]["id"], c);
    assert_eq!(body(6)["ticket"]["id"], t);
    assert_eq!(body(6)["ticket"]["status"], "In Progress", "as it was");

    let id = w["id"].as_i64().unwrap();
    let d = deliveries_when(&s, id, |d| d.iter().all(|x| x["status"] == "sent")).await;
    assert_eq!(d.len(), 7);
    let listed: Vec<i64> = d.iter().map(|x| x["id"].as_i64().unwrap()).collect();
    let mut sent: Vec<i64> = hits.iter().map(|h| h.delivery()).collect();
    sent.reverse();
    assert_eq!(listed, sent, "newest first, one per delivery");
    for x in &d {
        assert_eq!(x["attempts"], 1);
        assert_eq!(x["last_status"], 200);
        assert_eq!(x["last_error"], Value::Null);
        assert_eq!(x["next_attempt_at"], Value::Null);
        assert_eq!(x["ticket_id"], t);
    }
    assert_eq!(d[6]["event"], "ticket.created");
    let two = s
        .get(
            s.admin.t(),
            &format!("/api/v1/admin/webhooks/{id}/deliveries?limit=2"),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(two.as_array().unwrap().len(), 2);
    assert_eq!(two[0]["id"], d[0]["id"]);

    // The other webhook takes ticket.created only.
    assert_eq!(
        count(&s, "SELECT count(*) FROM outbox WHERE status = 'pending'").await,
        0
    );
    let got = only_new.hits();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["event"], "ticket.created");
}

#[tokio::test]
async fn a_failing_receiver_gets_the_same_delivery_again_after_growing_pauses() {
    let r = Receiver::start(|n| Reply::Status(if n < 2 { 500 } else { 204 })).await;
    let s = start_with(quick).await;
    let w = webhook(&s, &r.url, &["ticket.created"]).await;
    s.ticket(s.alice.t(), "flaky").await;
    let hits = r.wait_count(3).await;
    for h in &hits[1..] {
        assert_eq!(
            h.delivery(),
            hits[0].delivery(),
            "one delivery, tried again"
        );
        assert_eq!(h.body, hits[0].body, "the same bytes");
        assert_eq!(
            h.header("x-tms-signature"),
            hits[0].header("x-tms-signature")
        );
    }
    // Backoff: 0.2 s, then 0.4 s, of which at most half is taken off.
    let first = hits[1].at - hits[0].at;
    let second = hits[2].at - hits[1].at;
    assert!(first >= Duration::from_millis(100), "{first:?}");
    assert!(second >= Duration::from_millis(200), "{second:?}");
    let d = deliveries_when(&s, w["id"].as_i64().unwrap(), |d| {
        d.first().is_some_and(|x| x["status"] == "sent")
    })
    .await;
    assert_eq!(d[0]["attempts"], 3);
    assert_eq!(d[0]["last_status"], 204);
    assert_eq!(d[0]["last_error"], Value::Null);
}

#[tokio::test]
async fn a_receiver_that_never_answers_in_time_is_retried_then_given_up() {
    let r = Receiver::start(|_| Reply::Hold(Duration::from_secs(60))).await;
    let s = start_with(|c| {
        quick(c);
        c.notify.webhook_timeout = Duration::from_millis(300);
        c.notify.webhook_retry_for = Duration::from_secs(2);
    })
    .await;
    let w = webhook(&s, &r.url, &["ticket.created"]).await;
    let id = w["id"].as_i64().unwrap();
    s.ticket(s.alice.t(), "slow").await;
    let pending = deliveries_when(&s, id, |d| {
        d.first()
            .is_some_and(|x| x["status"] == "pending" && x["last_error"].is_string())
    })
    .await;
    let why = pending[0]["last_error"].as_str().unwrap();
    assert!(why.contains("no answer within"), "{why}");
    assert!(pending[0]["next_attempt_at"].is_string());
    let failed = deliveries_when(&s, id, |d| {
        d.first().is_some_and(|x| x["status"] == "failed")
    })
    .await;
    let why = failed[0]["last_error"].as_str().unwrap();
    assert!(why.starts_with("gave up after"), "{why}");
    assert!(why.contains("no answer within"), "{why}");
    assert!(failed[0]["attempts"].as_i64().unwrap() >= 2);
    assert_eq!(failed[0]["next_attempt_at"], Value::Null);
    let hits = r.hits();
    assert!(hits.len() >= 2);
    assert!(hits.iter().all(|h| h.delivery() == hits[0].delivery()));
}

/// This machine's name, if it resolves to non-public addresses only (as `/etc/hosts` usually
/// makes it): a name, not an address, that leads to this machine.
async fn local_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim().to_string();
    let addrs: Vec<_> = tokio::net::lookup_host((name.as_str(), 0))
        .await
        .ok()?
        .collect();
    let loopback = !addrs.is_empty()
        && addrs
            .iter()
            .all(|a| tms_server::notify::ssrf::non_public(a.ip()).is_some());
    loopback.then_some(name)
}

#[tokio::test]
async fn private_addresses_are_refused_when_delivering() {
    let r = Receiver::ok().await;
    let s = start_with(|c| {
        quick(c);
        c.notify.webhook_allow_private = false;
    })
    .await;
    let port = r.url.split(':').nth(2).unwrap().to_string();
    match local_name().await {
        Some(name) => {
            // A name is not refused when the webhook is created (its addresses may change);
            // it is resolved at each delivery, and refused there.
            let w = webhook(&s, &format!("http://{name}:{port}"), &["ticket.created"]).await;
            s.ticket(s.alice.t(), "sneaky").await;
            let d = deliveries_when(&s, w["id"].as_i64().unwrap(), |d| {
                d.first().is_some_and(|x| x["status"] == "failed")
            })
            .await;
            let why = d[0]["last_error"].as_str().unwrap();
            assert!(why.contains(&format!("{name} resolves to")), "{why}");
            assert!(why.contains("--webhook-allow-private"), "{why}");
            assert_eq!(d[0]["attempts"], 1, "refused for good, not retried");
            s.delete(s.admin.t(), &format!("/api/v1/admin/webhooks/{}", w["id"]))
                .await
                .expect(200);
        }
        None => eprintln!("note: this machine's name does not resolve to a private address"),
    }
    // An address written into the stored URL behind the API's back is refused too.
    let w = webhook(&s, "https://hooks.example.com/", &["ticket.created"]).await;
    let id = w["id"].as_i64().unwrap();
    s.sql(&format!(
        "UPDATE webhooks SET url = 'http://127.0.0.1:{port}/hook' WHERE id = {id}"
    ))
    .await;
    s.ticket(s.alice.t(), "sneakier").await;
    let d = deliveries_when(&s, id, |d| {
        d.first().is_some_and(|x| x["status"] == "failed")
    })
    .await;
    let why = d[0]["last_error"].as_str().unwrap();
    assert!(why.contains("127.0.0.1 is a loopback address"), "{why}");
    assert!(r.hits().is_empty(), "nothing reached the private receiver");
}

#[tokio::test]
async fn each_user_chooses_about_email() {
    let s = start().await;
    let path = "/api/v1/users/me/notifications";
    s.get(ANON, path).await.expect(401);
    s.put(ANON, path, json!({"email": false})).await.expect(401);
    for who in [&s.alice, &s.agent, &s.admin] {
        assert_eq!(
            s.get(who.t(), path).await.expect(200),
            &json!({"email": true})
        );
    }
    assert_eq!(
        s.put(s.alice.t(), path, json!({"email": false}))
            .await
            .expect(200),
        &json!({"email": false})
    );
    assert_eq!(
        s.get(s.alice.t(), path).await.expect(200),
        &json!({"email": false})
    );
    assert_eq!(
        s.get(s.bob.t(), path).await.expect(200),
        &json!({"email": true}),
        "each their own"
    );
    for bad in [
        json!({"email": "no"}),
        json!({"email": null}),
        json!({}),
        json!({"email": true, "sms": true}),
        json!([true]),
    ] {
        assert_eq!(s.put(s.alice.t(), path, bad).await.expect_422(), [["body"]]);
    }
    assert_eq!(
        s.get(s.alice.t(), path).await.expect(200),
        &json!({"email": false}),
        "refused: unchanged"
    );
    s.put(s.alice.t(), path, json!({"email": true}))
        .await
        .expect(200);
    assert_eq!(
        s.get(s.alice.t(), path).await.expect(200),
        &json!({"email": true})
    );
}

#[tokio::test]
async fn without_an_smtp_relay_no_email_is_queued() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "quiet").await;
    s.comment(s.agent.t(), t, "noted").await;
    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{t}"),
        json!({"status": "Resolved", "assigned_agent_id": s.agent2.id}),
    )
    .await
    .expect(200);
    assert_eq!(count(&s, "SELECT count(*) FROM outbox").await, 0);
}

#[tokio::test]
async fn a_change_rolled_back_queues_nothing() {
    let r = Receiver::ok().await;
    // An SMTP relay that is never reached: the rows are what is checked.
    let s = start_with(|c| {
        quick(c);
        c.notify.smtp_url = Some("smtp://127.0.0.1:9".into());
        c.notify.mail_from = Some(FROM.into());
        c.notify.poll = Duration::from_secs(60);
        c.notify.retry_base = Duration::from_secs(60);
    })
    .await;
    webhook(&s, &r.url, &ALL_EVENTS).await;
    let t = s.ticket(s.alice.t(), "one").await;
    let rows = "SELECT count(*) FROM outbox";
    let before = count(&s, rows).await;
    assert_eq!(before, 2, "ticket.created and the acknowledgement");
    // All or nothing: the second ticket cannot take the change, so neither does the first.
    s.post(
        s.admin.t(),
        "/api/v1/tickets/bulk",
        json!({"ids": [t, 999_999], "changes": {"assigned_agent_id": s.agent.id,
                                                 "status": "Resolved"}}),
    )
    .await
    .expect_422();
    assert_eq!(count(&s, rows).await, before, "nothing queued");
    s.post(
        s.admin.t(),
        "/api/v1/tickets/bulk",
        json!({"ids": [t], "changes": {"assigned_agent_id": s.agent.id, "status": "Resolved"}}),
    )
    .await
    .expect(200);
    let by_event = s
        .sql("SELECT channel, event FROM outbox WHERE id > (SELECT min(id) + 1 FROM outbox) ORDER BY id")
        .await;
    let got: Vec<(String, String)> = by_event
        .into_iter()
        .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
        .collect();
    let want: Vec<(String, String)> = [
        ("webhook", "ticket.updated"),
        ("email", "resolved"),
        ("email", "assigned"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want, "committed: queued in the same transaction");
}

/// A server whose email goes to `sink`.
async fn mailing(sink: &Sink) -> Srv {
    let url = sink.url.clone();
    start_with(move |c| {
        quick(c);
        c.notify.smtp_url = Some(url);
        c.notify.mail_from = Some(FROM.into());
    })
    .await
}

/// `recipient: kind` of each message, kinds from their subjects, sorted.
fn who_got_what(mail: &[Mail], t: &BTreeMap<i64, &str>) -> Vec<String> {
    let mut out: Vec<String> = mail
        .iter()
        .map(|m| {
            let subject = m.subject();
            let (ticket, what) = subject
                .strip_prefix("[Ticket #")
                .and_then(|s| s.split_once("] "))
                .unwrap_or_else(|| panic!("subject {subject:?}"));
            let what = what.split(':').next().unwrap();
            let name = t[&ticket.parse::<i64>().unwrap()];
            format!("{} {name}: {what}", m.to().join(","))
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn email_goes_to_whom_it_concerns_and_never_about_ones_own_doing() {
    let Some(sink) = Sink::start(None) else {
        return;
    };
    let s = mailing(&sink).await;
    let (alice, bob, agent, agent2) = (
        "alice@example.com",
        "bob@example.com",
        "agent@example.com",
        "agent2@example.com",
    );
    let patch = |t: i64, who: &Who, body: Value| {
        let (s, token) = (&s, who.token.clone());
        async move {
            s.patch(&token, &format!("/api/v1/tickets/{t}"), body)
                .await
                .expect(200);
        }
    };

    // Alice files: her receipt.
    let t1 = s.ticket(s.alice.t(), "vpn down").await;
    // Staff answer in public: Alice is told; an internal note tells nobody.
    s.comment(s.agent.t(), t1, "Have you tried turning it off and on?")
        .await;
    s.post(
        s.agent.t(),
        "/api/v1/comments/",
        json!({"ticket_id": t1, "description": "secret remark", "is_internal": true}),
    )
    .await
    .expect(201);
    // The agent takes it: their own doing, no mail; In Progress tells the requester nothing.
    patch(
        t1,
        &s.agent,
        json!({"assigned_agent_id": s.agent.id, "status": "In Progress"}),
    )
    .await;
    // Waiting on Alice: she is told.
    patch(t1, &s.agent, json!({"status": "Waiting"})).await;
    // Alice answers (the ticket opens again): its assignee is told, Alice is not.
    s.comment(s.alice.t(), t1, "Still down.").await;
    // Reassigned by the admin: the new assignee is told.
    patch(t1, &s.admin, json!({"assigned_agent_id": s.agent2.id})).await;
    // Resolved: Alice is told.
    patch(t1, &s.agent2, json!({"status": "Resolved"})).await;
    // Filed by the admin for Bob, assigned to the agent: Bob's receipt, the agent told.
    let t2 = s
        .ticket_with(
            s.admin.t(),
            json!({"title": "new laptop", "description": "for Bob", "requester_id": s.bob.id,
                   "assigned_agent_id": s.agent.id}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    // A bulk change assigns it to agent2, who is told.
    s.post(
        s.admin.t(),
        "/api/v1/tickets/bulk",
        json!({"ids": [t2], "changes": {"assigned_agent_id": s.agent2.id}}),
    )
    .await
    .expect(200);
    // Alice turns email off: a reply to her goes unmailed.
    s.put(
        s.alice.t(),
        "/api/v1/users/me/notifications",
        json!({"email": false}),
    )
    .await
    .expect(200);
    s.comment(s.agent.t(), t1, "Closing the loop.").await;
    // Auto-assignment: Bob's receipt, and the agent chosen is told.
    s.put(
        s.admin.t(),
        "/api/v1/admin/assignment",
        json!({"mode": "round_robin"}),
    )
    .await
    .expect(200);
    let t3 = s.ticket(s.bob.t(), "printer jam").await;
    let chosen = s.ticket_detail(t3).await["assigned_agent_id"]
        .as_i64()
        .unwrap();
    assert_eq!(chosen, s.agent.id);
    // A staff member replying on a ticket they requested themselves mails nobody.
    let own = s.ticket(s.agent2.t(), "my own monitor").await;
    s.comment(s.agent2.t(), own, "note to self").await;

    let names = BTreeMap::from([(t1, "t1"), (t2, "t2"), (t3, "t3"), (own, "own")]);
    let want = [
        format!("{alice} t1: Received"),
        format!("{alice} t1: New reply"),
        format!("{alice} t1: Waiting for your reply"),
        format!("{agent} t1: The requester replied"),
        format!("{agent2} t1: Assigned to you"),
        format!("{alice} t1: Resolved"),
        format!("{bob} t2: Received"),
        format!("{agent} t2: Assigned to you"),
        format!("{agent2} t2: Assigned to you"),
        format!("{bob} t3: Received"),
        format!("{agent} t3: Assigned to you"),
        format!("{agent2} own: Received"),
    ];
    let mut want: Vec<String> = want.to_vec();
    want.sort();
    sink.wait_count(want.len()).await;
    // Anything more would have come with these.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mail = sink.messages();
    assert_eq!(who_got_what(&mail, &names), want);

    let find = |to: &str, t: i64, what: &str| {
        mail.iter()
            .find(|m| m.to() == [to] && m.subject().starts_with(&format!("[Ticket #{t}] {what}")))
            .unwrap_or_else(|| panic!("no {what} to {to}"))
            .clone()
    };
    let ack = find(alice, t1, "Received");
    assert_eq!(ack.subject(), format!("[Ticket #{t1}] Received: vpn down"));
    assert!(
        ack.body().contains(&format!("received as ticket #{t1}")),
        "{}",
        ack.body()
    );
    assert!(ack.body().contains("about vpn down"), "the description");
    let reply = find(alice, t1, "New reply").body();
    assert!(reply.contains("agent replied"), "{reply}");
    assert!(
        reply.contains("Have you tried turning it off and on?"),
        "{reply}"
    );
    assert!(
        mail.iter().all(|m| !m.body().contains("secret remark")),
        "internal notes are never mailed"
    );
    assert!(
        find(agent, t1, "The requester replied")
            .body()
            .contains("Still down.")
    );
    assert!(find(agent2, t1, "Assigned").body().contains("by admin"));
    assert!(
        find(agent, t3, "Assigned")
            .body()
            .contains("by auto-assignment")
    );

    let ids: BTreeSet<String> = mail.iter().map(|m| m.header("message-id")).collect();
    assert_eq!(ids.len(), mail.len(), "one Message-ID per message");
    let rows: BTreeSet<i64> = s
        .sql("SELECT id FROM outbox WHERE channel = 'email' AND status = 'sent'")
        .await
        .iter()
        .map(|r| r[0].as_deref().unwrap().parse().unwrap())
        .collect();
    assert_eq!(rows.len(), mail.len());
    for m in &mail {
        let id = m.header("message-id");
        let inner = id
            .strip_prefix("<tms-")
            .and_then(|i| i.strip_suffix("@example.com>"))
            .unwrap_or_else(|| panic!("Message-ID {id}"));
        let (row, digest) = inner.split_once('-').unwrap();
        assert!(rows.contains(&row.parse::<i64>().unwrap()), "{id}");
        assert_eq!(digest.len(), 12);
        assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        assert!(m.header("from").contains("helpdesk@example.com"));
        assert_eq!(m.header("auto-submitted"), "auto-generated");
        assert_eq!(m.0["mail_from"], "helpdesk@example.com");
    }
}

#[tokio::test]
async fn email_logs_in_to_the_relay_and_a_refusal_for_good_is_not_retried() {
    let Some(sink) = Sink::start(Some("tms:s3cret-pass")) else {
        return;
    };
    let port = sink.url.rsplit(':').next().unwrap().to_string();
    let with = |password: &str| {
        let url = format!("smtp://tms:{password}@127.0.0.1:{port}");
        move |c: &mut Config| {
            quick(c);
            c.notify.smtp_url = Some(url);
            c.notify.mail_from = Some(FROM.into());
        }
    };
    let s = start_with(with("s3cret-pass")).await;
    s.ticket(s.alice.t(), "logged in").await;
    let mail = sink.wait_count(1).await;
    assert_eq!(mail[0].to(), ["alice@example.com"]);

    let wrong = start_with(with("wrong")).await;
    wrong.ticket(wrong.alice.t(), "not logged in").await;
    let start = std::time::Instant::now();
    loop {
        let rows = wrong
            .sql("SELECT status, attempts, last_status, last_error FROM outbox")
            .await;
        if rows[0][0].as_deref() == Some("failed") {
            assert_eq!(rows[0][1].as_deref(), Some("1"), "not retried");
            assert_eq!(rows[0][2].as_deref(), Some("535"));
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn the_backlog_is_a_metric() {
    let handle = tms_server::metrics::install().unwrap();
    let s = start_with(|c| {
        quick(c);
        // Never reached: the delivery stays pending.
        c.notify.smtp_url = Some("smtp://127.0.0.1:9".into());
        c.notify.mail_from = Some(FROM.into());
        c.notify.retry_base = Duration::from_secs(600);
    })
    .await;
    s.ticket(s.alice.t(), "backlog").await;
    let start = std::time::Instant::now();
    loop {
        handle.run_upkeep();
        let text = handle.render();
        if let Some(line) = text.lines().find(|l| l.starts_with("tms_outbox_pending ")) {
            let n: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
            // Other tests' servers in this process set it too: its presence is what is
            // checked, and that it counts something at times.
            if n >= 0.0 {
                break;
            }
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn two_servers_on_one_database_deliver_each_change_once() {
    let r = Receiver::ok().await;
    let Some((a, b)) = start_pair_with(quick).await else {
        eprintln!("skipped: set TMS_TEST_DATABASE_URL to run the two-server tests");
        return;
    };
    webhook(&a, &r.url, &["ticket.created"]).await;
    const N: usize = 40;
    let mut filing = Vec::new();
    for i in 0..N {
        let server = if i % 2 == 0 { &a } else { &b };
        filing.push(server.ticket(a.alice.t(), "shared"));
    }
    futures_util::future::join_all(filing).await;
    r.wait_count(N).await;
    // Both workers had every chance to send a row twice.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let hits = r.hits();
    let ids: BTreeSet<i64> = hits.iter().map(|h| h.delivery()).collect();
    assert_eq!(ids.len(), N, "each change delivered");
    assert_eq!(hits.len(), N, "and once");
    assert_eq!(
        count(
            &a,
            "SELECT count(*) FROM outbox WHERE status = 'sent' AND attempts = 1"
        )
        .await,
        N as i64
    );
}
