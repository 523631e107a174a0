//! Health, OpenAPI, unknown routes, trailing slashes and the error format shared by all routes.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn health_on_root_and_healthz() {
    let s = start().await;
    for path in ["/", "/healthz", "/healthz/"] {
        let b = s.get(ANON, path).await.expect(200).clone();
        assert_eq!(b["status"], "ok", "{path}");
        assert_eq!(b["version"], env!("CARGO_PKG_VERSION"));
    }
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let s = start().await;
    let doc = s.get(ANON, "/openapi.json").await.expect(200).clone();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    let documented = |p: &str| {
        paths.contains_key(p)
            || paths.contains_key(p.trim_end_matches('/'))
            || paths.contains_key(&format!("{p}/"))
    };
    for (path, methods) in [
        ("/healthz", &["get"][..]),
        ("/login", &["post"]),
        ("/signup", &["post"]),
        ("/logout", &["post"]),
        ("/users/me", &["get"]),
        ("/users/me/password", &["put"]),
        ("/api/v1/admin/users/", &["get", "post"]),
        ("/api/v1/admin/users/{id}", &["get", "put", "delete"]),
        ("/api/v1/tickets/", &["get", "post"]),
        ("/api/v1/tickets/agent/{agent_id}/", &["get"]),
        ("/api/v1/tickets/{id}", &["get", "put", "delete"]),
        ("/api/v1/comments/", &["post"]),
        ("/api/v1/comments/{id}", &["put", "delete"]),
        ("/api/v1/logs/", &["get", "delete"]),
        ("/api/v1/logs/{user_id}", &["get", "delete"]),
        ("/api/v1/users/", &["get"]),
        ("/api/v1/tickets/{id}/history", &["get"]),
    ] {
        assert!(documented(path), "{path} missing from OpenAPI");
        let item = paths
            .get(path)
            .or_else(|| paths.get(path.trim_end_matches('/')))
            .or_else(|| paths.get(&format!("{path}/")))
            .unwrap();
        for m in methods {
            assert!(item.get(*m).is_some(), "{m} {path} missing from OpenAPI");
        }
    }
    // What the HTTP layer can answer on any route is documented on every operation; so is 401
    // on every authenticated one and 413 wherever a body is read.
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let codes = op["responses"].as_object().unwrap();
            for code in ["400", "408", "414", "431"] {
                assert!(codes.contains_key(code), "{method} {path} lacks {code}");
            }
            let login_required = op["security"]
                .as_array()
                .is_some_and(|alts| alts.iter().all(|a| a.get("bearer").is_some()));
            if login_required {
                assert!(codes.contains_key("401"), "{method} {path} lacks 401");
            }
            if op.get("requestBody").is_some() {
                assert!(codes.contains_key("413"), "{method} {path} lacks 413");
            }
        }
    }
}

#[tokio::test]
async fn unknown_route_is_json_404_and_wrong_method_json_405() {
    let s = start().await;
    let r = s.get(s.admin.t(), "/api/v1/nothing-here").await;
    r.expect_detail(404);
    let r = s.call(Method::PATCH, s.admin.t(), "/logout", None).await;
    r.expect_detail(405);
}

