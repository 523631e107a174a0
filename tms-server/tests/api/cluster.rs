//! Two servers on one PostgreSQL database, as behind a load balancer: what one server does,
//! the other sees on the very next request. Skipped (with a note) unless the suite runs on
//! PostgreSQL (`TMS_TEST_DATABASE_URL`).

use serde_json::json;

use crate::helpers::{PW, start_pair};

/// The first batch a hub publishes that `wanted` accepts, if one comes within 10 s.
async fn heard_within(
    rx: &mut tokio::sync::broadcast::Receiver<std::sync::Arc<tms_server::events::Batch>>,
    wanted: impl Fn(&tms_server::events::Batch) -> bool,
) -> Option<std::sync::Arc<tms_server::events::Batch>> {
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let batch = rx.recv().await.expect("the hub stays open");
            if wanted(&batch) {
                return batch;
            }
        }
    })
    .await
    .ok()
}

macro_rules! pair_or_skip {
    () => {
        match start_pair().await {
            Some(pair) => pair,
            None => {
                eprintln!("skipped: set TMS_TEST_DATABASE_URL to run the two-server tests");
                return;
            }
        }
    };
}

#[tokio::test]
async fn a_session_ended_through_one_server_is_refused_by_the_other_at_once() {
    let (a, b) = pair_or_skip!();
    b.get(a.alice.t(), "/users/me").await.expect(200);
    a.post(a.alice.t(), "/logout", json!({})).await.expect(204);
    b.get(a.alice.t(), "/users/me").await.expect(401);
    // Deactivation through B ends the sessions A serves.
    a.get(a.bob.t(), "/users/me").await.expect(200);
    b.delete(a.admin.t(), &format!("/api/v1/admin/users/{}", a.bob.id))
        .await
        .expect(200);
    a.get(a.bob.t(), "/users/me").await.expect(401);
    // A password change through A ends the agent's other sessions on B.
    let other = b
        .post(
            "",
            "/login",
            json!({"email": a.agent.email, "password": PW}),
        )
        .await
        .expect(200)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    b.get(&other, "/users/me").await.expect(200);
    a.put(
        a.agent.t(),
        "/users/me/password",
        json!({"current_password": PW, "new_password": "another horse battery"}),
    )
    .await
    .expect(204);
    b.get(&other, "/users/me").await.expect(401);
    b.get(a.agent.t(), "/users/me").await.expect(200);
}

#[tokio::test]
async fn failed_logins_are_counted_across_servers() {
    let (a, b) = pair_or_skip!();
    let wrong = json!({"email": a.alice.email, "password": "not the password"});
    // Five failures per account, spread over both servers.
    for i in 0..5 {
        let s = if i % 2 == 0 { &a } else { &b };
        s.post("", "/login", wrong.clone()).await.expect(401);
    }
    for s in [&a, &b] {
        let r = s.post("", "/login", wrong.clone()).await;
        r.expect(429);
        assert!(r.header("retry-after").is_some());
        // The right password too, from a client without the account's device token.
        s.post(
            "",
            "/login",
            json!({"email": a.alice.email, "password": PW}),
        )
        .await
        .expect(429);
    }
    // Other accounts are not slowed.
    b.post("", "/login", json!({"email": a.bob.email, "password": PW}))
        .await
        .expect(200);
}

#[tokio::test]
async fn a_write_through_one_server_is_read_through_the_other_at_once() {
    let (a, b) = pair_or_skip!();
    for i in 0..20 {
        let title = format!("Projector zxq{i} flickers");
        let t = a
            .post(
                a.alice.t(),
                "/api/v1/tickets",
                json!({"title": title, "description": "In room 4"}),
            )
            .await
            .expect(201)
            .clone();
        let id = t["id"].as_i64().unwrap();
        let seen = b
            .get(a.alice.t(), &format!("/api/v1/tickets/{id}"))
            .await
            .expect(200)
            .clone();
        assert_eq!(seen["title"], title);
        let found = b
            .get(a.agent.t(), &format!("/api/v1/tickets?q=zxq{i}"))
            .await
            .expect(200)
            .clone();
        assert_eq!(found["total"], 1, "search through B finds A's ticket");
        b.patch(
            a.agent.t(),
            &format!("/api/v1/tickets/{id}"),
            json!({"status": "In Progress"}),
        )
        .await
        .expect(200);
        let again = a
            .get(a.alice.t(), &format!("/api/v1/tickets/{id}"))
            .await
            .expect(200)
            .clone();
        assert_eq!(again["status"], "In Progress");
    }
    let list = b
        .get(a.agent.t(), "/api/v1/tickets?status=In%20Progress")
        .await
        .expect(200)
        .clone();
    assert_eq!(list["total"], 20, "totals count A's writes through B");
}

