//! Internal notes (docs/API.md, "Internal notes"): staff write them; a Requester never sees
//! one by any route — detail, comment routes, search, history, events, counts.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;
use crate::live::Stream;

async fn note(s: &Srv, token: &str, ticket: i64, text: &str) -> i64 {
    s.post(
        token,
        "/api/v1/comments/",
        json!({"ticket_id": ticket, "description": text, "is_internal": true}),
    )
    .await
    .expect(201)["id"]
        .as_i64()
        .unwrap()
}

fn texts(detail: &Value) -> Vec<String> {
    detail["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["description"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn only_staff_write_internal_notes_and_requesters_never_read_them() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "printer on fire").await;
    s.comment(s.alice.t(), t, "it smells of smoke").await;
    let path = format!("/api/v1/tickets/{t}");
    let before = s.snapshot().await;
    let r = s
        .post(
            s.alice.t(),
            "/api/v1/comments/",
            json!({"ticket_id": t, "description": "psst", "is_internal": true}),
        )
        .await;
    assert!(r.expect_detail(403).contains("internal notes"));
    assert_eq!(s.snapshot().await, before, "a refused note changes nothing");

    let seen = s.get(s.alice.t(), &path).await;
    let etag = seen.header("etag").unwrap().to_string();
    let n = note(&s, s.agent.t(), t, "zanzibar budget code 77").await;
    // Nothing she reads tells her a note was written: the same version, date and entity tag.
    let after = s
        .send(
            s.request(reqwest::Method::GET, s.alice.t(), &path)
                .header("if-none-match", &etag),
        )
        .await;
    assert_eq!(
        after.status, 304,
        "an internal note changes nothing she sees"
    );
    s.comment(s.agent.t(), t, "a technician is on the way")
        .await;
    let staff = s.get(s.admin.t(), &path).await.expect(200).clone();
    assert_eq!(
        texts(&staff),
        [
            "it smells of smoke",
            "zanzibar budget code 77",
            "a technician is on the way"
        ]
    );
    assert_eq!(staff["comments"][1]["is_internal"], true);
    assert_eq!(staff["comments"][2]["is_internal"], false);
    let mine = s.get(s.alice.t(), &path).await.expect(200).clone();
    assert_eq!(
        texts(&mine),
        ["it smells of smoke", "a technician is on the way"]
    );

    // A change against an old version: the 412 shows her the ticket as she may read it.
    let stale = s
        .patch_if(
            s.alice.t(),
            t,
            "\"1\"",
            json!({"title": "printer on fire!"}),
        )
        .await;
    let body = stale.expect(412).clone();
    assert_eq!(texts(&body), texts(&mine), "{body}");
    assert!(body.get("tags").is_none(), "{body}");

    // Comment routes: the note does not exist for her.
    let c = format!("/api/v1/comments/{n}");
    s.put(s.alice.t(), &c, json!({"description": "x"}))
        .await
        .expect(404);
    s.delete(s.alice.t(), &c).await.expect(404);

    // Search: staff find the note, she finds nothing by its words, but her own.
    let search = |token: &str, q: &str| {
        let path = format!("/api/v1/tickets/?q={q}");
        let token = token.to_string();
        let s = &s;
        async move { s.get(&token, &path).await.expect(200).clone() }
    };
    assert_eq!(search(s.agent.t(), "zanzibar").await["total"], 1);
    assert_eq!(search(s.agent.t(), "zanz").await["total"], 1, "prefix");
    assert_eq!(search(s.alice.t(), "zanzibar").await["total"], 0);
    assert_eq!(search(s.alice.t(), "zanz").await["items"], json!([]));
    assert_eq!(search(s.alice.t(), "smoke").await["total"], 1);
    assert_eq!(search(s.alice.t(), "technician smoke").await["total"], 1);
    assert_eq!(search(s.alice.t(), "smoke zanzibar").await["total"], 0);
    // A ticket without notes is found by her as before.
    let other = s.ticket(s.alice.t(), "zanzibar holiday request").await;
    let found = search(s.alice.t(), "zanzibar").await;
    assert_eq!(ids(&found), [other]);

    // History: no note for her.
    let h = format!("/api/v1/tickets/{t}/history");
    let kinds = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    };
    let staff_h = s.get(s.agent.t(), &h).await.expect(200).clone();
    assert!(kinds(&staff_h).contains(&"internal_note".to_string()));
    let her_h = s.get(s.alice.t(), &h).await.expect(200).clone();
    assert!(!kinds(&her_h).contains(&"internal_note".to_string()));
    assert!(!her_h.to_string().contains("zanzibar"));
}