/// Every route answers with and without the trailing slash.
#[tokio::test]
async fn trailing_slash_is_optional_everywhere() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "slashes").await;
    let c = s.comment(s.alice.t(), t, "a comment").await;
    let admin = s.admin.t();
    let cases: Vec<(Method, String, Option<serde_json::Value>, u16)> = vec![
        (Method::GET, "/healthz".into(), None, 200),
        (Method::GET, "/users/me".into(), None, 200),
        (Method::GET, "/api/v1/admin/users".into(), None, 200),
        (
            Method::GET,
            format!("/api/v1/admin/users/{}", s.bob.id),
            None,
            200,
        ),
        (
            Method::PUT,
            format!("/api/v1/admin/users/{}", s.bob.id),
            Some(json!({})),
            200,
        ),
        (Method::GET, "/api/v1/tickets".into(), None, 200),
        (
            Method::GET,
            format!("/api/v1/tickets/agent/{}", s.agent.id),
            None,
            200,
        ),
        (Method::GET, format!("/api/v1/tickets/{t}"), None, 200),
        (
            Method::PUT,
            format!("/api/v1/tickets/{t}"),
            Some(json!({})),
            200,
        ),
        (
            Method::PATCH,
            format!("/api/v1/tickets/{t}"),
            Some(json!({})),
            200,
        ),
        (
            Method::PUT,
            format!("/api/v1/comments/{c}"),
            Some(json!({"description": "a comment"})),
            200,
        ),
        (Method::GET, "/api/v1/logs".into(), None, 200),
        (Method::GET, format!("/api/v1/logs/{}", s.bob.id), None, 200),
        (Method::GET, "/openapi.json".into(), None, 200),
    ];
    for (method, path, body, status) in cases {
        for p in [path.clone(), format!("{path}/")] {
            let r = s.call(method.clone(), admin, &p, body.clone()).await;
            assert_eq!(r.status, status, "{method} {p}: {}", r.text);
        }
    }
    // Writes, with and without the slash.
    for p in ["/api/v1/tickets", "/api/v1/tickets/"] {
        s.post(admin, p, json!({"title": "x", "description": "y"}))
            .await
            .expect(201);
    }
    for p in ["/api/v1/comments", "/api/v1/comments/"] {
        s.post(admin, p, json!({"ticket_id": t, "description": "y"}))
            .await
            .expect(201);
    }
    for (i, p) in ["/api/v1/admin/users", "/api/v1/admin/users/"]
        .iter()
        .enumerate()
    {
        s.post(
            admin,
            p,
            json!({"username": format!("slash{i}"), "email": format!("slash{i}@example.com"),
                   "password": PW, "role": "Requester"}),
        )
        .await
        .expect(201);
    }
    for (i, p) in ["/signup", "/signup/"].iter().enumerate() {
        s.post(
            ANON,
            p,
            json!({"username": format!("sign{i}"), "email": format!("sign{i}@example.com"),
                   "password": PW}),
        )
        .await
        .expect(201);
    }
    for p in ["/login", "/login/", "/token", "/token/"] {
        s.post(ANON, p, json!({"email": s.bob.email, "password": PW}))
            .await
            .expect(200);
    }
    for p in ["/users/me/password", "/users/me/password/"] {
        let bob = s.relogin(&s.bob).await;
        s.put(
            bob.t(),
            p,
            json!({"current_password": PW, "new_password": PW}),
        )
        .await
        .expect(204);
    }
    let c2 = s.comment(admin, t, "another").await;
    s.delete(admin, &format!("/api/v1/comments/{c}/"))
        .await
        .expect(200);
    s.delete(admin, &format!("/api/v1/comments/{c2}"))
        .await
        .expect(200);
    let t2 = s.ticket(admin, "second").await;
    s.delete(admin, &format!("/api/v1/tickets/{t}/"))
        .await
        .expect(200);
    s.delete(admin, &format!("/api/v1/tickets/{t2}"))
        .await
        .expect(200);
    s.delete(admin, &format!("/api/v1/admin/users/{}/", s.bob.id))
        .await
        .expect(200);
    s.delete(admin, &format!("/api/v1/admin/users/{}", s.alice.id))
        .await
        .expect(200);
    s.delete(admin, &format!("/api/v1/logs/{}/", s.bob.id))
        .await
        .expect(200);
    s.delete(admin, &format!("/api/v1/logs/{}", s.bob.id))
        .await
        .expect(200);
    s.delete(admin, "/api/v1/logs/").await.expect(200);
    s.delete(admin, "/api/v1/logs").await.expect(200);
    let other = s.relogin(&s.agent).await;
    s.post(other.t(), "/logout/", json!({})).await.expect(204);
    s.post(s.agent.t(), "/logout", json!({})).await.expect(204);
}

/// Every authenticated route: no token, a garbage token and a wrong scheme are 401 with
/// `WWW-Authenticate: Bearer` and a JSON detail.
#[tokio::test]
async fn every_protected_route_wants_a_bearer_token() {
    let s = start().await;
    let routes = [
        (Method::POST, "/logout"),
        (Method::GET, "/users/me"),
        (Method::PUT, "/users/me/password"),
        (Method::GET, "/api/v1/admin/users/"),
        (Method::POST, "/api/v1/admin/users/"),
        (Method::GET, "/api/v1/admin/users/1"),
        (Method::PUT, "/api/v1/admin/users/1"),
        (Method::DELETE, "/api/v1/admin/users/1"),
        (Method::GET, "/api/v1/tickets/"),
        (Method::POST, "/api/v1/tickets/"),
        (Method::GET, "/api/v1/tickets/agent/2/"),
        (Method::GET, "/api/v1/tickets/1"),
        (Method::PUT, "/api/v1/tickets/1"),
        (Method::PATCH, "/api/v1/tickets/1"),
        (Method::DELETE, "/api/v1/tickets/1"),
        (Method::POST, "/api/v1/comments/"),
        (Method::PUT, "/api/v1/comments/1"),
        (Method::DELETE, "/api/v1/comments/1"),
        (Method::GET, "/api/v1/logs/"),
        (Method::GET, "/api/v1/logs/1"),
        (Method::DELETE, "/api/v1/logs/"),
        (Method::DELETE, "/api/v1/logs/1"),
    ];
    let before = s.snapshot().await;
    for (method, path) in routes {
        let variants: [Option<String>; 4] = [
            None,
            Some("Bearer not-a-real-token".into()),
            Some(format!("Basic {}", s.admin.token)),
            Some("Bearer ".into()),
        ];
        for auth in variants {
            let mut rb = s.http.request(method.clone(), s.url(path)).json(&json!({}));
            if let Some(a) = &auth {
                rb = rb.header("authorization", a);
            }
            let r = s.send(rb).await;
            r.expect_detail(401);
            assert_eq!(
                r.header("www-authenticate"),
                Some("Bearer"),
                "{method} {path} with {auth:?}"
            );
        }
    }
    assert_eq!(
        s.snapshot().await,
        before,
        "refused requests changed nothing"
    );
}

