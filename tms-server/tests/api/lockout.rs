//! Login slowing that an attacker cannot turn against a legitimate user: device tokens
//! (a client that logged in before keeps logging in while guesses at its account are slowed),
//! per-address limits keyed by the real client behind trusted proxies only, and signups slowed
//! per address.

use serde_json::{Value, json};

use crate::helpers::*;

/// Logs in with an optional device cookie; returns the reply and the device token it set.
async fn login_with(
    s: &Srv,
    email: &str,
    password: &str,
    device: Option<&str>,
    forwarded_for: Option<&str>,
) -> (Resp, Option<String>) {
    let mut rb = s
        .http
        .post(s.url("/login"))
        .json(&json!({"email": email, "password": password}));
    if let Some(d) = device {
        rb = rb.header("cookie", format!("theme=dark; tms_device={d}"));
    }
    if let Some(f) = forwarded_for {
        rb = rb.header("x-forwarded-for", f);
    }
    let r = s.send(rb).await;
    let token = r.header("set-cookie").map(|c| {
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict"),
            "{c}"
        );
        c.split(';')
            .next()
            .and_then(|kv| kv.strip_prefix("tms_device="))
            .unwrap()
            .to_string()
    });
    (r, token)
}

/// Guesses at the admin's password from anywhere lock out the guessers, not the admin whose
/// client presents the device token of an earlier login.
#[tokio::test]
async fn guessing_an_account_does_not_lock_out_its_known_devices() {
    let s = start_with(|c| {
        c.login_max_per_account = 5;
        c.login_max_per_address = 1000;
    })
    .await;
    let (r, device) = login_with(&s, "admin@example.com", PW, None, None).await;
    r.expect(200);
    let device = device.expect("a successful login sets the device cookie");
    for i in 0..5 {
        let (r, set) = login_with(&s, "admin@example.com", &format!("guess {i}"), None, None).await;
        r.expect_detail(401);
        assert!(set.is_none(), "no device token for a failed login");
    }
    // Anyone without the token is slowed, even with the right password…
    login_with(&s, "admin@example.com", PW, None, None)
        .await
        .0
        .expect_detail(429);
    // …but the admin's own client is not.
    let (r, renewed) = login_with(&s, "admin@example.com", PW, Some(&device), None).await;
    r.expect(200);
    assert!(renewed.is_some());

    // A device token is the account's own: it does not help on another account, and a
    // forged one counts for nothing.
    for _ in 0..5 {
        login_with(&s, "alice@example.com", "guess", None, None).await;
    }
    login_with(&s, "alice@example.com", PW, Some(&device), None)
        .await
        .0
        .expect_detail(429);
    let flipped = if device.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{flipped}", &device[..device.len() - 1]);
    login_with(&s, "admin@example.com", PW, Some(&forged), None)
        .await
        .0
        .expect_detail(429);
}

/// Guesses sent with a device token are slowed per device: a stolen token buys five tries,
/// and other devices of the account are not affected.
#[tokio::test]
async fn a_device_is_slowed_on_its_own() {
    let s = start_with(|c| c.login_max_per_account = 5).await;
    let (_, laptop) = login_with(&s, "alice@example.com", PW, None, None).await;
    let (_, phone) = login_with(&s, "alice@example.com", PW, None, None).await;
    let (laptop, phone) = (laptop.unwrap(), phone.unwrap());
    assert_ne!(laptop, phone);
    for i in 0..5 {
        login_with(
            &s,
            "alice@example.com",
            &format!("guess {i}"),
            Some(&laptop),
            None,
        )
        .await
        .0
        .expect_detail(401);
    }
    login_with(&s, "alice@example.com", PW, Some(&laptop), None)
        .await
        .0
        .expect_detail(429);
    login_with(&s, "alice@example.com", PW, Some(&phone), None)
        .await
        .0
        .expect(200);
    // Failures with a device token do not count against the account for others.
    login_with(&s, "alice@example.com", PW, None, None)
        .await
        .0
        .expect(200);
}

/// Without `--trusted-proxy`, `X-Forwarded-For` is the client's own claim: it cannot be used
/// to dodge the per-address limit.
#[tokio::test]
async fn forwarded_for_is_ignored_from_untrusted_peers() {
    let s = start_with(|c| {
        c.login_max_per_account = 1000;
        c.login_max_per_address = 3;
    })
    .await;
    for i in 0..3 {
        let from = format!("203.0.113.{i}");
        login_with(&s, &format!("u{i}@example.com"), "wrong", None, Some(&from))
            .await
            .0
            .expect_detail(401);
    }
    login_with(&s, "alice@example.com", PW, None, Some("198.51.100.7"))
        .await
        .0
        .expect_detail(429);
}

/// Behind a trusted reverse proxy, each client is slowed by its own address: one client's
/// failures do not lock out everyone behind the proxy, and IPv6 clients count per /64.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_slowed_alone() {
    let s = start_with(|c| {
        c.login_max_per_account = 1000;
        c.login_max_per_address = 3;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    for i in 0..3 {
        login_with(
            &s,
            &format!("u{i}@example.com"),
            "wrong",
            None,
            Some("203.0.113.9"),
        )
        .await
        .0
        .expect_detail(401);
    }
    login_with(&s, "alice@example.com", PW, None, Some("203.0.113.9"))
        .await
        .0
        .expect_detail(429);
    login_with(&s, "alice@example.com", PW, None, Some("203.0.113.10"))
        .await
        .0
        .expect(200);
    // A client cannot pass itself off as another by prepending addresses: the proxy appends
    // the real one, which is what counts.
    login_with(
        &s,
        "alice@example.com",
        PW,
        None,
        Some("203.0.113.11, 203.0.113.9"),
    )
    .await
    .0
    .expect_detail(429);
    for i in 0..3 {
        let from = format!("2001:db8:5:6::{i}");
        login_with(&s, &format!("v{i}@example.com"), "wrong", None, Some(&from)).await;
    }
    login_with(
        &s,
        "bob@example.com",
        PW,
        None,
        Some("2001:db8:5:6:ffff::1"),
    )
    .await
    .0
    .expect_detail(429);
    login_with(&s, "bob@example.com", PW, None, Some("2001:db8:5:7::1"))
        .await
        .0
        .expect(200);
}

/// Public signups are slowed per address, taken emails included (a 409 tells that an
/// account exists); a SysAdmin creating accounts is not.
#[tokio::test]
async fn signups_are_slowed_per_address() {
    let s = start_with(|c| c.signup_max_per_address = 3).await;
    let signup = |name: &str| json!({"username": name, "email": format!("{name}@example.com"), "password": PW});
    s.post(ANON, "/signup", signup("carol")).await.expect(201);
    s.post(ANON, "/signup", signup("alice"))
        .await
        .expect_detail(409);
    s.post(ANON, "/signup", signup("dave")).await.expect(201);
    let r = s.post(ANON, "/signup", signup("erin")).await;
    r.expect_detail(429);
    assert!(r.header("retry-after").is_some());
    let created: Value = s
        .post(s.admin.t(), "/signup", signup("frank"))
        .await
        .expect(201)
        .clone();
    assert_eq!(created["user"]["username"], "frank");
    s.login("erin@example.com", PW).await.expect_detail(401);
}
