//! Login (JSON and form, `/login` and `/token`), the token body, logout, `users/me`, password
//! change, session revocation and login slowing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

#[track_caller]
fn assert_token_body(b: &Value, email: &str, role: &str) {
    assert_eq!(
        keys(b),
        ["access_token", "expires_at", "token_type", "user"],
        "token body: {b}"
    );
    assert_eq!(b["token_type"], "bearer");
    let token = b["access_token"].as_str().unwrap();
    assert!(
        token.len() >= 22,
        "token carries at least 128 bits: {token}"
    );
    let expires = b["expires_at"].as_str().unwrap();
    assert_wire_time(&json!(expires));
    assert_eq!(keys(&b["user"]), USER_KEYS);
    assert_eq!(b["user"]["email"], email);
    assert_eq!(b["user"]["role"], role);
    assert_eq!(b["user"]["is_active"], true);
}

#[tokio::test]
async fn json_and_form_login_on_login_and_token() {
    let s = start().await;
    for path in ["/login", "/token"] {
        let b = s
            .post(
                ANON,
                path,
                json!({"email": "alice@example.com", "password": PW}),
            )
            .await
            .expect(200)
            .clone();
        assert_token_body(&b, "alice@example.com", "Requester");
        let form = format!(
            "username=agent%40example.com&password={}&grant_type=password",
            PW.replace(' ', "+")
        );
        let b = s
            .raw(
                Method::POST,
                ANON,
                path,
                "application/x-www-form-urlencoded",
                form,
            )
            .await
            .expect(200)
            .clone();
        assert_token_body(&b, "agent@example.com", "Helpdesk Agent");
        // The token works.
        let me = s
            .get(b["access_token"].as_str().unwrap(), "/users/me")
            .await
            .expect(200)
            .clone();
        assert_eq!(me["email"], "agent@example.com");
    }
    // Email is matched regardless of case and surrounding spaces.
    s.login("  ALICE@Example.COM ", PW).await.expect(200);
}

#[tokio::test]
async fn two_logins_are_two_independent_tokens() {
    let s = start().await;
    let again = s.relogin(&s.alice).await;
    assert_ne!(again.token, s.alice.token);
    s.get(again.t(), "/users/me").await.expect(200);
    s.get(s.alice.t(), "/users/me").await.expect(200);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_identical_replies() {
    let s = start().await;
    let wrong = s.login("alice@example.com", "not the password").await;
    let unknown = s.login("nobody@example.com", "not the password").await;
    for r in [&wrong, &unknown] {
        r.expect_detail(401);
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    }
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.header("content-type"), unknown.header("content-type"));
    // A deactivated account answers the same too.
    s.delete(s.admin.t(), &format!("/api/v1/admin/users/{}", s.bob.id))
        .await
        .expect(200);
    let inactive = s.login("bob@example.com", PW).await;
    assert_eq!(inactive.status, 401);
    assert_eq!(inactive.body, unknown.body);
    // Form login too.
    let form = s
        .raw(
            Method::POST,
            ANON,
            "/token",
            "application/x-www-form-urlencoded",
            "username=nobody%40example.com&password=not+the+password",
        )
        .await;
    assert_eq!(form.status, 401);
    assert_eq!(form.body, unknown.body);
}

