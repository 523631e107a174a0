//! Remembered list pages (`service::pages`): an unchanged page is served from memory, and
//! never one older than a change its reader could know of. A change made behind the server's
//! back (literal SQL, which publishes nothing) shows which replies came from memory.

use serde_json::{Value, json};

use crate::helpers::{Srv, ids, start, start_with};

/// Renames ticket `id` behind the server's back: no event, so remembered pages keep the old
/// title until something else changes.
async fn retitle_unseen(s: &Srv, id: i64, title: &str) {
    s.sql(&format!(
        "UPDATE tickets SET title = '{title}' WHERE id = {id}"
    ))
    .await;
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn an_unchanged_page_is_served_from_memory_until_anything_it_shows_changes() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "first title").await;
    let other = s.ticket(s.bob.t(), "other ticket").await;
    let first = s.get(s.agent.t(), "/api/v1/tickets/").await;
    assert!(titles(first.expect(200)).contains(&"first title".to_string()));
    retitle_unseen(&s, t, "changed unseen").await;
    // Served from memory: the change behind the server's back is not read.
    let again = s.get(s.agent.t(), "/api/v1/tickets/").await;
    assert_eq!(again.text, first.text);
    assert_eq!(again.header("etag"), first.header("etag"));
    assert!(!s.state.pages.is_empty());
    // Another staff member shares the page; a query written otherwise is another page.
    assert_eq!(
        s.get(s.admin.t(), "/api/v1/tickets/").await.text,
        first.text
    );
    let reordered = s.get(s.agent.t(), "/api/v1/tickets/?size=50").await;
    assert!(titles(reordered.expect(200)).contains(&"changed unseen".to_string()));

    // Every kind of change moves the generation on: the next read reads afresh.
    let changes = ["a field", "a comment", "a new ticket", "a person renamed"];
    for (i, what) in changes.into_iter().enumerate() {
        let title = format!("unseen {i}");
        // Remembered, then changed behind the server's back, then changed through it.
        s.get(s.agent.t(), "/api/v1/tickets/").await.expect(200);
        retitle_unseen(&s, t, &title).await;
        let before = s.get(s.agent.t(), "/api/v1/tickets/").await;
        assert!(!titles(&before.body).contains(&title), "{what}: remembered");
        match i {
            0 => {
                s.patch(
                    s.agent.t(),
                    &format!("/api/v1/tickets/{other}"),
                    json!({"priority": "High"}),
                )
                .await
                .expect(200);
            }
            1 => {
                s.comment(s.agent.t(), other, "looking").await;
            }
            2 => {
                s.ticket(s.bob.t(), "another").await;
            }
            _ => {
                s.put(
                    s.admin.t(),
                    &format!("/api/v1/admin/users/{}", s.bob.id),
                    json!({"username": "bobby3"}),
                )
                .await
                .expect(200);
            }
        }
        let after = s.get(s.agent.t(), "/api/v1/tickets/").await;
        assert!(titles(&after.body).contains(&title), "{what}: read again");
        assert_ne!(after.header("etag"), before.header("etag"), "{what}");
    }
    let page = s.get(s.agent.t(), "/api/v1/tickets/").await;
    assert!(page.text.contains("bobby3"), "{}", page.text);
}

#[tokio::test]
async fn a_write_is_never_followed_by_an_older_page_while_others_keep_reading() {
    let s = std::sync::Arc::new(start().await);
    let t = s.ticket(s.alice.t(), "busy ticket").await;
    // Readers keep the page remembered (and re-remembered) all along.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..3 {
        let (s, stop) = (s.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                s.get(s.admin.t(), "/api/v1/tickets/").await.expect(200);
            }
        }));
    }
    let statuses = ["In Progress", "Waiting", "Open", "Resolved"];
    for i in 0..40 {
        let status = statuses[i % statuses.len()];
        let title = format!("busy ticket {i}");
        s.put(
            s.agent.t(),
            &format!("/api/v1/tickets/{t}"),
            json!({"status": status, "title": title}),
        )
        .await
        .expect(200);
        // Read right after the write was answered, as the writer and as another staff member.
        for who in [s.agent.t(), s.admin.t()] {
            let page = s.get(who, "/api/v1/tickets/").await;
            let item = page.expect(200)["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["id"] == t)
                .unwrap()
                .clone();
            assert_eq!(
                (item["status"].as_str(), item["title"].as_str()),
                (Some(status), Some(title.as_str())),
                "write {i}"
            );
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        r.await.unwrap();
    }
}

#[tokio::test]
async fn each_requester_has_pages_of_their_own_without_tags() {
    let s = start().await;
    let mine = s.ticket(s.alice.t(), "alice's").await;
    let theirs = s.ticket(s.bob.t(), "bob's").await;
    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{mine}"),
        json!({"tags": ["vip"]}),
    )
    .await
    .expect(200);
    // Staff read (and remember) the page with everybody's tickets and their tags.
    let staff = s.get(s.agent.t(), "/api/v1/tickets/").await;
    assert_eq!(ids(staff.expect(200)), vec![theirs, mine]);
    assert!(staff.text.contains("\"tags\""));
    for (who, id) in [(&s.alice, mine), (&s.bob, theirs)] {
        for _ in 0..2 {
            let page = s.get(who.t(), "/api/v1/tickets/").await;
            assert_eq!(ids(page.expect(200)), vec![id]);
            assert!(!page.text.contains("\"tags\""), "{}", page.text);
            assert_ne!(page.header("etag"), staff.header("etag"));
        }
    }
    // A tag filter tells a Requester nothing, remembered or not.
    for _ in 0..2 {
        let page = s.get(s.alice.t(), "/api/v1/tickets/?tag=vip").await;
        assert_eq!(page.expect(200)["total"], 0);
    }
    // Nor does a queue: refused before anything remembered is looked at.
    let queue = format!("/api/v1/tickets/agent/{}", s.agent.id);
    s.get(s.agent.t(), &queue).await.expect(200);
    s.get(s.alice.t(), &queue).await.expect(403);
}

