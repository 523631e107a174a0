//! The event channel inside one server, on either engine: every committed change of a
//! ticket or comment is published once it committed, whichever route made it; what was
//! undone is not.

use serde_json::json;
use tms_server::events::{Batch, Change, Event};
use tokio::sync::broadcast::Receiver;

use crate::helpers::start;

/// The events published so far, flattened, without waiting for more.
/// The event of a change of a public comment.
fn public_comment(change: Change, ticket_id: i64, comment: i64) -> Event {
    Event {
        change,
        ticket_id,
        comment_id: Some(comment),
        internal: false,
    }
}

fn drain(rx: &mut Receiver<std::sync::Arc<Batch>>) -> Vec<Event> {
    let mut out = Vec::new();
    while let Ok(batch) = rx.try_recv() {
        assert!(!batch.remote && !batch.resync, "{batch:?}");
        out.extend(batch.events.iter().copied());
    }
    out
}

#[tokio::test]
async fn every_committed_change_of_a_ticket_or_comment_is_published_once() {
    let s = start().await;
    let mut rx = s.state.store.events().subscribe();
    let id = s
        .post(
            s.alice.t(),
            "/api/v1/tickets",
            json!({"title": "Printer jams", "description": "On floor 2"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    assert_eq!(drain(&mut rx), [Event::ticket(Change::TicketCreated, id)]);

    s.patch(
        s.agent.t(),
        &format!("/api/v1/tickets/{id}"),
        json!({"status": "In Progress", "assigned_agent_id": s.agent.id}),
    )
    .await
    .expect(200);
    assert_eq!(drain(&mut rx), [Event::ticket(Change::TicketUpdated, id)]);

    let comment = s
        .post(
            s.alice.t(),
            "/api/v1/comments",
            json!({"ticket_id": id, "description": "Still jammed"}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let events = drain(&mut rx);
    assert!(
        events.contains(&public_comment(Change::CommentCreated, id, comment)),
        "{events:?}"
    );

    s.put(
        s.alice.t(),
        &format!("/api/v1/comments/{comment}"),
        json!({"description": "Still jammed, and smoking"}),
    )
    .await
    .expect(200);
    assert!(drain(&mut rx).contains(&public_comment(Change::CommentUpdated, id, comment)));
    s.delete(s.alice.t(), &format!("/api/v1/comments/{comment}"))
        .await
        .expect(200);
    assert!(drain(&mut rx).contains(&public_comment(Change::CommentDeleted, id, comment)));

    // Refused changes publish nothing.
    let refused = [
        s.patch(
            s.bob.t(),
            &format!("/api/v1/tickets/{id}"),
            json!({"title": "Not mine"}),
        )
        .await,
        s.patch(
            s.agent.t(),
            &format!("/api/v1/tickets/{id}"),
            json!({"assigned_agent_id": s.alice.id}),
        )
        .await,
    ];
    for r in refused {
        assert!((400..500).contains(&r.status), "{r:?}");
    }
    assert_eq!(drain(&mut rx), []);

    s.delete(s.admin.t(), &format!("/api/v1/tickets/{id}"))
        .await
        .expect(200);
    assert_eq!(drain(&mut rx), [Event::ticket(Change::TicketDeleted, id)]);
}

#[tokio::test]
async fn unassigning_a_deactivated_agents_tickets_publishes_each_of_them() {
    let s = start().await;
    let mut ids = Vec::new();
    for title in ["VPN drops", "Mail bounces"] {
        let id = s
            .post(
                s.alice.t(),
                "/api/v1/tickets",
                json!({"title": title, "description": "Since Monday"}),
            )
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap();
        s.patch(
            s.agent.t(),
            &format!("/api/v1/tickets/{id}"),
            json!({"assigned_agent_id": s.agent2.id}),
        )
        .await
        .expect(200);
        ids.push(id);
    }
    let mut rx = s.state.store.events().subscribe();
    s.delete(s.admin.t(), &format!("/api/v1/admin/users/{}", s.agent2.id))
        .await
        .expect(200);
    let events = drain(&mut rx);
    for id in ids {
        assert!(
            events.contains(&Event::ticket(Change::TicketUpdated, id)),
            "{events:?}"
        );
    }
}

#[tokio::test]
async fn a_write_whose_last_statement_fails_commits_nothing_and_publishes_nothing() {
    use tms_core::{ActivityType, Priority, Status};
    use tms_server::store::{NewTicket, StoreError};

    let s = start().await;
    let mut rx = s.state.store.events().subscribe();
    let alice = s.alice.id;
    let count = |s: &crate::helpers::Srv| {
        let store = s.state.store.clone();
        async move {
            store
                .raw_query("SELECT count(*) FROM tickets")
                .await
                .unwrap()[0][0]
                .clone()
        }
    };
    let before = count(&s).await;
    // The activity log entry is the script's last statement, whose reply PostgreSQL's engine
    // does not wait for (it comes with the COMMIT): its failure must still undo the ticket.
    let out = s
        .state
        .store
        .write(move |tx| {
            let now = tms_core::timefmt::now();
            let t = tx.insert_ticket(&NewTicket {
                title: "Never stored",
                description: "The log entry below names nobody",
                status: Status::Open,
                priority: Priority::Low,
                requester_id: alice,
                assigned_agent_id: None,
                resolution_date: None,
                creation_date: now,
                tags: &[],
                sla: None,
            })?;
            tx.insert_log(i64::MAX, ActivityType::Create, "nobody", Some(t.id), now)?;
            Ok::<_, StoreError>(t.id)
        })
        .await;
    assert!(matches!(out, Err(StoreError::ForeignKey)), "{out:?}");
    assert_eq!(count(&s).await, before);
    assert_eq!(drain(&mut rx), []);
    // The connection it ran on serves the next write.
    s.ticket(s.alice.t(), "Stored").await;
    assert_eq!(drain(&mut rx).len(), 1);
}
