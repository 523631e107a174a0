//! Signup and admin user management: create, list with filters, read, partial update,
//! deactivation and its effects, the last-admin guard, uniqueness.

use serde_json::json;
use tms_core::Role;

use crate::helpers::*;

fn signup_body(name: &str) -> serde_json::Value {
    json!({"username": name, "email": format!("{name}@example.com"), "password": PW})
}

#[tokio::test]
async fn public_signup_creates_a_requester_and_logs_in() {
    let s = start().await;
    for (name, role) in [("carol", None), ("dave", Some("Requester"))] {
        let mut body = signup_body(name);
        if let Some(r) = role {
            body["role"] = json!(r);
        }
        let b = s.post(ANON, "/signup", body).await.expect(201).clone();
        assert_eq!(
            keys(&b),
            ["access_token", "expires_at", "token_type", "user"]
        );
        assert_eq!(b["token_type"], "bearer");
        assert_eq!(b["user"]["role"], "Requester");
        assert_eq!(b["user"]["username"], name);
        let me = s
            .get(b["access_token"].as_str().unwrap(), "/users/me")
            .await
            .expect(200)
            .clone();
        assert_eq!(me["id"], b["user"]["id"]);
        s.login(&format!("{name}@example.com"), PW)
            .await
            .expect(200);
    }
}

#[tokio::test]
async fn signup_for_other_roles_needs_a_sysadmin() {
    let s = start().await;
    let before = s.snapshot().await;
    for role in ["Helpdesk Agent", "SysAdmin"] {
        for token in [ANON, s.alice.t(), s.agent.t()] {
            let mut body = signup_body("mallory");
            body["role"] = json!(role);
            s.post(token, "/signup", body).await.expect_detail(403);
        }
    }
    assert_eq!(s.snapshot().await, before);
    for (i, role) in ["Helpdesk Agent", "SysAdmin", "Requester"]
        .iter()
        .enumerate()
    {
        let mut body = signup_body(&format!("staff{i}"));
        body["role"] = json!(role);
        let b = s
            .post(s.admin.t(), "/signup", body)
            .await
            .expect(201)
            .clone();
        assert_eq!(b["user"]["role"], *role);
    }
    // An invalid token is not "no token".
    s.post("garbage", "/signup", signup_body("erin"))
        .await
        .expect_detail(401);
}

#[tokio::test]
async fn closed_signup_is_403_except_for_a_sysadmin() {
    let s = start_with(|c| c.allow_signup = false).await;
    let before = s.snapshot().await;
    s.post(ANON, "/signup", signup_body("carol"))
        .await
        .expect_detail(403);
    s.post(s.agent.t(), "/signup", signup_body("carol"))
        .await
        .expect_detail(403);
    assert_eq!(s.snapshot().await, before);
    s.post(s.admin.t(), "/signup", signup_body("carol"))
        .await
        .expect(201);
}

