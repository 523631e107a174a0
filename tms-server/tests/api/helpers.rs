//! The harness: a real server on `127.0.0.1:0` over a fresh temporary database, one user of
//! each role (plus a second agent and a second requester), logged in, and a small HTTP client
//! that returns status, headers and JSON body together.

use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};
use tempfile::TempDir;
use tms_core::Role;
use tms_server::{AppState, Config};

/// The password of every user the harness creates.
pub const PW: &str = "correct horse battery";
/// No `Authorization` header.
pub const ANON: &str = "";

/// A user the harness created and logged in.
#[derive(Debug, Clone)]
pub struct Who {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub token: String,
}

impl Who {
    pub fn t(&self) -> &str {
        &self.token
    }
}

/// A reply: status, headers and the body parsed as JSON (`Value::Null` when empty).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        &self.body
    }

    /// Asserts a `{"detail": "<sentence>"}` body with this status.
    #[track_caller]
    pub fn expect_detail(&self, status: u16) -> &str {
        self.expect(status);
        assert_json_error(&self.body);
        self.body["detail"].as_str().unwrap()
    }

    /// Asserts a 422 `{"detail":[{loc,msg,type}]}` body; returns the `loc`s.
    #[track_caller]
    pub fn expect_422(&self) -> Vec<Vec<String>> {
        self.expect(422);
        assert_validation_error(&self.body)
    }
}

/// Asserts the wire form of a timestamp in a reply: UTC without an offset, whole seconds
/// (`2026-11-29T06:12:01`), as the web client's `datetime-local` inputs need.
#[track_caller]
pub fn assert_wire_time(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a timestamp: {v}"));
    let shape = s.len() == 19
        && s.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    assert!(shape, "not UTC in whole seconds without an offset: {s}");
}

/// `{"detail": "<non-empty sentence>"}` and nothing else.
#[track_caller]
pub fn assert_json_error(body: &Value) {
    let obj = body.as_object().expect("error body is a JSON object");
    assert_eq!(obj.len(), 1, "error body has only `detail`: {body}");
    let d = obj["detail"].as_str().expect("detail is a string");
    assert!(!d.is_empty());
}

