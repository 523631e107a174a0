//! Transport and input limits: request timeout, header and query size limits, CORS, the
//! security headers on every reply, and hostile bodies (invalid UTF-8, 10 MB fields, SQL and
//! full-text syntax) that must get a 4xx and change nothing.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::api::*;

/// Writes `head` (and nothing more) on a raw connection and returns everything the server
/// sends back before closing, or within `wait`.
async fn raw_exchange(s: &Srv, head: &str, wait: Duration) -> String {
    let addr = s.base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let _ = tokio::time::timeout(wait, conn.read_to_end(&mut got)).await;
    String::from_utf8_lossy(&got).into_owned()
}

#[track_caller]
fn assert_security_headers(what: &str, headers: &reqwest::header::HeaderMap) {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert_eq!(h("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(h("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(h("cache-control"), "no-store", "{what}");
    assert_eq!(h("x-frame-options"), "DENY", "{what}");
    assert_eq!(
        h("content-security-policy"),
        "default-src 'none'; frame-ancestors 'none'",
        "{what}"
    );
}

/// A request whose body never finishes is answered 408 (JSON, with the security headers)
/// once the request timeout passes, and writes nothing.
#[tokio::test]
async fn a_stalled_request_gets_a_json_408() {
    let s = start_with(|c| c.request_timeout = Duration::from_millis(500)).await;
    let before = s.snapshot().await;
    let head = format!(
        "POST /api/v1/tickets/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\nConnection: close\r\n\r\n\
         {{\"title\": \"never",
        s.alice.token
    );
    let reply = raw_exchange(&s, &head, Duration::from_secs(20)).await;
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    let lower = reply.to_lowercase();
    assert!(lower.contains("x-content-type-options: nosniff"), "{reply}");
    assert!(lower.contains("content-type: application/json"), "{reply}");
    let body = reply.split("\r\n\r\n").nth(1).unwrap_or("");
    let body: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON: {reply}"));
    assert_json_error(&body);
    assert_eq!(s.snapshot().await, before);
}

/// A client that sends its headers a trickle at a time (slowloris) is cut off once the
/// request timeout passes, instead of holding the connection forever.
#[tokio::test]
async fn headers_that_never_finish_are_cut_off() {
    let s = start_with(|c| c.request_timeout = Duration::from_millis(500)).await;
    let addr = s.base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let mut got = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        // Keep trickling, as slowloris does, until the server hangs up.
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if conn.write_all(b"a").await.is_err() {
                break;
            }
            let mut buf = [0u8; 1024];
            match tokio::time::timeout(Duration::from_millis(1), conn.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => break,
                Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
                Err(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the connection was still open after 20 s");
    let reply = String::from_utf8_lossy(&got);
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 408"),
        "{reply}"
    );
    // The server still serves others.
    s.get(ANON, "/healthz").await.expect(200);
}

/// Oversized query strings and headers are refused with a JSON 4xx; the server lives on.
#[tokio::test]
async fn oversized_queries_and_headers_are_refused() {
    let s = start().await;
    let a = s.admin.t();
    let r = s
        .get(a, &format!("/api/v1/tickets/?q={}", "a".repeat(16 * 1024)))
        .await;
    r.expect_detail(414);
    assert_security_headers("414", &r.headers);
    // Far beyond any limit: refused one way or another, never served.
    let r = s
        .http
        .get(s.url(&format!("/api/v1/tickets/?q={}", "a".repeat(200 * 1024))))
        .bearer_auth(a)
        .send()
        .await;
    if let Ok(r) = r {
        assert!(r.status().is_client_error(), "{}", r.status());
    }

    let r = s
        .send(
            s.request(Method::GET, a, "/users/me")
                .header("x-padding", "p".repeat(32 * 1024)),
        )
        .await;
    r.expect_detail(431);
    assert_security_headers("431", &r.headers);
    let mut rb = s.request(Method::GET, a, "/users/me");
    for i in 0..200 {
        rb = rb.header(format!("x-pad-{i}"), "p");
    }
    if let Ok(r) = rb.send().await {
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    let r = s
        .http
        .get(s.url("/users/me"))
        .bearer_auth(a)
        .header("x-padding", "p".repeat(2 * 1024 * 1024))
        .send()
        .await;
    if let Ok(r) = r {
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    // Ordinary requests are still served.
    s.get(a, "/users/me").await.expect(200);
    s.get(a, &format!("/api/v1/tickets/?q={}", "a".repeat(150)))
        .await
        .expect(200);
}

/// Without configuration no origin is allowed; with an allow-list only its origins are.
#[tokio::test]
async fn cors_is_off_by_default_and_an_allow_list_when_configured() {
    let preflight = |s: &Srv, origin: &str| {
        s.http
            .request(Method::OPTIONS, s.url("/api/v1/tickets/"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let simple = |s: &Srv, origin: &str| {
        s.http
            .get(s.url("/healthz"))
            .header("origin", origin)
            .send()
    };
    let allow = |r: &reqwest::Response| {
        r.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_string())
    };
    let off = start().await;
    for origin in ["https://evil.example", "null", "http://localhost:3000"] {
        assert_eq!(allow(&preflight(&off, origin).await.unwrap()), None);
        assert_eq!(allow(&simple(&off, origin).await.unwrap()), None);
    }

    let good = "https://helpdesk.example.com";
    // Configured as people write it, with a trailing slash and capitals: browsers send
    // neither, and it must still match.
    let on =
        start_with(|c| c.cors_origins = vec!["https://Helpdesk.example.com/".to_string()]).await;
    let r = preflight(&on, good).await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(allow(&r).as_deref(), Some(good));
    let methods = r.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(methods.contains("POST"), "{methods}");
    assert!(
        r.headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    assert_security_headers("preflight", r.headers());
    assert_eq!(
        allow(&simple(&on, good).await.unwrap()).as_deref(),
        Some(good)
    );
    for origin in [
        "https://evil.example",
        "https://helpdesk.example.com.evil.example",
        "null",
    ] {
        assert_eq!(
            allow(&preflight(&on, origin).await.unwrap()),
            None,
            "{origin}"
        );
        assert_eq!(allow(&simple(&on, origin).await.unwrap()), None, "{origin}");
    }
}

/// `--cors-origin` values that are not origins, or that would allow every origin, stop the
/// server at start with a clear message, before it says it listens.
#[test]
fn bad_cors_origins_are_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    for (bad, says) in [
        ("*", "would let any web page call the API"),
        ("helpdesk.example.com", "is not an origin"),
        ("https://helpdesk.example.com/app", "is not an origin"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tms-server"))
            .args(["serve", "--bind", "127.0.0.1:0", "--db"])
            .arg(dir.path().join("tms.db"))
            .args(["--cors-origin", bad])
            .env_remove("TMS_CORS_ORIGINS")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{bad}: {stdout}");
        assert!(!stdout.contains("listening"), "{bad}: {stdout}");
        assert!(stderr.contains(says), "{bad}: {stderr}");
        assert!(!stderr.contains("panicked"), "{bad}: {stderr}");
    }
}

/// Every kind of reply, success or error, carries the security headers.
#[tokio::test]
async fn security_headers_on_every_reply() {
    let s = start_with(|c| c.login_max_per_account = 1).await;
    let t = s.ticket(s.alice.t(), "mine").await;
    let a = s.admin.t();
    let mut replies: Vec<(String, Resp)> = vec![
        ("200 health".into(), s.get(ANON, "/healthz").await),
        ("200 openapi".into(), s.get(ANON, "/openapi.json").await),
        ("200 list".into(), s.get(a, "/api/v1/tickets/").await),
        ("401".into(), s.get(ANON, "/users/me").await),
        ("403".into(), s.get(s.alice.t(), "/api/v1/logs/").await),
        (
            "404 hidden".into(),
            s.get(s.bob.t(), &format!("/api/v1/tickets/{t}")).await,
        ),
        ("404 route".into(), s.get(ANON, "/nothing/here").await),
        (
            "405".into(),
            s.call(Method::PATCH, a, "/logout", None).await,
        ),
        (
            "400".into(),
            s.raw(Method::POST, a, "/api/v1/tickets/", "application/json", "{")
                .await,
        ),
        ("422".into(), s.post(a, "/api/v1/tickets/", json!({})).await),
        (
            "413".into(),
            s.raw(
                Method::POST,
                a,
                "/api/v1/tickets/",
                "application/json",
                "x".repeat(2 << 20),
            )
            .await,
        ),
        (
            "201".into(),
            s.post(
                a,
                "/api/v1/tickets/",
                json!({"title": "t", "description": "d"}),
            )
            .await,
        ),
    ];
    s.login("bob@example.com", "wrong password").await;
    replies.push((
        "429".into(),
        s.login("bob@example.com", "wrong password").await,
    ));
    replies.push((
        "204".into(),
        s.post(s.agent.t(), "/logout", json!({})).await,
    ));
    let statuses: Vec<u16> = replies.iter().map(|(_, r)| r.status).collect();
    assert_eq!(
        statuses,
        [
            200, 200, 200, 401, 403, 404, 404, 405, 400, 422, 413, 201, 429, 204
        ]
    );
    for (what, r) in &replies {
        assert_security_headers(what, &r.headers);
    }
}

/// Bodies that are not valid UTF-8, fields of 10 MB, and SQL or full-text syntax in text
/// and filters: a 4xx (or, for text that is merely odd, a literal match), never a 5xx, and
/// nothing stored.
#[tokio::test]
async fn hostile_bodies_and_filters_change_nothing() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "target").await;
    let a = s.admin.t();
    let before = s.snapshot().await;
    let mut invalid_utf8 = b"{\"title\": \"bad \xff\xfe bytes\", \"description\": \"x\"}".to_vec();
    let ten_mb = format!(
        "{{\"title\": \"big\", \"description\": \"{}\"}}",
        "x".repeat(10 * 1024 * 1024)
    );
    let targets = [
        (Method::POST, "/api/v1/tickets/".to_string()),
        (Method::PATCH, format!("/api/v1/tickets/{t}")),
        (Method::POST, "/api/v1/comments/".to_string()),
        (Method::POST, "/signup".to_string()),
        (Method::POST, "/login".to_string()),
        (Method::POST, "/api/v1/admin/users/".to_string()),
    ];
    for (method, path) in &targets {
        for body in [invalid_utf8.clone(), ten_mb.clone().into_bytes()] {
            let r = s
                .raw(method.clone(), a, path, "application/json", body.clone())
                .await;
            assert!(
                (400..500).contains(&r.status),
                "{method} {path}: {} {}",
                r.status,
                r.text.chars().take(200).collect::<String>()
            );
            assert!(r.body["detail"].is_string() || r.body["detail"].is_array());
        }
    }
    for path in [
        "/api/v1/tickets/%FF",
        "/api/v1/tickets/%C0%AF",
        "/api/v1/admin/users/%FF",
    ] {
        let r = s.get(a, path).await;
        assert!((400..500).contains(&r.status), "{path}: {}", r.text);
    }
    for q in [
        "' OR 1=1 --",
        "\"; DROP TABLE tickets; --",
        "\"",
        "*",
        "NEAR(",
        "title:",
        "a AND",
        "OR",
        "^",
        "(",
        "{title}: x",
        "a\" OR \"b",
        "-",
        "\u{0}",
    ] {
        let r = s
            .send(
                s.request(Method::GET, a, "/api/v1/tickets/")
                    .query(&[("q", q)]),
            )
            .await;
        assert!(
            r.status == 200 || (400..500).contains(&r.status),
            "q={q:?}: {} {}",
            r.status,
            r.text
        );
    }
    assert_eq!(s.snapshot().await, before);
    // A form login with a password that is not UTF-8 is a failed login (and logged as one).
    invalid_utf8 = b"username=alice%40example.com&password=\xff\xfe".to_vec();
    let r = s
        .raw(
            Method::POST,
            ANON,
            "/login",
            "application/x-www-form-urlencoded",
            invalid_utf8,
        )
        .await;
    assert!((400..500).contains(&r.status), "form: {}", r.text);
    // SQL in text is just text.
    let sql = "'); DROP TABLE tickets; --";
    let id = s
        .ticket_with(a, json!({"title": sql, "description": sql}))
        .await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(s.ticket_detail(id).await["title"], sql);
    s.get(a, "/api/v1/tickets/").await.expect(200);
}
