//! Tickets: create, list (shape, filters, search, sort, paging), agent queue, read, partial
//! update (PUT and PATCH, full-object PUT), delete.

use serde_json::{Value, json};

use crate::helpers::*;

const TICKET_KEYS: [&str; 16] = [
    "assigned_agent_id",
    "creation_date",
    "description",
    "first_responded_at",
    "first_response_due",
    "id",
    "priority",
    "requester_id",
    "resolution_date",
    "resolution_due",
    "sla_next_due",
    "sla_state",
    "status",
    "title",
    "updated_at",
    "version",
];

fn with(extra: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = TICKET_KEYS
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect();
    k.sort_unstable();
    k
}

const SUMMARY_KEYS: [&str; 4] = ["email", "id", "role", "username"];

#[tokio::test]
async fn create_returns_the_stored_ticket_with_defaults() {
    let s = start().await;
    let t = s
        .ticket_with(
            s.alice.t(),
            json!({"title": "  Printer jam  ", "description": "Line one\r\nline two\tend"}),
        )
        .await;
    assert_eq!(keys(&t), with(&[]));
    assert_eq!(t["title"], "Printer jam", "trimmed");
    assert_eq!(t["description"], "Line one\nline two\tend");
    assert_eq!(t["status"], "Open");
    assert_eq!(t["priority"], "Medium");
    assert_eq!(t["requester_id"], s.alice.id);
    assert_eq!(t["assigned_agent_id"], json!(null));
    assert_eq!(t["resolution_date"], json!(null));
    assert_wire_time(&t["creation_date"]);
    assert_eq!(t["creation_date"], t["updated_at"]);
    // A requester may spell out the defaults that apply to them.
    let t = s
        .ticket_with(
            s.alice.t(),
            json!({"title": "x", "description": "y", "status": "Open",
                   "requester_id": s.alice.id, "priority": "High"}),
        )
        .await;
    assert_eq!(t["priority"], "High");
}

