//! Revocation against in-flight first uses: a token hammered by concurrent requests (each a
//! possible first use that reads the session and caches it) while it is revoked — by logout,
//! deactivation, demotion or a password change. Once the revoking request has answered, the
//! next request with the token must be refused, however the race fell.

use std::sync::Arc;

use serde_json::{Value, json};
use tms_core::Role;

use crate::api::{PW, Srv, Who, start_with};

/// Rounds per kind of revocation: enough for the race to show on the unfixed cache.
const ROUNDS: usize = 40;
/// Concurrent requests with the token to be revoked.
const HAMMERS: usize = 16;

/// Sends `GET /users/me` with `token`, not yet used and so not cached, from [`HAMMERS`]
/// tasks at once: each is a first use that reads the session from the database and caches it.
/// Each task sends a few in a row, so that first uses keep coming while the revocation runs.
fn first_uses(
    s: &Srv,
    token: &str,
    go: &Arc<tokio::sync::Barrier>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..HAMMERS)
        .map(|_| {
            let (http, url, token) = (s.http.clone(), s.url("/users/me"), token.to_string());
            let go = Arc::clone(go);
            tokio::spawn(async move {
                go.wait().await;
                for _ in 0..3 {
                    let _ = http.get(&url).bearer_auth(&token).send().await;
                }
            })
        })
        .collect()
}

/// Runs `revoke` at the same moment as the first uses of `token`; then asserts the token is
/// refused.
async fn race<F, Fut>(s: &Srv, what: &str, token: &str, revoke: F)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let go = Arc::new(tokio::sync::Barrier::new(HAMMERS + 1));
    let tasks = first_uses(s, token, &go);
    go.wait().await;
    let status = revoke().await;
    assert!((200..300).contains(&status), "{what} answered {status}");
    // Let the requests that were in flight at the revocation finish (and cache what they read).
    for t in tasks {
        t.await.unwrap();
    }
    for _ in 0..3 {
        let r = s.get(token, "/users/me").await;
        assert_eq!(
            r.status, 401,
            "after {what}, the token still answered: {}",
            r.text
        );
    }
}

async fn fresh_user(s: &Srv, name: &str, role: Role) -> Who {
    s.add_user(name, role).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logout_ends_the_session_whatever_is_in_flight() {
    let s = start_with(|c| c.readers = 4).await;
    for _ in 0..ROUNDS {
        let who = s.relogin(&s.alice).await;
        let token = who.token.clone();
        race(&s, "logout", &who.token, || async {
            s.post(&token, "/logout", json!({})).await.status
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deactivation_and_demotion_end_sessions_whatever_is_in_flight() {
    let s = start_with(|c| c.readers = 4).await;
    for round in 0..ROUNDS {
        let who = fresh_user(&s, &format!("gone{round}"), Role::Admin).await;
        let path = format!("/api/v1/admin/users/{}", who.id);
        race(&s, "deactivation", &who.token, || async {
            s.delete(s.admin.t(), &path).await.status
        })
        .await;
        // The deactivated SysAdmin cannot act as one either.
        let r = s
            .post(
                &who.token,
                "/api/v1/admin/users/",
                json!({"username": format!("x{round}"), "email": format!("x{round}@example.com"),
                       "password": PW, "role": "SysAdmin"}),
            )
            .await;
        assert_eq!(r.status, 401, "{}", r.text);

        let who = fresh_user(&s, &format!("demoted{round}"), Role::Admin).await;
        let path = format!("/api/v1/admin/users/{}", who.id);
        race(&s, "demotion", &who.token, || async {
            s.put(s.admin.t(), &path, json!({"role": "Requester"}))
                .await
                .status
        })
        .await;
    }
}

/// A password change takes a verification and a hash before it commits, so its commit comes
/// later than a burst of first uses started with it: several other sessions are first used at
/// staggered moments, so that some first uses meet the commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_password_change_ends_other_sessions_whatever_is_in_flight() {
    let s = start_with(|c| c.readers = 4).await;
    let mut password = PW.to_string();
    for round in 0..ROUNDS / 2 {
        let session = |body: Value| body["access_token"].as_str().unwrap().to_string();
        let keeper = session(s.login(&s.bob.email, &password).await.expect(200).clone());
        let mut others = Vec::new();
        for _ in 0..8 {
            others.push(session(
                s.login(&s.bob.email, &password).await.expect(200).clone(),
            ));
        }
        let tasks: Vec<_> = others
            .iter()
            .enumerate()
            .map(|(i, token)| {
                let (http, url, token) = (s.http.clone(), s.url("/users/me"), token.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_micros(500 * i as u64)).await;
                    for _ in 0..2 {
                        let _ = http.get(&url).bearer_auth(&token).send().await;
                    }
                })
            })
            .collect();
        let next = format!("{PW} {round}");
        let body = json!({"current_password": password, "new_password": next});
        s.put(&keeper, "/users/me/password", body).await.expect(204);
        password = next;
        for t in tasks {
            t.await.unwrap();
        }
        for token in &others {
            let r = s.get(token, "/users/me").await;
            assert_eq!(
                r.status, 401,
                "after a password change, another session still answered"
            );
        }
        let me: Value = s.get(&keeper, "/users/me").await.expect(200).clone();
        assert_eq!(me["id"], s.bob.id);
    }
}