#[tokio::test]
async fn if_none_match_and_the_session_check_hold_for_remembered_pages() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "tagged").await;
    let first = s.get(s.agent.t(), "/api/v1/tickets/").await;
    let tag = first.header("etag").unwrap().to_string();
    for _ in 0..2 {
        let r = s
            .send(
                s.request(reqwest::Method::GET, s.agent.t(), "/api/v1/tickets/")
                    .header("if-none-match", &tag),
            )
            .await;
        assert_eq!(r.status, 304);
        assert_eq!(r.header("etag"), Some(tag.as_str()));
    }
    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{t}"),
        json!({"status": "Waiting"}),
    )
    .await
    .expect(200);
    let r = s
        .send(
            s.request(reqwest::Method::GET, s.agent.t(), "/api/v1/tickets/")
                .header("if-none-match", &tag),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_ne!(r.header("etag"), Some(tag.as_str()));
    // A session ended: refused, however fresh the remembered page.
    let other = s.relogin(&s.agent).await;
    s.get(other.t(), "/api/v1/tickets/").await.expect(200);
    s.post(other.t(), "/logout", json!({})).await.expect(204);
    s.get(other.t(), "/api/v1/tickets/").await.expect(401);
    s.get(crate::helpers::ANON, "/api/v1/tickets/")
        .await
        .expect(401);
}

#[tokio::test]
async fn searches_are_remembered_and_found_afresh_after_a_change() {
    let s = start().await;
    s.ticket(s.alice.t(), "zebra printer").await;
    let q = "/api/v1/tickets/?q=zebra";
    assert_eq!(s.get(s.agent.t(), q).await.expect(200)["total"], 1);
    assert_eq!(s.get(s.agent.t(), q).await.expect(200)["total"], 1);
    let t = s.ticket(s.bob.t(), "zebra crossing").await;
    let found = s.get(s.agent.t(), q).await;
    assert_eq!(found.expect(200)["total"], 2);
    assert_eq!(ids(&found.body)[0], t);
    // An internal note found by staff only, at once.
    s.post(
        s.agent.t(),
        "/api/v1/comments/",
        json!({"ticket_id": t, "description": "quokka sighting", "is_internal": true}),
    )
    .await
    .expect(201);
    let q = "/api/v1/tickets/?q=quokka";
    assert_eq!(s.get(s.agent.t(), q).await.expect(200)["total"], 1);
    assert_eq!(s.get(s.bob.t(), q).await.expect(200)["total"], 0);
}

#[tokio::test]
async fn audited_reads_are_logged_when_served_from_memory() {
    let s = start_with(|c| c.audit_reads = true).await;
    s.ticket(s.alice.t(), "read me").await;
    let before = s.log().await;
    for _ in 0..3 {
        s.get(s.agent.t(), "/api/v1/tickets/").await.expect(200);
    }
    let logged: Vec<_> = s
        .log_since(&before)
        .await
        .into_iter()
        .filter(|e| e.kind == "Read" && e.user_id == s.agent.id)
        .collect();
    assert_eq!(logged.len(), 3, "{logged:?}");
    assert!(!s.state.pages.is_empty(), "the log is no change lists show");
}

#[tokio::test]
async fn without_the_page_cache_every_page_is_read_from_the_database() {
    let s = start_with(|c| c.page_cache = false).await;
    let t = s.ticket(s.alice.t(), "plain").await;
    s.get(s.agent.t(), "/api/v1/tickets/").await.expect(200);
    retitle_unseen(&s, t, "seen at once").await;
    let page = s.get(s.agent.t(), "/api/v1/tickets/").await;
    assert_eq!(titles(page.expect(200)), vec!["seen at once".to_string()]);
    assert!(s.state.pages.is_empty());
}