/// `{"detail":[{"loc":[…],"msg":"…","type":"…"}]}`; returns the `loc`s.
#[track_caller]
pub fn assert_validation_error(body: &Value) -> Vec<Vec<String>> {
    let obj = body.as_object().expect("422 body is a JSON object");
    assert_eq!(obj.len(), 1, "422 body has only `detail`: {body}");
    let items = obj["detail"].as_array().expect("detail is a list");
    assert!(!items.is_empty(), "detail lists at least one field");
    items
        .iter()
        .map(|e| {
            let mut keys: Vec<&str> = e.as_object().unwrap().keys().map(|k| k.as_str()).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["loc", "msg", "type"], "field error shape: {e}");
            assert!(!e["msg"].as_str().unwrap().is_empty());
            assert!(!e["type"].as_str().unwrap().is_empty());
            e["loc"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

/// The keys of a JSON object, sorted.
/// The keys of a User object, in order.
pub const USER_KEYS: [&str; 7] = [
    "created_at",
    "email",
    "id",
    "is_active",
    "is_away",
    "role",
    "username",
];

pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort_unstable();
    k
}

pub struct Srv {
    pub base: String,
    pub http: reqwest::Client,
    pub state: AppState,
    pub admin: Who,
    pub agent: Who,
    pub agent2: Who,
    pub alice: Who,
    pub bob: Who,
    _stop: Serving,
    _dir: TempDir,
}

/// The PostgreSQL database to create test databases from (`TMS_TEST_DATABASE_URL`): when it
/// is set, every test server runs on a fresh PostgreSQL database instead of a SQLite file.
pub fn postgres_cluster() -> Option<String> {
    std::env::var("TMS_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A new, empty database in the test cluster.
pub async fn fresh_postgres_database(admin: &str) -> String {
    tms_server::store::postgres::test_database(admin, "tms_test_")
        .await
        .unwrap()
}

/// A server with the default test settings.
pub async fn start() -> Srv {
    start_with(|_| {}).await
}

/// A server whose settings `tweak` may change first (argon2 is always cheap).
pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Srv {
    let dir = tempfile::tempdir().unwrap();
    let mut config = match postgres_cluster() {
        Some(admin) => Config::postgres(fresh_postgres_database(&admin).await),
        None => Config::new(dir.path().join("tms.db")),
    };
    config.argon2_m_kib = 1024;
    config.argon2_t = 1;
    config.readers = 2;
    tweak(&mut config);
    let state = tokio::task::spawn_blocking(move || {
        let state = AppState::open(config).unwrap();
        for (name, role) in [
            ("admin", Role::Admin),
            ("agent", Role::Agent),
            ("agent2", Role::Agent),
            ("alice", Role::Requester),
            ("bob", Role::Requester),
        ] {
            tms_server::service::users::add_from_command_line(
                &state,
                name,
                &format!("{name}@example.com"),
                PW,
                role,
            )
            .unwrap();
        }
        state
    })
    .await
    .unwrap();
    let (base, stop) = serve(state.clone()).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut who = Vec::new();
    for name in ["admin", "agent", "agent2", "alice", "bob"] {
        who.push(login_as(&http, &base, name).await);
    }
    let mut who = who.into_iter();
    let mut next = || who.next().unwrap();
    Srv {
        base,
        http,
        state,
        admin: next(),
        agent: next(),
        agent2: next(),
        alice: next(),
        bob: next(),
        _stop: stop,
        _dir: dir,
    }
}

/// Serves `state` on `127.0.0.1:0` until the returned sender is dropped; returns its base URL.
/// A server being served: stopped when dropped.
pub struct Serving {
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<()>,
}

async fn serve(state: AppState) -> (String, Serving) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(async move {
        let _ = tms_server::serve(listener, state, async {
            let _ = stopped.await;
        })
        .await;
    });
    (format!("http://{addr}"), Serving { stop, served })
}

impl Srv {
    /// Stops serving, as Ctrl-C does; whether the server was done within `wait`.
    pub async fn stopped_within(self, wait: std::time::Duration) -> bool {
        let Serving { stop, served } = self._stop;
        let _ = stop.send(());
        tokio::time::timeout(wait, served).await.is_ok()
    }
}

/// Two servers on one PostgreSQL database (`TMS_TEST_DATABASE_URL`), with the same users
/// and tokens: `None` when no test cluster is configured.
pub async fn start_pair() -> Option<(Srv, Srv)> {
    start_pair_with(|_| {}).await
}

/// [`start_pair`] with both servers' settings changed by `tweak` first.
pub async fn start_pair_with(tweak: impl FnOnce(&mut Config)) -> Option<(Srv, Srv)> {
    postgres_cluster()?;
    let a = start_with(tweak).await;
    let config = a.state.config.as_ref().clone();
    let state = tokio::task::spawn_blocking(move || AppState::open(config).unwrap())
        .await
        .unwrap();
    let (base, stop) = serve(state.clone()).await;
    let b = Srv {
        base,
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        state,
        admin: a.admin.clone(),
        agent: a.agent.clone(),
        agent2: a.agent2.clone(),
        alice: a.alice.clone(),
        bob: a.bob.clone(),
        _stop: stop,
        _dir: tempfile::tempdir().unwrap(),
    };
    Some((a, b))
}

async fn login_as(http: &reqwest::Client, base: &str, name: &str) -> Who {
    let email = format!("{name}@example.com");
    let r = http
        .post(format!("{base}/login"))
        .json(&json!({"email": email, "password": PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "login of {name}");
    let body: Value = r.json().await.unwrap();
    Who {
        id: body["user"]["id"].as_i64().unwrap(),
        username: name.to_string(),
        email,
        token: body["access_token"].as_str().unwrap().to_string(),
    }
}

impl Srv {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a prepared request and collects the reply.
    pub async fn send(&self, rb: reqwest::RequestBuilder) -> Resp {
        let r = rb.send().await.expect("request reaches the server");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("reply {status} is not JSON: {text:?}"))
        };
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub fn request(&self, method: Method, token: &str, path: &str) -> reqwest::RequestBuilder {
        let rb = self.http.request(method, self.url(path));
        if token.is_empty() {
            rb
        } else {
            rb.bearer_auth(token)
        }
    }

    pub async fn call(&self, method: Method, token: &str, path: &str, body: Option<Value>) -> Resp {
        let mut rb = self.request(method, token, path);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        self.send(rb).await
    }

    /// Sends `raw` as the body with the given content type.
    pub async fn raw(
        &self,
        method: Method,
        token: &str,
        path: &str,
        ctype: &str,
        raw: impl Into<reqwest::Body>,
    ) -> Resp {
        let rb = self
            .request(method, token, path)
            .header(CONTENT_TYPE, ctype)
            .body(raw);
        self.send(rb).await
    }

    /// A `PATCH` of ticket `id` sent with `If-Match: tag`.
    pub async fn patch_if(&self, token: &str, id: i64, tag: &str, body: Value) -> Resp {
        let rb = self
            .request(Method::PATCH, token, &format!("/api/v1/tickets/{id}"))
            .header("if-match", tag)
            .json(&body);
        self.send(rb).await
    }

    pub async fn get(&self, token: &str, path: &str) -> Resp {
        self.call(Method::GET, token, path, None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> Resp {
        self.call(Method::POST, token, path, Some(body)).await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> Resp {
        self.call(Method::PUT, token, path, Some(body)).await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> Resp {
        self.call(Method::PATCH, token, path, Some(body)).await
    }

    pub async fn delete(&self, token: &str, path: &str) -> Resp {
        self.call(Method::DELETE, token, path, None).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Resp {
        self.post(
            ANON,
            "/login",
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// Logs in again as `who`: a second, independent session.
    pub async fn relogin(&self, who: &Who) -> Who {
        let body = self.login(&who.email, PW).await.expect(200).clone();
        Who {
            token: body["access_token"].as_str().unwrap().to_string(),
            ..who.clone()
        }
    }

    /// Creates a user of `role` through the admin API and logs them in.
    pub async fn add_user(&self, name: &str, role: Role) -> Who {
        let email = format!("{name}@example.com");
        let r = self
            .post(
                self.admin.t(),
                "/api/v1/admin/users/",
                json!({"username": name, "email": email, "password": PW, "role": role}),
            )
            .await;
        let id = r.expect(201)["id"].as_i64().unwrap();
        let login = self.login(&email, PW).await;
        Who {
            id,
            username: name.to_string(),
            email,
            token: login.expect(200)["access_token"]
                .as_str()
                .unwrap()
                .to_string(),
        }
    }

    /// Files a ticket as `token`; returns its id.
    pub async fn ticket(&self, token: &str, title: &str) -> i64 {
        self.ticket_with(
            token,
            json!({"title": title, "description": format!("about {title}")}),
        )
        .await["id"]
            .as_i64()
            .unwrap()
    }

    /// Files a ticket from a full body; returns the created ticket.
    pub async fn ticket_with(&self, token: &str, body: Value) -> Value {
        self.post(token, "/api/v1/tickets/", body)
            .await
            .expect(201)
            .clone()
    }

    /// Comments on a ticket as `token`; returns the comment id.
    pub async fn comment(&self, token: &str, ticket: i64, text: &str) -> i64 {
        self.post(
            token,
            "/api/v1/comments/",
            json!({"ticket_id": ticket, "description": text}),
        )
        .await
        .expect(201)["id"]
            .as_i64()
            .unwrap()
    }

    pub async fn ticket_detail(&self, id: i64) -> Value {
        self.get(self.admin.t(), &format!("/api/v1/tickets/{id}"))
            .await
            .expect(200)
            .clone()
    }

    /// Literal SQL on the server's database, every value as text.
    pub async fn sql(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        self.state.store.raw_query(sql).await.unwrap()
    }

    /// The activity log, newest first, read straight from the database (reading it through
    /// the API would be a request of its own).
    pub async fn log(&self) -> Vec<LogRow> {
        let rows = self
            .sql(
                "SELECT id, user_id, activity_type, details, ticket_id
                 FROM activity_log ORDER BY id DESC",
            )
            .await;
        rows.into_iter()
            .map(|r| {
                let int = |v: &Option<String>| v.as_deref().map(|s| s.parse::<i64>().unwrap());
                LogRow {
                    id: int(&r[0]).unwrap(),
                    user_id: int(&r[1]).unwrap(),
                    kind: r[2].clone().unwrap(),
                    details: r[3].clone().unwrap(),
                    ticket_id: int(&r[4]),
                }
            })
            .collect()
    }

    /// Entries written since the log held `before` entries, oldest first.
    pub async fn log_since(&self, before: &[LogRow]) -> Vec<LogRow> {
        let last = before.first().map_or(0, |r| r.id);
        let mut new: Vec<LogRow> = self
            .log()
            .await
            .into_iter()
            .filter(|r| r.id > last)
            .collect();
        new.reverse();
        new
    }

    /// Moves ticket `id`'s creation (and last update) `by` into the past, so that dates after
    /// its creation can differ from it by whole seconds, as replies show them.
    pub async fn backdate_ticket(&self, id: i64, by: time::Duration) {
        let us = i64::try_from(by.whole_microseconds()).unwrap();
        self.sql(&format!(
            "UPDATE tickets SET creation_date = creation_date - {us},
                                updated_at = updated_at - {us} WHERE id = {id}"
        ))
        .await;
    }

    /// A stored timestamp column of one row, in microseconds: replies carry whole seconds, so
    /// "changed at all" is checked here.
    pub async fn stored_micros(&self, table: &'static str, column: &'static str, id: i64) -> i64 {
        let rows = self
            .sql(&format!("SELECT {column} FROM {table} WHERE id = {id}"))
            .await;
        rows[0][0].as_deref().unwrap().parse().unwrap()
    }

    /// Every stored row of every table, as text: equal snapshots mean nothing changed.
    pub async fn snapshot(&self) -> String {
        let mut out = String::new();
        for table in ["users", "tickets", "comments", "activity_log", "sessions"] {
            for row in self
                .sql(&format!("SELECT * FROM {table} ORDER BY id"))
                .await
            {
                out.push_str(&format!("{table} {row:?}\n"));
            }
        }
        out
    }
}

/// One activity-log row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub details: String,
    pub ticket_id: Option<i64>,
}

/// The ids of a page's items, in order.
pub fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}