#[tokio::test]
async fn event_streams_tell_requesters_nothing_of_internal_notes() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "laptop fan").await;
    let mut hers = Stream::open(&s, s.alice.t(), None).await;
    let mut staff = Stream::open(&s, s.agent.t(), None).await;
    let n = note(&s, s.agent.t(), t, "warranty expired").await;
    s.delete(s.agent.t(), &format!("/api/v1/comments/{n}"))
        .await
        .expect(200);
    s.comment(s.agent.t(), t, "ordering a new fan").await;
    let wait = Duration::from_secs(2);
    let mut seen = Vec::new();
    while let Some(e) = staff.next(wait).await {
        let done = e.data["comment"]["description"] == "ordering a new fan";
        seen.push(e);
        if done {
            break;
        }
    }
    assert!(
        seen.iter()
            .any(|e| e.data["comment"]["is_internal"] == true),
        "staff hear of the note: {seen:?}"
    );
    assert!(seen.iter().any(|e| e.data["change"] == "comment_deleted"));
    let mut heard = Vec::new();
    while let Some(e) = hers.next(wait).await {
        let done = e.data["comment"]["description"] == "ordering a new fan";
        heard.push(e);
        if done {
            break;
        }
    }
    let text: String = heard.iter().map(|e| e.data.to_string()).collect();
    assert!(
        text.contains("ordering a new fan"),
        "she hears of the public reply: {text}"
    );
    assert!(!text.contains("warranty"), "{text}");
    assert!(
        heard.iter().all(
            |e| e.data["change"] != "comment_deleted" && e.data["ticket"].get("tags").is_none()
        ),
        "no note, no deletion of one, no tags: {heard:?}"
    );
}

#[tokio::test]
async fn a_requester_reply_reopens_waiting_and_resolved_tickets_and_staff_replies_do_not() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "vpn drops").await;
    let path = format!("/api/v1/tickets/{t}");
    for status in ["Waiting", "Resolved"] {
        s.patch(s.agent.t(), &path, json!({"status": status}))
            .await
            .expect(200);
        s.comment(s.agent.t(), t, "any news?").await;
        note(&s, s.agent.t(), t, "still waiting").await;
        assert_eq!(
            s.get(s.agent.t(), &path).await.expect(200)["status"],
            status
        );
        let b = s.log().await;
        s.comment(s.alice.t(), t, "here is the log you asked for")
            .await;
        let after = s.get(s.agent.t(), &path).await.expect(200).clone();
        assert_eq!(after["status"], "Open", "from {status}");
        assert_eq!(after["resolution_date"], Value::Null);
        let logged = s.log_since(&b).await;
        assert_eq!(logged.len(), 2, "{logged:#?}");
        assert!(
            logged
                .iter()
                .any(|e| e.details.contains(&format!("status {status} → Open"))),
            "{logged:#?}"
        );
        let h = s
            .get(s.alice.t(), &format!("{path}/history"))
            .await
            .expect(200)
            .clone();
        let last = h.as_array().unwrap().last().unwrap().clone();
        let status_change = h
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|e| e["kind"] == "status")
            .unwrap()
            .clone();
        assert_eq!(
            (status_change["from"].as_str(), status_change["to"].as_str()),
            (Some(status), Some("Open"))
        );
        assert!(
            last["kind"] == "comment" || last["kind"] == "status",
            "{last}"
        );
    }
    // An Open or In Progress ticket stays as it is.
    s.patch(s.agent.t(), &path, json!({"status": "In Progress"}))
        .await
        .expect(200);
    s.comment(s.alice.t(), t, "thanks").await;
    assert_eq!(
        s.get(s.agent.t(), &path).await.expect(200)["status"],
        "In Progress"
    );
    // Waiting filters like any status.
    s.patch(s.agent.t(), &path, json!({"status": "Waiting"}))
        .await
        .expect(200);
    let waiting = s
        .get(s.agent.t(), "/api/v1/tickets/?status=Waiting")
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (ids(&waiting), waiting["total"].clone()),
        (vec![t], json!(1))
    );
}