#[tokio::test]
async fn duplicate_email_or_username_is_409() {
    let s = start().await;
    let before = s.snapshot().await;
    for email in [
        "alice@example.com",
        "ALICE@Example.com",
        " alice@example.com ",
    ] {
        s.post(
            ANON,
            "/signup",
            json!({"username": "newname", "email": email, "password": PW}),
        )
        .await
        .expect_detail(409);
        s.post(
            s.admin.t(),
            "/api/v1/admin/users/",
            json!({"username": "newname", "email": email, "password": PW, "role": "Requester"}),
        )
        .await
        .expect_detail(409);
    }
    for name in ["alice", "ALICE"] {
        s.post(
            ANON,
            "/signup",
            json!({"username": name, "email": "fresh@example.com", "password": PW}),
        )
        .await
        .expect_detail(409);
    }
    // Taking another user's email or username in an update.
    s.put(
        s.admin.t(),
        &format!("/api/v1/admin/users/{}", s.bob.id),
        json!({"email": "Alice@example.com"}),
    )
    .await
    .expect_detail(409);
    s.put(
        s.admin.t(),
        &format!("/api/v1/admin/users/{}", s.bob.id),
        json!({"username": "alice"}),
    )
    .await
    .expect_detail(409);
    assert_eq!(s.snapshot().await, before);
    // Keeping one's own email is no conflict.
    s.put(
        s.admin.t(),
        &format!("/api/v1/admin/users/{}", s.bob.id),
        json!({"email": "BOB@example.com", "username": "bob"}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn signup_and_user_fields_are_validated() {
    let s = start().await;
    let before = s.snapshot().await;
    let long = "x".repeat(10_000);
    let cases = [
        (
            json!({"username": "ab", "email": "ab@example.com", "password": PW}),
            "username",
        ),
        (
            json!({"username": "bad name", "email": "b@example.com", "password": PW}),
            "username",
        ),
        (
            json!({"username": long, "email": "b@example.com", "password": PW}),
            "username",
        ),
        (
            json!({"username": "carol", "email": "not-an-email", "password": PW}),
            "email",
        ),
        (
            json!({"username": "carol", "email": format!("{long}@example.com"), "password": PW}),
            "email",
        ),
        (
            json!({"username": "carol", "email": "carol@example.com", "password": "short"}),
            "password",
        ),
        (
            json!({"username": "carol", "email": "carol@example.com", "password": long}),
            "password",
        ),
        (
            json!({"username": "carol", "email": "carol@example.com", "password": "carol@example.com"}),
            "password",
        ),
        (
            json!({"username": "carolname", "email": "c@example.com", "password": "CAROLNAME"}),
            "password",
        ),
    ];
    for (body, field) in &cases {
        let locs = s.post(ANON, "/signup", body.clone()).await.expect_422();
        assert_eq!(locs[0], ["body", field], "{body}");
        let mut admin_body = body.clone();
        admin_body["role"] = json!("Helpdesk Agent");
        let locs = s
            .post(s.admin.t(), "/api/v1/admin/users/", admin_body)
            .await
            .expect_422();
        assert_eq!(locs[0], ["body", field], "{body}");
    }
    for body in [
        json!({"username": "carol", "email": "carol@example.com", "password": PW, "role": "King"}),
        json!({"username": "carol", "email": "carol@example.com"}),
        json!({"username": 5, "email": "carol@example.com", "password": PW}),
    ] {
        s.post(ANON, "/signup", body).await.expect_422();
    }
    s.post(
        s.admin.t(),
        "/api/v1/admin/users/",
        json!({"username": "carol", "email": "carol@example.com", "password": PW}),
    )
    .await
    .expect_422();
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn admin_creates_reads_and_lists_users() {
    let s = start().await;
    let admin = s.admin.t();
    let u = s
        .post(
            admin,
            "/api/v1/admin/users/",
            json!({"username": "Zed.Agent", "email": "Zed@Example.com", "password": PW,
                   "role": "Helpdesk Agent"}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(keys(&u), USER_KEYS);
    assert_eq!(u["email"], "zed@example.com", "stored lower-case");
    assert_eq!(u["role"], "Helpdesk Agent");
    assert_eq!(u["is_active"], true);
    assert_wire_time(&u["created_at"]);
    let id = u["id"].as_i64().unwrap();
    let read = s
        .get(admin, &format!("/api/v1/admin/users/{id}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(read, u);
    s.get(admin, "/api/v1/admin/users/4242")
        .await
        .expect_detail(404);

    let list = s
        .get(admin, "/api/v1/admin/users/")
        .await
        .expect(200)
        .clone();
    let all = list.as_array().unwrap();
    assert_eq!(all.len(), 6);
    for item in all {
        assert_eq!(keys(item), USER_KEYS);
    }
    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_string())
            .collect()
    };
    let agents = s
        .get(admin, "/api/v1/admin/users/?role=Helpdesk%20Agent")
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&agents), ["agent", "agent2", "Zed.Agent"]);
    let q = s
        .get(admin, "/api/v1/admin/users/?q=ZED")
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&q), ["Zed.Agent"]);
    let q = s
        .get(admin, "/api/v1/admin/users/?q=ice@exa")
        .await
        .expect(200)
        .clone();
    assert_eq!(names(&q), ["alice"]);
    s.get(admin, "/api/v1/admin/users/?role=King")
        .await
        .expect_422();
    s.get(admin, "/api/v1/admin/users/?include_inactive=maybe")
        .await
        .expect_422();

    s.delete(admin, &format!("/api/v1/admin/users/{id}"))
        .await
        .expect(200);
    let active = s
        .get(admin, "/api/v1/admin/users")
        .await
        .expect(200)
        .clone();
    assert!(!names(&active).contains(&"Zed.Agent".to_string()));
    let every = s
        .get(admin, "/api/v1/admin/users?include_inactive=true")
        .await
        .expect(200)
        .clone();
    let zed = every
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .unwrap();
    assert_eq!(zed["is_active"], false);
}

#[tokio::test]
async fn user_update_is_partial() {
    let s = start().await;
    let path = format!("/api/v1/admin/users/{}", s.bob.id);
    let before = s.get(s.admin.t(), &path).await.expect(200).clone();
    let after = s
        .put(s.admin.t(), &path, json!({"email": "Robert@Example.com"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(after["email"], "robert@example.com");
    for k in ["id", "username", "role", "is_active", "created_at"] {
        assert_eq!(after[k], before[k], "{k} stays");
    }
    let after = s
        .put(s.admin.t(), &path, json!({"role": "Helpdesk Agent"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(after["role"], "Helpdesk Agent");
    assert_eq!(after["email"], "robert@example.com");
    s.put(s.admin.t(), &path, json!({"role": "Boss"}))
        .await
        .expect_422();
    s.put(s.admin.t(), &path, json!({"is_active": "yes"}))
        .await
        .expect_422();
    s.put(s.admin.t(), &path, json!({"password": "short"}))
        .await
        .expect_422();
    s.put(
        s.admin.t(),
        "/api/v1/admin/users/999",
        json!({"role": "Requester"}),
    )
    .await
    .expect_detail(404);
    s.delete(s.admin.t(), "/api/v1/admin/users/999")
        .await
        .expect_detail(404);
}

#[tokio::test]
async fn deactivation_unassigns_open_tickets_and_keeps_history() {
    let s = start().await;
    let admin = s.admin.t();
    let agent = s.agent.id;
    let open = s
        .ticket_with(
            admin,
            json!({"title": "open one", "description": "d", "requester_id": s.alice.id,
                   "assigned_agent_id": agent}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let in_progress = s
        .ticket_with(
            admin,
            json!({"title": "working", "description": "d", "status": "In Progress",
                   "assigned_agent_id": agent}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let resolved = s
        .ticket_with(
            admin,
            json!({"title": "done", "description": "d", "status": "Resolved",
                   "assigned_agent_id": agent}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let own = s.ticket(s.agent.t(), "filed by the agent").await;
    s.comment(s.agent.t(), open, "agent's words").await;
    let log_before = s.log().await.len();

    let u = s
        .delete(admin, &format!("/api/v1/admin/users/{agent}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(keys(&u), USER_KEYS);
    assert_eq!(u["is_active"], false);

    let t = s.ticket_detail(open).await;
    assert_eq!(t["assigned_agent_id"], json!(null));
    assert_eq!(t["assigned_agent"], json!(null));
    assert_eq!(t["comments"][0]["user"]["id"], agent, "their comments stay");
    assert_eq!(
        s.ticket_detail(in_progress).await["assigned_agent_id"],
        json!(null)
    );
    let done = s.ticket_detail(resolved).await;
    assert_eq!(
        done["assigned_agent_id"], agent,
        "resolved work keeps its agent"
    );
    assert_eq!(done["assigned_agent"]["id"], agent);
    let mine = s.ticket_detail(own).await;
    assert_eq!(mine["requester"]["id"], agent, "their tickets stay");
    let log = s.log().await;
    assert_eq!(
        log.len(),
        log_before + 1,
        "exactly one entry for the deactivation"
    );
    assert_eq!(log[0].kind, "Delete");
    assert!(
        log.iter().any(|r| r.user_id == agent),
        "their log entries stay"
    );

    // No longer assignable.
    let locs = s
        .patch(
            admin,
            &format!("/api/v1/tickets/{open}"),
            json!({"assigned_agent_id": agent}),
        )
        .await
        .expect_422();
    assert_eq!(locs[0], ["body", "assigned_agent_id"]);
    // Deactivating again changes nothing and logs nothing.
    s.delete(admin, &format!("/api/v1/admin/users/{agent}"))
        .await
        .expect(200);
    assert_eq!(s.log().await.len(), log_before + 1);
}

#[tokio::test]
async fn the_last_active_sysadmin_cannot_be_deactivated_or_demoted() {
    let s = start().await;
    let me = format!("/api/v1/admin/users/{}", s.admin.id);
    let before = s.snapshot().await;
    s.delete(s.admin.t(), &me).await.expect_detail(409);
    s.put(s.admin.t(), &me, json!({"is_active": false}))
        .await
        .expect_detail(409);
    for role in ["Helpdesk Agent", "Requester"] {
        s.put(s.admin.t(), &me, json!({"role": role}))
            .await
            .expect_detail(409);
    }
    assert_eq!(s.snapshot().await, before);
    s.get(s.admin.t(), "/users/me").await.expect(200);

    // With a second admin, the first may step down; then the second is the last (an
    // inactive admin does not count).
    let second = s.add_user("admin2", Role::Admin).await;
    let third = s.add_user("admin3", Role::Admin).await;
    s.put(second.t(), &me, json!({"role": "Helpdesk Agent"}))
        .await
        .expect(200);
    s.delete(second.t(), &format!("/api/v1/admin/users/{}", third.id))
        .await
        .expect(200);
    let second_path = format!("/api/v1/admin/users/{}", second.id);
    s.delete(second.t(), &second_path).await.expect_detail(409);
    s.put(second.t(), &second_path, json!({"role": "Requester"}))
        .await
        .expect_detail(409);
    s.put(second.t(), &second_path, json!({"is_active": false}))
        .await
        .expect_detail(409);
}

#[tokio::test]
async fn staff_can_list_the_people_tickets_can_be_assigned_to() {
    let s = start().await;
    s.delete(s.admin.t(), &format!("/api/v1/admin/users/{}", s.agent2.id))
        .await
        .expect(200);
    let list = s
        .get(s.agent.t(), "/api/v1/agents/")
        .await
        .expect(200)
        .clone();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["agent", "admin"], "active agents, then admins");
    assert_eq!(keys(&list[0]), ["email", "id", "role", "username"]);
    s.get(s.alice.t(), "/api/v1/agents")
        .await
        .expect_detail(403);
    s.get(ANON, "/api/v1/agents").await.expect_detail(401);
}