#[tokio::test]
async fn login_input_errors() {
    let s = start().await;
    let before = s.snapshot().await;
    s.post(ANON, "/login", json!({"email": "alice@example.com"}))
        .await
        .expect_422();
    s.post(ANON, "/login", json!({"email": 5, "password": PW}))
        .await
        .expect_422();
    s.raw(Method::POST, ANON, "/login", "application/json", "{nope")
        .await
        .expect_detail(400);
    s.raw(Method::POST, ANON, "/login", "text/plain", "hello")
        .await
        .expect_detail(400);
    let r = s
        .raw(
            Method::POST,
            ANON,
            "/login",
            "application/x-www-form-urlencoded",
            "username=alice%40example.com",
        )
        .await;
    assert!(r.status == 400 || r.status == 422, "{}", r.text);
    assert!(r.body["detail"].is_string() || r.body["detail"].is_array());
    let r = s
        .raw(
            Method::POST,
            ANON,
            "/login",
            "application/x-www-form-urlencoded",
            format!("username=alice%40example.com&password={PW}&grant_type=client_credentials"),
        )
        .await;
    assert!(r.status == 400 || r.status == 422, "{}", r.text);
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn logout_ends_only_this_session_at_once() {
    let s = start().await;
    let second = s.relogin(&s.alice).await;
    let r = s.post(s.alice.t(), "/logout", json!({})).await;
    r.expect(204);
    assert!(r.text.is_empty());
    let r = s.get(s.alice.t(), "/users/me").await;
    r.expect_detail(401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    s.get(second.t(), "/users/me").await.expect(200);
    // Logging out twice: the token is already dead.
    s.post(s.alice.t(), "/logout", json!({}))
        .await
        .expect_detail(401);
    // Logout needs no body.
    s.call(Method::POST, second.t(), "/logout", None)
        .await
        .expect(204);
}

#[tokio::test]
async fn users_me_is_the_caller() {
    let s = start().await;
    for who in [&s.admin, &s.agent, &s.alice] {
        let me = s.get(who.t(), "/users/me").await.expect(200).clone();
        assert_eq!(keys(&me), USER_KEYS);
        assert_eq!(me["id"], who.id);
        assert_eq!(me["username"], who.username);
        assert!(me.get("password_hash").is_none());
    }
}

#[tokio::test]
async fn password_change_ends_other_sessions_and_keeps_this_one() {
    let s = start().await;
    let other = s.relogin(&s.alice).await;
    let before = s.log().await;
    s.put(
        s.alice.t(),
        "/users/me/password",
        json!({"current_password": PW, "new_password": "a brand new secret"}),
    )
    .await
    .expect(204);
    s.get(other.t(), "/users/me").await.expect_detail(401);
    s.get(s.alice.t(), "/users/me").await.expect(200);
    s.login("alice@example.com", PW).await.expect_detail(401);
    s.login("alice@example.com", "a brand new secret")
        .await
        .expect(200);
    let new = s.log_since(&before).await;
    assert_eq!(new[0].kind, "Auth");
    assert_eq!(new[0].details, "changed password");
    assert_eq!(new[0].user_id, s.alice.id);
}

#[tokio::test]
async fn password_change_refusals_change_nothing() {
    let s = start().await;
    let other = s.relogin(&s.alice).await;
    let log_before = s.log().await;
    s.put(
        s.alice.t(),
        "/users/me/password",
        json!({"current_password": "wrong password", "new_password": "a brand new secret"}),
    )
    .await
    .expect_detail(403);
    // A wrong current password changes nothing but is logged, like a failed login.
    let logged = s.log_since(&log_before).await;
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(
        (logged[0].kind.as_str(), logged[0].user_id),
        ("Auth", s.alice.id)
    );
    assert!(logged[0].details.starts_with("failed password change"));
    let before = s.snapshot().await;
    for bad in ["short", "alice@example.com", "ALICE", &"x".repeat(129)] {
        let locs = s
            .put(
                s.alice.t(),
                "/users/me/password",
                json!({"current_password": PW, "new_password": bad}),
            )
            .await
            .expect_422();
        assert_eq!(locs[0], ["body", "new_password"], "{bad}");
    }
    s.put(
        s.alice.t(),
        "/users/me/password",
        json!({"new_password": "a brand new secret"}),
    )
    .await
    .expect_422();
    assert_eq!(s.snapshot().await, before);
    s.get(other.t(), "/users/me").await.expect(200);
    s.login("alice@example.com", PW).await.expect(200);
}

/// A stolen session must not be a fast password oracle: wrong current passwords are slowed
/// like logins, and the right one is refused too until the window passes.
#[tokio::test]
async fn wrong_current_passwords_are_slowed_with_429() {
    let s = start_with(|c| c.login_max_per_account = 3).await;
    let change =
        |current: &str| json!({"current_password": current, "new_password": "a brand new secret"});
    for i in 0..3 {
        s.put(
            s.alice.t(),
            "/users/me/password",
            change(&format!("guess {i}")),
        )
        .await
        .expect_detail(403);
    }
    let r = s.put(s.alice.t(), "/users/me/password", change(PW)).await;
    r.expect_detail(429);
    assert!(r.header("retry-after").is_some());
    // Only this user is slowed.
    s.put(s.bob.t(), "/users/me/password", change(PW))
        .await
        .expect(204);
    s.login("alice@example.com", PW).await.expect(200);
}

#[tokio::test]
async fn failed_logins_for_one_account_are_slowed_with_429() {
    let s = start_with(|c| {
        c.login_max_per_account = 3;
        c.login_max_per_address = 1000;
    })
    .await;
    for _ in 0..3 {
        s.login("alice@example.com", "wrong password")
            .await
            .expect_detail(401);
    }
    let r = s.login("alice@example.com", "wrong password").await;
    r.expect_detail(429);
    let secs: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&secs), "Retry-After {secs}");
    // Even the right password waits, whatever the case of the email.
    s.login("ALICE@example.com", PW).await.expect_detail(429);
    // Other accounts are not affected; the existing session still works.
    s.login("bob@example.com", PW).await.expect(200);
    s.get(s.alice.t(), "/users/me").await.expect(200);
    // An unknown account is slowed just the same: no hint that it does not exist.
    for _ in 0..3 {
        s.login("ghost@example.com", "wrong password")
            .await
            .expect_detail(401);
    }
    let r = s.login("ghost@example.com", "wrong password").await;
    r.expect_detail(429);
    assert!(r.header("retry-after").is_some());
}