#[tokio::test]
async fn staff_file_for_others_preassigned_in_any_status() {
    let s = start().await;
    for staff in [&s.agent, &s.admin] {
        let t = s
            .ticket_with(
                staff.t(),
                json!({"title": "phoned in", "description": "by phone", "requester_id": s.bob.id,
                       "assigned_agent_id": s.agent2.id, "status": "In Progress",
                       "priority": "Low"}),
            )
            .await;
        assert_eq!(t["requester_id"], s.bob.id);
        assert_eq!(t["assigned_agent_id"], s.agent2.id);
        assert_eq!(t["status"], "In Progress");
        assert_eq!(t["resolution_date"], json!(null));
        let r = s
            .ticket_with(
                staff.t(),
                json!({"title": "done already", "description": "x", "status": "Resolved"}),
            )
            .await;
        assert_eq!(
            r["resolution_date"], r["creation_date"],
            "stamped on creation"
        );
    }
    let before = s.snapshot().await;
    let admin = s.admin.t();
    for (body, field) in [
        (
            json!({"title": "t", "description": "d", "assigned_agent_id": s.bob.id}),
            "assigned_agent_id",
        ),
        (
            json!({"title": "t", "description": "d", "assigned_agent_id": 999}),
            "assigned_agent_id",
        ),
        (
            json!({"title": "t", "description": "d", "requester_id": 999}),
            "requester_id",
        ),
    ] {
        let locs = s.post(admin, "/api/v1/tickets/", body).await.expect_422();
        assert_eq!(locs[0], ["body", field]);
    }
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn list_items_carry_requester_and_assignee_summaries() {
    let s = start().await;
    s.ticket_with(
        s.admin.t(),
        json!({"title": "assigned", "description": "d", "requester_id": s.alice.id,
               "assigned_agent_id": s.agent.id}),
    )
    .await;
    s.ticket(s.bob.t(), "unassigned").await;
    let page = s
        .get(s.agent.t(), "/api/v1/tickets/")
        .await
        .expect(200)
        .clone();
    assert_eq!(keys(&page), ["items", "page", "pages", "size", "total"]);
    assert_eq!(page["total"], 2);
    assert_eq!(page["page"], 1);
    assert_eq!(page["size"], 50);
    assert_eq!(page["pages"], 1);
    let items = page["items"].as_array().unwrap();
    for item in items {
        assert_eq!(keys(item), with(&["assigned_agent", "requester", "tags"]));
        assert_eq!(keys(&item["requester"]), SUMMARY_KEYS);
        assert_eq!(item["requester"]["id"], item["requester_id"]);
    }
    // Newest first by default.
    assert_eq!(items[0]["title"], "unassigned");
    assert_eq!(items[0]["assigned_agent"], json!(null));
    assert_eq!(items[0]["requester"]["username"], "bob");
    assert_eq!(items[0]["requester"]["role"], "Requester");
    assert_eq!(keys(&items[1]["assigned_agent"]), SUMMARY_KEYS);
    assert_eq!(items[1]["assigned_agent"]["username"], "agent");
    assert_eq!(items[1]["assigned_agent"]["role"], "Helpdesk Agent");
    // A requester sees their own only.
    let mine = s
        .get(s.bob.t(), "/api/v1/tickets/")
        .await
        .expect(200)
        .clone();
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["title"], "unassigned");
    // ... even when asking for someone else's.
    let theirs = s
        .get(
            s.bob.t(),
            &format!("/api/v1/tickets/?requester_id={}", s.alice.id),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(theirs["total"], 0);
}

#[tokio::test]
async fn detail_has_people_and_comments_oldest_first() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "thread").await;
    s.comment(s.alice.t(), t, "first").await;
    s.comment(s.agent.t(), t, "second").await;
    s.comment(s.admin.t(), t, "third").await;
    let d = s
        .get(s.alice.t(), &format!("/api/v1/tickets/{t}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(d.as_object().unwrap().len(), TICKET_KEYS.len() + 3);
    assert_eq!(keys(&d), with(&["assigned_agent", "comments", "requester"]));
    assert_eq!(d["requester"]["id"], s.alice.id);
    let comments = d["comments"].as_array().unwrap();
    let texts: Vec<&str> = comments
        .iter()
        .map(|c| c["description"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["first", "second", "third"]);
    let authors: Vec<i64> = comments
        .iter()
        .map(|c| c["user"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(authors, [s.alice.id, s.agent.id, s.admin.id]);
    for c in comments {
        assert_eq!(
            keys(c),
            [
                "commented_by_id",
                "creation_date",
                "description",
                "id",
                "is_internal",
                "ticket_id",
                "updated_at",
                "user"
            ]
        );
        assert_eq!(keys(&c["user"]), SUMMARY_KEYS);
        assert_eq!(c["commented_by_id"], c["user"]["id"]);
        assert_eq!(c["ticket_id"], t);
    }
    s.get(s.alice.t(), "/api/v1/tickets/999")
        .await
        .expect_detail(404);
}

#[tokio::test]
async fn update_is_partial_on_put_and_patch() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "original").await;
    let path = format!("/api/v1/tickets/{t}");
    let before = s.ticket_detail(t).await;
    let touched = s.stored_micros("tickets", "updated_at", t).await;
    let r = s
        .put(s.alice.t(), &path, json!({"priority": "High"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(keys(&r), with(&["assigned_agent", "comments", "requester"]));
    assert_eq!(r["priority"], "High");
    for k in [
        "title",
        "description",
        "status",
        "assigned_agent_id",
        "creation_date",
    ] {
        assert_eq!(r[k], before[k], "{k} stays");
    }
    assert!(s.stored_micros("tickets", "updated_at", t).await > touched);
    let r = s
        .patch(s.alice.t(), &path, json!({"title": "renamed"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(r["title"], "renamed");
    assert_eq!(r["priority"], "High");
    let r = s
        .patch(
            s.alice.t(),
            &path,
            json!({"description": "new words", "title": null}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(r["description"], "new words");
    assert_eq!(r["title"], "renamed", "null title stays");
    // An empty body changes nothing, not even updated_at.
    let same = s
        .patch(s.alice.t(), &path, json!({}))
        .await
        .expect(200)
        .clone();
    assert_eq!(same["updated_at"], r["updated_at"]);
    s.patch(s.alice.t(), "/api/v1/tickets/9999", json!({"title": "x"}))
        .await
        .expect_detail(404);
}

/// The seed's web UI PUTs back every field it read, people and thread included.
#[tokio::test]
async fn full_object_put_is_accepted() {
    let s = start().await;
    let t = s
        .ticket_with(
            s.admin.t(),
            json!({"title": "echo", "description": "d", "requester_id": s.alice.id,
                   "assigned_agent_id": s.agent.id, "status": "Resolved"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    // By staff: a Requester's reply would reopen the Resolved ticket.
    s.comment(s.agent.t(), t, "a note").await;
    let path = format!("/api/v1/tickets/{t}");
    for who in [&s.alice, &s.agent, &s.admin] {
        let mut body: Value = s.get(who.t(), &path).await.expect(200).clone();
        let log = s.log().await;
        let echoed = s
            .put(who.t(), &path, body.clone())
            .await
            .expect(200)
            .clone();
        assert_eq!(echoed, body, "{}: echo is a no-op", who.username);
        assert_eq!(s.log().await, log, "a no-op writes no log entry");
        body["title"] = json!(format!("edited by {}", who.username));
        let r = s
            .put(who.t(), &path, body.clone())
            .await
            .expect(200)
            .clone();
        assert_eq!(r["title"], body["title"]);
        assert_eq!(r["status"], "Resolved");
        assert_eq!(r["resolution_date"], body["resolution_date"]);
    }
    // Staff reopen while echoing the old resolution date: accepted, date cleared.
    let mut body = s.get(s.agent.t(), &path).await.expect(200).clone();
    body["status"] = json!("Open");
    let r = s.put(s.agent.t(), &path, body).await.expect(200).clone();
    assert_eq!(r["status"], "Open");
    assert_eq!(r["resolution_date"], json!(null));
}

#[tokio::test]
async fn delete_returns_the_ticket_and_removes_its_thread() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "to delete").await;
    let c = s.comment(s.alice.t(), t, "bye").await;
    let r = s
        .delete(s.admin.t(), &format!("/api/v1/tickets/{t}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(keys(&r), with(&["tags"]), "staff are shown tags");
    assert_eq!(r["id"], t);
    assert_eq!(r["title"], "to delete");
    s.get(s.admin.t(), &format!("/api/v1/tickets/{t}"))
        .await
        .expect_detail(404);
    s.put(
        s.admin.t(),
        &format!("/api/v1/comments/{c}"),
        json!({"description": "x"}),
    )
    .await
    .expect_detail(404);
    s.delete(s.admin.t(), &format!("/api/v1/tickets/{t}"))
        .await
        .expect_detail(404);
    // Ticket numbers are not reused.
    let next = s.ticket(s.alice.t(), "after").await;
    assert!(next > t);
    // Search no longer finds it.
    let found = s
        .get(s.admin.t(), "/api/v1/tickets/?q=delete")
        .await
        .expect(200)
        .clone();
    assert_eq!(found["total"], 0);
}

async fn six_tickets(s: &Srv) -> Vec<i64> {
    let admin = s.admin.t();
    let mut ids = Vec::new();
    for (i, (status, priority, requester, agent)) in [
        ("Open", "Low", s.alice.id, None),
        ("In Progress", "High", s.bob.id, Some(s.agent.id)),
        ("Resolved", "Medium", s.alice.id, Some(s.agent2.id)),
        ("Open", "High", s.bob.id, Some(s.agent.id)),
        ("In Progress", "Low", s.alice.id, None),
        ("Resolved", "High", s.bob.id, Some(s.agent.id)),
    ]
    .into_iter()
    .enumerate()
    {
        let t = s
            .ticket_with(
                admin,
                json!({"title": format!("ticket {i}"), "description": format!("body {i}"),
                       "status": status, "priority": priority, "requester_id": requester,
                       "assigned_agent_id": agent}),
            )
            .await;
        ids.push(t["id"].as_i64().unwrap());
    }
    ids
}

#[tokio::test]
async fn filters() {
    let s = start().await;
    let made = six_tickets(&s).await;
    let a = s.admin.t();
    let get = |q: String| {
        let s = &s;
        async move {
            let p = s
                .get(a, &format!("/api/v1/tickets/?sort=id&{q}"))
                .await
                .expect(200)
                .clone();
            ids(&p)
        }
    };
    let pick = |idx: &[usize]| idx.iter().map(|i| made[*i]).collect::<Vec<_>>();
    assert_eq!(get("status=Open".into()).await, pick(&[0, 3]));
    assert_eq!(
        get("status=Open&status=Resolved".into()).await,
        pick(&[0, 2, 3, 5])
    );
    assert_eq!(get("status=In%20Progress".into()).await, pick(&[1, 4]));
    assert_eq!(get("priority=High".into()).await, pick(&[1, 3, 5]));
    assert_eq!(
        get("priority=High&priority=Low&status=Open".into()).await,
        pick(&[0, 3])
    );
    assert_eq!(
        get(format!("assigned_agent_id={}", s.agent.id)).await,
        pick(&[1, 3, 5])
    );
    assert_eq!(
        get(format!("requester_id={}", s.alice.id)).await,
        pick(&[0, 2, 4])
    );
    assert_eq!(get("unassigned=true".into()).await, pick(&[0, 4]));
    assert_eq!(
        get("unassigned=false".into()).await,
        pick(&[0, 1, 2, 3, 4, 5])
    );
    assert_eq!(
        get(format!("requester_id={}&status=Resolved", s.bob.id)).await,
        pick(&[5])
    );
    // The agent queue.
    let q = s
        .get(
            s.agent.t(),
            &format!("/api/v1/tickets/agent/{}/?sort=id", s.agent.id),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(keys(&q), ["items", "page", "pages", "size", "total"]);
    assert_eq!(ids(&q), pick(&[1, 3, 5]));
    assert_eq!(q["total"], 3);
    let q = s
        .get(
            s.admin.t(),
            &format!("/api/v1/tickets/agent/{}?status=Resolved", s.agent2.id),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(ids(&q), pick(&[2]));
    assert!(q["items"][0]["requester"].is_object());
    // Bad filter values.
    for bad in [
        "status=Closed",
        "status=open",
        "priority=Urgent",
        "assigned_agent_id=abc",
        "assigned_agent_id=-1",
        "requester_id=0",
        "unassigned=perhaps",
        "sort=title",
        "sort=--id",
    ] {
        let locs = s
            .get(a, &format!("/api/v1/tickets/?{bad}"))
            .await
            .expect_422();
        assert_eq!(locs[0][0], "query", "{bad}");
    }
}

#[tokio::test]
async fn sort_by_every_key_in_both_directions() {
    let s = start().await;
    let ids = six_tickets(&s).await;
    // Comment on the first ticket so that updated_at order differs from creation order.
    s.comment(s.admin.t(), ids[0], "bump").await;
    let order = |q: &'static str| {
        let s = &s;
        async move {
            let p = s
                .get(s.admin.t(), &format!("/api/v1/tickets/?sort={q}"))
                .await
                .expect(200)
                .clone();
            p["items"].as_array().unwrap().to_vec()
        }
    };
    let id_of = |v: &[Value]| {
        v.iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let asc = ids.clone();
    let mut desc = ids.clone();
    desc.reverse();
    assert_eq!(id_of(&order("id").await), asc);
    assert_eq!(id_of(&order("-id").await), desc);
    assert_eq!(id_of(&order("creation_date").await), asc);
    assert_eq!(id_of(&order("-creation_date").await), desc);
    let default = s
        .get(s.admin.t(), "/api/v1/tickets/")
        .await
        .expect(200)
        .clone();
    assert_eq!(ids_of_page(&default), desc, "default is -creation_date");
    let mut by_update = asc[1..].to_vec();
    by_update.push(asc[0]);
    assert_eq!(id_of(&order("updated_at").await), by_update);
    by_update.reverse();
    assert_eq!(id_of(&order("-updated_at").await), by_update);

    let rank = |v: &Value, field: &str| -> u8 {
        match v[field].as_str().unwrap() {
            "Low" | "Open" => 0,
            "Medium" | "In Progress" => 1,
            _ => 2,
        }
    };
    for field in ["priority", "status"] {
        for (q, descending) in [(field.to_string(), false), (format!("-{field}"), true)] {
            let p = s
                .get(s.admin.t(), &format!("/api/v1/tickets/?sort={q}"))
                .await
                .expect(200)
                .clone();
            let items = p["items"].as_array().unwrap();
            let ranks: Vec<u8> = items.iter().map(|t| rank(t, field)).collect();
            let mut sorted = ranks.clone();
            sorted.sort_unstable();
            if descending {
                sorted.reverse();
            }
            assert_eq!(ranks, sorted, "sort={q} follows the workflow/urgency order");
            assert_eq!(items.len(), 6);
        }
    }
}

fn ids_of_page(p: &Value) -> Vec<i64> {
    ids(p)
}

#[tokio::test]
async fn paging_at_the_edges() {
    let s = start().await;
    let ids = six_tickets(&s).await;
    let a = s.admin.t();
    let page = |q: &'static str| {
        let s = &s;
        async move {
            s.get(a, &format!("/api/v1/tickets/?sort=id&{q}"))
                .await
                .expect(200)
                .clone()
        }
    };
    let p = page("size=4&page=1").await;
    assert_eq!(
        (p["total"].clone(), p["pages"].clone()),
        (json!(6), json!(4 / 4 + 1))
    );
    assert_eq!(ids_of_page(&p), ids[..4]);
    let p = page("size=4&page=2").await;
    assert_eq!(ids_of_page(&p), ids[4..]);
    assert_eq!(p["page"], 2);
    let p = page("size=4&page=3").await;
    assert_eq!(p["items"], json!([]));
    assert_eq!(p["total"], 6);
    assert_eq!(p["pages"], 2);
    assert_eq!(p["page"], 3);
    let p = page("page=1000000000").await;
    assert_eq!(p["items"], json!([]));
    assert_eq!(p["total"], 6);
    let p = page("size=1&page=6").await;
    assert_eq!(ids_of_page(&p), [ids[5]]);
    assert_eq!(p["pages"], 6);
    assert_eq!(p["size"], 1);
    let p = page("size=100").await;
    assert_eq!(p["size"], 100);
    assert_eq!(p["pages"], 1);
    assert_eq!(ids_of_page(&p).len(), 6);
    for bad in [
        "size=0",
        "size=101",
        "size=99999999999999999999999",
        "page=0",
        "page=-1",
        "page=abc",
        "page=1000000001",
        "size=1.5",
    ] {
        let locs = s
            .get(a, &format!("/api/v1/tickets/?{bad}"))
            .await
            .expect_422();
        assert_eq!(locs[0][0], "query", "{bad}");
    }
    // An empty list is a page too.
    let p = s
        .get(a, "/api/v1/tickets/?status=Open&priority=Medium")
        .await
        .expect(200)
        .clone();
    assert_eq!(
        p,
        json!({"items": [], "total": 0, "page": 1, "size": 50, "pages": 0})
    );
}

/// A search's total, asked twice so that the second answer comes from what the server
/// remembered; both must agree.
async fn search_total(s: &Srv, token: &str, query: &str) -> u64 {
    let path = format!("/api/v1/tickets/?q={query}");
    let first = s.get(token, &path).await.expect(200)["total"].as_u64();
    let again = s.get(token, &path).await.expect(200)["total"].as_u64();
    assert_eq!(first, again, "{query}");
    first.unwrap()
}

/// Search totals are remembered between requests; every kind of change must still show in the
/// very next one, for every caller and filter.
#[tokio::test]
async fn search_totals_follow_every_change_at_once() {
    let s = start().await;
    let (admin, alice, agent) = (s.admin.t(), s.alice.t(), s.agent.t());
    assert_eq!(search_total(&s, admin, "zebra").await, 0);
    let t1 = s.ticket(admin, "Zebra crossing printer").await;
    assert_eq!(search_total(&s, admin, "zebra").await, 1);
    let t2 = s
        .ticket_with(
            alice,
            json!({"title": "Mouse", "description": "a zebra pattern"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(search_total(&s, admin, "zebra").await, 2);
    assert_eq!(search_total(&s, alice, "zebra").await, 1);
    assert_eq!(search_total(&s, admin, "zebra&status=Open").await, 2);
    s.put(
        agent,
        &format!("/api/v1/tickets/{t2}"),
        json!({"status": "In Progress"}),
    )
    .await
    .expect(200);
    assert_eq!(search_total(&s, admin, "zebra&status=Open").await, 1);
    let t3 = s.ticket(admin, "Keyboard").await;
    let c = s.comment(agent, t3, "zebra stripes on the keys").await;
    assert_eq!(search_total(&s, admin, "zebra").await, 3);
    s.put(
        agent,
        &format!("/api/v1/comments/{c}"),
        json!({"description": "stripes"}),
    )
    .await
    .expect(200);
    assert_eq!(search_total(&s, admin, "zebra").await, 2);
    s.patch(
        admin,
        &format!("/api/v1/tickets/{t1}"),
        json!({"title": "Crossing", "description": "a crossing"}),
    )
    .await
    .expect(200);
    assert_eq!(search_total(&s, admin, "zebra").await, 1);
    s.delete(admin, &format!("/api/v1/tickets/{t2}"))
        .await
        .expect(200);
    assert_eq!(search_total(&s, admin, "zebra").await, 0);
    assert_eq!(search_total(&s, alice, "zebra").await, 0);
}

#[tokio::test]
async fn full_text_search_over_title_description_and_comments() {
    let s = start().await;
    let admin = s.admin.t();
    let by_title = s
        .ticket_with(
            admin,
            json!({"title": "Printer on fire", "description": "smoke"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let by_desc = s
        .ticket_with(
            admin,
            json!({"title": "Hardware", "description": "the printer makes noises"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let by_comment = s
        .ticket_with(
            s.alice.t(),
            json!({"title": "Email", "description": "cannot send"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let c = s
        .comment(s.agent.t(), by_comment, "Is the PRINTER relay involved?")
        .await;
    s.ticket_with(admin, json!({"title": "VPN", "description": "tunnel down"}))
        .await;
    let search = |q: &str| {
        let s = &s;
        let q = q.to_string();
        async move {
            let r = s
                .http
                .get(s.url("/api/v1/tickets/"))
                .bearer_auth(s.admin.t())
                .query(&[("q", q.as_str()), ("sort", "id")]);
            let r = s.send(r).await;
            assert_eq!(r.status, 200, "q={q:?}: {}", r.text);
            ids(&r.body)
        }
    };
    assert_eq!(search("printer").await, [by_title, by_desc, by_comment]);
    assert_eq!(search("Printer noises").await, [by_desc]);
    assert_eq!(search("print*").await, [by_title, by_desc, by_comment]);
    // Every word of two or more characters matches as a prefix, as in a search box.
    assert_eq!(search("print").await, [by_title, by_desc, by_comment]);
    assert_eq!(search("pr noi").await, [by_desc]);
    assert_eq!(search("smok").await, [by_title]);
    assert_eq!(search("printers").await, Vec::<i64>::new());
    assert_eq!(search("relay").await, [by_comment]);
    assert_eq!(search("nothing-like-this").await, Vec::<i64>::new());
    // Requesters search only their own.
    let mine = s
        .get(s.alice.t(), "/api/v1/tickets/?q=printer")
        .await
        .expect(200)
        .clone();
    assert_eq!(ids(&mine), [by_comment]);
    // The index follows edits and deletions of comments and tickets.
    s.put(
        s.agent.t(),
        &format!("/api/v1/comments/{c}"),
        json!({"description": "is the mail relay involved?"}),
    )
    .await
    .expect(200);
    assert_eq!(search("printer").await, [by_title, by_desc]);
    assert_eq!(search("mail relay").await, [by_comment]);
    s.delete(s.agent.t(), &format!("/api/v1/comments/{c}"))
        .await
        .expect(200);
    assert_eq!(search("relay").await, Vec::<i64>::new());
    s.patch(
        admin,
        &format!("/api/v1/tickets/{by_title}"),
        json!({"title": "Scanner on fire"}),
    )
    .await
    .expect(200);
    assert_eq!(search("scanner").await, [by_title]);
    assert_eq!(search("printer").await, [by_desc]);
    // Punctuation and FTS5 syntax never error.
    for q in [
        "\"",
        "\"unbalanced",
        "a\" OR 1=1 --",
        "NEAR(printer noises)",
        "printer AND",
        "OR",
        "*",
        "-printer",
        "title:printer",
        "(",
        ")",
        "^printer",
        "{printer}",
        "'; DROP TABLE tickets; --",
        "printer*printer",
        "p\u{e9}ch\u{e9}",
        "\u{1f5a8}",
        "   ",
        "a:b:c",
        "+",
        "NOT printer",
    ] {
        search(q).await;
    }
    // Too long or with control characters: a 422, not a 5xx.
    let long = "printer ".repeat(100);
    let r = s
        .send(
            s.http
                .get(s.url("/api/v1/tickets/"))
                .bearer_auth(admin)
                .query(&[("q", long.as_str())]),
        )
        .await;
    assert!(r.status == 200 || r.status == 422, "{}", r.text);
    let r = s
        .send(
            s.http
                .get(s.url("/api/v1/tickets/"))
                .bearer_auth(admin)
                .query(&[("q", "line\u{0}break")]),
        )
        .await;
    assert!(r.status == 200 || r.status == 422, "{}", r.text);
}

/// Many writers at once: every request succeeds (the database never answers "busy").
#[tokio::test]
async fn concurrent_writes_all_succeed() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "busy").await;
    let mut jobs = Vec::new();
    for i in 0..40 {
        let who = [&s.alice, &s.agent, &s.admin][i % 3].token.clone();
        let http = s.http.clone();
        let base = s.base.clone();
        jobs.push(tokio::spawn(async move {
            let (path, body) = if i % 2 == 0 {
                (
                    "/api/v1/tickets/".to_string(),
                    json!({"title": format!("t{i}"), "description": "d"}),
                )
            } else {
                (
                    "/api/v1/comments/".to_string(),
                    json!({"ticket_id": t, "description": format!("c{i}")}),
                )
            };
            http.post(format!("{base}{path}"))
                .bearer_auth(who)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for j in jobs {
        assert_eq!(j.await.unwrap(), 201);
    }
    let page = s
        .get(s.admin.t(), "/api/v1/tickets/")
        .await
        .expect(200)
        .clone();
    assert_eq!(page["total"], 21);
    assert_eq!(
        s.ticket_detail(t).await["comments"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
}

#[tokio::test]
async fn a_ticket_is_shown_only_to_a_live_session_that_may_see_it_and_the_caller_is_checked_first()
{
    let s = start().await;
    let id = s.ticket(s.alice.t(), "Laptop fan").await;
    let path = format!("/api/v1/tickets/{id}");
    // The session is read at the same time as the ticket: the ticket must not leak.
    let r = s.get("not-a-session", &path).await;
    r.expect_detail(401);
    assert!(!r.text.contains("Laptop fan"));
    s.post(s.bob.t(), "/logout", json!({})).await.expect(204);
    s.get(s.bob.t(), &path).await.expect_detail(401);
    let bob = s.relogin(&s.bob).await;
    s.get(bob.t(), &path).await.expect(404);
    assert_eq!(
        s.get(s.alice.t(), &path).await.expect(200)["title"],
        "Laptop fan"
    );
    // Who is calling is settled before what they sent, as on every route.
    assert_eq!(
        s.get("not-a-session", "/api/v1/tickets/abc").await.status,
        401
    );
    s.get(s.alice.t(), "/api/v1/tickets/abc").await.expect_422();
}