#[tokio::test]
async fn concurrent_demotions_through_two_servers_keep_one_active_admin() {
    let (a, b) = pair_or_skip!();
    let second = a
        .post(
            a.admin.t(),
            "/api/v1/admin/users",
            json!({"username": "admin2", "email": "admin2@example.com",
                   "password": PW, "role": "SysAdmin"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let first = a.admin.id;
    let login = |email: String| {
        let a = &a;
        async move {
            a.post("", "/login", json!({"email": email, "password": PW}))
                .await
                .expect(200)["access_token"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    for round in 0..10 {
        let t1 = login(a.admin.email.clone()).await;
        let t2 = login("admin2@example.com".to_string()).await;
        // Each admin demotes the other at the same moment, through different servers.
        let (p1, p2) = (
            format!("/api/v1/admin/users/{second}"),
            format!("/api/v1/admin/users/{first}"),
        );
        let (x, y) = tokio::join!(
            a.put(&t1, &p1, json!({"role": "Helpdesk Agent"})),
            b.put(&t2, &p2, json!({"role": "Helpdesk Agent"})),
        );
        // One wins; the other is refused: as the last admin (409), or because its own
        // demotion already ended its session (401).
        let won: Vec<u16> = [x.status, y.status]
            .into_iter()
            .filter(|s| *s == 200)
            .collect();
        assert_eq!(won.len(), 1, "round {round}: {} / {}", x.text, y.text);
        let lost = if x.status == 200 { y.status } else { x.status };
        assert!(
            lost == 409 || lost == 401,
            "round {round}: {} / {}",
            x.text,
            y.text
        );
        let admins = a
            .sql("SELECT count(*) FROM users WHERE role = 'SysAdmin' AND is_active")
            .await;
        assert_eq!(admins[0][0].as_deref(), Some("1"), "round {round}");
        // The admin left promotes the other again for the next round.
        let (token, other, path) = if x.status == 200 {
            (t1, second, p1)
        } else {
            (t2, first, p2)
        };
        let server = if other == second { &a } else { &b };
        server
            .put(&token, &path, json!({"role": "SysAdmin"}))
            .await
            .expect(200);
    }
}

#[tokio::test]
async fn one_comment_edited_and_deleted_through_two_servers_at_once_is_never_a_5xx() {
    let (a, b) = pair_or_skip!();
    let ticket = a
        .post(
            a.alice.t(),
            "/api/v1/tickets",
            json!({"title": "Scanner", "description": "It jams"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    for round in 0..15 {
        let comment = a
            .post(
                a.alice.t(),
                "/api/v1/comments",
                json!({"ticket_id": ticket, "description": format!("Still jams ({round})")}),
            )
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap();
        let path = format!("/api/v1/comments/{comment}");
        // The author deletes it through A while editing it and deleting it again through B.
        let (x, y, z) = tokio::join!(
            a.delete(a.alice.t(), &path),
            b.put(a.alice.t(), &path, json!({"description": "Edited"})),
            b.delete(a.alice.t(), &path),
        );
        let statuses = [x.status, y.status, z.status];
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 404),
            "round {round}: {statuses:?} {} {} {}",
            x.text,
            y.text,
            z.text
        );
        let deletes = [x.status, z.status].iter().filter(|s| **s == 200).count();
        assert_eq!(deletes, 1, "round {round}: exactly one delete succeeds");
    }
    let log = a
        .sql("SELECT count(*) FROM activity_log WHERE details LIKE 'deleted comment %'")
        .await;
    assert_eq!(
        log[0][0].as_deref(),
        Some("15"),
        "one log entry per comment deleted"
    );
}

#[tokio::test]
async fn an_agent_deactivated_while_being_assigned_keeps_no_open_ticket() {
    let (a, b) = pair_or_skip!();
    for round in 0..10 {
        let email = format!("temp{round}@example.com");
        let agent = a
            .post(
                a.admin.t(),
                "/api/v1/admin/users",
                json!({"username": format!("temp{round}"), "email": email,
                       "password": PW, "role": "Helpdesk Agent"}),
            )
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap();
        let ticket = a
            .post(
                a.alice.t(),
                "/api/v1/tickets",
                json!({"title": format!("Printer {round}"), "description": "Offline"}),
            )
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap();
        let (ticket_path, user_path) = (
            format!("/api/v1/tickets/{ticket}"),
            format!("/api/v1/admin/users/{agent}"),
        );
        let (x, y) = tokio::join!(
            a.patch(
                a.agent.t(),
                &ticket_path,
                json!({"assigned_agent_id": agent})
            ),
            b.delete(a.admin.t(), &user_path),
        );
        assert!(
            x.status == 200 || x.status == 422,
            "round {round}: {}",
            x.text
        );
        y.expect(200);
        let stranded = a
            .sql(&format!(
                "SELECT count(*) FROM tickets WHERE assigned_agent_id = {agent} AND status <> 2"
            ))
            .await;
        assert_eq!(stranded[0][0].as_deref(), Some("0"), "round {round}");
    }
}

#[tokio::test]
async fn a_change_through_one_server_reaches_the_other_servers_listeners_and_totals() {
    use tms_server::events::Change;
    let (a, b) = pair_or_skip!();
    let mut heard = b.state.store.events().subscribe();
    let search = "/api/v1/tickets?q=zebracorn";
    // B counts the matches and remembers the total.
    for _ in 0..2 {
        let found = b.get(a.agent.t(), search).await.expect(200).clone();
        assert_eq!(found["total"], 0);
    }
    let id = a
        .post(
            a.alice.t(),
            "/api/v1/tickets",
            json!({"title": "A zebracorn in the server room", "description": "Seen twice"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    // B's listeners hear of it as made through another server...
    let batch = heard_within(&mut heard, |b| b.events.iter().any(|e| e.ticket_id == id))
        .await
        .expect("B hears of the ticket A created");
    assert!(batch.remote && !batch.resync);
    assert_eq!(batch.events[0].change, Change::TicketCreated);
    // ...and forgot the total it remembered.
    let found = b.get(a.agent.t(), search).await.expect(200).clone();
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["id"], id);
    // A comment through B is heard by A, with its ticket.
    let mut heard_by_a = a.state.store.events().subscribe();
    b.post(
        a.alice.t(),
        "/api/v1/comments",
        json!({"ticket_id": id, "description": "It is a zebracorn, with stripes"}),
    )
    .await
    .expect(201);
    let batch = heard_within(&mut heard_by_a, |b| b.remote)
        .await
        .expect("A hears of the comment made through B");
    assert!(
        batch
            .events
            .iter()
            .any(|e| e.change == Change::CommentCreated && e.ticket_id == id)
    );
}

#[tokio::test]
async fn requests_go_on_after_the_database_ended_every_connection_of_the_servers() {
    let (a, b) = pair_or_skip!();
    // Spread over several of each server's connections.
    let list = |s: &crate::helpers::Srv| {
        let (http, base, token) = (s.http.clone(), s.base.clone(), a.agent.t().to_string());
        async move {
            http.get(format!("{base}/api/v1/tickets"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let burst = |s: &crate::helpers::Srv| futures_util::future::join_all((0..16).map(|_| list(s)));
    assert!(burst(&a).await.iter().all(|s| *s == 200));
    assert!(burst(&b).await.iter().all(|s| *s == 200));
    // As a failover or an administrator would.
    a.state
        .store
        .raw_query(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND backend_type = 'client backend'",
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for s in [&a, &b] {
        let statuses = burst(s).await;
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    }
    // Each server still hears the other (the listeners connected again).
    let mut heard = b.state.store.events().subscribe();
    let id = a
        .post(
            a.alice.t(),
            "/api/v1/tickets",
            json!({"title": "After the failover", "description": "Still here"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    heard_within(&mut heard, |b| b.events.iter().any(|e| e.ticket_id == id))
        .await
        .expect("B hears A again");
}

#[tokio::test]
async fn of_two_changes_against_one_version_through_two_servers_exactly_one_is_applied() {
    let (a, b) = pair_or_skip!();
    for round in 0..10 {
        let id = a.ticket(a.alice.t(), &format!("Race {round}")).await;
        let read = b.get(a.agent.t(), &format!("/api/v1/tickets/{id}")).await;
        let tag = read.header("etag").unwrap().to_string();
        let (x, y) = tokio::join!(
            a.patch_if(a.agent.t(), id, &tag, json!({"priority": "High"})),
            b.patch_if(a.agent2.t(), id, &tag, json!({"priority": "Low"})),
        );
        let mut statuses = [x.status, y.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "round {round}: {x:?} {y:?}");
    }
}

#[tokio::test]
async fn a_change_through_one_server_reaches_a_stream_on_the_other() {
    let (a, b) = pair_or_skip!();
    let mut stream = crate::live::Stream::open(&b, a.agent.t(), None).await;
    let started = std::time::Instant::now();
    let id = a.ticket(a.alice.t(), "Heard across").await;
    let e = stream
        .next(std::time::Duration::from_secs(2))
        .await
        .expect("B's stream hears A's change");
    assert_eq!(e.data["ticket_id"], id);
    assert_eq!(e.data["ticket"]["title"], "Heard across");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

/// Waits (up to 10 s) until `check` holds.
async fn eventually(mut check: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..200 {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn a_page_one_server_remembers_is_not_served_once_it_heard_of_a_change_through_the_other() {
    let (a, b) = pair_or_skip!();
    let hub = b.state.store.events().clone();
    assert!(
        eventually(async || hub.generation().is_some()).await,
        "B listens to the other servers"
    );
    let mut heard = hub.subscribe();
    let t = a.ticket(a.alice.t(), "as filed").await;
    heard_within(&mut heard, |x| {
        x.remote && x.events.iter().any(|e| e.ticket_id == t)
    })
    .await
    .expect("B hears of the new ticket");
    let title_on_b = async |who: &str| {
        let page = b.get(who, "/api/v1/tickets/").await.expect(200).clone();
        let item = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == t)
            .cloned();
        item.map(|i| {
            (
                i["title"].as_str().unwrap().to_string(),
                i["priority"].as_str().unwrap().to_string(),
                i["requester"]["username"].as_str().unwrap().to_string(),
            )
        })
    };
    assert!(title_on_b(a.agent.t()).await.is_some());
    let unseen = |title: &str| format!("UPDATE tickets SET title = '{title}' WHERE id = {t}");
    b.sql(&unseen("unseen")).await;
    assert_eq!(
        title_on_b(a.agent.t()).await.unwrap().0,
        "as filed",
        "served from B's memory"
    );
    // A change through A: once B heard of it, B reads afresh.
    a.patch(
        a.agent.t(),
        &format!("/api/v1/tickets/{t}"),
        json!({"priority": "High"}),
    )
    .await
    .expect(200);
    heard_within(&mut heard, |x| {
        x.remote && x.events.iter().any(|e| e.ticket_id == t)
    })
    .await
    .expect("B hears of the change");
    assert_eq!(
        title_on_b(a.agent.t()).await.unwrap(),
        ("unseen".into(), "High".into(), "alice".into())
    );
    // A person renamed through A is no event, but B hears of it too.
    b.sql(&unseen("unseen again")).await;
    assert_eq!(title_on_b(a.agent.t()).await.unwrap().0, "unseen");
    a.put(
        a.admin.t(),
        &format!("/api/v1/admin/users/{}", a.alice.id),
        json!({"username": "alicia"}),
    )
    .await
    .expect(200);
    assert!(
        eventually(async || title_on_b(a.agent.t()).await.unwrap().2 == "alicia").await,
        "B shows the new name"
    );
    assert_eq!(title_on_b(a.agent.t()).await.unwrap().0, "unseen again");
    // While B's link to the others is down, nothing is served from its memory.
    title_on_b(a.agent.t()).await;
    hub.set_linked(false);
    b.sql(&unseen("while unlinked")).await;
    assert_eq!(title_on_b(a.agent.t()).await.unwrap().0, "while unlinked");
    hub.set_linked(true);
}