#[tokio::test]
async fn failed_logins_from_one_address_are_slowed_with_429() {
    let s = start_with(|c| {
        c.login_max_per_account = 1000;
        c.login_max_per_address = 3;
    })
    .await;
    for who in ["a", "b", "c"] {
        s.login(&format!("{who}@example.com"), "wrong password")
            .await
            .expect_detail(401);
    }
    let r = s.login("alice@example.com", PW).await;
    r.expect_detail(429);
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
}

#[tokio::test]
async fn a_success_resets_the_account_count() {
    let s = start_with(|c| {
        c.login_max_per_account = 3;
        c.login_max_per_address = 1000;
    })
    .await;
    for _ in 0..2 {
        s.login("alice@example.com", "wrong password").await;
    }
    s.login("alice@example.com", PW).await.expect(200);
    for _ in 0..2 {
        s.login("alice@example.com", "wrong password")
            .await
            .expect_detail(401);
    }
    s.login("alice@example.com", PW).await.expect(200);
}

#[tokio::test]
async fn role_change_and_admin_password_reset_end_sessions_at_once() {
    let s = start().await;
    let admin = s.admin.t();
    s.put(
        admin,
        &format!("/api/v1/admin/users/{}", s.agent.id),
        json!({"role": "Requester"}),
    )
    .await
    .expect(200);
    s.get(s.agent.t(), "/users/me").await.expect_detail(401);
    let me = s
        .get(s.relogin(&s.agent).await.t(), "/users/me")
        .await
        .expect(200)
        .clone();
    assert_eq!(me["role"], "Requester");

    s.put(
        admin,
        &format!("/api/v1/admin/users/{}", s.alice.id),
        json!({"password": "reset by the admin"}),
    )
    .await
    .expect(200);
    s.get(s.alice.t(), "/users/me").await.expect_detail(401);
    s.login("alice@example.com", "reset by the admin")
        .await
        .expect(200);

    // A change that touches neither role, password nor active flag keeps sessions.
    s.put(
        admin,
        &format!("/api/v1/admin/users/{}", s.bob.id),
        json!({"username": "robert"}),
    )
    .await
    .expect(200);
    let me = s.get(s.bob.t(), "/users/me").await.expect(200).clone();
    assert_eq!(me["username"], "robert");
}

#[tokio::test]
async fn deactivation_ends_sessions_and_blocks_login() {
    let s = start().await;
    let second = s.relogin(&s.agent).await;
    s.delete(s.admin.t(), &format!("/api/v1/admin/users/{}", s.agent.id))
        .await
        .expect(200);
    for t in [s.agent.t(), second.t()] {
        let r = s.get(t, "/api/v1/tickets/").await;
        r.expect_detail(401);
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    }
    s.login("agent@example.com", PW).await.expect_detail(401);
    // Reactivated, they may log in again (old sessions stay dead).
    s.put(
        s.admin.t(),
        &format!("/api/v1/admin/users/{}", s.agent.id),
        json!({"is_active": true}),
    )
    .await
    .expect(200);
    s.get(second.t(), "/users/me").await.expect_detail(401);
    s.login("agent@example.com", PW).await.expect(200);
}

#[tokio::test]
async fn expired_sessions_are_401() {
    // Long enough that a busy machine still gets the first request in; the test waits past it.
    let s = start_with(|c| c.session_absolute = std::time::Duration::from_millis(1500)).await;
    let fresh = s.relogin(&s.alice).await;
    s.get(fresh.t(), "/users/me").await.expect(200);
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    let r = s.get(fresh.t(), "/users/me").await;
    r.expect_detail(401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn tokens_and_passwords_are_stored_only_hashed() {
    let s = start().await;
    let dump = s.snapshot().await;
    for who in [&s.admin, &s.agent, &s.alice] {
        assert!(!dump.contains(&who.token), "a raw token is stored");
    }
    assert!(!dump.contains(PW), "a raw password is stored");
    let hashes: Vec<String> = s
        .sql("SELECT password_hash FROM users")
        .await
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    assert!(hashes.iter().all(|h| h.starts_with("$argon2id$")));
}

/// "Changing a user's password or role ends that user's *other* sessions": an admin who
/// resets their own password through the admin route keeps the session that did it.
#[tokio::test]
async fn admin_resetting_own_password_keeps_this_session() {
    let s = start().await;
    let other = s.relogin(&s.admin).await;
    s.put(
        s.admin.t(),
        &format!("/api/v1/admin/users/{}", s.admin.id),
        json!({"password": "the admin's new one"}),
    )
    .await
    .expect(200);
    s.get(other.t(), "/users/me").await.expect_detail(401);
    s.get(s.admin.t(), "/users/me").await.expect(200);
}

#[tokio::test]
async fn idle_sessions_are_401() {
    // Long enough that a busy machine still gets the first request in; the test waits past it.
    let s = start_with(|c| c.session_idle = std::time::Duration::from_millis(1500)).await;
    let fresh = s.relogin(&s.alice).await;
    s.get(fresh.t(), "/users/me").await.expect(200);
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    s.get(fresh.t(), "/users/me").await.expect_detail(401);
}