/// A body over 1 MiB is a JSON 413 on every route that reads one.
#[tokio::test]
async fn oversized_bodies_are_413() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "big").await;
    let c = s.comment(s.alice.t(), t, "small").await;
    let huge = format!("{{\"description\": \"{}\"}}", "x".repeat(1024 * 1024 + 10));
    let before = s.snapshot().await;
    let admin = s.admin.t();
    for (method, path, token) in [
        (Method::POST, "/login".to_string(), ANON),
        (Method::POST, "/token".to_string(), ANON),
        (Method::POST, "/signup".to_string(), ANON),
        (Method::PUT, "/users/me/password".to_string(), admin),
        (Method::POST, "/api/v1/admin/users/".to_string(), admin),
        (
            Method::PUT,
            format!("/api/v1/admin/users/{}", s.bob.id),
            admin,
        ),
        (Method::POST, "/api/v1/tickets/".to_string(), admin),
        (Method::PUT, format!("/api/v1/tickets/{t}"), admin),
        (Method::PATCH, format!("/api/v1/tickets/{t}"), admin),
        (Method::POST, "/api/v1/comments/".to_string(), admin),
        (Method::PUT, format!("/api/v1/comments/{c}"), admin),
    ] {
        let r = s
            .raw(
                method.clone(),
                token,
                &path,
                "application/json",
                huge.clone(),
            )
            .await;
        assert_eq!(r.status, 413, "{method} {path}: {}", r.text);
        assert_json_error(&r.body);
    }
    let r = s
        .raw(
            Method::POST,
            ANON,
            "/login",
            "application/x-www-form-urlencoded",
            format!(
                "username=a%40b.io&password={}",
                "x".repeat(1024 * 1024 + 10)
            ),
        )
        .await;
    assert_eq!(r.status, 413, "form login: {}", r.text);
    assert_json_error(&r.body);
    assert_eq!(s.snapshot().await, before);
}

/// Malformed JSON is a 400, a body of the wrong shape a 422, on every route that reads one.
#[tokio::test]
async fn malformed_and_misshapen_bodies() {
    let s = start().await;
    let t = s.ticket(s.alice.t(), "shapes").await;
    let c = s.comment(s.alice.t(), t, "small").await;
    let before = s.snapshot().await;
    let admin = s.admin.t();
    for (method, path, token) in [
        (Method::POST, "/login".to_string(), ANON),
        (Method::POST, "/signup".to_string(), ANON),
        (Method::PUT, "/users/me/password".to_string(), admin),
        (Method::POST, "/api/v1/admin/users/".to_string(), admin),
        (
            Method::PUT,
            format!("/api/v1/admin/users/{}", s.bob.id),
            admin,
        ),
        (Method::POST, "/api/v1/tickets/".to_string(), admin),
        (Method::PUT, format!("/api/v1/tickets/{t}"), admin),
        (Method::PATCH, format!("/api/v1/tickets/{t}"), admin),
        (Method::POST, "/api/v1/comments/".to_string(), admin),
        (Method::PUT, format!("/api/v1/comments/{c}"), admin),
    ] {
        for bad in ["{", "{\"title\": ", "not json", "{\"a\":1,}"] {
            let r = s
                .raw(method.clone(), token, &path, "application/json", bad)
                .await;
            assert_eq!(r.status, 400, "{method} {path} {bad:?}: {}", r.text);
            assert_json_error(&r.body);
        }
        for wrong in ["[]", "42", "\"text\"", "null"] {
            let r = s
                .raw(method.clone(), token, &path, "application/json", wrong)
                .await;
            assert_eq!(r.status, 422, "{method} {path} {wrong:?}: {}", r.text);
            assert_validation_error(&r.body);
        }
        let r = s
            .raw(method.clone(), token, &path, "text/plain", "{}")
            .await;
        assert_eq!(r.status, 400, "{method} {path} text/plain: {}", r.text);
        assert_json_error(&r.body);
    }
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn path_ids_that_are_not_integers_are_422_and_absent_ones_404() {
    let s = start().await;
    let admin = s.admin.t();
    for path in [
        "/api/v1/tickets/abc",
        "/api/v1/tickets/1.5",
        "/api/v1/tickets/99999999999999999999999",
        "/api/v1/admin/users/x",
        "/api/v1/logs/x",
        "/api/v1/tickets/agent/x/",
    ] {
        let locs = s.get(admin, path).await.expect_422();
        assert_eq!(locs[0][0], "path", "{path}");
    }
    for path in [
        "/api/v1/tickets/0",
        "/api/v1/tickets/-1",
        "/api/v1/tickets/9223372036854775807",
        "/api/v1/admin/users/-5",
        "/api/v1/admin/users/9223372036854775807",
    ] {
        s.get(admin, path).await.expect_detail(404);
    }
    s.delete(admin, "/api/v1/comments/-3")
        .await
        .expect_detail(404);
    s.put(admin, "/api/v1/comments/777", json!({"description": "x"}))
        .await
        .expect_detail(404);
}
