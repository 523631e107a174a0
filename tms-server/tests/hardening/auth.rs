//! Authentication beyond the API tests: login slowing under a concurrent burst, token
//! randomness and storage, unknown email vs wrong password in timing, and no secret in the
//! server's log output.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::api::{PW, Srv, start_with};
use crate::process::{Server, client};

/// Sends `n` login attempts at once; returns the statuses.
async fn burst(s: &Srv, attempts: Vec<(String, String)>) -> Vec<u16> {
    let tasks: Vec<_> = attempts
        .into_iter()
        .map(|(email, password)| {
            let http = s.http.clone();
            let url = s.url("/login");
            tokio::spawn(async move {
                http.post(url)
                    .json(&json!({"email": email, "password": password}))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses
}

fn tally(statuses: &[u16]) -> (usize, usize) {
    let refused = statuses.iter().filter(|s| **s == 401).count();
    let slowed = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        refused + slowed,
        statuses.len(),
        "only 401 and 429: {statuses:?}"
    );
    (refused, slowed)
}

/// 40 wrong passwords for one account sent at once: at most 5 are even tried (production
/// limit), the rest are 429 — and so is the right password afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_against_one_account_is_slowed_after_five() {
    let s = start_with(|_| {}).await;
    let attempts = (0..40)
        .map(|i| {
            (
                "alice@example.com".to_string(),
                format!("wrong password {i}"),
            )
        })
        .collect();
    let (refused, slowed) = tally(&burst(&s, attempts).await);
    assert!(
        refused <= 5,
        "{refused} wrong passwords were tried, {slowed} slowed"
    );
    s.login("alice@example.com", PW).await.expect_detail(429);
    // The address has not reached its own limit: another account still logs in.
    s.login("bob@example.com", PW).await.expect(200);
}

/// 60 attempts at different accounts from one address at once: at most 20 are tried.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_from_one_address_is_slowed_after_twenty() {
    let s = start_with(|c| c.login_max_per_account = 1000).await;
    let attempts = (0..60)
        .map(|i| {
            (
                format!("ghost{i}@example.com"),
                "wrong password".to_string(),
            )
        })
        .collect();
    let (refused, slowed) = tally(&burst(&s, attempts).await);
    assert!(
        refused <= 20,
        "{refused} attempts were tried, {slowed} slowed"
    );
    // Even a right password from that address waits now.
    s.login("alice@example.com", PW).await.expect_detail(429);
}

/// Tokens carry 256 random bits, are all different, and only their SHA-256 is stored.
#[tokio::test]
async fn tokens_are_random_distinct_and_stored_as_sha256() {
    let s = start_with(|c| c.login_max_per_account = 1000).await;
    let mut tokens = Vec::new();
    for _ in 0..32 {
        let b = s.login("alice@example.com", PW).await.expect(200).clone();
        tokens.push(b["access_token"].as_str().unwrap().to_string());
    }
    let mut ones = 0u32;
    for t in &tokens {
        let bytes = hex::decode(t).unwrap_or_else(|_| panic!("token is hex: {t}"));
        assert!(bytes.len() * 8 >= 128, "at least 128 bits: {t}");
        ones += bytes.iter().map(|b| b.count_ones()).sum::<u32>();
    }
    let bits = tokens.iter().map(|t| t.len() as u32 * 4).sum::<u32>();
    let share = f64::from(ones) / f64::from(bits);
    assert!((0.45..0.55).contains(&share), "bits look random: {share}");
    let distinct: std::collections::HashSet<&String> = tokens.iter().collect();
    assert_eq!(distinct.len(), tokens.len());

    let stored: Vec<Vec<u8>> = s
        .state
        .store
        .sqlite()
        .unwrap()
        .read(|c| {
            let mut st = c.prepare("SELECT token_hash FROM sessions")?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect::<Result<Vec<Vec<u8>>, _>>()
                .map_err(tms_server::store::sqlite::DbError::from)
        })
        .await
        .unwrap();
    for t in &tokens {
        let digest = Sha256::digest(t.as_bytes()).to_vec();
        assert!(stored.contains(&digest), "SHA-256 of the token is stored");
        assert!(
            !stored
                .iter()
                .any(|h| h == t.as_bytes() || *h == hex::decode(t).unwrap())
        );
    }
    // A token one character off is worthless.
    let t = &tokens[0];
    let flipped = format!(
        "{}{}",
        &t[..t.len() - 1],
        if t.ends_with('0') { '1' } else { '0' }
    );
    s.get(&flipped, "/users/me").await.expect_detail(401);
    s.get(t, "/users/me").await.expect(200);
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

/// At production argon2 cost, a login for an unknown email takes as long as a wrong password
/// for a real account (a dummy hash is verified), and gets the same reply. A behaviour check
/// with a generous margin, not a speed target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_email_costs_as_much_as_a_wrong_password() {
    let s = start_with(|c| {
        let prod = tms_server::Config::new("unused");
        c.argon2_m_kib = prod.argon2_m_kib;
        c.argon2_t = prod.argon2_t;
        c.login_max_per_account = 1000;
        c.login_max_per_address = 1000;
    })
    .await;
    let timed = |email: String| {
        let s = &s;
        async move {
            let start = Instant::now();
            let r = s.login(&email, "not the password").await;
            (start.elapsed(), r.status, r.text)
        }
    };
    // Warm both paths once.
    timed("alice@example.com".into()).await;
    timed("ghost@example.com".into()).await;
    let (mut wrong, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..7 {
        let (d, status, text) = timed("alice@example.com".into()).await;
        assert_eq!(status, 401);
        wrong.push(d);
        let (d, status, unknown_text) = timed(format!("ghost{i}@example.com")).await;
        assert_eq!(status, 401);
        assert_eq!(unknown_text, text, "identical replies");
        unknown.push(d);
    }
    let (w, u) = (median(wrong), median(unknown));
    let ratio = u.as_secs_f64() / w.as_secs_f64();
    assert!(
        (0.5..=2.0).contains(&ratio),
        "unknown email {u:?} vs wrong password {w:?} (ratio {ratio:.2})"
    );
}

/// Runs the real binary with debug logging through logins (good, bad, form), signup,
/// account creation, password changes and resets, bearer calls and logout: none of the
/// passwords or tokens shows up in its output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_and_tokens_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let admin_pw = "first admin secret 4711";
    let server = Server::start(
        &dir.path().join("tms.db"),
        &[],
        &[
            ("TMS_LOG", "debug"),
            ("TMS_ADMIN_EMAIL", "root@example.com"),
            ("TMS_ADMIN_PASSWORD", admin_pw),
        ],
    );
    let http = client();
    let mut secrets = vec![admin_pw.to_string()];
    let post = |path: &str, token: Option<&str>, body: Value| {
        let mut rb = http.post(server.url(path)).json(&body);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        rb.send()
    };
    let r = post(
        "/login",
        None,
        json!({"email": "root@example.com", "password": admin_pw}),
    );
    let body: Value = r.await.unwrap().json().await.unwrap();
    let admin = body["access_token"].as_str().unwrap().to_string();
    secrets.push(admin.clone());
    let form = http
        .post(server.url("/token"))
        .form(&[("username", "root@example.com"), ("password", admin_pw)])
        .send()
        .await
        .unwrap();
    let body: Value = form.json().await.unwrap();
    secrets.push(body["access_token"].as_str().unwrap().to_string());
    for (email, pw) in [
        ("root@example.com", "wrong guess 98765"),
        ("nobody@example.com", "unknown guess 24680"),
    ] {
        secrets.push(pw.to_string());
        let r = post("/login", None, json!({"email": email, "password": pw}));
        assert_eq!(r.await.unwrap().status(), 401);
    }
    secrets.push("carol first secret".into());
    let r = post(
        "/api/v1/admin/users/",
        Some(&admin),
        json!({"username": "carol", "email": "carol@example.com",
               "password": "carol first secret", "role": "Helpdesk Agent"}),
    );
    let carol: Value = r.await.unwrap().json().await.unwrap();
    secrets.push("dave signup secret".into());
    let r = post(
        "/signup",
        None,
        json!({"username": "dave", "email": "dave@example.com", "password": "dave signup secret"}),
    );
    let body: Value = r.await.unwrap().json().await.unwrap();
    let dave = body["access_token"].as_str().unwrap().to_string();
    secrets.push(dave.clone());
    secrets.push("dave second secret".into());
    let r = http
        .put(server.url("/users/me/password"))
        .bearer_auth(&dave)
        .json(&json!({"current_password": "dave signup secret",
                      "new_password": "dave second secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    secrets.push("carol reset secret".into());
    let r = http
        .put(server.url(&format!("/api/v1/admin/users/{}", carol["id"])))
        .bearer_auth(&admin)
        .json(&json!({"password": "carol reset secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A token in the query string is refused, and must not be logged with the URI either;
    // nor the device token a login hands out.
    let r = http
        .get(server.url(&format!("/users/me?access_token={admin}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = post(
        "/login",
        None,
        json!({"email": "root@example.com", "password": admin_pw}),
    )
    .await
    .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    let device = cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap();
    secrets.push(device.clone());
    let r = http
        .post(server.url("/login"))
        .header("cookie", format!("tms_device={device}"))
        .json(&json!({"email": "root@example.com", "password": "wrong with device"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let forged = "f".repeat(64);
    secrets.push(forged.clone());
    for t in [&admin, &forged] {
        http.get(server.url("/api/v1/tickets/?q=printer"))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
    }
    assert_eq!(
        post("/logout", Some(&dave), json!({}))
            .await
            .unwrap()
            .status(),
        204
    );

    let out = server.output();
    assert!(out.contains("DEBUG"), "debug logging is on: {out}");
    for secret in &secrets {
        for form in [
            secret.clone(),
            secret.replace(' ', "+"),
            secret.replace(' ', "%20"),
        ] {
            assert!(!out.contains(&form), "{form:?} appears in the log:\n{out}");
        }
    }
}
